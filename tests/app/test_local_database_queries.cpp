// Dashboard queries against hand-computed counts, and the pruning rules.
#include "app/local_database.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

namespace {

std::unique_ptr<LocalDatabase> open_database(const std::string& path) {
    auto s = LocalDatabase::open(path);
    INFO((s ? std::string() : s.error()));
    REQUIRE(s.ok());
    return std::move(s).value();
}

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'774'700'000'000; // "now" in these tests

struct Tap {
    const char* day;
    int hour;
    Scale scale;
    int score;
    bool misuse;
    std::vector<std::string> reasons;
    const char* comment;
};

// Nine taps over three days (see the expected counts in the test below).
std::vector<Response> record_sample_days(LocalDatabase& database) {
    const std::vector<Tap> taps = {
        {"2026-03-27", 9, Scale::smiley5, 5, false, {"friendly", "friendly"}, "Great"},
        {"2026-03-27", 9, Scale::smiley5, 5, true, {"friendly"}, ""},
        {"2026-03-27", 14, Scale::smiley5, 2, false, {"wait", "price"}, ""},
        {"2026-03-28", 10, Scale::smiley5, 4, false, {"friendly", "wait"}, ""},
        {"2026-03-28", 10, Scale::smiley5, 1, false, {"wait"}, "Too slow"},
        {"2026-03-29", 8, Scale::smiley5, 3, false, {}, ""},
        {"2026-03-29", 23, Scale::smiley5, 5, true, {}, ""},
        {"2026-03-29", 8, Scale::nps, 9, false, {"friendly"}, "Ka pai"},
        {"2026-03-27", 9, Scale::smiley5, 4, false, {}, ""},
    };
    std::vector<Response> out;
    std::int64_t t = kNow - 10 * kDay;
    for (const auto& tap : taps) {
        Response r = sample_response(t += 60'000, tap.score, tap.day, tap.hour);
        r.scale = tap.scale;
        r.misuse = tap.misuse;
        REQUIRE(r.local_day == tap.day);
        REQUIRE(database.insert_open(r).ok());
        REQUIRE(database.amend(r.id, tap.reasons, tap.comment).ok());
        out.push_back(r);
    }
    // Follow-up answers change while the response is open: the rollups follow.
    REQUIRE(database.amend(out[2].id, {"wait"}, "").ok());
    REQUIRE(database.amend(out[8].id, {"price"}, "").ok());
    for (const auto& r : out)
        REQUIRE(database.close(r.id).ok());
    return out;
}

std::array<std::int64_t, 11> counts(std::initializer_list<std::pair<int, std::int64_t>> list) {
    std::array<std::int64_t, 11> a{};
    for (auto [score, n] : list)
        a[static_cast<std::size_t>(score)] = n;
    return a;
}

} // namespace

TEST_CASE("dashboard queries match hand-computed counts", "[database][dashboard]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    record_sample_days(*database);

    SECTION("score counts keep counted and misuse apart") {
        auto all = database->score_counts(Scale::smiley5, "2026-03-27", "2026-03-29");
        REQUIRE(all.ok());
        CHECK(all->scale == Scale::smiley5);
        CHECK(all->counted == counts({{1, 1}, {2, 1}, {3, 1}, {4, 2}, {5, 1}}));
        CHECK(all->misuse == counts({{5, 2}}));

        auto nps = database->score_counts(Scale::nps, "2026-03-27", "2026-03-29");
        CHECK(nps->counted == counts({{9, 1}}));
        CHECK(nps->misuse == counts({}));

        auto one_day = database->score_counts(Scale::smiley5, "2026-03-28", "2026-03-28");
        CHECK(one_day->counted == counts({{1, 1}, {4, 1}}));
        auto none = database->score_counts(Scale::smiley5, "2026-04-01", "2026-04-30");
        CHECK(none->counted == counts({}));
    }

    SECTION("daily counts: one entry per day with responses") {
        auto days = database->daily_counts(Scale::smiley5, "2026-03-01", "2026-03-31");
        REQUIRE(days.ok());
        REQUIRE(days->size() == 3);
        CHECK((*days)[0].day == "2026-03-27");
        CHECK((*days)[0].counts.counted == counts({{2, 1}, {4, 1}, {5, 1}}));
        CHECK((*days)[0].counts.misuse == counts({{5, 1}}));
        CHECK((*days)[1].day == "2026-03-28");
        CHECK((*days)[1].counts.counted == counts({{1, 1}, {4, 1}}));
        CHECK((*days)[2].day == "2026-03-29");
        CHECK((*days)[2].counts.counted == counts({{3, 1}}));
        CHECK((*days)[2].counts.misuse == counts({{5, 1}}));

        auto tail = database->daily_counts(Scale::smiley5, "2026-03-28", "2026-04-10");
        REQUIRE(tail->size() == 2);
        CHECK(tail->front().day == "2026-03-28");
    }

    SECTION("hourly counts: 24 hours of counted responses, every scale") {
        auto a = database->hourly_counts("2026-03-27");
        REQUIRE(a.ok());
        REQUIRE(a->size() == 24);
        for (int h = 0; h < 24; ++h) {
            CHECK((*a)[static_cast<std::size_t>(h)].hour == h);
            std::int64_t expected = h == 9 ? 2 : h == 14 ? 1 : 0;
            CHECK((*a)[static_cast<std::size_t>(h)].count == expected);
        }
        auto c = database->hourly_counts("2026-03-29");
        CHECK((*c)[8].count == 2);  // smiley5 and nps
        CHECK((*c)[23].count == 0); // only a misuse-flagged tap
    }

    SECTION("top reasons: counted responses, most frequent first") {
        auto top = database->top_reasons("2026-03-27", "2026-03-29", 10);
        REQUIRE(top.ok());
        REQUIRE(top->size() == 3);
        CHECK((*top)[0].reason == "friendly");
        CHECK((*top)[0].count == 3);
        CHECK((*top)[1].reason == "wait");
        CHECK((*top)[1].count == 3);
        CHECK((*top)[2].reason == "price");
        CHECK((*top)[2].count == 1);
        CHECK(database->top_reasons("2026-03-27", "2026-03-29", 2)->size() == 2);

        auto b = database->top_reasons("2026-03-28", "2026-03-28", 10);
        REQUIRE(b->size() == 2);
        CHECK((*b)[0].reason == "wait");
        CHECK((*b)[0].count == 2);
        CHECK((*b)[1].reason == "friendly");
        CHECK((*b)[1].count == 1);
    }

    SECTION("recent comments: newest first") {
        auto comments = database->recent_comments(10);
        REQUIRE(comments.ok());
        REQUIRE(comments->size() == 3);
        CHECK((*comments)[0].comment == "Ka pai");
        CHECK((*comments)[0].score == 9);
        CHECK((*comments)[0].local_time == "2026-03-29T08:15:00+13:00");
        CHECK((*comments)[1].comment == "Too slow");
        CHECK((*comments)[2].comment == "Great");
        CHECK(database->recent_comments(1)->size() == 1);
    }
}

TEST_CASE("pruning removes only old synced responses", "[database][prune]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    auto tap = [&](std::int64_t utc) {
        Response r = sample_response(utc);
        REQUIRE(database->insert_open(r).ok());
        return r.id;
    };
    const std::string old_synced = tap(kNow - 40 * kDay);
    const std::string old_pending = tap(kNow - 40 * kDay + 1);
    const std::string old_rejected = tap(kNow - 40 * kDay + 2);
    const std::string old_open = tap(kNow - 40 * kDay + 3);
    const std::string new_synced = tap(kNow - 5 * kDay);
    for (const auto& id : {old_synced, old_pending, old_rejected, new_synced})
        REQUIRE(database->close(id).ok());
    REQUIRE(database->mark_synced({old_synced, new_synced}).ok());
    REQUIRE(database->mark_rejected(old_rejected, "bad survey").ok());

