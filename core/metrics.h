#pragma once
// Metrics exactly as SPEC "Scales and metrics": one definition used by the
// kiosk and the server alike. Pure functions over answer counts.
#include "scale.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace touchpoint {

// Answers counted per score (index = score, 0..10), kept apart for misuse.
struct ScoreCounts {
    Scale scale = Scale::smiley5;
    std::array<std::int64_t, 11> counted{}; // not misuse-flagged
    std::array<std::int64_t, 11> misuse{};  // misuse-flagged

    void add(int score, bool is_misuse, std::int64_t n = 1);
    std::int64_t counted_total() const;
    std::int64_t misuse_total() const;
    // counted (+ misuse when include_misuse) for one score
    std::int64_t at(int score, bool include_misuse = false) const;
};

enum class HeadlineKind { csat, nps, ces, thumbs_up };
HeadlineKind headline_kind(Scale s);
// "CSAT", "NPS", "CES", "% up"
std::string_view headline_name(Scale s);

struct Metrics {
    std::int64_t count = 0;        // responses counted
    std::int64_t misuse = 0;       // misuse-flagged responses (always reported)
    std::optional<double> headline;            // no value when count == 0
    std::optional<double> satisfaction_index;  // 0..100; none when count == 0
    bool small_sample = false;     // NPS below 30 responses
};

// Misuse-flagged responses are excluded unless include_misuse.
Metrics compute_metrics(const ScoreCounts& c, bool include_misuse = false);

// Does a headline value meet the service standard target? (higher is better
// on every scale, including CES where 7 = very easy)
bool meets_standard(Scale s, double headline, double target);

enum class ConsistencyLevel { not_yet_measured, ad_hoc, repeatable, systematic };
std::string_view to_string(ConsistencyLevel l); // "Not yet measured", "Ad hoc", ...

// "not_yet_measured", "ad_hoc", "repeatable", "systematic" (the API's words)
std::string_view to_code(ConsistencyLevel l);

// The consistency rule's numbers (SPEC "Scales and metrics").
inline constexpr int k_consistency_window_days = 20;   // qualifying days looked at
inline constexpr std::int64_t k_counted_day_min = 10;  // counted responses a day needs
inline constexpr int k_consistency_min_days = 5;       // fewer: not yet measured
// Days counted into the consistency level: completed days (up to yesterday on
// the kiosk, up to `as_of` at head office), looking this far back for the 20
// qualifying open days: [as_of - 119, as_of].
inline constexpr int k_consistency_lookback_days = 120;

struct DayCounts {
    std::string day;       // "YYYY-MM-DD" local day
    bool open = true;      // was the touch point open that day
    ScoreCounts counts;
    // The service standard in force that day, when it differs from day to
    // day (a standard changed later does not rewrite the days before it);
    // none: the target passed to consistency_level.
    std::optional<double> target;
};

struct ConsistencyDay {
    std::string day;
    bool met = false;
};

struct Consistency {
    ConsistencyLevel level = ConsistencyLevel::not_yet_measured;
    int days_measured = 0; // qualifying days looked at (<= 20)
    int days_met = 0;      // of those, days that met the standard
    std::vector<ConsistencyDay> window; // those days, latest first
};

// Looks at the last 20 open days (by `day`, latest first) that had at least 10
// counted responses. Fewer than 5: not yet measured; otherwise share met:
// < 60 % ad hoc, 60-89 % repeatable, >= 90 % systematic. Each day is held to
// its own target when it has one.
Consistency consistency_level(Scale s, std::vector<DayCounts> days, double target);

} // namespace touchpoint
