// Retention: responses older than the configured age are deleted (with their
// roll-up counts), by the admin command and by the scheduled job.
#include "server_fixture.h"

#include "server/retention.h"
#include "server/secrets.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace tpt;
using nlohmann::json;

namespace {

constexpr std::int64_t k_day = 24LL * 3600 * 1000;

struct Aged {
    TestServer srv;
    std::string head;
    std::vector<std::string> old_ids, new_ids;

    Aged() {
        Enrolled a = srv.enroll(k_tp_a);
        head = srv.create_api_key("head-office");
        std::vector<json> batch;
        for (int i = 0; i < 7; ++i) {
            old_ids.push_back(new_id());
            batch.push_back(rated(old_ids.back(), "smiley4", 1 + i % 4, "2026-01-10", 9, false, "",
                                  now_ms() - 40 * k_day - i * 1000));
        }
        for (int i = 0; i < 5; ++i) {
            new_ids.push_back(new_id());
            batch.push_back(rated(new_ids.back(), "smiley4", 4, "2026-03-02", 9, false, "",
                                  now_ms() - 10 * k_day));
        }
        auto c = srv.client();
        auto r = post_json(c, "/api/v1/batches", a.token, batch_of(batch).dump());
        if (!r || r->status != 200) throw std::runtime_error("seeding failed");
    }

    std::int64_t summary_count() {
        auto c = srv.client();
        auto r = get_auth(c, "/api/v1/summary", head);
        auto groups = json::parse(r->body)["groups"];
        return groups.empty() ? 0 : groups[0]["count"].get<std::int64_t>();
    }
};

} // namespace

TEST_CASE("retention: admin prune deletes what is older than N days", "[server][retention]") {
    Aged t;
    CHECK(t.summary_count() == 12);
    CliRun r = t.srv.admin({"prune", "--older-than-days", "30"});
    CHECK(r.code == 0);
    CHECK(r.out.find("deleted 7 responses") != std::string::npos);
    CHECK(t.srv.count("responses") == 5);
    CHECK(t.srv.count("responses", "local_day = '2026-01-10'") == 0);
    CHECK(t.srv.count("response_rollup", "local_day = '2026-01-10'") == 0);
    CHECK(t.srv.count("response_rollup_daily", "local_day = '2026-01-10'") == 0);
    CHECK(t.summary_count() == 5);
    // Nothing more to do the second time.
    CliRun again = t.srv.admin({"prune", "--older-than-days", "30"});
    CHECK(again.out.find("deleted 0 responses") != std::string::npos);
    CHECK(t.srv.admin({"prune", "--older-than-days", "0"}).code != 0);
    CHECK(t.srv.admin({"prune"}).code != 0);
}

TEST_CASE("retention: the scheduled job runs at start and then on its interval",
          "[server][retention]") {
    Aged t;
    auto clock = std::make_shared<std::atomic<std::int64_t>>(now_ms());
    touchpoint::server::Retention job(t.srv.storage(), 30, [clock] { return clock->load(); });
    std::atomic<int> runs{0};
    std::atomic<std::int64_t> deleted{0};
    job.start(std::chrono::milliseconds(50), [&](const touchpoint::Result<std::int64_t>& r) {
        if (r) deleted += *r;
        ++runs;
    });
    for (int i = 0; i < 200 && runs < 1; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(t.srv.count("responses") == 5);
    // Time passes: the newer ones age out at a later run.
    clock->store(now_ms() + 25 * k_day);
    for (int i = 0; i < 300 && t.srv.count("responses") > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    job.stop();
    CHECK(runs >= 2);
    CHECK(deleted == 12);
    CHECK(t.srv.count("responses") == 0);
    CHECK(t.srv.count("response_rollup") == 0);
    CHECK(t.srv.count("response_rollup_daily") == 0);
    CHECK(t.summary_count() == 0);
}

TEST_CASE("retention: pruning many rows in chunks keeps the roll-up exact", "[server][retention]") {
    TestServer srv;
    Enrolled a = srv.enroll(k_tp_a);
    auto device = srv.storage().device_by_token_hash(touchpoint::server::hash_secret(a.token));
    REQUIRE(device);
    REQUIRE(device->has_value());
    std::vector<touchpoint::server::IncomingResponse> rows;
    const std::int64_t base = now_ms() - 100 * k_day;
    for (int i = 0; i < 12000; ++i) {
        touchpoint::server::IncomingResponse in;
        in.index = static_cast<std::size_t>(i);
        auto& r = in.response;
        r.id = new_id();
        r.survey_id = "s";
        r.question_id = "q";
        r.scale = touchpoint::Scale::nps;
        r.score = i % 11;
        r.utc_ms = base + (i / 3) * 60000; // ties on purpose
        r.local_time = "2026-01-01T10:00:00+13:00";
        r.local_day = i < 6000 ? "2026-01-01" : "2026-01-02";
        r.local_hour = 10;
        in.content_hash = r.id;
        rows.push_back(std::move(in));
    }
    REQUIRE(srv.storage().ingest_batch(**device, rows, "", now_ms()));
    // Cut in the middle of a run of equal times.
    const std::int64_t cutoff = base + 2500 * 60000 + 1;
    auto n = srv.storage().prune_responses(cutoff);
    REQUIRE(n);
    CHECK(*n == 2501 * 3);
    CHECK(srv.count("responses") == 12000 - 2501 * 3);
    CHECK(srv.count("responses", "utc_ms < " + std::to_string(cutoff)) == 0);
    auto sum = srv.count("response_rollup", "1 = 1") > 0;
    CHECK(sum);
    CHECK(srv.count("stores",
                    "(SELECT sum(n) FROM response_rollup) = (SELECT count(*) FROM responses) "
                    "AND id = 'akl'") == 1);
    CHECK(srv.count("stores", "(SELECT sum(n) FROM response_rollup_daily) = (SELECT count(*) FROM "
                              "responses) AND id = 'akl'") == 1);
    CHECK(srv.count("response_rollup_daily", "local_day = '2026-01-02' AND n > 0") > 0);
}
