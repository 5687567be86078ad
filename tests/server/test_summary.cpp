// Summaries against hand-computed figures, for each scale and each grouping.
// The fixture (one Auckland touch point, one Wellington touch point):
//
//   akl 2026-03-02 09h  smiley4  1 2 3 4 4         CSAT 3/5 = 60      SI 60
//   akl 2026-03-02 10h  smiley5  5 4 3             CSAT 2/3 = 66.67   SI 75
//   akl 2026-03-02 10h  nps      10 9 7 3          NPS (2-1)/4 = 25   SI 72.5
//   akl 2026-03-02 11h  ces7     7 4               CES 5.5            SI 75
//   akl 2026-03-02 11h  thumbs   1 1 0 (+0 misuse) % up 66.67         SI 66.67
//   wlg 2026-03-03 09h  smiley5  1                 CSAT 0             SI 0
//
// Mixed scales in one group: each headline over the responses of its scales
// (CSAT over smiley4 and smiley5 together: 5 of 8 = 62.5), the satisfaction
// index over all of them (akl: (300 + 225 + 290 + 150 + 200) / 17).
#include "server_fixture.h"

#include <catch2/catch.hpp>

using namespace tpt;
using nlohmann::json;

namespace {

struct Fixture {
    TestServer srv;
    std::string head;

    static ServerSetup setup() {
        ServerSetup s;
        s.api.rate_per_s = 10000;
        s.api.burst = 10000;
        return s;
    }

    Fixture() : srv(setup()) {
        Enrolled a = srv.enroll(k_tp_a);
        Enrolled b = srv.enroll(k_tp_b);
        head = srv.create_api_key("head-office");
        const std::string day = "2026-03-02";
        std::vector<json> akl;
        for (int s : {1, 2, 3, 4, 4})
            akl.push_back(rated(new_id(), "smiley4", s, day, 9));
        for (int s : {5, 4, 3})
            akl.push_back(rated(new_id(), "smiley5", s, day, 10));
        for (int s : {10, 9, 7, 3})
            akl.push_back(rated(new_id(), "nps", s, day, 10));
        for (int s : {7, 4})
            akl.push_back(rated(new_id(), "ces7", s, day, 11));
        for (int s : {1, 1, 0})
            akl.push_back(rated(new_id(), "thumbs", s, day, 11));
        akl.push_back(rated(new_id(), "thumbs", 0, day, 11, true));
        auto c = srv.client();
        auto ra = post_json(c, "/api/v1/batches", a.token, batch_of(akl).dump());
        auto rb = post_json(c, "/api/v1/batches", b.token,
                            batch_of({rated(new_id(), "smiley5", 1, "2026-03-03", 9)}).dump());
        if (!ra || ra->status != 200 || !rb || rb->status != 200)
            throw std::runtime_error("seeding failed");
    }

    json groups(const std::string& query) {
        auto c = srv.client();
        auto r = get_auth(c, "/api/v1/summary" + query, head);
        if (!r || r->status != 200) throw std::runtime_error("summary failed: " + query);
        return json::parse(r->body)["groups"];
    }
};

double value(const json& metric) {
    return metric["value"].get<double>();
}

} // namespace

TEST_CASE("summary: every scale's headline and the satisfaction index", "[server][summary]") {
    Fixture f;
    auto by_store = f.groups("?group_by=store");
    REQUIRE(by_store.size() == 2);
    const json& akl = by_store[0];
    CHECK(akl["store"] == "akl");
    CHECK(akl["count"] == 17);
    CHECK(akl["misuse"] == 1);
    CHECK(value(akl["csat"]) == Approx(62.5));
    CHECK(akl["csat"]["count"] == 8);
    CHECK(value(akl["nps"]) == Approx(25.0));
    CHECK(akl["nps"]["count"] == 4);
    CHECK(akl["nps"]["small_sample"] == true);
    CHECK(value(akl["ces"]) == Approx(5.5));
    CHECK(akl["ces"]["count"] == 2);
    CHECK(value(akl["thumbs_up"]) == Approx(66.67));
    CHECK(akl["thumbs_up"]["count"] == 3);
    CHECK(akl["satisfaction_index"].get<double>() == Approx(1165.0 / 17).margin(0.005));
    // Per scale, as compute_metrics gives it.
    const json& scales = akl["scales"];
    CHECK(scales["smiley4"]["count"] == 5);
    CHECK(scales["smiley4"]["headline"].get<double>() == Approx(60.0));
    CHECK(scales["smiley4"]["satisfaction_index"].get<double>() == Approx(60.0));
    CHECK(scales["smiley5"]["headline"].get<double>() == Approx(66.67));
    CHECK(scales["smiley5"]["satisfaction_index"].get<double>() == Approx(75.0));
    CHECK(scales["nps"]["satisfaction_index"].get<double>() == Approx(72.5));
    CHECK(scales["ces7"]["satisfaction_index"].get<double>() == Approx(75.0));
    CHECK(scales["thumbs"]["misuse"] == 1);
    CHECK(scales["thumbs"]["count"] == 3);

    const json& wlg = by_store[1];
    CHECK(wlg["store"] == "wlg");
    CHECK(wlg["count"] == 1);
    CHECK(value(wlg["csat"]) == Approx(0.0));
    CHECK(wlg["nps"].is_null());
    CHECK(wlg["ces"].is_null());
    CHECK(wlg["thumbs_up"].is_null());
    CHECK(wlg["satisfaction_index"].get<double>() == Approx(0.0));
}

