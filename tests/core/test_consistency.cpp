// Consistency level per SPEC "Scales and metrics": the last 20 open days with at
// least 10 counted responses; fewer than 5 such days is "Not yet measured";
// otherwise the share of days that met the standard: < 60 % Ad hoc,
// 60 % to < 90 % Repeatable, >= 90 % Systematic.
#include "core/local_time.h"
#include "core/metrics.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace touchpoint;

namespace {
constexpr double k_target = 85.0; // CSAT >= 85 %

// A smiley5 day with `happy` 5s and `unhappy` 1s (all counted).
DayCounts day(const std::string& d, std::int64_t happy, std::int64_t unhappy, bool open = true) {
    DayCounts dc;
    dc.day = d;
    dc.open = open;
    dc.counts.scale = Scale::smiley5;
    dc.counts.add(5, false, happy);
    dc.counts.add(1, false, unhappy);
    return dc;
}
// 10 responses, CSAT 100 % >= 85 %.
DayCounts met(const std::string& d) { return day(d, 10, 0); }
// 10 responses, CSAT 50 % < 85 %.
DayCounts missed(const std::string& d) { return day(d, 5, 5); }

// `n_met` met days then `n_missed` missed days, on consecutive days ending on
// 2026-03-31 (the order of met/missed does not matter to the share).
std::vector<DayCounts> run(int n_met, int n_missed) {
    std::vector<DayCounts> days;
    int i = 0;
    for (int k = 0; k < n_met; ++k) days.push_back(met(add_days("2026-03-31", -i++)));
    for (int k = 0; k < n_missed; ++k) days.push_back(missed(add_days("2026-03-31", -i++)));
    return days;
}

Consistency level_of(int n_met, int n_missed) {
    return consistency_level(Scale::smiley5, run(n_met, n_missed), k_target);
}
} // namespace

TEST_CASE("consistency level names", "[consistency]") {
    CHECK(to_string(ConsistencyLevel::not_yet_measured) == "Not yet measured");
    CHECK(to_string(ConsistencyLevel::ad_hoc) == "Ad hoc");
    CHECK(to_string(ConsistencyLevel::repeatable) == "Repeatable");
    CHECK(to_string(ConsistencyLevel::systematic) == "Systematic");
}

TEST_CASE("no days at all: not yet measured", "[consistency]") {
    Consistency c = consistency_level(Scale::smiley5, {}, k_target);
    CHECK(c.level == ConsistencyLevel::not_yet_measured);
    CHECK(c.days_measured == 0);
    CHECK(c.days_met == 0);
}

TEST_CASE("4 qualifying days are not enough, 5 are", "[consistency]") {
    Consistency four = level_of(4, 0);
    CHECK(four.level == ConsistencyLevel::not_yet_measured);
    CHECK(four.days_measured == 4);
    CHECK(four.days_met == 4);

    Consistency five = level_of(5, 0);
    CHECK(five.level == ConsistencyLevel::systematic); // 5/5 = 100 %
    CHECK(five.days_measured == 5);
    CHECK(five.days_met == 5);
}

TEST_CASE("a day needs 10 counted responses to qualify", "[consistency]") {
    auto days = run(4, 0);
    SECTION("9 responses: does not qualify") {
        days.push_back(day("2026-01-01", 9, 0));
        CHECK(consistency_level(Scale::smiley5, days, k_target).level ==
              ConsistencyLevel::not_yet_measured);
    }
    SECTION("10 responses: qualifies") {
        days.push_back(day("2026-01-01", 10, 0));
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.level == ConsistencyLevel::systematic);
        CHECK(c.days_measured == 5);
    }
    SECTION("9 counted plus misuse-flagged taps: does not qualify") {
        DayCounts d = day("2026-01-01", 9, 0);
        d.counts.add(5, true, 5);
        days.push_back(d);
        CHECK(consistency_level(Scale::smiley5, days, k_target).days_measured == 4);
    }
    SECTION("misuse-flagged taps do not decide whether a day met the standard") {
        // 10 counted 5s (CSAT 100 %) and 10 flagged 1s: met, since misuse is excluded.
        DayCounts d = day("2026-01-01", 10, 0);
        d.counts.add(1, true, 10);
        days.push_back(d);
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.days_measured == 5);
        CHECK(c.days_met == 5);
    }
}

