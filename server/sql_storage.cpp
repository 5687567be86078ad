#include "server/sql_storage.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

namespace touchpoint::server {

const char* const SqlStorage::k_idle_write_sql =
    "UPDATE counters SET value = value WHERE name = 'response_seq'";

std::optional<StorageFailure> SqlStorage::last_write_failure() {
    return m_write_failures.last();
}

void SqlStorage::note_failed_write(bool disk_full, const std::string& error) {
    if (disk_full)
        m_write_failures.failed(StorageFailure::Kind::disk_full,
                                "the database disk is full (" + error + ")");
    else
        m_write_failures.failed(StorageFailure::Kind::unavailable,
                                "the database cannot be written (" + error + ")");
}

// PostgreSQL's writers run at once: a transaction locks the rows it reads to
// change (an enrolment code, the touch points it edits, the counter of the
// insertion sequence, the responses it prunes). SQLite's are serialised by
// its write lock (BEGIN IMMEDIATE) already.
const char* SqlStorage::lock_rows() const {
    return m_dialect == Dialect::postgres ? " FOR UPDATE" : "";
}

template <class T, class Read>
Result<std::vector<T>> SqlStorage::rows_of(const std::string& what, const std::string& sql,
                                           const SqlParams& params, Read read) {
    std::vector<T> out;
    const Status st = on_connection([&](SqlSession& db) {
        return db.run(sql, params, [&](const SqlRow& r) { out.push_back(read(r)); }).status(what);
    });
    if (!st) return Error{st.error()};
    return out;
}

template <class T, class Read>
Result<std::optional<T>> SqlStorage::row_of(const std::string& what, const std::string& sql,
                                            const SqlParams& params, Read read) {
    std::optional<T> out;
    const Status st = on_connection([&](SqlSession& db) {
        return db.run(sql, params, [&](const SqlRow& r) { if (!out) out = read(r); }).status(what);
    });
    if (!st) return Error{st.error()};
    return out;
}

// --- Administration ---

namespace {

StoreRecord read_store(const SqlRow& r) {
    return StoreRecord{r.text(0), r.text(1), r.text(2)};
}

// A touch point with its settings, its survey (NULL when none) and when.
SqlParams touch_point_values(const TouchPointRecord& t) {
    return {t.name, t.settings_json, SqlValue::text_or_null(t.survey_json), t.updated_utc_ms, t.key};
}

const char* const k_update_touch_point_sql =
    "UPDATE touch_points SET name = ?1, settings_json = ?2, survey_json = ?3, "
    "updated_utc_ms = ?4 WHERE key = ?5";

} // namespace

Status SqlStorage::create_store(const StoreRecord& s, std::int64_t now_ms) {
    return on_connection([&](SqlSession& db) {
        const SqlResult r = db.run("INSERT INTO stores (id, name, time_zone, created_utc_ms) "
                                   "VALUES (?1, ?2, ?3, ?4)",
                                   {s.id, s.name, s.time_zone, now_ms});
        if (r.violation == SqlResult::Violation::unique)
            return Status::failure("store \"" + s.id + "\" already exists");
        return r.status("cannot create the store");
    });
}

Result<StoreRecord> SqlStorage::store(const std::string& id) {
    auto found = row_of<StoreRecord>("cannot read the store",
                                     "SELECT id, name, time_zone FROM stores WHERE id = ?1", {id},
                                     read_store);
    if (!found) return Error{found.error()};
    if (!*found) return Error{"no store \"" + id + "\""};
    return std::move(**found);
}

Result<std::vector<StoreRecord>> SqlStorage::list_stores() {
    return rows_of<StoreRecord>("cannot list the stores",
                                "SELECT id, name, time_zone FROM stores ORDER BY id", {},
                                read_store);
}

// Adds a version of a touch point's settings unless they are its newest
// version already (a second change within one millisecond replaces the
// first). The casts type the parameters for PostgreSQL.
Status SqlStorage::record_settings(SqlSession& db, const TouchPointRecord& t) {
    return db
        .run("INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json) "
             "SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), CAST(?3 AS TEXT) "
             "WHERE CAST(?3 AS TEXT) IS DISTINCT FROM (SELECT settings_json "
             "FROM touch_point_history WHERE touch_point = ?1 ORDER BY changed_utc_ms DESC LIMIT 1) "
             "ON CONFLICT (touch_point, changed_utc_ms) DO UPDATE SET settings_json = "
             "excluded.settings_json",
             {t.key, t.updated_utc_ms, t.settings_json})
        .status("cannot keep the settings' history");
}

Status SqlStorage::create_touch_point(const TouchPointRecord& t) {
    return in_transaction("the new touch point", [&](SqlSession& db) {
        const SqlResult r = db.run("INSERT INTO touch_points (key, store_id, name, settings_json, "
                                   "survey_json, updated_utc_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                   {t.key, t.store_id, t.name, t.settings_json,
                                    SqlValue::text_or_null(t.survey_json), t.updated_utc_ms});
        if (r.violation == SqlResult::Violation::unique)
            return Status::failure("touch point \"" + t.key + "\" already exists");
        if (r.violation == SqlResult::Violation::foreign_key)
            return Status::failure("no store \"" + t.store_id + "\"");
        if (!r.ok) return r.status("cannot create the touch point");
        return record_settings(db, t);
    });
}

