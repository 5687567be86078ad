// touchpoint-kiosk: the composition root. Reads like Dear ImGui's SDL2
// examples: set up, loop (events -> new frame -> draw -> render -> present),
// clean up in reverse — each phase a call into platform::, ui:: or the
// app library.
#include "app/clock.h"
#include "app/display_dimmer.h"
#include "app/export.h"
#include "app/flow.h"
#include "app/identity.h"
#include "app/kiosk_doctor.h"
#include "app/kiosk_config.h"
#include "app/kiosk_runtime.h"
#include "app/staff_auth.h"
#include "app/staff_sync.h"
#include "app/store.h"
#include "app/translations.h"
#include "platform/window.h"
#include "service/install_paths.h"
#include "service/instances.h"
#include "service/notify.h"
#include "sync/enroll.h"
#include "sync/kiosk_sync.h"
#include "sync/remote_config.h"
#include "sync/server_probe.h"
#include "sync/sync_worker.h"
#include "ui/customer_screen.h"
#include "ui/keyboard.h"
#include "ui/layout.h"
#include "ui/screens.h"
#include "ui/staff_screens.h"
#include "ui/theme.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>

using namespace touchpoint;

namespace {

// The surveys, translations and sample config: $TOUCHPOINT_ASSETS, else
// ../share/touchpoint beside this binary, else (a build tree) the source
// tree's assets. Asked for only while starting; without them the kiosk
// cannot run, so it says why and exits.
std::string assets_dir() {
    auto dir = service::data_dir();
    if (!dir) {
        std::cerr << "touchpoint-kiosk: " << dir.error() << "\n";
        std::exit(2);
    }
    return *dir;
}

struct Options {
    std::string config;
    std::string data_dir;
    std::string windowed; // "WxH"
    std::string format = "csv";
    std::string ui_trace; // diagnostics: append one JSON line per changed screen
    std::string renderer; // "" = the config's
    // enroll
    std::string server;
    std::string code;
    std::string device_name = "kiosk";
    std::string ca_file;
    std::string pin;
};

bool parse_size(const std::string& text, int& w, int& h) {
    char x = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3) return false;
    return (x == 'x' || x == 'X') && w >= 320 && h >= 240 && w <= 16384 && h <= 16384;
}

// The config's (or --renderer's) renderer by name.
platform::Renderer renderer_named(const std::string& name) {
    return name == "software" ? platform::Renderer::software
           : name == "gpu"    ? platform::Renderer::gpu
                              : platform::Renderer::automatic;
}

// Loads the config (the sample standalone one when none is given) and
// resolves the data dir: --data-dir, then the config's, then the default.
Result<KioskConfig> load_config(Options& opt, bool enrolled = false) {
    std::string path = opt.config.empty() ? assets_dir() + "/kiosk.toml" : opt.config;
    auto cfg = load_kiosk_config(path, enrolled);
    if (!cfg) return cfg;
    if (opt.data_dir.empty()) opt.data_dir = cfg->device.data_dir;
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    return cfg;
}

// The data dir of a subcommand: --data-dir, else the one --config names (an
// enrolled kiosk's config may leave out [touch_point]), else the default.
Status resolve_data_dir(Options& opt) {
    if (opt.data_dir.empty() && !opt.config.empty())
        if (auto cfg = load_config(opt, true); !cfg) return Status::failure(cfg.error());
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    return Status::success();
}

int run_export(Options& opt) {
    if (Status st = resolve_data_dir(opt); !st) {
        std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
        return 2;
    }
    std::string db = opt.data_dir + "/responses.db";
    if (FILE* f = std::fopen(db.c_str(), "rb")) {
        std::fclose(f);
    } else {
        std::cerr << "touchpoint-kiosk: no responses database at " << db << "\n";
        return 1;
    }
    auto store = ResponseStore::open(db);
    if (!store) {
        std::cerr << "touchpoint-kiosk: " << store.error() << "\n";
        return 1;
    }
    auto rows = export_responses(
        **store, opt.format == "jsonl" ? ExportFormat::jsonl : ExportFormat::csv, std::cout);
    std::cout.flush();
    if (!rows) {
        std::cerr << "touchpoint-kiosk: export failed: " << rows.error() << "\n";
        return 1;
    }
    std::cerr << "exported " << *rows << " responses\n";
    return 0;
}

