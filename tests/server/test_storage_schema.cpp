// The one schema of both storage backends: the same migrations but for the
// dialect hooks, and a database made by an older server (at schema version
// 1, before the insertion sequence and the roll-ups) opening with everything
// it held numbered, counted and readable. The second runs on SQLite, or on
// PostgreSQL under TOUCHPOINT_TEST_DB.
#include "server/postgres_storage.h"
#include "server/sqlite_storage.h"
#include "server/storage_schema.h"
#include "server_fixture.h"
#include "sqlite/sqlite.h"

#include <catch2/catch.hpp>

using namespace tpt;
using namespace touchpoint::server;

namespace {

std::string without(std::string text, const std::string& part) {
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at))
        text.erase(at, part.size());
    return text;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("schema: both dialects run the same migrations but for their hooks", "[server]") {
    const std::vector<std::string> lite = storage_migrations(Dialect::sqlite);
    const std::vector<std::string> pg = storage_migrations(Dialect::postgres);
    REQUIRE(lite.size() == pg.size());
    CHECK(static_cast<int>(lite.size()) == storage_schema_version());
    CHECK(sqlite_schema_version() == storage_schema_version());
    CHECK(postgres_schema_version() == storage_schema_version());

    const std::string sqlite_numbering = "UPDATE responses SET seq = rowid;";
    for (std::size_t i = 0; i < lite.size(); ++i) {
        INFO("migration " << i + 1);
        CHECK(lite[i].find('{') == std::string::npos); // every hook filled in
        CHECK(pg[i].find('{') == std::string::npos);
        // Every text column of PostgreSQL's compares byte-wise, as SQLite's does.
        CHECK(occurrences(pg[i], "TEXT") == occurrences(pg[i], "TEXT COLLATE \"C\""));
        CHECK(occurrences(lite[i], "COLLATE") == 0);
        const std::string plain = without(pg[i], " COLLATE \"C\"");
        if (lite[i].find(sqlite_numbering) == std::string::npos) {
            CHECK(plain == lite[i]);
            continue;
        }
        // The one other difference: how the responses already stored are numbered.
        const std::size_t at = lite[i].find(sqlite_numbering);
        CHECK(plain.substr(0, at) == lite[i].substr(0, at));
        const std::string rest = lite[i].substr(at + sqlite_numbering.size());
        CHECK(plain.substr(plain.size() - rest.size()) == rest);
        CHECK(plain.find("ALTER TABLE responses ALTER COLUMN seq SET NOT NULL;") !=
              std::string::npos);
    }
}

TEST_CASE("schema: a database made at version 1 opens with its responses numbered and counted",
          "[server]") {
    TestDatabase db;
    const Dialect dialect = db.postgres() ? Dialect::postgres : Dialect::sqlite;
    const std::string first = storage_migrations(dialect).front();
    // Three responses, stored in the order they were received.
    std::string rows = "INSERT INTO stores VALUES ('akl', 'Auckland', 'Pacific/Auckland', 1);"
                       "INSERT INTO touch_points VALUES ('akl-1', 'akl', 'Checkout', '{}', NULL, 1);"
                       "INSERT INTO devices (id, name, store_id, touch_point, token_hash, "
                       "enrolled_utc_ms) VALUES ('dev', 'Till', 'akl', 'akl-1', 'hash', 1);";
    const char* const ids[] = {"00000000-0000-4000-8000-00000000000c",
                               "00000000-0000-4000-8000-00000000000a",
                               "00000000-0000-4000-8000-00000000000b"};
    for (int i = 0; i < 3; ++i)
        rows += std::string("INSERT INTO responses VALUES ('") + ids[i] +
                "', 'dev', 'akl', 'akl-1', 'checkout', 1, 'q', 'smiley5', " +
                std::to_string(3 + i % 2) + ", '[\"queue\"]', '', 'en', " +
                std::to_string(1000 + i) + ", '2026-03-02T09:00:00+13:00', '2026-03-02', 9, " +
                std::to_string(i + 1) + ", 0, 0, 0, " + std::to_string(5000 + i) + ", 'h" +
                std::to_string(i) + "');";
    if (db.postgres()) {
        (void)db.rows(first);
        (void)db.rows("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                      "INSERT INTO schema_version VALUES (1);" +
                      rows);
    } else {
        auto c = touchpoint::sqlite::Connection::open(db.sqlite_path());
        REQUIRE(c.ok());
        REQUIRE(c->exec(first).ok());
        REQUIRE(c->exec(rows + "PRAGMA user_version = 1;").ok());
    }

    auto opened = open_storage(db.url());
    REQUIRE(opened.ok());
    Storage& s = **opened;
    auto listed = s.list_responses(ResponseFilter{}, 10);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 3);
    for (int i = 0; i < 3; ++i) {
        const StoredResponse& r = (*listed)[static_cast<std::size_t>(i)];
        CHECK(r.seq == i + 1); // in the order received (SQLite: stored)
        CHECK(r.response.id == ids[i]);
        CHECK(r.response.reasons == std::vector<std::string>{"queue"});
    }
    auto last = s.last_seq();
    REQUIRE(last.ok());
    CHECK(*last == 3);
    SummaryGrouping by_day;
    by_day.day = true;
    auto counted = s.rollup(ResponseFilter{}, by_day);
    REQUIRE(counted.ok());
    REQUIRE(counted->size() == 2);
    CHECK((*counted)[0].score == 3);
    CHECK((*counted)[0].count == 2);
    CHECK((*counted)[1].score == 4);
    CHECK((*counted)[1].count == 1);
    auto history = s.touch_point_history("");
    REQUIRE(history.ok());
    REQUIRE(history->size() == 1);
    CHECK((*history)[0].changed_utc_ms == 0);

    // And it goes on from there.
    auto device = s.device_by_token_hash("hash");
    REQUIRE(device.ok());
    REQUIRE(device->has_value());
    IncomingResponse in;
    in.response = (*listed)[0].response;
    in.response.id = "00000000-0000-4000-8000-00000000000d";
    in.content_hash = "h3";
    auto batch = s.ingest_batch(**device, {in}, "", now_ms());
    REQUIRE(batch.ok());
    CHECK(batch->items == std::vector<IngestStatus>{IngestStatus::accepted});
    auto stored = s.response(in.response.id);
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->seq == 4);
}
