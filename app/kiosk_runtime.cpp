#include "app/kiosk_runtime.h"

#include "app/staff_dashboard.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace touchpoint {

using namespace std::chrono;

namespace {

std::int64_t utc_ms_of(system_clock::time_point t) {
    return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::string same_file_key(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : p.string();
}

milliseconds seconds_ms(double s) { return milliseconds{static_cast<long long>(s * 1000)}; }

FlowSettings flow_settings(const KioskConfig& cfg, const DeviceIdentity& id) {
    FlowSettings fs;
    fs.survey = cfg.survey;
    fs.touch_point = cfg.touch_point ? *cfg.touch_point : TouchPointSettings{};
    fs.device_id = id.device_id;
    fs.default_language = cfg.device.default_language;
    return fs;
}

} // namespace

// Passes every write to the database and tells the kiosk about each new tap,
// so the alert rules see exactly what was stored (with its misuse flag).
class KioskRuntime::AlertingWriter final : public ResponseWriter {
  public:
    AlertingWriter(LocalDatabase& database, KioskRuntime& runtime)
        : m_database(database), m_runtime(runtime) {}
    Status insert_open(Response& r) override {
        Status st = m_database.insert_open(r);
        if (st) m_runtime.on_tap(r);
        return st;
    }
    Status amend(const std::string& id, const std::vector<std::string>& reasons,
                 const std::string& comment) override {
        return m_database.amend(id, reasons, comment);
    }
    // A closed response may be synced: the sync thread hears of it at once.
    Status close(const std::string& id) override {
        Status st = m_database.close(id);
        if (st) m_runtime.m_sync.response_closed();
        return st;
    }

