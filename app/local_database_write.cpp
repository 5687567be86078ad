// The write path: a tap's insert (the hot path), the follow-up answers,
// closing, and pruning what has been synced.
#include "app/local_database_impl.h"
#include "app/local_database_schema.h"

#include <utility>

namespace touchpoint {

using namespace local_db;

std::optional<Failure> LocalDatabase::Impl::load_last_row() {
    seq_loaded = false;
    bool has = false;
    std::int64_t s = 0, u_ms = 0;
    {
        sqlite::ResetOnExit reset(*tap.last);
        Result<bool> row = tap.last->step();
        if (!row) return Failure{tap.last->error_kind(), row.error()};
        if (*row) {
            has = true;
            s = tap.last->int64(0);
            u_ms = tap.last->int64(1);
        }
    }
    {
        sqlite::ResetOnExit reset(*tap.floor);
        Result<bool> row = tap.floor->step();
        if (!row) return Failure{tap.floor->error_kind(), row.error()};
        if (!*row) return Failure{ErrorKind::other, "the sequence floor answered no row"};
        if (!tap.floor->is_null(0)) {
            std::int64_t fs = tap.floor->int64(0);
            if (!has || fs > s) {
                has = true;
                s = fs;
                u_ms = tap.floor->int64(1);
            }
        }
    }
    has_last = has;
    last_seq = s;
    last_utc = u_ms;
    seq_loaded = true;
    return std::nullopt;
}

// The hot path: one autocommit INSERT (its triggers update the rollups in the
// same transaction), so a tap costs what a bare INSERT costs plus a cached
// statement or two. The sequence number comes from a cache of the last row,
// re-read when another connection has committed (PRAGMA data_version); if a
// writer slips in between, the primary key refuses the number and we re-read
// and retry.
Status LocalDatabase::insert_open(Response& r) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    if (r.id.empty()) return Status::failure("A response needs an id before it can be saved.");
    if (!score_in_range(r.scale, r.score))
        return Status::failure("The score " + std::to_string(r.score) + " is not on the scale " +
                               std::string(to_string(r.scale)) + ".");
    if (r.local_hour < 0 || r.local_hour > 23)
        return Status::failure("The local hour " + std::to_string(r.local_hour) +
                               " is not between 0 and 23.");

    if (!impl.tap.ready) {
        for (auto [slot, sql] : {
                 std::pair{&impl.tap.version, std::string("PRAGMA data_version")},
                 std::pair{&impl.tap.insert, insert_sql()},
                 std::pair{
                     &impl.tap.last,
                     std::string("SELECT seq, utc_ms FROM responses ORDER BY seq DESC LIMIT 1")},
                 std::pair{
                     &impl.tap.floor,
                     std::string("SELECT (SELECT value FROM meta WHERE key = 'last_sequence'), "
                                 "(SELECT value FROM meta WHERE key = 'last_utc_ms')")},
             }) {
            Result<sqlite::Statement*> s = impl.statement(sql);
            if (!s) return impl.fail(impl.db.error_kind(), "the tap", s.error());
            *slot = *s;
        }
        impl.tap.ready = true;
    }

    std::optional<Failure> failed;
    std::int64_t seq = 0;
    bool suspect = false;
    for (int attempt = 0; attempt < 5; ++attempt) {
        failed.reset();
        std::int64_t dv = -1;
        {
            sqlite::ResetOnExit reset(*impl.tap.version);
            Result<bool> row = impl.tap.version->step();
            if (!row || !*row) {
                failed = row ? Failure{ErrorKind::other, "the data version answered no row"}
                             : Failure{impl.tap.version->error_kind(), row.error()};
                break;
            }
            dv = impl.tap.version->int64(0);
        }
        if (!impl.seq_loaded || dv != impl.data_version) {
            failed = impl.load_last_row();
            if (failed) break;
            impl.data_version = dv;
        }
        seq = impl.last_seq + 1;
        suspect = r.clock_suspect || (impl.has_last && r.utc_ms < impl.last_utc);
        sqlite::Statement& w = *impl.tap.insert;
        bool taken = false;
        {
            sqlite::ResetOnExit reset(w);
            bind_response(w, r);
            // What the database decides, over what the caller passed in.
            w.bind(1, seq).bind(18, suspect).bind(19, false).bind(20, "pending").bind(21, "");
            if (Status st = w.run(); !st) {
                failed = Failure{w.error_kind(), st.error()};
                taken = w.constraint() == sqlite::Constraint::primary_key;
            }
        }
        if (taken) {
            impl.seq_loaded = false; // another connection took the number
            continue;
        }
        break;
    }