// `doctor`: the checks of app/kiosk_doctor.h with the config and data dir a
// start would use; the display probed through SDL, the server through the
// sync thread's HTTP client.
int run_doctor(Options& opt) {
    DoctorInput in;
    in.config_path = opt.config.empty() ? assets_dir() + "/kiosk.toml" : opt.config;
    // Whether [touch_point] may be left out is known once the identity is
    // read: the checks say so.
    auto cfg = load_config(opt, true);
    if (cfg)
        in.config = *cfg;
    else
        in.config_error = cfg.error();
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    in.data_dir = opt.data_dir;

    const platform::Renderer renderer = renderer_named(cfg ? cfg->device.renderer : "auto");
    in.probe_display = [renderer] {
        const platform::DisplayCheck c = platform::check_display(renderer);
        DisplayProbe d;
        d.found = c.found;
        d.driver = c.driver;
        d.width = c.width;
        d.height = c.height;
        d.renderer = c.renderer;
        d.problem = c.problem;
        return d;
    };
    const platform::FontFiles fonts = platform::font_files();
    for (const auto& path : fonts.latin)
        in.latin_fonts.push_back({path, platform::font_file_problem(path)});
    in.cjk_font = FontProbe{fonts.cjk, platform::font_file_problem(fonts.cjk)};

    sync::HttpOptions http;
    if (cfg) {
        http.ca_file = cfg->device.ca_file;
        http.pinned_key = cfg->device.server_pin;
    }
    http.total_timeout = std::chrono::seconds(15);
    in.probe_server = [http](const std::string& url, const std::string& token) mutable {
        http.base_url = url;
        return sync::probe_server(http, token);
    };
    return print_kiosk_checks(run_kiosk_checks(in), std::cout);
}

// --- The kiosk ---

// Font sizes of the customer screens, plus the staff screens' while the staff
// area is open (loaded only then: a smaller atlas keeps the kiosk small).
std::vector<float> font_sizes(std::pair<int, int> size, float dpi, bool staff) {
    const float w = static_cast<float>(size.first), h = static_cast<float>(size.second);
    std::vector<float> sizes = ui::font_pixel_sizes(w, h, dpi);
    if (staff)
        for (float px : ui::staff_font_pixel_sizes(w, h, dpi))
            sizes.push_back(px);
    std::sort(sizes.begin(), sizes.end());
    std::vector<float> out;
    for (float px : sizes)
        if (out.empty() || px - out.back() > 1.0f) out.push_back(px);
    return out;
}

std::vector<std::string> all_texts(const Survey& s, const Catalogue& cat, const std::string& language,
                                   bool staff) {
    std::vector<std::string> texts = ui::customer_texts(s, cat, language);
    if (staff)
        for (auto& t : ui::staff_texts())
            texts.push_back(std::move(t));
    return texts;
}

StaffIntent draw_staff(const KioskRuntime& s, float dpi) {
    ui::Look look{false, false, dpi};
    ui::StaffChrome c;
    c.role = s.staff().role();
    c.screen = s.staff().screen();
    c.title = s.config().touch_point->name + " · " + s.config().touch_point->store;
    c.paused = s.flow().paused();
    const SyncStatus sync = s.health().sync;
    c.sync_available = sync.state != SyncPhase::not_configured;
    c.sync_note = describe(sync.state);
    c.open_alerts = s.open_alerts();
    c.look = look;
    switch (s.staff().screen()) {
    case StaffScreen::closed:
        return {};
    case StaffScreen::pin:
    case StaffScreen::set_pin:
        return ui::draw_pin_pad(s.pin_pad(), look);
    case StaffScreen::dashboard:
        return ui::draw_dashboard(s.dashboard(), c);
    case StaffScreen::huddle:
        return ui::draw_huddle(s.huddle(), c);
    case StaffScreen::health:
        return ui::draw_health(s.health(), c);
    case StaffScreen::settings:
        return ui::draw_settings(s.settings(), c);
    case StaffScreen::connect:
        return ui::draw_connect(s.connect_model(), c);
    }
    return {};
}

// Diagnostics (--ui-trace): one JSON line each time what is shown changes.
class UiTrace {
  public:
    explicit UiTrace(const std::string& path) {
        if (!path.empty()) m_out.open(path, std::ios::app);
    }
    void frame_drawn(const KioskRuntime& s) {
        if (!m_out.is_open()) return;
        std::string line = s.trace_line();
        if (line == m_last) return;
        m_out << line << "\n" << std::flush;
        m_last = std::move(line);
    }

