#pragma once
// The service manager's notification protocol (sd_notify(3)), spoken
// directly: one datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). No
// libsystemd. Outside a service (no $NOTIFY_SOCKET) every call is a no-op
// that succeeds, so a binary started by hand behaves the same.
#include "core/result.h"

#include <chrono>
#include <optional>
#include <string>

namespace touchpoint::service {

// Sends `state` (e.g. "READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=...";
// several lines joined by '\n') to $NOTIFY_SOCKET. An error names the socket
// and the reason; it never throws.
Status notify(const std::string& state);

// The same, to an explicit socket address (tests; "" does nothing).
Status notify_to(const std::string& socket, const std::string& state);

// The watchdog interval the manager asked for: $WATCHDOG_USEC, when set and
// meant for this process ($WATCHDOG_PID unset or equal to getpid(); a
// process whose parent is the main PID, as the kiosk under cage is, passes
// `any_pid = true`). Nothing when no watchdog is configured or the value is
// not a positive integer.
std::optional<std::chrono::microseconds> watchdog_interval(bool any_pid = false);

// Whether a notification socket is configured at all.
bool under_service_manager();

} // namespace touchpoint::service
