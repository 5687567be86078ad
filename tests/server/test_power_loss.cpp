// Power loss under the server's SQLite storage: batches ingested (new
// responses with resends of stored and erased ones), heartbeats, erasures and
// a restart half-way, over a VFS that cuts the power after a random write or
// sync call and keeps only what was synced (sometimes part of what was not).
// Reopened through SqliteStorage::open, the database must hold every response
// of every batch that was answered as stored, each once, the batch under way
// at the cut wholly or not at all, no erased response, roll-ups that count
// exactly the rows, and pass integrity_check. SQLite only: tagged [power],
// left out of the pg/ run.
#include "crash_vfs.h"
#include "server/sqlite_storage.h"
#include "server_fixture.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>

using namespace tpt;
using touchpoint::Result;
using touchpoint::Status;
using touchpoint::server::DeviceRecord;
using touchpoint::server::IncomingResponse;
using touchpoint::server::IngestStatus;
using touchpoint::server::SqliteStorage;
using tptest::CrashVfs;
using tptest::PowerLoss;

namespace {

// Stored responses: id -> score.
using Contents = std::map<std::string, int>;

struct BatchRun {
    Contents acknowledged;             // every change whose call succeeded
    std::optional<Contents> in_flight; // that plus the change whose call failed
    int batches_acknowledged = 0;
    int responses_acknowledged = 0; // accepted in an acknowledged batch
    std::string failed_call;        // "" when every call succeeded
    std::string wrong_answer;       // an outcome that was not the expected one
};

constexpr int k_batches = 16;
constexpr int k_new_per_batch = 3;
constexpr std::int64_t k_now_ms = 1'774'700'000'000;

IncomingResponse incoming(const DeviceRecord& d, int n) {
    IncomingResponse in;
    touchpoint::Response& r = in.response;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    r.id = id;
    r.device_id = d.id;
    r.touch_point = d.touch_point;
    r.survey_id = "checkout";
    r.survey_version = 1;
    r.question_id = "how-was-it";
    r.scale = touchpoint::Scale::smiley5;
    r.score = 1 + n % 5;
    if (n % 4 == 0) r.reasons = {"queue"};
    if (n % 3 == 0) r.comment = "response " + std::to_string(n);
    r.language = "en";
    r.utc_ms = k_now_ms - 3600000 + n * 1000;
    r.local_day = n % 2 ? "2026-03-29" : "2026-03-30";
    r.local_hour = 8 + n % 10;
    char local[40];
    std::snprintf(local, sizeof local, "%sT%02d:15:00+13:00", r.local_day.c_str(), r.local_hour);
    r.local_time = local;
    r.sequence = n;
    r.closed = true;
    in.content_hash = "content-" + r.id;
    return in;
}

Result<DeviceRecord> set_up(SqliteStorage& s) {
    using namespace touchpoint::server;
    if (Status st = s.create_store({"akl", "Auckland", "Pacific/Auckland"}, k_now_ms); !st)
        return touchpoint::Error{st.error()};
    if (Status st = s.create_touch_point({"akl-checkout", "akl", "Checkout", "{}", "", k_now_ms});
        !st)
        return touchpoint::Error{st.error()};
    if (Status st =
            s.create_enrollment_code("code-hash", "akl-checkout", k_now_ms, k_now_ms + 3600000);
        !st)
        return touchpoint::Error{st.error()};
    auto e = s.enroll("code-hash", {"kiosk-1", "Kiosk 1", "token-hash"}, k_now_ms);
    if (!e) return touchpoint::Error{e.error()};
    if (e->status != EnrollStatus::enrolled) return touchpoint::Error{"not enrolled"};
    return e->device;
}

// The server's day over one storage, until a call fails: batches of new
// responses, each after the first also resending the last stored response and
// the last erased one (both answered as duplicates, nothing stored); every
// fourth batch a heartbeat, every fifth an erasure of the oldest response,
// and half-way a restart.
BatchRun ingest_until_the_power_goes(std::unique_ptr<SqliteStorage>& storage,
                                     const std::string& path, const DeviceRecord& device,
                                     CrashVfs& vfs, std::int64_t cut_after) {
    BatchRun run;
    auto call = [&](const std::string& what, const auto& change, const auto& op) {
        Contents next = run.acknowledged;
        change(next);
        Status st = op();
        if (!st) {
            run.in_flight = std::move(next);
            run.failed_call = what + ": " + st.error();
            return false;
        }
        run.acknowledged = std::move(next);
        return true;
    };

    vfs.arm_power_cut(cut_after);
    std::map<std::string, IncomingResponse> sent; // every response sent, by id
    std::string last_stored, last_erased;
    int n = 0;
    for (int b = 0; b < k_batches; ++b) {
        std::vector<IncomingResponse> batch;
        std::vector<IngestStatus> want;
        for (int i = 0; i < k_new_per_batch; ++i) {
            batch.push_back(incoming(device, n++));
            want.push_back(IngestStatus::accepted);
        }
        for (const std::string* again : {&last_stored, &last_erased})
            if (!again->empty()) {
                batch.push_back(sent.at(*again));
                want.push_back(IngestStatus::duplicate);
            }
        for (std::size_t i = 0; i < batch.size(); ++i)
            batch[i].index = i;
        std::optional<std::vector<IngestStatus>> answer;
        const bool stored = call(
            "batch " + std::to_string(b),
            [&](Contents& c) {
                for (int i = 0; i < k_new_per_batch; ++i)
                    c[batch[static_cast<std::size_t>(i)].response.id] =
                        batch[static_cast<std::size_t>(i)].response.score;
            },
            [&] {
                auto out = storage->ingest_batch(device, batch, "{\"pending\":3}", k_now_ms + b);
                if (!out) return Status::failure(out.error());
                answer = out->items;
                return Status::success();
            });
        if (!stored) return run;
        if (answer != want && run.wrong_answer.empty())
            run.wrong_answer = "batch " + std::to_string(b) + " was not answered as expected";
        ++run.batches_acknowledged;
        run.responses_acknowledged += k_new_per_batch;
        for (const IncomingResponse& in : batch)
            sent.emplace(in.response.id, in);
        last_stored = batch[k_new_per_batch - 1].response.id;

        if (b % 4 == 3 &&
            !call(
                "heartbeat", [](Contents&) {},
                [&] { return storage->record_heartbeat(device.id, "{\"pending\":0}", k_now_ms); }))
            return run;

        if (b % 5 == 4) {
            const std::string oldest = run.acknowledged.begin()->first;
            if (!call(
                    "erasing " + oldest, [&](Contents& c) { c.erase(oldest); },
                    [&] {
                        auto e = storage->erase_response(oldest, k_now_ms);
                        if (!e) return Status::failure(e.error());
                        return *e == touchpoint::server::EraseStatus::erased
                                   ? Status::success()
                                   : Status::failure("not erased");
                    }))
                return run;
            last_erased = oldest;
            if (last_stored == oldest) last_stored.clear();
        }

        if (b == k_batches / 2) {
            storage.reset();
            auto reopened = SqliteStorage::open(path);
            if (!reopened) {
                run.failed_call = "reopening: " + reopened.error();
                return run;
            }
            storage = std::move(reopened).value();
        }
    }
    return run;
}

// First column of the first row, as text ("" when none).
std::string query_text(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close_v2(db);
    return out;
}

// Reopens the storage as the server does at start (with the real VFS again)
// and compares it with the run's model; "" when it holds what it should.
// `kept_in_flight`: the change whose call failed is there anyway.
std::string check_storage(const std::string& path, const BatchRun& run, bool& kept_in_flight) {
    auto opened = SqliteStorage::open(path);
    if (!opened) return "reopening failed: " + opened.error();
    SqliteStorage& storage = **opened;

    touchpoint::server::ResponseFilter all;
    all.include_misuse = true;
    auto rows = storage.list_responses(all, 100000);
    if (!rows) return "reading back failed: " + rows.error();
    Contents got;
    for (const auto& row : *rows)
        if (!got.emplace(row.response.id, row.response.score).second)
            return "response " + row.response.id + " is stored twice";
    if (got != run.acknowledged && !(run.in_flight && got == *run.in_flight)) {
        for (const auto& [id, score] : run.acknowledged)
            if (!got.count(id)) return "acknowledged response " + id + " is missing";
        return std::to_string(got.size()) + " responses stored, " +
               std::to_string(run.acknowledged.size()) + " acknowledged" +
               (run.in_flight ? " (" + std::to_string(run.in_flight->size()) + " with the " +
                                    "change under way)"
                              : std::string());
    }
    kept_in_flight = got != run.acknowledged;

    const std::string integrity = query_text(path, "PRAGMA integrity_check");
    if (integrity != "ok") return "integrity_check: " + integrity;
    const char* rollup_cells = "SELECT store_id, touch_point, local_day, local_hour, scale, score, "
                               "misuse, count(*) FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7";
    const char* daily_cells = "SELECT store_id, touch_point, local_day, scale, score, misuse, "
                              "count(*) FROM responses GROUP BY 1, 2, 3, 4, 5, 6";
    const std::string rollups_differ = query_text(
        path, std::string("SELECT (SELECT count(*) FROM (") + rollup_cells +
                  " EXCEPT SELECT * FROM response_rollup)) + (SELECT count(*) FROM (SELECT * "
                  "FROM response_rollup EXCEPT " +
                  rollup_cells + ")) + (SELECT count(*) FROM (" + daily_cells +
                  " EXCEPT SELECT * FROM response_rollup_daily)) + (SELECT count(*) FROM "
                  "(SELECT * FROM response_rollup_daily EXCEPT " +
                  daily_cells + "))");
    if (rollups_differ != "0") return "the roll-ups do not count the rows";
    const std::string seq_ok =
        query_text(path, "SELECT count(DISTINCT seq) = count(*) AND coalesce(max(seq), 0) <= "
                         "(SELECT value FROM counters WHERE name = 'response_seq') "
                         "FROM responses");
    if (seq_ok != "1") return "insertion sequence numbers repeat or run ahead of the counter";
    return {};
}

struct Cut {
    BatchRun run;
    std::int64_t io_calls = 0;
    bool cut_midway = false;
    bool kept_in_flight = false;
    std::string problem; // setting up, settling or checking
};

Cut cut_once(CrashVfs& vfs, std::int64_t cut_after, PowerLoss loss, std::uint64_t seed) {
    TempDir dir;
    const std::string path = (dir.path() / "server.db").string();
    Cut c;
    vfs.make_default();
    {
        auto opened = SqliteStorage::open(path);
        if (!opened) {
            c.problem = "opening: " + opened.error();
            return c;
        }
        std::unique_ptr<SqliteStorage> storage = std::move(opened).value();
        auto device = set_up(*storage);
        if (!device) {
            c.problem = "setting up: " + device.error();
            return c;
        }
        c.run = ingest_until_the_power_goes(storage, path, *device, vfs, cut_after);
        c.io_calls = vfs.io_calls();
        c.cut_midway = vfs.power_is_cut();
    }
    c.problem = vfs.settle(loss, seed);
    vfs.restore_default();
    if (c.problem.empty()) c.problem = check_storage(path, c.run, c.kept_in_flight);
    return c;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

TEST_CASE("power loss: every batch answered as stored survives a power cut at any write or sync",
          "[server][power]") {
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t seed = Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}();
    std::mt19937_64 rng(seed);
    CrashVfs vfs;

    const Cut whole = cut_once(vfs, 0, PowerLoss::drop_unsynced, 0);
    INFO(whole.problem << whole.run.failed_call);
    REQUIRE(whole.problem == "");
    REQUIRE(whole.run.failed_call.empty());
    REQUIRE(whole.run.wrong_answer.empty());
    REQUIRE(whole.run.batches_acknowledged == k_batches);
    const std::int64_t calls = whole.io_calls;
    REQUIRE(calls > 50);

    constexpr int k_cuts = 240;
    int survived = 0, midway = 0, kept_in_flight = 0;
    std::int64_t batches_checked = 0, responses_checked = 0;
    std::uniform_int_distribution<std::int64_t> where(1, calls + calls / 20);
    for (int i = 0; i < k_cuts; ++i) {
        const std::int64_t cut_after = where(rng);
        const auto loss = static_cast<PowerLoss>(rng() % 3);
        const std::uint64_t loss_seed = rng();
        const Cut c = cut_once(vfs, cut_after, loss, loss_seed);
        INFO("cut " << i << " after call " << cut_after << " of " << calls << ", "
                    << tptest::to_string(loss) << " (seed " << seed << ", loss seed " << loss_seed
                    << "); failed call: " << c.run.failed_call);
        REQUIRE(c.problem == "");
        REQUIRE((c.run.failed_call.empty() || c.cut_midway));
        REQUIRE(c.run.wrong_answer.empty());
        ++survived;
        midway += c.cut_midway ? 1 : 0;
        kept_in_flight += c.kept_in_flight ? 1 : 0;
        batches_checked += c.run.batches_acknowledged;
        responses_checked += c.run.responses_acknowledged;
    }
    std::printf("power loss, server SQLite storage: %d of %d cuts survived (%d mid-run, spread "
                "over %lld write/sync calls; %d kept the change whose call failed), %lld "
                "acknowledged batches (%lld responses) checked, seed %llu, %.1f s\n",
                survived, k_cuts, midway, static_cast<long long>(calls), kept_in_flight,
                static_cast<long long>(batches_checked), static_cast<long long>(responses_checked),
                static_cast<unsigned long long>(seed), seconds_since(started));
}
