// The running kiosk behind the window: first start, the hidden entry, alerts
// raised by real taps and kept across a restart, pause, and manager settings
// that persist in the data dir.
#include "app/kiosk_runtime.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include <fstream>
#include <nlohmann/json.hpp>

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

int alert_events(const LocalDatabase& database) {
    int n = 0;
    const auto events = database.events();
    for (const auto& e : *events)
        n += e.kind == "low_score_alert";
    return n;
}

// What the sync thread would report: not configured unless a test says otherwise.
struct TestSync final : SyncControl {
    SyncStatus shown = SyncNotConfigured().status();
    SyncStatus status() const override { return shown; }
    bool request_sync() override { return false; }
};

struct Kiosk {
    TempDir& dir;
    ManualClock clock{
        system_clock::time_point(milliseconds(1'774'864'800'000))}; // 2026-03-30 10:00 UTC
    TestSync sync;
    std::unique_ptr<LocalDatabase> database;
    std::unique_ptr<KioskRuntime> kiosk;
    std::string surveys_dir = std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys";

    explicit Kiosk(TempDir& d, const std::string& device_extra = "") : dir(d) {
        start(device_extra);
    }
    void start(const std::string& device_extra = "") {
        kiosk.reset();
        database.reset();
        auto id = DeviceIdentity::load_or_create(dir.file("data"));
        REQUIRE(id.ok());
        auto s = LocalDatabase::open(dir.file("data/responses.db"));
        REQUIRE(s.ok());
        database = std::move(s).value();
        RuntimeOptions o{dir.file("data"), surveys_dir, "9.9.9"};
        auto k = KioskRuntime::create(config(dir, device_extra), *id, *database, clock, sync, o);
        REQUIRE(k.ok());
        kiosk = std::move(k).value();
    }
    void rate(int score) {
        kiosk->tick();
        REQUIRE(kiosk->flow().screen() == Screen::question);
        kiosk->handle(CustomerIntent{CustomerIntent::Kind::rate, score});
        REQUIRE(kiosk->flow().screen() == Screen::thank_you);
        kiosk->handle(CustomerIntent{CustomerIntent::Kind::dismiss_thank_you});
        clock.advance(seconds{6}); // beyond the response interval
    }
    void hold_corner() {
        kiosk->pointer(press_at(5, 5));
        clock.advance(milliseconds{3000});
        kiosk->tick();
        kiosk->pointer(release_at(5, 5));
    }
    void enter(const std::string& pin) {
        for (char c : pin)
            kiosk->handle({K::digit, c - '0'});
        kiosk->handle({K::ok});
        kiosk->tick();
    }
};

std::string pin_hash_line(const std::string& pin) {
    return "manager_pin_hash = \"" + *hash_pin(pin) + "\"\n";
}

} // namespace

TEST_CASE("first start asks for a manager PIN and keeps it in identity.json",
          "[runtime][first-start]") {
    TempDir dir;
    Kiosk k(dir);
    CHECK(k.kiosk->staff_visible());
    CHECK(k.kiosk->screen_name() == "staff_set_pin");
    k.enter("4321");
    k.enter("4321");
    CHECK_FALSE(k.kiosk->staff_visible());
    CHECK(k.kiosk->screen_name() == "question");

    auto id = DeviceIdentity::load_or_create(dir.file("data"));
    REQUIRE(id.ok());
    CHECK(verify_pin(id->manager_pin_hash, "4321"));

    // The next start goes straight to the survey; the PIN opens the manager's area.
    k.start();
    CHECK(k.kiosk->screen_name() == "question");
    k.hold_corner();
    CHECK(k.kiosk->screen_name() == "staff_pin");
    k.enter("4321");
    CHECK(k.kiosk->screen_name() == "staff_dashboard");
    CHECK(k.kiosk->staff().role() == Role::manager);
}

TEST_CASE("a manager PIN hash in the config skips the first start", "[runtime][first-start]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    CHECK(k.kiosk->screen_name() == "question");
    k.hold_corner();
    k.enter("1111");
    CHECK(k.kiosk->staff().role() == Role::manager);
}

