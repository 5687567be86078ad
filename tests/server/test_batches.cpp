// Batches: idempotent ingest attributed to the token's store and touch point,
// per-item validation, clock-suspect flags.
#include "server_fixture.h"

#include <catch2/catch.hpp>
#include <openssl/evp.h>

#include <algorithm>

using namespace tpt;
using nlohmann::json;

namespace {

httplib::Result send(httplib::Client& c, const std::string& token, const json& batch) {
    return post_json(c, "/api/v1/batches", token, batch.dump());
}

json stored(TestServer& srv, const std::string& id) {
    auto r = srv.storage().response(id);
    REQUIRE(r);
    if (!r->has_value()) return nullptr;
    const auto& s = **r;
    json j = touchpoint::to_json(s.response);
    j["store"] = s.store_id;
    j["server_clock_suspect"] = s.server_clock_suspect;
    j["device_clock_suspect"] = s.device_clock_suspect;
    return j;
}

// What docs/api.md says committed_digest is, computed apart from the server
// (OpenSSL, where the server uses libsodium).
std::string expected_digest(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    std::string text;
    for (const auto& id : ids)
        text += id + "\n";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    REQUIRE(EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) == 1);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += k_hex[md[i] >> 4];
        hex += k_hex[md[i] & 15];
    }
    return hex;
}

} // namespace

TEST_CASE("batches: responses are stored once, under the token's store and touch point",
          "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll(k_tp_a);
    const std::string id1 = new_id(), id2 = new_id();
    json r1 = response_json(id1, 4);
    json r2 = response_json(id2, 1);
    r2["reasons"] = json::array({"waiting", "staff"});
    r2["comment"] = "Kia ora — the queue was long. 排队太久";
    r2["language"] = "mi";

    auto r = send(c, dev.token, batch_of({r1, r2}));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    json j = body_json(r);
    CHECK(j["accepted"] == 2);
    CHECK(j["duplicates"] == 0);
    CHECK(j["rejected"].empty());
    CHECK(j["clock_suspect"].empty());
    CHECK(j["server_utc_ms"].is_number_integer());
    CHECK(srv.count("responses") == 2);

    json s2 = stored(srv, id2);
    CHECK(s2["store"] == k_store_a);
    CHECK(s2["touch_point"] == k_tp_a);
    CHECK(s2["device_id"] == dev.device_id); // from the token, not the body
    CHECK(s2["score"] == 1);
    CHECK(s2["scale"] == "smiley4");
    CHECK(s2["reasons"] == json::array({"waiting", "staff"}));
    CHECK(s2["comment"] == "Kia ora — the queue was long. 排队太久");
    CHECK(s2["language"] == "mi");
    CHECK(s2["local_day"] == "2026-03-29");
    CHECK(s2["local_hour"] == 1);
    CHECK(s2["sequence"] == 7);

    SECTION("the device's last seen and health are recorded with the batch") {
        auto devices = srv.storage().list_devices(k_store_a);
        REQUIRE(devices);
        REQUIRE(devices->size() == 1);
        json health = json::parse((*devices)[0].health_json);
        CHECK(health["pending"] == 2);
        CHECK(health["app_version"] == "0.1.0");
        CHECK(health["disk_free_bytes"] == 1000000000);
    }

    SECTION("a resend of the same responses counts duplicates and stores nothing twice") {
        const std::string before = srv.dump(false);
        auto again = send(c, dev.token, batch_of({r1, r2}));
        REQUIRE(again);
        REQUIRE(again->status == 200);
        json a = body_json(again);
        CHECK(a["accepted"] == 0);
        CHECK(a["duplicates"] == 2);
        CHECK(a["rejected"].empty());
        CHECK(srv.count("responses") == 2);
        CHECK(srv.dump(false) == before);
    }

    SECTION("a duplicate inside one batch is counted once") {
        const std::string id3 = new_id();
        json r3 = response_json(id3, 2);
        auto again = send(c, dev.token, batch_of({r3, r3, r1}));
        REQUIRE(again);
        json a = body_json(again);
        CHECK(a["accepted"] == 1);
        CHECK(a["duplicates"] == 2);
        CHECK(srv.count("responses") == 3);
    }

    SECTION("the same id with other content is rejected for that item; the first stays") {
        json changed = r1;
        changed["score"] = 1;
        const std::string id4 = new_id();
        auto again = send(c, dev.token, batch_of({changed, response_json(id4, 3)}));
        REQUIRE(again);
        REQUIRE(again->status == 200);
        json a = body_json(again);
        CHECK(a["accepted"] == 1);
        CHECK(a["duplicates"] == 0);
        REQUIRE(a["rejected"].size() == 1);
        CHECK(a["rejected"][0]["id"] == id1);
        CHECK(a["rejected"][0]["index"] == 0);
        CHECK(a["rejected"][0]["code"] == "conflict");
        CHECK_FALSE(a["rejected"][0]["error"].get<std::string>().empty());
        CHECK(stored(srv, id1)["score"] == 4);
        CHECK(srv.count("responses") == 3);
    }

    SECTION("a body naming another store, touch point or device cannot move data") {
        const std::string id5 = new_id();
        json moved = response_json(id5, 3);
        moved["touch_point"] = k_tp_b;
        moved["store"] = k_store_b;
        moved["device_id"] = "00000000-0000-4000-8000-000000000000";
        json batch = batch_of({moved});
        batch["touch_point"] = k_tp_b;
        batch["store"] = k_store_b;
        auto again = send(c, dev.token, batch);
        REQUIRE(again);
        CHECK(body_json(again)["accepted"] == 1);
        json s5 = stored(srv, id5);
        CHECK(s5["store"] == k_store_a);
        CHECK(s5["touch_point"] == k_tp_a);
        CHECK(s5["device_id"] == dev.device_id);
        CHECK(srv.count("responses", "store_id = 'wlg'") == 0);
    }

    SECTION("another store's device cannot claim or overwrite a response id") {
        Enrolled other = srv.enroll(k_tp_b, "Desk");
        const std::string before = srv.dump(false);
        auto again = send(c, other.token, batch_of({r1}));
        REQUIRE(again);
        json a = body_json(again);
        CHECK(a["accepted"] == 0);
        CHECK(a["duplicates"] == 0);
        REQUIRE(a["rejected"].size() == 1);
        CHECK(a["rejected"][0]["code"] == "conflict");
        CHECK(srv.dump(false) == before);
        CHECK(stored(srv, id1)["device_id"] == dev.device_id);
        CHECK(stored(srv, id1)["store"] == k_store_a);
    }

    SECTION("another store's device stores under its own store") {
        Enrolled other = srv.enroll(k_tp_b, "Desk");
        const std::string id6 = new_id();
        auto again = send(c, other.token, batch_of({response_json(id6, 3)}));
        REQUIRE(again);
        CHECK(body_json(again)["accepted"] == 1);
        CHECK(stored(srv, id6)["store"] == k_store_b);
        CHECK(stored(srv, id6)["touch_point"] == k_tp_b);
    }
}

