// From the window to an intent: SDL's events for a tap become the pointer
// frames the window hands the app (press, release, finger or mouse); ImGui
// is fed each frame as the window feeds it; the kiosk's screens
// (ui::draw_kiosk, drawing the runtime's view) turn the frames into exactly
// one intent — a rating, the wake-up of a dimmed screen, a PIN digit.
#include "app/kiosk_view.h"
#include "app/translations.h"
#include "core/survey.h"
#include "platform/pointer_input.h"
#include "platform/sdl_pointer.h"
#include "platform/window.h"
#include "ui/customer_screen.h"
#include "ui/kiosk_screen.h"
#include "ui/layout.h"
#include "ui/staff_screens.h"

#include "../ui/imgui_harness.h"

#include <SDL.h>
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::platform;

namespace {

constexpr int k_w = 1280, k_h = 800;
constexpr float k_dpi = 96.0f;
const std::string k_assets = TOUCHPOINT_ASSETS_DIR;

SDL_Event finger(Uint32 type, float x, float y) {
    SDL_Event e{};
    e.type = type;
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = 3;
    e.tfinger.x = x / k_w;
    e.tfinger.y = y / k_h;
    return e;
}

SDL_Event mouse(Uint32 type, float x, float y) {
    SDL_Event e{};
    e.type = type;
    e.button.which = 0; // a real mouse
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = static_cast<Sint32>(x);
    e.button.y = static_cast<Sint32>(y);
    return e;
}

// The kiosk's frame loop without a window: events in, pointer frames out,
// each drawn by the kiosk's screens.
struct Loop {
    ui::testing::Harness imgui{static_cast<float>(k_w), static_cast<float>(k_h)};
    PointerInput pointer;
    Survey survey;
    Catalogue cat;
    KioskView view;
    std::vector<PointerFrame> frames;
    std::vector<KioskIntent> intents;

    Loop() {
        auto s = load_survey_file(k_assets + "/surveys/checkout.toml");
        REQUIRE(s.ok());
        survey = *s;
        auto c = load_catalogue(k_assets + "/i18n", survey.languages());
        REQUIRE(c.ok());
        cat = *c;
        view.customer.survey = &survey;
    }
    void frame(std::initializer_list<SDL_Event> events) {
        for (const SDL_Event& ev : events) {
            PointerEvent pe;
            if (to_pointer_event(ev, k_w, k_h, pe)) pointer.feed(pe);
        }
        do {
            const PointerFrame f = pointer.next_frame();
            frames.push_back(f);
            set_imgui_pointer(f);
            ImGui::NewFrame();
            intents.push_back(ui::draw_kiosk(view, cat, k_dpi));
            ImGui::Render();
        } while (pointer.pending());
    }
    ui::Rect answer(int index) const {
        const ui::QuestionView q =
            ui::question_view(view.customer, cat, ui::Look{false, false, k_dpi});
        return ui::answer_rects(q, k_w, k_h).at(static_cast<std::size_t>(index));
    }
    std::vector<CustomerIntent> customer_intents() const {
        std::vector<CustomerIntent> out;
        for (const KioskIntent& in : intents) {
            CHECK(in.staff.kind == StaffIntent::Kind::none);
            if (in.customer.kind != CustomerIntent::Kind::none) out.push_back(in.customer);
        }
        return out;
    }
};

} // namespace

TEST_CASE("a tap's pointer frames say when it pressed and released, and that it was a finger",
          "[platform][pointer]") {
    Loop k;
    const ui::Rect face = k.answer(1);
    k.frame({});
    k.frame(
        {finger(SDL_FINGERDOWN, face.cx(), face.cy()), finger(SDL_FINGERUP, face.cx(), face.cy())});
    k.frame({});
    REQUIRE(k.frames.size() >= 4);
    const PointerFrame& press = k.frames[1];
    CHECK(press.down);
    CHECK(press.pressed);
    CHECK_FALSE(press.released);
    CHECK(press.finger);
    CHECK(press.has_position);
    CHECK(press.x == Approx(face.cx()));
    const PointerFrame& release = k.frames[2];
    CHECK_FALSE(release.down);
    CHECK(release.released);
    CHECK_FALSE(release.pressed);
    CHECK(release.has_position); // where it lifted: ImGui fires the click there
    const PointerFrame& after = k.frames[3];
    CHECK_FALSE(after.pressed);
    CHECK_FALSE(after.released);
    CHECK_FALSE(after.has_position); // no hover left behind
    int presses = 0, releases = 0;
    for (const PointerFrame& f : k.frames) {
        presses += f.pressed;
        releases += f.released;
    }
    CHECK(presses == 1);
    CHECK(releases == 1);
}

TEST_CASE("a mouse click's frames say it was a mouse", "[platform][pointer]") {
    Loop k;
    k.frame({mouse(SDL_MOUSEBUTTONDOWN, 600, 400)});
    k.frame({mouse(SDL_MOUSEBUTTONUP, 600, 400)});
    REQUIRE(k.frames.size() >= 2);
    CHECK(k.frames[0].pressed);
    CHECK_FALSE(k.frames[0].finger);
    CHECK(k.frames[1].released);
}

TEST_CASE("a tap on a face is one rating intent from the kiosk's screens", "[platform][pointer]") {
    Loop k;
    const ui::Rect face = k.answer(2); // smiley4: 3 = "Happy"
    k.frame({});
    k.frame({finger(SDL_FINGERDOWN, face.cx(), face.cy())});
    k.frame({finger(SDL_FINGERUP, face.cx(), face.cy())});
    k.frame({});
    const auto got = k.customer_intents();
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == CustomerIntent::Kind::rate);
    CHECK(got[0].score == 3);
}

TEST_CASE("on a dimmed screen the same tap only wakes it", "[platform][pointer][dim]") {
    Loop k;
    k.view.customer.wake_touch = true; // the runtime saw the press arrive on a dim screen
    const ui::Rect face = k.answer(0);
    k.frame({});
    k.frame({finger(SDL_FINGERDOWN, face.cx(), face.cy())});
    k.frame({finger(SDL_FINGERUP, face.cx(), face.cy())});
    k.frame({});
    const auto got = k.customer_intents();
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == CustomerIntent::Kind::wake);
}

TEST_CASE("while the staff area shows, the frames reach its screens",
          "[platform][pointer][staff]") {
    Loop k;
    k.view.staff_visible = true;
    k.view.staff.screen = StaffScreen::pin;
    k.view.staff.pin_pad.title = "Staff sign-in";
    const ui::Rect seven = ui::layout_pin_pad(k.view.staff.pin_pad, k_w, k_h, k_dpi).digits[7];
    k.frame({});
    k.frame({finger(SDL_FINGERDOWN, seven.cx(), seven.cy())});
    k.frame({finger(SDL_FINGERUP, seven.cx(), seven.cy())});
    k.frame({});
    std::vector<StaffIntent> got;
    for (const KioskIntent& in : k.intents) {
        CHECK(in.customer.kind == CustomerIntent::Kind::none);
        if (in.staff.kind != StaffIntent::Kind::none) got.push_back(in.staff);
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == StaffIntent::Kind::digit);
    CHECK(got[0].digit == 7);
}