TEST_CASE("summary: misuse is left out unless asked for", "[server][summary]") {
    Fixture f;
    auto all = f.groups("?store=akl&include_misuse=true");
    REQUIRE(all.size() == 1);
    CHECK(all[0]["count"] == 18);
    CHECK(all[0]["misuse"] == 1);
    CHECK(value(all[0]["thumbs_up"]) == Approx(50.0));
    CHECK(all[0]["satisfaction_index"].get<double>() == Approx(1165.0 / 18).margin(0.005));
}

TEST_CASE("summary: no grouping, and by day, hour, touch point and combinations",
          "[server][summary]") {
    Fixture f;
    auto total = f.groups("");
    REQUIRE(total.size() == 1);
    CHECK(total[0]["count"] == 18);
    CHECK(!total[0].contains("store"));
    CHECK(value(total[0]["csat"]) == Approx(100.0 * 5 / 9).margin(0.005));

    auto by_day = f.groups("?group_by=day");
    REQUIRE(by_day.size() == 2);
    CHECK(by_day[0]["day"] == "2026-03-02");
    CHECK(by_day[0]["count"] == 17);
    CHECK(by_day[1]["day"] == "2026-03-03");
    CHECK(by_day[1]["count"] == 1);

    auto by_hour = f.groups("?group_by=hour&store=akl");
    REQUIRE(by_hour.size() == 3);
    CHECK(by_hour[0]["hour"] == 9);
    CHECK(by_hour[0]["count"] == 5);
    CHECK(value(by_hour[0]["csat"]) == Approx(60.0));
    CHECK(by_hour[1]["hour"] == 10);
    CHECK(by_hour[1]["count"] == 7);
    CHECK(value(by_hour[1]["csat"]) == Approx(66.67));
    CHECK(value(by_hour[1]["nps"]) == Approx(25.0));
    CHECK(by_hour[1]["satisfaction_index"].get<double>() == Approx(515.0 / 7).margin(0.005));
    CHECK(by_hour[2]["hour"] == 11);
    CHECK(by_hour[2]["count"] == 5);
    CHECK(by_hour[2]["misuse"] == 1);
    CHECK(value(by_hour[2]["ces"]) == Approx(5.5));
    CHECK(by_hour[2]["csat"].is_null());

    auto by_tp_day = f.groups("?group_by=touch_point,day");
    REQUIRE(by_tp_day.size() == 2);
    CHECK(by_tp_day[0]["touch_point"] == k_tp_a);
    CHECK(by_tp_day[0]["day"] == "2026-03-02");
    CHECK(!by_tp_day[0].contains("store"));
    CHECK(by_tp_day[1]["touch_point"] == k_tp_b);

    auto all_keys = f.groups("?group_by=store,touch_point,day,hour");
    REQUIRE(all_keys.size() == 4);
    CHECK(all_keys[3]["store"] == "wlg");
    CHECK(all_keys[3]["hour"] == 9);

    auto from = f.groups("?group_by=store&from=2026-03-03");
    REQUIRE(from.size() == 1);
    CHECK(from[0]["store"] == "wlg");
    auto to = f.groups("?group_by=store&to=2026-03-02");
    REQUIRE(to.size() == 1);
    CHECK(to[0]["store"] == "akl");
    auto tp = f.groups("?touch_point=wlg-helpdesk");
    REQUIRE(tp.size() == 1);
    CHECK(tp[0]["count"] == 1);
    CHECK(f.groups("?from=2027-01-01").empty());
}

TEST_CASE("summary: the roll-up matches the responses after erasure and pruning",
          "[server][summary]") {
    Fixture f;
    const std::string consistent =
        "NOT EXISTS (SELECT 1 FROM (SELECT store_id, touch_point, local_day, local_hour, scale, "
        "score, misuse, count(*) AS n FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7) r "
        "FULL OUTER JOIN response_rollup u USING (store_id, touch_point, local_day, local_hour, "
        "scale, score, misuse) WHERE r.n IS DISTINCT FROM u.n)";
    const std::string daily_consistent =
        "NOT EXISTS (SELECT 1 FROM (SELECT store_id, touch_point, local_day, scale, score, "
        "misuse, count(*) AS n FROM responses GROUP BY 1, 2, 3, 4, 5, 6) r "
        "FULL OUTER JOIN response_rollup_daily u USING (store_id, touch_point, local_day, "
        "scale, score, misuse) WHERE r.n IS DISTINCT FROM u.n)";
    CHECK(f.srv.count("stores", consistent + " AND id = 'akl'") == 1);
    CHECK(f.srv.count("stores", daily_consistent + " AND id = 'akl'") == 1);
    auto c = f.srv.client();
    auto rows = page_all(c, "/api/v1/responses?include_misuse=true", f.head, 100);
    REQUIRE(rows.size() == 19);
    for (int i : {0, 5, 18}) {
        auto d = delete_auth(
            c, "/api/v1/responses/" + rows[static_cast<std::size_t>(i)]["id"].get<std::string>(),
            f.head);
        REQUIRE(d);
        CHECK(d->status == 200);
    }
    CHECK(f.srv.count("stores", consistent + " AND id = 'akl'") == 1);
    CHECK(f.srv.count("stores", daily_consistent + " AND id = 'akl'") == 1);
    CHECK(f.groups("?include_misuse=1")[0]["count"] == 16);
    CHECK(f.groups("?include_misuse=1&group_by=hour").size() == 3);
    CHECK(f.srv.count("response_rollup", "n <= 0") == 0);
    CHECK(f.srv.count("response_rollup_daily", "n <= 0") == 0);
}
