#pragma once
// Plugs the background sync thread into the staff area's sync seam
// (app/staff_sync.h): status from the worker's snapshot, "sync now" as a wake-up.
#include "app/staff_sync.h"
#include "sync/sync_worker.h"

namespace touchpoint::sync {

class WorkerSyncControl final : public SyncControl {
  public:
    explicit WorkerSyncControl(SyncWorker& worker) : m_worker(worker) {}
    SyncStatus status() const override { return m_worker.status(); }
    bool request_sync() override {
        m_worker.sync_now();
        return true;
    }

  private:
    SyncWorker& m_worker;
};

} // namespace touchpoint::sync
