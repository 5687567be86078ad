#pragma once
// The kiosk's config file (`--config`, TOML): device settings and, for a
// standalone kiosk, the touch point settings and the survey path
// (SPEC "Settings: who owns what").
//
//   [device]       data_dir, server_url, ca_file, server_pin, width, height, fullscreen, dpi,
//                  renderer, dim_timeout_s, default_language, retention_days,
//                  manager_pin_hash, staff_pin_hash
//   [touch_point]  key, name, store, time_zone, opening_hours, response_interval_s,
//                  idle_timeout_s, thank_you_s, service_standard, cx_statement,
//                  survey (path, relative to the config file)
#include "core/result.h"
#include "core/survey.h"
#include "core/touch_point.h"

#include <optional>
#include <string>

namespace touchpoint {

struct DeviceSettings {
    std::string data_dir;   // "" = the default (see default_data_dir())
    std::string server_url; // "" = standalone (set by enrolment)
    std::string ca_file;    // CA bundle for the server's certificate; "" = the system's
    std::string server_pin; // optional public-key pin, "sha256//<base64>"
    double config_poll_s = 60;  // how often an enrolled kiosk asks for new configuration
    double heartbeat_s = 180;   // heartbeat interval when nothing is pending
    int width = 0;          // window size when not full screen; 0 = auto
    int height = 0;
    bool fullscreen = true;
    double dpi = 0;         // 0 = ask the display
    std::string renderer = "auto"; // "auto" (GPU if present), "software" or "gpu"
    double dim_timeout_s = 120;
    std::string default_language = "en";
    int retention_days = 90;
    std::string manager_pin_hash;
    std::string staff_pin_hash;
};

struct KioskConfig {
    std::string origin; // the config file's path
    DeviceSettings device;
    std::optional<TouchPointSettings> touch_point; // standalone only
    std::string survey_path;                        // resolved against the config's folder
    Survey survey;                                  // loaded from survey_path
};

// Parses and validates a config; loads the survey it names. Every error names
// the file, the key and what is wrong.
// With `enrolled`, a missing [touch_point] is fine (the server provides it).
Result<KioskConfig> parse_kiosk_config(const std::string& text, const std::string& origin,
                                       bool enrolled = false);
Result<KioskConfig> load_kiosk_config(const std::string& path, bool enrolled = false);
// The message for a kiosk that is neither enrolled nor configured standalone.
std::string missing_touch_point_message(const std::string& origin);

// $TOUCHPOINT_DATA_DIR, else $XDG_DATA_HOME/touchpoint, else ~/.local/share/touchpoint.
std::string default_data_dir();

} // namespace touchpoint
