// Metrics per SPEC "Scales and metrics": every expectation is worked out by
// hand in the comment next to it.
#include "core/metrics.h"

#include <catch2/catch.hpp>

#include <initializer_list>
#include <utility>

using namespace touchpoint;

namespace {
// {score, how many} pairs, all counted (not misuse).
ScoreCounts counts_of(Scale s, std::initializer_list<std::pair<int, std::int64_t>> answers) {
    ScoreCounts c;
    c.scale = s;
    for (const auto& [score, n] : answers) c.add(score, false, n);
    return c;
}

const Scale k_all_scales[] = {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs};
} // namespace

TEST_CASE("ScoreCounts keeps counted and misuse answers apart", "[metrics]") {
    ScoreCounts c;
    c.scale = Scale::smiley5;
    c.add(5, false);
    c.add(5, false, 3);
    c.add(1, true, 2);
    CHECK(c.at(5) == 4);
    CHECK(c.at(1) == 0);
    CHECK(c.at(1, true) == 2);
    CHECK(c.counted_total() == 4);
    CHECK(c.misuse_total() == 2);
}

TEST_CASE("ScoreCounts ignores scores the scale cannot hold", "[metrics]") {
    ScoreCounts c;
    c.scale = Scale::smiley5;
    c.add(-1, false);
    c.add(11, false);
    c.add(0, false); // storable, but not a smiley5 answer
    c.add(7, true);  // storable, but not a smiley5 answer
    c.add(4, false);
    CHECK(c.counted_total() == 1);
    CHECK(c.misuse_total() == 0);
    CHECK(c.at(0) == 0);
    CHECK(c.at(-1) == 0);
    CHECK(c.at(11) == 0);
    Metrics m = compute_metrics(c, true);
    CHECK(m.count == 1);
    CHECK(m.misuse == 0);
    REQUIRE(m.headline);
    CHECK(*m.headline == Approx(100.0)); // the one 4 is positive: 1/1
}

TEST_CASE("headline kind and name per scale", "[metrics]") {
    CHECK(headline_kind(Scale::smiley4) == HeadlineKind::csat);
    CHECK(headline_kind(Scale::smiley5) == HeadlineKind::csat);
    CHECK(headline_kind(Scale::nps) == HeadlineKind::nps);
    CHECK(headline_kind(Scale::ces7) == HeadlineKind::ces);
    CHECK(headline_kind(Scale::thumbs) == HeadlineKind::thumbs_up);
    CHECK(headline_name(Scale::smiley4) == "CSAT");
    CHECK(headline_name(Scale::smiley5) == "CSAT");
    CHECK(headline_name(Scale::nps) == "NPS");
    CHECK(headline_name(Scale::ces7) == "CES");
    CHECK(headline_name(Scale::thumbs) == "% up");
}

// --- Each scale, by hand ---

TEST_CASE("smiley4: CSAT is the share of 3 and 4", "[metrics]") {
    auto c = counts_of(Scale::smiley4, {{1, 2}, {2, 3}, {3, 5}, {4, 10}});
    Metrics m = compute_metrics(c);
    CHECK(m.count == 20);             // 2 + 3 + 5 + 10
    CHECK(m.misuse == 0);
    REQUIRE(m.headline);
    CHECK(*m.headline == Approx(75.0)); // (5 + 10) / 20 = 0.75
    REQUIRE(m.satisfaction_index);
    // mean = (1*2 + 2*3 + 3*5 + 4*10) / 20 = 63 / 20 = 3.15
    // index = (3.15 - 1) / (4 - 1) * 100 = 71.666...
    CHECK(*m.satisfaction_index == Approx(215.0 / 3.0));
    CHECK_FALSE(m.small_sample);
}

TEST_CASE("smiley5: CSAT is the share of 4 and 5; 3 is neutral", "[metrics]") {
    auto c = counts_of(Scale::smiley5, {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 10}});
    Metrics m = compute_metrics(c);
    CHECK(m.count == 20);             // 1 + 2 + 3 + 4 + 10
    REQUIRE(m.headline);
    CHECK(*m.headline == Approx(70.0)); // (4 + 10) / 20 = 0.70
    REQUIRE(m.satisfaction_index);
    // mean = (1 + 4 + 9 + 16 + 50) / 20 = 80 / 20 = 4.0
    // index = (4 - 1) / (5 - 1) * 100 = 75
    CHECK(*m.satisfaction_index == Approx(75.0));
    CHECK_FALSE(m.small_sample);
}

