// Low-score alerts, hand-computed (SPEC "The kiosk (staff side)": three
// lowest-answer taps within 10 minutes, or the last hour's headline below the
// standard with at least 10 responses).
#include "app/alerts.h"

#include <catch2/catch.hpp>

using namespace touchpoint;

namespace {
constexpr std::int64_t t0 = 1'774'800'000'000;
constexpr std::int64_t minute = 60'000;

int count_rule(const std::vector<LowScoreAlert>& a, LowScoreAlert::Rule r) {
    int n = 0;
    for (const auto& x : a)
        n += x.rule == r;
    return n;
}
constexpr auto lowest = LowScoreAlert::Rule::lowest_answers;
constexpr auto hour = LowScoreAlert::Rule::hour_below_standard;
} // namespace

TEST_CASE("three lowest answers within 10 minutes raise an alert, on every scale", "[alerts]") {
    for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs}) {
        INFO(to_string(s));
        const int low = scale_info(s).min;
        LowScoreAlerts a(s, 0); // a standard nothing falls below on the % scales
        if (s == Scale::nps) a = LowScoreAlerts(s, -100);
        if (s == Scale::ces7) a = LowScoreAlerts(s, 1);
        CHECK(count_rule(a.on_tap({t0, low, false}), lowest) == 0);
        CHECK(count_rule(a.on_tap({t0 + 4 * minute, low, false}), lowest) == 0);
        auto raised =
            a.on_tap({t0 + 10 * minute, low, false}); // exactly 10 minutes after the first
        REQUIRE(count_rule(raised, lowest) == 1);
        CHECK(raised.front().utc_ms == t0 + 10 * minute);
        CHECK(raised.front().message.find("within 10 minutes") != std::string::npos);
        // The three are used up: a fourth alone raises nothing.
        CHECK(count_rule(a.on_tap({t0 + 11 * minute, low, false}), lowest) == 0);
    }
}

TEST_CASE("three lowest answers spread over more than 10 minutes do not", "[alerts]") {
    LowScoreAlerts a(Scale::smiley5, 0);
    a.on_tap({t0, 1, false});
    a.on_tap({t0 + 5 * minute, 1, false});
    CHECK(a.on_tap({t0 + 10 * minute + 1, 1, false}).empty()); // the first is 10 min + 1 ms old
    CHECK(count_rule(a.on_tap({t0 + 12 * minute, 1, false}), lowest) == 1); // 5, 10+, 12
}

TEST_CASE("misuse-flagged and non-lowest taps are not counted", "[alerts]") {
    LowScoreAlerts a(Scale::smiley5, 0);
    a.on_tap({t0, 1, false});
    CHECK(a.on_tap({t0 + minute, 1, true}).empty());
    CHECK(a.on_tap({t0 + 2 * minute, 2, false}).empty()); // low, but not the lowest answer
    CHECK(a.on_tap({t0 + 3 * minute, 1, true}).empty());
    CHECK(count_rule(a.on_tap({t0 + 4 * minute, 1, false}), lowest) == 0); // only 2 counted
    CHECK(count_rule(a.on_tap({t0 + 5 * minute, 1, false}), lowest) == 1);
}

TEST_CASE("the last hour below the standard alerts from the 10th response, not the 9th",
          "[alerts]") {
    SECTION("smiley5: CSAT = % of 4-5 against 85 %") {
        LowScoreAlerts a(Scale::smiley5, 85);
        // 6 happy, 3 unhappy (not the lowest): CSAT 66.7 % with 9 responses.
        for (int i = 0; i < 6; ++i)
            CHECK(a.on_tap({t0 + i * minute, 5, false}).empty());
        for (int i = 6; i < 9; ++i)
            CHECK(a.on_tap({t0 + i * minute, 2, false}).empty());
        CHECK(a.hour_count(t0 + 9 * minute) == 9);
        // A misuse tap is not the 10th response.
        CHECK(a.on_tap({t0 + 9 * minute, 2, true}).empty());
        auto raised = a.on_tap({t0 + 10 * minute, 4, false}); // 7 of 10 = 70 %
        REQUIRE(count_rule(raised, hour) == 1);
        CHECK(raised.front().message ==
              "The last hour's CSAT is 70 %, below the standard of 85 % (10 responses).");
        // It does not repeat on every tap while the hour stays low.
        CHECK(a.on_tap({t0 + 11 * minute, 2, false}).empty());
    }
    SECTION("nps: % 9-10 minus % 0-6 against 30") {
        LowScoreAlerts a(Scale::nps, 30);
        // 5 promoters, 2 passives, 2 detractors (score 3): NPS (5-2)/9 = 33 -> meets.
        for (int i = 0; i < 5; ++i)
            a.on_tap({t0 + i * minute, 10, false});
        for (int i = 5; i < 7; ++i)
            a.on_tap({t0 + i * minute, 8, false});
        for (int i = 7; i < 9; ++i)
            CHECK(a.on_tap({t0 + i * minute, 3, false}).empty());
        // 10th: a detractor -> (5-3)/10 = 20 < 30.
        CHECK(count_rule(a.on_tap({t0 + 9 * minute, 3, false}), hour) == 1);
    }
    SECTION("ces7: mean score against 5") {
        LowScoreAlerts a(Scale::ces7, 5);
        for (int i = 0; i < 9; ++i)
            CHECK(a.on_tap({t0 + i * minute, 4, false}).empty()); // mean 4 but 9
        auto raised = a.on_tap({t0 + 9 * minute, 4, false});
        REQUIRE(count_rule(raised, hour) == 1);
        CHECK(raised.front().message.find("CES is 4.0") != std::string::npos);
    }
    SECTION("thumbs: % up against 80") {
        LowScoreAlerts a(Scale::thumbs, 80);
        for (int i = 0; i < 7; ++i)
            a.on_tap({t0 + i * minute, 1, false});
        CHECK(a.on_tap({t0 + 7 * minute, 0, false}).empty()); // 7 of 8
        CHECK(a.on_tap({t0 + 8 * minute, 0, false}).empty()); // 7 of 9 = 78 %, but only 9
        CHECK(a.on_tap({t0 + 9 * minute, 1, false}).empty()); // 8 of 10 = 80 %: meets
        auto raised = a.on_tap({t0 + 10 * minute, 0, false}); // 8 of 11 = 73 %
        CHECK(count_rule(raised, hour) == 1);
        CHECK(count_rule(raised, lowest) == 1); // and the third down within 10 minutes
    }
    SECTION("smiley4: meeting the standard raises nothing") {
        LowScoreAlerts a(Scale::smiley4, 85);
        for (int i = 0; i < 20; ++i)
            CHECK(a.on_tap({t0 + i * minute, 3, false}).empty());
    }
}

