#include "server/device_silence.h"

#include "core/local_time.h"

#include <algorithm>

namespace touchpoint::server {

namespace {
constexpr std::int64_t k_minute_ms = 60 * 1000;
// Steps never cross more than an hour of local time, so a DST change (on an
// hour boundary) is seen at the next step and costs no accuracy.
constexpr int k_max_step_minutes = 60;
// Enough steps for well over a year of closed time; beyond that the device
// is long gone from anyone's attention and the answer does not change.
constexpr int k_max_steps = 24 * 800;
} // namespace

std::int64_t open_ms_between(const OpeningHours& hours, const std::string& time_zone,
                             std::int64_t from_utc_ms, std::int64_t to_utc_ms,
                             std::int64_t enough_ms) {
    std::int64_t open = 0;
    std::int64_t t = from_utc_ms;
    for (int steps = 0; t < to_utc_ms && open < enough_ms && steps < k_max_steps; ++steps) {
        const LocalStamp s = local_stamp(time_zone, t);
        const std::int64_t into_minute = ((t % k_minute_ms) + k_minute_ms) % k_minute_ms;
        const int minute = s.minute_of_day;
        int boundary = 1440; // the next minute at which open/closed may change
        bool is_open = false;
        for (const OpenInterval& iv : hours.days[static_cast<std::size_t>(s.weekday)]) {
            if (minute >= iv.open_minute && minute < iv.close_minute) {
                is_open = true;
                boundary = std::min(boundary, iv.close_minute);
            } else if (iv.open_minute > minute) {
                boundary = std::min(boundary, iv.open_minute);
            }
        }
        const int minutes = std::max(1, std::min(boundary - minute, k_max_step_minutes));
        const std::int64_t step = minutes * k_minute_ms - into_minute;
        const std::int64_t end = std::min(t + step, to_utc_ms);
        if (is_open) open += end - t;
        t = end;
    }
    return open;
}

bool is_silent(const TouchPointSettings& touch_point, std::int64_t last_seen_utc_ms,
               std::int64_t now_utc_ms, std::int64_t heartbeat_interval_ms) {
    const std::int64_t threshold = 3 * heartbeat_interval_ms;
    return open_ms_between(touch_point.opening_hours, touch_point.time_zone, last_seen_utc_ms,
                           now_utc_ms, threshold) >= threshold;
}

} // namespace touchpoint::server
