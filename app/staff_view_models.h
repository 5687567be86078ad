#pragma once
// What the staff screens show and what they ask for (SPEC "The kiosk (staff
// side)"): plain view models and the staff intent, built in app/ (the staff
// area, app/staff_dashboard.h's builders, the runtime) and drawn by ui/. Nothing
// here reads the database: ui/ includes this header, never app/local_database.h.
#include "app/database_health.h"
#include "app/role.h"
#include "app/staff_sync.h"
#include "app/sync_status.h"
#include "core/metrics.h"
#include "core/scale.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace touchpoint {

enum class StaffScreen { closed, set_pin, pin, dashboard, huddle, health, settings, connect };
std::string_view to_string(StaffScreen s);

// What a staff screen asks for (returned by the ui::draw_* staff screens).
struct StaffIntent {
    enum class Kind {
        none,
        digit, // digit = 0..9
        clear,
        back, // delete the last digit
        ok,
        cancel, // leave the PIN pad
        close,  // leave the staff area
        show_dashboard,
        show_huddle,
        show_health,
        show_settings, // manager
        pause,
        resume,
        sync_now,
        acknowledge,        // id = database event id
        exit_kiosk,         // manager
        set_language,       // text = language code (manager)
        set_dim_timeout,    // value = seconds, 0 = never (manager)
        set_survey,         // text = survey file path (manager, standalone)
        set_standard,       // value = headline target (manager, standalone)
        change_manager_pin, // manager
        change_staff_pin,   // manager
        // "Connect to head office" (manager, from the settings screen):
        show_connect,
        select_field, // value = 0 the server address, 1 the one-time code
        type_text,    // text = what a key types into the selected field
        connect,      // enrol with the address and code typed
        // back deletes the selected field's last character, clear empties it
    };
    Kind kind = Kind::none;
    int digit = 0;
    std::int64_t id = 0;
    double value = 0;
    std::string text = {};
};

// --- PIN pad ---

struct PinPadModel {
    std::string title;  // "Staff sign-in", "Set a manager PIN", ...
    std::string prompt; // "Enter your PIN"
    int entered = 0;    // digits typed so far (shown as dots, never as digits)
    int max_digits = 8;
    std::string message; // "Wrong PIN", "Locked — try again in 27 s", ...
    bool locked = false;
    int locked_seconds = 0;
    bool can_cancel = true; // false at first start
};

// --- Connect to head office ---

enum class EnrolmentField { server_url, code };
enum class EnrolmentPhase { idle, connecting, failed, connected };
std::string_view to_string(EnrolmentPhase p);

struct ConnectModel {
    std::string server_url; // as typed
    std::string code;       // as typed
    EnrolmentField field = EnrolmentField::server_url;
    EnrolmentPhase phase = EnrolmentPhase::idle;
    EnrolmentProblem problem = EnrolmentProblem::none;
    std::string message;      // the outcome in plain words ("" when idle)
    std::string connected_to; // the server this kiosk syncs with, "" when standalone
};

// --- Manager settings ---

struct SurveyChoice {
    std::string path;
    std::string label; // "checkout (smiley4)"
};

struct SettingsModel {
    bool standalone = true; // survey and standard may be changed here
    std::vector<std::pair<std::string, std::string>> languages; // code, display name
    std::string language;
    double dim_timeout_s = 0;
    std::vector<SurveyChoice> surveys;
    std::string survey_path;
    Scale scale = Scale::smiley5;
    std::string headline_name;
    double standard = 0;
    std::string notice;
    std::string head_office; // the server this kiosk is enrolled with, "" standalone
};

// Display name of a language, in that language ("Māori", "Español", ...).
std::string language_display_name(const std::string& code);

// --- Dashboard and huddle figures (built by app/staff_dashboard.h) ---

struct DayPoint {
    std::string day;  // "YYYY-MM-DD"
    bool open = true; // false: the touch point has no opening hours that weekday
    std::int64_t count = 0;
    std::optional<double> headline;
    bool meets = false; // headline meets the standard
};

