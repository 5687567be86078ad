// Sync over TLS with a CA and a certificate the test makes itself: the right
// CA works, a wrong CA or a wrong public-key pin fails.
#include "server_process.h"
#include "sync_support.h"

#include "app/local_database.h"
#include "sync/enroll.h"
#include "sync/sync_client.h"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tpsync;
using namespace tptest;
using Catch::Matchers::Contains;

namespace {

void sh(const std::string& cmd) {
    int rc = std::system(("(" + cmd + ") >/dev/null 2>&1").c_str());
    if (rc != 0) FAIL("command failed: " << cmd);
}

// A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
struct Pki {
    TempDir dir;
    std::string ca, other_ca, cert, key, pin, wrong_pin;
    Pki() {
        const std::string d = dir.path;
        ca = d + "/ca.pem";
        other_ca = d + "/other-ca.pem";
        cert = d + "/server.pem";
        key = d + "/server.key";
        sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=TestCA "
                       "-keyout ca.key -out ca.pem");
        sh("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=OtherCA "
                       "-keyout other-ca.key -out other-ca.pem");
        sh("cd " + d + " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key "
                       "-out server.csr");
        sh("cd " + d + " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf && "
                       "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                       "-extfile ext.cnf -out server.pem");
        pin = "sha256//" + spki_hash(cert);
        wrong_pin = "sha256//" + spki_hash(other_ca);
    }
    std::string spki_hash(const std::string& pem) {
        std::string out;
        run_command({"/bin/sh", "-c",
                     "openssl x509 -in " + pem +
                         " -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | "
                         "openssl base64 -A"},
                    &out);
        return out;
    }
};

} // namespace

TEST_CASE("TLS: the right CA syncs, a wrong CA or a wrong pin is refused") {
    Pki pki;
    ServerProcess server;
    server.set_tls(pki.cert, pki.key);
    server.start();
    REQUIRE(server.url().rfind("https://", 0) == 0);

    TempDir kiosk_dir;
    auto database = LocalDatabase::open(kiosk_dir.path + "/responses.db");
    REQUIRE(database.ok());
    auto ids = fill(**database, 20, "kiosk-tls");

    HttpOptions http;
    http.base_url = server.url();
    http.ca_file = pki.ca;

    SECTION("trusted CA, and the right pin") {
        http.pinned_key = pki.pin;
        auto e = sync::enroll(http, server.create_code(), "tls kiosk", kiosk_dir.path);
        INFO((e.ok() ? std::string() : e.error()));
        REQUIRE(e.ok());
        SyncSettings s;
        s.http = http;
        s.token = e->token;
        s.data_dir = kiosk_dir.path;
        auto client = HttpClient::create(http);
        SyncClient sync_client(s, **database, **client);
        REQUIRE(drain(sync_client, **database, 30));
        CHECK(server_ids(server.db_path()) == ids);
    }
    SECTION("a CA that did not sign the server's certificate") {
        http.ca_file = pki.other_ca;
        auto e = sync::enroll(http, server.create_code(), "tls kiosk", kiosk_dir.path);
        REQUIRE_FALSE(e.ok());
        CHECK_THAT(e.error(), Contains("not trusted") || Contains("secure connection"));
        CHECK(server.response_count() == 0);
    }
    SECTION("the system's CAs (the test CA is not among them)") {
        http.ca_file.clear();
        auto e = sync::enroll(http, server.create_code(), "tls kiosk", kiosk_dir.path);
        REQUIRE_FALSE(e.ok());
    }
    SECTION("a pin that does not match the server's key") {
        http.pinned_key = pki.wrong_pin;
        auto e = sync::enroll(http, server.create_code(), "tls kiosk", kiosk_dir.path);
        REQUIRE_FALSE(e.ok());
        CHECK_THAT(e.error(), Contains("pinned key"));
    }
}
