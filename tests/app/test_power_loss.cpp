// Power loss under the kiosk database: taps (insert, amend, close), the sync
// side's own connection marking them sent, pruning and a restart half-way,
// over a VFS that cuts the power after a random write or sync call and keeps
// only what was synced (sometimes part of what was not). Reopened the way the
// kiosk starts, the database must hold exactly what was acknowledged (or that
// plus the one change under way at the cut), each response once, roll-ups
// that match the rows, and pass integrity_check. The same taps with
// synchronous=OFF must lose some: the harness can fail. A full disk fails a
// tap cleanly and changes nothing.
#include "app/local_database.h"
#include "crash_vfs.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <random>

using namespace touchpoint;
using touchpoint::test::RawDb;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;
using tptest::CrashVfs;
using tptest::PowerLoss;

namespace {

// What the database should hold for one response.
struct Expected {
    int score = 0;
    std::int64_t utc_ms = 0;
    std::vector<std::string> reasons;
    std::string comment;
    bool closed = false;
    bool synced = false;

    bool operator==(const Expected& o) const {
        return score == o.score && utc_ms == o.utc_ms && reasons == o.reasons &&
               comment == o.comment && closed == o.closed && synced == o.synced;
    }
    bool operator!=(const Expected& o) const { return !(*this == o); }
};

using Contents = std::map<std::string, Expected>;

// The taps of one run, up to the power cut.
struct TapRun {
    Contents acknowledged;             // every change whose call returned ok
    std::optional<Contents> in_flight; // that plus the change whose call failed
    int taps_acknowledged = 0;
    int calls_acknowledged = 0; // taps, amends, closes, marks, prunes
    std::string failed_call;    // "" when every call succeeded
};

constexpr int k_taps = 24;
constexpr std::int64_t k_first_tap_ms = 1'774'700'000'000;
constexpr std::int64_t k_tap_gap_ms = 4 * 3600 * 1000; // six taps a day
constexpr std::int64_t k_day_ms = 24 * 3600 * 1000;

// The kiosk's day, until a call fails: the UI connection taps (a third of the
// taps get follow-up answers), the sync connection marks closed ones sent
// every sixth tap, synced taps older than a day are pruned every eighth, and
// half-way the kiosk restarts with a response still open (closed at start-up,
// as main does). Every call that changes the database goes through `call`, which
// keeps the model of what the database should hold.
TapRun tap_until_the_power_goes(const std::string& path, const DatabaseOptions& opts) {
    TapRun run;
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
        ++run.calls_acknowledged;
        return true;
    };
    auto open = [&](std::unique_ptr<LocalDatabase>& into, const std::string& what) {
        auto s = LocalDatabase::open(path, opts);
        if (!s) {
            run.failed_call = what + ": " + s.error();
            return false;
        }
        into = std::move(s).value();
        return true;
    };
    auto ok = [](const auto& result) {
        return result ? Status::success() : Status::failure(result.error());
    };

