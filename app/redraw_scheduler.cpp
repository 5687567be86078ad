#include "app/redraw_scheduler.h"

#include <algorithm>

namespace touchpoint {

using namespace std::chrono;

RedrawScheduler::RedrawScheduler(time_point start, milliseconds settle, milliseconds max_wait)
    : m_settle(settle), m_max_wait(std::max(max_wait, milliseconds{1})),
      m_settle_until(start + settle) {}

int RedrawScheduler::wait_ms(time_point now, std::optional<milliseconds> deadline, bool animating,
                             bool input_pending) const {
    if (m_frames > 0 || input_pending) return 0;
    milliseconds wait = k_max_wait;
    // One past the deadline, so the timeout has run out when the loop wakes.
    if (deadline) wait = std::min(wait, std::max(*deadline, milliseconds{0}) + milliseconds{1});
    if (animating) wait = std::min(wait, k_animation_step);
    if (settling(now)) wait = std::min(wait, k_settle_step);
    wait = std::min(wait, m_max_wait);
    return static_cast<int>(wait.count());
}

void RedrawScheduler::waited(time_point now, bool events, bool window_changed) {
    if (events)
        m_frames = std::max(m_frames, k_frames_after_input);
    else if (settling(now))
        m_frames = std::max(m_frames, 1); // the compositor may only now show the window
    if (window_changed) m_settle_until = now + m_settle;
}

void RedrawScheduler::shown_changed(bool staff_screen) {
    m_frames =
        std::max(m_frames, staff_screen ? k_frames_after_staff_change : k_frames_after_change);
}

void RedrawScheduler::drawn() {
    if (m_frames > 0) --m_frames;
}

void RedrawScheduler::handled() {
    m_frames = std::max(m_frames, k_frames_after_input);
}

} // namespace touchpoint
