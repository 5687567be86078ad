#include "server/sqlite_storage.h"
#include "server/storage_rows.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

namespace touchpoint::server {

// --- Small RAII helpers over the SQLite C API ---

namespace {

using detail::SqliteConnection;

// Result codes that blame the storage (its disk, its files, a lock held too
// long) rather than what was written.
bool storage_failure_code(int rc) {
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
        return true;
    default:
        return false;
    }
}

void note_write_failure(SqliteConnection& c, int rc, const std::string& message) {
    if (!storage_failure_code(rc)) return;
    if ((rc & 0xff) == SQLITE_FULL)
        c.write_failure.failed(StorageFailure::Kind::disk_full,
                               "the database disk is full (" + message + ")");
    else
        c.write_failure.failed(StorageFailure::Kind::unavailable,
                               "the database cannot be written (" + message + ")");
}

class Stmt {
  public:
    Stmt(SqliteConnection& c, const char* sql) : m_conn(c), m_db(c.db) {
        m_rc = sqlite3_prepare_v2(m_db, sql, -1, &m_stmt, nullptr);
    }
    ~Stmt() { sqlite3_finalize(m_stmt); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    bool prepared() const { return m_rc == SQLITE_OK; }
    Stmt& bind(int i, const std::string& s) {
        record(
            sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt& bind(int i, const char* s) { return bind(i, std::string(s)); }
    Stmt& bind(int i, std::int64_t v) {
        record(sqlite3_bind_int64(m_stmt, i, v));
        return *this;
    }
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Stmt& bind_null(int i) {
        record(sqlite3_bind_null(m_stmt, i));
        return *this;
    }
    Stmt& bind_text_or_null(int i, const std::string& s) {
        return s.empty() ? bind_null(i) : bind(i, s);
    }
    Stmt& bind(int i, const std::optional<std::int64_t>& v) {
        return v ? bind(i, *v) : bind_null(i);
    }

    // SQLITE_ROW, SQLITE_DONE or an error code. A write that fails because
    // of the storage is noted on the connection; one that commits on its
    // own (outside a transaction) and changed rows clears the note.
    int step() {
        const int rc = m_rc != SQLITE_OK ? m_rc : sqlite3_step(m_stmt);
        const bool writes =
            !sqlite3_get_autocommit(m_db) || (m_stmt && !sqlite3_stmt_readonly(m_stmt));
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            if (writes) note_write_failure(m_conn, rc, sqlite3_errmsg(m_db));
        } else if (rc == SQLITE_DONE && writes && sqlite3_get_autocommit(m_db) &&
                   sqlite3_changes(m_db) > 0) {
            m_conn.write_failure.clear();
        }
        return rc;
    }
    std::string text(int col) const {
        const unsigned char* p = sqlite3_column_text(m_stmt, col);
        int n = sqlite3_column_bytes(m_stmt, col);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                 : std::string();
    }
    std::int64_t int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
    bool is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::optional<std::int64_t> opt_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }
    std::string error() const { return sqlite3_errmsg(m_db); }
    // Makes the statement ready to bind and step again.
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }

  private:
    void record(int rc) {
        if (m_rc == SQLITE_OK && rc != SQLITE_OK) m_rc = rc;
    }
    SqliteConnection& m_conn;
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
    int m_rc = SQLITE_OK;
};

Status exec(sqlite3* db, const char* sql, int* rc_out = nullptr) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
    if (rc_out) *rc_out = rc;
    if (rc == SQLITE_OK) return Status::success();
    std::string err = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return Status::failure(err);
}

// On the storage's connection everything run through exec writes (BEGIN,
// COMMIT, migrations): a failure the storage is to blame for is noted.
Status exec(SqliteConnection& c, const char* sql) {
    int rc = SQLITE_OK;
    Status st = exec(c.db, sql, &rc);
    if (!st) note_write_failure(c, rc, st.error());
    return st;
}

