// The touchpoint-server command line: usage errors, admin commands, and the
// real binary serving, stopping on SIGTERM, and keeping an answered batch
// through kill -9.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace tpt;
using nlohmann::json;

TEST_CASE("cli: help, version and usage errors", "[server][cli]") {
    CliRun help = run_cli({"--help"});
    CHECK(help.code == 0);
    CHECK(help.out.find("admin") != std::string::npos);
    CHECK(help.out.find("--listen") != std::string::npos);

    CliRun admin_help = run_cli({"admin", "--help"});
    CHECK(admin_help.code == 0);
    for (const char* cmd : {"create-store", "create-touch-point", "create-enrollment-code",
                            "create-api-key", "revoke-device", "revoke-api-key", "list-devices"})
        CHECK(admin_help.out.find(cmd) != std::string::npos);

    CliRun version = run_cli({"--version"});
    CHECK(version.code == 0);
    CHECK_FALSE(version.out.empty());

    CliRun no_db = run_cli({"admin", "list-devices"});
    CHECK(no_db.code != 0);
    CHECK(no_db.err.find("--db") != std::string::npos);

    TempDir dir;
    const std::string db = "sqlite:" + (dir.path() / "s.db").string();
    CliRun db_first = run_cli({"--db", db, "admin", "list-devices"});
    CHECK(db_first.code == 0);
    CHECK(db_first.out.find("last_seen") != std::string::npos);

    CliRun no_command = run_cli({"admin", "--db", "sqlite::memory:"});
    CHECK(no_command.code != 0);
    CHECK_FALSE(no_command.err.empty());

    CliRun bad_option = run_cli({"--no-such-option"});
    CHECK(bad_option.code != 0);
    CHECK(bad_option.err.find("no-such-option") != std::string::npos);

    CliRun bad_listen = run_cli({"--db", "sqlite::memory:", "--listen", "localhost"});
    CHECK(bad_listen.code != 0);
    CHECK(bad_listen.err.find("HOST:PORT") != std::string::npos);

    CliRun half_tls =
        run_cli({"--db", "sqlite::memory:", "--tls-cert", TOUCHPOINT_ASSETS_DIR "/kiosk.toml"});
    CHECK(half_tls.code != 0);
    CHECK(half_tls.err.find("tls-key") != std::string::npos);
}

TEST_CASE("cli: an unreachable PostgreSQL is named, its password not", "[server][cli]") {
    // Port 1: nothing listens there.
    const std::string url = "postgresql://tp:hunter2@127.0.0.1:1/touchpoint";
    CliRun serve = run_cli({"--db", url, "--listen", "127.0.0.1:0"});
    CHECK(serve.code != 0);
    CHECK(serve.err.find("cannot connect to PostgreSQL at postgresql://tp:***@127.0.0.1:1/") !=
          std::string::npos);
    CHECK(serve.err.find("hunter2") == std::string::npos);
    CliRun admin = run_cli({"admin", "--db", "postgres://tp@127.0.0.1:1/touchpoint",
                            "list-devices"});
    CHECK(admin.code != 0);
    CHECK(admin.err.find("cannot connect to PostgreSQL at postgres://tp@127.0.0.1:1/") !=
          std::string::npos);
    CliRun unknown = run_cli({"admin", "--db", "mysql://x", "list-devices"});
    CHECK(unknown.code != 0);
    CHECK(unknown.err.find("sqlite:PATH") != std::string::npos);
}

TEST_CASE("cli: admin commands refuse bad input clearly and change nothing", "[server][cli]") {
    TestServer srv;
    const std::string before = srv.dump();
    struct Case {
        std::vector<std::string> args;
        const char* says;
    };
    const std::string assets = TOUCHPOINT_ASSETS_DIR;
    for (const Case& c : std::vector<Case>{
             {{"create-store", "--id", "x", "--name", "X", "--time-zone", "Mars/Olympus"}, "time"},
             {{"create-store", "--id", k_store_a, "--name", "Again", "--time-zone", "UTC"},
              "already exists"},
             {{"create-store", "--id", "x", "--name", "X"}, "--time-zone"},
             {{"create-touch-point", "--store", "nope", "--key", "k", "--name", "K"}, "no store"},
             {{"create-touch-point", "--store", k_store_a, "--key", k_tp_a, "--name", "K"},
              "already exists"},
             {{"create-touch-point", "--store", k_store_a, "--key", "k", "--name", "K", "--survey",
               assets + "/kiosk.toml"},
              "kiosk.toml"},
             {{"create-enrollment-code", "--touch-point", "nope"}, "no touch point"},
             {{"create-enrollment-code", "--touch-point", k_tp_a, "--ttl-hours", "0"}, "ttl-hours"},
             {{"create-api-key", "--role", "store"}, "--store"},
             {{"create-api-key", "--role", "store", "--store", "nope"}, "no store"},
             {{"create-api-key", "--role", "head-office", "--store", k_store_a}, "every store"},
             {{"create-api-key", "--role", "admin"}, "role"},
             {{"revoke-device", "--id", "nope"}, "no device"},
             {{"revoke-api-key", "--id", "nope"}, "no API key"},
             {{"publish-survey", "--touch-point", "nope", "--survey",
               assets + "/surveys/checkout.toml"},
              "no touch point"},
         }) {
        CliRun r = srv.admin(c.args);
        INFO(c.args[0] << ": " << r.err);
        CHECK(r.code != 0);
        CHECK(r.err.find(c.says) != std::string::npos);
    }
    CHECK(srv.dump() == before);
}