TEST_CASE("share boundaries between Ad hoc, Repeatable and Systematic", "[consistency]") {
    struct Case {
        int met, missed;
        ConsistencyLevel level;
    };
    const Case cases[] = {
        {2, 3, ConsistencyLevel::ad_hoc},       // 2/5  = 40 %
        {3, 2, ConsistencyLevel::repeatable},   // 3/5  = 60 % exactly
        {4, 1, ConsistencyLevel::repeatable},   // 4/5  = 80 %
        {5, 0, ConsistencyLevel::systematic},   // 5/5  = 100 %
        {0, 5, ConsistencyLevel::ad_hoc},       // 0/5  = 0 %
        {11, 9, ConsistencyLevel::ad_hoc},      // 11/20 = 55 %
        {12, 8, ConsistencyLevel::repeatable},  // 12/20 = 60 % exactly
        {17, 3, ConsistencyLevel::repeatable},  // 17/20 = 85 %
        {18, 2, ConsistencyLevel::systematic},  // 18/20 = 90 % exactly
        {9, 1, ConsistencyLevel::systematic},   // 9/10  = 90 % exactly
        {8, 2, ConsistencyLevel::repeatable},   // 8/10  = 80 %
        {17, 2, ConsistencyLevel::repeatable},  // 17/19 = 89.47 %: under 90, not rounded up
        {18, 1, ConsistencyLevel::systematic},  // 18/19 = 94.7 %
        {10, 7, ConsistencyLevel::ad_hoc},      // 10/17 = 58.8 %: under 60, not rounded up
        {5, 3, ConsistencyLevel::repeatable},   // 5/8   = 62.5 %
    };
    for (const auto& k : cases) {
        CAPTURE(k.met, k.missed);
        Consistency c = level_of(k.met, k.missed);
        CHECK(c.level == k.level);
        CHECK(c.days_measured == k.met + k.missed);
        CHECK(c.days_met == k.met);
    }
}

TEST_CASE("only the last 20 qualifying days count", "[consistency]") {
    SECTION("20 recent met days outweigh older missed ones") {
        Consistency c = level_of(20, 10); // met days are the latest
        CHECK(c.level == ConsistencyLevel::systematic);
        CHECK(c.days_measured == 20);
        CHECK(c.days_met == 20);
    }
    SECTION("20 recent missed days: older met days are out of the window") {
        std::vector<DayCounts> days;
        for (int i = 0; i < 20; ++i) days.push_back(missed(add_days("2026-03-31", -i)));
        for (int i = 20; i < 40; ++i) days.push_back(met(add_days("2026-03-31", -i)));
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.level == ConsistencyLevel::ad_hoc);
        CHECK(c.days_measured == 20);
        CHECK(c.days_met == 0);
    }
    SECTION("order of the input does not matter: latest by day") {
        auto days = run(20, 10);
        std::mt19937 rng(42);
        std::shuffle(days.begin(), days.end(), rng);
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.level == ConsistencyLevel::systematic);
        CHECK(c.days_met == 20);
    }
    SECTION("quiet days do not use up the window") {
        // Latest 5 days: only 9 responses each (missed, but not qualifying).
        // Then 18 met days and 2 missed: 18/20 = 90 % -> Systematic.
        // Then 5 older missed days, outside the window.
        std::vector<DayCounts> days;
        int i = 0;
        for (int k = 0; k < 5; ++k) days.push_back(day(add_days("2026-03-31", -i++), 4, 5));
        for (int k = 0; k < 18; ++k) days.push_back(met(add_days("2026-03-31", -i++)));
        for (int k = 0; k < 2; ++k) days.push_back(missed(add_days("2026-03-31", -i++)));
        for (int k = 0; k < 5; ++k) days.push_back(missed(add_days("2026-03-31", -i++)));
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.days_measured == 20);
        CHECK(c.days_met == 18);
        CHECK(c.level == ConsistencyLevel::systematic);
    }
    SECTION("the window crosses a year end") {
        // 2026-01-01..2026-01-04 met, 2025-12-31 and earlier missed: the four 2026
        // days are the latest, then 16 missed days -> 4/20 = 20 % -> Ad hoc.
        std::vector<DayCounts> days;
        for (int i = 0; i < 4; ++i) days.push_back(met(add_days("2026-01-04", -i)));
        for (int i = 0; i < 30; ++i) days.push_back(missed(add_days("2025-12-31", -i)));
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.days_measured == 20);
        CHECK(c.days_met == 4);
        CHECK(c.level == ConsistencyLevel::ad_hoc);
    }
}

