#include "server/sqlite_storage.h"

#include <exception>
#include <unordered_map>
#include <utility>

namespace touchpoint::server {

int sqlite_schema_version() {
    return storage_schema_version();
}

// --- Statements and rows ---

// Statements prepared once and kept, by their SQL: most calls run the same
// few texts, and preparing one costs about what running it does. A text that
// is in use already (a statement run again inside its own rows) is prepared
// afresh. Used under the storage's mutex.
class SqliteStorage::Statements {
    struct Kept {
        sqlite::Statement stmt;
        bool busy;
    };

  public:
    explicit Statements(sqlite::Connection& db) : m_db(db) {}

    // A statement of `sql`, ready to bind, for as long as it lives: a kept
    // one, or with `keep` false one of its own, finalized when it goes.
    class Use {
      public:
        Use(Statements& cache, const std::string& sql, bool keep) {
            if (!keep) {
                own(cache, sql);
                return;
            }
            auto it = cache.m_kept.find(sql);
            if (it == cache.m_kept.end()) {
                if (cache.m_kept.size() >= k_most) cache.forget_idle();
                Result<sqlite::Statement> s = cache.m_db.prepare(sql, true);
                if (!s) {
                    m_error = s.error();
                    return;
                }
                it = cache.m_kept.emplace(sql, Kept{std::move(s).value(), false}).first;
            }
            if (!it->second.busy) {
                m_kept = &it->second;
                m_kept->busy = true;
                m_stmt = &m_kept->stmt;
                return;
            }
            own(cache, sql);
        }
        ~Use() {
            if (m_stmt) m_stmt->reset(); // holds no read transaction open
            if (m_kept) m_kept->busy = false;
        }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

        sqlite::Statement* get() const { return m_stmt; }
        const std::string& error() const { return m_error; }

      private:
        void own(Statements& cache, const std::string& sql) {
            Result<sqlite::Statement> s = cache.m_db.prepare(sql);
            if (!s) {
                m_error = s.error();
                return;
            }
            m_own = std::move(s).value();
            m_stmt = &m_own;
        }

        Kept* m_kept = nullptr;
        sqlite::Statement m_own;
        sqlite::Statement* m_stmt = nullptr;
        std::string m_error;
    };

  private:
    // Texts built from a filter vary a little; a bound keeps odd ones from piling up.
    static constexpr std::size_t k_most = 128;

    void forget_idle() {
        for (auto it = m_kept.begin(); it != m_kept.end();)
            it = it->second.busy ? std::next(it) : m_kept.erase(it);
    }

    sqlite::Connection& m_db;
    std::unordered_map<std::string, Kept> m_kept;
};

namespace {

class SqliteRow final : public SqlRow {
  public:
    explicit SqliteRow(const sqlite::Statement& s) : m_s(s) {}
    std::string text(int col) const override { return m_s.text(col); }
    std::int64_t int64(int col) const override { return m_s.int64(col); }
    bool is_null(int col) const override { return m_s.is_null(col); }

  private:
    const sqlite::Statement& m_s;
};

SqlResult::Violation violation_of(sqlite::Constraint c) {
    switch (c) {
    case sqlite::Constraint::primary_key:
    case sqlite::Constraint::unique:
        return SqlResult::Violation::unique;
    case sqlite::Constraint::foreign_key:
        return SqlResult::Violation::foreign_key;
    default:
        return SqlResult::Violation::none;
    }
}

} // namespace

// The storage's connection for one call, under its mutex.
class SqliteStorage::Session final : public SqlSession {
  public:
    Session(sqlite::Connection& db, Statements& statements) : m_db(db), m_statements(statements) {}

    SqlResult run(const std::string& sql, const SqlParams& params,
                  const SqlRowHandler& row) override {
        return execute(sql, params, row, true);
    }

    // A long read (an export's pages) prepares a statement of its own and
    // finalizes it: what SQLite allocated for its rows goes with it, rather
    // than staying behind in the worker thread's heap between pages.
    SqlResult stream(const std::string& sql, const SqlParams& params,
                     const SqlRowHandler& row) override {
        return execute(sql, params, row, false);
    }

