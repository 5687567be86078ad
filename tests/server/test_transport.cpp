// The transport's limits and deadlines, seen from a client on the wire: the
// real touchpoint-server binary on a loopback port (tests tagged [binary];
// on SQLite, whatever TOUCHPOINT_TEST_DB says), or the in-process server
// where a test seam or an option the command line does not take is needed.
// Raw sockets throughout, so each test sends exactly the bytes it means:
// half a header, a trickled body, a client that never reads.
//
// Deadlines are set small (about a second) so the suite stays quick; each
// test checks both sides of one: not before it, and soon after.
#include "certificates.h"
#include "raw_connection.h"
#include "server_fixture.h"
#include "server_process.h"

#include "server/secrets.h"

#include <catch2/catch.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

using namespace tpt;
using nlohmann::json;
using tptest::ServerProcess;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t k_mib = 1024 * 1024;

std::int64_t ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
}

// Room for a few hundred sockets in this process.
void raise_open_file_limit() {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

std::string bearer(const std::string& token) {
    return "Authorization: Bearer " + token;
}

std::string healthz() {
    return raw_request("GET", "/healthz");
}

// One request on a new connection; its answer (nothing when none came).
std::optional<RawAnswer> ask(int port, const std::string& request, const std::string& from = "") {
    RawConnection c(port, from);
    if (!c.connected() || !c.send(request)) return std::nullopt;
    return c.read_answer();
}

// Enrols a device through the CLI's code and /api/v1/enroll: its token.
std::string enroll(const ServerProcess& server) {
    const std::string body =
        json{{"code", server.create_code()}, {"device_name", "till 1"}}.dump();
    auto a = ask(server.port(), raw_request("POST", "/api/v1/enroll",
                                            {"Content-Type: application/json"}, body));
    if (!a || a->status != 201) throw std::runtime_error("enrolment failed");
    return json::parse(a->body)["token"].get<std::string>();
}

std::string batch_text(int responses) {
    std::vector<json> rs;
    for (int i = 0; i < responses; ++i)
        rs.push_back(response_json(new_id()));
    return batch_of(rs).dump();
}

std::string batch_request(const std::string& token, const std::string& body) {
    return raw_request("POST", "/api/v1/batches",
                       {bearer(token), "Content-Type: application/json"}, body);
}

std::string head_office_key(const ServerProcess& server) {
    return server.admin({"create-api-key", "--role", "head-office"});
}

// `rows` responses straight into the server's database (it is running:
// SQLite takes the writes beside it).
void seed_responses(const ServerProcess& server, const std::string& token, int rows) {
    if (auto st = touchpoint::server::init_secrets(); !st) throw std::runtime_error(st.error());
    auto storage = touchpoint::server::open_storage("sqlite:" + server.db_path());
    if (!storage) throw std::runtime_error(storage.error());
    auto device = (*storage)->device_by_token_hash(touchpoint::server::hash_secret(token));
    if (!device || !device->has_value()) throw std::runtime_error("no device for the token");
    generate_responses(**storage, **device, rows);
}

std::string export_request(const std::string& key) {
    return raw_request("GET", "/api/v1/export?format=csv&include_misuse=true", {bearer(key)});
}

// The state of the server's end of a loopback connection in /proc/net/tcp
// ("01": established), "" when it is gone.
std::string server_socket_state(int server_port, int client_port) {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line); // column names
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        auto port_of = [](const std::string& a) {
            const auto colon = a.find(':');
            return colon == std::string::npos ? -1
                                              : static_cast<int>(std::stoul(a.substr(colon + 1),
                                                                            nullptr, 16));
        };
        if (port_of(local) == server_port && port_of(remote) == client_port) return state;
    }
    return "";
}

// Sends `bytes` one at a time, `every` apart, until the server answers (or
// closes) or the bytes run out. Returns how long after the first byte that
// was.
std::int64_t drip(RawConnection& c, const std::string& bytes, Millis every) {
    const auto t0 = Clock::now();
    for (char b : bytes) {
        if (!c.send(std::string_view(&b, 1))) break;
        if (c.readable(every)) break;
    }
    return ms_since(t0);
}

