#pragma once
// `touchpoint-kiosk doctor`: checks, in plain words, what the kiosk needs to
// start and do its job: its configuration, a display, its fonts, a writable
// data folder with room to spare, a responses database that is intact and of
// a schema this kiosk knows and, once enrolled, its server (reachable, its
// certificate trusted, this kiosk's token accepted) and a clock that agrees
// with the server's. One line per check, "OK name: ..." or
// "FAIL name: ... - what to do".
//
// Nothing on the device is changed: the database is opened read-only and
// never migrated or moved, the device identity is read, never made; the
// only write is a probe file in the data folder, removed at once.
//
// The display and the server are probed by the caller (platform/ and sync/)
// through the functions in DoctorInput, so the checks run without either.
#include "app/kiosk_config.h"
#include "core/result.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

// What SDL found (platform::check_display).
struct DisplayProbe {
    bool found = false;
    std::string driver; // "x11", "wayland", "KMSDRM", ...
    int width = 0;
    int height = 0;
    std::string renderer; // what the kiosk would draw with, in words
    std::string problem;  // when not found, why (SDL's words included)
};

// One font file the kiosk reads (platform::font_files).
struct FontProbe {
    std::string path;
    std::string problem; // "" when the kiosk can use it
};

// The server's answer to one authenticated request (sync::probe_server).
struct ServerProbe {
    long status = 0;                           // HTTP status; 0 = no answer
    std::string network_error;                 // plain words when status == 0
    bool certificate_problem = false;          // no answer: the certificate (or pin) was refused
    std::string message;                       // the server's error message, "" when none
    std::optional<std::int64_t> server_utc_ms; // the server's clock, from its answer
    std::int64_t device_utc_ms = 0;            // this device's clock halfway through the request
};

struct DoctorInput {
    std::string config_path;            // the file read ("" = none)
    std::optional<KioskConfig> config;  // none when it could not be read ...
    std::string config_error;           // ... and why
    std::string data_dir;               // as the kiosk would resolve it
    std::vector<FontProbe> latin_fonts; // in the order the kiosk tries them
    std::optional<FontProbe> cjk_font;  // merged in for Chinese, Japanese, Korean
    std::function<DisplayProbe()> probe_display;
    // Asked only when the data dir's identity says the kiosk is enrolled.
    std::function<ServerProbe(const std::string& server_url, const std::string& token)>
        probe_server;
    std::int64_t min_free_bytes = 50LL * 1024 * 1024;
    std::chrono::milliseconds max_clock_offset{std::chrono::minutes{10}};
};

struct DoctorLine {
    bool ok = true;
    std::string name; // "display", "fonts", "data dir", "database", "server", "clock", ...
    std::string text; // on a failure, ends with " - " and what to do
};

// Runs every check, in the order they are printed.
std::vector<DoctorLine> run_kiosk_checks(const DoctorInput& input);

// Prints the lines ("OK name: text" / "FAIL name: text") and a summary;
// returns 0 when every check passed, 1 otherwise.
int print_kiosk_checks(const std::vector<DoctorLine>& lines, std::ostream& out);

} // namespace touchpoint