TEST_CASE("nps: % promoters minus % detractors", "[metrics]") {
    auto c = counts_of(Scale::nps, {{0, 2}, {5, 3}, {6, 1}, {7, 4}, {8, 4}, {9, 6}, {10, 10}});
    Metrics m = compute_metrics(c);
    CHECK(m.count == 30); // 2 + 3 + 1 + 4 + 4 + 6 + 10
    REQUIRE(m.headline);
    // detractors (0-6) = 2 + 3 + 1 = 6, promoters (9-10) = 6 + 10 = 16
    // NPS = 16/30*100 - 6/30*100 = 53.33 - 20 = 33.33
    CHECK(*m.headline == Approx(100.0 / 3.0));
    REQUIRE(m.satisfaction_index);
    // mean = (0 + 15 + 6 + 28 + 32 + 54 + 100) / 30 = 235 / 30 = 7.8333
    // index = (7.8333 - 0) / (10 - 0) * 100 = 78.333...
    CHECK(*m.satisfaction_index == Approx(235.0 / 3.0));
    CHECK_FALSE(m.small_sample); // exactly 30 responses
}

TEST_CASE("nps can be negative, down to -100", "[metrics]") {
    auto c = counts_of(Scale::nps, {{0, 3}, {6, 3}, {8, 2}, {10, 2}});
    Metrics m = compute_metrics(c);
    REQUIRE(m.headline);
    // 10 answers; detractors 6, promoters 2: 2/10*100 - 6/10*100 = 20 - 60 = -40
    CHECK(*m.headline == Approx(-40.0));

    auto all_detractors = counts_of(Scale::nps, {{3, 5}});
    REQUIRE(compute_metrics(all_detractors).headline);
    CHECK(*compute_metrics(all_detractors).headline == Approx(-100.0)); // 0 - 5/5*100
}

TEST_CASE("ces7: CES is the mean score (7 = very easy)", "[metrics]") {
    auto c = counts_of(Scale::ces7, {{1, 1}, {3, 1}, {4, 2}, {5, 2}, {6, 2}, {7, 2}});
    Metrics m = compute_metrics(c);
    CHECK(m.count == 10); // 1 + 1 + 2 + 2 + 2 + 2
    REQUIRE(m.headline);
    // sum = 1 + 3 + 8 + 10 + 12 + 14 = 48; mean = 48 / 10 = 4.8
    CHECK(*m.headline == Approx(4.8));
    REQUIRE(m.satisfaction_index);
    // index = (4.8 - 1) / (7 - 1) * 100 = 3.8 / 6 * 100 = 63.333...
    CHECK(*m.satisfaction_index == Approx(190.0 / 3.0));
}

TEST_CASE("thumbs: % up", "[metrics]") {
    auto c = counts_of(Scale::thumbs, {{0, 3}, {1, 9}});
    Metrics m = compute_metrics(c);
    CHECK(m.count == 12);
    REQUIRE(m.headline);
    CHECK(*m.headline == Approx(75.0)); // 9 / 12 = 0.75
    REQUIRE(m.satisfaction_index);
    // mean = 9 / 12 = 0.75; index = (0.75 - 0) / (1 - 0) * 100 = 75
    CHECK(*m.satisfaction_index == Approx(75.0));
}

TEST_CASE("whole-number percentages come out exact", "[metrics]") {
    // 17 of 20 positive is 85 % exactly, so it meets an 85 % standard.
    auto c = counts_of(Scale::smiley5, {{5, 17}, {1, 3}});
    Metrics m = compute_metrics(c);
    REQUIRE(m.headline);
    CHECK(*m.headline == 85.0);
    CHECK(meets_standard(Scale::smiley5, *m.headline, 85.0));
}

// --- Satisfaction index ---

TEST_CASE("satisfaction index runs from the scale's minimum (0) to its maximum (100)", "[metrics]") {
    for (Scale s : k_all_scales) {
        CAPTURE(to_string(s));
        const ScaleInfo& i = scale_info(s);
        auto lowest = counts_of(s, {{i.min, 7}});
        auto highest = counts_of(s, {{i.max, 7}});
        auto both = counts_of(s, {{i.min, 4}, {i.max, 4}});
        CHECK(*compute_metrics(lowest).satisfaction_index == Approx(0.0));
        CHECK(*compute_metrics(highest).satisfaction_index == Approx(100.0));
        // half at the minimum, half at the maximum: mean is the midpoint -> 50
        CHECK(*compute_metrics(both).satisfaction_index == Approx(50.0));
    }
}

TEST_CASE("satisfaction index of one middle answer per scale", "[metrics]") {
    // smiley4: one 2 -> (2 - 1) / 3 * 100 = 33.33
    CHECK(*compute_metrics(counts_of(Scale::smiley4, {{2, 1}})).satisfaction_index == Approx(100.0 / 3.0));
    // smiley5: one 3 -> (3 - 1) / 4 * 100 = 50
    CHECK(*compute_metrics(counts_of(Scale::smiley5, {{3, 1}})).satisfaction_index == Approx(50.0));
    // nps: one 7 -> (7 - 0) / 10 * 100 = 70
    CHECK(*compute_metrics(counts_of(Scale::nps, {{7, 1}})).satisfaction_index == Approx(70.0));
    // ces7: one 4 -> (4 - 1) / 6 * 100 = 50
    CHECK(*compute_metrics(counts_of(Scale::ces7, {{4, 1}})).satisfaction_index == Approx(50.0));
    // thumbs: one down, three up -> mean 0.75 -> 75
    CHECK(*compute_metrics(counts_of(Scale::thumbs, {{0, 1}, {1, 3}})).satisfaction_index == Approx(75.0));
}