// A write transaction that rolls back unless committed. A commit that
// changed rows clears the connection's record of a failed write.
class Transaction {
  public:
    explicit Transaction(SqliteConnection& c)
        : m_db(c), m_changes_before(sqlite3_total_changes(c.db)) {
        m_status = exec(c, "BEGIN IMMEDIATE");
    }
    ~Transaction() {
        // A destructor cannot report: should ROLLBACK fail, SQLite rolls the
        // transaction back when the connection next begins one or closes.
        if (m_status.ok() && !m_done) (void)exec(m_db.db, "ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    const Status& begun() const { return m_status; }
    Status commit() {
        Status st = exec(m_db, "COMMIT");
        if (st.ok()) {
            m_done = true;
            if (sqlite3_total_changes(m_db.db) != m_changes_before) m_db.write_failure.clear();
        }
        return st;
    }

  private:
    SqliteConnection& m_db;
    int m_changes_before;
    Status m_status;
    bool m_done = false;
};

// Is there room for the database's files to grow? A scratch file next to
// the database, opened through the connection's VFS and deleted on close,
// is given k_room_probe_bytes, about what a large batch adds. A commit that
// changes nothing cannot tell: a transaction cut short by a full disk has
// already grown the WAL, and a small commit fits in what it left behind.
constexpr int k_room_probe_bytes = 64 * 1024;

Status room_to_grow(sqlite3* db) {
    const char* main = sqlite3_db_filename(db, "main");
    if (!main || !*main) return Status::success(); // in memory
    sqlite3_vfs* vfs = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK || !vfs)
        return Status::failure("cannot find the database's VFS");
    // A file name as SQLite hands one to a VFS: ending in two NULs.
    std::string name = std::string(main) + "-room";
    name.push_back('\0');
    std::vector<std::max_align_t> space(
        (static_cast<std::size_t>(vfs->szOsFile) + sizeof(std::max_align_t) - 1) /
        sizeof(std::max_align_t));
    auto* file = reinterpret_cast<sqlite3_file*>(space.data());
    file->pMethods = nullptr;
    int rc = vfs->xOpen(vfs, name.c_str(), file,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_DELETEONCLOSE |
                            SQLITE_OPEN_TEMP_JOURNAL,
                        nullptr);
    const std::string block(4096, '\0');
    for (int off = 0; rc == SQLITE_OK && off < k_room_probe_bytes; off += 4096)
        rc = file->pMethods->xWrite(file, block.data(), static_cast<int>(block.size()), off);
    // Closing deletes it; what matters is whether the writes fitted.
    if (file->pMethods) (void)file->pMethods->xClose(file);
    if (rc == SQLITE_OK) return Status::success();
    return Status::failure(sqlite3_errstr(rc));
}

Status fail(const std::string& what, const std::string& sqlite_error) {
    return Status::failure(what + ": " + sqlite_error);
}

const char* role_name(ApiKeyRole r) {
    return r == ApiKeyRole::head_office ? "head-office" : "store";
}

DeviceRecord read_device(const Stmt& s) {
    DeviceRecord d;
    d.id = s.text(0);
    d.name = s.text(1);
    d.store_id = s.text(2);
    d.touch_point = s.text(3);
    d.enrolled_utc_ms = s.int64(4);
    d.revoked_utc_ms = s.opt_int64(5);
    d.last_seen_utc_ms = s.opt_int64(6);
    d.health_json = s.text(7);
    return d;
}

constexpr const char* k_device_columns = "id, name, store_id, touch_point, enrolled_utc_ms, "
                                         "revoked_utc_ms, last_seen_utc_ms, health_json";

ApiKeyRecord read_api_key(const Stmt& s) {
    ApiKeyRecord k;
    k.id = s.text(0);
    k.role = s.text(1) == "head-office" ? ApiKeyRole::head_office : ApiKeyRole::store;
    k.store_id = s.text(2);
    k.created_utc_ms = s.int64(3);
    k.revoked_utc_ms = s.opt_int64(4);
    return k;
}

// The schema, one step per user_version. Plain SQL that PostgreSQL also takes
// (BIGINT, TEXT, no AUTOINCREMENT).
const char* const k_migrations[] = {
    R"sql(
CREATE TABLE stores (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
CREATE TABLE touch_points (
    key TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    name TEXT NOT NULL,
    settings_json TEXT NOT NULL,
    survey_json TEXT,
    updated_utc_ms BIGINT NOT NULL
);
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    touch_point TEXT NOT NULL REFERENCES touch_points(key),
    created_utc_ms BIGINT NOT NULL,
    expires_utc_ms BIGINT NOT NULL,
    used_utc_ms BIGINT,
    used_by_device TEXT
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    store_id TEXT NOT NULL REFERENCES stores(id),
    touch_point TEXT NOT NULL REFERENCES touch_points(key),
    token_hash TEXT NOT NULL UNIQUE,
    enrolled_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT,
    last_seen_utc_ms BIGINT,
    health_json TEXT
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('head-office', 'store')),
    store_id TEXT REFERENCES stores(id),
    created_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT
);
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    store_id TEXT NOT NULL REFERENCES stores(id),
    touch_point TEXT NOT NULL REFERENCES touch_points(key),
    survey_id TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    scale TEXT NOT NULL,
    score INTEGER NOT NULL,
    reasons_json TEXT NOT NULL,
    comment TEXT NOT NULL,
    language TEXT NOT NULL,
    utc_ms BIGINT NOT NULL,
    local_time TEXT NOT NULL,
    local_day TEXT NOT NULL,
    local_hour INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    misuse INTEGER NOT NULL,
    device_clock_suspect INTEGER NOT NULL,
    server_clock_suspect INTEGER NOT NULL,
    received_utc_ms BIGINT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX responses_store_day ON responses (store_id, local_day);
CREATE INDEX responses_touch_point_day ON responses (touch_point, local_day);
CREATE INDEX responses_received ON responses (received_utc_ms);
)sql",
    // Head-office reading: an insertion sequence for stable paging, a roll-up
    // for summaries, tombstones of erased responses, an index for retention.
    R"sql(
ALTER TABLE responses ADD COLUMN seq BIGINT;
UPDATE responses SET seq = rowid;
CREATE UNIQUE INDEX responses_seq ON responses (seq);
CREATE INDEX responses_store_seq ON responses (store_id, seq);
CREATE INDEX responses_touch_point_seq ON responses (touch_point, seq);
CREATE INDEX responses_utc ON responses (utc_ms);
DROP INDEX responses_store_day;
DROP INDEX responses_touch_point_day;
DROP INDEX responses_received;
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) SELECT 'response_seq', coalesce(max(seq), 0) FROM responses;
CREATE TABLE response_rollup (
    store_id TEXT NOT NULL,
    touch_point TEXT NOT NULL,
    local_day TEXT NOT NULL,
    local_hour INTEGER NOT NULL,
    scale TEXT NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, local_hour, scale, score, misuse)
);
INSERT INTO response_rollup (store_id, touch_point, local_day, local_hour, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse, count(*)
    FROM responses GROUP BY store_id, touch_point, local_day, local_hour, scale, score, misuse;
CREATE TABLE erased_responses (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    erased_utc_ms BIGINT NOT NULL
);
)sql",
    // A daily roll-up beside the hourly one: summaries not grouped by hour read
    // a tenth of the cells (a year of 40 touch points is ~100 000 of them).
    R"sql(
CREATE TABLE response_rollup_daily (
    store_id TEXT NOT NULL,
    touch_point TEXT NOT NULL,
    local_day TEXT NOT NULL,
    scale TEXT NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, scale, score, misuse)
);
INSERT INTO response_rollup_daily (store_id, touch_point, local_day, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, scale, score, misuse, sum(n)
    FROM response_rollup GROUP BY store_id, touch_point, local_day, scale, score, misuse;
)sql",
    // Secrets the server keeps for itself (the key that seals paging cursors),
    // one per name, shared by every instance on the database.
    R"sql(
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
)sql",
    // Every version of each touch point's settings, so a past day keeps the
    // service standard and opening hours it had. What is there now has been
    // in force since before the history began.
    R"sql(
CREATE TABLE touch_point_history (
    touch_point TEXT NOT NULL REFERENCES touch_points(key),
    changed_utc_ms BIGINT NOT NULL,
    settings_json TEXT NOT NULL,
    PRIMARY KEY (touch_point, changed_utc_ms)
);
INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json)
    SELECT key, 0, settings_json FROM touch_points;
)sql",
};

// Adds a version of a touch point's settings unless they are the newest
// version already (a second change within one millisecond replaces the first).
constexpr const char* k_record_settings_sql =
    "INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json) "
    "SELECT ?1, ?2, ?3 WHERE ?3 IS NOT (SELECT settings_json FROM touch_point_history "
    "WHERE touch_point = ?1 ORDER BY changed_utc_ms DESC LIMIT 1) "
    "ON CONFLICT (touch_point, changed_utc_ms) DO UPDATE SET settings_json = excluded.settings_json";

