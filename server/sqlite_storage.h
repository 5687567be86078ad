#pragma once
// Storage in one SQLite file: WAL, synchronous=FULL (a commit is on disk before
// the server answers), busy timeout, schema migrations by user_version.
//
// Thread-safety: one connection guarded by a mutex; writes are serialised
// anyway by SQLite. Several processes (the server and the admin commands) may
// open the same file.
#include "server/storage.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;

namespace touchpoint::server {

namespace detail {
// SqliteStorage's connection and the record of its failed writes. The
// statements in sqlite_storage.cpp note a write's failure on it the moment it
// happens (SQLite's error code is overwritten by the next call, a rollback
// say), and a commit clears it.
struct SqliteConnection {
    sqlite3* db = nullptr;
    WriteFailureRecord write_failure;
    operator sqlite3*() const { return db; }
};
} // namespace detail

// The schema version this binary creates and migrates to (PRAGMA user_version).
int sqlite_schema_version();

class SqliteStorage final : public Storage {
  public:
    // Opens (creating when missing) and migrates the database at `path`.
    static Result<std::unique_ptr<SqliteStorage>> open(const std::string& path);
    ~SqliteStorage() override;
    SqliteStorage(const SqliteStorage&) = delete;
    SqliteStorage& operator=(const SqliteStorage&) = delete;

    Status check() override;
    std::optional<StorageFailure> last_write_failure() override;

    Status create_store(const StoreRecord& s, std::int64_t now_ms) override;
    Result<StoreRecord> store(const std::string& id) override;
    Result<std::vector<StoreRecord>> list_stores() override;
    Status create_touch_point(const TouchPointRecord& t) override;
    Result<TouchPointRecord> touch_point(const std::string& key) override;
    Status update_touch_point(const TouchPointRecord& t) override;
    Status create_enrollment_code(const std::string& code_hash, const std::string& touch_point,
                                  std::int64_t now_ms, std::int64_t expires_utc_ms) override;
    Status create_api_key(const ApiKeyRecord& k, const std::string& key_hash) override;
    Status revoke_device(const std::string& id, std::int64_t now_ms) override;
    Status revoke_api_key(const std::string& id, std::int64_t now_ms) override;
    Result<std::vector<DeviceRecord>> list_devices(const std::string& store_id) override;
    Result<std::vector<TouchPointRecord>> list_touch_points(const std::string& store_id) override;
    Result<std::vector<TouchPointChange>> touch_point_history(const std::string& store_id) override;
    Result<std::vector<ReasonCount>> reason_counts(const ResponseFilter& filter) override;
    Result<std::vector<StoredResponse>> recent_comments(const ResponseFilter& filter,
                                                        std::size_t per_touch_point) override;
    Result<std::vector<TouchPointRecord>>
    edit_touch_points(const std::string& store_id, const std::string& key,
                      const std::function<Status(TouchPointRecord&)>& edit) override;
    Result<std::vector<ApiKeyRecord>> list_api_keys() override;

    Result<EnrollOutcome> enroll(const std::string& code_hash, const NewDevice& device,
                                 std::int64_t now_ms) override;
    Result<std::optional<DeviceRecord>>
    device_by_token_hash(const std::string& token_hash) override;
    Result<std::optional<ApiKeyRecord>> api_key_by_hash(const std::string& key_hash) override;

    Result<BatchOutcome> ingest_batch(const DeviceRecord& device,
                                      const std::vector<IncomingResponse>& responses,
                                      const std::string& health_json, std::int64_t now_ms) override;
    Status record_heartbeat(const std::string& device_id, const std::string& health_json,
                            std::int64_t now_ms) override;

    Result<std::optional<StoredResponse>> response(const std::string& id) override;
    Result<std::int64_t> response_count() override;
    Result<std::int64_t> last_seq() override;
    Result<std::vector<StoredResponse>> list_responses(const ResponseFilter& filter,
                                                       std::size_t limit) override;
    Result<std::vector<RollupCount>> rollup(const ResponseFilter& filter,
                                            const SummaryGrouping& grouping) override;

    Result<EraseStatus> erase_response(const std::string& id, std::int64_t now_ms) override;
    Result<std::int64_t> prune_responses(std::int64_t cutoff_utc_ms) override;

    Result<std::string> server_secret(const std::string& name, const std::string& candidate,
                                      std::int64_t now_ms) override;

  private:
    explicit SqliteStorage(sqlite3* db);
    Status migrate();
    // Adds the touch point's settings to its history (within the caller's
    // transaction, under m_mutex) unless they are its newest version.
    Status record_settings(const TouchPointRecord& t);

    struct PendingWrite;
    // Runs `write` inside a group commit (see sqlite_storage.cpp): it sees
    // an open transaction, under m_mutex; its changes are undone when it
    // fails, and the result is given once the group's commit is on disk.
    Status write_in_group(const std::function<Status()>& write);
    void commit_group(const std::vector<PendingWrite*>& group);
    Result<BatchOutcome> ingest_in_transaction(const DeviceRecord& device,
                                               const std::vector<IncomingResponse>& responses,
                                               const std::string& health_json,
                                               std::int64_t now_ms);

    detail::SqliteConnection m_db;
    std::mutex m_mutex;

    // Writes that commit together: whoever finds no commit under way commits
    // every write waiting, in one transaction (one fsync); the others wait.
    std::mutex m_group_mutex;
    std::condition_variable m_group_done;
    std::vector<PendingWrite*> m_group_waiting;
    bool m_group_committing = false;
};

} // namespace touchpoint::server
