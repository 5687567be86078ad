#include "server/rollup.h"

namespace touchpoint::server {

void RollupDelta::add(const std::string& store_id, const std::string& touch_point,
                      const std::string& local_day, int local_hour, const std::string& scale,
                      int score, bool misuse, std::int64_t n) {
    const int flag = misuse ? 1 : 0;
    m_hourly[RollupKey{store_id, touch_point, local_day, local_hour, scale, score, flag}] += n;
    m_daily[RollupKey{store_id, touch_point, local_day, -1, scale, score, flag}] += n;
}

const RollupTable k_hourly_rollup{"response_rollup", true,
                                  "store_id, touch_point, local_day, local_hour, scale, score, misuse"};
const RollupTable k_daily_rollup{"response_rollup_daily", false,
                                 "store_id, touch_point, local_day, scale, score, misuse"};

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

} // namespace touchpoint::server
