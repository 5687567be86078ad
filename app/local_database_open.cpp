// Opening the kiosk's database: the open-lock, the connection's pragmas,
// migrations by user_version, the check after an unclean shutdown, and a
// damaged file moved aside and salvaged into a fresh one.
#include "app/local_database_impl.h"
#include "app/local_database_salvage.h"
#include "app/local_database_schema.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

namespace touchpoint {

using namespace local_db;

namespace {

// Outcome of connecting to a file.
enum class Opened { ok, corrupt, failed };

bool file_exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

std::string utc_stamp() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// Runs the migrations that the file has not seen yet; on failure says its
// kind, with SQLite's words in `err`.
ErrorKind migrate(sqlite::Connection& db, std::string& err) {
    Result<std::int64_t> version = db.query_int64("PRAGMA user_version");
    if (!version) {
        err = version.error();
        return db.error_kind();
    }
    const auto& list = migrations();
    if (*version > static_cast<std::int64_t>(list.size())) {
        err = "the database was written by a newer version of the kiosk software (schema " +
              std::to_string(*version) + ")";
        return ErrorKind::other;
    }
    for (std::size_t i = static_cast<std::size_t>(*version); i < list.size(); ++i) {
        sqlite::Transaction t(db);
        Status st = t.begin(sqlite::Transaction::Mode::immediate);
        for (const char* sql : list[i])
            if (st) st = db.exec(sql);
        if (st) st = db.exec("PRAGMA user_version = " + std::to_string(i + 1));
        if (st) st = t.commit();
        if (!st) {
            err = st.error();
            return db.error_kind(); // (the transaction rolls back as it ends)
        }
    }
    return ErrorKind::none;
}

Opened corrupt_or_failed(ErrorKind kind) {
    return kind == ErrorKind::corrupt ? Opened::corrupt : Opened::failed;
}

// The library's reason for a failed open names the path; the messages here
// name it already.
std::string open_failure(const std::string& message, const std::string& path) {
    const std::string named = "cannot open the database " + path + ": ";
    return message.rfind(named, 0) == 0 ? message.substr(named.size()) : message;
}

// Takes the open-lock next to the database file. The first connection to
// open the file (exclusive lock) is the one that checks after an unclean
// shutdown; later ones share the lock. The kernel drops the lock when the
// process dies, so a crash never leaves it stale.
int take_open_lock(const std::string& path, bool& first) {
    int fd = ::open((path + "-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    // Someone holding it exclusively is checking or closing; wait (up to ~10 s).
    for (int i = 0; i < 1000; ++i) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            first = true;
            return fd;
        }
        if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
            first = false;
            return fd;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    first = false; // give up waiting; open without the unclean-shutdown check
    return fd;
}

// Connects to one file: pragmas, migrations, and (for the first connection)
// the unclean-shutdown check. `err` gets detail on failure.
Opened connect_file(const std::string& path, const DatabaseOptions& opts, sqlite::Connection& db,
                    bool first_opener, bool& was_unclean, std::string& err, bool& disk_full) {
    was_unclean = false;
    disk_full = false;
    // Busy timeout 5 s; one thread uses a LocalDatabase, so SQLite need not
    // lock around every call.
    sqlite::Connection::Options options;
    options.no_mutex = true;
    Result<sqlite::Connection> opened = sqlite::Connection::open(path, options);
    if (!opened) {
        err = open_failure(opened.error(), path);
        return Opened::failed;
    }
    db = std::move(opened).value();

    Status st = Status::success();
    if (Result<std::string> mode = db.query_text("PRAGMA journal_mode = WAL"); !mode)
        st = Status::failure(mode.error());
    if (st)
        st = db.exec(opts.unsafe_synchronous_off ? "PRAGMA synchronous = OFF"
                                                 : "PRAGMA synchronous = FULL");
    if (st) st = db.exec("PRAGMA foreign_keys = ON");
    // Statement journals (the insert's triggers need one) stay in memory
    // instead of a temporary file: measurably faster per tap.
    if (st) st = db.exec("PRAGMA temp_store = MEMORY");
    if (st && opts.max_page_count > 0)
        st = db.exec("PRAGMA max_page_count = " + std::to_string(opts.max_page_count));
    if (!st) {
        err = st.error();
        return corrupt_or_failed(db.error_kind());
    }

    if (ErrorKind kind = migrate(db, err); kind != ErrorKind::none) {
        if (kind == ErrorKind::corrupt) return Opened::corrupt;
        if (kind == ErrorKind::full) err = "there is no room for the database";
        return Opened::failed;
    }

    if (is_memory_path(path)) return Opened::ok;

    if (first_opener) {
        Result<std::string> clean = db.query_text(
            "SELECT coalesce((SELECT value FROM meta WHERE key = 'clean_shutdown'), '')");
        if (!clean) {
            err = clean.error();
            return corrupt_or_failed(db.error_kind());
        }
        if (*clean != "1") {
            was_unclean = true;
            Result<std::string> result = db.query_text("PRAGMA quick_check");
            if (!result) {
                err = result.error();
                return corrupt_or_failed(db.error_kind());
            }
            if (*result != "ok") {
                err = "quick_check: " + *result;
                return Opened::corrupt;
            }
        }
    }
    // While any connection is open the file counts as "not shut down cleanly".
    st = db.exec("INSERT INTO meta (key, value) VALUES ('clean_shutdown', '0') "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!st) {
        const ErrorKind kind = db.error_kind();
        if (kind == ErrorKind::full) {
            disk_full = true; // keep going: reads work, writes report the full disk
        } else {
            err = st.error();
            return corrupt_or_failed(kind);
        }
    }
    return Opened::ok;
}

} // namespace

Result<std::unique_ptr<LocalDatabase>> LocalDatabase::open(const std::string& path,
                                                           DatabaseOptions opts) {
    std::unique_ptr<LocalDatabase> database(new LocalDatabase());
    database->m_path = path.empty() ? std::string(":memory:") : path;
    database->m_impl = std::make_unique<Impl>();
    Impl& impl = *database->m_impl;
    const bool memory = is_memory_path(database->m_path);

    if (!memory) {
        bool first = true;
        impl.lock.fd = take_open_lock(database->m_path, first);
        if (impl.lock.fd < 0)
            return Error{"The database folder cannot be used: " + parent_dir(database->m_path) +
                         " (" + std::strerror(errno) + ")."};
        impl.first_opener = first;
    }

    bool unclean = false;
    bool disk_full = false;
    std::string err;
    Opened how =
        connect_file(database->m_path, opts, impl.db, impl.first_opener, unclean, err, disk_full);

    if (how == Opened::corrupt && !memory && impl.first_opener) {
        impl.db = sqlite::Connection(); // closes the damaged file

        // Move the damaged file (and its WAL and shared-memory files) aside.
        std::string aside = database->m_path + ".corrupt-" + utc_stamp();
        for (int n = 2; file_exists(aside); ++n)
            aside = database->m_path + ".corrupt-" + utc_stamp() + "-" + std::to_string(n);
        if (::rename(database->m_path.c_str(), aside.c_str()) != 0)
            return Error{"The database file " + database->m_path +
                         " is damaged and could not be moved aside (" + std::strerror(errno) +
                         ")."};
        for (const char* suffix : {"-wal", "-shm"}) {
            std::string from = database->m_path + suffix;
            if (file_exists(from)) ::rename(from.c_str(), (aside + suffix).c_str());
        }

        how = connect_file(database->m_path, opts, impl.db, true, unclean, err, disk_full);
        if (how != Opened::ok)
            return Error{"A fresh database could not be created at " + database->m_path + ": " +
                         err + "."};
        std::int64_t rows = salvage(aside, impl.db);
        (void)database->record_event("corruption_recovered",
                                     "The database file was damaged. It was moved aside to " +
                                         aside + " and " + std::to_string(rows) +
                                         (rows == 1 ? " response was" : " responses were") +
                                         " recovered from it.");
    } else if (how == Opened::corrupt) {
        return Error{"The database file " + database->m_path + " is damaged: " + err + "."};
    } else if (how == Opened::failed) {
        return Error{"The database " + database->m_path + " could not be opened: " + err + "."};
    } else if (unclean) {
        // Notes for the health panel: the database opened fine without them.
        (void)database->record_event(
            "unclean_shutdown", "The kiosk did not shut down cleanly last time. The database was "
                                "checked and is fine.");
    }

    if (disk_full) {
        impl.state = "disk full";
        impl.last_error = "The disk is full: new responses cannot be saved until space is "
                          "freed.";
        impl.disk_full_event_pending = true;
    }

    // Let other connections (same process too) wait for each other.
    if (!memory && impl.first_opener) ::flock(impl.lock.fd, LOCK_SH);
    return database;
}

LocalDatabase::~LocalDatabase() = default;

void LocalDatabase::mark_clean_shutdown() {
    Impl& impl = *m_impl;
    if (!impl.db.is_open() || is_memory_path(m_path) || impl.saw_corruption) return;
    // Only the last connection may say "clean": take the lock exclusively if
    // nobody else holds it. (A failed conversion drops our shared lock, so
    // take it back.)
    if (::flock(impl.lock.fd, LOCK_EX | LOCK_NB) != 0) {
        ::flock(impl.lock.fd, LOCK_SH);
        return;
    }
    // If it fails, the next open checks the file as after a crash.
    (void)impl.db.exec("UPDATE meta SET value = '1' WHERE key = 'clean_shutdown'");
}

} // namespace touchpoint
