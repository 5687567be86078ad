#pragma once
// The seam between the staff area and the sync client (SPEC "Sync"): what
// staff see of sync (SyncStatus, app/sync_status.h) and the "Sync now"
// button. The sync client plugs in by implementing SyncControl; until then
// the kiosk runs with SyncNotConfigured.
//
// Called on the UI thread; an implementation backed by a background thread
// answers status() from a snapshot and never waits on the network.
#include "app/sync_status.h"

namespace touchpoint {

class SyncControl {
  public:
    virtual ~SyncControl() = default;
    virtual SyncStatus status() const = 0;
    // Asks for a sync attempt as soon as possible. False when it cannot be
    // done (e.g. not configured); never blocks.
    virtual bool request_sync() = 0;
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

} // namespace touchpoint