  private:
    LocalDatabase& m_database;
    KioskRuntime& m_runtime;
};

Result<std::unique_ptr<KioskRuntime>> KioskRuntime::create(KioskConfig cfg, DeviceIdentity identity,
                                                           LocalDatabase& database,
                                                           const Clock& clock, SyncControl& sync,
                                                           RuntimeOptions opts) {
    if (!cfg.touch_point) return Error{"The kiosk has no touch point settings."};
    std::unique_ptr<KioskRuntime> s(new KioskRuntime(std::move(cfg), std::move(identity), database,
                                                     clock, sync, std::move(opts)));
    return s;
}

KioskRuntime::KioskRuntime(KioskConfig cfg, DeviceIdentity identity, LocalDatabase& database,
                           const Clock& clock, SyncControl& sync, RuntimeOptions opts)
    : m_base(cfg), m_config(std::move(cfg)), m_identity(std::move(identity)), m_database(database),
      m_clock(clock), m_sync(sync), m_opts(std::move(opts)),
      m_auth(!m_identity.manager_pin_hash.empty() ? m_identity.manager_pin_hash
                                                  : m_base.device.manager_pin_hash,
             !m_identity.staff_pin_hash.empty() ? m_identity.staff_pin_hash
                                                : m_base.device.staff_pin_hash),
      m_staff(m_auth, *this), m_hold(m_opts.corner_px),
      m_alerts(m_config.survey.scale, m_config.touch_point->service_standard),
      m_dimmer(milliseconds{0}) {
    // Settings the manager changed on this kiosk win over the config file.
    if (auto o = DeviceOverrides::load(m_opts.data_dir)) {
        m_overrides = *o;
        KioskConfig next = m_base;
        if (Status st = apply_device_overrides(m_overrides, next, m_opts.surveys_dir); st)
            m_config = std::move(next);
        else
            m_warnings.push_back("The saved device settings were not applied: " + st.error());
    } else {
        m_warnings.push_back(o.error());
    }
    m_dimmer = DisplayDimmer(seconds_ms(m_config.device.dim_timeout_s), m_clock.mono());
    m_writer = std::make_unique<AlertingWriter>(m_database, *this);
    rebuild_flow();
    seed_alerts();
    m_staff.start(m_clock.mono());
}

KioskRuntime::~KioskRuntime() = default;

void KioskRuntime::rebuild_flow() {
    const bool paused = m_flow && m_flow->paused();
    if (m_flow) m_flow->shutdown();
    m_flow = std::make_unique<KioskFlow>(flow_settings(m_config, m_identity), *m_writer, m_clock);
    if (paused) m_flow->pause();
    ++m_texts_version; // another survey or language, perhaps
    follow_screen();
}

std::int64_t KioskRuntime::mono_ms() const {
    return duration_cast<milliseconds>(m_clock.mono().time_since_epoch()).count();
}

void KioskRuntime::seed_alerts() {
    m_alerts = LowScoreAlerts(m_config.survey.scale, m_config.touch_point->service_standard);
    const std::int64_t now = utc_ms_of(m_clock.wall());
    std::int64_t last_alert = 0;
    if (auto events = m_database.events())
        for (const auto& e : *events)
            if (e.kind == k_low_score_alert_kind) last_alert = std::max(last_alert, e.utc_ms);
    // The rules run on the monotonic clock (a moved wall clock neither makes
    // nor hides an alert); the database's history is mapped onto it from now.
    const std::int64_t offset = mono_ms() - now;
    std::vector<Tap> taps;
    if (auto recent = m_database.taps_since(now - LowScoreAlerts::k_hour_ms))
        for (const auto& t : *recent)
            taps.push_back({t.utc_ms, t.score, t.misuse, t.utc_ms + offset});
    m_alerts.seed(taps, last_alert,
                  last_alert > 0 ? std::optional<std::int64_t>(last_alert + offset) : std::nullopt);
}

void KioskRuntime::on_tap(const Response& r) {
    if (r.scale != m_config.survey.scale) return;
    for (const auto& a : m_alerts.on_tap({r.utc_ms, r.score, r.misuse, mono_ms()}))
        if (Status st = m_database.record_event(k_low_score_alert_kind, a.message, a.utc_ms); !st)
            // The database's own health (shown to staff) says why it cannot write.
            std::fprintf(stderr, "touchpoint-kiosk: a low-score alert could not be saved: %s\n",
                         st.error().c_str());
    m_dirty = true;
}

// --- Input and time ---

void KioskRuntime::input_arrived(bool pointer_input) {
    m_flow->note_activity(); // any touch keeps a follow-up alive
    if (pointer_input) m_dimmer.note_activity(m_clock.mono());
}

bool KioskRuntime::pointer(const Pointer& p) {
    // Nowhere is outside every zone (the hidden entry's corner included).
    m_pointer_down = p.down;
    m_pointer_x = p.present ? p.x : -1.0f;
    m_pointer_y = p.present ? p.y : -1.0f;
    const auto now = m_clock.mono();
    if (m_staff.visible() && p.down) m_staff.note_activity(now);
    if (!m_hold.update(p.down, m_pointer_x, m_pointer_y, now)) return false;
    if (m_staff.visible()) return false;
    m_staff.open(now);
    return true;
}

bool KioskRuntime::handle(const KioskIntent& in) {
    if (!in.any()) return false;
    if (in.customer.kind != CustomerIntent::Kind::none) handle(in.customer);
    if (in.staff.kind != StaffIntent::Kind::none) handle(in.staff);
    return true;
}

void KioskRuntime::handle(const CustomerIntent& in) {
    using K = CustomerIntent::Kind;
    KioskFlow& flow = *m_flow;
    switch (in.kind) {
    case K::none:
        break;
    case K::rate:
        if (Status st = flow.tap_rating(in.score); !st)
            std::fprintf(stderr, "touchpoint-kiosk: could not record a rating: %s\n", st.error().c_str());
        break;
    case K::toggle_reason:
        flow.toggle_reason(in.id);
        break;
    case K::reasons_done:
        flow.reasons_done();
        break;
    case K::skip:
        flow.skip();
        break;
    case K::dismiss_thank_you:
        flow.tap_thank_you();
        break;
    case K::choose_language:
        flow.choose_language(in.id);
        break;
    case K::toggle_contrast:
        flow.toggle_high_contrast();
        break;
    case K::toggle_large_text:
        flow.toggle_large_text();
        break;
    case K::type_text:
        flow.type_comment(in.id);
        break;
    case K::backspace:
        flow.erase_comment();
        break;
    case K::toggle_shift: // shift_after() below
        break;
    case K::comment_done:
        flow.comment_done();
        break;
    case K::wake:
        m_dimmer.consume_wake_touch();
        break;
    }
    m_shift = shift_after(m_shift, in);
    follow_screen();
}

void KioskRuntime::handle(const StaffIntent& in) {
    const bool was_connect = m_staff.screen() == StaffScreen::connect;
    m_staff.handle(in, m_clock.mono());
    follow_settings_screen();
    follow_screen();
    if (m_staff.screen() != StaffScreen::connect) return;
    if (!was_connect)
        m_form.open(m_identity.server_url);
    else
        handle_connect(in);
}

void KioskRuntime::offer_server_config(TouchPointSettings touch_point, std::optional<Survey> survey) {
    m_server_config = ServerConfig{std::move(touch_point), std::move(survey)};
}

void KioskRuntime::follow_screen() {
    if (!m_flow || m_flow->screen() == m_last_screen) return;
    m_last_screen = m_flow->screen();
    m_shift = false; // a new screen starts in lower case
}

void KioskRuntime::follow_dimming() {
    // Only the idle question and sleep screens dim.
    const auto now = m_clock.mono();
    const Screen sc = m_flow->screen();
    m_dimmer.set_enabled(!m_staff.visible() && (sc == Screen::question || sc == Screen::sleep), now);
    m_dimmed = m_dimmer.dimmed(now);
    m_wake_touch = m_dimmer.wake_touch_pending();
}

// --- Connect to head office ---

void KioskRuntime::handle_connect(const StaffIntent& in) {
    using K = StaffIntent::Kind;
    switch (in.kind) {
    case K::select_field:
        m_form.select(in.value >= 0.5 ? EnrolmentField::code : EnrolmentField::server_url);
        break;
    case K::type_text:
        m_form.type(in.text);
        break;
    case K::back:
        m_form.erase();
        break;
    case K::clear:
        m_form.clear();
        break;
    case K::connect:
        (void)m_form.connect(m_sync, device_name()); // a refusal is the form's message
        break;
    default:
        break;
    }
}

std::string KioskRuntime::device_name() const {
    return "Touchpoint kiosk " + m_identity.device_id.substr(0, 8);
}

bool KioskRuntime::follow_enrolment() {
    if (!m_form.connecting()) return false;
    if (auto e = m_form.poll(m_sync)) {
        save_enrolment(*e);
        return true;
    }
    return !m_form.connecting(); // failed: the message changed
}

void KioskRuntime::save_enrolment(const Enrolment& e) {
    // As `touchpoint-kiosk enroll` does: the token and server in the
    // identity file, and the server's id for this device from now on.
    DeviceIdentity next = m_identity;
    next.device_token = e.token;
    next.server_url = e.server_url;
    if (!e.device_id.empty()) next.device_id = e.device_id;
    if (Status st = next.save(m_opts.data_dir); !st) {
        m_form.not_saved("Head office enrolled this kiosk, but the kiosk could not keep it: " +
                         st.error() + " Ask head office for a new code once this is fixed.");
        return;
    }
    const bool new_device = next.device_id != m_identity.device_id;
    m_identity = std::move(next);
    // The server is authoritative for the survey and touch point from now
    // on; they arrive with the sync thread's first configuration pull.
    m_base.device.server_url = e.server_url;
    m_config.device.server_url = e.server_url;
    if (new_device) rebuild_flow(); // new responses carry the server's device id
    m_form.saved(e, m_sync.start_syncing(e.server_url, e.token));
    m_dirty = true;
}

void KioskRuntime::follow_settings_screen() {
    const bool open = m_staff.visible() && m_staff.screen() == StaffScreen::settings;
    if (open && !m_settings_open) {
        m_survey_files.clear();
        m_survey_keys.clear();
        m_survey_selected_for.clear();
        m_survey_selected.clear();
        if (is_standalone(m_base) && !m_opts.surveys_dir.empty()) {
            // Iterated with error codes: the range-for's ++ would throw.
            std::error_code ec;
            std::vector<std::string> files;
            for (std::filesystem::directory_iterator it(m_opts.surveys_dir, ec), end;
                 !ec && it != end; it.increment(ec))
                if (it->path().extension() == ".toml") files.push_back(it->path().string());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                auto survey = load_survey_file(f);
                if (!survey) continue;
                m_survey_files.push_back(
                    {f, survey->id + " (" + std::string(to_string(survey->scale)) + ")"});
                m_survey_keys.push_back(same_file_key(f));
            }
        }
    }
    // Which listed file is the survey in use: again only when it changed.
    if (open && (m_survey_selected.empty() || m_survey_selected_for != m_config.survey_path)) {
        m_survey_selected_for = m_config.survey_path;
        m_survey_selected = m_config.survey_path;
        const std::string current = same_file_key(m_config.survey_path);
        for (std::size_t i = 0; i < m_survey_files.size(); ++i)
            if (m_survey_keys[i] == current) m_survey_selected = m_survey_files[i].path;
    }
    m_settings_open = open;
}

