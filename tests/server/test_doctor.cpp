// touchpoint-server doctor: each check's line, passing and failing, through
// the command line (in-process) against real files, sockets and servers.
#include "certificates.h"
#include "server_fixture.h"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace tpt;
namespace fs = std::filesystem;

namespace {

// The line of one check ("OK   database: ..."), or "" when there is none.
std::string line_of(const CliRun& r, const std::string& check) {
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line))
        if (line.find(" " + check + ": ") == 4) return line;
    return "";
}

bool ok(const CliRun& r, const std::string& check) {
    return line_of(r, check).rfind("OK   ", 0) == 0;
}

bool failed(const CliRun& r, const std::string& check, const std::string& says) {
    const std::string line = line_of(r, check);
    return line.rfind("FAIL ", 0) == 0 && line.find(says) != std::string::npos;
}

// A database the server made (migrated to its schema), in `dir`.
std::string made_db(const TempDir& dir) {
    const std::string db = "sqlite:" + (dir.path() / "server.db").string();
    CliRun r = run_cli({"admin", "--db", db, "create-store", "--id", "akl", "--name", "A",
                        "--time-zone", "Pacific/Auckland"});
    REQUIRE(r.code == 0);
    return db;
}

void sql(const std::string& path, const std::string& statement) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

// A self-signed certificate that expired yesterday, and its key.
void make_expired_cert(const std::string& cert, const std::string& key) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("prime256v1"),
                                                            &EVP_PKEY_free);
    REQUIRE(pkey);
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), &X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3 * 24 * 3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), -1 * 24 * 3600);
    X509_set_pubkey(x.get(), pkey.get());
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    REQUIRE(X509_sign(x.get(), pkey.get(), EVP_sha256()) > 0);
    std::FILE* f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x.get());
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
}

// A loopback port some other program listens on (accepting nothing).
struct ForeignListener {
    int fd = -1;
    int port = 0;
    ForeignListener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd, 8) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~ForeignListener() { ::close(fd); }
};

} // namespace

