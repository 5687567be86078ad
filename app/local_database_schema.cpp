#include "app/local_database_schema.h"

#include "app/local_database.h"

#include <nlohmann/json.hpp>

namespace touchpoint {

namespace local_db {

// Append new migrations, never edit old ones.
//
// The dashboard rollups (hour_scores, day_reasons) are kept by triggers, so
// every path that changes responses (insert, amend, prune, salvage) updates
// them in the same transaction and they can never drift from the rows.
const std::vector<std::vector<const char*>>& migrations() {
    static const std::vector<std::vector<const char*>> list = {
        {
            R"(CREATE TABLE meta (
                key TEXT PRIMARY KEY NOT NULL,
                value TEXT NOT NULL
            ) WITHOUT ROWID)",

            // seq is the rowid: the per-device sequence number, assigned by the
            // database, so salvage can walk the table by rowid ranges.
            R"(CREATE TABLE responses (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                device_id TEXT NOT NULL,
                touch_point TEXT NOT NULL,
                survey_id TEXT NOT NULL,
                survey_version INTEGER NOT NULL,
                question_id TEXT NOT NULL,
                scale TEXT NOT NULL,
                score INTEGER NOT NULL,
                reasons TEXT NOT NULL DEFAULT '[]',
                comment TEXT NOT NULL DEFAULT '',
                language TEXT NOT NULL,
                utc_ms INTEGER NOT NULL,
                local_time TEXT NOT NULL,
                local_day TEXT NOT NULL,
                local_hour INTEGER NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
                misuse INTEGER NOT NULL CHECK (misuse IN (0, 1)),
                clock_suspect INTEGER NOT NULL CHECK (clock_suspect IN (0, 1)),
                closed INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
                sync_state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (sync_state IN ('pending', 'synced', 'rejected')),
                reject_reason TEXT NOT NULL DEFAULT ''
            ))",

            // Partial indexes: each holds only the rows its query looks for.
            "CREATE INDEX responses_pending ON responses(seq) "
            "WHERE closed = 1 AND sync_state = 'pending'",
            "CREATE INDEX responses_open ON responses(seq) WHERE closed = 0",
            "CREATE INDEX responses_rejected ON responses(seq) WHERE sync_state = 'rejected'",
            "CREATE INDEX responses_synced_time ON responses(utc_ms) "
            "WHERE sync_state = 'synced'",
            "CREATE INDEX responses_commented ON responses(seq) WHERE comment <> ''",

