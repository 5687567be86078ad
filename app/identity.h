#pragma once
// DeviceIdentity: who this kiosk is, kept in a small file of its own
// ("identity.json" in the data dir), outside the responses database, so a
// database reset never bricks a kiosk. Written atomically (temp file, fsync,
// rename).
#include "core/result.h"

#include <optional>
#include <string>

namespace touchpoint {

struct DeviceIdentity {
    std::string device_id;        // UUID made at first start
    std::string created_utc;      // ISO 8601
    std::string device_token;     // empty until enrolled
    std::string server_url;       // where it is enrolled, empty when standalone
    std::string manager_pin_hash; // Argon2id strings (crypto_pwhash_str), empty when unset
    std::string staff_pin_hash;

    // Loads <data_dir>/identity.json, creating it with a fresh device id if
    // it does not exist. A damaged file is an error (never silently replaced).
    static Result<DeviceIdentity> load_or_create(const std::string& data_dir);
    // Reads <data_dir>/identity.json and creates nothing: none when the file
    // is not there (the kiosk has not started yet); damage is an error.
    static Result<std::optional<DeviceIdentity>> load(const std::string& data_dir);
    Status save(const std::string& data_dir) const;
};

} // namespace touchpoint
