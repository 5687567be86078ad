#pragma once
// Local days and hours in a touch point's IANA time zone (DST-proof, via the
// OS time-zone database).
#include "result.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace touchpoint {

struct LocalStamp {
    std::string iso;    // "2026-03-29T01:30:00+13:00"
    std::string day;    // "2026-03-29"
    int hour = 0;       // 0..23
    int minute_of_day = 0;
    int weekday = 0;    // 0 = Monday .. 6 = Sunday
    int offset_minutes = 0;
};

// Checks that a zone name exists in the time-zone database.
Status check_time_zone(const std::string& zone);

// Local stamp of a UTC instant in `zone`; an unknown zone falls back to UTC.
LocalStamp local_stamp(const std::string& zone, std::chrono::system_clock::time_point t);
LocalStamp local_stamp(const std::string& zone, std::int64_t utc_ms);

// "YYYY-MM-DD" of the day `days` before/after `day` (calendar arithmetic).
std::string add_days(const std::string& day, int days);

// Weekday of a "YYYY-MM-DD" day: 0 = Monday .. 6 = Sunday (-1 if malformed).
int weekday_of(const std::string& day);

} // namespace touchpoint
