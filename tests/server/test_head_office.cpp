// The head-office API with its two kinds of key: a head-office key sees every
// store; a store key sees its own store only, and another store's data
// answers 404 (an id), 403 (a store asked for by name) or nothing at all (a
// touch point filter), through every endpoint: responses, one response,
// exports, summaries, devices, publishing and erasure.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <sstream>

#include <set>

using namespace tpt;
using nlohmann::json;

namespace {

ServerSetup fast_setup() {
    ServerSetup s;
    s.api.rate_per_s = 10000;
    s.api.burst = 10000;
    return s;
}

std::set<std::string> ids_of(const std::vector<json>& rows) {
    std::set<std::string> out;
    for (const auto& r : rows)
        out.insert(r["id"].get<std::string>());
    return out;
}

struct TwoStores {
    TestServer srv{fast_setup()};
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    Enrolled b = srv.enroll(k_tp_b, "Desk");
    std::string head = srv.create_api_key("head-office");
    std::string akl = srv.create_api_key("store", k_store_a);
    std::string wlg = srv.create_api_key("store", k_store_b);
    std::string a_id = new_id(), a_id2 = new_id(), b_id = new_id();

    TwoStores() {
        auto c = srv.client();
        auto ra = post_json(
            c, "/api/v1/batches", a.token,
            batch_of({rated(a_id, "smiley4", 4, "2026-03-02", 9, false, "Auckland comment"),
                      rated(a_id2, "smiley4", 1, "2026-03-02", 10)})
                .dump());
        auto rb = post_json(
            c, "/api/v1/batches", b.token,
            batch_of({rated(b_id, "smiley5", 2, "2026-03-02", 9, false, "Wellington secret")})
                .dump());
        if (!ra || ra->status != 200 || !rb || rb->status != 200)
            throw std::runtime_error("seeding batches failed");
    }
};

} // namespace

TEST_CASE("head office: a head-office key sees every store's responses", "[server][head-office]") {
    TwoStores t;
    auto c = t.srv.client();
    auto all = page_all(c, "/api/v1/responses", t.head, 100);
    CHECK(ids_of(all) == std::set<std::string>{t.a_id, t.a_id2, t.b_id});
    for (const auto& r : all) {
        if (r["id"] == t.b_id) {
            CHECK(r["store"] == k_store_b);
            CHECK(r["touch_point"] == k_tp_b);
            CHECK(r["comment"] == "Wellington secret");
            CHECK(r["device_id"] == t.b.device_id);
            CHECK(r["scale"] == "smiley5");
            CHECK(r["score"] == 2);
            CHECK(r["local_day"] == "2026-03-02");
            CHECK(r["received_utc_ms"].is_number_integer());
        }
    }
    auto one = page_all(c, "/api/v1/responses?store=wlg", t.head, 100);
    CHECK(ids_of(one) == std::set<std::string>{t.b_id});
    auto by_id = get_auth(c, "/api/v1/responses/" + t.b_id, t.head);
    REQUIRE(by_id);
    CHECK(by_id->status == 200);
    CHECK(body_json(by_id)["comment"] == "Wellington secret");
}

