#include "ui/screens.h"

#include <algorithm>
#include <cmath>

#include "ui/faces.h"
#include "ui/layout.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace touchpoint::ui {

namespace {

ImVec2 tl(const Rect& r) { return ImVec2(r.x, r.y); }
ImVec2 br(const Rect& r) { return ImVec2(r.right(), r.bottom()); }

ImU32 with_alpha(ImU32 c, int alpha) { return (c & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT); }

// A toggle: a pill with a check box in front of its label, so "on" shows as
// a tick as well as a colour.
bool toggle_button(ImDrawList* dl, const char* id, const Rect& r, const std::string& label, float px, bool on,
                   bool high_contrast) {
    const Palette& p = palette(high_contrast);
    const ButtonState s = touch_target(id, r);
    const float rounding = r.h * 0.5f;
    const ImU32 fill = s.held ? p.button_pressed : (on ? p.accent : p.button);
    const ImU32 ink = (on && !s.held) ? p.accent_text : p.button_text;
    dl->AddRectFilled(tl(r), br(r), fill, rounding);
    if (high_contrast || !on)
        dl->AddRect(tl(r), br(r), on ? p.accent : p.outline, rounding, 0, high_contrast ? 3.0f : 1.5f);
    const float box = r.h * 0.42f;
    const float bx = r.x + r.h * 0.38f;
    const float by = r.cy() - box * 0.5f;
    dl->AddRect(ImVec2(bx, by), ImVec2(bx + box, by + box), ink, box * 0.2f, 0, std::max(2.0f, box * 0.12f));
    if (on) {
        const float th = std::max(2.0f, box * 0.16f);
        dl->AddLine(ImVec2(bx + box * 0.2f, by + box * 0.52f), ImVec2(bx + box * 0.42f, by + box * 0.74f), ink, th);
        dl->AddLine(ImVec2(bx + box * 0.42f, by + box * 0.74f), ImVec2(bx + box * 0.82f, by + box * 0.26f), ink, th);
    }
    const float text_x = bx + box + r.h * 0.22f;
    const Rect text_box{text_x, r.y + 2.0f, r.right() - r.h * 0.4f - text_x, r.h - 4.0f};
    draw_text_block(dl, label, px, text_box, ink, 2);
    return s.clicked;
}

void draw_answer(ImDrawList* dl, const QuestionView& view, const QuestionLayout& L, const Answer& a, const Rect& r,
                 bool held) {
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    const float s = L.face_size;
    const ImU32 colour = answer_colour(view.scale, a.score, hc);

    if (view.scale == Scale::nps || view.scale == Scale::ces7) {
        // A numbered tile: light face, a colour band along the bottom, the
        // number in large dark text.
        const float rounding = r.w * 0.16f;
        const Rect tile = held ? Rect{r.x + 3.0f, r.y + 3.0f, r.w - 6.0f, r.h - 6.0f} : r;
        dl->AddRectFilled(tl(tile), br(tile), hc ? IM_COL32(0, 0, 0, 255) : (held ? p.button_pressed : IM_COL32(255, 255, 255, 255)), rounding);
        const float band = tile.h * 0.2f;
        dl->AddRectFilled(ImVec2(tile.x, tile.bottom() - band), br(tile), colour, rounding, ImDrawFlags_RoundCornersBottom);
        dl->AddRect(tl(tile), br(tile), hc ? p.outline : with_alpha(colour, 200), rounding, 0,
                    hc ? 3.0f : std::max(2.0f, tile.w * 0.03f));
        const std::string text = a.label.empty() ? std::to_string(a.score) : a.label;
        const Rect number{tile.x + 2.0f, tile.y, tile.w - 4.0f, tile.h - band};
        draw_text_block(dl, text, std::min(number.h * 0.62f, number.w * 0.55f), number, p.text, 1);
        return;
    }

    if (held)
        dl->AddRectFilled(tl(r), br(r), with_alpha(p.button_pressed, hc ? 255 : 160), s * 0.12f);
    const float radius = s * 0.5f * (held ? 0.94f : 1.0f);
    const ImVec2 centre(r.cx(), r.y + s * 0.5f);
    const ImU32 outline = hc ? IM_COL32(255, 255, 255, 255) : IM_COL32(0, 0, 0, 40);
    if (view.scale == Scale::thumbs)
        draw_thumb(dl, centre, radius, a.score >= 1, colour, p.face_ink, outline);
    else
        draw_face(dl, centre, radius, mood_of(view.scale, a.score), colour, p.face_ink, outline);
    const float top = r.y + s + L.text.label * 0.3f;
    const Rect label{r.x, top, r.w, r.bottom() - top};
    draw_text_block(dl, a.label, L.text.label, label, p.text, 2);
}

void draw_check_disc(ImDrawList* dl, ImVec2 c, float radius, bool high_contrast) {
    const ImU32 green = answer_colour(Scale::smiley5, 5, high_contrast);
    dl->AddCircleFilled(c, radius, green, 64);
    if (high_contrast)
        dl->AddCircle(c, radius, IM_COL32(255, 255, 255, 255), 64, 4.0f);
    const ImU32 white = IM_COL32(255, 255, 255, 255);
    const float th = radius * 0.16f;
    const ImVec2 a(c.x - radius * 0.45f, c.y + radius * 0.02f);
    const ImVec2 b(c.x - radius * 0.12f, c.y + radius * 0.35f);
    const ImVec2 d(c.x + radius * 0.48f, c.y - radius * 0.32f);
    dl->AddLine(a, b, white, th);
    dl->AddLine(b, d, white, th);
    for (ImVec2 q : {a, b, d})
        dl->AddCircleFilled(q, th * 0.5f, white, 12);
}

// While dimmed or waking, one full-screen target takes the touch. It must be
// submitted before the screen's own buttons: ImGui gives a touch to the first
// hovered item of a window, so the buttons under it never see this touch.
bool wake_shield(const Look& look, float w, float h) {
    if (!look.dimmed && !look.wake_touch)
        return false;
    return touch_target("##wake", Rect{0.0f, 0.0f, w, h}).clicked;
}

// The idle overlay: the screen stays faintly visible under a dark veil, with
// a hint that a tap brings it back.
void draw_dim_overlay(ImDrawList* dl, const Look& look, const std::string& hint, float w, float h) {
    if (!look.dimmed)
        return;
    dl->AddRectFilled(ImVec2(0.0f, 0.0f), ImVec2(w, h), IM_COL32(0, 0, 0, 185));
    if (hint.empty())
        return;
    // The hint sits on a near-black pill, so it reads over faces and text alike.
    const TextSizes t = text_sizes(w, h, look.dpi, look.large_text);
    const float margin = std::max(std::min(w, h) * 0.08f, 8.0f);
    const float max_w = w - 2.0f * margin;
    const float px = fit_text_size(hint, t.title, Rect{0.0f, 0.0f, max_w, t.title * 1.15f * 2.0f}, 2);
    const auto lines = wrap_lines(hint, px, max_w);
    float text_w = 0.0f;
    for (auto l : lines)
        text_w = std::max(text_w, text_width(l, px));
    const float text_h = static_cast<float>(std::clamp<size_t>(lines.size(), 1, 2)) * px * 1.15f;
    const Rect pill{(w - text_w) * 0.5f - px, h * 0.5f - text_h * 0.5f - px * 0.6f, text_w + 2.0f * px,
                    text_h + 1.2f * px};
    dl->AddRectFilled(ImVec2(pill.x, pill.y), ImVec2(pill.right(), pill.bottom()), IM_COL32(10, 12, 16, 235),
                      std::min(pill.h * 0.5f, px * 1.2f));
    draw_text_block(dl, hint, px, Rect{pill.x + px * 0.5f, pill.y, pill.w - px, pill.h}, IM_COL32(255, 255, 255, 255), 2);
}

} // namespace

