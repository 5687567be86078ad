// The wall clock jumps (an NTP correction, a flat RTC battery, someone
// setting the date): the kiosk flow and its database, driven by a hand-moved
// clock whose wall and monotonic parts move apart. Sequences keep going up,
// the tap after a jump back is clock-suspect, misuse and timeouts run on the
// monotonic clock, and opening hours follow the wall clock wherever it went.
#include "app/flow.h"
#include "app/local_database.h"

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace touchpoint;
using namespace std::chrono;

namespace {

Survey smiley5_survey(bool with_reasons) {
    Survey s;
    s.id = "helpdesk";
    s.version = 1;
    s.question_id = "q";
    s.scale = Scale::smiley5;
    s.question = {{"en", "How was it?"}};
    s.thank_you = {{"en", "Thanks"}};
    s.comment = false;
    if (with_reasons) s.reasons[Band::negative] = {{"slow", {{"en", "Slow"}}}};
    return s;
}

// Open 08:00-20:00 every day, in Auckland.
FlowSettings settings(bool with_reasons = false) {
    FlowSettings fs;
    fs.survey = smiley5_survey(with_reasons);
    fs.touch_point.key = "tp-1";
    fs.touch_point.time_zone = "Pacific/Auckland";
    fs.touch_point.opening_hours = OpeningHours{};
    for (auto& d : fs.touch_point.opening_hours.days)
        d = {{8 * 60, 20 * 60}};
    fs.device_id = "dev-1";
    return fs;
}

// Monday 2026-11-23 10:00 NZDT (UTC+13) = 2026-11-22 21:00 UTC.
system_clock::time_point monday_10() {
    return system_clock::time_point{seconds{1795381200}};
}

std::int64_t ms_of(system_clock::time_point t) {
    return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::unique_ptr<LocalDatabase> memory_database() {
    auto s = LocalDatabase::open(":memory:");
    INFO((s ? std::string() : s.error()));
    REQUIRE(s.ok());
    return std::move(s).value();
}

std::vector<Response> stored(const LocalDatabase& database) {
    std::vector<Response> out;
    REQUIRE(database
                .for_each([&](const Response& r) {
                    out.push_back(r);
                    return true;
                })
                .ok());
    return out;
}

std::vector<int> misuse_flags(const LocalDatabase& database) {
    std::vector<int> out;
    for (const Response& r : stored(database))
        out.push_back(r.misuse ? 1 : 0);
    return out;
}

// One rating from the question screen, back on the question screen after.
void rate(KioskFlow& flow, int score) {
    REQUIRE(flow.screen() == Screen::question);
    REQUIRE(flow.tap_rating(score));
    REQUIRE(flow.screen() == Screen::thank_you);
    flow.tap_thank_you();
}

} // namespace

TEST_CASE("clock jump: sequences go up, the tap after a jump back is clock-suspect", "[clock]") {
    auto database = memory_database();
    ManualClock clock(monday_10());
    KioskFlow flow(settings(), *database, clock);

    std::vector<std::int64_t> wall; // the wall time of each tap
    auto tap = [&](int score) {
        wall.push_back(ms_of(clock.wall()));
        rate(flow, score);
        // Slower than the response interval, and never six within 60 s.
        clock.advance(seconds{13});
    };
    tap(5);
    tap(4);
    clock.set_wall(clock.wall() - hours{1}); // back an hour
    tap(3);
    tap(2);
    clock.set_wall(clock.wall() + hours{24}); // forward a day
    tap(1);
    tap(5);
    clock.set_wall(clock.wall() - hours{24}); // the day taken back
    tap(4);

    const auto rows = stored(*database);
    REQUIRE(rows.size() == 7);
    std::vector<int> scores, suspect;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        INFO("tap " << i);
        CHECK(rows[i].sequence == static_cast<std::int64_t>(i) + 1);
        // The time is what the clock said: flagged, never rewritten.
        CHECK(rows[i].utc_ms == wall[i]);
        scores.push_back(rows[i].score);
        suspect.push_back(rows[i].clock_suspect ? 1 : 0);
    }
    CHECK(scores == std::vector<int>{5, 4, 3, 2, 1, 5, 4});
    CHECK(suspect == std::vector<int>{0, 0, 1, 0, 0, 0, 1});
    CHECK(misuse_flags(*database) == std::vector<int>{0, 0, 0, 0, 0, 0, 0});
    // Local days follow the wall clock the tap was made on.
    CHECK(rows[3].local_day == "2026-11-23");
    CHECK(rows[3].local_hour == 9);
    CHECK(rows[4].local_day == "2026-11-24");
    CHECK(rows[6].local_day == "2026-11-23");
}

