// Touch point settings: opening hours, the [touch_point] TOML table and its
// error messages, and whether the touch point is open at an instant.
#include "core/touch_point.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

using namespace touchpoint;

namespace {
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// A UTC date and time as a time point.
std::chrono::system_clock::time_point utc(int y, int mo, int d, int h, int mi, int s = 0) {
    const std::int64_t secs = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s;
    return std::chrono::system_clock::time_point{std::chrono::seconds{secs}};
}

std::vector<OpenInterval> intervals(const std::string& text) {
    auto r = parse_open_intervals(text);
    INFO(text << ": " << (r.ok() ? std::string() : r.error()));
    REQUIRE(r.ok());
    return *r;
}
} // namespace

// --- Opening hours ---

TEST_CASE("parse_open_intervals accepts ranges, closed and 24h", "[touch_point]") {
    auto two = intervals("08:00-12:00, 13:00-17:30");
    REQUIRE(two.size() == 2);
    CHECK(two[0].open_minute == 8 * 60);
    CHECK(two[0].close_minute == 12 * 60);
    CHECK(two[1].open_minute == 13 * 60);
    CHECK(two[1].close_minute == 17 * 60 + 30);

    CHECK(intervals("closed").empty());
    CHECK(intervals("  closed ").empty());

    auto all_day = intervals("24h");
    REQUIRE(all_day.size() == 1);
    CHECK(all_day[0].open_minute == 0);
    CHECK(all_day[0].close_minute == 1440);

    auto to_midnight = intervals("22:00-24:00");
    REQUIRE(to_midnight.size() == 1);
    CHECK(to_midnight[0].close_minute == 1440);

    auto loose = intervals(" 9:05 - 17:45 ");
    REQUIRE(loose.size() == 1);
    CHECK(loose[0].open_minute == 9 * 60 + 5);
    CHECK(loose[0].close_minute == 17 * 60 + 45);
}

TEST_CASE("parse_open_intervals rejects bad ranges", "[touch_point]") {
    for (const char* bad : {"", "8-12", "08:00", "08:00-", "-12:00", "12:00-08:00", "08:00-08:00",
                            "25:00-26:00", "08:60-09:00", "08:00-24:30", "08:00-12:00-13:00",
                            "08:00:00-12:00", "eight to noon", "open", ", 08:00-12:00"}) {
        CAPTURE(bad);
        auto r = parse_open_intervals(bad);
        CHECK_FALSE(r.ok());
        if (!r.ok()) CHECK_FALSE(r.error().empty());
    }
    auto backwards = parse_open_intervals("17:00-09:00");
    REQUIRE_FALSE(backwards.ok());
    CHECK_THAT(backwards.error(), Catch::Contains("17:00-09:00"));
    CHECK_THAT(backwards.error(), Catch::Contains("closes before it opens"));
}

TEST_CASE("OpeningHours::is_open is half-open per interval", "[touch_point]") {
    OpeningHours h;
    h.days[0] = intervals("08:00-12:00, 13:00-17:30");
    CHECK_FALSE(h.is_open(0, 8 * 60 - 1));
    CHECK(h.is_open(0, 8 * 60));
    CHECK(h.is_open(0, 12 * 60 - 1));
    CHECK_FALSE(h.is_open(0, 12 * 60)); // lunch
    CHECK(h.is_open(0, 13 * 60));
    CHECK_FALSE(h.is_open(0, 17 * 60 + 30));
    CHECK_FALSE(h.is_open(1, 9 * 60)); // Tuesday not given: closed
    CHECK_FALSE(h.is_open(-1, 9 * 60));
    CHECK_FALSE(h.is_open(7, 9 * 60));

    OpeningHours always = OpeningHours::always_open();
    for (int d = 0; d < 7; ++d) {
        CHECK(always.is_open(d, 0));
        CHECK(always.is_open(d, 1439));
    }
}

// --- TouchPointSettings::is_open ---

TEST_CASE("is_open across midnight in Pacific/Auckland", "[touch_point]") {
    // Open Monday 22:00 to Tuesday 02:00 local time, in winter (NZST, +12).
    TouchPointSettings tp;
    tp.time_zone = "Pacific/Auckland";
    tp.opening_hours = OpeningHours{};
    tp.opening_hours.days[0] = intervals("22:00-24:00");
    tp.opening_hours.days[1] = intervals("00:00-02:00");
    // 2026-06-15 is a Monday. Local = UTC + 12.
    CHECK_FALSE(tp.is_open(utc(2026, 6, 15, 9, 59)));  // Mon 21:59
    CHECK(tp.is_open(utc(2026, 6, 15, 10, 0)));        // Mon 22:00
    CHECK(tp.is_open(utc(2026, 6, 15, 11, 59, 59)));   // Mon 23:59:59
    CHECK(tp.is_open(utc(2026, 6, 15, 12, 0)));        // Tue 00:00
    CHECK(tp.is_open(utc(2026, 6, 15, 13, 59)));       // Tue 01:59
    CHECK_FALSE(tp.is_open(utc(2026, 6, 15, 14, 0)));  // Tue 02:00
    CHECK_FALSE(tp.is_open(utc(2026, 6, 16, 10, 30))); // Tue 22:30: Tuesday has no evening
}

