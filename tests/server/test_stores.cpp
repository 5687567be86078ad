// GET /api/v1/stores: the chain as head office sees it, each store's touch
// points side by side in the order the customer meets them.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tpt;
using nlohmann::json;

namespace {

// A touch point in store akl made from a [touch_point] table.
void add_touch_point(TestServer& srv, const std::string& key, const std::string& name,
                     const std::string& table) {
    const std::string path = (srv.dir().path() / (key + ".toml")).string();
    { std::ofstream(path) << "[touch_point]\n" << table; }
    CliRun r = srv.admin({"create-touch-point", "--store", k_store_a, "--key", key, "--name", name,
                          "--settings", path});
    INFO(r.err);
    REQUIRE(r.code == 0);
}

json get_stores(TestServer& srv, const std::string& key, int status = 200) {
    auto c = srv.client();
    auto r = get_auth(c, "/api/v1/stores", key);
    REQUIRE(r);
    REQUIRE(r->status == status);
    return json::parse(r->body);
}

} // namespace

TEST_CASE("stores: names, owners and touch points in journey order, scoped by key",
          "[server][stores]") {
    TestServer srv;
    add_touch_point(srv, "akl-restroom", "Restroom",
                    "journey_position = 4\nservice_standard = 80\n"
                    "owner = { name = \"Ana Ruiz\", email = \"ana@example.com\" }\n");
    add_touch_point(srv, "akl-entrance", "Entrance",
                    "journey_position = 1\ncx_statement = \"Every customer leaves glad they came.\"\n"
                    "owner = { name = \"Mere Tāne\", email = \"mere@example.com\" }\n"
                    "[touch_point.opening_hours]\nmon = \"08:00-21:00\"\n");
    add_touch_point(srv, "akl-help", "Help desk", "journey_position = 2\n");
    const std::string head = srv.create_api_key("head-office");
    const std::string wlg_key = srv.create_api_key("store", k_store_b);

    const json all = get_stores(srv, head);
    REQUIRE(all["stores"].size() == 2);
    CHECK(all["server_utc_ms"].get<std::int64_t>() > 0);
    const json& akl = all["stores"][0];
    CHECK(akl["id"] == k_store_a);
    CHECK(akl["name"] == "Auckland Central");
    CHECK(akl["time_zone"] == "Pacific/Auckland");
    CHECK(akl["cx_statement"] == "Every customer leaves glad they came.");
    // Placed touch points by position; the fixture's unplaced checkout last.
    std::vector<std::string> order;
    for (const json& t : akl["touch_points"]) order.push_back(t["key"]);
    CHECK(order == std::vector<std::string>{"akl-entrance", "akl-help", "akl-restroom", k_tp_a});
    const json& entrance = akl["touch_points"][0];
    CHECK(entrance["name"] == "Entrance");
    CHECK(entrance["journey_position"] == 1);
    CHECK(entrance["owner"] == json{{"name", "Mere Tāne"}, {"email", "mere@example.com"}});
    CHECK(entrance["opening_hours"]["mon"] == "08:00-21:00");
    CHECK(entrance["opening_hours"]["tue"] == "closed");
    CHECK(akl["touch_points"][2]["service_standard"] == 80.0);
    const json& checkout = akl["touch_points"][3];
    CHECK(checkout["survey"] == json{{"id", "checkout"}, {"version", 1}, {"scale", "smiley4"}});
    CHECK(checkout["owner"] == json{{"name", ""}, {"email", ""}});
    CHECK(akl["touch_points"][0]["survey"].is_null());
    CHECK(all["stores"][1]["id"] == k_store_b);
    CHECK(all["stores"][1]["name"] == "Wellington");

    // A store key sees its own store only.
    const json own = get_stores(srv, wlg_key);
    REQUIRE(own["stores"].size() == 1);
    CHECK(own["stores"][0]["id"] == k_store_b);
    REQUIRE(own["stores"][0]["touch_points"].size() == 1);
    CHECK(own["stores"][0]["touch_points"][0]["key"] == k_tp_b);

    // No key, or a wrong one: refused.
    (void)get_stores(srv, "", 401);
    (void)get_stores(srv, "not-a-key", 401);
}

TEST_CASE("stores: a bad owner or journey position is refused and changes nothing",
          "[server][stores]") {
    TestServer srv;
    const std::string before = srv.dump();
    for (const char* table : {"journey_position = -1\n", "journey_position = \"first\"\n",
                              "owner = \"Ana\"\n",
                              "owner = { name = \"Ana\", email = \"not an address\" }\n"}) {
        const std::string path = (srv.dir().path() / "bad.toml").string();
        { std::ofstream(path) << "[touch_point]\n" << table; }
        CliRun r = srv.admin({"create-touch-point", "--store", k_store_a, "--key", "akl-bad",
                              "--name", "Bad", "--settings", path});
        INFO(table);
        CHECK(r.code != 0);
        CHECK((r.err.find("journey_position") != std::string::npos ||
               r.err.find("owner") != std::string::npos));
    }
    CHECK(srv.dump() == before);
}
