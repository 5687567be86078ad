#include "sdl_pointer.h"

#include <SDL.h>

namespace touchpoint::platform {

bool to_pointer_event(const SDL_Event& ev, int window_w, int window_h, PointerEvent& out) {
    using K = PointerEvent::Kind;
    switch (ev.type) {
    case SDL_MOUSEMOTION:
        out = PointerEvent{K::mouse_motion, ev.motion.which == SDL_TOUCH_MOUSEID, 1, 0,
                           static_cast<float>(ev.motion.x), static_cast<float>(ev.motion.y)};
        return true;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        out = PointerEvent{ev.type == SDL_MOUSEBUTTONDOWN ? K::mouse_down : K::mouse_up,
                           ev.button.which == SDL_TOUCH_MOUSEID, ev.button.button, 0,
                           static_cast<float>(ev.button.x), static_cast<float>(ev.button.y)};
        return true;
    case SDL_FINGERDOWN:
    case SDL_FINGERUP:
    case SDL_FINGERMOTION: {
        // Touches SDL made up from a mouse are not real touches.
        if (ev.tfinger.touchId == SDL_MOUSE_TOUCHID) return false;
        PointerEvent e;
        e.kind = ev.type == SDL_FINGERDOWN ? K::finger_down
                 : ev.type == SDL_FINGERUP ? K::finger_up
                                           : K::finger_motion;
        e.finger = static_cast<std::int64_t>(ev.tfinger.fingerId);
        // Finger coordinates are normalised to the window; ImGui wants points.
        e.x = ev.tfinger.x * static_cast<float>(window_w);
        e.y = ev.tfinger.y * static_cast<float>(window_h);
        out = e;
        return true;
    }
    default:
        return false;
    }
}

} // namespace touchpoint::platform