bool KioskRuntime::tick() {
    const auto now = m_clock.mono();
    const std::string before = screen_name();
    // The hold completes with the finger still: check it without an event.
    if (m_hold.holding() && m_hold.update(m_pointer_down, m_pointer_x, m_pointer_y, now) &&
        !m_staff.visible())
        m_staff.open(now);
    m_flow->tick();
    m_staff.tick(now);
    follow_settings_screen();
    const bool enrolment_changed = follow_enrolment();
    // A new configuration from the server waits for an idle moment.
    bool configured = false;
    if (m_server_config && at_idle_moment()) {
        const ServerConfig next = std::move(*m_server_config);
        m_server_config.reset(); // tried once, even if applying it throws
        if (Status st = apply_server_config(next.touch_point, next.survey); !st)
            std::fprintf(stderr, "touchpoint-kiosk: the server's configuration was not applied: %s\n",
                         st.error().c_str());
        configured = true;
    }
    follow_screen();
    bool refreshed = false;
    if (m_staff.visible() && (m_dirty || now - m_last_refresh >= k_refresh)) {
        rebuild_models();
        refreshed = true;
    }
    const bool was_dimmed = m_dimmed, was_waking = m_wake_touch;
    follow_dimming();
    // Refreshed figures are drawn where they are shown; a locked PIN pad
    // counts down its seconds.
    const StaffScreen shown = m_staff.visible() ? m_staff.screen() : StaffScreen::closed;
    const bool figures = shown == StaffScreen::dashboard || shown == StaffScreen::huddle ||
                         shown == StaffScreen::health;
    const bool counting = (shown == StaffScreen::pin || shown == StaffScreen::set_pin) &&
                          m_staff.pin_pad(now).locked;
    return (refreshed && figures) || counting || screen_name() != before ||
           (enrolment_changed && shown == StaffScreen::connect) || configured ||
           m_dimmed != was_dimmed || m_wake_touch != was_waking;
}

