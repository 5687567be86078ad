// The server's configuration file: every serving option has a key, flags
// override the file, a bad file is refused naming the key, and the shipped
// packaging/server.toml lists every option and loads.
#include "server_fixture.h"

#include "server/cli.h"

#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tpt;
namespace fs = std::filesystem;

namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
    const fs::path p = dir.path() / name;
    std::ofstream(p) << text;
    return p.string();
}

std::string shipped_config() {
    return (fs::path(TOUCHPOINT_ASSETS_DIR).parent_path() / "packaging" / "server.toml").string();
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

} // namespace

TEST_CASE("config: admin uses the file's db unless --db is given", "[server][config]") {
    TempDir dir;
    const std::string a = (dir.path() / "a.db").string(), b = (dir.path() / "b.db").string();
    const std::string config = write(dir, "server.toml", "db = \"sqlite:" + a + "\"\n");

    CliRun from_file = run_cli({"admin", "--config", config, "create-store", "--id", "s1",
                                "--name", "One", "--time-zone", "Pacific/Auckland"});
    INFO(from_file.err);
    REQUIRE(from_file.code == 0);
    CHECK(fs::exists(a));
    CHECK_FALSE(fs::exists(b));
    // --config before "admin" works the same.
    CliRun listed = run_cli({"--config", config, "admin", "list-devices"});
    CHECK(listed.code == 0);

    CliRun flag = run_cli({"--config", config, "admin", "--db", "sqlite:" + b, "create-store",
                           "--id", "s2", "--name", "Two", "--time-zone", "Pacific/Auckland"});
    REQUIRE(flag.code == 0);
    CHECK(fs::exists(b));
    // s2 went to b, not a: a has only s1.
    CliRun dup = run_cli({"admin", "--config", config, "create-store", "--id", "s2", "--name",
                          "Two", "--time-zone", "Pacific/Auckland"});
    CHECK(dup.code == 0);
    CliRun dup_b = run_cli({"admin", "--db", "sqlite:" + b, "create-store", "--id", "s2",
                            "--name", "Two", "--time-zone", "Pacific/Auckland"});
    CHECK(dup_b.code != 0);
}

TEST_CASE("config: flags override the file's keys, the file overrides the defaults",
          "[server][config]") {
    TempDir dir;
    const std::string db = "sqlite:" + (dir.path() / "s.db").string();
    // The file's listen is used when no flag gives one...
    const std::string bad_listen =
        write(dir, "listen.toml", "db = \"" + db + "\"\nlisten = \"no-port-here\"\n");
    CliRun file = run_cli({"--config", bad_listen});
    CHECK(file.code != 0);
    CHECK(file.err.find("\"no-port-here\" is not HOST:PORT") != std::string::npos);
    // ...and the flag's when one does.
    CliRun flag = run_cli({"--config", bad_listen, "--listen", "also-no-port"});
    CHECK(flag.code != 0);
    CHECK(flag.err.find("\"also-no-port\" is not HOST:PORT") != std::string::npos);
    CHECK(flag.err.find("no-port-here") == std::string::npos);

    // A flag overrides a key even where the key's value would be refused.
    const std::string small =
        write(dir, "small.toml", "db = \"" + db + "\"\nmax_body_bytes = 10\nlisten = \"x\"\n");
    CliRun overridden = run_cli({"--config", small, "--max-body-bytes", "4096", "--listen", "y"});
    CHECK(overridden.err.find("max_body_bytes") == std::string::npos);
    CHECK(overridden.err.find("\"y\" is not HOST:PORT") != std::string::npos);

    // Lists and flags: trusted_proxy = [...], access_log = true are taken.
    const std::string lists = write(dir, "lists.toml",
                                    "db = \"" + db +
                                        "\"\ntrusted_proxy = [\"10.0.0.1\", \"10.0.0.2\"]\n"
                                        "access_log = true\nrate = 5\nlisten = \"z\"\n");
    CliRun taken = run_cli({"--config", lists});
    CHECK(taken.err.find("\"z\" is not HOST:PORT") != std::string::npos);
    CHECK(taken.err.find("trusted_proxy") == std::string::npos);
}

