#include "app/store.h"

#include "sqlite/sqlite.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <limits>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace touchpoint {

namespace {

using sqlite::ErrorKind;

// --- Schema ---

// Each migration is a list of statements; migration i (1-based) brings the
// database to user_version i. Append new migrations, never edit old ones.
//
// The dashboard rollups (hour_scores, day_reasons) are kept by triggers, so
// every path that changes responses (insert, amend, prune, salvage) updates
// them in the same transaction and they can never drift from the rows.
const std::vector<std::vector<const char*>>& migrations() {
    static const std::vector<std::vector<const char*>> list = {
        {
            R"(CREATE TABLE meta (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID)",

            // seq is the rowid: the per-device sequence number, assigned by the
            // store, so salvage can walk the table by rowid ranges.
            R"(CREATE TABLE responses (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                device_id TEXT NOT NULL,
                touch_point TEXT NOT NULL,
                survey_id TEXT NOT NULL,
                survey_version INTEGER NOT NULL,
                question_id TEXT NOT NULL,
                scale TEXT NOT NULL,
                score INTEGER NOT NULL,
                reasons TEXT NOT NULL DEFAULT '[]',
                comment TEXT NOT NULL DEFAULT '',
                language TEXT NOT NULL,
                utc_ms INTEGER NOT NULL,
                local_time TEXT NOT NULL,
                local_day TEXT NOT NULL,
                local_hour INTEGER NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
                misuse INTEGER NOT NULL CHECK (misuse IN (0, 1)),
                clock_suspect INTEGER NOT NULL CHECK (clock_suspect IN (0, 1)),
                closed INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
                sync_state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (sync_state IN ('pending', 'synced', 'rejected')),
                reject_reason TEXT NOT NULL DEFAULT ''
            ))",

            // Partial indexes: each holds only the rows its query looks for.
            "CREATE INDEX responses_pending ON responses(seq) "
            "WHERE closed = 1 AND sync_state = 'pending'",
            "CREATE INDEX responses_open ON responses(seq) WHERE closed = 0",
            "CREATE INDEX responses_rejected ON responses(seq) WHERE sync_state = 'rejected'",
            "CREATE INDEX responses_synced_time ON responses(utc_ms) "
            "WHERE sync_state = 'synced'",
            "CREATE INDEX responses_commented ON responses(seq) WHERE comment <> ''",

            R"(CREATE TABLE hour_scores (
                local_day TEXT NOT NULL,
                local_hour INTEGER NOT NULL,
                scale TEXT NOT NULL,
                score INTEGER NOT NULL,
                misuse INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (local_day, local_hour, scale, score, misuse)
            ) WITHOUT ROWID)",

            R"(CREATE TABLE day_reasons (
                local_day TEXT NOT NULL,
                reason TEXT NOT NULL,
                misuse INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (local_day, reason, misuse)
            ) WITHOUT ROWID)",

            R"(CREATE TABLE store_events (
                id INTEGER PRIMARY KEY,
                utc_ms INTEGER NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                acknowledged INTEGER NOT NULL DEFAULT 0
            ))",

            R"(CREATE TRIGGER responses_tally_insert AFTER INSERT ON responses BEGIN
                INSERT INTO hour_scores (local_day, local_hour, scale, score, misuse, n)
                    VALUES (NEW.local_day, NEW.local_hour, NEW.scale, NEW.score, NEW.misuse, 1)
                    ON CONFLICT (local_day, local_hour, scale, score, misuse)
                    DO UPDATE SET n = n + 1;
                INSERT INTO day_reasons (local_day, reason, misuse, n)
                    SELECT DISTINCT NEW.local_day, value, NEW.misuse, 1
                    FROM json_each(NEW.reasons) WHERE true
                    ON CONFLICT (local_day, reason, misuse) DO UPDATE SET n = n + 1;
            END)",

            R"(CREATE TRIGGER responses_tally_delete AFTER DELETE ON responses BEGIN
                UPDATE hour_scores SET n = n - 1
                    WHERE local_day = OLD.local_day AND local_hour = OLD.local_hour
                      AND scale = OLD.scale AND score = OLD.score AND misuse = OLD.misuse;
                DELETE FROM hour_scores
                    WHERE local_day = OLD.local_day AND local_hour = OLD.local_hour
                      AND scale = OLD.scale AND score = OLD.score AND misuse = OLD.misuse
                      AND n <= 0;
                UPDATE day_reasons SET n = n - 1
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse
                      AND reason IN (SELECT value FROM json_each(OLD.reasons));
                DELETE FROM day_reasons
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse AND n <= 0;
            END)",

            R"(CREATE TRIGGER responses_tally_reasons AFTER UPDATE OF reasons ON responses
                WHEN OLD.reasons IS NOT NEW.reasons BEGIN
                UPDATE day_reasons SET n = n - 1
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse
                      AND reason IN (SELECT value FROM json_each(OLD.reasons));
                DELETE FROM day_reasons
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse AND n <= 0;
                INSERT INTO day_reasons (local_day, reason, misuse, n)
                    SELECT DISTINCT NEW.local_day, value, NEW.misuse, 1
                    FROM json_each(NEW.reasons) WHERE true
                    ON CONFLICT (local_day, reason, misuse) DO UPDATE SET n = n + 1;
            END)",

            // The tap itself never changes once written; a closed response
            // never changes at all except for its sync state.
            R"(CREATE TRIGGER responses_tap_fixed BEFORE UPDATE OF
                id, seq, scale, score, misuse, utc_ms, local_day, local_hour ON responses
                WHEN OLD.id IS NOT NEW.id OR OLD.seq IS NOT NEW.seq
                  OR OLD.scale IS NOT NEW.scale OR OLD.score IS NOT NEW.score
                  OR OLD.misuse IS NOT NEW.misuse OR OLD.utc_ms IS NOT NEW.utc_ms
                  OR OLD.local_day IS NOT NEW.local_day OR OLD.local_hour IS NOT NEW.local_hour
                BEGIN SELECT RAISE(ABORT, 'a recorded tap cannot change'); END)",
            R"(CREATE TRIGGER responses_closed_fixed BEFORE UPDATE OF reasons, comment ON responses
                WHEN OLD.closed = 1
                BEGIN SELECT RAISE(ABORT, 'a closed response cannot change'); END)",

            // A brand-new file counts as cleanly shut down.
            "INSERT INTO meta (key, value) VALUES ('clean_shutdown', '1')",
        },
    };
    return list;
}

