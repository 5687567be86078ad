#include <catch2/catch.hpp>

#include <vector>

#include "ui/layout.h"
#include "ui/screens.h"
#include "ui/theme.h"

using namespace touchpoint;
using namespace touchpoint::ui;

namespace {

const Scale k_scales[] = {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs};
const std::pair<float, float> k_sizes[] = {{800, 480}, {1024, 600}, {1280, 800}, {1920, 1080}, {1080, 1920}, {600, 1024}};

// Real panels: width, height, dpi (7" 800x480, 7" 1024x600, 10.1" 1280x800,
// 13.3" / 15.6" / 21.5" 1920x1080, portrait 15.6" / 21.5", 7" portrait).
struct Panel {
    float w, h, dpi;
};
const Panel k_panels[] = {{800, 480, 133}, {1024, 600, 170}, {1280, 800, 149}, {1920, 1080, 166},
                          {1920, 1080, 141}, {1920, 1080, 102}, {1080, 1920, 141}, {1080, 1920, 102},
                          {600, 1024, 170}};

QuestionView view_for(Scale scale, bool large, float dpi) {
    QuestionView v;
    v.question = "How was your checkout today?";
    v.scale = scale;
    v.answers = default_answers(scale);
    v.languages = {{"en", "English"}, {"mi", "Te Reo Māori"}, {"fr", "Français"}, {"zh", "中文"}};
    v.language = "en";
    v.look.large_text = large;
    v.look.dpi = dpi;
    return v;
}

bool inside(const Rect& r, float w, float h) { return r.x >= 0 && r.y >= 0 && r.right() <= w && r.bottom() <= h; }

} // namespace

TEST_CASE("12 mm is 45.35 px at 96 dpi and scales with dpi", "[ui][layout]") {
    CHECK(min_target_px(96.0f) == Approx(45.354f).margin(0.01));
    CHECK(min_target_px(192.0f) == Approx(90.709f).margin(0.01));
    CHECK(min_target_px(0.0f) == Approx(min_target_px(96.0f)));
}

TEST_CASE("answers are >= 12 mm, on screen and apart at every supported size", "[ui][layout]") {
    std::vector<Panel> panels(std::begin(k_panels), std::end(k_panels));
    for (auto [w, h] : k_sizes)
        panels.push_back({w, h, 96.0f});
    for (const Panel& panel : panels) {
        {
            const float w = panel.w, h = panel.h, dpi = panel.dpi;
            for (Scale scale : k_scales) {
                for (bool large : {false, true}) {
                    INFO(w << "x" << h << " dpi " << dpi << " scale " << to_string(scale) << " large " << large);
                    const QuestionView view = view_for(scale, large, dpi);
                    const QuestionLayout l = layout_question(view, w, h);
                    REQUIRE(l.answers.size() == view.answers.size());
                    const float target = min_target_px(dpi);
                    for (size_t i = 0; i < l.answers.size(); ++i) {
                        const Rect& r = l.answers[i];
                        CHECK(r.w >= target);
                        CHECK(r.h >= target);
                        CHECK(inside(r, w, h));
                        CHECK_FALSE(r.overlaps(l.question));
                        for (size_t j = i + 1; j < l.answers.size(); ++j)
                            CHECK_FALSE(r.overlaps(l.answers[j]));
                    }
                    // The bottom bar: on screen, >= 12 mm, clear of answers and each other.
                    std::vector<Rect> bar = l.languages;
                    bar.push_back(l.contrast_toggle);
                    bar.push_back(l.large_text_toggle);
                    for (size_t i = 0; i < bar.size(); ++i) {
                        CHECK(bar[i].w >= target);
                        CHECK(bar[i].h >= target);
                        CHECK(inside(bar[i], w, h));
                        for (const Rect& a : l.answers)
                            CHECK_FALSE(bar[i].overlaps(a));
                        for (size_t j = i + 1; j < bar.size(); ++j)
                            CHECK_FALSE(bar[i].overlaps(bar[j]));
                    }
                }
            }
        }
    }
}

TEST_CASE("faces are big: at least a fifth of the short side on smiley scales", "[ui][layout]") {
    for (auto [w, h] : k_sizes) {
        for (Scale scale : {Scale::smiley4, Scale::smiley5, Scale::thumbs}) {
            INFO(w << "x" << h << " " << to_string(scale));
            const QuestionLayout l = layout_question(view_for(scale, false, 96.0f), w, h);
            CHECK(l.face_size >= 0.2f * std::min(w, h));
        }
    }
}

TEST_CASE("answers sit in one row in landscape and wrap only when needed", "[ui][layout]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1280, 800}, {1920, 1080}})
        for (Scale scale : k_scales) {
            INFO(w << "x" << h << " " << to_string(scale));
            CHECK(layout_question(view_for(scale, false, 96.0f), w, h).rows == 1);
        }
    // Portrait: 11 NPS tiles in one row would be narrow; they wrap.
    CHECK(layout_question(view_for(Scale::nps, false, 96.0f), 1080, 1920).rows == 2);
    // Row order: answers read left to right, top to bottom.
    const QuestionLayout l = layout_question(view_for(Scale::nps, false, 96.0f), 1080, 1920);
    for (size_t i = 1; i < l.answers.size(); ++i) {
        const bool same_row = l.answers[i].y == l.answers[i - 1].y;
        CHECK((same_row ? l.answers[i].x > l.answers[i - 1].x : l.answers[i].y > l.answers[i - 1].y));
    }
}

TEST_CASE("larger text makes the text bigger", "[ui][layout]") {
    const TextSizes normal = text_sizes(1280, 800, 96.0f, false);
    const TextSizes large = text_sizes(1280, 800, 96.0f, true);
    CHECK(large.title > normal.title);
    CHECK(large.label > normal.label);
    CHECK(large.small > normal.small);
    // Readable at any size: labels at least 4 mm.
    CHECK(text_sizes(800, 480, 96.0f, false).label >= 4.0f * 96.0f / 25.4f);
}

TEST_CASE("font sizes cover every text size, ascending and distinct", "[ui][layout]") {
    const auto sizes = font_pixel_sizes(1920, 1080, 96.0f);
    REQUIRE_FALSE(sizes.empty());
    for (size_t i = 1; i < sizes.size(); ++i)
        CHECK(sizes[i] > sizes[i - 1]);
    for (bool large : {false, true}) {
        const TextSizes t = text_sizes(1920, 1080, 96.0f, large);
        for (float px : {t.small, t.label, t.title}) {
            bool covered = false;
            for (float s : sizes)
                covered = covered || std::abs(s - px) <= 2.5f;
            CHECK(covered);
        }
    }
}
