#pragma once
// touchpoint-server under a service manager (systemd Type=notify): READY=1
// once its own listener has answered a GET /healthz, WATCHDOG=1 every half
// $WATCHDOG_USEC for as long as each such probe is answered by the /healthz
// handler in time (so a server whose workers are wedged stops pinging and is
// restarted), STOPPING=1 when asked to stop. Outside a service manager (no
// $NOTIFY_SOCKET) it does nothing.
//
// Thread-safety: start() and stopping() from one thread; the probes run on a
// thread of its own.
#include "server/health_probe.h"

#include <chrono>
#include <condition_variable>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

namespace touchpoint::server {

class ServiceWatchdog {
  public:
    // `target` is the server's own listener; `listening` the address said in
    // STATUS= ("http://0.0.0.0:8443"). Notes go to `err`.
    ServiceWatchdog(ProbeTarget target, std::string listening, std::ostream& err);
    ~ServiceWatchdog(); // ends the thread (no STOPPING=1)
    ServiceWatchdog(const ServiceWatchdog&) = delete;
    ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;

    // Starts the probing thread (after the listener is bound).
    void start();
    // Sends STOPPING=1 and ends the probes; call before a graceful stop.
    void stopping();

  private:
    void run();
    bool wait(std::chrono::milliseconds d); // false once stopped
    bool send(const std::string& state);     // false once stopped (nothing sent)

    ProbeTarget m_target;
    std::string m_listening;
    std::ostream& m_err;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace touchpoint::server
