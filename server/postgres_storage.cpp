#include "server/postgres_storage.h"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
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
constexpr const char* k_disk_full = "53100";

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
    // One row of a query read row by row (see Session::stream).
    bool single_row() const { return m_r && PQresultStatus(m_r.get()) == PGRES_SINGLE_TUPLE; }
    int rows() const { return m_r ? PQntuples(m_r.get()) : 0; }
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

// One row of a result, as SqlStorage reads it.
class PgRow final : public SqlRow {
  public:
    PgRow(const PgResult& r, int row) : m_r(r), m_row(row) {}
    std::string text(int col) const override { return m_r.text(m_row, col); }
    std::int64_t int64(int col) const override { return m_r.int64(m_row, col); }
    bool is_null(int col) const override { return m_r.is_null(m_row, col); }

  private:
    const PgResult& m_r;
    int m_row;
};

// Query parameters as libpq takes them, all as text (integers written out),
// a NULL as a null pointer. Texts are not copied: `params` must outlive this.
class TextParams {
  public:
    explicit TextParams(const SqlParams& params) {
        m_numbers.reserve(params.size()); // no reallocation: pointers stay put
        m_pointers.reserve(params.size());
        for (const SqlValue& v : params) {
            switch (v.type()) {
            case SqlValue::Type::null: m_pointers.push_back(nullptr); break;
            case SqlValue::Type::integer:
                m_numbers.push_back(std::to_string(v.integer()));
                m_pointers.push_back(m_numbers.back().c_str());
                break;
            case SqlValue::Type::text: m_pointers.push_back(v.text().c_str()); break;
            }
        }
    }
    int size() const { return static_cast<int>(m_pointers.size()); }
    const char* const* values() const { return m_pointers.empty() ? nullptr : m_pointers.data(); }

  private:
    std::vector<std::string> m_numbers;
    std::vector<const char*> m_pointers;
};

// SqlStorage numbers parameters ?1, ?2, …; PostgreSQL's are $1, $2, … (no
// statement of ours has a '?' of its own).
std::string dollar_params(const std::string& sql) {
    std::string out = sql;
    std::replace(out.begin(), out.end(), '?', '$');
    return out;
}

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

// A statement with no parameters (transaction control, settings).
PgResult exec(PGconn* conn, const std::string& sql) {
    return PgResult(PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0),
                    conn);
}

