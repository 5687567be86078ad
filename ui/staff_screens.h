#pragma once
// The staff screens as functions of state (SPEC "The kiosk (staff side)"):
// PIN pad, dashboard, daily huddle, sync and device health, manager
// settings. Each takes read-only view models built in app/
// (app/staff_view_models.h) and returns what staff asked for as a
// StaffIntent. No database, no network, no state kept between calls.
//
// Each draw_* call draws one full-screen window; call between
// ImGui::NewFrame() and ImGui::Render() on the UI thread. The layout_*
// functions say where the touch targets are (tests and end-to-end probes tap
// them); the draw_* functions use the same layouts.
#include "app/staff_view_models.h"
#include "ui/keyboard.h"
#include "ui/layout.h"
#include "ui/screens.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::ui {

// What every signed-in staff screen shows around its content.
struct StaffChrome {
    Role role = Role::staff;
    StaffScreen screen = StaffScreen::dashboard;
    std::string title; // "Checkout 1 · Demo Store"
    bool paused = false;
    bool sync_available = false; // false: "Sync now" is shown disabled
    std::string sync_note;       // under the button, e.g. "not configured"
    int open_alerts = 0;         // badge on the Dashboard button
    Look look;
};

// Text sizes of the staff screens (denser than the customer's).
struct StaffText {
    float caption = 0.0f;
    float body = 0.0f;
    float heading = 0.0f;
    float figure = 0.0f;
};
StaffText staff_text_sizes(float width, float height, float dpi);
// Pixel sizes to load fonts for, like font_pixel_sizes().
std::vector<float> staff_font_pixel_sizes(float width, float height, float dpi);
// Characters the staff screens use beyond printable ASCII (for the font atlas).
std::vector<std::string> staff_texts();

// --- Layouts ---

struct PinPadLayout {
    Rect title;
    Rect prompt;
    Rect dots;
    Rect message;
    std::array<Rect, 10> digits; // index = digit
    Rect clear;
    Rect back;
    Rect ok;
    Rect cancel; // empty when the pad cannot be left (first start)
};
PinPadLayout layout_pin_pad(const PinPadModel& model, float width, float height, float dpi);

struct StaffNavLayout {
    Rect dashboard;
    Rect huddle;
    Rect health;
    Rect settings; // manager only (empty for staff)
    Rect pause;    // "Pause survey" / "Resume survey"
    Rect sync;
    Rect exit; // manager only (empty for staff)
    Rect close;
    Rect content; // where the screen's own content goes
};
StaffNavLayout layout_staff_nav(const StaffChrome& chrome, float width, float height);

struct DashboardLayout {
    Rect header;
    std::vector<Rect> alerts;      // one row per shown alert
    std::vector<Rect> acknowledge; // its button
    std::vector<Rect> tiles;       // today, headline, standard, index, misuse, consistency
    Rect distribution;
    Rect per_hour;
    Rect trend7;
    Rect trend30;
    Rect reasons;
};
DashboardLayout layout_dashboard(const StaffDashboardView& model, const StaffChrome& chrome,
                                 float width, float height);

struct HealthLayout {
    std::vector<Rect> rows;        // label/value rows
    std::vector<Rect> acknowledge; // one per shown database event
};
HealthLayout layout_health(const HealthView& model, const StaffChrome& chrome, float width,
                           float height);

struct SettingsLayout {
    Rect connect; // "Connect to head office" (the first row, always there)
    std::vector<Rect> languages; // one per model.languages
    Rect dim_less, dim_more;
    std::vector<Rect> surveys; // one per model.surveys (standalone only)
    Rect standard_less, standard_more;
    Rect change_manager_pin, change_staff_pin;
    Rect notice;
};
SettingsLayout layout_settings(const SettingsModel& model, const StaffChrome& chrome, float width,
                               float height);

// "Connect to head office": the server address and one-time code, typed on
// the keyboard below them, and the outcome in plain words.
struct ConnectLayout {
    Rect header;
    Rect url_label, url_field;
    Rect code_label, code_field;
    Rect connect;
    Rect message;
    std::vector<KeyRect> keys; // address_keyboard_rows(), top row first
    float key_size = 0.0f;     // the smallest key edge in pixels
};
ConnectLayout layout_connect(const ConnectModel& model, const StaffChrome& chrome, float width,
                             float height);

// The next dim timeout / standard a "-" or "+" sets (the values staff can pick).
double step_dim_timeout(double seconds, int direction);
double step_standard(Scale scale, double value, int direction);

// --- Screens ---

StaffIntent draw_pin_pad(const PinPadModel& model, const Look& look);
StaffIntent draw_dashboard(const StaffDashboardView& model, const StaffChrome& chrome);
StaffIntent draw_huddle(const HuddleModel& model, const StaffChrome& chrome);
StaffIntent draw_health(const HealthView& model, const StaffChrome& chrome);
StaffIntent draw_settings(const SettingsModel& model, const StaffChrome& chrome);
StaffIntent draw_connect(const ConnectModel& model, const StaffChrome& chrome);
// Whichever of the above the staff area shows, in its chrome.
StaffIntent draw_staff(const StaffView& view, float dpi);

// "50 %", "+20", "4.2", "—" (no value): a headline as staff read it.
std::string format_headline(Scale scale, const std::optional<double>& value);

} // namespace touchpoint::ui
