// The sync queue: the next batch of closed, pending responses, and the
// server's answer marked on them (synced, or rejected with its reason).
#include "app/local_database_impl.h"
#include "app/local_database_schema.h"

namespace touchpoint {

using namespace local_db;

template <typename Key>
Status LocalDatabase::Impl::mark_synced(const char* key, const std::vector<Key>& keys) {
    if (!db.is_open()) return Status::failure("The database is not open.");
    std::optional<Failure> failed = [&]() -> std::optional<Failure> {
        Result<sqlite::Statement*> upd =
            statement(std::string("UPDATE responses SET sync_state = 'synced' WHERE ") + key +
                      " = ?1 AND closed = 1 AND sync_state = 'pending'");
        if (!upd) return Failure{db.error_kind(), upd.error()};
        sqlite::Transaction t(db);
        if (Status st = t.begin(sqlite::Transaction::Mode::immediate); !st)
            return Failure{db.error_kind(), st.error()};
        for (const auto& k : keys) {
            sqlite::ResetOnExit reset(**upd);
            if (Status st = (*upd)->bind(1, k).run(); !st)
                return Failure{(*upd)->error_kind(), st.error()};
        }
        if (Status st = t.commit(); !st) return Failure{db.error_kind(), st.error()};
        return std::nullopt;
    }();
    if (failed) return fail(*failed, "marking responses as sent");
    return Status::success();
}

Result<std::vector<Response>> LocalDatabase::pending_batch(int limit) const {
    return m_impl->collect(
        std::vector<Response>(),
        std::string("SELECT ") + kColumns +
            " FROM responses WHERE closed = 1 AND sync_state = 'pending' ORDER BY seq LIMIT ?1",
        "reading pending responses",
        [](std::vector<Response>& out, const sqlite::Statement& u) {
            read_response(u, out.emplace_back());
        },
        limit);
}

Status LocalDatabase::mark_synced(const std::vector<std::string>& ids) {
    return m_impl->mark_synced("id", ids);
}

// By sequence: the row's key, so there is no id index to search.
Status LocalDatabase::mark_synced(const std::vector<std::int64_t>& sequences) {
    return m_impl->mark_synced("seq", sequences);
}

Status LocalDatabase::mark_rejected(const std::string& id, const std::string& reason) {
    return m_impl->change_response("UPDATE responses SET sync_state = 'rejected', "
                                   "reject_reason = ?2 WHERE id = ?1 AND closed = 1",
                                   "marking a response as rejected", id, "is still open", reason);
}

} // namespace touchpoint