StoredResponse read_response(const Stmt& s) {
    StoredResponse out;
    Response& r = out.response;
    r.id = s.text(0);
    r.device_id = s.text(1);
    out.store_id = s.text(2);
    r.touch_point = s.text(3);
    r.survey_id = s.text(4);
    r.survey_version = static_cast<int>(s.int64(5));
    r.question_id = s.text(6);
    r.scale = scale_from_string(s.text(7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(s.int64(8));
    read_reasons_json(s.text(9), r.reasons);
    r.comment = s.text(10);
    r.language = s.text(11);
    r.utc_ms = s.int64(12);
    r.local_time = s.text(13);
    r.local_day = s.text(14);
    r.local_hour = static_cast<int>(s.int64(15));
    r.sequence = s.int64(16);
    r.misuse = s.int64(17) != 0;
    out.device_clock_suspect = s.int64(18) != 0;
    out.server_clock_suspect = s.int64(19) != 0;
    r.clock_suspect = out.device_clock_suspect || out.server_clock_suspect;
    r.closed = true;
    r.sync_state = SyncState::synced;
    out.received_utc_ms = s.int64(20);
    out.seq = s.int64(21);
    return out;
}

TouchPointRecord read_touch_point(const Stmt& s) {
    return TouchPointRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5)};
}

constexpr const char* k_touch_point_columns =
    "key, store_id, name, settings_json, survey_json, updated_utc_ms";

// The WHERE clause of a filter over `responses` or `response_rollup`, with
// its parameters in order (all text but the seq bounds).
struct Where {
    std::string sql;
    std::vector<std::string> text;
    std::vector<std::int64_t> ints; // bound after the text parameters
};

Where where_of(const ResponseFilter& f, bool with_seq, bool with_misuse) {
    Where w;
    auto add = [&w](const std::string& clause) {
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += clause;
    };
    if (!f.store_id.empty()) {
        add("store_id = ?");
        w.text.push_back(f.store_id);
    }
    if (!f.touch_point.empty()) {
        add("touch_point = ?");
        w.text.push_back(f.touch_point);
    }
    if (!f.from_day.empty()) {
        add("local_day >= ?");
        w.text.push_back(f.from_day);
    }
    if (!f.to_day.empty()) {
        add("local_day <= ?");
        w.text.push_back(f.to_day);
    }
    if (with_misuse && !f.include_misuse) add("misuse = 0");
    if (with_seq) {
        add("seq > ?");
        w.ints.push_back(f.after_seq);
        add("seq <= ?");
        w.ints.push_back(f.up_to_seq);
    }
    return w;
}

void bind_where(Stmt& s, const Where& w) {
    int i = 1;
    for (const auto& t : w.text)
        s.bind(i++, t);
    for (auto v : w.ints)
        s.bind(i++, v);
}

} // namespace

int sqlite_schema_version() {
    return static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);
}

// --- Opening and migrating ---

SqliteStorage::SqliteStorage(sqlite3* db) {
    m_db.db = db;
}

SqliteStorage::~SqliteStorage() {
    sqlite3_close_v2(m_db.db);
}

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return Error{path + ": cannot open the database: " + msg};
    }
    std::unique_ptr<SqliteStorage> s(new SqliteStorage(db));
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    // WAL lets readers run while a batch commits; FULL syncs the WAL on every
    // commit, so an answered batch survives a power cut.
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        if (auto st = exec(db, pragma); !st) return Error{path + ": " + st.error()};
    }
    if (auto st = s->migrate(); !st) return Error{path + ": " + st.error()};
    return s;
}

Status SqliteStorage::migrate() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return fail("cannot start the schema migration", tx.begun().error());
    int have = 0;
    {
        // Finalised before migrating: an open statement would lock the schema.
        Stmt v(m_db, "PRAGMA user_version");
        if (v.step() != SQLITE_ROW) return fail("cannot read the schema version", v.error());
        have = static_cast<int>(v.int64(0));
    }
    const int want = static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);
    if (Status st = check_schema_version(have, want); !st) return st;
    for (int i = have; i < want; ++i) {
        if (auto st = exec(m_db, k_migrations[i]); !st)
            return fail("schema migration " + std::to_string(i + 1) + " failed", st.error());
    }
    if (have != want) {
        std::string sql = "PRAGMA user_version=" + std::to_string(want);
        if (auto st = exec(m_db, sql.c_str()); !st)
            return fail("cannot set the schema version", st.error());
    }
    return tx.commit();
}

Status SqliteStorage::check() {
    std::lock_guard<std::mutex> lock(m_mutex);
    {
        Stmt s(m_db, "SELECT count(*) FROM stores");
        if (s.step() != SQLITE_ROW) return fail("database check failed", s.error());
    }
    const std::optional<StorageFailure> failed = m_db.write_failure.last();
    if (!failed) return Status::success();
    // A write failed and none has committed since: do writes work again?
    if (failed->kind == StorageFailure::Kind::disk_full) {
        if (Status room = room_to_grow(m_db); !room) return Status::failure(failed->reason);
        m_db.write_failure.clear();
        return Status::success();
    }
    // Otherwise a transaction that changes nothing must commit (and its
    // commit clears the record).
    Transaction tx(m_db);
    Status st = tx.begun();
    if (st) {
        Stmt touch(m_db, "UPDATE counters SET value = value WHERE name = 'response_seq'");
        if (touch.step() != SQLITE_DONE) st = Status::failure(touch.error());
    }
    if (st) st = tx.commit();
    if (st) return Status::success();
    const std::optional<StorageFailure> still = m_db.write_failure.last();
    return Status::failure(still ? still->reason : failed->reason);
}

std::optional<StorageFailure> SqliteStorage::last_write_failure() {
    return m_db.write_failure.last();
}

// --- Administration ---

Status SqliteStorage::create_store(const StoreRecord& st, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "INSERT INTO stores (id, name, time_zone, created_utc_ms) VALUES (?, ?, ?, ?)");
    s.bind(1, st.id).bind(2, st.name).bind(3, st.time_zone).bind(4, now_ms);
    int rc = s.step();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return Status::failure("store \"" + st.id + "\" already exists");
    if (rc != SQLITE_DONE) return fail("cannot create the store", s.error());
    return Status::success();
}

Result<StoreRecord> SqliteStorage::store(const std::string& id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT id, name, time_zone FROM stores WHERE id = ?");
    s.bind(1, id);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Error{"no store \"" + id + "\""};
    if (rc != SQLITE_ROW) return Error{"cannot read the store: " + s.error()};
    return StoreRecord{s.text(0), s.text(1), s.text(2)};
}

Result<std::vector<StoreRecord>> SqliteStorage::list_stores() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT id, name, time_zone FROM stores ORDER BY id");
    std::vector<StoreRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(StoreRecord{s.text(0), s.text(1), s.text(2)});
    if (rc != SQLITE_DONE) return Error{"cannot list the stores: " + s.error()};
    return out;
}