Result<TouchPointRecord> SqlStorage::touch_point(const std::string& key) {
    auto found = row_of<TouchPointRecord>(
        "cannot read the touch point",
        std::string("SELECT ") + k_touch_point_columns + " FROM touch_points WHERE key = ?1",
        {key}, read_touch_point);
    if (!found) return Error{found.error()};
    if (!*found) return Error{"no touch point \"" + key + "\""};
    return std::move(**found);
}

Status SqlStorage::update_touch_point(const TouchPointRecord& t) {
    return in_transaction("the touch point's update", [&](SqlSession& db) {
        const SqlResult r = db.run(k_update_touch_point_sql, touch_point_values(t));
        if (!r.ok) return r.status("cannot update the touch point");
        if (r.changes == 0) return Status::failure("no touch point \"" + t.key + "\"");
        return record_settings(db, t);
    });
}

Status SqlStorage::create_enrollment_code(const std::string& code_hash,
                                          const std::string& touch_point, std::int64_t now_ms,
                                          std::int64_t expires_utc_ms) {
    return on_connection([&](SqlSession& db) {
        const SqlResult r = db.run("INSERT INTO enrollment_codes (code_hash, touch_point, "
                                   "created_utc_ms, expires_utc_ms) VALUES (?1, ?2, ?3, ?4)",
                                   {code_hash, touch_point, now_ms, expires_utc_ms});
        if (r.violation == SqlResult::Violation::foreign_key)
            return Status::failure("no touch point \"" + touch_point + "\"");
        return r.status("cannot create the enrolment code");
    });
}

Status SqlStorage::create_api_key(const ApiKeyRecord& k, const std::string& key_hash) {
    return on_connection([&](SqlSession& db) {
        const SqlResult r = db.run("INSERT INTO api_keys (id, key_hash, role, store_id, "
                                   "created_utc_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                                   {k.id, key_hash, role_name(k.role),
                                    SqlValue::text_or_null(k.store_id), k.created_utc_ms});
        if (r.violation == SqlResult::Violation::foreign_key)
            return Status::failure("no store \"" + k.store_id + "\"");
        return r.status("cannot create the API key");
    });
}

// Revoking twice keeps the first time.
Status SqlStorage::revoke(const std::string& table, const std::string& noun,
                          const std::string& id, std::int64_t now_ms) {
    return on_connection([&](SqlSession& db) {
        const SqlResult r = db.run("UPDATE " + table +
                                       " SET revoked_utc_ms = coalesce(revoked_utc_ms, ?1) "
                                       "WHERE id = ?2",
                                   {now_ms, id});
        if (r.ok && r.changes == 0) return Status::failure("no " + noun + " \"" + id + "\"");
        return r.status("cannot revoke the " + noun);
    });
}

Status SqlStorage::revoke_device(const std::string& id, std::int64_t now_ms) {
    return revoke("devices", "device", id, now_ms);
}

Status SqlStorage::revoke_api_key(const std::string& id, std::int64_t now_ms) {
    return revoke("api_keys", "API key", id, now_ms);
}

Result<std::vector<DeviceRecord>> SqlStorage::list_devices(const std::string& store_id) {
    const std::string sql = std::string("SELECT ") + k_device_columns + " FROM devices" +
                            (store_id.empty() ? "" : " WHERE store_id = ?1") +
                            " ORDER BY store_id, touch_point, id";
    SqlParams params;
    if (!store_id.empty()) params.push_back(store_id);
    return rows_of<DeviceRecord>("cannot list the devices", sql, params, read_device);
}

