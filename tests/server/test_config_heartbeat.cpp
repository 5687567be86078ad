// Config pull (ETag / If-None-Match), heartbeat, /healthz.
#include "server_fixture.h"

#include "core/wire.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>
#include <vector>

using namespace tpt;
using nlohmann::json;

TEST_CASE("config: the device's touch point settings and survey, with an ETag",
          "[server][config]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();

    auto r = get_auth(c, "/api/v1/config", dev.token);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string etag = r->get_header_value("ETag");
    CHECK(etag.size() > 2);
    CHECK(etag.front() == '"');
    json j = body_json(r);
    CHECK(j["touch_point"]["key"] == k_tp_a);
    CHECK(j["touch_point"]["name"] == "Checkout 1");
    CHECK(j["touch_point"]["store"] == "Auckland Central");
    CHECK(j["touch_point"]["time_zone"] == "Pacific/Auckland");
    CHECK(j["touch_point"]["survey"] == "checkout");
    CHECK(j["store"]["id"] == k_store_a);
    CHECK(j["survey"]["id"] == "checkout");
    CHECK(j["survey"]["scale"] == "smiley4");
    CHECK(j["survey"]["version"] == 1);

    // The kiosk reads both back with the core readers.
    auto survey = touchpoint::survey_from_json(j["survey"]);
    REQUIRE(survey);
    CHECK(survey->question.at("en") == "How was your checkout today?");
    CHECK(survey->reasons.at(touchpoint::Band::negative).size() == 3);
    auto settings = touchpoint::touch_point_from_json(j["touch_point"]);
    REQUIRE(settings);
    CHECK(settings->service_standard == 85.0);
    CHECK(settings->opening_hours.is_open(0, 600));

    SECTION("If-None-Match with the ETag answers 304 with no body") {
        auto again = get_auth(c, "/api/v1/config", dev.token, {{"If-None-Match", etag}});
        REQUIRE(again);
        CHECK(again->status == 304);
        CHECK(again->body.empty());
        CHECK(again->get_header_value("ETag") == etag);
        auto listed =
            get_auth(c, "/api/v1/config", dev.token, {{"If-None-Match", "\"old\", W/" + etag}});
        REQUIRE(listed);
        CHECK(listed->status == 304);
    }
    SECTION("another ETag answers the full config") {
        auto again =
            get_auth(c, "/api/v1/config", dev.token, {{"If-None-Match", "\"something-else\""}});
        REQUIRE(again);
        CHECK(again->status == 200);
        CHECK(body_json(again) == j);
    }
    SECTION("publishing a survey bumps its version and changes the ETag") {
        CliRun p = srv.admin({"publish-survey", "--touch-point", k_tp_a, "--survey",
                              std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml"});
        REQUIRE(p.code == 0);
        auto again = get_auth(c, "/api/v1/config", dev.token, {{"If-None-Match", etag}});
        REQUIRE(again);
        CHECK(again->status == 200);
        CHECK(again->get_header_value("ETag") != etag);
        CHECK(body_json(again)["survey"]["version"] == 2);
    }
    SECTION("a device of another store gets its own touch point") {
        Enrolled other = srv.enroll(k_tp_b, "Desk");
        auto o = get_auth(c, "/api/v1/config", other.token);
        REQUIRE(o);
        REQUIRE(o->status == 200);
        json oj = body_json(o);
        CHECK(oj["touch_point"]["key"] == k_tp_b);
        CHECK(oj["store"]["id"] == k_store_b);
        CHECK(oj["survey"]["id"] != "checkout");
        CHECK(o->get_header_value("ETag") != etag);
    }
    SECTION("reading the config changes nothing") {
        const std::string before = srv.dump();
        (void)get_auth(c, "/api/v1/config", dev.token);
        CHECK(srv.dump() == before);
    }
    SECTION("no token, a wrong token") {
        const std::string before = srv.dump();
        auto none = c.Get("/api/v1/config");
        REQUIRE(none);
        CHECK(none->status == 401);
        CHECK(error_code(none) == "missing_token");
        auto wrong = get_auth(c, "/api/v1/config", dev.token + "x");
        REQUIRE(wrong);
        CHECK(wrong->status == 401);
        CHECK(error_code(wrong) == "invalid_token");
        CHECK(srv.dump() == before);
    }
}

TEST_CASE("config: a touch point without a survey answers survey null", "[server][config]") {
    TestServer srv;
    REQUIRE(srv.admin({"create-touch-point", "--store", k_store_a, "--key", "akl-door", "--name",
                       "Door"})
                .code == 0);
    auto c = srv.client();
    Enrolled dev = srv.enroll("akl-door");
    auto r = get_auth(c, "/api/v1/config", dev.token);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(body_json(r)["survey"].is_null());
    CHECK(body_json(r)["touch_point"]["key"] == "akl-door");
}

TEST_CASE("heartbeat: records last seen and health", "[server][heartbeat]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    // Enrolment counts as contact; move last seen back to see the heartbeat.
    auto before_hb = srv.storage().list_devices("");
    REQUIRE(before_hb);
    const std::int64_t enrolled_seen = *(*before_hb)[0].last_seen_utc_ms;

    json health{{"pending", 12},
                {"last_sync_utc_ms", now_ms() - 5000},
                {"disk_free_bytes", 123456789},
                {"database_bytes", 4096},
                {"app_version", "0.1.0"},
                {"last_error", "server not reachable"}};
    auto r = post_json(c, "/api/v1/heartbeat", dev.token, health.dump());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(body_json(r)["status"] == "ok");
    CHECK(body_json(r)["server_utc_ms"].is_number_integer());

    auto devices = srv.storage().list_devices("");
    REQUIRE(devices);
    REQUIRE(devices->size() == 1);
    const auto& d = (*devices)[0];
    REQUIRE(d.last_seen_utc_ms);
    CHECK(*d.last_seen_utc_ms >= enrolled_seen);
    json stored = json::parse(d.health_json);
    CHECK(stored["pending"] == 12);
    CHECK(stored["disk_free_bytes"] == 123456789);
    CHECK(stored["last_error"] == "server not reachable");
    CHECK(stored["reported_utc_ms"].is_number_integer());

    SECTION("an admin can see it") {
        CliRun l = srv.admin({"list-devices"});
        REQUIRE(l.code == 0);
        CHECK(l.out.find(dev.device_id) != std::string::npos);
        CHECK(l.out.find("active") != std::string::npos);
    }
    SECTION("bad heartbeats are refused and change nothing") {
        const std::string before = srv.dump();
        for (const char* body :
             {R"({"pending": "12"})", R"({"pending": -1})", R"({"disk_free_bytes": 1.5})",
              R"({"app_version": 3})", R"([])", R"({"pending": 1)", ""}) {
            auto bad = post_json(c, "/api/v1/heartbeat", dev.token, body);
            REQUIRE(bad);
            INFO(body);
            CHECK(bad->status == 400);
            CHECK((error_code(bad) == "invalid_request" || error_code(bad) == "malformed_json"));
        }
        json long_error{{"last_error", std::string(1001, 'e')}};
        auto bad = post_json(c, "/api/v1/heartbeat", dev.token, long_error.dump());
        REQUIRE(bad);
        CHECK(bad->status == 400);
        auto wrong_type = post_json(c, "/api/v1/heartbeat", dev.token, health.dump(),
                                    "application/x-www-form-urlencoded");
        REQUIRE(wrong_type);
        CHECK(wrong_type->status == 415);
        auto no_token = post_json(c, "/api/v1/heartbeat", "", health.dump());
        REQUIRE(no_token);
        CHECK(no_token->status == 401);
        CHECK(srv.dump() == before);
    }
}

TEST_CASE("healthz answers ok when the database answers", "[server][healthz]") {
    TestServer srv;
    auto c = srv.client();
    auto r = c.Get("/healthz");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(body_json(r) == json{{"status", "ok"}});
}

TEST_CASE("heartbeat: many at once are each recorded, and an unknown device fails alone",
          "[server][heartbeat][concurrency]") {
    // On SQLite concurrent heartbeats are committed in groups (one fsync
    // for all that wait); each answer must still be its own.
    TestServer srv;
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i)
        ids.push_back(srv.enroll(k_tp_a, "till " + std::to_string(i)).device_id);
    ids.push_back("no-such-device");
    constexpr int k_rounds = 15;
    const std::int64_t t0 = now_ms();
    std::vector<std::vector<touchpoint::Status>> results(ids.size());
    std::vector<std::thread> threads;
    for (std::size_t d = 0; d < ids.size(); ++d)
        threads.emplace_back([&, d] {
            for (int round = 0; round < k_rounds; ++round) {
                const json health{{"pending", static_cast<int>(d) * 100 + round}};
                results[d].push_back(
                    srv.storage().record_heartbeat(ids[d], health.dump(), t0 + round));
            }
        });
    for (auto& t : threads)
        t.join();
    for (std::size_t d = 0; d + 1 < ids.size(); ++d)
        for (const touchpoint::Status& st : results[d]) {
            INFO(ids[d] << ": " << st.error());
            CHECK(st.ok());
        }
    for (const touchpoint::Status& st : results.back()) {
        CHECK_FALSE(st.ok());
        CHECK(st.error().find("no device") != std::string::npos);
    }
    auto devices = srv.storage().list_devices("");
    REQUIRE(devices);
    REQUIRE(devices->size() == ids.size() - 1);
    for (const auto& dev : *devices) {
        const auto at = std::find(ids.begin(), ids.end(), dev.id) - ids.begin();
        INFO(dev.id);
        REQUIRE(dev.last_seen_utc_ms);
        CHECK(*dev.last_seen_utc_ms == t0 + k_rounds - 1);
        CHECK(json::parse(dev.health_json)["pending"] == at * 100 + k_rounds - 1);
    }
}