struct AnswerCount {
    int score = 0;
    std::int64_t count = 0;
};

struct LabelledCount {
    std::string label;
    std::int64_t count = 0;
};

struct AlertItem {
    std::int64_t event_id = 0;
    std::string when; // local "HH:MM" (or "YYYY-MM-DD HH:MM" before today)
    std::string message;
};

// Best and worst hour: only hours with at least this many counted responses.
inline constexpr std::int64_t k_huddle_min_hour_count = 5;

struct HourFigure {
    int hour = 0;
    std::int64_t count = 0;
    double headline = 0;
};

struct HuddleModel {
    std::string cx_statement;
    std::string touch_point;
    std::string yesterday; // local day
    bool yesterday_open = true;
    Scale scale = Scale::smiley5;
    std::string headline_name;
    double standard = 0;
    Metrics yesterday_metrics;
    std::optional<bool> yesterday_meets;
    std::optional<HourFigure> best_hour;
    std::optional<HourFigure> worst_hour;
    std::vector<LabelledCount> top_reasons; // yesterday
    std::string error;
};

// The rows of the kiosk's database the staff screens show, as plain copies.
struct CommentLine {
    std::string local_time;
    int score = 0;
    std::string comment;
};

struct EventLine {
    std::int64_t id = 0;
    std::int64_t utc_ms = 0;
    std::string kind;    // "corruption_recovered", "disk_full", ...
    std::string message; // plain words for staff
};

// What app/staff_dashboard.h builds from the database, in the plain types above.
struct StaffDashboard;
struct HealthModel;

struct StaffDashboardView {
    std::string touch_point; // "Checkout 1"
    std::string store;       // "Demo Store" (the shop)
    std::string today;       // local day
    Scale scale = Scale::smiley5;
    std::string headline_name; // "CSAT", "NPS", "CES", "% up"
    double standard = 0;       // service standard target for the headline

    Metrics today_metrics;           // count, headline, satisfaction index, misuse, small sample
    std::optional<bool> today_meets; // none until today has a response
    std::vector<AnswerCount> distribution;   // every answer of the scale, lowest first
    std::array<std::int64_t, 24> per_hour{}; // counted responses per local hour today
    std::vector<DayPoint> trend7;            // oldest first, ending today
    std::vector<DayPoint> trend30;
    std::vector<LabelledCount> top_reasons; // today
    std::vector<CommentLine> comments;      // most recent first
    Consistency consistency;
    std::vector<AlertItem> alerts; // unacknowledged low-score alerts, newest first
    std::string error;             // a database read failed (plain words)

    StaffDashboardView() = default;
    // Implicit, so what build_staff_dashboard() returns can be drawn as it is.
    // Defined beside the builders, in the app library.
    StaffDashboardView(const StaffDashboard& built);
};

struct HealthView {
    DatabaseHealth database;
    SyncStatus sync;
    std::string app_version;
    std::vector<EventLine> events; // unacknowledged database events (not alerts)
    std::string time_zone = "UTC"; // for showing event and sync times

    HealthView() = default;
    HealthView(const HealthModel& built); // as StaffDashboardView's
};

// --- The staff area as a whole ---

// Everything a staff screen draws: the chrome around it (who is signed in,
// pause and sync state) and the model of the screen shown (the others are
// left empty).
struct StaffView {
    StaffScreen screen = StaffScreen::closed;
    Role role = Role::none;
    std::string title; // "Checkout 1 · Demo Store"
    bool paused = false;
    bool sync_available = false; // false: "Sync now" is shown disabled
    std::string sync_note;       // under the button, e.g. "not configured"
    int open_alerts = 0;         // badge on the Dashboard button

    PinPadModel pin_pad;     // pin, set_pin
    StaffDashboardView dashboard; // dashboard
    HuddleModel huddle;      // huddle
    HealthView health;       // health
    SettingsModel settings;  // settings
    ConnectModel connect;    // connect
};

} // namespace touchpoint
