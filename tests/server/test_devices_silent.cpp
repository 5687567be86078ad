// The silent mark (SPEC "The server"): a device is silent when it has sent
// nothing, not even a heartbeat, for three heartbeat intervals of its touch
// point's *opening hours*. A kiosk quiet overnight while its store is closed
// is not silent; the same kiosk quiet ten minutes into the morning is.
#include "server_fixture.h"

#include "core/wire.h"
#include "server/device_silence.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>

using namespace tpt;
using nlohmann::json;
using touchpoint::OpeningHours;
using touchpoint::TouchPointSettings;

namespace {

constexpr std::int64_t k_min = 60 * 1000;
// Thursday 2026-03-05 16:58 in Auckland (NZDT, UTC+13) = 03:58 UTC.
constexpr std::int64_t k_thu_1658 = 1772683080000;
// Friday 2026-03-06 07:30 NZDT and 08:04 / 08:08 NZDT.
constexpr std::int64_t k_fri_0730 = 1772735400000;
constexpr std::int64_t k_fri_0804 = 1772737440000;
constexpr std::int64_t k_fri_0808 = 1772737680000;

OpeningHours eight_to_five() {
    OpeningHours h;
    for (auto& d : h.days)
        d.push_back({8 * 60, 17 * 60});
    return h;
}

} // namespace

TEST_CASE("silence: only open time counts", "[server][silent]") {
    using touchpoint::server::is_silent;
    using touchpoint::server::open_ms_between;
    const std::string zone = "Pacific/Auckland";
    const OpeningHours hours = eight_to_five();
    const std::int64_t big = 1000LL * 24 * 3600 * 1000;
    CHECK(open_ms_between(hours, zone, k_thu_1658, k_fri_0730, big) == 2 * k_min);
    CHECK(open_ms_between(hours, zone, k_thu_1658, k_fri_0808, big) == 10 * k_min);
    CHECK(open_ms_between(hours, zone, k_thu_1658 + 30000, k_fri_0804, big) == 6 * k_min - 30000);
    // A day's worth: 9 open hours.
    CHECK(open_ms_between(hours, zone, k_fri_0730, k_fri_0730 + 24 * 60 * k_min, big) ==
          9 * 60 * k_min);
    // Counting stops once it has enough.
    CHECK(open_ms_between(hours, zone, k_fri_0730, k_fri_0730 + 24 * 60 * k_min, 5 * k_min) <
          6 * 60 * k_min);
    // Never open: never silent, however long the quiet.
    OpeningHours closed;
    CHECK(open_ms_between(closed, zone, k_thu_1658, k_thu_1658 + 400LL * 24 * 60 * k_min, big) ==
          0);
    // Always open across the end of daylight saving (05 April 2026, 03:00 -> 02:00):
    // real time, not wall-clock time.
    const std::int64_t before_change = 1775307600000; // 02:00 NZDT
    CHECK(open_ms_between(OpeningHours::always_open(), zone, before_change,
                          before_change + 3 * 60 * k_min, big) == 3 * 60 * k_min);

    TouchPointSettings tp;
    tp.time_zone = zone;
    tp.opening_hours = hours;
    const std::int64_t heartbeat = 3 * k_min;
    CHECK_FALSE(is_silent(tp, k_thu_1658, k_fri_0730, heartbeat));
    CHECK_FALSE(is_silent(tp, k_thu_1658, k_fri_0804, heartbeat));
    CHECK(is_silent(tp, k_thu_1658, k_fri_0808, heartbeat));
    tp.opening_hours = OpeningHours::always_open();
    CHECK(is_silent(tp, k_thu_1658, k_thu_1658 + 9 * k_min, heartbeat));
    CHECK_FALSE(is_silent(tp, k_thu_1658, k_thu_1658 + 9 * k_min - 1, heartbeat));
}