TEST_CASE("batches: invalid items are rejected one by one and do not block valid ones",
          "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();

    struct Bad {
        const char* what;
        std::function<void(json&)> spoil;
        const char* field; // the message names it
    };
    const std::vector<Bad> bad = {
        {"score outside its scale", [](json& r) { r["score"] = 5; }, "score"},
        {"negative score", [](json& r) { r["score"] = -1; }, "score"},
        {"unknown scale", [](json& r) { r["scale"] = "stars"; }, "scale"},
        {"oversized comment", [](json& r) { r["comment"] = std::string(1001, 'a'); }, "comment"},
        {"oversized comment in characters",
         [](json& r) {
             std::string s;
             for (int i = 0; i < 1001; ++i)
                 s += "ā";
             r["comment"] = s;
         },
         "comment"},
        {"score as a string", [](json& r) { r["score"] = "3"; }, "score"},
        {"score with a fraction", [](json& r) { r["score"] = 3.5; }, "score"},
        {"misuse as a number", [](json& r) { r["misuse"] = 1; }, "misuse"},
        {"reasons not an array", [](json& r) { r["reasons"] = "fast"; }, "reasons"},
        {"a reason not a string", [](json& r) { r["reasons"] = json::array({1}); }, "reasons"},
        {"too many reasons",
         [](json& r) {
             json a = json::array();
             for (int i = 0; i < 21; ++i)
                 a.push_back("r" + std::to_string(i));
             r["reasons"] = a;
         },
         "reasons"},
        {"id not a UUID", [](json& r) { r["id"] = "not-a-uuid"; }, "id"},
        {"missing id", [](json& r) { r.erase("id"); }, "id"},
        {"missing score", [](json& r) { r.erase("score"); }, "score"},
        {"missing scale", [](json& r) { r.erase("scale"); }, "scale"},
        {"missing utc_ms", [](json& r) { r.erase("utc_ms"); }, "utc_ms"},
        {"missing local_time", [](json& r) { r.erase("local_time"); }, "local_time"},
        {"bad local_time", [](json& r) { r["local_time"] = "yesterday"; }, "local_time"},
        {"local_day not matching", [](json& r) { r["local_day"] = "2026-03-30"; }, "local_day"},
        {"missing survey_id", [](json& r) { r.erase("survey_id"); }, "survey_id"},
        {"negative sequence", [](json& r) { r["sequence"] = -5; }, "sequence"},
        {"an open response", [](json& r) { r["closed"] = false; }, "closed"},
        {"over-long language", [](json& r) { r["language"] = std::string(36, 'x'); }, "language"},
        {"not an object",
         [](json& r) {
             r = json::array({1, 2, 3});
         },
         "object"},
        {"null", [](json& r) { r = nullptr; }, "object"},
    };

    for (const Bad& b : bad) {
        DYNAMIC_SECTION("rejected: " << b.what) {
            json spoiled = response_json(new_id(), 3);
            b.spoil(spoiled);
            const std::string before = srv.dump(false);
            auto only = send(c, dev.token, batch_of({spoiled}));
            REQUIRE(only);
            REQUIRE(only->status == 200);
            json a = body_json(only);
            CHECK(a["accepted"] == 0);
            REQUIRE(a["rejected"].size() == 1);
            CHECK(a["rejected"][0]["index"] == 0);
            CHECK(a["rejected"][0]["code"] == "invalid_response");
            const std::string error = a["rejected"][0]["error"].get<std::string>();
            INFO(error);
            CHECK(error.find(b.field) != std::string::npos);
            CHECK(srv.dump(false) == before);

            // With valid neighbours: they are stored, the bad one is not.
            const std::string ok1 = new_id(), ok2 = new_id();
            auto mixed = send(c, dev.token,
                              batch_of({response_json(ok1, 1), spoiled, response_json(ok2, 4)}));
            REQUIRE(mixed);
            json m = body_json(mixed);
            CHECK(m["accepted"] == 2);
            REQUIRE(m["rejected"].size() == 1);
            CHECK(m["rejected"][0]["index"] == 1);
            CHECK(srv.count("responses") == 2);
        }
    }
}

