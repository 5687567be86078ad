// Idle dim: the kiosk dims after the device's dim timeout without a touch;
// the touch that wakes it only wakes it.
#include "app/display_dimmer.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace std::chrono_literals;

namespace {
const DisplayDimmer::time_point t0 = DisplayDimmer::time_point{} + 1000s;
}

TEST_CASE("the display dims after the timeout without a touch", "[dimmer]") {
    DisplayDimmer d(120s, t0);
    CHECK_FALSE(d.dimmed(t0));
    CHECK_FALSE(d.dimmed(t0 + 119s));
    CHECK(d.dimmed(t0 + 120s));
    CHECK(d.until_dim(t0 + 100s) == std::chrono::milliseconds(20s));
    CHECK_FALSE(d.until_dim(t0 + 130s).has_value());

    d.note_activity(t0 + 60s); // a touch before the timeout keeps it bright
    CHECK_FALSE(d.dimmed(t0 + 150s));
    CHECK(d.dimmed(t0 + 180s));
    CHECK_FALSE(d.wake_touch_pending());
}

TEST_CASE("the wake-up touch wakes the display and is consumed once", "[dimmer]") {
    DisplayDimmer d(30s, t0);
    REQUIRE(d.dimmed(t0 + 31s));
    d.note_activity(t0 + 31s); // the customer touches the dark screen
    CHECK_FALSE(d.dimmed(t0 + 31s));
    CHECK(d.wake_touch_pending());
    CHECK(d.consume_wake_touch());       // its release is swallowed...
    CHECK_FALSE(d.consume_wake_touch()); // ...once
    d.note_activity(t0 + 33s);           // the next touch rates as usual
    CHECK_FALSE(d.wake_touch_pending());
    CHECK_FALSE(d.consume_wake_touch());
}

TEST_CASE("the dimmer only dims while enabled", "[dimmer]") {
    DisplayDimmer d(30s, t0);
    d.set_enabled(false, t0 + 10s); // e.g. the follow-up screens
    CHECK_FALSE(d.dimmed(t0 + 100s));
    CHECK_FALSE(d.until_dim(t0 + 100s).has_value());
    d.note_activity(t0 + 100s); // no wake-up touch while disabled
    CHECK_FALSE(d.wake_touch_pending());
    d.set_enabled(true, t0 + 200s); // back on the question: the timer restarts
    CHECK_FALSE(d.dimmed(t0 + 229s));
    CHECK(d.dimmed(t0 + 230s));
    d.set_enabled(true, t0 + 231s); // enabling again changes nothing
    CHECK(d.dimmed(t0 + 231s));
}

TEST_CASE("a pending wake-up touch is dropped when another screen takes over", "[dimmer]") {
    DisplayDimmer d(30s, t0);
    d.note_activity(t0 + 40s);
    REQUIRE(d.wake_touch_pending());
    d.set_enabled(false, t0 + 41s);
    CHECK_FALSE(d.wake_touch_pending());
}

TEST_CASE("a zero timeout never dims", "[dimmer]") {
    DisplayDimmer d(0s, t0);
    CHECK_FALSE(d.dimmed(t0 + 100000s));
    d.note_activity(t0 + 100000s);
    CHECK_FALSE(d.wake_touch_pending());
}
