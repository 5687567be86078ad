#pragma once
// Reading request bodies of the device API: a batch of responses with the
// device's health, and a heartbeat. Pure functions over the body text (no
// storage, no HTTP), so the fuzzer can drive them directly. Never throw.
#include "core/response.h"
#include "core/result.h"
#include "core/wire.h"
#include "server/api_error.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::server {

// What a kiosk reports about itself (SPEC "Sync": pending, last sync, disk, ...).
struct DeviceHealth {
    std::optional<std::int64_t> pending;          // responses not yet synced
    std::optional<std::int64_t> last_sync_utc_ms; // last successful sync
    std::optional<std::int64_t> disk_free_bytes;
    std::optional<std::int64_t> database_bytes;
    std::optional<std::string> app_version;
    std::optional<std::string> last_error; // plain words; empty or absent when none
};

nlohmann::json to_json(const DeviceHealth& h);
// Every field is optional; present fields must have the right type. `last_sync_utc_ms`
// and `last_error` may be null. Unknown fields are ignored.
Result<DeviceHealth> health_from_json(const nlohmann::json& j);

struct BatchLimits {
    std::size_t max_responses = 500;
    std::size_t max_depth = 32; // nesting of arrays and objects in the body
    WireLimits wire;
};

// One element of "responses": valid, or rejected with the reason.
struct BatchItem {
    std::size_t index = 0;
    std::string id; // the element's "id" when it is a string, else ""
    std::optional<Response> response;
    std::string error; // why it was rejected (when no response)
};

struct BatchRequest {
    std::vector<BatchItem> items;
    std::optional<DeviceHealth> health;
};

struct BatchParse {
    BatchRequest batch;
    std::optional<ApiError> error; // the whole body is refused (nothing may be stored)
};

// Parses a JSON body text with a depth limit; the error is 400 malformed_json.
struct JsonParse {
    nlohmann::json value;
    std::optional<ApiError> error;
};
JsonParse parse_json_body(const std::string& body, std::size_t max_depth);

// Parses POST /api/v1/batches. A body that is not JSON, not an object, has no
// "responses" array or a bad "health" is refused (400); more responses than
// the limit is refused (413). Otherwise each element is validated on its own.
BatchParse parse_batch(const std::string& body, const BatchLimits& limits);

struct HeartbeatParse {
    DeviceHealth health;
    std::optional<ApiError> error;
};
// Parses POST /api/v1/heartbeat: a health object.
HeartbeatParse parse_heartbeat(const std::string& body, const BatchLimits& limits);

} // namespace touchpoint::server