TEST_CASE("is_open on the Auckland fall-back day: the repeated hour is open twice", "[touch_point][dst]") {
    // 2026-04-05 (Sunday): 03:00 NZDT (+13) becomes 02:00 NZST (+12) at 14:00Z on 04-04.
    TouchPointSettings tp;
    tp.time_zone = "Pacific/Auckland";
    tp.opening_hours = OpeningHours{};
    tp.opening_hours.days[6] = intervals("02:00-03:00");
    CHECK_FALSE(tp.is_open(utc(2026, 4, 4, 12, 59))); // 01:59 +13
    CHECK(tp.is_open(utc(2026, 4, 4, 13, 0)));        // 02:00 +13
    CHECK(tp.is_open(utc(2026, 4, 4, 13, 30)));       // 02:30 +13
    CHECK(tp.is_open(utc(2026, 4, 4, 14, 0)));        // 02:00 +12 (again)
    CHECK(tp.is_open(utc(2026, 4, 4, 14, 59)));       // 02:59 +12
    CHECK_FALSE(tp.is_open(utc(2026, 4, 4, 15, 0)));  // 03:00 +12
}

TEST_CASE("is_open on the Auckland spring-forward day", "[touch_point][dst]") {
    // 2026-09-27 (Sunday): 02:00 NZST (+12) becomes 03:00 NZDT (+13) at 14:00Z on 09-26.
    TouchPointSettings tp;
    tp.time_zone = "Pacific/Auckland";
    tp.opening_hours = OpeningHours{};
    tp.opening_hours.days[6] = intervals("09:00-17:00");
    CHECK_FALSE(tp.is_open(utc(2026, 9, 26, 19, 59))); // 08:59 +13
    CHECK(tp.is_open(utc(2026, 9, 26, 20, 0)));        // 09:00 +13 (would be 08:00 at +12)
    CHECK(tp.is_open(utc(2026, 9, 27, 3, 59)));        // 16:59 +13
    CHECK_FALSE(tp.is_open(utc(2026, 9, 27, 4, 0)));   // 17:00 +13

    // An hour that does not exist that day is never open.
    tp.opening_hours.days[6] = intervals("02:00-03:00");
    CHECK_FALSE(tp.is_open(utc(2026, 9, 26, 13, 59))); // 01:59 +12
    CHECK_FALSE(tp.is_open(utc(2026, 9, 26, 14, 0)));  // 03:00 +13
    // A week earlier the same hour exists: 02:30 +12 on 2026-09-20 = 14:30Z on 09-19.
    CHECK(tp.is_open(utc(2026, 9, 19, 14, 30)));
}

TEST_CASE("default settings are always open", "[touch_point]") {
    TouchPointSettings tp;
    CHECK(tp.is_open(utc(2026, 1, 1, 0, 0)));
    CHECK(tp.is_open(utc(2026, 7, 4, 23, 59)));
}

// --- parse_touch_point_toml ---

TEST_CASE("parse_touch_point_toml reads every setting", "[touch_point]") {
    const char* text = R"(
[touch_point]
key = "checkout-1"
name = "Checkout 1"
store = "Ponsonby"
time_zone = "Pacific/Auckland"
response_interval_s = 4
idle_timeout_s = 20.5
thank_you_s = 3
service_standard = 90
cx_statement = "Every customer leaves smiling."
survey = "surveys/checkout.toml"
journey_position = 3
owner = { name = "Mere Tāne", email = "mere@example.com" }

[touch_point.opening_hours]
mon = "08:00-12:00, 13:00-17:30"
sat = "24h"
sun = "closed"
)";
    auto r = parse_touch_point_toml(text, "kiosk.toml");
    INFO((r.ok() ? std::string() : r.error()));
    REQUIRE(r.ok());
    const TouchPointSettings& tp = *r;
    CHECK(tp.key == "checkout-1");
    CHECK(tp.name == "Checkout 1");
    CHECK(tp.store == "Ponsonby");
    CHECK(tp.time_zone == "Pacific/Auckland");
    CHECK(tp.response_interval_s == 4.0);
    CHECK(tp.idle_timeout_s == 20.5);
    CHECK(tp.thank_you_s == 3.0);
    CHECK(tp.service_standard == 90.0);
    CHECK(tp.cx_statement == "Every customer leaves smiling.");
    CHECK(tp.survey == "surveys/checkout.toml");
    CHECK(tp.journey_position == 3);
    CHECK(tp.owner_name == "Mere Tāne");
    CHECK(tp.owner_email == "mere@example.com");
    CHECK(tp.opening_hours.days[0].size() == 2);
    CHECK(tp.opening_hours.days[1].empty()); // not named: closed
    CHECK(tp.opening_hours.days[5].size() == 1);
    CHECK(tp.opening_hours.days[6].empty());
}

