// The kiosk and the server count the same responses the same way. The kiosk
// keeps its roll-up with SQL triggers (app/local_database_schema.cpp); the server computes
// its cells in C++ (server/rollup.h) for both backends. The same responses —
// every scale and score, misuse-flagged ones, several days and hours — go to
// a kiosk database and to the server's storage (SQLite, or PostgreSQL under
// TOUCHPOINT_TEST_DB), and the kiosk's counts per day, per hour and per score
// must equal the server's roll-up, before and after both prune the oldest.
#include "app/local_database.h"
#include "core/uuid.h"
#include "server/storage.h"
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <map>
#include <tuple>

using namespace tpt;
using touchpoint::LocalDatabase;
using touchpoint::Response;
using touchpoint::Scale;
namespace server = touchpoint::server;

namespace {

const Scale k_scales[] = {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs};
const char* const k_days[] = {"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"};
constexpr std::int64_t k_first_day_utc_ms = 1'772'236'800'000; // 2026-02-28T00:00:00Z
constexpr std::int64_t k_day_ms = 86'400'000;
constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr int k_responses = 700;

// (day, hour or -1, scale, score, misuse) -> count
using Cell = std::tuple<std::string, int, std::string, int, bool>;
using Cells = std::map<Cell, std::int64_t>;

// Response i: scales, scores, days and hours in different rhythms, every
// ninth flagged as misuse, some with reasons.
Response response(int i, const server::DeviceRecord& device) {
    Response r;
    r.id = touchpoint::make_uuid();
    r.device_id = device.id;
    r.touch_point = device.touch_point;
    r.survey_id = "checkout";
    r.survey_version = 1;
    r.question_id = "how-was-it";
    r.scale = k_scales[i % 5];
    const auto& info = touchpoint::scale_info(r.scale);
    r.score = info.min + (i * 7 + i / 5) % (info.max - info.min + 1);
    if (i % 4 == 0) r.reasons = {"queue", "staff"};
    r.language = "en";
    const int day = (i / 3) % 4;
    r.local_day = k_days[day];
    r.local_hour = 7 + (i * 5) % 13;
    // Local time is UTC+13: the local day starts at 11:00 UTC the day before.
    r.utc_ms = k_first_day_utc_ms + day * k_day_ms + 11 * k_hour_ms + r.local_hour * k_hour_ms + i;
    r.local_time = r.local_day + "T" + (r.local_hour < 10 ? "0" : "") +
                   std::to_string(r.local_hour) + ":00:00+13:00";
    r.sequence = i + 1;
    r.misuse = i % 9 == 0;
    r.closed = true;
    return r;
}

server::DeviceRecord set_up(server::Storage& s) {
    const std::int64_t now = now_ms();
    REQUIRE(s.create_store({"akl", "Auckland", "Pacific/Auckland"}, now).ok());
    REQUIRE(s.create_touch_point({"akl-checkout", "akl", "Checkout", "{}", "", now}).ok());
    REQUIRE(s.create_enrollment_code("code-hash", "akl-checkout", now, now + 3600000).ok());
    auto e = s.enroll("code-hash", {touchpoint::make_uuid(), "Kiosk 1", "token-hash"}, now);
    REQUIRE(e.ok());
    REQUIRE(e->status == server::EnrollStatus::enrolled);
    return e->device;
}

// The server's roll-up per day (or per day and hour), as cells.
Cells server_cells(server::Storage& s, bool hourly) {
    server::SummaryGrouping g;
    g.day = true;
    g.hour = hourly;
    auto counts = s.rollup(server::ResponseFilter{}, g);
    REQUIRE(counts.ok());
    Cells out;
    for (const server::RollupCount& c : *counts)
        out[Cell{c.local_day, c.local_hour, std::string(to_string(c.scale)), c.score, c.misuse}] +=
            c.count;
    return out;
}

void add_counts(Cells& out, const std::string& day, int hour, Scale scale,
                const touchpoint::ScoreCounts& c) {
    for (int score = 0; score < static_cast<int>(c.counted.size()); ++score) {
        const auto i = static_cast<std::size_t>(score);
        const std::string name(to_string(scale));
        if (c.counted[i]) out[Cell{day, hour, name, score, false}] += c.counted[i];
        if (c.misuse[i]) out[Cell{day, hour, name, score, true}] += c.misuse[i];
    }
}

// The kiosk's counts per day and score (daily_counts), or per day, hour and
// score (hourly_score_counts), as cells.
Cells kiosk_cells(const LocalDatabase& database, bool hourly) {
    Cells out;
    for (Scale scale : k_scales) {
        if (!hourly) {
            auto days = database.daily_counts(scale, k_days[0], k_days[3]);
            REQUIRE(days.ok());
            for (const touchpoint::DayCounts& d : *days)
                add_counts(out, d.day, -1, scale, d.counts);
            continue;
        }
        for (const char* day : k_days) {
            auto hours = database.hourly_score_counts(scale, day);
            REQUIRE(hours.ok());
            for (int h = 0; h < static_cast<int>(hours->size()); ++h)
                add_counts(out, day, h, scale, (*hours)[static_cast<std::size_t>(h)]);
        }
    }
    return out;
}

// Both sides, every way the kiosk counts: per day, per hour, per score over
// the whole range, and the counted (not misuse) responses per hour.
void check_same_counts(const LocalDatabase& kiosk, server::Storage& storage) {
    const Cells server_daily = server_cells(storage, false);
    const Cells server_hourly = server_cells(storage, true);
    CHECK(kiosk_cells(kiosk, false) == server_daily);
    CHECK(kiosk_cells(kiosk, true) == server_hourly);

    for (Scale scale : k_scales) {
        auto total = kiosk.score_counts(scale, k_days[0], k_days[3]);
        REQUIRE(total.ok());
        std::int64_t counted = 0, misuse = 0;
        for (const auto& [cell, n] : server_daily)
            if (std::get<2>(cell) == to_string(scale)) (std::get<4>(cell) ? misuse : counted) += n;
        CHECK(total->counted_total() == counted);
        CHECK(total->misuse_total() == misuse);
    }
    for (const char* day : k_days) {
        auto hours = kiosk.hourly_counts(day);
        REQUIRE(hours.ok());
        std::map<int, std::int64_t> server_hours;
        for (const auto& [cell, n] : server_hourly)
            if (std::get<0>(cell) == day && !std::get<4>(cell)) server_hours[std::get<1>(cell)] += n;
        for (const touchpoint::HourCount& h : *hours) {
            INFO(day << " hour " << h.hour);
            CHECK(h.count == server_hours[h.hour]);
        }
    }
}

} // namespace

