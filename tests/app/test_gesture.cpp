// The hidden staff entry: press and hold the top-left corner for 3 s.
#include "app/gesture.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace std::chrono;

namespace {
const steady_clock::time_point t0{seconds{1000}};
constexpr float corner = 45.0f; // 12 mm at 96 dpi
} // namespace

TEST_CASE("a hold of 2.9 s is not enough, 3.0 s opens", "[gesture]") {
    CornerHold hold(corner);
    CHECK_FALSE(hold.update(true, 10, 10, t0));
    CHECK(hold.holding());
    CHECK_FALSE(hold.update(true, 12, 11, t0 + milliseconds{2900}));
    CHECK(hold.until_done(t0 + milliseconds{2900}) == milliseconds{100});
    CHECK(hold.update(true, 12, 11, t0 + milliseconds{3000}));
    // Once per press: keeping the finger down does not open it again.
    CHECK_FALSE(hold.holding());
    CHECK_FALSE(hold.update(true, 12, 11, t0 + milliseconds{9000}));
    CHECK_FALSE(hold.update(false, 12, 11, t0 + milliseconds{9100}));
    // A new press starts a new hold.
    CHECK_FALSE(hold.update(true, 5, 5, t0 + milliseconds{10000}));
    CHECK(hold.update(true, 5, 5, t0 + milliseconds{13000}));
}

TEST_CASE("lifting before 3 s ends the hold", "[gesture]") {
    CornerHold hold(corner);
    hold.update(true, 10, 10, t0);
    hold.update(false, 10, 10, t0 + milliseconds{2500});
    CHECK_FALSE(hold.holding());
    CHECK_FALSE(
        hold.update(true, 10, 10, t0 + milliseconds{3100})); // a fresh press: timer restarts
    CHECK_FALSE(hold.update(true, 10, 10, t0 + milliseconds{6000}));
    CHECK(hold.update(true, 10, 10, t0 + milliseconds{6100}));
}

TEST_CASE("moving out of the corner cancels the hold", "[gesture]") {
    CornerHold hold(corner);
    hold.update(true, 10, 10, t0);
    CHECK_FALSE(hold.update(true, 60, 10, t0 + milliseconds{1000}));
    CHECK_FALSE(hold.holding());
    CHECK_FALSE(hold.until_done(t0 + milliseconds{1000}));
    // Sliding back in does not revive it: the finger has to lift first.
    CHECK_FALSE(hold.update(true, 10, 10, t0 + milliseconds{2000}));
    CHECK_FALSE(hold.update(true, 10, 10, t0 + milliseconds{5000}));
}

TEST_CASE("a press that starts outside the corner never opens", "[gesture]") {
    CornerHold hold(corner);
    CHECK_FALSE(hold.update(true, 400, 300, t0));
    CHECK_FALSE(hold.update(true, 10, 10, t0 + milliseconds{500})); // slid into the corner
    CHECK_FALSE(hold.update(true, 10, 10, t0 + milliseconds{4000}));
    CHECK_FALSE(hold.update(true, corner, 10, t0 + milliseconds{4000}));
}

TEST_CASE("the corner is a square at the top-left", "[gesture]") {
    for (auto [x, y, inside] : {std::tuple{0.0f, 0.0f, true},
                                {44.9f, 44.9f, true},
                                {45.0f, 10.0f, false},
                                {10.0f, 45.0f, false},
                                {-1.0f, 5.0f, false}}) {
        CornerHold hold(corner);
        hold.update(true, x, y, t0);
        CHECK(hold.update(true, x, y, t0 + seconds{3}) == inside);
    }
}