TEST_CASE("head office: a store key never sees another store's data", "[server][head-office]") {
    TwoStores t;
    auto c = t.srv.client();

    SECTION("responses: only its own, with their comments") {
        auto own = page_all(c, "/api/v1/responses", t.akl, 1);
        CHECK(ids_of(own) == std::set<std::string>{t.a_id, t.a_id2});
        for (const auto& r : own)
            if (r["id"] == t.a_id) CHECK(r["comment"] == "Auckland comment");
        auto named = page_all(c, "/api/v1/responses?store=akl", t.akl, 10);
        CHECK(ids_of(named) == ids_of(own));
    }
    SECTION("asking for another store by name is forbidden") {
        for (const char* path : {"/api/v1/responses?store=wlg", "/api/v1/export?store=wlg",
                                 "/api/v1/summary?store=wlg", "/api/v1/devices?store=wlg"}) {
            auto r = get_auth(c, path, t.akl);
            REQUIRE(r);
            CHECK(r->status == 403);
            CHECK(error_code(r) == "forbidden");
            CHECK(r->body.find("Wellington secret") == std::string::npos);
        }
    }
    SECTION("another store's touch point as a filter finds nothing") {
        auto r = get_auth(c, "/api/v1/responses?touch_point=wlg-helpdesk", t.akl);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(body_json(r)["responses"].empty());
        auto s = get_auth(c, "/api/v1/summary?touch_point=wlg-helpdesk", t.akl);
        REQUIRE(s);
        CHECK(s->status == 200);
        CHECK(body_json(s)["groups"].empty());
        auto e = get_auth(c, "/api/v1/export?format=jsonl&touch_point=wlg-helpdesk", t.akl);
        REQUIRE(e);
        CHECK(e->status == 200);
        CHECK(e->body.empty());
    }
    SECTION("another store's response id answers 404, like an unknown one") {
        auto other = get_auth(c, "/api/v1/responses/" + t.b_id, t.akl);
        auto unknown = get_auth(c, "/api/v1/responses/" + new_id(), t.akl);
        REQUIRE(other);
        REQUIRE(unknown);
        CHECK(other->status == 404);
        CHECK(unknown->status == 404);
        CHECK(error_code(other) == "not_found");
        CHECK(other->body.find("Wellington") == std::string::npos);
        // The same id from its own store's key is found.
        auto mine = get_auth(c, "/api/v1/responses/" + t.b_id, t.wlg);
        REQUIRE(mine);
        CHECK(mine->status == 200);
    }
    SECTION("exports hold only its own store, in both formats") {
        for (const char* format : {"csv", "jsonl"}) {
            auto e = get_auth(c, std::string("/api/v1/export?format=") + format, t.akl);
            REQUIRE(e);
            CHECK(e->status == 200);
            CHECK(e->body.find(t.a_id) != std::string::npos);
            CHECK(e->body.find(t.a_id2) != std::string::npos);
            CHECK(e->body.find(t.b_id) == std::string::npos);
            CHECK(e->body.find("Wellington") == std::string::npos);
            CHECK(e->body.find("Auckland comment") != std::string::npos);
        }
    }
    SECTION("summaries count only its own store") {
        auto s = get_auth(c, "/api/v1/summary?group_by=store", t.akl);
        REQUIRE(s);
        REQUIRE(s->status == 200);
        auto groups = body_json(s)["groups"];
        REQUIRE(groups.size() == 1);
        CHECK(groups[0]["store"] == k_store_a);
        CHECK(groups[0]["count"] == 2);
        // No comment text ever appears in a summary.
        auto all = get_auth(c, "/api/v1/summary?group_by=store", t.head);
        REQUIRE(all);
        CHECK(body_json(all)["groups"].size() == 2);
        CHECK(all->body.find("comment") == std::string::npos);
    }
    SECTION("a store key may not erase, not even its own store's responses") {
        auto own = delete_auth(c, "/api/v1/responses/" + t.a_id, t.akl);
        auto other = delete_auth(c, "/api/v1/responses/" + t.b_id, t.akl);
        REQUIRE(own);
        REQUIRE(other);
        CHECK(own->status == 403);
        CHECK(other->status == 403);
        CHECK(t.srv.count("responses") == 3);
    }
    SECTION("publishing: its own store and touch points only") {
        const std::string survey =
            R"({"id": "checkout-v2", "version": 1, "scale": "smiley5", "question": {"en": "How was it?"}})";
        auto other_tp = put_json(c, "/api/v1/touch-points/wlg-helpdesk/survey", t.akl, survey);
        REQUIRE(other_tp);
        CHECK(other_tp->status == 404);
        auto other_store = put_json(c, "/api/v1/stores/wlg/survey", t.akl, survey);
        REQUIRE(other_store);
        CHECK(other_store->status == 403);
        auto own = put_json(c, "/api/v1/touch-points/akl-checkout-1/survey", t.akl, survey);
        REQUIRE(own);
        CHECK(own->status == 200);
        CHECK(t.srv.count("touch_points", "survey_json LIKE '%checkout-v2%'") == 1);
    }
}

