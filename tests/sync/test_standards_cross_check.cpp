// The kiosk and head office judge a touch point alike: the same responses,
// tapped into a kiosk's database and synced to a real server, give the kiosk
// dashboard's consistency level and met days, and the server's
// GET /api/v1/standards, the same answer.
#include "server_process.h"
#include "sync_support.h"

#include "app/staff_dashboard.h"
#include "core/local_time.h"
#include "core/metrics.h"
#include "core/survey.h"
#include "core/uuid.h"
#include "sync/http.h"
#include "sync/sync_client.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tpsync;
using namespace tptest;
using namespace std::chrono;

TEST_CASE("standards: the kiosk's consistency level equals the server's for the same responses",
          "[standards]") {
    ServerProcess server;
    server.start();
    Kiosk k;
    k.enroll_with(server);
    auto survey = load_survey_file(std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml");
    REQUIRE(survey);
    // The server's touch point as its admin command made it: the defaults.
    TouchPointSettings tp;
    tp.key = "akl-checkout-1";
    tp.time_zone = "Pacific/Auckland";

    // 60 days and today: 4 to 24 taps a day, each day with its own share of
    // good answers, a few of them misuse.
    const auto now = system_clock::now();
    const std::int64_t now_ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
    std::mt19937 random(20261207);
    int taps = 0;
    for (int d = 60; d >= 0; --d) {
        const int n = 4 + static_cast<int>(random() % 21);
        const double good = 0.6 + 0.4 * static_cast<double>(random() % 100) / 100.0;
        for (int i = 0; i < n; ++i) {
            Response r;
            r.id = make_uuid();
            r.device_id = k.enrollment.device_id;
            r.touch_point = tp.key;
            r.survey_id = survey->id;
            r.survey_version = survey->version;
            r.question_id = "checkout-experience";
            r.scale = Scale::smiley4;
            r.score = static_cast<double>(random() % 1000) / 1000.0 < good ? 3 + static_cast<int>(random() % 2)
                                                                           : 1 + static_cast<int>(random() % 2);
            r.misuse = random() % 25 == 0;
            r.language = "en";
            r.utc_ms = now_ms - d * 24LL * 3600 * 1000 - i * 60000LL;
            const LocalStamp s = local_stamp(tp.time_zone, r.utc_ms);
            r.local_time = s.iso;
            r.local_day = s.day;
            r.local_hour = s.hour;
            REQUIRE(k.database->insert_open(r));
            REQUIRE(k.database->close(r.id));
            ++taps;
        }
    }
    auto http = HttpClient::create(k.settings(server.url()).http);
    REQUIRE(http.ok());
    SyncClient client(k.settings(server.url()), *k.database, **http);
    REQUIRE(drain(client, *k.database, 60));
    CHECK(server.response_count() == taps);

    const StaffDashboard kiosk = build_staff_dashboard(*k.database, *survey, tp, "en", now);
    REQUIRE(kiosk.error.empty());
    // Enough counted days for a level: the comparison says something.
    REQUIRE(kiosk.consistency.level != ConsistencyLevel::not_yet_measured);

    const std::string key = server.admin({"create-api-key", "--role", "head-office"});
    std::string body;
    REQUIRE(run_command({"/usr/bin/curl", "-sf", "-H", "Authorization: Bearer " + key,
                         server.url() + "/api/v1/standards?touch_point=akl-checkout-1"},
                        &body) == 0);
    const auto answer = nlohmann::json::parse(body);
    REQUIRE(answer["touch_points"].size() == 1);
    const auto& c = answer["touch_points"][0]["consistency"];
    CHECK(c["level"] == std::string(to_code(kiosk.consistency.level)));
    CHECK(c["days_counted"] == kiosk.consistency.days_measured);
    CHECK(c["days_met"] == kiosk.consistency.days_met);
    CHECK(c["as_of"] == add_days(kiosk.today, -1));
    REQUIRE(c["window"].size() == kiosk.consistency.window.size());
    for (std::size_t i = 0; i < kiosk.consistency.window.size(); ++i) {
        INFO("window day " << i);
        CHECK(c["window"][i]["day"] == kiosk.consistency.window[i].day);
        CHECK(c["window"][i]["met"] == kiosk.consistency.window[i].met);
    }
    // Today's figure too: the same count and headline on both sides.
    const auto& days = answer["touch_points"][0]["days"];
    const auto& today = days[days.size() - 1];
    CHECK(today["day"] == kiosk.today);
    CHECK(today["count"] == kiosk.today_metrics.count);
    REQUIRE(kiosk.today_metrics.headline);
    CHECK(today["headline"].get<double>() == Approx(*kiosk.today_metrics.headline).margin(0.005));
}