  private:
    std::ofstream m_out;
    std::string m_last;
};

// The service manager's view of the kiosk (service/notify.h): READY=1 once
// the first frame is on screen, WATCHDOG=1 from the event loop while it
// turns, STOPPING=1 when it quits. Under cage, the unit's main process, the
// kiosk is a child of the watched PID (NotifyAccess=all). Outside a service
// every call does nothing.
class ServiceNotifier {
  public:
    ServiceNotifier() : m_interval(service::watchdog_interval(true)) {}

    // The longest the event wait may sleep: half the watchdog interval, so
    // an idle kiosk (nothing drawn) still wakes in time to say it is alive.
    int cap_wait_ms(int timeout_ms) const {
        if (!m_interval) return timeout_ms;
        const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(*m_interval / 2);
        return static_cast<int>(std::min<long long>(timeout_ms, std::max<long long>(half.count(), 1)));
    }
    // A frame was presented: the first one makes the kiosk ready.
    void frame_presented(std::chrono::steady_clock::time_point now) {
        if (m_ready) return;
        m_ready = true;
        send("READY=1");
        m_last_ping = now;
    }
    // Once per turn of the event loop; pings when a quarter interval has
    // passed (a loop drawing 60 frames a second sends a few a second, not 60).
    void loop_turned(std::chrono::steady_clock::time_point now) {
        if (!m_ready || !m_interval || now - m_last_ping < *m_interval / 4) return;
        m_last_ping = now;
        send("WATCHDOG=1");
    }
    void stopping() { send("STOPPING=1"); }

  private:
    void send(const char* state) {
        if (Status st = service::notify(state); !st && !m_reported) {
            m_reported = true; // once: the watchdog will say the rest
            std::cerr << "touchpoint-kiosk: cannot notify the service manager: " << st.error()
                      << "\n";
        }
    }

    std::optional<std::chrono::microseconds> m_interval;
    bool m_ready = false;
    bool m_reported = false;
    std::chrono::steady_clock::time_point m_last_ping{};
};

// Applies a customer intent to the flow and the UI-only state.
void apply(KioskFlow& flow, const ui::Intent& in, ui::CustomerState& ui_state, DisplayDimmer& dimmer) {
    using K = ui::Intent::Kind;
    switch (in.kind) {
    case K::none:
        break;
    case K::rate: {
        Status st = flow.tap_rating(in.score);
        if (!st) std::cerr << "touchpoint-kiosk: could not record a rating: " << st.error() << "\n";
        ui_state.shift = false;
        break;
    }
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
    case K::comment_done:
        flow.comment_done();
        break;
    case K::type_text:
    case K::backspace:
        if (flow.current())
            flow.set_comment(ui::apply_key(flow.current()->comment, in,
                                           flow.settings().survey.comment_max_length));
        ui_state.shift = ui::shift_after(ui_state.shift, in);
        break;
    case K::toggle_shift:
        ui_state.shift = ui::shift_after(ui_state.shift, in);
        break;
    case K::wake:
        dimmer.consume_wake_touch();
        break;
    }
}

// The link to head office: the sync thread once the kiosk is enrolled (an
// enrolled kiosk runs the touch point settings and survey its server gave
// it, cached at enrolment and after each pull), and enrolment from the
// manager's settings ("Connect to head office"), which starts it.
std::unique_ptr<sync::HeadOfficeLink> start_sync(const KioskConfig& cfg, const DeviceIdentity& identity,
                                                 const std::string& data_dir) {
    sync::SyncSettings ss;
    ss.http.ca_file = cfg.device.ca_file;
    ss.http.pinned_key = cfg.device.server_pin;
    ss.data_dir = data_dir;
    ss.config_interval = std::chrono::milliseconds(static_cast<long long>(cfg.device.config_poll_s * 1000));
    ss.heartbeat_interval = std::chrono::milliseconds(static_cast<long long>(cfg.device.heartbeat_s * 1000));
    auto link = std::make_unique<sync::HeadOfficeLink>(ss, data_dir + "/responses.db");
    if (!identity.device_token.empty() && !identity.server_url.empty())
        if (Status st = link->start_syncing(identity.server_url, identity.device_token); !st)
            std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
    return link;
}