Status SqliteStorage::create_touch_point(const TouchPointRecord& t) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return fail("cannot create the touch point", tx.begun().error());
    {
        Stmt s(m_db, "INSERT INTO touch_points (key, store_id, name, settings_json, survey_json, "
                     "updated_utc_ms) VALUES (?, ?, ?, ?, ?, ?)");
        s.bind(1, t.key).bind(2, t.store_id).bind(3, t.name).bind(4, t.settings_json);
        s.bind_text_or_null(5, t.survey_json).bind(6, t.updated_utc_ms);
        int rc = s.step();
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return Status::failure("touch point \"" + t.key + "\" already exists");
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            return Status::failure("no store \"" + t.store_id + "\"");
        if (rc != SQLITE_DONE) return fail("cannot create the touch point", s.error());
    }
    if (Status st = record_settings(t); !st) return st;
    return tx.commit();
}

Status SqliteStorage::record_settings(const TouchPointRecord& t) {
    Stmt h(m_db, k_record_settings_sql);
    h.bind(1, t.key).bind(2, t.updated_utc_ms).bind(3, t.settings_json);
    if (h.step() != SQLITE_DONE) return fail("cannot keep the settings' history", h.error());
    return Status::success();
}

Result<TouchPointRecord> SqliteStorage::touch_point(const std::string& key) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT key, store_id, name, settings_json, survey_json, updated_utc_ms "
                 "FROM touch_points WHERE key = ?");
    s.bind(1, key);
    int rc = s.step();
    if (rc == SQLITE_DONE) return Error{"no touch point \"" + key + "\""};
    if (rc != SQLITE_ROW) return Error{"cannot read the touch point: " + s.error()};
    return TouchPointRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5)};
}

Status SqliteStorage::update_touch_point(const TouchPointRecord& t) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return fail("cannot update the touch point", tx.begun().error());
    {
        Stmt s(m_db, "UPDATE touch_points SET name = ?, settings_json = ?, survey_json = ?, "
                     "updated_utc_ms = ? WHERE key = ?");
        s.bind(1, t.name).bind(2, t.settings_json).bind_text_or_null(3, t.survey_json);
        s.bind(4, t.updated_utc_ms).bind(5, t.key);
        if (s.step() != SQLITE_DONE) return fail("cannot update the touch point", s.error());
        if (sqlite3_changes(m_db) == 0)
            return Status::failure("no touch point \"" + t.key + "\"");
    }
    if (Status st = record_settings(t); !st) return st;
    return tx.commit();
}

Status SqliteStorage::create_enrollment_code(const std::string& code_hash,
                                             const std::string& touch_point, std::int64_t now_ms,
                                             std::int64_t expires_utc_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "INSERT INTO enrollment_codes (code_hash, touch_point, created_utc_ms, "
                 "expires_utc_ms) VALUES (?, ?, ?, ?)");
    s.bind(1, code_hash).bind(2, touch_point).bind(3, now_ms).bind(4, expires_utc_ms);
    int rc = s.step();
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return Status::failure("no touch point \"" + touch_point + "\"");
    if (rc != SQLITE_DONE) return fail("cannot create the enrolment code", s.error());
    return Status::success();
}

Status SqliteStorage::create_api_key(const ApiKeyRecord& k, const std::string& key_hash) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "INSERT INTO api_keys (id, key_hash, role, store_id, created_utc_ms) "
                 "VALUES (?, ?, ?, ?, ?)");
    s.bind(1, k.id).bind(2, key_hash).bind(3, role_name(k.role)).bind_text_or_null(4, k.store_id);
    s.bind(5, k.created_utc_ms);
    int rc = s.step();
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return Status::failure("no store \"" + k.store_id + "\"");
    if (rc != SQLITE_DONE) return fail("cannot create the API key", s.error());
    return Status::success();
}

Status SqliteStorage::revoke_device(const std::string& id, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "UPDATE devices SET revoked_utc_ms = coalesce(revoked_utc_ms, ?) WHERE id = ?");
    s.bind(1, now_ms).bind(2, id);
    if (s.step() != SQLITE_DONE) return fail("cannot revoke the device", s.error());
    if (sqlite3_changes(m_db) == 0) return Status::failure("no device \"" + id + "\"");
    return Status::success();
}

Status SqliteStorage::revoke_api_key(const std::string& id, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "UPDATE api_keys SET revoked_utc_ms = coalesce(revoked_utc_ms, ?) WHERE id = ?");
    s.bind(1, now_ms).bind(2, id);
    if (s.step() != SQLITE_DONE) return fail("cannot revoke the API key", s.error());
    if (sqlite3_changes(m_db) == 0) return Status::failure("no API key \"" + id + "\"");
    return Status::success();
}

Result<std::vector<DeviceRecord>> SqliteStorage::list_devices(const std::string& store_id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string sql = std::string("SELECT ") + k_device_columns + " FROM devices" +
                      (store_id.empty() ? "" : " WHERE store_id = ?") +
                      " ORDER BY store_id, touch_point, id";
    Stmt s(m_db, sql.c_str());
    if (!store_id.empty()) s.bind(1, store_id);
    std::vector<DeviceRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(read_device(s));
    if (rc != SQLITE_DONE) return Error{"cannot list the devices: " + s.error()};
    return out;
}

Result<std::vector<ApiKeyRecord>> SqliteStorage::list_api_keys() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT id, role, store_id, created_utc_ms, revoked_utc_ms FROM api_keys ORDER BY "
                 "created_utc_ms, id");
    std::vector<ApiKeyRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(read_api_key(s));
    if (rc != SQLITE_DONE) return Error{"cannot list the API keys: " + s.error()};
    return out;
}

// --- Devices ---

