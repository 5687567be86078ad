#pragma once
// What the staff area shows about sync (SPEC "Sync and device health"). A
// plain snapshot: the sync thread publishes it, the UI thread copies it.
#include <cstdint>
#include <string>

namespace touchpoint {

enum class SyncPhase {
    not_configured, // standalone kiosk
    idle,           // nothing pending, last attempt fine
    syncing,
    retrying,       // a network error / 5xx / 429: waiting to retry
    must_reenroll,  // the server refused the device's token
};

struct SyncStatus {
    SyncPhase state = SyncPhase::not_configured;
    std::string server_url;
    bool server_reachable = false;
    std::int64_t pending = 0;          // closed responses not yet synced
    std::int64_t rejected = 0;         // kept, marked rejected by the server
    std::int64_t last_sync_utc_ms = 0; // 0 = never
    std::int64_t next_attempt_in_ms = 0;
    std::string last_error;            // plain words, "" when none
    std::int64_t config_version = 0;   // survey version last pulled
};

inline const char* describe(SyncPhase s) {
    switch (s) {
    case SyncPhase::not_configured: return "not configured";
    case SyncPhase::idle: return "up to date";
    case SyncPhase::syncing: return "syncing";
    case SyncPhase::retrying: return "waiting to retry";
    case SyncPhase::must_reenroll: return "device must be enrolled again";
    }
    return "";
}

} // namespace touchpoint
