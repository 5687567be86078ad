#include "server/postgres_storage.h"
#include "server/storage_rows.h"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace touchpoint::server {

// --- Small RAII helpers over libpq ---

namespace {

struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

// SQLSTATEs the storage tells apart.
constexpr const char* k_unique_violation = "23505";
constexpr const char* k_foreign_key_violation = "23503";
constexpr const char* k_serialization_failure = "40001";
constexpr const char* k_deadlock_detected = "40P01";

// One result, freed with its owner.
class PgResult {
  public:
    PgResult(PGresult* r, PGconn* conn) : m_r(r) {
        if (!m_r) m_missing = conn ? trimmed(PQerrorMessage(conn)) : "no connection";
    }

    bool ok() const {
        if (!m_r) return false;
        const ExecStatusType st = PQresultStatus(m_r.get());
        return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    }
    // One row of a query read row by row (see exec_rows).
    bool single_row() const { return m_r && PQresultStatus(m_r.get()) == PGRES_SINGLE_TUPLE; }
    int rows() const { return m_r ? PQntuples(m_r.get()) : 0; }
    int columns() const { return m_r ? PQnfields(m_r.get()) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(m_r.get(), row, col) != 0; }
    std::string text(int row, int col) const {
        if (is_null(row, col)) return std::string();
        return std::string(PQgetvalue(m_r.get(), row, col),
                           static_cast<std::size_t>(PQgetlength(m_r.get(), row, col)));
    }
    std::int64_t int64(int row, int col) const {
        if (is_null(row, col)) return 0;
        const char* v = PQgetvalue(m_r.get(), row, col);
        std::int64_t out = 0;
        std::from_chars(v, v + PQgetlength(m_r.get(), row, col), out);
        return out;
    }
    std::optional<std::int64_t> opt_int64(int row, int col) const {
        if (is_null(row, col)) return std::nullopt;
        return int64(row, col);
    }
    // Rows changed by an INSERT / UPDATE / DELETE.
    std::int64_t affected() const {
        if (!m_r) return 0;
        const char* n = PQcmdTuples(m_r.get());
        return n && *n ? std::strtoll(n, nullptr, 10) : 0;
    }
    std::string sqlstate() const {
        if (!m_r) return std::string();
        const char* s = PQresultErrorField(m_r.get(), PG_DIAG_SQLSTATE);
        return s ? s : "";
    }
    std::string error() const {
        if (!m_r) return m_missing;
        return trimmed(PQresultErrorMessage(m_r.get()));
    }

  private:
    std::unique_ptr<PGresult, ResultDeleter> m_r;
    std::string m_missing;
};

// Query parameters, all sent as text.
class Params {
  public:
    Params& add(const std::string& s) {
        m_values.push_back(s);
        m_null.push_back(false);
        return *this;
    }
    Params& add(const char* s) { return add(std::string(s)); }
    Params& add(std::int64_t v) { return add(std::to_string(v)); }
    Params& add(int v) { return add(static_cast<std::int64_t>(v)); }
    Params& add(bool v) { return add(std::string(v ? "1" : "0")); }
    Params& add_null() {
        m_values.emplace_back();
        m_null.push_back(true);
        return *this;
    }
    Params& add_text_or_null(const std::string& s) { return s.empty() ? add_null() : add(s); }
    Params& add(const std::optional<std::int64_t>& v) { return v ? add(*v) : add_null(); }

    Params& append(const Params& o) {
        m_values.insert(m_values.end(), o.m_values.begin(), o.m_values.end());
        m_null.insert(m_null.end(), o.m_null.begin(), o.m_null.end());
        return *this;
    }

    int size() const { return static_cast<int>(m_values.size()); }
    // Pointers into the values (valid while this object lives unchanged).
    std::vector<const char*> pointers() const {
        std::vector<const char*> p;
        p.reserve(m_values.size());
        for (std::size_t i = 0; i < m_values.size(); ++i)
            p.push_back(m_null[i] ? nullptr : m_values[i].c_str());
        return p;
    }

  private:
    std::vector<std::string> m_values;
    std::vector<bool> m_null;
};

// One column of many rows as a PostgreSQL array literal ("{...}"), sent as
// one parameter and read back with unnest($n::TEXT[], ...): a whole batch in
// one statement, whatever its size. Texts end at a NUL byte, as a text
// parameter does.
class ArrayLiteral {
  public:
    ArrayLiteral& add(const std::string& s) {
        next();
        m_text += '"';
        for (char c : s) {
            if (c == '\0') break;
            if (c == '"' || c == '\\') m_text += '\\';
            m_text += c;
        }
        m_text += '"';
        return *this;
    }
    ArrayLiteral& add(std::int64_t v) {
        next();
        m_text += std::to_string(v);
        return *this;
    }
    ArrayLiteral& add(int v) { return add(static_cast<std::int64_t>(v)); }
    ArrayLiteral& add(bool v) { return add(static_cast<std::int64_t>(v ? 1 : 0)); }
    std::string text() const { return m_text + '}'; }

  private:
    void next() { m_text += m_text.size() > 1 ? "," : ""; }
    std::string m_text = "{";
};

PgResult exec(PGconn* conn, const std::string& sql, const Params& params = Params()) {
    const std::vector<const char*> values = params.pointers();
    return PgResult(PQexecParams(conn, sql.c_str(), params.size(), nullptr,
                                 values.empty() ? nullptr : values.data(), nullptr, nullptr, 0),
                    conn);
}

// A query whose rows are handed to `row` one at a time as they arrive
// (libpq's single-row mode): the caller decodes a row while PostgreSQL still
// scans and sends the next ones, instead of waiting for the whole result.
// Returns the error, empty when every row came.
template <class OnRow>
std::string exec_rows(PGconn* conn, const std::string& sql, const Params& params, OnRow&& row) {
    const std::vector<const char*> values = params.pointers();
    if (!PQsendQueryParams(conn, sql.c_str(), params.size(), nullptr,
                           values.empty() ? nullptr : values.data(), nullptr, nullptr, 0) ||
        !PQsetSingleRowMode(conn)) {
        const std::string error = trimmed(PQerrorMessage(conn));
        while (PGresult* r = PQgetResult(conn))
            PQclear(r);
        return error.empty() ? "cannot send the query" : error;
    }
    std::string error;
    // Read to the end even after an error, so the connection is idle again.
    while (PGresult* raw = PQgetResult(conn)) {
        const PgResult r(raw, conn);
        if (r.single_row()) {
            if (error.empty()) row(r);
        } else if (!r.ok() && error.empty()) {
            error = r.error();
            if (error.empty()) error = "the query failed";
        }
    }
    return error;
}

// Several statements, no parameters (schema migrations).
PgResult exec_script(PGconn* conn, const char* sql) {
    return PgResult(PQexec(conn, sql), conn);
}

Status fail(const std::string& what, const PgResult& r) {
    return Status::failure(what + ": " + r.error());
}

// A transaction that rolls back unless committed.
class Transaction {
  public:
    explicit Transaction(PGconn* conn) : m_conn(conn) {
        PgResult r = exec(conn, "BEGIN");
        if (!r.ok()) m_status = Status::failure(r.error());
    }
    ~Transaction() {
        if (m_status.ok() && !m_done) (void)exec(m_conn, "ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    const Status& begun() const { return m_status; }
    Status commit() {
        PgResult r = exec(m_conn, "COMMIT");
        m_done = true; // committed, or rolled back by the failed COMMIT
        if (!r.ok()) return Status::failure(r.error());
        return Status::success();
    }

  private:
    PGconn* m_conn;
    Status m_status;
    bool m_done = false;
};

} // namespace

// --- The connection pool ---

// Up to `max` connections, opened on demand and reused. A connection found
// broken when it is returned is dropped; one that broke while it sat idle
// (PostgreSQL restarted, its backend terminated) is found out when it is
// next taken and replaced by a new one, so no call fails on it.
class PostgresConnectionPool {
  public:
    PostgresConnectionPool(std::string url, std::size_t max) : m_url(std::move(url)), m_max(max) {}

