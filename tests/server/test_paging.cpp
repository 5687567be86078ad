// Cursor paging while kiosks keep sending: pages follow the server's insertion
// sequence, so rows that arrive during paging come after the cursor and never
// shift a page. Every row is seen exactly once, none is skipped.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>

using namespace tpt;
using nlohmann::json;

TEST_CASE("paging: every row exactly once while batches keep arriving", "[server][paging]") {
    ServerSetup setup;
    setup.api.rate_per_s = 100000;
    setup.api.burst = 100000;
    TestServer srv(setup);
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    Enrolled b = srv.enroll(k_tp_b, "Desk");
    const std::string head = srv.create_api_key("head-office");

    // Some rows before paging starts.
    auto c0 = srv.client();
    std::set<std::string> sent;
    {
        std::vector<json> first;
        for (int i = 0; i < 50; ++i) {
            first.push_back(rated(new_id(), "thumbs", i % 2));
            sent.insert(first.back()["id"].get<std::string>());
        }
        auto r = post_json(c0, "/api/v1/batches", a.token, batch_of(first).dump());
        REQUIRE(r);
        REQUIRE(r->status == 200);
    }

    constexpr int k_batches = 60, k_per_batch = 15;
    std::atomic<bool> writer_done{false};
    std::atomic<int> writer_failures{0};
    std::vector<std::string> writer_ids;
    std::thread writer([&] {
        auto c = srv.client();
        for (int i = 0; i < k_batches; ++i) {
            std::vector<json> batch;
            for (int j = 0; j < k_per_batch; ++j) {
                batch.push_back(rated(new_id(), "smiley5", 1 + (j % 5)));
                writer_ids.push_back(batch.back()["id"].get<std::string>());
            }
            auto r =
                post_json(c, "/api/v1/batches", i % 2 ? b.token : a.token, batch_of(batch).dump());
            if (!r || r->status != 200 || json::parse(r->body)["accepted"] != k_per_batch)
                ++writer_failures;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        writer_done = true;
    });

    // The reader pages with a small limit until it has caught up with a writer
    // that has finished.
    auto c = srv.client();
    std::map<std::string, int> seen;
    std::string cursor;
    int pages = 0;
    bool last_pass = false;
    for (int guard = 0; guard < 100000; ++guard) {
        const bool done_before = writer_done.load();
        std::string url = "/api/v1/responses?limit=7";
        if (!cursor.empty()) url += "&cursor=" + cursor;
        auto r = get_auth(c, url, head);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        json j = json::parse(r->body);
        ++pages;
        CHECK(j["responses"].size() <= 7);
        for (const auto& row : j["responses"])
            ++seen[row["id"].get<std::string>()];
        cursor = j["next_cursor"].get<std::string>();
        if (!j["has_more"].get<bool>()) {
            if (last_pass) break;
            if (done_before) last_pass = true; // one more look after the writer ended
        }
    }
    writer.join();
    CHECK(writer_failures == 0);
    for (const auto& id : writer_ids)
        sent.insert(id);
    REQUIRE(sent.size() == 50 + k_batches * k_per_batch);
    std::size_t missing = 0, twice = 0;
    for (const auto& id : sent) {
        auto it = seen.find(id);
        if (it == seen.end())
            ++missing;
        else if (it->second != 1)
            ++twice;
    }
    CHECK(missing == 0);
    CHECK(twice == 0);
    CHECK(seen.size() == sent.size());
    CHECK(pages > 10);

    // A cursor kept from the end sees exactly what arrives later.
    const std::string late = new_id();
    auto r = post_json(c, "/api/v1/batches", a.token, batch_of({rated(late, "nps", 10)}).dump());
    REQUIRE(r);
    auto next = get_auth(c, "/api/v1/responses?cursor=" + cursor, head);
    REQUIRE(next);
    json j = json::parse(next->body);
    REQUIRE(j["responses"].size() == 1);
    CHECK(j["responses"][0]["id"] == late);
    CHECK(j["has_more"] == false);
}

TEST_CASE("paging: limit defaults to 100 and erasures never shift a page", "[server][paging]") {
    ServerSetup setup;
    setup.api.rate_per_s = 100000;
    setup.api.burst = 100000;
    TestServer srv(setup);
    Enrolled a = srv.enroll(k_tp_a);
    const std::string head = srv.create_api_key("head-office");
    auto c = srv.client();
    std::vector<std::string> ids;
    for (int b = 0; b < 3; ++b) {
        std::vector<json> batch;
        for (int i = 0; i < 50; ++i) {
            batch.push_back(rated(new_id(), "ces7", 1 + i % 7));
            ids.push_back(batch.back()["id"].get<std::string>());
        }
        auto r = post_json(c, "/api/v1/batches", a.token, batch_of(batch).dump());
        REQUIRE(r);
        REQUIRE(r->status == 200);
    }
    auto first = get_auth(c, "/api/v1/responses", head);
    REQUIRE(first);
    json j = json::parse(first->body);
    REQUIRE(j["responses"].size() == 100);
    CHECK(j["has_more"] == true);
    // In insertion order.
    for (std::size_t i = 0; i < 100; ++i)
        CHECK(j["responses"][i]["id"] == ids[i]);
    // Erase rows on both sides of the cursor: the next page starts right after it.
    for (std::size_t i : {std::size_t{10}, std::size_t{99}, std::size_t{100}}) {
        auto d = delete_auth(c, "/api/v1/responses/" + ids[i], head);
        REQUIRE(d);
        CHECK(d->status == 200);
    }
    auto second =
        get_auth(c, "/api/v1/responses?cursor=" + j["next_cursor"].get<std::string>(), head);
    REQUIRE(second);
    json k = json::parse(second->body);
    REQUIRE(k["responses"].size() == 49);
    CHECK(k["responses"][0]["id"] == ids[101]);
    CHECK(k["has_more"] == false);
}