// Several statements, no parameters (schema migrations).
PgResult exec_script(PGconn* conn, const std::string& sql) {
    return PgResult(PQexec(conn, sql.c_str()), conn);
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

bool retryable(const std::string& sqlstate) {
    return sqlstate == k_serialization_failure || sqlstate == k_deadlock_detected;
}

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

// --- Sessions ---

// A connection of the pool's for one call or transaction. Remembers its last
// failure, for the caller that decides on a retry or notes a failed write.
class PostgresStorage::Session final : public SqlSession {
  public:
    explicit Session(PGconn* conn) : m_conn(conn) {}

    SqlResult run(const std::string& sql, const SqlParams& params,
                  const SqlRowHandler& row) override {
        const TextParams p(params);
        const PgResult r(PQexecParams(m_conn, dollar_params(sql).c_str(), p.size(), nullptr,
                                      p.values(), nullptr, nullptr, 0),
                         m_conn);
        if (!r.ok()) return failed(r.sqlstate(), r.error());
        if (row)
            for (int i = 0; i < r.rows(); ++i)
                row(PgRow(r, i));
        SqlResult out;
        out.changes = r.affected();
        return out;
    }

    // libpq's single-row mode: a row is decoded while PostgreSQL still scans
    // and sends the next ones, instead of after the whole result came.
    SqlResult stream(const std::string& sql, const SqlParams& params,
                     const SqlRowHandler& row) override {
        const TextParams p(params);
        if (!PQsendQueryParams(m_conn, dollar_params(sql).c_str(), p.size(), nullptr, p.values(),
                               nullptr, nullptr, 0) ||
            !PQsetSingleRowMode(m_conn)) {
            const std::string error = trimmed(PQerrorMessage(m_conn));
            while (PGresult* r = PQgetResult(m_conn))
                PQclear(r);
            return failed("", error.empty() ? "cannot send the query" : error);
        }
        std::string error, sqlstate;
        // Read to the end even after an error, so the connection is idle again.
        while (PGresult* raw = PQgetResult(m_conn)) {
            const PgResult r(raw, m_conn);
            if (r.single_row()) {
                if (error.empty() && row) row(PgRow(r, 0));
            } else if (!r.ok() && error.empty()) {
                error = r.error();
                sqlstate = r.sqlstate();
                if (error.empty()) error = "the query failed";
            }
        }
        if (!error.empty()) return failed(sqlstate, error);
        return SqlResult{};
    }

    bool has_failed() const { return m_failed; }
    const std::string& sqlstate() const { return m_sqlstate; }
    const std::string& error() const { return m_error; }

  private:
    SqlResult failed(const std::string& sqlstate, const std::string& error) {
        m_failed = true;
        m_sqlstate = sqlstate;
        m_error = error;
        SqlResult out;
        out.ok = false;
        out.error = error;
        if (sqlstate == k_unique_violation) out.violation = SqlResult::Violation::unique;
        if (sqlstate == k_foreign_key_violation) out.violation = SqlResult::Violation::foreign_key;
        return out;
    }

    PGconn* m_conn;
    bool m_failed = false;
    std::string m_sqlstate;
    std::string m_error;
};

int postgres_schema_version() {
    return storage_schema_version();
}

// --- Opening and migrating ---

PostgresStorage::PostgresStorage(std::unique_ptr<PostgresConnectionPool> pool)
    : SqlStorage(Dialect::postgres), m_pool(std::move(pool)) {}

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

// Serialises schema migrations of instances starting at once.
constexpr const char* k_migration_lock = "SELECT pg_advisory_xact_lock(7411370240)";

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
    const int want = postgres_schema_version();
    if (Status st = check_schema_version(have, want); !st) return st;
    const std::vector<std::string> migrations = storage_migrations(Dialect::postgres);
    for (int i = have; i < want; ++i) {
        if (PgResult r = exec_script(c, migrations[static_cast<std::size_t>(i)]); !r.ok())
            return fail("schema migration " + std::to_string(i + 1) + " failed", r);
    }
    if (have != want || !has_row) {
        const std::string sql = has_row ? "UPDATE schema_version SET version = "
                                        : "INSERT INTO schema_version (version) VALUES (";
        PgResult r = exec(c, sql + std::to_string(want) + (has_row ? "" : ")"));
        if (!r.ok()) return fail("cannot set the schema version", r);
    }
    return tx.commit();
}

// --- Connections, transactions and the record of failed writes ---

Status PostgresStorage::on_connection(const SqlWork& work) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Session db(conn->get());
    return work(db);
}

Status PostgresStorage::transaction(const std::string& what, const SqlWork& work,
                                    std::string& sqlstate) {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Transaction tx(conn->get());
    if (!tx.begun()) return Status::failure("cannot start " + what + ": " + tx.begun().error());
    Session db(conn->get());
    if (Status st = work(db); !st) {
        sqlstate = db.sqlstate();
        return st;
    }
    if (Status st = tx.commit(); !st)
        return Status::failure("cannot commit " + what + ": " + st.error());
    return Status::success();
}

Status PostgresStorage::in_transaction(const std::string& what, const SqlWork& work) {
    std::string sqlstate;
    return transaction(what, work, sqlstate);
}

SqlStorage::TextList PostgresStorage::text_list(const std::vector<std::string>& items,
                                                std::size_t n) const {
    ArrayLiteral array;
    for (const std::string& item : items)
        array.add(item);
    return {"= ANY (" + placeholder(n) + "::TEXT[])", SqlValue(array.text())};
}

void PostgresStorage::note_write_failure(const std::string& sqlstate, const std::string& error) {
    note_failed_write(sqlstate == k_disk_full, error);
}

