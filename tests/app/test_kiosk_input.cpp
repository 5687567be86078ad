// The runtime's input side, as the frame loop drives it: the pointer each
// frame hands over (the hidden entry), the intents the screens return (all
// handled here: a tap recorded, the comment typed and held to its limit
// once, shift, the wake-up touch), the "response closed" event that wakes
// the sync thread, and the server's configuration waiting for an idle moment.
#include "app/kiosk_runtime.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace touchpoint;
using namespace std::chrono;
using touchpoint::test::TempDir;
using C = CustomerIntent::Kind;
using S = StaffIntent::Kind;

namespace {

Pointer finger_at(float x, float y, bool down, bool pressed = false, bool released = false) {
    return {true, x, y, down, pressed, released, true};
}
Pointer nowhere() {
    return {};
}

// Counts the sync seam's wake-ups.
struct CountingSync final : SyncControl {
    int closed = 0;
    SyncStatus status() const override { return SyncNotConfigured().status(); }
    bool request_sync() override { return false; }
    void response_closed() override { ++closed; }
};

// A standalone kiosk: smiley5 with reasons and a 12-character comment, open
// around the clock, dimming after 30 s; its manager PIN is 1111.
struct Kiosk {
    TempDir dir;
    ManualClock clock{system_clock::time_point(milliseconds(1'774'864'800'000))};
    CountingSync sync;
    std::unique_ptr<LocalDatabase> database;
    std::unique_ptr<KioskRuntime> kiosk;

    explicit Kiosk(double dim_timeout_s = 30) {
        std::ofstream(dir.file("survey.toml")) << R"(id = "visit"
version = 1
scale = "smiley5"
comment = true
comment_max_length = 12
[question]
en = "How was your visit?"
mi = "I pēhea tō toronga?"
[thank_you]
en = "Thank you!"
[[reasons.negative]]
id = "slow"
label = { en = "Slow" }
)";
        std::ofstream(dir.file("kiosk.toml"))
            << "[device]\ndefault_language = \"en\"\ndim_timeout_s = " << dim_timeout_s
            << "\nmanager_pin_hash = \"" << *hash_pin("1111") << R"("
[touch_point]
key = "front"
name = "Front desk"
time_zone = "UTC"
idle_timeout_s = 15
thank_you_s = 2
survey = "survey.toml"
)";
        auto cfg = load_kiosk_config(dir.file("kiosk.toml"));
        INFO((cfg ? "" : cfg.error()));
        REQUIRE(cfg.ok());
        auto id = DeviceIdentity::load_or_create(dir.file("data"));
        REQUIRE(id.ok());
        auto s = LocalDatabase::open(dir.file("data/responses.db"));
        REQUIRE(s.ok());
        database = std::move(s).value();
        RuntimeOptions o{dir.file("data"), "", "9.9.9", 45.0f};
        auto k = KioskRuntime::create(*cfg, *id, *database, clock, sync, o);
        REQUIRE(k.ok());
        kiosk = std::move(k).value();
        kiosk->tick();
    }
    // One frame as the loop runs it: the pointer, then what was drawn asked for.
    void frame(const Pointer& p, KioskIntent asked = {}) {
        kiosk->pointer(p);
        kiosk->handle(asked);
    }
    void ask(const CustomerIntent& in) {
        KioskIntent k;
        k.customer = in;
        frame(nowhere(), k);
        kiosk->tick();
    }
    CustomerView view() const { return kiosk->view().customer; }
    Response only_row() const {
        std::vector<Response> rows;
        REQUIRE(database->for_each([&](const Response& r) {
            rows.push_back(r);
            return true;
        }));
        REQUIRE(rows.size() == 1);
        return rows[0];
    }
};

} // namespace

