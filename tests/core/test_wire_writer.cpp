// core/wire.h append_json: the direct writer must give the bytes of
// to_json(r).dump(), which the server's content hash depends on.
#include "core/wire.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using touchpoint::Response;
using touchpoint::Scale;

namespace {

Response sample() {
    Response r;
    r.id = "6f1c2d3e-0000-4000-8000-000000000001";
    r.device_id = "0d0e0v0i-ce00-4000-8000-000000000002";
    r.touch_point = "akl-checkout-1";
    r.survey_id = "checkout";
    r.survey_version = 7;
    r.question_id = "checkout-experience";
    r.scale = Scale::nps;
    r.score = 10;
    r.reasons = {"speed", "friendly"};
    r.comment = "Kia ora, tēnā koe! \"quoted\" back\\slash";
    r.language = "mi";
    r.utc_ms = 1774711800250;
    r.local_time = "2026-03-29T01:30:00.250+13:00";
    r.local_day = "2026-03-29";
    r.local_hour = 1;
    r.sequence = 123456789012;
    r.misuse = true;
    r.clock_suspect = false;
    return r;
}

std::string written(const Response& r) {
    std::string out;
    append_json(out, r);
    return out;
}

} // namespace

TEST_CASE("wire writer: the same bytes as to_json().dump()", "[core][wire]") {
    Response r = sample();
    CHECK(written(r) == touchpoint::to_json(r).dump());

    SECTION("no reasons, empty comment, negative numbers, every scale") {
        r.reasons.clear();
        r.comment.clear();
        r.utc_ms = -5;
        r.sequence = 0;
        for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs}) {
            r.scale = s;
            CHECK(written(r) == touchpoint::to_json(r).dump());
        }
    }
    SECTION("every escape: quotes, backslash, control characters, DEL, CJK") {
        std::string all;
        for (int c = 1; c < 0x20; ++c)
            all += static_cast<char>(c);
        all += "\x7f\"\\/ 你好 — ā";
        r.comment = all;
        r.reasons = {all, "", "\n"};
        CHECK(written(r) == touchpoint::to_json(r).dump());
    }
    SECTION("random printable and control text") {
        std::mt19937 rng(42);
        std::uniform_int_distribution<int> byte(1, 0x7f);
        for (int round = 0; round < 200; ++round) {
            std::string s;
            for (int i = 0; i < round % 40; ++i)
                s += static_cast<char>(byte(rng));
            r.comment = s;
            r.id = s;
            CHECK(written(r) == touchpoint::to_json(r).dump());
        }
    }
    SECTION("appends, leaving what was there") {
        std::string out = "[";
        append_json(out, r);
        CHECK(out == "[" + touchpoint::to_json(r).dump());
    }
}