TEST_CASE("head office: keys are checked on every endpoint", "[server][head-office]") {
    TwoStores t;
    auto c = t.srv.client();
    const std::vector<std::string> paths{"/api/v1/responses", "/api/v1/responses/" + t.a_id,
                                         "/api/v1/export", "/api/v1/summary", "/api/v1/devices"};
    for (const auto& path : paths) {
        auto none = get_auth(c, path, "");
        REQUIRE(none);
        CHECK(none->status == 401);
        CHECK(error_code(none) == "missing_api_key");
        auto device = get_auth(c, path, t.a.token);
        REQUIRE(device);
        CHECK(device->status == 401);
        CHECK(error_code(device) == "invalid_api_key");
    }
    auto del = delete_auth(c, "/api/v1/responses/" + t.a_id, t.a.token);
    REQUIRE(del);
    CHECK(del->status == 401);
    auto put = put_json(c, "/api/v1/stores/akl/survey", "", "{}");
    REQUIRE(put);
    CHECK(put->status == 401);
    // Keys are kept only as hashes.
    CHECK(t.srv.count("api_keys", "key_hash = '" + t.head + "'") == 0);
    CHECK(t.srv.dump().find(t.head) == std::string::npos);
}

TEST_CASE("head office: bad filters and cursors are clear 400s", "[server][head-office]") {
    TwoStores t;
    auto c = t.srv.client();
    for (const char* path :
         {"/api/v1/responses?from=2026-13-01", "/api/v1/responses?to=yesterday",
          "/api/v1/responses?from=2026-03-05&to=2026-03-01", "/api/v1/responses?limit=0",
          "/api/v1/responses?limit=1001", "/api/v1/responses?limit=ten",
          "/api/v1/responses?include_misuse=maybe", "/api/v1/summary?group_by=week",
          "/api/v1/export?format=xlsx"}) {
        auto r = get_auth(c, path, t.head);
        REQUIRE(r);
        INFO(path);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
    }
    // A cursor has its own code (more in test_paging.cpp).
    auto r = get_auth(c, "/api/v1/responses?cursor=zz", t.head);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(error_code(r) == "invalid_cursor");
}

TEST_CASE("head office: filters by touch point, local days and misuse", "[server][head-office]") {
    TestServer srv(fast_setup());
    auto c = srv.client();
    Enrolled a = srv.enroll(k_tp_a);
    const std::string head = srv.create_api_key("head-office");
    const std::string d1 = new_id(), d2 = new_id(), d3 = new_id(), m = new_id();
    auto r = post_json(
        c, "/api/v1/batches", a.token,
        batch_of({rated(d1, "nps", 9, "2026-03-01"), rated(d2, "nps", 3, "2026-03-02"),
                  rated(d3, "nps", 7, "2026-03-03"), rated(m, "nps", 0, "2026-03-02", 9, true)})
            .dump());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(ids_of(page_all(c, "/api/v1/responses", head, 10)) == std::set<std::string>{d1, d2, d3});
    CHECK(ids_of(page_all(c, "/api/v1/responses?include_misuse=true", head, 10)) ==
          std::set<std::string>{d1, d2, d3, m});
    CHECK(ids_of(page_all(c, "/api/v1/responses?from=2026-03-02", head, 10)) ==
          std::set<std::string>{d2, d3});
    CHECK(ids_of(page_all(c, "/api/v1/responses?from=2026-03-02&to=2026-03-02&include_misuse=1",
                          head, 10)) == std::set<std::string>{d2, m});
    CHECK(ids_of(page_all(c, "/api/v1/responses?touch_point=akl-checkout-1", head, 10)).size() ==
          3);
    CHECK(page_all(c, "/api/v1/responses?touch_point=wlg-helpdesk", head, 10).empty());
}

