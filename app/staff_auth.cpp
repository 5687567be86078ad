#include "staff_auth.h"

#include <sodium.h>

#include <algorithm>

namespace touchpoint {

using namespace std::chrono;

namespace {
bool sodium_ready() {
    static const bool ok = sodium_init() >= 0;
    return ok;
}
} // namespace

Status check_pin_format(const std::string& pin) {
    if (pin.size() < 4 || pin.size() > 8) return Status::failure("a PIN has 4 to 8 digits");
    if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Status::failure("a PIN has digits only");
    return Status::success();
}

Result<std::string> hash_pin(const std::string& pin) {
    if (auto st = check_pin_format(pin); !st) return Error{st.error()};
    if (!sodium_ready()) return Error{"the crypto library could not start"};
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return Error{"not enough memory to hash the PIN"};
    return std::string(out);
}

bool verify_pin(const std::string& hash, const std::string& pin) {
    if (hash.empty() || pin.empty() || !sodium_ready()) return false;
    return crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
}

StaffAuth::StaffAuth(std::string manager_hash, std::string staff_hash)
    : m_manager_hash(std::move(manager_hash)), m_staff_hash(std::move(staff_hash)) {}

void StaffAuth::set_hashes(std::string manager_hash, std::string staff_hash) {
    m_manager_hash = std::move(manager_hash);
    m_staff_hash = std::move(staff_hash);
}

seconds StaffAuth::locked_for(steady_clock::time_point now) const {
    if (now >= m_locked_until) return seconds{0};
    return duration_cast<seconds>(m_locked_until - now + milliseconds{999});
}

PinAttempt StaffAuth::attempt(const std::string& pin, steady_clock::time_point now) {
    PinAttempt a;
    a.failures = m_failures;
    if (auto wait = locked_for(now); wait.count() > 0) {
        a.locked = true;
        a.wait = wait;
        return a;
    }
    if (verify_pin(m_manager_hash, pin))
        a.role = Role::manager;
    else if (verify_pin(m_staff_hash, pin))
        a.role = Role::staff;
    if (a.role != Role::none) {
        m_failures = 0;
        a.failures = 0;
        return a;
    }
    ++m_failures;
    a.failures = m_failures;
    if (m_failures >= k_free_attempts) {
        // 30 s after the 3rd wrong PIN, 60 s after the 4th, ... up to 15 min.
        int doublings = std::min(m_failures - k_free_attempts, 10);
        seconds lock = std::min(k_max_lock, k_first_lock * (1 << doublings));
        m_locked_until = now + lock;
        a.locked = true;
        a.wait = lock;
    }
    return a;
}

} // namespace touchpoint
