#include "server/storage_schema.h"

namespace touchpoint::server {

namespace {

// Plain SQL both backends take (BIGINT, TEXT, no AUTOINCREMENT; flags are
// integers 0/1), with two hooks a dialect fills in:
//   {text}              the type of a text column
//   {number_responses}  statements giving the responses already stored their
//                       insertion sequence numbers (seq)
// A migration, once released, never changes: a database made by an older
// server must come out of it the same as one made by this one.
const char* const k_migrations[] = {
    R"sql(
CREATE TABLE stores (
    id {text} PRIMARY KEY,
    name {text} NOT NULL,
    time_zone {text} NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
CREATE TABLE touch_points (
    key {text} PRIMARY KEY,
    store_id {text} NOT NULL REFERENCES stores(id),
    name {text} NOT NULL,
    settings_json {text} NOT NULL,
    survey_json {text},
    updated_utc_ms BIGINT NOT NULL
);
CREATE TABLE enrollment_codes (
    code_hash {text} PRIMARY KEY,
    touch_point {text} NOT NULL REFERENCES touch_points(key),
    created_utc_ms BIGINT NOT NULL,
    expires_utc_ms BIGINT NOT NULL,
    used_utc_ms BIGINT,
    used_by_device {text}
);
CREATE TABLE devices (
    id {text} PRIMARY KEY,
    name {text} NOT NULL,
    store_id {text} NOT NULL REFERENCES stores(id),
    touch_point {text} NOT NULL REFERENCES touch_points(key),
    token_hash {text} NOT NULL UNIQUE,
    enrolled_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT,
    last_seen_utc_ms BIGINT,
    health_json {text}
);
CREATE TABLE api_keys (
    id {text} PRIMARY KEY,
    key_hash {text} NOT NULL UNIQUE,
    role {text} NOT NULL CHECK (role IN ('head-office', 'store')),
    store_id {text} REFERENCES stores(id),
    created_utc_ms BIGINT NOT NULL,
    revoked_utc_ms BIGINT
);
CREATE TABLE responses (
    id {text} PRIMARY KEY,
    device_id {text} NOT NULL REFERENCES devices(id),
    store_id {text} NOT NULL REFERENCES stores(id),
    touch_point {text} NOT NULL REFERENCES touch_points(key),
    survey_id {text} NOT NULL,
    survey_version INTEGER NOT NULL,
    question_id {text} NOT NULL,
    scale {text} NOT NULL,
    score INTEGER NOT NULL,
    reasons_json {text} NOT NULL,
    comment {text} NOT NULL,
    language {text} NOT NULL,
    utc_ms BIGINT NOT NULL,
    local_time {text} NOT NULL,
    local_day {text} NOT NULL,
    local_hour INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    misuse INTEGER NOT NULL,
    device_clock_suspect INTEGER NOT NULL,
    server_clock_suspect INTEGER NOT NULL,
    received_utc_ms BIGINT NOT NULL,
    content_hash {text} NOT NULL
);
CREATE INDEX responses_store_day ON responses (store_id, local_day);
CREATE INDEX responses_touch_point_day ON responses (touch_point, local_day);
CREATE INDEX responses_received ON responses (received_utc_ms);
)sql",
    // Head-office reading: an insertion sequence for stable paging, a roll-up
    // for summaries, tombstones of erased responses, an index for retention.
    R"sql(
ALTER TABLE responses ADD COLUMN seq BIGINT;
{number_responses}
CREATE UNIQUE INDEX responses_seq ON responses (seq);
CREATE INDEX responses_store_seq ON responses (store_id, seq);
CREATE INDEX responses_touch_point_seq ON responses (touch_point, seq);
CREATE INDEX responses_utc ON responses (utc_ms);
DROP INDEX responses_store_day;
DROP INDEX responses_touch_point_day;
DROP INDEX responses_received;
CREATE TABLE counters (
    name {text} PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) SELECT 'response_seq', coalesce(max(seq), 0) FROM responses;
CREATE TABLE response_rollup (
    store_id {text} NOT NULL,
    touch_point {text} NOT NULL,
    local_day {text} NOT NULL,
    local_hour INTEGER NOT NULL,
    scale {text} NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, local_hour, scale, score, misuse)
);
INSERT INTO response_rollup (store_id, touch_point, local_day, local_hour, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse, count(*)
    FROM responses GROUP BY store_id, touch_point, local_day, local_hour, scale, score, misuse;
CREATE TABLE erased_responses (
    id {text} PRIMARY KEY,
    store_id {text} NOT NULL,
    erased_utc_ms BIGINT NOT NULL
);
)sql",
    // A daily roll-up beside the hourly one: summaries not grouped by hour read
    // a tenth of the cells (a year of 40 touch points is ~100 000 of them).
    R"sql(
CREATE TABLE response_rollup_daily (
    store_id {text} NOT NULL,
    touch_point {text} NOT NULL,
    local_day {text} NOT NULL,
    scale {text} NOT NULL,
    score INTEGER NOT NULL,
    misuse INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (store_id, touch_point, local_day, scale, score, misuse)
);
INSERT INTO response_rollup_daily (store_id, touch_point, local_day, scale, score, misuse, n)
    SELECT store_id, touch_point, local_day, scale, score, misuse, sum(n)
    FROM response_rollup GROUP BY store_id, touch_point, local_day, scale, score, misuse;
)sql",
    // Secrets the server keeps for itself (the key that seals paging cursors),
    // one per name, shared by every instance on the database.
    R"sql(
CREATE TABLE server_secrets (
    name {text} PRIMARY KEY,
    value {text} NOT NULL,
    created_utc_ms BIGINT NOT NULL
);
)sql",
    // Every version of each touch point's settings, so a past day keeps the
    // service standard and opening hours it had. What is there now has been
    // in force since before the history began.
    R"sql(