TEST_CASE("clock jump: misuse runs on the monotonic clock", "[clock]") {
    auto database = memory_database();
    ManualClock clock(monday_10());
    KioskFlow flow(settings(), *database, clock);

    SECTION("a jump back between two slow taps makes no misuse") {
        rate(flow, 4);
        clock.advance(seconds{6});
        clock.set_wall(clock.wall() - hours{1});
        rate(flow, 3);
        CHECK(misuse_flags(*database) == std::vector<int>{0, 0});
    }
    SECTION("a jump forward between two fast taps hides no misuse") {
        rate(flow, 4);
        clock.advance(seconds{1});
        clock.set_wall(clock.wall() + hours{24});
        rate(flow, 1);
        CHECK(misuse_flags(*database) == std::vector<int>{0, 1});
    }
    SECTION("a burst stays a burst, whichever way the wall clock goes") {
        // Seven taps 6 s apart (each slower than the response interval), the
        // wall clock jumping between them: the 6th and 7th are within 60 s
        // of five before them.
        for (int i = 0; i < 7; ++i) {
            rate(flow, 3);
            clock.advance(seconds{6});
            clock.set_wall(clock.wall() + (i % 2 == 0 ? hours{24} : -hours{24}));
        }
        CHECK(misuse_flags(*database) == std::vector<int>{0, 0, 0, 0, 0, 1, 1});
    }
}

TEST_CASE("clock jump: opening hours follow the wall clock", "[clock]") {
    FlowSettings fs = settings();
    fs.touch_point.opening_hours.days[1].clear(); // closed on Tuesdays
    auto database = memory_database();
    ManualClock clock(monday_10() - hours{1} - minutes{30}); // Monday 08:30
    KioskFlow flow(fs, *database, clock);
    REQUIRE(flow.screen() == Screen::question);
    rate(flow, 5);

    SECTION("back an hour, before opening") {
        clock.advance(seconds{6});
        clock.set_wall(clock.wall() - hours{1}); // 07:30
        // A tap before the next hours check is not recorded, and the kiosk sleeps.
        CHECK_FALSE(flow.tap_rating(4));
        CHECK(flow.screen() == Screen::sleep);
        CHECK(stored(*database).size() == 1);
        // Put right: open again at the next check.
        clock.set_wall(clock.wall() + hours{1});
        clock.advance(seconds{29});
        flow.tick();
        CHECK(flow.screen() == Screen::sleep);
        clock.advance(seconds{1});
        flow.tick();
        CHECK(flow.screen() == Screen::question);
        rate(flow, 4);
        CHECK(stored(*database).size() == 2);
    }
    SECTION("forward a day, to a closed day") {
        clock.set_wall(clock.wall() + hours{24}); // Tuesday 08:30
        // Untouched, the question screen goes to sleep within one hours check.
        clock.advance(seconds{29});
        flow.tick();
        CHECK(flow.screen() == Screen::question);
        clock.advance(seconds{1});
        flow.tick();
        CHECK(flow.screen() == Screen::sleep);
        CHECK_FALSE(flow.tap_rating(4));
        CHECK(stored(*database).size() == 1);
        // The day taken back: Monday is open again.
        clock.set_wall(clock.wall() - hours{24});
        clock.advance(seconds{30});
        flow.tick();
        CHECK(flow.screen() == Screen::question);
        rate(flow, 2);
        const auto rows = stored(*database);
        REQUIRE(rows.size() == 2);
        CHECK(rows[1].local_day == "2026-11-23");
        // Nothing was recorded while the clock was a day out, so the times
        // still agree with the sequence.
        CHECK_FALSE(rows[1].clock_suspect);
    }
    SECTION("a thank-you that ends after a jump to a closed day goes to sleep") {
        clock.advance(seconds{6});
        REQUIRE(flow.tap_rating(3));
        REQUIRE(flow.screen() == Screen::thank_you);
        clock.set_wall(clock.wall() + hours{24});
        clock.advance(milliseconds{2500});
        flow.tick();
        CHECK(flow.screen() == Screen::sleep);
        CHECK(stored(*database).size() == 2);
    }
}

TEST_CASE("clock jump: the thank-you and the idle reset run on the monotonic clock", "[clock]") {
    auto database = memory_database();
    ManualClock clock(monday_10());
    KioskFlow flow(settings(/*with_reasons=*/true), *database, clock);

    SECTION("thank-you") {
        REQUIRE(flow.tap_rating(5)); // no reasons for a high score
        REQUIRE(flow.screen() == Screen::thank_you);
        clock.set_wall(clock.wall() + hours{24}); // forward a day: not over yet
        flow.tick();
        CHECK(flow.screen() == Screen::thank_you);
        clock.set_wall(clock.wall() - hours{25}); // back: not stretched either
        clock.advance(milliseconds{2500});
        flow.tick();
        CHECK(flow.screen() == Screen::question);
    }
    SECTION("idle reset of an unfinished follow-up") {
        REQUIRE(flow.tap_rating(1));
        REQUIRE(flow.screen() == Screen::reasons);
        clock.set_wall(clock.wall() + hours{24});
        flow.tick();
        CHECK(flow.screen() == Screen::reasons);
        clock.set_wall(clock.wall() - hours{25});
        clock.advance(milliseconds{14999});
        flow.tick();
        CHECK(flow.screen() == Screen::reasons);
        clock.advance(milliseconds{1});
        flow.tick();
        CHECK(flow.screen() == Screen::question);
        const auto rows = stored(*database);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].closed); // kept, and now it may be synced
    }
}
