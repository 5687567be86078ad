// touchpoint-kiosk: the composition root. Reads like Dear ImGui's SDL2 +
// OpenGL3 example: set up, loop (events -> new frame -> draw -> render ->
// swap), clean up in reverse — each phase a call into platform::, ui:: or the
// app library.
#include "app/clock.h"
#include "app/export.h"
#include "app/flow.h"
#include "app/identity.h"
#include "app/kiosk_config.h"
#include "app/kiosk_runtime.h"
#include "app/staff_auth.h"
#include "app/staff_sync.h"
#include "app/store.h"
#include "platform/window.h"
#include "ui/layout.h"
#include "ui/screens.h"
#include "ui/staff_screens.h"
#include "ui/theme.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>

using namespace touchpoint;

namespace {

std::string assets_dir() {
    if (const char* a = std::getenv("TOUCHPOINT_ASSETS"); a && *a) return a;
    return TOUCHPOINT_ASSETS_DIR;
}

struct Options {
    std::string config;
    std::string data_dir;
    std::string windowed; // "WxH"
    std::string format = "csv";
    std::string ui_trace; // diagnostics: append one JSON line per changed screen
};

bool parse_size(const std::string& text, int& w, int& h) {
    char x = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3) return false;
    return (x == 'x' || x == 'X') && w >= 320 && h >= 240 && w <= 16384 && h <= 16384;
}

// Loads the config (the sample standalone one when none is given) and
// resolves the data dir: --data-dir, then the config's, then the default.
Result<KioskConfig> load_config(Options& opt) {
    std::string path = opt.config.empty() ? assets_dir() + "/kiosk.toml" : opt.config;
    auto cfg = load_kiosk_config(path);
    if (!cfg) return cfg;
    if (opt.data_dir.empty()) opt.data_dir = cfg->device.data_dir;
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    return cfg;
}

