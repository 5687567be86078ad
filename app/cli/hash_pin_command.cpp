// `touchpoint-kiosk hash-pin`: a PIN from stdin as the Argon2id hash the
// config's [device] manager_pin_hash / staff_pin_hash take.
#include "app/cli/commands.h"
#include "app/staff_auth.h"

#include <iostream>
#include <string>

namespace touchpoint::cli {

int run_hash_pin() {
    std::string pin;
    std::getline(std::cin, pin);
    while (!pin.empty() && (pin.back() == '\r' || pin.back() == ' '))
        pin.pop_back();
    auto hash = hash_pin(pin);
    if (!hash) {
        std::cerr << "touchpoint-kiosk: " << hash.error() << "\n";
        return 2;
    }
    std::cout << *hash << "\n";
    return 0;
}

} // namespace touchpoint::cli