// Column list shared by every read and by the insert (same order).
constexpr const char* kColumns =
    "seq, id, device_id, touch_point, survey_id, survey_version, question_id, scale, score, "
    "reasons, comment, language, utc_ms, local_time, local_day, local_hour, misuse, "
    "clock_suspect, closed, sync_state, reject_reason";
constexpr int kColumnCount = 21;

const std::string& insert_sql() {
    static const std::string sql = std::string("INSERT INTO responses (") + kColumns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
    return sql;
}

// --- Small helpers ---

std::int64_t now_utc_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string utc_stamp() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

bool file_exists(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0;
}

std::int64_t file_size(const std::string& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return static_cast<std::int64_t>(st.st_size);
}

std::string parent_dir(const std::string& p) {
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return p.substr(0, slash);
}

bool is_memory_path(const std::string& p) {
    return p.empty() || p == ":memory:";
}

std::string reasons_to_json(const std::vector<std::string>& reasons) {
    if (reasons.empty()) return "[]";
    return nlohmann::json(reasons).dump();
}

std::vector<std::string> reasons_from_json(const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return out;
    for (const auto& v : j)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

void read_response(const sqlite::Statement& q, Response& r) {
    r.sequence = q.int64(0);
    r.id = q.text(1);
    r.device_id = q.text(2);
    r.touch_point = q.text(3);
    r.survey_id = q.text(4);
    r.survey_version = static_cast<int>(q.int64(5));
    r.question_id = q.text(6);
    r.scale = scale_from_string(q.text(7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(q.int64(8));
    r.reasons = reasons_from_json(q.text(9));
    r.comment = q.text(10);
    r.language = q.text(11);
    r.utc_ms = q.int64(12);
    r.local_time = q.text(13);
    r.local_day = q.text(14);
    r.local_hour = static_cast<int>(q.int64(15));
    r.misuse = q.int64(16) != 0;
    r.clock_suspect = q.int64(17) != 0;
    r.closed = q.int64(18) != 0;
    std::string state = q.text(19);
    r.sync_state = state == "synced"     ? SyncState::synced
                   : state == "rejected" ? SyncState::rejected
                                         : SyncState::pending;
    r.reject_reason = q.text(20);
}

void bind_response(sqlite::Statement& q, const Response& r) {
    q.bind_all(r.sequence, r.id, r.device_id, r.touch_point, r.survey_id, r.survey_version,
               r.question_id, to_string(r.scale), r.score, reasons_to_json(r.reasons), r.comment,
               r.language, r.utc_ms, r.local_time, r.local_day, r.local_hour, r.misuse,
               r.clock_suspect, r.closed, to_string(r.sync_state), r.reject_reason);
}

// A call that failed part-way through several statements: what kind of
// failure, and SQLite's words for it.
struct Failure {
    ErrorKind kind = ErrorKind::other;
    std::string detail;
};

// Outcome of connecting to a file.
enum class Opened { ok, corrupt, failed };

// --- Errors in plain words ---

std::string plain_failure(ErrorKind kind, const std::string& doing, const std::string& detail) {
    switch (kind) {
    case ErrorKind::full:
        return "The disk is full: " + doing +
               " could not be saved. Free space on the kiosk or ask for support.";
    case ErrorKind::corrupt:
        return "The database file is damaged: " + doing +
               " failed. Restart the kiosk so it can repair the database.";
    case ErrorKind::busy:
        return "The database stayed busy for too long: " + doing + " failed. Try again.";
    default:
        return "The database could not be used: " + doing + " failed (" + detail + ").";
    }
}

} // namespace

// --- Implementation state ---

struct ResponseStore::Impl {
    // The open-lock beside the file; declared first so it is released only
    // after the connection has closed.
    struct OpenLock {
        int fd = -1;
        OpenLock() = default;
        ~OpenLock() {
            if (fd >= 0) ::close(fd);
        }
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
    Result<sqlite::Statement*> statement(const std::string& sql) {
        auto it = cache.find(sql);
        if (it != cache.end()) return &it->second;
        Result<sqlite::Statement> s = db.prepare(sql, true);
        if (!s) return Error{s.error()};
        return &cache.emplace(sql, std::move(s).value()).first->second;
    }

    // Records a failure in health() and returns it as a Status. Called after
    // the transaction scope has ended, so nothing is left half-written.
    Status fail(ErrorKind kind, const std::string& doing, const std::string& detail) {
        std::string msg = plain_failure(kind, doing, detail);
        if (kind == ErrorKind::full) {
            state = "disk full";
            disk_full_event_pending = true;
        } else if (kind == ErrorKind::corrupt) {
            state = "error";
            saw_corruption = true;
        } else if (kind != ErrorKind::busy && kind != ErrorKind::constraint) {
            state = "error";
        }
        last_error = msg;
        return Status::failure(msg);
    }
    Status fail(const Failure& f, const std::string& doing) {
        return fail(f.kind, doing, f.detail);
    }

    // For reads: damage is recorded in health(); other errors just described.
    std::string read_failure(ErrorKind kind, const std::string& doing, const std::string& detail) {
        if (kind == ErrorKind::corrupt) return fail(kind, doing, detail).error();
        return plain_failure(kind, doing, detail);
    }

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

    // One number from a kept query; failures as read() says them.
    Result<std::int64_t> number(const std::string& sql, const char* doing) {
        std::int64_t n = 0;
        bool answered = false;
        Status st = read(sql, doing, [&](const sqlite::Statement& q) {
            n = q.int64(0);
            answered = true;
            return false;
        });
        if (!st) return Error{st.error()};
        if (!answered) return Error{read_failure(ErrorKind::other, doing, "no answer")};
        return n;
    }

    // Re-reads the newest row (or, after pruning, its remembered place).
    std::optional<Failure> load_last_row() {
        seq_loaded = false;
        bool has = false;
        std::int64_t s = 0, u_ms = 0;
        {
            sqlite::ResetOnExit reset(*tap.last);
            Result<bool> row = tap.last->step();
            if (!row) return Failure{tap.last->error_kind(), row.error()};
            if (*row) {
                has = true;
                s = tap.last->int64(0);
                u_ms = tap.last->int64(1);
            }
        }
        {
            sqlite::ResetOnExit reset(*tap.floor);
            Result<bool> row = tap.floor->step();
            if (!row) return Failure{tap.floor->error_kind(), row.error()};
            if (!*row) return Failure{ErrorKind::other, "the sequence floor answered no row"};
            if (!tap.floor->is_null(0)) {
                std::int64_t fs = tap.floor->int64(0);
                if (!has || fs > s) {
                    has = true;
                    s = fs;
                    u_ms = tap.floor->int64(1);
                }
            }
        }
        has_last = has;
        last_seq = s;
        last_utc = u_ms;
        seq_loaded = true;
        return std::nullopt;
    }

    // Marks rows synced in one transaction: `update_sql` updates the row
    // whose key is ?1, run for each of `keys`.
    template <typename Key>
    std::optional<Failure> mark_rows_synced(const std::string& update_sql,
                                            const std::vector<Key>& keys) {
        Result<sqlite::Statement*> upd = statement(update_sql);
        if (!upd) return Failure{db.error_kind(), upd.error()};
        sqlite::Transaction t(db);
        if (Status st = t.begin(sqlite::Transaction::Mode::immediate); !st)
            return Failure{db.error_kind(), st.error()};
        for (const auto& key : keys) {
            sqlite::ResetOnExit reset(**upd);
            if (Status st = (*upd)->bind(1, key).run(); !st)
                return Failure{(*upd)->error_kind(), st.error()};
        }
        if (Status st = t.commit(); !st) return Failure{db.error_kind(), st.error()};
        return std::nullopt;
    }
};

int response_store_schema_version() {
    return static_cast<int>(migrations().size());
}

// --- Opening ---

namespace {

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
Opened connect_file(const std::string& path, const StoreOptions& opts, sqlite::Connection& db,
                    bool first_opener, bool& was_unclean, std::string& err, bool& disk_full) {
    was_unclean = false;
    disk_full = false;
    Result<sqlite::Connection> opened = sqlite::Connection::open(path); // busy timeout 5 s
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

// Copies every readable response (and event) from a damaged file into `dst`.
// Walks the table by rowid (= sequence) ranges: when a page cannot be read,
// it probes further ahead (doubling) for the next readable row and then
// narrows back (bisection), so one bad page only loses the rows on it.
std::int64_t salvage(const std::string& damaged, sqlite::Connection& dst) {
    sqlite::Connection::Options read_only;
    read_only.read_only = true;
    Result<sqlite::Connection> src = sqlite::Connection::open(damaged, read_only);
    if (!src) return 0;
    // Best effort: without it a bad cell is found later, by the reads.
    (void)src->exec("PRAGMA cell_size_check = ON");

    Result<sqlite::Statement> read = src->prepare(std::string("SELECT ") + kColumns +
                                                  " FROM responses WHERE seq >= ?1 ORDER BY seq");
    if (!read) return 0;
    Result<sqlite::Statement> ins = dst.prepare(insert_sql());
    if (!ins) return 0;

    std::int64_t salvaged = 0;
    std::int64_t max_seq = 0;
    sqlite::Transaction t(dst);
    if (!t.begin(sqlite::Transaction::Mode::immediate)) return 0;

    auto probe = [&](std::int64_t from) {
        sqlite::ResetOnExit reset(*read);
        return read->bind(1, from).step().ok();
    };

    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        bool finished = false;
        {
            sqlite::ResetOnExit reset(*read);
            read->bind(1, from);
            for (;;) {
                Result<bool> row = read->step();
                if (!row) break; // a page that cannot be read
                if (!*row) {
                    finished = true;
                    break;
                }
                std::int64_t seq = read->int64(0);
                {
                    sqlite::ResetOnExit reset_ins(*ins);
                    for (int c = 0; c < kColumnCount; ++c)
                        ins->bind_column(c + 1, *read, c);
                    if (ins->run()) {
                        ++salvaged;
                        if (seq > max_seq) max_seq = seq;
                    }
                }
                if (seq == kMax) {
                    finished = true;
                    break;
                }
                from = seq + 1;
            }
        }
        if (finished) break;

        // `from` cannot be read: find the next start that can.
        std::int64_t step = 1;
        std::int64_t hi = from;
        bool found = false;
        for (;;) {
            hi = (kMax - from < step) ? kMax : from + step;
            if (probe(hi)) {
                found = true;
                break;
            }
            if (hi == kMax) break;
            step = step > kMax / 2 ? kMax : step * 2;
        }
        if (!found) break;
        std::int64_t lo = from;
        while (hi - lo > 1) {
            std::int64_t mid = lo + (hi - lo) / 2;
            if (probe(mid))
                hi = mid;
            else
                lo = mid;
        }
        from = hi;
    }

    // Events, best effort, in their own order.
    {
        Result<sqlite::Statement> ev = src->prepare(
            "SELECT utc_ms, kind, message, acknowledged FROM store_events ORDER BY id");
        Result<sqlite::Statement> ev_ins =
            dst.prepare("INSERT INTO store_events (utc_ms, kind, message, acknowledged) VALUES "
                        "(?1, ?2, ?3, ?4)");
        if (ev && ev_ins) {
            for (Result<bool> row = ev->step(); row && *row; row = ev->step()) {
                sqlite::ResetOnExit reset(*ev_ins);
                for (int c = 0; c < 4; ++c)
                    ev_ins->bind_column(c + 1, *ev, c);
                (void)ev_ins->run(); // an event that cannot be copied is left behind
            }
        }
    }
    // Keep the sequence moving forward past anything the damaged file had.
    if (Result<std::string> floor =
            src->query_text("SELECT value FROM meta WHERE key = 'last_sequence'");
        floor && !floor->empty()) {
        std::int64_t f = std::strtoll(floor->c_str(), nullptr, 10);
        if (f > max_seq)
            // Best effort, as the events: the rows themselves are what matter.
            (void)dst.exec("INSERT INTO meta (key, value) VALUES ('last_sequence', '" +
                           std::to_string(f) +
                           "') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    }
    if (!t.commit()) return 0; // (rolled back as `t` ends)
    return salvaged;
}

} // namespace

Result<std::unique_ptr<ResponseStore>> ResponseStore::open(const std::string& path,
                                                           StoreOptions opts) {
    std::unique_ptr<ResponseStore> store(new ResponseStore());
    store->m_path = path.empty() ? std::string(":memory:") : path;
    store->m_impl = std::make_unique<Impl>();
    Impl& impl = *store->m_impl;
    const bool memory = is_memory_path(store->m_path);

    if (!memory) {
        bool first = true;
        impl.lock.fd = take_open_lock(store->m_path, first);
        if (impl.lock.fd < 0)
            return Error{"The database folder cannot be used: " + parent_dir(store->m_path) + " (" +
                         std::strerror(errno) + ")."};
        impl.first_opener = first;
    }

    bool unclean = false;
    bool disk_full = false;
    std::string err;
    Opened how =
        connect_file(store->m_path, opts, impl.db, impl.first_opener, unclean, err, disk_full);

    if (how == Opened::corrupt && !memory && impl.first_opener) {
        impl.db = sqlite::Connection(); // closes the damaged file

        // Move the damaged file (and its WAL and shared-memory files) aside.
        std::string aside = store->m_path + ".corrupt-" + utc_stamp();
        for (int n = 2; file_exists(aside); ++n)
            aside = store->m_path + ".corrupt-" + utc_stamp() + "-" + std::to_string(n);
        if (::rename(store->m_path.c_str(), aside.c_str()) != 0)
            return Error{"The database file " + store->m_path +
                         " is damaged and could not be moved aside (" + std::strerror(errno) +
                         ")."};
        for (const char* suffix : {"-wal", "-shm"}) {
            std::string from = store->m_path + suffix;
            if (file_exists(from)) ::rename(from.c_str(), (aside + suffix).c_str());
        }

        how = connect_file(store->m_path, opts, impl.db, true, unclean, err, disk_full);
        if (how != Opened::ok)
            return Error{"A fresh database could not be created at " + store->m_path + ": " + err +
                         "."};
        std::int64_t rows = salvage(aside, impl.db);
        (void)store->record_event("corruption_recovered",
                                  "The database file was damaged. It was moved aside to " + aside +
                                      " and " + std::to_string(rows) +
                                      (rows == 1 ? " response was" : " responses were") +
                                      " recovered from it.");
    } else if (how == Opened::corrupt) {
        return Error{"The database file " + store->m_path + " is damaged: " + err + "."};
    } else if (how == Opened::failed) {
        return Error{"The database " + store->m_path + " could not be opened: " + err + "."};
    } else if (unclean) {
        // Notes for the health panel: the store opened fine without them.
        (void)store->record_event("unclean_shutdown",
                                  "The kiosk did not shut down cleanly last time. The database was "
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
    return store;
}

ResponseStore::~ResponseStore() = default;

void ResponseStore::mark_clean_shutdown() {
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

// --- Writing ---

// The hot path: one autocommit INSERT (its triggers update the rollups in the
// same transaction), so a tap costs what a bare INSERT costs plus a cached
// statement or two. The sequence number comes from a cache of the last row,
// re-read when another connection has committed (PRAGMA data_version); if a
// writer slips in between, the primary key refuses the number and we re-read
// and retry.
Status ResponseStore::insert_open(Response& r) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    if (r.id.empty()) return Status::failure("A response needs an id before it can be saved.");
    if (!score_in_range(r.scale, r.score))
        return Status::failure("The score " + std::to_string(r.score) + " is not on the scale " +
                               std::string(to_string(r.scale)) + ".");
    if (r.local_hour < 0 || r.local_hour > 23)
        return Status::failure("The local hour " + std::to_string(r.local_hour) +
                               " is not between 0 and 23.");

    if (!impl.tap.ready) {
        for (auto [slot, sql] : {
                 std::pair{&impl.tap.version, std::string("PRAGMA data_version")},
                 std::pair{&impl.tap.insert, insert_sql()},
                 std::pair{
                     &impl.tap.last,
                     std::string("SELECT seq, utc_ms FROM responses ORDER BY seq DESC LIMIT 1")},
                 std::pair{
                     &impl.tap.floor,
                     std::string("SELECT (SELECT value FROM meta WHERE key = 'last_sequence'), "
                                 "(SELECT value FROM meta WHERE key = 'last_utc_ms')")},
             }) {
            Result<sqlite::Statement*> s = impl.statement(sql);
            if (!s) return impl.fail(impl.db.error_kind(), "the tap", s.error());
            *slot = *s;
        }
        impl.tap.ready = true;
    }

    std::optional<Failure> failed;
    std::int64_t seq = 0;
    bool suspect = false;
    for (int attempt = 0; attempt < 5; ++attempt) {
        failed.reset();
        std::int64_t dv = -1;
        {
            sqlite::ResetOnExit reset(*impl.tap.version);
            Result<bool> row = impl.tap.version->step();
            if (!row || !*row) {
                failed = row ? Failure{ErrorKind::other, "the data version answered no row"}
                             : Failure{impl.tap.version->error_kind(), row.error()};
                break;
            }
            dv = impl.tap.version->int64(0);
        }
        if (!impl.seq_loaded || dv != impl.data_version) {
            failed = impl.load_last_row();
            if (failed) break;
            impl.data_version = dv;
        }
        seq = impl.last_seq + 1;
        suspect = r.clock_suspect || (impl.has_last && r.utc_ms < impl.last_utc);
        sqlite::Statement& w = *impl.tap.insert;
        bool taken = false;
        {
            sqlite::ResetOnExit reset(w);
            bind_response(w, r);
            // What the store decides, over what the caller passed in.
            w.bind(1, seq).bind(18, suspect).bind(19, false).bind(20, "pending").bind(21, "");
            if (Status st = w.run(); !st) {
                failed = Failure{w.error_kind(), st.error()};
                taken = w.constraint() == sqlite::Constraint::primary_key;
            }
        }
        if (taken) {
            impl.seq_loaded = false; // another connection took the number
            continue;
        }
        break;
    }

    if (failed) {
        impl.seq_loaded = false;
        if (failed->kind == ErrorKind::constraint && get(r.id).ok())
            return Status::failure("A response with id " + r.id + " is already stored.");
        if (failed->kind == ErrorKind::full) ++impl.taps_lost_to_full_disk;
        return impl.fail(*failed, "the tap");
    }
    impl.has_last = true;
    impl.last_seq = seq;
    impl.last_utc = r.utc_ms;

    r.sequence = seq;
    r.clock_suspect = suspect;
    r.closed = false;
    r.sync_state = SyncState::pending;
    r.reject_reason.clear();

    if (impl.state == "disk full") {
        impl.state = "ok";
        impl.last_error.clear();
    }
    if (impl.disk_full_event_pending) {
        impl.disk_full_event_pending = false;
        std::int64_t lost = std::exchange(impl.taps_lost_to_full_disk, 0);
        // A note for the health panel; the tap itself is already saved.
        (void)record_event("disk_full", "The disk was full. " + std::to_string(lost) +
                                            (lost == 1 ? " tap was" : " taps were") +
                                            " not saved before space was freed.");
    }
    return Status::success();
}

namespace {

// Whether a response exists and is closed: -1 unknown id, 0 open, 1 closed.
int closed_state(sqlite::Connection& db, const std::string& id) {
    Result<sqlite::Statement> s = db.prepare("SELECT closed FROM responses WHERE id = ?1");
    if (!s) return -1;
    Result<bool> row = s->bind(1, id).step();
    if (!row || !*row) return -1;
    return s->int64(0) != 0 ? 1 : 0;
}

Status unknown_id(const std::string& id) {
    return Status::failure("There is no response with id " + id + ".");
}

} // namespace

Status ResponseStore::amend(const std::string& id, const std::vector<std::string>& reasons,
                            const std::string& comment) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes =
        impl.write("UPDATE responses SET reasons = ?2, comment = ?3 WHERE id = ?1 AND closed = 0",
                   "saving the follow-up answers", id, reasons_to_json(reasons), comment);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0)
        return closed_state(impl.db, id) < 0
                   ? unknown_id(id)
                   : Status::failure("The response " + id + " is already closed.");
    return Status::success();
}

Status ResponseStore::close(const std::string& id) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes = impl.write("UPDATE responses SET closed = 1 WHERE id = ?1 AND closed = 0",
                              "closing the response", id);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0 && closed_state(impl.db, id) < 0) return unknown_id(id);
    return Status::success(); // closing twice is harmless
}

Result<std::int64_t> ResponseStore::close_all_open() {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    Status st = impl.db.exec("UPDATE responses SET closed = 1 WHERE closed = 0");
    if (!st)
        return Error{impl.fail(impl.db.error_kind(), "closing open responses", st.error()).error()};
    return static_cast<std::int64_t>(impl.db.changes());
}

Result<std::int64_t> ResponseStore::prune_synced(int retention_days, std::int64_t now_utc_ms) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    if (retention_days < 0) return Error{"The retention period cannot be negative."};
    const std::int64_t cutoff = now_utc_ms - static_cast<std::int64_t>(retention_days) * 86400000;
    std::int64_t deleted = 0;
    std::optional<Failure> failed = [&]() -> std::optional<Failure> {
        sqlite::Connection& db = impl.db;
        sqlite::Transaction t(db);
        if (Status st = t.begin(sqlite::Transaction::Mode::immediate); !st)
            return Failure{db.error_kind(), st.error()};
        // Remember the newest row's place so the sequence never goes back
        // and clock checks still see it, even if it is pruned.
        Status st = db.exec(R"(INSERT INTO meta (key, value)
                SELECT 'last_sequence', CAST(seq AS TEXT) FROM
                    (SELECT seq FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (st)
            st = db.exec(R"(INSERT INTO meta (key, value)
                SELECT 'last_utc_ms', CAST(utc_ms AS TEXT) FROM
                    (SELECT utc_ms FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (!st) return Failure{db.error_kind(), st.error()};
        Result<sqlite::Statement> del = db.prepare(
            "DELETE FROM responses WHERE sync_state = 'synced' AND closed = 1 AND utc_ms < ?1");
        if (!del) return Failure{db.error_kind(), del.error()};
        if (st = del->bind(1, cutoff).run(); !st) return Failure{del->error_kind(), st.error()};
        deleted = db.changes();
        if (st = t.commit(); !st) return Failure{db.error_kind(), st.error()};
        return std::nullopt;
    }();
    impl.seq_loaded = false;
    if (failed) return Error{impl.fail(*failed, "removing old synced responses").error()};
    if (impl.state == "disk full" && deleted > 0) {
        impl.state = "ok";
        impl.last_error.clear();
    }
    return deleted;
}

// --- Reading ---

Status ResponseStore::for_each(const std::function<bool(const Response&)>& fn) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    // Not kept: the callback may call back into the store.
    Result<sqlite::Statement> s =
        impl.db.prepare(std::string("SELECT ") + kColumns + " FROM responses ORDER BY seq");
    if (!s)
        return Status::failure(
            impl.read_failure(impl.db.error_kind(), "reading responses", s.error()));
    Response r;
    for (;;) {
        Result<bool> row = s->step();
        if (!row)
            return Status::failure(
                impl.read_failure(s->error_kind(), "reading responses", row.error()));
        if (!*row) return Status::success();
        read_response(*s, r);
        if (!fn(r)) return Status::success();
    }
}

Result<Response> ResponseStore::get(const std::string& id) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::optional<Response> found;
    Status st = impl.read(
        std::string("SELECT ") + kColumns + " FROM responses WHERE id = ?1", "reading a response",
        [&](const sqlite::Statement& q) { read_response(q, found.emplace()); }, id);
    if (!st) return Error{st.error()};
    if (!found) return Error{"There is no response with id " + id + "."};
    return std::move(*found);
}

Result<std::int64_t> ResponseStore::count() const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    return impl.number("SELECT count(*) FROM responses", "counting responses");
}

// --- Dashboard queries (read the rollup tables) ---

Result<ScoreCounts> ResponseStore::score_counts(Scale scale, const std::string& from_day,
                                                const std::string& to_day) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    ScoreCounts c;
    c.scale = scale;
    Status st = impl.read(
        "SELECT score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY score, misuse",
        "counting scores",
        [&](const sqlite::Statement& u) {
            std::int64_t score = u.int64(0);
            if (score < 0 || score >= static_cast<std::int64_t>(c.counted.size())) return;
            auto& slot = u.int64(1) ? c.misuse : c.counted;
            slot[static_cast<std::size_t>(score)] += u.int64(2);
        },
        from_day, to_day, to_string(scale));
    if (!st) return Error{st.error()};
    return c;
}

Result<std::vector<DayCounts>> ResponseStore::daily_counts(Scale scale, const std::string& from_day,
                                                           const std::string& to_day) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<DayCounts> days;
    Status st = impl.read(
        "SELECT local_day, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY local_day, score, misuse ORDER BY local_day",
        "counting days",
        [&](const sqlite::Statement& u) {
            std::string day = u.text(0);
            if (days.empty() || days.back().day != day) {
                DayCounts d;
                d.day = std::move(day);
                d.counts.scale = scale;
                days.push_back(std::move(d)); // `open` is not known to the store
            }
            std::int64_t score = u.int64(1);
            auto& c = days.back().counts;
            if (score < 0 || score >= static_cast<std::int64_t>(c.counted.size())) return;
            auto& slot = u.int64(2) ? c.misuse : c.counted;
            slot[static_cast<std::size_t>(score)] += u.int64(3);
        },
        from_day, to_day, to_string(scale));
    if (!st) return Error{st.error()};
    return days;
}

Result<std::vector<HourCount>> ResponseStore::hourly_counts(const std::string& day) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    // Always 24 entries (hour 0..23) so a chart has a fixed axis.
    std::vector<HourCount> hours(24);
    for (int h = 0; h < 24; ++h)
        hours[static_cast<std::size_t>(h)].hour = h;
    Status st = impl.read(
        "SELECT local_hour, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND misuse = 0 GROUP BY local_hour",
        "counting hours",
        [&](const sqlite::Statement& u) {
            std::int64_t h = u.int64(0);
            if (h >= 0 && h < 24) hours[static_cast<std::size_t>(h)].count = u.int64(1);
        },
        day);
    if (!st) return Error{st.error()};
    return hours;
}

