// Exports stream: a million responses go out through a real HTTP client while
// the server's memory stays flat (the server runs in this process, so its
// resident set is this process's).
#include "server_fixture.h"

#include "server/secrets.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace tpt;
using nlohmann::json;

TEST_CASE("export: a million responses stream with flat memory", "[server][export][slow]") {
    ServerSetup setup;
    setup.api.rate_per_s = 1000;
    setup.api.burst = 1000;
    TestServer srv(setup);
    Enrolled a = srv.enroll(k_tp_a);
    const std::string head = srv.create_api_key("head-office");
    auto device = srv.storage().device_by_token_hash(touchpoint::server::hash_secret(a.token));
    REQUIRE(device);
    REQUIRE(device->has_value());
    constexpr int k_rows = 1000000;
    const auto t0 = std::chrono::steady_clock::now();
    generate_responses(srv.storage(), **device, k_rows);
    const auto t1 = std::chrono::steady_clock::now();

    for (const char* format : {"csv", "jsonl"}) {
        const std::int64_t baseline = resident_bytes();
        std::atomic<std::int64_t> peak{baseline};
        std::atomic<bool> running{true};
        std::thread sampler([&] {
            while (running) {
                const std::int64_t now = resident_bytes();
                if (now > peak) peak = now;
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        auto c = srv.client();
        c.set_read_timeout(120);
        std::int64_t lines = 0, bytes = 0;
        char last = 0;
        bool header_ok = false;
        std::string head_text;
        const auto e0 = std::chrono::steady_clock::now();
        auto r = c.Get(std::string("/api/v1/export?include_misuse=true&format=") + format,
                       httplib::Headers{{"Authorization", "Bearer " + head}},
                       [&](const char* data, std::size_t len) {
                           if (head_text.size() < 64)
                               head_text.append(data, std::min<std::size_t>(len, 64));
                           for (std::size_t i = 0; i < len; ++i)
                               if (data[i] == '\n') ++lines;
                           bytes += static_cast<std::int64_t>(len);
                           if (len) last = data[len - 1];
                           return true;
                       });
        const auto e1 = std::chrono::steady_clock::now();
        running = false;
        sampler.join();
        REQUIRE(r);
        CHECK(r->status == 200);
        header_ok = std::string(format) == "csv" ? head_text.rfind("id,store,touch_point", 0) == 0
                                                 : head_text.rfind("{\"id\":", 0) == 0;
        CHECK(header_ok);
        CHECK(last == '\n');
        CHECK(lines == k_rows + (std::string(format) == "csv" ? 1 : 0));
        const std::int64_t growth = peak - baseline;
        const double seconds = std::chrono::duration<double>(e1 - e0).count();
        WARN(format << ": " << k_rows << " rows, " << bytes / (1024 * 1024) << " MiB in " << seconds
                    << " s (" << static_cast<std::int64_t>(k_rows / seconds)
                    << " rows/s); resident growth " << growth / (1024 * 1024) << " MiB; "
                    << "generated in " << std::chrono::duration<double>(t1 - t0).count() << " s");
        // The export is hundreds of MiB; the server holds one page of it.
        CHECK(bytes > 200LL * 1024 * 1024);
        CHECK(growth < 64LL * 1024 * 1024);
    }
}