Status PostgresStorage::check() {
    auto conn = m_pool->acquire();
    if (!conn) return Status::failure(conn.error());
    Session db(conn->get());
    if (const SqlResult r = db.run("SELECT count(*) FROM stores", {}, {}); !r.ok)
        return r.status("database check failed");
    const std::optional<StorageFailure> failed = write_failures().last();
    if (!failed) return Status::success();
    // A batch or heartbeat failed and none has committed since: a
    // transaction that changes nothing must commit now.
    Transaction tx(conn->get());
    if (!tx.begun()) {
        note_write_failure("", tx.begun().error());
        return Status::failure(write_failures().last()->reason);
    }
    if (const SqlResult r = db.run(k_idle_write_sql, {}, {}); !r.ok) {
        note_write_failure(db.sqlstate(), r.error);
        return Status::failure(write_failures().last()->reason);
    }
    if (Status st = tx.commit(); !st) {
        note_write_failure("", st.error());
        return Status::failure(write_failures().last()->reason);
    }
    write_failures().clear();
    return Status::success();
}

// --- Ingest ---

Result<BatchOutcome> PostgresStorage::ingest_batch(const DeviceRecord& device,
                                                   const std::vector<IncomingResponse>& responses,
                                                   const std::string& health_json,
                                                   std::int64_t now_ms) {
    // Lock order makes deadlocks unlikely; PostgreSQL still may abort a
    // transaction to break one, and then the whole batch is simply retried.
    constexpr int k_attempts = 3;
    for (int attempt = 1;; ++attempt) {
        std::optional<Result<BatchOutcome>> outcome;
        std::string sqlstate;
        const Status st = transaction(
            "the batch",
            [&](SqlSession& db) {
                outcome.emplace(ingest_in(db, device, responses, health_json, now_ms));
                return outcome->ok() ? Status::success() : Status::failure(outcome->error());
            },
            sqlstate);
        if (st) {
            write_failures().clear();
            return std::move(*outcome);
        }
        if (attempt == k_attempts || !retryable(sqlstate)) {
            note_write_failure(sqlstate, st.error());
            return Error{st.error()};
        }
    }
}

// The batch's new responses in one statement, numbered in batch order. No ON
// CONFLICT: under the counter's lock an id found new cannot have been stored
// since, and if one were, failing the batch beats a gap in the sequence.
Status PostgresStorage::insert_responses(SqlSession& db, const DeviceRecord& device,
                                         const IngestPlan& plan, std::int64_t now_ms) {
    constexpr int k_columns = 18;
    std::array<ArrayLiteral, k_columns> col;
    for (const IncomingResponse* in : plan.fresh) {
        const Response& r = in->response;
        int i = 0;
        col[i++].add(r.id);
        col[i++].add(r.survey_id);
        col[i++].add(r.survey_version);
        col[i++].add(r.question_id);
        col[i++].add(std::string(to_string(r.scale)));
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
        col[i++].add(in->server_clock_suspect);
        col[i++].add(in->content_hash);
    }
    SqlParams params{device.id, device.store_id, device.touch_point, now_ms, plan.first_seq};
    for (const ArrayLiteral& a : col)
        params.push_back(a.text());
    const SqlResult ins = db.run(
        "INSERT INTO responses (id, device_id, store_id, touch_point, survey_id, "
        "survey_version, question_id, scale, score, reasons_json, comment, language, "
        "utc_ms, local_time, local_day, local_hour, sequence, misuse, "
        "device_clock_suspect, server_clock_suspect, received_utc_ms, content_hash, seq) "
        "SELECT id, ?1, ?2, ?3, survey_id, survey_version, question_id, scale, score, "
        "reasons_json, comment, language, utc_ms, local_time, local_day, local_hour, "
        "sequence, misuse, device_clock_suspect, server_clock_suspect, ?4::BIGINT, "
        "content_hash, ?5::BIGINT + ord FROM unnest(?6::TEXT[], ?7::TEXT[], "
        "?8::INTEGER[], ?9::TEXT[], ?10::TEXT[], ?11::INTEGER[], ?12::TEXT[], "
        "?13::TEXT[], ?14::TEXT[], ?15::BIGINT[], ?16::TEXT[], ?17::TEXT[], "
        "?18::INTEGER[], ?19::BIGINT[], ?20::INTEGER[], ?21::INTEGER[], ?22::INTEGER[], "
        "?23::TEXT[]) WITH ORDINALITY AS batch (id, survey_id, survey_version, "
        "question_id, scale, score, reasons_json, comment, language, utc_ms, local_time, "
        "local_day, local_hour, sequence, misuse, device_clock_suspect, "
        "server_clock_suspect, content_hash, ord) ORDER BY ord",
        params);
    if (!ins.ok) return ins.status("cannot store the batch's responses");
    const auto fresh = static_cast<std::int64_t>(plan.fresh.size());
    if (ins.changes != fresh)
        return Status::failure("stored " + std::to_string(ins.changes) + " of " +
                               std::to_string(fresh) + " new responses");
    return Status::success();
}

