// The redraw policy of the kiosk's frame loop: frames only when something
// changed, and sleeps as long as the next deadline allows, so an idle kiosk
// uses ~0 % CPU while a tap, a timeout or an animation is drawn at once.
#include "app/redraw_scheduler.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace std::chrono;

namespace {

using Time = RedrawScheduler::time_point;
const Time t0{seconds{1000}};

// Draws every frame that is due, as the loop does; returns how many.
int draw_due(RedrawScheduler& r, bool input_pending = false) {
    int n = 0;
    while (r.due(input_pending) && n < 100) {
        r.drawn();
        ++n;
        input_pending = false;
    }
    return n;
}

// A scheduler past its start: the first frames drawn, settling over.
RedrawScheduler settled() {
    RedrawScheduler r(t0, seconds{3});
    draw_due(r);
    return r;
}

} // namespace

TEST_CASE("the first frames are drawn at once", "[redraw]") {
    RedrawScheduler r(t0, seconds{3});
    CHECK(r.wait_ms(t0, std::nullopt, false, false) == 0);
    CHECK(draw_due(r) == 3);
    CHECK_FALSE(r.due(false));
}

TEST_CASE("an idle kiosk sleeps until its next deadline, at most a second", "[redraw][idle]") {
    RedrawScheduler r = settled();
    const Time later = t0 + seconds{10};
    CHECK(r.wait_ms(later, std::nullopt, false, false) == 1000);
    // Just past the deadline, so the timeout has run out when the loop wakes.
    CHECK(r.wait_ms(later, milliseconds{400}, false, false) == 401);
    CHECK(r.wait_ms(later, milliseconds{0}, false, false) == 1);
    CHECK(r.wait_ms(later, milliseconds{-5}, false, false) == 1);
    CHECK(r.wait_ms(later, minutes{5}, false, false) == 1000);
    // A wait that ends without events draws nothing.
    r.waited(later, false, false);
    CHECK_FALSE(r.due(false));
}

TEST_CASE("a minute of idling after the start draws only while settling", "[redraw][idle]") {
    RedrawScheduler r(t0, seconds{3});
    Time now = t0;
    int frames = 0, turns = 0, frames_after_settle = 0;
    while (now < t0 + minutes{1}) {
        const int wait = r.wait_ms(now, std::nullopt, false, false);
        now += milliseconds{wait};
        r.waited(now, false, false);
        ++turns;
        const int drawn = draw_due(r);
        frames += drawn;
        if (now >= t0 + seconds{3}) frames_after_settle += drawn;
    }
    CHECK(frames_after_settle == 0);
    CHECK(frames <= 3 + 3000 / 250 + 1); // the first frames, then one per settle step
    CHECK(turns <= 3000 / 250 + 60 + 2); // then one turn a second
}

TEST_CASE("events draw three frames: a press, a release and one to settle", "[redraw]") {
    RedrawScheduler r = settled();
    const Time now = t0 + seconds{10};
    r.waited(now, true, false);
    CHECK(r.wait_ms(now, std::nullopt, false, false) == 0);
    CHECK(draw_due(r) == 3);
    CHECK(r.wait_ms(now, std::nullopt, false, false) == 1000);
}

TEST_CASE("input waiting for its frame is drawn even when no frame is due", "[redraw]") {
    RedrawScheduler r = settled();
    const Time now = t0 + seconds{10};
    CHECK(r.wait_ms(now, std::nullopt, false, true) == 0);
    CHECK(r.due(true));
    CHECK(draw_due(r, true) == 1);
}

TEST_CASE("a handled intent draws its outcome; a change by itself draws less", "[redraw]") {
    RedrawScheduler r = settled();
    r.handled();
    CHECK(draw_due(r) == 3);
    r.shown_changed();
    CHECK(draw_due(r) == 2); // ImGui settles in two
    r.shown_changed(true);
    CHECK(draw_due(r) == 1); // a staff screen's refreshed figures
    // Requests do not add up: the most wanted wins.
    r.handled();
    r.shown_changed();
    CHECK(draw_due(r) == 3);
}

TEST_CASE("the thank-you countdown is drawn every 100 ms", "[redraw]") {
    RedrawScheduler r = settled();
    const Time now = t0 + seconds{10};
    CHECK(r.wait_ms(now, milliseconds{2000}, true, false) == 100);
    CHECK(r.wait_ms(now, milliseconds{30}, true, false) == 31);
}

TEST_CASE("settling: a frame every 250 ms after the start and after a window event", "[redraw]") {
    RedrawScheduler r(t0, seconds{3});
    draw_due(r);
    CHECK(r.settling(t0 + milliseconds{2999}));
    CHECK(r.wait_ms(t0 + seconds{1}, std::nullopt, false, false) == 250);
    r.waited(t0 + seconds{1}, false, false);
    CHECK(draw_due(r) == 1); // the compositor may only now show the window
    CHECK_FALSE(r.settling(t0 + seconds{3}));
    r.waited(t0 + seconds{4}, false, false);
    CHECK(draw_due(r) == 0);
    // A window event (shown, exposed, resized) settles again from then.
    r.waited(t0 + seconds{20}, false, true);
    CHECK(r.settling(t0 + seconds{22}));
    CHECK(r.wait_ms(t0 + seconds{21}, std::nullopt, false, false) == 250);
    CHECK_FALSE(r.settling(t0 + seconds{23}));
}

TEST_CASE("a watchdog shortens every sleep", "[redraw]") {
    RedrawScheduler r(t0, seconds{3}, milliseconds{400});
    draw_due(r);
    CHECK(r.wait_ms(t0 + seconds{10}, std::nullopt, false, false) == 400);
    CHECK(r.wait_ms(t0 + seconds{10}, milliseconds{100}, false, false) == 101);
}

TEST_CASE("a failed turn draws again only after the next event or deadline", "[redraw]") {
    RedrawScheduler r = settled();
    r.handled();
    r.failed();
    CHECK_FALSE(r.due(false));
    CHECK(r.wait_ms(t0 + seconds{10}, milliseconds{500}, false, false) == 501);
}
