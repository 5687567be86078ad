#pragma once
// The pointer as one drawn frame sees it, handed to the runtime by the
// window (platform/window.h, Window::begin_frame) through main. The app
// reads input only from here, never from ImGui's IO.
namespace touchpoint {

struct Pointer {
    bool present = false; // false: nowhere (after a finger lifted, or before any input)
    float x = 0.0f;       // window points
    float y = 0.0f;
    bool down = false;     // the finger or button is down
    bool pressed = false;  // the press began with this frame
    bool released = false; // the press ended with this frame
    bool finger = false;   // a touch, not a mouse
};

} // namespace touchpoint
