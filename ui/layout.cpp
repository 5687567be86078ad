#include "ui/layout.h"

#include <algorithm>
#include <cmath>

#include "ui/widgets.h"

namespace touchpoint::ui {

namespace {

float safe_dpi(float dpi) { return dpi > 0.0f ? dpi : 96.0f; }

struct Frame {
    float margin;
    float gap;
    float unit; // the shorter window side
};

Frame frame_of(float width, float height) {
    const float unit = std::min(width, height);
    return {std::max(unit * 0.04f, 8.0f), std::max(unit * 0.02f, 6.0f), unit};
}

bool numbered(Scale s) { return s == Scale::nps || s == Scale::ces7; }

// Lays items of the given widths into centred rows no wider than `avail`,
// bottom row ending at `bottom`. Returns the top of the first row.
float flow_rows(const std::vector<float>& widths, float left, float avail, float bottom, float item_h, float gap,
                std::vector<Rect>& out) {
    std::vector<std::vector<size_t>> rows;
    float used = 0.0f;
    for (size_t i = 0; i < widths.size(); ++i) {
        const float w = std::min(widths[i], avail);
        if (rows.empty() || used + gap + w > avail) {
            rows.push_back({i});
            used = w;
        } else {
            rows.back().push_back(i);
            used += gap + w;
        }
    }
    out.assign(widths.size(), Rect{});
    const float top = bottom - static_cast<float>(rows.size()) * item_h - static_cast<float>(rows.size() ? rows.size() - 1 : 0) * gap;
    float y = top;
    for (const auto& row : rows) {
        float row_w = 0.0f;
        for (size_t i : row)
            row_w += std::min(widths[i], avail);
        row_w += gap * static_cast<float>(row.size() - 1);
        float x = left + (avail - row_w) * 0.5f;
        for (size_t i : row) {
            const float w = std::min(widths[i], avail);
            out[i] = Rect{x, y, w, item_h};
            x += w + gap;
        }
        y += item_h + gap;
    }
    return rows.empty() ? bottom : top;
}

// The bottom bar: language switch and the two accessibility toggles.
// Returns the bar's top edge.
float layout_bar(const QuestionView& view, float width, float height, const Frame& f, const TextSizes& t,
                 float target, QuestionLayout& out) {
    const float item_h = std::max(target, t.small * 2.1f);
    const float gap = std::max(f.gap, 8.0f);
    const float avail = width - 2.0f * f.margin;
    const float bottom = height - f.margin;

    std::vector<float> lang_w;
    for (const auto& lang : view.languages)
        lang_w.push_back(std::max(target * 1.5f, text_width(lang.second, t.small) + t.small * 1.8f));
    // Toggles carry a check box (item_h * 0.45) in front of their text.
    // (The check box and its spacing take 1.02 * item_h before the text,
    // 0.4 * item_h after it; see toggle_button in screens.cpp.)
    const float toggle_extra = item_h * 1.42f + t.small * 0.6f;
    const float contrast_w = std::max(target * 2.0f, text_width(view.high_contrast_label, t.small) + toggle_extra);
    const float large_w = std::max(target * 2.0f, text_width(view.large_text_label, t.small) + toggle_extra);

    float langs_total = 0.0f;
    for (float w : lang_w)
        langs_total += w + gap;
    const float toggles_total = contrast_w + gap + large_w;

    if (langs_total + gap + toggles_total <= avail) {
        // One row: languages from the left, toggles from the right.
        const float y = bottom - item_h;
        float x = f.margin;
        out.languages.clear();
        for (float w : lang_w) {
            out.languages.push_back(Rect{x, y, w, item_h});
            x += w + gap;
        }
        out.large_text_toggle = Rect{width - f.margin - large_w, y, large_w, item_h};
        out.contrast_toggle = Rect{out.large_text_toggle.x - gap - contrast_w, y, contrast_w, item_h};
        return y;
    }
    // Narrow screens: toggles on the bottom row, languages in rows above.
    std::vector<Rect> toggles;
    const float toggles_top = flow_rows({contrast_w, large_w}, f.margin, avail, bottom, item_h, gap, toggles);
    out.contrast_toggle = toggles[0];
    out.large_text_toggle = toggles[1];
    if (lang_w.empty())
        return toggles_top;
    return flow_rows(lang_w, f.margin, avail, toggles_top - gap, item_h, gap, out.languages);
}

struct GridChoice {
    int rows = 1;
    int cols = 1;
    float size = 0.0f; // face / tile edge
    float cell_w = 0.0f;
};

} // namespace

float min_target_px(float dpi) { return 12.0f * safe_dpi(dpi) / 25.4f; }

TextSizes text_sizes(float width, float height, float dpi, bool large) {
    const float unit = std::min(width, height);
    const float mm = safe_dpi(dpi) / 25.4f;
    TextSizes t;
    t.title = std::max(unit * 0.068f, 6.5f * mm);
    t.label = std::max(unit * 0.04f, 4.2f * mm);
    t.small = std::max(unit * 0.032f, 3.6f * mm);
    if (large) {
        t.title *= 1.3f;
        t.label *= 1.3f;
        t.small *= 1.3f;
    }
    return t;
}

QuestionLayout layout_question(const QuestionView& view, float width, float height) {
    QuestionLayout out;
    const Frame f = frame_of(width, height);
    const float target = min_target_px(view.look.dpi);
    out.text = text_sizes(width, height, view.look.dpi, view.look.large_text);
    const TextSizes& t = out.text;

    // --- Question text at the top ---
    const float text_w = width - 2.0f * f.margin;
    const size_t lines = std::clamp<size_t>(wrap_lines(view.question, t.title, text_w).size(), 1, 3);
    const float q_h = std::min(static_cast<float>(lines) * t.title * 1.15f + t.title * 0.5f, height * 0.3f);
    out.question = Rect{f.margin, f.margin, text_w, q_h};

    // --- Bottom bar ---
    const float bar_top = layout_bar(view, width, height, f, t, target, out);

    // --- Answers in between ---
    const Scale scale = view.scale;
    const size_t n = view.answers.empty() ? static_cast<size_t>(answer_count(scale)) : view.answers.size();
    const bool tiles = numbered(scale);
    Rect area{f.margin, out.question.bottom() + f.gap, width - 2.0f * f.margin, 0.0f};
    area.h = bar_top - f.gap - area.y;
    const float end_h = tiles ? t.small * 1.8f : 0.0f;
    const float grid_h = area.h - (tiles ? end_h + f.gap * 0.5f : 0.0f);
    const float label_h = t.label * 2.5f;
    const float pad = t.label * 0.3f;
    const float cap = f.unit * (tiles ? 0.2f : (scale == Scale::thumbs ? 0.4f : 0.34f));

    std::vector<GridChoice> choices;
    const int max_rows = std::min<int>(static_cast<int>(n), tiles ? 2 : 3);
    for (int r = 1; r <= std::max(1, max_rows); ++r) {
        GridChoice c;
        c.rows = r;
        c.cols = static_cast<int>((n + static_cast<size_t>(r) - 1) / static_cast<size_t>(r));
        c.cell_w = (area.w - static_cast<float>(c.cols - 1) * f.gap) / static_cast<float>(c.cols);
        const float cell_h = (grid_h - static_cast<float>(r - 1) * f.gap) / static_cast<float>(r);
        if (tiles)
            c.size = std::min({c.cell_w, cell_h / 1.15f, cap});
        else
            c.size = std::min({c.cell_w * 0.9f, cell_h - label_h - pad, cap});
        choices.push_back(c);
    }
    float best = 0.0f;
    for (const auto& c : choices)
        best = std::max(best, c.size);
    // Fewest rows that still give big answers (and >= 12 mm); else the
    // biggest answers there are.
    GridChoice chosen = choices.front();
    for (const auto& c : choices)
        if (c.size > chosen.size)
            chosen = c;
    for (const auto& c : choices) {
        if (c.size >= best * (tiles ? 0.6f : 0.75f) && c.size >= target) {
            chosen = c;
            break;
        }
    }
    out.rows = chosen.rows;
    out.face_size = std::max(chosen.size, 1.0f);
    const float s = out.face_size;
    const float bw = tiles ? s : std::min(chosen.cell_w, std::max(s * 1.3f, s + 2.0f * t.label));
    // Tiles grow taller when there is room: a longer target is easier to hit.
    const float cell_h = (grid_h - static_cast<float>(chosen.rows - 1) * f.gap) / static_cast<float>(chosen.rows);
    const float bh = tiles ? std::max(s * 1.15f, std::min(cell_h, s * 1.5f)) : s + pad + label_h;
    const int cols = chosen.cols;
    const float free_w = area.w - static_cast<float>(cols) * bw;
    const float spacing = cols > 1 ? std::min(free_w / static_cast<float>(cols - 1), std::max(f.gap, tiles ? s * 0.15f : bw * 0.3f)) : 0.0f;
    const float block_h = static_cast<float>(chosen.rows) * bh + static_cast<float>(chosen.rows - 1) * f.gap;
    const float block_top = area.y + std::max(0.0f, (grid_h - block_h) * 0.5f);

    out.answers.clear();
    size_t index = 0;
    float grid_left = width;
    float grid_right = 0.0f;
    for (int r = 0; r < chosen.rows && index < n; ++r) {
        const size_t in_row = std::min(static_cast<size_t>(cols), n - index);
        const float row_w = static_cast<float>(in_row) * bw + static_cast<float>(in_row - 1) * spacing;
        float x = area.cx() - row_w * 0.5f;
        const float y = block_top + static_cast<float>(r) * (bh + f.gap);
        for (size_t i = 0; i < in_row; ++i, ++index) {
            out.answers.push_back(Rect{x, y, bw, bh});
            grid_left = std::min(grid_left, x);
            grid_right = std::max(grid_right, x + bw);
            x += bw + spacing;
        }
    }
    if (tiles) {
        const float y = block_top + block_h + f.gap * 0.5f;
        const float half = (grid_right - grid_left) * 0.5f - f.gap * 0.5f;
        out.low_label = Rect{grid_left, y, half, end_h};
        out.high_label = Rect{grid_right - half, y, half, end_h};
    }
    return out;
}

std::vector<Rect> answer_rects(const QuestionView& view, float width, float height) {
    return layout_question(view, width, height).answers;
}

ReasonsLayout layout_reasons(const ReasonsView& view, float width, float height) {
    ReasonsLayout out;
    const Frame f = frame_of(width, height);
    const float target = min_target_px(view.look.dpi);
    out.text = text_sizes(width, height, view.look.dpi, view.look.large_text);
    const TextSizes& t = out.text;
    const float avail = width - 2.0f * f.margin;
    const float gap = std::max(f.gap, 10.0f);

    const size_t lines = std::clamp<size_t>(wrap_lines(view.prompt, t.title, avail).size(), 1, 2);
    out.prompt = Rect{f.margin, f.margin, avail, static_cast<float>(lines) * t.title * 1.15f + t.title * 0.5f};

    // Skip and Done, side by side at the bottom centre.
    const float button_h = std::max(target * 1.2f, t.label * 2.6f);
    const float skip_w = std::max(target * 2.5f, text_width(view.skip_label, t.label) + t.label * 3.0f);
    const float done_w = std::max(target * 3.0f, text_width(view.done_label, t.label) + t.label * 3.0f);
    std::vector<Rect> buttons;
    const float buttons_top =
        flow_rows({skip_w, done_w}, f.margin, avail, height - f.margin, button_h, gap * 2.0f, buttons);
    out.skip = buttons[0];
    out.done = buttons[1];

    // Reason chips: an even grid, as wide as the longest label needs.
    const size_t n = view.reasons.size();
    if (n == 0)
        return out;
    float natural = target * 2.0f;
    float chip_h = std::max(target, t.label * 2.8f);
    for (const auto& r : view.reasons)
        natural = std::max(natural, text_width(r.second, t.label) + chip_h * 1.42f + t.label);
    const int max_cols = width > height ? 3 : 2;
    int cols = static_cast<int>((avail + gap) / (natural + gap));
    cols = std::clamp(cols, 1, max_cols);
    cols = std::min<int>(cols, static_cast<int>(n));
    const float area_top = out.prompt.bottom() + gap;
    const float area_h = buttons_top - gap - area_top;
    auto rows_for = [&](int c) { return static_cast<int>((n + static_cast<size_t>(c) - 1) / static_cast<size_t>(c)); };
    // Short screens with big text: more, narrower columns (labels wrap)
    // rather than chips spilling over the buttons.
    while (cols < static_cast<int>(n) &&
           static_cast<float>(rows_for(cols)) * target + static_cast<float>(rows_for(cols) - 1) * gap > area_h)
        ++cols;
    const float chip_w = std::min((avail - static_cast<float>(cols - 1) * gap) / static_cast<float>(cols), natural * 1.5f);
    const int rows = rows_for(cols);
    const float fit_h = (area_h - static_cast<float>(rows - 1) * gap) / static_cast<float>(rows);
    chip_h = std::max(target, std::min(chip_h, fit_h));
    const float block_h = static_cast<float>(rows) * chip_h + static_cast<float>(rows - 1) * gap;
    const float top = area_top + std::max(0.0f, (area_h - block_h) * 0.5f);
    for (size_t i = 0; i < n; ++i) {
        const int r = static_cast<int>(i) / cols;
        const size_t in_row = std::min(static_cast<size_t>(cols), n - static_cast<size_t>(r * cols));
        const float row_w = static_cast<float>(in_row) * chip_w + static_cast<float>(in_row - 1) * gap;
        const int c = static_cast<int>(i) % cols;
        out.reasons.push_back(Rect{width * 0.5f - row_w * 0.5f + static_cast<float>(c) * (chip_w + gap),
                                   top + static_cast<float>(r) * (chip_h + gap), chip_w, chip_h});
    }
    return out;
}

} // namespace touchpoint::ui
