// touchpoint-kiosk: the composition root, read like Dear ImGui's
// example_sdl2_opengl3/main.cpp: parse the command line, set up, loop
// (events -> new frame -> draw -> present), clean up in reverse (RAII).
// Each phase is a call into platform::, ui:: or the app library: the window
// hands the runtime the pointer of each frame, ui draws the runtime's view
// and hands back intents, and the runtime handles every one of them. The
// subcommands live in app/cli/, one file each.
#include "app/cli/command_line.h"
#include "app/cli/commands.h"
#include "app/cli/kiosk_fonts.h"
#include "app/cli/kiosk_start.h"
#include "app/cli/service_notifier.h"
#include "app/cli/ui_trace.h"
#include "app/clock.h"
#include "app/kiosk_runtime.h"
#include "app/redraw_scheduler.h"
#include "platform/window.h"
#include "ui/kiosk_screen.h"
#include "ui/layout.h"

#include <future>
#include <iostream>
#include <memory>
#include <string>

using namespace touchpoint;

namespace {

// The pointer the window gives a frame, as the runtime takes it.
Pointer app_pointer(const platform::PointerFrame& f) {
    return {f.has_position, f.x, f.y, f.down, f.pressed, f.released, f.finger};
}

int run_kiosk(cli::Options& opt) {
    // --- Set up ---
    // Start-up overlaps its slow parts: SDL's video start (the X connection)
    // with reading the configuration; making the window and renderer with
    // building the first screen's font atlas and opening the database.
    platform::configure_environment(cli::renderer_named(opt.renderer));
    cli::KioskStart start;
    auto prepared = std::async(std::launch::async, [&] { return cli::prepare_kiosk(opt, start); });
    std::string video_error;
    const bool video = platform::init_video(video_error);
    if (const int code = prepared.get(); code != 0) return code;
    const KioskConfig& cfg = start.cfg;
    auto database_opened = std::async(std::launch::async, [&] {
        return cli::open_kiosk_database(opt.data_dir, cfg.device.retention_days);
    });
    if (!video) {
        if (!database_opened.get()) return 1; // its reason first, as without the display
        std::cerr << "touchpoint-kiosk: " << video_error << "\n";
        return 1;
    }

    // The first screen's fonts are built while the window is made.
    const platform::WindowOptions wo = cli::window_options(opt, cfg);
    const float dpi_ahead =
        cfg.device.dpi > 0 ? static_cast<float>(cfg.device.dpi) : platform::display_dpi();
    cli::KioskFonts fonts(start.catalogue);
    fonts.build_ahead(platform::planned_size(wo), dpi_ahead, cfg.survey,
                      cfg.device.default_language);
    std::string error;
    auto window = platform::Window::create(wo, error);
    std::unique_ptr<LocalDatabase> database = database_opened.get();
    if (!database) return 1;
    if (!window) {
        std::cerr << "touchpoint-kiosk: " << error << "\n";
        return 1;
    }
    if (!window->renderer_note().empty())
        std::cerr << "touchpoint-kiosk: " << window->renderer_note() << "\n";
    std::cerr << "touchpoint-kiosk: drawing with " << window->renderer_name() << "\n";
    const float dpi = cfg.device.dpi > 0 ? static_cast<float>(cfg.device.dpi) : window->dpi();
    SystemClock clock;

    // The sync thread (enrolled kiosks only) has its own database connection.
    std::unique_ptr<sync::HeadOfficeLink> link = cli::start_sync(cfg, start.identity, opt.data_dir);
    RuntimeOptions ro{opt.data_dir, cli::assets_dir() + "/surveys", TOUCHPOINT_VERSION,
                      ui::min_target_px(dpi)};
    auto created = KioskRuntime::create(cfg, start.identity, *database, clock, *link, ro);
    if (!created) {
        std::cerr << "touchpoint-kiosk: " << created.error() << "\n";
        return 1;
    }
    KioskRuntime& runtime = **created;
    for (const auto& w : runtime.warnings())
        std::cerr << "touchpoint-kiosk: " << w << "\n";

    fonts.load_first(*window, runtime, dpi);
    cli::ServiceNotifier service_manager;
    // cage puts an Xwayland window on its output up to several seconds
    // after it was mapped, with no expose event: settle for 15 s there.
    const auto settle =
        window->through_xwayland() ? std::chrono::seconds(15) : std::chrono::seconds(3);
    RedrawScheduler redraw(clock.mono(), settle,
                           service_manager.max_wait(RedrawScheduler::k_max_wait));
    cli::UiTrace trace(opt.ui_trace);

    // Nothing throws into the frame loop: what escapes one turn of it (a
    // bug, or memory running out) ends that turn, is shown in the staff
    // area's health panel, and the kiosk carries on.
    bool frame_open = false;
    auto on_fault = [&](const std::string& what) {
        if (frame_open) window->abandon_frame();
        frame_open = false;
        if (runtime.report_fault(what))
            std::cerr << "touchpoint-kiosk: unexpected error (carrying on): " << what << "\n";
        redraw.failed();
    };

    // --- Loop ---
    while (!window->quit_requested() && !runtime.exit_requested()) {
        try {
            // Events: sleep until one arrives, the next deadline, or a frame is due.
            service_manager.loop_turned(std::chrono::steady_clock::now());
            const int wait_ms = redraw.wait_ms(clock.mono(), runtime.next_deadline(),
                                               runtime.animating(), window->input_pending());
            const bool events = window->wait_events(wait_ms);
            if (events) runtime.input_arrived(window->input_pending());
            redraw.waited(clock.mono(), events, window->take_window_changed());
            if (window->quit_requested()) break;

            // Time: timeouts, dimming, the server's configuration at an idle moment.
            if (auto fresh = link->take_new_config())
                runtime.offer_server_config(fresh->touch_point, fresh->survey);
            if (runtime.tick() || runtime.animating())
                redraw.shown_changed(runtime.staff_visible());
            if (runtime.dimmed() != window->dimmed()) window->set_dimmed(runtime.dimmed());
            if (fonts.follow(*window, runtime)) redraw.shown_changed();
            if (!redraw.due(window->input_pending())) continue;

            // Frame: the pointer in, the screens drawn, the intents back.
            runtime.pointer(app_pointer(window->begin_frame()));
            frame_open = true;
            const KioskIntent intent = ui::draw_kiosk(runtime.view(), start.catalogue, dpi);
            window->end_frame();
            frame_open = false;
            service_manager.frame_presented(std::chrono::steady_clock::now());
            trace.frame_drawn(runtime);
            redraw.drawn();
            if (runtime.handle(intent)) redraw.handled();
        } catch (const std::exception& e) {
            on_fault(e.what());
        } catch (...) {
            on_fault("an unknown error");
        }
    }

    // --- Clean up, in reverse ---
    service_manager.stopping();
    runtime.shutdown(); // closes the open response
    link.reset();       // stops the sync thread (an upload in progress is abandoned)
    database->mark_clean_shutdown();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    cli::Options opt;
    if (auto exit_code = cli::parse_command_line(argc, argv, opt)) return *exit_code;
    // The frame loop carries on through errors (run_kiosk); anywhere else an
    // exception ends the program with a message rather than an abort.
    try {
        switch (opt.command) {
        case cli::Command::kiosk:
            return run_kiosk(opt);
        case cli::Command::export_responses:
            return cli::run_export(opt);
        case cli::Command::enroll:
            return cli::run_enroll(opt);
        case cli::Command::doctor:
            return cli::run_doctor(opt);
        case cli::Command::hash_pin:
            return cli::run_hash_pin();
        case cli::Command::stop:
            return cli::run_stop(opt.stop_timeout_s);
        }
    } catch (const std::exception& e) {
        std::cerr << "touchpoint-kiosk: unexpected error: " << e.what() << "\n";
    } catch (...) {
        std::cerr << "touchpoint-kiosk: unexpected error\n";
    }
    return 1;
}
