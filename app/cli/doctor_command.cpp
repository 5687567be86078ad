// `touchpoint-kiosk doctor`: the checks of app/kiosk_doctor.h with the
// config and data dir a start would use; the display probed through SDL,
// the server through the sync thread's HTTP client.
#include "app/cli/commands.h"
#include "app/cli/kiosk_start.h"
#include "app/kiosk_doctor.h"
#include "platform/window.h"
#include "sync/server_probe.h"

#include <chrono>
#include <iostream>

namespace touchpoint::cli {

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

} // namespace touchpoint::cli
