// The kiosk flow, driven without a window by a hand-moved clock.
#include "app/flow.h"

#include <catch2/catch.hpp>

#include <map>

using namespace touchpoint;
using namespace std::chrono;

namespace {

// Records what the flow asks of storage, like the local database would.
class FakeWriter : public ResponseWriter {
  public:
    std::map<std::string, Response> rows;
    std::vector<std::string> order;
    bool fail_inserts = false;
    std::int64_t next_sequence = 1;

    Status insert_open(Response& r) override {
        if (fail_inserts) return Status::failure("The disk is full");
        r.sequence = next_sequence++;
        rows[r.id] = r;
        order.push_back(r.id);
        return Status::success();
    }
    Status amend(const std::string& id, const std::vector<std::string>& reasons,
                 const std::string& comment) override {
        auto it = rows.find(id);
        if (it == rows.end() || it->second.closed) return Status::failure("not open");
        it->second.reasons = reasons;
        it->second.comment = comment;
        return Status::success();
    }
    Status close(const std::string& id) override {
        auto it = rows.find(id);
        if (it == rows.end()) return Status::failure("unknown");
        it->second.closed = true;
        return Status::success();
    }
    const Response& nth(std::size_t i) const { return rows.at(order.at(i)); }
};

Survey make_survey(Scale scale, bool with_reasons, bool comment) {
    Survey s;
    s.id = "s1";
    s.version = 3;
    s.question_id = "q1";
    s.scale = scale;
    s.question = {{"en", "How was it?"}, {"mi", "I pēhea?"}};
    s.thank_you = {{"en", "Thanks"}};
    s.comment = comment;
    s.comment_max_length = 10;
    if (with_reasons) {
        s.reasons[Band::negative] = {{"slow", {{"en", "Slow"}}}, {"rude", {{"en", "Rude"}}}};
        s.reasons[Band::positive] = {{"fast", {{"en", "Fast"}}}};
    }
    return s;
}

FlowSettings make_settings(Survey survey) {
    FlowSettings fs;
    fs.survey = std::move(survey);
    fs.touch_point.key = "tp-1";
    fs.touch_point.time_zone = "Pacific/Auckland";
    fs.device_id = "dev-1";
    fs.default_language = "en";
    return fs;
}

// 2026-11-23 10:00 NZDT (UTC+13) = 2026-11-22 21:00 UTC, a Monday morning locally.
system_clock::time_point monday_morning() {
    return system_clock::time_point{seconds{1795381200}};
}

} // namespace

TEST_CASE("a tap without follow-up is stored, closed and thanked at once") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley4, false, false)), w, clock);
    REQUIRE(flow.screen() == Screen::question);
    REQUIRE(flow.tap_rating(4));
    REQUIRE(w.rows.size() == 1);
    const Response& r = w.nth(0);
    CHECK(r.score == 4);
    CHECK(r.closed);
    CHECK(r.scale == Scale::smiley4);
    CHECK(r.survey_id == "s1");
    CHECK(r.survey_version == 3);
    CHECK(r.question_id == "q1");
    CHECK(r.touch_point == "tp-1");
    CHECK(r.device_id == "dev-1");
    CHECK(r.language == "en");
    CHECK(r.local_day == "2026-11-23");
    CHECK(r.local_hour == 10);
    CHECK(r.local_time == "2026-11-23T10:00:00+13:00");
    CHECK_FALSE(r.misuse);
    CHECK(flow.screen() == Screen::thank_you);
}

TEST_CASE("an out-of-range score is refused and stores nothing") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley4, false, false)), w, clock);
    CHECK_FALSE(flow.tap_rating(5));
    CHECK_FALSE(flow.tap_rating(0));
    CHECK(w.rows.empty());
    CHECK(flow.screen() == Screen::question);
}

