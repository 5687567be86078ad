#include "ui/keyboard.h"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>

#include "app/translations.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace touchpoint::ui {

namespace {

// --- Layouts ---

Key character(std::string lower, std::string upper = "") {
    Key k;
    k.text = std::move(lower);
    if (upper.empty()) {
        upper = k.text;
        if (upper.size() == 1)
            upper[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[0])));
    }
    k.shifted = std::move(upper);
    return k;
}

Key special(Key::Kind kind, float units) {
    Key k;
    k.kind = kind;
    k.units = units;
    return k;
}

std::vector<Key> ascii_row(std::string_view chars) {
    std::vector<Key> row;
    for (char c : chars)
        row.push_back(character(std::string(1, c)));
    return row;
}

// Lower/upper pairs, UTF-8.
std::vector<Key> accent_row(const std::vector<std::pair<const char*, const char*>>& pairs) {
    std::vector<Key> row;
    for (const auto& [lower, upper] : pairs)
        row.push_back(character(lower, upper));
    return row;
}

std::vector<Key> accents_of(const std::string& language) {
    if (language == "mi")
        return accent_row({{"ā", "Ā"}, {"ē", "Ē"}, {"ī", "Ī"}, {"ō", "Ō"}, {"ū", "Ū"}});
    if (language == "es")
        return accent_row({{"á", "Á"}, {"é", "É"}, {"í", "Í"}, {"ó", "Ó"}, {"ú", "Ú"}, {"ü", "Ü"}, {"¿", "¿"},
                           {"¡", "¡"}});
    if (language == "fr")
        return accent_row({{"é", "É"}, {"è", "È"}, {"ê", "Ê"}, {"à", "À"}, {"ç", "Ç"}, {"ù", "Ù"}, {"â", "Â"},
                           {"î", "Î"}, {"ô", "Ô"}, {"û", "Û"}, {"ë", "Ë"}, {"ï", "Ï"}, {"œ", "Œ"}});
    return {};
}

float row_units(const std::vector<Key>& row) {
    float u = 0.0f;
    for (const Key& k : row)
        u += k.units;
    return u;
}

// Splits a long row of letters (the French accents) in two when, kept
// whole, it would make every key narrower than `target`.
std::vector<std::vector<Key>> fit_rows(std::vector<std::vector<Key>> rows, float avail_w, float gap, float target) {
    std::vector<std::vector<Key>> out;
    for (auto& row : rows) {
        const bool letters = std::all_of(row.begin(), row.end(), [](const Key& k) { return k.kind == Key::Kind::character; });
        const float unit_w = (avail_w - static_cast<float>(row.size() - 1) * gap) / row_units(row);
        if (letters && row.size() > 10 && unit_w < target) {
            const auto half = row.begin() + static_cast<std::ptrdiff_t>((row.size() + 1) / 2);
            out.emplace_back(row.begin(), half);
            out.emplace_back(half, row.end());
        } else {
            out.push_back(std::move(row));
        }
    }
    return out;
}

// --- UTF-8 ---

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// --- Drawing ---

ImU32 with_alpha(ImU32 c, int alpha) {
    return (c & ~IM_COL32_A_MASK) | (static_cast<ImU32>(alpha) << IM_COL32_A_SHIFT);
}

void draw_shift_icon(ImDrawList* dl, ImVec2 c, float s, ImU32 ink, bool on) {
    const ImVec2 pts[] = {
        {c.x, c.y - s * 0.5f},          {c.x + s * 0.5f, c.y},         {c.x + s * 0.22f, c.y},
        {c.x + s * 0.22f, c.y + s * 0.5f}, {c.x - s * 0.22f, c.y + s * 0.5f}, {c.x - s * 0.22f, c.y},
        {c.x - s * 0.5f, c.y},
    };
    if (on) {
        // Filled when on (the arrow is concave: a triangle and a stem).
        dl->AddTriangleFilled(pts[0], pts[1], pts[6], ink);
        dl->AddRectFilled(pts[5], pts[3], ink);
    }
    dl->AddPolyline(pts, 7, ink, ImDrawFlags_Closed, std::max(2.0f, s * 0.08f));
}

