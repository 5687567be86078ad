#pragma once
// Small drawing helpers shared by the screens (internal to touchpoint::ui).
#include <string>
#include <string_view>
#include <vector>

#include "imgui.h"
#include "ui/layout.h"

namespace touchpoint::ui {

// Width of `text` at `px`, measured with the loaded font when ImGui has one,
// else estimated (so layout works without a context).
float text_width(std::string_view text, float px);

// Splits `text` into lines no wider than `max_width` at `px` (words are kept
// whole unless a single word is wider than the line).
std::vector<std::string_view> wrap_lines(std::string_view text, float px, float max_width);

// Largest size <= px (down to min_scale * px) at which `text` wraps into
// `box` within `max_lines` lines.
float fit_text_size(std::string_view text, float px, const Rect& box, int max_lines, float min_scale = 0.55f);

enum class Align { left, centre, right };

// Draws wrapped text, each line aligned inside `box`, the block vertically
// centred. The size shrinks (see fit_text_size) rather than overflow.
void draw_text_block(ImDrawList* dl, std::string_view text, float px, const Rect& box, ImU32 colour,
                     int max_lines, Align align = Align::centre);

struct ButtonState {
    bool clicked = false; // released over the button this frame
    bool held = false;    // pressed and not yet released
};
// A touch target at `r` (screen coordinates): ImGui::InvisibleButton.
ButtonState touch_target(const char* id, const Rect& r);

// A rounded button with centred text; `selected` fills it with the accent.
ButtonState pill_button(ImDrawList* dl, const char* id, const Rect& r, std::string_view text, float px,
                        bool selected, bool high_contrast);

// Begins/ends the one full-screen window of a screen and paints its background.
ImDrawList* begin_screen(const char* name, bool high_contrast);
void end_screen();

ImVec2 to_imvec(float x, float y);

} // namespace touchpoint::ui
