#pragma once
// CornerHold: the hidden staff entry (SPEC "The kiosk (staff side)") — press
// and hold the top-left corner for 3 s.
//
// Pure logic: fed the pointer (down or not, where) and a monotonic time, so
// tests drive it with injected time. A press that starts outside the corner,
// or moves out of it before the hold completes, is not a hold; the pointer
// has to lift before a new hold can start. The hold completes once per press.
//
// Single-threaded (the UI thread).
#include <chrono>
#include <optional>

namespace touchpoint {

class CornerHold {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr std::chrono::milliseconds k_hold{3000};

    // `corner_px`: edge of the square corner zone at the window's top-left.
    explicit CornerHold(float corner_px, std::chrono::milliseconds hold = k_hold);
    void set_corner(float corner_px) { m_corner = corner_px; }
    float corner() const { return m_corner; }

    // Feeds the pointer state at `now`. Returns true exactly once per press:
    // when the pointer has stayed down inside the corner for the hold time.
    bool update(bool down, float x, float y, time_point now);

    // A press is in the corner and the hold has not completed yet.
    bool holding() const { return m_state == State::holding; }
    // Time until the hold completes if the pointer stays put (for the
    // caller's event wait); nullopt when no hold is in progress.
    std::optional<std::chrono::milliseconds> until_done(time_point now) const;

  private:
    enum class State { up, holding, done, ignored };
    bool in_corner(float x, float y) const;

    float m_corner;
    std::chrono::milliseconds m_hold;
    State m_state = State::up;
    time_point m_start{};
};

} // namespace touchpoint