    // A connection for the duration of one call; returned on destruction.
    class Lease {
      public:
        Lease(PostgresConnectionPool* pool, ConnPtr conn) : m_pool(pool), m_conn(std::move(conn)) {}
        ~Lease() {
            if (m_pool) m_pool->give_back(std::move(m_conn));
        }
        Lease(Lease&& o) noexcept : m_pool(o.m_pool), m_conn(std::move(o.m_conn)) {
            o.m_pool = nullptr;
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        PGconn* get() const { return m_conn.get(); }

      private:
        PostgresConnectionPool* m_pool;
        ConnPtr m_conn;
    };

    Result<Lease> acquire() {
        {
            ConnPtr idle;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_cv.wait(lock, [this] { return !m_idle.empty() || m_open < m_max; });
                if (!m_idle.empty()) {
                    idle = std::move(m_idle.back());
                    m_idle.pop_back();
                } else {
                    ++m_open; // reserved; connected below, outside the lock
                }
            }
            if (idle && still_connected(idle.get())) return Lease(this, std::move(idle));
            // A broken idle connection keeps its place for the new one.
        }
        auto c = connect();
        if (!c) {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_open;
            m_cv.notify_one();
            return Error{c.error()};
        }
        return Lease(this, std::move(c).value());
    }

  private:
    // Is an idle connection still up? Nothing is sent to one (no LISTEN),
    // so anything to read means the server spoke first, and the one thing it
    // says unasked is why it is closing the connection (shutting down, the
    // backend terminated), followed by the end of the stream, which may not
    // have arrived yet: either way the connection is going away.
    static bool still_connected(PGconn* c) {
        if (PQstatus(c) != CONNECTION_OK) return false;
        pollfd p{PQsocket(c), POLLIN, 0};
        return poll(&p, 1, 0) == 0;
    }

    Result<ConnPtr> connect() const {
        ConnPtr c(PQconnectdb(m_url.c_str()));
        if (!c) return Error{"cannot connect to PostgreSQL at " + redact_postgres_url(m_url) +
                             ": out of memory"};
        if (PQstatus(c.get()) != CONNECTION_OK)
            return Error{"cannot connect to PostgreSQL at " + redact_postgres_url(m_url) + ": " +
                         trimmed(PQerrorMessage(c.get()))};
        // Notices (e.g. "relation already exists, skipping") are not errors.
        PQsetNoticeProcessor(c.get(), [](void*, const char*) {}, nullptr);
        if (PQsetClientEncoding(c.get(), "UTF8") != 0)
            return Error{"PostgreSQL at " + redact_postgres_url(m_url) +
                         ": cannot use UTF-8: " + trimmed(PQerrorMessage(c.get()))};
        // An answered batch must survive a crash of the database server: a
        // role or database configured with synchronous_commit off is
        // overridden for this connection (local, on or stronger are kept).
        PgResult sc = exec(c.get(), "SELECT current_setting('synchronous_commit')");
        if (!sc.ok())
            return Error{"PostgreSQL at " + redact_postgres_url(m_url) + ": " + sc.error()};
        if (sc.text(0, 0) == "off") {
            PgResult set = exec(c.get(), "SET synchronous_commit TO on");
            if (!set.ok())
                return Error{"PostgreSQL at " + redact_postgres_url(m_url) + ": " + set.error()};
        }
        return c;
    }

    void give_back(ConnPtr c) {
        std::lock_guard<std::mutex> lock(m_mutex);
        // A connection left inside a transaction or broken is not reused.
        if (c && PQstatus(c.get()) == CONNECTION_OK &&
            PQtransactionStatus(c.get()) == PQTRANS_IDLE)
            m_idle.push_back(std::move(c));
        else
            --m_open;
        m_cv.notify_one();
    }