Result<EnrollOutcome> SqliteStorage::enroll(const std::string& code_hash, const NewDevice& device,
                                            std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return Error{"cannot start the enrolment: " + tx.begun().error()};
    EnrollOutcome out;

    Stmt code(m_db, "SELECT touch_point, expires_utc_ms, used_utc_ms FROM enrollment_codes "
                    "WHERE code_hash = ?");
    code.bind(1, code_hash);
    int rc = code.step();
    if (rc == SQLITE_DONE) {
        out.status = EnrollStatus::unknown_code;
        return out;
    }
    if (rc != SQLITE_ROW) return Error{"cannot read the enrolment code: " + code.error()};
    if (!code.is_null(2)) {
        out.status = EnrollStatus::used_code;
        return out;
    }
    if (now_ms >= code.int64(1)) {
        out.status = EnrollStatus::expired_code;
        return out;
    }
    const std::string tp_key = code.text(0);

    Stmt tp(m_db,
            "SELECT t.key, t.store_id, t.name, t.settings_json, t.survey_json, t.updated_utc_ms, "
            "s.name, s.time_zone FROM touch_points t JOIN stores s ON s.id = t.store_id "
            "WHERE t.key = ?");
    tp.bind(1, tp_key);
    if (tp.step() != SQLITE_ROW)
        return Error{"the enrolment code's touch point is missing: " + tp.error()};
    out.touch_point = {tp.text(0), tp.text(1), tp.text(2), tp.text(3), tp.text(4), tp.int64(5)};
    out.store = {tp.text(1), tp.text(6), tp.text(7)};

    Stmt use(m_db, "UPDATE enrollment_codes SET used_utc_ms = ?, used_by_device = ? "
                   "WHERE code_hash = ? AND used_utc_ms IS NULL");
    use.bind(1, now_ms).bind(2, device.id).bind(3, code_hash);
    if (use.step() != SQLITE_DONE) return Error{"cannot use the enrolment code: " + use.error()};

    Stmt ins(m_db,
             "INSERT INTO devices (id, name, store_id, touch_point, token_hash, enrolled_utc_ms, "
             "last_seen_utc_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, device.id).bind(2, device.name).bind(3, out.store.id).bind(4, tp_key);
    ins.bind(5, device.token_hash).bind(6, now_ms).bind(7, now_ms);
    if (ins.step() != SQLITE_DONE) return Error{"cannot create the device: " + ins.error()};
    if (auto st = tx.commit(); !st) return Error{"cannot commit the enrolment: " + st.error()};

    fill_enrolled(out, device, tp_key, now_ms);
    return out;
}

Result<std::optional<DeviceRecord>>
SqliteStorage::device_by_token_hash(const std::string& token_hash) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string sql =
        std::string("SELECT ") + k_device_columns + " FROM devices WHERE token_hash = ?";
    Stmt s(m_db, sql.c_str());
    s.bind(1, token_hash);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<DeviceRecord>{};
    if (rc != SQLITE_ROW) return Error{"cannot look up the device: " + s.error()};
    return std::optional<DeviceRecord>{read_device(s)};
}

Result<std::optional<ApiKeyRecord>> SqliteStorage::api_key_by_hash(const std::string& key_hash) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT id, role, store_id, created_utc_ms, revoked_utc_ms FROM api_keys "
                 "WHERE key_hash = ?");
    s.bind(1, key_hash);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<ApiKeyRecord>{};
    if (rc != SQLITE_ROW) return Error{"cannot look up the API key: " + s.error()};
    return std::optional<ApiKeyRecord>{read_api_key(s)};
}

// One batch, inside the group's open transaction (see commit_group).
Result<BatchOutcome> SqliteStorage::ingest_in_transaction(
    const DeviceRecord& device, const std::vector<IncomingResponse>& responses,
    const std::string& health_json, std::int64_t now_ms) {
    BatchOutcome out;
    out.items.reserve(responses.size());
    Stmt find(m_db, "SELECT content_hash FROM responses WHERE id = ?");
    Stmt erased(m_db, "SELECT 1 FROM erased_responses WHERE id = ?");
    Stmt ins(
        m_db,
        "INSERT INTO responses (id, device_id, store_id, touch_point, survey_id, survey_version, "
        "question_id, scale, score, reasons_json, comment, language, utc_ms, local_time, "
        "local_day, local_hour, sequence, misuse, device_clock_suspect, server_clock_suspect, "
        "received_utc_ms, content_hash, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO NOTHING");
    Stmt roll(m_db, "INSERT INTO response_rollup (store_id, touch_point, local_day, local_hour, "
                    "scale, score, misuse, n) VALUES (?, ?, ?, ?, ?, ?, ?, 1) "
                    "ON CONFLICT (store_id, touch_point, local_day, local_hour, scale, score, "
                    "misuse) DO UPDATE SET n = response_rollup.n + 1");
    Stmt roll_daily(m_db, "INSERT INTO response_rollup_daily (store_id, touch_point, "
                          "local_day, scale, score, misuse, n) VALUES (?, ?, ?, ?, ?, ?, 1) "
                          "ON CONFLICT (store_id, touch_point, local_day, scale, score, misuse) "
                          "DO UPDATE SET n = response_rollup_daily.n + 1");
    Stmt seq_read(m_db, "SELECT value FROM counters WHERE name = 'response_seq'");
    if (!find.prepared() || !erased.prepared() || !ins.prepared() || !roll.prepared() ||
        !roll_daily.prepared() || !seq_read.prepared())
        return Error{"cannot prepare the batch: " + std::string(sqlite3_errmsg(m_db))};
    // The sequence is read and advanced inside this write transaction, so it
    // grows in commit order: a reader's cursor never misses a later commit.
    if (seq_read.step() != SQLITE_ROW)
        return Error{"cannot read the insertion sequence: " + seq_read.error()};
    std::int64_t seq = seq_read.int64(0);
    const std::int64_t first_seq = seq;
    seq_read.reset();
    for (const IncomingResponse& in : responses) {
        const Response& r = in.response;
        // An erased response stays erased: its resend is answered as a duplicate.
        erased.reset();
        erased.bind(1, r.id);
        int rc = erased.step();
        if (rc == SQLITE_ROW) {
            out.items.push_back(IngestStatus::duplicate);
            continue;
        }
        if (rc != SQLITE_DONE)
            return Error{"cannot look up response " + r.id + ": " + erased.error()};

        ins.reset();
        ins.bind(1, r.id).bind(2, device.id).bind(3, device.store_id).bind(4, device.touch_point);
        ins.bind(5, r.survey_id).bind(6, r.survey_version).bind(7, r.question_id);
        ins.bind(8, std::string(to_string(r.scale))).bind(9, r.score);
        ins.bind(10, nlohmann::json(r.reasons).dump()).bind(11, r.comment).bind(12, r.language);
        ins.bind(13, r.utc_ms).bind(14, r.local_time).bind(15, r.local_day).bind(16, r.local_hour);
        ins.bind(17, r.sequence).bind(18, r.misuse).bind(19, r.clock_suspect);
        ins.bind(20, in.server_clock_suspect).bind(21, now_ms).bind(22, in.content_hash);
        ins.bind(23, seq + 1);
        if (ins.step() != SQLITE_DONE)
            return Error{"cannot store response " + r.id + ": " + ins.error()};
        if (sqlite3_changes(m_db) == 0) {
            // The id is stored already: the same content is a resend, other
            // content a conflict.
            find.reset();
            find.bind(1, r.id);
            if (find.step() != SQLITE_ROW)
                return Error{"cannot look up response " + r.id + ": " + find.error()};
            out.items.push_back(find.text(0) == in.content_hash ? IngestStatus::duplicate
                                                                : IngestStatus::conflict);
            continue;
        }
        ++seq;
        roll.reset();
        roll.bind(1, device.store_id).bind(2, device.touch_point).bind(3, r.local_day);
        roll.bind(4, r.local_hour).bind(5, std::string(to_string(r.scale))).bind(6, r.score);
        roll.bind(7, r.misuse);
        if (roll.step() != SQLITE_DONE)
            return Error{"cannot count response " + r.id + ": " + roll.error()};
        roll_daily.reset();
        roll_daily.bind(1, device.store_id).bind(2, device.touch_point).bind(3, r.local_day);
        roll_daily.bind(4, std::string(to_string(r.scale))).bind(5, r.score).bind(6, r.misuse);
        if (roll_daily.step() != SQLITE_DONE)
            return Error{"cannot count response " + r.id + ": " + roll_daily.error()};
        out.items.push_back(IngestStatus::accepted);
    }
    if (seq != first_seq) {
        Stmt seq_write(m_db, "UPDATE counters SET value = ? WHERE name = 'response_seq'");
        seq_write.bind(1, seq);
        if (seq_write.step() != SQLITE_DONE)
            return Error{"cannot advance the insertion sequence: " + seq_write.error()};
    }

    Stmt seen(m_db,
              "UPDATE devices SET last_seen_utc_ms = ?, health_json = coalesce(?, health_json) "
              "WHERE id = ?");
    seen.bind(1, now_ms).bind_text_or_null(2, health_json).bind(3, device.id);
    if (seen.step() != SQLITE_DONE)
        return Error{"cannot record the device's health: " + seen.error()};
    return out;
}

