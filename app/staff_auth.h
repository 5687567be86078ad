#pragma once
// Staff access behind a PIN (SPEC "The kiosk (staff side)"): PINs are kept
// only as Argon2id hashes (libsodium crypto_pwhash_str); repeated wrong PINs
// lock the pad with a growing delay.
//
// StaffAuth is single-threaded (UI thread). Hashing and verifying take a
// noticeable fraction of a second by design.
#include "app/role.h"
#include "core/result.h"

#include <chrono>
#include <string>

namespace touchpoint {

// A PIN is 4 to 8 digits.
Status check_pin_format(const std::string& pin);
// Argon2id hash string of a PIN ("$argon2id$v=19$m=...").
Result<std::string> hash_pin(const std::string& pin);
// Constant-time verification against a hash made by hash_pin.
bool verify_pin(const std::string& hash, const std::string& pin);

struct PinAttempt {
    Role role = Role::none;          // none when wrong or locked
    bool locked = false;             // the pad is locked (attempt not checked)
    std::chrono::seconds wait{0};    // how long until the next attempt is allowed
    int failures = 0;                // consecutive wrong PINs
};

class StaffAuth {
  public:
    // Free attempts before the pad locks, and the first lock-out; each further
    // wrong PIN doubles the lock-out, up to the maximum.
    static constexpr int k_free_attempts = 3;
    static constexpr std::chrono::seconds k_first_lock{30};
    static constexpr std::chrono::seconds k_max_lock{15 * 60};

    StaffAuth(std::string manager_hash, std::string staff_hash);

    bool has_manager_pin() const { return !m_manager_hash.empty(); }
    void set_hashes(std::string manager_hash, std::string staff_hash);
    const std::string& manager_hash() const { return m_manager_hash; }
    const std::string& staff_hash() const { return m_staff_hash; }

    // Checks a PIN at monotonic time `now`.
    PinAttempt attempt(const std::string& pin, std::chrono::steady_clock::time_point now);
    // Seconds the pad stays locked from `now` (0 when open).
    std::chrono::seconds locked_for(std::chrono::steady_clock::time_point now) const;

  private:
    std::string m_manager_hash;
    std::string m_staff_hash;
    int m_failures = 0;
    std::chrono::steady_clock::time_point m_locked_until{};
};

} // namespace touchpoint
