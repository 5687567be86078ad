#pragma once
// Enrolment: turns a one-time code from head office into a device token
// (POST /api/v1/enroll), then pulls the device's configuration so the kiosk
// can start offline. Used by `touchpoint-kiosk enroll`.
#include "core/result.h"
#include "sync/http.h"

#include <string>

namespace touchpoint::sync {

struct Enrollment {
    std::string device_id;
    std::string token;
    std::string store;
    std::string touch_point;
};

// Enrols and caches the configuration in data_dir; the caller saves the
// identity (token and server URL).
Result<Enrollment> enroll(const HttpOptions& http, const std::string& code,
                          const std::string& device_name, const std::string& data_dir);

} // namespace touchpoint::sync
