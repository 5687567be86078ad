// "Connect to head office" on a running kiosk: the form typed on the
// on-screen keyboard, the enrolment started through the sync seam, what the
// manager reads after each outcome, and what is saved on the device (nothing
// on a failure; the identity as `touchpoint-kiosk enroll` saves it on success).
#include "app/kiosk_runtime.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace touchpoint;
using namespace std::chrono;
using touchpoint::test::TempDir;
using K = StaffIntent::Kind;

namespace {

// The pointer of a frame with a finger down at (x, y), or just lifted there.
Pointer press_at(float x, float y) { return {true, x, y, true, true, false, true}; }
Pointer release_at(float x, float y) { return {true, x, y, false, false, true, true}; }

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

KioskConfig config(const TempDir& dir, const std::string& pin_hash) {
    write(dir.file("survey.toml"), R"(id = "visit"
version = 1
scale = "smiley5"
[question]
en = "How was your visit?"
[thank_you]
en = "Thank you!"
)");
    write(dir.file("kiosk.toml"), "[device]\ndefault_language = \"en\"\nmanager_pin_hash = \"" +
                                      pin_hash + "\"\nstaff_pin_hash = \"" + *hash_pin("1357") +
                                      "\"\n" + R"(
[touch_point]
key = "front"
name = "Front desk"
time_zone = "UTC"
response_interval_s = 5
survey = "survey.toml"
)");
    auto cfg = load_kiosk_config(dir.file("kiosk.toml"));
    REQUIRE(cfg.ok());
    return *cfg;
}

// The sync seam with an enrolment the test answers by hand.
struct FakeHeadOffice final : SyncControl {
    std::vector<EnrolmentRequest> requests;
    std::optional<EnrolmentOutcome> answer; // handed over once
    bool busy = false;
    std::vector<std::pair<std::string, std::string>> started; // server, token
    SyncStatus status() const override { return SyncNotConfigured().status(); }
    bool request_sync() override { return false; }
    bool begin_enrolment(const EnrolmentRequest& r) override {
        if (busy) return false;
        requests.push_back(r);
        busy = true;
        return true;
    }
    std::optional<EnrolmentOutcome> take_enrolment_outcome() override {
        if (!answer) return std::nullopt;
        busy = false;
        auto out = std::move(answer);
        answer.reset();
        return out;
    }
    Status start_syncing(const std::string& server, const std::string& token) override {
        started.emplace_back(server, token);
        return Status::success();
    }
};

struct Kiosk {
    TempDir dir;
    ManualClock clock{system_clock::time_point(milliseconds(1'774'864'800'000))};
    FakeHeadOffice office;
    std::unique_ptr<LocalDatabase> database;
    std::unique_ptr<KioskRuntime> kiosk;

    Kiosk() {
        auto id = DeviceIdentity::load_or_create(dir.file("data"));
        REQUIRE(id.ok());
        auto s = LocalDatabase::open(dir.file("data/responses.db"));
        REQUIRE(s.ok());
        database = std::move(s).value();
        RuntimeOptions o{dir.file("data"), "", "9.9.9"};
        auto k =
            KioskRuntime::create(config(dir, *hash_pin("2468")), *id, *database, clock, office, o);
        REQUIRE(k.ok());
        kiosk = std::move(k).value();
    }
    void sign_in(const std::string& pin) {
        kiosk->pointer(press_at(5, 5));
        clock.advance(milliseconds{3000});
        kiosk->tick();
        kiosk->pointer(release_at(5, 5));
        for (char c : pin)
            kiosk->handle({K::digit, c - '0'});
        kiosk->handle({K::ok});
        kiosk->tick();
    }
    void open_connect() {
        sign_in("2468");
        kiosk->handle({K::show_settings});
        kiosk->handle({K::show_connect});
        REQUIRE(kiosk->screen_name() == "staff_connect");
    }
    void type(const std::string& text) {
        for (char c : text)
            kiosk->handle({K::type_text, 0, 0, 0, std::string(1, c)});
    }
    void field(EnrolmentField f) {
        kiosk->handle({K::select_field, 0, 0, f == EnrolmentField::code ? 1.0 : 0.0});
    }
    const ConnectModel& model() const { return kiosk->connect_model(); }
    nlohmann::json trace() const { return nlohmann::json::parse(kiosk->trace_line()); }
};

EnrolmentOutcome refused(EnrolmentProblem p, const std::string& message) {
    EnrolmentOutcome o;
    o.problem = p;
    o.message = message;
    return o;
}

EnrolmentOutcome enrolled() {
    EnrolmentOutcome o;
    o.enrolled = {"http://127.0.0.1:8080", "9d2b3c1e-0000-4000-8000-000000000001", "TOKEN-1",
                  "Touchpoint kiosk 12345678", "akl", "Auckland Central", "akl-checkout-1",
                  "Checkout 1"};
    return o;
}

} // namespace

