#pragma once
// Colours and fonts of the customer screens. A touch kiosk shows no hover
// state: hovered colours equal the normal ones; only a press shows.
#include <vector>

#include "imgui.h"

namespace touchpoint::ui {

struct Palette {
    ImU32 background;
    ImU32 text;
    ImU32 muted_text;
    ImU32 button;         // neutral buttons (language, toggles, skip)
    ImU32 button_pressed;
    ImU32 button_text;
    ImU32 accent;         // selected language, chosen chips, done button
    ImU32 accent_text;
    ImU32 outline;
    ImU32 face_ink;       // eyes, mouth, thumb details
};
const Palette& palette(bool high_contrast);

// Sets ImGui's style for the kiosk: no hover highlight, large rounding, no
// window padding or borders. Call once at start and when the contrast changes.
void apply_theme(bool high_contrast);

// Font pixel sizes the screens use at this window size (normal and larger
// text), for platform::Window::load_fonts. Rounded, deduplicated, ascending.
std::vector<float> font_pixel_sizes(float width, float height, float dpi);

// The loaded font best suited to draw text at `pixel_size` (the smallest
// loaded font at least that big, else the biggest); never null inside a frame.
ImFont* font_for(float pixel_size);

} // namespace touchpoint::ui
