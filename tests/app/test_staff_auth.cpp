// PINs: only Argon2id hashes are kept; wrong PINs lock the pad for longer and longer.
#include "app/staff_auth.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace std::chrono;

TEST_CASE("a PIN hash is Argon2id, salted, and verifies only the right PIN") {
    auto h1 = hash_pin("4821");
    auto h2 = hash_pin("4821");
    REQUIRE(h1.ok());
    REQUIRE(h2.ok());
    CHECK(h1->rfind("$argon2id$", 0) == 0);
    CHECK(h1->find("4821") == std::string::npos);
    CHECK(*h1 != *h2); // salted
    CHECK(verify_pin(*h1, "4821"));
    CHECK_FALSE(verify_pin(*h1, "4822"));
    CHECK_FALSE(verify_pin(*h1, ""));
    CHECK_FALSE(verify_pin("", "4821"));
    CHECK_FALSE(verify_pin("not a hash", "4821"));
}

TEST_CASE("PIN format: 4 to 8 digits") {
    CHECK(check_pin_format("1234"));
    CHECK(check_pin_format("12345678"));
    CHECK_FALSE(check_pin_format("123"));
    CHECK_FALSE(check_pin_format("123456789"));
    CHECK_FALSE(check_pin_format("12a4"));
    CHECK_FALSE(hash_pin("12").ok());
}

TEST_CASE("roles come from the PIN; wrong PINs lock the pad with a growing delay") {
    StaffAuth auth(*hash_pin("9999"), *hash_pin("1111"));
    steady_clock::time_point t{};
    CHECK(auth.attempt("9999", t).role == Role::manager);
    CHECK(auth.attempt("1111", t).role == Role::staff);

    CHECK_FALSE(auth.attempt("0000", t).locked);
    CHECK_FALSE(auth.attempt("0001", t).locked);
    PinAttempt third = auth.attempt("0002", t);
    CHECK(third.locked);
    CHECK(third.wait == seconds{30});
    // While locked even the right PIN is not checked.
    PinAttempt during = auth.attempt("9999", t + seconds{10});
    CHECK(during.locked);
    CHECK(during.role == Role::none);
    CHECK(during.wait == seconds{20});
    // After the lock the next wrong PIN locks for twice as long.
    t += seconds{30};
    CHECK(auth.locked_for(t) == seconds{0});
    CHECK(auth.attempt("0003", t).wait == seconds{60});
    t += seconds{60};
    CHECK(auth.attempt("0004", t).wait == seconds{120});
    t += seconds{120};
    // The right PIN opens and resets the count.
    PinAttempt ok = auth.attempt("1111", t);
    CHECK(ok.role == Role::staff);
    CHECK(ok.failures == 0);
    CHECK_FALSE(auth.attempt("0005", t).locked);
}

TEST_CASE("the lock-out never exceeds 15 minutes") {
    StaffAuth auth(*hash_pin("9999"), "");
    steady_clock::time_point t{};
    seconds last{0};
    for (int i = 0; i < 12; ++i) {
        PinAttempt a = auth.attempt("0000", t);
        last = a.wait;
        t += a.wait;
    }
    CHECK(last == StaffAuth::k_max_lock);
}
