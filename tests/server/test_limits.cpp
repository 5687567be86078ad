// Limits: body size, batch size, request rate, unknown routes. Each refusal
// is a JSON error and stores nothing.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <atomic>

using namespace tpt;
using nlohmann::json;

TEST_CASE("limits: ten times the batch limit is refused whole", "[server][limits]") {
    SECTION("default limit (500): 5000 elements") {
        TestServer srv;
        auto c = srv.client();
        Enrolled dev = srv.enroll();
        json responses = json::array();
        responses.push_back(response_json(new_id()));
        for (int i = 1; i < 5000; ++i)
            responses.push_back(json::object());
        const std::string before = srv.dump();
        auto r = post_json(c, "/api/v1/batches", dev.token, json{{"responses", responses}}.dump());
        REQUIRE(r);
        CHECK(r->status == 413);
        CHECK(error_code(r) == "batch_too_large");
        CHECK(srv.dump() == before);
    }
    SECTION("a configured limit: 10x refused, exactly the limit accepted") {
        ServerSetup setup;
        setup.api.limits.max_responses = 50;
        TestServer srv(setup);
        auto c = srv.client();
        Enrolled dev = srv.enroll();
        std::vector<json> many;
        for (int i = 0; i < 500; ++i)
            many.push_back(response_json(new_id()));
        const std::string before = srv.dump();
        auto r = post_json(c, "/api/v1/batches", dev.token, batch_of(many).dump());
        REQUIRE(r);
        CHECK(r->status == 413);
        CHECK(error_code(r) == "batch_too_large");
        CHECK(srv.dump() == before);

        many.resize(50);
        auto ok = post_json(c, "/api/v1/batches", dev.token, batch_of(many).dump());
        REQUIRE(ok);
        CHECK(ok->status == 200);
        CHECK(body_json(ok)["accepted"] == 50);
        CHECK(srv.count("responses") == 50);
    }
}

TEST_CASE("limits: an oversize body is refused with 413 before it is read", "[server][limits]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    const std::string before = srv.dump();
    // A valid batch, padded with a large comment beyond the 1 MiB body limit.
    json r1 = response_json(new_id());
    json b = batch_of({r1});
    b["padding"] = std::string(2 * 1024 * 1024, 'x');
    auto r = post_json(c, "/api/v1/batches", dev.token, b.dump());
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(error_code(r) == "body_too_large");
    CHECK(srv.dump() == before);

    SECTION("the same on enrolment and heartbeat") {
        auto e = post_json(c, "/api/v1/enroll", "", std::string(1024 * 1024 + 1, ' '));
        REQUIRE(e);
        CHECK(e->status == 413);
        CHECK(error_code(e) == "body_too_large");
        auto h = post_json(c, "/api/v1/heartbeat", dev.token, std::string(1024 * 1024 + 1, ' '));
        REQUIRE(h);
        CHECK(h->status == 413);
        CHECK(srv.dump() == before);
    }
    SECTION("just under the limit is read") {
        json small = batch_of({r1});
        small["padding"] = std::string(1000 * 1000, 'x');
        auto ok = post_json(c, "/api/v1/batches", dev.token, small.dump());
        REQUIRE(ok);
        CHECK(ok->status == 200);
        CHECK(body_json(ok)["accepted"] == 1);
    }
}

TEST_CASE("limits: a device over its request rate gets 429 with Retry-After", "[server][limits]") {
    std::atomic<std::int64_t> clock{1'000'000};
    ServerSetup setup;
    setup.api.rate_per_s = 1;
    setup.api.burst = 3;
    setup.api.monotonic_ms = [&clock] { return clock.load(); };
    TestServer srv(setup);
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    Enrolled other = srv.enroll(k_tp_b, "Desk");
    const std::string heartbeat = R"({"pending":0})";

    for (int i = 0; i < 3; ++i) {
        auto r = post_json(c, "/api/v1/heartbeat", dev.token, heartbeat);
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    const std::string before = srv.dump();
    auto limited =
        post_json(c, "/api/v1/batches", dev.token, batch_of({response_json(new_id())}).dump());
    REQUIRE(limited);
    CHECK(limited->status == 429);
    CHECK(error_code(limited) == "rate_limited");
    REQUIRE(limited->has_header("Retry-After"));
    CHECK(std::stoi(limited->get_header_value("Retry-After")) >= 1);
    CHECK(srv.dump() == before);

    SECTION("other devices have their own budget") {
        auto r = post_json(c, "/api/v1/heartbeat", other.token, heartbeat);
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    SECTION("the budget refills with time") {
        clock += 1000;
        auto r = post_json(c, "/api/v1/heartbeat", dev.token, heartbeat);
        REQUIRE(r);
        CHECK(r->status == 200);
        auto again = post_json(c, "/api/v1/heartbeat", dev.token, heartbeat);
        REQUIRE(again);
        CHECK(again->status == 429);
    }
    SECTION("enrolment attempts are limited per client address") {
        clock += 10000; // the fixture's own enrolments used some of the budget
        for (int i = 0; i < 3; ++i) {
            auto r = post_json(c, "/api/v1/enroll", "", R"({"code":"AAAA-AAAA-AAAA"})");
            REQUIRE(r);
            CHECK(r->status == 401);
        }
        auto r = post_json(c, "/api/v1/enroll", "", R"({"code":"AAAA-AAAA-AAAA"})");
        REQUIRE(r);
        CHECK(r->status == 429);
        CHECK(r->has_header("Retry-After"));
    }
}

TEST_CASE("limits: unknown routes and methods answer JSON errors", "[server][limits]") {
    TestServer srv;
    auto c = srv.client();
    for (const char* path : {"/nothing-here", "/api/v2/batches", "/api/v1/batch", "/api/v1/config/extra"}) {
        auto r = c.Get(path);
        REQUIRE(r);
        INFO(path);
        CHECK(r->status == 404);
        CHECK(error_code(r) == "not_found");
        CHECK(r->get_header_value("Content-Type") == "application/json");
    }
    auto del = c.Delete("/api/v1/batches");
    REQUIRE(del);
    CHECK(del->status == 405);
    CHECK(del->get_header_value("Allow") == "POST");
    CHECK(error_code(del) == "method_not_allowed");
    auto put = c.Put("/healthz", "{}", "application/json");
    REQUIRE(put);
    CHECK(put->status == 405);
    // "/" is the web dashboard's page.
    auto page = c.Get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
}
