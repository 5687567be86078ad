// staff_gallery: draws every staff screen in a real window with figures from
// a real database (a month of generated taps) and saves one PNG per screen:
// `staff_gallery OUT_DIR WIDTHxHEIGHT` writes staff-<screen>-<W>x<H>.png and
// prints the file names, one a line.
#include "app/alerts.h"
#include "app/local_database.h"
#include "app/staff_dashboard.h"
#include "app/staff_sync.h"
#include "core/local_time.h"
#include "core/survey.h"
#include "core/uuid.h"
#include "platform/window.h"
#include "ui/staff_screens.h"
#include "ui/theme.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace touchpoint;
using namespace std::chrono;

namespace {

// The gallery's data must all be there: a failed write ends it.
void must(const Status& st) {
    if (st) return;
    std::fprintf(stderr, "staff_gallery: %s\n", st.error().c_str());
    std::exit(1);
}

const std::string k_assets = TOUCHPOINT_ASSETS_DIR;

bool parse_size(const std::string& text, int& w, int& h) {
    char x = 0;
    return std::sscanf(text.c_str(), "%d%c%d", &w, &x, &h) == 3 && (x == 'x' || x == 'X') &&
           w >= 320 && h >= 240;
}

// A month of taps at a checkout: busy at lunch, a bad spell some afternoons.
void fill(LocalDatabase& database, const Survey& survey, const TouchPointSettings& tp,
          system_clock::time_point now) {
    std::mt19937 rng(20260330);
    const auto start = now - hours{24 * 30};
    const char* comments[] = {"Quick and friendly, thanks!", "Waited too long at the till",
                              "Lovely staff", "Card machine was slow"};
    int seq = 0;
    for (auto t = start; t < now; t += minutes{std::uniform_int_distribution<int>(4, 22)(rng)}) {
        const LocalStamp s = local_stamp(tp.time_zone, t);
        if (!tp.opening_hours.is_open(s.weekday, s.minute_of_day)) continue;
        const bool bad_spell = s.hour >= 15 && s.hour < 17 && s.weekday % 3 == 0;
        std::discrete_distribution<int> pick(bad_spell
                                                 ? std::initializer_list<double>{3, 3, 3, 2}
                                                 : std::initializer_list<double>{1, 1, 5, 12});
        Response r;
        r.id = make_uuid();
        r.device_id = "gallery";
        r.touch_point = tp.key;
        r.survey_id = survey.id;
        r.survey_version = survey.version;
        r.question_id = survey.question_id;
        r.scale = survey.scale;
        r.score = pick(rng) + 1;
        r.language = "en";
        r.utc_ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
        r.local_time = s.iso;
        r.local_day = s.day;
        r.local_hour = s.hour;
        r.misuse = (++seq % 37) == 0;
        for (const auto& reason : survey.reasons_for(r.score))
            if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
                r.reasons.push_back(reason.id);
                break;
            }
        if (seq % 23 == 0) r.comment = comments[seq % 4];
        must(database.insert_open(r));
        must(database.close(r.id));
    }
}

} // namespace