    const std::string m_url;
    const std::size_t m_max;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<ConnPtr> m_idle;
    std::size_t m_open = 0;
};

std::string redact_postgres_url(const std::string& url) {
    std::string out = url;
    const std::size_t scheme = out.find("://");
    if (scheme != std::string::npos) {
        const std::size_t start = scheme + 3;
        const std::size_t end = out.find_first_of("/?", start);
        const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
        if (at != std::string::npos && at >= start) {
            const std::size_t colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    const std::size_t pw = out.find("password=");
    if (pw != std::string::npos) {
        const std::size_t value = pw + 9;
        const std::size_t end = out.find('&', value);
        out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
}

namespace {

const char* role_name(ApiKeyRole r) {
    return r == ApiKeyRole::head_office ? "head-office" : "store";
}

constexpr const char* k_device_columns = "id, name, store_id, touch_point, enrolled_utc_ms, "
                                         "revoked_utc_ms, last_seen_utc_ms, health_json";

DeviceRecord read_device(const PgResult& r, int row) {
    DeviceRecord d;
    d.id = r.text(row, 0);
    d.name = r.text(row, 1);
    d.store_id = r.text(row, 2);
    d.touch_point = r.text(row, 3);
    d.enrolled_utc_ms = r.int64(row, 4);
    d.revoked_utc_ms = r.opt_int64(row, 5);
    d.last_seen_utc_ms = r.opt_int64(row, 6);
    d.health_json = r.text(row, 7);
    return d;
}

ApiKeyRecord read_api_key(const PgResult& r, int row) {
    ApiKeyRecord k;
    k.id = r.text(row, 0);
    k.role = r.text(row, 1) == "head-office" ? ApiKeyRole::head_office : ApiKeyRole::store;
    k.store_id = r.text(row, 2);
    k.created_utc_ms = r.int64(row, 3);
    k.revoked_utc_ms = r.opt_int64(row, 4);
    return k;
}

constexpr const char* k_touch_point_columns =
    "key, store_id, name, settings_json, survey_json, updated_utc_ms";

TouchPointRecord read_touch_point(const PgResult& r, int row) {
    return TouchPointRecord{r.text(row, 0), r.text(row, 1), r.text(row, 2),
                            r.text(row, 3), r.text(row, 4), r.int64(row, 5)};
}

// The schema, one step per version, the same steps as the SQLite backend's
// (so both report the same version for the same tables). Text compares
// byte-wise (COLLATE "C") as in SQLite, whatever the database's locale, so
// days, keys and ids sort the same on both backends. Flags are integers 0/1.
const char* const k_migrations[] = {
    R"sql(
CREATE TABLE stores (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    time_zone TEXT COLLATE "C" NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
CREATE TABLE touch_points (
    key TEXT COLLATE "C" PRIMARY KEY,
    store_id TEXT COLLATE "C" NOT NULL REFERENCES stores(id),
    name TEXT COLLATE "C" NOT NULL,
    settings_json TEXT COLLATE "C" NOT NULL,
    survey_json TEXT COLLATE "C",
    updated_utc_ms BIGINT NOT NULL
);
CREATE TABLE enrollment_codes (
    code_hash TEXT COLLATE "C" PRIMARY KEY,
    touch_point TEXT COLLATE "C" NOT NULL REFERENCES touch_points(key),
    created_utc_ms BIGINT NOT NULL,
    expires_utc_ms BIGINT NOT NULL,
    used_utc_ms BIGINT,
    used_by_device TEXT COLLATE "C"
);
CREATE TABLE devices (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    store_id TEXT COLLATE "C" NOT NULL REFERENCES stores(id),
    touch_point TEXT COLLATE "C" NOT NULL REFERENCES touch_points(key),
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    enrolled_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT,
    last_seen_utc_ms BIGINT,
    health_json TEXT COLLATE "C"
);
CREATE TABLE api_keys (
    id TEXT COLLATE "C" PRIMARY KEY,
    key_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('head-office', 'store')),
    store_id TEXT COLLATE "C" REFERENCES stores(id),
    created_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT
);
CREATE TABLE responses (
    id TEXT COLLATE "C" PRIMARY KEY,
    device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
    store_id TEXT COLLATE "C" NOT NULL REFERENCES stores(id),
    touch_point TEXT COLLATE "C" NOT NULL REFERENCES touch_points(key),
    survey_id TEXT COLLATE "C" NOT NULL,
    survey_version INTEGER NOT NULL,
    question_id TEXT COLLATE "C" NOT NULL,
    scale TEXT COLLATE "C" NOT NULL,
    score INTEGER NOT NULL,
    reasons_json TEXT COLLATE "C" NOT NULL,
    comment TEXT COLLATE "C" NOT NULL,
    language TEXT COLLATE "C" NOT NULL,
    utc_ms BIGINT NOT NULL,
    local_time TEXT COLLATE "C" NOT NULL,
    local_day TEXT COLLATE "C" NOT NULL,
    local_hour INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    misuse INTEGER NOT NULL,
    device_clock_suspect INTEGER NOT NULL,
    server_clock_suspect INTEGER NOT NULL,
    received_utc_ms BIGINT NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL
);
CREATE INDEX responses_store_day ON responses (store_id, local_day);
CREATE INDEX responses_touch_point_day ON responses (touch_point, local_day);
CREATE INDEX responses_received ON responses (received_utc_ms);
)sql",
    R"sql(
ALTER TABLE responses ADD COLUMN seq BIGINT;
UPDATE responses SET seq = numbered.n FROM
    (SELECT id, row_number() OVER (ORDER BY received_utc_ms, id) AS n FROM responses) AS numbered
    WHERE responses.id = numbered.id;
ALTER TABLE responses ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX responses_seq ON responses (seq);
CREATE INDEX responses_store_seq ON responses (store_id, seq);
CREATE INDEX responses_touch_point_seq ON responses (touch_point, seq);
CREATE INDEX responses_utc ON responses (utc_ms);
DROP INDEX responses_store_day;
DROP INDEX responses_touch_point_day;
DROP INDEX responses_received;
CREATE TABLE counters (
    name TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) SELECT 'response_seq', coalesce(max(seq), 0) FROM responses;
CREATE TABLE response_rollup (
    store_id TEXT COLLATE "C" NOT NULL,
    touch_point TEXT COLLATE "C" NOT NULL,
    local_day TEXT COLLATE "C" NOT NULL,
    local_hour INTEGER NOT NULL,
    scale TEXT COLLATE "C" NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, local_hour, scale, score, misuse)
);
INSERT INTO response_rollup (store_id, touch_point, local_day, local_hour, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse, count(*)
    FROM responses GROUP BY store_id, touch_point, local_day, local_hour, scale, score, misuse;
CREATE TABLE erased_responses (
    id TEXT COLLATE "C" PRIMARY KEY,
    store_id TEXT COLLATE "C" NOT NULL,
    erased_utc_ms BIGINT NOT NULL
);
)sql",
    R"sql(
CREATE TABLE response_rollup_daily (
    store_id TEXT COLLATE "C" NOT NULL,
    touch_point TEXT COLLATE "C" NOT NULL,
    local_day TEXT COLLATE "C" NOT NULL,
    scale TEXT COLLATE "C" NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, scale, score, misuse)
);
INSERT INTO response_rollup_daily (store_id, touch_point, local_day, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, scale, score, misuse, sum(n)
    FROM response_rollup GROUP BY store_id, touch_point, local_day, scale, score, misuse;
)sql",
    R"sql(
CREATE TABLE server_secrets (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
)sql",
    R"sql(
CREATE TABLE touch_point_history (
    touch_point TEXT COLLATE "C" NOT NULL REFERENCES touch_points(key),
    changed_utc_ms BIGINT NOT NULL,
    settings_json TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (touch_point, changed_utc_ms)
);
INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json)
    SELECT key, 0, settings_json FROM touch_points;
)sql",
};

// Adds a version of a touch point's settings unless they are its newest
// version already (a second change within one millisecond replaces the first).
constexpr const char* k_record_settings_sql =
    "INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json) "
    "SELECT $1::TEXT, $2::BIGINT, $3::TEXT WHERE $3::TEXT IS DISTINCT FROM (SELECT settings_json "
    "FROM touch_point_history WHERE touch_point = $1::TEXT ORDER BY changed_utc_ms DESC LIMIT 1) "
    "ON CONFLICT (touch_point, changed_utc_ms) DO UPDATE SET settings_json = excluded.settings_json";

Status record_settings(PGconn* c, const TouchPointRecord& t) {
    Params p;
    p.add(t.key).add(t.updated_utc_ms).add(t.settings_json);
    PgResult r = exec(c, k_record_settings_sql, p);
    if (!r.ok()) return Status::failure("cannot keep the settings' history: " + r.error());
    return Status::success();
}

// Serialises schema migrations of instances starting at once.
constexpr const char* k_migration_lock = "SELECT pg_advisory_xact_lock(7411370240)";

StoredResponse read_response(const PgResult& s, int row) {
    StoredResponse out;
    Response& r = out.response;
    r.id = s.text(row, 0);
    r.device_id = s.text(row, 1);
    out.store_id = s.text(row, 2);
    r.touch_point = s.text(row, 3);
    r.survey_id = s.text(row, 4);
    r.survey_version = static_cast<int>(s.int64(row, 5));
    r.question_id = s.text(row, 6);
    r.scale = scale_from_string(s.text(row, 7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(s.int64(row, 8));
    read_reasons_json(s.text(row, 9), r.reasons);
    r.comment = s.text(row, 10);
    r.language = s.text(row, 11);
    r.utc_ms = s.int64(row, 12);
    r.local_time = s.text(row, 13);
    r.local_day = s.text(row, 14);
    r.local_hour = static_cast<int>(s.int64(row, 15));
    r.sequence = s.int64(row, 16);
    r.misuse = s.int64(row, 17) != 0;
    out.device_clock_suspect = s.int64(row, 18) != 0;
    out.server_clock_suspect = s.int64(row, 19) != 0;
    r.clock_suspect = out.device_clock_suspect || out.server_clock_suspect;
    r.closed = true;
    r.sync_state = SyncState::synced;
    out.received_utc_ms = s.int64(row, 20);
    out.seq = s.int64(row, 21);
    return out;
}

// The WHERE clause of a filter over `responses` or a roll-up, its parameters
// appended to `params` ($1, $2, ... in order).
std::string where_of(const ResponseFilter& f, bool with_seq, bool with_misuse, Params& params) {
    std::string sql;
    auto add = [&sql, &params](const std::string& clause) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += clause + "$" + std::to_string(params.size());
    };
    if (!f.store_id.empty()) {
        params.add(f.store_id);
        add("store_id = ");
    }
    if (!f.touch_point.empty()) {
        params.add(f.touch_point);
        add("touch_point = ");
    }
    if (!f.from_day.empty()) {
        params.add(f.from_day);
        add("local_day >= ");
    }
    if (!f.to_day.empty()) {
        params.add(f.to_day);
        add("local_day <= ");
    }
    if (with_misuse && !f.include_misuse) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += "misuse = 0";
    }
    if (with_seq) {
        params.add(f.after_seq);
        add("seq > ");
        params.add(f.up_to_seq);
        add("seq <= ");
    }
    return sql;
}

// A roll-up cell's key: (store, touch point, day, hour, scale, score, misuse);
// the hour is -1 for the daily roll-up.
using CellKey = std::tuple<std::string, std::string, std::string, int, std::string, int, int>;
using CellCounts = std::map<CellKey, std::int64_t>;

// Adds (sign > 0) or takes away (sign < 0) each cell's count in the hourly
// and the daily roll-up, dropping cells that reach zero. Cells are touched in
// one global order (all hourly cells in key order, then all daily ones), so
// concurrent batches, erasures and pruning do not deadlock on them. Adding is
// one statement per roll-up (the cells unnested in key order); taking away,
// which erasure and pruning do, a statement or two per cell. On failure
// `sqlstate` tells why.
Status apply_rollup(PGconn* conn, const CellCounts& hourly, int sign, std::string& sqlstate) {
    CellCounts daily;
    for (const auto& [k, n] : hourly) {
        CellKey d = k;
        std::get<3>(d) = -1;
        daily[d] += n;
    }
    for (int pass = 0; pass < 2; ++pass) {
        const bool hour = pass == 0;
        const CellCounts& cells = hour ? hourly : daily;
        const std::string table = hour ? "response_rollup" : "response_rollup_daily";
        const std::vector<std::string> cols =
            hour ? std::vector<std::string>{"store_id", "touch_point", "local_day", "local_hour",
                                            "scale", "score", "misuse"}
                 : std::vector<std::string>{"store_id", "touch_point", "local_day", "scale",
                                            "score", "misuse"};
        // The key columns as $first, $first+1, ... (integers cast: libpq sends text).
        auto key = [&cols](int first, const char* sep, bool assign) {
            std::string out;
            for (std::size_t i = 0; i < cols.size(); ++i) {
                if (i) out += sep;
                if (assign) out += cols[i] + " = ";
                out += "$" + std::to_string(first + static_cast<int>(i));
                const bool integer = cols[i] == "local_hour" || cols[i] == "score" ||
                                     cols[i] == "misuse";
                if (integer) out += "::INTEGER";
            }
            return out;
        };
        std::string col_list;
        for (std::size_t i = 0; i < cols.size(); ++i)
            col_list += (i ? ", " : "") + cols[i];
        if (sign > 0) {
            // Every cell's key column and count as arrays, unnested in key order.
            std::vector<ArrayLiteral> arrays(cols.size() + 1);
            std::size_t counted_cells = 0;
            for (const auto& [k, n] : cells) {
                if (n == 0) continue;
                ++counted_cells;
                std::size_t i = 0;
                arrays[i++].add(std::get<0>(k));
                arrays[i++].add(std::get<1>(k));
                arrays[i++].add(std::get<2>(k));
                if (hour) arrays[i++].add(std::get<3>(k));
                arrays[i++].add(std::get<4>(k));
                arrays[i++].add(std::get<5>(k));
                arrays[i++].add(std::get<6>(k));
                arrays[i].add(n);
            }
            if (counted_cells == 0) continue;
            Params counted;
            std::string unnest;
            for (std::size_t i = 0; i < arrays.size(); ++i) {
                counted.add(arrays[i].text());
                const bool count = i == cols.size();
                const bool integer = !count && (cols[i] == "local_hour" || cols[i] == "score" ||
                                                cols[i] == "misuse");
                unnest += (i ? ", $" : "$") + std::to_string(i + 1);
                unnest += count ? "::BIGINT[]" : integer ? "::INTEGER[]" : "::TEXT[]";
            }
            const std::string add_sql = "INSERT INTO " + table + " (" + col_list + ", n) SELECT " +
                                        col_list + ", n FROM unnest(" + unnest +
                                        ") WITH ORDINALITY AS cell (" + col_list +
                                        ", n, ord) ORDER BY ord ON CONFLICT (" + col_list +
                                        ") DO UPDATE SET n = " + table + ".n + EXCLUDED.n";
            PgResult r = exec(conn, add_sql, counted);
            if (!r.ok()) {
                sqlstate = r.sqlstate();
                return fail("cannot update the roll-up", r);
            }
            continue;
        }
        const std::string sub_sql =
            "UPDATE " + table + " SET n = n - $1::BIGINT WHERE " + key(2, " AND ", true);
        const std::string drop_sql =
            "DELETE FROM " + table + " WHERE " + key(1, " AND ", true) + " AND n <= 0";
        for (const auto& [k, n] : cells) {
            if (n == 0) continue;
            Params cell;
            cell.add(std::get<0>(k)).add(std::get<1>(k)).add(std::get<2>(k));
            if (hour) cell.add(std::get<3>(k));
            cell.add(std::get<4>(k)).add(std::get<5>(k)).add(std::get<6>(k));
            Params counted;
            counted.add(n);
            counted.append(cell);
            PgResult r = exec(conn, sub_sql, counted);
            if (r.ok()) r = exec(conn, drop_sql, cell);
            if (!r.ok()) {
                sqlstate = r.sqlstate();
                return fail("cannot update the roll-up", r);
            }
        }
    }
    return Status::success();
}

bool retryable(const std::string& sqlstate) {
    return sqlstate == k_serialization_failure || sqlstate == k_deadlock_detected;
}

} // namespace

