// Result and Status: the state is explicit, so a failure never reads as a
// success, whatever its message; and neither may be dropped unnoticed.
#include "core/result.h"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace touchpoint;

namespace {

// A call whose Status is thrown away without (void) would not compile here:
// the build turns warnings into errors and both types are [[nodiscard]].
Status fail_with(const std::string& message) {
    return Status::failure(message);
}

} // namespace

TEST_CASE("status: a failure with an empty message is still a failure", "[core][result]") {
    const Status empty = fail_with("");
    CHECK_FALSE(empty.ok());
    CHECK_FALSE(static_cast<bool>(empty));
    CHECK(empty.error() == "unknown error");

    const Status named = fail_with("disk full");
    CHECK_FALSE(named.ok());
    CHECK(named.error() == "disk full");

    const Status fine = Status::success();
    CHECK(fine.ok());
    CHECK(fine.error().empty());
    // Default-constructed is success (a function that falls through to
    // `return {};` succeeds), and it cannot be made a failure from outside.
    CHECK(Status{}.ok());
    CHECK_FALSE(std::is_aggregate_v<Status>);
}

TEST_CASE("result: holds a value or an error", "[core][result]") {
    Result<int> v = 42;
    REQUIRE(v.ok());
    CHECK(*v == 42);
    Result<int> e = Error{"no such file"};
    CHECK_FALSE(e.ok());
    CHECK(e.error() == "no such file");
}
