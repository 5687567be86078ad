#pragma once
// What the local database's files share (internal): the state behind a
// LocalDatabase — its connection, kept statements, open-lock, sequence cache
// and health — and the one way they run a statement and word its failure.
//
// The files, one job each (local_database_*.cpp): schema (the migrations and
// a response's row), open (opening, migrations, the unclean-shutdown check),
// salvage (recovery from a damaged file), write (insert, amend, close,
// prune), queries (rows and the staff dashboard's roll-up reads), sync (the
// sync queue), health (health, events, pragmas), impl (what is declared here).
#include "app/local_database.h"
#include "sqlite/sqlite.h"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace touchpoint {

namespace local_db {

using sqlite::ErrorKind;

// A call that failed part-way through several statements: what kind of
// failure, and SQLite's words for it.
struct Failure {
    ErrorKind kind = ErrorKind::other;
    std::string detail;
};

// A failure as staff read it: what to do about a full disk, a damaged file or
// a busy database, and SQLite's words (`detail`) only when it is none of those.
std::string plain_failure(ErrorKind kind, const std::string& doing, const std::string& detail);

std::int64_t file_size(const std::string& p); // 0 when missing
std::string parent_dir(const std::string& p);
bool is_memory_path(const std::string& p);

} // namespace local_db

struct LocalDatabase::Impl {
    using ErrorKind = sqlite::ErrorKind;
    using Failure = local_db::Failure;

    // The open-lock beside the file; declared first so it is released only
    // after the connection has closed.
    struct OpenLock {
        int fd = -1;
        OpenLock() = default;
        ~OpenLock();
        OpenLock(const OpenLock&) = delete;
        OpenLock& operator=(const OpenLock&) = delete;
    } lock;
    bool first_opener = true;

    sqlite::Connection db;
    // Kept statements by their SQL; destroyed (finalized) before `db` closes.
    std::unordered_map<std::string, sqlite::Statement> cache;

    // What health() reports.
    std::string state = "ok";
    std::string last_error;

    // Sequence cache: last row's sequence and tap time, valid while no other
    // connection has committed (PRAGMA data_version unchanged).
    bool seq_loaded = false;
    bool has_last = false;
    std::int64_t last_seq = 0;
    std::int64_t last_utc = 0;
    std::int64_t data_version = -1;

    struct TapStatements {
        bool ready = false;
        sqlite::Statement* version = nullptr;
        sqlite::Statement* insert = nullptr;
        sqlite::Statement* last = nullptr;
        sqlite::Statement* floor = nullptr;
    } tap; // owned by `cache`

    bool saw_corruption = false;
    bool disk_full_event_pending = false;
    std::int64_t taps_lost_to_full_disk = 0;

    // A kept statement of `sql`, prepared on first use. A failure to prepare
    // is the connection's (db.error_kind()).
    Result<sqlite::Statement*> statement(const std::string& sql);

    // Records a failure in health() and returns it as a Status. Called after
    // the transaction scope has ended, so nothing is left half-written.
    Status fail(ErrorKind kind, const std::string& doing, const std::string& detail);
    Status fail(const Failure& f, const std::string& doing) {
        return fail(f.kind, doing, f.detail);
    }

    // For reads: damage is recorded in health(); other errors just described.
    std::string read_failure(ErrorKind kind, const std::string& doing, const std::string& detail);

    // Runs one kept write statement with `args` bound to ?1, ?2, ...;
    // returns the number of rows it changed, or the failure (as fail()).
    template <class... Args>
    Result<int> write(const std::string& sql, const char* doing, const Args&... args) {
        Result<sqlite::Statement*> s = statement(sql);
        if (!s) return Error{fail(db.error_kind(), doing, s.error()).error()};
        sqlite::Statement& w = **s;
        std::optional<Failure> failed;
        int changes = 0;
        {
            sqlite::ResetOnExit reset(w);
            if constexpr (sizeof...(Args) > 0) w.bind_all(args...);
            Status st = w.run();
            if (!st)
                failed = Failure{w.error_kind(), st.error()};
            else
                changes = db.changes();
        }
        if (failed) return Error{fail(*failed, doing).error()};
        return changes;
    }

    // Runs one kept query with `args` bound to ?1, ?2, ..., calling `row(q)`
    // for each row; a `row` that returns bool stops the scan by returning
    // false. Failures are described as read_failure() does.
    template <class Row, class... Args>
    Status read(const std::string& sql, const char* doing, Row&& row, const Args&... args) {
        Result<sqlite::Statement*> s = statement(sql);
        if (!s) return Status::failure(read_failure(db.error_kind(), doing, s.error()));
        sqlite::Statement& q = **s;
        sqlite::ResetOnExit reset(q);
        if constexpr (sizeof...(Args) > 0) q.bind_all(args...);
        for (;;) {
            Result<bool> more = q.step();
            if (!more) return Status::failure(read_failure(q.error_kind(), doing, more.error()));
            if (!*more) return Status::success();
            if constexpr (std::is_void_v<std::invoke_result_t<Row&, const sqlite::Statement&>>)
                row(std::as_const(q));
            else if (!row(std::as_const(q)))
                return Status::success();
        }
    }

    // Reads as read() does, each row into `answer` (`row(answer, q)`), and
    // answers it — unless the database is not open or the read fails.
    template <class T, class Row, class... Args>
    Result<T> collect(T answer, const std::string& sql, const char* doing, Row&& row,
                      const Args&... args) {
        if (!db.is_open()) return Error{"The database is not open."};
        Status st = read(
            sql, doing, [&](const sqlite::Statement& q) { return row(answer, q); }, args...);
        if (!st) return Error{st.error()};
        return answer;
    }

    // One number from a kept query; failures as read() says them.
    Result<std::int64_t> number(const std::string& sql, const char* doing);

    // Runs a kept write to the response `id` (bound to ?1, `args` to ?2 on).
    // When it changes no row, says why: there is no such response, or else
    // (unless `unchanged` is null) "The response <id> <unchanged>.".
    template <class... Args>
    Status change_response(const std::string& sql, const char* doing, const std::string& id,
                           const char* unchanged, const Args&... args) {
        if (!db.is_open()) return Status::failure("The database is not open.");
        Result<int> changes = write(sql, doing, id, args...);
        if (!changes) return Status::failure(changes.error());
        if (*changes > 0) return Status::success();
        return why_unchanged(id, unchanged);
    }
    Status why_unchanged(const std::string& id, const char* unchanged);

    // Marks the closed, pending responses whose `key` column ("id" or "seq")
    // is one of `keys` synced, in one transaction (local_database_sync.cpp).
    template <typename Key> Status mark_synced(const char* key, const std::vector<Key>& keys);

    // Re-reads the newest row (or, after pruning, its remembered place) into
    // the sequence cache (local_database_write.cpp).
    std::optional<Failure> load_last_row();
};

} // namespace touchpoint