TEST_CASE("the form: typing, erasing, limits, and what must be typed before connecting",
          "[enrolment]") {
    FakeHeadOffice office;
    EnrolmentForm f;
    f.open("");
    f.type("hq.example");
    f.type(".com");
    f.erase();
    CHECK(f.model().server_url == "hq.example.co");
    f.select(EnrolmentField::code);
    f.type("ā");
    f.erase(); // a whole character, not half of it
    CHECK(f.model().code.empty());
    for (int i = 0; i < 100; ++i)
        f.type("X");
    CHECK(f.model().code.size() == EnrolmentForm::k_max_code);
    f.clear();
    CHECK(f.model().code.empty());
    CHECK(f.model().server_url == "hq.example.co");

    // Nothing is sent without a code; the form says what is missing.
    CHECK_FALSE(f.connect(office, "kiosk"));
    CHECK(office.requests.empty());
    CHECK(f.model().phase == EnrolmentPhase::failed);
    CHECK(f.model().message == "Type the one-time code from head office.");
    CHECK(f.model().field == EnrolmentField::code);

    EnrolmentForm empty;
    empty.select(EnrolmentField::code);
    empty.type("ABCD");
    CHECK_FALSE(empty.connect(office, "kiosk"));
    CHECK(empty.model().field == EnrolmentField::server_url);
    CHECK_THAT(empty.model().message, Catch::Matchers::Contains("server's address"));

    CHECK(EnrolmentForm::normalise_url("  hq.example.com ") == "https://hq.example.com");
    CHECK(EnrolmentForm::normalise_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080");
    CHECK(EnrolmentForm::normalise_url("   ").empty());
}

TEST_CASE("a wrong code is shown in plain words and changes nothing on the device; the right "
          "one saves the identity and starts sync",
          "[enrolment][runtime]") {
    Kiosk k;
    const std::string identity_before = read(k.dir.file("data/identity.json"));
    const auto before = DeviceIdentity::load_or_create(k.dir.file("data"));
    REQUIRE(before.ok());
    const std::string old_device = k.kiosk->flow().settings().device_id;
    k.open_connect();
    CHECK(k.model().phase == EnrolmentPhase::idle);
    CHECK(k.kiosk->settings().standalone);

    k.type("http://127.0.0.1:8080");
    k.field(EnrolmentField::code);
    k.type("WRONG-CODE");
    k.kiosk->handle({K::connect});
    REQUIRE(k.office.requests.size() == 1);
    CHECK(k.office.requests[0].server_url == "http://127.0.0.1:8080");
    CHECK(k.office.requests[0].code == "WRONG-CODE");
    CHECK(k.office.requests[0].device_name.rfind("Touchpoint kiosk ", 0) == 0);
    CHECK(k.model().phase == EnrolmentPhase::connecting);
    // While connecting the frame loop looks again soon, without blocking.
    REQUIRE(k.kiosk->next_deadline());
    CHECK(k.kiosk->next_deadline()->count() <= 100);
    // A second Connect while one is under way sends nothing.
    k.kiosk->handle({K::connect});
    CHECK(k.office.requests.size() == 1);
    CHECK_FALSE(k.kiosk->tick()); // no answer yet: nothing to draw
    // Typing is ignored while connecting.
    k.type("Z");
    CHECK(k.model().code == "WRONG-CODE");

    k.office.answer = refused(EnrolmentProblem::wrong_code, "The code was not accepted.");
    CHECK(k.kiosk->tick()); // the outcome is drawn
    CHECK(k.model().phase == EnrolmentPhase::failed);
    CHECK(k.model().problem == EnrolmentProblem::wrong_code);
    CHECK(k.model().message == "The code was not accepted.");
    CHECK(k.trace()["problem"] == "wrong_code");
    CHECK(k.trace()["enrolment"] == "failed");
    // Nothing changed: the identity file, sync, the device id, standalone settings.
    CHECK(read(k.dir.file("data/identity.json")) == identity_before);
    CHECK(k.office.started.empty());
    CHECK(k.kiosk->flow().settings().device_id == old_device);
    CHECK(k.kiosk->settings().standalone);
    CHECK(k.kiosk->next_deadline()->count() > 100);

    // The right code.
    for (int i = 0; i < 10; ++i)
        k.kiosk->handle({K::back});
    CHECK(k.model().code.empty());
    k.type("7KQ2-M9XD");
    k.kiosk->handle({K::connect});
    REQUIRE(k.office.requests.size() == 2);
    k.office.answer = enrolled();
    CHECK(k.kiosk->tick());
    CHECK(k.model().phase == EnrolmentPhase::connected);
    CHECK(k.model().message ==
          "Connected to head office as device \"Touchpoint kiosk 12345678\" for Auckland Central / "
          "Checkout 1. The survey from head office starts when you close the staff area.");
    CHECK(k.model().code.empty()); // a used code is not kept
    REQUIRE(k.office.started.size() == 1);
    CHECK(k.office.started[0] == std::make_pair(std::string("http://127.0.0.1:8080"),
                                                std::string("TOKEN-1")));

    auto id = DeviceIdentity::load_or_create(k.dir.file("data"));
    REQUIRE(id.ok());
    CHECK(id->device_token == "TOKEN-1");
    CHECK(id->server_url == "http://127.0.0.1:8080");
    CHECK(id->device_id == "9d2b3c1e-0000-4000-8000-000000000001");
    CHECK(id->created_utc == before->created_utc); // the rest of the identity stays
    // The kiosk is now run by the server: no local survey or standard, and
    // new responses carry the server's device id.
    CHECK_FALSE(k.kiosk->settings().standalone);
    k.kiosk->handle({K::close});
    k.kiosk->tick();
    k.kiosk->handle(CustomerIntent{CustomerIntent::Kind::rate, 4});
    REQUIRE(k.kiosk->flow().screen() == Screen::thank_you);
    k.kiosk->handle(CustomerIntent{CustomerIntent::Kind::dismiss_thank_you});
    std::string device;
    REQUIRE(k.database
                ->for_each([&](const Response& r) {
                    device = r.device_id;
                    return true;
                })
                .ok());
    CHECK(device == "9d2b3c1e-0000-4000-8000-000000000001");
}

TEST_CASE("the other outcomes reach the manager as the seam words them; the field to fix is "
          "selected",
          "[enrolment][runtime]") {
    Kiosk k;
    k.open_connect();
    k.type("hq.example.com");
    k.field(EnrolmentField::code);
    k.type("ABCD");
    struct Case {
        EnrolmentProblem problem;
        EnrolmentField field;
    };
    for (Case c : {Case{EnrolmentProblem::expired_code, EnrolmentField::code},
                   Case{EnrolmentProblem::used_code, EnrolmentField::code},
                   Case{EnrolmentProblem::bad_address, EnrolmentField::server_url},
                   Case{EnrolmentProblem::unreachable, EnrolmentField::server_url},
                   Case{EnrolmentProblem::certificate, EnrolmentField::server_url}}) {
        INFO(to_string(c.problem));
        k.kiosk->handle({K::connect});
        CHECK(k.office.requests.back().server_url == "https://hq.example.com");
        k.office.answer = refused(c.problem, "words for " + std::string(to_string(c.problem)));
        k.kiosk->tick();
        CHECK(k.model().problem == c.problem);
        CHECK(k.model().message == "words for " + std::string(to_string(c.problem)));
        CHECK(k.model().field == c.field);
        CHECK(k.office.started.empty());
    }
    // Leaving and coming back clears the last outcome but keeps what was typed.
    k.kiosk->handle({K::show_settings});
    k.kiosk->handle({K::show_connect});
    CHECK(k.model().phase == EnrolmentPhase::idle);
    CHECK(k.model().message.empty());
    CHECK(k.model().server_url == "hq.example.com");
}

TEST_CASE("only a manager reaches Connect to head office, and only from the settings",
          "[enrolment][runtime]") {
    Kiosk k;
    k.sign_in("1357"); // staff
    k.kiosk->handle({K::show_connect});
    CHECK(k.kiosk->screen_name() == "staff_dashboard");
    k.kiosk->handle({K::close});
    k.sign_in("2468");
    k.kiosk->handle({K::show_connect}); // from the dashboard: no
    CHECK(k.kiosk->screen_name() == "staff_dashboard");
    k.kiosk->handle({K::show_settings});
    k.kiosk->handle({K::show_connect});
    CHECK(k.kiosk->screen_name() == "staff_connect");
    // Without a sync client the kiosk says it cannot connect.
    SyncNotConfigured none;
    EnrolmentForm f;
    f.type("hq.example.com");
    f.select(EnrolmentField::code);
    f.type("ABCD");
    CHECK_FALSE(f.connect(none, "kiosk"));
    CHECK(f.model().problem == EnrolmentProblem::unavailable);
}
