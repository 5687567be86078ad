#pragma once
// Vector faces, thumbs and number tiles for the answer buttons, drawn with
// ImDrawList so they scale with the screen. Colour follows the score from red
// (worst) to green (best); the caller always adds a text label as well.
#include "core/scale.h"
#include "imgui.h"

namespace touchpoint::ui {

// -1 (worst answer) .. +1 (best answer) for a score of `scale`.
float mood_of(Scale scale, int score);

// Fill colour for an answer: red .. amber .. green. NPS and CES use their
// bands (NPS 0-6 reds/oranges, 7-8 amber, 9-10 greens).
ImU32 answer_colour(Scale scale, int score, bool high_contrast);

// A round face: mouth curvature follows `mood` (-1 deep frown .. +1 big smile).
void draw_face(ImDrawList* dl, ImVec2 centre, float radius, float mood, ImU32 fill, ImU32 ink, ImU32 outline);

// A thumb up (or down) on a coloured disc.
void draw_thumb(ImDrawList* dl, ImVec2 centre, float radius, bool up, ImU32 fill, ImU32 ink, ImU32 outline);

} // namespace touchpoint::ui