Result<BatchOutcome> SqliteStorage::ingest_batch(const DeviceRecord& device,
                                                 const std::vector<IncomingResponse>& responses,
                                                 const std::string& health_json,
                                                 std::int64_t now_ms) {
    std::optional<Result<BatchOutcome>> outcome;
    const Status st = write_in_group([&]() -> Status {
        outcome.emplace(ingest_in_transaction(device, responses, health_json, now_ms));
        return outcome->ok() ? Status::success() : Status::failure(outcome->error());
    });
    if (!st) return Error{"cannot store the batch: " + st.error()};
    return std::move(*outcome);
}

struct SqliteStorage::PendingWrite {
    const std::function<Status()>& write;
    Status result;
    bool done = false;
};

// A fleet's heartbeats and batches are most of its requests, and a durable
// commit costs an fsync each: committed one by one they queue behind the
// disk. Grouped, one commit carries every write that arrived while the
// previous commit was being synced. Each write runs in a savepoint of its
// own, so one that fails leaves the others' changes standing, and each is
// answered only once the commit is on disk.
Status SqliteStorage::write_in_group(const std::function<Status()>& write) {
    PendingWrite mine{write, Status::success()};
    std::unique_lock<std::mutex> queue(m_group_mutex);
    m_group_waiting.push_back(&mine);
    while (!mine.done) {
        if (m_group_committing) {
            m_group_done.wait(queue);
            continue;
        }
        m_group_committing = true;
        std::vector<PendingWrite*> group;
        group.swap(m_group_waiting);
        queue.unlock();
        commit_group(group);
        queue.lock();
        for (PendingWrite* p : group)
            p->done = true;
        m_group_committing = false;
        m_group_done.notify_all();
    }
    return mine.result;
}

void SqliteStorage::commit_group(const std::vector<PendingWrite*>& group) {
    auto fail_all = [&](const Status& st) {
        for (PendingWrite* p : group)
            if (p->result.ok()) p->result = st;
    };
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return fail_all(tx.begun());
    for (PendingWrite* p : group) {
        if (Status st = exec(m_db, "SAVEPOINT write"); !st) return fail_all(st);
        try {
            p->result = p->write();
        } catch (const std::exception& e) {
            p->result = Status::failure(e.what());
        }
        if (!p->result) {
            if (Status st = exec(m_db, "ROLLBACK TO write"); !st) return fail_all(st);
        }
        if (Status st = exec(m_db, "RELEASE write"); !st) return fail_all(st);
    }
    // Not one of them is stored unless the commit is on disk.
    if (Status st = tx.commit(); !st) {
        for (PendingWrite* p : group)
            p->result = st;
    }
}

Status SqliteStorage::record_heartbeat(const std::string& device_id, const std::string& health_json,
                                       std::int64_t now_ms) {
    return write_in_group([&]() -> Status {
        Stmt s(m_db,
               "UPDATE devices SET last_seen_utc_ms = ?, health_json = coalesce(?, health_json) "
               "WHERE id = ?");
        s.bind(1, now_ms).bind_text_or_null(2, health_json).bind(3, device_id);
        if (s.step() != SQLITE_DONE) return fail("cannot record the heartbeat", s.error());
        if (sqlite3_changes(m_db) == 0) return Status::failure("no device \"" + device_id + "\"");
        return Status::success();
    });
}

// --- Reading back ---

Result<std::optional<StoredResponse>> SqliteStorage::response(const std::string& id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string sql = std::string("SELECT ") + k_response_columns + " FROM responses WHERE id = ?";
    Stmt s(m_db, sql.c_str());
    s.bind(1, id);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<StoredResponse>{};
    if (rc != SQLITE_ROW) return Error{"cannot read the response: " + s.error()};
    return std::optional<StoredResponse>{read_response(s)};
}

Result<std::int64_t> SqliteStorage::response_count() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT count(*) FROM responses");
    if (s.step() != SQLITE_ROW) return Error{"cannot count the responses: " + s.error()};
    return s.int64(0);
}

Result<std::int64_t> SqliteStorage::last_seq() {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT value FROM counters WHERE name = 'response_seq'");
    if (s.step() != SQLITE_ROW) return Error{"cannot read the insertion sequence: " + s.error()};
    return s.int64(0);
}

Result<std::vector<StoredResponse>> SqliteStorage::list_responses(const ResponseFilter& filter,
                                                                  std::size_t limit) {
    const Where w = where_of(filter, true, true);
    const std::string sql = std::string("SELECT ") + k_response_columns + " FROM responses" +
                            w.sql + " ORDER BY seq LIMIT " + std::to_string(limit);
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, sql.c_str());
    bind_where(s, w);
    std::vector<StoredResponse> out;
    out.reserve(limit);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(read_response(s));
    if (rc != SQLITE_DONE) return Error{"cannot list the responses: " + s.error()};
    return out;
}

