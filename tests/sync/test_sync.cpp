// The sync client against a real touchpoint-server on a loopback port.
#include "fault_proxy.h"
#include "server_process.h"
#include "sync_support.h"

#include "app/local_database.h"
#include "sync/enroll.h"
#include "sync/sync_client.h"
#include "sync/sync_worker.h"

#include "sync/curl_library.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tpsync;
using namespace tptest;
using namespace std::chrono;
using Catch::Matchers::Contains;

TEST_CASE("libcurl is loaded on first use, once, and works") {
    auto first = curl_library();
    REQUIRE(first.ok());
    auto again = curl_library();
    REQUIRE(again.ok());
    CHECK(*first == *again);
    const CurlLibrary& curl = **first;
    CURL* h = curl.easy_init();
    REQUIRE(h != nullptr);
    CHECK(curl.easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK);
    curl.easy_cleanup(h);
    CHECK(std::string(curl.easy_strerror(CURLE_COULDNT_CONNECT)).size() > 0);
}

TEST_CASE("plain http is refused unless the server is on loopback") {
    CHECK(check_server_url("http://127.0.0.1:8080"));
    CHECK(check_server_url("http://127.4.5.6"));
    CHECK(check_server_url("http://localhost:1"));
    CHECK(check_server_url("http://[::1]:8080"));
    CHECK(check_server_url("https://hq.example.com"));
    auto st = check_server_url("http://hq.example.com");
    CHECK_FALSE(st);
    CHECK_THAT(st.error(), Contains("https://"));
    CHECK_FALSE(check_server_url("http://10.0.0.1"));
    CHECK_FALSE(check_server_url("ftp://127.0.0.1"));
    CHECK_FALSE(check_server_url("not a url"));
    HttpOptions o;
    o.base_url = "http://192.168.1.10:8080";
    CHECK_FALSE(HttpClient::create(o).ok());
}

TEST_CASE("backoff: exponential with full jitter, Retry-After as a floor") {
    Backoff b(milliseconds{100}, milliseconds{1000}, 7);
    for (int i = 0; i < 200; ++i) {
        auto d = b.next_delay();
        long long ceiling = std::min(1000LL, 100LL << std::min(b.failures() - 1, 20));
        CHECK(d.count() >= 0);
        CHECK(d.count() <= ceiling);
    }
    b.reset();
    CHECK(b.next_delay(milliseconds{5000}) == milliseconds{5000});
    // Full jitter: delays spread over the range rather than sitting at its top.
    Backoff c(milliseconds{1000}, milliseconds{1000}, 9);
    long long low = 0;
    for (int i = 0; i < 100; ++i)
        if (c.next_delay().count() < 500) ++low;
    CHECK(low > 20);
    CHECK(low < 80);
}

TEST_CASE("enrol, sync a batch, and nothing is pending afterwards") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    CHECK_FALSE(k.enrollment.token.empty());
    CHECK(k.enrollment.touch_point == "akl-checkout-1");
    auto cached = load_remote_config(k.dir.path);
    REQUIRE(cached.ok());
    REQUIRE(cached->survey);
    CHECK(cached->survey->id == "checkout");

    auto ids = fill(*k.database, 120, "kiosk-a");
    auto http = HttpClient::create(k.settings(server.url()).http);
    REQUIRE(http.ok());
    SyncSettings settings = k.settings(server.url());
    settings.batch_size = 50;
    SyncClient client(settings, *k.database, **http);
    SyncStep s = client.step(steady_clock::now());
    CHECK(s.kind == SyncStep::Kind::sent);
    CHECK(s.accepted == 50);
    CHECK(k.database->health().pending == 70);
    REQUIRE(drain(client, *k.database, 30));
    CHECK(server_ids(server.db_path()) == ids);
    CHECK(client.status().pending == 0);
    CHECK(client.status().last_sync_utc_ms > 0);
    CHECK(client.status().last_error.empty());

    // Nothing pending: quiet until a heartbeat is due (a batch counts as
    // contact), then a heartbeat reports health.
    const auto now = steady_clock::now();
    SyncStep quiet = client.step(now);
    CHECK(quiet.kind == SyncStep::Kind::idle);
    CHECK(quiet.wait > minutes{2});
    SyncStep hb = client.step(now + settings.heartbeat_interval);
    CHECK(hb.kind == SyncStep::Kind::heartbeat);
    CHECK(client.step(now + settings.heartbeat_interval + seconds{1}).kind == SyncStep::Kind::idle);
    std::string devices = server.admin({"list-devices"});
    CHECK_THAT(devices, Contains("test kiosk"));
}

