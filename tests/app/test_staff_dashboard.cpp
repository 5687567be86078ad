// The staff screens' figures against a real database filled with known taps,
// every number computed by hand (time zone UTC so local = UTC).
#include "app/alerts.h"
#include "app/staff_dashboard.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <ctime>

using namespace touchpoint;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

namespace {

std::int64_t utc_ms(const std::string& day, int hour, int minute) {
    std::tm tm{};
    std::sscanf(day.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::chrono::system_clock::time_point at(const std::string& day, int hour, int minute) {
    return std::chrono::system_clock::time_point(
        std::chrono::milliseconds(utc_ms(day, hour, minute)));
}

struct Filler {
    LocalDatabase& database;
    void tap(const std::string& day, int hour, int minute, int score, bool misuse = false,
             std::vector<std::string> reasons = {}, const std::string& comment = "") {
        Response r = sample_response(utc_ms(day, hour, minute), score, day, hour);
        r.misuse = misuse;
        r.reasons = std::move(reasons);
        r.comment = comment;
        REQUIRE(database.insert_open(r).ok());
        REQUIRE(database.close(r.id).ok());
    }
    void taps(const std::string& day, int hour, int score, int n) {
        for (int i = 0; i < n; ++i)
            tap(day, hour, i, score);
    }
};

Survey survey() {
    Survey s;
    s.id = "visit";
    s.scale = Scale::smiley5;
    s.question = {{"en", "How was your visit?"}};
    s.reasons[Band::negative] = {{"wait", {{"en", "Waiting time"}}}};
    s.reasons[Band::positive] = {{"friendly", {{"en", "Friendly staff"}}}};
    return s;
}

TouchPointSettings touch_point() {
    TouchPointSettings tp;
    tp.name = "Front desk";
    tp.store = "Main St";
    tp.time_zone = "UTC";
    tp.service_standard = 85;
    tp.opening_hours.days[6].clear(); // closed on Sundays
    return tp;
}

// The week of 2026-03-23 (Mon) .. 2026-03-30 (Mon, "today").
void fill(LocalDatabase& database) {
    Filler f{database};
    f.taps("2026-03-23", 12, 5, 5);  // Mon: 5 responses, too few to measure
    f.taps("2026-03-24", 12, 5, 10); // Tue: 100 %  met
    f.taps("2026-03-25", 12, 5, 10); // Wed: 100 %  met
    f.taps("2026-03-26", 12, 5, 9);  // Thu: 90 %   met
    f.tap("2026-03-26", 13, 0, 1);
    f.taps("2026-03-27", 12, 5, 8); // Fri: 80 %   not met
    f.taps("2026-03-27", 13, 2, 2);
    f.taps("2026-03-28", 9, 5, 5); // Sat: hour 9  5/5 = 100 %
    f.tap("2026-03-28", 11, 0, 5); //      hour 11 1/5 = 20 %
    for (int i = 1; i <= 4; ++i)
        f.tap("2026-03-28", 11, i, 2, false, {"wait"});
    f.tap("2026-03-28", 12, 0, 1, true); //      misuse, not counted
    f.tap("2026-03-28", 16, 0, 2);       //      hour 16: 1 response, 0 % (too few)
    f.taps("2026-03-29", 12, 1, 10);     // Sun: closed day, 0 %
    // Today (Mon 30).
    f.tap("2026-03-30", 9, 10, 5, false, {"friendly"});
    f.tap("2026-03-30", 9, 20, 4);
    f.tap("2026-03-30", 10, 5, 1, false, {"wait"}, "Too slow");
    f.tap("2026-03-30", 10, 40, 5);
    f.tap("2026-03-30", 14, 0, 3);
    f.tap("2026-03-30", 14, 30, 5, true); // misuse
    f.tap("2026-03-30", 15, 0, 2, false, {"wait"});
}

std::unique_ptr<LocalDatabase> filled_database(const std::string& path) {
    auto s = LocalDatabase::open(path);
    REQUIRE(s.ok());
    auto database = std::move(s).value();
    fill(*database);
    return database;
}

} // namespace

TEST_CASE("dashboard figures for today, the trend and consistency", "[dashboard]") {
    TempDir dir;
    auto database = filled_database(dir.file("responses.db"));
    const StaffDashboard d =
        build_staff_dashboard(*database, survey(), touch_point(), "en", at("2026-03-30", 15, 30));
    CHECK(d.error.empty());
    CHECK(d.today == "2026-03-30");
    CHECK(d.touch_point == "Front desk");
    CHECK(d.headline_name == "CSAT");

    // Today: 6 counted (5, 4, 1, 5, 3, 2) and 1 misuse.
    CHECK(d.today_metrics.count == 6);
    CHECK(d.today_metrics.misuse == 1);
    REQUIRE(d.today_metrics.headline);
    CHECK(*d.today_metrics.headline == Approx(50.0)); // 3 of 6 are 4-5
    CHECK(*d.today_metrics.satisfaction_index ==
          Approx(58.3333).epsilon(1e-4)); // mean 20/6 -> (3.333-1)/4
    REQUIRE(d.today_meets);
    CHECK_FALSE(*d.today_meets);

    REQUIRE(d.distribution.size() == 5);
    const std::int64_t want_dist[] = {1, 1, 1, 1, 2};
    for (int s = 1; s <= 5; ++s) {
        CHECK(d.distribution[static_cast<std::size_t>(s - 1)].score == s);
        CHECK(d.distribution[static_cast<std::size_t>(s - 1)].count == want_dist[s - 1]);
    }
    for (int h = 0; h < 24; ++h) {
        INFO("hour " << h);
        const std::int64_t want = h == 9 ? 2 : h == 10 ? 2 : h == 14 ? 1 : h == 15 ? 1 : 0;
        CHECK(d.per_hour[static_cast<std::size_t>(h)] == want);
    }

    // Trend: 7 and 30 days ending today; Sunday marked closed.
    REQUIRE(d.trend7.size() == 7);
    CHECK(d.trend7.front().day == "2026-03-24");
    CHECK(d.trend7.back().day == "2026-03-30");
    const double want7[] = {100, 100, 90, 80, 6.0 / 11 * 100, 0, 50};
    const std::int64_t count7[] = {10, 10, 10, 10, 11, 10, 6};
    for (std::size_t i = 0; i < 7; ++i) {
        INFO(d.trend7[i].day);
        CHECK(d.trend7[i].count == count7[i]);
        REQUIRE(d.trend7[i].headline);
        CHECK(*d.trend7[i].headline == Approx(want7[i]));
        CHECK(d.trend7[i].open == (d.trend7[i].day != "2026-03-29"));
        CHECK(d.trend7[i].meets == (i <= 2));
    }
    REQUIRE(d.trend30.size() == 30);
    CHECK(d.trend30.front().day == "2026-03-01");
    CHECK(d.trend30.front().count == 0);
    CHECK_FALSE(d.trend30.front().headline);
    CHECK_FALSE(d.trend30.front().open); // 2026-03-01 is a Sunday
    CHECK(d.trend30[22].day == "2026-03-23");
    CHECK(d.trend30[22].count == 5);

    // Consistency: open days with >= 10 responses before today: Tue..Sat,
    // met on 3 of 5 = 60 % -> Repeatable. (Counting the closed Sunday would
    // make it 3 of 6 = Ad hoc.)
    CHECK(d.consistency.days_measured == 5);
    CHECK(d.consistency.days_met == 3);
    CHECK(d.consistency.level == ConsistencyLevel::repeatable);

    REQUIRE(d.top_reasons.size() == 2);
    CHECK(d.top_reasons[0].label == "Waiting time");
    CHECK(d.top_reasons[0].count == 2);
    CHECK(d.top_reasons[1].label == "Friendly staff");
    CHECK(d.top_reasons[1].count == 1);
    REQUIRE(d.comments.size() == 1);
    CHECK(d.comments[0].comment == "Too slow");
    CHECK(d.alerts.empty());
}

TEST_CASE("an empty database gives an empty dashboard, not an error", "[dashboard]") {
    auto s = LocalDatabase::open(":memory:");
    REQUIRE(s.ok());
    const StaffDashboard d =
        build_staff_dashboard(**s, survey(), touch_point(), "en", at("2026-03-30", 8, 0));
    CHECK(d.error.empty());
    CHECK(d.today_metrics.count == 0);
    CHECK_FALSE(d.today_metrics.headline);
    CHECK_FALSE(d.today_meets);
    CHECK(d.consistency.level == ConsistencyLevel::not_yet_measured);
    CHECK(d.trend7.size() == 7);
}

TEST_CASE("low-score alerts show on the dashboard until acknowledged", "[dashboard][alerts]") {
    auto s = LocalDatabase::open(":memory:");
    REQUIRE(s.ok());
    LocalDatabase& database = **s;
    REQUIRE(database
                .record_event(k_low_score_alert_kind,
                              "3 lowest answers (score 1) within 10 minutes.",
                              utc_ms("2026-03-30", 10, 7))
                .ok());
    REQUIRE(
        database.record_event("disk_full", "The disk is full.", utc_ms("2026-03-30", 10, 8)).ok());
    StaffDashboard d =
        build_staff_dashboard(database, survey(), touch_point(), "en", at("2026-03-30", 11, 0));
    REQUIRE(d.alerts.size() == 1);
    CHECK(d.alerts[0].when == "10:07");
    CHECK(d.alerts[0].message == "3 lowest answers (score 1) within 10 minutes.");
    // Another day's alert carries its date.
    d = build_staff_dashboard(database, survey(), touch_point(), "en", at("2026-03-31", 9, 0));
    CHECK(d.alerts.at(0).when == "2026-03-30 10:07");

    // The health panel lists the other database events, not the alerts.
    SyncNotConfigured sync;
    HealthModel h = build_health(database, sync, "1.2.3");
    REQUIRE(h.events.size() == 1);
    CHECK(h.events[0].kind == "disk_full");
    CHECK(h.sync.last_error == "Sync: not configured");
    CHECK(h.sync.last_sync_utc_ms == 0);
    CHECK(h.sync.state == SyncPhase::not_configured);
    CHECK(h.app_version == "1.2.3");

    REQUIRE(database.acknowledge_event(d.alerts[0].event_id).ok());
    d = build_staff_dashboard(database, survey(), touch_point(), "en", at("2026-03-30", 11, 0));
    CHECK(d.alerts.empty());
}

TEST_CASE("huddle: yesterday against the standard, best and worst hour, top reasons", "[huddle]") {
    TempDir dir;
    auto database = filled_database(dir.file("responses.db"));
    TouchPointSettings tp = touch_point();
    tp.cx_statement = "Every customer leaves glad they came.";
    const HuddleModel h = build_huddle(*database, survey(), tp, "en", at("2026-03-29", 8, 0));
    CHECK(h.error.empty());
    CHECK(h.cx_statement == "Every customer leaves glad they came.");
    CHECK(h.yesterday == "2026-03-28");
    CHECK(h.yesterday_open);
    // Saturday: 11 counted (6 of them 4-5) and one misuse.
    CHECK(h.yesterday_metrics.count == 11);
    CHECK(h.yesterday_metrics.misuse == 1);
    CHECK(*h.yesterday_metrics.headline == Approx(600.0 / 11));
    REQUIRE(h.yesterday_meets);
    CHECK_FALSE(*h.yesterday_meets);
    // Hour 16 (1 response, 0 %) has too few responses to be the worst.
    REQUIRE(h.best_hour);
    CHECK(h.best_hour->hour == 9);
    CHECK(h.best_hour->count == 5);
    CHECK(h.best_hour->headline == Approx(100));
    REQUIRE(h.worst_hour);
    CHECK(h.worst_hour->hour == 11);
    CHECK(h.worst_hour->headline == Approx(20));
    REQUIRE(h.top_reasons.size() == 1);
    CHECK(h.top_reasons[0].label == "Waiting time");
    CHECK(h.top_reasons[0].count == 4);

    // The day after a closed Sunday: yesterday was closed, no hours qualify.
    const HuddleModel m = build_huddle(*database, survey(), tp, "en", at("2026-03-30", 8, 0));
    CHECK(m.yesterday == "2026-03-29");
    CHECK_FALSE(m.yesterday_open);
}

TEST_CASE("database: taps since an instant and per-hour score counts", "[database][dashboard]") {
    TempDir dir;
    auto database = filled_database(dir.file("responses.db"));
    auto taps = database->taps_since(utc_ms("2026-03-30", 10, 40));
    REQUIRE(taps.ok());
    REQUIRE(taps->size() == 4); // 10:40, 14:00, 14:30 (misuse), 15:00 — oldest first
    CHECK((*taps)[0].utc_ms == utc_ms("2026-03-30", 10, 40));
    CHECK((*taps)[0].score == 5);
    CHECK((*taps)[2].misuse);
    CHECK((*taps)[3].score == 2);
    CHECK(database->taps_since(utc_ms("2026-03-31", 0, 0))->empty());

    auto hours = database->hourly_score_counts(Scale::smiley5, "2026-03-28");
    REQUIRE(hours.ok());
    REQUIRE(hours->size() == 24);
    CHECK((*hours)[9].counted[5] == 5);
    CHECK((*hours)[11].counted[2] == 4);
    CHECK((*hours)[11].counted[5] == 1);
    CHECK((*hours)[12].misuse[1] == 1);
    CHECK((*hours)[12].counted_total() == 0);
    CHECK((*hours)[0].counted_total() == 0);
}