std::vector<Answer> default_answers(Scale scale) {
    switch (scale) {
    case Scale::smiley4:
        return {{1, "Very unhappy"}, {2, "Unhappy"}, {3, "Happy"}, {4, "Very happy"}};
    case Scale::smiley5:
        return {{1, "Very unhappy"}, {2, "Unhappy"}, {3, "Neutral"}, {4, "Happy"}, {5, "Very happy"}};
    case Scale::thumbs:
        return {{0, "Not good"}, {1, "Good"}};
    case Scale::nps:
    case Scale::ces7:
        break;
    }
    std::vector<Answer> out;
    const ScaleInfo& info = scale_info(scale);
    for (int s = info.min; s <= info.max; ++s)
        out.push_back({s, std::to_string(s)});
    return out;
}

Intent draw_question(const QuestionView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    const QuestionLayout L = layout_question(view, io.DisplaySize.x, io.DisplaySize.y);
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    Intent intent;

    ImDrawList* dl = begin_screen("##question", hc);
    if (wake_shield(view.look, io.DisplaySize.x, io.DisplaySize.y))
        intent.kind = Intent::Kind::wake;
    draw_text_block(dl, view.question, L.text.title, L.question, p.text, 3);

    const std::vector<Answer> answers = view.answers.empty() ? default_answers(view.scale) : view.answers;
    for (size_t i = 0; i < answers.size() && i < L.answers.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        const ButtonState s = touch_target("answer", L.answers[i]);
        if (s.clicked) {
            intent.kind = Intent::Kind::rate;
            intent.score = answers[i].score;
        }
        draw_answer(dl, view, L, answers[i], L.answers[i], s.held);
        ImGui::PopID();
    }

    if (!L.low_label.empty()) {
        const bool nps = view.scale == Scale::nps;
        const std::string low = !view.low_label.empty() ? view.low_label : (nps ? "Not likely" : "Very difficult");
        const std::string high = !view.high_label.empty() ? view.high_label : (nps ? "Very likely" : "Very easy");
        draw_text_block(dl, low, L.text.small, L.low_label, p.muted_text, 2, Align::left);
        draw_text_block(dl, high, L.text.small, L.high_label, p.muted_text, 2, Align::right);
    }

    for (size_t i = 0; i < view.languages.size() && i < L.languages.size(); ++i) {
        const auto& [code, name] = view.languages[i];
        ImGui::PushID(code.c_str());
        const bool current = code == view.language;
        if (pill_button(dl, "language", L.languages[i], name, L.text.small, current, hc).clicked && !current) {
            intent.kind = Intent::Kind::choose_language;
            intent.id = code;
        }
        ImGui::PopID();
    }
    if (toggle_button(dl, "##contrast", L.contrast_toggle, view.high_contrast_label, L.text.small, hc, hc))
        intent.kind = Intent::Kind::toggle_contrast;
    if (toggle_button(dl, "##large", L.large_text_toggle, view.large_text_label, L.text.small, view.look.large_text, hc))
        intent.kind = Intent::Kind::toggle_large_text;

    draw_dim_overlay(dl, view.look, view.wake_hint, io.DisplaySize.x, io.DisplaySize.y);
    end_screen();
    return intent;
}

