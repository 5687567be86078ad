// A batch answer must account for the batch: the sync client against a real
// touchpoint-server behind a proxy that rewrites the server's answers to
// batches. The server has stored the responses each time; only the answer
// the kiosk reads is wrong.
#include "fault_proxy.h"
#include "server_process.h"
#include "sync_support.h"

#include "app/local_database.h"
#include "app/staff_dashboard.h"
#include "core/uuid.h"
#include "core/wire.h"
#include "sync/kiosk_sync.h"
#include "sync/sync_client.h"
#include "sync/sync_worker.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <thread>

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tpsync;
using namespace tptest;
using namespace std::chrono;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr const char* k_unaccounted = "the server's answer did not account for the batch";
constexpr int k_batch = 3;

using Rewrite = std::function<std::string(const std::string& request, const std::string& answer)>;

struct BadAnswer {
    std::string name;
    Rewrite rewrite;
};

std::string first_id(const std::string& request) {
    return json::parse(request)["responses"][0]["id"].get<std::string>();
}

// The server's answer with `change` applied to it.
Rewrite edited(std::function<void(json&, const std::string& request)> change) {
    return [change](const std::string& request, const std::string& answer) {
        json j = json::parse(answer);
        change(j, request);
        return j.dump();
    };
}

Rewrite constant(std::string body) {
    return [body](const std::string&, const std::string&) { return body; };
}

// Every way the tests get a batch answer wrong. `other_answer` is the
// server's (correct) answer to another batch of the same size.
std::vector<BadAnswer> bad_answers(std::shared_ptr<const std::string> other_answer) {
    return {
        {"an empty object", constant("{}")},
        {"{\"ok\":true}", constant(R"({"ok":true})")},
        {"accepted as a string", constant(R"({"accepted":"3","duplicates":0,"rejected":[]})")},
        {"accepted as a string, nothing else", constant(R"({"accepted":"3"})")},
        {"a count that is not a whole number", constant(R"({"accepted":3.0,"duplicates":0,"rejected":[]})")},
        {"a negative count", constant(R"({"accepted":-1,"duplicates":4,"rejected":[]})")},
        {"rejected is not a list", constant(R"({"accepted":3,"duplicates":0,"rejected":{}})")},
        {"no rejected list", constant(R"({"accepted":3,"duplicates":0})")},
        {"a list, not an object", constant("[3,0,[]]")},
        {"not JSON", constant("<html>OK</html>")},
        {"truncated JSON", [](const std::string&, const std::string& answer) {
             return answer.substr(0, answer.size() / 2);
         }},
        {"counts that add up to fewer", edited([](json& j, const std::string&) {
             j["accepted"] = j["accepted"].get<int>() - 1;
         })},
        {"counts that add up to more", edited([](json& j, const std::string&) {
             j["duplicates"] = j["duplicates"].get<int>() + 1;
         })},
        {"a rejected id from another batch", edited([](json& j, const std::string&) {
             j["accepted"] = j["accepted"].get<int>() - 1;
             j["rejected"].push_back({{"id", make_uuid()}, {"code", "invalid_response"}, {"error", "x"}});
             j.erase("committed_digest");
         })},
        {"a rejected id at another's index", edited([](json& j, const std::string& request) {
             j["accepted"] = j["accepted"].get<int>() - 1;
             j["rejected"].push_back({{"index", 2}, {"id", first_id(request)}, {"code", "conflict"}, {"error", "x"}});
             j.erase("committed_digest");
         })},
        {"the same id rejected twice", edited([](json& j, const std::string& request) {
             j["accepted"] = j["accepted"].get<int>() - 2;
             for (int i = 0; i < 2; ++i)
                 j["rejected"].push_back({{"id", first_id(request)}, {"code", "conflict"}, {"error", "x"}});
             j.erase("committed_digest");
         })},
        {"a rejection whose reason is not text", edited([](json& j, const std::string& request) {
             j["accepted"] = j["accepted"].get<int>() - 1;
             j["rejected"].push_back({{"index", 0}, {"id", first_id(request)}, {"code", "conflict"}, {"error", 7}});
             j.erase("committed_digest");
         })},
        {"a wrong digest", edited([](json& j, const std::string&) {
             std::string d = j["committed_digest"].get<std::string>();
             d.back() = d.back() == '0' ? '1' : '0';
             j["committed_digest"] = d;
         })},
        {"a digest that is not text", edited([](json& j, const std::string&) { j["committed_digest"] = 1; })},
        // Counts and rejections add up; only the digest tells it is not this batch's.
        {"the answer to another batch of the same size",
         [other_answer](const std::string&, const std::string&) { return *other_answer; }},
    };
}

