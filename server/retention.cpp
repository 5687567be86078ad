#include "server/retention.h"

namespace touchpoint::server {

Retention::Retention(Storage& storage, int days, std::function<std::int64_t()> now_ms)
    : m_storage(storage), m_days(days), m_now_ms(std::move(now_ms)) {
    if (!m_now_ms)
        m_now_ms = [] {
            using namespace std::chrono;
            return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        };
}

Retention::~Retention() {
    stop();
}

Result<std::int64_t> Retention::run_once() {
    const std::int64_t day_ms = 24LL * 3600 * 1000;
    return m_storage.prune_responses(m_now_ms() - static_cast<std::int64_t>(m_days) * day_ms);
}

void Retention::start(std::chrono::milliseconds every,
                      std::function<void(const Result<std::int64_t>&)> report) {
    stop();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = false;
    }
    m_thread = std::thread([this, every, report = std::move(report)] {
        std::unique_lock<std::mutex> lock(m_mutex);
        while (!m_stopping) {
            lock.unlock();
            Result<std::int64_t> r = run_once();
            if (report) report(r);
            lock.lock();
            m_wake.wait_for(lock, every, [this] { return m_stopping; });
        }
    });
}

void Retention::stop() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

} // namespace touchpoint::server
