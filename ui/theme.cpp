#include "ui/theme.h"

#include <algorithm>
#include <cmath>

#include "ui/layout.h"

namespace touchpoint::ui {

namespace {

constexpr ImU32 rgb(int r, int g, int b) { return IM_COL32(r, g, b, 255); }

const Palette k_light{
    rgb(247, 248, 250), // background
    rgb(28, 35, 45),    // text
    rgb(84, 95, 108),   // muted text
    rgb(228, 232, 238), // button
    rgb(200, 207, 217), // button pressed
    rgb(28, 35, 45),    // button text
    rgb(29, 86, 204),   // accent
    rgb(255, 255, 255), // accent text
    rgb(190, 198, 208), // outline
    rgb(38, 38, 46),    // face ink
};

const Palette k_high_contrast{
    rgb(0, 0, 0),       // background
    rgb(255, 255, 255), // text
    rgb(235, 235, 235), // muted text
    rgb(0, 0, 0),       // button
    rgb(90, 90, 90),    // button pressed
    rgb(255, 255, 255), // button text
    rgb(255, 220, 0),   // accent
    rgb(0, 0, 0),       // accent text
    rgb(255, 255, 255), // outline
    rgb(0, 0, 0),       // face ink
};

ImVec4 to_vec4(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

} // namespace

const Palette& palette(bool high_contrast) { return high_contrast ? k_high_contrast : k_light; }

void apply_theme(bool high_contrast) {
    const Palette& p = palette(high_contrast);
    ImGuiStyle& s = ImGui::GetStyle();
    s.WindowPadding = ImVec2(0.0f, 0.0f);
    s.WindowBorderSize = 0.0f;
    s.WindowRounding = 0.0f;
    s.FrameRounding = 18.0f;
    s.FrameBorderSize = high_contrast ? 2.0f : 0.0f;
    s.ItemSpacing = ImVec2(0.0f, 0.0f);
    s.ScrollbarSize = 0.0f;
    s.TouchExtraPadding = ImVec2(0.0f, 0.0f);
    s.AntiAliasedFill = true;
    s.AntiAliasedLines = true;

    ImVec4* c = s.Colors;
    c[ImGuiCol_WindowBg] = to_vec4(p.background);
    c[ImGuiCol_Text] = to_vec4(p.text);
    c[ImGuiCol_TextDisabled] = to_vec4(p.muted_text);
    c[ImGuiCol_Border] = to_vec4(p.outline);
    c[ImGuiCol_Button] = to_vec4(p.button);
    c[ImGuiCol_ButtonHovered] = c[ImGuiCol_Button]; // no hover on a touch screen
    c[ImGuiCol_ButtonActive] = to_vec4(p.button_pressed);
    c[ImGuiCol_FrameBg] = to_vec4(p.button);
    c[ImGuiCol_FrameBgHovered] = c[ImGuiCol_FrameBg];
    c[ImGuiCol_FrameBgActive] = to_vec4(p.button_pressed);
    c[ImGuiCol_Header] = to_vec4(p.accent);
    c[ImGuiCol_HeaderHovered] = c[ImGuiCol_Header];
    c[ImGuiCol_HeaderActive] = c[ImGuiCol_Header];
    c[ImGuiCol_CheckMark] = to_vec4(p.accent);
    c[ImGuiCol_NavHighlight] = ImVec4(0, 0, 0, 0);
}

std::vector<float> font_pixel_sizes(float width, float height, float dpi) {
    std::vector<float> sizes;
    for (bool large : {false, true}) {
        const TextSizes t = text_sizes(width, height, dpi, large);
        for (float px : {t.small, t.label, t.title})
            sizes.push_back(std::round(px));
    }
    std::sort(sizes.begin(), sizes.end());
    std::vector<float> out;
    for (float px : sizes)
        if (out.empty() || px - out.back() > 2.0f)
            out.push_back(px);
    return out;
}

ImFont* font_for(float pixel_size) {
    if (!ImGui::GetCurrentContext())
        return nullptr;
    ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    ImFont* best = nullptr;
    ImFont* biggest = nullptr;
    for (ImFont* f : atlas->Fonts) {
        if (!f->IsLoaded())
            continue;
        if (!biggest || f->FontSize > biggest->FontSize)
            biggest = f;
        if (f->FontSize >= pixel_size * 0.97f && (!best || f->FontSize < best->FontSize))
            best = f;
    }
    if (best)
        return best;
    return biggest ? biggest : ImGui::GetFont();
}

} // namespace touchpoint::ui