TEST_CASE("a rating intent is stored, and its closing wakes the sync thread once",
          "[runtime][input][sync]") {
    Kiosk k;
    k.ask({C::rate, 4}); // no reasons for a 4: the comment
    CHECK(*k.database->count() == 1);
    CHECK(k.view().screen == Screen::comment);
    CHECK(k.sync.closed == 0); // still open: the follow-up amends it
    k.ask({C::comment_done});
    CHECK(k.view().screen == Screen::thank_you);
    CHECK(k.only_row().closed);
    CHECK(k.sync.closed == 1);
    // Screens change without closing anything: no wake-up.
    k.ask({C::dismiss_thank_you});
    CHECK(k.view().screen == Screen::question);
    k.clock.advance(seconds{6});
    k.kiosk->tick();
    CHECK(k.sync.closed == 1);
}

TEST_CASE("an idle reset closes the follow-up and wakes the sync thread",
          "[runtime][input][sync]") {
    Kiosk k;
    k.ask({C::rate, 1});
    REQUIRE(k.view().screen == Screen::reasons);
    k.ask({C::toggle_reason, 0, "slow"});
    CHECK(k.view().reasons == std::vector<std::string>{"slow"});
    k.clock.advance(seconds{16});
    CHECK(k.kiosk->tick());
    CHECK(k.view().screen == Screen::question);
    CHECK(k.sync.closed == 1);
    CHECK(k.only_row().reasons == std::vector<std::string>{"slow"});
}

TEST_CASE("the comment is typed through intents and held to its limit",
          "[runtime][input][comment]") {
    Kiosk k;
    k.ask({C::rate, 4});
    REQUIRE(k.view().screen == Screen::comment);
    for (const char* key :
         {"K", "i", "a", " ", "o", "r", "a", " ", "\xC4\x81", "\xC4\x93", "x", "y", "z"})
        k.ask({C::type_text, 0, key});
    // 12 characters (ā and ē count one each), the 13th refused.
    CHECK(k.view().comment == "Kia ora \xC4\x81\xC4\x93xy");
    CHECK(k.only_row().comment == "Kia ora \xC4\x81\xC4\x93xy");
    for (int i = 0; i < 3; ++i)
        k.ask({C::backspace});
    CHECK(k.view().comment == "Kia ora \xC4\x81");
    k.ask({C::backspace});
    CHECK(k.only_row().comment == "Kia ora ");
}

TEST_CASE("shift types one capital; a new screen starts in lower case",
          "[runtime][input][comment]") {
    Kiosk k;
    k.ask({C::rate, 4});
    CHECK_FALSE(k.view().shift);
    k.ask({C::toggle_shift});
    CHECK(k.view().shift);
    k.ask({C::type_text, 0, "A"});
    CHECK_FALSE(k.view().shift);
    k.ask({C::toggle_shift});
    k.ask({C::backspace});
    CHECK(k.view().shift); // deleting keeps it
    k.ask({C::comment_done});
    k.ask({C::dismiss_thank_you});
    k.clock.advance(seconds{6});
    k.ask({C::rate, 5});
    REQUIRE(k.view().screen == Screen::comment);
    CHECK_FALSE(k.view().shift);
}

TEST_CASE("pointer frames holding the top-left corner open the staff area", "[runtime][input]") {
    Kiosk k;
    SECTION("held for 3 s") {
        CHECK_FALSE(k.kiosk->pointer(finger_at(5, 5, true, true)));
        k.clock.advance(milliseconds{2900});
        k.kiosk->tick();
        CHECK_FALSE(k.kiosk->staff_visible());
        k.clock.advance(milliseconds{100});
        CHECK(k.kiosk->tick()); // no event needed: the finger is still
        CHECK(k.kiosk->screen_name() == "staff_pin");
        k.kiosk->pointer(finger_at(5, 5, false, false, true));
        for (int d : {1, 1, 1, 1})
            k.kiosk->handle(StaffIntent{S::digit, d});
        k.kiosk->handle(StaffIntent{S::ok});
        k.kiosk->tick();
        CHECK(k.kiosk->view().staff_visible);
        CHECK(k.kiosk->view().staff.screen == StaffScreen::dashboard);
        CHECK(k.kiosk->view().staff.role == Role::manager);
    }
    SECTION("a finger that slides out, or a pointer that is nowhere, does not") {
        k.kiosk->pointer(finger_at(5, 5, true, true));
        k.clock.advance(milliseconds{1000});
        k.kiosk->pointer(finger_at(300, 300, true));
        k.clock.advance(milliseconds{3000});
        k.kiosk->tick();
        CHECK_FALSE(k.kiosk->staff_visible());
        k.kiosk->pointer(finger_at(300, 300, false, false, true));
        k.kiosk->pointer(nowhere());
        Pointer gone = nowhere();
        gone.down = true; // down, but with no position: never in the corner
        k.kiosk->pointer(gone);
        k.clock.advance(milliseconds{4000});
        k.kiosk->tick();
        CHECK_FALSE(k.kiosk->staff_visible());
    }
}

