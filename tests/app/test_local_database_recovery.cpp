// Failure injection for the database: unclean shutdown, a damaged file, a file
// of garbage, a full disk (page cap and a real tiny filesystem).
#include "app/local_database.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <algorithm>
#include <fstream>
#include <random>

using namespace touchpoint;
using touchpoint::test::RawDb;
using touchpoint::test::read_bytes;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

namespace {

std::unique_ptr<LocalDatabase> open_database(const std::string& path, DatabaseOptions opts = {}) {
    auto s = LocalDatabase::open(path, opts);
    INFO((s ? std::string() : s.error()));
    REQUIRE(s.ok());
    return std::move(s).value();
}

std::vector<DatabaseEvent> events_of_kind(const LocalDatabase& database, const std::string& kind) {
    std::vector<DatabaseEvent> out;
    auto all = database.events();
    REQUIRE(all.ok());
    for (const auto& e : *all)
        if (e.kind == kind) out.push_back(e);
    return out;
}

// Writes `n` responses with long comments so the table spans many pages.
std::vector<std::string> fill(LocalDatabase& database, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        Response r = sample_response(1'774'700'000'000 + i * 1000, 1 + i % 5);
        REQUIRE(database.insert_open(r).ok());
        REQUIRE(database.amend(r.id, {"staff"}, std::string(300, 'a' + i % 26)).ok());
        REQUIRE(database.close(r.id).ok());
        ids.push_back(r.id);
    }
    return ids;
}

void overwrite(const std::string& path, std::int64_t offset, std::size_t len) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f.good());
    f.seekp(offset);
    std::mt19937 rng(42);
    std::string junk(len, '\0');
    for (auto& c : junk)
        c = static_cast<char>(rng());
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    REQUIRE(f.good());
}

struct Leaf {
    std::int64_t page = 0;
    std::int64_t rows = 0;
};

// Leaf pages of the responses table, in rowid order (via dbstat).
std::vector<Leaf> response_leaves(const std::string& path) {
    RawDb raw(path);
    std::vector<Leaf> out;
    auto pages = raw.ints("SELECT pageno FROM dbstat WHERE name = 'responses' AND "
                          "pagetype = 'leaf' ORDER BY path");
    auto cells = raw.ints("SELECT ncell FROM dbstat WHERE name = 'responses' AND "
                          "pagetype = 'leaf' ORDER BY path");
    for (std::size_t i = 0; i < pages.size() && i < cells.size(); ++i)
        out.push_back({pages[i], cells[i]});
    return out;
}

} // namespace

TEST_CASE("an unclean shutdown is noticed, checked and reported", "[database][recovery]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    {
        auto database = open_database(db);
        Response r = sample_response();
        REQUIRE(database->insert_open(r).ok());
        // no mark_clean_shutdown: as if the power went
    }
    {
        auto database = open_database(db);
        auto ev = events_of_kind(*database, "unclean_shutdown");
        REQUIRE(ev.size() == 1);
        CHECK_THAT(ev[0].message, Catch::Contains("checked and is fine"));
        CHECK(*database->count() == 1);
        database->mark_clean_shutdown();
    }
    {
        auto database = open_database(db);
        CHECK(events_of_kind(*database, "unclean_shutdown").size() == 1); // no new one
        database->mark_clean_shutdown();
    }
}

TEST_CASE("only the last of several connections marks a clean shutdown", "[database][recovery]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    {
        auto ui = open_database(db);
        {
            auto sync = open_database(db); // a second connection is not an unclean shutdown
            CHECK(events_of_kind(*sync, "unclean_shutdown").empty());
            sync->mark_clean_shutdown(); // not the last one: no effect
        }
        // ui goes away without a clean shutdown
    }
    auto database = open_database(db);
    CHECK(events_of_kind(*database, "unclean_shutdown").size() == 1);
}

