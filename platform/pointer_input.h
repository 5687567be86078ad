#pragma once
// One tap = one click. SDL reports a touch twice: as finger events and as
// mouse events it synthesises for the same touch (which == SDL_TOUCH_MOUSEID).
// PointerInput takes the finger events as the truth for touches, ignores the
// synthesised mouse events, and still accepts a real mouse. It also latches a
// press so a tap whose down and up arrive between two frames still shows as
// "down" for one frame and "up" the next — ImGui sees a full click.
//
// Pure logic, no SDL types: the window translates SDL events into
// PointerEvent (finger coordinates already scaled to window points).
// Not thread-safe; used on the UI thread.
#include <cstdint>

namespace touchpoint::platform {

struct PointerEvent {
    enum class Kind { mouse_motion, mouse_down, mouse_up, finger_down, finger_motion, finger_up };
    Kind kind = Kind::mouse_motion;
    bool synthesised = false; // mouse event SDL made from a touch
    int button = 1;           // mouse button (1 = left); others are ignored
    std::int64_t finger = 0;  // finger id for finger events
    float x = 0.0f;           // window points
    float y = 0.0f;
};

// The pointer for one frame: what ImGui is fed, and what the window hands
// the app (Window::begin_frame).
struct PointerFrame {
    bool has_position = false; // false: pointer is nowhere (no hover at all)
    float x = 0.0f;            // window points
    float y = 0.0f;
    bool down = false;
    bool pressed = false;  // down in this frame, not in the one before
    bool released = false; // up in this frame, down in the one before
    bool finger = false;   // the pointer is a touch (else a mouse)
};

class PointerInput {
public:
    // Returns true if the event was used, false if it was ignored.
    bool feed(const PointerEvent& e) {
        using K = PointerEvent::Kind;
        const bool is_mouse = e.kind == K::mouse_motion || e.kind == K::mouse_down || e.kind == K::mouse_up;
        if (is_mouse) {
            if (e.synthesised || m_finger_active)
                return false; // the finger events already tell this story
            if ((e.kind == K::mouse_down || e.kind == K::mouse_up) && e.button != 1)
                return false;
            m_finger_pointer = false;
            move_to(e.x, e.y);
            if (e.kind == K::mouse_down)
                press();
            else if (e.kind == K::mouse_up)
                release();
            return true;
        }
        // Finger events: follow the first finger only; others are ignored
        // until it lifts (a palm or second hand must not cause a second tap).
        if (e.kind == K::finger_down) {
            if (m_finger_active)
                return false;
            m_finger_active = true;
            m_finger_pointer = true;
            m_finger = e.finger;
            move_to(e.x, e.y);
            press();
            return true;
        }
        if (!m_finger_active || e.finger != m_finger)
            return false;
        move_to(e.x, e.y);
        if (e.kind == K::finger_up) {
            m_finger_active = false;
            m_forget_after_release = true;
            release();
        }
        return true;
    }

    // State for the next frame; consumes a latched press or release.
    PointerFrame next_frame() {
        PointerFrame f;
        if (m_forget_position_now) {
            m_has_position = false;
            m_forget_position_now = false;
        }
        f.has_position = m_has_position;
        f.x = m_x;
        f.y = m_y;
        if (m_latched_press) {
            f.down = true;           // show the press for one frame...
            m_latched_press = false; // ...the release (if any) comes next
        } else {
            f.down = m_down;
            if (!m_down && m_forget_after_release) {
                // Keep the position for the release frame (ImGui needs it to
                // fire the click), then let the pointer vanish: no hover.
                m_forget_after_release = false;
                m_forget_position_now = true;
            }
        }
        f.pressed = f.down && !m_last_down;
        f.released = !f.down && m_last_down;
        f.finger = m_finger_pointer;
        m_last_down = f.down;
        return f;
    }

    // True while a press or release has not been shown to a frame yet.
    bool pending() const { return m_latched_press || m_forget_after_release || m_forget_position_now; }

private:
    void move_to(float x, float y) {
        m_x = x;
        m_y = y;
        m_has_position = true;
        m_forget_position_now = false;
    }
    void press() {
        m_down = true;
        m_latched_press = true;
    }
    void release() { m_down = false; }

    bool m_finger_active = false;
    bool m_finger_pointer = false; // the last pointer taken was a finger
    std::int64_t m_finger = 0;
    bool m_has_position = false;
    float m_x = 0.0f;
    float m_y = 0.0f;
    bool m_down = false;
    bool m_latched_press = false;
    bool m_forget_after_release = false;
    bool m_forget_position_now = false;
    bool m_last_down = false; // in the last frame
};

} // namespace touchpoint::platform