TEST_CASE("a touch on the dimmed screen only wakes it", "[runtime][input][dim]") {
    Kiosk k(30);
    CHECK(k.kiosk->next_deadline() <= milliseconds{30'000});
    k.clock.advance(seconds{31});
    CHECK(k.kiosk->tick()); // dimming is a change to draw
    CHECK(k.kiosk->dimmed());
    CHECK(k.view().dimmed);
    // The press arrives: the screen wakes and shields that touch.
    k.kiosk->input_arrived(true);
    CHECK(k.kiosk->tick());
    CHECK_FALSE(k.kiosk->dimmed());
    CHECK(k.view().wake_touch);
    k.ask({C::wake}); // the shield reports the lift
    CHECK_FALSE(k.view().wake_touch);
    CHECK(*k.database->count() == 0);
    k.ask({C::rate, 5});
    CHECK(*k.database->count() == 1);
}

TEST_CASE("the manager's dim timeout applies at once", "[runtime][input][dim]") {
    Kiosk k(0); // never dims
    k.clock.advance(minutes{5});
    k.kiosk->tick();
    CHECK_FALSE(k.kiosk->dimmed());
    k.kiosk->pointer(finger_at(5, 5, true, true));
    k.clock.advance(seconds{3});
    k.kiosk->tick();
    for (int d : {1, 1, 1, 1})
        k.kiosk->handle(StaffIntent{S::digit, d});
    k.kiosk->handle(StaffIntent{S::ok});
    k.kiosk->handle(StaffIntent{S::show_settings});
    k.kiosk->handle(StaffIntent{S::set_dim_timeout, 0, 0, 60});
    CHECK(k.kiosk->settings().notice == "Saved.");
    k.kiosk->handle(StaffIntent{S::close});
    k.kiosk->tick();
    REQUIRE(k.kiosk->screen_name() == "question");
    k.clock.advance(seconds{61});
    k.kiosk->tick();
    CHECK(k.kiosk->dimmed());
}

TEST_CASE("the server's configuration waits for an idle moment", "[runtime][input]") {
    Kiosk k;
    Survey next = k.kiosk->config().survey;
    next.version = 2;
    next.question["en"] = "How was your stay?";
    TouchPointSettings tp = *k.kiosk->config().touch_point;
    const int texts = k.kiosk->texts_version();
    k.ask({C::rate, 1}); // a customer is mid-response
    k.kiosk->offer_server_config(tp, next);
    k.kiosk->tick();
    CHECK(k.view().survey->version == 1);
    k.ask({C::skip});
    k.ask({C::dismiss_thank_you});
    CHECK(k.view().survey->version == 2);
    CHECK(k.view().survey->question.at("en") == "How was your stay?");
    CHECK(k.kiosk->texts_version() != texts); // the fonts follow
}

TEST_CASE("the customer's view names the open response's answers", "[runtime][input]") {
    Kiosk k;
    k.ask({C::choose_language, 0, "mi"});
    k.ask({C::toggle_contrast});
    k.ask({C::rate, 2});
    const CustomerView v = k.view();
    CHECK(v.screen == Screen::reasons);
    CHECK(v.score == 2);
    CHECK(v.language == "mi");
    CHECK(v.high_contrast);
    REQUIRE(v.survey);
    CHECK(v.survey->id == "visit");
    CHECK(k.only_row().language == "mi");
}