TEST_CASE("a damaged file is moved aside and every readable row is salvaged",
          "[database][recovery]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    std::vector<std::string> ids;
    {
        auto database = open_database(db);
        ids = fill(*database, 300);
        REQUIRE(database->record_event("test", "kept across recovery").ok());
        // not marked clean: the kiosk crashed while the file got damaged
    }
    auto leaves = response_leaves(db);
    REQUIRE(leaves.size() >= 5);
    const Leaf bad = leaves[leaves.size() / 2];
    const std::string original = read_bytes(db);
    overwrite(db, (bad.page - 1) * 4096, 4096);

    auto database = open_database(db);

    // The damaged file is kept, byte for byte.
    auto aside = dir.files_starting_with("responses.db.corrupt-");
    REQUIRE(aside.size() == 1);
    CHECK(aside[0].size() == std::string("responses.db.corrupt-20260329T013000Z").size());
    std::string moved = read_bytes(dir.file(aside[0]));
    CHECK(moved.size() == original.size());
    CHECK(moved != original);

    // Exactly the rows on the damaged page are lost; all others are back,
    // with their sequence numbers and states.
    const auto salvaged = *database->count();
    CHECK(salvaged == 300 - bad.rows);
    std::int64_t first_lost = 0;
    for (std::size_t i = 0; i < leaves.size() / 2; ++i)
        first_lost += leaves[i].rows;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto got = database->get(ids[i]);
        bool lost = static_cast<std::int64_t>(i) >= first_lost &&
                    static_cast<std::int64_t>(i) < first_lost + bad.rows;
        CHECK(got.ok() == !lost);
        if (got.ok()) {
            CHECK(got->sequence == static_cast<std::int64_t>(i) + 1);
            CHECK(got->closed);
            CHECK(got->reasons == std::vector<std::string>{"staff"});
        }
    }
    auto rec = events_of_kind(*database, "corruption_recovered");
    REQUIRE(rec.size() == 1);
    CHECK_THAT(rec[0].message, Catch::Contains(std::to_string(salvaged) + " responses"));
    CHECK_THAT(rec[0].message, Catch::Contains(aside[0]));
    CHECK(events_of_kind(*database, "test").size() == 1);

    // The rollups were rebuilt from the salvaged rows.
    auto counts = database->score_counts(Scale::smiley5, "2026-03-29", "2026-03-29");
    std::int64_t total = 0;
    for (auto n : counts->counted)
        total += n;
    CHECK(total == salvaged);

    // The fresh file works and numbering continues after the last salvaged row.
    Response r = sample_response(1'800'000'000'000);
    REQUIRE(database->insert_open(r).ok());
    CHECK(r.sequence == 301);
    RawDb raw(db);
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
}

TEST_CASE("damage found while running is reported and repaired at the next start",
          "[database][recovery]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    {
        auto database = open_database(db);
        fill(*database, 200);
        database->mark_clean_shutdown(); // a clean shutdown skips the check at open
    }
    auto leaves = response_leaves(db);
    REQUIRE(leaves.size() >= 3);
    overwrite(db, (leaves[1].page - 1) * 4096, 4096);
    {
        auto database = open_database(db);
        Status st = database->for_each([](const Response&) { return true; });
        CHECK_FALSE(st.ok());
        CHECK_THAT(st.error(), Catch::Contains("damaged"));
        CHECK(database->health().state == "error");
        CHECK_THAT(database->health().last_error, Catch::Contains("damaged"));
        database->mark_clean_shutdown(); // refused: the file is known to be damaged
    }
    auto database = open_database(db);
    CHECK(events_of_kind(*database, "corruption_recovered").size() == 1);
    CHECK(*database->count() >= 200 - leaves[1].rows);
    CHECK(dir.files_starting_with("responses.db.corrupt-").size() == 1);
}

