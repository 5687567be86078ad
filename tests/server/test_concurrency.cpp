// Many kiosks at once, each resending what it already sent: every response
// is stored exactly once and every request is answered.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

using namespace tpt;
using nlohmann::json;

TEST_CASE("concurrency: parallel devices with resends store each response once",
          "[server][concurrency]") {
    ServerSetup setup;
    setup.api.rate_per_s = 1000;
    setup.api.burst = 1000;
    TestServer srv(setup);
    constexpr int k_devices = 4, k_batches = 10, k_per_batch = 20;
    std::vector<Enrolled> devices;
    for (int d = 0; d < k_devices; ++d)
        devices.push_back(srv.enroll(d % 2 ? k_tp_b : k_tp_a, "Kiosk " + std::to_string(d)));

    std::atomic<int> failures{0}, accepted{0}, duplicates{0};
    std::vector<std::thread> threads;
    for (int d = 0; d < k_devices; ++d) {
        threads.emplace_back([&, d] {
            auto c = srv.client();
            std::vector<json> previous;
            for (int b = 0; b < k_batches; ++b) {
                std::vector<json> batch;
                for (int i = 0; i < k_per_batch; ++i)
                    batch.push_back(response_json(new_id(), 1 + (i % 4)));
                // Every batch also carries the previous one again (a lost answer).
                std::vector<json> sent = batch;
                sent.insert(sent.end(), previous.begin(), previous.end());
                auto r = post_json(c, "/api/v1/batches", devices[d].token, batch_of(sent).dump());
                if (!r || r->status != 200) {
                    ++failures;
                    continue;
                }
                json j = json::parse(r->body);
                accepted += j["accepted"].get<int>();
                duplicates += j["duplicates"].get<int>();
                if (!j["rejected"].empty()) ++failures;
                previous = batch;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    CHECK(failures == 0);
    CHECK(accepted == k_devices * k_batches * k_per_batch);
    CHECK(duplicates == k_devices * (k_batches - 1) * k_per_batch);
    CHECK(srv.count("responses") == k_devices * k_batches * k_per_batch);
    CHECK(srv.count("responses", "store_id = 'akl'") == 2 * k_batches * k_per_batch);
}

TEST_CASE("concurrency: the listening socket queues a fleet reconnecting at once",
          "[server][concurrency]") {
    // The server listens with a backlog of 4096 (a common default is 5). The
    // kernel reports a listening socket's backlog as its Send-Q (iproute2's ss).
    TestServer srv;
    const std::string cmd = "ss -Hltn 'sport = :" + std::to_string(srv.port()) + "' 2>&1";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p))
            out += buf;
        pclose(p);
    }
    INFO("ss printed: " << out);
    std::istringstream line(out);
    std::string state;
    long recv_q = -1, backlog = -1;
    line >> state >> recv_q >> backlog;
    REQUIRE(state == "LISTEN");
    CHECK(backlog >= 128);
}
