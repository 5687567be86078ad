#pragma once
// The five answer scales and their bands, exactly as SPEC "Scales and metrics".
#include <optional>
#include <string>
#include <string_view>

namespace touchpoint {

enum class Scale { smiley4, smiley5, nps, ces7, thumbs };

enum class Band { negative, neutral, positive };

struct ScaleInfo {
    int min;          // lowest storable score (also the "lowest answer")
    int max;          // highest storable score
    int negative_max; // scores <= this are negative
    int positive_min; // scores >= this are positive; between is neutral
};

const ScaleInfo& scale_info(Scale s);
std::string_view to_string(Scale s);
std::optional<Scale> scale_from_string(std::string_view name);

bool score_in_range(Scale s, int score);
// Band of a score; the score must be in range.
Band band_of(Scale s, int score);
std::string_view to_string(Band b);
// Number of answers the scale offers (max - min + 1).
inline int answer_count(Scale s) { return scale_info(s).max - scale_info(s).min + 1; }
inline bool has_neutral(Scale s) {
    return scale_info(s).positive_min - scale_info(s).negative_max > 1;
}

} // namespace touchpoint
