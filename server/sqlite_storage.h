#pragma once
// Storage in one SQLite file: WAL, synchronous=FULL (a commit is on disk before
// the server answers), busy timeout, schema migrations by user_version. The
// queries are SqlStorage's; this backend adds the connection (touchpoint::sqlite),
// group commit of batches and heartbeats, and the record of failed writes.
//
// Thread-safety: one connection guarded by a mutex; writes are serialised
// anyway by SQLite. Several processes (the server and the admin commands) may
// open the same file.
#include "server/sql_storage.h"
#include "sqlite/sqlite.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace touchpoint::server {

// The schema version this binary creates and migrates to (PRAGMA user_version).
int sqlite_schema_version();

class SqliteStorage final : public SqlStorage, private sqlite::WriteObserver {
  public:
    // Opens (creating when missing) and migrates the database at `path`.
    static Result<std::unique_ptr<SqliteStorage>> open(const std::string& path);
    ~SqliteStorage() override;
    SqliteStorage(const SqliteStorage&) = delete;
    SqliteStorage& operator=(const SqliteStorage&) = delete;

    Status check() override;
    Result<BatchOutcome> ingest_batch(const DeviceRecord& device,
                                      const std::vector<IncomingResponse>& responses,
                                      const std::string& health_json, std::int64_t now_ms) override;
    Status record_heartbeat(const std::string& device_id, const std::string& health_json,
                            std::int64_t now_ms) override;

  private:
    class Statements;
    class Session;
    explicit SqliteStorage(sqlite::Connection db);
    Status migrate();

    Status on_connection(const SqlWork& work) override;
    Status in_transaction(const std::string& what, const SqlWork& work) override;
    TextList text_list(const std::vector<std::string>& items, std::size_t n) const override;

    // Every write on the connection: a failure that blames the storage is
    // kept (SQLite's error code is overwritten by the next call, a rollback
    // say), and a commit clears it.
    void write_failed(int code, const std::string& message) override;
    void write_committed() override;

    struct PendingWrite;
    // Runs `write` inside a group commit (see sqlite_storage.cpp): it sees
    // an open transaction, under m_mutex; its changes are undone when it
    // fails, and the result is given once the group's commit is on disk.
    Status write_in_group(const SqlWork& write);
    void commit_group(const std::vector<PendingWrite*>& group);

    sqlite::Connection m_db;
    std::unique_ptr<Statements> m_statements; // prepared once, reused; before m_db goes
    std::mutex m_mutex;                       // the connection and its statements

    // Writes that commit together: whoever finds no commit under way commits
    // every write waiting, in one transaction (one fsync); the others wait.
    std::mutex m_group_mutex;
    std::condition_variable m_group_done;
    std::vector<PendingWrite*> m_group_waiting;
    bool m_group_committing = false;
};

} // namespace touchpoint::server