void draw_backspace_icon(ImDrawList* dl, ImVec2 c, float s, ImU32 ink) {
    const float th = std::max(2.0f, s * 0.08f);
    const ImVec2 pts[] = {
        {c.x - s * 0.65f, c.y},           {c.x - s * 0.3f, c.y - s * 0.38f}, {c.x + s * 0.6f, c.y - s * 0.38f},
        {c.x + s * 0.6f, c.y + s * 0.38f}, {c.x - s * 0.3f, c.y + s * 0.38f},
    };
    dl->AddPolyline(pts, 5, ink, ImDrawFlags_Closed, th);
    const ImVec2 x(c.x + s * 0.15f, c.y);
    const float d = s * 0.16f;
    dl->AddLine(ImVec2(x.x - d, x.y - d), ImVec2(x.x + d, x.y + d), ink, th);
    dl->AddLine(ImVec2(x.x - d, x.y + d), ImVec2(x.x + d, x.y - d), ink, th);
}

// An icon key: the icon alone, or icon and label side by side when the key
// is wide enough for both at a readable size.
template <typename Icon>
void draw_icon_key(ImDrawList* dl, const Rect& r, const std::string& label, float px, ImU32 ink, Icon icon) {
    const float s = std::min(r.h * 0.46f, r.w * 0.5f);
    const float label_w = text_width(label, px);
    const float pad = r.h * 0.2f;
    if (!label.empty() && s * 1.3f + pad + label_w + 2.0f * pad <= r.w) {
        const float total = s * 1.3f + pad + label_w;
        const float left = r.cx() - total * 0.5f;
        icon(ImVec2(left + s * 0.65f, r.cy()));
        draw_text_block(dl, label, px, Rect{left + s * 1.3f + pad, r.y, label_w + 1.0f, r.h}, ink, 1, Align::left);
    } else {
        icon(ImVec2(r.cx(), r.cy()));
    }
}

} // namespace

std::vector<std::vector<Key>> keyboard_rows(const std::string& language) {
    const bool azerty = language == "fr";
    std::vector<std::vector<Key>> rows;
    std::vector<Key> accents = accents_of(language);
    if (!accents.empty())
        rows.push_back(std::move(accents));
    rows.push_back(ascii_row("1234567890"));
    rows.push_back(ascii_row(azerty ? "azertyuiop" : "qwertyuiop"));
    if (azerty) {
        rows.push_back(ascii_row("qsdfghjklm"));
    } else if (language == "es") {
        std::vector<Key> home = ascii_row("asdfghjkl");
        home.push_back(character("ñ", "Ñ"));
        rows.push_back(std::move(home));
    } else {
        rows.push_back(ascii_row("asdfghjkl'"));
    }
    std::vector<Key> lower{special(Key::Kind::shift, 1.5f)};
    for (Key& k : ascii_row(azerty ? "wxcvbn'" : "zxcvbnm"))
        lower.push_back(std::move(k));
    for (Key& k : ascii_row(",."))
        lower.push_back(std::move(k));
    lower.push_back(special(Key::Kind::backspace, 1.5f));
    rows.push_back(std::move(lower));
    std::vector<Key> bottom = ascii_row("?!");
    bottom.push_back(special(Key::Kind::space, 5.0f));
    bottom.push_back(character("-"));
    bottom.push_back(special(Key::Kind::done, 2.5f));
    rows.push_back(std::move(bottom));
    for (auto& row : rows)
        for (Key& k : row)
            if (k.kind == Key::Kind::space)
                k.text = k.shifted = " ";
    return rows;
}

std::vector<std::vector<Key>> address_keyboard_rows() {
    std::vector<std::vector<Key>> rows;
    rows.push_back(ascii_row("1234567890"));
    rows.push_back(ascii_row("qwertyuiop"));
    rows.push_back(ascii_row("asdfghjkl:"));
    rows.push_back(ascii_row("zxcvbnm./-"));
    Key https = character("https://", "https://");
    https.units = 3.0f;
    Key http = character("http://", "http://");
    http.units = 2.5f;
    std::vector<Key> bottom{https, http, character("_")};
    bottom.push_back(special(Key::Kind::backspace, 2.5f));
    rows.push_back(std::move(bottom));
    return rows;
}