Result<std::vector<TouchPointRecord>> SqlStorage::list_touch_points(const std::string& store_id) {
    const std::string sql = std::string("SELECT ") + k_touch_point_columns + " FROM touch_points" +
                            (store_id.empty() ? "" : " WHERE store_id = ?1") + " ORDER BY key";
    SqlParams params;
    if (!store_id.empty()) params.push_back(store_id);
    return rows_of<TouchPointRecord>("cannot list the touch points", sql, params,
                                     read_touch_point);
}

Result<std::vector<TouchPointRecord>>
SqlStorage::edit_touch_points(const std::string& store_id, const std::string& key,
                              const std::function<Status(TouchPointRecord&)>& edit) {
    std::vector<TouchPointRecord> found;
    const Status st = in_transaction("the change", [&](SqlSession& db) {
        found.clear();
        // Locked until commit: a concurrent edit waits and then sees this one's result.
        const SqlResult r = db.run(std::string("SELECT ") + k_touch_point_columns +
                                       " FROM touch_points WHERE (?1 = '' OR store_id = ?1) "
                                       "AND (?2 = '' OR key = ?2) ORDER BY key" +
                                       lock_rows(),
                                   {store_id, key},
                                   [&](const SqlRow& row) { found.push_back(read_touch_point(row)); });
        if (!r.ok) return r.status("cannot read the touch points");
        for (TouchPointRecord& t : found) {
            if (Status edited = edit(t); !edited) return edited;
            const SqlResult upd = db.run(k_update_touch_point_sql, touch_point_values(t));
            if (!upd.ok) return upd.status("cannot update touch point " + t.key);
            if (Status kept = record_settings(db, t); !kept) return kept;
        }
        return Status::success();
    });
    if (!st) return Error{st.error()};
    return found;
}

Result<std::vector<ApiKeyRecord>> SqlStorage::list_api_keys() {
    return rows_of<ApiKeyRecord>("cannot list the API keys",
                                 std::string("SELECT ") + k_api_key_columns +
                                     " FROM api_keys ORDER BY created_utc_ms, id",
                                 {}, read_api_key);
}

Result<std::vector<TouchPointChange>> SqlStorage::touch_point_history(const std::string& store_id) {
    return rows_of<TouchPointChange>(
        "cannot read the touch points' history",
        "SELECT h.touch_point, h.changed_utc_ms, h.settings_json "
        "FROM touch_point_history h JOIN touch_points t ON t.key = h.touch_point "
        "WHERE ?1 = '' OR t.store_id = ?1 ORDER BY h.touch_point, h.changed_utc_ms",
        {store_id},
        [](const SqlRow& r) { return TouchPointChange{r.text(0), r.int64(1), r.text(2)}; });
}

// --- Devices ---

