// `touchpoint-kiosk enroll`: a one-time code from head office becomes this
// device's token; the server's configuration is cached for the next start.
#include "app/cli/commands.h"
#include "app/identity.h"
#include "sync/enroll.h"

#include <iostream>

namespace touchpoint::cli {

int run_enroll(Options& opt) {
    if (Status st = resolve_data_dir(opt); !st) {
        std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
        return 2;
    }
    auto identity = DeviceIdentity::load_or_create(opt.data_dir);
    if (!identity) {
        std::cerr << "touchpoint-kiosk: " << identity.error() << "\n";
        return 1;
    }
    sync::HttpOptions http;
    http.base_url = opt.server;
    http.ca_file = opt.ca_file;
    http.pinned_key = opt.pin;
    auto e = sync::enroll(http, opt.code, opt.device_name, opt.data_dir);
    if (!e) {
        std::cerr << "touchpoint-kiosk: " << e.error() << "\n";
        return 1;
    }
    DeviceIdentity next = *identity;
    next.device_token = e->token;
    next.server_url = opt.server;
    if (!e->device_id.empty()) next.device_id = e->device_id;
    if (Status st = next.save(opt.data_dir); !st) {
        std::cerr << "touchpoint-kiosk: enrolled, but the identity could not be saved: "
                  << st.error() << "\n";
        return 1;
    }
    std::cout << "enrolled: device " << next.device_id << " at store " << e->store
              << ", touch point " << e->touch_point << " (" << opt.server << ")\n";
    return 0;
}

} // namespace touchpoint::cli
