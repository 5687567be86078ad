#pragma once
// The seam between the kiosk and the sync client (SPEC "Sync"): what staff
// see of sync (SyncStatus, app/sync_status.h), the "Sync now" button, the
// "response closed" wake-up, and enrolment from the manager's settings
// ("Connect to head office"). The sync client plugs in by implementing
// SyncControl; until then the kiosk runs with SyncNotConfigured.
//
// Called on the UI thread; an implementation backed by a background thread
// answers from a snapshot and never waits on the network.
#include "app/sync_status.h"
#include "core/result.h"

#include <optional>
#include <string>
#include <string_view>

namespace touchpoint {

// --- Enrolment from the settings screen ---

// Why an enrolment failed, as the manager is told it.
enum class EnrolmentProblem {
    none,          // enrolled
    bad_address,   // not a server URL, plain http:// to another machine, no Touchpoint server there
    wrong_code,    // the server does not know the code
    expired_code,  // the code's time ran out
    used_code,     // the code already enrolled a device
    unreachable,   // DNS, connection refused, no route, timeout
    certificate,   // the server's certificate is not trusted (or not the pinned key)
    too_many,      // rate-limited: wait and try again
    server_error,  // 5xx, or an answer the kiosk cannot read
    failed,        // anything else (the message says what)
    unavailable,   // this kiosk has no sync client to enrol with
};
std::string_view to_string(EnrolmentProblem p);

struct EnrolmentRequest {
    std::string server_url;
    std::string code;
    std::string device_name; // shown to head office
};

// A device the server enrolled: what the kiosk saves and shows.
struct Enrolment {
    std::string server_url;
    std::string device_id;
    std::string token;
    std::string device_name;
    std::string store_id;
    std::string store_name;
    std::string touch_point_key;
    std::string touch_point_name;
};

struct EnrolmentOutcome {
    EnrolmentProblem problem = EnrolmentProblem::none; // none: `enrolled` holds the device
    std::string message;                               // plain words for the manager
    Enrolment enrolled;
};

class SyncControl {
  public:
    virtual ~SyncControl() = default;
    virtual SyncStatus status() const = 0;
    // Asks for a sync attempt as soon as possible. False when it cannot be
    // done (e.g. not configured); never blocks.
    virtual bool request_sync() = 0;
    // A response was closed (SPEC "A response's life"): it may be synced
    // now, so a sync thread wakes to send it soon. Never blocks.
    virtual void response_closed() {}

    // Starts enrolling with a one-time code off the UI thread (it talks to
    // the server). False when an attempt is already under way or enrolment
    // is not available; never blocks. Nothing on the device changes: the
    // caller saves the identity when the outcome says it is enrolled.
    virtual bool begin_enrolment(const EnrolmentRequest&) { return false; }
    // The outcome of the attempt begun, once, when it has ended.
    virtual std::optional<EnrolmentOutcome> take_enrolment_outcome() { return std::nullopt; }
    // The identity is saved: sync as this device from now on (starts the
    // sync thread, which pulls the server's configuration). Never blocks.
    virtual Status start_syncing(const std::string& server_url, const std::string& token) {
        (void)server_url;
        (void)token;
        return Status::failure("This kiosk cannot connect to head office (it was built without sync).");
    }
};

// The kiosk before it has a sync client: says so, in plain words.
class SyncNotConfigured final : public SyncControl {
  public:
    SyncStatus status() const override {
        SyncStatus s;
        s.state = SyncPhase::not_configured;
        s.last_error = "Sync: not configured";
        return s;
    }
    bool request_sync() override { return false; }
};

inline std::string_view to_string(EnrolmentProblem p) {
    switch (p) {
    case EnrolmentProblem::none: return "none";
    case EnrolmentProblem::bad_address: return "bad_address";
    case EnrolmentProblem::wrong_code: return "wrong_code";
    case EnrolmentProblem::expired_code: return "expired_code";
    case EnrolmentProblem::used_code: return "used_code";
    case EnrolmentProblem::unreachable: return "unreachable";
    case EnrolmentProblem::certificate: return "certificate";
    case EnrolmentProblem::too_many: return "too_many";
    case EnrolmentProblem::server_error: return "server_error";
    case EnrolmentProblem::failed: return "failed";
    case EnrolmentProblem::unavailable: return "unavailable";
    }
    return "failed";
}

} // namespace touchpoint
