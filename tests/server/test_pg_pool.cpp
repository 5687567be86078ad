// The PostgreSQL backend's connection pool when PostgreSQL closes
// connections that sit idle in it (a restart, an administrator's
// pg_terminate_backend): the next requests are answered as usual, on new
// connections, without restarting the server. Only on PostgreSQL (hidden
// tag [pg]; the "pg/" ctest run includes it).
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace tpt;
using nlohmann::json;

TEST_CASE("pool: connections PostgreSQL closed while idle are replaced, no request fails",
          "[.][pg][server]") {
    if (test_postgres_url().empty())
        FAIL("this test needs PostgreSQL: TOUCHPOINT_TEST_DB=postgresql (see pg_setup.sh)");
    const auto started = std::chrono::steady_clock::now();
    ServerSetup setup;
    setup.api.rate_per_s = 100000;
    setup.api.burst = 100000;
    TestServer server(setup);
    const Enrolled device = server.enroll();

    // Several connections into the pool: batches from a few clients at once.
    auto send_batches = [&](int clients) {
        std::vector<std::thread> threads;
        std::vector<int> statuses(static_cast<std::size_t>(clients), 0);
        for (int i = 0; i < clients; ++i)
            threads.emplace_back([&, i] {
                auto c = server.client();
                auto r = post_json(c, "/api/v1/batches", device.token,
                                   batch_of({response_json(new_id())}).dump());
                statuses[static_cast<std::size_t>(i)] = r ? r->status : 0;
            });
        for (auto& t : threads)
            t.join();
        return statuses;
    };
    for (int status : send_batches(4))
        REQUIRE(status == 200);

    const std::string name = server.rows("SELECT current_database()").at(0).at(0);
    // Every connection of the server to its database, ended from outside;
    // the test's own (rows()) is spared.
    const auto ended = server.rows(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = '" +
        name +
        "' AND pid <> pg_backend_pid() AND "
        "backend_type = 'client backend'");
    REQUIRE(std::stoi(ended.at(0).at(0)) >= 1);
    // The backends are gone once PostgreSQL says so.
    for (int i = 0; i < 100; ++i) {
        if (server
                .rows("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name +
                      "' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
                .at(0)
                .at(0) == "0")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

    auto c = server.client();
    auto health = c.Get("/healthz");
    REQUIRE(health);
    INFO(health->body);
    CHECK(health->status == 200);
    for (int status : send_batches(4))
        CHECK(status == 200);
    CHECK(server.count("responses") == 8);
    std::printf("pool: %s idle connections ended by PostgreSQL, every later request answered "
                "200 on new ones, %.1f s\n",
                ended.at(0).at(0).c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}