int postgres_schema_version() {
    return static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);
}

// --- Opening and migrating ---

PostgresStorage::PostgresStorage(std::unique_ptr<PostgresConnectionPool> pool)
    : m_pool(std::move(pool)) {}

PostgresStorage::~PostgresStorage() = default;

Result<std::unique_ptr<PostgresStorage>> PostgresStorage::open(const std::string& url,
                                                               std::size_t max_connections) {
    auto pool =
        std::make_unique<PostgresConnectionPool>(url, max_connections ? max_connections : 1);
    {
        // Connect once now, so an unreachable database is reported at start.
        auto conn = pool->acquire();
        if (!conn) return Error{conn.error()};
    }
    std::unique_ptr<PostgresStorage> s(new PostgresStorage(std::move(pool)));
    if (auto st = s->migrate(); !st) return Error{redact_postgres_url(url) + ": " + st.error()};
    return s;
}

Status PostgresStorage::migrate() {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    PGconn* c = conn->get();
    Transaction tx(c);
    if (!tx.begun()) return Status::failure("cannot start the schema migration: " +
                                            tx.begun().error());
    if (PgResult r = exec(c, k_migration_lock); !r.ok())
        return fail("cannot lock the schema for migration", r);
    if (PgResult r = exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !r.ok())
        return fail("cannot create the schema version table", r);
    PgResult v = exec(c, "SELECT version FROM schema_version");
    if (!v.ok()) return fail("cannot read the schema version", v);
    const bool has_row = v.rows() > 0;
    const int have = has_row ? static_cast<int>(v.int64(0, 0)) : 0;
    const int want = static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);
    if (Status st = check_schema_version(have, want); !st) return st;
    for (int i = have; i < want; ++i) {
        if (PgResult r = exec_script(c, k_migrations[i]); !r.ok())
            return fail("schema migration " + std::to_string(i + 1) + " failed", r);
    }
    if (have != want || !has_row) {
        Params p;
        p.add(want);
        PgResult r = exec(c,
                          has_row ? "UPDATE schema_version SET version = $1"
                                  : "INSERT INTO schema_version (version) VALUES ($1)",
                          p);
        if (!r.ok()) return fail("cannot set the schema version", r);
    }
    return tx.commit();
}

Status PostgresStorage::check() {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    PgResult r = exec(conn->get(), "SELECT count(*) FROM stores");
    if (!r.ok()) return fail("database check failed", r);
    const std::optional<StorageFailure> failed = m_write_failure.last();
    if (!failed) return Status::success();
    // A batch or heartbeat failed and none has committed since: a
    // transaction that changes nothing must commit now.
    Transaction tx(conn->get());
    PgResult touch(nullptr, conn->get());
    if (tx.begun())
        touch = exec(conn->get(), "UPDATE counters SET value = value WHERE name = 'response_seq'");
    if (!tx.begun() || !touch.ok()) {
        note_write_failure(touch.sqlstate(), tx.begun() ? touch.error() : tx.begun().error());
        return Status::failure(m_write_failure.last()->reason);
    }
    if (Status st = tx.commit(); !st) {
        note_write_failure("", st.error());
        return Status::failure(m_write_failure.last()->reason);
    }
    m_write_failure.clear();
    return Status::success();
}

std::optional<StorageFailure> PostgresStorage::last_write_failure() {
    return m_write_failure.last();
}

void PostgresStorage::note_write_failure(const std::string& sqlstate, const std::string& error) {
    constexpr const char* k_disk_full = "53100";
    if (sqlstate == k_disk_full)
        m_write_failure.failed(StorageFailure::Kind::disk_full,
                               "the database disk is full (" + error + ")");
    else
        m_write_failure.failed(StorageFailure::Kind::unavailable,
                               "the database cannot be written (" + error + ")");
}

// --- Administration ---