TEST_CASE("the corner hold opens the PIN pad only after 3 s, and taps are counted on the dashboard",
          "[runtime]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    for (int s : {5, 4, 1})
        k.rate(s);
    k.kiosk->pointer(press_at(5, 5));
    k.clock.advance(milliseconds{2900});
    k.kiosk->tick();
    CHECK(k.kiosk->screen_name() == "question");
    CHECK(k.kiosk->next_deadline() <= milliseconds{100});
    k.clock.advance(milliseconds{100});
    CHECK(k.kiosk->tick()); // the screen changed
    CHECK(k.kiosk->screen_name() == "staff_pin");
    k.kiosk->pointer(release_at(5, 5));
    k.enter("1111");
    const auto trace = nlohmann::json::parse(k.kiosk->trace_line());
    CHECK(trace["screen"] == "staff_dashboard");
    CHECK(trace["count"] == 3);
    CHECK(trace["headline"].get<double>() == Approx(200.0 / 3));
    CHECK(trace["distribution"]["1"] == 1);
    CHECK(trace["distribution"]["5"] == 1);
}

TEST_CASE("pause shows the paused screen and records nothing until resumed", "[runtime]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::pause});
    CHECK(k.kiosk->flow().paused());
    k.kiosk->handle({K::close});
    CHECK(k.kiosk->screen_name() == "paused");
    k.kiosk->handle(CustomerIntent{CustomerIntent::Kind::rate, 5});
    CHECK(*k.database->count() == 0);
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::resume});
    k.kiosk->handle({K::close});
    k.rate(5);
    CHECK(*k.database->count() == 1);
}

TEST_CASE("three lowest answers raise a persisted alert that survives a restart",
          "[runtime][alerts]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    for (int i = 0; i < 3; ++i)
        k.rate(1);
    REQUIRE(alert_events(*k.database) == 1);
    CHECK_FALSE(k.database->events()->back().acknowledged);

    k.start(pin_hash_line("1111")); // restart
    k.hold_corner();
    k.enter("1111");
    REQUIRE(k.kiosk->dashboard().alerts.size() == 1);
    // The restart does not raise it again: one more lowest answer is not three.
    k.kiosk->handle({K::close});
    k.rate(1);
    CHECK(alert_events(*k.database) == 1);

    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::acknowledge, 0, k.kiosk->dashboard().alerts.at(0).event_id});
    k.kiosk->tick();
    CHECK(k.kiosk->dashboard().alerts.empty());
}

TEST_CASE("an idle staff screen asks for no frames; a lock countdown does, once a second",
          "[runtime][redraw]") {
    TempDir dir;
    Kiosk first(dir); // no manager PIN: "Welcome — set a manager PIN"
    REQUIRE(first.kiosk->screen_name() == "staff_set_pin");
    first.kiosk->tick(); // the figures are built once
    for (int i = 0; i < 20; ++i) {
        first.clock.advance(seconds{5}); // a night on this screen, in steps
        CHECK_FALSE(first.kiosk->tick());
    }
    const auto deadline = first.kiosk->next_deadline();
    CHECK((!deadline || deadline->count() >= 1000)); // nothing to count down

    TempDir other;
    Kiosk k(other, pin_hash_line("1111"));
    k.hold_corner();
    REQUIRE(k.kiosk->screen_name() == "staff_pin");
    k.kiosk->tick();
    k.clock.advance(seconds{1});
    CHECK_FALSE(k.kiosk->tick()); // the PIN pad, waiting
    for (int i = 0; i < StaffAuth::k_free_attempts; ++i)
        k.enter("9999");
    REQUIRE(k.kiosk->pin_pad().locked);
    k.clock.advance(seconds{1});
    CHECK(k.kiosk->tick()); // "try again in N s" counts down
}

