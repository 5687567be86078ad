// Revocation (devices and API keys, effective at once) and store-scoped API keys.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace tpt;
using nlohmann::json;

TEST_CASE("a revoked device's token answers 401 at once", "[server][auth]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    Enrolled other = srv.enroll(k_tp_a, "Till 2");
    auto ok =
        post_json(c, "/api/v1/batches", dev.token, batch_of({response_json(new_id())}).dump());
    REQUIRE(ok);
    REQUIRE(ok->status == 200);

    // Revoked from another process (the admin command) while the server runs.
    CliRun rv = srv.admin({"revoke-device", "--id", dev.device_id});
    REQUIRE(rv.code == 0);
    const std::string before = srv.dump();

    auto batch =
        post_json(c, "/api/v1/batches", dev.token, batch_of({response_json(new_id())}).dump());
    REQUIRE(batch);
    CHECK(batch->status == 401);
    CHECK(error_code(batch) == "device_revoked");
    auto config = get_auth(c, "/api/v1/config", dev.token);
    REQUIRE(config);
    CHECK(config->status == 401);
    auto hb = post_json(c, "/api/v1/heartbeat", dev.token, "{}");
    REQUIRE(hb);
    CHECK(hb->status == 401);
    CHECK(srv.dump() == before);

    // Its neighbour is unaffected.
    auto neighbour = post_json(c, "/api/v1/heartbeat", other.token, "{}");
    REQUIRE(neighbour);
    CHECK(neighbour->status == 200);

    CliRun l = srv.admin({"list-devices"});
    CHECK(l.out.find("revoked") != std::string::npos);
    CHECK(srv.admin({"revoke-device", "--id", "no-such-device"}).code != 0);
}

TEST_CASE("API keys: head-office sees every store, a store key only its own", "[server][auth]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    Enrolled b = srv.enroll(k_tp_b, "Desk");
    const std::string head = srv.create_api_key("head-office");
    const std::string akl = srv.create_api_key("store", k_store_a);

    auto all = get_auth(c, "/api/v1/devices", head);
    REQUIRE(all);
    REQUIRE(all->status == 200);
    CHECK(body_json(all)["devices"].size() == 2);

    auto one = get_auth(c, "/api/v1/devices?store=wlg", head);
    REQUIRE(one);
    REQUIRE(body_json(one)["devices"].size() == 1);
    CHECK(body_json(one)["devices"][0]["id"] == b.device_id);

    auto own = get_auth(c, "/api/v1/devices", akl);
    REQUIRE(own);
    REQUIRE(own->status == 200);
    REQUIRE(body_json(own)["devices"].size() == 1);
    CHECK(body_json(own)["devices"][0]["id"] == a.device_id);
    CHECK(body_json(own)["devices"][0]["last_seen_utc_ms"].is_number_integer());

    SECTION("another store's data is forbidden to a store key") {
        auto other = get_auth(c, "/api/v1/devices?store=wlg", akl);
        REQUIRE(other);
        CHECK(other->status == 403);
        CHECK(error_code(other) == "forbidden");
    }
    SECTION("a revoked key answers 401 at once") {
        CliRun keys = srv.admin({"list-api-keys"});
        REQUIRE(keys.code == 0);
        // The store key's line (the listing order is not part of the contract).
        std::string id;
        std::istringstream lines(keys.out);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("key_", 0) == 0 && line.find("head-office") == std::string::npos)
                id = line.substr(0, line.find('\t'));
        REQUIRE(id.rfind("key_", 0) == 0);
        REQUIRE(srv.admin({"revoke-api-key", "--id", id}).code == 0);
        auto revoked = get_auth(c, "/api/v1/devices", akl);
        REQUIRE(revoked);
        CHECK(revoked->status == 401);
        CHECK(error_code(revoked) == "api_key_revoked");
        auto still = get_auth(c, "/api/v1/devices", head);
        REQUIRE(still);
        CHECK(still->status == 200);
    }
    SECTION("a device token is not an API key, and an unknown key is refused") {
        auto dev = get_auth(c, "/api/v1/devices", a.token);
        REQUIRE(dev);
        CHECK(dev->status == 401);
        CHECK(error_code(dev) == "invalid_api_key");
        auto none = c.Get("/api/v1/devices");
        REQUIRE(none);
        CHECK(none->status == 401);
        CHECK(error_code(none) == "missing_api_key");
    }
    SECTION("the keys themselves are not stored") {
        const std::string dump = srv.dump();
        CHECK(dump.find(head) == std::string::npos);
        CHECK(dump.find(akl) == std::string::npos);
    }
}
