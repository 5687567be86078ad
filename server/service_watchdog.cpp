#include "server/service_watchdog.h"

#include "service/notify.h"

#include <ostream>

namespace touchpoint::server {

using namespace std::chrono;

ServiceWatchdog::ServiceWatchdog(ProbeTarget target, std::string listening, std::ostream& err)
    : m_target(std::move(target)), m_listening(std::move(listening)), m_err(err) {}

ServiceWatchdog::~ServiceWatchdog() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void ServiceWatchdog::start() {
    if (!service::under_service_manager()) return;
    m_thread = std::thread([this] { run(); });
}

void ServiceWatchdog::stopping() {
    {
        // Under the lock: no READY or WATCHDOG follows STOPPING. A probe in
        // flight is not waited for (the destructor joins it).
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_stop) return;
        m_stop = true;
        if (Status st =
                service::notify("STOPPING=1\nSTATUS=stopping: finishing requests in flight");
            !st)
            m_err << "touchpoint-server: " << st.error() << std::endl;
    }
    m_wake.notify_all();
}

bool ServiceWatchdog::send(const std::string& state) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stop) return false;
    if (Status st = service::notify(state); !st)
        m_err << "touchpoint-server: " << st.error() << std::endl;
    return true;
}

bool ServiceWatchdog::wait(milliseconds d) {
    std::unique_lock<std::mutex> lock(m_mutex);
    return !m_wake.wait_for(lock, d, [this] { return m_stop; });
}

void ServiceWatchdog::run() {
    const auto usec = service::watchdog_interval();
    // Pings at half the interval; each probe has until the next tick.
    const milliseconds tick =
        usec ? std::max(milliseconds(50), duration_cast<milliseconds>(*usec) / 2) : seconds(1);

    // READY=1 only once a request has been served end to end.
    for (;;) {
        auto answer = probe_healthz(m_target, std::min(tick, milliseconds(5000)));
        if (answer && answered_by_healthz(*answer)) break;
        if (!wait(milliseconds(100))) return;
    }
    if (!send("READY=1\nSTATUS=listening on " + m_listening) || !usec) return;

    bool failing = false;
    for (;;) {
        const auto started = steady_clock::now();
        auto answer = probe_healthz(m_target, tick);
        const bool served = answer && answered_by_healthz(*answer);
        if (served) {
            if (!send("WATCHDOG=1")) return;
            if (failing)
                m_err << "touchpoint-server: watchdog: /healthz answers again" << std::endl;
            failing = false;
        } else if (!failing) {
            m_err << "touchpoint-server: watchdog: /healthz was not answered in time ("
                  << (answer ? "HTTP " + std::to_string(answer->status) : answer.error())
                  << "); not telling the service manager the server is alive" << std::endl;
            failing = true;
        }
        const auto spent = duration_cast<milliseconds>(steady_clock::now() - started);
        if (!wait(spent < tick ? tick - spent : milliseconds(0))) return;
    }
}

} // namespace touchpoint::server