TEST_CASE("devices: silent mark, health fields, and the /metrics gauge", "[server][silent]") {
    auto clock = std::make_shared<std::atomic<std::int64_t>>(k_thu_1658);
    ServerSetup setup;
    setup.api.now_ms = [clock] { return clock->load(); };
    setup.api.heartbeat_interval_ms = 3 * k_min;
    TestServer srv(setup);

    // Auckland's checkout is open 08:00-17:00 every day; Wellington's help
    // desk is always open.
    auto tp = srv.storage().touch_point(k_tp_a);
    REQUIRE(tp);
    auto settings = touchpoint::touch_point_from_json(json::parse(tp->settings_json));
    REQUIRE(settings);
    settings->opening_hours = eight_to_five();
    touchpoint::server::TouchPointRecord updated = *tp;
    updated.settings_json = touchpoint::to_json(*settings).dump();
    REQUIRE(srv.storage().update_touch_point(updated));

    Enrolled till = srv.enroll(k_tp_a, "Till");
    Enrolled desk = srv.enroll(k_tp_b, "Desk");
    const std::string head = srv.create_api_key("head-office");
    auto c = srv.client();
    auto hb = post_json(c, "/api/v1/heartbeat", till.token,
                        R"({"pending": 4, "disk_free_bytes": 123456, "app_version": "0.2.0"})");
    REQUIRE(hb);
    REQUIRE(hb->status == 200);

    auto silent_of = [&](const std::string& path = "/api/v1/devices") {
        auto r = get_auth(c, path, head);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        std::map<std::string, bool> out;
        const json body = json::parse(r->body);
        for (const auto& d : body["devices"])
            out[d["name"].get<std::string>()] = d["silent"].get<bool>();
        return out;
    };
    auto gauge = [&] {
        auto r = c.Get("/metrics");
        REQUIRE(r);
        auto pos = r->body.find("\ntouchpoint_silent_devices ");
        REQUIRE(pos != std::string::npos);
        return std::stoi(r->body.substr(pos + 27));
    };

    auto devices = get_auth(c, "/api/v1/devices?store=akl", head);
    REQUIRE(devices);
    json d = json::parse(devices->body);
    CHECK(d["silent_after_open_ms"] == 9 * k_min);
    REQUIRE(d["devices"].size() == 1);
    CHECK(d["devices"][0]["silent"] == false);
    CHECK(d["devices"][0]["pending"] == 4);
    CHECK(d["devices"][0]["disk_free_bytes"] == 123456);
    CHECK(d["devices"][0]["app_version"] == "0.2.0");
    CHECK(d["devices"][0]["last_seen_utc_ms"] == k_thu_1658);

    // Overnight: the store closed at 17:00, so two quiet minutes count.
    clock->store(k_fri_0730);
    // The help desk (always open) heard from its kiosk just now.
    REQUIRE(post_json(c, "/api/v1/heartbeat", desk.token, "{}")->status == 200);
    auto s = silent_of();
    CHECK(s["Till"] == false);
    CHECK(s["Desk"] == false);
    CHECK(gauge() == 0);

    clock->store(k_fri_0804);
    CHECK(silent_of()["Till"] == false);

    // Ten open minutes without a word: silent.
    clock->store(k_fri_0808);
    s = silent_of();
    CHECK(s["Till"] == true);
    // The desk, quiet for 38 minutes of its always-open hours, is silent too.
    CHECK(s["Desk"] == true);
    CHECK(gauge() == 2);
    REQUIRE(post_json(c, "/api/v1/heartbeat", desk.token, "{}")->status == 200);
    CHECK(gauge() == 1);
    auto only = silent_of("/api/v1/devices?silent=true");
    CHECK(only.size() == 1);
    CHECK(only.count("Till") == 1);

    // A heartbeat clears the mark at once.
    clock->store(k_fri_0808);
    REQUIRE(post_json(c, "/api/v1/heartbeat", till.token, "{}")->status == 200);
    CHECK(silent_of()["Till"] == false);

    // A revoked device is not reported silent.
    REQUIRE(srv.admin({"revoke-device", "--id", desk.device_id}).code == 0);
    clock->store(k_fri_0808 + 60 * k_min);
    CHECK(silent_of()["Desk"] == false);
}
