#pragma once
// SyncWorker: the background sync thread (SPEC "Sync"). It owns its own database
// connection and its own HTTP client; the UI thread never waits on the
// network. The UI thread reads a status snapshot and drains new
// configurations once per frame; it wakes the thread for "sync now" or after
// a response is closed. An exception never ends the thread: it becomes the
// status's last error and the next attempt waits out a backoff.
//
// Thread-safety: every public member may be called from the UI thread while
// the worker runs. The destructor stops the thread promptly (an HTTP transfer
// in progress is abandoned) and joins it.
#include "app/sync_status.h"
#include "sync/sync_client.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace touchpoint::sync {

class SyncWorker {
  public:
    // Opens its own connection to the database at `db_path` and starts.
    static Result<std::unique_ptr<SyncWorker>> start(SyncSettings settings, const std::string& db_path);
    ~SyncWorker();
    SyncWorker(const SyncWorker&) = delete;
    SyncWorker& operator=(const SyncWorker&) = delete;

    void sync_now();           // staff pressed "sync now": try at once, backoff or not
    void notify_new_response(); // a response was closed: send it soon
    SyncStatus status() const;
    // A configuration pulled since the last call (apply it at the next idle moment).
    std::optional<RemoteConfig> take_new_config();

  private:
    SyncWorker() = default;
    void run();

    SyncSettings m_settings;
    std::unique_ptr<LocalDatabase> m_database;
    std::unique_ptr<HttpClient> m_http;
    std::unique_ptr<SyncClient> m_client;
    std::atomic<bool> m_stop{false};

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_poke = false;
    bool m_force = false;
    SyncStatus m_status;
    std::optional<RemoteConfig> m_new_config;
    std::thread m_thread;
};

} // namespace touchpoint::sync
