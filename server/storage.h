#pragma once
// The server's storage: stores, touch points, enrolment codes, devices, API keys
// and responses. One interface, one implementation per backend (SQLite now,
// PostgreSQL later). Every write commits durably before it returns.
//
// Thread-safety: every method may be called from any thread at any time.
#include "core/response.h"
#include "core/result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::server {

struct StoreRecord {
    std::string id;
    std::string name;
    std::string time_zone;
};

struct TouchPointRecord {
    std::string key;
    std::string store_id;
    std::string name;
    std::string settings_json; // touch point settings (core/wire.h to_json(TouchPointSettings))
    std::string survey_json;   // survey (core/wire.h to_json(Survey)); empty when none is set
    std::int64_t updated_utc_ms = 0;
};

struct DeviceRecord {
    std::string id;
    std::string name;
    std::string store_id;
    std::string touch_point;
    std::int64_t enrolled_utc_ms = 0;
    std::optional<std::int64_t> revoked_utc_ms;
    std::optional<std::int64_t> last_seen_utc_ms;
    std::string health_json; // last reported health; empty when none yet
};

enum class ApiKeyRole { head_office, store };

struct ApiKeyRecord {
    std::string id;
    ApiKeyRole role = ApiKeyRole::store;
    std::string store_id; // for store keys
    std::int64_t created_utc_ms = 0;
    std::optional<std::int64_t> revoked_utc_ms;
};

// What an enrolment attempt found.
enum class EnrollStatus { enrolled, unknown_code, expired_code, used_code };

struct NewDevice {
    std::string id;
    std::string name;
    std::string token_hash;
};

struct EnrollOutcome {
    EnrollStatus status = EnrollStatus::unknown_code;
    DeviceRecord device;          // when enrolled
    StoreRecord store;            // when enrolled
    TouchPointRecord touch_point; // when enrolled
};

// One response to store, already validated and attributed to its device.
struct IncomingResponse {
    std::size_t index = 0;             // position in the batch
    touchpoint::Response response;     // device_id / touch_point from the token
    std::string content_hash;          // identifies the content for duplicate detection
    bool server_clock_suspect = false; // device time far ahead of the receive time
};

enum class IngestStatus { accepted, duplicate, conflict };

struct BatchOutcome {
    std::vector<IngestStatus> items; // one per IncomingResponse, same order
};

// A response as stored on the server.
struct StoredResponse {
    touchpoint::Response response;
    std::string store_id;
    bool device_clock_suspect = false;
    bool server_clock_suspect = false;
    std::int64_t received_utc_ms = 0;
};

class Storage {
  public:
    virtual ~Storage() = default;

    // Is the database reachable and answering?
    virtual Status check() = 0;

    // --- Administration ---
    virtual Status create_store(const StoreRecord& s, std::int64_t now_ms) = 0;
    virtual Result<StoreRecord> store(const std::string& id) = 0;
    virtual Status create_touch_point(const TouchPointRecord& t) = 0;
    virtual Result<TouchPointRecord> touch_point(const std::string& key) = 0;
    // Replaces a touch point's survey (JSON) and settings (JSON).
    virtual Status update_touch_point(const TouchPointRecord& t) = 0;
    virtual Status create_enrollment_code(const std::string& code_hash,
                                          const std::string& touch_point, std::int64_t now_ms,
                                          std::int64_t expires_utc_ms) = 0;
    virtual Status create_api_key(const ApiKeyRecord& k, const std::string& key_hash) = 0;
    // Errors when there is no such device; revoking twice keeps the first time.
    virtual Status revoke_device(const std::string& id, std::int64_t now_ms) = 0;
    virtual Status revoke_api_key(const std::string& id, std::int64_t now_ms) = 0;
    // All devices, or one store's when store_id is not empty.
    virtual Result<std::vector<DeviceRecord>> list_devices(const std::string& store_id) = 0;
    virtual Result<std::vector<ApiKeyRecord>> list_api_keys() = 0;

    // --- Devices ---
    // Uses the code (once) and creates the device, in one transaction.
    virtual Result<EnrollOutcome> enroll(const std::string& code_hash, const NewDevice& device,
                                         std::int64_t now_ms) = 0;
    // The device holding this token hash (revoked ones too: the caller decides).
    virtual Result<std::optional<DeviceRecord>>
    device_by_token_hash(const std::string& token_hash) = 0;
    virtual Result<std::optional<ApiKeyRecord>> api_key_by_hash(const std::string& key_hash) = 0;

    // Stores a batch in one transaction: new responses are inserted, a response
    // whose id exists with the same content hash is a duplicate, with another
    // content a conflict. Also records last seen and, when health_json is not
    // empty, the device's health.
    virtual Result<BatchOutcome> ingest_batch(const DeviceRecord& device,
                                              const std::vector<IncomingResponse>& responses,
                                              const std::string& health_json,
                                              std::int64_t now_ms) = 0;
    // Records last seen and health (when not empty).
    virtual Status record_heartbeat(const std::string& device_id, const std::string& health_json,
                                    std::int64_t now_ms) = 0;

    // --- Reading back ---
    virtual Result<std::optional<StoredResponse>> response(const std::string& id) = 0;
    virtual Result<std::int64_t> response_count() = 0;
};

// Opens the storage named by a URL: "sqlite:PATH" (created when missing, with
// its schema migrated). "postgresql://..." is recognised but not built yet.
Result<std::unique_ptr<Storage>> open_storage(const std::string& url);

} // namespace touchpoint::server