TEST_CASE("the thank-you screen lasts its duration, and a tap ends it at once") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, false, false)), w, clock);
    REQUIRE(flow.tap_rating(5));
    REQUIRE(flow.screen() == Screen::thank_you);
    CHECK(flow.next_deadline() == milliseconds{2500});
    clock.advance(milliseconds{2400});
    flow.tick();
    CHECK(flow.screen() == Screen::thank_you);
    clock.advance(milliseconds{100});
    flow.tick();
    CHECK(flow.screen() == Screen::question);

    clock.advance(seconds{10});
    REQUIRE(flow.tap_rating(1));
    REQUIRE(flow.screen() == Screen::thank_you);
    flow.tap_thank_you();
    CHECK(flow.screen() == Screen::question);
}

TEST_CASE("follow-up reasons depend on the score band and amend the open response") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, true, true)), w, clock);

    SECTION("a low score asks for negative reasons, then a comment") {
        REQUIRE(flow.tap_rating(1));
        CHECK(flow.screen() == Screen::reasons);
        CHECK_FALSE(w.nth(0).closed); // open while the follow-up runs
        flow.toggle_reason("fast");   // a positive reason is not offered for a low score
        flow.toggle_reason("slow");
        flow.toggle_reason("rude");
        flow.toggle_reason("rude");
        CHECK(w.nth(0).reasons == std::vector<std::string>{"slow"});
        flow.reasons_done();
        CHECK(flow.screen() == Screen::comment);
        flow.set_comment("Queue was too long today");
        CHECK(w.nth(0).comment == "Queue was "); // clipped to the 10-character limit
        flow.comment_done();
        CHECK(flow.screen() == Screen::thank_you);
        CHECK(w.nth(0).closed);
    }
    SECTION("a neutral score has no reasons but still offers the comment") {
        REQUIRE(flow.tap_rating(3));
        CHECK(flow.screen() == Screen::comment);
    }
    SECTION("skipping keeps the rating") {
        REQUIRE(flow.tap_rating(5));
        CHECK(flow.screen() == Screen::reasons);
        flow.skip();
        CHECK(flow.screen() == Screen::thank_you);
        CHECK(w.nth(0).closed);
        CHECK(w.nth(0).score == 5);
    }
}

TEST_CASE("the comment limit counts characters, not bytes") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, false, true)), w, clock);
    REQUIRE(flow.tap_rating(2));
    REQUIRE(flow.screen() == Screen::comment);
    flow.set_comment("āēīōūĀĒĪŌŪxyz"); // 13 characters, 23 bytes
    CHECK(w.nth(0).comment == "āēīōūĀĒĪŌŪ");
}

TEST_CASE("idle reset returns to the question and keeps the partial follow-up") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, true, true)), w, clock);
    REQUIRE(flow.tap_rating(2));
    flow.choose_language("mi");
    flow.toggle_reason("slow");
    clock.advance(seconds{14});
    flow.tick();
    CHECK(flow.screen() == Screen::reasons);
    CHECK(flow.next_deadline() == milliseconds{1000});
    clock.advance(seconds{1});
    flow.tick();
    CHECK(flow.screen() == Screen::question);
    CHECK(w.nth(0).closed);
    CHECK(w.nth(0).reasons == std::vector<std::string>{"slow"});
    CHECK(flow.language() == "en"); // back to the default for the next customer
}

TEST_CASE("language and accessibility options return to the defaults for the next customer") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley4, false, false)), w, clock);
    flow.choose_language("mi");
    flow.choose_language("xx"); // not offered: ignored
    flow.toggle_high_contrast();
    flow.toggle_large_text();
    CHECK(flow.language() == "mi");
    REQUIRE(flow.tap_rating(3));
    CHECK(w.nth(0).language == "mi");
    flow.tap_thank_you();
    CHECK(flow.language() == "en");
    CHECK_FALSE(flow.high_contrast());
    CHECK_FALSE(flow.large_text());
}