Result<EnrollOutcome> SqlStorage::enroll(const std::string& code_hash, const NewDevice& device,
                                         std::int64_t now_ms) {
    EnrollOutcome out;
    const Status st = in_transaction("the enrolment", [&](SqlSession& db) {
        out = EnrollOutcome{};
        // Locked: of two instances enrolling with one code, the second waits
        // and then finds it used.
        struct Code {
            std::string touch_point;
            std::int64_t expires_utc_ms;
            bool used;
        };
        std::optional<Code> code;
        SqlResult r = db.run(std::string("SELECT touch_point, expires_utc_ms, used_utc_ms FROM "
                                         "enrollment_codes WHERE code_hash = ?1") +
                                 lock_rows(),
                             {code_hash}, [&](const SqlRow& row) {
                                 code = Code{row.text(0), row.int64(1), !row.is_null(2)};
                             });
        if (!r.ok) return r.status("cannot read the enrolment code");
        if (!code) {
            out.status = EnrollStatus::unknown_code;
            return Status::success();
        }
        if (code->used) {
            out.status = EnrollStatus::used_code;
            return Status::success();
        }
        if (now_ms >= code->expires_utc_ms) {
            out.status = EnrollStatus::expired_code;
            return Status::success();
        }

        bool found = false;
        r = db.run("SELECT t.key, t.store_id, t.name, t.settings_json, t.survey_json, "
                   "t.updated_utc_ms, s.name, s.time_zone FROM touch_points t "
                   "JOIN stores s ON s.id = t.store_id WHERE t.key = ?1",
                   {code->touch_point}, [&](const SqlRow& row) {
                       found = true;
                       out.touch_point = read_touch_point(row);
                       out.store = {row.text(1), row.text(6), row.text(7)};
                   });
        if (!r.ok || !found)
            return Status::failure("the enrolment code's touch point is missing" +
                                   (r.ok ? std::string() : ": " + r.error));

        r = db.run("UPDATE enrollment_codes SET used_utc_ms = ?1, used_by_device = ?2 "
                   "WHERE code_hash = ?3 AND used_utc_ms IS NULL",
                   {now_ms, device.id, code_hash});
        if (!r.ok) return r.status("cannot use the enrolment code");
        if (r.changes == 0) {
            out.status = EnrollStatus::used_code;
            return Status::success();
        }
        r = db.run("INSERT INTO devices (id, name, store_id, touch_point, token_hash, "
                   "enrolled_utc_ms, last_seen_utc_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   {device.id, device.name, out.store.id, code->touch_point, device.token_hash,
                    now_ms, now_ms});
        if (!r.ok) return r.status("cannot create the device");
        fill_enrolled(out, device, code->touch_point, now_ms);
        return Status::success();
    });
    if (!st) return Error{st.error()};
    return out;
}

Result<std::optional<DeviceRecord>>
SqlStorage::device_by_token_hash(const std::string& token_hash) {
    return row_of<DeviceRecord>(
        "cannot look up the device",
        std::string("SELECT ") + k_device_columns + " FROM devices WHERE token_hash = ?1",
        {token_hash}, read_device);
}

Result<std::optional<ApiKeyRecord>> SqlStorage::api_key_by_hash(const std::string& key_hash) {
    return row_of<ApiKeyRecord>(
        "cannot look up the API key",
        std::string("SELECT ") + k_api_key_columns + " FROM api_keys WHERE key_hash = ?1",
        {key_hash}, read_api_key);
}

// --- Ingest ---

namespace {

const char* const k_device_seen_sql =
    "UPDATE devices SET last_seen_utc_ms = ?1, health_json = coalesce(?2, health_json) "
    "WHERE id = ?3";

} // namespace

Result<BatchOutcome> SqlStorage::ingest_in(SqlSession& db, const DeviceRecord& device,
                                           const std::vector<IncomingResponse>& responses,
                                           const std::string& health_json, std::int64_t now_ms) {
    BatchOutcome outcome;
    if (!responses.empty()) {
        // The insertion sequence is read and advanced inside this write
        // transaction (locked until it commits), so batches that insert take
        // their numbers one after another, in commit order: a reader's cursor
        // never misses a later commit (a SEQUENCE could hand a lower number
        // to a later commit).
        std::optional<std::int64_t> seq;
        SqlResult r =
            db.run(std::string("SELECT value FROM counters WHERE name = 'response_seq'") +
                       lock_rows(),
                   {}, [&](const SqlRow& row) { seq = row.int64(0); });
        if (!r.ok || !seq)
            return Error{"cannot read the insertion sequence" +
                         (r.ok ? std::string() : ": " + r.error)};

        // What is stored or erased already under the batch's ids, looked up
        // once the counter is locked, so no other batch inserts meanwhile
        // (erasure and pruning only take rows away).
        std::vector<std::string> ids;
        ids.reserve(responses.size());
        for (const IncomingResponse& in : responses)
            ids.push_back(in.response.id);
        const TextList list = text_list(ids, 1);
        KnownIds known;
        r = db.run("SELECT id, content_hash FROM responses WHERE id " + list.sql +
                       " UNION ALL SELECT id, NULL FROM erased_responses WHERE id " + list.sql,
                   {list.value}, [&](const SqlRow& row) {
                       if (row.is_null(1))
                           known.erased.insert(row.text(0));
                       else
                           known.stored.emplace(row.text(0), row.text(1));
                   });
        if (!r.ok) return Error{"cannot look up the batch's responses: " + r.error};

        IngestPlan plan = plan_ingest(device, responses, std::move(known), *seq);
        if (!plan.fresh.empty()) {
            if (Status st = insert_responses(db, device, plan, now_ms); !st)
                return Error{st.error()};
            if (Status st = add_to_rollup(db, plan.rollup); !st) return Error{st.error()};
            r = db.run("UPDATE counters SET value = ?1 WHERE name = 'response_seq'",
                       {plan.last_seq});
            if (!r.ok) return Error{"cannot advance the insertion sequence: " + r.error};
        }
        outcome = std::move(plan.outcome);
    }
    const SqlResult seen =
        db.run(k_device_seen_sql, {now_ms, SqlValue::text_or_null(health_json), device.id});
    if (!seen.ok) return Error{"cannot record the device's health: " + seen.error};
    return outcome;
}

