#pragma once
// DeviceOverrides: settings the manager changes on the kiosk itself
// (SPEC "Settings: who owns what"), kept in <data_dir>/device_settings.json
// and laid over the config file's values at start and whenever they change.
//
// Device settings (default language, dim timeout) always apply. The survey
// and the service standard apply only to a standalone kiosk: once enrolled,
// the server owns them. PIN hashes are not kept here but in identity.json.
#include "app/kiosk_config.h"
#include "core/result.h"

#include <optional>
#include <string>

namespace touchpoint {

struct DeviceOverrides {
    std::optional<std::string> default_language;
    std::optional<double> dim_timeout_s;
    std::optional<std::string> survey_path; // standalone only
    std::optional<double> service_standard; // standalone only

    // Loads <data_dir>/device_settings.json; a missing file is no overrides.
    // A damaged file is an error (the kiosk then runs on the config alone).
    static Result<DeviceOverrides> load(const std::string& data_dir);
    // Writes the file atomically (temp file, fsync, rename).
    Status save(const std::string& data_dir) const;

    // Takes every value `patch` sets.
    void merge(const DeviceOverrides& patch);
};

std::string device_overrides_path(const std::string& data_dir);

// Is the kiosk standalone (not enrolled), so that it owns its survey and
// touch point settings?
bool is_standalone(const KioskConfig& cfg);

// Applies the overrides to a loaded config: loads the chosen survey, checks
// the language exists in it. On error `cfg` is left as it was.
Status apply_device_overrides(const DeviceOverrides& o, KioskConfig& cfg);

} // namespace touchpoint