// Every response in `ids` is still waiting to be synced.
void check_all_pending(const LocalDatabase& database, const std::set<std::string>& ids) {
    for (const auto& id : ids) {
        auto r = database.get(id);
        REQUIRE(r.ok());
        CHECK(r->sync_state == SyncState::pending);
    }
}

} // namespace

TEST_CASE("an answer that does not account for the batch marks nothing synced", "[sync][answer]") {
    ServerProcess server;
    server.start();
    FaultProxy proxy(server.port(), FaultPlan{});
    const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
    Kiosk k;
    k.enroll_with(server);
    auto http = HttpClient::create(k.settings(url).http);
    REQUIRE(http.ok());
    SyncSettings settings = k.settings(url);
    settings.batch_size = k_batch;
    SyncClient client(settings, *k.database, **http);

    // A first batch goes through; its answer is kept for the replay case.
    auto other_answer = std::make_shared<std::string>();
    std::set<std::string> all = fill(*k.database, k_batch, "kiosk-a");
    FaultPlan keep;
    keep.rewrite_batch_answer = [other_answer](const std::string&, const std::string& answer) {
        *other_answer = answer;
        return answer;
    };
    proxy.set_plan(keep);
    REQUIRE(client.step(steady_clock::now()).kind == SyncStep::Kind::sent);
    REQUIRE_THAT(*other_answer, Contains("\"committed_digest\""));
    CHECK(k.database->health().pending == 0);

    std::int64_t utc = 1795390000000;
    for (const BadAnswer& bad : bad_answers(other_answer)) {
        INFO("the proxy answers with " << bad.name);
        const std::set<std::string> ids = fill(*k.database, k_batch, "kiosk-a", utc);
        utc += 100000;
        all.insert(ids.begin(), ids.end());
        FaultPlan plan;
        plan.rewrite_batch_answer = bad.rewrite;
        proxy.set_plan(plan);
        const int rewritten = proxy.counts().rewritten;

        const SyncStep s = client.step(steady_clock::now());
        CHECK(proxy.counts().rewritten == rewritten + 1);
        CHECK(s.kind == SyncStep::Kind::retry_later);
        CHECK(k.database->health().pending == k_batch);
        CHECK(k.database->health().rejected == 0);
        check_all_pending(*k.database, ids);
        CHECK_THAT(client.status().last_error, Contains(k_unaccounted));
        CHECK(client.status().state == SyncPhase::retrying);
        CHECK(client.status().server_reachable);
        CHECK(client.status().last_sync_utc_ms > 0); // from the first batch, not this one

        // The server did store them: the resend is answered as duplicates.
        proxy.set_plan(FaultPlan{});
        REQUIRE(drain(client, *k.database, 30));
        CHECK(client.status().last_error.empty());
    }
    CHECK(server_ids(server.db_path()) == all);
    CHECK(server.response_count() == static_cast<long long>(all.size()));
    CHECK(server.distinct_response_count() == static_cast<long long>(all.size()));
}

TEST_CASE("an answer without committed_digest is read by its counts", "[sync][answer]") {
    // A server from before the digest: its answers still mark responses synced.
    ServerProcess server;
    server.start();
    FaultPlan plan;
    plan.rewrite_batch_answer = [](const std::string&, const std::string& answer) {
        json j = json::parse(answer);
        j.erase("committed_digest");
        return j.dump();
    };
    FaultProxy proxy(server.port(), plan);
    const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
    Kiosk k;
    k.enroll_with(server);
    auto ids = fill(*k.database, 20, "kiosk-a");
    auto http = HttpClient::create(k.settings(url).http);
    SyncClient client(k.settings(url), *k.database, **http);
    const SyncStep s = client.step(steady_clock::now());
    CHECK(s.kind == SyncStep::Kind::sent);
    CHECK(s.accepted == 20);
    CHECK(proxy.counts().rewritten == 1);
    CHECK(k.database->health().pending == 0);
    CHECK(server_ids(server.db_path()) == ids);
}

