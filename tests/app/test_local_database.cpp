// LocalDatabase basics on a real SQLite file: a tap recorded with every
// field, sequence numbers, clock checks, duplicates, migrations, pragmas,
// sync marks, health and events.
#include "app/local_database.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using touchpoint::test::RawDb;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

namespace {

std::unique_ptr<LocalDatabase> open_database(const std::string& path, DatabaseOptions opts = {}) {
    auto s = LocalDatabase::open(path, opts);
    INFO((s ? std::string() : s.error()));
    REQUIRE(s.ok());
    return std::move(s).value();
}

} // namespace

TEST_CASE("a response is written, amended and closed with every field kept", "[database]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    Response r = sample_response();
    r.scale = Scale::nps;
    r.score = 9;
    r.misuse = true;
    {
        auto database = open_database(db);
        REQUIRE(database->insert_open(r).ok());
        CHECK(r.sequence == 1);
        CHECK_FALSE(r.clock_suspect);

        auto open = database->get(r.id);
        REQUIRE(open.ok());
        CHECK_FALSE(open->closed);
        CHECK(database->health().open == 1);
        CHECK(database->health().pending == 0);

        REQUIRE(database->amend(r.id, {"wait_time", "staff"}, "Kia ora, quick service").ok());
        REQUIRE(database->close(r.id).ok());
        database->mark_clean_shutdown();
    }
    auto database = open_database(db); // survives reopening
    auto got = database->get(r.id);
    REQUIRE(got.ok());
    const Response& g = *got;
    CHECK(g.id == r.id);
    CHECK(g.device_id == r.device_id);
    CHECK(g.touch_point == "front-desk");
    CHECK(g.survey_id == "visit");
    CHECK(g.survey_version == 3);
    CHECK(g.question_id == "overall");
    CHECK(g.scale == Scale::nps);
    CHECK(g.score == 9);
    CHECK(g.reasons == std::vector<std::string>{"wait_time", "staff"});
    CHECK(g.comment == "Kia ora, quick service");
    CHECK(g.language == "mi");
    CHECK(g.utc_ms == r.utc_ms);
    CHECK(g.local_time == r.local_time);
    CHECK(g.local_day == "2026-03-29");
    CHECK(g.local_hour == 10);
    CHECK(g.sequence == 1);
    CHECK(g.misuse);
    CHECK_FALSE(g.clock_suspect);
    CHECK(g.closed);
    CHECK(g.sync_state == SyncState::pending);
    CHECK(g.reject_reason.empty());

    // Closed responses never change.
    CHECK_FALSE(database->amend(r.id, {"other"}, "changed").ok());
    CHECK(database->get(r.id)->comment == "Kia ora, quick service");
    CHECK(database->close(r.id).ok()); // closing twice is harmless

    std::vector<std::string> seen;
    REQUIRE(database
                ->for_each([&](const Response& x) {
                    seen.push_back(x.id);
                    return true;
                })
                .ok());
    CHECK(seen == std::vector<std::string>{r.id});
    CHECK(*database->count() == 1);
}

TEST_CASE("unknown ids and bad input are refused in plain words", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("r.db"));
    CHECK_THAT(database->amend("nope", {}, "").error(), Catch::Contains("no response"));
    CHECK_THAT(database->close("nope").error(), Catch::Contains("no response"));
    CHECK_FALSE(database->get("nope").ok());

    Response bad = sample_response();
    bad.score = 7; // not on smiley5
    CHECK_FALSE(database->insert_open(bad).ok());
    Response no_id = sample_response();
    no_id.id.clear();
    CHECK_FALSE(database->insert_open(no_id).ok());
    CHECK(*database->count() == 0);
}

