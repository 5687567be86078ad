#pragma once
// Storage in a PostgreSQL database, shared by any number of server instances.
// Schema created and migrated at open (a schema_version table, migrations
// serialised by an advisory lock). The queries are SqlStorage's, every one
// parameterised; a commit returns once PostgreSQL has it durably
// (synchronous_commit is kept on). This backend adds the connection pool,
// long reads in single-row mode, whole batches and roll-up cells in one
// statement (unnest), and a batch retried when PostgreSQL aborts it to break
// a deadlock or a serialisation conflict.
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
#include "server/sql_storage.h"

#include <memory>
#include <string>

namespace touchpoint::server {

class PostgresConnectionPool;

// The schema version this binary creates and migrates to (table schema_version).
int postgres_schema_version();

class PostgresStorage final : public SqlStorage {
  public:
    // Connects to the database at `url` (a libpq URI, "postgresql://...") and
    // migrates its schema. At most `max_connections` are opened, on demand.
    static Result<std::unique_ptr<PostgresStorage>> open(const std::string& url,
                                                         std::size_t max_connections = 16);
    ~PostgresStorage() override;
    PostgresStorage(const PostgresStorage&) = delete;
    PostgresStorage& operator=(const PostgresStorage&) = delete;

    Status check() override;
    Result<BatchOutcome> ingest_batch(const DeviceRecord& device,
                                      const std::vector<IncomingResponse>& responses,
                                      const std::string& health_json, std::int64_t now_ms) override;
    Status record_heartbeat(const std::string& device_id, const std::string& health_json,
                            std::int64_t now_ms) override;

  private:
    class Session;
    explicit PostgresStorage(std::unique_ptr<PostgresConnectionPool> pool);
    Status migrate();

    Status on_connection(const SqlWork& work) override;
    Status in_transaction(const std::string& what, const SqlWork& work) override;
    TextList text_list(const std::vector<std::string>& items, std::size_t n) const override;
    Status insert_responses(SqlSession& db, const DeviceRecord& device, const IngestPlan& plan,
                            std::int64_t now_ms) override;
    Status add_to_rollup(SqlSession& db, const RollupDelta& delta) override;

    // Runs `work` in a transaction on a connection of the pool's; on failure
    // `sqlstate` says why ("" when PostgreSQL gave no answer).
    Status transaction(const std::string& what, const SqlWork& work, std::string& sqlstate);
    // Notes a failed batch or heartbeat (`sqlstate` "" when there was no
    // answer from PostgreSQL).
    void note_write_failure(const std::string& sqlstate, const std::string& error);

    std::unique_ptr<PostgresConnectionPool> m_pool;
};

// The URL with its password (if any) replaced by "***", for messages.
std::string redact_postgres_url(const std::string& url);

} // namespace touchpoint::server
