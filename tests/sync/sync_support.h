#pragma once
// Helpers for the sync tests: a kiosk (database and enrolment), a database filled
// with closed responses, and a loop that runs a SyncClient until the queue is
// empty.
#include "server_process.h"

#include "app/local_database.h"
#include "sync/enroll.h"
#include "sync/sync_client.h"

#include <memory>
#include <set>
#include <string>

namespace tpsync {

// A kiosk's data dir and database, enrolled with a test server; sync settings
// with short timeouts and backoff.
struct Kiosk {
    tptest::TempDir dir;
    std::unique_ptr<touchpoint::LocalDatabase> database;
    touchpoint::sync::Enrollment enrollment;
    Kiosk();
    void enroll_with(const tptest::ServerProcess& server, touchpoint::sync::HttpOptions http = {});
    touchpoint::sync::SyncSettings settings(const std::string& url) const;
};

// Inserts and closes `n` responses (scores cycle through smiley4) into the database.
std::set<std::string> fill(touchpoint::LocalDatabase& database, int n, const std::string& device_id,
                           std::int64_t first_utc_ms = 1795381200000, std::int64_t step_ms = 1000);

// Runs step() until nothing is pending (or the time limit). Returns true when drained.
bool drain(touchpoint::sync::SyncClient& client, touchpoint::LocalDatabase& database,
           double limit_s);

// Every response id stored by the server.
std::set<std::string> server_ids(const std::string& db_path);

} // namespace tpsync