TEST_CASE("only the last hour counts, and rule 2 re-arms after recovering", "[alerts]") {
    LowScoreAlerts a(Scale::smiley5, 85);
    // Ten unhappy answers 7 minutes apart: the last hour never holds 10 of them.
    for (int i = 0; i < 10; ++i)
        CHECK(a.on_tap({t0 + i * 7 * minute, 2, false}).empty());
    CHECK(a.hour_count(t0 + 63 * minute) == 9);

    LowScoreAlerts b(Scale::smiley5, 85);
    for (int i = 0; i < 10; ++i)
        b.on_tap({t0 + i * minute, 5, false});
    int alerts = 0;
    for (int i = 10; i < 12; ++i)
        alerts += count_rule(b.on_tap({t0 + i * minute, 2, false}), hour);
    CHECK(alerts == 1); // 10 of 12 = 83 % -> one alert, not two
    for (int i = 12; i < 40; ++i)
        b.on_tap({t0 + i * minute, 5, false}); // recovers: re-armed
    alerts = 0;
    for (int i = 40; i < 50; ++i)
        alerts += count_rule(b.on_tap({t0 + i * minute, 2, false}), hour);
    CHECK(alerts == 1);
}

TEST_CASE("seeding takes in history without alerting; older lowest answers are used up",
          "[alerts]") {
    LowScoreAlerts a(Scale::smiley5, 0);
    a.seed({{t0, 1, false}, {t0 + minute, 1, false}, {t0 + 2 * minute, 1, false}}, t0 + minute);
    // Only the tap after the last persisted alert counts: 1 + this one = 2.
    CHECK(a.on_tap({t0 + 3 * minute, 1, false}).empty());
    CHECK(count_rule(a.on_tap({t0 + 4 * minute, 1, false}), lowest) == 1);
}

TEST_CASE("the rules' windows run on the monotonic clock: a moved wall clock neither makes "
          "nor hides an alert",
          "[alerts][clock]") {
    constexpr std::int64_t hour_ms = 60 * minute;
    constexpr std::int64_t m0 = 5'000'000; // the monotonic clock, ms since boot
    SECTION("lowest answers 20 real minutes apart, the wall clock put back an hour between") {
        LowScoreAlerts a(Scale::smiley5, 0);
        CHECK(a.on_tap({t0, 1, false, m0}).empty());
        CHECK(a.on_tap({t0 + 4 * minute, 1, false, m0 + 4 * minute}).empty());
        // By the wall clock this tap is 36 minutes *before* the first: the old
        // wall-clock window held all three.
        auto raised = a.on_tap({t0 + 20 * minute - hour_ms, 1, false, m0 + 20 * minute});
        CHECK(count_rule(raised, lowest) == 0);
    }
    SECTION("three lowest answers within 10 real minutes, the wall clock a day ahead between") {
        LowScoreAlerts a(Scale::smiley5, 0);
        a.on_tap({t0, 1, false, m0});
        a.on_tap({t0 + 24 * hour_ms, 1, false, m0 + 2 * minute});
        auto raised = a.on_tap({t0 + 24 * hour_ms + minute, 1, false, m0 + 3 * minute});
        REQUIRE(count_rule(raised, lowest) == 1);
        CHECK(raised.front().utc_ms == t0 + 24 * hour_ms + minute); // stamped by the wall clock
    }
    SECTION("after a dip alert, a day's jump forward of the wall clock does not end the quiet hour "
            "early, and its correction does not prolong it") {
        LowScoreAlerts a(Scale::smiley5, 80);
        std::int64_t mono = m0, wall = t0;
        int alerts = 0;
        for (int i = 0; i < 10; ++i, mono += minute, wall += minute)
            alerts += count_rule(a.on_tap({wall, 2, false, mono}), hour);
        REQUIRE(alerts == 1);
        wall += 24 * hour_ms; // a day ahead: still within the quiet hour
        for (int i = 0; i < 10; ++i, mono += minute, wall += minute)
            CHECK(count_rule(a.on_tap({wall, 2, false, mono}), hour) == 0);
        wall -= 24 * hour_ms; // corrected back: an hour after the alert it alerts again
        mono += 45 * minute;
        int later = 0;
        for (int i = 0; i < 10; ++i, mono += minute, wall += minute)
            later += count_rule(a.on_tap({wall, 2, false, mono}), hour);
        CHECK(later == 1);
    }
}
