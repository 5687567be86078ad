// GET /api/v1/standards: each touch point's days against the standard in
// force that day, the period, and the consistency level, with fixtures worked
// out by hand. Days are relative to the touch point's today (the server's
// clock), so the same figures hold on any date.
#include "server_fixture.h"

#include "core/local_time.h"
#include "core/survey.h"
#include "core/touch_point.h"
#include "core/wire.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace tpt;
using namespace touchpoint;
using namespace touchpoint::server;
using nlohmann::json;

namespace {

constexpr const char* k_zone = "Pacific/Auckland";
constexpr std::int64_t k_day_ms = 24LL * 3600 * 1000;

// Every day open 08:00-20:00 but the one weekday named closed (0 = Monday).
std::string hours_closed_on(int closed) {
    static const char* names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    std::string t = "[touch_point.opening_hours]\n";
    for (int d = 0; d < 7; ++d)
        t += std::string(names[d]) + (d == closed ? " = \"closed\"\n" : " = \"08:00-20:00\"\n");
    return t;
}

class Chain {
  public:
    Chain()
        : m_today(local_stamp(k_zone, now_ms()).day),
          m_head(m_srv.create_api_key("head-office")) {}

    TestServer& server() { return m_srv; }
    const std::string& head() const { return m_head; }
    // Today and the days before it, in the touch points' zone.
    std::string day(int days_ago) const { return add_days(m_today, -days_ago); }