// What the kiosk reads before it shows anything: configuration, identity,
// the server's configuration when enrolled, translations.
struct KioskStart {
    KioskConfig cfg;
    DeviceIdentity identity;
    std::optional<Catalogue> catalogue;
};

// Reads and checks the configuration the kiosk needs before its window; 0
// when it may start, else the exit code (the reason is printed). Runs on its
// own thread while the UI thread starts the display.
int prepare_kiosk(Options& opt, KioskStart& out) {
    // The config may leave out [touch_point] when the kiosk is enrolled (the
    // server provides it); that is known once the identity in the data dir is read.
    auto cfg = load_config(opt, true);
    if (!cfg) {
        std::cerr << "touchpoint-kiosk: " << cfg.error() << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad configuration\n";
        return 2;
    }
    auto identity = DeviceIdentity::load_or_create(opt.data_dir);
    if (!identity) {
        std::cerr << "touchpoint-kiosk: " << identity.error() << "\n";
        return 1;
    }
    const bool enrolled = !identity->device_token.empty() && !identity->server_url.empty();
    if (!enrolled && !cfg->touch_point) {
        std::cerr << "touchpoint-kiosk: " << missing_touch_point_message(cfg->origin) << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad configuration\n";
        return 2;
    }
    // An enrolled kiosk runs what its server gave it (cached at enrolment).
    std::optional<sync::RemoteConfig> remote;
    if (enrolled) {
        auto r = sync::load_remote_config(opt.data_dir);
        if (!r && !cfg->touch_point) {
            std::cerr << "touchpoint-kiosk: " << r.error() << "\n";
            return 1;
        }
        if (r) remote = std::move(*r);
    }
    if (remote) {
        cfg->touch_point = remote->touch_point;
        if (remote->survey) cfg->survey = *remote->survey;
        cfg->device.server_url = identity->server_url;
        if (!cfg->survey.question.count(cfg->device.default_language) && !cfg->survey.question.empty())
            cfg->device.default_language =
                cfg->survey.question.count("en") ? std::string("en") : cfg->survey.languages().front();
    }
    if (cfg->survey.question.empty()) {
        std::cerr << "touchpoint-kiosk: no survey has been published for this touch point yet\n";
        return 1;
    }
    auto catalogue = load_catalogue(assets_dir() + "/i18n", cfg->survey.languages());
    if (!catalogue) {
        std::cerr << "touchpoint-kiosk: " << catalogue.error() << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad translation file\n";
        return 2;
    }
    for (const auto& lang : catalogue->missing())
        std::cerr << "touchpoint-kiosk: no translation file for \"" << lang << "\"; English is shown\n";
    out.cfg = std::move(*cfg);
    out.identity = std::move(*identity);
    out.catalogue = std::move(*catalogue);
    return 0;
}

// Opens the database, closes what the last run left open and prunes old
// synced rows; nullptr when it cannot be opened (the reason is printed).
std::unique_ptr<ResponseStore> open_kiosk_store(const std::string& data_dir, int retention_days) {
    auto store_result = ResponseStore::open(data_dir + "/responses.db");
    if (!store_result) {
        std::cerr << "touchpoint-kiosk: " << store_result.error() << "\n";
        return nullptr;
    }
    std::unique_ptr<ResponseStore> store = std::move(*store_result);
    if (auto closed = store->close_all_open(); closed && *closed > 0)
        std::cerr << "touchpoint-kiosk: closed " << *closed
                  << " responses left open by the last run\n";
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            SystemClock().wall().time_since_epoch())
                            .count();
    if (auto pruned = store->prune_synced(retention_days, now_ms); !pruned)
        std::cerr << "touchpoint-kiosk: pruning old responses failed: " << pruned.error() << "\n";
    return store;
}

