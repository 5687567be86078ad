#include "app/cli/command_line.h"

#include "service/install_paths.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace touchpoint::cli {

bool parse_size(const std::string& text, int& w, int& h) {
    char x = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3) return false;
    return (x == 'x' || x == 'X') && w >= 320 && h >= 240 && w <= 16384 && h <= 16384;
}

std::string assets_dir() {
    auto dir = service::data_dir();
    if (!dir) {
        std::cerr << "touchpoint-kiosk: " << dir.error() << "\n";
        std::exit(2);
    }
    return *dir;
}

Result<KioskConfig> load_config(Options& opt, bool enrolled) {
    std::string path = opt.config.empty() ? assets_dir() + "/kiosk.toml" : opt.config;
    auto cfg = load_kiosk_config(path, enrolled);
    if (!cfg) return cfg;
    if (opt.data_dir.empty()) opt.data_dir = cfg->device.data_dir;
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    return cfg;
}

Status resolve_data_dir(Options& opt) {
    if (opt.data_dir.empty() && !opt.config.empty())
        if (auto cfg = load_config(opt, true); !cfg) return Status::failure(cfg.error());
    if (opt.data_dir.empty()) opt.data_dir = default_data_dir();
    return Status::success();
}

std::optional<int> parse_command_line(int argc, char** argv, Options& opt) {
    CLI::App app{"Touchpoint kiosk: customer-experience ratings at a touch point",
                 "touchpoint-kiosk"};
    app.set_version_flag("--version", std::string("touchpoint-kiosk ") + TOUCHPOINT_VERSION);
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
    CLI::App* enr =
        app.add_subcommand("enroll", "Enrol this kiosk with a server using a one-time code");
    enr->add_option("--server", opt.server, "Server URL, e.g. https://hq.example.com:8443")
        ->required();
    enr->add_option("--code", opt.code, "One-time enrolment code from head office")->required();
    enr->add_option("--data-dir", opt.data_dir, "Folder for the device identity and data");
    enr->add_option("--config", opt.config, "Kiosk config file (for its data_dir)")
        ->check(CLI::ExistingFile);
    enr->add_option("--name", opt.device_name, "Device name shown to head office");
    enr->add_option("--ca-file", opt.ca_file, "CA bundle for the server's certificate")
        ->check(CLI::ExistingFile);
    enr->add_option("--pin", opt.pin, "Public-key pin, sha256//<base64>");
    CLI::App* doc = app.add_subcommand(
        "doctor", "Check the display, fonts, data folder, database and server, in plain words");
    doc->add_option("--config", opt.config,
                    "Kiosk config file (default: the sample standalone config)")
        ->check(CLI::ExistingFile);
    doc->add_option("--data-dir", opt.data_dir,
                    "Folder of the responses database and device identity");
    CLI::App* hash = app.add_subcommand(
        "hash-pin", "Read a PIN (4 to 8 digits) on stdin and print its Argon2id hash");
    CLI::App* stop = app.add_subcommand(
        "stop", "Ask the running kiosk of this user to close its data and end, and wait for it");
    stop->add_option("--timeout", opt.stop_timeout_s, "Seconds to wait (default 10)")
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
    opt.command = exp->parsed()    ? Command::export_responses
                  : enr->parsed()  ? Command::enroll
                  : doc->parsed()  ? Command::doctor
                  : hash->parsed() ? Command::hash_pin
                  : stop->parsed() ? Command::stop
                                   : Command::kiosk;
    return std::nullopt;
}

} // namespace touchpoint::cli