Status SqlStorage::insert_responses(SqlSession& db, const DeviceRecord& device,
                                    const IngestPlan& plan, std::int64_t now_ms) {
    std::int64_t seq = plan.first_seq;
    for (const IncomingResponse* in : plan.fresh) {
        const Response& r = in->response;
        const SqlResult ins = db.run(
            "INSERT INTO responses (id, device_id, store_id, touch_point, survey_id, "
            "survey_version, question_id, scale, score, reasons_json, comment, language, utc_ms, "
            "local_time, local_day, local_hour, sequence, misuse, device_clock_suspect, "
            "server_clock_suspect, received_utc_ms, content_hash, seq) VALUES (?1, ?2, ?3, ?4, "
            "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
            "?22, ?23)",
            {r.id, device.id, device.store_id, device.touch_point, r.survey_id, r.survey_version,
             r.question_id, std::string(to_string(r.scale)), r.score,
             nlohmann::json(r.reasons).dump(), r.comment, r.language, r.utc_ms, r.local_time,
             r.local_day, r.local_hour, r.sequence, r.misuse, r.clock_suspect,
             in->server_clock_suspect, now_ms, in->content_hash, ++seq});
        if (!ins.ok) return ins.status("cannot store response " + r.id);
    }
    return Status::success();
}

namespace {

// A cell's key columns as parameters, in the table's column order.
void add_key(SqlParams& params, const RollupTable& table, const RollupKey& k) {
    params.push_back(std::get<0>(k));
    params.push_back(std::get<1>(k));
    params.push_back(std::get<2>(k));
    if (table.hourly) params.push_back(std::get<3>(k));
    params.push_back(std::get<4>(k));
    params.push_back(std::get<5>(k));
    params.push_back(std::get<6>(k));
}

// "col1 = ?first AND col2 = ?first+1 …" over the table's key columns.
std::string key_match(const RollupTable& table, std::size_t first) {
    std::string out;
    std::string columns = table.key_columns;
    std::size_t start = 0;
    for (std::size_t n = first;; ++n) {
        const std::size_t comma = columns.find(", ", start);
        if (!out.empty()) out += " AND ";
        out += columns.substr(start, comma == std::string::npos ? comma : comma - start) + " = " +
               placeholder(n);
        if (comma == std::string::npos) break;
        start = comma + 2;
    }
    return out;
}

std::size_t key_size(const RollupTable& table) {
    return table.hourly ? 7 : 6;
}

} // namespace

Status SqlStorage::add_to_rollup(SqlSession& db, const RollupDelta& delta) {
    for (const RollupTable* table : {&k_hourly_rollup, &k_daily_rollup}) {
        std::string values;
        for (std::size_t i = 1; i <= key_size(*table) + 1; ++i)
            values += (i > 1 ? ", " : "") + placeholder(i);
        const std::string sql = std::string("INSERT INTO ") + table->name + " (" +
                                table->key_columns + ", n) VALUES (" + values +
                                ") ON CONFLICT (" + table->key_columns +
                                ") DO UPDATE SET n = " + table->name + ".n + excluded.n";
        for (const auto& [key, n] : table->hourly ? delta.hourly() : delta.daily()) {
            SqlParams params;
            add_key(params, *table, key);
            params.push_back(n);
            const SqlResult r = db.run(sql, params);
            if (!r.ok) return r.status("cannot update the roll-up");
        }
    }
    return Status::success();
}