TEST_CASE("closed days are skipped", "[consistency]") {
    SECTION("4 open days and a closed one: not yet measured") {
        auto days = run(4, 0);
        DayCounts closed = met("2026-01-01");
        closed.open = false;
        days.push_back(closed);
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.level == ConsistencyLevel::not_yet_measured);
        CHECK(c.days_measured == 4);
    }
    SECTION("closed days in between do not count against the standard") {
        // 5 open met days with 3 closed (missed) days interleaved and latest.
        std::vector<DayCounts> days;
        for (int i = 0; i < 8; ++i) {
            bool is_closed = i == 0 || i == 3 || i == 5;
            DayCounts d = is_closed ? missed(add_days("2026-03-31", -i)) : met(add_days("2026-03-31", -i));
            d.open = !is_closed;
            days.push_back(d);
        }
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.days_measured == 5);
        CHECK(c.days_met == 5);
        CHECK(c.level == ConsistencyLevel::systematic);
    }
    SECTION("closed days do not use up the window") {
        // 10 latest days closed (missed), then 20 open met days -> 20/20.
        std::vector<DayCounts> days;
        for (int i = 0; i < 10; ++i) {
            DayCounts d = missed(add_days("2026-03-31", -i));
            d.open = false;
            days.push_back(d);
        }
        for (int i = 10; i < 30; ++i) days.push_back(met(add_days("2026-03-31", -i)));
        days.push_back(missed(add_days("2026-03-31", -30))); // 21st: out of the window
        Consistency c = consistency_level(Scale::smiley5, days, k_target);
        CHECK(c.days_measured == 20);
        CHECK(c.days_met == 20);
        CHECK(c.level == ConsistencyLevel::systematic);
    }
}

TEST_CASE("the same day given twice is one day", "[consistency]") {
    // 2026-01-01 arrives in two halves of 5 responses: together 10 -> qualifies once.
    auto days = run(4, 0);
    days.push_back(day("2026-01-01", 5, 0));
    days.push_back(day("2026-01-01", 5, 0));
    Consistency c = consistency_level(Scale::smiley5, days, k_target);
    CHECK(c.days_measured == 5);
    CHECK(c.days_met == 5);
}

TEST_CASE("consistency uses each scale's headline", "[consistency]") {
    SECTION("CES: mean 5.0 meets a 5.0 target, 4.9 does not") {
        std::vector<DayCounts> days;
        for (int i = 0; i < 10; ++i) {
            DayCounts d;
            d.day = add_days("2026-03-31", -i);
            d.counts.scale = Scale::ces7;
            if (i < 6) {
                d.counts.add(5, false, 10); // mean 50 / 10 = 5.0 -> met
            } else {
                d.counts.add(5, false, 9);  // mean (45 + 4) / 10 = 4.9 -> missed
                d.counts.add(4, false, 1);
            }
            days.push_back(d);
        }
        Consistency c = consistency_level(Scale::ces7, days, 5.0);
        CHECK(c.days_measured == 10);
        CHECK(c.days_met == 6);                              // 6/10 = 60 %
        CHECK(c.level == ConsistencyLevel::repeatable);
    }
    SECTION("NPS against a target of 30") {
        std::vector<DayCounts> days;
        for (int i = 0; i < 5; ++i) {
            DayCounts d;
            d.day = add_days("2026-03-31", -i);
            d.counts.scale = Scale::nps;
            // i < 4: 6 promoters, 3 passives, 1 detractor -> 60 - 10 = 50 -> met
            // i = 4: 4 promoters, 4 passives, 2 detractors -> 40 - 20 = 20 -> missed
            d.counts.add(10, false, i < 4 ? 6 : 4);
            d.counts.add(8, false, i < 4 ? 3 : 4);
            d.counts.add(2, false, i < 4 ? 1 : 2);
            days.push_back(d);
        }
        Consistency c = consistency_level(Scale::nps, days, 30.0);
        CHECK(c.days_measured == 5);
        CHECK(c.days_met == 4);                              // 4/5 = 80 %
        CHECK(c.level == ConsistencyLevel::repeatable);
    }
}
