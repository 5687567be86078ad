#pragma once
// Exponential backoff with full jitter: the n-th consecutive failure waits a
// uniformly random time in [0, min(cap, base * 2^n)]; a server's Retry-After
// is a floor. Not thread-safe (owned by the sync thread).
#include <chrono>
#include <cstdint>
#include <random>

namespace touchpoint::sync {

class Backoff {
  public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed);

    // Delay before the next attempt after another failure.
    std::chrono::milliseconds next_delay(std::chrono::milliseconds retry_after = std::chrono::milliseconds{0});
    void reset() { m_failures = 0; }
    int failures() const { return m_failures; }

  private:
    std::chrono::milliseconds m_base;
    std::chrono::milliseconds m_cap;
    int m_failures = 0;
    std::mt19937_64 m_rng;
};

} // namespace touchpoint::sync