TEST_CASE("sequence numbers rise by one per tap and never go back", "[database]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    std::vector<std::string> ids;
    {
        auto database = open_database(db);
        for (int i = 0; i < 5; ++i) {
            Response r = sample_response(1'000'000 + i * 1000);
            REQUIRE(database->insert_open(r).ok());
            CHECK(r.sequence == i + 1);
            ids.push_back(r.id);
        }
    }
    auto database = open_database(db);
    Response r = sample_response(2'000'000);
    REQUIRE(database->insert_open(r).ok());
    CHECK(r.sequence == 6);
    ids.push_back(r.id);

    // Prune every row, including the newest: numbering still continues.
    for (const auto& id : ids)
        REQUIRE(database->close(id).ok());
    REQUIRE(database->mark_synced(ids).ok());
    auto pruned = database->prune_synced(1, 2'000'000 + 5 * 86'400'000LL);
    REQUIRE(pruned.ok());
    CHECK(*pruned == 6);
    CHECK(*database->count() == 0);
    Response next = sample_response(2'500'000);
    REQUIRE(database->insert_open(next).ok());
    CHECK(next.sequence == 7);
    CHECK_FALSE(next.clock_suspect);

    // A second connection to the same file (the sync thread) sees the new
    // rows and the first connection notices its writes.
    auto other = open_database(db);
    Response b = sample_response(2'600'000);
    REQUIRE(other->insert_open(b).ok());
    CHECK(b.sequence == 8);
    Response c = sample_response(2'700'000);
    REQUIRE(database->insert_open(c).ok());
    CHECK(c.sequence == 9);
}