Intent key_intent(const Key& key, bool shift) {
    Intent in;
    switch (key.kind) {
    case Key::Kind::character:
    case Key::Kind::space:
        in.kind = Intent::Kind::type_text;
        in.id = shift ? key.shifted : key.text;
        break;
    case Key::Kind::backspace:
        in.kind = Intent::Kind::backspace;
        break;
    case Key::Kind::shift:
        in.kind = Intent::Kind::toggle_shift;
        break;
    case Key::Kind::done:
        in.kind = Intent::Kind::comment_done;
        break;
    }
    return in;
}

size_t utf8_length(std::string_view text) {
    return static_cast<size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return !continuation(static_cast<unsigned char>(c)); }));
}

CommentLayout layout_comment(const CommentView& view, float width, float height) {
    CommentLayout out;
    const float unit = std::min(width, height);
    const float margin = std::max(unit * 0.03f, 6.0f);
    const float gap = std::clamp(unit * 0.01f, 4.0f, 10.0f);
    const float target = min_target_px(view.look.dpi);
    out.text = text_sizes(width, height, view.look.dpi, view.look.large_text);
    const TextSizes& t = out.text;
    const float avail_w = width - 2.0f * margin;
    const auto rows = fit_rows(keyboard_rows(view.language), avail_w, gap, target);
    const int n_rows = static_cast<int>(rows.size());

    // --- Key size: the widest row fills the width; keys stay no taller than
    // a comfortable cap, and >= 12 mm whenever the screen has room ---
    float unit_w = FLT_MAX;
    for (const auto& row : rows)
        unit_w = std::min(unit_w, (avail_w - static_cast<float>(row.size() - 1) * gap) / row_units(row));
    const float key_cap = std::max(target * 1.3f, unit * 0.085f);

    // --- Header: the prompt, Skip on its right ---
    const float skip_h = std::max(target, t.label * 2.0f);
    const float skip_w = std::max(target * 2.0f, text_width(view.skip_label, t.label) + t.label * 2.4f);
    const float prompt_px = t.title * 0.8f;

    // --- The text box: as many lines as leave the keys full size ---
    const float line_h = t.label * 1.25f;
    const float counter_h = t.small * 1.4f;
    const float pad = t.label * 0.4f;
    auto keys_height = [&](float key_h) { return static_cast<float>(n_rows) * key_h + static_cast<float>(n_rows - 1) * gap; };

    const float prompt_w = avail_w - skip_w - gap * 2.0f;
    const size_t prompt_lines = std::clamp<size_t>(wrap_lines(view.prompt, prompt_px, prompt_w).size(), 1, 2);
    float header_h = std::max(skip_h, static_cast<float>(prompt_lines) * prompt_px * 1.15f);
    auto box_height = [&](int lines) { return static_cast<float>(lines) * line_h + counter_h + 2.0f * pad; };
    auto key_height = [&](int lines) {
        const float kb_h = height - 2.0f * margin - header_h - box_height(lines) - 2.0f * gap;
        return std::min((kb_h - static_cast<float>(n_rows - 1) * gap) / static_cast<float>(n_rows), key_cap);
    };
    // The most text lines that keep keys full size; else that keep them
    // >= 12 mm; else a one-line prompt (it shrinks to fit) and one text line.
    int lines = 1;
    bool found = false;
    for (float bar : {key_cap, target}) {
        for (int l = 4; l >= 1 && !found; --l) {
            if (key_height(l) >= bar - 0.01f) {
                lines = l;
                found = true;
            }
        }
    }
    if (!found)
        header_h = std::max(target, prompt_px * 1.15f * 0.7f);
    const float skip_top_h = std::min(skip_h, header_h);
    float box_h = box_height(lines);
    float key_h = key_height(lines);
    key_h = std::max(key_h, 1.0f);
    const float key_w = std::min(unit_w, key_h * 1.25f);
    out.key_size = std::min(key_w, key_h);

    float kb_w = 0.0f;
    for (const auto& row : rows)
        kb_w = std::max(kb_w, row_units(row) * key_w + static_cast<float>(row.size() - 1) * gap);
    const float content_w = std::max(kb_w, std::min(avail_w, unit * 0.9f));
    const float left = (width - content_w) * 0.5f;

    // Centre the whole block vertically; tall screens get a taller text box.
    const float kb_h = keys_height(key_h);
    const float spare = height - 2.0f * margin - (header_h + gap + box_h + gap + kb_h);
    if (spare > 0.0f) {
        const float extra_lines = std::min(2.0f, std::floor(spare * 0.5f / line_h));
        box_h += extra_lines * line_h;
    }
    const float total = header_h + gap + box_h + gap + kb_h;
    float y = std::max(margin, (height - total) * 0.5f);

    out.skip = Rect{left + content_w - skip_w, y + (header_h - skip_top_h) * 0.5f, skip_w, skip_top_h};
    out.prompt = Rect{left, y, content_w - skip_w - gap * 2.0f, header_h};
    y += header_h + gap;
    out.text_box = Rect{left, y, content_w, box_h};
    out.counter = Rect{left + pad, y + box_h - pad * 0.5f - counter_h, content_w - 2.0f * pad, counter_h};
    y += box_h + gap;

    for (const auto& row : rows) {
        const float row_w = row_units(row) * key_w + static_cast<float>(row.size() - 1) * gap;
        float x = width * 0.5f - row_w * 0.5f;
        for (const Key& k : row) {
            const float w = k.units * key_w;
            out.keys.push_back(KeyRect{k, Rect{x, y, w, key_h}});
            x += w + gap;
        }
        y += key_h + gap;
    }
    return out;
}

