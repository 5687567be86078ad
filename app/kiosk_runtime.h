#pragma once
// KioskRuntime: the running kiosk's state behind the window — the customer
// flow, the staff area with its hidden entry, low-score alerts, idle
// dimming, device settings changed on the kiosk, the server's configuration
// — wired to the database, the clock and the sync seam. The frame loop (main)
// hands it the pointer each frame, and every intent the screens return: this
// is the one place intents are handled. It builds the read-only views the
// screens draw (app/kiosk_view.h); figures come from the database here, never
// in drawing code.
//
// Single-threaded: owned and driven by the UI thread.
#include "app/alerts.h"
#include "app/clock.h"
#include "app/device_overrides.h"
#include "app/display_dimmer.h"
#include "app/flow.h"
#include "app/gesture.h"
#include "app/identity.h"
#include "app/kiosk_config.h"
#include "app/kiosk_view.h"
#include "app/local_database.h"
#include "app/pointer.h"
#include "app/staff_area.h"
#include "app/staff_auth.h"
#include "app/staff_sync.h"
#include "app/staff_view_models.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

// The database event report_fault() records.
inline constexpr const char* k_kiosk_fault_kind = "kiosk_fault";

struct RuntimeOptions {
    std::string data_dir;
    std::string surveys_dir; // the surveys a manager may choose from (*.toml)
    std::string app_version;
    // Edge of the hidden entry's corner zone in window pixels: 12 mm at the
    // display's DPI (ui::min_target_px); 45 is 12 mm at 96 DPI.
    float corner_px = 45.0f;
};

class KioskRuntime final : private StaffHost {
  public:
    // Seconds between refreshes of an open staff screen's figures.
    static constexpr std::chrono::seconds k_refresh{30};

    // `cfg` as loaded from the config file; the overrides in the data dir
    // are laid over it here. Database, clock and sync must outlive the kiosk.
    static Result<std::unique_ptr<KioskRuntime>> create(KioskConfig cfg, DeviceIdentity identity,
                                                        LocalDatabase& database, const Clock& clock,
                                                        SyncControl& sync, RuntimeOptions opts);
    ~KioskRuntime() override;

    // What the customer flow is doing (to read; intents go through handle()).
    const KioskFlow& flow() const { return *m_flow; }
    const StaffArea& staff() const { return m_staff; }
    const KioskConfig& config() const { return m_config; }
    // Problems met at start (e.g. a damaged settings file), in plain words.
    const std::vector<std::string>& warnings() const { return m_warnings; }

    // --- Input ---
    // Events arrived (call before tick()): any keeps a follow-up alive;
    // `pointer_input` (a press or release waiting for its frame) is also the
    // customer's activity for dimming, and on a dimmed screen that touch
    // only wakes it.
    void input_arrived(bool pointer_input);
    // The pointer as the frame being drawn sees it (from the window): the
    // hidden entry, and activity in the staff area. Returns true when the
    // hidden entry just completed (the staff PIN pad opens).
    bool pointer(const Pointer& p);
    // What the screens asked for, customer's or staff's. Returns whether
    // there was anything (its outcome is drawn).
    bool handle(const KioskIntent& in);
    void handle(const CustomerIntent& in);
    void handle(const StaffIntent& in);
    // A configuration the server published (an enrolled kiosk): applied by
    // tick() at the next idle moment.
    void offer_server_config(TouchPointSettings touch_point, std::optional<Survey> survey);
    // Timeouts of the flow and the staff area, dimming, a waiting server
    // configuration; refreshes staff figures. Returns true when what is
    // shown changed (another screen, refreshed figures, a lock's countdown,
    // dimming): a staff screen left alone is not drawn again.
    bool tick();
    // Time until tick() next has work to do (dimming included), or nullopt.
    std::optional<std::chrono::milliseconds> next_deadline() const;

    // --- What to show ---
    // The frame to draw: valid until the next call that changes the kiosk.
    KioskView view() const;
    bool staff_visible() const { return m_staff.visible(); }
    // The thank-you countdown is on screen (draw it as it runs down).
    bool animating() const;
    // The idle display is dimmed (the window lowers its brightness too).
    bool dimmed() const { return m_dimmed; }
    // Changes whenever the texts the screens may show change (another
    // survey, another default language): the font atlas follows it.
    int texts_version() const { return m_texts_version; }
    PinPadModel pin_pad() const { return m_staff.pin_pad(m_clock.mono()); }
    const StaffDashboardView& dashboard() const { return m_dashboard; }
    const HuddleModel& huddle() const { return m_huddle; }
    const HealthView& health() const { return m_health; }
    // Built from memory: the survey files are read once, when the settings
    // screen opens (not on every drawn frame).
    SettingsModel settings() const;
    // The "Connect to head office" screen.
    const ConnectModel& connect_model() const { return m_form.model(); }
    // Unacknowledged low-score alerts (for the staff area's badge).
    int open_alerts() const { return static_cast<int>(m_dashboard.alerts.size()); }
    // "question", "thank_you", ... or "staff_pin", "staff_dashboard", ...
    std::string screen_name() const;
    // Diagnostics: one JSON object describing the screen and its key figures.
    std::string trace_line() const;