TEST_CASE("the survey files are read when the settings screen opens, not on every frame",
          "[runtime][settings]") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("surveys"));
    const std::string assets = std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/";
    std::filesystem::copy_file(assets + "checkout.toml", dir.file("surveys/checkout.toml"));
    std::filesystem::copy_file(assets + "store-nps.toml", dir.file("surveys/store-nps.toml"));
    Kiosk k(dir, pin_hash_line("1111"));
    k.surveys_dir = dir.file("surveys");
    k.start(pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_settings});
    REQUIRE(k.kiosk->settings().surveys.size() == 2);

    // A file added while the screen is open is not seen by later frames...
    std::filesystem::copy_file(assets + "helpdesk-csat.toml",
                               dir.file("surveys/helpdesk-csat.toml"));
    for (int frame = 0; frame < 5; ++frame) {
        k.kiosk->tick();
        CHECK(k.kiosk->settings().surveys.size() == 2);
    }
    // ...nor a file removed (the list is the one read at opening).
    std::filesystem::remove(dir.file("surveys/checkout.toml"));
    CHECK(k.kiosk->settings().surveys.size() == 2);

    // Opened again: read again.
    k.kiosk->handle({K::close});
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_settings});
    const auto surveys = k.kiosk->settings().surveys;
    REQUIRE(surveys.size() == 2);
    CHECK(surveys[0].path == dir.file("surveys/helpdesk-csat.toml"));
    CHECK(surveys[1].path == dir.file("surveys/store-nps.toml"));
}

TEST_CASE("manager settings persist in the data dir and apply at once", "[runtime][settings]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_settings});
    SettingsModel s = k.kiosk->settings();
    CHECK(s.standalone);
    CHECK(s.language == "en");
    CHECK(s.standard == 85);
    CHECK(s.surveys.size() >= 5); // assets/surveys/*.toml

    k.kiosk->handle({K::set_language, 0, 0, 0, "mi"});
    k.kiosk->handle({K::set_dim_timeout, 0, 0, 300});
    k.kiosk->handle({K::set_standard, 0, 0, 80});
    CHECK(k.kiosk->settings().notice == "Saved.");
    CHECK(k.kiosk->flow().settings().default_language == "mi");
    CHECK(k.kiosk->flow().language() == "mi");
    CHECK(k.kiosk->config().touch_point->service_standard == 80);

    // A survey from the list: the flow asks it at once.
    std::string nps;
    for (const auto& c : s.surveys)
        if (c.label.find("nps") != std::string::npos) nps = c.path;
    REQUIRE_FALSE(nps.empty());
    k.kiosk->handle({K::set_survey, 0, 0, 0, nps});
    CHECK(k.kiosk->flow().settings().survey.scale == Scale::nps);
    CHECK(k.kiosk->settings().survey_path == nps);
    // The NPS survey has no Māori question here? Then the language fell back.
    const auto langs = k.kiosk->flow().settings().survey.languages();
    CHECK(std::find(langs.begin(), langs.end(), k.kiosk->config().device.default_language) !=
          langs.end());

    // A language the survey lacks is refused, and says why.
    k.kiosk->handle({K::set_language, 0, 0, 0, "xx"});
    CHECK(k.kiosk->settings().notice.find("no question in \"xx\"") != std::string::npos);

    // Restart: the file in the data dir still applies.
    const std::string lang = k.kiosk->config().device.default_language;
    k.start(pin_hash_line("1111"));
    CHECK(k.kiosk->config().device.dim_timeout_s == 300);
    CHECK(k.kiosk->config().touch_point->service_standard == 80);
    CHECK(k.kiosk->config().survey.scale == Scale::nps);
    CHECK(k.kiosk->config().device.default_language == lang);

    auto saved = DeviceOverrides::load(dir.file("data"));
    REQUIRE(saved.ok());
    CHECK(saved->dim_timeout_s == std::optional<double>(300));
    // By its name in the surveys folder, not the installation's path.
    CHECK(saved->survey_path ==
          std::optional<std::string>(std::filesystem::path(nps).filename().string()));
}