Result<std::vector<RollupCount>> SqliteStorage::rollup(const ResponseFilter& filter,
                                                       const SummaryGrouping& g) {
    // The cells are read in key order and summed here rather than with GROUP
    // BY: SQLite would sort them in a temporary b-tree first, several times
    // slower than one pass into a small map.
    const Where w = where_of(filter, false, false);
    const std::string sql = std::string("SELECT store_id, touch_point, local_day, ") +
                            (g.hour ? "local_hour" : "-1") + ", scale, score, misuse, n FROM " +
                            (g.hour ? "response_rollup" : "response_rollup_daily") + w.sql;
    RollupCells cells;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        Stmt s(m_db, sql.c_str());
        bind_where(s, w);
        int rc;
        while ((rc = s.step()) == SQLITE_ROW)
            cells.add(g.store ? s.text(0) : std::string(), g.touch_point ? s.text(1) : std::string(),
                      g.day ? s.text(2) : std::string(), g.hour ? static_cast<int>(s.int64(3)) : -1,
                      s.text(4), s.int64(5), s.int64(6) != 0, s.int64(7));
        if (rc != SQLITE_DONE) return Error{"cannot read the roll-up: " + s.error()};
    }
    return cells.counts();
}

Result<std::vector<TouchPointRecord>>
SqliteStorage::list_touch_points(const std::string& store_id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string sql = std::string("SELECT ") + k_touch_point_columns + " FROM touch_points" +
                      (store_id.empty() ? "" : " WHERE store_id = ?") + " ORDER BY key";
    Stmt s(m_db, sql.c_str());
    if (!store_id.empty()) s.bind(1, store_id);
    std::vector<TouchPointRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(read_touch_point(s));
    if (rc != SQLITE_DONE) return Error{"cannot list the touch points: " + s.error()};
    return out;
}

Result<std::vector<TouchPointRecord>>
SqliteStorage::edit_touch_points(const std::string& store_id, const std::string& key,
                                 const std::function<Status(TouchPointRecord&)>& edit) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return Error{"cannot start the change: " + tx.begun().error()};
    std::string sql = std::string("SELECT ") + k_touch_point_columns +
                      " FROM touch_points WHERE (? = '' OR store_id = ?) AND (? = '' OR key = ?) "
                      "ORDER BY key";
    Stmt s(m_db, sql.c_str());
    s.bind(1, store_id).bind(2, store_id).bind(3, key).bind(4, key);
    std::vector<TouchPointRecord> found;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        found.push_back(read_touch_point(s));
    if (rc != SQLITE_DONE) return Error{"cannot read the touch points: " + s.error()};
    Stmt upd(m_db, "UPDATE touch_points SET name = ?, settings_json = ?, survey_json = ?, "
                   "updated_utc_ms = ? WHERE key = ?");
    for (TouchPointRecord& t : found) {
        if (Status st = edit(t); !st) return Error{st.error()};
        upd.reset();
        upd.bind(1, t.name).bind(2, t.settings_json).bind_text_or_null(3, t.survey_json);
        upd.bind(4, t.updated_utc_ms).bind(5, t.key);
        if (upd.step() != SQLITE_DONE)
            return Error{"cannot update touch point " + t.key + ": " + upd.error()};
        if (Status st = record_settings(t); !st) return Error{st.error()};
    }
    if (auto st = tx.commit(); !st) return Error{"cannot commit the change: " + st.error()};
    return found;
}

Result<std::vector<TouchPointChange>>
SqliteStorage::touch_point_history(const std::string& store_id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, "SELECT h.touch_point, h.changed_utc_ms, h.settings_json "
                 "FROM touch_point_history h JOIN touch_points t ON t.key = h.touch_point "
                 "WHERE ?1 = '' OR t.store_id = ?1 ORDER BY h.touch_point, h.changed_utc_ms");
    s.bind(1, store_id);
    std::vector<TouchPointChange> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back({s.text(0), s.int64(1), s.text(2)});
    if (rc != SQLITE_DONE) return Error{"cannot read the touch points' history: " + s.error()};
    return out;
}

Result<std::vector<ReasonCount>> SqliteStorage::reason_counts(const ResponseFilter& filter) {
    const Where w = where_of(filter, false, true);
    const std::string sql = "SELECT touch_point, reasons_json FROM responses" + w.sql +
                            (w.sql.empty() ? " WHERE" : " AND") + " reasons_json <> '[]'";
    ReasonTally tally;
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, sql.c_str());
    bind_where(s, w);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        tally.add(s.text(0), s.text(1));
    if (rc != SQLITE_DONE) return Error{"cannot count the reasons: " + s.error()};
    return tally.counts();
}

Result<std::vector<StoredResponse>> SqliteStorage::recent_comments(const ResponseFilter& filter,
                                                                   std::size_t per_touch_point) {
    const Where w = where_of(filter, false, true);
    const std::string sql = std::string("SELECT ") + k_response_columns +
                            " FROM (SELECT *, row_number() OVER (PARTITION BY touch_point "
                            "ORDER BY utc_ms DESC, seq DESC) AS nth FROM responses" +
                            w.sql + (w.sql.empty() ? " WHERE" : " AND") +
                            " comment <> '') WHERE nth <= " + std::to_string(per_touch_point) +
                            " ORDER BY touch_point, nth";
    std::lock_guard<std::mutex> lock(m_mutex);
    Stmt s(m_db, sql.c_str());
    bind_where(s, w);
    std::vector<StoredResponse> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW)
        out.push_back(read_response(s));
    if (rc != SQLITE_DONE) return Error{"cannot read the comments: " + s.error()};
    return out;
}

// --- Erasing ---