TEST_CASE("config: a bad file is refused naming the key and the reason, and starts nothing",
          "[server][config]") {
    TempDir dir;
    const std::string db_path = (dir.path() / "never.db").string();
    const std::string db = "db = \"sqlite:" + db_path + "\"\nlisten = \"127.0.0.1:0\"\n";
    struct Case {
        const char* what;
        std::string text;
        std::string expected;
    };
    const Case cases[] = {
        {"unknown key", db + "max_body = 4096\n", "bad.toml: max_body: unknown key"},
        {"wrong type, string for a number", db + "max_body_bytes = \"big\"\n",
         "bad.toml: max_body_bytes: wrong type, must be an integer"},
        {"wrong type, float for an integer", db + "workers = 1.5\n",
         "bad.toml: workers: wrong type, must be an integer"},
        {"wrong type, string for a flag", db + "access_log = \"yes\"\n",
         "bad.toml: access_log: wrong type, must be true or false"},
        {"wrong type, a string for a list", db + "trusted_proxy = \"10.0.0.1\"\n",
         "bad.toml: trusted_proxy: wrong type, must be an array of strings"},
        {"out of range", db + "max_body_bytes = 10\n",
         "bad.toml: max_body_bytes: out of range: Value 10 not in range 1024 to 67108864"},
        {"out of range, a number", db + "rate = 0\n", "bad.toml: rate: out of range"},
        {"a missing TLS file", db + "tls_cert = \"/nonexistent/cert.pem\"\n",
         "bad.toml: tls_cert: File does not exist: /nonexistent/cert.pem"},
        {"TOML syntax", db + "workers = [\n", "bad.toml: line "},
        {"a table where a key belongs", db + "[max_batch]\nsize = 1\n",
         "bad.toml: max_batch: wrong type, must be an integer"},
    };
    for (const Case& c : cases) {
        SECTION(c.what) {
            const std::string path = write(dir, "bad.toml", c.text);
            CliRun serve = run_cli({"--config", path});
            INFO(serve.err);
            CHECK(serve.code == 2);
            CHECK(serve.err.find(c.expected) != std::string::npos);
            CHECK_FALSE(fs::exists(db_path));
            // The admin commands refuse it as well.
            CliRun admin = run_cli({"admin", "--config", path, "list-devices"});
            CHECK(admin.code == 2);
            CHECK(admin.err.find(c.expected) != std::string::npos);
            CHECK_FALSE(fs::exists(db_path));
        }
    }
    SECTION("tls_cert without tls_key") {
        const std::string cert = write(dir, "c.pem", "x");
        const std::string path = write(dir, "bad.toml", db + "tls_cert = \"" + cert + "\"\n");
        CliRun serve = run_cli({"--config", path});
        CHECK(serve.code == 2);
        CHECK(serve.err.find("tls_cert and tls_key go together") != std::string::npos);
    }
    SECTION("an explicit file that is missing") {
        CliRun serve = run_cli({"--config", (dir.path() / "nope.toml").string()});
        CHECK(serve.code == 2);
        CHECK(serve.err.find("nope.toml: no such configuration file") != std::string::npos);
    }
}

TEST_CASE("config: the shipped server.toml lists every option and loads", "[server][config]") {
    const std::string path = shipped_config();
    const std::string text = read(path);
    REQUIRE_FALSE(text.empty());
    // Every option: set, or commented out with its default ("# key = ...").
    const auto keys = touchpoint::server::serve_config_keys();
    CHECK(keys.size() >= 25);
    for (const std::string& key : keys) {
        INFO("key " << key);
        const bool set = text.find("\n" + key + " = ") != std::string::npos;
        const bool commented = text.find("\n# " + key + " = ") != std::string::npos;
        CHECK((set || commented));
    }
    // Valid TOML whose every key is taken (admin reads and checks the whole
    // file; --db keeps it off the packaged database path).
    TempDir dir;
    CliRun loaded = run_cli({"--config", path, "admin", "--db",
                             "sqlite:" + (dir.path() / "s.db").string(), "list-devices"});
    INFO(loaded.err);
    CHECK(loaded.code == 0);
    // Its uncommented lines are the packaged defaults: the state directory's
    // database and every address.
    const toml::table t = toml::parse_file(path);
    CHECK(t["db"].value_or(std::string()) == "sqlite:/var/lib/touchpoint-server/server.db");
    CHECK(t["listen"].value_or(std::string()).find(":8443") != std::string::npos);
}
