// Two server instances on two loopback ports over one PostgreSQL database,
// kiosks syncing to both at once: every batch is sent to both instances at
// the same moment and then resent. Only on PostgreSQL (hidden tag [pg]; the
// "pg/" ctest run includes it).
#include "server_fixture.h"

#include "server/api.h"
#include "server/http_server.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <set>

using namespace tpt;
using nlohmann::json;

namespace {

// A second instance: its own storage (connection pool), Api and HttpServer
// over the same database as `first`.
class SecondInstance {
  public:
    SecondInstance(const std::string& db_url, const touchpoint::server::ApiOptions& options) {
        auto storage = touchpoint::server::open_storage(db_url);
        if (!storage) throw std::runtime_error(storage.error());
        m_storage = std::move(storage).value();
        m_api = std::make_unique<touchpoint::server::Api>(*m_storage, options);
        touchpoint::server::HttpServerOptions http;
        http.host = "127.0.0.1";
        http.port = 0;
        http.workers = 4;
        m_http = std::make_unique<touchpoint::server::HttpServer>(*m_api, http);
        if (auto st = m_http->bind(); !st) throw std::runtime_error(st.error());
        m_thread = std::thread([this] { (void)m_http->run(); });
    }
    ~SecondInstance() {
        m_http->stop();
        if (m_thread.joinable()) m_thread.join();
    }
    int port() const { return m_http->port(); }

  private:
    std::unique_ptr<touchpoint::server::Storage> m_storage;
    std::unique_ptr<touchpoint::server::Api> m_api;
    std::unique_ptr<touchpoint::server::HttpServer> m_http;
    std::thread m_thread;
};

httplib::Client client_at(int port) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5);
    c.set_read_timeout(30);
    c.set_write_timeout(30);
    return c;
}

} // namespace