// Header blocks that take minutes to finish, one byte every 100 ms to each
// of `clients` connections, on a thread of their own.
class SlowHeaderClients {
  public:
    SlowHeaderClients(int port, int clients) {
        for (int i = 0; i < clients; ++i)
            m_connections.emplace_back(port);
        m_thread = std::thread([this] {
            const std::string header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
                                       std::string(4000, 'a') + "\r\n\r\n";
            for (std::size_t at = 0; !m_stop && at < header.size(); ++at) {
                for (auto& c : m_connections)
                    c.send(std::string_view(&header[at], 1), 50ms);
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait_for(lock, 100ms, [this] { return m_stop.load(); });
            }
        });
    }
    ~SlowHeaderClients() { stop(); }
    void stop() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }
    // After stop(): the connections, to see what became of them.
    std::vector<RawConnection>& connections() { return m_connections; }

  private:
    std::vector<RawConnection> m_connections;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
};

} // namespace

// --- Connections that hold nothing up ---

TEST_CASE("transport: idle connections and slow header blocks do not hold up other clients",
          "[server][transport][binary]") {
    raise_open_file_limit();
    ServerProcess server;
    server.start();
    std::vector<RawConnection> idle;
    // A fleet comes from many addresses: spread them, so the per-address cap
    // (a test of its own) is not what is measured here.
    for (int i = 0; i < 256; ++i) {
        idle.emplace_back(server.port(), "127.0.2." + std::to_string(1 + i % 8));
        REQUIRE(idle.back().connected());
    }
    SlowHeaderClients slow(server.port(), 16);
    std::this_thread::sleep_for(300ms); // the slow clients are under way

    RawConnection c(server.port());
    REQUIRE(c.connected());
    auto t0 = Clock::now();
    REQUIRE(c.send(healthz()));
    auto health = c.read_answer(2000ms);
    const auto health_ms = ms_since(t0);
    REQUIRE(health);
    CHECK(health->status == 200);

    const std::string code = server.create_code();
    t0 = Clock::now();
    REQUIRE(c.send(raw_request("POST", "/api/v1/enroll", {"Content-Type: application/json"},
                               json{{"code", code}, {"device_name", "till 1"}}.dump())));
    auto enrolled = c.read_answer(2000ms);
    const auto enroll_ms = ms_since(t0);
    REQUIRE(enrolled);
    REQUIRE(enrolled->status == 201);
    const std::string token = json::parse(enrolled->body)["token"];

    const std::string body = batch_text(10);
    t0 = Clock::now();
    REQUIRE(c.send(batch_request(token, body)));
    auto batch = c.read_answer(2000ms);
    const auto batch_ms = ms_since(t0);
    REQUIRE(batch);
    CHECK(batch->status == 200);
    CHECK(json::parse(batch->body)["accepted"] == 10);

    INFO("healthz " << health_ms << " ms, enrol " << enroll_ms << " ms, batch " << batch_ms
                    << " ms");
    CHECK(health_ms < 100);
    CHECK(enroll_ms < 100);
    CHECK(batch_ms < 100);
    CHECK(server.response_count() == 10);

    // They were held, not dropped: the slow ones are still unanswered and
    // open, and an idle one is served when it finally asks.
    slow.stop();
    for (auto& s : slow.connections())
        CHECK_FALSE(s.readable(0ms));
    REQUIRE(idle.front().send(healthz()));
    auto late = idle.front().read_answer(2000ms);
    REQUIRE(late);
    CHECK(late->status == 200);
}

// --- Deadlines ---

