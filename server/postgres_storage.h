#pragma once
// Storage in a PostgreSQL database, shared by any number of server instances.
// Schema created and migrated at open (a schema_version table, migrations
// serialised by an advisory lock). Every query is parameterised; a commit
// returns once PostgreSQL has it durably (synchronous_commit is kept on).
//
// Concurrency: ingest is exactly-once across instances. The insertion
// sequence is a counter row locked FOR UPDATE by each batch that inserts, so
// sequence numbers are handed out in commit order, as the cursor of
// GET /api/v1/responses needs; under that lock a batch looks its ids up at
// once (the content hash decides between a resend and a conflict) and
// inserts its new responses in one statement.
//
// Thread-safety: a small pool of connections guarded by a mutex; each call
// borrows one connection for its duration.
#include "server/storage.h"

#include <memory>
#include <string>

namespace touchpoint::server {

class PostgresConnectionPool;

// The schema version this binary creates and migrates to (table schema_version).
int postgres_schema_version();

class PostgresStorage final : public Storage {
  public:
    // Connects to the database at `url` (a libpq URI, "postgresql://...") and
    // migrates its schema. At most `max_connections` are opened, on demand.
    static Result<std::unique_ptr<PostgresStorage>> open(const std::string& url,
                                                         std::size_t max_connections = 16);
    ~PostgresStorage() override;
    PostgresStorage(const PostgresStorage&) = delete;
    PostgresStorage& operator=(const PostgresStorage&) = delete;

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
    explicit PostgresStorage(std::unique_ptr<PostgresConnectionPool> pool);
    Status migrate();

    // Notes a failed batch, heartbeat or enrolment (`sqlstate` "" when
    // there was no answer from PostgreSQL).
    void note_write_failure(const std::string& sqlstate, const std::string& error);

    std::unique_ptr<PostgresConnectionPool> m_pool;
    WriteFailureRecord m_write_failure;
};

// The URL with its password (if any) replaced by "***", for messages.
std::string redact_postgres_url(const std::string& url);

} // namespace touchpoint::server