// Takes each cell's count out of both roll-ups, dropping cells that reach zero.
Status SqlStorage::take_from_rollup(SqlSession& db, const RollupDelta& delta) {
    for (const RollupTable* table : {&k_hourly_rollup, &k_daily_rollup}) {
        const std::string take = std::string("UPDATE ") + table->name + " SET n = n - ?1 WHERE " +
                                 key_match(*table, 2);
        const std::string drop =
            std::string("DELETE FROM ") + table->name + " WHERE " + key_match(*table, 1) +
            " AND n <= 0";
        for (const auto& [key, n] : table->hourly ? delta.hourly() : delta.daily()) {
            SqlParams cell;
            add_key(cell, *table, key);
            SqlParams counted{SqlValue(n)};
            counted.insert(counted.end(), cell.begin(), cell.end());
            SqlResult r = db.run(take, counted);
            if (r.ok) r = db.run(drop, cell);
            if (!r.ok) return r.status("cannot update the roll-up");
        }
    }
    return Status::success();
}

Status SqlStorage::heartbeat_in(SqlSession& db, const std::string& device_id,
                                const std::string& health_json, std::int64_t now_ms) {
    const SqlResult r =
        db.run(k_device_seen_sql, {now_ms, SqlValue::text_or_null(health_json), device_id});
    if (!r.ok) return r.status("cannot record the heartbeat");
    if (r.changes == 0) return Status::failure("no device \"" + device_id + "\"");
    return Status::success();
}

// --- Reading back ---

Result<std::optional<StoredResponse>> SqlStorage::response(const std::string& id) {
    return row_of<StoredResponse>(
        "cannot read the response",
        std::string("SELECT ") + k_response_columns + " FROM responses WHERE id = ?1", {id},
        read_response);
}

Result<std::int64_t> SqlStorage::response_count() {
    auto n = row_of<std::int64_t>("cannot count the responses", "SELECT count(*) FROM responses",
                                  {}, [](const SqlRow& r) { return r.int64(0); });
    if (!n) return Error{n.error()};
    return n->value_or(0);
}

Result<std::int64_t> SqlStorage::last_seq() {
    auto n = row_of<std::int64_t>("cannot read the insertion sequence",
                                  "SELECT value FROM counters WHERE name = 'response_seq'", {},
                                  [](const SqlRow& r) { return r.int64(0); });
    if (!n) return Error{n.error()};
    if (!*n) return Error{"cannot read the insertion sequence: it is missing"};
    return **n;
}

