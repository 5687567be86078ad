#pragma once
// DeviceOverrides: settings the manager changes on the kiosk itself
// (SPEC "Settings: who owns what"), kept in <data_dir>/device_settings.json
// and laid over the config file's values at start and whenever they change.
//
// Device settings (default language, dim timeout) always apply. The survey
// and the service standard apply only to a standalone kiosk: once enrolled,
// the server owns them. PIN hashes are not kept here but in identity.json.
//
// The survey is kept by its file name in the surveys folder of the running
// installation (e.g. "store-nps.toml"), never by where that folder was when
// it was chosen: an upgrade or a move of the installation keeps the choice.
#include "app/kiosk_config.h"
#include "core/result.h"

#include <optional>
#include <string>

namespace touchpoint {

struct DeviceOverrides {
    std::optional<std::string> default_language;
    std::optional<double> dim_timeout_s;
    // Standalone only: a survey_reference(); files saved by older versions
    // hold an absolute path, which still loads (resolve_survey_reference).
    std::optional<std::string> survey_path;
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

// What to save for the survey file at `path`: its name relative to
// `surveys_dir` when it is in that folder, else `path` as it is.
std::string survey_reference(const std::string& path, const std::string& surveys_dir);
// The file a saved reference names, with this installation's `surveys_dir`:
// a relative name inside that folder; an absolute path (older files) as it
// is when the file is there, else the file of the same name in
// `surveys_dir` when that one is. An error in plain words otherwise.
Result<std::string> resolve_survey_reference(const std::string& reference,
                                             const std::string& surveys_dir);

// Applies the overrides to a loaded config: loads the chosen survey (found
// with resolve_survey_reference in `surveys_dir`), checks the language
// exists in it. On error `cfg` is left as it was.
Status apply_device_overrides(const DeviceOverrides& o, KioskConfig& cfg,
                              const std::string& surveys_dir);

} // namespace touchpoint
