// HTTPS: a server certificate signed by a test CA made with the openssl
// command line; a client trusting that CA connects, one trusting another
// CA is refused.
#include "certificates.h"
#include "server_fixture.h"
#include "server_process.h"

#include <catch2/catch.hpp>

using namespace tpt;
using nlohmann::json;

namespace {

// A server certificate signed by the CA "good", in `dir`; the setup serving it.
ServerSetup tls_setup(const std::string& dir) {
    REQUIRE(make_ca(dir, "good"));
    REQUIRE(make_server_cert(dir, "good"));
    ServerSetup setup;
    setup.tls_cert = dir + "/server.pem";
    setup.tls_key = dir + "/server.key";
    return setup;
}

} // namespace

TEST_CASE("TLS: HTTPS with a certificate the client trusts; another CA is refused",
          "[server][tls]") {
    REQUIRE(have_openssl()); // scripts/dev.sh installs it
    TempDir certs;
    const std::string dir = certs.path().string();
    REQUIRE(make_ca(dir, "other"));
    TestServer srv(tls_setup(dir));

    SECTION("a client trusting the CA enrols and sends a batch") {
        httplib::SSLClient c("127.0.0.1", srv.port());
        c.set_ca_cert_path((dir + "/good-ca.pem").c_str());
        c.enable_server_certificate_verification(true);
        c.set_connection_timeout(5);
        auto health = c.Get("/healthz");
        REQUIRE(health);
        CHECK(health->status == 200);

        auto e = c.Post("/api/v1/enroll",
                        json{{"code", srv.create_code(k_tp_a)}, {"device_name", "Till"}}.dump(),
                        "application/json");
        REQUIRE(e);
        REQUIRE(e->status == 201);
        const std::string token = json::parse(e->body)["token"];
        httplib::Headers h{{"Authorization", "Bearer " + token}};
        auto b = c.Post("/api/v1/batches", h, batch_of({response_json(new_id())}).dump(),
                        "application/json");
        REQUIRE(b);
        CHECK(b->status == 200);
        CHECK(json::parse(b->body)["accepted"] == 1);
    }
    SECTION("a client trusting another CA does not connect") {
        httplib::SSLClient c("127.0.0.1", srv.port());
        c.set_ca_cert_path((dir + "/other-ca.pem").c_str());
        c.enable_server_certificate_verification(true);
        c.set_connection_timeout(5);
        auto r = c.Get("/healthz");
        CHECK_FALSE(r);
        CHECK(r.error() == httplib::Error::SSLServerVerification);
    }
    SECTION("plain HTTP to the TLS port gets no answer") {
        httplib::Client c("127.0.0.1", srv.port());
        c.set_connection_timeout(2);
        c.set_read_timeout(2);
        auto r = c.Get("/healthz");
        CHECK_FALSE(r);
    }
}

TEST_CASE("TLS: a missing or mismatched certificate is a clear start error", "[server][tls]") {
    REQUIRE(have_openssl());
    TempDir certs;
    const std::string dir = certs.path().string();
    REQUIRE(make_ca(dir, "good"));
    REQUIRE(make_ca(dir, "other"));
    REQUIRE(make_server_cert(dir, "good"));
    auto storage = touchpoint::server::open_storage("sqlite:" + dir + "/s.db");
    REQUIRE(storage);
    touchpoint::server::Api api(**storage, {});
    touchpoint::server::HttpServerOptions o;
    o.port = 0;
    o.tls_cert = dir + "/server.pem";
    o.tls_key = dir + "/other-ca.key"; // not the certificate's key
    touchpoint::server::HttpServer mismatched(api, o);
    auto st = mismatched.bind();
    CHECK_FALSE(st);
    CHECK(st.error().find("TLS") != std::string::npos);

    o.tls_key = "";
    touchpoint::server::HttpServer half(api, o);
    CHECK_FALSE(half.bind());
}

// curl sends its request in the same flight as the handshake's last message:
// the request then sits, still encrypted, in the TLS stream's buffer, and the
// socket never becomes readable again. Every such connection is answered.
TEST_CASE("TLS: a request that arrives with the handshake is answered", "[server][tls]") {
    REQUIRE(have_openssl());
    REQUIRE(tptest::run_command({"/usr/bin/curl", "--version"}) == 0); // scripts/dev.sh installs it
    TempDir certs;
    const std::string dir = certs.path().string();
    TestServer srv(tls_setup(dir));

    const std::string url = "https://127.0.0.1:" + std::to_string(srv.port()) + "/healthz";
    int answered = 0;
    for (int i = 0; i < 40; ++i) {
        std::string out;
        if (tptest::run_command({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                 "--max-time", "3", "--cacert", dir + "/good-ca.pem", url},
                                &out) == 0 &&
            out == "200")
            ++answered;
    }
    CHECK(answered == 40);
}
