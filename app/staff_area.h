#pragma once
// StaffArea: the staff side of the kiosk as a state machine (SPEC "The kiosk
// (staff side)"): the hidden entry opens a PIN pad; a staff PIN opens the
// dashboard (view, sync now, pause), a manager PIN also the settings
// (device settings, survey, service standard, PINs, exit the kiosk). The
// area closes itself after k_idle_close without a touch. At first start,
// when no manager PIN exists, it asks for one (entered twice) before the
// survey starts.
//
// What the staff area does to the rest of the kiosk goes through StaffHost
// (pause the survey, save PIN hashes and settings, ...), so this class is
// tested with a fake host and injected time. Single-threaded (UI thread).
#include "app/device_overrides.h"
#include "app/staff_auth.h"
#include "app/staff_sync.h"
#include "app/staff_view_models.h"
#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

// What the staff area changes outside itself.
class StaffHost {
  public:
    virtual ~StaffHost() = default;
    virtual void set_paused(bool paused) = 0;
    virtual bool sync_now() = 0;
    virtual Status acknowledge(std::int64_t event_id) = 0;
    // Persists both PIN hashes (identity.json); the area then updates StaffAuth.
    virtual Status save_pin_hashes(const std::string& manager_hash,
                                   const std::string& staff_hash) = 0;
    virtual Status change_settings(const DeviceOverrides& patch) = 0;
    virtual void exit_kiosk() = 0;
    // The figures of the staff screens are due a refresh.
    virtual void refresh() = 0;
};

class StaffArea {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    // The staff area (and an unused PIN pad) closes after this long untouched.
    static constexpr std::chrono::seconds k_idle_close{60};

    StaffArea(StaffAuth& auth, StaffHost& host);

    // At start: asks for a manager PIN if there is none.
    void start(time_point now);
    // The hidden entry gesture completed: show the PIN pad (if closed).
    void open(time_point now);
    void handle(const StaffIntent& in, time_point now);
    // Any touch while the staff area shows.
    void note_activity(time_point now) { m_last_activity = now; }
    // Closes the area after inactivity. Returns true if anything changed.
    bool tick(time_point now);
    std::optional<std::chrono::milliseconds> next_deadline(time_point now) const;

    StaffScreen screen() const { return m_screen; }
    bool visible() const { return m_screen != StaffScreen::closed; }
    Role role() const { return m_role; }
    bool first_start() const {
        return m_purpose == Purpose::first_manager && m_screen == StaffScreen::set_pin;
    }
    PinPadModel pin_pad(time_point now) const;
    // A short line for the settings screen ("Saved.", or what went wrong).
    const std::string& notice() const { return m_notice; }

  private:
    enum class Purpose { sign_in, first_manager, change_manager, change_staff };
    void close();
    void show(StaffScreen s);
    void start_pin_entry(Purpose p);
    void submit(time_point now);
    void submit_new_pin();

    StaffAuth& m_auth;
    StaffHost& m_host;
    StaffScreen m_screen = StaffScreen::closed;
    Role m_role = Role::none;
    Purpose m_purpose = Purpose::sign_in;
    std::string m_entry; // digits being typed
    std::string m_first; // a new PIN's first entry, waiting for confirmation
    bool m_confirming = false;
    std::string m_message; // shown on the PIN pad
    std::string m_notice;  // shown on the settings screen
    time_point m_last_activity{};
};

// --- Connect to head office ---

// The form and the enrolment it starts: typed on the on-screen keyboard,
// sent through SyncControl (which enrols off the UI thread), its outcome
// collected by poll(). The form changes nothing on the device: the caller
// saves what poll() returns. Single-threaded (UI thread).
class EnrolmentForm {
  public:
    static constexpr std::size_t k_max_url = 200;
    static constexpr std::size_t k_max_code = 40;

    // The screen opened: a finished attempt's message is cleared (what was
    // typed stays, so a typo can be fixed).
    void open(const std::string& connected_to);
    void select(EnrolmentField f);
    void type(const std::string& text); // ignored while connecting
    void erase();                       // the selected field's last character
    void clear();                       // the selected field
    // Starts enrolling. False, with a message saying what to type, when a
    // field is empty; false when an attempt is under way.
    bool connect(SyncControl& sync, const std::string& device_name);
    // While connecting: picks up the outcome. Returns the device when the
    // server enrolled it; the caller saves it, then calls saved() or
    // not_saved().
    std::optional<Enrolment> poll(SyncControl& sync);
    void saved(const Enrolment& e, const Status& syncing);
    void not_saved(const std::string& why);

    bool connecting() const { return m_model.phase == EnrolmentPhase::connecting; }
    const ConnectModel& model() const { return m_model; }

    // "hq.example.com" -> "https://hq.example.com"; spaces trimmed.
    static std::string normalise_url(const std::string& typed);

  private:
    std::string& field();
    ConnectModel m_model;
};

} // namespace touchpoint