int run_export(Options& opt) {
    if (opt.data_dir.empty() && !opt.config.empty()) {
        auto cfg = load_config(opt);
        if (!cfg) {
            std::cerr << "touchpoint-kiosk: " << cfg.error() << "\n";
            return 2;
        }
    }
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
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

// --- The kiosk ---

std::vector<std::string> texts_to_show(const Survey& s) {
    std::vector<std::string> texts;
    for (const auto& [lang, t] : s.question)
        texts.push_back(t + language_display_name(lang));
    for (const auto& [lang, t] : s.thank_you)
        texts.push_back(t);
    for (const auto& [band, list] : s.reasons)
        for (const auto& r : list)
            for (const auto& [lang, t] : r.label)
                texts.push_back(t);
    for (const auto& a : ui::default_answers(s.scale))
        texts.push_back(a.label);
    texts.push_back("Not in use right now. Closed. Please come back during opening hours.");
    texts.push_back(
        "What was the main reason? Done Skip High contrast Larger text Very likely Not likely "
        "Very difficult Very easy");
    return texts;
}

// Font sizes of the customer and the staff screens together.
std::vector<float> font_sizes(std::pair<int, int> size, float dpi) {
    const float w = static_cast<float>(size.first), h = static_cast<float>(size.second);
    std::vector<float> sizes = ui::font_pixel_sizes(w, h, dpi);
    for (float px : ui::staff_font_pixel_sizes(w, h, dpi))
        sizes.push_back(px);
    std::sort(sizes.begin(), sizes.end());
    std::vector<float> out;
    for (float px : sizes)
        if (out.empty() || px - out.back() > 1.0f) out.push_back(px);
    return out;
}

std::vector<std::string> all_texts(const Survey& s) {
    std::vector<std::string> texts = texts_to_show(s);
    for (auto& t : ui::staff_texts())
        texts.push_back(std::move(t));
    return texts;
}

ui::Intent draw_customer(const KioskFlow& flow, float dpi) {
    const Survey& survey = flow.settings().survey;
    const std::string& lang = flow.language();
    ui::Look look{flow.high_contrast(), flow.large_text(), dpi};
    switch (flow.screen()) {
    case Screen::question: {
        ui::QuestionView v;
        v.question = pick(survey.question, lang);
        v.scale = survey.scale;
        for (const auto& code : survey.languages())
            v.languages.emplace_back(code, language_display_name(code));
        v.language = lang;
        v.look = look;
        return ui::draw_question(v);
    }
    case Screen::reasons: {
        ui::ReasonsView v;
        v.prompt = "What was the main reason?";
        if (flow.current()) {
            for (const auto& r : survey.reasons_for(flow.current()->score))
                v.reasons.emplace_back(r.id, pick(r.label, lang));
            v.chosen = flow.current()->reasons;
        }
        v.look = look;
        return ui::draw_reasons(v);
    }
    case Screen::comment: {
        // The on-screen keyboard comes with the complete kiosk; until then the
        // comment step offers to finish.
        ui::ReasonsView v;
        v.prompt = "Thank you — tap Done to finish.";
        v.look = look;
        return ui::draw_reasons(v);
    }
    case Screen::thank_you: {
        ui::ThankYouView v;
        v.text = pick(survey.thank_you, lang);
        v.remaining = flow.thank_you_remaining();
        v.look = look;
        return ui::draw_thank_you(v);
    }
    case Screen::sleep:
        ui::draw_message({"Closed", "Please come back during opening hours.", look});
        return {};
    case Screen::paused:
        ui::draw_message({"Not in use right now", "", look});
        return {};
    }
    return {};
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

void apply(KioskFlow& flow, const ui::Intent& in) {
    using K = ui::Intent::Kind;
    switch (in.kind) {
    case K::none:
        break;
    case K::rate: {
        Status st = flow.tap_rating(in.score);
        if (!st) std::cerr << "touchpoint-kiosk: could not record a rating: " << st.error() << "\n";
        break;
    }
    case K::toggle_reason:
        flow.toggle_reason(in.id);
        break;
    case K::reasons_done:
        if (flow.screen() == Screen::comment)
            flow.comment_done();
        else
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
    case K::toggle_shift:
    case K::wake:
        break;
    }
}

int run_kiosk(Options& opt) {
    auto cfg = load_config(opt);
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
    auto store_result = ResponseStore::open(opt.data_dir + "/responses.db");
    if (!store_result) {
        std::cerr << "touchpoint-kiosk: " << store_result.error() << "\n";
        return 1;
    }
    std::unique_ptr<ResponseStore> store = std::move(*store_result);
    if (auto closed = store->close_all_open(); closed && *closed > 0)
        std::cerr << "touchpoint-kiosk: closed " << *closed
                  << " responses left open by the last run\n";
    SystemClock clock;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall().time_since_epoch())
            .count();
    if (auto pruned = store->prune_synced(cfg->device.retention_days, now_ms); !pruned)
        std::cerr << "touchpoint-kiosk: pruning old responses failed: " << pruned.error() << "\n";

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
    std::string error;
    auto window = platform::Window::create(wo, error);
    if (!window) {
        std::cerr << "touchpoint-kiosk: " << error << "\n";
        return 1;
    }
    const float dpi = cfg->device.dpi > 0 ? static_cast<float>(cfg->device.dpi) : window->dpi();

    SyncNotConfigured sync; // the sync client plugs in here (app/staff_sync.h)
    RuntimeOptions so{opt.data_dir, assets_dir() + "/surveys", TOUCHPOINT_VERSION};
    auto runtime_result = KioskRuntime::create(*cfg, *identity, *store, clock, sync, so);
    if (!runtime_result) {
        std::cerr << "touchpoint-kiosk: " << runtime_result.error() << "\n";
        return 1;
    }
    KioskRuntime& kiosk = **runtime_result;
    for (const auto& w : kiosk.warnings())
        std::cerr << "touchpoint-kiosk: " << w << "\n";
    UiTrace trace(opt.ui_trace);

    std::pair<int, int> last_size = window->size();
    window->load_fonts(font_sizes(last_size, dpi), all_texts(kiosk.config().survey));
    bool contrast = false;
    ui::apply_theme(contrast);
    int frames_to_draw = 3;
    while (!window->quit_requested() && !kiosk.exit_requested()) {
        // Render only when something changed; otherwise sleep until an event
        // or the next deadline (flow timeouts, the corner hold, staff timeout).
        int timeout_ms = 1000;
        if (auto d = kiosk.next_deadline())
            timeout_ms = static_cast<int>(std::min<long long>(d->count() + 1, 1000));
        if (kiosk.flow().screen() == Screen::thank_you && !kiosk.staff_visible())
            timeout_ms = std::min(timeout_ms, 100); // countdown bar
        if (frames_to_draw > 0 || window->input_pending()) timeout_ms = 0;
        if (window->wait_events(timeout_ms)) {
            kiosk.flow().note_activity(); // any touch keeps a follow-up alive
            frames_to_draw = std::max(frames_to_draw, 3);
        }
        if (window->quit_requested()) break;

        if (kiosk.tick() || kiosk.flow().screen() == Screen::thank_you || kiosk.staff_visible())
            frames_to_draw = std::max(frames_to_draw, kiosk.staff_visible() ? 1 : 2);
        if (window->size() != last_size) {
            last_size = window->size();
            window->load_fonts(font_sizes(last_size, dpi), all_texts(kiosk.config().survey));
            frames_to_draw = std::max(frames_to_draw, 2);
        }
        if (frames_to_draw <= 0 && !window->input_pending()) continue;

        const bool want_contrast = kiosk.flow().high_contrast() && !kiosk.staff_visible();
        if (want_contrast != contrast) {
            contrast = want_contrast;
            ui::apply_theme(contrast);
        }
        window->begin_frame();
        const ImGuiIO& io = ImGui::GetIO();
        kiosk.pointer(io.MouseDown[0], io.MousePos.x, io.MousePos.y, ui::min_target_px(dpi));
        ui::Intent intent;
        StaffIntent staff_intent;
        if (kiosk.staff_visible())
            staff_intent = draw_staff(kiosk, dpi);
        else
            intent = draw_customer(kiosk.flow(), dpi);
        window->end_frame();
        trace.frame_drawn(kiosk);
        --frames_to_draw;
        if (intent.kind != ui::Intent::Kind::none) {
            apply(kiosk.flow(), intent);
            frames_to_draw = std::max(frames_to_draw, 3);
        }
        if (staff_intent.kind != StaffIntent::Kind::none) {
            const bool survey_changes = staff_intent.kind == StaffIntent::Kind::set_survey;
            kiosk.handle(staff_intent);
            if (survey_changes)
                window->load_fonts(font_sizes(last_size, dpi), all_texts(kiosk.config().survey));
            frames_to_draw = std::max(frames_to_draw, 3);
        }
    }

    kiosk.shutdown();
    store->mark_clean_shutdown();
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
    app.add_option("--ui-trace", opt.ui_trace,
                   "Diagnostics: append a JSON line describing the screen each time it changes");
    CLI::App* hash = app.add_subcommand(
        "hash-pin", "Read a PIN (4 to 8 digits) on stdin and print its Argon2id hash");
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
    if (exp->parsed()) return run_export(opt);
    if (hash->parsed()) return run_hash_pin();
    return run_kiosk(opt);
}