Status PostgresStorage::create_store(const StoreRecord& st, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(st.id).add(st.name).add(st.time_zone).add(now_ms);
    PgResult r = exec(conn->get(),
                      "INSERT INTO stores (id, name, time_zone, created_utc_ms) "
                      "VALUES ($1, $2, $3, $4)",
                      p);
    if (r.sqlstate() == k_unique_violation)
        return Status::failure("store \"" + st.id + "\" already exists");
    if (!r.ok()) return fail("cannot create the store", r);
    return Status::success();
}

Result<StoreRecord> PostgresStorage::store(const std::string& id) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(id);
    PgResult r = exec(conn->get(), "SELECT id, name, time_zone FROM stores WHERE id = $1", p);
    if (!r.ok()) return Error{"cannot read the store: " + r.error()};
    if (r.rows() == 0) return Error{"no store \"" + id + "\""};
    return StoreRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2)};
}

Result<std::vector<StoreRecord>> PostgresStorage::list_stores() {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PgResult r = exec(conn->get(), "SELECT id, name, time_zone FROM stores ORDER BY id", Params{});
    if (!r.ok()) return Error{"cannot list the stores: " + r.error()};
    std::vector<StoreRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(StoreRecord{r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
}

Status PostgresStorage::create_touch_point(const TouchPointRecord& t) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Transaction tx(conn->get());
    if (!tx.begun()) return Status::failure("cannot create the touch point: " + tx.begun().error());
    Params p;
    p.add(t.key).add(t.store_id).add(t.name).add(t.settings_json);
    p.add_text_or_null(t.survey_json).add(t.updated_utc_ms);
    PgResult r = exec(conn->get(),
                      "INSERT INTO touch_points (key, store_id, name, settings_json, survey_json, "
                      "updated_utc_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                      p);
    if (r.sqlstate() == k_unique_violation)
        return Status::failure("touch point \"" + t.key + "\" already exists");
    if (r.sqlstate() == k_foreign_key_violation)
        return Status::failure("no store \"" + t.store_id + "\"");
    if (!r.ok()) return fail("cannot create the touch point", r);
    if (Status st = record_settings(conn->get(), t); !st) return st;
    return tx.commit();
}

Result<TouchPointRecord> PostgresStorage::touch_point(const std::string& key) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(key);
    PgResult r = exec(conn->get(),
                      std::string("SELECT ") + k_touch_point_columns +
                          " FROM touch_points WHERE key = $1",
                      p);
    if (!r.ok()) return Error{"cannot read the touch point: " + r.error()};
    if (r.rows() == 0) return Error{"no touch point \"" + key + "\""};
    return read_touch_point(r, 0);
}

Status PostgresStorage::update_touch_point(const TouchPointRecord& t) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(t.name).add(t.settings_json).add_text_or_null(t.survey_json);
    p.add(t.updated_utc_ms).add(t.key);
    Transaction tx(conn->get());
    if (!tx.begun()) return Status::failure("cannot update the touch point: " + tx.begun().error());
    PgResult r = exec(conn->get(),
                      "UPDATE touch_points SET name = $1, settings_json = $2, survey_json = $3, "
                      "updated_utc_ms = $4 WHERE key = $5",
                      p);
    if (!r.ok()) return fail("cannot update the touch point", r);
    if (r.affected() == 0) return Status::failure("no touch point \"" + t.key + "\"");
    if (Status st = record_settings(conn->get(), t); !st) return st;
    return tx.commit();
}

Status PostgresStorage::create_enrollment_code(const std::string& code_hash,
                                               const std::string& touch_point,
                                               std::int64_t now_ms, std::int64_t expires_utc_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(code_hash).add(touch_point).add(now_ms).add(expires_utc_ms);
    PgResult r = exec(conn->get(),
                      "INSERT INTO enrollment_codes (code_hash, touch_point, created_utc_ms, "
                      "expires_utc_ms) VALUES ($1, $2, $3, $4)",
                      p);
    if (r.sqlstate() == k_foreign_key_violation)
        return Status::failure("no touch point \"" + touch_point + "\"");
    if (!r.ok()) return fail("cannot create the enrolment code", r);
    return Status::success();
}

Status PostgresStorage::create_api_key(const ApiKeyRecord& k, const std::string& key_hash) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(k.id).add(key_hash).add(role_name(k.role)).add_text_or_null(k.store_id);
    p.add(k.created_utc_ms);
    PgResult r = exec(conn->get(),
                      "INSERT INTO api_keys (id, key_hash, role, store_id, created_utc_ms) "
                      "VALUES ($1, $2, $3, $4, $5)",
                      p);
    if (r.sqlstate() == k_foreign_key_violation)
        return Status::failure("no store \"" + k.store_id + "\"");
    if (!r.ok()) return fail("cannot create the API key", r);
    return Status::success();
}

Status PostgresStorage::revoke_device(const std::string& id, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(now_ms).add(id);
    PgResult r = exec(conn->get(),
                      "UPDATE devices SET revoked_utc_ms = coalesce(revoked_utc_ms, $1) "
                      "WHERE id = $2",
                      p);
    if (!r.ok()) return fail("cannot revoke the device", r);
    if (r.affected() == 0) return Status::failure("no device \"" + id + "\"");
    return Status::success();
}

Status PostgresStorage::revoke_api_key(const std::string& id, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Params p;
    p.add(now_ms).add(id);
    PgResult r = exec(conn->get(),
                      "UPDATE api_keys SET revoked_utc_ms = coalesce(revoked_utc_ms, $1) "
                      "WHERE id = $2",
                      p);
    if (!r.ok()) return fail("cannot revoke the API key", r);
    if (r.affected() == 0) return Status::failure("no API key \"" + id + "\"");
    return Status::success();
}

Result<std::vector<DeviceRecord>> PostgresStorage::list_devices(const std::string& store_id) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    if (!store_id.empty()) p.add(store_id);
    PgResult r = exec(conn->get(),
                      std::string("SELECT ") + k_device_columns + " FROM devices" +
                          (store_id.empty() ? "" : " WHERE store_id = $1") +
                          " ORDER BY store_id, touch_point, id",
                      p);
    if (!r.ok()) return Error{"cannot list the devices: " + r.error()};
    std::vector<DeviceRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read_device(r, i));
    return out;
}

Result<std::vector<TouchPointRecord>>
PostgresStorage::list_touch_points(const std::string& store_id) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    if (!store_id.empty()) p.add(store_id);
    PgResult r = exec(conn->get(),
                      std::string("SELECT ") + k_touch_point_columns + " FROM touch_points" +
                          (store_id.empty() ? "" : " WHERE store_id = $1") + " ORDER BY key",
                      p);
    if (!r.ok()) return Error{"cannot list the touch points: " + r.error()};
    std::vector<TouchPointRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read_touch_point(r, i));
    return out;
}

Result<std::vector<TouchPointRecord>>
PostgresStorage::edit_touch_points(const std::string& store_id, const std::string& key,
                                   const std::function<Status(TouchPointRecord&)>& edit) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PGconn* c = conn->get();
    Transaction tx(c);
    if (!tx.begun()) return Error{"cannot start the change: " + tx.begun().error()};
    Params p;
    p.add(store_id).add(key);
    // Locked until commit: a concurrent edit waits and then sees this one's result.
    PgResult r = exec(c,
                      std::string("SELECT ") + k_touch_point_columns +
                          " FROM touch_points WHERE ($1 = '' OR store_id = $1) "
                          "AND ($2 = '' OR key = $2) ORDER BY key FOR UPDATE",
                      p);
    if (!r.ok()) return Error{"cannot read the touch points: " + r.error()};
    std::vector<TouchPointRecord> found;
    for (int i = 0; i < r.rows(); ++i)
        found.push_back(read_touch_point(r, i));
    for (TouchPointRecord& t : found) {
        if (Status st = edit(t); !st) return Error{st.error()};
        Params u;
        u.add(t.name).add(t.settings_json).add_text_or_null(t.survey_json);
        u.add(t.updated_utc_ms).add(t.key);
        PgResult upd = exec(c,
                            "UPDATE touch_points SET name = $1, settings_json = $2, "
                            "survey_json = $3, updated_utc_ms = $4 WHERE key = $5",
                            u);
        if (!upd.ok()) return Error{"cannot update touch point " + t.key + ": " + upd.error()};
        if (Status st = record_settings(c, t); !st) return Error{st.error()};
    }
    if (auto st = tx.commit(); !st) return Error{"cannot commit the change: " + st.error()};
    return found;
}

