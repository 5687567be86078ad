#pragma once
// touchpoint::sqlite — the one RAII layer over SQLite's C API, used by the
// kiosk's local database and by the server's SQLite backend alike.
//
//   Connection  an open database file (closed by its destructor)
//   Statement   a prepared statement: every bind and every step checked; the
//               first failed bind is what the next step reports
//   Transaction BEGIN … COMMIT, rolled back by a noexcept destructor unless
//               committed
//   Savepoint   the same for a SAVEPOINT inside a transaction
//
// Errors come back as Status / Result with SQLite's own message, and as an
// ErrorKind callers act on (busy, disk full, corrupt …), with the constraint
// a failed write broke. A WriteObserver set on a connection hears of every
// write that fails and every one that commits. <sqlite3.h> stays out of this
// header: the two handle types are only declared here.
#include "core/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace touchpoint::sqlite {

// What a failure means to the caller.
enum class ErrorKind {
    none,
    busy,       // another connection holds the lock past the busy timeout
    constraint, // a UNIQUE, NOT NULL, CHECK or foreign key constraint
    full,       // the disk (or max_page_count) is full
    io,         // a read or write of the file failed
    corrupt,    // the file is damaged or not a database
    read_only,  // the file or its folder cannot be written
    cannot_open,
    misuse,     // a bind index out of range, a statement used wrongly
    other,
};

// The kind of an SQLite result code (primary or extended).
ErrorKind kind_of(int code);
// A short plain name for a kind ("database is busy", "disk is full", …).
const char* describe(ErrorKind kind);
// True for failures that blame the storage (its disk, its files, a lock held
// too long) rather than the statement or what was written.
bool is_storage_failure(ErrorKind kind);

// Which constraint a failed write broke (from the extended result code).
enum class Constraint {
    none,        // not a constraint failure
    primary_key,
    unique,
    foreign_key,
    not_null,
    check,
    other,
};
Constraint constraint_of(int code);

// Told of the writes on a connection as they fail or commit: what the
// server's SQLite storage uses to keep the last failure that blames the
// storage until a write commits again. Called on the thread that ran the
// write, right when it happened (the result code is gone after the next call).
class WriteObserver {
  public:
    // A statement that writes (or any statement inside a transaction), or an
    // exec (DDL, BEGIN, COMMIT, SAVEPOINT …), failed with `code`.
    virtual void write_failed(int code, const std::string& message) = 0;
    // Writes committed: a statement outside a transaction that changed rows,
    // or a COMMIT of a transaction that changed any.
    virtual void write_committed() = 0;

  protected:
    ~WriteObserver() = default;
};

class Connection;

class Statement {
  public:
    Statement() = default;
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return m_stmt != nullptr; }

    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    Statement& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v ? 1 : 0)); }
    Statement& bind(int index, double v);
    Statement& bind(int index, std::string_view v);
    Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, std::nullopt_t);
    template <class T> Statement& bind(int index, const std::optional<T>& v) {
        return v ? bind(index, *v) : bind(index, std::nullopt);
    }
    // Binds the value in column `col` of `from`'s current row as it is, of
    // whatever type it holds (copying rows from one database to another).
    Statement& bind_column(int index, const Statement& from, int col);
    // Binds the arguments to ?1, ?2, … in order.
    template <class... Args> Statement& bind_all(const Args&... args) {
        int i = 0;
        (bind(++i, args), ...);
        return *this;
    }

    // One step: true with a row to read, false when done. A failed bind
    // before it, or a failed step, is an error naming SQLite's message.
    Result<bool> step();
    // Steps to the end, reading nothing (an INSERT, UPDATE, DDL …).
    Status run();

    // Columns of the current row (0-based).
    std::int64_t int64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;
    std::optional<std::int64_t> opt_int64(int col) const;
    std::optional<std::string> opt_text(int col) const;

    // Ready to bind and step again: resets the statement and clears its
    // bindings (so it holds no read transaction open).
    void reset();

    // The result code and kind of the last failure (0 / none when none).
    int error_code() const { return m_error; }
    ErrorKind error_kind() const { return kind_of(m_error); }

    // The constraint the last failure broke.
    Constraint constraint() const { return constraint_of(m_error); }

  private:
    friend class Connection;
    Statement(sqlite3* db, sqlite3_stmt* stmt, WriteObserver* observer)
        : m_db(db), m_stmt(stmt), m_observer(observer) {}
    void record(int rc);
    Status failure(int rc);
    bool writes() const;

    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    WriteObserver* m_observer = nullptr; // the connection's, when prepared
    int m_bind_error = 0; // the first failed bind since the last reset
    int m_error = 0;
};

// Resets a (cached) statement when the scope that used it ends.
class ResetOnExit {
  public:
    explicit ResetOnExit(Statement& s) : m_s(s) {}
    ~ResetOnExit() { m_s.reset(); }
    ResetOnExit(const ResetOnExit&) = delete;
    ResetOnExit& operator=(const ResetOnExit&) = delete;