namespace {

// The surveys folder of an installation at `folder` (a copy of two of the
// assets' surveys).
std::string install_surveys(const std::string& folder) {
    std::filesystem::create_directories(folder);
    const std::string assets = std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/";
    std::filesystem::copy_file(assets + "checkout.toml", folder + "/checkout.toml");
    std::filesystem::copy_file(assets + "store-nps.toml", folder + "/store-nps.toml");
    return folder;
}

nlohmann::json saved_settings(const TempDir& dir) {
    std::ifstream in(dir.file("data/device_settings.json"));
    return nlohmann::json::parse(in);
}

} // namespace

TEST_CASE("the manager's survey is saved by name and found again after the installation moves",
          "[runtime][settings]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    k.surveys_dir = install_surveys(dir.file("usr/share/touchpoint/surveys"));
    k.start(pin_hash_line("1111"));
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_settings});
    std::string nps;
    for (const auto& c : k.kiosk->settings().surveys)
        if (c.label.find("nps") != std::string::npos) nps = c.path;
    REQUIRE(nps == k.surveys_dir + "/store-nps.toml");
    k.kiosk->handle({K::set_survey, 0, 0, 0, nps});
    REQUIRE(k.kiosk->config().survey.scale == Scale::nps);

    // device_settings.json names the file, not where it was found.
    const nlohmann::json saved = saved_settings(dir);
    CHECK(saved["survey"] == "store-nps.toml");
    CHECK(saved.dump().find(dir.path()) == std::string::npos);

    // The installation moves (another prefix, an upgrade): the old folder is
    // gone, the choice holds in the new one.
    k.surveys_dir = install_surveys(dir.file("opt/touchpoint/share/surveys"));
    std::filesystem::remove_all(dir.file("usr"));
    k.start(pin_hash_line("1111"));
    CHECK(k.kiosk->warnings().empty());
    CHECK(k.kiosk->config().survey.scale == Scale::nps);
    CHECK(k.kiosk->config().survey_path == k.surveys_dir + "/store-nps.toml");
    CHECK(k.kiosk->flow().settings().survey.scale == Scale::nps);
}

TEST_CASE("a survey saved as an absolute path by an older version still loads",
          "[runtime][settings]") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("data"));
    const std::string surveys = install_surveys(dir.file("share/surveys"));
    auto settings_with = [&](const std::string& survey) {
        write(dir.file("data/device_settings.json"),
              nlohmann::json{{"survey", survey}, {"dim_timeout_s", 60}}.dump());
    };
    Kiosk k(dir, pin_hash_line("1111"));
    k.surveys_dir = surveys;

    SECTION("the file is where the path says") {
        const std::string own = install_surveys(dir.file("elsewhere")) + "/store-nps.toml";
        settings_with(own);
        k.start(pin_hash_line("1111"));
        CHECK(k.kiosk->warnings().empty());
        CHECK(k.kiosk->config().survey_path == own);
        CHECK(k.kiosk->config().survey.scale == Scale::nps);
    }
    SECTION("the path was the source tree's, gone now: the same file in this installation") {
        settings_with("/home/build/touchpoint/assets/surveys/store-nps.toml");
        k.start(pin_hash_line("1111"));
        CHECK(k.kiosk->warnings().empty());
        CHECK(k.kiosk->config().survey_path == surveys + "/store-nps.toml");
        CHECK(k.kiosk->config().survey.scale == Scale::nps);
        CHECK(k.kiosk->config().device.dim_timeout_s == 60);

        // The next save names it by its file name.
        k.hold_corner();
        k.enter("1111");
        k.kiosk->handle({K::show_settings});
        k.kiosk->handle({K::set_dim_timeout, 0, 0, 300});
        REQUIRE(k.kiosk->settings().notice == "Saved.");
        CHECK(saved_settings(dir)["survey"] == "store-nps.toml");
        CHECK(saved_settings(dir)["dim_timeout_s"] == 300);
    }
    SECTION("a survey that is nowhere: the config's, with a warning") {
        settings_with("/home/build/touchpoint/assets/surveys/gone.toml");
        k.start(pin_hash_line("1111"));
        REQUIRE(k.kiosk->warnings().size() == 1);
        CHECK(k.kiosk->warnings()[0].find("gone.toml") != std::string::npos);
        CHECK(k.kiosk->config().survey.id == "visit");
    }
}

