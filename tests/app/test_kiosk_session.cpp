// The running kiosk behind the window: first start, the hidden entry, alerts
// raised by real taps and kept across a restart, pause, and manager settings
// that persist in the data dir.
#include "app/kiosk_session.h"
#include "test_store_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace touchpoint;
using namespace std::chrono;
using touchpoint::test::TempDir;
using K = StaffIntent::Kind;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// A standalone config: a smiley5 survey without follow-up, open around the
// clock, CSAT standard 85 %.
KioskConfig config(const TempDir& dir, const std::string& device_extra = "") {
    write(dir.file("survey.toml"), R"(id = "visit"
version = 1
scale = "smiley5"
[question]
en = "How was your visit?"
mi = "I pēhea tō toronga?"
[thank_you]
en = "Thank you!"
)");
    write(dir.file("kiosk.toml"), "[device]\ndefault_language = \"en\"\n" + device_extra + R"(
[touch_point]
key = "front"
name = "Front desk"
time_zone = "UTC"
response_interval_s = 5
thank_you_s = 2
service_standard = 85
survey = "survey.toml"
)");
    auto cfg = load_kiosk_config(dir.file("kiosk.toml"));
    INFO((cfg ? "" : cfg.error()));
    REQUIRE(cfg.ok());
    return *cfg;
}

int alert_events(const ResponseStore& store) {
    int n = 0;
    const auto events = store.events();
    for (const auto& e : *events)
        n += e.kind == "low_score_alert";
    return n;
}

struct Kiosk {
    TempDir& dir;
    ManualClock clock{
        system_clock::time_point(milliseconds(1'774'864'800'000))}; // 2026-03-30 10:00 UTC
    SyncNotConfigured sync;
    std::unique_ptr<ResponseStore> store;
    std::unique_ptr<KioskSession> session;

    explicit Kiosk(TempDir& d, const std::string& device_extra = "") : dir(d) {
        start(device_extra);
    }
    void start(const std::string& device_extra = "") {
        session.reset();
        store.reset();
        auto id = DeviceIdentity::load_or_create(dir.file("data"));
        REQUIRE(id.ok());
        auto s = ResponseStore::open(dir.file("data/responses.db"));
        REQUIRE(s.ok());
        store = std::move(s).value();
        SessionOptions o{dir.file("data"), std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys",
                         "9.9.9"};
        auto k = KioskSession::create(config(dir, device_extra), *id, *store, clock, sync, o);
        REQUIRE(k.ok());
        session = std::move(k).value();
    }
    void rate(int score) {
        session->tick();
        REQUIRE(session->flow().screen() == Screen::question);
        REQUIRE(session->flow().tap_rating(score).ok());
        session->flow().tap_thank_you();
        clock.advance(seconds{6}); // beyond the response interval
    }
    void hold_corner() {
        session->pointer(true, 5, 5, 45);
        clock.advance(milliseconds{3000});
        session->tick();
        session->pointer(false, 5, 5, 45);
    }
    void enter(const std::string& pin) {
        for (char c : pin)
            session->handle({K::digit, c - '0'});
        session->handle({K::ok});
        session->tick();
    }
};

std::string pin_hash_line(const std::string& pin) {
    return "manager_pin_hash = \"" + *hash_pin(pin) + "\"\n";
}

} // namespace

TEST_CASE("first start asks for a manager PIN and keeps it in identity.json",
          "[session][first-start]") {
    TempDir dir;
    Kiosk k(dir);
    CHECK(k.session->staff_visible());
    CHECK(k.session->screen_name() == "staff_set_pin");
    k.enter("4321");
    k.enter("4321");
    CHECK_FALSE(k.session->staff_visible());
    CHECK(k.session->screen_name() == "question");

    auto id = DeviceIdentity::load_or_create(dir.file("data"));
    REQUIRE(id.ok());
    CHECK(verify_pin(id->manager_pin_hash, "4321"));

    // The next start goes straight to the survey; the PIN opens the manager's area.
    k.start();
    CHECK(k.session->screen_name() == "question");
    k.hold_corner();
    CHECK(k.session->screen_name() == "staff_pin");
    k.enter("4321");
    CHECK(k.session->screen_name() == "staff_dashboard");
    CHECK(k.session->staff().role() == Role::manager);
}

TEST_CASE("a manager PIN hash in the config skips the first start", "[session][first-start]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    CHECK(k.session->screen_name() == "question");
    k.hold_corner();
    k.enter("1111");
    CHECK(k.session->staff().role() == Role::manager);
}

TEST_CASE("the corner hold opens the PIN pad only after 3 s, and taps are counted on the dashboard",
          "[session]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    for (int s : {5, 4, 1})
        k.rate(s);
    k.session->pointer(true, 5, 5, 45);
    k.clock.advance(milliseconds{2900});
    k.session->tick();
    CHECK(k.session->screen_name() == "question");
    CHECK(k.session->next_deadline() <= milliseconds{100});
    k.clock.advance(milliseconds{100});
    CHECK(k.session->tick()); // the screen changed
    CHECK(k.session->screen_name() == "staff_pin");
    k.session->pointer(false, 5, 5, 45);
    k.enter("1111");
    const auto trace = nlohmann::json::parse(k.session->trace_line());
    CHECK(trace["screen"] == "staff_dashboard");
    CHECK(trace["count"] == 3);
    CHECK(trace["headline"].get<double>() == Approx(200.0 / 3));
    CHECK(trace["distribution"]["1"] == 1);
    CHECK(trace["distribution"]["5"] == 1);
}