TEST_CASE("two instances over one PostgreSQL: every response stored once, paged once",
          "[.][pg][server][concurrency]") {
    if (test_postgres_url().empty())
        FAIL("this test needs PostgreSQL: TOUCHPOINT_TEST_DB=postgresql (see pg_setup.sh)");

    ServerSetup setup;
    setup.api.rate_per_s = 100000;
    setup.api.burst = 100000;
    TestServer a(setup);
    SecondInstance b(a.db_url(), setup.api);
    const int ports[2] = {a.port(), b.port()};
    const std::string head = a.create_api_key("head-office");

    constexpr int k_devices = 6;
    constexpr int k_batches = 12;
    constexpr int k_per_batch = 10;
    constexpr int k_overlap = 4; // each batch repeats the previous batch's last 4
    std::vector<Enrolled> devices;
    for (int d = 0; d < k_devices; ++d)
        devices.push_back(a.enroll(d % 2 == 0 ? k_tp_a : k_tp_b, "till " + std::to_string(d)));

    // Each device's responses, in order; batch i holds the responses
    // [i*(per-overlap), i*(per-overlap)+per).
    constexpr int k_step = k_per_batch - k_overlap;
    constexpr int k_per_device = (k_batches - 1) * k_step + k_per_batch;
    std::vector<std::vector<json>> made(k_devices);
    for (int d = 0; d < k_devices; ++d)
        for (int i = 0; i < k_per_device; ++i)
            made[d].push_back(rated(new_id(), "nps", (d + i) % 11,
                                    "2026-03-0" + std::to_string(1 + i % 3), 8 + i % 5,
                                    i % 17 == 0));

    std::atomic<std::int64_t> accepted{0};   // over every answer of both instances
    std::atomic<std::int64_t> duplicates{0};
    std::atomic<int> bad_answers{0};
    std::atomic<int> rejected{0};
    std::atomic<bool> done{false};

    auto send = [&](int port, const std::string& token, const std::string& body) {
        auto c = client_at(port);
        auto r = post_json(c, "/api/v1/batches", token, body);
        if (!r || r->status != 200) {
            ++bad_answers;
            return;
        }
        auto j = json::parse(r->body, nullptr, false);
        if (j.is_discarded() || !j.contains("accepted") || !j.contains("rejected")) {
            ++bad_answers;
            return;
        }
        accepted += j["accepted"].get<std::int64_t>();
        duplicates += j["duplicates"].get<std::int64_t>();
        rejected += static_cast<int>(j["rejected"].size()); // a conflict would be one
    };

    // A reader following new rows with the cursor while batches arrive,
    // asking each instance in turn.
    std::vector<std::string> followed;
    std::string follow_error;
    auto follow = [&](std::string& cursor, int port) {
        auto c = client_at(port);
        for (;;) {
            std::string url = "/api/v1/responses?include_misuse=true&limit=37";
            if (!cursor.empty()) url += "&cursor=" + cursor;
            auto r = get_auth(c, url, head);
            if (!r || r->status != 200) {
                follow_error = "paging failed: " + url + (r ? " " + r->body : "");
                return false;
            }
            auto j = json::parse(r->body);
            for (const auto& row : j["responses"])
                followed.push_back(row["id"].get<std::string>());
            cursor = j["next_cursor"].get<std::string>();
            if (!j["has_more"].get<bool>()) return true;
        }
    };
    std::string cursor;
    std::thread reader([&] {
        for (int turn = 0; !done; ++turn) {
            if (!follow(cursor, ports[turn % 2])) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });

    std::vector<std::thread> kiosks;
    for (int d = 0; d < k_devices; ++d) {
        kiosks.emplace_back([&, d] {
            for (int i = 0; i < k_batches; ++i) {
                std::vector<json> batch(made[d].begin() + i * k_step,
                                        made[d].begin() + i * k_step + k_per_batch);
                const std::string body = batch_of(batch).dump();
                // Both instances at once (a kiosk that timed out on one and
                // retried on the other behind a load balancer) ...
                auto first = std::async(std::launch::async, send, ports[(d + i) % 2],
                                        devices[d].token, body);
                auto second = std::async(std::launch::async, send, ports[(d + i + 1) % 2],
                                         devices[d].token, body);
                first.get();
                second.get();
                // ... and a plain resend later.
                send(ports[i % 2], devices[d].token, body);
            }
        });
    }
    for (auto& t : kiosks)
        t.join();
    done = true;
    reader.join();
    REQUIRE(follow_error.empty());
    REQUIRE(follow(cursor, ports[0])); // what arrived after the reader's last page

    const std::int64_t distinct = std::int64_t{k_devices} * k_per_device;
    CHECK(bad_answers == 0);
    CHECK(rejected == 0);
    // Exactly once: over all answers of both instances, each response was
    // accepted once; every other copy was answered as a duplicate.
    const std::int64_t copies = std::int64_t{k_devices} * k_batches * k_per_batch * 3;
    CHECK(accepted == distinct);
    CHECK(accepted + duplicates == copies);

    // The database: exactly the distinct responses, no duplicates, no loss.
    CHECK(a.count("responses") == distinct);
    std::set<std::string> sent;
    for (const auto& rows : made)
        for (const auto& r : rows)
            sent.insert(r["id"].get<std::string>());
    std::set<std::string> stored;
    for (const auto& row : a.rows("SELECT id FROM responses"))
        stored.insert(row.at(0));
    CHECK(stored == sent);

    // The insertion sequence: 1..N, no gaps, no repeats.
    CHECK(a.count("responses", "seq BETWEEN 1 AND " + std::to_string(distinct)) == distinct);
    CHECK(a.count("counters", "name = 'response_seq' AND value = " + std::to_string(distinct)) ==
          1);

    // Roll-ups equal the raw counts, cell by cell.
    CHECK(a.count("stores", "(SELECT sum(n) FROM response_rollup) = (SELECT count(*) FROM "
                            "responses) AND id = 'akl'") == 1);
    CHECK(a.count("stores", "(SELECT sum(n) FROM response_rollup_daily) = (SELECT count(*) FROM "
                            "responses) AND id = 'akl'") == 1);
    CHECK(a.count("stores",
                  "NOT EXISTS (SELECT 1 FROM (SELECT store_id, touch_point, local_day, local_hour, "
                  "scale, score, misuse, count(*) AS n FROM responses GROUP BY 1, 2, 3, 4, 5, 6, "
                  "7) r FULL OUTER JOIN response_rollup u USING (store_id, touch_point, local_day, "
                  "local_hour, scale, score, misuse) WHERE r.n IS DISTINCT FROM u.n) "
                  "AND id = 'akl'") == 1);
    CHECK(a.count("stores",
                  "NOT EXISTS (SELECT 1 FROM (SELECT store_id, touch_point, local_day, scale, "
                  "score, misuse, count(*) AS n FROM responses GROUP BY 1, 2, 3, 4, 5, 6) r FULL "
                  "OUTER JOIN response_rollup_daily u USING (store_id, touch_point, local_day, "
                  "scale, score, misuse) WHERE r.n IS DISTINCT FROM u.n) AND id = 'akl'") == 1);

    // The reader that followed the cursor while batches arrived saw every
    // row exactly once; so does paging from the start on either instance.
    CHECK(followed.size() == sent.size());
    CHECK(std::set<std::string>(followed.begin(), followed.end()) == sent);
    for (int port : ports) {
        auto c = client_at(port);
        auto all = page_all(c, "/api/v1/responses?include_misuse=true", head, 53);
        std::set<std::string> ids;
        for (const auto& row : all)
            ids.insert(row["id"].get<std::string>());
        CHECK(all.size() == sent.size());
        CHECK(ids == sent);
    }
}