TEST_CASE("parse_touch_point_toml defaults", "[touch_point]") {
    auto r = parse_touch_point_toml("[touch_point]\nkey = \"help-desk\"\n", "kiosk.toml");
    REQUIRE(r.ok());
    CHECK(r->key == "help-desk");
    CHECK(r->time_zone == "UTC");
    CHECK(r->response_interval_s == 5.0);
    CHECK(r->idle_timeout_s == 15.0);
    CHECK(r->thank_you_s == 2.5);
    CHECK(r->service_standard == 85.0);
    CHECK(r->opening_hours.is_open(3, 3 * 60)); // always open
}

namespace {
// Parses `[touch_point]` + `body` and returns the error (empty when it parsed).
std::string error_of(const std::string& body) {
    auto r = parse_touch_point_toml("[touch_point]\nkey = \"k\"\n" + body, "store-7.toml");
    return r.ok() ? std::string() : r.error();
}
} // namespace

TEST_CASE("parse_touch_point_toml errors name the file, the key and what is wrong", "[touch_point]") {
    SECTION("unknown time zone") {
        std::string e = error_of("time_zone = \"Pacific/Atlantis\"\n");
        CHECK_THAT(e, Catch::Contains("store-7.toml"));
        CHECK_THAT(e, Catch::Contains("time_zone"));
        CHECK_THAT(e, Catch::Contains("unknown time zone"));
        CHECK_THAT(e, Catch::Contains("Pacific/Atlantis"));
    }
    SECTION("idle timeout too small") {
        std::string e = error_of("idle_timeout_s = 0\n");
        CHECK_THAT(e, Catch::StartsWith("store-7.toml"));
        CHECK_THAT(e, Catch::Contains("idle_timeout_s"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("idle timeout too large") {
        std::string e = error_of("idle_timeout_s = 86400\n");
        CHECK_THAT(e, Catch::Contains("store-7.toml"));
        CHECK_THAT(e, Catch::Contains("idle_timeout_s"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("idle timeout not a number") {
        std::string e = error_of("idle_timeout_s = \"15\"\n");
        CHECK_THAT(e, Catch::Contains("idle_timeout_s"));
        CHECK_THAT(e, Catch::Contains("must be a number"));
    }
    SECTION("idle timeout nan") {
        std::string e = error_of("idle_timeout_s = nan\n");
        CHECK_THAT(e, Catch::Contains("idle_timeout_s"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("a huge whole number is out of range, not 'not a number'") {
        std::string e = error_of("idle_timeout_s = 9223372036854775807\n");
        CHECK_THAT(e, Catch::Contains("idle_timeout_s"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("service standard out of range") {
        std::string e = error_of("service_standard = 101\n");
        CHECK_THAT(e, Catch::Contains("service_standard"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("name of the wrong type") {
        std::string e = error_of("name = 7\n");
        CHECK_THAT(e, Catch::Contains("store-7.toml"));
        CHECK_THAT(e, Catch::Contains("name"));
        CHECK_THAT(e, Catch::Contains("must be a string"));
    }
    SECTION("bad opening hours") {
        std::string e = error_of("[touch_point.opening_hours]\nmon = \"9 to 5\"\n");
        CHECK_THAT(e, Catch::Contains("store-7.toml"));
        CHECK_THAT(e, Catch::Contains("opening_hours.mon"));
        CHECK_THAT(e, Catch::Contains("9 to 5"));
    }
    SECTION("unknown weekday") {
        std::string e = error_of("[touch_point.opening_hours]\nmonday = \"08:00-17:00\"\n");
        CHECK_THAT(e, Catch::Contains("opening_hours.monday"));
        CHECK_THAT(e, Catch::Contains("unknown weekday"));
    }
    SECTION("empty key") {
        auto r = parse_touch_point_toml("[touch_point]\nkey = \"\"\n", "store-7.toml");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains("key"));
        CHECK_THAT(r.error(), Catch::Contains("must not be empty"));
    }
    SECTION("missing table") {
        auto r = parse_touch_point_toml("[device]\nserver = \"x\"\n", "store-7.toml");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains("store-7.toml"));
        CHECK_THAT(r.error(), Catch::Contains("[touch_point]"));
    }
    SECTION("not TOML at all") {
        auto r = parse_touch_point_toml("[touch_point\nkey = ", "store-7.toml");
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::StartsWith("store-7.toml:1"));
        CHECK_THAT(r.error(), Catch::Contains("not valid TOML"));
    }
}