// --- No data and misuse ---

TEST_CASE("no data: count 0, no headline, no index", "[metrics]") {
    for (Scale s : k_all_scales) {
        CAPTURE(to_string(s));
        ScoreCounts c;
        c.scale = s;
        Metrics m = compute_metrics(c);
        CHECK(m.count == 0);
        CHECK(m.misuse == 0);
        CHECK_FALSE(m.headline.has_value());
        CHECK_FALSE(m.satisfaction_index.has_value());
        CHECK_FALSE(m.small_sample); // nothing shown, so nothing to mark
        Metrics mi = compute_metrics(c, true);
        CHECK(mi.count == 0);
        CHECK_FALSE(mi.headline.has_value());
    }
}

TEST_CASE("all responses misuse-flagged: count 0, misuse N, no headline", "[metrics]") {
    for (Scale s : k_all_scales) {
        CAPTURE(to_string(s));
        ScoreCounts c;
        c.scale = s;
        c.add(scale_info(s).max, true, 6);
        Metrics m = compute_metrics(c);
        CHECK(m.count == 0);
        CHECK(m.misuse == 6);
        CHECK_FALSE(m.headline.has_value());
        CHECK_FALSE(m.satisfaction_index.has_value());
    }
}

TEST_CASE("include_misuse counts the flagged responses too", "[metrics]") {
    ScoreCounts c;
    c.scale = Scale::smiley5;
    c.add(4, false, 3);
    c.add(1, false, 1);
    c.add(1, true, 4); // a burst of very-unhappy taps

    Metrics without = compute_metrics(c);
    CHECK(without.count == 4);
    CHECK(without.misuse == 4);
    REQUIRE(without.headline);
    CHECK(*without.headline == Approx(75.0)); // 3 / 4
    // mean = (4*3 + 1) / 4 = 3.25; index = (3.25 - 1) / 4 * 100 = 56.25
    CHECK(*without.satisfaction_index == Approx(56.25));

    Metrics with = compute_metrics(c, true);
    CHECK(with.count == 8);  // 4 counted + 4 misuse
    CHECK(with.misuse == 4); // still reported
    REQUIRE(with.headline);
    CHECK(*with.headline == Approx(37.5)); // 3 / 8
    // mean = (12 + 1 + 4) / 8 = 2.125; index = (2.125 - 1) / 4 * 100 = 28.125
    CHECK(*with.satisfaction_index == Approx(28.125));
}

TEST_CASE("NPS small sample below 30 responses", "[metrics]") {
    SECTION("29 responses") {
        auto c = counts_of(Scale::nps, {{10, 29}});
        Metrics m = compute_metrics(c);
        CHECK(m.small_sample);
        REQUIRE(m.headline);
        CHECK(*m.headline == Approx(100.0)); // 29/29 promoters - 0
    }
    SECTION("30 responses") {
        auto c = counts_of(Scale::nps, {{10, 30}});
        CHECK_FALSE(compute_metrics(c).small_sample);
    }
    SECTION("1 response") {
        CHECK(compute_metrics(counts_of(Scale::nps, {{0, 1}})).small_sample);
    }
    SECTION("misuse-flagged responses do not make up the sample") {
        auto c = counts_of(Scale::nps, {{10, 29}});
        c.add(10, true);
        CHECK(compute_metrics(c).small_sample);              // 29 counted
        CHECK_FALSE(compute_metrics(c, true).small_sample); // 29 + 1 = 30
    }
    SECTION("other scales never carry the mark") {
        for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::ces7, Scale::thumbs})
            CHECK_FALSE(compute_metrics(counts_of(s, {{scale_info(s).max, 3}})).small_sample);
    }
}

// --- Service standard ---

TEST_CASE("meets_standard: headline at or above the target", "[metrics]") {
    CHECK(meets_standard(Scale::smiley5, 85.0, 85.0));
    CHECK(meets_standard(Scale::smiley5, 90.0, 85.0));
    CHECK_FALSE(meets_standard(Scale::smiley5, 84.99, 85.0));
    CHECK(meets_standard(Scale::nps, -5.0, -10.0));
    CHECK_FALSE(meets_standard(Scale::nps, -10.5, -10.0));
    CHECK(meets_standard(Scale::ces7, 5.0, 5.0)); // higher is better on CES too
    CHECK_FALSE(meets_standard(Scale::ces7, 4.8, 5.0));
    CHECK(meets_standard(Scale::thumbs, 100.0, 80.0));
}