Result<std::vector<TouchPointChange>>
PostgresStorage::touch_point_history(const std::string& store_id) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(store_id);
    PgResult r = exec(conn->get(),
                      "SELECT h.touch_point, h.changed_utc_ms, h.settings_json "
                      "FROM touch_point_history h JOIN touch_points t ON t.key = h.touch_point "
                      "WHERE $1 = '' OR t.store_id = $1 ORDER BY h.touch_point, h.changed_utc_ms",
                      p);
    if (!r.ok()) return Error{"cannot read the touch points' history: " + r.error()};
    std::vector<TouchPointChange> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0), r.int64(i, 1), r.text(i, 2)});
    return out;
}

Result<std::vector<ApiKeyRecord>> PostgresStorage::list_api_keys() {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PgResult r = exec(conn->get(), "SELECT id, role, store_id, created_utc_ms, revoked_utc_ms "
                                   "FROM api_keys ORDER BY created_utc_ms, id");
    if (!r.ok()) return Error{"cannot list the API keys: " + r.error()};
    std::vector<ApiKeyRecord> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read_api_key(r, i));
    return out;
}

// --- Devices ---

Result<EnrollOutcome> PostgresStorage::enroll(const std::string& code_hash,
                                              const NewDevice& device, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PGconn* c = conn->get();
    Transaction tx(c);
    if (!tx.begun()) return Error{"cannot start the enrolment: " + tx.begun().error()};
    EnrollOutcome out;

    Params cp;
    cp.add(code_hash);
    // Locked: of two instances enrolling with one code, the second waits and
    // then finds it used.
    PgResult code = exec(c,
                         "SELECT touch_point, expires_utc_ms, used_utc_ms FROM enrollment_codes "
                         "WHERE code_hash = $1 FOR UPDATE",
                         cp);
    if (!code.ok()) return Error{"cannot read the enrolment code: " + code.error()};
    if (code.rows() == 0) {
        out.status = EnrollStatus::unknown_code;
        return out;
    }
    if (!code.is_null(0, 2)) {
        out.status = EnrollStatus::used_code;
        return out;
    }
    if (now_ms >= code.int64(0, 1)) {
        out.status = EnrollStatus::expired_code;
        return out;
    }
    const std::string tp_key = code.text(0, 0);

    Params tpp;
    tpp.add(tp_key);
    PgResult tp = exec(c,
                       "SELECT t.key, t.store_id, t.name, t.settings_json, t.survey_json, "
                       "t.updated_utc_ms, s.name, s.time_zone FROM touch_points t "
                       "JOIN stores s ON s.id = t.store_id WHERE t.key = $1",
                       tpp);
    if (!tp.ok() || tp.rows() == 0)
        return Error{"the enrolment code's touch point is missing: " + tp.error()};
    out.touch_point = read_touch_point(tp, 0);
    out.store = {tp.text(0, 1), tp.text(0, 6), tp.text(0, 7)};

    Params up;
    up.add(now_ms).add(device.id).add(code_hash);
    PgResult use = exec(c,
                        "UPDATE enrollment_codes SET used_utc_ms = $1, used_by_device = $2 "
                        "WHERE code_hash = $3 AND used_utc_ms IS NULL",
                        up);
    if (!use.ok()) return Error{"cannot use the enrolment code: " + use.error()};
    if (use.affected() == 0) {
        out.status = EnrollStatus::used_code;
        return out;
    }

    Params ip;
    ip.add(device.id).add(device.name).add(out.store.id).add(tp_key);
    ip.add(device.token_hash).add(now_ms).add(now_ms);
    PgResult ins = exec(c,
                        "INSERT INTO devices (id, name, store_id, touch_point, token_hash, "
                        "enrolled_utc_ms, last_seen_utc_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        ip);
    if (!ins.ok()) return Error{"cannot create the device: " + ins.error()};
    if (auto st = tx.commit(); !st) return Error{"cannot commit the enrolment: " + st.error()};

    fill_enrolled(out, device, tp_key, now_ms);
    return out;
}

Result<std::optional<DeviceRecord>>
PostgresStorage::device_by_token_hash(const std::string& token_hash) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(token_hash);
    PgResult r = exec(conn->get(),
                      std::string("SELECT ") + k_device_columns +
                          " FROM devices WHERE token_hash = $1",
                      p);
    if (!r.ok()) return Error{"cannot look up the device: " + r.error()};
    if (r.rows() == 0) return std::optional<DeviceRecord>{};
    return std::optional<DeviceRecord>{read_device(r, 0)};
}

Result<std::optional<ApiKeyRecord>> PostgresStorage::api_key_by_hash(const std::string& key_hash) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(key_hash);
    PgResult r = exec(conn->get(),
                      "SELECT id, role, store_id, created_utc_ms, revoked_utc_ms FROM api_keys "
                      "WHERE key_hash = $1",
                      p);
    if (!r.ok()) return Error{"cannot look up the API key: " + r.error()};
    if (r.rows() == 0) return std::optional<ApiKeyRecord>{};
    return std::optional<ApiKeyRecord>{read_api_key(r, 0)};
}