    if (failed) {
        impl.seq_loaded = false;
        if (failed->kind == ErrorKind::constraint && get(r.id).ok())
            return Status::failure("A response with id " + r.id + " is already stored.");
        if (failed->kind == ErrorKind::full) ++impl.taps_lost_to_full_disk;
        return impl.fail(*failed, "the tap");
    }
    impl.has_last = true;
    impl.last_seq = seq;
    impl.last_utc = r.utc_ms;

    r.sequence = seq;
    r.clock_suspect = suspect;
    r.closed = false;
    r.sync_state = SyncState::pending;
    r.reject_reason.clear();

    if (impl.state == "disk full") {
        impl.state = "ok";
        impl.last_error.clear();
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

Status LocalDatabase::amend(const std::string& id, const std::vector<std::string>& reasons,
                            const std::string& comment) {
    return m_impl->change_response(
        "UPDATE responses SET reasons = ?2, comment = ?3 WHERE id = ?1 AND closed = 0",
        "saving the follow-up answers", id, "is already closed", reasons_to_json(reasons), comment);
}

Status LocalDatabase::close(const std::string& id) {
    // Closing twice is harmless: only an unknown id is refused.
    return m_impl->change_response("UPDATE responses SET closed = 1 WHERE id = ?1 AND closed = 0",
                                   "closing the response", id, nullptr);
}

Result<std::int64_t> LocalDatabase::close_all_open() {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    Status st = impl.db.exec("UPDATE responses SET closed = 1 WHERE closed = 0");
    if (!st)
        return Error{impl.fail(impl.db.error_kind(), "closing open responses", st.error()).error()};
    return static_cast<std::int64_t>(impl.db.changes());
}

Result<std::int64_t> LocalDatabase::prune_synced(int retention_days, std::int64_t now_utc_ms) {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    if (retention_days < 0) return Error{"The retention period cannot be negative."};
    const std::int64_t cutoff = now_utc_ms - static_cast<std::int64_t>(retention_days) * 86400000;
    std::int64_t deleted = 0;
    std::optional<Failure> failed = [&]() -> std::optional<Failure> {
        sqlite::Connection& db = impl.db;
        sqlite::Transaction t(db);
        if (Status st = t.begin(sqlite::Transaction::Mode::immediate); !st)
            return Failure{db.error_kind(), st.error()};
        // Remember the newest row's place so the sequence never goes back
        // and clock checks still see it, even if it is pruned.
        Status st = db.exec(R"(INSERT INTO meta (key, value)
                SELECT 'last_sequence', CAST(seq AS TEXT) FROM
                    (SELECT seq FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (st)
            st = db.exec(R"(INSERT INTO meta (key, value)
                SELECT 'last_utc_ms', CAST(utc_ms AS TEXT) FROM
                    (SELECT utc_ms FROM responses ORDER BY seq DESC LIMIT 1) WHERE true
                ON CONFLICT (key) DO UPDATE SET value = excluded.value)");
        if (!st) return Failure{db.error_kind(), st.error()};
        Result<sqlite::Statement> del = db.prepare(
            "DELETE FROM responses WHERE sync_state = 'synced' AND closed = 1 AND utc_ms < ?1");
        if (!del) return Failure{db.error_kind(), del.error()};
        if (st = del->bind(1, cutoff).run(); !st) return Failure{del->error_kind(), st.error()};
        deleted = db.changes();
        if (st = t.commit(); !st) return Failure{db.error_kind(), st.error()};
        return std::nullopt;
    }();
    impl.seq_loaded = false;
    if (failed) return Error{impl.fail(*failed, "removing old synced responses").error()};
    if (impl.state == "disk full" && deleted > 0) {
        impl.state = "ok";
        impl.last_error.clear();
    }
    return deleted;
}

} // namespace touchpoint