Intent draw_comment(const CommentView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    const CommentLayout L = layout_comment(view, io.DisplaySize.x, io.DisplaySize.y);
    const bool hc = view.look.high_contrast;
    const Palette& p = palette(hc);
    const TextSizes& t = L.text;
    Intent intent;

    ImDrawList* dl = begin_screen("##comment", hc);
    draw_text_block(dl, view.prompt, t.title * 0.8f, L.prompt, p.text, 2, Align::left);
    if (pill_button(dl, "##skip", L.skip, view.skip_label, t.label, false, hc).clicked)
        intent.kind = Intent::Kind::skip;

    // --- The comment so far, its last lines if it is long, and a caret ---
    const Rect& box = L.text_box;
    const float rounding = std::min(12.0f, box.h * 0.15f);
    dl->AddRectFilled(ImVec2(box.x, box.y), ImVec2(box.right(), box.bottom()), hc ? p.background : IM_COL32(255, 255, 255, 255),
                      rounding);
    dl->AddRect(ImVec2(box.x, box.y), ImVec2(box.right(), box.bottom()), hc ? p.outline : p.outline, rounding, 0,
                hc ? 3.0f : 1.5f);
    const float pad = t.label * 0.4f;
    const float px = t.label;
    const float line_h = px * 1.25f;
    const float inner_w = box.w - 2.0f * pad - px * 0.3f; // room for the caret
    const int max_lines = std::max(1, static_cast<int>((L.counter.y - box.y - pad) / line_h));
    std::vector<std::string_view> lines = wrap_lines(view.text, px, inner_w);
    if (lines.empty())
        lines.emplace_back();
    if (static_cast<int>(lines.size()) > max_lines)
        lines.erase(lines.begin(), lines.end() - max_lines);
    ImFont* font = font_for(px);
    float y = box.y + pad;
    for (std::string_view l : lines) {
        if (!l.empty()) // AddText reads an empty view's null pointer as a C string
            dl->AddText(font, px, ImVec2(std::round(box.x + pad), std::round(y + (line_h - px) * 0.5f)), p.text, l.data(),
                    l.data() + l.size());
        y += line_h;
    }
    // The caret follows the last character, trailing spaces included.
    size_t trailing = 0;
    while (trailing < view.text.size() && view.text[view.text.size() - 1 - trailing] == ' ')
        ++trailing;
    float caret_x = box.x + pad + text_width(lines.back(), px) + text_width(std::string(trailing, ' '), px);
    caret_x = std::min(caret_x, box.right() - pad);
    const float caret_y = y - line_h;
    dl->AddRectFilled(ImVec2(caret_x + 1.0f, caret_y + line_h * 0.12f), ImVec2(caret_x + std::max(2.0f, px * 0.08f) + 1.0f, caret_y + line_h * 0.9f),
                      p.accent);

    const size_t count = utf8_length(view.text);
    const bool full = view.max_chars > 0 && count >= static_cast<size_t>(view.max_chars);
    const std::string counter =
        fill(view.limit_label, {{"count", std::to_string(count)}, {"max", std::to_string(view.max_chars)}});
    const float counter_px = t.small;
    const float counter_w = text_width(counter, counter_px) + 2.0f;
    const ImU32 counter_ink = full ? (hc ? p.accent : IM_COL32(178, 34, 34, 255)) : p.muted_text;
    draw_text_block(dl, counter, counter_px, Rect{L.counter.right() - counter_w, L.counter.y, counter_w, L.counter.h},
                    counter_ink, 1, Align::right);
    if (full)
        draw_text_block(dl, view.full_label, counter_px,
                        Rect{L.counter.x, L.counter.y, L.counter.w - counter_w - pad, L.counter.h}, counter_ink, 1,
                        Align::left);

    // --- Keys ---
    const float key_px = std::min(t.label * 1.3f, L.key_size * (view.look.large_text ? 0.6f : 0.5f));
    for (size_t i = 0; i < L.keys.size(); ++i) {
        const Key& k = L.keys[i].key;
        const Rect& r = L.keys[i].rect;
        ImGui::PushID(static_cast<int>(i));
        const ButtonState s = touch_target("key", r);
        if (s.clicked)
            intent = key_intent(k, view.shift);
        const bool accent = k.kind == Key::Kind::done || (k.kind == Key::Kind::shift && view.shift);
        ImU32 fill_colour = accent ? p.accent : (hc ? p.background : IM_COL32(255, 255, 255, 255));
        if (k.kind == Key::Kind::backspace || k.kind == Key::Kind::shift)
            fill_colour = accent ? p.accent : p.button;
        if (s.held)
            fill_colour = p.button_pressed;
        const ImU32 ink = accent && !s.held ? p.accent_text : p.button_text;
        const float key_rounding = std::min(r.h, r.w) * 0.18f;
        dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), fill_colour, key_rounding);
        if (!accent || hc)
            dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), hc ? p.outline : with_alpha(p.outline, 255),
                        key_rounding, 0, hc ? 2.0f : 1.0f);
        switch (k.kind) {
        case Key::Kind::character:
            draw_text_block(dl, view.shift ? k.shifted : k.text, key_px, r, ink, 1);
            break;
        case Key::Kind::space:
            draw_text_block(dl, view.space_label, key_px * 0.8f, r, hc ? ink : p.muted_text, 1);
            break;
        case Key::Kind::done:
            draw_text_block(dl, view.done_label, key_px * 0.9f, Rect{r.x + 4.0f, r.y, r.w - 8.0f, r.h}, ink, 1);
            break;
        case Key::Kind::shift:
            draw_icon_key(dl, r, view.shift_label, key_px * 0.7f, ink,
                          [&](ImVec2 c) { draw_shift_icon(dl, c, std::min(r.h * 0.46f, r.w * 0.5f), ink, view.shift); });
            break;
        case Key::Kind::backspace:
            draw_icon_key(dl, r, view.backspace_label, key_px * 0.7f, ink,
                          [&](ImVec2 c) { draw_backspace_icon(dl, c, std::min(r.h * 0.46f, r.w * 0.5f), ink); });
            break;
        }
        ImGui::PopID();
    }
    end_screen();
    return intent;
}

} // namespace touchpoint::ui
