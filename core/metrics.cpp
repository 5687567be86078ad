#include "core/metrics.h"

#include <algorithm>
#include <functional>
#include <map>

namespace touchpoint {

// --- ScoreCounts ---

// Scores outside 0..10 cannot be stored in the arrays and are ignored. Scores
// that are storable but outside the current scale's range are kept, yet every
// reader below only looks at the scale's own range, so a stray score never
// leaks into a total or a metric.
void ScoreCounts::add(int score, bool is_misuse, std::int64_t n) {
    if (score < 0 || score >= static_cast<int>(counted.size())) return;
    (is_misuse ? misuse : counted)[static_cast<std::size_t>(score)] += n;
}

std::int64_t ScoreCounts::counted_total() const {
    const ScaleInfo& i = scale_info(scale);
    std::int64_t n = 0;
    for (int s = i.min; s <= i.max; ++s) n += counted[static_cast<std::size_t>(s)];
    return n;
}

std::int64_t ScoreCounts::misuse_total() const {
    const ScaleInfo& i = scale_info(scale);
    std::int64_t n = 0;
    for (int s = i.min; s <= i.max; ++s) n += misuse[static_cast<std::size_t>(s)];
    return n;
}

std::int64_t ScoreCounts::at(int score, bool include_misuse) const {
    if (!score_in_range(scale, score)) return 0;
    const auto idx = static_cast<std::size_t>(score);
    return counted[idx] + (include_misuse ? misuse[idx] : 0);
}

// --- Headline ---

HeadlineKind headline_kind(Scale s) {
    switch (s) {
    case Scale::smiley4:
    case Scale::smiley5: return HeadlineKind::csat;
    case Scale::nps: return HeadlineKind::nps;
    case Scale::ces7: return HeadlineKind::ces;
    case Scale::thumbs: return HeadlineKind::thumbs_up;
    }
    return HeadlineKind::csat;
}

std::string_view headline_name(Scale s) {
    switch (headline_kind(s)) {
    case HeadlineKind::csat: return "CSAT";
    case HeadlineKind::nps: return "NPS";
    case HeadlineKind::ces: return "CES";
    case HeadlineKind::thumbs_up: return "% up";
    }
    return "CSAT";
}

namespace {
constexpr std::int64_t k_nps_small_sample = 30;
// Absorbs floating-point noise when a headline equals its target.
constexpr double k_standard_tolerance = 1e-9;
} // namespace

Metrics compute_metrics(const ScoreCounts& c, bool include_misuse) {
    const ScaleInfo& info = scale_info(c.scale);
    Metrics m;
    m.misuse = c.misuse_total();

    std::int64_t negative = 0, positive = 0, sum = 0;
    for (int s = info.min; s <= info.max; ++s) {
        const std::int64_t n = c.at(s, include_misuse);
        m.count += n;
        sum += n * s;
        if (s <= info.negative_max) negative += n;
        if (s >= info.positive_min) positive += n;
    }
    // No responses: no figure at all, so nothing to mark as a small sample either.
    if (m.count <= 0) return m;

    // Multiply before dividing so that whole-number percentages come out exact
    // (17 of 20 is 85.0, not 84.99999999999999).
    const double count = static_cast<double>(m.count);
    const double mean = static_cast<double>(sum) / count;
    switch (headline_kind(c.scale)) {
    case HeadlineKind::csat:
    case HeadlineKind::thumbs_up: m.headline = 100.0 * static_cast<double>(positive) / count; break;
    case HeadlineKind::nps: m.headline = 100.0 * static_cast<double>(positive - negative) / count; break;
    case HeadlineKind::ces: m.headline = mean; break;
    }
    m.satisfaction_index = 100.0 * static_cast<double>(sum - m.count * info.min) /
                           (count * static_cast<double>(info.max - info.min));
    m.small_sample = c.scale == Scale::nps && m.count < k_nps_small_sample;
    return m;
}

bool meets_standard(Scale, double headline, double target) {
    return headline >= target - k_standard_tolerance;
}

// --- Consistency ---

std::string_view to_string(ConsistencyLevel l) {
    switch (l) {
    case ConsistencyLevel::not_yet_measured: return "Not yet measured";
    case ConsistencyLevel::ad_hoc: return "Ad hoc";
    case ConsistencyLevel::repeatable: return "Repeatable";
    case ConsistencyLevel::systematic: return "Systematic";
    }
    return "Not yet measured";
}

std::string_view to_code(ConsistencyLevel l) {
    switch (l) {
    case ConsistencyLevel::not_yet_measured: return "not_yet_measured";
    case ConsistencyLevel::ad_hoc: return "ad_hoc";
    case ConsistencyLevel::repeatable: return "repeatable";
    case ConsistencyLevel::systematic: return "systematic";
    }
    return "not_yet_measured";
}

Consistency consistency_level(Scale s, std::vector<DayCounts> days, double target) {
    // One entry per local day: should a caller pass the same day twice, its counts
    // are merged rather than letting one day fill two places in the window.
    std::map<std::string, DayCounts, std::greater<>> by_day; // latest first
    for (auto& d : days) {
        d.counts.scale = s;
        auto [it, inserted] = by_day.try_emplace(d.day, d);
        if (inserted) continue;
        DayCounts& into = it->second;
        into.open = into.open || d.open;
        for (std::size_t i = 0; i < into.counts.counted.size(); ++i) {
            into.counts.counted[i] += d.counts.counted[i];
            into.counts.misuse[i] += d.counts.misuse[i];
        }
    }

    Consistency out;
    for (const auto& [day, d] : by_day) {
        if (out.days_measured == k_consistency_window_days) break;
        if (!d.open) continue;
        const Metrics m = compute_metrics(d.counts); // misuse never counts here
        if (m.count < k_counted_day_min || !m.headline) continue;
        ++out.days_measured;
        const bool met = meets_standard(s, *m.headline, d.target.value_or(target));
        if (met) ++out.days_met;
        out.window.push_back({day, met});
    }
    if (out.days_measured < k_consistency_min_days) return out;

    // Bands: under 60 %, 60 % up to (not including) 90 %, 90 % or more. The share
    // is compared exactly, in whole numbers (met * 100 against days * band), and
    // never rounded first: 89.5 % is Repeatable, 60 % exactly is Repeatable and
    // 90 % exactly is Systematic.
    const int met100 = out.days_met * 100;
    if (met100 >= 90 * out.days_measured) out.level = ConsistencyLevel::systematic;
    else if (met100 >= 60 * out.days_measured) out.level = ConsistencyLevel::repeatable;
    else out.level = ConsistencyLevel::ad_hoc;
    return out;
}

} // namespace touchpoint
