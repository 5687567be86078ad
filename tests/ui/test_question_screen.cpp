#include <catch2/catch.hpp>

#include <vector>

#include "imgui_harness.h"
#include "ui/layout.h"
#include "ui/screens.h"

using namespace touchpoint;
using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;

namespace {

QuestionView question_for(Scale scale) {
    QuestionView v;
    v.question = "How was your checkout today?";
    v.scale = scale;
    v.answers = default_answers(scale);
    v.languages = {{"en", "English"}, {"mi", "Te Reo Māori"}, {"zh", "中文"}};
    v.language = "en";
    return v;
}

int count(const std::vector<Intent>& intents, Intent::Kind kind) {
    int n = 0;
    for (const auto& i : intents)
        n += i.kind == kind ? 1 : 0;
    return n;
}

const Intent* first(const std::vector<Intent>& intents, Intent::Kind kind) {
    for (const auto& i : intents)
        if (i.kind == kind)
            return &i;
    return nullptr;
}

} // namespace

TEST_CASE("a tap on an answer rates with its score exactly once", "[ui][question]") {
    const Scale scales[] = {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs};
    const std::pair<float, float> sizes[] = {{800, 480}, {1280, 800}, {1080, 1920}};
    for (Scale scale : scales) {
        for (auto [w, h] : sizes) {
            Harness ui(w, h);
            const QuestionView view = question_for(scale);
            const auto rects = answer_rects(view, w, h);
            REQUIRE(rects.size() == view.answers.size());
            for (size_t i = 0; i < rects.size(); ++i) {
                INFO("scale " << static_cast<int>(scale) << " size " << w << "x" << h << " answer " << i);
                const auto intents = ui.tap([&] { return draw_question(view); }, rects[i].cx(), rects[i].cy());
                CHECK(count(intents, Intent::Kind::rate) == 1);
                CHECK(intents.size() - static_cast<size_t>(count(intents, Intent::Kind::none)) == 1);
                const Intent* rate = first(intents, Intent::Kind::rate);
                REQUIRE(rate != nullptr);
                CHECK(rate->score == view.answers[i].score);
            }
        }
    }
}

TEST_CASE("a tap at an answer's edge still rates; a tap between answers does nothing", "[ui][question]") {
    Harness ui(1280, 800);
    const QuestionView view = question_for(Scale::smiley5);
    const auto rects = answer_rects(view, 1280, 800);
    // Bottom-left corner of the label area belongs to the button too.
    auto intents = ui.tap([&] { return draw_question(view); }, rects[1].x + 2, rects[1].bottom() - 2);
    REQUIRE(count(intents, Intent::Kind::rate) == 1);
    CHECK(first(intents, Intent::Kind::rate)->score == 2);

    const float between = (rects[1].right() + rects[2].x) * 0.5f;
    if (rects[2].x - rects[1].right() > 2.0f) {
        intents = ui.tap([&] { return draw_question(view); }, between, rects[1].cy());
        CHECK(count(intents, Intent::Kind::none) == static_cast<int>(intents.size()));
    }
}

TEST_CASE("a press that slides off the answer before release does not rate", "[ui][question]") {
    Harness ui(1280, 800);
    const QuestionView view = question_for(Scale::smiley4);
    const auto rects = answer_rects(view, 1280, 800);
    auto draw = [&] { return draw_question(view); };
    std::vector<Intent> intents;
    intents.push_back(ui.frame(draw, false, rects[0].cx(), rects[0].cy()));
    intents.push_back(ui.frame(draw, true, rects[0].cx(), rects[0].cy()));
    intents.push_back(ui.frame(draw, true, rects[3].cx(), rects[3].cy()));
    intents.push_back(ui.frame(draw, false, rects[3].cx(), rects[3].cy()));
    CHECK(count(intents, Intent::Kind::rate) == 0);
}

TEST_CASE("the language switch and the accessibility toggles report their intents", "[ui][question]") {
    Harness ui(1280, 800);
    QuestionView view = question_for(Scale::smiley5);
    const QuestionLayout layout = layout_question(view, 1280, 800);
    REQUIRE(layout.languages.size() == 3);
    auto draw = [&] { return draw_question(view); };

    auto intents = ui.tap(draw, layout.languages[1].cx(), layout.languages[1].cy());
    REQUIRE(count(intents, Intent::Kind::choose_language) == 1);
    CHECK(first(intents, Intent::Kind::choose_language)->id == "mi");

    // The current language is already chosen: tapping it asks for nothing.
    intents = ui.tap(draw, layout.languages[0].cx(), layout.languages[0].cy());
    CHECK(count(intents, Intent::Kind::choose_language) == 0);

    intents = ui.tap(draw, layout.contrast_toggle.cx(), layout.contrast_toggle.cy());
    CHECK(count(intents, Intent::Kind::toggle_contrast) == 1);
    intents = ui.tap(draw, layout.large_text_toggle.cx(), layout.large_text_toggle.cy());
    CHECK(count(intents, Intent::Kind::toggle_large_text) == 1);

    // With high contrast and larger text on, answers still work.
    view.look.high_contrast = true;
    view.look.large_text = true;
    const auto rects = answer_rects(view, 1280, 800);
    intents = ui.tap(draw, rects[4].cx(), rects[4].cy());
    REQUIRE(count(intents, Intent::Kind::rate) == 1);
    CHECK(first(intents, Intent::Kind::rate)->score == 5);
}

TEST_CASE("an empty answer list falls back to the scale's default answers", "[ui][question]") {
    Harness ui(1024, 600);
    QuestionView view = question_for(Scale::nps);
    view.answers.clear();
    const auto rects = answer_rects(view, 1024, 600);
    REQUIRE(rects.size() == 11);
    const auto intents = ui.tap([&] { return draw_question(view); }, rects[10].cx(), rects[10].cy());
    REQUIRE(count(intents, Intent::Kind::rate) == 1);
    CHECK(first(intents, Intent::Kind::rate)->score == 10);
}

TEST_CASE("default answers carry a label for every score of the scale", "[ui][question]") {
    for (Scale scale : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs}) {
        const auto answers = default_answers(scale);
        REQUIRE(static_cast<int>(answers.size()) == answer_count(scale));
        for (const auto& a : answers) {
            CHECK(score_in_range(scale, a.score));
            CHECK_FALSE(a.label.empty());
        }
    }
}