CREATE TABLE touch_point_history (
    touch_point {text} NOT NULL REFERENCES touch_points(key),
    changed_utc_ms BIGINT NOT NULL,
    settings_json {text} NOT NULL,
    PRIMARY KEY (touch_point, changed_utc_ms)
);
INSERT INTO touch_point_history (touch_point, changed_utc_ms, settings_json)
    SELECT key, 0, settings_json FROM touch_points;
)sql",
};

// --- The dialect hooks ---

// Text compares byte-wise on both: SQLite's TEXT does; PostgreSQL's is told
// to (COLLATE "C"), whatever the database's locale, so days, keys and ids
// sort the same on both backends.
const char* text_type(Dialect d) {
    return d == Dialect::postgres ? "TEXT COLLATE \"C\"" : "TEXT";
}

// SQLite numbers the responses in the order they were stored (rowid);
// PostgreSQL, which has no such order, by receipt time and id, and can then
// forbid a missing seq.
const char* number_responses(Dialect d) {
    if (d == Dialect::sqlite) return "UPDATE responses SET seq = rowid;";
    return "UPDATE responses SET seq = numbered.n FROM\n"
           "    (SELECT id, row_number() OVER (ORDER BY received_utc_ms, id) AS n FROM responses) "
           "AS numbered\n"
           "    WHERE responses.id = numbered.id;\n"
           "ALTER TABLE responses ALTER COLUMN seq SET NOT NULL;";
}

void replace_all(std::string& text, const std::string& hook, const std::string& with) {
    for (std::size_t at = text.find(hook); at != std::string::npos;
         at = text.find(hook, at + with.size()))
        text.replace(at, hook.size(), with);
}

} // namespace

int storage_schema_version() {
    return static_cast<int>(sizeof k_migrations / sizeof k_migrations[0]);
}

std::vector<std::string> storage_migrations(Dialect dialect) {
    std::vector<std::string> out;
    for (const char* m : k_migrations) {
        std::string sql = m;
        replace_all(sql, "{text}", text_type(dialect));
        replace_all(sql, "{number_responses}", number_responses(dialect));
        out.push_back(std::move(sql));
    }
    return out;
}

} // namespace touchpoint::server