TEST_CASE("transport: a slow header block is cut at its deadline with 408, not before",
          "[server][transport][binary]") {
    ServerProcess server({"--header-timeout-s", "1"});
    server.start();
    const std::string header =
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(200, 'a') + "\r\n\r\n";

    SECTION("one byte every 100 ms: answered 408 a second after the first byte, then closed") {
        RawConnection c(server.port());
        REQUIRE(c.connected());
        const auto after_ms = drip(c, header, 100ms);
        auto a = c.read_answer(1000ms);
        INFO("answered " << after_ms << " ms after the first byte");
        REQUIRE(a);
        CHECK(a->status == 408);
        CHECK(a->error_code() == "request_timeout");
        CHECK(after_ms >= 900);
        CHECK(after_ms < 1500);
        CHECK(c.wait_closed(1000ms));
    }
    SECTION("a header block finished within the deadline is served") {
        RawConnection c(server.port());
        REQUIRE(c.connected());
        const std::string quick = healthz();
        // Spread over about 0.6 s.
        const auto every = Millis(600 / static_cast<long>(quick.size()));
        drip(c, quick, every);
        auto a = c.read_answer(1000ms);
        REQUIRE(a);
        CHECK(a->status == 200);
    }
}

TEST_CASE("transport: an idle keep-alive connection is closed at its timeout, not before",
          "[server][transport][binary]") {
    ServerProcess server({"--idle-timeout-s", "1"});
    server.start();
    RawConnection c(server.port());
    REQUIRE(c.connected());
    REQUIRE(c.send(healthz()));
    auto first = c.read_answer();
    REQUIRE(first);
    REQUIRE(first->status == 200);

    // A second request 0.6 s later is still served and starts the wait anew.
    std::this_thread::sleep_for(600ms);
    REQUIRE_FALSE(c.readable(0ms));
    REQUIRE(c.send(healthz()));
    auto second = c.read_answer();
    REQUIRE(second);
    CHECK(second->status == 200);

    const auto t0 = Clock::now();
    CHECK_FALSE(c.read_answer(3000ms)); // closed without an answer
    const auto closed_ms = ms_since(t0);
    INFO("closed " << closed_ms << " ms after the last answer");
    CHECK(c.closed());
    CHECK(c.buffered().empty());
    CHECK(closed_ms >= 900);
    CHECK(closed_ms < 1500);
}

TEST_CASE("transport: a body below the minimum rate is answered 408 and closed",
          "[server][transport]") {
    // In process: the grace before the rate counts (10 s) is not a command
    // line option, and here it is made short.
    ServerSetup setup;
    setup.http.min_body_rate = 10000;
    setup.http.body_grace_ms = 300;
    TestServer srv(setup);
    const Enrolled device = srv.enroll();

    SECTION("100 bytes every 100 ms (1000 bytes/s): cut soon after the grace") {
        const std::string body = batch_text(40);
        RawConnection c(srv.port());
        REQUIRE(c.connected());
        const std::string request = batch_request(device.token, body);
        const std::size_t head = request.find("\r\n\r\n") + 4;
        REQUIRE(c.send(request.substr(0, head)));
        const auto t0 = Clock::now();
        std::size_t at = head;
        while (at < request.size() && !c.readable(100ms)) {
            if (!c.send(request.substr(at, 100))) break;
            at += 100;
        }
        auto a = c.read_answer(2000ms);
        const auto after_ms = ms_since(t0);
        INFO("answered " << after_ms << " ms after the header, " << at - head << " of "
                         << body.size() << " body bytes sent");
        REQUIRE(a);
        CHECK(a->status == 408);
        CHECK(a->error_code() == "request_timeout");
        CHECK(after_ms >= 300);
        CHECK(after_ms < 1000);
        CHECK(at < request.size());
        CHECK(c.wait_closed(3000ms));
        CHECK(srv.count("responses") == 0);
    }
    SECTION("twice the minimum rate, past the grace: served") {
        const std::string body = batch_text(40); // about 20 KB: a second at 20000 bytes/s
        REQUIRE(body.size() > 15000);
        RawConnection c(srv.port());
        REQUIRE(c.connected());
        const std::string request = batch_request(device.token, body);
        const auto t0 = Clock::now();
        for (std::size_t at = 0; at < request.size(); at += 200) {
            REQUIRE(c.send(request.substr(at, 200)));
            std::this_thread::sleep_for(10ms);
        }
        auto a = c.read_answer(2000ms);
        INFO("sent in " << ms_since(t0) << " ms");
        REQUIRE(a);
        CHECK(a->status == 200);
        CHECK(srv.count("responses") == 40);
    }
}