TEST_CASE("misuse: a tap within the response interval or beyond the 5th in 60 s is flagged, not dropped") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley4, false, false)), w, clock);

    SECTION("too fast") {
        REQUIRE(flow.tap_rating(4));
        flow.tap_thank_you();
        clock.advance(milliseconds{4999});
        REQUIRE(flow.tap_rating(1));
        REQUIRE(w.rows.size() == 2);
        CHECK_FALSE(w.nth(0).misuse);
        CHECK(w.nth(1).misuse);
        flow.tap_thank_you();
        clock.advance(milliseconds{5000});
        REQUIRE(flow.tap_rating(2));
        CHECK_FALSE(w.nth(2).misuse); // exactly the interval after the previous tap
    }
    SECTION("burst: the 6th tap within 60 s") {
        for (int i = 0; i < 7; ++i) {
            REQUIRE(flow.tap_rating(3));
            flow.tap_thank_you();
            clock.advance(seconds{6}); // each slower than the response interval
        }
        for (int i = 0; i < 5; ++i) CHECK_FALSE(w.nth(i).misuse);
        CHECK(w.nth(5).misuse);
        CHECK(w.nth(6).misuse);
        // A minute later the window has moved on.
        clock.advance(seconds{60});
        REQUIRE(flow.tap_rating(3));
        CHECK_FALSE(w.nth(7).misuse);
    }
}

TEST_CASE("outside opening hours the kiosk sleeps and records nothing (DST-proof)") {
    Survey survey = make_survey(Scale::smiley4, false, false);
    FlowSettings fs = make_settings(survey);
    fs.touch_point.opening_hours = OpeningHours{};
    for (auto& d : fs.touch_point.opening_hours.days) d = {{8 * 60, 20 * 60}};
    // 2026-04-05 is the day New Zealand leaves daylight time (03:00 NZDT -> 02:00 NZST).
    // 07:30 NZST that day = 2026-04-04 19:30 UTC.
    auto before_open = system_clock::time_point{seconds{1775331000}};
    ManualClock clock(before_open);
    FakeWriter w;
    KioskFlow flow(fs, w, clock);
    CHECK(flow.screen() == Screen::sleep);
    CHECK_FALSE(flow.tap_rating(4));
    CHECK(w.rows.empty());
    // 08:00 NZST = 20:00 UTC: a UTC+13 reading would have opened an hour earlier.
    clock.advance(minutes{29});
    flow.tick();
    CHECK(flow.screen() == Screen::sleep);
    clock.advance(minutes{1});
    clock.advance(seconds{30});
    flow.tick();
    CHECK(flow.screen() == Screen::question);
    REQUIRE(flow.tap_rating(4));
    CHECK(w.nth(0).local_day == "2026-04-05");
    CHECK(w.nth(0).local_hour == 8);
    CHECK(w.nth(0).local_time.substr(19) == "+12:00");
}

TEST_CASE("paused: nothing is recorded until staff resume") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, true, false)), w, clock);
    REQUIRE(flow.tap_rating(1));
    flow.pause();
    CHECK(w.nth(0).closed); // the customer in the middle keeps their rating
    CHECK(flow.screen() == Screen::paused);
    CHECK_FALSE(flow.tap_rating(5));
    CHECK(w.rows.size() == 1);
    flow.resume();
    CHECK(flow.screen() == Screen::question);
    clock.advance(seconds{10});
    CHECK(flow.tap_rating(5));
    CHECK(w.rows.size() == 2);
}

TEST_CASE("shutdown closes the open response") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, true, false)), w, clock);
    REQUIRE(flow.tap_rating(5));
    CHECK_FALSE(w.nth(0).closed);
    flow.shutdown();
    CHECK(w.nth(0).closed);
}

TEST_CASE("a storage failure is reported for staff and does not strand the customer") {
    ManualClock clock(monday_morning());
    FakeWriter w;
    w.fail_inserts = true;
    KioskFlow flow(make_settings(make_survey(Scale::smiley5, true, false)), w, clock);
    CHECK_FALSE(flow.tap_rating(5));
    CHECK(flow.last_error() == "The disk is full");
    CHECK(flow.screen() == Screen::thank_you);
    w.fail_inserts = false;
    flow.tap_thank_you();
    clock.advance(seconds{10});
    CHECK(flow.tap_rating(5));
    CHECK(flow.last_error().empty());
}
