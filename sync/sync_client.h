#pragma once
// SyncClient: one step of the kiosk -> server sync at a time (SPEC "Sync").
// Sends the oldest closed, pending responses as a batch; marks them synced
// only after a 200 whose answer accounts for every response sent (an answer
// that does not is a retry, and marks nothing); marks a response the server
// rejects as rejected (with the reason) so it never blocks the queue; sends a
// heartbeat when nothing is pending; pulls the configuration with ETags.
// Answers are read without exceptions: a malformed one is an error in plain
// words (SyncStatus::last_error).
//
// Not thread-safe: owned by the sync thread, with its own database connection
// and its own HttpClient.
#include "app/local_database.h"
#include "app/sync_status.h"
#include "sync/backoff.h"
#include "sync/http.h"
#include "sync/remote_config.h"

#include <chrono>
#include <optional>
#include <string>

namespace touchpoint::sync {

struct SyncSettings {
    HttpOptions http;
    std::string token;
    std::string data_dir;          // where the pulled configuration is cached
    std::string app_version = TOUCHPOINT_VERSION;
    int batch_size = 500;
    std::chrono::milliseconds heartbeat_interval{std::chrono::minutes{3}};
    std::chrono::milliseconds config_interval{std::chrono::minutes{1}};
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_cap{std::chrono::minutes{5}};
    std::uint64_t seed = 0; // backoff jitter seed; 0 = random
};

// What one step did. Sync outcomes are explicit: ok, retry later, rejected.
struct SyncStep {
    enum class Kind {
        sent,          // a batch was committed by the server (more may be pending)
        heartbeat,     // nothing pending; health reported
        idle,          // nothing to do now
        retry_later,   // network error, 5xx, 429: wait `wait`
        must_reenroll, // 401: the token is no longer valid
    };
    Kind kind = Kind::idle;
    std::chrono::milliseconds wait{0};
    int accepted = 0;
    int duplicates = 0;
    int rejected = 0;
};

class SyncClient {
  public:
    SyncClient(SyncSettings settings, LocalDatabase& database, HttpClient& http);

    // Sends one batch, or a heartbeat when one is due and nothing is pending.
    SyncStep step(std::chrono::steady_clock::time_point now);
    // Pulls the configuration; a new one (200) is cached and returned, an
    // unchanged one (304) returns nullopt.
    Result<std::optional<RemoteConfig>> pull_config();

    // An exception escaped a step or a pull (a bug, or memory running out):
    // records `what` as the last error and returns a retry after backoff.
    SyncStep fault(const std::string& what);

    const SyncStatus& status() const { return m_status; }
    void set_known_etag(std::string etag) { m_etag = std::move(etag); }
    std::chrono::steady_clock::time_point next_config_pull() const { return m_next_config; }
    void schedule_config_pull(std::chrono::steady_clock::time_point t) { m_next_config = t; }

  private:
    SyncStep send_batch(std::vector<Response> batch, std::chrono::steady_clock::time_point now);
    SyncStep failed(const HttpResponse& r, const std::string& what, std::chrono::steady_clock::time_point now);
    // A 200 answer that does not account for the batch: nothing is marked;
    // retry after backoff with `why` as the last error.
    SyncStep unaccounted(const std::string& why);
    // The health object sent with heartbeats and batches; `pending` as the
    // server should see it.
    std::string health_json(const DatabaseHealth& h, std::int64_t pending) const;
    void refresh_counts();
    // The database's health for the next batch of a drain (see send_batch).
    DatabaseHealth health_for_batch(std::chrono::steady_clock::time_point now);

    SyncSettings m_settings;
    LocalDatabase& m_database;
    HttpClient& m_http;
    Backoff m_backoff;
    SyncStatus m_status;
    int m_batch_size;
    std::string m_etag;
    std::chrono::steady_clock::time_point m_last_contact{};
    std::chrono::steady_clock::time_point m_next_config{};
    bool m_contacted = false;
    // The counts carried from batch to batch while a backlog drains, and
    // when they were counted (none: count before the next batch).
    DatabaseHealth m_drain_health;
    std::optional<std::chrono::steady_clock::time_point> m_drain_counted_at;
};

// Plain words for an HTTP error answer: the server's JSON message if any.
std::string describe_http_error(const HttpResponse& r);

} // namespace touchpoint::sync