std::optional<milliseconds> KioskRuntime::next_deadline() const {
    const auto now = m_clock.mono();
    std::optional<milliseconds> d = m_flow->next_deadline();
    auto take = [&](std::optional<milliseconds> x) {
        if (x && (!d || *x < *d)) d = x;
    };
    take(m_hold.until_done(now));
    take(m_staff.next_deadline(now));
    if (m_staff.visible()) take(duration_cast<milliseconds>(m_last_refresh + k_refresh - now));
    if (m_form.connecting()) take(milliseconds{100}); // look for the enrolment's outcome
    take(m_dimmer.until_dim(now));
    if (d && d->count() < 0) d = milliseconds{0};
    return d;
}

void KioskRuntime::rebuild_models() {
    m_dirty = false;
    m_last_refresh = m_clock.mono();
    const auto now = m_clock.wall();
    const std::string& lang = m_config.device.default_language;
    const TouchPointSettings& tp = *m_config.touch_point;
    m_dashboard = build_staff_dashboard(m_database, m_config.survey, tp, lang, now);
    if (m_staff.screen() == StaffScreen::huddle)
        m_huddle = build_huddle(m_database, m_config.survey, tp, lang, now);
    // Health is cheap and also feeds the staff area's database warnings.
    m_health = build_health(m_database, m_sync, m_opts.app_version, tp.time_zone);
}

void KioskRuntime::shutdown() {
    m_flow->shutdown();
}

bool KioskRuntime::report_fault(const std::string& what) {
    const auto now = m_clock.mono();
    if (m_last_fault_at && what == m_last_fault && now - *m_last_fault_at < minutes{1}) return false;
    m_last_fault = what;
    m_last_fault_at = now;
    // Best effort: the caller prints the fault too, and a database that cannot
    // write says so in its own health.
    (void)m_database.record_event(k_kiosk_fault_kind,
                                  "The kiosk met an unexpected error and carried on: " + what);
    m_dirty = true;
    return true;
}

// --- StaffHost ---

void KioskRuntime::set_paused(bool paused) {
    if (paused && !m_flow->paused()) m_flow->pause();
    if (!paused && m_flow->paused()) m_flow->resume();
}

bool KioskRuntime::sync_now() {
    return m_sync.request_sync();
}

Status KioskRuntime::acknowledge(std::int64_t event_id) {
    return m_database.acknowledge_event(event_id);
}

bool KioskRuntime::at_idle_moment() const {
    if (m_staff.visible() || m_flow->current()) return false;
    const Screen sc = m_flow->screen();
    return sc == Screen::question || sc == Screen::sleep || sc == Screen::paused;
}

