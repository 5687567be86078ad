// Online backups of the SQLite database while the server serves, and a
// restore that serves the same figures.
#include "server_fixture.h"
#include "server_process.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace tpt;
using nlohmann::json;

namespace {

json summary(TestServer& srv, const std::string& key, const std::string& query) {
    auto c = srv.client();
    auto r = get_auth(c, "/api/v1/summary" + query, key);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return json::parse(r->body)["groups"];
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST_CASE("backup: a copy taken while batches arrive restores to a server with the same summary",
          "[server][backup][sqlite]") {
    ServerSetup setup;
    setup.api.rate_per_s = 100000;
    setup.api.burst = 100000;
    TestServer srv(setup);
    const Enrolled device = srv.enroll(k_tp_a);
    const std::string head = srv.create_api_key("head-office");

    // Batches keep arriving while the first backup is taken.
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::thread writer([&] {
        auto c = srv.client();
        int i = 0;
        while (!stop && i < 400) {
            std::vector<json> batch;
            for (int k = 0; k < 5; ++k, ++i)
                batch.push_back(rated(new_id(), "smiley4", 1 + i % 4, "2026-03-02", 9 + i % 8));
            auto r = post_json(c, "/api/v1/batches", device.token, batch_of(batch).dump());
            if (r && r->status == 200) sent += 5;
        }
    });
    while (sent < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string during = (srv.dir().path() / "during.db").string();
    CliRun b1 = srv.admin({"backup", "--to", during});
    stop = true;
    writer.join();
    INFO(b1.err);
    REQUIRE(b1.code == 0);
    CHECK(b1.out.find("backed up") != std::string::npos);

    // The copy made under load is one consistent snapshot: a server on it
    // serves a summary that adds up to its own responses.
    {
        ServerSetup from_during;
        from_during.restore_from = during;
        TestServer copy(from_during);
        const std::int64_t rows = copy.count("responses");
        CHECK(rows >= 200);
        CHECK(rows <= sent);
        CHECK(rows % 5 == 0); // whole batches only
        const json all = summary(copy, head, "");
        REQUIRE(all.size() == 1);
        CHECK(all[0]["count"].get<std::int64_t>() == rows);
    }

    // With the writers done, a backup and a restore serve the same figures.
    const std::string after = (srv.dir().path() / "after.db").string();
    CliRun b2 = srv.admin({"backup", "--to", after});
    REQUIRE(b2.code == 0);
    ServerSetup restored_setup;
    restored_setup.restore_from = after;
    TestServer restored(restored_setup);
    CHECK(restored.count("responses") == sent);
    for (const char* q : {"", "?group_by=day", "?group_by=hour", "?group_by=touch_point"})
        CHECK(summary(restored, head, q) == summary(srv, head, q));
    // The same API key and device token work on the restored server.
    auto c = restored.client();
    auto r = post_json(c, "/api/v1/batches", device.token,
                       batch_of({rated(new_id(), "smiley4", 4)}).dump());
    REQUIRE(r);
    CHECK(r->status == 200);
}

TEST_CASE("backup: refusals change nothing", "[server][backup][sqlite]") {
    TestServer srv;
    const std::string target = (srv.dir().path() / "exists.db").string();
    { std::ofstream(target) << "keep me"; }

    SECTION("an existing file is not replaced without --force") {
        CliRun r = srv.admin({"backup", "--to", target});
        CHECK(r.code != 0);
        CHECK(r.err.find("exists") != std::string::npos);
        CHECK(file_bytes(target) == "keep me");
    }
    SECTION("a restore from a file that is not a backup leaves the database as it was") {
        const std::string before = srv.dump();
        const std::string other = (srv.dir().path() / "other.db").string();
        CliRun r = run_cli({"admin", "--db", "sqlite:" + other, "restore", "--from", target});
        CHECK(r.code != 0);
        CHECK(r.err.find("nothing was changed") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(other));
        CHECK(srv.dump() == before);
    }
    SECTION("a restore over the database of a running server process is refused") {
        tptest::ServerProcess running;
        running.start();
        const std::string copy = (srv.dir().path() / "copy.db").string();
        REQUIRE(run_cli({"admin", "--db", "sqlite:" + running.db_path(), "backup", "--to", copy})
                    .code == 0);
        const std::string before = file_bytes(running.db_path());
        CliRun r = run_cli({"admin", "--db", "sqlite:" + running.db_path(), "restore", "--from",
                            copy});
        CHECK(r.code != 0);
        CHECK(r.err.find("stop the server first") != std::string::npos);
        CHECK(file_bytes(running.db_path()) == before);
        CHECK_FALSE(std::filesystem::exists(running.db_path() + ".before-restore"));
        CHECK(running.stop() == 0);
    }
    SECTION("PostgreSQL is pointed at pg_dump") {
        CliRun r = run_cli({"admin", "--db", "postgresql://nobody@127.0.0.1:1/none", "backup",
                            "--to", target});
        CHECK(r.code != 0);
        CHECK(r.err.find("pg_dump") != std::string::npos);
    }
}