    std::unique_ptr<LocalDatabase> ui, sync;
    if (!open(ui, "opening")) return run;
    for (int i = 0; i < k_taps; ++i) {
        Response r = sample_response(k_first_tap_ms + i * k_tap_gap_ms, 1 + i % 5);
        const std::string id = r.id;
        if (!call(
                "tap",
                [&](Contents& c) { c[id] = Expected{r.score, r.utc_ms, {}, {}, false, false}; },
                [&] { return ui->insert_open(r); }))
            return run;
        ++run.taps_acknowledged;

        if (i % 3 == 0) {
            const std::vector<std::string> reasons = {"queue", i % 2 ? "staff" : "price"};
            const std::string comment = "visit " + std::to_string(i);
            if (!call(
                    "amend",
                    [&](Contents& c) {
                        c[id].reasons = reasons;
                        c[id].comment = comment;
                    },
                    [&] { return ui->amend(id, reasons, comment); }))
                return run;
        }

        if (i == k_taps / 2) {
            sync.reset();
            ui->mark_clean_shutdown();
            ui.reset();
            if (!open(ui, "reopening")) return run;
            if (!call(
                    "closing open responses",
                    [](Contents& c) {
                        for (auto& entry : c)
                            entry.second.closed = true;
                    },
                    [&] { return ok(ui->close_all_open()); }))
                return run;
            continue;
        }

        if (!call(
                "close", [&](Contents& c) { c[id].closed = true; }, [&] { return ui->close(id); }))
            return run;

        if (i % 6 == 5) {
            if (!sync && !open(sync, "opening the sync connection")) return run;
            auto batch = sync->pending_batch(8);
            if (!batch) {
                run.failed_call = "reading pending responses: " + batch.error();
                return run;
            }
            std::vector<std::int64_t> sequences;
            std::vector<std::string> ids;
            for (const Response& p : *batch) {
                sequences.push_back(p.sequence);
                ids.push_back(p.id);
            }
            if (!call(
                    "marking sent",
                    [&](Contents& c) {
                        for (const std::string& sent : ids)
                            if (auto it = c.find(sent); it != c.end()) it->second.synced = true;
                    },
                    [&] { return sync->mark_synced(sequences); }))
                return run;
        }

        if (i % 8 == 7) {
            const std::int64_t cutoff = r.utc_ms - k_day_ms;
            if (!call(
                    "pruning",
                    [&](Contents& c) {
                        for (auto it = c.begin(); it != c.end();)
                            it =
                                it->second.synced && it->second.closed && it->second.utc_ms < cutoff
                                    ? c.erase(it)
                                    : std::next(it);
                    },
                    [&] { return ok(ui->prune_synced(1, r.utc_ms)); }))
                return run;
        }
    }
    // The power goes with the kiosk still running: no clean shutdown.
    return run;
}

// What the database held after the restart.
struct Found {
    std::string problem;          // "" when it holds what it should
    int acknowledged_missing = 0; // acknowledged responses not found
    bool repaired = false;        // a damaged file had to be salvaged
    bool kept_in_flight = false;  // the change whose call failed is there anyway
};

std::string describe(const Contents& want, const Contents& got) {
    for (const auto& [id, e] : want) {
        auto it = got.find(id);
        if (it == got.end()) return "acknowledged response " + id + " is missing";
        if (it->second != e)
            return "response " + id + " is not as acknowledged (closed " +
                   std::to_string(it->second.closed) + "/" + std::to_string(e.closed) +
                   ", synced " + std::to_string(it->second.synced) + "/" +
                   std::to_string(e.synced) + ", comment \"" + it->second.comment + "\"/\"" +
                   e.comment + "\")";
    }
    for (const auto& entry : got)
        if (!want.count(entry.first))
            return "response " + entry.first + " is there but was never acknowledged";
    return "the contents differ";
}

// Reopens the database as the kiosk does at start-up (with the real VFS again)
// and compares it with the run's model.
Found check_database(const std::string& path, const TapRun& run) {
    Found f;
    auto opened = LocalDatabase::open(path);
    if (!opened) {
        f.problem = "reopening failed: " + opened.error();
        f.acknowledged_missing = static_cast<int>(run.acknowledged.size());
        return f;
    }
    LocalDatabase& database = **opened;

    Contents got;
    std::string twice;
    Status read = database.for_each([&](const Response& r) {
        Expected e{r.score,   r.utc_ms, r.reasons,
                   r.comment, r.closed, r.sync_state == SyncState::synced};
        if (!got.emplace(r.id, std::move(e)).second) twice = r.id;
        return true;
    });
    for (const auto& entry : run.acknowledged)
        if (!got.count(entry.first)) ++f.acknowledged_missing;
    if (auto events = database.events())
        for (const DatabaseEvent& e : *events)
            if (e.kind == "corruption_recovered") f.repaired = true;

    auto integrity = database.pragma_value("integrity_check");
    RawDb raw(path);
    const std::string rollups_match =
        raw.text("SELECT (SELECT coalesce(sum(n), 0) FROM hour_scores) = "
                 "(SELECT count(*) FROM responses)");

    if (!read)
        f.problem = "reading back failed: " + read.error();
    else if (!twice.empty())
        f.problem = "response " + twice + " is stored twice";
    else if (!integrity || *integrity != "ok")
        f.problem = "integrity_check: " + (integrity ? *integrity : integrity.error());
    else if (rollups_match != "1")
        f.problem = "the hourly roll-up does not count the rows";
    else if (got != run.acknowledged && !(run.in_flight && got == *run.in_flight))
        f.problem = describe(run.acknowledged, got);
    f.kept_in_flight = got != run.acknowledged && f.problem.empty();
    return f;
}

