// Health for the staff panel (state, last error, sizes, counts), the events
// staff acknowledge, and the pragmas diagnostics read.
#include "app/local_database_impl.h"

#include <sys/statvfs.h>

#include <chrono>

namespace touchpoint {

using namespace local_db;

namespace {

std::int64_t now_utc_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

DatabaseHealth LocalDatabase::health() const {
    Impl& impl = *m_impl;
    DatabaseHealth h;
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

Result<std::vector<DatabaseEvent>> LocalDatabase::events() const {
    return m_impl->collect(
        std::vector<DatabaseEvent>(),
        "SELECT id, utc_ms, kind, message, acknowledged FROM store_events ORDER BY id",
        "reading events", [](std::vector<DatabaseEvent>& out, const sqlite::Statement& u) {
            DatabaseEvent e;
            e.id = u.int64(0);
            e.utc_ms = u.int64(1);
            e.kind = u.text(2);
            e.message = u.text(3);
            e.acknowledged = u.int64(4) != 0;
            out.push_back(std::move(e));
        });
}

Status LocalDatabase::record_event(const std::string& kind, const std::string& message) {
    return record_event(kind, message, now_utc_ms());
}

Status LocalDatabase::record_event(const std::string& kind, const std::string& message,
                                   std::int64_t utc_ms) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes =
        impl.write("INSERT INTO store_events (utc_ms, kind, message) VALUES (?1, ?2, ?3)",
                   "recording an event", utc_ms, kind, message);
    if (!changes) return Status::failure(changes.error());
    return Status::success();
}

Status LocalDatabase::acknowledge_event(std::int64_t id) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    auto changes = impl.write("UPDATE store_events SET acknowledged = 1 WHERE id = ?1",
                              "acknowledging an event", id);
    if (!changes) return Status::failure(changes.error());
    if (*changes == 0) return Status::failure("There is no event " + std::to_string(id) + ".");
    return Status::success();
}

Result<std::string> LocalDatabase::pragma_value(const std::string& name) const {
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
