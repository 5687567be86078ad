#pragma once
// The service manager's view of the kiosk (service/notify.h): READY=1 once
// the first frame is on screen, WATCHDOG=1 from the event loop while it
// turns, STOPPING=1 when it quits. Under cage, the unit's main process, the
// kiosk is a child of the watched PID (NotifyAccess=all). Outside a service
// every call does nothing.
#include <chrono>
#include <optional>

namespace touchpoint::cli {

class ServiceNotifier {
  public:
    ServiceNotifier();

    // The longest the event loop may sleep: half the watchdog interval, so
    // an idle kiosk (nothing drawn) still wakes in time to say it is alive;
    // `otherwise` without a watchdog.
    std::chrono::milliseconds max_wait(std::chrono::milliseconds otherwise) const;
    // A frame was presented: the first one makes the kiosk ready.
    void frame_presented(std::chrono::steady_clock::time_point now);
    // Once per turn of the event loop; pings when a quarter interval has
    // passed (a loop drawing 60 frames a second sends a few a second, not 60).
    void loop_turned(std::chrono::steady_clock::time_point now);
    void stopping();

  private:
    void send(const char* state);

    std::optional<std::chrono::microseconds> m_interval;
    bool m_ready = false;
    bool m_reported = false;
    std::chrono::steady_clock::time_point m_last_ping{};
};

} // namespace touchpoint::cli