  private:
    Statement& m_s;
};

class Connection {
  public:
    struct Options {
        bool read_only = false;
        bool create = true;             // create the file when missing (not with read_only)
        const char* vfs = nullptr;      // a registered VFS by name (tests)
        int busy_timeout_ms = 5000;
        // The caller never uses the connection from two threads at once
        // (SQLITE_OPEN_NOMUTEX): SQLite then takes no lock around each call,
        // which a statement reading many columns of many rows notices.
        bool no_mutex = false;
    };

    Connection() = default;
    ~Connection();
    Connection(Connection&& o) noexcept
        : m_db(std::exchange(o.m_db, nullptr)), m_error(o.m_error),
          m_observer(std::exchange(o.m_observer, nullptr)) {}
    Connection& operator=(Connection&& o) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Opens `path`. The error names the path and SQLite's reason.
    static Result<Connection> open(const std::string& path, const Options& options);
    static Result<Connection> open(const std::string& path) { return open(path, Options{}); }
    // Opens `path` to look at it, creating nothing (for the doctors): read
    // only, and, when no -wal and -shm stand beside it (its writer stopped
    // cleanly), as immutable, because even a read-only open of a WAL
    // database makes those files, owned by whoever looks (root, say), which
    // the writer's own user could then not open.
    static Result<Connection> inspect(const std::string& path);

    bool is_open() const { return m_db != nullptr; }

    // Runs one or more statements with no parameters. A failure counts as a
    // failed write (see WriteObserver).
    Status exec(std::string_view sql);
    // Runs a query whose first column of the first row is the answer
    // ("PRAGMA journal_mode = WAL", "SELECT count(*) …").
    Result<std::string> query_text(std::string_view sql);
    Result<std::int64_t> query_int64(std::string_view sql);
    // Prepares one statement; `persistent` for a statement kept and reused.
    Result<Statement> prepare(std::string_view sql, bool persistent = false);

    std::int64_t last_insert_rowid() const;
    // Rows changed by the last INSERT, UPDATE or DELETE to finish.
    int changes() const;
    // Rows changed since the connection opened.
    std::int64_t total_changes() const;
    bool in_transaction() const;
    std::string error_message() const;
    // The result code and kind of the last failure on this connection.
    int error_code() const { return m_error; }
    ErrorKind error_kind() const { return kind_of(m_error); }

    // Is there room for the database's files to grow by about `bytes`? A
    // scratch file beside the database, opened through its VFS and deleted on
    // close, is given that much. (A commit that changes nothing cannot tell:
    // a transaction cut short by a full disk has already grown the WAL, and a
    // small commit fits in what it left behind.) In memory: always.
    Status check_room(int bytes) const;

    // Tells `observer` of every write's failure or commit from now on (in
    // statements prepared from now on); nullptr stops it. The observer must
    // outlive the connection's statements.
    void observe_writes(WriteObserver* observer) { m_observer = observer; }
    WriteObserver* write_observer() const { return m_observer; }

    // The raw handle, for the few APIs this layer does not wrap (the online
    // backup API, a test's VFS). Callers include <sqlite3.h> themselves.
    sqlite3* handle() const { return m_db; }

  private:
    friend class Transaction;
    friend class Savepoint;
    explicit Connection(sqlite3* db) : m_db(db) {}
    Status failure(int rc, std::string_view what);
    // Runs SQL whose failure there is nothing more to do about (a ROLLBACK):
    // not counted as a failed write.
    bool exec_quietly(const std::string& sql) noexcept;
    sqlite3* m_db = nullptr;
    int m_error = 0;
    WriteObserver* m_observer = nullptr;
};

// BEGIN (DEFERRED, IMMEDIATE or EXCLUSIVE) … COMMIT; the destructor rolls
// back, noexcept, unless commit() succeeded. A commit that changed rows is
// told to the connection's WriteObserver.
class Transaction {
  public:
    enum class Mode { deferred, immediate, exclusive };
    explicit Transaction(Connection& c) : m_c(c) {}
    ~Transaction() noexcept;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Status begin(Mode mode = Mode::deferred);
    Status commit();
    // Rolls back now (the destructor then does nothing).
    void rollback() noexcept;
    bool active() const { return m_active; }

  private:
    Connection& m_c;
    bool m_active = false;
    std::int64_t m_changes_before = 0;
};

// SAVEPOINT name … RELEASE; the destructor rolls back to it and releases it,
// noexcept, unless released — the enclosing transaction carries on.
class Savepoint {
  public:
    Savepoint(Connection& c, std::string name) : m_c(c), m_name(std::move(name)) {}
    ~Savepoint() noexcept;
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;

    Status begin();
    Status release();
    // Undoes the savepoint's writes and ends it; false when that failed (the
    // enclosing transaction may then hold them still: roll it back).
    bool rollback() noexcept;

  private:
    Connection& m_c;
    std::string m_name;
    bool m_active = false;
};

} // namespace touchpoint::sqlite
