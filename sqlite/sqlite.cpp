#include "sqlite/sqlite.h"

#include <sqlite3.h>

#include <sys/stat.h>

#include <cstddef>
#include <vector>

namespace touchpoint::sqlite {

ErrorKind kind_of(int code) {
    switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return ErrorKind::none;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ErrorKind::busy;
    case SQLITE_CONSTRAINT:
        return ErrorKind::constraint;
    case SQLITE_FULL:
        return ErrorKind::full;
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_NOMEM:
        return ErrorKind::io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ErrorKind::corrupt;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return ErrorKind::read_only;
    case SQLITE_CANTOPEN:
        return ErrorKind::cannot_open;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
        return ErrorKind::misuse;
    default:
        return ErrorKind::other;
    }
}

const char* describe(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::none: return "no error";
    case ErrorKind::busy: return "database is busy";
    case ErrorKind::constraint: return "constraint failed";
    case ErrorKind::full: return "disk is full";
    case ErrorKind::io: return "disk read or write failed";
    case ErrorKind::corrupt: return "database file is damaged";
    case ErrorKind::read_only: return "database cannot be written";
    case ErrorKind::cannot_open: return "database cannot be opened";
    case ErrorKind::misuse: return "statement used wrongly";
    case ErrorKind::other: return "database error";
    }
    return "database error";
}

bool is_storage_failure(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::busy:
    case ErrorKind::full:
    case ErrorKind::io:
    case ErrorKind::corrupt:
    case ErrorKind::read_only:
    case ErrorKind::cannot_open:
        return true;
    default:
        return false;
    }
}

Constraint constraint_of(int code) {
    if ((code & 0xff) != SQLITE_CONSTRAINT) return Constraint::none;
    switch (code) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return Constraint::primary_key;
    case SQLITE_CONSTRAINT_UNIQUE:
        return Constraint::unique;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return Constraint::foreign_key;
    case SQLITE_CONSTRAINT_NOTNULL:
        return Constraint::not_null;
    case SQLITE_CONSTRAINT_CHECK:
        return Constraint::check;
    default:
        return Constraint::other;
    }
}

// --- Statement ---

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement::Statement(Statement&& o) noexcept
    : m_db(std::exchange(o.m_db, nullptr)), m_stmt(std::exchange(o.m_stmt, nullptr)),
      m_observer(std::exchange(o.m_observer, nullptr)), m_bind_error(o.m_bind_error),
      m_error(o.m_error) {}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(m_stmt);
        m_db = std::exchange(o.m_db, nullptr);
        m_stmt = std::exchange(o.m_stmt, nullptr);
        m_observer = std::exchange(o.m_observer, nullptr);
        m_bind_error = o.m_bind_error;
        m_error = o.m_error;
    }
    return *this;
}

void Statement::record(int rc) {
    if (rc != SQLITE_OK && m_bind_error == SQLITE_OK) m_bind_error = rc;
}

Statement& Statement::bind(int index, std::int64_t v) {
    record(m_stmt ? sqlite3_bind_int64(m_stmt, index, v) : SQLITE_MISUSE);
    return *this;
}

Statement& Statement::bind(int index, double v) {
    record(m_stmt ? sqlite3_bind_double(m_stmt, index, v) : SQLITE_MISUSE);
    return *this;
}

Statement& Statement::bind(int index, std::string_view v) {
    // (a null pointer would bind SQL NULL, not an empty text)
    record(m_stmt ? sqlite3_bind_text(m_stmt, index, v.data() ? v.data() : "",
                                      static_cast<int>(v.size()), SQLITE_TRANSIENT)
                  : SQLITE_MISUSE);
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    record(m_stmt ? sqlite3_bind_null(m_stmt, index) : SQLITE_MISUSE);
    return *this;
}

Statement& Statement::bind_column(int index, const Statement& from, int col) {
    record(m_stmt && from.m_stmt
               ? sqlite3_bind_value(m_stmt, index, sqlite3_column_value(from.m_stmt, col))
               : SQLITE_MISUSE);
    return *this;
}

