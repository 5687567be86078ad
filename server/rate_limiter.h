#pragma once
// Token buckets per key (a device id, or a client address before it has a
// token): `rate` requests per second on average, bursts up to `burst`.
// Thread-safe. Time is passed in, so tests need no sleeping.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace touchpoint::server {

class RateLimiter {
  public:
    RateLimiter(double rate_per_s, double burst);

    struct Decision {
        bool allowed = true;
        int retry_after_s = 0; // when refused: whole seconds until a request fits
    };
    // Takes one token from `key`'s bucket at `now_ms` (a monotonic clock).
    Decision take(const std::string& key, std::int64_t now_ms);

  private:
    struct Bucket {
        double tokens;
        std::int64_t last_ms;
    };
    double m_rate;
    double m_burst;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace touchpoint::server