int run_kiosk(Options& opt) {
    // Start-up overlaps its slow parts: SDL's video start (the X connection)
    // with reading the configuration; making the window and renderer with
    // building the first screen's font atlas and opening the database.
    platform::configure_environment(renderer_named(opt.renderer));
    KioskStart start;
    auto prepared = std::async(std::launch::async, [&] { return prepare_kiosk(opt, start); });
    std::string video_error;
    const bool video = platform::init_video(video_error);
    if (const int code = prepared.get(); code != 0) return code;
    KioskConfig* cfg = &start.cfg;
    DeviceIdentity* identity = &start.identity;
    Catalogue* catalogue = &*start.catalogue;
    auto store_opened = std::async(std::launch::async, [&] {
        return open_kiosk_store(opt.data_dir, cfg->device.retention_days);
    });
    if (!video) {
        if (!store_opened.get()) return 1; // its reason first, as without the display
        std::cerr << "touchpoint-kiosk: " << video_error << "\n";
        return 1;
    }

    platform::WindowOptions wo;
    int w = 0, h = 0;
    if (!opt.windowed.empty() && parse_size(opt.windowed, w, h)) {
        wo.fullscreen = false;
        wo.width = w;
        wo.height = h;
    } else if (!cfg->device.fullscreen) {
        wo.fullscreen = false;
        wo.width = cfg->device.width;
        wo.height = cfg->device.height;
    }
    wo.title = "Touchpoint — " + cfg->touch_point->name;
    wo.renderer = renderer_named(opt.renderer.empty() ? cfg->device.renderer : opt.renderer);

    // The fonts of the question screen in the default language (what nearly
    // every start shows first), built while the window is made.
    const float dpi_ahead =
        cfg->device.dpi > 0 ? static_cast<float>(cfg->device.dpi) : platform::display_dpi();
    std::optional<platform::FontAtlasJob> first_fonts;
    first_fonts.emplace(font_sizes(platform::planned_size(wo), dpi_ahead, false),
                        all_texts(cfg->survey, *catalogue, cfg->device.default_language, false));

    std::string error;
    auto window = platform::Window::create(wo, error);
    std::unique_ptr<ResponseStore> store = store_opened.get();
    if (!store) return 1;
    if (!window) {
        std::cerr << "touchpoint-kiosk: " << error << "\n";
        return 1;
    }
    if (!window->renderer_note().empty())
        std::cerr << "touchpoint-kiosk: " << window->renderer_note() << "\n";
    std::cerr << "touchpoint-kiosk: drawing with " << window->renderer_name() << "\n";
    const float dpi = cfg->device.dpi > 0 ? static_cast<float>(cfg->device.dpi) : window->dpi();
    SystemClock clock;

    // The sync thread (enrolled kiosks only) has its own store connection.
    std::unique_ptr<sync::HeadOfficeLink> worker = start_sync(*cfg, *identity, opt.data_dir);
    SyncControl& sync_control = *worker;

    RuntimeOptions so{opt.data_dir, assets_dir() + "/surveys", TOUCHPOINT_VERSION};
    auto runtime_result = KioskRuntime::create(*cfg, *identity, *store, clock, sync_control, so);
    if (!runtime_result) {
        std::cerr << "touchpoint-kiosk: " << runtime_result.error() << "\n";
        return 1;
    }
    KioskRuntime& runtime = **runtime_result;
    for (const auto& w : runtime.warnings())
        std::cerr << "touchpoint-kiosk: " << w << "\n";
    UiTrace trace(opt.ui_trace);

    std::pair<int, int> last_size = window->size();
    bool staff_fonts = runtime.staff_visible();
    std::string font_language = runtime.flow().language();
    auto wanted_sizes = [&] { return font_sizes(last_size, dpi, staff_fonts); };
    auto wanted_texts = [&] {
        return all_texts(runtime.config().survey, *catalogue, font_language, staff_fonts);
    };
    auto reload_fonts = [&] { window->load_fonts(wanted_sizes(), wanted_texts()); };
    if (first_fonts->sizes() == wanted_sizes() && first_fonts->texts() == wanted_texts())
        window->adopt_fonts(*first_fonts);
    else
        reload_fonts(); // another first screen, or not the window or display planned
    first_fonts.reset(); // an atlas not adopted is freed now
    bool contrast = false;
    ui::apply_theme(contrast);
    ui::CustomerState ui_state;
    DisplayDimmer dimmer(std::chrono::milliseconds(static_cast<long long>(cfg->device.dim_timeout_s * 1000)),
                         clock.mono());
    std::optional<sync::RemoteConfig> pending_config;
    Screen last_screen = runtime.flow().screen();
    int frames_to_draw = 3;
    // A compositor may show the window only after its first frames were
    // drawn, and an idle kiosk draws nothing more. So for a few seconds
    // after the start and after any window event, the frame is drawn again
    // four times a second; then the loop sleeps as before. cage puts an
    // Xwayland window on its output up to several seconds after it was
    // mapped, and sends no expose event when it does: 15 s there.
    const auto k_settle = window->through_xwayland() ? std::chrono::seconds(15)
                                                     : std::chrono::seconds(3);
    auto settle_until = clock.mono() + k_settle;
    ServiceNotifier service_manager;
    // Nothing throws into the frame loop: what escapes one turn of it (a
    // bug, or memory running out) ends that turn, is shown in the staff
    // area's health panel, and the kiosk carries on.
    bool frame_open = false;
    auto on_fault = [&](const std::string& what) {
        if (frame_open) window->abandon_frame();
        frame_open = false;
        if (runtime.report_fault(what))
            std::cerr << "touchpoint-kiosk: unexpected error (carrying on): " << what << "\n";
        // Draw again after the next event or deadline, not at once: a fault
        // that repeats must not spin the loop.
        frames_to_draw = 0;
    };
    while (!window->quit_requested() && !runtime.exit_requested()) {
        try {
            // Render only when something changed; otherwise sleep until an event
            // or the next deadline (flow timeouts, the corner hold, staff timeout, dimming).
            const auto mono = clock.mono();
            int timeout_ms = 1000;
            if (auto d = runtime.next_deadline())
                timeout_ms = static_cast<int>(std::min<long long>(d->count() + 1, 1000));
            if (auto d = dimmer.until_dim(mono))
                timeout_ms = std::min(timeout_ms, static_cast<int>(d->count() + 1));
            if (runtime.flow().screen() == Screen::thank_you && !runtime.staff_visible())
                timeout_ms = std::min(timeout_ms, 100); // countdown bar
            const bool settling = mono < settle_until;
            if (settling) timeout_ms = std::min(timeout_ms, 250);
            timeout_ms = service_manager.cap_wait_ms(timeout_ms);
            if (frames_to_draw > 0 || window->input_pending()) timeout_ms = 0;
            service_manager.loop_turned(std::chrono::steady_clock::now());
            if (window->wait_events(timeout_ms)) {
                runtime.flow().note_activity(); // any touch keeps a follow-up alive
                if (window->input_pending()) dimmer.note_activity(clock.mono());
                frames_to_draw = std::max(frames_to_draw, 3);
            } else if (settling) {
                frames_to_draw = std::max(frames_to_draw, 1);
            }
            if (window->take_window_changed()) settle_until = clock.mono() + k_settle;
            if (window->quit_requested()) break;

            // Only what changed is drawn again: an idle staff screen (the first
            // start's "set a manager PIN" left overnight) costs no frames.
            if (runtime.tick() ||
                (runtime.flow().screen() == Screen::thank_you && !runtime.staff_visible()))
                frames_to_draw = std::max(frames_to_draw, runtime.staff_visible() ? 1 : 2);

            // A response was closed: let the sync thread send it soon.
            const Screen screen = runtime.flow().screen();
            if (screen != last_screen) {
                if (worker && (screen == Screen::thank_you || screen == Screen::question))
                    worker->notify_new_response();
                if (screen == Screen::comment) ui_state.shift = false;
                last_screen = screen;
            }
            // A new configuration from the server waits for an idle moment.
            if (worker)
                if (auto fresh = worker->take_new_config()) pending_config = std::move(fresh);
            if (pending_config && runtime.at_idle_moment()) {
                const sync::RemoteConfig next = std::move(*pending_config);
                pending_config.reset(); // tried once, even if applying it throws
                if (Status st = runtime.apply_server_config(next.touch_point, next.survey); !st)
                    std::cerr << "touchpoint-kiosk: the server's configuration was not applied: " << st.error() << "\n";
                reload_fonts();
                frames_to_draw = std::max(frames_to_draw, 2);
            }

            // Dim the idle question and sleep screens.
            dimmer.set_enabled(!runtime.staff_visible() &&
                                   (screen == Screen::question || screen == Screen::sleep),
                               clock.mono());
            const bool dim = dimmer.dimmed(clock.mono());
            if (dim != ui_state.dimmed || dimmer.wake_touch_pending() != ui_state.wake_touch) {
                if (dim != window->dimmed()) window->set_dimmed(dim);
                ui_state.dimmed = dim;
                ui_state.wake_touch = dimmer.wake_touch_pending();
                frames_to_draw = std::max(frames_to_draw, 2);
            }

            if (window->size() != last_size || runtime.staff_visible() != staff_fonts ||
                runtime.flow().language() != font_language) {
                last_size = window->size();
                staff_fonts = runtime.staff_visible();
                font_language = runtime.flow().language();
                reload_fonts();
                frames_to_draw = std::max(frames_to_draw, 2);
            }
            if (frames_to_draw <= 0 && !window->input_pending()) continue;

            const bool want_contrast = runtime.flow().high_contrast() && !runtime.staff_visible();
            if (want_contrast != contrast) {
                contrast = want_contrast;
                ui::apply_theme(contrast);
            }
            window->begin_frame();
            frame_open = true;
            const ImGuiIO& io = ImGui::GetIO();
            runtime.pointer(io.MouseDown[0], io.MousePos.x, io.MousePos.y, ui::min_target_px(dpi));
            ui::Intent intent;
            StaffIntent staff_intent;
            if (runtime.staff_visible())
                staff_intent = draw_staff(runtime, dpi);
            else
                intent = ui::draw_customer(runtime.flow(), *catalogue, ui_state, dpi);
            window->end_frame();
            frame_open = false;
            service_manager.frame_presented(std::chrono::steady_clock::now());
            trace.frame_drawn(runtime);
            --frames_to_draw;
            if (intent.kind != ui::Intent::Kind::none) {
                apply(runtime.flow(), intent, ui_state, dimmer);
                frames_to_draw = std::max(frames_to_draw, 3);
            }
            if (staff_intent.kind != StaffIntent::Kind::none) {
                const bool survey_changes = staff_intent.kind == StaffIntent::Kind::set_survey;
                runtime.handle(staff_intent);
                if (survey_changes) reload_fonts();
                frames_to_draw = std::max(frames_to_draw, 3);
            }
        } catch (const std::exception& e) {
            on_fault(e.what());
        } catch (...) {
            on_fault("an unknown error");
        }
    }

    service_manager.stopping();
    runtime.shutdown();
    worker.reset(); // stops the sync thread (an upload in progress is abandoned)
    store->mark_clean_shutdown();
    return 0;
}