TEST_CASE("cli: create-touch-point takes settings from a [touch_point] TOML table",
          "[server][cli]") {
    TestServer srv;
    const std::string path = (srv.dir().path() / "tp.toml").string();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        REQUIRE(f);
        std::fputs("[touch_point]\nservice_standard = 90\ncx_statement = \"Glad you came\"\n"
                   "[touch_point.opening_hours]\nmon = \"08:00-17:00\"\n",
                   f);
        std::fclose(f);
    }
    REQUIRE(srv.admin({"create-touch-point", "--store", k_store_a, "--key", "akl-door", "--name",
                       "Door", "--settings", path})
                .code == 0);
    auto tp = srv.storage().touch_point("akl-door");
    REQUIRE(tp);
    json s = json::parse(tp->settings_json);
    CHECK(s["service_standard"] == 90.0);
    CHECK(s["cx_statement"] == "Glad you came");
    CHECK(s["opening_hours"]["mon"] == "08:00-17:00");
    CHECK(s["opening_hours"]["tue"] == "closed");
    CHECK(s["time_zone"] == "Pacific/Auckland"); // from the store
}

// --- The real binary ---

namespace {

struct Child {
    pid_t pid = -1;
    int out_fd = -1;
    ~Child() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (out_fd >= 0) close(out_fd);
    }
    // Reads stdout until a full line arrives (or the child closes it).
    std::string read_line() {
        std::string line;
        char ch;
        while (read(out_fd, &ch, 1) == 1) {
            if (ch == '\n') break;
            line += ch;
        }
        return line;
    }
    int wait_exit() {
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
};

std::unique_ptr<Child> spawn_server(const std::vector<std::string>& args) {
    const std::string exe = std::string(TOUCHPOINT_BINARY_DIR) + "/server/touchpoint-server";
    int fds[2];
    if (pipe(fds) != 0) return nullptr;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    auto child = std::make_unique<Child>();
    int rc = posix_spawn(&child->pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    child->out_fd = fds[0];
    if (rc != 0) {
        child->pid = -1;
        return nullptr;
    }
    return child;
}

int port_of(const std::string& banner) {
    auto colon = banner.rfind(':', banner.find(" (storage"));
    return colon == std::string::npos ? -1 : std::atoi(banner.c_str() + colon + 1);
}

} // namespace

TEST_CASE(
    "binary: serves on any free port, stops on SIGTERM, and an answered batch survives kill -9",
    "[server][cli]") {
    const std::string exe = std::string(TOUCHPOINT_BINARY_DIR) + "/server/touchpoint-server";
    if (access(exe.c_str(), X_OK) != 0) {
        WARN("touchpoint-server is not built: " << exe);
        return;
    }
    TempDir dir;
    const std::string db = "sqlite:" + (dir.path() / "s.db").string();
    REQUIRE(run_cli({"admin", "--db", db, "create-store", "--id", "s", "--name", "S", "--time-zone",
                     "UTC"})
                .code == 0);
    REQUIRE(run_cli({"admin", "--db", db, "create-touch-point", "--store", "s", "--key", "tp",
                     "--name", "TP"})
                .code == 0);
    CliRun code = run_cli({"admin", "--db", db, "create-enrollment-code", "--touch-point", "tp"});
    REQUIRE(code.code == 0);

    auto child = spawn_server({"--db", db, "--listen", "127.0.0.1:0"});
    REQUIRE(child);
    const std::string banner = child->read_line();
    INFO(banner);
    REQUIRE(banner.find("listening on http://127.0.0.1:") != std::string::npos);
    const int port = port_of(banner);
    REQUIRE(port > 0);

    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5);
    auto e = post_json(
        c, "/api/v1/enroll", "",
        json{{"code", code.out.substr(0, code.out.find('\n'))}, {"device_name", "x"}}.dump());
    REQUIRE(e);
    REQUIRE(e->status == 201);
    const std::string token = json::parse(e->body)["token"];
    const std::string id = new_id();

    SECTION("SIGTERM stops it cleanly") {
        kill(child->pid, SIGTERM);
        CHECK(child->wait_exit() == 0);
    }
    SECTION("kill -9 right after a 200 loses nothing") {
        std::vector<json> many;
        for (int i = 0; i < 100; ++i)
            many.push_back(response_json(i == 0 ? id : new_id()));
        auto b = post_json(c, "/api/v1/batches", token, batch_of(many).dump());
        REQUIRE(b);
        REQUIRE(b->status == 200);
        kill(child->pid, SIGKILL);
        child->wait_exit();
        auto storage = touchpoint::server::open_storage(db);
        REQUIRE(storage);
        auto n = (*storage)->response_count();
        REQUIRE(n);
        CHECK(*n == 100);
        auto r = (*storage)->response(id);
        REQUIRE(r);
        CHECK(r->has_value());
    }
}