Result<std::vector<ReasonCount>> ResponseStore::top_reasons(const std::string& from_day,
                                                            const std::string& to_day,
                                                            int limit) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<ReasonCount> out;
    // Counted (not misuse-flagged) responses, like hourly_counts.
    Status st = impl.read(
        "SELECT reason, sum(n) AS c FROM day_reasons "
        "WHERE local_day BETWEEN ?1 AND ?2 AND misuse = 0 "
        "GROUP BY reason ORDER BY c DESC, reason LIMIT ?3",
        "counting reasons",
        [&](const sqlite::Statement& u) {
            out.push_back({u.text(0), u.int64(1)});
        },
        from_day, to_day, limit);
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<Comment>> ResponseStore::recent_comments(int limit) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<Comment> out;
    Status st = impl.read(
        "SELECT local_time, score, comment FROM responses "
        "WHERE comment <> '' ORDER BY seq DESC LIMIT ?1",
        "reading comments",
        [&](const sqlite::Statement& u) {
            out.push_back({u.text(0), static_cast<int>(u.int64(1)), u.text(2)});
        },
        limit);
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<ScoreCounts>> ResponseStore::hourly_score_counts(Scale scale,
                                                                    const std::string& day) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<ScoreCounts> hours(24);
    for (auto& h : hours)
        h.scale = scale;
    Status st = impl.read(
        "SELECT local_hour, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND scale = ?2 "
        "GROUP BY local_hour, score, misuse",
        "counting hours",
        [&](const sqlite::Statement& u) {
            std::int64_t hour = u.int64(0);
            std::int64_t score = u.int64(1);
            if (hour < 0 || hour >= 24) return;
            auto& c = hours[static_cast<std::size_t>(hour)];
            if (score < 0 || score >= static_cast<std::int64_t>(c.counted.size())) return;
            auto& slot = u.int64(2) ? c.misuse : c.counted;
            slot[static_cast<std::size_t>(score)] += u.int64(3);
        },
        day, to_string(scale));
    if (!st) return Error{st.error()};
    return hours;
}

