#pragma once
// The other running instances of this program: for `touchpoint-kiosk stop`,
// the kiosk unit's ExecStop, which asks the kiosk to end before systemd ends
// the rest of its session (cage and Xwayland), so the kiosk closes its open
// response and its database itself instead of losing its display mid-way.
//
// Linux only (reads /proc). Thread-safe; sends signals to other processes.
#include "core/result.h"

#include <chrono>
#include <sys/types.h>
#include <vector>

namespace touchpoint::service {

// Processes of this user running the same executable as this one (an
// upgraded binary still counts: "/usr/bin/x (deleted)"), except this
// process; zombies are left out.
std::vector<pid_t> other_instances();

struct StopReport {
    int found = 0;   // instances asked to end
    int stopped = 0; // of them, ended within the time allowed
};

// Sends SIGTERM to every other instance and waits up to `timeout` for them
// to end. An error only when /proc cannot be read.
Result<StopReport> stop_other_instances(std::chrono::milliseconds timeout);

} // namespace touchpoint::service
