#include "app/display_dimmer.h"

namespace touchpoint {

DisplayDimmer::DisplayDimmer(std::chrono::milliseconds timeout, time_point now)
    : m_timeout(timeout), m_last_activity(now) {}

void DisplayDimmer::note_activity(time_point now) {
    if (dimmed(now)) m_wake_pending = true;
    m_last_activity = now;
}

void DisplayDimmer::set_enabled(bool enabled, time_point now) {
    if (enabled && !m_enabled) m_last_activity = now;
    if (!enabled) m_wake_pending = false; // another screen took over the touch
    m_enabled = enabled;
}

bool DisplayDimmer::dimmed(time_point now) const {
    if (!m_enabled || m_timeout.count() <= 0) return false;
    return now - m_last_activity >= m_timeout;
}

bool DisplayDimmer::consume_wake_touch() {
    const bool was = m_wake_pending;
    m_wake_pending = false;
    return was;
}

std::optional<std::chrono::milliseconds> DisplayDimmer::until_dim(time_point now) const {
    if (!m_enabled || m_timeout.count() <= 0 || dimmed(now)) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_last_activity + m_timeout - now);
}

} // namespace touchpoint
