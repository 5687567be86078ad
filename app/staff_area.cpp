#include "app/staff_area.h"

namespace touchpoint {

using namespace std::chrono;

StaffArea::StaffArea(StaffAuth& auth, StaffHost& host) : m_auth(auth), m_host(host) {}

void StaffArea::start(time_point now) {
    m_last_activity = now;
    if (!m_auth.has_manager_pin()) start_pin_entry(Purpose::first_manager);
}

void StaffArea::open(time_point now) {
    m_last_activity = now;
    if (m_screen != StaffScreen::closed) return;
    start_pin_entry(Purpose::sign_in);
}

void StaffArea::close() {
    m_screen = StaffScreen::closed;
    m_role = Role::none;
    m_entry.clear();
    m_first.clear();
    m_confirming = false;
    m_message.clear();
    m_notice.clear();
}

void StaffArea::show(StaffScreen s) {
    m_screen = s;
    m_host.refresh();
}

void StaffArea::start_pin_entry(Purpose p) {
    m_purpose = p;
    m_entry.clear();
    m_first.clear();
    m_confirming = false;
    m_message.clear();
    m_screen = p == Purpose::sign_in ? StaffScreen::pin : StaffScreen::set_pin;
}

bool StaffArea::tick(time_point now) {
    if (m_screen == StaffScreen::closed) return false;
    if (m_purpose == Purpose::first_manager && m_screen == StaffScreen::set_pin) return false;
    if (now - m_last_activity < k_idle_close) return false;
    close();
    return true;
}

std::optional<milliseconds> StaffArea::next_deadline(time_point now) const {
    if (m_screen == StaffScreen::closed) return std::nullopt;
    if (m_purpose == Purpose::first_manager && m_screen == StaffScreen::set_pin)
        return std::nullopt;
    auto left = duration_cast<milliseconds>(m_last_activity + k_idle_close - now);
    if (m_screen == StaffScreen::pin && m_auth.locked_for(now).count() > 0)
        left = std::min(left, milliseconds{1000}); // the lock countdown
    return std::max(left, milliseconds{0});
}

PinPadModel StaffArea::pin_pad(time_point now) const {
    PinPadModel m;
    m.entered = static_cast<int>(m_entry.size());
    m.message = m_message;
    switch (m_purpose) {
    case Purpose::sign_in:
        m.title = "Staff sign-in";
        m.prompt = "Enter your PIN";
        break;
    case Purpose::first_manager:
        m.title = "Welcome — set a manager PIN";
        m.can_cancel = false;
        break;
    case Purpose::change_manager:
        m.title = "New manager PIN";
        break;
    case Purpose::change_staff:
        m.title = "New staff PIN";
        break;
    }
    if (m_purpose != Purpose::sign_in)
        m.prompt = m_confirming ? "Enter the same PIN again" : "Choose a PIN of 4 to 8 digits";
    if (m_purpose == Purpose::sign_in) {
        const auto wait = m_auth.locked_for(now);
        if (wait.count() > 0) {
            m.locked = true;
            m.locked_seconds = static_cast<int>(wait.count());
            m.message = "Locked — try again in " + std::to_string(wait.count()) + " s";
        }
    }
    return m;
}

void StaffArea::handle(const StaffIntent& in, time_point now) {
    using K = StaffIntent::Kind;
    if (m_screen == StaffScreen::closed || in.kind == K::none) return;
    m_last_activity = now;
    const bool on_pad = m_screen == StaffScreen::pin || m_screen == StaffScreen::set_pin;
    const bool manager = m_role == Role::manager;

    if (on_pad) {
        switch (in.kind) {
        case K::digit:
            if (in.digit >= 0 && in.digit <= 9 && m_entry.size() < 8)
                m_entry.push_back(static_cast<char>('0' + in.digit));
            if (m_screen == StaffScreen::pin && m_auth.locked_for(now).count() == 0)
                m_message.clear();
            return;
        case K::back:
            if (!m_entry.empty()) m_entry.pop_back();
            return;
        case K::clear:
            m_entry.clear();
            return;
        case K::ok:
            submit(now);
            return;
        case K::cancel:
        case K::close:
            if (m_purpose == Purpose::first_manager) return; // a manager PIN is needed first
            if (m_purpose == Purpose::sign_in) {
                close();
            } else {
                m_entry.clear();
                m_purpose = Purpose::sign_in;
                show(StaffScreen::settings);
            }
            return;
        default:
            return; // nothing else works before signing in
        }
    }

    switch (in.kind) {
    case K::close:
        close();
        return;
    case K::show_dashboard:
        show(StaffScreen::dashboard);
        return;
    case K::show_huddle:
        show(StaffScreen::huddle);
        return;
    case K::show_health:
        show(StaffScreen::health);
        return;
    case K::show_settings:
        if (manager) {
            m_notice.clear();
            show(StaffScreen::settings);
        }
        return;
    case K::pause:
        m_host.set_paused(true);
        m_host.refresh();
        return;
    case K::resume:
        m_host.set_paused(false);
        m_host.refresh();
        return;
    case K::sync_now:
        m_host.sync_now();
        m_host.refresh();
        return;
    case K::acknowledge:
        if (Status st = m_host.acknowledge(in.id); !st) m_notice = st.error();
        m_host.refresh();
        return;
    case K::exit_kiosk:
        if (manager) m_host.exit_kiosk();
        return;
    case K::show_connect:
        if (manager && m_screen == StaffScreen::settings) show(StaffScreen::connect);
        return;
    default:
        break;
    }

    if (!manager || m_screen != StaffScreen::settings) return;
    DeviceOverrides patch;
    switch (in.kind) {
    case K::set_language:
        patch.default_language = in.text;
        break;
    case K::set_dim_timeout:
        patch.dim_timeout_s = in.value;
        break;
    case K::set_survey:
        patch.survey_path = in.text;
        break;
    case K::set_standard:
        patch.service_standard = in.value;
        break;
    case K::change_manager_pin:
        start_pin_entry(Purpose::change_manager);
        return;
    case K::change_staff_pin:
        start_pin_entry(Purpose::change_staff);
        return;
    default:
        return;
    }
    Status st = m_host.change_settings(patch);
    m_notice = st ? "Saved." : st.error();
    m_host.refresh();
}

void StaffArea::submit(time_point now) {
    if (m_entry.empty()) return;
    if (m_purpose != Purpose::sign_in) {
        submit_new_pin();
        return;
    }
    const PinAttempt a = m_auth.attempt(m_entry, now);
    m_entry.clear();
    if (a.role == Role::none) {
        // While locked, pin_pad() shows the live countdown instead.
        m_message = a.locked ? "" : "Wrong PIN";
        return;
    }
    m_role = a.role;
    m_message.clear();
    show(StaffScreen::dashboard);
}

void StaffArea::submit_new_pin() {
    if (!m_confirming) {
        if (Status st = check_pin_format(m_entry); !st) {
            m_message = "A PIN has 4 to 8 digits.";
            m_entry.clear();
            return;
        }
        m_first = m_entry;
        m_entry.clear();
        m_confirming = true;
        m_message.clear();
        return;
    }
    if (m_entry != m_first) {
        m_entry.clear();
        m_first.clear();
        m_confirming = false;
        m_message = "The two PINs were not the same. Start again.";
        return;
    }
    auto hash = hash_pin(m_entry);
    m_entry.clear();
    m_first.clear();
    m_confirming = false;
    if (!hash) {
        m_message = "The PIN could not be stored: " + hash.error();
        return;
    }
    std::string manager = m_auth.manager_hash();
    std::string staff = m_auth.staff_hash();
    (m_purpose == Purpose::change_staff ? staff : manager) = *hash;
    if (Status st = m_host.save_pin_hashes(manager, staff); !st) {
        m_message = st.error();
        return;
    }
    m_auth.set_hashes(manager, staff);
    if (m_purpose == Purpose::first_manager) {
        close(); // the survey starts
        return;
    }
    m_notice = m_purpose == Purpose::change_staff ? "The staff PIN was changed."
                                                  : "The manager PIN was changed.";
    m_purpose = Purpose::sign_in;
    show(StaffScreen::settings);
}

// --- EnrolmentForm ---

void EnrolmentForm::open(const std::string& connected_to) {
    m_model.connected_to = connected_to;
    if (m_model.phase == EnrolmentPhase::connecting) return;
    m_model.phase = EnrolmentPhase::idle;
    m_model.problem = EnrolmentProblem::none;
    m_model.message.clear();
}

std::string& EnrolmentForm::field() {
    return m_model.field == EnrolmentField::code ? m_model.code : m_model.server_url;
}

void EnrolmentForm::select(EnrolmentField f) {
    m_model.field = f;
}

void EnrolmentForm::type(const std::string& text) {
    if (connecting()) return;
    const std::size_t max = m_model.field == EnrolmentField::code ? k_max_code : k_max_url;
    std::string& f = field();
    if (f.size() + text.size() <= max) f += text;
}

void EnrolmentForm::erase() {
    if (connecting()) return;
    std::string& f = field();
    // A whole character (UTF-8 continuation bytes are 10xxxxxx).
    while (!f.empty() && (static_cast<unsigned char>(f.back()) & 0xC0) == 0x80)
        f.pop_back();
    if (!f.empty()) f.pop_back();
}

void EnrolmentForm::clear() {
    if (!connecting()) field().clear();
}

std::string EnrolmentForm::normalise_url(const std::string& typed) {
    std::size_t b = typed.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    std::size_t e = typed.find_last_not_of(" \t");
    std::string url = typed.substr(b, e - b + 1);
    if (url.find("://") == std::string::npos) url = "https://" + url;
    return url;
}

bool EnrolmentForm::connect(SyncControl& sync, const std::string& device_name) {
    if (connecting()) return false;
    auto refuse = [&](EnrolmentField f, const char* what) {
        m_model.phase = EnrolmentPhase::failed;
        m_model.problem = EnrolmentProblem::none;
        m_model.message = what;
        m_model.field = f;
        return false;
    };
    const std::string url = normalise_url(m_model.server_url);
    if (url.empty())
        return refuse(EnrolmentField::server_url,
                      "Type the server's address first, e.g. https://hq.example.com");
    std::string code;
    for (char c : m_model.code)
        if (c != ' ') code.push_back(c);
    if (code.empty())
        return refuse(EnrolmentField::code, "Type the one-time code from head office.");
    if (!sync.begin_enrolment({url, code, device_name})) {
        m_model.phase = EnrolmentPhase::failed;
        m_model.problem = EnrolmentProblem::unavailable;
        m_model.message = "This kiosk cannot connect to head office right now. Try again in a moment.";
        return false;
    }
    m_model.phase = EnrolmentPhase::connecting;
    m_model.problem = EnrolmentProblem::none;
    m_model.message = "Connecting to " + url + " ...";
    return true;
}

std::optional<Enrolment> EnrolmentForm::poll(SyncControl& sync) {
    if (!connecting()) return std::nullopt;
    auto outcome = sync.take_enrolment_outcome();
    if (!outcome) return std::nullopt;
    if (outcome->problem != EnrolmentProblem::none) {
        m_model.phase = EnrolmentPhase::failed;
        m_model.problem = outcome->problem;
        m_model.message = outcome->message;
        if (outcome->problem == EnrolmentProblem::wrong_code ||
            outcome->problem == EnrolmentProblem::expired_code ||
            outcome->problem == EnrolmentProblem::used_code)
            m_model.field = EnrolmentField::code;
        else if (outcome->problem == EnrolmentProblem::bad_address)
            m_model.field = EnrolmentField::server_url;
        return std::nullopt;
    }
    return outcome->enrolled;
}

void EnrolmentForm::saved(const Enrolment& e, const Status& syncing) {
    m_model.phase = EnrolmentPhase::connected;
    m_model.problem = EnrolmentProblem::none;
    m_model.connected_to = e.server_url;
    m_model.code.clear(); // a used code is of no further use
    const std::string store = e.store_name.empty() ? e.store_id : e.store_name;
    const std::string tp = e.touch_point_name.empty() ? e.touch_point_key : e.touch_point_name;
    m_model.message = "Connected to head office as device \"" + e.device_name + "\" for " + store +
                      " / " + tp + ".";
    if (syncing)
        m_model.message += " The survey from head office starts when you close the staff area.";
    else
        m_model.message += " Syncing did not start (" + syncing.error() + "): restart the kiosk.";
}

void EnrolmentForm::not_saved(const std::string& why) {
    m_model.phase = EnrolmentPhase::failed;
    m_model.problem = EnrolmentProblem::failed;
    m_model.message = why;
}

} // namespace touchpoint
