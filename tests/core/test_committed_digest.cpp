// core/wire.h committed_digest: the batch answer's digest as docs/api.md
// defines it, checked against SHA-256 values computed apart (sha256sum).
#include "core/wire.h"

#include <catch2/catch.hpp>

using touchpoint::committed_digest;

TEST_CASE("committed_digest: SHA-256 of the sorted ids, one per line", "[wire][digest]") {
    // printf '' | sha256sum
    CHECK(committed_digest({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // printf '0b6e4c1e-8a7d-4f0e-9c35-2f1d3a9b7c11\n9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\n' | sha256sum
    const std::string two = "e5be869eae5506d30b0aa96907d5ab2594d564c5503c8faacc2b0b1add78c33f";
    CHECK(committed_digest({"0b6e4c1e-8a7d-4f0e-9c35-2f1d3a9b7c11",
                            "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"}) == two);
    // In any order: sorted first.
    CHECK(committed_digest({"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                            "0b6e4c1e-8a7d-4f0e-9c35-2f1d3a9b7c11"}) == two);
    // An id counted twice is there twice.
    CHECK(committed_digest({"0b6e4c1e-8a7d-4f0e-9c35-2f1d3a9b7c11", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                            "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"}) != two);
}