TEST_CASE("head office: erasing a response; a kiosk's resend does not bring it back",
          "[server][head-office][erase]") {
    TwoStores t;
    auto c = t.srv.client();
    auto before = get_auth(c, "/api/v1/summary", t.head);
    REQUIRE(before);
    CHECK(body_json(before)["groups"][0]["count"] == 3);

    auto del = delete_auth(c, "/api/v1/responses/" + t.a_id, t.head);
    REQUIRE(del);
    CHECK(del->status == 200);
    CHECK(body_json(del)["erased"] == true);
    CHECK(body_json(del)["already_erased"] == false);
    CHECK(t.srv.count("responses", "id = '" + t.a_id + "'") == 0);
    CHECK(t.srv.count("erased_responses", "id = '" + t.a_id + "'") == 1);
    auto gone = get_auth(c, "/api/v1/responses/" + t.a_id, t.head);
    REQUIRE(gone);
    CHECK(gone->status == 404);
    auto after = get_auth(c, "/api/v1/summary", t.head);
    REQUIRE(after);
    CHECK(body_json(after)["groups"][0]["count"] == 2);

    // The kiosk sends it again (it never heard the answer): a duplicate, not stored.
    auto resend = post_json(
        c, "/api/v1/batches", t.a.token,
        batch_of({rated(t.a_id, "smiley4", 4, "2026-03-02", 9, false, "Auckland comment")}).dump());
    REQUIRE(resend);
    REQUIRE(resend->status == 200);
    CHECK(body_json(resend)["accepted"] == 0);
    CHECK(body_json(resend)["duplicates"] == 1);
    CHECK(body_json(resend)["rejected"].empty());
    CHECK(t.srv.count("responses", "id = '" + t.a_id + "'") == 0);
    CHECK(ids_of(page_all(c, "/api/v1/responses", t.head, 10)) ==
          std::set<std::string>{t.a_id2, t.b_id});
    auto still = get_auth(c, "/api/v1/summary", t.head);
    REQUIRE(still);
    CHECK(body_json(still)["groups"][0]["count"] == 2);

    auto again = delete_auth(c, "/api/v1/responses/" + t.a_id, t.head);
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(body_json(again)["already_erased"] == true);
    auto unknown = delete_auth(c, "/api/v1/responses/" + new_id(), t.head);
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
    CHECK(error_code(unknown) == "not_found");
}

TEST_CASE("head office: a published survey reaches its devices through /config",
          "[server][head-office][publish]") {
    TwoStores t;
    auto c = t.srv.client();
    auto first = get_auth(c, "/api/v1/config", t.a.token);
    REQUIRE(first);
    REQUIRE(first->status == 200);
    const std::string etag = first->get_header_value("ETag");
    const int old_version = body_json(first)["survey"]["version"].get<int>();

    const std::string survey = R"({"id": "checkout", "version": 1, "scale": "smiley5",
        "question": {"en": "How was your checkout, really?"}, "comment": true,
        "reasons": {"negative": [{"id": "queue", "label": {"en": "Queue"}}]}})";
    auto put = put_json(c, "/api/v1/touch-points/akl-checkout-1/survey", t.head, survey);
    REQUIRE(put);
    REQUIRE(put->status == 200);
    auto published = body_json(put)["touch_points"];
    REQUIRE(published.size() == 1);
    CHECK(published[0]["key"] == k_tp_a);
    CHECK(published[0]["version"] == old_version + 1);

    auto next = get_auth(c, "/api/v1/config", t.a.token, {{"If-None-Match", etag}});
    REQUIRE(next);
    CHECK(next->status == 200);
    CHECK(next->get_header_value("ETag") != etag);
    auto cfg = body_json(next);
    CHECK(cfg["survey"]["version"] == old_version + 1);
    CHECK(cfg["survey"]["scale"] == "smiley5");
    CHECK(cfg["survey"]["question"]["en"] == "How was your checkout, really?");
    CHECK(cfg["touch_point"]["survey"] == "checkout");
    // The other store's device is untouched.
    auto other = get_auth(c, "/api/v1/config", t.b.token);
    REQUIRE(other);
    CHECK(body_json(other)["survey"]["id"] == "helpdesk-csat");

    // A whole store: every touch point of it, each version bumped again.
    auto store = put_json(c, "/api/v1/stores/akl/survey", t.head, survey);
    REQUIRE(store);
    REQUIRE(store->status == 200);
    CHECK(body_json(store)["touch_points"].size() == 1);
    CHECK(body_json(store)["touch_points"][0]["version"] == old_version + 2);
    auto third = get_auth(c, "/api/v1/config", t.a.token);
    REQUIRE(third);
    CHECK(body_json(third)["survey"]["version"] == old_version + 2);

    SECTION("a bad survey is refused and changes nothing") {
        const std::string before = t.srv.dump();
        auto bad =
            put_json(c, "/api/v1/stores/akl/survey", t.head, R"({"id": "x", "scale": "stars"})");
        REQUIRE(bad);
        CHECK(bad->status == 400);
        CHECK(error_code(bad) == "invalid_request");
        auto broken = put_json(c, "/api/v1/stores/akl/survey", t.head, "{not json");
        REQUIRE(broken);
        CHECK(broken->status == 400);
        CHECK(error_code(broken) == "malformed_json");
        httplib::Headers h{{"Authorization", "Bearer " + t.head}};
        auto text = c.Put("/api/v1/stores/akl/survey", h, survey, "text/plain");
        REQUIRE(text);
        CHECK(text->status == 415);
        auto nowhere = put_json(c, "/api/v1/touch-points/nowhere/survey", t.head, survey);
        REQUIRE(nowhere);
        CHECK(nowhere->status == 404);
        auto no_store = put_json(c, "/api/v1/stores/nowhere/survey", t.head, survey);
        REQUIRE(no_store);
        CHECK(no_store->status == 404);
        CHECK(t.srv.dump() == before);
        CHECK(t.srv.count("touch_points", "survey_json LIKE '%stars%'") == 0);
    }
}