    // A touch point made through storage (created at `created_ms`) with a
    // device to attribute responses to.
    void add(const std::string& store, const std::string& key, const std::string& survey_file,
             const std::string& table, std::int64_t created_ms = 1) {
        auto settings = parse_touch_point_toml("[touch_point]\n" + table, key);
        REQUIRE(settings);
        settings->key = key;
        settings->name = key + " name";
        settings->time_zone = k_zone;
        auto survey = load_survey_file(std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/" + survey_file);
        REQUIRE(survey);
        TouchPointRecord t{key, store, key + " name", to_json(*settings).dump(),
                           to_json(*survey).dump(), created_ms};
        REQUIRE(m_srv.storage().create_touch_point(t));
        m_survey[key] = *survey;
        const Enrolled e = m_srv.enroll(key, key + " kiosk");
        auto devices = m_srv.storage().list_devices("");
        REQUIRE(devices);
        for (const DeviceRecord& d : *devices)
            if (d.id == e.device_id) m_device[key] = d;
        REQUIRE(m_device.count(key));
    }

    // Changes a touch point's settings at `when_ms` (as a later write would).
    void change(const std::string& key, const std::string& table, std::int64_t when_ms) {
        auto current = m_srv.storage().touch_point(key);
        REQUIRE(current);
        auto settings = parse_touch_point_toml("[touch_point]\n" + table, key);
        REQUIRE(settings);
        settings->key = key;
        settings->time_zone = k_zone;
        current->settings_json = to_json(*settings).dump();
        current->updated_utc_ms = when_ms;
        REQUIRE(m_srv.storage().update_touch_point(*current));
    }

    // Responses on one local day: each score in `scores` once.
    void rate(const std::string& key, const std::string& day, const std::vector<int>& scores,
              bool misuse = false) {
        std::vector<IncomingResponse> batch;
        for (int score : scores) {
            IncomingResponse in;
            Response& r = in.response;
            r.id = new_id();
            r.device_id = m_device[key].id;
            r.touch_point = key;
            r.survey_id = m_survey[key].id;
            r.survey_version = 1;
            r.question_id = "q";
            r.scale = m_survey[key].scale;
            r.score = score;
            r.language = "en";
            r.local_day = day;
            r.local_hour = 10;
            r.local_time = day + "T10:00:00+12:00";
            r.utc_ms = now_ms() - k_day_ms;
            r.sequence = ++m_sequence;
            r.misuse = misuse;
            in.content_hash = r.id;
            batch.push_back(std::move(in));
        }
        REQUIRE(m_srv.storage().ingest_batch(m_device[key], batch, "", now_ms()));
    }
    // A smiley4 day: `met` ones at 4 and the rest at 1, `n` in all.
    void smileys(const std::string& key, const std::string& day, int n, int good) {
        std::vector<int> s(static_cast<std::size_t>(n), 1);
        for (int i = 0; i < good; ++i) s[static_cast<std::size_t>(i)] = 4;
        rate(key, day, s);
    }
    void met_day(const std::string& key, const std::string& day) { smileys(key, day, 10, 10); }
    void missed_day(const std::string& key, const std::string& day) { smileys(key, day, 10, 5); }

    json standards(const std::string& query = "", const std::string& key = "",
                   int status = 200) {
        auto c = m_srv.client();
        auto r = get_auth(c, "/api/v1/standards" + query, key.empty() ? m_head : key);
        REQUIRE(r);
        INFO(r->body);
        REQUIRE(r->status == status);
        return json::parse(r->body);
    }
    static const json& entry(const json& answer, const std::string& key) {
        for (const json& e : answer["touch_points"])
            if (e["touch_point"] == key) return e;
        FAIL("no entry for " << key);
        static const json none;
        return none;
    }
    static const json& on(const json& entry, const std::string& day) {
        for (const json& d : entry["days"])
            if (d["day"] == day) return d;
        FAIL("no day " << day);
        static const json none;
        return none;
    }

  private:
    TestServer m_srv;
    std::string m_today;
    std::string m_head;
    std::map<std::string, DeviceRecord> m_device;
    std::map<std::string, Survey> m_survey;
    std::int64_t m_sequence = 0;
};

std::vector<std::string> window_days(const json& e) {
    std::vector<std::string> out;
    for (const json& w : e["consistency"]["window"]) out.push_back(w["day"]);
    return out;
}

} // namespace

TEST_CASE("standards: consistency levels, counted days and the period, by hand",
          "[server][standards][pg]") {
    Chain chain;
    const std::string always = hours_closed_on(-1);
    const std::string owner = "owner = { name = \"Ana Ruiz\", email = \"ana@example.com\" }\n";
    chain.add("akl", "t-four", "checkout.toml", "journey_position = 1\n" + owner + always);
    chain.add("akl", "t-adhoc", "checkout.toml", "journey_position = 2\n" + always);
    chain.add("akl", "t-repeat", "checkout.toml", "journey_position = 3\n" + always);
    chain.add("akl", "t-system", "checkout.toml", "journey_position = 4\n" + always);

    // Exactly 4 counted days, all met: not yet measured. Today is never counted.
    for (int d = 1; d <= 4; ++d) chain.met_day("t-four", chain.day(d));
    chain.smileys("t-four", chain.day(0), 10, 0);
    // 5 counted days, 2 met (40 %): ad hoc. A 9-response day and a misuse-only
    // day are not counted.
    chain.met_day("t-adhoc", chain.day(2));
    chain.met_day("t-adhoc", chain.day(3));
    for (int d = 4; d <= 6; ++d) chain.missed_day("t-adhoc", chain.day(d));
    chain.smileys("t-adhoc", chain.day(1), 9, 9);
    chain.rate("t-adhoc", chain.day(7), std::vector<int>(15, 4), true);
    // 20 counted days, 12 met (60 %): repeatable; 5 older days, all missed,
    // fall outside the window (with them it would be 12 of 25: ad hoc).
    for (int d = 1; d <= 25; ++d) {
        if (d <= 12) chain.met_day("t-repeat", chain.day(d));
        else chain.missed_day("t-repeat", chain.day(d));
    }
    // 20 counted days, 18 met (90 %): systematic.
    for (int d = 1; d <= 20; ++d) {
        if (d == 5 || d == 9) chain.missed_day("t-system", chain.day(d));
        else chain.met_day("t-system", chain.day(d));
    }

    const json all = chain.standards();
    CHECK(all["from"].is_null());
    CHECK(all["server_utc_ms"].get<std::int64_t>() > 0);

    const json& four = Chain::entry(all, "t-four");
    CHECK(four["store"] == "akl");
    CHECK(four["store_name"] == "Auckland Central");
    CHECK(four["touch_point_name"] == "t-four name");
    CHECK(four["owner"] == json{{"name", "Ana Ruiz"}, {"email", "ana@example.com"}});
    CHECK(four["scale"] == "smiley4");
    CHECK(four["headline_name"] == "CSAT");
    CHECK(four["service_standard"] == 85.0);
    // The last 30 days up to today, oldest first.
    REQUIRE(four["days"].size() == 30);
    CHECK(four["days"][0]["day"] == chain.day(29));
    CHECK(four["days"][29]["day"] == chain.day(0));
    // 40 met answers and today's 10 at 1: 40 of 50 positive = 80 %, under 85.
    CHECK(four["period"] == json{{"count", 50}, {"headline", 80.0}, {"met", false}});
    const json& today = Chain::on(four, chain.day(0));
    CHECK(today["counted"] == true);
    CHECK(today["met"] == false);
    CHECK(four["consistency"]["level"] == "not_yet_measured");
    CHECK(four["consistency"]["days_counted"] == 4);
    CHECK(four["consistency"]["days_met"] == 4);
    CHECK(four["consistency"]["window_days"] == 20);
    CHECK(four["consistency"]["as_of"] == chain.day(1));
    CHECK(window_days(four) ==
          std::vector<std::string>{chain.day(1), chain.day(2), chain.day(3), chain.day(4)});
    const json& empty_day = Chain::on(four, chain.day(10));
    CHECK(empty_day == json{{"day", chain.day(10)}, {"open", true}, {"count", 0},
                            {"headline", nullptr}, {"service_standard", 85.0},
                            {"counted", false}, {"met", nullptr}});

    const json& adhoc = Chain::entry(all, "t-adhoc");
    CHECK(adhoc["consistency"]["level"] == "ad_hoc");
    CHECK(adhoc["consistency"]["days_counted"] == 5);
    CHECK(adhoc["consistency"]["days_met"] == 2);
    const json& nine = Chain::on(adhoc, chain.day(1));
    CHECK(nine["count"] == 9);
    CHECK(nine["headline"] == 100.0);
    CHECK(nine["counted"] == false);
    CHECK(nine["met"].is_null());
    const json& misuse = Chain::on(adhoc, chain.day(7));
    CHECK(misuse["count"] == 0);
    CHECK(misuse["counted"] == false);
    CHECK(Chain::on(adhoc, chain.day(4))["headline"] == 50.0);
    CHECK(Chain::on(adhoc, chain.day(4))["met"] == false);
    // Misuse stays out of the period too: 9 + 20 + 15 positive of 59.
    CHECK(adhoc["period"]["count"] == 59);

    const json& repeat = Chain::entry(all, "t-repeat");
    CHECK(repeat["consistency"]["level"] == "repeatable");
    CHECK(repeat["consistency"]["days_counted"] == 20);
    CHECK(repeat["consistency"]["days_met"] == 12);
    REQUIRE(repeat["consistency"]["window"].size() == 20);
    CHECK(repeat["consistency"]["window"][0] == json{{"day", chain.day(1)}, {"met", true}});
    CHECK(repeat["consistency"]["window"][19] == json{{"day", chain.day(20)}, {"met", false}});

    const json& system = Chain::entry(all, "t-system");
    CHECK(system["consistency"]["level"] == "systematic");
    CHECK(system["consistency"]["days_met"] == 18);

    // Journey order within the store; the fixture's own touch points after.
    std::vector<std::string> order;
    for (const json& e : all["touch_points"])
        if (e["store"] == "akl") order.push_back(e["touch_point"]);
    CHECK(order == std::vector<std::string>{"t-four", "t-adhoc", "t-repeat", "t-system", k_tp_a});

    // One touch point, an explicit period in the past: as_of is its end.
    const json one = chain.standards("?touch_point=t-repeat&from=" + chain.day(12) +
                                     "&to=" + chain.day(10));
    REQUIRE(one["touch_points"].size() == 1);
    const json& past = one["touch_points"][0];
    CHECK(one["from"] == chain.day(12));
    REQUIRE(past["days"].size() == 3);
    CHECK(past["period"] == json{{"count", 30}, {"headline", 100.0}, {"met", true}});
    CHECK(past["consistency"]["as_of"] == chain.day(10));
    // Days 10..25 ending at day 10: 3 met (10, 11, 12) of 16 counted.
    CHECK(past["consistency"]["days_counted"] == 16);
    CHECK(past["consistency"]["days_met"] == 3);
    CHECK(past["consistency"]["level"] == "ad_hoc");
}

TEST_CASE("standards: a closed day is not counted, whatever its responses",
          "[server][standards][pg]") {
    Chain chain;
    // Closed on the weekday of yesterday, which still has 12 good answers.
    chain.add("akl", "t-closed", "checkout.toml", hours_closed_on(weekday_of(chain.day(1))));
    chain.met_day("t-closed", chain.day(1));
    chain.met_day("t-closed", chain.day(1)); // 20 that day
    for (int d = 2; d <= 5; ++d) chain.met_day("t-closed", chain.day(d));
    const json e = Chain::entry(chain.standards(), "t-closed");
    const json& closed = Chain::on(e, chain.day(1));
    CHECK(closed["open"] == false);
    CHECK(closed["count"] == 20);
    CHECK(closed["counted"] == false);
    CHECK(closed["met"].is_null());
    // Counted, it would make 5 days: systematic.
    CHECK(e["consistency"]["days_counted"] == 4);
    CHECK(e["consistency"]["level"] == "not_yet_measured");
}

TEST_CASE("standards: an NPS touch point against its own standard", "[server][standards][pg]") {
    Chain chain;
    chain.add("akl", "t-nps", "store-nps.toml", "service_standard = 20\n" + hours_closed_on(-1));
    // 5 promoters, 3 passives, 2 detractors: NPS 30, met.
    for (int d = 1; d <= 5; ++d)
        if (d != 3) chain.rate("t-nps", chain.day(d), {10, 10, 9, 9, 10, 8, 7, 8, 0, 6});
    // 3, 4, 3: NPS 0, not met.
    chain.rate("t-nps", chain.day(3), {10, 9, 10, 8, 8, 7, 7, 0, 3, 6});
    const json e = Chain::entry(chain.standards(), "t-nps");
    CHECK(e["scale"] == "nps");
    CHECK(e["headline_name"] == "NPS");
    CHECK(e["service_standard"] == 20.0);
    CHECK(Chain::on(e, chain.day(1))["headline"] == 30.0);
    CHECK(Chain::on(e, chain.day(1))["met"] == true);
    CHECK(Chain::on(e, chain.day(3))["headline"] == 0.0);
    CHECK(Chain::on(e, chain.day(3))["met"] == false);
    // 23 promoters and 11 detractors of 50: 24, met.
    CHECK(e["period"] == json{{"count", 50}, {"headline", 24.0}, {"met", true}});
    CHECK(e["consistency"]["level"] == "repeatable"); // 4 of 5
    CHECK(e["consistency"]["days_met"] == 4);
}

TEST_CASE("standards: a changed standard does not rewrite the days before it",
          "[server][standards][pg]") {
    Chain chain;
    const std::int64_t now = now_ms();
    chain.add("akl", "t-history", "checkout.toml", hours_closed_on(-1), now - 40 * k_day_ms);
    // The standard goes from 85 to 75 five days ago, and Sundays close.
    const std::int64_t change_ms = now - 5 * k_day_ms;
    const std::string change_day = local_stamp(k_zone, change_ms).day;
    chain.change("t-history", "service_standard = 75\n" + hours_closed_on(6), change_ms);
    // 80 % on the day before the change and on the day of it.
    const std::string before = add_days(change_day, -1);
    chain.smileys("t-history", before, 10, 8);
    chain.smileys("t-history", change_day, 10, 8);

    const json e = Chain::entry(chain.standards(), "t-history");
    CHECK(e["service_standard"] == 75.0);
    CHECK(Chain::on(e, before)["service_standard"] == 85.0);
    CHECK(Chain::on(e, before)["met"] == false);
    CHECK(Chain::on(e, change_day)["service_standard"] == 75.0);
    CHECK(Chain::on(e, change_day)["met"] == (weekday_of(change_day) == 6 ? json(nullptr) : json(true)));
    // Sundays before the change were open; from it on, closed.
    for (const json& d : e["days"]) {
        const std::string day = d["day"];
        if (weekday_of(day) == 6) CHECK(d["open"] == (day < change_day));
        else CHECK(d["open"] == true);
    }
    // A write that leaves the settings as they were adds no version.
    const auto versions = [&chain] {
        auto h = chain.server().storage().touch_point_history("akl");
        REQUIRE(h);
        std::size_t n = 0;
        for (const TouchPointChange& c : *h) n += c.touch_point == "t-history";
        return n;
    };
    CHECK(versions() == 2);
    auto same = chain.server().storage().touch_point("t-history");
    REQUIRE(same);
    same->updated_utc_ms = now;
    REQUIRE(chain.server().storage().update_touch_point(*same));
    CHECK(versions() == 2);
}

TEST_CASE("standards: a DST day is one local day with all its responses",
          "[server][standards][pg]") {
    Chain chain;
    chain.add("akl", "t-dst", "checkout.toml", hours_closed_on(-1));
    // New Zealand's clocks went back an hour on 2026-04-05: a 25-hour day.
    chain.smileys("t-dst", "2026-04-05", 25, 25);
    chain.smileys("t-dst", "2026-04-06", 10, 10);
    const json e = Chain::entry(chain.standards("?from=2026-04-04&to=2026-04-06"), "t-dst");
    REQUIRE(e["days"].size() == 3);
    CHECK(e["days"][1] == json{{"day", "2026-04-05"}, {"open", true}, {"count", 25},
                               {"headline", 100.0}, {"service_standard", 85.0},
                               {"counted", true}, {"met", true}});
    CHECK(e["consistency"]["as_of"] == "2026-04-06");
    CHECK(e["consistency"]["days_counted"] == 2);
}

TEST_CASE("standards: a store key sees its own store; bad periods are refused",
          "[server][standards][pg]") {
    Chain chain;
    chain.add("wlg", "t-wlg", "checkout.toml", hours_closed_on(-1));
    for (int d = 1; d <= 5; ++d) chain.met_day("t-wlg", chain.day(d));
    const std::string wlg = chain.server().create_api_key("store", k_store_b);

    const json own = chain.standards("", wlg);
    std::set<std::string> stores, keys;
    for (const json& e : own["touch_points"]) {
        stores.insert(e["store"].get<std::string>());
        keys.insert(e["touch_point"].get<std::string>());
    }
    CHECK(stores == std::set<std::string>{"wlg"});
    CHECK(keys == std::set<std::string>{"t-wlg", k_tp_b});
    CHECK(Chain::entry(own, "t-wlg")["consistency"]["level"] == "systematic");
    CHECK(Chain::entry(own, "t-wlg")["store_name"] == "Wellington");
    // Another store's touch point is simply not there; naming another store is refused.
    CHECK(chain.standards("?touch_point=" + std::string(k_tp_a), wlg)["touch_points"].empty());
    const json refused = chain.standards("?store=akl", wlg, 403);
    CHECK(refused["error"]["code"] == "forbidden");

    const std::string before = chain.server().dump();
    CHECK(chain.standards("?from=2026-02-30", "", 400)["error"]["code"] == "invalid_request");
    CHECK(chain.standards("?from=2026-03-02&to=2026-03-01", "", 400)["error"]["code"] ==
          "invalid_request");
    CHECK(chain.standards("?from=2025-01-01&to=2026-03-01", "", 400)["error"]["message"] ==
          "from, to: a period of at most 366 days");
    // Up to today when `to` is left out: the same limit.
    CHECK(chain.standards("?from=" + chain.day(400), "", 400)["error"]["message"] ==
          "from, to: a period of at most 366 days");
    CHECK(chain.standards("?from=" + chain.day(365), "")["touch_points"][0]["days"].size() == 366);
    CHECK(chain.standards("", "not-a-key", 401)["error"]["code"].is_string());
    CHECK(chain.server().dump() == before);
}

TEST_CASE("names beside ids: summaries, rows and both exports", "[server][standards][pg]") {
    TestServer srv;
    const std::string head = srv.create_api_key("head-office");
    const Enrolled e = srv.enroll();
    auto c = srv.client();
    auto posted = post_json(c, "/api/v1/batches", e.token,
                            batch_of({response_json(new_id(), 4)}).dump());
    REQUIRE(posted);
    REQUIRE(posted->status == 200);

    auto r = get_auth(c, "/api/v1/summary?group_by=store,touch_point", head);
    REQUIRE(r);
    const json summary = json::parse(r->body);
    REQUIRE(summary["groups"].size() == 1);
    CHECK(summary["groups"][0]["store"] == k_store_a);
    CHECK(summary["groups"][0]["store_name"] == "Auckland Central");
    CHECK(summary["groups"][0]["touch_point_name"] == "Checkout 1");
    // Not grouped by them: no names either.
    r = get_auth(c, "/api/v1/summary?group_by=day", head);
    REQUIRE(r);
    CHECK_FALSE(json::parse(r->body)["groups"][0].contains("store_name"));

    r = get_auth(c, "/api/v1/responses", head);
    REQUIRE(r);
    const json row = json::parse(r->body)["responses"][0];
    CHECK(row["store_name"] == "Auckland Central");
    CHECK(row["touch_point_name"] == "Checkout 1");

    r = get_auth(c, "/api/v1/export?format=jsonl", head);
    REQUIRE(r);
    CHECK(json::parse(r->body.substr(0, r->body.find('\n')))["touch_point_name"] == "Checkout 1");

    // CSV: the names are new last columns, so readers by position still work.
    r = get_auth(c, "/api/v1/export?format=csv", head);
    REQUIRE(r);
    const std::string header = r->body.substr(0, r->body.find("\r\n"));
    CHECK(header.rfind("id,store,touch_point,device_id,", 0) == 0);
    const auto ends_with = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    CHECK(ends_with(header, ",received_utc_ms,store_name,touch_point_name"));
    const std::string line = r->body.substr(header.size() + 2);
    CHECK(ends_with(line.substr(0, line.find("\r\n")), ",Auckland Central,Checkout 1"));
}
