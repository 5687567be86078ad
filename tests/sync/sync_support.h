#pragma once
// Helpers for the sync tests: a kiosk store filled with closed responses, and
// a loop that runs a SyncClient until the queue is empty.
#include "app/store.h"
#include "sync/sync_client.h"

#include <memory>
#include <set>
#include <string>

namespace tpsync {

// Inserts and closes `n` responses (scores cycle through smiley4) into the store.
std::set<std::string> fill(touchpoint::ResponseStore& store, int n, const std::string& device_id,
                           std::int64_t first_utc_ms = 1795381200000, std::int64_t step_ms = 1000);

// Runs step() until nothing is pending (or the time limit). Returns true when drained.
bool drain(touchpoint::sync::SyncClient& client, touchpoint::ResponseStore& store, double limit_s);

// Every response id stored by the server.
std::set<std::string> server_ids(const std::string& db_path);

} // namespace tpsync
