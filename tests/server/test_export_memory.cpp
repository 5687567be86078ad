// Exports stream: a million responses go out through a real HTTP client while
// the server's memory stays flat (the server runs in this process, so its
// resident set is this process's).
#include "server_fixture.h"

#include "server/secrets.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

using namespace tpt;
using nlohmann::json;

namespace {

// VmRSS of this process in bytes.
std::int64_t resident_bytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            std::int64_t kb = 0;
            in >> kb;
            return kb * 1024;
        }
        std::getline(in, key);
    }
    return 0;
}

// Fills the database through the storage layer, in big transactions.
void generate(touchpoint::server::Storage& storage, const touchpoint::server::DeviceRecord& device,
              int rows) {
    const char* scales[] = {"smiley4", "smiley5", "nps", "ces7", "thumbs"};
    const int max_score[] = {4, 5, 10, 7, 1};
    const int min_score[] = {1, 1, 0, 1, 0};
    const std::int64_t base = now_ms() - 30LL * 24 * 3600 * 1000;
    constexpr int k_chunk = 25000;
    for (int start = 0; start < rows; start += k_chunk) {
        std::vector<touchpoint::server::IncomingResponse> batch;
        for (int i = start; i < std::min(rows, start + k_chunk); ++i) {
            touchpoint::server::IncomingResponse in;
            auto& r = in.response;
            const int s = i % 5;
            char id[40];
            std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
            r.id = id;
            r.survey_id = "checkout";
            r.survey_version = 1;
            r.question_id = "checkout-experience";
            r.scale = *touchpoint::scale_from_string(scales[s]);
            r.score = min_score[s] + (i / 5) % (max_score[s] - min_score[s] + 1);
            if (i % 3 == 0) r.reasons = {"fast", "friendly"};
            if (i % 7 == 0) r.comment = "Quick, \"friendly\" and clean";
            r.language = "en";
            r.utc_ms = base + i * 1000LL;
            char day[16];
            std::snprintf(day, sizeof day, "2026-02-%02d", 1 + (i / 40000) % 28);
            r.local_day = day;
            r.local_hour = 8 + i % 10;
            char local[40];
            std::snprintf(local, sizeof local, "%sT%02d:15:00+13:00", day, r.local_hour);
            r.local_time = local;
            r.sequence = i;
            in.content_hash = r.id;
            batch.push_back(std::move(in));
        }
        auto out = storage.ingest_batch(device, batch, "", now_ms());
        if (!out) throw std::runtime_error(out.error());
    }
}

} // namespace

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
    generate(srv.storage(), **device, k_rows);
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
