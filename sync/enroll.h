#pragma once
// Enrolment: turns a one-time code from head office into a device token
// (POST /api/v1/enroll). Used by `touchpoint-kiosk enroll` (enroll(), which
// also caches the configuration so the kiosk can start offline) and by the
// manager's "Connect to head office" on a running kiosk (HeadOfficeLink).
#include "app/staff_sync.h"
#include "core/result.h"
#include "sync/http.h"
#include "sync/remote_config.h"
#include "sync/sync_client.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace touchpoint::sync {

class SyncWorker;

struct Enrollment {
    std::string device_id;
    std::string token;
    std::string store;
    std::string touch_point;
};

// What a failed /enroll transfer or refusal means to the manager: the
// server's codes (docs/api.md) and libcurl's error codes, in plain words.
// `r` is the answer to POST /api/v1/enroll (status 0: no answer).
EnrolmentOutcome classify_enrolment_failure(const HttpResponse& r);

// POST /api/v1/enroll with `req`'s code at `req.server_url` (`http.base_url`
// is replaced by it). Writes nothing anywhere; blocks on the network, so it
// runs off the UI thread.
EnrolmentOutcome request_enrolment(HttpOptions http, const EnrolmentRequest& req);

// Enrols and caches the configuration in data_dir; the caller saves the
// identity (token and server URL).
Result<Enrollment> enroll(const HttpOptions& http, const std::string& code,
                          const std::string& device_name, const std::string& data_dir);

// The running kiosk's link to head office, as the UI thread sees it: the
// sync thread (once the kiosk is enrolled) and enrolment from the settings
// screen on a thread of its own. Every member is called on the UI thread
// and returns at once; the destructor stops both threads (a transfer in
// progress is abandoned).
class HeadOfficeLink final : public SyncControl {
  public:
    // `settings` carries everything but the server and token (CA file, pin,
    // intervals, data dir); `db_path` is the responses database.
    HeadOfficeLink(SyncSettings settings, std::string db_path);
    ~HeadOfficeLink() override;
    HeadOfficeLink(const HeadOfficeLink&) = delete;
    HeadOfficeLink& operator=(const HeadOfficeLink&) = delete;

    // --- SyncControl ---
    SyncStatus status() const override;
    bool request_sync() override;
    // Wakes the sync thread (when syncing) to send the closed response soon.
    void response_closed() override;
    bool begin_enrolment(const EnrolmentRequest& req) override;
    std::optional<EnrolmentOutcome> take_enrolment_outcome() override;
    // Starts (or restarts, for a new token) the sync thread.
    Status start_syncing(const std::string& server_url, const std::string& token) override;

    // --- For the frame loop ---
    bool syncing() const { return m_worker != nullptr; }
    std::optional<RemoteConfig> take_new_config();
    // Stops the sync thread and any enrolment under way.
    void stop();

  private:
    void join_enrolment();

    SyncSettings m_settings;
    std::string m_db_path;
    std::unique_ptr<SyncWorker> m_worker;

    std::thread m_enrolling;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    bool m_busy = false;
    std::optional<EnrolmentOutcome> m_outcome;
};

} // namespace touchpoint::sync