Intent draw_reasons(const ReasonsView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    const ReasonsLayout L = layout_reasons(view, io.DisplaySize.x, io.DisplaySize.y);
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    Intent intent;

    ImDrawList* dl = begin_screen("##reasons", hc);
    draw_text_block(dl, view.prompt, L.text.title, L.prompt, p.text, 2);
    for (size_t i = 0; i < view.reasons.size() && i < L.reasons.size(); ++i) {
        const auto& [id, label] = view.reasons[i];
        const bool chosen = std::find(view.chosen.begin(), view.chosen.end(), id) != view.chosen.end();
        ImGui::PushID(id.c_str());
        if (toggle_button(dl, "reason", L.reasons[i], label, L.text.label, chosen, hc)) {
            intent.kind = Intent::Kind::toggle_reason;
            intent.id = id;
        }
        ImGui::PopID();
    }
    if (pill_button(dl, "##skip", L.skip, view.skip_label, L.text.label, false, hc).clicked)
        intent.kind = Intent::Kind::skip;
    if (pill_button(dl, "##done", L.done, view.done_label, L.text.label, true, hc).clicked)
        intent.kind = Intent::Kind::reasons_done;
    end_screen();
    return intent;
}

Intent draw_thank_you(const ThankYouView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x;
    const float h = io.DisplaySize.y;
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    const TextSizes t = text_sizes(w, h, view.look.dpi, view.look.large_text);
    const float unit = std::min(w, h);
    const float margin = std::max(unit * 0.04f, 8.0f);
    Intent intent;

    ImDrawList* dl = begin_screen("##thank_you", hc);
    // The whole screen is one button: a tap returns to the question at once.
    if (touch_target("##anywhere", Rect{0.0f, 0.0f, w, h}).clicked)
        intent.kind = Intent::Kind::dismiss_thank_you;

    const float radius = unit * 0.13f;
    const float text_w = w - 2.0f * margin;
    const Rect probe{margin, 0.0f, text_w, t.title * 1.15f * 1.15f * 3.0f};
    const float size = fit_text_size(view.text, t.title * 1.15f, probe, 3);
    const float lines = static_cast<float>(std::clamp<size_t>(wrap_lines(view.text, size, text_w).size(), 1, 3));
    const float text_h = lines * size * 1.15f;
    const float space = t.title * 0.8f;
    const float top = (h - (radius * 2.0f + space + text_h)) * 0.5f;
    draw_check_disc(dl, ImVec2(w * 0.5f, top + radius), radius, hc);
    draw_text_block(dl, view.text, size, Rect{margin, top + radius * 2.0f + space, text_w, text_h}, p.text, 3);

    // Countdown: a thin bar shrinking towards the centre.
    const float remaining = std::clamp(view.remaining, 0.0f, 1.0f);
    const float bar_h = std::max(4.0f, unit * 0.012f);
    const float bar_w = (w - 2.0f * margin) * remaining;
    const float y = h - margin - bar_h;
    dl->AddRectFilled(ImVec2(margin, y), ImVec2(w - margin, y + bar_h), with_alpha(p.outline, hc ? 120 : 110), bar_h * 0.5f);
    if (bar_w > 0.5f)
        dl->AddRectFilled(ImVec2(w * 0.5f - bar_w * 0.5f, y), ImVec2(w * 0.5f + bar_w * 0.5f, y + bar_h), p.accent, bar_h * 0.5f);
    end_screen();
    return intent;
}

