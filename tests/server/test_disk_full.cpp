// A full disk under the server's SQLite storage, played by the crash VFS's
// byte budget: the disk fills while a batch's transaction is being written.
// The batch is answered 503 storage_full with Retry-After and nothing of it
// is stored (not even the device's last contact); /healthz says the disk is
// full and since when; once there is room again /healthz is ok before any
// batch arrives, and the same batch is stored whole, once. SQLite only:
// tagged [power], so the pg/ run leaves it out.
#include "crash_vfs.h"
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

using namespace tpt;
using nlohmann::json;

TEST_CASE("disk full mid-batch: 503 storage_full, nothing half-stored, /healthz says why, "
          "ingest resumes once there is room",
          "[server][power][disk_full]") {
    const auto started = std::chrono::steady_clock::now();
    tptest::CrashVfs vfs;
    vfs.make_default();
    {
        TestServer server;
        const Enrolled device = server.enroll();
        auto c = server.client();

        std::vector<json> first;
        for (int i = 0; i < 5; ++i)
            first.push_back(response_json(new_id()));
        auto stored = post_json(c, "/api/v1/batches", device.token, batch_of(first).dump());
        REQUIRE(stored);
        REQUIRE(stored->status == 200);

        // About 300 KB of responses, far more than the 16 KiB of room left.
        std::vector<json> big;
        for (int i = 0; i < 300; ++i) {
            json r = response_json(new_id(), 1 + i % 4);
            r["comment"] = std::string(900, static_cast<char>('a' + i % 26));
            big.push_back(r);
        }
        const std::string body = batch_of(big).dump();
        const std::string before = server.dump();
        const std::string wal = server.db_path() + "-wal";
        const auto wal_before = std::filesystem::file_size(wal);

        vfs.fill_disk_after(16 * 1024);
        for (int attempt = 1; attempt <= 2; ++attempt) {
            INFO("attempt " << attempt);
            auto full = post_json(c, "/api/v1/batches", device.token, body);
            REQUIRE(full);
            CHECK(full->status == 503);
            CHECK(error_code(full) == "storage_full");
            CHECK(full->get_header_value("Retry-After") == "5");
            CHECK_THAT(body_json(full)["error"]["message"].get<std::string>(),
                       Catch::Matchers::Contains("disk is full"));
            // Nothing of it is stored, and the database is whole.
            CHECK(server.dump() == before);
            CHECK(server.rows("PRAGMA integrity_check").at(0).at(0) == "ok");
        }
        // The transaction had started writing when the disk filled: the WAL
        // grew by the room there was.
        CHECK(std::filesystem::file_size(wal) > wal_before);

        auto health = c.Get("/healthz");
        REQUIRE(health);
        CHECK(health->status == 503);
        const json h = body_json(health);
        CHECK(h["status"] == "unavailable");
        CHECK(h["error"]["code"] == "storage_full");
        CHECK_THAT(h["error"]["message"].get<std::string>(),
                   Catch::Matchers::Contains("the database disk is full"));
        CHECK(h["writes_failing_since_utc_ms"].is_number_integer());
        CHECK(h["writes_failing_since_utc_ms"].get<std::int64_t>() <= now_ms());

        // Room again: /healthz sees it by itself, and the batch goes in whole.
        vfs.fill_disk_after(-1);
        health = c.Get("/healthz");
        REQUIRE(health);
        CHECK(health->status == 200);
        CHECK(body_json(health)["status"] == "ok");
        auto again = post_json(c, "/api/v1/batches", device.token, body);
        REQUIRE(again);
        REQUIRE(again->status == 200);
        CHECK(body_json(again)["accepted"] == 300);
        CHECK(body_json(again)["duplicates"] == 0);
        CHECK(server.count("responses") == 305);
        CHECK(server.rows("SELECT count(DISTINCT id) FROM responses").at(0).at(0) == "305");
        auto resent = post_json(c, "/api/v1/batches", device.token, body);
        REQUIRE(resent);
        CHECK(body_json(resent)["duplicates"] == 300);
        CHECK(server.count("responses") == 305);
        CHECK(server.rows("PRAGMA integrity_check").at(0).at(0) == "ok");
    }
    vfs.restore_default();
    std::printf("disk full mid-batch (test VFS): 2 batches refused with 503 storage_full, "
                "nothing stored; stored whole once there was room, %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}
