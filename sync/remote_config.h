#pragma once
// The configuration a server hands an enrolled kiosk (GET /api/v1/config):
// its touch point settings and survey, cached in the data dir so the kiosk
// starts offline.
#include "core/result.h"
#include "core/survey.h"
#include "core/touch_point.h"

#include <optional>
#include <string>

namespace touchpoint::sync {

struct RemoteConfig {
    TouchPointSettings touch_point;
    std::optional<Survey> survey; // none until head office publishes one
    std::string etag;
};

// Reads the /config answer body.
Result<RemoteConfig> parse_remote_config(const std::string& body, const std::string& etag);

// <data_dir>/server_config.json, written atomically (temp file, fsync, rename).
Status save_remote_config(const std::string& data_dir, const std::string& body, const std::string& etag);
// Loads the cached config; an error when missing or damaged.
Result<RemoteConfig> load_remote_config(const std::string& data_dir);

} // namespace touchpoint::sync