TEST_CASE("doctor: a sound installation passes every check", "[server][doctor]") {
    REQUIRE(have_openssl());
    TempDir dir;
    const std::string db = made_db(dir);
    const std::string d = dir.path().string();
    REQUIRE(make_ca(d, "doc"));
    REQUIRE(make_server_cert(d, "doc"));
    std::ofstream(dir.path() / "server.toml")
        << "db = \"" << db << "\"\nlisten = \"127.0.0.1:0\"\ntls_cert = \"" << d
        << "/server.pem\"\ntls_key = \"" << d << "/server.key\"\nmax_connections = 1000\n";
    CliRun r = run_cli({"doctor", "--config", d + "/server.toml"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(ok(r, "config"));
    CHECK(line_of(r, "config").find("server.toml parses") != std::string::npos);
    CHECK(ok(r, "database"));
    CHECK(line_of(r, "database").find("intact (quick_check ok), schema version") !=
          std::string::npos);
    CHECK(ok(r, "tls"));
    CHECK(line_of(r, "tls").find("the key matches the certificate, valid until") !=
          std::string::npos);
    CHECK(ok(r, "listen"));
    CHECK(ok(r, "open files"));
    CHECK(r.out.find("all 5 checks passed") != std::string::npos);
}

TEST_CASE("doctor: each failing check says what is wrong and what to do",
          "[server][doctor]") {
    TempDir dir;
    const std::string d = dir.path().string();

    SECTION("a bad configuration key") {
        std::ofstream(dir.path() / "server.toml") << "max_body = 1\n";
        CliRun r = run_cli({"doctor", "--config", d + "/server.toml"});
        CHECK(r.code == 1);
        CHECK(failed(r, "config", "max_body: unknown key"));
        CHECK(failed(r, "config", "fix it in"));
        CHECK(r.out.find("1 of 5 checks failed") != std::string::npos);
    }
    SECTION("a damaged database") {
        const std::string db = made_db(dir);
        const std::string path = db.substr(7);
        sql(path, "PRAGMA journal_mode=DELETE");
        // Overwrite pages past the header with garbage.
        {
            std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(4096 + 100);
            const std::string junk(8192, '\x5a');
            f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        }
        CliRun r = run_cli({"doctor", "--db", db, "--listen", "127.0.0.1:0"});
        INFO(r.out);
        CHECK(r.code == 1);
        CHECK((failed(r, "database", "is damaged") || failed(r, "database", "cannot read it")));
        CHECK(failed(r, "database", "restore a backup"));
    }
    SECTION("a schema newer than this binary") {
        const std::string db = made_db(dir);
        sql(db.substr(7), "PRAGMA user_version=999");
        CliRun r = run_cli({"doctor", "--db", db, "--listen", "127.0.0.1:0"});
        CHECK(r.code == 1);
        CHECK(failed(r, "database", "has schema version 999, newer than this touchpoint-server"));
    }
    SECTION("a database directory the server cannot write") {
        CliRun r = run_cli({"doctor", "--db", "sqlite:/nonexistent-dir/server.db", "--listen",
                            "127.0.0.1:0"});
        CHECK(r.code == 1);
        CHECK(failed(r, "database", "/nonexistent-dir is not writable - create the directory"));
    }
    SECTION("an unreachable PostgreSQL") {
        CliRun r = run_cli({"doctor", "--db", "postgresql://tp:secret@127.0.0.1:1/tp",
                            "--listen", "127.0.0.1:0"});
        CHECK(r.code == 1);
        CHECK(failed(r, "database", "cannot connect to PostgreSQL at postgresql://tp:***@"));
        CHECK(r.out.find("secret") == std::string::npos);
    }
    SECTION("a key that is not the certificate's") {
        REQUIRE(have_openssl());
        fs::create_directories(dir.path() / "a");
        fs::create_directories(dir.path() / "b");
        REQUIRE(make_ca(d + "/a", "a"));
        REQUIRE(make_server_cert(d + "/a", "a"));
        REQUIRE(make_ca(d + "/b", "b"));
        REQUIRE(make_server_cert(d + "/b", "b"));
        CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen", "127.0.0.1:0",
                            "--tls-cert", d + "/a/server.pem", "--tls-key", d + "/b/server.key"});
        CHECK(r.code == 1);
        CHECK(failed(r, "tls", "is not the key of the certificate"));
    }
    SECTION("an expired certificate") {
        make_expired_cert(d + "/old.pem", d + "/old.key");
        CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen", "127.0.0.1:0",
                            "--tls-cert", d + "/old.pem", "--tls-key", d + "/old.key"});
        CHECK(r.code == 1);
        CHECK(failed(r, "tls", "expired on"));
        CHECK(failed(r, "tls", "renew it"));
    }
    SECTION("an unreadable key") {
        make_expired_cert(d + "/c.pem", d + "/k.pem");
        std::ofstream(d + "/k.pem") << "not a key\n";
        CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen", "127.0.0.1:0",
                            "--tls-cert", d + "/c.pem", "--tls-key", d + "/k.pem"});
        CHECK(r.code == 1);
        CHECK(failed(r, "tls", "holds no PEM private key"));
    }
    SECTION("an address another program holds") {
        ForeignListener other;
        CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen",
                            "127.0.0.1:" + std::to_string(other.port)});
        CHECK(r.code == 1);
        CHECK(failed(r, "listen", "is in use by another program - stop it, or choose another"));
    }
    SECTION("an address that is not this machine's") {
        CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen", "192.0.2.1:8443"});
        CHECK(r.code == 1);
        CHECK(failed(r, "listen", "is not an address of this machine"));
    }
    SECTION("an open-file limit below the connection cap") {
        rlimit lim{};
        REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
        if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < 999000) {
            CliRun r = run_cli({"doctor", "--db", made_db(dir), "--listen", "127.0.0.1:0",
                                "--max-connections", "999000"});
            CHECK(r.code == 1);
            CHECK(failed(r, "open files", "is below max_connections 999000 plus 64 - raise "
                                          "LimitNOFILE"));
        }
    }
}

TEST_CASE("doctor: an address held by a running touchpoint-server passes",
          "[server][doctor]") {
    TestServer server;
    CliRun r = run_cli({"doctor", "--db", server.db_url(), "--listen",
                        "127.0.0.1:" + std::to_string(server.port())});
    INFO(r.out);
    CHECK(ok(r, "listen"));
    CHECK(line_of(r, "listen").find("held by a running touchpoint-server answering /healthz") !=
          std::string::npos);
}
