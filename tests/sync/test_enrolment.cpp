// Enrolment outcomes as the manager reads them on "Connect to head office",
// against a real touchpoint-server on loopback (and the network failures a
// kiosk meets: nothing listening, a server that never answers, a certificate
// from an unknown authority, an address that is not a server's). Then the
// running kiosk's link: enrolment off the calling thread, and the sync thread
// started with the new token pulling the server's survey.
#include "server_process.h"

#include "sync/enroll.h"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tptest;
using namespace std::chrono;
using Catch::Matchers::Contains;
using P = EnrolmentProblem;

namespace {

// A loopback TCP socket; listening (connections wait in the backlog and
// are never answered) or only bound (nothing listens: refused).
struct Socket {
    int fd = -1;
    int port = 0;
    explicit Socket(bool listening) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t n = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0);
        port = ntohs(a.sin_port);
        if (listening) REQUIRE(::listen(fd, 8) == 0);
    }
    ~Socket() { ::close(fd); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

EnrolmentOutcome attempt(const std::string& url, const std::string& code, HttpOptions http = {}) {
    // Roomy: TLS handshakes on a busy machine take their time.
    if (http.total_timeout == HttpOptions{}.total_timeout) http.total_timeout = milliseconds{10000};
    return request_enrolment(http, {url, code, "test kiosk"});
}

void sh(const std::string& cmd) {
    if (std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()) != 0) FAIL("command failed: " << cmd);
}

} // namespace

TEST_CASE("enrolment answers from a real server: wrong, expired, used, and the right code",
          "[enrolment]") {
    ServerProcess server;
    server.start();

    SECTION("a code the server does not know") {
        const EnrolmentOutcome o = attempt(server.url(), "NOT-A-CODE");
        CHECK(o.problem == P::wrong_code);
        CHECK(o.message == "The code was not accepted. Check it and type it again, or ask head "
                           "office for a new one.");
        CHECK(o.enrolled.token.empty());
    }
    SECTION("a code whose time ran out") {
        const std::string out = server.admin(
            {"create-enrollment-code", "--touch-point", "akl-checkout-1", "--ttl-hours", "0.0003"});
        const std::string code = out.substr(out.find_last_of(" \n\t") + 1);
        std::this_thread::sleep_for(milliseconds{1300}); // 1.08 s
        const EnrolmentOutcome o = attempt(server.url(), code);
        CHECK(o.problem == P::expired_code);
        CHECK(o.message == "This code has expired. Ask head office for a new one.");
    }
    SECTION("the right code, then the same code again") {
        const std::string code = server.create_code();
        const EnrolmentOutcome o = attempt(server.url(), code);
        INFO(o.message);
        REQUIRE(o.problem == P::none);
        CHECK(o.enrolled.token.size() == 43);
        CHECK(o.enrolled.server_url == server.url());
        CHECK(o.enrolled.store_id == "akl");
        CHECK_FALSE(o.enrolled.store_name.empty());
        CHECK(o.enrolled.touch_point_key == "akl-checkout-1");
        CHECK_FALSE(o.enrolled.touch_point_name.empty());
        CHECK(o.enrolled.device_name == "test kiosk");
        CHECK(server.admin({"list-devices"}).find(o.enrolled.device_id) != std::string::npos);

        const EnrolmentOutcome again = attempt(server.url(), code);
        CHECK(again.problem == P::used_code);
        CHECK_THAT(again.message, Contains("already been used"));
    }
    SECTION("a server URL with a path no Touchpoint server serves") {
        const EnrolmentOutcome o = attempt(server.url() + "/not-here", server.create_code());
        CHECK(o.problem == P::bad_address);
        CHECK_THAT(o.message, Contains("Check the address") && Contains("404"));
    }
    SECTION("https:// to a plain http server") {
        const EnrolmentOutcome o =
            attempt("https://127.0.0.1:" + std::to_string(server.port()), server.create_code());
        CHECK(o.problem == P::bad_address);
        CHECK_THAT(o.message, Contains("no secure (https://) server"));
    }
}