namespace {

// Takes `n` responses of one roll-up cell (the 7 key columns of `cell` from
// `first_col` on) out of the roll-up, dropping the cell when it reaches zero.
Status uncount(SqliteConnection& db, const Stmt& cell, int first_col, std::int64_t n) {
    const char* key = " WHERE store_id = ? AND touch_point = ? AND local_day = ? AND "
                      "local_hour = ? AND scale = ? AND score = ? AND misuse = ?";
    std::string dec_sql = std::string("UPDATE response_rollup SET n = n - ?") + key;
    std::string drop_sql = std::string("DELETE FROM response_rollup") + key + " AND n <= 0";
    Stmt dec(db, dec_sql.c_str());
    Stmt drop(db, drop_sql.c_str());
    dec.bind(1, n);
    for (int i = 0; i < 7; ++i) {
        if (i == 3 || i >= 5) {
            dec.bind(i + 2, cell.int64(first_col + i));
            drop.bind(i + 1, cell.int64(first_col + i));
        } else {
            dec.bind(i + 2, cell.text(first_col + i));
            drop.bind(i + 1, cell.text(first_col + i));
        }
    }
    if (dec.step() != SQLITE_DONE) return fail("cannot update the roll-up", dec.error());
    if (drop.step() != SQLITE_DONE) return fail("cannot update the roll-up", drop.error());

    const char* day_key = " WHERE store_id = ? AND touch_point = ? AND local_day = ? AND "
                          "scale = ? AND score = ? AND misuse = ?";
    std::string day_dec_sql = std::string("UPDATE response_rollup_daily SET n = n - ?") + day_key;
    std::string day_drop_sql =
        std::string("DELETE FROM response_rollup_daily") + day_key + " AND n <= 0";
    Stmt day_dec(db, day_dec_sql.c_str());
    Stmt day_drop(db, day_drop_sql.c_str());
    day_dec.bind(1, n);
    int param = 1;
    for (int i = 0; i < 7; ++i) {
        if (i == 3) continue; // no hour in the daily roll-up
        ++param;
        if (i >= 5) {
            day_dec.bind(param, cell.int64(first_col + i));
            day_drop.bind(param - 1, cell.int64(first_col + i));
        } else {
            day_dec.bind(param, cell.text(first_col + i));
            day_drop.bind(param - 1, cell.text(first_col + i));
        }
    }
    if (day_dec.step() != SQLITE_DONE) return fail("cannot update the roll-up", day_dec.error());
    if (day_drop.step() != SQLITE_DONE) return fail("cannot update the roll-up", day_drop.error());
    return Status::success();
}

} // namespace

Result<EraseStatus> SqliteStorage::erase_response(const std::string& id, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Transaction tx(m_db);
    if (!tx.begun()) return Error{"cannot start the erasure: " + tx.begun().error()};
    Stmt find(m_db, "SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse "
                    "FROM responses WHERE id = ?");
    find.bind(1, id);
    int rc = find.step();
    if (rc == SQLITE_DONE) {
        Stmt gone(m_db, "SELECT 1 FROM erased_responses WHERE id = ?");
        gone.bind(1, id);
        rc = gone.step();
        if (rc == SQLITE_ROW) return EraseStatus::already_erased;
        if (rc != SQLITE_DONE) return Error{"cannot look up the response: " + gone.error()};
        return EraseStatus::not_found;
    }
    if (rc != SQLITE_ROW) return Error{"cannot look up the response: " + find.error()};
    if (Status st = uncount(m_db, find, 0, 1); !st) return Error{st.error()};
    Stmt del(m_db, "DELETE FROM responses WHERE id = ?");
    del.bind(1, id);
    if (del.step() != SQLITE_DONE) return Error{"cannot erase the response: " + del.error()};
    Stmt tomb(m_db, "INSERT INTO erased_responses (id, store_id, erased_utc_ms) VALUES (?, ?, ?)");
    tomb.bind(1, id).bind(2, find.text(0)).bind(3, now_ms);
    if (tomb.step() != SQLITE_DONE) return Error{"cannot keep the tombstone: " + tomb.error()};
    if (auto st = tx.commit(); !st) return Error{"cannot commit the erasure: " + st.error()};
    return EraseStatus::erased;
}

Result<std::int64_t> SqliteStorage::prune_responses(std::int64_t cutoff_utc_ms) {
    // Short transactions of a few thousand rows each, so batches keep flowing
    // while a large backlog is pruned.
    constexpr std::int64_t k_chunk = 5000;
    std::int64_t total = 0;
    for (;;) {
        std::lock_guard<std::mutex> lock(m_mutex);
        Transaction tx(m_db);
        if (!tx.begun()) return Error{"cannot start pruning: " + tx.begun().error()};
        Stmt edge(m_db, "SELECT utc_ms FROM responses WHERE utc_ms < ? ORDER BY utc_ms "
                        "LIMIT 1 OFFSET ?");
        edge.bind(1, cutoff_utc_ms).bind(2, k_chunk - 1);
        int rc = edge.step();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return Error{"cannot find responses to prune: " + edge.error()};
        // This chunk: up to and including the chunk's last time, or the rest.
        const bool last = rc == SQLITE_DONE;
        const char* cond = last ? "utc_ms < ?" : "utc_ms <= ?";
        const std::int64_t bound = last ? cutoff_utc_ms : edge.int64(0);

        std::string sql = std::string("SELECT store_id, touch_point, local_day, local_hour, "
                                      "scale, score, misuse, count(*) FROM responses WHERE ") +
                          cond +
                          " GROUP BY store_id, touch_point, local_day, local_hour, scale, "
                          "score, misuse";
        Stmt cells(m_db, sql.c_str());
        cells.bind(1, bound);
        while ((rc = cells.step()) == SQLITE_ROW)
            if (Status st = uncount(m_db, cells, 0, cells.int64(7)); !st) return Error{st.error()};
        if (rc != SQLITE_DONE) return Error{"cannot count responses to prune: " + cells.error()};
        std::string del_sql = std::string("DELETE FROM responses WHERE ") + cond;
        Stmt del(m_db, del_sql.c_str());
        del.bind(1, bound);
        if (del.step() != SQLITE_DONE) return Error{"cannot prune responses: " + del.error()};
        total += sqlite3_changes(m_db);
        if (auto st = tx.commit(); !st) return Error{"cannot commit pruning: " + st.error()};
        if (last) break;
    }
    return total;
}

// --- The server's own secrets ---

Result<std::string> SqliteStorage::server_secret(const std::string& name,
                                                 const std::string& candidate,
                                                 std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    {
        // Kept as it is when another process stored one first.
        Stmt ins(m_db, "INSERT INTO server_secrets (name, value, created_utc_ms) VALUES (?, ?, ?) "
                       "ON CONFLICT (name) DO NOTHING");
        ins.bind(1, name).bind(2, candidate).bind(3, now_ms);
        if (ins.step() != SQLITE_DONE) return Error{"cannot keep the server secret: " + ins.error()};
    }
    Stmt s(m_db, "SELECT value FROM server_secrets WHERE name = ?");
    s.bind(1, name);
    if (s.step() != SQLITE_ROW) return Error{"cannot read the server secret: " + s.error()};
    return s.text(0);
}

} // namespace touchpoint::server
