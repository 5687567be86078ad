#include "app/cli/service_notifier.h"

#include "service/notify.h"

#include <algorithm>
#include <iostream>

namespace touchpoint::cli {

using namespace std::chrono;

ServiceNotifier::ServiceNotifier() : m_interval(service::watchdog_interval(true)) {}

milliseconds ServiceNotifier::max_wait(milliseconds otherwise) const {
    if (!m_interval) return otherwise;
    const auto half = duration_cast<milliseconds>(*m_interval / 2);
    return std::min(otherwise, std::max(half, milliseconds{1}));
}

void ServiceNotifier::frame_presented(steady_clock::time_point now) {
    if (m_ready) return;
    m_ready = true;
    send("READY=1");
    m_last_ping = now;
}

void ServiceNotifier::loop_turned(steady_clock::time_point now) {
    if (!m_ready || !m_interval || now - m_last_ping < *m_interval / 4) return;
    m_last_ping = now;
    send("WATCHDOG=1");
}

void ServiceNotifier::stopping() {
    send("STOPPING=1");
}

void ServiceNotifier::send(const char* state) {
    if (Status st = service::notify(state); !st && !m_reported) {
        m_reported = true; // once: the watchdog will say the rest
        std::cerr << "touchpoint-kiosk: cannot notify the service manager: " << st.error() << "\n";
    }
}

} // namespace touchpoint::cli