Result<std::vector<StoredResponse>> SqlStorage::list_responses(const ResponseFilter& filter,
                                                               std::size_t limit) {
    SqlParams params;
    const std::string where = where_of(filter, true, true, params);
    params.push_back(static_cast<std::int64_t>(limit));
    const std::string sql = std::string("SELECT ") + k_response_columns + " FROM responses" +
                            where + " ORDER BY seq LIMIT " + placeholder(params.size());
    std::vector<StoredResponse> out;
    // Streamed: an export's pages are decoded while the scan goes on. The
    // page is reserved at its first row, once the database has set its read
    // up: made before, it would sit under what the read allocates and, freed,
    // stay in the worker thread's heap rather than go back to the system (an
    // export holds one page at a time, and the server's memory shows it).
    const Status st = on_connection([&](SqlSession& db) {
        return db
            .stream(sql, params,
                    [&](const SqlRow& r) {
                        if (out.empty()) out.reserve(std::min<std::size_t>(limit, 4096));
                        out.push_back(read_response(r));
                    })
            .status("cannot list the responses");
    });
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<RollupCount>> SqlStorage::rollup(const ResponseFilter& filter,
                                                    const SummaryGrouping& g) {
    // The cells are read in key order and summed here (RollupCells) rather
    // than with GROUP BY: SQLite would sort them in a temporary b-tree first,
    // several times slower than one pass into a small map, and grouped by
    // touch point and day (or finer) a group is about one cell anyway.
    // PostgreSQL sums coarser groups itself (the rows it sends are then
    // few); the fields not grouped by read as '' / -1 either way.
    SqlParams params;
    const std::string where = where_of(filter, false, false, params);
    const std::string table = g.hour ? k_hourly_rollup.name : k_daily_rollup.name;
    const std::string hour = g.hour ? "local_hour" : "-1";
    std::string sql;
    if (m_dialect == Dialect::postgres && !(g.touch_point && g.day)) {
        std::string group_by;
        for (const char* col : {g.store ? "store_id" : "", g.touch_point ? "touch_point" : "",
                                g.day ? "local_day" : "", g.hour ? "local_hour" : ""})
            if (*col) group_by += std::string(col) + ", ";
        sql = std::string("SELECT ") + (g.store ? "store_id" : "''::TEXT") + ", " +
              (g.touch_point ? "touch_point" : "''::TEXT") + ", " +
              (g.day ? "local_day" : "''::TEXT") + ", " + hour +
              ", scale, score, misuse, sum(n) FROM " + table + where + " GROUP BY " + group_by +
              "scale, score, misuse";
    } else {
        sql = "SELECT store_id, touch_point, local_day, " + hour + ", scale, score, misuse, n FROM " +
              table + where;
        // SQLite's scan follows the key already; PostgreSQL's needs telling.
        if (m_dialect == Dialect::postgres)
            sql += std::string(" ORDER BY store_id, touch_point, local_day") +
                   (g.hour ? ", local_hour" : "");
    }
    RollupCells cells;
    const Status st = on_connection([&](SqlSession& db) {
        return db
            .run(sql, params,
                 [&](const SqlRow& r) {
                     cells.add(g.store ? r.text(0) : std::string(),
                               g.touch_point ? r.text(1) : std::string(),
                               g.day ? r.text(2) : std::string(),
                               g.hour ? static_cast<int>(r.int64(3)) : -1, r.text(4), r.int64(5),
                               r.int64(6) != 0, r.int64(7));
                 })
            .status("cannot read the roll-up");
    });
    if (!st) return Error{st.error()};
    return cells.counts();
}

Result<std::vector<DayScores>> SqlStorage::day_scores(const std::string& store_id,
                                                      const std::string& touch_point, Scale scale,
                                                      const std::string& from_day,
                                                      const std::string& to_day) {
    // Summed per day by the database along the roll-up's key (store, touch
    // point, day, ...): one row per day crosses over, not one per cell.
    static const std::string sql = [] {
        std::string q = "SELECT local_day";
        for (int score = 0; score <= 10; ++score)
            q += ", sum(CASE WHEN score = " + std::to_string(score) + " THEN n ELSE 0 END)";
        return q + " FROM " + k_daily_rollup.name +
               " WHERE store_id = ?1 AND touch_point = ?2 AND local_day >= ?3 AND local_day <= ?4"
               " AND scale = ?5 AND misuse = 0 GROUP BY local_day ORDER BY local_day";
    }();
    SqlParams params{store_id, touch_point, from_day, to_day, std::string(to_string(scale))};
    std::vector<DayScores> out;
    const Status st = on_connection([&](SqlSession& db) {
        return db
            .run(sql, params,
                 [&](const SqlRow& r) {
                     DayScores d;
                     d.local_day = r.text(0);
                     for (int score = 0; score <= 10; ++score)
                         d.counted[static_cast<std::size_t>(score)] = r.int64(score + 1);
                     out.push_back(std::move(d));
                 })
            .status("cannot read the daily roll-up");
    });
    if (!st) return Error{st.error()};
    return out;
}

Result<std::vector<ReasonCount>> SqlStorage::reason_counts(const ResponseFilter& filter) {
    SqlParams params;
    const std::string where = where_of(filter, false, true, params);
    const std::string sql = "SELECT touch_point, reasons_json FROM responses" + where +
                            (where.empty() ? " WHERE" : " AND") + " reasons_json <> '[]'";
    ReasonTally tally;
    const Status st = on_connection([&](SqlSession& db) {
        return db.stream(sql, params, [&](const SqlRow& r) { tally.add(r.text(0), r.text(1)); })
            .status("cannot count the reasons");
    });
    if (!st) return Error{st.error()};
    return tally.counts();
}

Result<std::vector<StoredResponse>> SqlStorage::recent_comments(const ResponseFilter& filter,
                                                                std::size_t per_touch_point) {
    SqlParams params;
    const std::string where = where_of(filter, false, true, params);
    params.push_back(static_cast<std::int64_t>(per_touch_point));
    const std::string sql = std::string("SELECT ") + k_response_columns +
                            " FROM (SELECT *, row_number() OVER (PARTITION BY touch_point "
                            "ORDER BY utc_ms DESC, seq DESC) AS nth FROM responses" +
                            where + (where.empty() ? " WHERE" : " AND") +
                            " comment <> '') AS newest WHERE nth <= " +
                            placeholder(params.size()) + " ORDER BY touch_point, nth";
    return rows_of<StoredResponse>("cannot read the comments", sql, params, read_response);
}

// --- Erasing ---

namespace {

// The roll-up columns of a deleted response (RETURNING), in RollupDelta's order.
const char* const k_returning_cell =
    " RETURNING store_id, touch_point, local_day, local_hour, scale, score, misuse";

void count_cell(RollupDelta& delta, const SqlRow& r) {
    delta.add(r.text(0), r.text(1), r.text(2), static_cast<int>(r.int64(3)), r.text(4),
              static_cast<int>(r.int64(5)), r.int64(6) != 0);
}

} // namespace

Result<EraseStatus> SqlStorage::erase_response(const std::string& id, std::int64_t now_ms) {
    EraseStatus status = EraseStatus::not_found;
    const Status st = in_transaction("the erasure", [&](SqlSession& db) {
        RollupDelta delta;
        std::string store_id;
        SqlResult r = db.run(std::string("DELETE FROM responses WHERE id = ?1") + k_returning_cell,
                             {id}, [&](const SqlRow& row) {
                                 count_cell(delta, row);
                                 store_id = row.text(0);
                             });
        if (!r.ok) return r.status("cannot erase the response");
        if (delta.empty()) {
            bool tombstone = false;
            r = db.run("SELECT 1 FROM erased_responses WHERE id = ?1", {id},
                       [&](const SqlRow&) { tombstone = true; });
            if (!r.ok) return r.status("cannot look up the response");
            status = tombstone ? EraseStatus::already_erased : EraseStatus::not_found;
            return Status::success();
        }
        if (Status taken = take_from_rollup(db, delta); !taken) return taken;
        // Kept so a kiosk resending the response does not bring it back.
        r = db.run("INSERT INTO erased_responses (id, store_id, erased_utc_ms) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (id) DO NOTHING",
                   {id, store_id, now_ms});
        if (!r.ok) return r.status("cannot keep the tombstone");
        status = EraseStatus::erased;
        return Status::success();
    });
    if (!st) return Error{st.error()};
    return status;
}

Result<std::int64_t> SqlStorage::prune_responses(std::int64_t cutoff_utc_ms) {
    // Short transactions of a few thousand rows each, oldest first, so
    // batches keep flowing while a large backlog is pruned.
    constexpr std::int64_t k_chunk = 5000;
    const std::string sql = std::string("DELETE FROM responses WHERE id IN (SELECT id FROM "
                                        "responses WHERE utc_ms < ?1 ORDER BY utc_ms LIMIT ?2") +
                            lock_rows() + ")" + k_returning_cell;
    std::int64_t total = 0;
    for (;;) {
        std::int64_t deleted = 0;
        const Status st = in_transaction("pruning", [&](SqlSession& db) {
            RollupDelta delta;
            deleted = 0;
            const SqlResult r = db.run(sql, {cutoff_utc_ms, k_chunk}, [&](const SqlRow& row) {
                count_cell(delta, row);
                ++deleted;
            });
            if (!r.ok) return r.status("cannot prune responses");
            return take_from_rollup(db, delta);
        });
        if (!st) return Error{st.error()};
        total += deleted;
        if (deleted < k_chunk) break;
    }
    return total;
}

// --- The server's own secrets ---

Result<std::string> SqlStorage::server_secret(const std::string& name,
                                              const std::string& candidate,
                                              std::int64_t now_ms) {
    std::optional<std::string> value;
    const Status st = on_connection([&](SqlSession& db) {
        // Two statements, not one: an INSERT that waited for another
        // instance's insert of the same name does nothing, and only a
        // statement started after that commit sees the row it kept.
        SqlResult r = db.run("INSERT INTO server_secrets (name, value, created_utc_ms) "
                             "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
                             {name, candidate, now_ms});
        if (!r.ok) return r.status("cannot keep the server secret");
        r = db.run("SELECT value FROM server_secrets WHERE name = ?1", {name},
                   [&](const SqlRow& row) { value = row.text(0); });
        if (!r.ok || !value)
            return Status::failure("cannot read the server secret" +
                                   (r.ok ? std::string() : ": " + r.error));
        return Status::success();
    });
    if (!st) return Error{st.error()};
    return std::move(*value);
}

} // namespace touchpoint::server