int main(int argc, char** argv) {
    int width = 0, height = 0;
    if (argc != 3 || !parse_size(argv[2], width, height)) {
        std::fprintf(stderr, "usage: staff_gallery OUT_DIR WIDTHxHEIGHT\n");
        return 2;
    }
    const std::string out_dir = argv[1];
    auto survey = load_survey_file(k_assets + "/surveys/checkout.toml");
    if (!survey) {
        std::fprintf(stderr, "staff_gallery: %s\n", survey.error().c_str());
        return 1;
    }
    TouchPointSettings tp;
    tp.key = "demo-checkout-1";
    tp.name = "Checkout 1";
    tp.store = "Demo Store";
    tp.time_zone = "Pacific/Auckland";
    tp.service_standard = 85;
    tp.cx_statement = "Every customer leaves knowing we were glad they came.";
    tp.opening_hours.days[6].clear(); // closed on Sundays
    for (int d = 0; d < 6; ++d)
        tp.opening_hours.days[static_cast<std::size_t>(d)] = {{8 * 60, 21 * 60}};
    // A real file, so the health panel shows a database size and free space.
    char dir_template[] = "/tmp/touchpoint-gallery-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (!dir) {
        std::fprintf(stderr, "staff_gallery: cannot make a temporary folder\n");
        return 1;
    }
    const std::string db = std::string(dir) + "/responses.db";
    auto opened = LocalDatabase::open(db);
    if (!opened) {
        std::fprintf(stderr, "staff_gallery: %s\n", opened.error().c_str());
        return 1;
    }
    LocalDatabase& database = **opened;
    // A fixed "now" (a Tuesday afternoon) so the pictures are repeatable.
    const system_clock::time_point now{milliseconds{1'774'926'000'000}};
    fill(database, *survey, tp, now);
    must(database.record_event(
        k_low_score_alert_kind, "3 lowest answers (score 1) within 10 minutes.",
        duration_cast<milliseconds>(now.time_since_epoch()).count() - 25 * 60'000));
    must(database.record_event(
        "corruption_recovered",
        "The database was damaged; 1,204 responses were recovered and the damaged file kept.",
        duration_cast<milliseconds>(now.time_since_epoch()).count() - 3 * 3'600'000));

    platform::WindowOptions wo;
    wo.fullscreen = false;
    wo.width = width;
    wo.height = height;
    wo.title = "Touchpoint staff gallery";
    std::string error;
    auto window = platform::Window::create(wo, error);
    if (!window) {
        std::fprintf(stderr, "staff_gallery: %s\n", error.c_str());
        return 1;
    }
    const auto [fw, fh] = window->size();
    const float dpi = 96.0f;
    std::vector<float> sizes =
        ui::font_pixel_sizes(static_cast<float>(fw), static_cast<float>(fh), dpi);
    for (float px : ui::staff_font_pixel_sizes(static_cast<float>(fw), static_cast<float>(fh), dpi))
        sizes.push_back(px);
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    std::vector<std::string> texts = ui::staff_texts();
    texts.push_back(tp.cx_statement);
    window->load_fonts(sizes, texts);

    const ui::Look look{false, false, dpi};
    ui::StaffChrome chrome;
    chrome.role = Role::manager;
    chrome.title = tp.name + " · " + tp.store;
    chrome.sync_note = "not configured";
    chrome.look = look;

    const StaffDashboard dash = build_staff_dashboard(database, *survey, tp, "en", now);
    const HuddleModel huddle = build_huddle(database, *survey, tp, "en", now);
    SyncNotConfigured sync;
    const HealthModel health = build_health(database, sync, TOUCHPOINT_VERSION, tp.time_zone);
    SettingsModel settings;
    for (const char* code : {"en", "mi", "es", "fr", "zh"})
        settings.languages.emplace_back(code, language_display_name(code));
    settings.language = "en";
    settings.dim_timeout_s = 120;
    for (const char* name :
         {"checkout", "helpdesk-csat", "restroom-thumbs", "returns-ces", "store-nps"}) {
        auto s = load_survey_file(k_assets + "/surveys/" + name + ".toml");
        if (s)
            settings.surveys.push_back(
                {name, s->id + " (" + std::string(to_string(s->scale)) + ")"});
    }
    settings.survey_path = "checkout";
    settings.scale = survey->scale;
    settings.headline_name = "CSAT";
    settings.standard = 85;
    settings.notice = "Saved.";

    ConnectModel connect;
    connect.server_url = "https://hq.example.com:8443";
    connect.code = "7KQ2-M9X";
    connect.field = EnrolmentField::code;
    ConnectModel wrong = connect;
    wrong.phase = EnrolmentPhase::failed;
    wrong.problem = EnrolmentProblem::wrong_code;
    wrong.message = "The code was not accepted. Check it and type it again, or ask head office for "
                    "a new one.";
    ConnectModel connected;
    connected.server_url = connect.server_url;
    connected.connected_to = connect.server_url;
    connected.phase = EnrolmentPhase::connected;
    connected.message = "Connected to head office as device \"Touchpoint kiosk 3f9a02c1\" for "
                        "Auckland Central / Checkout 1. The survey from head office starts when "
                        "you close the staff area.";

    PinPadModel pin;
    pin.title = "Staff sign-in";
    pin.prompt = "Enter your PIN";
    pin.entered = 3;
    PinPadModel locked = pin;
    locked.entered = 0;
    locked.locked = true;
    locked.locked_seconds = 27;
    locked.message = "Locked — try again in 27 s";
    PinPadModel first;
    first.title = "Welcome — set a manager PIN";
    first.prompt = "Enter the same PIN again";
    first.entered = 4;
    first.can_cancel = false;

    struct Shot {
        std::string name;
        std::function<void()> draw;
    };
    auto with = [chrome](StaffScreen s) {
        ui::StaffChrome c = chrome;
        c.screen = s;
        c.open_alerts = 1;
        return c;
    };
    const std::vector<Shot> shots = {
        {"pin", [&] { ui::draw_pin_pad(pin, look); }},
        {"pin-locked", [&] { ui::draw_pin_pad(locked, look); }},
        {"first-start", [&] { ui::draw_pin_pad(first, look); }},
        {"dashboard", [&] { ui::draw_dashboard(dash, with(StaffScreen::dashboard)); }},
        {"huddle", [&] { ui::draw_huddle(huddle, with(StaffScreen::huddle)); }},
        {"health", [&] { ui::draw_health(health, with(StaffScreen::health)); }},
        {"settings", [&] { ui::draw_settings(settings, with(StaffScreen::settings)); }},
        {"connect", [&] { ui::draw_connect(connect, with(StaffScreen::connect)); }},
        {"connect-wrong-code", [&] { ui::draw_connect(wrong, with(StaffScreen::connect)); }},
        {"connect-connected", [&] { ui::draw_connect(connected, with(StaffScreen::connect)); }},
    };
    ui::apply_theme(false);
    int failures = 0;
    const std::string suffix = "-" + std::to_string(fw) + "x" + std::to_string(fh) + ".png";
    for (const Shot& shot : shots) {
        for (int i = 0; i < 2; ++i) {
            window->wait_events(0);
            window->begin_frame();
            shot.draw();
            window->end_frame();
        }
        const std::string path = out_dir + "/staff-" + shot.name + suffix;
        if (window->save_screenshot(path))
            std::printf("%s\n", path.c_str());
        else
            ++failures;
    }
    opened->reset();
    for (const char* tail : {"", "-wal", "-shm", "-lock"})
        std::remove((db + tail).c_str());
    ::rmdir(dir);
    return failures == 0 ? 0 : 1;
}