// `enroll`: turns a one-time code into a device token, caches the server's
// configuration, and records the enrolment in the device identity.
int run_enroll(Options& opt) {
    if (Status st = resolve_data_dir(opt); !st) {
        std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
        return 2;
    }
    auto identity = DeviceIdentity::load_or_create(opt.data_dir);
    if (!identity) {
        std::cerr << "touchpoint-kiosk: " << identity.error() << "\n";
        return 1;
    }
    sync::HttpOptions http;
    http.base_url = opt.server;
    http.ca_file = opt.ca_file;
    http.pinned_key = opt.pin;
    auto e = sync::enroll(http, opt.code, opt.device_name, opt.data_dir);
    if (!e) {
        std::cerr << "touchpoint-kiosk: " << e.error() << "\n";
        return 1;
    }
    DeviceIdentity next = *identity;
    next.device_token = e->token;
    next.server_url = opt.server;
    if (!e->device_id.empty()) next.device_id = e->device_id;
    if (Status st = next.save(opt.data_dir); !st) {
        std::cerr << "touchpoint-kiosk: enrolled, but the identity could not be saved: " << st.error() << "\n";
        return 1;
    }
    std::cout << "enrolled: device " << next.device_id << " at store " << e->store << ", touch point "
              << e->touch_point << " (" << opt.server << ")\n";
    return 0;
}