TEST_CASE("a tap earlier than the previous one is marked clock-suspect", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    Response a = sample_response(1'000'000);
    Response b = sample_response(500'000); // wall clock jumped back
    Response c = sample_response(600'000);
    REQUIRE(database->insert_open(a).ok());
    REQUIRE(database->insert_open(b).ok());
    REQUIRE(database->insert_open(c).ok());
    CHECK_FALSE(a.clock_suspect);
    CHECK(b.clock_suspect);
    CHECK_FALSE(c.clock_suspect);
    CHECK(database->get(b.id)->clock_suspect);
    CHECK_FALSE(database->get(c.id)->clock_suspect);
}

TEST_CASE("a duplicate id is refused and changes nothing", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    Response a = sample_response(1'000'000, 5);
    REQUIRE(database->insert_open(a).ok());
    auto before = *database->score_counts(Scale::smiley5, "2026-03-29", "2026-03-29");

    Response dup = sample_response(2'000'000, 1);
    dup.id = a.id;
    dup.comment = "should not appear";
    Status st = database->insert_open(dup);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error(), Catch::Contains("already stored"));
    CHECK(dup.sequence == 0);

    CHECK(*database->count() == 1);
    auto kept = database->get(a.id);
    CHECK(kept->score == 5);
    CHECK(kept->comment.empty());
    auto after = *database->score_counts(Scale::smiley5, "2026-03-29", "2026-03-29");
    CHECK(after.counted == before.counted);
    CHECK(database->health().state == "ok");

    Response next = sample_response(3'000'000);
    REQUIRE(database->insert_open(next).ok());
    CHECK(next.sequence == 2); // the refused tap used no number
}

TEST_CASE("the schema is versioned and reopening keeps the data", "[database]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    Response r = sample_response();
    {
        auto database = open_database(db);
        REQUIRE(database->insert_open(r).ok());
        CHECK(*database->pragma_value("user_version") == "1");
        database->mark_clean_shutdown();
    }
    {
        RawDb raw(db);
        CHECK(raw.text("PRAGMA user_version") == "1");
        CHECK(raw.text("SELECT count(*) FROM responses") == "1");
    }
    {
        auto database = open_database(db);
        CHECK(*database->count() == 1);
        CHECK(database->get(r.id).ok());
        database->mark_clean_shutdown();
    }
    {
        RawDb raw(db, false);
        raw.exec("PRAGMA user_version = 99");
    }
    auto newer = LocalDatabase::open(db);
    REQUIRE_FALSE(newer.ok());
    CHECK_THAT(newer.error(), Catch::Contains("newer version"));
}

TEST_CASE("the connection uses WAL, synchronous=FULL, a busy timeout and foreign keys",
          "[database]") {
    TempDir dir;
    const std::string db = dir.file("responses.db");
    auto database = open_database(db);
    CHECK(*database->pragma_value("journal_mode") == "wal");
    CHECK(*database->pragma_value("synchronous") == "2"); // FULL
    CHECK(*database->pragma_value("busy_timeout") == "5000");
    CHECK(*database->pragma_value("foreign_keys") == "1");
    CHECK_FALSE(database->pragma_value("user_version; DROP TABLE responses").ok());
    RawDb raw(db);
    CHECK(raw.text("PRAGMA journal_mode") == "wal"); // kept in the file
}

TEST_CASE("sync marks: pending batch, synced, rejected", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    std::vector<Response> rs;
    for (int i = 0; i < 4; ++i) {
        Response r = sample_response(1'000'000 + i);
        REQUIRE(database->insert_open(r).ok());
        rs.push_back(r);
    }
    // Only closed responses are sent.
    REQUIRE(database->close(rs[0].id).ok());
    REQUIRE(database->close(rs[1].id).ok());
    REQUIRE(database->close(rs[2].id).ok());
    auto batch = database->pending_batch(10);
    REQUIRE(batch.ok());
    REQUIRE(batch->size() == 3);
    CHECK((*batch)[0].id == rs[0].id);
    CHECK((*batch)[2].id == rs[2].id);
    CHECK(database->pending_batch(2)->size() == 2);

    REQUIRE(database->mark_synced({rs[0].id}).ok());
    REQUIRE(database->mark_rejected(rs[1].id, "unknown survey version").ok());
    CHECK_FALSE(database->mark_rejected(rs[3].id, "x").ok()); // still open
    auto h = database->health();
    CHECK(h.pending == 1);
    CHECK(h.open == 1);
    CHECK(h.rejected == 1);
    CHECK(database->get(rs[1].id)->reject_reason == "unknown survey version");
    CHECK(database->get(rs[0].id)->sync_state == SyncState::synced);

    auto closed = database->close_all_open();
    REQUIRE(closed.ok());
    CHECK(*closed == 1);
    CHECK(database->health().open == 0);
    CHECK(database->pending_batch(10)->size() == 2);

    // By sequence, as the sync client marks what it sent: only closed,
    // pending rows change (a rejected one stays rejected).
    auto rest = database->pending_batch(10);
    REQUIRE(rest->size() == 2);
    REQUIRE(database
                ->mark_synced(std::vector<std::int64_t>{(*rest)[0].sequence,
                                                        database->get(rs[1].id)->sequence})
                .ok());
    CHECK(database->get((*rest)[0].id)->sync_state == SyncState::synced);
    CHECK(database->get(rs[1].id)->sync_state == SyncState::rejected);
    CHECK(database->get((*rest)[1].id)->sync_state == SyncState::pending);
    CHECK(database->health().pending == 1);
}

TEST_CASE("health reports sizes, free space and state", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    Response r = sample_response();
    REQUIRE(database->insert_open(r).ok());
    auto h = database->health();
    CHECK(h.state == "ok");
    CHECK(h.last_error.empty());
    CHECK(h.database_bytes > 0);
    CHECK(h.disk_free_bytes > 0);
    CHECK(h.open == 1);
}

TEST_CASE("events are recorded and acknowledged", "[database]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    CHECK(database->events()->empty()); // a new file has nothing to report
    REQUIRE(database->record_event("test", "Something staff should see").ok());
    auto ev = database->events();
    REQUIRE(ev->size() == 1);
    CHECK((*ev)[0].kind == "test");
    CHECK((*ev)[0].message == "Something staff should see");
    CHECK((*ev)[0].utc_ms > 0);
    CHECK_FALSE((*ev)[0].acknowledged);
    REQUIRE(database->acknowledge_event((*ev)[0].id).ok());
    CHECK(database->events()->at(0).acknowledged);
    CHECK_FALSE(database->acknowledge_event(12345).ok());
}

TEST_CASE("an in-memory database works for quick use", "[database]") {
    auto database = open_database(":memory:");
    Response r = sample_response();
    REQUIRE(database->insert_open(r).ok());
    CHECK(*database->count() == 1);
    CHECK(database->health().state == "ok");
}
