#pragma once
// When a device counts as silent (SPEC "The server"): it has sent nothing, not
// even a heartbeat, for three heartbeat intervals *of its touch point's
// opening hours*. Closed time does not count, so a kiosk quiet overnight in a
// closed store is not silent. Pure functions; thread-safe.
#include "core/touch_point.h"

#include <cstdint>
#include <string>

namespace touchpoint::server {

// Milliseconds of [from_utc_ms, to_utc_ms) during which the opening hours are
// open, read in `time_zone` (local days, DST-proof). Stops counting once the
// sum reaches `enough_ms` (the caller only needs to know that much).
std::int64_t open_ms_between(const OpeningHours& hours, const std::string& time_zone,
                             std::int64_t from_utc_ms, std::int64_t to_utc_ms,
                             std::int64_t enough_ms);

// Is a device last heard from at `last_seen_utc_ms` silent at `now_utc_ms`?
// Silent after 3 heartbeat intervals of open time without contact.
bool is_silent(const TouchPointSettings& touch_point, std::int64_t last_seen_utc_ms,
               std::int64_t now_utc_ms, std::int64_t heartbeat_interval_ms);

} // namespace touchpoint::server
