// One touch records once: SDL delivers a touch as finger events *and* as
// mouse events it synthesises for the same touch. Real SDL_Event values go
// through the kiosk's event mapping and pointer filter into the real question
// screen; exactly one rating comes out.
#include "platform/pointer_input.h"
#include "platform/sdl_pointer.h"
#include "ui/layout.h"
#include "ui/screens.h"

#include "../ui/imgui_harness.h"

#include <SDL.h>
#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace touchpoint::platform;

namespace {

constexpr int k_w = 1280, k_h = 800;

SDL_Event finger(Uint32 type, float x, float y, SDL_FingerID id = 3) {
    SDL_Event e{};
    e.type = type;
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = id;
    e.tfinger.x = x / k_w;
    e.tfinger.y = y / k_h;
    return e;
}

SDL_Event mouse_button(Uint32 type, float x, float y, Uint32 which) {
    SDL_Event e{};
    e.type = type;
    e.button.which = which;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = static_cast<Sint32>(x);
    e.button.y = static_cast<Sint32>(y);
    return e;
}

SDL_Event mouse_motion(float x, float y, Uint32 which) {
    SDL_Event e{};
    e.type = SDL_MOUSEMOTION;
    e.motion.which = which;
    e.motion.x = static_cast<Sint32>(x);
    e.motion.y = static_cast<Sint32>(y);
    return e;
}

// Feeds the events of one frame, then runs that frame like the kiosk does.
struct Kiosk {
    ui::testing::Harness imgui{static_cast<float>(k_w), static_cast<float>(k_h)};
    PointerInput pointer;
    ui::QuestionView view;
    int ratings = 0;
    int last_score = -1;

    Kiosk() {
        view.question = "How was your checkout today?";
        view.scale = Scale::smiley4;
        view.answers = ui::default_answers(Scale::smiley4);
    }
    void frame(std::initializer_list<SDL_Event> events) {
        for (const SDL_Event& ev : events) {
            PointerEvent pe;
            if (to_pointer_event(ev, k_w, k_h, pe)) pointer.feed(pe);
        }
        do {
            PointerFrame f = pointer.next_frame();
            ui::Intent in = imgui.frame([&] { return ui::draw_question(view); }, f.down,
                                        f.has_position ? f.x : -1.0f, f.has_position ? f.y : -1.0f);
            if (in.kind == ui::Intent::Kind::rate) {
                ++ratings;
                last_score = in.score;
            }
        } while (pointer.pending());
    }
};

} // namespace

TEST_CASE("a touch and its synthesised mouse events rate exactly once") {
    Kiosk k;
    const auto target = ui::answer_rects(k.view, k_w, k_h).at(2); // "Happy" = 3
    const float x = target.cx(), y = target.cy();
    k.frame({});
    SECTION("all in one frame, in SDL's order") {
        k.frame({finger(SDL_FINGERDOWN, x, y), mouse_motion(x, y, SDL_TOUCH_MOUSEID),
                 mouse_button(SDL_MOUSEBUTTONDOWN, x, y, SDL_TOUCH_MOUSEID), finger(SDL_FINGERUP, x, y),
                 mouse_button(SDL_MOUSEBUTTONUP, x, y, SDL_TOUCH_MOUSEID)});
    }
    SECTION("spread over frames") {
        k.frame({finger(SDL_FINGERDOWN, x, y)});
        k.frame({mouse_motion(x, y, SDL_TOUCH_MOUSEID), mouse_button(SDL_MOUSEBUTTONDOWN, x, y, SDL_TOUCH_MOUSEID)});
        k.frame({finger(SDL_FINGERUP, x, y)});
        k.frame({mouse_button(SDL_MOUSEBUTTONUP, x, y, SDL_TOUCH_MOUSEID)});
    }
    SECTION("the synthesised mouse events arrive first") {
        k.frame({mouse_button(SDL_MOUSEBUTTONDOWN, x, y, SDL_TOUCH_MOUSEID), finger(SDL_FINGERDOWN, x, y)});
        k.frame({mouse_button(SDL_MOUSEBUTTONUP, x, y, SDL_TOUCH_MOUSEID), finger(SDL_FINGERUP, x, y)});
    }
    SECTION("the synthesised mouse events trail the finger by a frame or two") {
        k.frame({finger(SDL_FINGERDOWN, x, y)});
        k.frame({finger(SDL_FINGERUP, x, y)});
        k.frame({mouse_motion(x, y, SDL_TOUCH_MOUSEID), mouse_button(SDL_MOUSEBUTTONDOWN, x, y, SDL_TOUCH_MOUSEID)});
        k.frame({mouse_button(SDL_MOUSEBUTTONUP, x, y, SDL_TOUCH_MOUSEID)});
    }
    k.frame({});
    k.frame({});
    CHECK(k.ratings == 1);
    CHECK(k.last_score == 3);
}

TEST_CASE("a real mouse click still rates once; two taps rate twice") {
    Kiosk k;
    const auto rects = ui::answer_rects(k.view, k_w, k_h);
    k.frame({});
    k.frame({mouse_motion(rects[0].cx(), rects[0].cy(), 0),
             mouse_button(SDL_MOUSEBUTTONDOWN, rects[0].cx(), rects[0].cy(), 0)});
    k.frame({mouse_button(SDL_MOUSEBUTTONUP, rects[0].cx(), rects[0].cy(), 0)});
    k.frame({});
    CHECK(k.ratings == 1);
    CHECK(k.last_score == 1);
    k.frame({finger(SDL_FINGERDOWN, rects[3].cx(), rects[3].cy()),
             mouse_button(SDL_MOUSEBUTTONDOWN, rects[3].cx(), rects[3].cy(), SDL_TOUCH_MOUSEID)});
    k.frame({finger(SDL_FINGERUP, rects[3].cx(), rects[3].cy()),
             mouse_button(SDL_MOUSEBUTTONUP, rects[3].cx(), rects[3].cy(), SDL_TOUCH_MOUSEID)});
    k.frame({});
    CHECK(k.ratings == 2);
    CHECK(k.last_score == 4);
}

TEST_CASE("finger coordinates are scaled from SDL's 0..1 to window points") {
    PointerEvent pe;
    SDL_Event e = finger(SDL_FINGERDOWN, 640, 200);
    REQUIRE(to_pointer_event(e, k_w, k_h, pe));
    CHECK(pe.kind == PointerEvent::Kind::finger_down);
    CHECK(pe.x == Approx(640));
    CHECK(pe.y == Approx(200));
    SDL_Event made_up = e;
    made_up.tfinger.touchId = SDL_MOUSE_TOUCHID; // a touch SDL made from a mouse
    CHECK_FALSE(to_pointer_event(made_up, k_w, k_h, pe));
    SDL_Event key{};
    key.type = SDL_KEYDOWN;
    CHECK_FALSE(to_pointer_event(key, k_w, k_h, pe));
}