TEST_CASE("pause shows the paused screen and records nothing until resumed", "[session]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.session->handle({K::pause});
    CHECK(k.session->flow().paused());
    k.session->handle({K::close});
    CHECK(k.session->screen_name() == "paused");
    CHECK_FALSE(k.session->flow().tap_rating(5).ok());
    CHECK(*k.store->count() == 0);
    k.hold_corner();
    k.enter("1111");
    k.session->handle({K::resume});
    k.session->handle({K::close});
    k.rate(5);
    CHECK(*k.store->count() == 1);
}

TEST_CASE("three lowest answers raise a persisted alert that survives a restart",
          "[session][alerts]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    for (int i = 0; i < 3; ++i)
        k.rate(1);
    REQUIRE(alert_events(*k.store) == 1);
    CHECK_FALSE(k.store->events()->back().acknowledged);

    k.start(pin_hash_line("1111")); // restart
    k.hold_corner();
    k.enter("1111");
    REQUIRE(k.session->dashboard().alerts.size() == 1);
    // The restart does not raise it again: one more lowest answer is not three.
    k.session->handle({K::close});
    k.rate(1);
    CHECK(alert_events(*k.store) == 1);

    k.hold_corner();
    k.enter("1111");
    k.session->handle({K::acknowledge, 0, k.session->dashboard().alerts.at(0).event_id});
    k.session->tick();
    CHECK(k.session->dashboard().alerts.empty());
}

TEST_CASE("manager settings persist in the data dir and apply at once", "[session][settings]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.session->handle({K::show_settings});
    SettingsModel s = k.session->settings();
    CHECK(s.standalone);
    CHECK(s.language == "en");
    CHECK(s.standard == 85);
    CHECK(s.surveys.size() >= 5); // assets/surveys/*.toml

    k.session->handle({K::set_language, 0, 0, 0, "mi"});
    k.session->handle({K::set_dim_timeout, 0, 0, 300});
    k.session->handle({K::set_standard, 0, 0, 80});
    CHECK(k.session->settings().notice == "Saved.");
    CHECK(k.session->flow().settings().default_language == "mi");
    CHECK(k.session->flow().language() == "mi");
    CHECK(k.session->config().touch_point->service_standard == 80);

    // A survey from the list: the flow asks it at once.
    std::string nps;
    for (const auto& c : s.surveys)
        if (c.label.find("nps") != std::string::npos) nps = c.path;
    REQUIRE_FALSE(nps.empty());
    k.session->handle({K::set_survey, 0, 0, 0, nps});
    CHECK(k.session->flow().settings().survey.scale == Scale::nps);
    CHECK(k.session->settings().survey_path == nps);
    // The NPS survey has no Māori question here? Then the language fell back.
    const auto langs = k.session->flow().settings().survey.languages();
    CHECK(std::find(langs.begin(), langs.end(), k.session->config().device.default_language) !=
          langs.end());

    // A language the survey lacks is refused, and says why.
    k.session->handle({K::set_language, 0, 0, 0, "xx"});
    CHECK(k.session->settings().notice.find("no question in \"xx\"") != std::string::npos);

    // Restart: the file in the data dir still applies.
    const std::string lang = k.session->config().device.default_language;
    k.start(pin_hash_line("1111"));
    CHECK(k.session->config().device.dim_timeout_s == 300);
    CHECK(k.session->config().touch_point->service_standard == 80);
    CHECK(k.session->config().survey.scale == Scale::nps);
    CHECK(k.session->config().device.default_language == lang);

    auto saved = DeviceOverrides::load(dir.file("data"));
    REQUIRE(saved.ok());
    CHECK(saved->dim_timeout_s == std::optional<double>(300));
    CHECK(saved->survey_path == std::optional<std::string>(nps));
}

TEST_CASE("a damaged settings file leaves the config in charge and says so",
          "[session][settings]") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("data"));
    write(dir.file("data/device_settings.json"), "{ not json");
    Kiosk k(dir, pin_hash_line("1111"));
    REQUIRE(k.session->warnings().size() == 1);
    CHECK(k.session->warnings()[0].find("damaged") != std::string::npos);
    CHECK(k.session->config().device.default_language == "en");
}

TEST_CASE("an enrolled kiosk keeps its survey and standard from the server",
          "[session][settings]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111") + "server_url = \"https://cx.example.com\"\n");
    k.hold_corner();
    k.enter("1111");
    k.session->handle({K::show_settings});
    CHECK_FALSE(k.session->settings().standalone);
    CHECK(k.session->settings().surveys.empty());
    k.session->handle({K::set_standard, 0, 0, 50});
    CHECK(k.session->config().touch_point->service_standard == 85);
    CHECK(k.session->settings().notice.find("server") != std::string::npos);
    k.session->handle({K::set_dim_timeout, 0, 0, 60}); // device settings still apply
    CHECK(k.session->config().device.dim_timeout_s == 60);
}
