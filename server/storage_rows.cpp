#include "storage_rows.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace touchpoint::server {

const char* const k_response_columns =
    "id, device_id, store_id, touch_point, survey_id, survey_version, question_id, scale, score, "
    "reasons_json, comment, language, utc_ms, local_time, local_day, local_hour, sequence, misuse, "
    "device_clock_suspect, server_clock_suspect, received_utc_ms, seq";

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

void RollupCells::add(std::string store_id, std::string touch_point, std::string local_day,
                      int local_hour, const std::string& scale, std::int64_t score, bool misuse,
                      std::int64_t n) {
    if (scale != m_last_scale_text) {
        auto parsed = scale_from_string(scale);
        m_last_scale = parsed ? static_cast<int>(*parsed) : -1;
        m_last_scale_text = scale;
    }
    if (m_last_scale < 0 || score < 0 || score >= k_scores) return;
    GroupKey k{std::move(store_id), std::move(touch_point), std::move(local_day), local_hour};
    if (!m_last || k != m_last_key) {
        m_last_key = std::move(k);
        auto [it, inserted] = m_groups.try_emplace(m_last_key);
        if (inserted) it->second.fill(0);
        m_last = &it->second;
    }
    (*m_last)[static_cast<std::size_t>((m_last_scale * k_scores + score) * 2 + (misuse ? 1 : 0))] += n;
}

std::vector<RollupCount> RollupCells::counts() const {
    std::vector<RollupCount> out;
    for (const auto& [k, cells] : m_groups) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (cells[i] == 0) continue;
            RollupCount c;
            c.store_id = std::get<0>(k);
            c.touch_point = std::get<1>(k);
            c.local_day = std::get<2>(k);
            c.local_hour = std::get<3>(k);
            c.scale = static_cast<Scale>(i / (k_scores * 2));
            c.score = static_cast<int>((i / 2) % k_scores);
            c.misuse = i % 2 == 1;
            c.count = cells[i];
            out.push_back(std::move(c));
        }
    }
    return out;
}

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

} // namespace touchpoint::server