TEST_CASE("a response the server rejects is kept, marked with the reason, and does not block the queue") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    fill(*k.database, 3, "kiosk-a");
    // A fourth response whose survey id is longer than the server allows.
    Response bad;
    bad.id = "00000000-0000-4000-8000-000000000001";
    bad.survey_id = std::string(150, 's');
    bad.question_id = "q";
    bad.scale = Scale::smiley4;
    bad.score = 2;
    bad.utc_ms = 1795381300000;
    bad.local_time = "2026-11-23T10:01:40+13:00";
    bad.local_day = "2026-11-23";
    bad.local_hour = 10;
    REQUIRE(k.database->insert_open(bad));
    REQUIRE(k.database->close(bad.id));
    fill(*k.database, 3, "kiosk-a", 1795381400000);

    auto http = HttpClient::create(k.settings(server.url()).http);
    SyncClient client(k.settings(server.url()), *k.database, **http);
    REQUIRE(drain(client, *k.database, 30));
    CHECK(server.response_count() == 6);
    auto stored = k.database->get(bad.id);
    REQUIRE(stored.ok());
    CHECK(stored->sync_state == touchpoint::SyncState::rejected);
    CHECK_THAT(stored->reject_reason, Contains("survey_id"));
    CHECK(k.database->health().rejected == 1);
}

TEST_CASE("a revoked device stops syncing and says it must be enrolled again") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    server.admin({"revoke-device", "--id", k.enrollment.device_id});
    fill(*k.database, 5, "kiosk-a");
    auto http = HttpClient::create(k.settings(server.url()).http);
    SyncClient client(k.settings(server.url()), *k.database, **http);
    SyncStep s = client.step(steady_clock::now());
    CHECK(s.kind == SyncStep::Kind::must_reenroll);
    CHECK(client.status().state == SyncPhase::must_reenroll);
    CHECK_THAT(client.status().last_error, Contains("enrolled again"));
    CHECK(k.database->health().pending == 5); // kept
    CHECK(server.response_count() == 0);
}

TEST_CASE("a replayed enrolment code is refused in plain words") {
    ServerProcess server;
    server.start();
    TempDir d;
    HttpOptions http;
    http.base_url = server.url();
    std::string code = server.create_code();
    REQUIRE(sync::enroll(http, code, "first", d.path).ok());
    auto again = sync::enroll(http, code, "second", d.path);
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error(), Contains("already been used"));
}

