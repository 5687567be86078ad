#pragma once
// Turns SDL's pointer events into PointerEvent (platform/pointer_input.h):
// mouse events keep SDL's "synthesised from a touch" mark (which ==
// SDL_TOUCH_MOUSEID), finger events are scaled from SDL's normalised 0..1
// coordinates to window points, and touches SDL made up from a mouse are
// dropped. Pure: no window or video subsystem needed.
#include "platform/pointer_input.h"

union SDL_Event;

namespace touchpoint::platform {

// Returns false for events that are not about the pointer.
bool to_pointer_event(const SDL_Event& ev, int window_w, int window_h, PointerEvent& out);

} // namespace touchpoint::platform
