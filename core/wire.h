#pragma once
// The JSON wire format shared by the kiosk (export, sync) and the server:
// responses, surveys (the same schema as the survey TOML) and touch point
// settings. docs/api.md describes every field.
#include "core/response.h"
#include "core/result.h"
#include "core/survey.h"
#include "core/touch_point.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace touchpoint {

// Writes every wire field of a response (not its local sync state).
nlohmann::json to_json(const Response& r);

// Appends the same bytes as to_json(r).dump() (keys sorted, compact), written
// straight from the fields: the sync client's batches and the server's content
// hash need it hundreds of times a batch. Text must be valid UTF-8, which
// every reader of responses guarantees.
void append_json(std::string& out, const Response& r);
// Appends `s` as a JSON string literal (quotes included), escaped as
// nlohmann::json::dump() does. `s` must be valid UTF-8.
void append_json_string(std::string& out, const std::string& s);

// Length limits applied when reading a response from the wire. Lengths are in
// characters (Unicode code points), not bytes.
struct WireLimits {
    std::size_t max_comment_chars = 1000;
    std::size_t max_reasons = 20;
    std::size_t max_reason_chars = 64;
    std::size_t max_name_chars = 100;    // survey_id, question_id, touch_point
    std::size_t max_language_chars = 35; // a BCP 47 tag such as "mi" or "zh-Hans"
};

// Reads one closed response from its wire JSON. Every problem is reported as
// "<field>: <what is wrong>" (the first one found). The result is closed and
// pending; local_day and local_hour come from local_time when absent. Never throws.
Result<Response> response_from_json(const nlohmann::json& j, const WireLimits& limits = {});

// The batch answer's "committed_digest" (docs/api.md, POST /api/v1/batches):
// lower-case hex of the SHA-256 of the ids of the responses the answer counts
// as stored (accepted and duplicates, one per position in the batch), sorted
// by their bytes, each followed by "\n". No ids: the SHA-256 of nothing.
// Thread-safe; never throws (except std::bad_alloc).
std::string committed_digest(std::vector<std::string> ids);

// Counts Unicode code points in UTF-8 text.
std::size_t utf8_length(const std::string& s);

// A survey as JSON, with the same keys as the survey TOML.
nlohmann::json to_json(const Survey& s);
// Reads a survey from JSON with the checks of the TOML reader. Unknown keys are
// ignored (a newer server may send more). Never throws.
Result<Survey> survey_from_json(const nlohmann::json& j);

// Touch point settings as JSON, with the keys of the kiosk's [touch_point] table;
// opening hours per weekday as "08:00-17:00" / "closed" / "24h".
nlohmann::json to_json(const TouchPointSettings& t);
// Reads touch point settings from JSON; unknown keys are ignored. Never throws.
Result<TouchPointSettings> touch_point_from_json(const nlohmann::json& j);

// "08:00-12:00, 13:00-17:30", "closed" or "24h" (the inverse of parse_open_intervals).
std::string format_open_intervals(const std::vector<OpenInterval>& intervals);

} // namespace touchpoint