Status Statement::failure(int rc) {
    m_error = rc;
    std::string msg;
    if (rc == m_bind_error)
        msg = std::string("cannot bind a parameter: ") + sqlite3_errstr(rc);
    else
        msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    if (kind_of(rc) == ErrorKind::busy) msg += " (busy)";
    if (m_observer && writes()) m_observer->write_failed(rc, msg);
    return Status::failure(std::move(msg));
}

// Inside a transaction any statement is part of a write.
bool Statement::writes() const {
    return !sqlite3_get_autocommit(m_db) || !sqlite3_stmt_readonly(m_stmt);
}

Result<bool> Statement::step() {
    if (!m_stmt) {
        m_error = SQLITE_MISUSE;
        return Error{"statement was not prepared"};
    }
    if (m_bind_error != SQLITE_OK) return Error{failure(m_bind_error).error()};
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
        // A write outside a transaction committed as it finished.
        if (m_observer && sqlite3_get_autocommit(m_db) && !sqlite3_stmt_readonly(m_stmt) &&
            sqlite3_changes(m_db) > 0)
            m_observer->write_committed();
        return false;
    }
    return Error{failure(rc).error()};
}

Status Statement::run() {
    for (;;) {
        Result<bool> r = step();
        if (!r) return Status::failure(r.error());
        if (!*r) return Status::success();
    }
}

std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
double Statement::real(int col) const { return sqlite3_column_double(m_stmt, col); }

std::string Statement::text(int col) const {
    const unsigned char* p = sqlite3_column_text(m_stmt, col);
    const int n = sqlite3_column_bytes(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

bool Statement::is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

std::optional<std::int64_t> Statement::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

void Statement::reset() {
    if (!m_stmt) return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bind_error = SQLITE_OK;
}

// --- Connection ---

Connection::~Connection() { sqlite3_close_v2(m_db); }

Connection& Connection::operator=(Connection&& o) noexcept {
    if (this != &o) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(o.m_db, nullptr);
        m_error = o.m_error;
        m_observer = std::exchange(o.m_observer, nullptr);
    }
    return *this;
}

Result<Connection> Connection::open(const std::string& path, const Options& options) {
    int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
    if (options.no_mutex) flags |= SQLITE_OPEN_NOMUTEX;
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, options.vfs);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return Error{"cannot open the database " + path + ": " + why};
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    return Connection(db);
}

Result<Connection> Connection::inspect(const std::string& path) {
    auto exists = [](const std::string& f) {
        struct stat st {};
        return ::stat(f.c_str(), &st) == 0;
    };
    const bool live = exists(path + "-wal") && exists(path + "-shm");
    std::string uri = "file:";
    for (char c : path) // a URI's own characters, escaped
        uri += c == '%' ? "%25" : c == '?' ? "%3f" : c == '#' ? "%23" : std::string(1, c);
    uri += live ? "?mode=ro" : "?immutable=1";
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return Error{"cannot open the database " + path + ": " + why};
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return Connection(db);
}

Status Connection::failure(int rc, std::string_view what) {
    m_error = rc;
    std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    if (kind_of(rc) == ErrorKind::busy) msg += " (busy)";
    if (!what.empty()) msg = std::string(what) + ": " + msg;
    return Status::failure(std::move(msg));
}

Status Connection::exec(std::string_view sql) {
    if (!m_db) return Status::failure("the database is not open");
    const std::string text(sql);
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        Status st = failure(rc, "");
        if (m_observer) m_observer->write_failed(rc, st.error());
        return st;
    }
    return Status::success();
}

bool Connection::exec_quietly(const std::string& sql) noexcept {
    return m_db && sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

Result<Statement> Connection::prepare(std::string_view sql, bool persistent) {
    if (!m_db) return Error{"the database is not open"};
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return Error{failure(rc, "cannot prepare a statement").error()};
    }
    if (!stmt) return Error{"cannot prepare a statement: it is empty"};
    return Statement(m_db, stmt, m_observer);
}

