#include <catch2/catch.hpp>

#include <vector>

// Header-only logic from the platform layer: no window or SDL needed.
#include "platform/pointer_input.h"

using namespace touchpoint::platform;
using K = PointerEvent::Kind;

namespace {

PointerEvent finger(K kind, float x, float y, std::int64_t id = 7) {
    PointerEvent e;
    e.kind = kind;
    e.finger = id;
    e.x = x;
    e.y = y;
    return e;
}

PointerEvent mouse(K kind, float x, float y, bool synthesised) {
    PointerEvent e;
    e.kind = kind;
    e.synthesised = synthesised;
    e.x = x;
    e.y = y;
    return e;
}

// Frames until nothing is pending, counting up->down transitions.
int presses(PointerInput& in, std::vector<PointerFrame>* frames = nullptr, bool was_down = false) {
    int n = 0;
    for (int i = 0; i < 6; ++i) {
        const PointerFrame f = in.next_frame();
        if (frames)
            frames->push_back(f);
        if (f.down && !was_down)
            ++n;
        was_down = f.down;
    }
    return n;
}

} // namespace

TEST_CASE("a touch reported as finger and synthesised mouse events is one press", "[platform][touch]") {
    PointerInput in;
    CHECK(in.feed(finger(K::finger_down, 100, 200)));
    CHECK_FALSE(in.feed(mouse(K::mouse_motion, 100, 200, true)));
    CHECK_FALSE(in.feed(mouse(K::mouse_down, 100, 200, true)));
    CHECK(in.feed(finger(K::finger_up, 100, 200)));
    CHECK_FALSE(in.feed(mouse(K::mouse_up, 100, 200, true)));

    std::vector<PointerFrame> frames;
    CHECK(presses(in, &frames) == 1);
    // The press frame and the release frame are both at the touch point,
    // then the pointer vanishes (no hover left behind on a touch screen).
    REQUIRE(frames.size() >= 3);
    CHECK(frames[0].down);
    CHECK(frames[0].has_position);
    CHECK(frames[0].x == 100);
    CHECK(frames[0].y == 200);
    CHECK_FALSE(frames[1].down);
    CHECK(frames[1].has_position);
    CHECK_FALSE(frames[2].has_position);
    CHECK_FALSE(in.pending());
}

TEST_CASE("a held touch stays down across frames and releases once", "[platform][touch]") {
    PointerInput in;
    in.feed(finger(K::finger_down, 10, 10));
    in.feed(mouse(K::mouse_down, 10, 10, true));
    CHECK(in.next_frame().down);
    CHECK(in.next_frame().down);
    in.feed(finger(K::finger_motion, 12, 11));
    const PointerFrame moved = in.next_frame();
    CHECK(moved.down);
    CHECK(moved.x == 12);
    in.feed(finger(K::finger_up, 12, 11));
    in.feed(mouse(K::mouse_up, 12, 11, true));
    CHECK_FALSE(in.next_frame().down);
    CHECK(presses(in, nullptr, false) == 0);
}

TEST_CASE("a second finger during a touch is ignored", "[platform][touch]") {
    PointerInput in;
    in.feed(finger(K::finger_down, 10, 10, 1));
    CHECK_FALSE(in.feed(finger(K::finger_down, 300, 300, 2)));
    CHECK_FALSE(in.feed(finger(K::finger_up, 300, 300, 2)));
    in.feed(finger(K::finger_up, 10, 10, 1));
    std::vector<PointerFrame> frames;
    CHECK(presses(in, &frames) == 1);
    CHECK(frames[0].x == 10);
}

TEST_CASE("a real mouse click is one press too", "[platform][touch]") {
    PointerInput in;
    CHECK(in.feed(mouse(K::mouse_motion, 50, 60, false)));
    CHECK(in.feed(mouse(K::mouse_down, 50, 60, false)));
    CHECK(in.feed(mouse(K::mouse_up, 50, 60, false)));
    std::vector<PointerFrame> frames;
    CHECK(presses(in, &frames) == 1);
    // A mouse keeps its position after the click.
    CHECK(frames.back().has_position);
    // Right button does nothing.
    PointerEvent right = mouse(K::mouse_down, 50, 60, false);
    right.button = 3;
    CHECK_FALSE(in.feed(right));
}

TEST_CASE("two taps in separate frames are two presses", "[platform][touch]") {
    PointerInput in;
    int total = 0;
    for (int t = 0; t < 2; ++t) {
        in.feed(finger(K::finger_down, 5, 5, t));
        in.feed(mouse(K::mouse_down, 5, 5, true));
        in.feed(finger(K::finger_up, 5, 5, t));
        in.feed(mouse(K::mouse_up, 5, 5, true));
        total += presses(in);
    }
    CHECK(total == 2);
}