TEST_CASE("batches: every scale's range is enforced", "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    struct Range {
        const char* scale;
        int min, max;
    };
    int expected = 0;
    for (Range s : {Range{"smiley4", 1, 4}, Range{"smiley5", 1, 5}, Range{"nps", 0, 10},
                    Range{"ces7", 1, 7}, Range{"thumbs", 0, 1}}) {
        std::vector<json> batch;
        for (int score : {s.min - 1, s.min, s.max, s.max + 1}) {
            json r = response_json(new_id(), 1);
            r["scale"] = s.scale;
            r["score"] = score;
            batch.push_back(r);
        }
        auto res = send(c, dev.token, batch_of(batch));
        REQUIRE(res);
        json a = body_json(res);
        INFO(s.scale);
        CHECK(a["accepted"] == 2);
        REQUIRE(a["rejected"].size() == 2);
        CHECK(a["rejected"][0]["index"] == 0);
        CHECK(a["rejected"][1]["index"] == 3);
        expected += 2;
    }
    CHECK(srv.count("responses") == expected);
}

TEST_CASE("batches: a device clock far ahead is flagged, not dropped", "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    const std::string ahead = new_id(), slightly = new_id(), device_flagged = new_id();
    json a = response_json(ahead);
    a["utc_ms"] = now_ms() + 11 * 60 * 1000;
    json s = response_json(slightly);
    s["utc_ms"] = now_ms() + 9 * 60 * 1000;
    json d = response_json(device_flagged);
    d["clock_suspect"] = true;
    auto r = send(c, dev.token, batch_of({a, s, d}));
    REQUIRE(r);
    json j = body_json(r);
    CHECK(j["accepted"] == 3);
    CHECK(j["clock_suspect"] == json::array({ahead}));
    CHECK(stored(srv, ahead)["server_clock_suspect"] == true);
    CHECK(stored(srv, ahead)["clock_suspect"] == true);
    CHECK(stored(srv, slightly)["clock_suspect"] == false);
    CHECK(stored(srv, device_flagged)["device_clock_suspect"] == true);
    CHECK(stored(srv, device_flagged)["server_clock_suspect"] == false);
    CHECK(stored(srv, device_flagged)["clock_suspect"] == true);
}