TEST_CASE("transport: a client that never reads its answer is cut after the write timeout",
          "[server][transport][binary]") {
    ServerProcess server({"--write-timeout-s", "1"});
    server.start();
    const std::string token = enroll(server);
    constexpr int k_rows = 100000; // about 15 MB of CSV: far more than the socket buffers hold
    seed_responses(server, token, k_rows);
    const std::string key = head_office_key(server);

    SECTION("never read: the server's end goes about a second after the writes stall") {
        RawConnection c(server.port(), "", 4096);
        REQUIRE(c.connected());
        REQUIRE(server_socket_state(server.port(), c.local_port()) == "01");
        const auto t0 = Clock::now();
        REQUIRE(c.send(export_request(key)));
        std::string state = "01";
        while (state == "01" && ms_since(t0) < 6000) {
            std::this_thread::sleep_for(20ms);
            state = server_socket_state(server.port(), c.local_port());
        }
        const auto cut_ms = ms_since(t0);
        INFO("the server's end left ESTABLISHED " << cut_ms << " ms after the request (state \""
                                                   << state << "\")");
        CHECK(state != "01");
        CHECK(cut_ms >= 1000);
        CHECK(cut_ms < 3500);
        // What was written before the cut arrives, then the close: the
        // chunked body has no last chunk.
        auto a = c.read_answer(10000ms);
        REQUIRE(a);
        CHECK(a->status == 200);
        CHECK_FALSE(a->complete);
        CHECK(c.closed());
    }
    SECTION("read at once: the whole export arrives") {
        RawConnection c(server.port(), "", 4096);
        REQUIRE(c.connected());
        REQUIRE(c.send(export_request(key)));
        auto a = c.read_answer(30000ms);
        REQUIRE(a);
        CHECK(a->status == 200);
        CHECK(a->complete);
        CHECK(std::count(a->body.begin(), a->body.end(), '\n') == k_rows + 1);
    }
}

// --- Limits ---

TEST_CASE("transport: a Content-Length over the limit is answered 413 before any body is sent",
          "[server][transport][binary]") {
    ServerProcess server({"--max-body-bytes", "1048576"});
    server.start();
    auto head = [](std::size_t length) {
        return "POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
               "x\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(length) + "\r\n\r\n";
    };
    RawConnection c(server.port());
    REQUIRE(c.connected());
    const auto t0 = Clock::now();
    REQUIRE(c.send(head(2 * k_mib)));
    auto a = c.read_answer(1000ms);
    const auto answered_ms = ms_since(t0);
    REQUIRE(a);
    CHECK(a->status == 413);
    CHECK(a->error_code() == "body_too_large");
    CHECK(answered_ms < 500);
    CHECK(c.wait_closed(3000ms));

    // At the limit, the server waits for the body.
    RawConnection at_limit(server.port());
    REQUIRE(at_limit.connected());
    REQUIRE(at_limit.send(head(k_mib)));
    CHECK_FALSE(at_limit.readable(300ms));
}

