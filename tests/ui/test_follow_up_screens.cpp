#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "imgui_harness.h"
#include "ui/layout.h"
#include "ui/screens.h"

using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;

namespace {

int count(const std::vector<Intent>& intents, Intent::Kind kind) {
    return static_cast<int>(std::count_if(intents.begin(), intents.end(), [&](const Intent& i) { return i.kind == kind; }));
}

ReasonsView reasons_view() {
    ReasonsView v;
    v.prompt = "What was the main reason?";
    v.reasons = {{"wait", "Waiting time"}, {"staff", "Staff friendliness"}, {"price", "Price"},
                 {"stock", "Product availability"}, {"clean", "Cleanliness"}, {"other", "Something else"}};
    return v;
}

} // namespace

TEST_CASE("reason chips toggle; done and skip report", "[ui][reasons]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1920, 1080}, {1080, 1920}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        ReasonsView view = reasons_view();
        view.chosen = {"price"};
        const ReasonsLayout layout = layout_reasons(view, w, h);
        REQUIRE(layout.reasons.size() == view.reasons.size());
        auto draw = [&] { return draw_reasons(view); };

        for (size_t i = 0; i < view.reasons.size(); ++i) {
            const auto intents = ui.tap(draw, layout.reasons[i].cx(), layout.reasons[i].cy());
            REQUIRE(count(intents, Intent::Kind::toggle_reason) == 1);
            for (const auto& in : intents)
                if (in.kind == Intent::Kind::toggle_reason)
                    CHECK(in.id == view.reasons[i].first);
        }
        CHECK(count(ui.tap(draw, layout.done.cx(), layout.done.cy()), Intent::Kind::reasons_done) == 1);
        CHECK(count(ui.tap(draw, layout.skip.cx(), layout.skip.cy()), Intent::Kind::skip) == 1);
    }
}

TEST_CASE("reason chips and buttons stay on screen, apart, and >= 12 mm", "[ui][reasons][layout]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1024, 600}, {1280, 800}, {1920, 1080}, {1080, 1920}}) {
        for (bool large : {false, true}) {
            INFO(w << "x" << h << " large " << large);
            ReasonsView view = reasons_view();
            view.look.large_text = large;
            const ReasonsLayout l = layout_reasons(view, w, h);
            std::vector<Rect> all = l.reasons;
            all.push_back(l.done);
            all.push_back(l.skip);
            const float target = min_target_px(96.0f);
            for (size_t i = 0; i < all.size(); ++i) {
                CHECK(all[i].w >= target);
                CHECK(all[i].h >= target);
                CHECK(all[i].x >= 0.0f);
                CHECK(all[i].y >= l.prompt.bottom() - 0.5f);
                CHECK(all[i].right() <= w);
                CHECK(all[i].bottom() <= h);
                for (size_t j = i + 1; j < all.size(); ++j)
                    CHECK_FALSE(all[i].overlaps(all[j]));
            }
        }
    }
}

TEST_CASE("a tap anywhere on the thank-you screen dismisses it once", "[ui][thank_you]") {
    Harness ui(1280, 800);
    ThankYouView view;
    view.text = "Thank you!";
    view.remaining = 0.4f;
    auto draw = [&] { return draw_thank_you(view); };
    for (auto [x, y] : {std::pair<float, float>{640, 400}, {5, 5}, {1275, 795}}) {
        const auto intents = ui.tap(draw, x, y);
        CHECK(count(intents, Intent::Kind::dismiss_thank_you) == 1);
    }
    // No tap, no intent.
    CHECK(ui.frame(draw).kind == Intent::Kind::none);
}

TEST_CASE("the message screen draws without any touch target", "[ui][message]") {
    Harness ui(800, 480);
    MessageView view{"Closed", "We open again at 8:00.", {}};
    ui.frame([&] {
        draw_message(view);
        return 0;
    });
    ui.frame([&] {
        draw_message(view);
        return 0;
    }, true, 400, 240);
    // It drew something: the background and the text.
    REQUIRE(ImGui::GetDrawData() != nullptr);
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 0);
}
