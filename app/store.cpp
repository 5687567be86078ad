#include "app/store.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

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
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace touchpoint {

namespace {

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

bool is_corruption(int rc) {
    int primary = rc & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

std::string reasons_to_json(const std::vector<std::string>& reasons) {
    if (reasons.empty()) return "[]";
    return nlohmann::json(reasons).dump();
}

std::vector<std::string> reasons_from_json(const char* text) {
    std::vector<std::string> out;
    if (!text) return out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return out;
    for (const auto& v : j)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

// --- RAII for SQLite handles ---

// Owns one prepared statement.
class Statement {
  public:
    Statement() = default;
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(Statement&& o) noexcept : m_stmt(std::exchange(o.m_stmt, nullptr)) {}
    Statement& operator=(Statement&& o) noexcept {
        if (this != &o) {
            sqlite3_finalize(m_stmt);
            m_stmt = std::exchange(o.m_stmt, nullptr);
        }
        return *this;
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    int prepare(sqlite3* db, const std::string& sql, bool persistent) {
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
        return sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                                  persistent ? SQLITE_PREPARE_PERSISTENT : 0, &m_stmt, nullptr);
    }
    sqlite3_stmt* get() const { return m_stmt; }

  private:
    sqlite3_stmt* m_stmt = nullptr;
};

// Resets (and unbinds) a cached statement when the scope that used it ends,
// so the statement never holds a read transaction open.
class Use {
  public:
    explicit Use(sqlite3_stmt* s) : m_s(s) {}
    ~Use() {
        if (m_s) {
            sqlite3_reset(m_s);
            sqlite3_clear_bindings(m_s);
        }
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    sqlite3_stmt* operator->() const { return m_s; }
    sqlite3_stmt* get() const { return m_s; }

    void bind(int i, std::int64_t v) { sqlite3_bind_int64(m_s, i, v); }
    void bind(int i, int v) { sqlite3_bind_int(m_s, i, v); }
    void bind(int i, bool v) { sqlite3_bind_int(m_s, i, v ? 1 : 0); }
    void bind(int i, const std::string& v) {
        sqlite3_bind_text(m_s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, std::string_view v) {
        // (a null pointer would bind SQL NULL, not an empty text)
        sqlite3_bind_text(m_s, i, v.data() ? v.data() : "", static_cast<int>(v.size()),
                          SQLITE_TRANSIENT);
    }
    int step() { return sqlite3_step(m_s); }
    std::int64_t int64(int col) const { return sqlite3_column_int64(m_s, col); }
    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(m_s, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_s, col)))
                 : std::string();
    }

  private:
    sqlite3_stmt* m_s;
};

// Binds `args` to ?1, ?2, ... in order.
template <class... Args> void bind_all([[maybe_unused]] Use& u, const Args&... args) {
    [[maybe_unused]] int i = 0;
    (u.bind(++i, args), ...);
}

int exec(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

// Scope guard: rolls back in a noexcept destructor unless committed.
class Transaction {
  public:
    explicit Transaction(sqlite3* db) : m_db(db) {}
    ~Transaction() noexcept {
        if (m_begun && !sqlite3_get_autocommit(m_db)) exec(m_db, "ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    int begin(sqlite3_stmt* begin_stmt) {
        Use u(begin_stmt);
        int rc = u.step();
        m_begun = rc == SQLITE_DONE;
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    int commit(sqlite3_stmt* commit_stmt) {
        Use u(commit_stmt);
        int rc = u.step();
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }

  private:
    sqlite3* m_db;
    bool m_begun = false;
};

void read_response(const Use& q, Response& r) {
    r.sequence = q.int64(0);
    r.id = q.text(1);
    r.device_id = q.text(2);
    r.touch_point = q.text(3);
    r.survey_id = q.text(4);
    r.survey_version = static_cast<int>(q.int64(5));
    r.question_id = q.text(6);
    r.scale = scale_from_string(q.text(7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(q.int64(8));
    r.reasons = reasons_from_json(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 9)));
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

void bind_response(Use& q, const Response& r) {
    int i = 0;
    q.bind(++i, r.sequence);
    q.bind(++i, r.id);
    q.bind(++i, r.device_id);
    q.bind(++i, r.touch_point);
    q.bind(++i, r.survey_id);
    q.bind(++i, r.survey_version);
    q.bind(++i, r.question_id);
    q.bind(++i, to_string(r.scale));
    q.bind(++i, r.score);
    q.bind(++i, reasons_to_json(r.reasons));
    q.bind(++i, r.comment);
    q.bind(++i, r.language);
    q.bind(++i, r.utc_ms);
    q.bind(++i, r.local_time);
    q.bind(++i, r.local_day);
    q.bind(++i, r.local_hour);
    q.bind(++i, r.misuse);
    q.bind(++i, r.clock_suspect);
    q.bind(++i, r.closed);
    q.bind(++i, to_string(r.sync_state));
    q.bind(++i, r.reject_reason);
}

// Outcome of connecting to a file.
enum class Opened { ok, corrupt, failed };

} // namespace

// --- Implementation state ---

struct ResponseStore::Impl {
    std::unordered_map<std::string, Statement> cache;
    int lock_fd = -1;
    bool first_opener = true;

    // Sequence cache: last row's sequence and tap time, valid while no other
    // connection has committed (PRAGMA data_version unchanged).
    bool seq_loaded = false;
    bool has_last = false;
    std::int64_t last_seq = 0;
    std::int64_t last_utc = 0;
    std::int64_t data_version = -1;

    struct TapStatements {
        bool ready = false;
        sqlite3_stmt* version = nullptr;
        sqlite3_stmt* insert = nullptr;
        sqlite3_stmt* last = nullptr;
        sqlite3_stmt* floor = nullptr;
    } tap; // owned by `cache`

    // Re-reads the newest row (or, after pruning, its remembered place).
    int load_last_row() {
        seq_loaded = false;
        bool has = false;
        std::int64_t s = 0, u_ms = 0;
        {
            Use u(tap.last);
            int rc = u.step();
            if (rc == SQLITE_ROW) {
                has = true;
                s = u.int64(0);
                u_ms = u.int64(1);
            } else if (rc != SQLITE_DONE) {
                return rc;
            }
        }
        {
            Use u(tap.floor);
            int rc = u.step();
            if (rc != SQLITE_ROW) return rc;
            if (sqlite3_column_type(tap.floor, 0) != SQLITE_NULL) {
                std::int64_t fs = u.int64(0);
                if (!has || fs > s) {
                    has = true;
                    s = fs;
                    u_ms = u.int64(1);
                }
            }
        }
        has_last = has;
        last_seq = s;
        last_utc = u_ms;
        seq_loaded = true;
        return SQLITE_OK;
    }

    bool saw_corruption = false;
    bool disk_full_event_pending = false;
    std::int64_t taps_lost_to_full_disk = 0;

    ~Impl() {
        if (lock_fd >= 0) ::close(lock_fd);
    }

    static Status fail(const ResponseStore& store, int rc, const std::string& doing,
                       const std::string& detail);
    // For reads: damage is recorded in health(); other errors just described.
    static std::string read_failure(const ResponseStore& store, int rc, const std::string& doing);

    // Runs one cached write statement with `args` bound to ?1, ?2, ...;
    // returns the number of rows it changed, or the failure (as fail()).
    template <class... Args>
    static Result<int> write(ResponseStore& store, const std::string& sql, const char* doing,
                             const Args&... args) {
        int rc = SQLITE_OK;
        sqlite3_stmt* s = store.m_impl->stmt(store.m_db, sql, &rc);
        if (!s) return Error{fail(store, rc, doing, sqlite3_errmsg(store.m_db)).error()};
        std::string detail;
        int changes = 0;
        {
            Use u(s);
            bind_all(u, args...);
            rc = u.step();
            if (rc != SQLITE_DONE) detail = sqlite3_errmsg(store.m_db);
            changes = sqlite3_changes(store.m_db);
        }
        if (rc != SQLITE_DONE) return Error{fail(store, rc, doing, detail).error()};
        return changes;
    }

    // Runs one cached query with `args` bound to ?1, ?2, ..., calling
    // `row(u)` for each row; a `row` that returns bool stops the scan by
    // returning false. Failures are described as read_failure() does.
    template <class Row, class... Args>
    static Status read(const ResponseStore& store, const std::string& sql, const char* doing,
                       Row&& row, const Args&... args) {
        int rc = SQLITE_OK;
        sqlite3_stmt* s = store.m_impl->stmt(store.m_db, sql, &rc);
        if (!s) return Status::failure(read_failure(store, rc, doing));
        Use u(s);
        bind_all(u, args...);
        while ((rc = u.step()) == SQLITE_ROW) {
            if constexpr (std::is_void_v<std::invoke_result_t<Row&, Use&>>)
                row(u);
            else if (!row(u))
                return Status::success();
        }
        if (rc != SQLITE_DONE) return Status::failure(read_failure(store, rc, doing));
        return Status::success();
    }

    // A cached, persistent statement (prepared on first use).
    sqlite3_stmt* stmt(sqlite3* db, const std::string& sql, int* rc_out = nullptr) {
        auto it = cache.find(sql);
        if (it != cache.end()) return it->second.get();
        Statement s;
        int rc = s.prepare(db, sql, true);
        if (rc_out) *rc_out = rc;
        if (rc != SQLITE_OK) return nullptr;
        sqlite3_stmt* raw = s.get();
        cache.emplace(sql, std::move(s));
        return raw;
    }
};

int response_store_schema_version() {
    return static_cast<int>(migrations().size());
}

// --- Opening ---

namespace {

// Runs the migrations that the file has not seen yet.
int migrate(sqlite3* db, std::string& err) {
    Statement v;
    int rc = v.prepare(db, "PRAGMA user_version", false);
    if (rc != SQLITE_OK) {
        err = sqlite3_errmsg(db);
        return rc;
    }
    std::int64_t version = 0;
    {
        Use u(v.get());
        rc = u.step();
        if (rc != SQLITE_ROW) {
            err = sqlite3_errmsg(db);
            return rc;
        }
        version = u.int64(0);
    }
    const auto& list = migrations();
    if (version > static_cast<std::int64_t>(list.size())) {
        err = "the database was written by a newer version of the kiosk software (schema " +
              std::to_string(version) + ")";
        return SQLITE_ERROR;
    }
    for (std::size_t i = static_cast<std::size_t>(version); i < list.size(); ++i) {
        rc = exec(db, "BEGIN IMMEDIATE");
        if (rc != SQLITE_OK) {
            err = sqlite3_errmsg(db);
            return rc;
        }
        for (const char* sql : list[i]) {
            rc = exec(db, sql);
            if (rc != SQLITE_OK) break;
        }
        if (rc == SQLITE_OK)
            rc = exec(db, ("PRAGMA user_version = " + std::to_string(i + 1)).c_str());
        if (rc == SQLITE_OK) rc = exec(db, "COMMIT");
        if (rc != SQLITE_OK) {
            err = sqlite3_errmsg(db);
            if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
            return rc;
        }
    }
    return SQLITE_OK;
}

// Reads one text value from a single-row query; returns the SQLite code.
int query_text(sqlite3* db, const char* sql, std::string& out) {
    Statement s;
    int rc = s.prepare(db, sql, false);
    if (rc != SQLITE_OK) return rc;
    Use u(s.get());
    rc = u.step();
    if (rc == SQLITE_ROW) {
        out = u.text(0);
        return SQLITE_OK;
    }
    if (rc == SQLITE_DONE) {
        out.clear();
        return SQLITE_OK;
    }
    return rc;
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
Opened connect_file(const std::string& path, const StoreOptions& opts, sqlite3*& db,
                    bool first_opener, bool& was_unclean, std::string& err, bool& disk_full) {
    was_unclean = false;
    disk_full = false;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        err = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        return is_corruption(rc) ? Opened::corrupt : Opened::failed;
    }
    sqlite3_busy_timeout(db, 5000);

    std::string mode;
    rc = query_text(db, "PRAGMA journal_mode = WAL", mode);
    if (rc == SQLITE_OK)
        rc = exec(db, opts.unsafe_synchronous_off ? "PRAGMA synchronous = OFF"
                                                  : "PRAGMA synchronous = FULL");
    if (rc == SQLITE_OK) rc = exec(db, "PRAGMA foreign_keys = ON");
    // Statement journals (the insert's triggers need one) stay in memory
    // instead of a temporary file: measurably faster per tap.
    if (rc == SQLITE_OK) rc = exec(db, "PRAGMA temp_store = MEMORY");
    if (rc == SQLITE_OK && opts.max_page_count > 0)
        rc = exec(db, ("PRAGMA max_page_count = " + std::to_string(opts.max_page_count)).c_str());
    if (rc != SQLITE_OK) {
        err = sqlite3_errmsg(db);
        return is_corruption(rc) ? Opened::corrupt : Opened::failed;
    }

    rc = migrate(db, err);
    if (rc != SQLITE_OK) {
        if (is_corruption(rc)) return Opened::corrupt;
        if ((rc & 0xff) == SQLITE_FULL) {
            err = "there is no room for the database";
            return Opened::failed;
        }
        return Opened::failed;
    }

    if (is_memory_path(path)) return Opened::ok;

    if (first_opener) {
        std::string clean;
        rc = query_text(db, "SELECT value FROM meta WHERE key = 'clean_shutdown'", clean);
        if (rc != SQLITE_OK) {
            err = sqlite3_errmsg(db);
            return is_corruption(rc) ? Opened::corrupt : Opened::failed;
        }
        if (clean != "1") {
            was_unclean = true;
            std::string result;
            rc = query_text(db, "PRAGMA quick_check", result);
            if (rc != SQLITE_OK) {
                err = sqlite3_errmsg(db);
                return is_corruption(rc) ? Opened::corrupt : Opened::failed;
            }
            if (result != "ok") {
                err = "quick_check: " + result;
                return Opened::corrupt;
            }
        }
    }
    // While any connection is open the file counts as "not shut down cleanly".
    rc = exec(db, "INSERT INTO meta (key, value) VALUES ('clean_shutdown', '0') "
                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (rc != SQLITE_OK) {
        if (is_corruption(rc)) {
            err = sqlite3_errmsg(db);
            return Opened::corrupt;
        }
        if ((rc & 0xff) == SQLITE_FULL) {
            disk_full = true; // keep going: reads work, writes report the full disk
        } else {
            err = sqlite3_errmsg(db);
            return Opened::failed;
        }
    }
    return Opened::ok;
}

// Copies every readable response (and event) from a damaged file into `dst`.
// Walks the table by rowid (= sequence) ranges: when a page cannot be read,
// it probes further ahead (doubling) for the next readable row and then
// narrows back (bisection), so one bad page only loses the rows on it.
std::int64_t salvage(const std::string& damaged, sqlite3* dst) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(damaged.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> src(raw, sqlite3_close_v2);
    if (rc != SQLITE_OK) return 0;
    exec(src.get(), "PRAGMA cell_size_check = ON");

    Statement read;
    if (read.prepare(src.get(),
                     std::string("SELECT ") + kColumns +
                         " FROM responses WHERE seq >= ?1 ORDER BY seq",
                     false) != SQLITE_OK)
        return 0;
    Statement ins;
    if (ins.prepare(dst, insert_sql(), false) != SQLITE_OK) return 0;

    std::int64_t salvaged = 0;
    std::int64_t max_seq = 0;
    if (exec(dst, "BEGIN IMMEDIATE") != SQLITE_OK) return 0;

    auto probe = [&](std::int64_t from) {
        Use q(read.get());
        q.bind(1, from);
        int prc = q.step();
        return prc == SQLITE_ROW || prc == SQLITE_DONE;
    };

    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        bool finished = false;
        {
            Use q(read.get());
            q.bind(1, from);
            int qrc;
            while ((qrc = q.step()) == SQLITE_ROW) {
                std::int64_t seq = q.int64(0);
                Use w(ins.get());
                for (int c = 0; c < kColumnCount; ++c)
                    sqlite3_bind_value(w.get(), c + 1, sqlite3_column_value(q.get(), c));
                if (w.step() == SQLITE_DONE) {
                    ++salvaged;
                    if (seq > max_seq) max_seq = seq;
                }
                if (seq == kMax) {
                    finished = true;
                    break;
                }
                from = seq + 1;
            }
            if (qrc == SQLITE_DONE) finished = true;
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
        Statement ev;
        Statement ev_ins;
        if (ev.prepare(src.get(),
                       "SELECT utc_ms, kind, message, acknowledged FROM store_events ORDER BY id",
                       false) == SQLITE_OK &&
            ev_ins.prepare(dst,
                           "INSERT INTO store_events (utc_ms, kind, message, acknowledged) "
                           "VALUES (?1, ?2, ?3, ?4)",
                           false) == SQLITE_OK) {
            Use q(ev.get());
            while (q.step() == SQLITE_ROW) {
                Use w(ev_ins.get());
                for (int c = 0; c < 4; ++c)
                    sqlite3_bind_value(w.get(), c + 1, sqlite3_column_value(q.get(), c));
                w.step();
            }
        }
    }
    // Keep the sequence moving forward past anything the damaged file had.
    {
        std::string floor;
        if (query_text(src.get(), "SELECT value FROM meta WHERE key = 'last_sequence'", floor) ==
                SQLITE_OK &&
            !floor.empty()) {
            std::int64_t f = std::strtoll(floor.c_str(), nullptr, 10);
            if (f > max_seq) {
                std::string sql = "INSERT INTO meta (key, value) VALUES ('last_sequence', '" +
                                  std::to_string(f) +
                                  "') ON CONFLICT (key) DO UPDATE SET value = excluded.value";
                exec(dst, sql.c_str());
            }
        }
    }
    if (exec(dst, "COMMIT") != SQLITE_OK) {
        exec(dst, "ROLLBACK");
        return 0;
    }
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
        impl.lock_fd = take_open_lock(store->m_path, first);
        if (impl.lock_fd < 0)
            return Error{"The database folder cannot be used: " + parent_dir(store->m_path) + " (" +
                         std::strerror(errno) + ")."};
        impl.first_opener = first;
    }

    bool unclean = false;
    bool disk_full = false;
    std::string err;
    Opened how =
        connect_file(store->m_path, opts, store->m_db, impl.first_opener, unclean, err, disk_full);

    if (how == Opened::corrupt && !memory && impl.first_opener) {
        sqlite3_close_v2(store->m_db);
        store->m_db = nullptr;

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

        how = connect_file(store->m_path, opts, store->m_db, true, unclean, err, disk_full);
        if (how != Opened::ok)
            return Error{"A fresh database could not be created at " + store->m_path + ": " + err +
                         "."};
        std::int64_t rows = salvage(aside, store->m_db);
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
        store->m_state = "disk full";
        store->m_last_error = "The disk is full: new responses cannot be saved until space is "
                              "freed.";
        impl.disk_full_event_pending = true;
    }

    // Let other connections (same process too) wait for each other.
    if (!memory && impl.first_opener) ::flock(impl.lock_fd, LOCK_SH);
    return store;
}

ResponseStore::~ResponseStore() {
    if (m_impl) m_impl->cache.clear(); // finalize statements before closing
    if (m_db) sqlite3_close_v2(m_db);
}

void ResponseStore::mark_clean_shutdown() {
    if (!m_db || is_memory_path(m_path) || m_impl->saw_corruption) return;
    // Only the last connection may say "clean": take the lock exclusively if
    // nobody else holds it. (A failed conversion drops our shared lock, so
    // take it back.)
    if (::flock(m_impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        ::flock(m_impl->lock_fd, LOCK_SH);
        return;
    }
    exec(m_db, "UPDATE meta SET value = '1' WHERE key = 'clean_shutdown'");
}

// --- Errors in plain words ---

namespace {

std::string plain_failure(int rc, const std::string& doing, const std::string& detail) {
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return "The disk is full: " + doing +
               " could not be saved. Free space on the kiosk or ask for support.";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "The database file is damaged: " + doing +
               " failed. Restart the kiosk so it can repair the database.";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "The database stayed busy for too long: " + doing + " failed. Try again.";
    default:
        return "The database could not be used: " + doing + " failed (" + detail + ").";
    }
}

} // namespace

// Records a failure in health() and returns it as a Status. Called after the
// transaction scope has ended, so nothing is left half-written.
Status ResponseStore::Impl::fail(const ResponseStore& store, int rc, const std::string& doing,
                                 const std::string& detail) {
    std::string msg = plain_failure(rc, doing, detail);
    int primary = rc & 0xff;
    if (primary == SQLITE_FULL) {
        store.m_state = "disk full";
        store.m_impl->disk_full_event_pending = true;
    } else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
        store.m_state = "error";
        store.m_impl->saw_corruption = true;
    } else if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED && primary != SQLITE_CONSTRAINT) {
        store.m_state = "error";
    }
    store.m_last_error = msg;
    return Status::failure(msg);
}

std::string ResponseStore::Impl::read_failure(const ResponseStore& store, int rc,
                                              const std::string& doing) {
    std::string detail = store.m_db ? sqlite3_errmsg(store.m_db) : "not open";
    if (is_corruption(rc)) return fail(store, rc, doing, detail).error();
    return plain_failure(rc, doing, detail);
}

// --- Writing ---

// The hot path: one autocommit INSERT (its triggers update the rollups in the
// same transaction), so a tap costs what a bare INSERT costs plus a cached
// statement or two. The sequence number comes from a cache of the last row,
// re-read when another connection has committed (PRAGMA data_version); if a
// writer slips in between, the primary key refuses the number and we re-read
// and retry.
Status ResponseStore::insert_open(Response& r) {
    if (!m_db) return Status::failure("The database is not open.");
    if (r.id.empty()) return Status::failure("A response needs an id before it can be saved.");
    if (!score_in_range(r.scale, r.score))
        return Status::failure("The score " + std::to_string(r.score) + " is not on the scale " +
                               std::string(to_string(r.scale)) + ".");
    if (r.local_hour < 0 || r.local_hour > 23)
        return Status::failure("The local hour " + std::to_string(r.local_hour) +
                               " is not between 0 and 23.");

    Impl& impl = *m_impl;
    int rc = SQLITE_OK;
    if (!impl.tap.ready) {
        impl.tap.version = impl.stmt(m_db, "PRAGMA data_version", &rc);
        impl.tap.insert = impl.stmt(m_db, insert_sql(), &rc);
        impl.tap.last =
            impl.stmt(m_db, "SELECT seq, utc_ms FROM responses ORDER BY seq DESC LIMIT 1", &rc);
        impl.tap.floor = impl.stmt(m_db,
                                   "SELECT (SELECT value FROM meta WHERE key = 'last_sequence'), "
                                   "(SELECT value FROM meta WHERE key = 'last_utc_ms')",
                                   &rc);
        if (!impl.tap.version || !impl.tap.insert || !impl.tap.last || !impl.tap.floor)
            return Impl::fail(*this, rc, "the tap", sqlite3_errmsg(m_db));
        impl.tap.ready = true;
    }

    std::string detail;
    std::int64_t seq = 0;
    bool suspect = false;
    for (int attempt = 0; attempt < 5; ++attempt) {
        std::int64_t dv = -1;
        {
            Use u(impl.tap.version);
            rc = u.step();
            if (rc != SQLITE_ROW) break;
            dv = u.int64(0);
        }
        if (!impl.seq_loaded || dv != impl.data_version) {
            rc = impl.load_last_row();
            if (rc != SQLITE_OK) break;
            impl.data_version = dv;
        }
        seq = impl.last_seq + 1;
        suspect = r.clock_suspect || (impl.has_last && r.utc_ms < impl.last_utc);
        {
            Use w(impl.tap.insert);
            bind_response(w, r);
            // What the store decides, over what the caller passed in.
            w.bind(1, seq);
            w.bind(18, suspect);
            w.bind(19, false);
            w.bind(20, std::string_view("pending"));
            w.bind(21, std::string_view(""));
            rc = w.step();
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
            else
                detail = sqlite3_errmsg(m_db);
        }
        if (rc == SQLITE_CONSTRAINT &&
            sqlite3_extended_errcode(m_db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
            impl.seq_loaded = false; // another connection took the number
            continue;
        }
        break;
    }

    if (rc != SQLITE_OK) {
        impl.seq_loaded = false;
        if (detail.empty()) detail = sqlite3_errmsg(m_db);
        if ((rc & 0xff) == SQLITE_CONSTRAINT && get(r.id).ok())
            return Status::failure("A response with id " + r.id + " is already stored.");
        if ((rc & 0xff) == SQLITE_FULL) ++impl.taps_lost_to_full_disk;
        return Impl::fail(*this, rc, "the tap", detail);
    }
    impl.has_last = true;
    impl.last_seq = seq;
    impl.last_utc = r.utc_ms;

    r.sequence = seq;
    r.clock_suspect = suspect;
    r.closed = false;
    r.sync_state = SyncState::pending;
    r.reject_reason.clear();

    if (m_state == "disk full") {
        m_state = "ok";
        m_last_error.clear();
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
int closed_state(sqlite3* db, const std::string& id) {
    Statement s;
    if (s.prepare(db, "SELECT closed FROM responses WHERE id = ?1", false) != SQLITE_OK) return -1;
    Use u(s.get());
    u.bind(1, id);
    if (u.step() != SQLITE_ROW) return -1;
    return u.int64(0) != 0 ? 1 : 0;
}

Status unknown_id(const std::string& id) {
    return Status::failure("There is no response with id " + id + ".");
}

} // namespace

Status ResponseStore::amend(const std::string& id, const std::vector<std::string>& reasons,
                            const std::string& comment) {
    if (!m_db) return Status::failure("The database is not open.");
    auto changes = Impl::write(
        *this, "UPDATE responses SET reasons = ?2, comment = ?3 WHERE id = ?1 AND closed = 0",
        "saving the follow-up answers", id, reasons_to_json(reasons), comment);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0)
        return closed_state(m_db, id) < 0
                   ? unknown_id(id)
                   : Status::failure("The response " + id + " is already closed.");
    return Status::success();
}

Status ResponseStore::close(const std::string& id) {
    if (!m_db) return Status::failure("The database is not open.");
    auto changes =
        Impl::write(*this, "UPDATE responses SET closed = 1 WHERE id = ?1 AND closed = 0",
                    "closing the response", id);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0 && closed_state(m_db, id) < 0) return unknown_id(id);
    return Status::success(); // closing twice is harmless
}

Result<std::int64_t> ResponseStore::close_all_open() {
    if (!m_db) return Error{"The database is not open."};
    int rc = exec(m_db, "UPDATE responses SET closed = 1 WHERE closed = 0");
    if (rc != SQLITE_OK)
        return Error{Impl::fail(*this, rc, "closing open responses", sqlite3_errmsg(m_db)).error()};
    return static_cast<std::int64_t>(sqlite3_changes(m_db));
}

Result<std::int64_t> ResponseStore::prune_synced(int retention_days, std::int64_t now_utc_ms) {
    if (!m_db) return Error{"The database is not open."};
    if (retention_days < 0) return Error{"The retention period cannot be negative."};
    const std::int64_t cutoff = now_utc_ms - static_cast<std::int64_t>(retention_days) * 86400000;
    std::string detail;
    std::int64_t deleted = 0;
    int rc = [&] {
        int rc = SQLITE_OK;
        sqlite3_stmt* begin = m_impl->stmt(m_db, "BEGIN IMMEDIATE", &rc);
        sqlite3_stmt* commit = m_impl->stmt(m_db, "COMMIT", &rc);
        if (!begin || !commit) return detail = sqlite3_errmsg(m_db), rc;
        Transaction t(m_db);
        rc = t.begin(begin);
        if (rc != SQLITE_OK) return detail = sqlite3_errmsg(m_db), rc;
        // Remember the newest row's place so the sequence never goes back
        // and clock checks still see it, even if it is pruned.
        rc = exec(m_db, R"(INSERT INTO meta (key, value)
                SELECT 'last_sequence', CAST(seq AS TEXT) FROM
                    (SELECT seq FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (rc == SQLITE_OK)
            rc = exec(m_db, R"(INSERT INTO meta (key, value)
                SELECT 'last_utc_ms', CAST(utc_ms AS TEXT) FROM
                    (SELECT utc_ms FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (rc != SQLITE_OK) return detail = sqlite3_errmsg(m_db), rc;
        Statement del;
        rc = del.prepare(m_db,
                         "DELETE FROM responses WHERE sync_state = 'synced' AND closed = 1 "
                         "AND utc_ms < ?1",
                         false);
        if (rc != SQLITE_OK) return detail = sqlite3_errmsg(m_db), rc;
        {
            Use u(del.get());
            u.bind(1, cutoff);
            rc = u.step();
            if (rc != SQLITE_DONE) return detail = sqlite3_errmsg(m_db), rc;
            deleted = sqlite3_changes(m_db);
        }
        rc = t.commit(commit);
        if (rc != SQLITE_OK) return detail = sqlite3_errmsg(m_db), rc;
        return SQLITE_OK;
    }();
    m_impl->seq_loaded = false;
    if (rc != SQLITE_OK)
        return Error{Impl::fail(*this, rc, "removing old synced responses", detail).error()};
    if (m_state == "disk full" && deleted > 0) {
        m_state = "ok";
        m_last_error.clear();
    }
    return deleted;
}

// --- Reading ---

Status ResponseStore::for_each(const std::function<bool(const Response&)>& fn) const {
    if (!m_db) return Status::failure("The database is not open.");
    // Not cached: the callback may call back into the store.
    Statement s;
    int rc =
        s.prepare(m_db, std::string("SELECT ") + kColumns + " FROM responses ORDER BY seq", false);
    if (rc != SQLITE_OK) return Status::failure(Impl::read_failure(*this, rc, "reading responses"));
    Use u(s.get());
    Response r;
    while ((rc = u.step()) == SQLITE_ROW) {
        read_response(u, r);
        if (!fn(r)) return Status::success();
    }
    if (rc != SQLITE_DONE)
        return Status::failure(Impl::read_failure(*this, rc, "reading responses"));
    return Status::success();
}

Result<Response> ResponseStore::get(const std::string& id) const {
    if (!m_db) return Error{"The database is not open."};
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m_impl->stmt(
        m_db, std::string("SELECT ") + kColumns + " FROM responses WHERE id = ?1", &rc);
    if (!s) return Error{Impl::read_failure(*this, rc, "reading a response")};
    Use u(s);
    u.bind(1, id);
    rc = u.step();
    if (rc == SQLITE_ROW) {
        Response r;
        read_response(u, r);
        return r;
    }
    if (rc == SQLITE_DONE) return Error{"There is no response with id " + id + "."};
    return Error{Impl::read_failure(*this, rc, "reading a response")};
}

namespace {

// Runs a single-number query on a cached statement: {rc, value}.
std::pair<int, std::int64_t> scalar(sqlite3_stmt* s, int prepare_rc) {
    if (!s) return {prepare_rc, 0};
    Use u(s);
    int rc = u.step();
    if (rc == SQLITE_ROW) return {SQLITE_OK, u.int64(0)};
    return {rc, 0};
}

} // namespace

Result<std::int64_t> ResponseStore::count() const {
    if (!m_db) return Error{"The database is not open."};
    int rc = SQLITE_OK;
    sqlite3_stmt* s = m_impl->stmt(m_db, "SELECT count(*) FROM responses", &rc);
    auto [src, n] = scalar(s, rc);
    if (src != SQLITE_OK) return Error{Impl::read_failure(*this, src, "counting responses")};
    return n;
}

// --- Dashboard queries (read the rollup tables) ---

Result<ScoreCounts> ResponseStore::score_counts(Scale scale, const std::string& from_day,
                                                const std::string& to_day) const {
    if (!m_db) return Error{"The database is not open."};
    ScoreCounts c;
    c.scale = scale;
    Status st = Impl::read(
        *this,
        "SELECT score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY score, misuse",
        "counting scores",
        [&](const Use& u) {
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
    if (!m_db) return Error{"The database is not open."};
    std::vector<DayCounts> days;
    Status st = Impl::read(
        *this,
        "SELECT local_day, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY local_day, score, misuse ORDER BY local_day",
        "counting days",
        [&](const Use& u) {
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
    if (!m_db) return Error{"The database is not open."};
    // Always 24 entries (hour 0..23) so a chart has a fixed axis.
    std::vector<HourCount> hours(24);
    for (int h = 0; h < 24; ++h)
        hours[static_cast<std::size_t>(h)].hour = h;
    Status st = Impl::read(
        *this,
        "SELECT local_hour, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND misuse = 0 GROUP BY local_hour",
        "counting hours",
        [&](const Use& u) {
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
    if (!m_db) return Error{"The database is not open."};
    std::vector<ReasonCount> out;
    // Counted (not misuse-flagged) responses, like hourly_counts.
    Status st = Impl::read(
        *this,
        "SELECT reason, sum(n) AS c FROM day_reasons "
        "WHERE local_day BETWEEN ?1 AND ?2 AND misuse = 0 "
        "GROUP BY reason ORDER BY c DESC, reason LIMIT ?3",
        "counting reasons",
        [&](const Use& u) {
            out.push_back({u.text(0), u.int64(1)});
        },
        from_day, to_day, limit);
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<Comment>> ResponseStore::recent_comments(int limit) const {
    if (!m_db) return Error{"The database is not open."};
    std::vector<Comment> out;
    Status st = Impl::read(
        *this,
        "SELECT local_time, score, comment FROM responses "
        "WHERE comment <> '' ORDER BY seq DESC LIMIT ?1",
        "reading comments",
        [&](const Use& u) {
            out.push_back({u.text(0), static_cast<int>(u.int64(1)), u.text(2)});
        },
        limit);
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<ScoreCounts>> ResponseStore::hourly_score_counts(Scale scale,
                                                                    const std::string& day) const {
    if (!m_db) return Error{"The database is not open."};
    std::vector<ScoreCounts> hours(24);
    for (auto& h : hours) h.scale = scale;
    Status st = Impl::read(
        *this,
        "SELECT local_hour, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND scale = ?2 "
        "GROUP BY local_hour, score, misuse",
        "counting hours",
        [&](const Use& u) {
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
    if (!m_db) return Error{"The database is not open."};
    std::vector<TapRecord> out;
    // Newest first along the primary key; the caller's window is short.
    Status st = Impl::read(*this, "SELECT utc_ms, score, misuse FROM responses ORDER BY seq DESC",
                           "reading recent taps", [&](const Use& u) {
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
    if (!m_db) return Error{"The database is not open."};
    std::vector<Response> out;
    Status st = Impl::read(
        *this,
        std::string("SELECT ") + kColumns +
            " FROM responses WHERE closed = 1 AND "
            "sync_state = 'pending' ORDER BY seq LIMIT ?1",
        "reading pending responses",
        [&](const Use& u) {
            Response r;
            read_response(u, r);
            out.push_back(std::move(r));
        },
        limit);
    if (!st) return Error{st.error()};
    return out;
}

namespace {
// Marks rows synced in one transaction: `update_sql` updates the row whose key
// is ?1, run for each of `keys`. `Cache` is the store's statement cache.
template <typename Cache, typename Key>
int mark_rows_synced(sqlite3* db, Cache& cache, const char* update_sql,
                     const std::vector<Key>& keys, std::string& detail) {
    int rc = SQLITE_OK;
    sqlite3_stmt* begin = cache.stmt(db, "BEGIN IMMEDIATE", &rc);
    sqlite3_stmt* commit = cache.stmt(db, "COMMIT", &rc);
    sqlite3_stmt* upd = cache.stmt(db, update_sql, &rc);
    if (!begin || !commit || !upd) return detail = sqlite3_errmsg(db), rc;
    Transaction t(db);
    rc = t.begin(begin);
    if (rc != SQLITE_OK) return detail = sqlite3_errmsg(db), rc;
    for (const auto& key : keys) {
        Use u(upd);
        u.bind(1, key);
        rc = u.step();
        if (rc != SQLITE_DONE) return detail = sqlite3_errmsg(db), rc;
    }
    rc = t.commit(commit);
    if (rc != SQLITE_OK) return detail = sqlite3_errmsg(db), rc;
    return SQLITE_OK;
}
} // namespace

Status ResponseStore::mark_synced(const std::vector<std::string>& ids) {
    if (!m_db) return Status::failure("The database is not open.");
    std::string detail;
    int rc = mark_rows_synced(m_db, *m_impl,
                              "UPDATE responses SET sync_state = 'synced' WHERE id = ?1 AND "
                              "closed = 1 AND sync_state = 'pending'",
                              ids, detail);
    if (rc != SQLITE_OK) return Impl::fail(*this, rc, "marking responses as sent", detail);
    return Status::success();
}

Status ResponseStore::mark_synced(const std::vector<std::int64_t>& sequences) {
    if (!m_db) return Status::failure("The database is not open.");
    std::string detail;
    int rc = mark_rows_synced(m_db, *m_impl,
                              "UPDATE responses SET sync_state = 'synced' WHERE seq = ?1 AND "
                              "closed = 1 AND sync_state = 'pending'",
                              sequences, detail);
    if (rc != SQLITE_OK) return Impl::fail(*this, rc, "marking responses as sent", detail);
    return Status::success();
}

Status ResponseStore::mark_rejected(const std::string& id, const std::string& reason) {
    if (!m_db) return Status::failure("The database is not open.");
    auto changes = Impl::write(*this,
                               "UPDATE responses SET sync_state = 'rejected', "
                               "reject_reason = ?2 WHERE id = ?1 AND closed = 1",
                               "marking a response as rejected", id, reason);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0)
        return closed_state(m_db, id) < 0
                   ? unknown_id(id)
                   : Status::failure("The response " + id + " is still open.");
    return Status::success();
}

// --- Health and events ---

StoreHealth ResponseStore::health() const {
    StoreHealth h;
    h.state = m_state;
    h.last_error = m_last_error;
    if (!is_memory_path(m_path)) {
        h.database_bytes = file_size(m_path) + file_size(m_path + "-wal");
        struct statvfs vfs {};
        if (::statvfs(parent_dir(m_path).c_str(), &vfs) == 0)
            h.disk_free_bytes =
                static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
    }
    if (!m_db) return h;
    auto n = [&](const char* sql) {
        int rc = SQLITE_OK;
        sqlite3_stmt* s = m_impl->stmt(m_db, sql, &rc);
        auto [src, value] = scalar(s, rc);
        if (src != SQLITE_OK) Impl::read_failure(*this, src, "counting responses");
        return value;
    };
    h.pending = n("SELECT count(*) FROM responses WHERE closed = 1 AND sync_state = 'pending'");
    h.open = n("SELECT count(*) FROM responses WHERE closed = 0");
    h.rejected = n("SELECT count(*) FROM responses WHERE sync_state = 'rejected'");
    return h;
}

Result<std::vector<StoreEvent>> ResponseStore::events() const {
    if (!m_db) return Error{"The database is not open."};
    std::vector<StoreEvent> out;
    Status st = Impl::read(
        *this, "SELECT id, utc_ms, kind, message, acknowledged FROM store_events ORDER BY id",
        "reading events", [&](const Use& u) {
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
    if (!m_db) return Status::failure("The database is not open.");
    auto changes =
        Impl::write(*this, "INSERT INTO store_events (utc_ms, kind, message) VALUES (?1, ?2, ?3)",
                    "recording an event", utc_ms, kind, message);
    if (!changes) return Status::failure(changes.error());
    return Status::success();
}

Status ResponseStore::acknowledge_event(std::int64_t id) {
    if (!m_db) return Status::failure("The database is not open.");
    auto changes = Impl::write(*this, "UPDATE store_events SET acknowledged = 1 WHERE id = ?1",
                               "acknowledging an event", id);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0) return Status::failure("There is no event " + std::to_string(id) + ".");
    return Status::success();
}

Result<std::string> ResponseStore::pragma_value(const std::string& name) const {
    if (!m_db) return Error{"The database is not open."};
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
        return Error{"\"" + name + "\" is not a pragma name."};
    std::string value;
    int rc = query_text(m_db, ("PRAGMA " + name).c_str(), value);
    if (rc != SQLITE_OK) return Error{Impl::read_failure(*this, rc, "reading a setting")};
    return value;
}

} // namespace touchpoint