TEST_CASE("batches: a refused request stores nothing", "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    const std::string before = srv.dump();
    const std::string valid = batch_of({response_json(new_id())}).dump();

    SECTION("malformed JSON") {
        auto r = post_json(c, "/api/v1/batches", dev.token, valid.substr(0, valid.size() - 3));
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "malformed_json");
    }
    SECTION("invalid UTF-8") {
        auto r =
            post_json(c, "/api/v1/batches", dev.token, "{\"responses\":[], \"x\":\"\xff\xfe\"}");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "malformed_json");
    }
    SECTION("deep nesting") {
        auto r = post_json(c, "/api/v1/batches", dev.token,
                           std::string(5000, '[') + std::string(5000, ']'));
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "malformed_json");
    }
    SECTION("not an object") {
        auto r = post_json(c, "/api/v1/batches", dev.token, "[]");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
    }
    SECTION("missing responses") {
        auto r = post_json(c, "/api/v1/batches", dev.token, R"({"health":{}})");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
    }
    SECTION("responses of the wrong type") {
        auto r = post_json(c, "/api/v1/batches", dev.token, R"({"responses":{"id":"x"}})");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
    }
    SECTION("health of the wrong type, with a valid response") {
        json b = batch_of({response_json(new_id())});
        b["health"]["pending"] = "many";
        auto r = post_json(c, "/api/v1/batches", dev.token, b.dump());
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
        CHECK(body_json(r)["error"]["message"].get<std::string>().find("pending") !=
              std::string::npos);
    }
    SECTION("wrong content type") {
        auto r = post_json(c, "/api/v1/batches", dev.token, valid, "text/plain");
        REQUIRE(r);
        CHECK(r->status == 415);
        CHECK(error_code(r) == "unsupported_media_type");
    }
    SECTION("no token") {
        auto r = post_json(c, "/api/v1/batches", "", valid);
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(error_code(r) == "missing_token");
        CHECK(r->has_header("WWW-Authenticate"));
    }
    SECTION("a wrong token") {
        auto r =
            post_json(c, "/api/v1/batches", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", valid);
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(error_code(r) == "invalid_token");
    }
    SECTION("not a bearer token") {
        httplib::Headers h{{"Authorization", "Basic dXNlcjpwYXNz"}};
        auto r = c.Post("/api/v1/batches", h, valid, "application/json");
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(error_code(r) == "invalid_token");
    }
    SECTION("an API key instead of a device token") {
        std::string key = srv.create_api_key("head-office");
        const std::string with_key = srv.dump();
        auto r = post_json(c, "/api/v1/batches", key, valid);
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(srv.dump() == with_key);
        return;
    }
    CHECK(srv.dump() == before);
}

TEST_CASE("batches: committed_digest is the SHA-256 of the ids counted as stored",
          "[server][batch]") {
    TestServer srv;
    auto c = srv.client();
    Enrolled dev = srv.enroll();
    auto digest_of = [&](const json& batch) {
        auto r = send(c, dev.token, batch);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        json a = body_json(r);
        REQUIRE(a["committed_digest"].is_string());
        return a;
    };

    SECTION("an empty batch: the SHA-256 of nothing") {
        json a = digest_of(batch_of({}));
        CHECK(a["committed_digest"] ==
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK(a["committed_digest"] == expected_digest({}));
    }

    SECTION("new, repeated, invalid and conflicting responses") {
        const std::string a_id = new_id(), b_id = new_id(), c_id = new_id(), bad_id = new_id();
        const json ra = response_json(a_id, 1), rb = response_json(b_id, 2);
        json bad = response_json(bad_id, 7);
        // a twice in one batch (new, then a duplicate); the invalid one is left out.
        json first = digest_of(batch_of({ra, rb, bad, ra}));
        CHECK(first["accepted"] == 2);
        CHECK(first["duplicates"] == 1);
        CHECK(first["rejected"].size() == 1);
        CHECK(first["committed_digest"] == expected_digest({a_id, a_id, b_id}));
        CHECK(first["committed_digest"] != expected_digest({a_id, b_id}));

        // A resend counts as stored; a conflict does not.
        json changed = rb;
        changed["score"] = 4;
        json second = digest_of(batch_of({response_json(c_id, 3), changed, ra}));
        CHECK(second["accepted"] == 1);
        CHECK(second["duplicates"] == 1);
        REQUIRE(second["rejected"].size() == 1);
        CHECK(second["rejected"][0]["code"] == "conflict");
        CHECK(second["committed_digest"] == expected_digest({c_id, a_id}));
    }

    SECTION("a full batch: the answer stays small") {
        std::vector<json> responses;
        std::vector<std::string> ids;
        for (int i = 0; i < 500; ++i) {
            ids.push_back(new_id());
            responses.push_back(response_json(ids.back(), 1 + i % 4));
        }
        auto r = send(c, dev.token, batch_of(responses));
        REQUIRE(r);
        REQUIRE(r->status == 200);
        json a = body_json(r);
        CHECK(a["accepted"] == 500);
        CHECK(a["committed_digest"] == expected_digest(ids));
        CHECK(r->body.size() < 300);
    }
}
