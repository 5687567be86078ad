#include "scale.h"

namespace touchpoint {

namespace {
constexpr ScaleInfo k_smiley4{1, 4, 2, 3};
constexpr ScaleInfo k_smiley5{1, 5, 2, 4};
constexpr ScaleInfo k_nps{0, 10, 6, 9};
constexpr ScaleInfo k_ces7{1, 7, 3, 5};
constexpr ScaleInfo k_thumbs{0, 1, 0, 1};
} // namespace

const ScaleInfo& scale_info(Scale s) {
    switch (s) {
    case Scale::smiley4: return k_smiley4;
    case Scale::smiley5: return k_smiley5;
    case Scale::nps: return k_nps;
    case Scale::ces7: return k_ces7;
    case Scale::thumbs: return k_thumbs;
    }
    return k_smiley5;
}

std::string_view to_string(Scale s) {
    switch (s) {
    case Scale::smiley4: return "smiley4";
    case Scale::smiley5: return "smiley5";
    case Scale::nps: return "nps";
    case Scale::ces7: return "ces7";
    case Scale::thumbs: return "thumbs";
    }
    return "smiley5";
}

std::optional<Scale> scale_from_string(std::string_view name) {
    for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs})
        if (to_string(s) == name) return s;
    return std::nullopt;
}

bool score_in_range(Scale s, int score) {
    const auto& i = scale_info(s);
    return score >= i.min && score <= i.max;
}

Band band_of(Scale s, int score) {
    const auto& i = scale_info(s);
    if (score <= i.negative_max) return Band::negative;
    if (score >= i.positive_min) return Band::positive;
    return Band::neutral;
}

std::string_view to_string(Band b) {
    switch (b) {
    case Band::negative: return "negative";
    case Band::neutral: return "neutral";
    case Band::positive: return "positive";
    }
    return "neutral";
}

} // namespace touchpoint
