// Local days and hours in a touch point's zone, including DST changes
// (SPEC: "Days are local days in the touch point's time zone (DST-proof)").
#include "core/local_time.h"
#include "core/metrics.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>

using namespace touchpoint;

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (civil calendar).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// Milliseconds since the epoch of a UTC date and time.
std::int64_t utc_ms(int y, int mo, int d, int h, int mi, int s = 0) {
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + s * 1000;
}

constexpr std::int64_t k_hour_ms = 3'600'000;
const std::string k_auckland = "Pacific/Auckland";
const std::string k_berlin = "Europe/Berlin";
} // namespace

TEST_CASE("time zone names are checked against the database", "[local_time]") {
    CHECK(check_time_zone("UTC").ok());
    CHECK(check_time_zone(k_auckland).ok());
    CHECK(check_time_zone(k_berlin).ok());
    Status bad = check_time_zone("Mars/Olympus_Mons");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error(), Catch::Contains("Mars/Olympus_Mons"));
    CHECK_THAT(bad.error(), Catch::Contains("unknown time zone"));
}

TEST_CASE("local stamp fields in a plain zone", "[local_time]") {
    LocalStamp s = local_stamp("UTC", utc_ms(2026, 3, 4, 13, 7, 9));
    CHECK(s.iso == "2026-03-04T13:07:09+00:00");
    CHECK(s.day == "2026-03-04");
    CHECK(s.hour == 13);
    CHECK(s.minute_of_day == 13 * 60 + 7);
    CHECK(s.weekday == 2); // a Wednesday
    CHECK(s.offset_minutes == 0);

    LocalStamp ny = local_stamp("America/New_York", utc_ms(2026, 1, 15, 3, 30));
    CHECK(ny.iso == "2026-01-14T22:30:00-05:00"); // the previous local day
    CHECK(ny.day == "2026-01-14");
    CHECK(ny.offset_minutes == -300);

    LocalStamp kolkata = local_stamp("Asia/Kolkata", utc_ms(2026, 1, 15, 20, 0));
    CHECK(kolkata.iso == "2026-01-16T01:30:00+05:30");
}

TEST_CASE("an unknown zone falls back to UTC", "[local_time]") {
    LocalStamp s = local_stamp("Nowhere/Special", utc_ms(2026, 6, 1, 10, 0));
    CHECK(s.iso == "2026-06-01T10:00:00+00:00");
}

TEST_CASE("the chrono overload agrees with the milliseconds one", "[local_time]") {
    const std::int64_t ms = utc_ms(2026, 4, 4, 13, 30) + 999;
    std::chrono::system_clock::time_point tp{std::chrono::milliseconds{ms}};
    CHECK(local_stamp(k_auckland, tp).iso == local_stamp(k_auckland, ms).iso);
    CHECK(local_stamp(k_auckland, ms).iso == "2026-04-05T02:30:00+13:00"); // ms are floored
}

TEST_CASE("weekday runs Monday 0 to Sunday 6", "[local_time]") {
    // 2026-06-15 is a Monday; noon UTC is 00:00 next day in Auckland (+12).
    for (int i = 0; i < 7; ++i) {
        CAPTURE(i);
        CHECK(local_stamp("UTC", utc_ms(2026, 6, 15 + i, 12, 0)).weekday == i);
    }
    CHECK(local_stamp(k_auckland, utc_ms(2026, 6, 15, 12, 0)).weekday == 1); // Tue 00:00
    CHECK(local_stamp(k_auckland, utc_ms(2026, 6, 15, 11, 59)).weekday == 0); // Mon 23:59
}

// --- Pacific/Auckland: DST ends 2026-04-05 03:00 NZDT (+13) -> 02:00 NZST (+12) ---

TEST_CASE("Auckland fall-back: the repeated hour", "[local_time][dst]") {
    // 03:00 NZDT = 14:00 UTC on 2026-04-04. 13:30Z and 14:30Z are both 02:30.
    LocalStamp first = local_stamp(k_auckland, utc_ms(2026, 4, 4, 13, 30));
    LocalStamp second = local_stamp(k_auckland, utc_ms(2026, 4, 4, 14, 30));
    CHECK(first.iso == "2026-04-05T02:30:00+13:00");
    CHECK(second.iso == "2026-04-05T02:30:00+12:00");
    CHECK(first.day == second.day);
    CHECK(first.day == "2026-04-05");
    CHECK(first.hour == 2);
    CHECK(second.hour == 2);
    CHECK(first.offset_minutes == 13 * 60);
    CHECK(second.offset_minutes == 12 * 60);
    CHECK(first.weekday == 6); // Sunday
    CHECK(second.weekday == 6);

    // Either side of the switch.
    CHECK(local_stamp(k_auckland, utc_ms(2026, 4, 4, 13, 59, 59)).iso == "2026-04-05T02:59:59+13:00");
    CHECK(local_stamp(k_auckland, utc_ms(2026, 4, 4, 14, 0, 0)).iso == "2026-04-05T02:00:00+12:00");
}

