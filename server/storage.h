#pragma once
// The server's storage: stores, touch points, enrolment codes, devices, API keys
// and responses. One interface, one implementation per backend (SQLite now,
// PostgreSQL later). Every write commits durably before it returns.
//
// Thread-safety: every method may be called from any thread at any time.
#include "core/response.h"
#include "core/result.h"

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
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

// One version of a touch point's settings and when it took effect, so that a
// day is judged by the standard and opening hours it had, not today's.
struct TouchPointChange {
    std::string touch_point;
    std::int64_t changed_utc_ms = 0; // 0: in force since before the history began
    std::string settings_json;
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
    // The server's insertion sequence: strictly increasing in commit order, so
    // a row committed after a reader's snapshot always has a higher seq (the
    // cursor of GET /api/v1/responses relies on it). SQLite serialises writers,
    // so a counter read and advanced inside the batch's transaction does it; a
    // backend with concurrent writers must serialise ingest on that counter
    // (e.g. SELECT ... FOR UPDATE on its row) rather than use a plain SEQUENCE,
    // whose values can commit out of order.
    std::int64_t seq = 0;
};

// Which responses a head-office query looks at. Empty strings match anything.
struct ResponseFilter {
    std::string store_id;
    std::string touch_point;
    std::string from_day; // "YYYY-MM-DD" local day, inclusive
    std::string to_day;   // "YYYY-MM-DD" local day, inclusive
    bool include_misuse = false;
    std::int64_t after_seq = 0; // only rows with seq > after_seq
    std::int64_t up_to_seq = std::numeric_limits<std::int64_t>::max(); // seq <= up_to_seq
};

// What a summary is grouped by (any combination; none: one group of all).
struct SummaryGrouping {
    bool store = false;
    bool touch_point = false;
    bool day = false;
    bool hour = false;
};

// One line of the roll-up, summed over what the grouping leaves out. The
// fields not grouped by are empty / -1.
struct RollupCount {
    std::string store_id;
    std::string touch_point;
    std::string local_day;
    int local_hour = -1;
    touchpoint::Scale scale = touchpoint::Scale::smiley5;
    int score = 0;
    bool misuse = false;
    std::int64_t count = 0;
};

// How often a reason was chosen at one touch point.
struct ReasonCount {
    std::string touch_point;
    std::string reason;
    std::int64_t count = 0;
};

// One touch point's counted answers (misuse left out) on one local day, per
// score (0..10), on one scale.
struct DayScores {
    std::string local_day;
    std::array<std::int64_t, 11> counted{};
};

// What erasing a response found.
enum class EraseStatus { erased, already_erased, not_found };

// Why writes fail: the storage itself (its disk, its files, its server), not
// the data written.
struct StorageFailure {
    enum class Kind {
        unavailable, // an I/O error, the database locked or out of reach
        disk_full,   // no room left where the database lives
    };
    Kind kind = Kind::unavailable;
    std::string reason;            // plain words, e.g. "the database disk is full (...)"
    std::int64_t since_utc_ms = 0; // the first failed write since the last commit
};

// The failure of the last write, as long as no write has committed since:
// what a backend keeps for Storage::last_write_failure. Thread-safe.
class WriteFailureRecord {
  public:
    void failed(StorageFailure::Kind kind, std::string reason);
    void clear(); // a write committed, or a check found writes working again
    std::optional<StorageFailure> last() const;

  private:
    mutable std::mutex m_mutex;
    std::optional<StorageFailure> m_failure;
};

class Storage {
  public:
    virtual ~Storage() = default;

    // Is the database reachable and answering? While a write failure is on
    // record (last_write_failure), also whether writes work again: the
    // backend tries what failed (room on the disk, a transaction that changes
    // nothing) and clears the record when it succeeds, so /healthz recovers
    // with the storage even when no batch arrives.
    virtual Status check() = 0;
    // Why the last write failed, when it failed because of the storage (a
    // full disk, an I/O error, the database out of reach) and nothing has
    // committed since; none otherwise. The SQLite backend records every
    // write; the PostgreSQL one batches and heartbeats.
    virtual std::optional<StorageFailure> last_write_failure() = 0;