    // --- Configuration from the server (an enrolled kiosk) ---
    // True at an idle moment: nobody mid-response and the staff area closed.
    bool at_idle_moment() const;
    // Applies pulled touch point settings and survey (keeps the current
    // survey when none is published). Call at an idle moment.
    Status apply_server_config(const TouchPointSettings& touch_point, const std::optional<Survey>& survey);

    // An exception reached the frame loop (a bug, or memory running out):
    // records it as a database event, which the staff area's health panel shows,
    // so the kiosk can carry on. The same text is recorded at most once a
    // minute; returns whether it was this time.
    bool report_fault(const std::string& what);

    bool exit_requested() const { return m_exit; }
    // Closes the open response (the kiosk is shutting down).
    void shutdown();

  private:
    KioskRuntime(KioskConfig cfg, DeviceIdentity identity, LocalDatabase& database,
                 const Clock& clock, SyncControl& sync, RuntimeOptions opts);
    class AlertingWriter;

    // --- StaffHost ---
    void set_paused(bool paused) override;
    bool sync_now() override;
    Status acknowledge(std::int64_t event_id) override;
    Status save_pin_hashes(const std::string& manager_hash, const std::string& staff_hash) override;
    Status change_settings(const DeviceOverrides& patch) override;
    void exit_kiosk() override { m_exit = true; }
    void refresh() override { m_dirty = true; }

    void rebuild_flow();
    CustomerView customer_view() const;
    StaffView staff_view() const;
    // The keyboard's shift is reset when the screen changes.
    void follow_screen();
    void follow_dimming();
    void seed_alerts();
    std::int64_t mono_ms() const; // the monotonic clock, in ms
    void on_tap(const Response& r);
    void rebuild_models();
    // Reads the survey folder when the settings screen has just opened.
    void follow_settings_screen();
    // "Connect to head office": typing, and the enrolment's outcome.
    void handle_connect(const StaffIntent& in);
    bool follow_enrolment();
    void save_enrolment(const Enrolment& e);
    std::string device_name() const;

    KioskConfig m_base;   // as the config file says
    KioskConfig m_config; // with the device overrides applied
    DeviceOverrides m_overrides;
    DeviceIdentity m_identity;
    LocalDatabase& m_database;
    const Clock& m_clock;
    SyncControl& m_sync;
    RuntimeOptions m_opts;
    std::vector<std::string> m_warnings;

    std::unique_ptr<AlertingWriter> m_writer;
    std::unique_ptr<KioskFlow> m_flow;
    StaffAuth m_auth;
    StaffArea m_staff;
    CornerHold m_hold;
    LowScoreAlerts m_alerts;
    bool m_pointer_down = false;
    float m_pointer_x = -1.0f;
    float m_pointer_y = -1.0f;
    DisplayDimmer m_dimmer;
    bool m_dimmed = false;     // as last shown
    bool m_wake_touch = false; // as last shown
    bool m_shift = false;      // the comment keyboard's one-shot shift
    Screen m_last_screen = Screen::question;
    int m_texts_version = 0;
    struct ServerConfig {
        TouchPointSettings touch_point;
        std::optional<Survey> survey;
    };
    std::optional<ServerConfig> m_server_config; // waiting for an idle moment

    StaffDashboardView m_dashboard;
    HuddleModel m_huddle;
    HealthView m_health;
    // The survey files found when the settings screen opened: (path, label).
    std::vector<SurveyChoice> m_survey_files;
    std::vector<std::string> m_survey_keys; // their canonical paths
    std::string m_survey_selected_for;      // m_config.survey_path when...
    std::string m_survey_selected;          // ...this file was found to be it
    bool m_settings_open = false;
    EnrolmentForm m_form;
    bool m_dirty = true;
    std::chrono::steady_clock::time_point m_last_refresh{};
    std::string m_last_fault;
    std::optional<std::chrono::steady_clock::time_point> m_last_fault_at;
    bool m_exit = false;
};

} // namespace touchpoint
