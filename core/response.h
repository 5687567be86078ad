#pragma once
// One customer response, as stored on the kiosk and sent on the wire
// (SPEC "Local storage" and "A response's life").
#include "scale.h"

#include <cstdint>
#include <string>
#include <vector>

namespace touchpoint {

enum class SyncState { pending, synced, rejected };
std::string_view to_string(SyncState s);

struct Response {
    std::string id;          // UUID made on the device
    std::string device_id;   // UUID of the device
    std::string touch_point; // touch point key
    std::string survey_id;
    int survey_version = 0;
    std::string question_id;
    Scale scale = Scale::smiley5;
    int score = 0;
    std::vector<std::string> reasons; // reason ids
    std::string comment;
    std::string language;     // e.g. "en", "mi"
    std::int64_t utc_ms = 0;  // wall-clock time of the rating tap, ms since the epoch
    std::string local_time;   // "2026-03-29T01:30:00+13:00": local time with UTC offset
    std::string local_day;    // "2026-03-29": the local day in the touch point's zone
    int local_hour = 0;       // 0..23 local hour
    std::int64_t sequence = 0; // monotonic per device
    bool misuse = false;
    bool clock_suspect = false;
    bool closed = false;
    SyncState sync_state = SyncState::pending;
    std::string reject_reason;
};

} // namespace touchpoint
