#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace touchpoint::server {

namespace {
// Buckets idle this long are full again and can be forgotten.
constexpr std::size_t k_prune_above = 10000;
} // namespace

RateLimiter::RateLimiter(double rate_per_s, double burst)
    : m_rate(std::max(rate_per_s, 0.001)), m_burst(std::max(burst, 1.0)) {}

RateLimiter::Decision RateLimiter::take(const std::string& key, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_buckets.size() > k_prune_above) {
        // Forget buckets that have refilled completely: they hold no state.
        const double full_after_ms = m_burst / m_rate * 1000.0;
        for (auto it = m_buckets.begin(); it != m_buckets.end();)
            it =
                (now_ms - it->second.last_ms > full_after_ms) ? m_buckets.erase(it) : std::next(it);
    }
    auto [it, fresh] = m_buckets.try_emplace(key, Bucket{m_burst, now_ms});
    Bucket& b = it->second;
    if (!fresh && now_ms > b.last_ms) {
        b.tokens = std::min(m_burst, b.tokens + (now_ms - b.last_ms) / 1000.0 * m_rate);
        b.last_ms = now_ms;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return {true, 0};
    }
    double wait_s = (1.0 - b.tokens) / m_rate;
    return {false, std::max(1, static_cast<int>(std::ceil(wait_s)))};
}

} // namespace touchpoint::server