namespace {

// One attempt at a batch; `sqlstate` is set when a statement failed.
Result<BatchOutcome> ingest_once(PGconn* c, const DeviceRecord& device,
                                 const std::vector<IncomingResponse>& responses,
                                 const std::string& health_json, std::int64_t now_ms,
                                 std::string& sqlstate) {
    auto failed = [&sqlstate](const std::string& what, const PgResult& r) {
        sqlstate = r.sqlstate();
        return Error{what + ": " + r.error()};
    };
    Transaction tx(c);
    if (!tx.begun()) return Error{"cannot start the batch: " + tx.begun().error()};
    BatchOutcome out;
    out.items.reserve(responses.size());

    std::int64_t seq = 0;
    std::int64_t first_seq = 0;
    if (!responses.empty()) {
        // The insertion sequence is a counter row locked until this batch
        // commits: batches that insert take their numbers one after another,
        // in commit order, so a reader's cursor never misses a later commit
        // (a SEQUENCE could hand a lower number to a later commit).
        PgResult r = exec(c, "SELECT value FROM counters WHERE name = 'response_seq' FOR UPDATE");
        if (!r.ok() || r.rows() != 1) return failed("cannot read the insertion sequence", r);
        seq = first_seq = r.int64(0, 0);
    }

    CellCounts cells;
    if (!responses.empty()) {
        // What is stored or erased already under the batch's ids: looked up
        // once the counter is locked, so no other batch inserts meanwhile
        // (erasure and pruning only take rows away).
        ArrayLiteral ids;
        for (const IncomingResponse& in : responses)
            ids.add(in.response.id);
        Params fp;
        fp.add(ids.text());
        PgResult found =
            exec(c,
                 "SELECT id, content_hash FROM responses WHERE id = ANY ($1::TEXT[]) "
                 "UNION ALL SELECT id, NULL FROM erased_responses WHERE id = ANY ($1::TEXT[])",
                 fp);
        if (!found.ok()) return failed("cannot look up the batch's responses", found);
        std::unordered_map<std::string, std::string> stored; // id -> content hash
        std::unordered_set<std::string> erased;
        for (int i = 0; i < found.rows(); ++i) {
            if (found.is_null(i, 1))
                erased.insert(found.text(i, 0));
            else
                stored.emplace(found.text(i, 0), found.text(i, 1));
        }

        // Then each response in order, as if inserted one by one: an erased
        // id is a duplicate never stored again, a stored one (or one earlier
        // in this batch) a duplicate or a conflict by its content hash, and
        // the rest new, numbered on from the counter.
        constexpr int k_columns = 18;
        std::array<ArrayLiteral, k_columns> col;
        for (const IncomingResponse& in : responses) {
            const Response& r = in.response;
            if (erased.count(r.id)) {
                out.items.push_back(IngestStatus::duplicate);
                continue;
            }
            if (auto it = stored.find(r.id); it != stored.end()) {
                out.items.push_back(it->second == in.content_hash ? IngestStatus::duplicate
                                                                  : IngestStatus::conflict);
                continue;
            }
            stored.emplace(r.id, in.content_hash);
            const std::string scale(to_string(r.scale));
            int i = 0;
            col[i++].add(r.id);
            col[i++].add(r.survey_id);
            col[i++].add(r.survey_version);
            col[i++].add(r.question_id);
            col[i++].add(scale);
            col[i++].add(r.score);
            col[i++].add(nlohmann::json(r.reasons).dump());
            col[i++].add(r.comment);
            col[i++].add(r.language);
            col[i++].add(r.utc_ms);
            col[i++].add(r.local_time);
            col[i++].add(r.local_day);
            col[i++].add(r.local_hour);
            col[i++].add(r.sequence);
            col[i++].add(r.misuse);
            col[i++].add(r.clock_suspect);
            col[i++].add(in.server_clock_suspect);
            col[i++].add(in.content_hash);
            ++seq;
            ++cells[CellKey{device.store_id, device.touch_point, r.local_day, r.local_hour, scale,
                            r.score, r.misuse ? 1 : 0}];
            out.items.push_back(IngestStatus::accepted);
        }
        if (seq != first_seq) {
            // One statement for all of them, numbered in batch order. No ON
            // CONFLICT: under the counter's lock an id found new above cannot
            // have been stored since, and if one were, failing the batch beats
            // a gap in the sequence.
            Params p;
            p.add(device.id).add(device.store_id).add(device.touch_point).add(now_ms);
            p.add(first_seq);
            for (const ArrayLiteral& a : col)
                p.add(a.text());
            PgResult ins = exec(
                c,
                "INSERT INTO responses (id, device_id, store_id, touch_point, survey_id, "
                "survey_version, question_id, scale, score, reasons_json, comment, language, "
                "utc_ms, local_time, local_day, local_hour, sequence, misuse, "
                "device_clock_suspect, server_clock_suspect, received_utc_ms, content_hash, seq) "
                "SELECT id, $1, $2, $3, survey_id, survey_version, question_id, scale, score, "
                "reasons_json, comment, language, utc_ms, local_time, local_day, local_hour, "
                "sequence, misuse, device_clock_suspect, server_clock_suspect, $4::BIGINT, "
                "content_hash, $5::BIGINT + ord FROM unnest($6::TEXT[], $7::TEXT[], "
                "$8::INTEGER[], $9::TEXT[], $10::TEXT[], $11::INTEGER[], $12::TEXT[], "
                "$13::TEXT[], $14::TEXT[], $15::BIGINT[], $16::TEXT[], $17::TEXT[], "
                "$18::INTEGER[], $19::BIGINT[], $20::INTEGER[], $21::INTEGER[], $22::INTEGER[], "
                "$23::TEXT[]) WITH ORDINALITY AS batch (id, survey_id, survey_version, "
                "question_id, scale, score, reasons_json, comment, language, utc_ms, local_time, "
                "local_day, local_hour, sequence, misuse, device_clock_suspect, "
                "server_clock_suspect, content_hash, ord) ORDER BY ord",
                p);
            if (!ins.ok()) return failed("cannot store the batch's responses", ins);
            if (ins.affected() != seq - first_seq)
                return Error{"stored " + std::to_string(ins.affected()) + " of " +
                             std::to_string(seq - first_seq) + " new responses"};
        }
    }
    if (Status st = apply_rollup(c, cells, +1, sqlstate); !st) return Error{st.error()};
    if (seq != first_seq) {
        Params sp;
        sp.add(seq);
        PgResult w = exec(c, "UPDATE counters SET value = $1 WHERE name = 'response_seq'", sp);
        if (!w.ok()) return failed("cannot advance the insertion sequence", w);
    }

    Params hp;
    hp.add(now_ms).add_text_or_null(health_json).add(device.id);
    PgResult seen = exec(c,
                         "UPDATE devices SET last_seen_utc_ms = $1, "
                         "health_json = coalesce($2, health_json) WHERE id = $3",
                         hp);
    if (!seen.ok()) return failed("cannot record the device's health", seen);
    if (auto st = tx.commit(); !st) return Error{"cannot commit the batch: " + st.error()};
    return out;
}

} // namespace

Result<BatchOutcome> PostgresStorage::ingest_batch(const DeviceRecord& device,
                                                   const std::vector<IncomingResponse>& responses,
                                                   const std::string& health_json,
                                                   std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) {
        note_write_failure("", conn.error());
        return Error{conn.error()};
    }
    // Lock order makes deadlocks unlikely; PostgreSQL still may abort a
    // transaction to break one, and then the whole batch is simply retried.
    constexpr int k_attempts = 3;
    for (int attempt = 1;; ++attempt) {
        std::string sqlstate;
        auto r = ingest_once(conn->get(), device, responses, health_json, now_ms, sqlstate);
        if (r) {
            m_write_failure.clear();
            return r;
        }
        if (attempt == k_attempts || !retryable(sqlstate)) {
            note_write_failure(sqlstate, r.error());
            return r;
        }
    }
}

Status PostgresStorage::record_heartbeat(const std::string& device_id,
                                         const std::string& health_json, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) {
        note_write_failure("", conn.error());
        return Status::failure(conn.error());
    }
    Params p;
    p.add(now_ms).add_text_or_null(health_json).add(device_id);
    PgResult r = exec(conn->get(),
                      "UPDATE devices SET last_seen_utc_ms = $1, "
                      "health_json = coalesce($2, health_json) WHERE id = $3",
                      p);
    if (!r.ok()) {
        note_write_failure(r.sqlstate(), r.error());
        return fail("cannot record the heartbeat", r);
    }
    if (r.affected() == 0) return Status::failure("no device \"" + device_id + "\"");
    m_write_failure.clear();
    return Status::success();
}

// --- Reading back ---

Result<std::optional<StoredResponse>> PostgresStorage::response(const std::string& id) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    Params p;
    p.add(id);
    PgResult r = exec(conn->get(),
                      std::string("SELECT ") + k_response_columns +
                          " FROM responses WHERE id = $1",
                      p);
    if (!r.ok()) return Error{"cannot read the response: " + r.error()};
    if (r.rows() == 0) return std::optional<StoredResponse>{};
    return std::optional<StoredResponse>{read_response(r, 0)};
}

Result<std::int64_t> PostgresStorage::response_count() {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PgResult r = exec(conn->get(), "SELECT count(*) FROM responses");
    if (!r.ok()) return Error{"cannot count the responses: " + r.error()};
    return r.int64(0, 0);
}

Result<std::int64_t> PostgresStorage::last_seq() {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PgResult r = exec(conn->get(), "SELECT value FROM counters WHERE name = 'response_seq'");
    if (!r.ok() || r.rows() != 1)
        return Error{"cannot read the insertion sequence: " + r.error()};
    return r.int64(0, 0);
}

Result<std::vector<StoredResponse>> PostgresStorage::list_responses(const ResponseFilter& filter,
                                                                    std::size_t limit) {
    Params p;
    const std::string where = where_of(filter, true, true, p);
    p.add(static_cast<std::int64_t>(limit));
    const std::string sql = std::string("SELECT ") + k_response_columns + " FROM responses" +
                            where + " ORDER BY seq LIMIT $" + std::to_string(p.size());
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    // Row by row: an export's pages are decoded while the scan goes on.
    std::vector<StoredResponse> out;
    out.reserve(std::min<std::size_t>(limit, 4096));
    const std::string error =
        exec_rows(conn->get(), sql, p, [&out](const PgResult& r) { out.push_back(read_response(r, 0)); });
    if (!error.empty()) return Error{"cannot list the responses: " + error};
    return out;
}