Status KioskRuntime::apply_server_config(const TouchPointSettings& touch_point,
                                         const std::optional<Survey>& survey) {
    KioskConfig base = m_base;
    base.touch_point = touch_point;
    if (survey) base.survey = *survey;
    KioskConfig next = base;
    if (Status st = apply_device_overrides(m_overrides, next, m_opts.surveys_dir); !st) next = base;
    if (!next.survey.question.count(next.device.default_language)) {
        // The new survey does not speak the kiosk's default language.
        const auto langs = next.survey.languages();
        if (langs.empty()) return Status::failure("The server's survey has no question text.");
        next.device.default_language =
            next.survey.question.count("en") ? std::string("en") : langs.front();
    }
    m_base = std::move(base);
    m_config = std::move(next);
    rebuild_flow();
    seed_alerts();
    m_dirty = true;
    return Status::success();
}

Status KioskRuntime::save_pin_hashes(const std::string& manager_hash,
                                     const std::string& staff_hash) {
    DeviceIdentity next = m_identity;
    next.manager_pin_hash = manager_hash;
    next.staff_pin_hash = staff_hash;
    if (Status st = next.save(m_opts.data_dir); !st) return st;
    m_identity = std::move(next);
    return Status::success();
}

Status KioskRuntime::change_settings(const DeviceOverrides& patch) {
    const bool standalone = is_standalone(m_base);
    if (!standalone && (patch.survey_path || patch.service_standard))
        return Status::failure("The server sets the survey and the standard for this kiosk.");
    DeviceOverrides merged = m_overrides;
    merged.merge(patch);
    KioskConfig next = m_base;
    if (Status st = apply_device_overrides(merged, next, m_opts.surveys_dir); !st) return st;
    if (patch.default_language && next.device.default_language != *patch.default_language)
        return Status::failure("The survey has no question in \"" + *patch.default_language +
                               "\".");
    // Saved by its name in the surveys folder, not by where this
    // installation keeps it (an older file's absolute path is rewritten the
    // first time anything is saved).
    if (standalone && merged.survey_path)
        merged.survey_path = survey_reference(next.survey_path, m_opts.surveys_dir);
    if (Status st = merged.save(m_opts.data_dir); !st) return st;
    const bool flow_changed =
        next.survey_path != m_config.survey_path ||
        next.device.default_language != m_config.device.default_language ||
        next.touch_point->service_standard != m_config.touch_point->service_standard;
    if (next.device.dim_timeout_s != m_config.device.dim_timeout_s)
        m_dimmer = DisplayDimmer(seconds_ms(next.device.dim_timeout_s), m_clock.mono());
    m_overrides = std::move(merged);
    m_config = std::move(next);
    if (flow_changed) {
        rebuild_flow();
        seed_alerts();
    }
    m_dirty = true;
    return Status::success();
}

// --- What to show ---

bool KioskRuntime::animating() const {
    return !m_staff.visible() && m_flow->screen() == Screen::thank_you;
}

KioskView KioskRuntime::view() const {
    KioskView v;
    v.staff_visible = m_staff.visible();
    if (v.staff_visible)
        v.staff = staff_view();
    else
        v.customer = customer_view();
    return v;
}

CustomerView KioskRuntime::customer_view() const {
    const KioskFlow& flow = *m_flow;
    CustomerView v;
    v.screen = flow.screen();
    v.survey = &flow.settings().survey;
    v.language = flow.language();
    v.high_contrast = flow.high_contrast();
    v.large_text = flow.large_text();
    if (const auto& r = flow.current()) {
        v.score = r->score;
        v.reasons = r->reasons;
        v.comment = r->comment;
    }
    v.shift = m_shift;
    v.thank_you_remaining = flow.thank_you_remaining();
    v.dimmed = m_dimmed;
    v.wake_touch = m_wake_touch;
    return v;
}

StaffView KioskRuntime::staff_view() const {
    StaffView v;
    v.screen = m_staff.screen();
    v.role = m_staff.role();
    v.title = m_config.touch_point->name + " · " + m_config.touch_point->store;
    v.paused = m_flow->paused();
    v.sync_available = m_health.sync.state != SyncPhase::not_configured;
    v.sync_note = describe(m_health.sync.state);
    v.open_alerts = open_alerts();
    switch (v.screen) {
    case StaffScreen::closed:
        break;
    case StaffScreen::pin:
    case StaffScreen::set_pin:
        v.pin_pad = pin_pad();
        break;
    case StaffScreen::dashboard:
        v.dashboard = m_dashboard;
        break;
    case StaffScreen::huddle:
        v.huddle = m_huddle;
        break;
    case StaffScreen::health:
        v.health = m_health;
        break;
    case StaffScreen::settings:
        v.settings = settings();
        break;
    case StaffScreen::connect:
        v.connect = m_form.model();
        break;
    }
    return v;
}

