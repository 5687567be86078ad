// Random version 4 UUIDs for response and device ids.
#include "core/uuid.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace touchpoint;

namespace {
// 8-4-4-4-12 lowercase hex, version nibble 4, variant nibble 8, 9, a or b.
bool well_formed_v4(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char ch = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (ch != '-') return false;
        } else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
            return false;
        }
    }
    if (s[14] != '4') return false;
    return s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b';
}
} // namespace

TEST_CASE("make_uuid gives well-formed version 4 UUIDs", "[uuid]") {
    for (int i = 0; i < 1000; ++i) {
        std::string u = make_uuid();
        CAPTURE(u);
        CHECK(well_formed_v4(u));
        CHECK(is_uuid(u));
    }
}

TEST_CASE("make_uuid does not repeat over 10,000 ids", "[uuid]") {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(make_uuid());
    CHECK(seen.size() == 10000);
}

TEST_CASE("make_uuid is safe to call from several threads", "[uuid]") {
    std::mutex mu;
    std::set<std::string> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            std::vector<std::string> mine;
            for (int i = 0; i < 2500; ++i) mine.push_back(make_uuid());
            std::lock_guard<std::mutex> lock(mu);
            seen.insert(mine.begin(), mine.end());
        });
    }
    for (auto& th : threads) th.join();
    CHECK(seen.size() == 10000);
}

TEST_CASE("is_uuid checks the shape", "[uuid]") {
    CHECK(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
    CHECK(is_uuid("123E4567-E89B-42D3-A456-426614174000")); // upper case is accepted
    CHECK_FALSE(is_uuid(""));
    CHECK_FALSE(is_uuid("123e4567e89b42d3a456426614174000"));       // no dashes
    CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400"));    // too short
    CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));  // too long
    CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456_426614174000"));   // wrong separator
    CHECK_FALSE(is_uuid("g23e4567-e89b-42d3-a456-426614174000"));   // not hex
    CHECK_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400 "));
}
