#pragma once
// Plugs the background sync thread into the staff area's sync seam
// (app/staff_sync.h): status from the worker's snapshot, "sync now" and a
// closed response as wake-ups.
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
    void response_closed() override { m_worker.notify_new_response(); }

  private:
    SyncWorker& m_worker;
};

} // namespace touchpoint::sync