TEST_CASE("configuration is pulled with ETags and a published survey is picked up") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    auto http = HttpClient::create(k.settings(server.url()).http);
    SyncClient client(k.settings(server.url()), *k.database, **http);
    auto first = client.pull_config();
    REQUIRE(first.ok());
    REQUIRE(*first);
    int v1 = (*first)->survey->version;
    auto unchanged = client.pull_config();
    REQUIRE(unchanged.ok());
    CHECK_FALSE(*unchanged); // 304
    server.admin({"publish-survey", "--touch-point", "akl-checkout-1", "--survey",
                  std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/helpdesk-csat.toml"});
    auto changed = client.pull_config();
    REQUIRE(changed.ok());
    REQUIRE(*changed);
    CHECK((*changed)->survey->id == "helpdesk-csat");
    CHECK((*changed)->survey->version > v1);
    auto cached = load_remote_config(k.dir.path);
    REQUIRE(cached.ok());
    CHECK(cached->survey->id == "helpdesk-csat");
}

TEST_CASE("fault injection: 10,000 responses through a misbehaving proxy arrive exactly once") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    auto ids = fill(*k.database, 10000, "kiosk-a", 1795381200000, 50);
    FaultPlan plan;
    plan.drop_before = 0.06;
    plan.error_500 = 0.06;
    plan.error_503 = 0.06;
    plan.delay = 0.15;
    plan.truncate = 0.08;
    plan.cut_after_commit = 0.08;
    plan.max_delay_ms = 200;
    plan.retry_after_s = 1;
    plan.seed = 2026;
    FaultProxy proxy(server.port(), plan);
    SyncSettings settings = k.settings("http://127.0.0.1:" + std::to_string(proxy.port()));
    settings.batch_size = 250;
    auto http = HttpClient::create(settings.http);
    SyncClient client(settings, *k.database, **http);
    REQUIRE(drain(client, *k.database, 240));
    auto on_server = server_ids(server.db_path());
    CHECK(on_server.size() == 10000);
    CHECK(server.response_count() == 10000);
    CHECK(on_server == ids);
    CHECK(k.database->health().pending == 0);
    CHECK(client.status().pending == 0);
    // Every kind of fault really happened.
    CHECK(proxy.counts().dropped > 0);
    CHECK(proxy.counts().errors_500 > 0);
    CHECK(proxy.counts().errors_503 > 0);
    CHECK(proxy.counts().truncated > 0);
    CHECK(proxy.counts().cut_after_commit > 0);
    CHECK(proxy.counts().delayed > 0);
    INFO("requests " << proxy.counts().requests.load());
}

TEST_CASE("the sync thread survives a server restart in the middle of a sync") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    auto ids = fill(*k.database, 5000, "kiosk-a", 1795381200000, 100);
    SyncSettings settings = k.settings(server.url());
    settings.batch_size = 100;
    auto worker = SyncWorker::start(settings, k.dir.path + "/responses.db");
    REQUIRE(worker.ok());
    // Let some batches through, then kill the server hard and bring it back.
    auto deadline = steady_clock::now() + seconds{30};
    while (server.response_count() < 500 && steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds{5});
    REQUIRE(server.response_count() >= 500);
    const int port = server.port();
    server.kill_now();
    std::this_thread::sleep_for(milliseconds{500});
    CHECK((*worker)->status().pending > 0);
    server.start(port);
    deadline = steady_clock::now() + seconds{60};
    while ((*worker)->status().pending > 0 && steady_clock::now() < deadline) {
        (*worker)->sync_now();
        std::this_thread::sleep_for(milliseconds{50});
    }
    CHECK((*worker)->status().pending == 0);
    CHECK(server_ids(server.db_path()) == ids);
    CHECK(server.response_count() == 5000);
}

TEST_CASE("a kiosk offline for a week drains its queue when the server comes back") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    const int port = server.port();
    server.stop();
    // A week of taps, one every 6 s: 100,000 queued.
    const int n = 100000;
    auto ids = fill(*k.database, n, "kiosk-a", 1795381200000 - 7LL * 86400 * 1000, 6048);
    SyncSettings settings = k.settings("http://127.0.0.1:" + std::to_string(port));
    auto http = HttpClient::create(settings.http);
    SyncClient client(settings, *k.database, **http);
    SyncStep offline = client.step(steady_clock::now());
    CHECK(offline.kind == SyncStep::Kind::retry_later);
    CHECK_FALSE(client.status().server_reachable);
    CHECK_THAT(client.status().last_error, Contains("could not be reached"));
    server.start(port);
    REQUIRE(drain(client, *k.database, 300));
    CHECK(server.response_count() == n);
    CHECK(server_ids(server.db_path()) == ids);
    CHECK(client.status().pending == 0);
}