Result<std::vector<RollupCount>> PostgresStorage::rollup(const ResponseFilter& filter,
                                                         const SummaryGrouping& g) {
    // Summed per group in SQL, then laid out in the order the interface
    // promises (scales by their enum order, not by name) as in the SQLite
    // backend, which skips the same unknown scales and scores. Grouped by
    // touch point and day (or finer), a group is about one roll-up row, so
    // summing in SQL gains nothing (its hash table would even spill to disk):
    // the rows are read in key order, off the primary key, and summed here.
    Params p;
    const std::string where = where_of(filter, false, false, p);
    const std::string store = g.store ? "store_id" : "''::TEXT";
    const std::string tp = g.touch_point ? "touch_point" : "''::TEXT";
    const std::string day = g.day ? "local_day" : "''::TEXT";
    const std::string hour = g.hour ? "local_hour" : "-1";
    std::string group_by;
    for (const char* col : {g.store ? "store_id" : "", g.touch_point ? "touch_point" : "",
                            g.day ? "local_day" : "", g.hour ? "local_hour" : ""})
        if (*col) group_by += std::string(col) + ", ";
    const std::string table = g.hour ? "response_rollup" : "response_rollup_daily";
    const bool per_row = g.touch_point && g.day;
    const std::string sql =
        per_row ? "SELECT " + store + ", " + tp + ", " + day + ", " + hour +
                      ", scale, score, misuse, n FROM " + table + where +
                      " ORDER BY store_id, touch_point, local_day" + (g.hour ? ", local_hour" : "")
                : "SELECT " + store + ", " + tp + ", " + day + ", " + hour +
                      ", scale, score, misuse, sum(n) FROM " + table + where + " GROUP BY " +
                      group_by + "scale, score, misuse";
    RollupCells cells;
    {
        auto conn = m_pool->acquire();
        if (!conn) return Error{conn.error()};
        PgResult r = exec(conn->get(), sql, p);
        if (!r.ok()) return Error{"cannot read the roll-up: " + r.error()};
        for (int i = 0; i < r.rows(); ++i)
            cells.add(r.text(i, 0), r.text(i, 1), r.text(i, 2), static_cast<int>(r.int64(i, 3)),
                      r.text(i, 4), r.int64(i, 5), r.int64(i, 6) != 0, r.int64(i, 7));
    }
    return cells.counts();
}

Result<std::vector<ReasonCount>> PostgresStorage::reason_counts(const ResponseFilter& filter) {
    Params p;
    const std::string where = where_of(filter, false, true, p);
    const std::string sql = "SELECT touch_point, reasons_json FROM responses" + where +
                            (where.empty() ? " WHERE" : " AND") + " reasons_json <> '[]'";
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    ReasonTally tally;
    const std::string error = exec_rows(conn->get(), sql, p, [&tally](const PgResult& r) {
        tally.add(r.text(0, 0), r.text(0, 1));
    });
    if (!error.empty()) return Error{"cannot count the reasons: " + error};
    return tally.counts();
}

Result<std::vector<StoredResponse>> PostgresStorage::recent_comments(const ResponseFilter& filter,
                                                                     std::size_t per_touch_point) {
    Params p;
    const std::string where = where_of(filter, false, true, p);
    const std::string sql = std::string("SELECT ") + k_response_columns +
                            " FROM (SELECT *, row_number() OVER (PARTITION BY touch_point "
                            "ORDER BY utc_ms DESC, seq DESC) AS nth FROM responses" +
                            where + (where.empty() ? " WHERE" : " AND") +
                            " comment <> '') AS newest WHERE nth <= " +
                            std::to_string(per_touch_point) + " ORDER BY touch_point, nth";
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PgResult r = exec(conn->get(), sql, p);
    if (!r.ok()) return Error{"cannot read the comments: " + r.error()};
    std::vector<StoredResponse> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read_response(r, i));
    return out;
}

// --- Erasing ---

Result<EraseStatus> PostgresStorage::erase_response(const std::string& id, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PGconn* c = conn->get();
    Transaction tx(c);
    if (!tx.begun()) return Error{"cannot start the erasure: " + tx.begun().error()};
    Params p;
    p.add(id);
    PgResult del = exec(c,
                        "DELETE FROM responses WHERE id = $1 RETURNING store_id, touch_point, "
                        "local_day, local_hour, scale, score, misuse",
                        p);
    if (!del.ok()) return Error{"cannot erase the response: " + del.error()};
    if (del.rows() == 0) {
        PgResult gone = exec(c, "SELECT 1 FROM erased_responses WHERE id = $1", p);
        if (!gone.ok()) return Error{"cannot look up the response: " + gone.error()};
        return gone.rows() > 0 ? EraseStatus::already_erased : EraseStatus::not_found;
    }
    CellCounts cells;
    cells[CellKey{del.text(0, 0), del.text(0, 1), del.text(0, 2),
                  static_cast<int>(del.int64(0, 3)), del.text(0, 4),
                  static_cast<int>(del.int64(0, 5)), static_cast<int>(del.int64(0, 6))}] = 1;
    std::string sqlstate;
    if (Status st = apply_rollup(c, cells, -1, sqlstate); !st) return Error{st.error()};
    Params tp;
    tp.add(id).add(del.text(0, 0)).add(now_ms);
    PgResult tomb = exec(c,
                         "INSERT INTO erased_responses (id, store_id, erased_utc_ms) "
                         "VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                         tp);
    if (!tomb.ok()) return Error{"cannot keep the tombstone: " + tomb.error()};
    if (auto st = tx.commit(); !st) return Error{"cannot commit the erasure: " + st.error()};
    return EraseStatus::erased;
}

Result<std::int64_t> PostgresStorage::prune_responses(std::int64_t cutoff_utc_ms) {
    // Short transactions of a few thousand rows each, so batches keep flowing
    // while a large backlog is pruned.
    constexpr std::int64_t k_chunk = 5000;
    std::int64_t total = 0;
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PGconn* c = conn->get();
    for (;;) {
        Transaction tx(c);
        if (!tx.begun()) return Error{"cannot start pruning: " + tx.begun().error()};
        Params p;
        p.add(cutoff_utc_ms).add(k_chunk);
        PgResult del = exec(c,
                            "DELETE FROM responses WHERE id IN (SELECT id FROM responses "
                            "WHERE utc_ms < $1 ORDER BY utc_ms LIMIT $2 FOR UPDATE) "
                            "RETURNING store_id, touch_point, local_day, local_hour, scale, "
                            "score, misuse",
                            p);
        if (!del.ok()) return Error{"cannot prune responses: " + del.error()};
        CellCounts cells;
        for (int i = 0; i < del.rows(); ++i)
            ++cells[CellKey{del.text(i, 0), del.text(i, 1), del.text(i, 2),
                            static_cast<int>(del.int64(i, 3)), del.text(i, 4),
                            static_cast<int>(del.int64(i, 5)), static_cast<int>(del.int64(i, 6))}];
        std::string sqlstate;
        if (Status st = apply_rollup(c, cells, -1, sqlstate); !st) return Error{st.error()};
        if (auto st = tx.commit(); !st) return Error{"cannot commit pruning: " + st.error()};
        total += del.rows();
        if (del.rows() < k_chunk) break;
    }
    return total;
}

// --- The server's own secrets ---

Result<std::string> PostgresStorage::server_secret(const std::string& name,
                                                   const std::string& candidate,
                                                   std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) return Error{conn.error()};
    PGconn* c = conn->get();
    // Two statements, not one: an INSERT that waited for another instance's
    // insert of the same name does nothing, and only a statement started after
    // that commit sees the row it kept.
    Params p;
    p.add(name).add(candidate).add(now_ms);
    PgResult ins = exec(c,
                        "INSERT INTO server_secrets (name, value, created_utc_ms) "
                        "VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                        p);
    if (!ins.ok()) return Error{"cannot keep the server secret: " + ins.error()};
    Params q;
    q.add(name);
    PgResult r = exec(c, "SELECT value FROM server_secrets WHERE name = $1", q);
    if (!r.ok() || r.rows() != 1) return Error{"cannot read the server secret: " + r.error()};
    return r.text(0, 0);
}

} // namespace touchpoint::server
