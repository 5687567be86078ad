#pragma once
// touchpoint-kiosk's command line: the kiosk itself (no subcommand) and its
// subcommands (commands.h), and what they share — where the assets are, and
// which config and data dir a run uses.
#include "app/kiosk_config.h"
#include "core/result.h"

#include <optional>
#include <string>

namespace touchpoint::cli {

enum class Command { kiosk, export_responses, enroll, doctor, hash_pin, stop };

struct Options {
    Command command = Command::kiosk;
    std::string config;
    std::string data_dir;
    std::string windowed;       // "WxH"
    std::string renderer;       // "" = the config's
    std::string ui_trace;       // diagnostics: append one JSON line per changed screen
    std::string format = "csv"; // export
    // enroll
    std::string server;
    std::string code;
    std::string device_name = "kiosk";
    std::string ca_file;
    std::string pin;
    double stop_timeout_s = 10; // stop
};

// Parses the command line into `out`. Returns an exit code when the program
// ends here (help, version, or a usage error, printed); nullopt to run.
std::optional<int> parse_command_line(int argc, char** argv, Options& out);

// "1280x800" -> 1280, 800 (at least 320x240).
bool parse_size(const std::string& text, int& w, int& h);

// The surveys, translations and sample config: $TOUCHPOINT_ASSETS, else
// ../share/touchpoint beside this binary, else (a build tree) the source
// tree's assets. Asked for only while starting; without them the kiosk
// cannot run, so it says why and exits.
std::string assets_dir();

// Loads the config (the sample standalone one when none is given) and
// resolves the data dir: --data-dir, then the config's, then the default.
Result<KioskConfig> load_config(Options& opt, bool enrolled = false);

// The data dir of a subcommand: --data-dir, else the one --config names (an
// enrolled kiosk's config may leave out [touch_point]), else the default.
Status resolve_data_dir(Options& opt);

} // namespace touchpoint::cli