// Each roll-up's cells in one statement: their key columns and counts as
// arrays, unnested in key order (the order every writer locks cells in).
Status PostgresStorage::add_to_rollup(SqlSession& db, const RollupDelta& delta) {
    for (const RollupTable* table : {&k_hourly_rollup, &k_daily_rollup}) {
        const auto& cells = table->hourly ? delta.hourly() : delta.daily();
        if (cells.empty()) continue;
        constexpr int k_store = 0, k_touch_point = 1, k_day = 2, k_hour = 3, k_scale = 4,
                      k_score = 5, k_misuse = 6, k_n = 7;
        std::array<ArrayLiteral, 8> arrays;
        for (const auto& [k, n] : cells) {
            arrays[k_store].add(std::get<0>(k));
            arrays[k_touch_point].add(std::get<1>(k));
            arrays[k_day].add(std::get<2>(k));
            arrays[k_hour].add(std::get<3>(k));
            arrays[k_scale].add(std::get<4>(k));
            arrays[k_score].add(std::get<5>(k));
            arrays[k_misuse].add(std::get<6>(k));
            arrays[k_n].add(n);
        }
        SqlParams params;
        std::string unnest;
        auto column = [&](int which, const char* type) {
            params.push_back(arrays[static_cast<std::size_t>(which)].text());
            unnest += (params.size() > 1 ? ", " : "") + placeholder(params.size()) + type;
        };
        column(k_store, "::TEXT[]");
        column(k_touch_point, "::TEXT[]");
        column(k_day, "::TEXT[]");
        if (table->hourly) column(k_hour, "::INTEGER[]");
        column(k_scale, "::TEXT[]");
        column(k_score, "::INTEGER[]");
        column(k_misuse, "::INTEGER[]");
        column(k_n, "::BIGINT[]");
        const std::string cols = table->key_columns;
        const SqlResult r = db.run(std::string("INSERT INTO ") + table->name + " (" + cols +
                                       ", n) SELECT " + cols + ", n FROM unnest(" + unnest +
                                       ") WITH ORDINALITY AS cell (" + cols +
                                       ", n, ord) ORDER BY ord ON CONFLICT (" + cols +
                                       ") DO UPDATE SET n = " + table->name + ".n + EXCLUDED.n",
                                   params);
        if (!r.ok) return r.status("cannot update the roll-up");
    }
    return Status::success();
}

Status PostgresStorage::record_heartbeat(const std::string& device_id,
                                         const std::string& health_json, std::int64_t now_ms) {
    auto conn = m_pool->acquire();
    if (!conn) {
        note_write_failure("", conn.error());
        return Status::failure(conn.error());
    }
    Session db(conn->get());
    const Status st = heartbeat_in(db, device_id, health_json, now_ms);
    if (db.has_failed()) note_write_failure(db.sqlstate(), db.error());
    if (st) write_failures().clear();
    return st;
}

} // namespace touchpoint::server
