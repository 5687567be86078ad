#include "ui/faces.h"

#include <algorithm>
#include <cmath>

namespace touchpoint::ui {

namespace {

struct Rgb {
    float r, g, b;
};

const Rgb k_red{214, 59, 47};
const Rgb k_orange{240, 128, 40};
const Rgb k_amber{244, 186, 28};
const Rgb k_lime{128, 190, 62};
const Rgb k_green{34, 156, 82};

Rgb mix(Rgb a, Rgb b, float t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }

ImU32 to_u32(Rgb c) {
    return IM_COL32(static_cast<int>(c.r + 0.5f), static_cast<int>(c.g + 0.5f), static_cast<int>(c.b + 0.5f), 255);
}

// Along the ramp red -> orange -> amber -> lime -> green, t in 0..1.
Rgb ramp(float t) {
    const Rgb stops[] = {k_red, k_orange, k_amber, k_lime, k_green};
    t = std::clamp(t, 0.0f, 1.0f) * 4.0f;
    const int i = std::min(3, static_cast<int>(t));
    return mix(stops[i], stops[i + 1], t - static_cast<float>(i));
}

ImVec2 at(ImVec2 c, float r, float u, float v) { return ImVec2(c.x + u * r, c.y + v * r); }

void thick_curve(ImDrawList* dl, ImVec2 a, ImVec2 ctrl, ImVec2 b, ImU32 col, float thickness) {
    dl->AddBezierQuadratic(a, ctrl, b, col, thickness, 24);
    // Round the ends: ImGui's lines have square caps.
    dl->AddCircleFilled(a, thickness * 0.5f, col, 16);
    dl->AddCircleFilled(b, thickness * 0.5f, col, 16);
}

} // namespace

float mood_of(Scale scale, int score) {
    const ScaleInfo& s = scale_info(scale);
    if (s.max <= s.min)
        return 0.0f;
    const float t = static_cast<float>(score - s.min) / static_cast<float>(s.max - s.min);
    return std::clamp(t * 2.0f - 1.0f, -1.0f, 1.0f);
}

ImU32 answer_colour(Scale scale, int score, bool /*high_contrast*/) {
    switch (scale) {
    case Scale::smiley4: {
        const Rgb c[] = {k_red, k_orange, k_lime, k_green};
        return to_u32(c[std::clamp(score - 1, 0, 3)]);
    }
    case Scale::smiley5: {
        const Rgb c[] = {k_red, k_orange, k_amber, k_lime, k_green};
        return to_u32(c[std::clamp(score - 1, 0, 4)]);
    }
    case Scale::thumbs:
        return to_u32(score >= 1 ? k_green : k_red);
    case Scale::nps:
        if (score <= 6)
            return to_u32(mix(k_red, k_orange, static_cast<float>(std::max(score, 0)) / 6.0f));
        if (score <= 8)
            return to_u32(k_amber);
        return to_u32(score == 9 ? mix(k_lime, k_green, 0.5f) : k_green);
    case Scale::ces7:
        if (score <= 3)
            return to_u32(mix(k_red, k_orange, static_cast<float>(std::max(score - 1, 0)) / 2.0f));
        if (score == 4)
            return to_u32(k_amber);
        return to_u32(mix(k_lime, k_green, static_cast<float>(std::min(score, 7) - 5) / 2.0f));
    }
    return to_u32(ramp(0.5f));
}

void draw_face(ImDrawList* dl, ImVec2 c, float r, float mood, ImU32 fill, ImU32 ink, ImU32 outline) {
    mood = std::clamp(mood, -1.0f, 1.0f);
    dl->AddCircleFilled(c, r, fill, 64);
    dl->AddCircle(c, r, outline, 64, std::max(1.5f, r * 0.05f));

    // Eyes: ovals, a little taller than wide.
    const float eye_r = r * 0.095f;
    for (float side : {-1.0f, 1.0f}) {
        const ImVec2 e = at(c, r, side * 0.32f, -0.2f);
        dl->AddCircleFilled(e, eye_r, ink, 24);
        dl->AddCircleFilled(ImVec2(e.x, e.y - eye_r * 0.45f), eye_r, ink, 24);
    }
    // Brows only at the extremes: worried (inner ends up) on the worst answer.
    if (mood <= -0.99f) {
        for (float side : {-1.0f, 1.0f}) {
            const ImVec2 inner = at(c, r, side * 0.17f, -0.5f);
            const ImVec2 outer = at(c, r, side * 0.48f, -0.38f);
            thick_curve(dl, inner, ImVec2((inner.x + outer.x) * 0.5f, (inner.y + outer.y) * 0.5f), outer, ink,
                        r * 0.07f);
        }
    }

    // Mouth: a quadratic curve; corners up for a smile, down for a frown.
    const float half_w = r * (0.36f + 0.08f * std::fabs(mood));
    const float base = c.y + r * 0.33f;
    const float k = mood * r * 0.26f; // sagitta of the curve
    const ImVec2 left(c.x - half_w, base - k * 0.5f);
    const ImVec2 right(c.x + half_w, base - k * 0.5f);
    const ImVec2 ctrl(c.x, base + k * 1.5f);
    if (mood >= 0.99f) {
        // Open, beaming smile: a filled half-moon.
        dl->PathLineTo(left);
        dl->PathBezierQuadraticCurveTo(ctrl, right, 24);
        dl->PathBezierQuadraticCurveTo(ImVec2(c.x, left.y + r * 0.06f), left, 12);
        dl->PathFillConvex(ink);
    } else {
        thick_curve(dl, left, ctrl, right, ink, r * 0.085f);
    }
}

void draw_thumb(ImDrawList* dl, ImVec2 c, float r, bool up, ImU32 fill, ImU32 ink, ImU32 outline) {
    dl->AddCircleFilled(c, r, fill, 64);
    dl->AddCircle(c, r, outline, 64, std::max(1.5f, r * 0.05f));
    // Shapes for a thumb up in units of r (y down); a thumb down is the same
    // turned by 180 degrees, which keeps every rectangle axis-aligned.
    const float s = up ? 1.0f : -1.0f;
    // The drawing spans u -0.63..0.51, v -0.71..0.61: shift it to the centre.
    const float du = 0.06f;
    const float dv = 0.05f;
    auto rect = [&](float u0, float v0, float u1, float v1, float rounding, ImU32 col) {
        const ImVec2 a = at(c, r, s * (u0 + du), s * (v0 + dv));
        const ImVec2 b = at(c, r, s * (u1 + du), s * (v1 + dv));
        dl->AddRectFilled(ImVec2(std::min(a.x, b.x), std::min(a.y, b.y)), ImVec2(std::max(a.x, b.x), std::max(a.y, b.y)),
                          col, rounding * r);
    };
    const ImU32 white = IM_COL32(255, 255, 255, 255);
    // Dark silhouette slightly larger than the white shapes gives an outline.
    const float o = 0.045f;
    rect(-0.58f - o, -0.02f - o, -0.36f + o, 0.56f + o, 0.06f, ink);
    rect(-0.3f - o, -0.08f - o, 0.46f + o, 0.56f + o, 0.14f, ink);
    rect(-0.3f - o, -0.66f - o, 0.02f + o, 0.04f, 0.16f, ink);
    rect(-0.58f, -0.02f, -0.36f, 0.56f, 0.06f, white);  // cuff
    rect(-0.3f, -0.08f, 0.46f, 0.56f, 0.14f, white);    // fist
    rect(-0.3f, -0.66f, 0.02f, 0.1f, 0.16f, white);     // thumb
    for (float v : {0.1f, 0.25f, 0.4f})                 // finger creases
        rect(0.1f, v - 0.018f, 0.46f, v + 0.018f, 0.0f, ink);
}

} // namespace touchpoint::ui
