#include "server/storage_rows.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace touchpoint::server {

// --- Records and their columns ---

const char* const k_response_columns =
    "id, device_id, store_id, touch_point, survey_id, survey_version, question_id, scale, score, "
    "reasons_json, comment, language, utc_ms, local_time, local_day, local_hour, sequence, misuse, "
    "device_clock_suspect, server_clock_suspect, received_utc_ms, seq";

const char* const k_device_columns = "id, name, store_id, touch_point, enrolled_utc_ms, "
                                     "revoked_utc_ms, last_seen_utc_ms, health_json";

const char* const k_api_key_columns = "id, role, store_id, created_utc_ms, revoked_utc_ms";

const char* const k_touch_point_columns =
    "key, store_id, name, settings_json, survey_json, updated_utc_ms";

StoredResponse read_response(const SqlRow& s) {
    StoredResponse out;
    Response& r = out.response;
    r.id = s.text(0);
    r.device_id = s.text(1);
    out.store_id = s.text(2);
    r.touch_point = s.text(3);
    r.survey_id = s.text(4);
    r.survey_version = static_cast<int>(s.int64(5));
    r.question_id = s.text(6);
    r.scale = scale_from_string(s.text(7)).value_or(Scale::smiley5);
    r.score = static_cast<int>(s.int64(8));
    read_reasons_json(s.text(9), r.reasons);
    r.comment = s.text(10);
    r.language = s.text(11);
    r.utc_ms = s.int64(12);
    r.local_time = s.text(13);
    r.local_day = s.text(14);
    r.local_hour = static_cast<int>(s.int64(15));
    r.sequence = s.int64(16);
    r.misuse = s.int64(17) != 0;
    out.device_clock_suspect = s.int64(18) != 0;
    out.server_clock_suspect = s.int64(19) != 0;
    r.clock_suspect = out.device_clock_suspect || out.server_clock_suspect;
    r.closed = true;
    r.sync_state = SyncState::synced;
    out.received_utc_ms = s.int64(20);
    out.seq = s.int64(21);
    return out;
}

DeviceRecord read_device(const SqlRow& s) {
    DeviceRecord d;
    d.id = s.text(0);
    d.name = s.text(1);
    d.store_id = s.text(2);
    d.touch_point = s.text(3);
    d.enrolled_utc_ms = s.int64(4);
    d.revoked_utc_ms = s.opt_int64(5);
    d.last_seen_utc_ms = s.opt_int64(6);
    d.health_json = s.text(7);
    return d;
}

ApiKeyRecord read_api_key(const SqlRow& s) {
    ApiKeyRecord k;
    k.id = s.text(0);
    k.role = s.text(1) == role_name(ApiKeyRole::head_office) ? ApiKeyRole::head_office
                                                             : ApiKeyRole::store;
    k.store_id = s.text(2);
    k.created_utc_ms = s.int64(3);
    k.revoked_utc_ms = s.opt_int64(4);
    return k;
}

TouchPointRecord read_touch_point(const SqlRow& s) {
    return TouchPointRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5)};
}

const char* role_name(ApiKeyRole r) {
    return r == ApiKeyRole::head_office ? "head-office" : "store";
}

std::string placeholder(std::size_t n) {
    return "?" + std::to_string(n);
}

std::string where_of(const ResponseFilter& f, bool with_seq, bool with_misuse,
                     SqlParams& params) {
    std::string sql;
    auto add = [&sql](const std::string& clause) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += clause;
    };
    auto compare = [&](const char* clause, SqlValue v) {
        params.push_back(std::move(v));
        add(clause + placeholder(params.size()));
    };
    if (!f.store_id.empty()) compare("store_id = ", f.store_id);
    if (!f.touch_point.empty()) compare("touch_point = ", f.touch_point);
    if (!f.from_day.empty()) compare("local_day >= ", f.from_day);
    if (!f.to_day.empty()) compare("local_day <= ", f.to_day);
    if (with_misuse && !f.include_misuse) add("misuse = 0");
    if (with_seq) {
        compare("seq > ", f.after_seq);
        compare("seq <= ", f.up_to_seq);
    }
    return sql;
}

// --- Reasons ---

// Without a JSON library when there are no escapes (the usual case, and the
// hot path of an export); else with one.
void read_reasons_json(const std::string& text, std::vector<std::string>& out) {
    if (text.size() <= 2) return;
    if (text.find('\\') == std::string::npos && text.front() == '[' && text.back() == ']') {
        std::size_t i = 1;
        while (i < text.size()) {
            std::size_t open = text.find('"', i);
            if (open == std::string::npos) return;
            std::size_t close = text.find('"', open + 1);
            if (close == std::string::npos) return;
            out.emplace_back(text, open + 1, close - open - 1);
            i = close + 1;
        }
        return;
    }
    auto reasons = nlohmann::json::parse(text, nullptr, false);
    if (reasons.is_array())
        for (const auto& v : reasons)
            if (v.is_string()) out.push_back(v.get<std::string>());
}

void ReasonTally::add(const std::string& touch_point, const std::string& reasons_json) {
    m_scratch.clear();
    read_reasons_json(reasons_json, m_scratch);
    if (m_scratch.empty()) return;
    auto& counts = m_counts[touch_point];
    for (const std::string& r : m_scratch)
        ++counts[r];
}

std::vector<ReasonCount> ReasonTally::counts() const {
    std::vector<ReasonCount> out;
    for (const auto& [touch_point, counts] : m_counts) {
        const std::size_t first = out.size();
        for (const auto& [reason, n] : counts)
            out.push_back({touch_point, reason, n});
        std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                         [](const ReasonCount& a, const ReasonCount& b) { return a.count > b.count; });
    }
    return out;
}

// --- Enrolment and schema ---

void fill_enrolled(EnrollOutcome& out, const NewDevice& device, const std::string& touch_point,
                   std::int64_t now_ms) {
    out.status = EnrollStatus::enrolled;
    out.device.id = device.id;
    out.device.name = device.name;
    out.device.store_id = out.store.id;
    out.device.touch_point = touch_point;
    out.device.enrolled_utc_ms = now_ms;
    out.device.last_seen_utc_ms = now_ms;
}

Status check_schema_version(int have, int want) {
    if (have <= want) return Status::success();
    return Status::failure("the database has schema version " + std::to_string(have) +
                           ", newer than this server knows (" + std::to_string(want) +
                           "); use a newer touchpoint-server");
}

} // namespace touchpoint::server