TEST_CASE("Auckland fall-back day has 25 hours, all on one local day", "[local_time][dst]") {
    // Local 2026-04-05 00:00 (+13) = 2026-04-04 11:00Z; 2026-04-06 00:00 (+12) =
    // 2026-04-05 12:00Z: 25 hours apart.
    const std::int64_t start = utc_ms(2026, 4, 4, 11, 0);
    const std::int64_t end = utc_ms(2026, 4, 5, 12, 0);
    CHECK(end - start == 25 * k_hour_ms);
    CHECK(local_stamp(k_auckland, start - 1000).day == "2026-04-04"); // 23:59:59 the day before
    CHECK(local_stamp(k_auckland, start).iso == "2026-04-05T00:00:00+13:00");
    CHECK(local_stamp(k_auckland, end - 1000).iso == "2026-04-05T23:59:59+12:00");
    CHECK(local_stamp(k_auckland, end).iso == "2026-04-06T00:00:00+12:00");

    // One tap in the middle of every real hour of the day: 25 taps. Score by
    // tap number k = 0..24: k % 5 == 0 -> 1, k % 5 == 1 -> 3, else 5.
    std::map<std::string, ScoreCounts> by_day;
    std::map<int, int> taps_per_hour;
    auto tap = [&](std::int64_t ms, int score) {
        LocalStamp s = local_stamp(k_auckland, ms);
        ScoreCounts& c = by_day[s.day];
        c.scale = Scale::smiley5;
        c.add(score, false);
        if (s.day == "2026-04-05") ++taps_per_hour[s.hour];
    };
    for (int k = 0; k < 25; ++k) tap(start + k * k_hour_ms + 30 * 60'000, k % 5 == 0 ? 1 : (k % 5 == 1 ? 3 : 5));
    tap(start - 30 * 60'000, 1); // 23:30 on 2026-04-04: another day
    tap(end + 30 * 60'000, 1);   // 00:30 on 2026-04-06: another day

    REQUIRE(by_day.count("2026-04-05") == 1);
    CHECK(by_day.size() == 3);
    CHECK(by_day["2026-04-04"].counted_total() == 1);
    CHECK(by_day["2026-04-06"].counted_total() == 1);

    CHECK(taps_per_hour.size() == 24); // every local hour 0..23 ...
    CHECK(taps_per_hour[2] == 2);      // ... and 02:xx twice
    CHECK(taps_per_hour[1] == 1);
    CHECK(taps_per_hour[3] == 1);

    Metrics m = compute_metrics(by_day["2026-04-05"]);
    CHECK(m.count == 25);
    REQUIRE(m.headline);
    // 5 ones (k = 0,5,10,15,20), 5 threes (k = 1,6,11,16,21), 15 fives:
    // CSAT = 15 / 25 = 60 %
    CHECK(*m.headline == Approx(60.0));
    // mean = (5*1 + 5*3 + 15*5) / 25 = 95 / 25 = 3.8; index = (3.8 - 1) / 4 * 100 = 70
    CHECK(*m.satisfaction_index == Approx(70.0));
}

TEST_CASE("Auckland spring-forward: 02:00 NZST jumps to 03:00 NZDT", "[local_time][dst]") {
    // 2026-09-27 02:00 (+12) = 2026-09-26 14:00Z.
    CHECK(local_stamp(k_auckland, utc_ms(2026, 9, 26, 13, 59, 59)).iso == "2026-09-27T01:59:59+12:00");
    CHECK(local_stamp(k_auckland, utc_ms(2026, 9, 26, 14, 0, 0)).iso == "2026-09-27T03:00:00+13:00");

    // The day has 23 hours: 2026-09-26 12:00Z to 2026-09-27 11:00Z, and no 02:xx.
    const std::int64_t start = utc_ms(2026, 9, 26, 12, 0);
    const std::int64_t end = utc_ms(2026, 9, 27, 11, 0);
    CHECK(local_stamp(k_auckland, start).iso == "2026-09-27T00:00:00+12:00");
    CHECK(local_stamp(k_auckland, end).iso == "2026-09-28T00:00:00+13:00");
    std::map<int, int> hours;
    for (std::int64_t t = start; t < end; t += k_hour_ms) {
        LocalStamp s = local_stamp(k_auckland, t);
        CHECK(s.day == "2026-09-27");
        ++hours[s.hour];
    }
    CHECK(hours.size() == 23);
    CHECK(hours.count(2) == 0);
}

// --- Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET ---

TEST_CASE("Berlin spring-forward and fall-back", "[local_time][dst]") {
    CHECK(local_stamp(k_berlin, utc_ms(2026, 3, 29, 0, 59, 59)).iso == "2026-03-29T01:59:59+01:00");
    CHECK(local_stamp(k_berlin, utc_ms(2026, 3, 29, 1, 0, 0)).iso == "2026-03-29T03:00:00+02:00");

    LocalStamp first = local_stamp(k_berlin, utc_ms(2026, 10, 25, 0, 30));
    LocalStamp second = local_stamp(k_berlin, utc_ms(2026, 10, 25, 1, 30));
    CHECK(first.iso == "2026-10-25T02:30:00+02:00");
    CHECK(second.iso == "2026-10-25T02:30:00+01:00");
    CHECK(first.hour == 2);
    CHECK(second.hour == 2);
    CHECK(first.day == second.day);

    // 2026-10-25 00:00 (+02) = 10-24 22:00Z; 10-26 00:00 (+01) = 10-25 23:00Z: 25 hours.
    const std::int64_t start = utc_ms(2026, 10, 24, 22, 0);
    for (int k = 0; k < 25; ++k) CHECK(local_stamp(k_berlin, start + k * k_hour_ms).day == "2026-10-25");
    CHECK(local_stamp(k_berlin, start + 25 * k_hour_ms).day == "2026-10-26");
    CHECK(local_stamp(k_berlin, start - 1000).day == "2026-10-24");
}

TEST_CASE("NPS from taps across the Berlin fall-back day", "[local_time][dst]") {
    // 25 taps, one per real hour of 2026-10-25 in Berlin. Taps 0..14 score 10
    // (promoters), 15..19 score 8 (passives), 20..24 score 3 (detractors).
    ScoreCounts c;
    c.scale = Scale::nps;
    const std::int64_t start = utc_ms(2026, 10, 24, 22, 15);
    for (int k = 0; k < 25; ++k) {
        LocalStamp s = local_stamp(k_berlin, start + k * k_hour_ms);
        REQUIRE(s.day == "2026-10-25");
        c.add(k < 15 ? 10 : (k < 20 ? 8 : 3), false);
    }
    Metrics m = compute_metrics(c);
    CHECK(m.count == 25);
    REQUIRE(m.headline);
    // NPS = 15/25*100 - 5/25*100 = 60 - 20 = 40
    CHECK(*m.headline == Approx(40.0));
    CHECK(m.small_sample); // 25 < 30
}

// --- add_days ---

TEST_CASE("add_days does calendar arithmetic", "[local_time]") {
    CHECK(add_days("2026-03-29", 0) == "2026-03-29");
    CHECK(add_days("2026-03-29", 1) == "2026-03-30");
    CHECK(add_days("2026-01-31", 1) == "2026-02-01");
    CHECK(add_days("2026-02-28", 1) == "2026-03-01");   // 2026 is not a leap year
    CHECK(add_days("2028-02-28", 1) == "2028-02-29");   // 2028 is
    CHECK(add_days("2028-02-29", 1) == "2028-03-01");
    CHECK(add_days("2100-02-28", 1) == "2100-03-01");   // century, not a leap year
    CHECK(add_days("2000-02-28", 1) == "2000-02-29");   // 400-year rule
    CHECK(add_days("2026-12-31", 1) == "2027-01-01");
    CHECK(add_days("2027-01-01", -1) == "2026-12-31");
    CHECK(add_days("2026-03-01", -1) == "2026-02-28");
    CHECK(add_days("2026-04-30", 1) == "2026-05-01");
    CHECK(add_days("2026-01-10", -20) == "2025-12-21");
    CHECK(add_days("2026-01-01", 365) == "2027-01-01");
    CHECK(add_days("2028-01-01", 366) == "2029-01-01");
    CHECK(add_days("2026-11-20", 45) == "2027-01-04");
}

TEST_CASE("add_days leaves a malformed day unchanged", "[local_time]") {
    CHECK(add_days("yesterday", 1) == "yesterday");
    CHECK(add_days("", -1) == "");
}

TEST_CASE("weekdays of local days", "[local_time]") {
    CHECK(weekday_of("2026-03-30") == 0); // Monday
    CHECK(weekday_of("2026-03-29") == 6); // Sunday
    CHECK(weekday_of("2024-02-29") == 3); // Thursday
    CHECK(weekday_of("1970-01-01") == 3);
    CHECK(weekday_of("nonsense") == -1);
}