TEST_CASE("head office: /metrics in the Prometheus text format", "[server][metrics]") {
    TwoStores t;
    auto c = t.srv.client();
    (void)get_auth(c, "/api/v1/responses/" + t.a_id, t.head);
    (void)get_auth(c, "/api/v1/nothing-here", t.head);
    auto r = c.Get("/metrics");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
    const std::string& text = r->body;
    CHECK(text.find("# TYPE touchpoint_http_requests_total counter") != std::string::npos);
    CHECK(text.find("touchpoint_http_requests_total{route=\"/api/v1/batches\",method=\"POST\","
                    "status=\"200\"} 2\n") != std::string::npos);
    CHECK(text.find("touchpoint_http_requests_total{route=\"/api/v1/responses/{id}\",method="
                    "\"GET\",status=\"200\"} 1\n") != std::string::npos);
    CHECK(text.find("touchpoint_http_requests_total{route=\"unmatched\",method=\"GET\",status="
                    "\"404\"} 1\n") != std::string::npos);
    CHECK(text.find("touchpoint_responses_ingested_total 3\n") != std::string::npos);
    CHECK(text.find("# TYPE touchpoint_ingest_duration_seconds histogram") != std::string::npos);
    CHECK(text.find("touchpoint_ingest_duration_seconds_bucket{le=\"+Inf\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("touchpoint_ingest_duration_seconds_count 2\n") != std::string::npos);
    // Bucket bounds in their shortest form, as queries and docs/api.md name them.
    CHECK(text.find("touchpoint_ingest_duration_seconds_bucket{le=\"0.005\"} ") !=
          std::string::npos);
    {
        // Every bound as written in docs/api.md (the sum may be long: 0.1 + 0.2).
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("touchpoint_ingest_duration_seconds_bucket", 0) == 0) {
                INFO(line);
                CHECK(line.find("00000") == std::string::npos);
            }
    }
    CHECK(text.find("touchpoint_ingest_duration_seconds_sum ") != std::string::npos);
    CHECK(text.find("# TYPE touchpoint_silent_devices gauge") != std::string::npos);
    CHECK(text.find("touchpoint_silent_devices 0\n") != std::string::npos);
    // Every non-comment line is "name{labels} value" or "name value".
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        REQUIRE(end != std::string::npos);
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line[0] == '#') continue;
        CHECK(line.rfind("touchpoint_", 0) == 0);
        CHECK(line.find(' ') != std::string::npos);
    }
}
