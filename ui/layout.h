#pragma once
// Pure layout: where every element of a screen goes for a given window size
// and DPI. draw_* uses these same functions, so tests can aim at answers.
// Sizes are in ImGui pixels. Text widths are measured with the current ImGui
// font when a context exists, estimated otherwise.
#include <vector>

#include "ui/screens.h"

namespace touchpoint::ui {

struct Rect {
    float x = 0.0f;
    float y = 0.0f;
    float w = 0.0f;
    float h = 0.0f;

    float right() const { return x + w; }
    float bottom() const { return y + h; }
    float cx() const { return x + w * 0.5f; }
    float cy() const { return y + h * 0.5f; }
    bool empty() const { return w <= 0.0f || h <= 0.0f; }
    bool contains(float px, float py) const { return px >= x && px < right() && py >= y && py < bottom(); }
    bool overlaps(const Rect& o) const {
        return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
    }
};

// 12 mm at `dpi` (96 when dpi <= 0), in pixels.
float min_target_px(float dpi);

// Text sizes for a window; `large` is the customer's larger-text option.
struct TextSizes {
    float title = 0.0f; // the question, the thank-you text
    float label = 0.0f; // answer labels, chips, buttons
    float small = 0.0f; // language switch, toggles, end labels
};
TextSizes text_sizes(float width, float height, float dpi, bool large);

struct QuestionLayout {
    Rect question;                 // the question text box
    std::vector<Rect> answers;     // one button per answer, in answer order
    float face_size = 0.0f;        // face / tile edge inside each answer button
    int rows = 1;                  // answer rows (1 landscape; 2+ when wrapped)
    Rect low_label;                // nps/ces7 end labels (empty otherwise)
    Rect high_label;
    std::vector<Rect> languages;   // one per view.languages entry
    Rect contrast_toggle;
    Rect large_text_toggle;
    TextSizes text;
};
QuestionLayout layout_question(const QuestionView& view, float width, float height);
// Shorthand for layout_question(...).answers.
std::vector<Rect> answer_rects(const QuestionView& view, float width, float height);

struct ReasonsLayout {
    Rect prompt;
    std::vector<Rect> reasons; // one chip per view.reasons entry
    Rect done;
    Rect skip;
    TextSizes text;
};
ReasonsLayout layout_reasons(const ReasonsView& view, float width, float height);

} // namespace touchpoint::ui