  private:
    SqlResult execute(const std::string& sql, const SqlParams& params, const SqlRowHandler& row,
                      bool keep) {
        SqlResult out;
        Statements::Use use(m_statements, sql, keep);
        sqlite::Statement* s = use.get();
        if (!s) {
            // Within a transaction even a failed prepare is a failed write.
            if (m_db.in_transaction() && m_db.write_observer())
                m_db.write_observer()->write_failed(m_db.error_code(), use.error());
            out.ok = false;
            out.error = use.error();
            return out;
        }
        int i = 0;
        for (const SqlValue& v : params) {
            ++i;
            switch (v.type()) {
            case SqlValue::Type::null: s->bind(i, std::nullopt); break;
            case SqlValue::Type::integer: s->bind(i, v.integer()); break;
            case SqlValue::Type::text: s->bind(i, std::string_view(v.text())); break;
            }
        }
        const SqliteRow current(*s);
        for (;;) {
            Result<bool> stepped = s->step();
            if (!stepped) {
                out.ok = false;
                out.error = stepped.error();
                out.violation = violation_of(s->constraint());
                return out;
            }
            if (!*stepped) break;
            if (row) row(current);
        }
        out.changes = m_db.changes();
        return out;
    }

    sqlite::Connection& m_db;
    Statements& m_statements;
};

// --- Opening and migrating ---

SqliteStorage::SqliteStorage(sqlite::Connection db)
    : SqlStorage(Dialect::sqlite), m_db(std::move(db)),
      m_statements(std::make_unique<Statements>(m_db)) {
    m_db.observe_writes(this);
}

SqliteStorage::~SqliteStorage() = default;

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path) {
    auto db = sqlite::Connection::open(path);
    if (!db) return Error{db.error()};
    // WAL lets readers run while a batch commits; FULL syncs the WAL on every
    // commit, so an answered batch survives a power cut.
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        if (auto st = db->exec(pragma); !st) return Error{path + ": " + st.error()};
    }
    std::unique_ptr<SqliteStorage> s(new SqliteStorage(std::move(db).value()));
    if (auto st = s->migrate(); !st) return Error{path + ": " + st.error()};
    return s;
}

Status SqliteStorage::migrate() {
    std::lock_guard<std::mutex> lock(m_mutex);
    sqlite::Transaction tx(m_db);
    if (Status st = tx.begin(sqlite::Transaction::Mode::immediate); !st)
        return Status::failure("cannot start the schema migration: " + st.error());
    auto version = m_db.query_int64("PRAGMA user_version");
    if (!version) return Status::failure("cannot read the schema version: " + version.error());
    const int have = static_cast<int>(*version);
    const int want = sqlite_schema_version();
    if (Status st = check_schema_version(have, want); !st) return st;
    const std::vector<std::string> migrations = storage_migrations(Dialect::sqlite);
    for (int i = have; i < want; ++i) {
        if (auto st = m_db.exec(migrations[static_cast<std::size_t>(i)]); !st)
            return Status::failure("schema migration " + std::to_string(i + 1) +
                                   " failed: " + st.error());
    }
    if (have != want) {
        if (auto st = m_db.exec("PRAGMA user_version=" + std::to_string(want)); !st)
            return Status::failure("cannot set the schema version: " + st.error());
    }
    return tx.commit();
}

// --- Connections, transactions and the record of failed writes ---

Status SqliteStorage::on_connection(const SqlWork& work) {
    std::lock_guard<std::mutex> lock(m_mutex);
    Session db(m_db, *m_statements);
    return work(db);
}

Status SqliteStorage::in_transaction(const std::string& what, const SqlWork& work) {
    std::lock_guard<std::mutex> lock(m_mutex);
    sqlite::Transaction tx(m_db);
    if (Status st = tx.begin(sqlite::Transaction::Mode::immediate); !st)
        return Status::failure("cannot start " + what + ": " + st.error());
    Session db(m_db, *m_statements);
    if (Status st = work(db); !st) return st;
    if (Status st = tx.commit(); !st)
        return Status::failure("cannot commit " + what + ": " + st.error());
    return Status::success();
}