Result<std::vector<TapRecord>> ResponseStore::taps_since(std::int64_t utc_ms) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<TapRecord> out;
    // Newest first along the primary key; the caller's window is short.
    Status st = impl.read("SELECT utc_ms, score, misuse FROM responses ORDER BY seq DESC",
                          "reading recent taps", [&](const sqlite::Statement& u) {
                              TapRecord t;
                              t.utc_ms = u.int64(0);
                              if (t.utc_ms < utc_ms) return false;
                              t.score = static_cast<int>(u.int64(1));
                              t.misuse = u.int64(2) != 0;
                              out.push_back(t);
                              return true;
                          });
    if (!st) return Error{st.error()};
    std::reverse(out.begin(), out.end());
    return out;
}

// --- Sync side ---

Result<std::vector<Response>> ResponseStore::pending_batch(int limit) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<Response> out;
    Status st = impl.read(
        std::string("SELECT ") + kColumns +
            " FROM responses WHERE closed = 1 AND "
            "sync_state = 'pending' ORDER BY seq LIMIT ?1",
        "reading pending responses",
        [&](const sqlite::Statement& u) { read_response(u, out.emplace_back()); }, limit);
    if (!st) return Error{st.error()};
    return out;
}

Status ResponseStore::mark_synced(const std::vector<std::string>& ids) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    if (auto failed =
            impl.mark_rows_synced("UPDATE responses SET sync_state = 'synced' WHERE id = ?1 AND "
                                  "closed = 1 AND sync_state = 'pending'",
                                  ids))
        return impl.fail(*failed, "marking responses as sent");
    return Status::success();
}

