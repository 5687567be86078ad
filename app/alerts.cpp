#include "app/alerts.h"

#include "core/metrics.h"

#include <cmath>
#include <cstdio>

namespace touchpoint {

namespace {

// "85 %" for the percentage headlines, "4.2" for CES.
std::string format_headline(Scale s, double v) {
    char buf[32];
    if (headline_kind(s) == HeadlineKind::ces)
        std::snprintf(buf, sizeof buf, "%.1f", v);
    else if (headline_kind(s) == HeadlineKind::nps)
        std::snprintf(buf, sizeof buf, "%+.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.0f %%", v);
    return buf;
}

} // namespace

LowScoreAlerts::LowScoreAlerts(Scale scale, double service_standard)
    : m_scale(scale), m_standard(service_standard) {}

void LowScoreAlerts::forget_before(std::int64_t now) {
    while (!m_lowest.empty() && now - m_lowest.front() > k_lowest_window_ms)
        m_lowest.pop_front();
    while (!m_hour.empty() && now - m_hour.front().at() > k_hour_ms)
        m_hour.pop_front();
}

void LowScoreAlerts::seed(const std::vector<Tap>& taps, std::int64_t last_alert_utc_ms,
                          std::optional<std::int64_t> last_alert_mono_ms) {
    const int lowest = scale_info(m_scale).min;
    for (const Tap& t : taps) {
        if (t.misuse) continue;
        forget_before(t.at());
        m_hour.push_back(t);
        // Both stamps are the wall clock's, as the database keeps them.
        if (t.score == lowest && t.utc_ms > last_alert_utc_ms) m_lowest.push_back(t.at());
    }
    if (last_alert_utc_ms > 0) {
        m_hour_quiet_until = last_alert_mono_ms.value_or(last_alert_utc_ms) + k_hour_ms;
        m_quiet = true;
    }
}

std::vector<LowScoreAlert> LowScoreAlerts::on_tap(const Tap& tap) {
    std::vector<LowScoreAlert> out;
    if (tap.misuse) return out; // misuse-flagged taps never count
    forget_before(tap.at());
    m_hour.push_back(tap);

    // Rule 1: three lowest answers within 10 minutes.
    if (tap.score == scale_info(m_scale).min) {
        m_lowest.push_back(tap.at());
        if (static_cast<int>(m_lowest.size()) >= k_lowest_count) {
            out.push_back({LowScoreAlert::Rule::lowest_answers, tap.utc_ms, lowest_message()});
            m_lowest.clear();
        }
    }

    // Rule 2: the last hour below the standard, with enough responses to tell.
    ScoreCounts counts;
    counts.scale = m_scale;
    for (const Tap& t : m_hour)
        counts.add(t.score, false);
    const Metrics m = compute_metrics(counts);
    if (m.headline) {
        const bool meets = meets_standard(m_scale, *m.headline, m_standard);
        if (meets) {
            m_quiet = false; // recovered: the next dip alerts again
        } else if (m.count >= k_hour_min_responses &&
                   (!m_quiet || tap.at() >= m_hour_quiet_until)) {
            out.push_back({LowScoreAlert::Rule::hour_below_standard, tap.utc_ms,
                           hour_message(*m.headline, static_cast<int>(m.count))});
            m_hour_quiet_until = tap.at() + k_hour_ms;
            m_quiet = true;
        }
    }
    return out;
}

int LowScoreAlerts::hour_count(std::int64_t now) const {
    int n = 0;
    for (const Tap& t : m_hour)
        if (now - t.at() <= k_hour_ms) ++n;
    return n;
}

std::string LowScoreAlerts::lowest_message() const {
    return std::to_string(k_lowest_count) + " lowest answers (score " +
           std::to_string(scale_info(m_scale).min) + ") within 10 minutes.";
}

std::string LowScoreAlerts::hour_message(double headline, int count) const {
    std::string name(headline_name(m_scale));
    return "The last hour's " + name + " is " + format_headline(m_scale, headline) +
           ", below the standard of " + format_headline(m_scale, m_standard) + " (" +
           std::to_string(count) + " responses).";
}

} // namespace touchpoint