TEST_CASE("roll-up: the kiosk's triggers and the server's cells count the same responses alike",
          "[server][summary]") {
    TestDatabase db;
    auto opened = server::open_storage(db.url());
    REQUIRE(opened.ok());
    server::Storage& storage = **opened;
    const server::DeviceRecord device = set_up(storage);
    auto kiosk_opened = LocalDatabase::open(":memory:");
    REQUIRE(kiosk_opened.ok());
    LocalDatabase& kiosk = **kiosk_opened;

    // The same responses to both: the kiosk records them tap by tap, the
    // server takes them in batches of 50 (a few resent, which count once).
    std::vector<std::string> ids;
    std::vector<server::IncomingResponse> batch;
    auto send = [&] {
        auto out = storage.ingest_batch(device, batch, "", now_ms());
        REQUIRE(out.ok());
        batch.clear();
    };
    for (int i = 0; i < k_responses; ++i) {
        Response r = response(i, device);
        Response tapped = r;
        REQUIRE(kiosk.insert_open(tapped).ok());
        REQUIRE(kiosk.close(r.id).ok());
        ids.push_back(r.id);
        server::IncomingResponse in;
        in.index = batch.size();
        in.content_hash = "content-" + r.id;
        in.response = r;
        batch.push_back(in);
        if (i % 97 == 0) batch.push_back(in); // the same response twice in a batch
        if (batch.size() >= 50) send();
    }
    if (!batch.empty()) send();
    auto stored = storage.response_count();
    REQUIRE(stored.ok());
    REQUIRE(*stored == k_responses);
    REQUIRE(server_cells(storage, true).size() > 100);
    check_same_counts(kiosk, storage);

    // Pruned on both up to the same instant, mid-day: whole cells go and
    // others shrink.
    const std::int64_t cutoff = k_first_day_utc_ms + k_day_ms + 11 * k_hour_ms + 14 * k_hour_ms;
    REQUIRE(kiosk.mark_synced(ids).ok());
    auto kiosk_pruned = kiosk.prune_synced(1, cutoff + k_day_ms);
    auto server_pruned = storage.prune_responses(cutoff);
    REQUIRE(kiosk_pruned.ok());
    REQUIRE(server_pruned.ok());
    CHECK(*kiosk_pruned == *server_pruned);
    CHECK(*server_pruned > 0);
    CHECK(*server_pruned < k_responses);
    check_same_counts(kiosk, storage);
}
