#pragma once
// Retention (SPEC "The server"): responses older than a configured number of
// days are deleted, at start and then on a schedule, on a background thread.
// Age is the response's own time (utc_ms, the rating tap). Erased ids keep
// their tombstones; pruned ones do not (see docs/api.md "Retention").
//
// Thread-safety: start() and stop() from one owning thread; run_once() from any.
#include "server/storage.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace touchpoint::server {

class Retention {
  public:
    // `storage` must outlive this. `days` > 0. `now_ms` defaults to the system clock.
    Retention(Storage& storage, int days, std::function<std::int64_t()> now_ms = {});
    ~Retention(); // stops the thread
    Retention(const Retention&) = delete;
    Retention& operator=(const Retention&) = delete;

    // Deletes what is older than `days` now; returns how many were deleted.
    Result<std::int64_t> run_once();
    // Runs run_once() at once and then every `every` until stop(). `report`
    // hears of each run (count or error); may be empty.
    void start(std::chrono::milliseconds every,
               std::function<void(const Result<std::int64_t>&)> report = {});
    void stop();

  private:
    Storage& m_storage;
    int m_days;
    std::function<std::int64_t()> m_now_ms;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
};

} // namespace touchpoint::server
