#include "app/gesture.h"

#include <algorithm>

namespace touchpoint {

CornerHold::CornerHold(float corner_px, std::chrono::milliseconds hold)
    : m_corner(corner_px), m_hold(hold) {}

bool CornerHold::in_corner(float x, float y) const {
    return x >= 0.0f && y >= 0.0f && x < m_corner && y < m_corner;
}

bool CornerHold::update(bool down, float x, float y, time_point now) {
    if (!down) {
        m_state = State::up;
        return false;
    }
    if (m_state == State::up) {
        // A new press: only one that starts in the corner can become a hold.
        m_state = in_corner(x, y) ? State::holding : State::ignored;
        m_start = now;
    }
    if (m_state != State::holding) return false;
    if (!in_corner(x, y)) {
        m_state = State::ignored; // slid out: this press is an ordinary touch
        return false;
    }
    if (now - m_start >= m_hold) {
        m_state = State::done;
        return true;
    }
    return false;
}

std::optional<std::chrono::milliseconds> CornerHold::until_done(time_point now) const {
    if (m_state != State::holding) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_start + m_hold - now);
    return std::max(left, std::chrono::milliseconds{0});
}

} // namespace touchpoint