// One run: taps over the crash VFS with the power cut after `cut_after`
// write/sync calls (0: after the last one), then settled with `loss` and
// checked through the real VFS.
struct Cut {
    TapRun run;
    std::int64_t io_calls = 0;
    bool cut_midway = false; // the power went before the taps were done
    std::string settle_error;
    Found found;
};

Cut cut_once(CrashVfs& vfs, const DatabaseOptions& opts, std::int64_t cut_after, PowerLoss loss,
             std::uint64_t seed) {
    TempDir dir;
    const std::string path = dir.file("responses.db");
    Cut c;
    vfs.make_default();
    vfs.arm_power_cut(cut_after);
    c.run = tap_until_the_power_goes(path, opts);
    c.io_calls = vfs.io_calls();
    c.cut_midway = vfs.power_is_cut();
    c.settle_error = vfs.settle(loss, seed);
    vfs.restore_default();
    if (c.settle_error.empty()) c.found = check_database(path, c.run);
    return c;
}

std::uint64_t run_seed() {
    return Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

TEST_CASE("power loss: every acknowledged tap survives a power cut at any write or sync",
          "[database][power]") {
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t seed = run_seed();
    std::mt19937_64 rng(seed);
    CrashVfs vfs;

    // One uncut run says how many write/sync calls the cuts are spread over.
    const Cut whole = cut_once(vfs, {}, 0, PowerLoss::drop_unsynced, 0);
    INFO(whole.run.failed_call << whole.settle_error << whole.found.problem);
    REQUIRE(whole.run.failed_call.empty());
    REQUIRE(whole.found.problem == "");
    REQUIRE(whole.run.taps_acknowledged == k_taps);
    const std::int64_t calls = whole.io_calls;
    REQUIRE(calls > 100);

    constexpr int k_cuts = 240;
    int survived = 0, midway = 0, kept_in_flight = 0;
    std::int64_t taps_checked = 0, calls_checked = 0;
    // A few cuts land past the last call: the power goes as the day ends.
    std::uniform_int_distribution<std::int64_t> where(1, calls + calls / 20);
    for (int i = 0; i < k_cuts; ++i) {
        const std::int64_t cut_after = where(rng);
        const auto loss = static_cast<PowerLoss>(rng() % 3);
        const std::uint64_t loss_seed = rng();
        const Cut c = cut_once(vfs, {}, cut_after, loss, loss_seed);
        INFO("cut " << i << " after call " << cut_after << " of " << calls << ", "
                    << tptest::to_string(loss) << " (seed " << seed << ", loss seed " << loss_seed
                    << "); failed call: " << c.run.failed_call);
        REQUIRE(c.settle_error == "");
        // Nothing fails but for the power cut.
        REQUIRE((c.run.failed_call.empty() || c.cut_midway));
        CHECK_FALSE(c.found.repaired);
        REQUIRE(c.found.problem == "");
        ++survived;
        midway += c.cut_midway ? 1 : 0;
        kept_in_flight += c.found.kept_in_flight ? 1 : 0;
        taps_checked += c.run.taps_acknowledged;
        calls_checked += c.run.calls_acknowledged;
    }
    // A call that failed at the cut may still have reached the disk (its
    // commit written, the sync cut): such runs count, as "kept".
    std::printf("power loss, kiosk database: %d of %d cuts survived (%d mid-run, spread over %lld "
                "write/sync calls; %d kept the change whose call failed), %lld acknowledged "
                "taps (%lld acknowledged calls) checked, seed %llu, %.1f s\n",
                survived, k_cuts, midway, static_cast<long long>(calls), kept_in_flight,
                static_cast<long long>(taps_checked), static_cast<long long>(calls_checked),
                static_cast<unsigned long long>(seed), seconds_since(started));

    // The control: with synchronous=OFF nothing is flushed, so cuts must cost
    // acknowledged taps, and the harness must see it.
    const auto control_started = std::chrono::steady_clock::now();
    DatabaseOptions unsafe;
    unsafe.unsafe_synchronous_off = true;
    const Cut whole_unsafe = cut_once(vfs, unsafe, 0, PowerLoss::drop_unsynced, 0);
    REQUIRE(whole_unsafe.run.failed_call.empty());
    const std::int64_t unsafe_calls = whole_unsafe.io_calls;
    REQUIRE(unsafe_calls > 10);
    constexpr int k_control_cuts = 40;
    int runs_with_loss = 0;
    std::int64_t taps_lost = 0;
    std::uniform_int_distribution<std::int64_t> unsafe_where(1, unsafe_calls);
    for (int i = 0; i < k_control_cuts; ++i) {
        const auto loss = static_cast<PowerLoss>(rng() % 3);
        const Cut c = cut_once(vfs, unsafe, unsafe_where(rng), loss, rng());
        REQUIRE(c.settle_error == "");
        if (c.found.acknowledged_missing > 0) ++runs_with_loss;
        taps_lost += c.found.acknowledged_missing;
    }
    std::printf("power loss, kiosk database, synchronous=OFF control: %d of %d cuts lost "
                "acknowledged responses (%lld in all), %.1f s\n",
                runs_with_loss, k_control_cuts, static_cast<long long>(taps_lost),
                seconds_since(control_started));
    CHECK(runs_with_loss > 0);
}

TEST_CASE("power loss: a full disk fails a tap cleanly and changes nothing", "[database][power]") {
    TempDir dir;
    const std::string path = dir.file("responses.db");
    CrashVfs vfs;
    vfs.make_default();
    auto snapshot = [](const LocalDatabase& s) {
        Contents c;
        REQUIRE(s.for_each([&](const Response& r) {
            c[r.id] = Expected{r.score,   r.utc_ms, r.reasons,
                               r.comment, r.closed, r.sync_state == SyncState::synced};
            return true;
        }));
        return c;
    };

    auto opened = LocalDatabase::open(path);
    REQUIRE(opened);
    auto database = std::move(opened).value();
    for (int i = 0; i < 5; ++i) {
        Response r = sample_response(k_first_tap_ms + i * 1000, 1 + i);
        REQUIRE(database->insert_open(r));
        REQUIRE(database->close(r.id));
    }
    Response open_one = sample_response(k_first_tap_ms + 9000, 2);
    REQUIRE(database->insert_open(open_one));
    const Contents before = snapshot(*database);

    // No room at all: the tap and the follow-up answers are refused.
    vfs.fill_disk_after(0);
    Response refused = sample_response(k_first_tap_ms + 10000, 3);
    Status tap = database->insert_open(refused);
    REQUIRE_FALSE(tap);
    CHECK(tap.error().find("disk is full") != std::string::npos);
    CHECK(database->health().state == "disk full");
    CHECK_FALSE(database->amend(open_one.id, {"queue"}, "long wait"));
    CHECK(snapshot(*database) == before);

    // A little room: taps go in until it runs out; each one refused leaves
    // nothing behind.
    vfs.fill_disk_after(6 * 4096);
    Contents expected = before;
    int taps = 0;
    for (; taps < 100; ++taps) {
        Response r = sample_response(k_first_tap_ms + 20000 + taps * 1000, 1 + taps % 5);
        if (!database->insert_open(r)) break;
        expected[r.id] = Expected{r.score, r.utc_ms, {}, {}, false, false};
    }
    CHECK(taps > 0);
    CHECK(taps < 100);
    CHECK(snapshot(*database) == expected);

    // Room again: the next tap is saved and the full disk is on record.
    vfs.fill_disk_after(-1);
    Response after = sample_response(k_first_tap_ms + 500000, 5);
    REQUIRE(database->insert_open(after));
    expected[after.id] = Expected{after.score, after.utc_ms, {}, {}, false, false};
    CHECK(database->health().state == "ok");
    bool recorded = false;
    auto events = database->events();
    REQUIRE(events);
    for (const DatabaseEvent& e : *events)
        recorded = recorded || e.kind == "disk_full";
    CHECK(recorded);

    database.reset();
    REQUIRE(vfs.open_files() == 0);
    vfs.restore_default();
    auto reopened = LocalDatabase::open(path);
    REQUIRE(reopened);
    CHECK(snapshot(**reopened) == expected);
    auto integrity = (*reopened)->pragma_value("integrity_check");
    REQUIRE(integrity);
    CHECK(*integrity == "ok");
}
