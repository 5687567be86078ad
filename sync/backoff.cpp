#include "backoff.h"

#include <algorithm>

namespace touchpoint::sync {

using namespace std::chrono;

Backoff::Backoff(milliseconds base, milliseconds cap, std::uint64_t seed)
    : m_base(base), m_cap(cap), m_rng(seed) {}

milliseconds Backoff::next_delay(milliseconds retry_after) {
    // base * 2^n without overflow: stop doubling once past the cap.
    long long ceiling = m_base.count();
    for (int i = 0; i < m_failures && ceiling < m_cap.count(); ++i) ceiling *= 2;
    ceiling = std::min(ceiling, static_cast<long long>(m_cap.count()));
    ++m_failures;
    std::uniform_int_distribution<long long> pick(0, std::max(0LL, ceiling));
    milliseconds d{pick(m_rng)};
    return std::max(d, retry_after);
}

} // namespace touchpoint::sync
