#pragma once
// The kiosk database's health as staff see it: what LocalDatabase::health()
// answers and the staff health screen shows. Plain C++ (part of app_views), so
// ui/ may hold it without the database.
#include <cstdint>
#include <string>

namespace touchpoint {

struct DatabaseHealth {
    std::string state = "ok"; // "ok" or "disk full" or "error"
    std::string last_error;   // plain words, empty when none
    std::int64_t database_bytes = 0;
    std::int64_t disk_free_bytes = 0;
    std::int64_t pending = 0; // closed, not yet synced
    std::int64_t open = 0;    // still open (follow-up in progress)
    std::int64_t rejected = 0;
};

} // namespace touchpoint