TEST_CASE("a rejected response is marked rejected only when the answer accounts for the batch",
          "[sync][answer]") {
    // A proper rejection from the server, read whole: the rest are synced.
    ServerProcess server;
    server.start();
    FaultPlan plan;
    plan.rewrite_batch_answer = [](const std::string& request, const std::string& answer) {
        // As the server would answer had it found the first response invalid.
        json j = json::parse(answer);
        json req = json::parse(request);
        std::vector<std::string> stored;
        for (std::size_t i = 1; i < req["responses"].size(); ++i)
            stored.push_back(req["responses"][i]["id"].get<std::string>());
        j["accepted"] = j["accepted"].get<int>() - 1;
        j["rejected"] = json::array({{{"index", 0},
                                      {"id", req["responses"][0]["id"]},
                                      {"code", "invalid_response"},
                                      {"error", "score: made up by the test"}}});
        j["committed_digest"] = committed_digest(stored);
        return j.dump();
    };
    FaultProxy proxy(server.port(), plan);
    const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
    Kiosk k;
    k.enroll_with(server);
    fill(*k.database, 4, "kiosk-a");
    auto first = k.database->pending_batch(1);
    REQUIRE(first.ok());
    REQUIRE(first->size() == 1);
    auto http = HttpClient::create(k.settings(url).http);
    SyncClient client(k.settings(url), *k.database, **http);
    const SyncStep s = client.step(steady_clock::now());
    CHECK(s.kind == SyncStep::Kind::sent);
    CHECK(s.accepted == 3);
    CHECK(s.rejected == 1);
    CHECK(k.database->health().pending == 0);
    CHECK(k.database->health().rejected == 1);
    auto stored = k.database->get(first->front().id);
    REQUIRE(stored.ok());
    CHECK(stored->sync_state == SyncState::rejected);
    CHECK_THAT(stored->reject_reason, Contains("made up by the test"));
}

TEST_CASE("the sync thread lives through answers that do not account for the batch",
          "[sync][answer]") {
    ServerProcess server;
    server.start();
    // The answer that made the client throw: a count given as text.
    FaultPlan bad;
    bad.rewrite_batch_answer = constant(R"({"accepted":"3","duplicates":0,"rejected":[{"id":7,"error":1}]})");
    FaultProxy proxy(server.port(), bad);
    const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port());
    Kiosk k;
    k.enroll_with(server);
    auto ids = fill(*k.database, k_batch, "kiosk-a");
    auto worker = SyncWorker::start(k.settings(url), k.dir.path + "/responses.db");
    REQUIRE(worker.ok());
    WorkerSyncControl control(**worker);

    // It keeps trying, with backoff, and says why in plain words.
    auto deadline = steady_clock::now() + seconds{30};
    while (proxy.counts().rewritten < 4 && steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds{10});
    REQUIRE(proxy.counts().rewritten >= 4);
    const SyncStatus st = (*worker)->status();
    CHECK_THAT(st.last_error, Contains(k_unaccounted));
    CHECK(st.state == SyncPhase::retrying);
    CHECK(st.last_sync_utc_ms == 0);
    CHECK(st.pending == k_batch);
    CHECK(k.database->health().pending == k_batch);
    check_all_pending(*k.database, ids);
    // What the staff area's health panel shows.
    const HealthModel health = build_health(*k.database, control, "test");
    CHECK_THAT(health.sync.last_error, Contains(k_unaccounted));

    // A server that answers properly again: every response arrives once.
    proxy.set_plan(FaultPlan{});
    deadline = steady_clock::now() + seconds{30};
    while ((*worker)->status().pending > 0 && steady_clock::now() < deadline) {
        (*worker)->sync_now();
        std::this_thread::sleep_for(milliseconds{50});
    }
    CHECK((*worker)->status().pending == 0);
    INFO("last error: " << (*worker)->status().last_error);
    CHECK((*worker)->status().last_error.empty());
    CHECK(k.database->health().pending == 0);
    CHECK(server_ids(server.db_path()) == ids);
    CHECK(server.response_count() == k_batch);
}

TEST_CASE("500-response batches against the real server: every response arrives once",
          "[sync][answer]") {
    // Straight to the server: its digests are checked on every batch.
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    auto ids = fill(*k.database, 1700, "kiosk-a", 1795381200000, 500);
    auto http = HttpClient::create(k.settings(server.url()).http);
    SyncClient client(k.settings(server.url()), *k.database, **http);
    const SyncStep s = client.step(steady_clock::now());
    CHECK(s.kind == SyncStep::Kind::sent);
    CHECK(s.accepted == 500);
    REQUIRE(drain(client, *k.database, 60));
    CHECK(client.status().last_error.empty());
    CHECK(server_ids(server.db_path()) == ids);
    CHECK(server.response_count() == 1700);
}
