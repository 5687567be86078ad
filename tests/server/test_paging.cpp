// Cursor paging while kiosks keep sending: pages follow the server's insertion
// sequence, so rows that arrive during paging come after the cursor and never
// shift a page. Every row is seen exactly once, none is skipped.
//
// Cursors are sealed: a store key learns nothing of other stores' responses
// from them, and a cursor that is made up, edited, cut short, expired or
// another key's is refused (400 invalid_cursor); one still works after the
// server restarts on the same database.
#include "server_fixture.h"

#include "server/secrets.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace tpt;
using nlohmann::json;
using touchpoint::server::Api;
using touchpoint::server::ApiOptions;
using touchpoint::server::ApiRequest;
using touchpoint::server::ApiResponse;
using touchpoint::server::hash_secret;
using touchpoint::server::open_storage;
using touchpoint::server::random_hex;
using touchpoint::server::Storage;

namespace {

ServerSetup fast_setup() {
    ServerSetup s;
    s.api.rate_per_s = 100000;
    s.api.burst = 100000;
    return s;
}

void send(httplib::Client& c, const Enrolled& device, const std::vector<json>& rows) {
    auto r = post_json(c, "/api/v1/batches", device.token, batch_of(rows).dump());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    REQUIRE(json::parse(r->body)["accepted"] == rows.size());
}

// One page: (ids, next_cursor, has_more).
struct Page {
    std::vector<std::string> ids;
    std::string next_cursor;
    bool has_more = false;
};

Page page_of(const json& j) {
    Page p;
    for (const auto& row : j["responses"])
        p.ids.push_back(row["id"].get<std::string>());
    p.next_cursor = j["next_cursor"].get<std::string>();
    p.has_more = j["has_more"].get<bool>();
    return p;
}

Page get_page(httplib::Client& c, const std::string& key, const std::string& query) {
    auto r = get_auth(c, "/api/v1/responses?" + query, key);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    return page_of(json::parse(r->body));
}

// The same request straight to an Api (no HTTP server in front).
ApiResponse ask(Api& api, const std::string& key, std::map<std::string, std::string> query) {
    ApiRequest req;
    req.method = "GET";
    req.path = "/api/v1/responses";
    req.query = std::move(query);
    req.authorization = "Bearer " + key;
    req.remote_addr = "127.0.0.1";
    return api.handle(req);
}

// Makes the server's insertion sequence continue from `value`, as on a server
// that has stored that many responses.
void continue_sequence_from(TestServer& s, std::int64_t value) {
    const std::string sql =
        "UPDATE counters SET value = " + std::to_string(value) + " WHERE name = 'response_seq'";
    if (s.postgres()) {
        s.rows(sql);
        return;
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(s.db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close_v2(db);
    REQUIRE(rc == SQLITE_OK);
}

constexpr const char* k_base64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The bytes of unpadded base64url text; the test fails on any other text.
std::string base64url_bytes(const std::string& text) {
    const std::string alphabet = k_base64url;
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char ch : text) {
        const std::size_t v = alphabet.find(ch);
        REQUIRE(v != std::string::npos);
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

// The ways a program might write `seq` into a cursor.
std::vector<std::string> encodings_of(std::int64_t seq) {
    std::vector<std::string> out;
    char buf[32];
    out.push_back(std::to_string(seq));
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(seq));
    out.push_back(buf);
    std::snprintf(buf, sizeof buf, "%llX", static_cast<unsigned long long>(seq));
    out.push_back(buf);
    const auto u = static_cast<std::uint64_t>(seq);
    std::string be8, le8, be4, le4;
    for (int i = 0; i < 8; ++i) {
        be8 += static_cast<char>(u >> (56 - 8 * i));
        le8 += static_cast<char>(u >> (8 * i));
    }
    for (int i = 0; i < 4; ++i) {
        be4 += static_cast<char>(u >> (24 - 8 * i));
        le4 += static_cast<char>(u >> (8 * i));
    }
    out.insert(out.end(), {be8, le8, be4, le4});
    return out;
}

void check_invalid_cursor(const httplib::Result& r) {
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(error_code(r) == "invalid_cursor");
    CHECK(body_json(r)["error"]["message"].get<std::string>().find("cursor") != std::string::npos);
}

} // namespace

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

TEST_CASE("paging: a store key's cursors tell nothing of other stores' responses",
          "[server][paging]") {
    TestServer srv(fast_setup());
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    Enrolled b = srv.enroll(k_tp_b, "Desk");
    const std::string akl = srv.create_api_key("store", k_store_a);
    const std::string head = srv.create_api_key("head-office");
    // Long-running server: its sequence has many digits in any notation.
    continue_sequence_from(srv, 5'000'000'000);

    // Store A's responses with store B's in between, a varying number each time.
    auto c = srv.client();
    std::vector<std::string> a_ids, all_ids;
    for (int i = 0; i < 12; ++i) {
        a_ids.push_back(new_id());
        all_ids.push_back(a_ids.back());
        send(c, a, {rated(a_ids.back(), "thumbs", i % 2)});
        std::vector<json> other;
        for (int j = 0; j <= i % 3; ++j) {
            other.push_back(rated(new_id(), "nps", j));
            all_ids.push_back(other.back()["id"].get<std::string>());
        }
        send(c, b, other);
    }
    const auto seqs = srv.rows("SELECT seq FROM responses ORDER BY seq");
    REQUIRE(seqs.size() == all_ids.size());
    REQUIRE(std::stoll(seqs.front().at(0)) > 5'000'000'000);

    // The store key pages one row at a time: exactly its rows, in order.
    std::vector<std::string> seen, cursors;
    Page p = get_page(c, akl, "limit=1");
    for (int guard = 0; guard < 100; ++guard) {
        seen.insert(seen.end(), p.ids.begin(), p.ids.end());
        cursors.push_back(p.next_cursor);
        if (!p.has_more) break;
        p = get_page(c, akl, "limit=1&cursor=" + p.next_cursor);
    }
    CHECK(seen == a_ids);
    REQUIRE(cursors.size() == a_ids.size());

    // Nothing in a cursor gives the sequence away: not in its text, not in
    // its bytes, not in its length.
    for (const std::string& cursor : cursors) {
        INFO(cursor);
        CHECK(cursor.size() == cursors.front().size());
        CHECK(cursor.find_first_not_of(k_base64url) == std::string::npos);
        const std::string bytes = base64url_bytes(cursor);
        CHECK(bytes.find("seq") == std::string::npos);
        for (const auto& row : seqs) {
            for (const std::string& form : encodings_of(std::stoll(row.at(0)))) {
                CHECK(bytes.find(form) == std::string::npos);
                CHECK(cursor.find(form) == std::string::npos);
            }
        }
    }

    // Two cursors for the same position differ, and both lead to the same page.
    Page once = get_page(c, akl, "limit=1");
    Page again = get_page(c, akl, "limit=1");
    CHECK(once.next_cursor != again.next_cursor);
    CHECK(get_page(c, akl, "limit=1&cursor=" + once.next_cursor).ids ==
          std::vector<std::string>{a_ids[1]});
    CHECK(get_page(c, akl, "limit=1&cursor=" + again.next_cursor).ids ==
          std::vector<std::string>{a_ids[1]});

    // The head office pages everything, in the order it was stored.
    std::vector<std::string> everything;
    for (const auto& row : page_all(c, "/api/v1/responses", head, 5))
        everything.push_back(row["id"].get<std::string>());
    CHECK(everything == all_ids);
}

TEST_CASE("paging: a made-up, edited, cut or another key's cursor is 400 invalid_cursor",
          "[server][paging]") {
    TestServer srv(fast_setup());
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    const std::string akl = srv.create_api_key("store", k_store_a);
    const std::string akl_too = srv.create_api_key("store", k_store_a);
    const std::string wlg = srv.create_api_key("store", k_store_b);
    const std::string head = srv.create_api_key("head-office");
    auto c = srv.client();
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(new_id());
        send(c, a, {rated(ids.back(), "smiley5", 1 + i)});
    }
    const std::string cursor = get_page(c, akl, "limit=1").next_cursor;
    const std::string head_cursor = get_page(c, head, "limit=1").next_cursor;
    const std::string before = srv.dump();

    std::mt19937 random(std::random_device{}());
    std::string random_text;
    for (std::size_t i = 0; i < cursor.size(); ++i)
        random_text += k_base64url[random() % 64];
    std::string other_alphabet = cursor;
    std::replace(other_alphabet.begin(), other_alphabet.end(), '-', '+');
    std::replace(other_alphabet.begin(), other_alphabet.end(), '_', '/');
    const std::vector<std::string> forged = {
        "",
        "zz",
        "7365713a31",     // "seq:1" as the old cursors spelled it
        "7365713a393939", // "seq:999": once a 200 with no rows
        std::string(cursor.size(), 'A'),
        random_text,
        cursor + "A",
        cursor + "%3D%3D", // padded
        other_alphabet == cursor ? cursor + "%2B" : other_alphabet,
        cursor.substr(0, cursor.size() - 1),
        cursor.substr(0, cursor.size() / 2),
        cursor.substr(1),
        std::string(300, 'x'),
    };
    for (const std::string& text : forged) {
        INFO("cursor: " << text);
        check_invalid_cursor(get_auth(c, "/api/v1/responses?limit=1&cursor=" + text, akl));
    }
    // Any one character changed.
    const std::string alphabet = k_base64url;
    for (std::size_t i = 0; i < cursor.size(); ++i) {
        std::string edited = cursor;
        edited[i] = alphabet[(alphabet.find(edited[i]) + 1) % alphabet.size()];
        INFO("character " << i << ": " << edited);
        check_invalid_cursor(get_auth(c, "/api/v1/responses?limit=1&cursor=" + edited, akl));
    }
    // Another key's: of the same store, of another store, the head office's,
    // and the head office's given to a store key.
    for (const std::string* key : {&akl_too, &wlg, &head}) {
        INFO("another key");
        check_invalid_cursor(get_auth(c, "/api/v1/responses?limit=1&cursor=" + cursor, *key));
    }
    check_invalid_cursor(get_auth(c, "/api/v1/responses?limit=1&cursor=" + head_cursor, akl));

    // Nothing changed, and the real cursors still work for their own keys.
    CHECK(srv.dump() == before);
    CHECK(get_page(c, akl, "limit=1&cursor=" + cursor).ids == std::vector<std::string>{ids[1]});
    CHECK(get_page(c, head, "limit=1&cursor=" + head_cursor).ids ==
          std::vector<std::string>{ids[1]});
}

TEST_CASE("paging: a cursor expires cursor_ttl_ms after the page that gave it out",
          "[server][paging]") {
    auto clock = std::make_shared<std::atomic<std::int64_t>>(now_ms());
    ServerSetup setup = fast_setup();
    setup.api.now_ms = [clock] { return clock->load(); };
    TestServer srv(setup);
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    const std::string akl = srv.create_api_key("store", k_store_a);
    auto c = srv.client();
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
        ids.push_back(new_id());
        send(c, a, {rated(ids.back(), "ces7", 1 + i)});
    }
    const std::int64_t t0 = clock->load();
    const std::string first = get_page(c, akl, "limit=1").next_cursor;

    // The default lifetime is 7 days: good up to its last millisecond.
    constexpr std::int64_t k_week = 7LL * 24 * 60 * 60 * 1000;
    clock->store(t0 + k_week);
    Page second = get_page(c, akl, "limit=1&cursor=" + first);
    CHECK(second.ids == std::vector<std::string>{ids[1]});
    clock->store(t0 + k_week + 1);
    auto expired = get_auth(c, "/api/v1/responses?limit=1&cursor=" + first, akl);
    check_invalid_cursor(expired);
    CHECK(body_json(expired)["error"]["message"].get<std::string>().find("7 days") !=
          std::string::npos);
    // Each page gives a fresh cursor, good for its own 7 days.
    CHECK(get_page(c, akl, "limit=1&cursor=" + second.next_cursor).ids ==
          std::vector<std::string>{ids[2]});

    // A shorter lifetime, on an Api over the same database.
    ApiOptions options = setup.api;
    options.cursor_ttl_ms = 90 * 60 * 1000;
    Api api(srv.storage(), options);
    const std::string fresh =
        page_of(json::parse(ask(api, akl, {{"limit", "1"}}).body)).next_cursor;
    clock->store(clock->load() + options.cursor_ttl_ms);
    CHECK(ask(api, akl, {{"limit", "1"}, {"cursor", fresh}}).status == 200);
    clock->store(clock->load() + 1);
    ApiResponse late = ask(api, akl, {{"limit", "1"}, {"cursor", fresh}});
    CHECK(late.status == 400);
    const json body = json::parse(late.body);
    CHECK(body["error"]["code"] == "invalid_cursor");
    CHECK(body["error"]["message"].get<std::string>().find("90 minutes") != std::string::npos);
}

TEST_CASE("paging: a cursor works after a restart on the same database, not on another",
          "[server][paging]") {
    TestServer first(fast_setup());
    Enrolled a = first.enroll(k_tp_a, "Till 1");
    const std::string akl = first.create_api_key("store", k_store_a);
    auto c = first.client();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(new_id());
        send(c, a, {rated(ids.back(), "smiley4", 1 + i % 4)});
    }
    const std::string cursor = get_page(c, akl, "limit=2").next_cursor;

    // A new server process on the same database: a new storage, a new Api.
    auto reopened = open_storage(first.db_url());
    REQUIRE(reopened);
    Api restarted(**reopened, fast_setup().api);
    ApiResponse r = ask(restarted, akl, {{"limit", "2"}, {"cursor", cursor}});
    REQUIRE(r.status == 200);
    Page next = page_of(json::parse(r.body));
    CHECK(next.ids == std::vector<std::string>{ids[2], ids[3]});
    // And the other way round.
    CHECK(get_page(c, akl, "limit=2&cursor=" + next.next_cursor).ids ==
          std::vector<std::string>{ids[4]});

    // Another database keeps another secret: the same key (same id, same
    // secret) is accepted there, its cursor from here is not.
    TestServer other(fast_setup());
    auto keys = first.storage().list_api_keys();
    REQUIRE(keys);
    REQUIRE(keys->size() == 1);
    REQUIRE(other.storage().create_api_key(keys->front(), hash_secret(akl)));
    auto oc = other.client();
    CHECK(get_page(oc, akl, "limit=2").ids.empty());
    check_invalid_cursor(get_auth(oc, "/api/v1/responses?limit=2&cursor=" + cursor, akl));
}

TEST_CASE("paging: server instances starting together on one database keep one cursor key",
          "[server][paging]") {
    TestServer srv(fast_setup());
    Enrolled a = srv.enroll(k_tp_a, "Till 1");
    const std::string akl = srv.create_api_key("store", k_store_a);
    REQUIRE(srv.count("server_secrets") == 0);

    constexpr int k_instances = 4;
    std::vector<std::unique_ptr<Storage>> storages;
    for (int i = 0; i < k_instances; ++i) {
        auto s = open_storage(srv.db_url());
        REQUIRE(s);
        storages.push_back(std::move(s).value());
    }
    std::vector<std::string> offered(k_instances), kept(k_instances), errors(k_instances);
    for (auto& o : offered)
        o = random_hex(32);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < k_instances; ++i) {
        threads.emplace_back([&, i] {
            ++ready;
            while (ready.load() < k_instances)
                std::this_thread::yield();
            auto got = storages[i]->server_secret("cursor_key", offered[i], now_ms());
            if (got)
                kept[i] = *got;
            else
                errors[i] = got.error();
        });
    }
    for (auto& t : threads)
        t.join();
    for (int i = 0; i < k_instances; ++i) {
        INFO(errors[i]);
        CHECK(errors[i].empty());
        CHECK(kept[i] == kept[0]);
    }
    CHECK(std::find(offered.begin(), offered.end(), kept[0]) != offered.end());
    CHECK(srv.count("server_secrets") == 1);

    // Every instance's Api seals and opens with that one key.
    auto c = srv.client();
    send(c, a, {rated(new_id(), "nps", 9), rated(new_id(), "nps", 7)});
    const std::string cursor = get_page(c, akl, "limit=1").next_cursor;
    for (auto& storage : storages) {
        Api api(*storage, fast_setup().api);
        CHECK(ask(api, akl, {{"limit", "1"}, {"cursor", cursor}}).status == 200);
    }
    CHECK(srv.count("server_secrets") == 1);
}
