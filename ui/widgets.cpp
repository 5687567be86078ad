#include "ui/widgets.h"

#include <algorithm>
#include <cmath>

#include "ui/theme.h"

namespace touchpoint::ui {

namespace {

bool have_font() {
    return ImGui::GetCurrentContext() != nullptr && ImGui::GetIO().Fonts->IsBuilt();
}

int codepoints(std::string_view s) {
    int n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

int utf8_length(unsigned char lead) {
    if (lead >= 0xF0)
        return 4;
    if (lead >= 0xE0)
        return 3;
    if (lead >= 0xC0)
        return 2;
    return 1;
}

} // namespace

ImVec2 to_imvec(float x, float y) { return ImVec2(x, y); }

float text_width(std::string_view text, float px) {
    if (text.empty())
        return 0.0f;
    if (!have_font())
        return 0.55f * px * static_cast<float>(codepoints(text));
    ImFont* f = font_for(px);
    return f->CalcTextSizeA(px, FLT_MAX, 0.0f, text.data(), text.data() + text.size()).x;
}

std::vector<std::string_view> wrap_lines(std::string_view text, float px, float max_width) {
    std::vector<std::string_view> lines;
    if (text.empty())
        return lines;
    if (!have_font()) {
        // Greedy by words with the estimated width.
        size_t start = 0;
        while (start < text.size()) {
            size_t line_end = start;
            size_t pos = start;
            for (;;) {
                const size_t sp = text.find(' ', pos);
                const size_t stop = sp == std::string_view::npos ? text.size() : sp;
                if (line_end != start && text_width(text.substr(start, stop - start), px) > max_width)
                    break;
                line_end = stop;
                if (sp == std::string_view::npos)
                    break;
                pos = sp + 1;
            }
            lines.push_back(text.substr(start, line_end - start));
            start = line_end;
            while (start < text.size() && text[start] == ' ')
                ++start;
        }
        return lines;
    }
    ImFont* f = font_for(px);
    const float scale = px / f->FontSize;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
        const char* stop = f->CalcWordWrapPositionA(scale, p, end, max_width);
        if (stop == p) // a glyph wider than the line: take it anyway
            stop = std::min(end, p + utf8_length(static_cast<unsigned char>(*p)));
        const char* line_end = stop;
        while (line_end > p && (line_end[-1] == ' ' || line_end[-1] == '\n'))
            --line_end;
        lines.emplace_back(p, static_cast<size_t>(line_end - p));
        p = stop;
        while (p < end && (*p == ' ' || *p == '\n'))
            ++p;
    }
    return lines;
}

float fit_text_size(std::string_view text, float px, const Rect& box, int max_lines, float min_scale) {
    float size = px;
    const float smallest = px * min_scale;
    while (size > smallest) {
        const auto lines = wrap_lines(text, size, box.w);
        bool fits = static_cast<int>(lines.size()) <= max_lines &&
                    static_cast<float>(lines.size()) * size * 1.15f <= box.h + 0.5f;
        for (auto l : lines)
            fits = fits && text_width(l, size) <= box.w + 0.5f;
        if (fits)
            return size;
        size *= 0.92f;
    }
    return smallest;
}

void draw_text_block(ImDrawList* dl, std::string_view text, float px, const Rect& box, ImU32 colour, int max_lines,
                     Align align) {
    if (text.empty())
        return;
    const float size = fit_text_size(text, px, box, max_lines);
    auto lines = wrap_lines(text, size, box.w);
    if (static_cast<int>(lines.size()) > max_lines)
        lines.resize(static_cast<size_t>(max_lines));
    const float line_h = size * 1.15f;
    float y = box.cy() - line_h * static_cast<float>(lines.size()) * 0.5f + (line_h - size) * 0.5f;
    ImFont* f = font_for(size);
    for (auto l : lines) {
        const float w = text_width(l, size);
        float x = box.x;
        if (align == Align::centre)
            x = box.cx() - w * 0.5f;
        else if (align == Align::right)
            x = box.right() - w;
        dl->AddText(f, size, ImVec2(std::round(x), std::round(y)), colour, l.data(), l.data() + l.size());
        y += line_h;
    }
}

ButtonState touch_target(const char* id, const Rect& r) {
    ButtonState s;
    ImGui::SetCursorScreenPos(ImVec2(r.x, r.y));
    s.clicked = ImGui::InvisibleButton(id, ImVec2(std::max(1.0f, r.w), std::max(1.0f, r.h)));
    s.held = ImGui::IsItemActive();
    return s;
}

ButtonState pill_button(ImDrawList* dl, const char* id, const Rect& r, std::string_view text, float px,
                        bool selected, bool high_contrast) {
    const Palette& p = palette(high_contrast);
    const ButtonState s = touch_target(id, r);
    const float rounding = std::min(r.h * 0.5f, r.h * 0.5f);
    ImU32 fill = selected ? p.accent : (s.held ? p.button_pressed : p.button);
    if (selected && s.held)
        fill = p.button_pressed;
    dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), fill, rounding);
    if (high_contrast || !selected)
        dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), selected ? p.accent : p.outline, rounding, 0,
                    high_contrast ? 3.0f : 1.5f);
    const float pad = std::min(r.h * 0.35f, px * 0.8f);
    const Rect inner{r.x + pad, r.y + 2.0f, r.w - 2.0f * pad, r.h - 4.0f};
    draw_text_block(dl, text, px, inner, selected && !s.held ? p.accent_text : p.button_text, 2);
    return s;
}

ImDrawList* begin_screen(const char* name, bool high_contrast) {
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetNextWindowPos(ImVec2(0.0f, 0.0f));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0.0f, 0.0f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                   ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBackground;
    ImGui::Begin(name, nullptr, flags);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(0.0f, 0.0f), io.DisplaySize, palette(high_contrast).background);
    return dl;
}

void end_screen() {
    ImGui::End();
    ImGui::PopStyleVar(3);
}

} // namespace touchpoint::ui