    // --- Administration ---
    virtual Status create_store(const StoreRecord& s, std::int64_t now_ms) = 0;
    virtual Result<StoreRecord> store(const std::string& id) = 0;
    // Every store, by id.
    virtual Result<std::vector<StoreRecord>> list_stores() = 0;
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
    // All touch points, or one store's when store_id is not empty, by key.
    virtual Result<std::vector<TouchPointRecord>>
    list_touch_points(const std::string& store_id) = 0;
    // Reads, edits and writes back touch points in one transaction: the one
    // named `key`, or every touch point of `store_id` when key is empty.
    // Returns the records as written (empty when none matched). `edit` may
    // refuse by returning a failed Status, and then nothing is written.
    virtual Result<std::vector<TouchPointRecord>>
    edit_touch_points(const std::string& store_id, const std::string& key,
                      const std::function<Status(TouchPointRecord&)>& edit) = 0;
    virtual Result<std::vector<ApiKeyRecord>> list_api_keys() = 0;
    // Every version of the settings of one store's touch points (all stores'
    // when store_id is empty), by touch point and then oldest first. Creating
    // a touch point and every write that changes its settings add a version;
    // a write that leaves them as they were adds none.
    virtual Result<std::vector<TouchPointChange>>
    touch_point_history(const std::string& store_id) = 0;

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
    // content a conflict, and an erased id (see erase_response) a duplicate that
    // is not stored again. Also records last seen and, when health_json is not
    // empty, the device's health. Each inserted response gets the next insertion
    // sequence and is counted in the roll-up in the same transaction.
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
    // The highest insertion sequence so far (0 when nothing was ever stored).
    virtual Result<std::int64_t> last_seq() = 0;
    // Up to `limit` responses matching the filter, by seq ascending. Meant for
    // paging: pass the last row's seq as the next filter's after_seq.
    virtual Result<std::vector<StoredResponse>> list_responses(const ResponseFilter& filter,
                                                               std::size_t limit) = 0;
    // The roll-up counts matching the filter (after_seq / up_to_seq and
    // include_misuse are not applied: misuse is a column of the result),
    // summed per grouping, scale, score and misuse flag, sorted by (store,
    // touch point, day, hour, scale, score, misuse).
    virtual Result<std::vector<RollupCount>> rollup(const ResponseFilter& filter,
                                                    const SummaryGrouping& grouping) = 0;

    // One touch point's daily roll-up on one scale, misuse left out, one entry
    // per local day from `from_day` to `to_day` that has any, ascending: what
    // the service standards read for a thousand touch points at once.
    virtual Result<std::vector<DayScores>> day_scores(const std::string& store_id,
                                                      const std::string& touch_point, Scale scale,
                                                      const std::string& from_day,
                                                      const std::string& to_day) = 0;
    // How often each reason was chosen, per touch point, over the responses
    // matching the filter (after_seq / up_to_seq are not applied), most
    // chosen first within each touch point (touch points by key).
    virtual Result<std::vector<ReasonCount>> reason_counts(const ResponseFilter& filter) = 0;
    // The newest responses with a comment matching the filter (after_seq /
    // up_to_seq are not applied): up to `per_touch_point` of each touch
    // point, by touch point and then newest first.
    virtual Result<std::vector<StoredResponse>> recent_comments(const ResponseFilter& filter,
                                                                std::size_t per_touch_point) = 0;

    // --- Erasing ---
    // Deletes one response, takes it out of the roll-up and keeps a tombstone of
    // its id, so a kiosk resending it does not bring it back.
    virtual Result<EraseStatus> erase_response(const std::string& id, std::int64_t now_ms) = 0;
    // Deletes every response whose utc_ms is before `cutoff_utc_ms` (and its
    // roll-up counts), in short transactions. Returns how many were deleted.
    virtual Result<std::int64_t> prune_responses(std::int64_t cutoff_utc_ms) = 0;

    // --- The server's own secrets ---
    // The secret kept under `name` (text, e.g. the hex of a key). The first
    // call for a name stores `candidate` and returns it; every later call, from
    // this or any other server instance on the same database, returns the one
    // stored, whichever instance stored it first.
    virtual Result<std::string> server_secret(const std::string& name,
                                              const std::string& candidate,
                                              std::int64_t now_ms) = 0;
};

// Opens the storage named by a URL: "sqlite:PATH" (created when missing, with
// its schema migrated) or "postgresql://..." / "postgres://..." (a libpq URI).
Result<std::unique_ptr<Storage>> open_storage(const std::string& url);

} // namespace touchpoint::server
