#pragma once
// Backing up and restoring the SQLite database with SQLite's online backup
// API: the copy is one consistent snapshot even while a server is writing
// (WAL: the server's writers are not held up by it). PostgreSQL is backed up
// with pg_dump and restored with pg_restore instead.
#include "core/result.h"

#include <cstdint>
#include <string>

namespace touchpoint::server {

struct BackupReport {
    std::int64_t pages = 0;
    std::int64_t bytes = 0;
    std::int64_t responses = 0; // rows in the copy's responses table
    int busy_retries = 0;       // steps retried because the database was busy
};

// Copies the database at `db_path` to `to` (a new file, written beside it
// as TO.partial and renamed when complete and checked). An existing `to` is
// refused unless `force`. Steps through the file `pages_per_step` pages at a
// time inside one read transaction, so the copy is the database as it was
// when the backup began.
Result<BackupReport> backup_sqlite(const std::string& db_path, const std::string& to, bool force,
                                   int pages_per_step = 256);

// Replaces the database at `db_path` with the backup `from`, after checking
// it (integrity_check, and a schema version this binary knows). The
// database being replaced, when there is one, is kept as
// DB.before-restore (an existing one is refused unless `force`). The server
// must be stopped first: a database another process has open is refused.
Result<BackupReport> restore_sqlite(const std::string& from, const std::string& db_path,
                                    bool force);

// Whether another process has the SQLite database open (a running server
// holds its WAL index): false when nobody does or the file does not exist.
bool sqlite_in_use(const std::string& db_path);

} // namespace touchpoint::server
