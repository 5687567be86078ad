// `touchpoint-kiosk stop`: asks the running kiosk of this user to end
// (SIGTERM) and waits for it, so it closes its open response and its
// database while its display is still there (the unit's ExecStop, before
// systemd ends cage).
#include "app/cli/commands.h"
#include "service/instances.h"

#include <chrono>
#include <iostream>

namespace touchpoint::cli {

int run_stop(double timeout_s) {
    auto r = service::stop_other_instances(
        std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000)));
    if (!r) {
        std::cerr << "touchpoint-kiosk stop: " << r.error() << "\n";
        return 1;
    }
    if (r->found == 0) {
        std::cout << "no kiosk of this user is running\n";
        return 0;
    }
    if (r->stopped < r->found) {
        std::cerr << "touchpoint-kiosk stop: " << (r->found - r->stopped) << " of " << r->found
                  << " kiosk(s) still running after " << timeout_s << " s\n";
        return 1;
    }
    std::cout << "stopped " << r->stopped << " kiosk(s)\n";
    return 0;
}

} // namespace touchpoint::cli