// SQLite has no arrays: a list is a JSON array, read back with json_each.
SqlStorage::TextList SqliteStorage::text_list(const std::vector<std::string>& items,
                                              std::size_t n) const {
    std::string json = "[";
    for (const std::string& item : items) {
        if (json.size() > 1) json += ',';
        json += '"';
        for (const char c : item) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                json += '\\';
                json += c;
            } else if (u < 0x20) {
                static const char* const hex = "0123456789abcdef";
                json += "\\u00";
                json += hex[u >> 4];
                json += hex[u & 0xf];
            } else {
                json += c;
            }
        }
        json += '"';
    }
    json += ']';
    return {"IN (SELECT value FROM json_each(" + placeholder(n) + "))", SqlValue(std::move(json))};
}

void SqliteStorage::write_failed(int code, const std::string& message) {
    const sqlite::ErrorKind kind = sqlite::kind_of(code);
    if (sqlite::is_storage_failure(kind))
        note_failed_write(kind == sqlite::ErrorKind::full, message);
}

void SqliteStorage::write_committed() {
    write_failures().clear();
}

// About what a large batch adds: room for it means a full disk has room again.
constexpr int k_room_probe_bytes = 64 * 1024;

Status SqliteStorage::check() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (auto n = m_db.query_int64("SELECT count(*) FROM stores"); !n)
        return Status::failure("database check failed: " + n.error());
    const std::optional<StorageFailure> failed = write_failures().last();
    if (!failed) return Status::success();
    // A write failed and none has committed since: do writes work again?
    if (failed->kind == StorageFailure::Kind::disk_full) {
        if (Status room = m_db.check_room(k_room_probe_bytes); !room)
            return Status::failure(failed->reason);
        write_failures().clear();
        return Status::success();
    }
    // Otherwise a transaction that changes nothing must commit (and its
    // commit clears the record).
    sqlite::Transaction tx(m_db);
    Status st = tx.begin(sqlite::Transaction::Mode::immediate);
    if (st) st = m_db.exec(k_idle_write_sql);
    if (st) st = tx.commit();
    if (st) return Status::success();
    const std::optional<StorageFailure> still = write_failures().last();
    return Status::failure(still ? still->reason : failed->reason);
}

// --- Group commit ---

Result<BatchOutcome> SqliteStorage::ingest_batch(const DeviceRecord& device,
                                                 const std::vector<IncomingResponse>& responses,
                                                 const std::string& health_json,
                                                 std::int64_t now_ms) {
    std::optional<Result<BatchOutcome>> outcome;
    const Status st = write_in_group([&](SqlSession& db) -> Status {
        outcome.emplace(ingest_in(db, device, responses, health_json, now_ms));
        return outcome->ok() ? Status::success() : Status::failure(outcome->error());
    });
    if (!st) return Error{"cannot store the batch: " + st.error()};
    return std::move(*outcome);
}

Status SqliteStorage::record_heartbeat(const std::string& device_id, const std::string& health_json,
                                       std::int64_t now_ms) {
    return write_in_group(
        [&](SqlSession& db) { return heartbeat_in(db, device_id, health_json, now_ms); });
}

struct SqliteStorage::PendingWrite {
    const SqlWork& write;
    Status result;
    bool done = false;
};

// A fleet's heartbeats and batches are most of its requests, and a durable
// commit costs an fsync each: committed one by one they queue behind the
// disk. Grouped, one commit carries every write that arrived while the
// previous commit was being synced. Each write runs in a savepoint of its
// own, so one that fails leaves the others' changes standing, and each is
// answered only once the commit is on disk.
Status SqliteStorage::write_in_group(const SqlWork& write) {
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
    sqlite::Transaction tx(m_db);
    if (Status st = tx.begin(sqlite::Transaction::Mode::immediate); !st) return fail_all(st);
    Session db(m_db, *m_statements);
    for (PendingWrite* p : group) {
        sqlite::Savepoint one(m_db, "write");
        if (Status st = one.begin(); !st) return fail_all(st);
        try {
            p->result = p->write(db);
        } catch (const std::exception& e) {
            p->result = Status::failure(e.what());
        }
        if (!p->result) {
            if (!one.rollback())
                return fail_all(Status::failure("cannot undo a failed write: " +
                                                m_db.error_message()));
        } else if (Status st = one.release(); !st) {
            return fail_all(st);
        }
    }
    // Not one of them is stored unless the commit is on disk.
    if (Status st = tx.commit(); !st) {
        for (PendingWrite* p : group)
            p->result = st;
    }
}

} // namespace touchpoint::server
