// Idle dim on the question and sleep screens: the overlay is drawn, and the
// touch that wakes the screen reports only `wake` — it never rates.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "imgui_harness.h"
#include "ui/layout.h"
#include "ui/screens.h"

using namespace touchpoint;
using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;

namespace {

int count(const std::vector<Intent>& intents, Intent::Kind kind) {
    return static_cast<int>(std::count_if(intents.begin(), intents.end(), [&](const Intent& i) { return i.kind == kind; }));
}

} // namespace

TEST_CASE("a tap on a dimmed question screen wakes it and does not rate", "[ui][dim]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1080, 1920}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        QuestionView view;
        view.question = "How was your checkout today?";
        view.scale = Scale::smiley4;
        view.languages = {{"en", "English"}, {"mi", "Māori"}};
        view.language = "en";
        view.wake_hint = "Tap anywhere to continue";
        const QuestionLayout layout = layout_question(view, w, h);
        auto draw = [&] { return draw_question(view); };

        for (bool dimmed : {true, false}) {
            // Dimmed, or already bright again while the waking finger is down.
            view.look.dimmed = dimmed;
            view.look.wake_touch = !dimmed;
            for (const Rect& r : {layout.answers.front(), layout.answers.back(), layout.contrast_toggle,
                                  layout.languages.back()}) {
                const auto intents = ui.tap(draw, r.cx(), r.cy());
                CHECK(count(intents, Intent::Kind::wake) == 1);
                CHECK(count(intents, Intent::Kind::rate) == 0);
                CHECK(count(intents, Intent::Kind::toggle_contrast) == 0);
                CHECK(count(intents, Intent::Kind::choose_language) == 0);
            }
        }
        // Awake: the same tap rates as usual.
        view.look.dimmed = false;
        view.look.wake_touch = false;
        const Rect& a = layout.answers.front();
        const auto intents = ui.tap(draw, a.cx(), a.cy());
        CHECK(count(intents, Intent::Kind::rate) == 1);
        CHECK(count(intents, Intent::Kind::wake) == 0);
    }
}

TEST_CASE("the dimmed overlay darkens the screen", "[ui][dim]") {
    Harness ui(800, 480);
    QuestionView view;
    view.question = "How was your checkout today?";
    view.scale = Scale::smiley5;
    ui.frame([&] { return draw_question(view); });
    const int bright = ImGui::GetDrawData()->TotalVtxCount;
    view.look.dimmed = true;
    view.wake_hint = "Tap anywhere to continue";
    ui.frame([&] { return draw_question(view); });
    CHECK(ImGui::GetDrawData()->TotalVtxCount > bright); // the veil and its hint on top
}

TEST_CASE("a dimmed sleep screen wakes on a tap", "[ui][dim]") {
    Harness ui(800, 480);
    MessageView view{"Closed", "Please come back during opening hours.", {}, "Tap anywhere to continue"};
    auto draw = [&] { return draw_message(view); };
    CHECK(count(ui.tap(draw, 400, 240), Intent::Kind::wake) == 0); // awake: nothing to tap
    view.look.dimmed = true;
    CHECK(count(ui.tap(draw, 400, 240), Intent::Kind::wake) == 1);
}