Status ResponseStore::mark_synced(const std::vector<std::int64_t>& sequences) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    if (auto failed =
            impl.mark_rows_synced("UPDATE responses SET sync_state = 'synced' WHERE seq = ?1 AND "
                                  "closed = 1 AND sync_state = 'pending'",
                                  sequences))
        return impl.fail(*failed, "marking responses as sent");
    return Status::success();
}

Status ResponseStore::mark_rejected(const std::string& id, const std::string& reason) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes = impl.write("UPDATE responses SET sync_state = 'rejected', "
                              "reject_reason = ?2 WHERE id = ?1 AND closed = 1",
                              "marking a response as rejected", id, reason);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0)
        return closed_state(impl.db, id) < 0
                   ? unknown_id(id)
                   : Status::failure("The response " + id + " is still open.");
    return Status::success();
}

// --- Health and events ---

StoreHealth ResponseStore::health() const {
    Impl& impl = *m_impl;
    StoreHealth h;
    h.state = impl.state;
    h.last_error = impl.last_error;
    if (!is_memory_path(m_path)) {
        h.database_bytes = file_size(m_path) + file_size(m_path + "-wal");
        struct statvfs vfs {};
        if (::statvfs(parent_dir(m_path).c_str(), &vfs) == 0)
            h.disk_free_bytes =
                static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
    }
    if (!impl.db.is_open()) return h;
    // A count that cannot be read is 0 here; read() has noted any damage.
    auto n = [&](const char* sql) {
        Result<std::int64_t> value = impl.number(sql, "counting responses");
        return value ? *value : 0;
    };
    h.pending = n("SELECT count(*) FROM responses WHERE closed = 1 AND sync_state = 'pending'");
    h.open = n("SELECT count(*) FROM responses WHERE closed = 0");
    h.rejected = n("SELECT count(*) FROM responses WHERE sync_state = 'rejected'");
    return h;
}