            R"(CREATE TABLE hour_scores (
                local_day TEXT NOT NULL,
                local_hour INTEGER NOT NULL,
                scale TEXT NOT NULL,
                score INTEGER NOT NULL,
                misuse INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (local_day, local_hour, scale, score, misuse)
            ) WITHOUT ROWID)",

            R"(CREATE TABLE day_reasons (
                local_day TEXT NOT NULL,
                reason TEXT NOT NULL,
                misuse INTEGER NOT NULL,
                n INTEGER NOT NULL,
                PRIMARY KEY (local_day, reason, misuse)
            ) WITHOUT ROWID)",

            R"(CREATE TABLE store_events (
                id INTEGER PRIMARY KEY,
                utc_ms INTEGER NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                acknowledged INTEGER NOT NULL DEFAULT 0
            ))",

            R"(CREATE TRIGGER responses_tally_insert AFTER INSERT ON responses BEGIN
                INSERT INTO hour_scores (local_day, local_hour, scale, score, misuse, n)
                    VALUES (NEW.local_day, NEW.local_hour, NEW.scale, NEW.score, NEW.misuse, 1)
                    ON CONFLICT (local_day, local_hour, scale, score, misuse)
                    DO UPDATE SET n = n + 1;
                INSERT INTO day_reasons (local_day, reason, misuse, n)
                    SELECT DISTINCT NEW.local_day, value, NEW.misuse, 1
                    FROM json_each(NEW.reasons) WHERE true
                    ON CONFLICT (local_day, reason, misuse) DO UPDATE SET n = n + 1;
            END)",

            R"(CREATE TRIGGER responses_tally_delete AFTER DELETE ON responses BEGIN
                UPDATE hour_scores SET n = n - 1
                    WHERE local_day = OLD.local_day AND local_hour = OLD.local_hour
                      AND scale = OLD.scale AND score = OLD.score AND misuse = OLD.misuse;
                DELETE FROM hour_scores
                    WHERE local_day = OLD.local_day AND local_hour = OLD.local_hour
                      AND scale = OLD.scale AND score = OLD.score AND misuse = OLD.misuse
                      AND n <= 0;
                UPDATE day_reasons SET n = n - 1
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse
                      AND reason IN (SELECT value FROM json_each(OLD.reasons));
                DELETE FROM day_reasons
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse AND n <= 0;
            END)",

            R"(CREATE TRIGGER responses_tally_reasons AFTER UPDATE OF reasons ON responses
                WHEN OLD.reasons IS NOT NEW.reasons BEGIN
                UPDATE day_reasons SET n = n - 1
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse
                      AND reason IN (SELECT value FROM json_each(OLD.reasons));
                DELETE FROM day_reasons
                    WHERE local_day = OLD.local_day AND misuse = OLD.misuse AND n <= 0;
                INSERT INTO day_reasons (local_day, reason, misuse, n)
                    SELECT DISTINCT NEW.local_day, value, NEW.misuse, 1
                    FROM json_each(NEW.reasons) WHERE true
                    ON CONFLICT (local_day, reason, misuse) DO UPDATE SET n = n + 1;
            END)",

            // The tap itself never changes once written; a closed response
            // never changes at all except for its sync state.
            R"(CREATE TRIGGER responses_tap_fixed BEFORE UPDATE OF
                id, seq, scale, score, misuse, utc_ms, local_day, local_hour ON responses
                WHEN OLD.id IS NOT NEW.id OR OLD.seq IS NOT NEW.seq
                  OR OLD.scale IS NOT NEW.scale OR OLD.score IS NOT NEW.score
                  OR OLD.misuse IS NOT NEW.misuse OR OLD.utc_ms IS NOT NEW.utc_ms
                  OR OLD.local_day IS NOT NEW.local_day OR OLD.local_hour IS NOT NEW.local_hour
                BEGIN SELECT RAISE(ABORT, 'a recorded tap cannot change'); END)",
            R"(CREATE TRIGGER responses_closed_fixed BEFORE UPDATE OF reasons, comment ON responses
                WHEN OLD.closed = 1
                BEGIN SELECT RAISE(ABORT, 'a closed response cannot change'); END)",

            // A brand-new file counts as cleanly shut down.
            "INSERT INTO meta (key, value) VALUES ('clean_shutdown', '1')",
        },
    };
    return list;
}

const std::string& insert_sql() {
    static const std::string sql = std::string("INSERT INTO responses (") + kColumns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
    return sql;
}

std::string reasons_to_json(const std::vector<std::string>& reasons) {
    if (reasons.empty()) return "[]";
    return nlohmann::json(reasons).dump();
}

namespace {

std::vector<std::string> reasons_from_json(const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return out;
    for (const auto& v : j)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

} // namespace

void read_response(const sqlite::Statement& q, Response& r) {
    r.sequence = q.int64(0);
    r.id = q.text(1);
    r.device_id = q.text(2);
    r.touch_point = q.text(3);
    r.survey_id = q.text(4);
    r.survey_version = static_cast<int>(q.int64(5));
    r.question_id = q.text(6);
    r.scale = scale_from_string(q.text(7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(q.int64(8));
    r.reasons = reasons_from_json(q.text(9));
    r.comment = q.text(10);
    r.language = q.text(11);
    r.utc_ms = q.int64(12);
    r.local_time = q.text(13);
    r.local_day = q.text(14);
    r.local_hour = static_cast<int>(q.int64(15));
    r.misuse = q.int64(16) != 0;
    r.clock_suspect = q.int64(17) != 0;
    r.closed = q.int64(18) != 0;
    std::string state = q.text(19);
    r.sync_state = state == "synced"     ? SyncState::synced
                   : state == "rejected" ? SyncState::rejected
                                         : SyncState::pending;
    r.reject_reason = q.text(20);
}

void bind_response(sqlite::Statement& q, const Response& r) {
    q.bind_all(r.sequence, r.id, r.device_id, r.touch_point, r.survey_id, r.survey_version,
               r.question_id, to_string(r.scale), r.score, reasons_to_json(r.reasons), r.comment,
               r.language, r.utc_ms, r.local_time, r.local_day, r.local_hour, r.misuse,
               r.clock_suspect, r.closed, to_string(r.sync_state), r.reject_reason);
}

} // namespace local_db

int local_database_schema_version() {
    return static_cast<int>(local_db::migrations().size());
}

} // namespace touchpoint