    auto pruned = database->prune_synced(30, kNow);
    REQUIRE(pruned.ok());
    CHECK(*pruned == 1);
    CHECK_FALSE(database->get(old_synced).ok());
    CHECK(database->get(old_pending).ok());
    CHECK(database->get(old_rejected).ok());
    CHECK(database->get(old_open).ok());
    CHECK(database->get(new_synced).ok());
    CHECK(*database->prune_synced(30, kNow) == 0);

    // Open responses cannot even be marked synced, so they are never pruned.
    REQUIRE(database->mark_synced({old_open}).ok());
    CHECK(database->get(old_open)->sync_state == SyncState::pending);
    CHECK(*database->prune_synced(0, kNow + kDay) == 1); // only new_synced now
    CHECK(*database->count() == 3);
    CHECK_FALSE(database->prune_synced(-1, kNow).ok());
}

TEST_CASE("pruned responses leave the dashboard counts too", "[database][prune][dashboard]") {
    TempDir dir;
    auto database = open_database(dir.file("responses.db"));
    auto rs = record_sample_days(*database);
    REQUIRE(database->mark_synced({rs[3].id}).ok()); // 2026-03-28, score 4, friendly+wait
    REQUIRE(*database->prune_synced(0, kNow) == 1);

    auto b = database->score_counts(Scale::smiley5, "2026-03-28", "2026-03-28");
    CHECK(b->counted == counts({{1, 1}}));
    auto reasons = database->top_reasons("2026-03-28", "2026-03-28", 10);
    REQUIRE(reasons->size() == 1);
    CHECK((*reasons)[0].reason == "wait");
    CHECK((*reasons)[0].count == 1);
    CHECK((*database->hourly_counts("2026-03-28"))[10].count == 1);
}
