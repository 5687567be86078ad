#include "app/local_database_impl.h"

#include <sys/stat.h>
#include <unistd.h>

namespace touchpoint {

namespace local_db {

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

} // namespace local_db

namespace {

// Whether a response exists and is closed: -1 unknown id, 0 open, 1 closed.
int closed_state(sqlite::Connection& db, const std::string& id) {
    Result<sqlite::Statement> s = db.prepare("SELECT closed FROM responses WHERE id = ?1");
    if (!s) return -1;
    Result<bool> row = s->bind(1, id).step();
    if (!row || !*row) return -1;
    return s->int64(0) != 0 ? 1 : 0;
}

} // namespace

LocalDatabase::Impl::OpenLock::~OpenLock() {
    if (fd >= 0) ::close(fd);
}

Result<sqlite::Statement*> LocalDatabase::Impl::statement(const std::string& sql) {
    auto it = cache.find(sql);
    if (it != cache.end()) return &it->second;
    Result<sqlite::Statement> s = db.prepare(sql, true);
    if (!s) return Error{s.error()};
    return &cache.emplace(sql, std::move(s).value()).first->second;
}

Status LocalDatabase::Impl::fail(ErrorKind kind, const std::string& doing,
                                 const std::string& detail) {
    std::string msg = local_db::plain_failure(kind, doing, detail);
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

std::string LocalDatabase::Impl::read_failure(ErrorKind kind, const std::string& doing,
                                              const std::string& detail) {
    if (kind == ErrorKind::corrupt) return fail(kind, doing, detail).error();
    return local_db::plain_failure(kind, doing, detail);
}

Status LocalDatabase::Impl::why_unchanged(const std::string& id, const char* unchanged) {
    if (closed_state(db, id) < 0)
        return Status::failure("There is no response with id " + id + ".");
    if (!unchanged) return Status::success();
    return Status::failure("The response " + id + " " + unchanged + ".");
}

Result<std::int64_t> LocalDatabase::Impl::number(const std::string& sql, const char* doing) {
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

} // namespace touchpoint