TEST_CASE("a file of garbage is moved aside and a fresh database created", "[database][recovery]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    std::string junk(64 * 1024, '\0');
    std::mt19937 rng(7);
    for (auto& c : junk)
        c = static_cast<char>(rng());
    {
        std::ofstream out(db, std::ios::binary);
        out.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto database = open_database(db);
    auto aside = dir.files_starting_with("responses.db.corrupt-");
    REQUIRE(aside.size() == 1);
    CHECK(read_bytes(dir.file(aside[0])) == junk);
    auto rec = events_of_kind(*database, "corruption_recovered");
    REQUIRE(rec.size() == 1);
    CHECK_THAT(rec[0].message, Catch::Contains("0 responses were recovered"));
    CHECK(*database->count() == 0);
    Response r = sample_response();
    REQUIRE(database->insert_open(r).ok());
    CHECK(r.sequence == 1);
    CHECK(*database->pragma_value("journal_mode") == "wal");
}

TEST_CASE("a full disk is an error in plain words, never a partial write", "[database][disk]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    std::int64_t pages = 0;
    {
        auto database = open_database(db);
        pages = std::stoll(*database->pragma_value("page_count"));
        database->mark_clean_shutdown();
    }
    DatabaseOptions tight;
    tight.max_page_count = pages + 8;
    auto database = open_database(db, tight);

    std::vector<std::string> ids;
    Status failure;
    for (int i = 0; i < 5000; ++i) {
        Response r = sample_response(1'774'700'000'000 + i * 1000, 1 + i % 5);
        r.comment = std::string(200, 'x');
        Status st = database->insert_open(r);
        if (!st.ok()) {
            failure = st;
            break;
        }
        ids.push_back(r.id);
    }
    REQUIRE_FALSE(failure.ok());
    CHECK_THAT(failure.error(), Catch::StartsWith("The disk is full: "));
    REQUIRE(ids.size() > 5);

    auto h = database->health();
    CHECK(h.state == "disk full");
    CHECK_THAT(h.last_error, Catch::StartsWith("The disk is full: "));

    // Nothing partial: every stored row is whole, the rollups agree, reads work.
    CHECK(*database->count() == static_cast<std::int64_t>(ids.size()));
    auto counts = *database->score_counts(Scale::smiley5, "2026-03-29", "2026-03-29");
    std::int64_t total = 0;
    for (auto n : counts.counted)
        total += n;
    CHECK(total == static_cast<std::int64_t>(ids.size()));
    CHECK(database->get(ids.back()).ok());
    CHECK(database->pending_batch(5).ok());

    // Still full: fails again, still no crash, still nothing partial.
    Response again = sample_response(1'800'000'000'000);
    again.comment = std::string(2000, 'y');
    CHECK_FALSE(database->insert_open(again).ok());
    CHECK(*database->count() == static_cast<std::int64_t>(ids.size()));

    // Space comes back by pruning synced rows: writes work again.
    for (const auto& id : ids)
        REQUIRE(database->close(id).ok());
    REQUIRE(database->mark_synced(ids).ok());
    auto pruned = database->prune_synced(0, 1'900'000'000'000);
    REQUIRE(pruned.ok());
    Response after = sample_response(1'900'000'000'001);
    REQUIRE(database->insert_open(after).ok());
    CHECK(after.sequence == static_cast<std::int64_t>(ids.size()) + 1);
    CHECK(database->health().state == "ok");
    CHECK(events_of_kind(*database, "disk_full").size() == 1);
    database->mark_clean_shutdown();
}

TEST_CASE("a full disk clears when a new connection has room", "[database][disk]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    std::int64_t stored = 0;
    {
        auto probe = open_database(db);
        DatabaseOptions tight;
        tight.max_page_count = std::stoll(*probe->pragma_value("page_count")) + 4;
        probe.reset();
        auto database = open_database(db, tight);
        for (int i = 0; i < 5000; ++i) {
            Response r = sample_response(1'774'700'000'000 + i);
            r.comment = std::string(500, 'z');
            if (!database->insert_open(r).ok()) break;
            ++stored;
        }
        CHECK(database->health().state == "disk full");
        database->mark_clean_shutdown();
    }
    auto database = open_database(db); // no cap any more
    CHECK(*database->count() == stored);
    Response r = sample_response(1'800'000'000'000);
    REQUIRE(database->insert_open(r).ok());
    CHECK(database->health().state == "ok");
    RawDb raw(db);
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
}

TEST_CASE("a real full filesystem is survived", "[database][disk]") {
    TempDir dir;
    const std::string mnt = dir.file("small");
    std::filesystem::create_directory(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0) {
        WARN("cannot mount a small tmpfs here (needs root); covered by the page cap tests");
        return;
    }
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{mnt};

    const std::string db = mnt + "/responses.db";
    std::int64_t stored = 0;
    Status failure;
    {
        auto database = open_database(db);
        for (int i = 0; i < 20000; ++i) {
            Response r = sample_response(1'774'700'000'000 + i);
            r.comment = std::string(400, 'q');
            Status st = database->insert_open(r);
            if (!st.ok()) {
                failure = st;
                break;
            }
            ++stored;
        }
        REQUIRE_FALSE(failure.ok());
        CHECK_THAT(failure.error(), Catch::StartsWith("The disk is full: "));
        CHECK(database->health().state == "disk full");
        CHECK(*database->count() == stored);
        CHECK(database->health().disk_free_bytes < 64 * 1024);
    }
    // Reopening on the still-full disk works and nothing was lost.
    {
        auto database = open_database(db);
        CHECK(*database->count() == stored);
    }
    RawDb raw(db);
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
}