TEST_CASE("transport: a chunked body over the limit is cut with 413 while memory stays flat",
          "[server][transport][binary]") {
    ServerProcess server({"--max-body-bytes", "1048576"});
    server.start();
    const std::int64_t before = resident_bytes(server.pid());
    REQUIRE(before > 0);

    RawConnection c(server.port());
    REQUIRE(c.connected());
    REQUIRE(c.send("POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                   "x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n"; // 64 KiB
    const std::int64_t total = 100 * k_mib;
    std::int64_t sent = 0, peak = before;
    bool answered = false;
    while (sent < total) {
        if (c.readable(0ms)) {
            answered = true;
            break;
        }
        if (!c.send(chunk, 5000ms)) break;
        sent += 0x10000;
        if (sent % k_mib == 0) peak = std::max(peak, resident_bytes(server.pid()));
    }
    auto a = c.read_answer(2000ms);
    peak = std::max(peak, resident_bytes(server.pid()));
    INFO(sent / k_mib << " MiB sent before the answer; resident " << before / 1024 << " KiB, peak "
                      << peak / 1024 << " KiB");
    CHECK(answered);
    CHECK(sent < total);
    REQUIRE(a);
    CHECK(a->status == 413);
    CHECK(a->error_code() == "body_too_large");
    CHECK(peak - before < 16 * k_mib);
    CHECK(c.wait_closed(5000ms));
}

TEST_CASE("transport: too many header fields, or too large a header block, is answered 431",
          "[server][transport][binary]") {
    ServerProcess server({"--max-headers", "100", "--max-header-bytes", "16384"});
    server.start();
    auto with_fields = [](int n) {
        std::vector<std::string> h;
        for (int i = 0; i < n; ++i)
            h.push_back("X-Field-" + std::to_string(i) + ": v");
        return raw_request("GET", "/healthz", h);
    };
    auto with_block = [](std::size_t bytes) {
        const std::string bare = raw_request("GET", "/healthz", {"X-Big: "});
        return raw_request("GET", "/healthz", {"X-Big: " + std::string(bytes - bare.size(), 'a')});
    };
    REQUIRE(with_block(20000).size() == 20000);

    for (const auto& [what, request, status] : std::vector<std::tuple<std::string, std::string, int>>{
             {"150 fields", with_fields(150), 431},
             {"a 20000-byte block", with_block(20000), 431},
             {"90 fields", with_fields(90), 200},
             {"a 15000-byte block", with_block(15000), 200},
         }) {
        INFO(what);
        RawConnection c(server.port());
        REQUIRE(c.connected());
        c.send(request);
        auto a = c.read_answer(2000ms);
        REQUIRE(a);
        CHECK(a->status == status);
        if (status == 431) {
            CHECK(a->error_code() == "headers_too_large");
            CHECK(c.wait_closed(3000ms));
        }
    }
}

TEST_CASE("transport: the per-address connection cap answers 429; other addresses still connect",
          "[server][transport][binary]") {
    ServerProcess server({"--max-connections-per-address", "8"});
    server.start();
    std::vector<RawConnection> held;
    for (int i = 0; i < 8; ++i) {
        held.emplace_back(server.port());
        REQUIRE(held.back().send(healthz()));
        auto a = held.back().read_answer();
        REQUIRE(a);
        REQUIRE(a->status == 200);
    }
    RawConnection ninth(server.port());
    REQUIRE(ninth.connected());
    auto refused = ninth.read_answer(1000ms); // at once, without asking
    REQUIRE(refused);
    CHECK(refused->status == 429);
    CHECK(refused->error_code() == "too_many_connections");
    CHECK(ninth.wait_closed(3000ms));

    auto other = ask(server.port(), healthz(), "127.0.0.2");
    REQUIRE(other);
    CHECK(other->status == 200);

    // /metrics counts the open connections: the eight held and its own (the
    // one just closed may not have been counted out yet).
    auto metrics = ask(server.port(), raw_request("GET", "/metrics"), "127.0.0.3");
    REQUIRE(metrics);
    REQUIRE(metrics->status == 200);
    const std::string gauge = "\ntouchpoint_http_connections ";
    const auto at = metrics->body.find(gauge);
    REQUIRE(at != std::string::npos);
    const long open = std::stol(metrics->body.substr(at + gauge.size()));
    CHECK(open >= 9);
    CHECK(open <= 10);

    // One closed: there is room again.
    held.pop_back();
    std::optional<RawAnswer> again;
    for (int attempt = 0; attempt < 40; ++attempt) {
        again = ask(server.port(), healthz());
        if (again && again->status == 200) break;
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("transport: the overall connection cap answers 503 too_many_connections",
          "[server][transport][binary]") {
    ServerProcess server({"--max-connections", "4"});
    server.start();
    std::vector<RawConnection> held;
    for (int i = 0; i < 4; ++i) {
        held.emplace_back(server.port(), i % 2 ? "127.0.0.3" : "");
        REQUIRE(held.back().send(healthz()));
        auto a = held.back().read_answer();
        REQUIRE(a);
        REQUIRE(a->status == 200);
    }
    for (const char* from : {"", "127.0.0.2"}) {
        INFO("from " << (*from ? from : "127.0.0.1"));
        RawConnection fifth(server.port(), from);
        REQUIRE(fifth.connected());
        auto refused = fifth.read_answer(1000ms);
        REQUIRE(refused);
        CHECK(refused->status == 503);
        CHECK(refused->error_code() == "too_many_connections");
        CHECK(fifth.wait_closed(3000ms));
    }
    held.pop_back();
    std::optional<RawAnswer> again;
    for (int attempt = 0; attempt < 40; ++attempt) {
        again = ask(server.port(), healthz(), "127.0.0.2");
        if (again && again->status == 200) break;
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("transport: a full worker queue answers 503 overloaded with Retry-After at once",
          "[server][transport]") {
    std::mutex m;
    std::condition_variable cv;
    bool hold = false;
    int entered = 0;
    ServerSetup setup;
    setup.http.workers = 1;
    setup.http.worker_queue = 1;
    setup.http.before_handle = [&] {
        std::unique_lock<std::mutex> lock(m);
        ++entered;
        cv.notify_all();
        cv.wait(lock, [&] { return !hold; });
    };
    TestServer srv(setup);
    auto release = [&] {
        {
            std::lock_guard<std::mutex> lock(m);
            hold = false;
        }
        cv.notify_all();
    };
    // Released however the test ends, before the server stops.
    struct Release {
        std::function<void()> f;
        ~Release() { f(); }
    } released{release};
    {
        std::lock_guard<std::mutex> lock(m);
        hold = true;
        entered = 0;
    }

    RawConnection running(srv.port());
    REQUIRE(running.send(healthz()));
    {
        std::unique_lock<std::mutex> lock(m);
        REQUIRE(cv.wait_for(lock, 2000ms, [&] { return entered == 1; }));
    }
    RawConnection queued(srv.port());
    REQUIRE(queued.send(healthz()));
    std::this_thread::sleep_for(200ms); // read and queued behind the first

    RawConnection third(srv.port());
    const auto t0 = Clock::now();
    REQUIRE(third.send(healthz()));
    auto busy = third.read_answer(2000ms);
    const auto busy_ms = ms_since(t0);
    REQUIRE(busy);
    CHECK(busy->status == 503);
    CHECK(busy->error_code() == "overloaded");
    CHECK_FALSE(busy->header("Retry-After").empty());
    INFO("answered in " << busy_ms << " ms");
    CHECK(busy_ms < 100);
    CHECK_FALSE(running.readable(0ms));
    CHECK_FALSE(queued.readable(0ms));

    release();
    auto first = running.read_answer();
    auto second = queued.read_answer();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(second->status == 200);
}

// --- Start, stop and reload ---

TEST_CASE("transport: a busy port is refused; the server already on it still answers",
          "[server][transport][binary]") {
    ServerProcess first;
    first.start();
    ServerProcess second;
    CHECK_FALSE(second.try_start(first.port()));
    CHECK(second.exit_code() == 1);
    const std::string err = second.stderr_text();
    INFO(err);
    CHECK(err.find("127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
    CHECK(err.find("address already in use") != std::string::npos);
    auto a = ask(first.port(), healthz());
    REQUIRE(a);
    CHECK(a->status == 200);
}

TEST_CASE("transport: SIGTERM lets an in-flight batch commit and be answered, then exits 0",
          "[server][transport][binary]") {
    ServerProcess server({"--shutdown-grace-s", "5"});
    server.start();
    const std::string token = enroll(server);
    RawConnection idle(server.port());
    REQUIRE(idle.send(healthz()));
    auto ok = idle.read_answer();
    REQUIRE(ok);
    REQUIRE(ok->status == 200);

    // The batch's header goes first; its body only after the signal.
    const std::string request = batch_request(token, batch_text(50));
    const std::size_t head = request.find("\r\n\r\n") + 4;
    RawConnection in_flight(server.port());
    REQUIRE(in_flight.send(request.substr(0, head)));
    std::this_thread::sleep_for(200ms);
    const auto t0 = Clock::now();
    server.signal(SIGTERM);
    std::this_thread::sleep_for(300ms);

    CHECK(idle.wait_closed(2000ms));              // idle keep-alive: closed
    CHECK_FALSE(RawConnection(server.port()).connected()); // no longer accepting
    REQUIRE(in_flight.send(request.substr(head)));
    auto a = in_flight.read_answer(5000ms);
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(json::parse(a->body)["accepted"] == 50);
    CHECK(server.wait_exit() == 0);
    const auto exit_ms = ms_since(t0);
    INFO(server.stderr_text());
    CHECK(exit_ms < 3000); // once the batch is answered, not at the end of the grace
    CHECK(server.stdout_text().find("touchpoint-server stopped") != std::string::npos);
    CHECK(server.response_count() == 50);
}

TEST_CASE("transport: an export read slowly keeps the server's memory flat",
          "[server][transport][binary]") {
    ServerProcess server;
    server.start();
    const std::string token = enroll(server);
    constexpr int k_rows = 200000; // about 30 MB of CSV
    seed_responses(server, token, k_rows);
    const std::string key = head_office_key(server);

    RawConnection c(server.port(), "", 16384);
    REQUIRE(c.connected());
    const std::int64_t before = resident_bytes(server.pid());
    REQUIRE(c.send(export_request(key)));
    std::int64_t peak = before;
    // About 1.6 MB/s for three seconds, far below what the server makes;
    // then the rest at full speed.
    const auto t0 = Clock::now();
    while (ms_since(t0) < 3000 && !c.closed()) {
        c.read_some(100ms, 16384);
        peak = std::max(peak, resident_bytes(server.pid()));
        std::this_thread::sleep_for(10ms);
    }
    const std::size_t slow_bytes = c.buffered().size();
    auto a = c.read_answer(30000ms);
    peak = std::max(peak, resident_bytes(server.pid()));
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(a->complete);
    INFO(slow_bytes / 1024 << " KiB read slowly of " << a->body.size() / 1024
                           << " KiB; resident " << before / 1024 << " KiB, peak " << peak / 1024
                           << " KiB");
    CHECK(std::count(a->body.begin(), a->body.end(), '\n') == k_rows + 1);
    CHECK(a->body.size() > 20 * static_cast<std::size_t>(k_mib));
    CHECK(slow_bytes < a->body.size() / 2);
    // A server that buffered the export would hold all of it (45 MB); one
    // that streams holds a page per worker and SQLite's page cache.
    CHECK(peak - before < static_cast<std::int64_t>(a->body.size() / 3));
}

// --- TLS: a new certificate on SIGHUP ---

namespace {

// A TLS client on a RawConnection's socket (made blocking, with a receive
// timeout): no verification, the test compares certificates itself.
class TlsClient {
  public:
    explicit TlsClient(int port) : m_tcp(port) {
        m_ctx = SSL_CTX_new(TLS_client_method());
        if (!m_tcp.connected() || !m_ctx) return;
        const int fd = m_tcp.fd();
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        m_ssl = SSL_new(m_ctx);
        SSL_set_fd(m_ssl, fd);
        SSL_set_tlsext_host_name(m_ssl, "localhost");
        m_ok = SSL_connect(m_ssl) == 1;
    }
    ~TlsClient() {
        if (m_ssl) SSL_free(m_ssl);
        if (m_ctx) SSL_CTX_free(m_ctx);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool connected() const { return m_ok; }
    // SHA-256 of the certificate the server showed.
    std::string peer_fingerprint() const {
        X509* cert = m_ok ? SSL_get1_peer_certificate(m_ssl) : nullptr;
        if (!cert) return "";
        std::string f = fingerprint(cert);
        X509_free(cert);
        return f;
    }
    std::optional<RawAnswer> ask(const std::string& request) {
        if (!m_ok || SSL_write(m_ssl, request.data(), static_cast<int>(request.size())) <= 0)
            return std::nullopt;
        for (;;) {
            if (auto a = take_answer(m_in, false)) return a;
            char buf[16384];
            const int n = SSL_read(m_ssl, buf, sizeof buf);
            if (n <= 0) return take_answer(m_in, true);
            m_in.append(buf, static_cast<std::size_t>(n));
        }
    }

    static std::string fingerprint(X509* cert) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        X509_digest(cert, EVP_sha256(), md, &len);
        std::string hex;
        char b[3];
        for (unsigned i = 0; i < len; ++i) {
            std::snprintf(b, sizeof b, "%02x", md[i]);
            hex += b;
        }
        return hex;
    }
    static std::string file_fingerprint(const std::string& pem) {
        std::FILE* f = std::fopen(pem.c_str(), "r");
        if (!f) return "";
        X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
        std::fclose(f);
        if (!cert) return "";
        std::string fp = fingerprint(cert);
        X509_free(cert);
        return fp;
    }

  private:
    RawConnection m_tcp;
    SSL_CTX* m_ctx = nullptr;
    SSL* m_ssl = nullptr;
    bool m_ok = false;
    std::string m_in;
};

// Replaces `to` with `from` in one rename (the server never reads half a file).
void replace_file(const std::string& from, const std::string& to) {
    std::filesystem::copy_file(from, to + ".new",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(to + ".new", to);
}

bool wait_for_text(const ServerProcess& server, const std::string& text, std::size_t count) {
    for (int i = 0; i < 200; ++i) {
        const std::string err = server.stderr_text();
        std::size_t seen = 0;
        for (auto at = err.find(text); at != std::string::npos; at = err.find(text, at + 1))
            ++seen;
        if (seen >= count) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

} // namespace

TEST_CASE("transport: SIGHUP loads a new certificate for new connections; open ones stay",
          "[server][transport][binary][tls]") {
    REQUIRE(have_openssl()); // scripts/dev.sh installs it
    tptest::TempDir certs;
    const std::string dir = certs.path, next = certs.path + "/next";
    std::filesystem::create_directory(next);
    REQUIRE(make_ca(dir, "first"));
    REQUIRE(make_server_cert(dir, "first"));
    REQUIRE(make_ca(next, "second"));
    REQUIRE(make_server_cert(next, "second"));
    const std::string old_fp = TlsClient::file_fingerprint(dir + "/server.pem");
    const std::string new_fp = TlsClient::file_fingerprint(next + "/server.pem");
    REQUIRE(!old_fp.empty());
    REQUIRE(old_fp != new_fp);

    ServerProcess server;
    server.set_tls(dir + "/server.pem", dir + "/server.key");
    server.start();

    TlsClient open(server.port());
    REQUIRE(open.connected());
    CHECK(open.peer_fingerprint() == old_fp);
    auto a = open.ask(healthz());
    REQUIRE(a);
    CHECK(a->status == 200);

    replace_file(next + "/server.pem", dir + "/server.pem");
    replace_file(next + "/server.key", dir + "/server.key");
    server.signal(SIGHUP);
    REQUIRE(wait_for_text(server, "reloaded the TLS certificate", 1));

    TlsClient fresh(server.port());
    REQUIRE(fresh.connected());
    CHECK(fresh.peer_fingerprint() == new_fp);
    auto b = fresh.ask(healthz());
    REQUIRE(b);
    CHECK(b->status == 200);

    // The connection made before the reload is still open and answers.
    auto c = open.ask(healthz());
    REQUIRE(c);
    CHECK(c->status == 200);
    CHECK(open.peer_fingerprint() == old_fp);

    // A certificate that does not load is refused, the current one kept.
    std::ofstream(dir + "/server.pem") << "not a certificate\n";
    const std::string before = server.stderr_text();
    server.signal(SIGHUP);
    for (int i = 0; i < 200 && server.stderr_text() == before; ++i)
        std::this_thread::sleep_for(10ms);
    INFO(server.stderr_text());
    CHECK(server.stderr_text() != before);
    TlsClient after(server.port());
    REQUIRE(after.connected());
    CHECK(after.peer_fingerprint() == new_fp);
    CHECK(server.running());
}