TEST_CASE("enrolment network failures: unreachable, timeout, certificate, malformed address",
          "[enrolment]") {
    SECTION("nothing listens on the port") {
        Socket bound(false);
        const EnrolmentOutcome o = attempt(bound.url(), "ABCD");
        CHECK(o.problem == P::unreachable);
        CHECK_THAT(o.message, Contains("cannot be reached") && Contains("connection refused"));
    }
    SECTION("a server that never answers") {
        Socket silent(true);
        const auto t0 = steady_clock::now();
        HttpOptions quick;
        quick.total_timeout = milliseconds{1500};
        const EnrolmentOutcome o = attempt(silent.url(), "ABCD", quick);
        CHECK(o.problem == P::unreachable);
        CHECK_THAT(o.message, Contains("did not answer in time"));
        CHECK(steady_clock::now() - t0 < seconds{5});
    }
    SECTION("a name that does not resolve") {
        const EnrolmentOutcome o = attempt("https://touchpoint-hq.invalid", "ABCD");
        CHECK(o.problem == P::unreachable);
    }
    SECTION("addresses that are not a server's") {
        for (const char* url : {"not an address", "ftp://hq.example.com", "https://"}) {
            INFO(url);
            const EnrolmentOutcome o = attempt(url, "ABCD");
            CHECK(o.problem == P::bad_address);
            CHECK_THAT(o.message, Contains("Check the address"));
        }
        const EnrolmentOutcome plain = attempt("http://hq.example.com", "ABCD");
        CHECK(plain.problem == P::bad_address);
        CHECK_THAT(plain.message, Contains("https://"));
    }
    SECTION("a certificate from an authority the kiosk does not trust") {
        TempDir pki;
        const std::string d = pki.path;
        sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=TestCA "
                       "-keyout ca.key -out ca.pem");
        sh("cd " + d + " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
                       "-keyout server.key -out server.csr");
        sh("cd " + d + " && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && openssl x509 "
                       "-req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                       "-extfile ext.cnf -out server.pem");
        ServerProcess server;
        server.set_tls(d + "/server.pem", d + "/server.key");
        server.start();
        const std::string code = server.create_code();
        const EnrolmentOutcome o = attempt(server.url(), code); // the system's CAs
        CHECK(o.problem == P::certificate);
        CHECK_THAT(o.message, Contains("certificate is not trusted"));
        // With its authority the same code still works: a refusal used nothing up.
        HttpOptions trusted;
        trusted.ca_file = d + "/ca.pem";
        const EnrolmentOutcome ok = attempt(server.url(), code, trusted);
        INFO(ok.message);
        CHECK(ok.problem == P::none);
    }
}

TEST_CASE("answers the server gives under load or trouble", "[enrolment]") {
    HttpResponse r;
    r.status = 429;
    r.retry_after_s = 7;
    r.body = R"({"error": {"code": "rate_limited", "message": "slow down"}})";
    EnrolmentOutcome o = classify_enrolment_failure(r);
    CHECK(o.problem == P::too_many);
    CHECK(o.message == "Too many attempts. Wait 7 seconds, then try again.");
    r.status = 503;
    r.body = R"({"error": {"code": "storage_full", "message": "the disk is full"}})";
    o = classify_enrolment_failure(r);
    CHECK(o.problem == P::server_error);
    CHECK_THAT(o.message, Contains("503") && Contains("the disk is full"));
    r.status = 403;
    r.body = "";
    CHECK(classify_enrolment_failure(r).problem == P::wrong_code);
}

TEST_CASE("the kiosk's link enrols off the calling thread, then syncs with the new token and "
          "pulls the server's survey",
          "[enrolment][link]") {
    ServerProcess server;
    server.start();
    TempDir kiosk;
    SyncSettings s;
    s.data_dir = kiosk.path;
    s.http.connect_timeout = milliseconds{2000};
    s.http.total_timeout = milliseconds{3000};
    HeadOfficeLink link(s, kiosk.path + "/responses.db");
    CHECK(link.status().state == SyncPhase::not_configured);

    // A server that never answers: begin returns at once, a second attempt
    // is refused while the first runs, and the outcome arrives later.
    Socket silent(true);
    const auto t0 = steady_clock::now();
    REQUIRE(link.begin_enrolment({silent.url(), "ABCD", "kiosk"}));
    CHECK(steady_clock::now() - t0 < milliseconds{100});
    CHECK_FALSE(link.begin_enrolment({server.url(), "ABCD", "kiosk"}));
    CHECK_FALSE(link.take_enrolment_outcome());
    std::optional<EnrolmentOutcome> o;
    for (int i = 0; i < 100 && !o; ++i) {
        std::this_thread::sleep_for(milliseconds{100});
        o = link.take_enrolment_outcome();
    }
    REQUIRE(o);
    CHECK(o->problem == P::unreachable);
    CHECK_FALSE(link.take_enrolment_outcome()); // once

    REQUIRE(link.begin_enrolment({server.url(), server.create_code(), "kiosk"}));
    o.reset();
    for (int i = 0; i < 100 && !o; ++i) {
        std::this_thread::sleep_for(milliseconds{50});
        o = link.take_enrolment_outcome();
    }
    REQUIRE(o);
    INFO(o->message);
    REQUIRE(o->problem == P::none);
    CHECK_FALSE(link.syncing());

    REQUIRE(link.start_syncing(o->enrolled.server_url, o->enrolled.token).ok());
    CHECK(link.syncing());
    std::optional<RemoteConfig> cfg;
    for (int i = 0; i < 100 && !cfg; ++i) {
        std::this_thread::sleep_for(milliseconds{50});
        cfg = link.take_new_config();
    }
    REQUIRE(cfg);
    CHECK(cfg->touch_point.key == "akl-checkout-1");
    REQUIRE(cfg->survey);
    CHECK(cfg->survey->id == "checkout");
    CHECK(link.status().state != SyncPhase::not_configured);
    CHECK(link.request_sync());
}
