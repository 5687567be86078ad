#pragma once
// LowScoreAlerts: the low-score alert rules of SPEC "The kiosk (staff side)".
//
//   1. three lowest-answer taps (the scale's minimum score, misuse excluded)
//      within 10 minutes;
//   2. the last hour's headline metric below the service standard, with at
//      least 10 counted (not misuse-flagged) responses in that hour.
//
// Pure logic fed each rating tap in time order; the caller persists what it
// raises (a database event of kind "low_score_alert") and shows it to staff
// until acknowledged. Single-threaded.
//
// Repeats: after rule 1 fires its three taps are used up (three more lowest
// answers are needed for the next alert). After rule 2 fires it stays quiet
// until the last hour meets the standard again or an hour has passed.
#include "core/scale.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

struct Tap {
    std::int64_t utc_ms = 0; // when it was tapped, by the wall clock (the alert's stamp)
    int score = 0;
    bool misuse = false;
    // The same instant on a clock that never jumps (the kiosk's monotonic
    // clock, history from the database mapped onto it). When given, the rules'
    // windows are measured on it, so moving the wall clock neither makes
    // nor hides an alert. Give it for every tap or for none.
    std::optional<std::int64_t> mono_ms;

    Tap() = default;
    Tap(std::int64_t utc, int score_, bool misuse_,
        std::optional<std::int64_t> mono = std::nullopt)
        : utc_ms(utc), score(score_), misuse(misuse_), mono_ms(mono) {}
    std::int64_t at() const { return mono_ms.value_or(utc_ms); }
};

struct LowScoreAlert {
    enum class Rule { lowest_answers, hour_below_standard };
    Rule rule = Rule::lowest_answers;
    std::int64_t utc_ms = 0; // the tap that raised it
    std::string message;     // plain words for staff
};

// The database event kind alerts are persisted (and later synced) as.
inline constexpr const char* k_low_score_alert_kind = "low_score_alert";

class LowScoreAlerts {
  public:
    static constexpr int k_lowest_count = 3;
    static constexpr std::int64_t k_lowest_window_ms = 10 * 60 * 1000;
    static constexpr std::int64_t k_hour_ms = 60 * 60 * 1000;
    static constexpr int k_hour_min_responses = 10;

    LowScoreAlerts(Scale scale, double service_standard);

    // Recent history (e.g. the last hour from the database, oldest first),
    // taken in without raising alerts. Lowest answers at or before
    // `last_alert_utc_ms` (the newest persisted alert, 0 = none) are already
    // accounted for; rule 2 stays quiet for an hour after that alert
    // (`last_alert_mono_ms`: the alert on the taps' monotonic timeline).
    void seed(const std::vector<Tap>& taps, std::int64_t last_alert_utc_ms,
              std::optional<std::int64_t> last_alert_mono_ms = std::nullopt);

    // One rating tap. Returns the alerts it raises (usually none).
    std::vector<LowScoreAlert> on_tap(const Tap& tap);

    // The last hour's counted responses at `now` (on the taps' timeline).
    int hour_count(std::int64_t now) const;

  private:
    void forget_before(std::int64_t now);
    std::string lowest_message() const;
    std::string hour_message(double headline, int count) const;

    Scale m_scale;
    double m_standard;
    // Times below are on the taps' timeline (Tap::at).
    std::deque<std::int64_t> m_lowest;   // counted lowest answers, last 10 min
    std::deque<Tap> m_hour;              // counted taps, last hour
    std::int64_t m_hour_quiet_until = 0; // rule 2 is quiet before this instant
    bool m_quiet = false;                // m_hour_quiet_until is set
};

} // namespace touchpoint