Result<std::vector<StoreEvent>> ResponseStore::events() const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    std::vector<StoreEvent> out;
    Status st =
        impl.read("SELECT id, utc_ms, kind, message, acknowledged FROM store_events ORDER BY id",
                  "reading events", [&](const sqlite::Statement& u) {
                      StoreEvent e;
                      e.id = u.int64(0);
                      e.utc_ms = u.int64(1);
                      e.kind = u.text(2);
                      e.message = u.text(3);
                      e.acknowledged = u.int64(4) != 0;
                      out.push_back(std::move(e));
                  });
    if (!st) return Error{st.error()};
    return out;
}

Status ResponseStore::record_event(const std::string& kind, const std::string& message) {
    return record_event(kind, message, now_utc_ms());
}

Status ResponseStore::record_event(const std::string& kind, const std::string& message,
                                   std::int64_t utc_ms) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes =
        impl.write("INSERT INTO store_events (utc_ms, kind, message) VALUES (?1, ?2, ?3)",
                   "recording an event", utc_ms, kind, message);
    if (!changes) return Status::failure(changes.error());
    return Status::success();
}

Status ResponseStore::acknowledge_event(std::int64_t id) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes = impl.write("UPDATE store_events SET acknowledged = 1 WHERE id = ?1",
                              "acknowledging an event", id);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0) return Status::failure("There is no event " + std::to_string(id) + ".");
    return Status::success();
}

Result<std::string> ResponseStore::pragma_value(const std::string& name) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
        return Error{"\"" + name + "\" is not a pragma name."};
    // A pragma that answers nothing reads as "".
    Result<sqlite::Statement> s = impl.db.prepare("PRAGMA " + name);
    if (!s) return Error{impl.read_failure(impl.db.error_kind(), "reading a setting", s.error())};
    Result<bool> row = s->step();
    if (!row) return Error{impl.read_failure(s->error_kind(), "reading a setting", row.error())};
    return *row ? s->text(0) : std::string();
}

} // namespace touchpoint