SettingsModel KioskRuntime::settings() const {
    SettingsModel m;
    m.standalone = is_standalone(m_base);
    for (const auto& code : m_config.survey.languages())
        m.languages.emplace_back(code, language_display_name(code));
    m.language = m_config.device.default_language;
    m.dim_timeout_s = m_config.device.dim_timeout_s;
    m.survey_path = m_config.survey_path;
    m.scale = m_config.survey.scale;
    m.headline_name = std::string(headline_name(m.scale));
    m.standard = m_config.touch_point->service_standard;
    m.notice = m_staff.notice();
    m.head_office = m_identity.server_url;
    if (m.standalone) {
        if (m_survey_selected_for == m_config.survey_path) m.survey_path = m_survey_selected;
        m.surveys = m_survey_files;
    }
    return m;
}

std::string KioskRuntime::screen_name() const {
    if (m_staff.visible()) return "staff_" + std::string(to_string(m_staff.screen()));
    return std::string(to_string(m_flow->screen()));
}

std::string KioskRuntime::trace_line() const {
    nlohmann::json j;
    j["screen"] = screen_name();
    j["paused"] = m_flow->paused();
    j["survey"] = m_config.survey.id;
    j["survey_version"] = m_config.survey.version;
    j["question"] = pick(m_config.survey.question, m_flow->language());
    j["scale"] = std::string(to_string(m_config.survey.scale));
    auto opt = [](const std::optional<double>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    switch (m_staff.screen()) {
    case StaffScreen::closed:
        break;
    case StaffScreen::pin:
    case StaffScreen::set_pin: {
        const PinPadModel p = pin_pad();
        j["entered"] = p.entered;
        j["locked"] = p.locked;
        j["message"] = p.message;
        j["title"] = p.title;
        break;
    }
    case StaffScreen::dashboard: {
        const StaffDashboardView& d = m_dashboard;
        j["role"] = std::string(to_string(m_staff.role()));
        j["today"] = d.today;
        j["count"] = d.today_metrics.count;
        j["misuse"] = d.today_metrics.misuse;
        j["headline_name"] = d.headline_name;
        j["headline"] = opt(d.today_metrics.headline);
        j["satisfaction_index"] = opt(d.today_metrics.satisfaction_index);
        j["meets"] = d.today_meets ? nlohmann::json(*d.today_meets) : nlohmann::json(nullptr);
        nlohmann::json dist = nlohmann::json::object();
        for (const auto& a : d.distribution)
            dist[std::to_string(a.score)] = a.count;
        j["distribution"] = dist;
        std::int64_t hours = 0;
        for (auto n : d.per_hour)
            hours += n;
        j["per_hour_total"] = hours;
        j["consistency"] = std::string(to_string(d.consistency.level));
        j["alerts"] = d.alerts.size();
        break;
    }
    case StaffScreen::huddle:
        j["yesterday"] = m_huddle.yesterday;
        j["count"] = m_huddle.yesterday_metrics.count;
        j["headline"] = opt(m_huddle.yesterday_metrics.headline);
        break;
    case StaffScreen::health:
        j["pending"] = m_health.database.pending;
        j["database_state"] = m_health.database.state;
        j["sync"] = m_health.sync.last_error;
        j["events"] = m_health.events.size();
        break;
    case StaffScreen::settings: {
        const SettingsModel s = settings();
        j["language"] = s.language;
        j["dim_timeout_s"] = s.dim_timeout_s;
        j["standard"] = s.standard;
        j["notice"] = s.notice;
        j["connected_to"] = m_identity.server_url;
        break;
    }
    case StaffScreen::connect: {
        const ConnectModel& c = m_form.model();
        j["enrolment"] = std::string(to_string(c.phase));
        j["problem"] = std::string(to_string(c.problem));
        j["message"] = c.message;
        j["field"] = c.field == EnrolmentField::code ? "code" : "server_url";
        j["server_url"] = c.server_url;
        j["code_chars"] = c.code.size();
        j["connected_to"] = c.connected_to;
        break;
    }
    }
    // Texts here come from files and the server: replace what is not UTF-8.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace touchpoint