Result<std::string> Connection::query_text(std::string_view sql) {
    Result<Statement> s = prepare(sql);
    if (!s) return Error{s.error()};
    Result<bool> row = s->step();
    if (!row) {
        m_error = s->error_code();
        return Error{row.error()};
    }
    if (!*row) return Error{"the query answered no row: " + std::string(sql)};
    return s->text(0);
}

Result<std::int64_t> Connection::query_int64(std::string_view sql) {
    Result<Statement> s = prepare(sql);
    if (!s) return Error{s.error()};
    Result<bool> row = s->step();
    if (!row) {
        m_error = s->error_code();
        return Error{row.error()};
    }
    if (!*row) return Error{"the query answered no row: " + std::string(sql)};
    return s->int64(0);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db); }
int Connection::changes() const { return sqlite3_changes(m_db); }
std::int64_t Connection::total_changes() const { return sqlite3_total_changes(m_db); }
bool Connection::in_transaction() const { return m_db && !sqlite3_get_autocommit(m_db); }
std::string Connection::error_message() const { return m_db ? sqlite3_errmsg(m_db) : "the database is not open"; }

Status Connection::check_room(int bytes) const {
    const char* main = m_db ? sqlite3_db_filename(m_db, "main") : nullptr;
    if (!main || !*main) return Status::success(); // in memory
    sqlite3_vfs* vfs = nullptr;
    if (sqlite3_file_control(m_db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK || !vfs)
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
    for (int off = 0; rc == SQLITE_OK && off < bytes; off += 4096)
        rc = file->pMethods->xWrite(file, block.data(), static_cast<int>(block.size()), off);
    // Closing deletes it; what matters is whether the writes fitted.
    if (file->pMethods) (void)file->pMethods->xClose(file);
    if (rc == SQLITE_OK) return Status::success();
    return Status::failure(sqlite3_errstr(rc));
}

// --- Transaction and Savepoint ---

Transaction::~Transaction() noexcept { rollback(); }

Status Transaction::begin(Mode mode) {
    const char* sql = mode == Mode::immediate   ? "BEGIN IMMEDIATE"
                      : mode == Mode::exclusive ? "BEGIN EXCLUSIVE"
                                                : "BEGIN";
    m_changes_before = m_c.total_changes();
    Status st = m_c.exec(sql);
    m_active = st.ok();
    return st;
}

Status Transaction::commit() {
    if (!m_active) return Status::failure("no transaction to commit");
    Status st = m_c.exec("COMMIT");
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY): the
    // destructor still rolls it back.
    if (st.ok() || !m_c.in_transaction()) m_active = false;
    if (st.ok() && m_c.m_observer && m_c.total_changes() != m_changes_before)
        m_c.m_observer->write_committed();
    return st;
}

void Transaction::rollback() noexcept {
    if (!m_active) return;
    m_active = false;
    // Nothing more to do if it fails: SQLite rolls the transaction back
    // when the connection next begins one or closes.
    if (m_c.in_transaction()) (void)m_c.exec_quietly("ROLLBACK");
}

Savepoint::~Savepoint() noexcept { rollback(); }

Status Savepoint::begin() {
    Status st = m_c.exec("SAVEPOINT \"" + m_name + "\"");
    m_active = st.ok();
    return st;
}

Status Savepoint::release() {
    if (!m_active) return Status::failure("no savepoint to release");
    Status st = m_c.exec("RELEASE \"" + m_name + "\"");
    if (st.ok()) m_active = false;
    return st;
}

bool Savepoint::rollback() noexcept {
    if (!m_active) return true;
    m_active = false;
    // Undo its writes, then end it; the enclosing transaction carries on.
    try {
        const bool undone = m_c.exec_quietly("ROLLBACK TO \"" + m_name + "\"");
        return m_c.exec_quietly("RELEASE \"" + m_name + "\"") && undone;
    } catch (...) { // the names' strings: out of memory
        return false;
    }
}

} // namespace touchpoint::sqlite
