#include "server/backup.h"

#include "server/sqlite_storage.h"
#include "sqlite/sqlite.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace touchpoint::server {

namespace {

using sqlite::Connection;

bool exists(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0;
}

Result<Connection> open_db(const std::string& path, bool read_only, bool create) {
    Connection::Options o;
    o.read_only = read_only;
    o.create = create;
    return Connection::open(path, o);
}

// Copies `src` into `dst` page by page; busy or locked steps are retried.
// The online backup API is the one part the sqlite library leaves to its
// callers (Connection::handle()).
Status copy(Connection& src, Connection& dst, int pages_per_step, BackupReport& report) {
    sqlite3_backup* b = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
    if (!b) return Status::failure("cannot start the backup: " + dst.error_message());
    int rc = SQLITE_OK;
    for (int waited = 0;;) {
        rc = sqlite3_backup_step(b, pages_per_step);
        if (rc == SQLITE_DONE) break;
        if (rc == SQLITE_OK) continue;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < 600) {
            ++waited;
            ++report.busy_retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        break;
    }
    report.pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return Status::failure(std::string("the backup failed: ") + sqlite3_errstr(rc));
    return Status::success();
}

// integrity_check says "ok", the schema is one this binary knows.
Status check_database(Connection& db, const std::string& path, bool full) {
    auto check = db.query_text(full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
    if (!check) return Status::failure(path + ": not a readable SQLite database: " + check.error());
    if (*check != "ok")
        return Status::failure(path + ": the database is damaged (" + *check + ")");
    auto version = db.query_int64("PRAGMA user_version");
    if (!version) return Status::failure(path + ": " + version.error());
    const auto have = *version;
    auto tables = db.query_int64("SELECT count(*) FROM sqlite_master WHERE name = 'responses'");
    if (have <= 0 || !tables || *tables != 1)
        return Status::failure(path + ": not a touchpoint-server database");
    if (have > sqlite_schema_version())
        return Status::failure(path + ": schema version " + std::to_string(have) +
                               ", newer than this server knows (" +
                               std::to_string(sqlite_schema_version()) + ")");
    return Status::success();
}

// The copy's response count and size, for the report.
void describe_copy(Connection& db, BackupReport& report) {
    if (auto n = db.query_int64("SELECT count(*) FROM responses")) report.responses = *n;
    if (auto page = db.query_int64("PRAGMA page_size")) report.bytes = report.pages * *page;
}

void sync_dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

bool sqlite_in_use(const std::string& db_path) {
    // Every connection in WAL mode holds a read lock on the WAL index's
    // "DMS" byte (offset 128 of DB-shm) while it is open: a write lock that
    // would conflict with it names the process holding it.
    const int fd = ::open((db_path + "-shm").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock lk{};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 128;
    lk.l_len = 1;
    const bool held = ::fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
    ::close(fd);
    return held;
}

Result<BackupReport> backup_sqlite(const std::string& db_path, const std::string& to, bool force,
                                   int pages_per_step) {
    if (!exists(db_path)) return Error{db_path + ": no such database"};
    if (exists(to) && !force)
        return Error{to + ": the file exists; choose another name or give --force to replace it"};
    auto src = open_db(db_path, false, false);
    if (!src) return Error{src.error()};
    // One read transaction for the whole copy: every step reads the same
    // snapshot, and the server's commits (to the WAL) go on meanwhile.
    if (Status st = src->exec("BEGIN"); !st) return Error{db_path + ": " + st.error()};
    if (auto v = src->query_int64("SELECT count(*) FROM sqlite_master"); !v)
        return Error{db_path + ": cannot read the database: " + v.error()};

    const std::string partial = to + ".partial";
    std::remove(partial.c_str());
    BackupReport report;
    {
        auto dst = open_db(partial, false, true);
        if (!dst) return Error{dst.error()};
        if (Status st = copy(*src, *dst, pages_per_step, report); !st) {
            std::remove(partial.c_str());
            return Error{db_path + ": " + st.error()};
        }
        if (Status st = check_database(*dst, partial, false); !st) {
            std::remove(partial.c_str());
            return Error{"the copy did not check out: " + st.error()};
        }
        describe_copy(*dst, report);
    }
    (void)src->exec("COMMIT"); // a read transaction: nothing to lose if it fails
    if (std::rename(partial.c_str(), to.c_str()) != 0) {
        std::remove(partial.c_str());
        return Error{to + ": cannot write the backup"};
    }
    sync_dir_of(to);
    return report;
}

Result<BackupReport> restore_sqlite(const std::string& from, const std::string& db_path,
                                    bool force) {
    if (!exists(from)) return Error{from + ": no such file"};
    auto src = open_db(from, true, false);
    if (!src) return Error{src.error()};
    if (Status st = check_database(*src, from, true); !st) return Error{st.error()};
    if (sqlite_in_use(db_path))
        return Error{db_path + ": the database is open in another process (a running "
                               "touchpoint-server?); stop the server first"};
    if (exists(db_path)) {
        const std::string keep = db_path + ".before-restore";
        if (exists(keep) && !force)
            return Error{keep + ": a copy from an earlier restore is there; move it away or give "
                                "--force to replace it"};
        auto kept = backup_sqlite(db_path, keep, true);
        if (!kept) return Error{"cannot keep the database being replaced: " + kept.error()};
    }
    BackupReport report;
    auto dst = open_db(db_path, false, true);
    if (!dst) return Error{dst.error()};
    if (Status st = copy(*src, *dst, -1, report); !st) return Error{db_path + ": " + st.error()};
    if (Status st = check_database(*dst, db_path, false); !st) return Error{st.error()};
    describe_copy(*dst, report);
    return report;
}

} // namespace touchpoint::server