// `hash-pin`: reads a PIN on stdin, prints its Argon2id hash (for the
// config's [device] manager_pin_hash / staff_pin_hash).
int run_hash_pin() {
    std::string pin;
    std::getline(std::cin, pin);
    while (!pin.empty() && (pin.back() == '\r' || pin.back() == ' '))
        pin.pop_back();
    auto hash = hash_pin(pin);
    if (!hash) {
        std::cerr << "touchpoint-kiosk: " << hash.error() << "\n";
        return 2;
    }
    std::cout << *hash << "\n";
    return 0;
}

// `stop`: asks the running kiosk of this user to end (SIGTERM) and waits
// for it, so it closes its open response and its database while its display
// is still there (the unit's ExecStop, before systemd ends cage).
int run_stop(double timeout_s) {
    auto r = service::stop_other_instances(
        std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000)));
    if (!r) {
        std::cerr << "touchpoint-kiosk stop: " << r.error() << "\n";
        return 1;
    }
    if (r->found == 0) {
        std::cout << "no kiosk of this user is running\n";
        return 0;
    }
    if (r->stopped < r->found) {
        std::cerr << "touchpoint-kiosk stop: " << (r->found - r->stopped) << " of " << r->found
                  << " kiosk(s) still running after " << timeout_s << " s\n";
        return 1;
    }
    std::cout << "stopped " << r->stopped << " kiosk(s)\n";
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Touchpoint kiosk: customer-experience ratings at a touch point",
                 "touchpoint-kiosk"};
    app.set_version_flag("--version", std::string("touchpoint-kiosk ") + TOUCHPOINT_VERSION);
    Options opt;
    app.add_option("--config", opt.config,
                   "Kiosk config file (TOML); default: the sample standalone config")
        ->check(CLI::ExistingFile);
    app.add_option("--data-dir", opt.data_dir,
                   "Folder for the responses database and device identity");
    app.add_option("--windowed", opt.windowed,
                   "Run in a window of this size instead of full screen, e.g. 1280x800")
        ->check(CLI::Validator(
            [](std::string& s) {
                int w = 0, h = 0;
                return parse_size(s, w, h) ? std::string() : "expected WIDTHxHEIGHT, e.g. 1280x800";
            },
            "WxH"));

    CLI::App* exp = app.add_subcommand("export", "Write the local responses to stdout");
    exp->add_option("--data-dir", opt.data_dir, "Folder of the responses database");
    exp->add_option("--config", opt.config, "Kiosk config file (for its data_dir)")
        ->check(CLI::ExistingFile);
    exp->add_option("--format", opt.format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
    app.add_option("--renderer", opt.renderer,
                   "auto (the GPU if the machine has one, else software), software or gpu; "
                   "default: the config's device.renderer")
        ->check(CLI::IsMember({"auto", "software", "gpu"}));
    app.add_option("--ui-trace", opt.ui_trace,
                   "Diagnostics: append a JSON line describing the screen each time it changes");
    CLI::App* enr = app.add_subcommand("enroll", "Enrol this kiosk with a server using a one-time code");
    enr->add_option("--server", opt.server, "Server URL, e.g. https://hq.example.com:8443")->required();
    enr->add_option("--code", opt.code, "One-time enrolment code from head office")->required();
    enr->add_option("--data-dir", opt.data_dir, "Folder for the device identity and data");
    enr->add_option("--config", opt.config, "Kiosk config file (for its data_dir)")->check(CLI::ExistingFile);
    enr->add_option("--name", opt.device_name, "Device name shown to head office");
    enr->add_option("--ca-file", opt.ca_file, "CA bundle for the server's certificate")->check(CLI::ExistingFile);
    enr->add_option("--pin", opt.pin, "Public-key pin, sha256//<base64>");
    CLI::App* doc = app.add_subcommand(
        "doctor", "Check the display, fonts, data folder, database and server, in plain words");
    doc->add_option("--config", opt.config, "Kiosk config file (default: the sample standalone config)")
        ->check(CLI::ExistingFile);
    doc->add_option("--data-dir", opt.data_dir, "Folder of the responses database and device identity");
    CLI::App* hash = app.add_subcommand(
        "hash-pin", "Read a PIN (4 to 8 digits) on stdin and print its Argon2id hash");
    double stop_timeout_s = 10;
    CLI::App* stop = app.add_subcommand(
        "stop", "Ask the running kiosk of this user to close its data and end, and wait for it");
    stop->add_option("--timeout", stop_timeout_s, "Seconds to wait (default 10)")
        ->check(CLI::Range(0.1, 600.0));
    app.require_subcommand(0, 1);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "touchpoint-kiosk: " << e.what() << "\n\n" << app.help();
        return 2;
    }
    // The frame loop carries on through errors (run_kiosk); anywhere else an
    // exception ends the program with a message rather than an abort.
    try {
        if (exp->parsed()) return run_export(opt);
        if (enr->parsed()) return run_enroll(opt);
        if (doc->parsed()) return run_doctor(opt);
        if (hash->parsed()) return run_hash_pin();
        if (stop->parsed()) return run_stop(stop_timeout_s);
        return run_kiosk(opt);
    } catch (const std::exception& e) {
        std::cerr << "touchpoint-kiosk: unexpected error: " << e.what() << "\n";
    } catch (...) {
        std::cerr << "touchpoint-kiosk: unexpected error\n";
    }
    return 1;
}
