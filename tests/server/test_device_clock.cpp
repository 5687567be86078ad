// A kiosk whose wall clock jumped (SPEC "Sync", "The server"): the server
// flags what is more than 10 minutes ahead of the moment it received it, and
// tells a silent device by its own clock, whatever times the device sends.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>

using namespace tpt;
using nlohmann::json;

namespace {

constexpr std::int64_t k_min = 60 * 1000;
constexpr std::int64_t k_hour = 60 * k_min;
constexpr std::int64_t k_day = 24 * k_hour;

// A batch of responses the device stamped `device_offset_ms` away from the
// server's clock (its health stamped the same way).
json batch_from_device(const std::vector<std::string>& ids, std::int64_t server_now,
                       std::int64_t device_offset_ms, bool device_flagged) {
    std::vector<json> rs;
    std::int64_t seq = 1;
    for (const std::string& id : ids) {
        json r = response_json(id);
        r["utc_ms"] = server_now + device_offset_ms;
        r["sequence"] = seq++;
        r["clock_suspect"] = device_flagged;
        rs.push_back(r);
    }
    json b = batch_of(rs);
    b["health"]["last_sync_utc_ms"] = server_now + device_offset_ms;
    return b;
}

} // namespace

TEST_CASE("device clock: last seen and silence run on the server's clock", "[server][clock]") {
    // Thursday 2026-03-05 03:58 UTC; the touch point is always open.
    auto clock = std::make_shared<std::atomic<std::int64_t>>(1772683080000);
    ServerSetup setup;
    setup.api.now_ms = [clock] { return clock->load(); };
    setup.api.heartbeat_interval_ms = 3 * k_min; // silent after 9 minutes
    TestServer srv(setup);
    Enrolled ahead = srv.enroll(k_tp_a, "Ahead");
    Enrolled behind = srv.enroll(k_tp_a, "Behind");
    const std::string head = srv.create_api_key("head-office");
    auto c = srv.client();

    const std::int64_t t0 = clock->load();
    const std::string a1 = new_id(), a2 = new_id(), b1 = new_id();
    // One kiosk's clock jumped forward a day, the other's back an hour (its
    // tap after the jump marked clock-suspect by the kiosk).
    auto ra = post_json(c, "/api/v1/batches", ahead.token,
                        batch_from_device({a1, a2}, t0, k_day, false).dump());
    REQUIRE(ra);
    REQUIRE(ra->status == 200);
    CHECK(body_json(ra)["clock_suspect"] == json::array({a1, a2}));
    auto rb = post_json(c, "/api/v1/batches", behind.token,
                        batch_from_device({b1}, t0, -k_hour, true).dump());
    REQUIRE(rb);
    REQUIRE(rb->status == 200);
    CHECK(body_json(rb)["clock_suspect"].empty()); // behind is not ahead
    auto flags = srv.rows("SELECT id, device_clock_suspect, server_clock_suspect, received_utc_ms "
                          "FROM responses ORDER BY id");
    REQUIRE(flags.size() == 3);
    for (const auto& row : flags) {
        INFO(row[0]);
        CHECK(row[1] == (row[0] == b1 ? "1" : "0"));
        CHECK(row[2] == (row[0] == b1 ? "0" : "1"));
        CHECK(row[3] == std::to_string(t0));
    }

    auto devices = [&] {
        auto r = get_auth(c, "/api/v1/devices", head);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        std::map<std::string, json> out;
        const json body = json::parse(r->body);
        for (const auto& one : body["devices"])
            out[one["name"].get<std::string>()] = one;
        return out;
    };
    auto d = devices();
    CHECK(d["Ahead"]["last_seen_utc_ms"] == t0);
    CHECK(d["Behind"]["last_seen_utc_ms"] == t0);
    CHECK(d["Ahead"]["silent"] == false);
    CHECK(d["Behind"]["silent"] == false);

    // Nine minutes of the server's clock without a word: both are silent,
    // the one whose clock is a day ahead too.
    clock->store(t0 + 9 * k_min - 1);
    d = devices();
    CHECK(d["Ahead"]["silent"] == false);
    CHECK(d["Behind"]["silent"] == false);
    clock->store(t0 + 9 * k_min);
    d = devices();
    CHECK(d["Ahead"]["silent"] == true);
    CHECK(d["Behind"]["silent"] == true);

    // A heartbeat is contact at the moment the server received it.
    const std::int64_t t1 = clock->load();
    REQUIRE(post_json(c, "/api/v1/heartbeat", ahead.token, "{}")->status == 200);
    d = devices();
    CHECK(d["Ahead"]["last_seen_utc_ms"] == t1);
    CHECK(d["Ahead"]["silent"] == false);
    CHECK(d["Behind"]["silent"] == true);
}