TEST_CASE("survey references: names inside the surveys folder, nothing outside it",
          "[runtime][settings]") {
    TempDir dir;
    const std::string surveys = install_surveys(dir.file("surveys"));
    CHECK(survey_reference(surveys + "/checkout.toml", surveys) == "checkout.toml");
    CHECK(survey_reference(surveys + "/../surveys/checkout.toml", surveys) == "checkout.toml");
    CHECK(survey_reference(dir.file("config/own.toml"), surveys) == dir.file("config/own.toml"));
    CHECK(*resolve_survey_reference("checkout.toml", surveys) == surveys + "/checkout.toml");
    const auto climbing = resolve_survey_reference("../surveys/checkout.toml", surveys);
    REQUIRE_FALSE(climbing.ok());
    CHECK(climbing.error() ==
          "The chosen survey \"../surveys/checkout.toml\" is not in the surveys folder.");
    const auto missing = resolve_survey_reference("missing.toml", surveys);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error() ==
          "The chosen survey \"missing.toml\" is not in the surveys folder " + surveys + ".");
}

TEST_CASE("a damaged settings file leaves the config in charge and says so",
          "[runtime][settings]") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("data"));
    write(dir.file("data/device_settings.json"), "{ not json");
    Kiosk k(dir, pin_hash_line("1111"));
    REQUIRE(k.kiosk->warnings().size() == 1);
    CHECK(k.kiosk->warnings()[0].find("damaged") != std::string::npos);
    CHECK(k.kiosk->config().device.default_language == "en");
}

TEST_CASE("an enrolled kiosk keeps its survey and standard from the server",
          "[runtime][settings]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111") + "server_url = \"https://cx.example.com\"\n");
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_settings});
    CHECK_FALSE(k.kiosk->settings().standalone);
    CHECK(k.kiosk->settings().surveys.empty());
    k.kiosk->handle({K::set_standard, 0, 0, 50});
    CHECK(k.kiosk->config().touch_point->service_standard == 85);
    CHECK(k.kiosk->settings().notice.find("server") != std::string::npos);
    k.kiosk->handle({K::set_dim_timeout, 0, 0, 60}); // device settings still apply
    CHECK(k.kiosk->config().device.dim_timeout_s == 60);
}

TEST_CASE("an error that reached the frame loop is shown in the health panel", "[runtime][fault]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    auto faults = [&] {
        int n = 0;
        const auto events = k.database->events();
        for (const auto& e : *events)
            n += e.kind == k_kiosk_fault_kind;
        return n;
    };
    CHECK(k.kiosk->report_fault("std::bad_alloc"));
    CHECK_FALSE(k.kiosk->report_fault("std::bad_alloc")); // the same, within a minute
    CHECK(k.kiosk->report_fault("json: type_error"));
    k.clock.advance(minutes{1});
    CHECK(k.kiosk->report_fault("json: type_error"));
    CHECK(faults() == 3);

    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_health});
    k.kiosk->tick();
    REQUIRE(k.kiosk->screen_name() == "staff_health");
    bool shown = false;
    for (const auto& e : k.kiosk->health().events)
        shown = shown || e.message.find("unexpected error and carried on: std::bad_alloc") !=
                             std::string::npos;
    CHECK(shown);
}

TEST_CASE("the diagnostics line survives text that is not UTF-8", "[runtime][fault]") {
    TempDir dir;
    Kiosk k(dir, pin_hash_line("1111"));
    // A sync error cut in the middle of a character.
    k.sync.shown.state = SyncPhase::retrying;
    k.sync.shown.last_error = "the server answered 503: caf\xc3";
    k.hold_corner();
    k.enter("1111");
    k.kiosk->handle({K::show_health});
    k.kiosk->tick();
    REQUIRE(k.kiosk->screen_name() == "staff_health");
    std::string line;
    REQUIRE_NOTHROW(line = k.kiosk->trace_line());
    const auto trace = nlohmann::json::parse(line);
    CHECK(trace["screen"] == "staff_health");
    CHECK(trace["sync"].get<std::string>().rfind("the server answered 503: caf", 0) == 0);
}