Intent draw_message(const MessageView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x;
    const float h = io.DisplaySize.y;
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    const TextSizes t = text_sizes(w, h, view.look.dpi, view.look.large_text);
    const float margin = std::max(std::min(w, h) * 0.06f, 8.0f);

    Intent intent;
    ImDrawList* dl = begin_screen("##message", hc);
    if (wake_shield(view.look, w, h))
        intent.kind = Intent::Kind::wake;
    const float text_w = w - 2.0f * margin;
    // Size each block to the lines it really needs, so title and text stay together.
    auto block_height = [&](const std::string& text, float px, int max_lines, float& size) {
        size = fit_text_size(text, px, Rect{0.0f, 0.0f, text_w, px * 1.15f * static_cast<float>(max_lines)}, max_lines);
        const size_t lines = std::clamp<size_t>(wrap_lines(text, size, text_w).size(), 1, static_cast<size_t>(max_lines));
        return static_cast<float>(lines) * size * 1.15f;
    };
    float title_px = 0.0f;
    float text_px = 0.0f;
    const float title_h = block_height(view.title, t.title, 2, title_px);
    const float text_h = view.text.empty() ? 0.0f : block_height(view.text, t.label, 4, text_px);
    const float space = t.label;
    const float top = (h - title_h - space - text_h) * 0.5f;
    draw_text_block(dl, view.title, title_px, Rect{margin, top, text_w, title_h}, p.text, 2);
    if (!view.text.empty())
        draw_text_block(dl, view.text, text_px, Rect{margin, top + title_h + space, text_w, text_h}, p.muted_text, 4);
    draw_dim_overlay(dl, view.look, view.wake_hint, w, h);
    end_screen();
    return intent;
}

} // namespace touchpoint::ui
