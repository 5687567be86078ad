#pragma once
// The kiosk database's schema and a response's row: the migrations, the
// column list every read and the insert share, and how a Response binds to
// and reads from a statement. Internal to local_database_*.cpp.
#include "core/response.h"
#include "sqlite/sqlite.h"

#include <string>
#include <vector>

namespace touchpoint::local_db {

// Each migration is a list of statements; migration i (1-based) brings the
// database to user_version i.
const std::vector<std::vector<const char*>>& migrations();

// Column list shared by every read and by the insert (same order).
constexpr const char* kColumns =
    "seq, id, device_id, touch_point, survey_id, survey_version, question_id, scale, score, "
    "reasons, comment, language, utc_ms, local_time, local_day, local_hour, misuse, "
    "clock_suspect, closed, sync_state, reject_reason";
constexpr int kColumnCount = 21;

// INSERT INTO responses (kColumns) VALUES (?1 .. ?21).
const std::string& insert_sql();

// The reasons column: a JSON array of reason keys.
std::string reasons_to_json(const std::vector<std::string>& reasons);

// A row read with kColumns, into `r`.
void read_response(const sqlite::Statement& q, Response& r);
// Every field of `r` bound to ?1 .. ?21, in kColumns' order.
void bind_response(sqlite::Statement& q, const Response& r);

} // namespace touchpoint::local_db
