// The five answer scales and their bands (SPEC "Scales and metrics").
#include "core/scale.h"

#include <catch2/catch.hpp>

#include <string>

using namespace touchpoint;

TEST_CASE("scale ranges and bands match the spec table", "[scale]") {
    struct Row {
        Scale scale;
        int min, max, negative_max, positive_min;
        bool neutral;
    };
    const Row rows[] = {
        {Scale::smiley4, 1, 4, 2, 3, false}, // 1-2 / - / 3-4
        {Scale::smiley5, 1, 5, 2, 4, true},  // 1-2 / 3 / 4-5
        {Scale::nps, 0, 10, 6, 9, true},     // 0-6 / 7-8 / 9-10
        {Scale::ces7, 1, 7, 3, 5, true},     // 1-3 / 4 / 5-7
        {Scale::thumbs, 0, 1, 0, 1, false},  // 0 / - / 1
    };
    for (const auto& r : rows) {
        CAPTURE(to_string(r.scale));
        const ScaleInfo& i = scale_info(r.scale);
        CHECK(i.min == r.min);
        CHECK(i.max == r.max);
        CHECK(i.negative_max == r.negative_max);
        CHECK(i.positive_min == r.positive_min);
        CHECK(has_neutral(r.scale) == r.neutral);
        CHECK(answer_count(r.scale) == r.max - r.min + 1);
        CHECK_FALSE(score_in_range(r.scale, r.min - 1));
        CHECK_FALSE(score_in_range(r.scale, r.max + 1));
        for (int s = r.min; s <= r.max; ++s) {
            CAPTURE(s);
            CHECK(score_in_range(r.scale, s));
            Band expected = s <= r.negative_max ? Band::negative
                            : s >= r.positive_min ? Band::positive
                                                  : Band::neutral;
            CHECK(band_of(r.scale, s) == expected);
        }
    }
}

TEST_CASE("bands of a few scores by name", "[scale]") {
    CHECK(band_of(Scale::smiley4, 2) == Band::negative);
    CHECK(band_of(Scale::smiley4, 3) == Band::positive);
    CHECK(band_of(Scale::smiley5, 3) == Band::neutral);
    CHECK(band_of(Scale::nps, 6) == Band::negative);
    CHECK(band_of(Scale::nps, 7) == Band::neutral);
    CHECK(band_of(Scale::nps, 8) == Band::neutral);
    CHECK(band_of(Scale::nps, 9) == Band::positive);
    CHECK(band_of(Scale::ces7, 3) == Band::negative);
    CHECK(band_of(Scale::ces7, 4) == Band::neutral);
    CHECK(band_of(Scale::ces7, 5) == Band::positive);
    CHECK(band_of(Scale::thumbs, 0) == Band::negative);
    CHECK(band_of(Scale::thumbs, 1) == Band::positive);
    CHECK(answer_count(Scale::nps) == 11);
    CHECK(answer_count(Scale::thumbs) == 2);
}

TEST_CASE("scale names round-trip", "[scale]") {
    for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs}) {
        auto back = scale_from_string(to_string(s));
        REQUIRE(back);
        CHECK(*back == s);
    }
    CHECK(to_string(Scale::smiley4) == "smiley4");
    CHECK(to_string(Scale::ces7) == "ces7");
    CHECK_FALSE(scale_from_string("smiley7"));
    CHECK_FALSE(scale_from_string("NPS"));
    CHECK_FALSE(scale_from_string(""));
}

TEST_CASE("band names", "[scale]") {
    CHECK(to_string(Band::negative) == "negative");
    CHECK(to_string(Band::neutral) == "neutral");
    CHECK(to_string(Band::positive) == "positive");
}
