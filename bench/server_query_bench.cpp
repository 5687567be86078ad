// Head-office query benchmark (docs/api.md "Head-office API"), on SQLite:
//  (a) GET /api/v1/summary (grouped by store, and by touch point and day) through
//      the Api, which reads the roll-up table, against the bare database doing
//      the same aggregate with a plain SELECT ... GROUP BY over the raw responses
//      table; prints p50/p99 ms and the ratio bare/summary.
//  (b) GET /api/v1/standards for the last 30 days of the data, every touch
//      point with a head-office key, against the plain GROUP BY over the daily
//      roll-up that the answer needs (the period and the consistency look-back:
//      150 days up to `to`); prints p50/p99/max ms, the bare p50/p99 and the
//      ratio standards/bare, and one store key's view (store=) for information.
//      Each answer is checked: 200, one entry per touch point and, when the
//      data has enough responses per day, some consistency measured.
//  (c) GET /api/v1/export?format=csv, then ?format=jsonl, through the Api's
//      streamed body (every byte made, no HTTP), against a bare sqlite3 scan
//      reading the same columns in the same order; prints rows/s and the ratio
//      export/bare (the target is the CSV export's).
//
//   server_query_bench [--rows N] [--touch-points N] [--runs N] [--bare-runs N]
//                      [--db PATH | --db sqlite:PATH | --db postgresql://...]
//
// The data: --touch-points (default 1,000) touch points, 20 per store, each
// with a shipped survey (assets/surveys) and full settings (owner, journey
// position, service standard, opening hours with one closed weekday), and
// --rows (default 1,000,000) responses spread evenly over them and over the
// open days of a year (2025-03-01 to 2026-02-28), generated through the
// Storage layer in batches of up to 2,000.
// With --db postgresql://... the same runs on PostgreSQL (an empty database,
// or one already holding at least --rows responses), the bare baselines being
// the same SQL through libpq.
// With --db, an existing database with at least --rows responses and exactly
// --touch-points touch points is reused (and a new one is kept there), so a
// 10,000,000-row run need not be generated twice; one that does not match is
// refused with a message (nothing is deleted). Targets (at 10,000,000 rows and
// 1,000 touch points): summary p99 < 200 ms; standards p99 < 200 ms; export
// >= 500,000 rows/s. Exits non-zero only on errors (a wrong standards answer
// is one); a missed target is printed, not fatal.
#include "bench_util.h"

#include "core/local_time.h"
#include "core/metrics.h"
#include "core/scale.h"
#include "core/survey.h"
#include "core/touch_point.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/secrets.h"
#include "server/storage.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::server;
using namespace touchpoint::bench;

namespace {

template <class T> T must(Result<T> r, const char* what) {
    if (!r) die(std::string(what) + ": " + r.error());
    return std::move(r).value();
}

void must(const Status& st, const char* what) {
    if (!st) die(std::string(what) + ": " + st.error());
}

constexpr int k_touch_points_per_store = 20;
constexpr int k_days = 365;
const char* const k_first_day = "2025-03-01";
constexpr std::int64_t k_chunk = 2000; // responses per batch, as a kiosk's sync sends them

int store_count(int touch_points) {
    return (touch_points + k_touch_points_per_store - 1) / k_touch_points_per_store;
}

// Days from 1970-01-01 to a "YYYY-MM-DD" day (the proleptic Gregorian calendar).
long long civil_days(const std::string& day) {
    int y = std::stoi(day.substr(0, 4));
    const int m = std::stoi(day.substr(5, 2)), d = std::stoi(day.substr(8, 2));
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<long long>(era) * 146097 + doe - 719468;
}

// FNV-1a: the same value on every platform, unlike std::hash.
std::uint64_t stable_hash(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

// The shipped surveys (assets/surveys/*.toml), one per scale, read with the
// survey parser the kiosk and the server use.
std::map<Scale, Survey> load_surveys() {
    const std::string folder = std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
        if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
    if (ec) die("cannot read " + folder + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::map<Scale, Survey> out;
    for (const std::string& f : files) {
        Survey sv = must(load_survey_file(f), "survey");
        out.emplace(sv.scale, std::move(sv));
    }
    for (const char* name : {"smiley4", "smiley5", "nps", "ces7", "thumbs"})
        if (!out.count(*scale_from_string(name)))
            die(std::string("no survey with the ") + name + " scale in " + folder);
    return out;
}

// The headline a day of evenly spread answers gives on a scale: the service
// standards are set around it, so that some days meet them and some do not.
double even_headline(Scale scale) {
    const ScaleInfo& info = scale_info(scale);
    const double answers = info.max - info.min + 1;
    const double negative = info.negative_max - info.min + 1;
    const double positive = info.max - info.positive_min + 1;
    switch (headline_kind(scale)) {
    case HeadlineKind::csat:
    case HeadlineKind::thumbs_up: return 100.0 * positive / answers;
    case HeadlineKind::nps: return 100.0 * (positive - negative) / answers;
    case HeadlineKind::ces: return (info.min + info.max) / 2.0;
    }
    return 0;
}

const char* const k_touch_point_kinds[] = {"Entrance", "Help desk", "Fitting rooms",
                                           "Checkout", "Returns",   "Restrooms"};

// Fills the database through the storage layer, as an administrator and then
// kiosks' batches would: `touch_points` touch points, 20 per store, each with
// a shipped survey (its scale picked by hashing the key) and settings as the
// server keeps them (owner, journey position, a service standard, opening
// hours 08:00-20:00 with one closed weekday); then a year of local days of
// responses on the open days, every touch point the same share, in batches of
// up to 2000 of one device, the devices taking turns. Some misuse, reasons
// and comments.
void generate(Storage& s, std::int64_t rows, int touch_points,
              const std::map<Scale, Survey>& surveys) {
    const std::int64_t now = 1772683080000; // a fixed clock: the same data every run
    const std::string zone = "Pacific/Auckland";
    // The days: their names, the UTC instant of their local midnight and their
    // UTC offset (DST changes at 02:00-03:00, outside the opening hours).
    struct Day {
        std::string name;
        std::int64_t midnight_utc_ms = 0;
        std::string offset; // "+13:00"
    };
    std::vector<Day> day_list;
    std::array<std::vector<int>, 7> open_days; // per closed weekday: the other days' indexes
    for (int d = 0; d < k_days; ++d) {
        Day day;
        day.name = add_days(k_first_day, d);
        const std::int64_t utc_midnight = civil_days(day.name) * 86400000LL;
        // Local noon: UTC noon shifted by the zone's offset there, then read again.
        const int guess = local_stamp(zone, utc_midnight + 12 * 3600000LL).offset_minutes;
        const LocalStamp noon =
            local_stamp(zone, utc_midnight + (12 * 60 - guess) * 60000LL);
        if (noon.day != day.name || noon.hour != 12)
            die("no local noon on " + day.name + " in " + zone);
        day.midnight_utc_ms = utc_midnight - static_cast<std::int64_t>(noon.offset_minutes) * 60000;
        const int off = noon.offset_minutes < 0 ? -noon.offset_minutes : noon.offset_minutes;
        char offset[16];
        std::snprintf(offset, sizeof offset, "%c%02d:%02d", noon.offset_minutes < 0 ? '-' : '+',
                      off / 60, off % 60);
        day.offset = offset;
        for (int closed = 0; closed < 7; ++closed)
            if (closed != noon.weekday) open_days[static_cast<std::size_t>(closed)].push_back(d);
        day_list.push_back(std::move(day));
    }
    // Stores, touch points and devices are set up the day before the data
    // begins, so every day is judged by the settings made here.
    const std::int64_t setup = day_list.front().midnight_utc_ms - 86400000LL;
    struct Point {
        DeviceRecord device;
        const Survey* survey = nullptr;
        int closed_weekday = 0;
        std::int64_t left = 0; // responses still to make
    };
    std::vector<Point> points;
    for (int st = 0; st < store_count(touch_points); ++st) {
        const std::string store = "store-" + std::to_string(st);
        const StoreRecord store_record{store, "Store " + std::to_string(st), zone};
        must(s.create_store(store_record, setup), "create store");
        for (int t = 0; t < k_touch_points_per_store; ++t) {
            const int index = st * k_touch_points_per_store + t;
            if (index >= touch_points) break;
            const std::string key = store + "-tp" + std::to_string(t);
            const Scale scale = *scale_from_string(
                std::array{"smiley4", "smiley5", "nps", "ces7", "thumbs"}[stable_hash(key) % 5]);
            const Survey& survey = surveys.at(scale);
            TouchPointSettings ts;
            ts.key = key;
            ts.name = std::string(k_touch_point_kinds[t % 6]) + " " + std::to_string(t / 6 + 1);
            ts.store = store_record.name;
            ts.time_zone = store_record.time_zone;
            const int closed = (st + t) % 7;
            for (int wd = 0; wd < 7; ++wd)
                ts.opening_hours.days[static_cast<std::size_t>(wd)] =
                    wd == closed ? std::vector<OpenInterval>{}
                                 : std::vector<OpenInterval>{{8 * 60, 20 * 60}};
            // At, one step under and two steps under the even headline.
            const double step = headline_kind(scale) == HeadlineKind::ces ? 0.5 : 10.0;
            ts.service_standard = even_headline(scale) - step * (t % 3);
            ts.cx_statement = "Every customer leaves " + store_record.name + " glad they came.";
            ts.survey = survey.id;
            ts.owner_name = "Owner " + std::to_string(st) + "-" + std::to_string(t);
            ts.owner_email = "owner-" + std::to_string(st) + "-" + std::to_string(t) +
                             "@example.com";
            ts.journey_position = t + 1;
            TouchPointRecord record{key, store, ts.name, to_json(ts).dump(),
                                    to_json(survey).dump(), setup};
            must(s.create_touch_point(record), "create touch point");
            const std::string code = "code-" + key;
            must(s.create_enrollment_code(hash_secret(code), key, setup, setup + 3600000),
                 "create code");
            auto e = must(
                s.enroll(hash_secret(code), {"dev-" + key, "kiosk", "tok-" + key}, setup),
                "enrol");
            Point p;
            p.device = e.device;
            p.survey = &survey;
            p.closed_weekday = closed;
            p.left = rows / touch_points + (index < rows % touch_points ? 1 : 0);
            points.push_back(std::move(p));
        }
    }
    std::int64_t made = 0;
    const auto t0 = Clock::now();
    std::uint64_t x = 88172645463325252ULL; // xorshift: fast and repeatable
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    std::int64_t next_report = 1000000;
    while (made < rows) {
        for (Point& p : points) {
            if (p.left == 0) continue;
            // One device's batch at a time, as the server receives them.
            const DeviceRecord& d = p.device;
            const Survey& survey = *p.survey;
            const ScaleInfo& info = scale_info(survey.scale);
            const std::vector<int>& days = open_days[static_cast<std::size_t>(p.closed_weekday)];
            std::vector<IncomingResponse> batch;
            const std::int64_t n = std::min(k_chunk, p.left);
            batch.reserve(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) {
                IncomingResponse in;
                Response& r = in.response;
                char id[40];
                std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012lld",
                              static_cast<long long>(made + i));
                r.id = id;
                r.device_id = d.id;
                r.touch_point = d.touch_point;
                r.survey_id = survey.id;
                r.survey_version = survey.version;
                r.question_id = survey.question_id;
                r.scale = survey.scale;
                r.score = info.min + static_cast<int>(next() % static_cast<std::uint64_t>(
                                                                    info.max - info.min + 1));
                const std::vector<Reason>& offered = survey.reasons_for(r.score);
                if (!offered.empty() && next() % 3 == 0) {
                    r.reasons.push_back(offered[next() % offered.size()].id);
                    if (offered.size() > 1 && next() % 2 == 0 &&
                        offered.back().id != r.reasons.front())
                        r.reasons.push_back(offered.back().id);
                }
                if (next() % 10 == 0) r.comment = "Quick and friendly, thank you";
                r.language = "en";
                const Day& day = day_list[static_cast<std::size_t>(
                    days[static_cast<std::size_t>(next() % days.size())])];
                r.local_day = day.name;
                r.local_hour = 8 + static_cast<int>(next() % 12);
                char local[40];
                std::snprintf(local, sizeof local, "%sT%02d:17:00%s", r.local_day.c_str(),
                              r.local_hour, day.offset.c_str());
                r.local_time = local;
                r.utc_ms = day.midnight_utc_ms + (r.local_hour * 60 + 17) * 60000LL;
                r.sequence = made + i;
                r.misuse = next() % 50 == 0;
                in.content_hash = r.id;
                batch.push_back(std::move(in));
            }
            must(s.ingest_batch(d, batch, "", now), "ingest");
            made += n;
            p.left -= n;
            if (made >= next_report || made == rows) {
                std::fprintf(stderr, "  generated %lld rows (%.0f s)\n",
                             static_cast<long long>(made), ms_since(t0) / 1000.0);
                while (next_report <= made) next_report += 1000000;
            }
        }
    }
}

// The bare database: one connection, plain SQL (SQLite, or PostgreSQL when
// `url` is a postgresql:// URL).
struct Bare {
    sqlite3* db = nullptr;
    PGconn* pg = nullptr;
    explicit Bare(const std::string& url) {
        if (url.rfind("sqlite:", 0) != 0) {
            pg = PQconnectdb(url.c_str());
            if (PQstatus(pg) != CONNECTION_OK) die(std::string("bare: ") + PQerrorMessage(pg));
            return;
        }
        const std::string path = url.substr(7);
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            die("cannot open " + path);
    }
    ~Bare() {
        sqlite3_close_v2(db);
        PQfinish(pg);
    }
    Bare(const Bare&) = delete;
    Bare& operator=(const Bare&) = delete;
    // Steps through every row, touching every column; returns the row count.
    std::int64_t run(const char* sql) const {
        if (pg) return run_pg(sql);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
            die(std::string("bad SQL: ") + sqlite3_errmsg(db));
        std::int64_t rows = 0;
        std::size_t bytes = 0;
        const int cols = sqlite3_column_count(st);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            ++rows;
            for (int c = 0; c < cols; ++c) {
                sqlite3_column_text(st, c);
                bytes += static_cast<std::size_t>(sqlite3_column_bytes(st, c));
            }
        }
        if (rc != SQLITE_DONE) die(std::string("query failed: ") + sqlite3_errmsg(db));
        sqlite3_finalize(st);
        if (bytes == 0 && rows > 0) die("no bytes read");
        return rows;
    }
    // Row by row (single-row mode), as a streaming client would read it.
    std::int64_t run_pg(const char* sql) const {
        if (!PQsendQuery(pg, sql) || !PQsetSingleRowMode(pg))
            die(std::string("query failed: ") + PQerrorMessage(pg));
        std::int64_t rows = 0;
        std::size_t bytes = 0;
        while (PGresult* r = PQgetResult(pg)) {
            const ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_SINGLE_TUPLE) {
                ++rows;
                for (int c = 0; c < PQnfields(r); ++c)
                    bytes += static_cast<std::size_t>(PQgetlength(r, 0, c));
            } else if (st != PGRES_TUPLES_OK) {
                die(std::string("query failed: ") + PQresultErrorMessage(r));
            }
            PQclear(r);
        }
        if (bytes == 0 && rows > 0) die("no bytes read");
        return rows;
    }
};

ApiRequest get(const std::string& key, const std::string& path,
               std::map<std::string, std::string> query) {
    ApiRequest r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    r.authorization = "Bearer " + key;
    r.remote_addr = "127.0.0.1";
    return r;
}

} // namespace

int main(int argc, char** argv) {
    set_program("server_query_bench");
    std::int64_t rows = 1000000;
    int runs = 30, bare_runs = 3, touch_points = 1000;
    std::string db_path;
    parse_flags(argc, argv,
                {{"--rows", rows},
                 {"--touch-points", touch_points},
                 {"--runs", runs},
                 {"--bare-runs", bare_runs},
                 {"--db", db_path}},
                "--rows N --touch-points N --runs N --bare-runs N "
                "--db PATH|sqlite:PATH|postgresql://...");
    if (rows < 1 || runs < 1 || bare_runs < 1 || touch_points < 1)
        die("--rows, --touch-points, --runs and --bare-runs must be >= 1");
    must(init_secrets(), "secrets");

    std::optional<BenchDir> dir; // removed last, after the storage is closed
    if (db_path.empty()) {
        dir.emplace();
        db_path = dir->path() + "/server.db";
    }
    if (db_path.rfind("sqlite:", 0) == 0) db_path = db_path.substr(7);
    const bool postgres =
        db_path.rfind("postgresql://", 0) == 0 || db_path.rfind("postgres://", 0) == 0;
    const std::string db_url = postgres ? db_path : "sqlite:" + db_path;
    auto storage = must(open_storage(db_url), "open storage");
    std::int64_t have = must(storage->response_count(), "count");
    std::vector<TouchPointRecord> points = must(storage->list_touch_points(""), "touch points");
    if (have == 0 && points.empty()) {
        std::printf("generating %lld responses over %d touch points in %d stores ...\n",
                    static_cast<long long>(rows), touch_points, store_count(touch_points));
        std::fflush(stdout);
        generate(*storage, rows, touch_points, load_surveys());
        have = rows;
        points = must(storage->list_touch_points(""), "touch points");
    } else {
        // Reused: it must be this benchmark's data at the size asked for, else
        // the figures would not be the ones asked for. Nothing is deleted:
        // name another --db (or remove this one) to generate afresh.
        const std::string again = "; name another --db, or remove it to generate afresh";
        if (have < rows)
            die(db_path + " holds " + std::to_string(have) + " responses, fewer than --rows " +
                std::to_string(rows) + again);
        if (points.size() != static_cast<std::size_t>(touch_points))
            die(db_path + " holds " + std::to_string(points.size()) +
                " touch points, not --touch-points " + std::to_string(touch_points) + again);
        for (const TouchPointRecord& t : points)
            if (t.survey_json.empty())
                die(db_path + ": touch point " + t.key +
                    " has no survey (made by an older version of this benchmark)" + again);
        std::printf("reusing %s: %lld responses, %zu touch points\n", db_path.c_str(),
                    static_cast<long long>(have), points.size());
    }
    const std::string key = "tpk_bench_" + random_hex(8);
    ApiKeyRecord k;
    k.id = "key_" + random_hex(6);
    k.role = ApiKeyRole::head_office;
    must(storage->create_api_key(k, hash_secret(key)), "create key");
    // A store key for store-0: that store's view of the standards.
    const std::string store_key = "tpk_bench_" + random_hex(8);
    const std::string scoped_store = points.front().store_id;
    ApiKeyRecord sk;
    sk.id = "key_" + random_hex(6);
    sk.role = ApiKeyRole::store;
    sk.store_id = scoped_store;
    must(storage->create_api_key(sk, hash_secret(store_key)), "create store key");
    const std::size_t scoped_points = static_cast<std::size_t>(
        std::count_if(points.begin(), points.end(),
                      [&](const TouchPointRecord& t) { return t.store_id == scoped_store; }));
    ApiOptions options;
    options.rate_per_s = 1e9;
    options.burst = 1e9;
    Api api(*storage, options);
    Bare bare(db_url);
    bool all_met = true;

    std::printf("server query benchmark: %lld responses, %d stores x up to %d touch points "
                "(%zu in all), %s\n",
                static_cast<long long>(have), store_count(touch_points),
                k_touch_points_per_store, points.size(), postgres ? "PostgreSQL" : "SQLite");

    // --- (a) Summaries ---
    struct Case {
        const char* name;
        const char* group_by;
        const char* bare_sql;
    };
    const Case cases[] = {
        {"by store", "store",
         "SELECT store_id, scale, score, misuse, count(*) FROM responses "
         "GROUP BY store_id, scale, score, misuse"},
        {"by touch point, day", "touch_point,day",
         "SELECT touch_point, local_day, scale, score, misuse, count(*) FROM responses "
         "GROUP BY touch_point, local_day, scale, score, misuse"},
    };
    for (const Case& c : cases) {
        std::vector<double> ours, theirs;
        std::size_t groups = 0;
        // One run first, not timed: the pages come into the cache.
        api.handle(get(key, "/api/v1/summary", {{"group_by", c.group_by}}));
        for (int i = 0; i < runs; ++i) {
            const auto t0 = Clock::now();
            ApiResponse r = api.handle(get(key, "/api/v1/summary", {{"group_by", c.group_by}}));
            ours.push_back(ms_since(t0));
            if (r.status != 200)
                die("summary answered " + std::to_string(r.status) + ": " + r.body);
            if (i == 0) groups = nlohmann::json::parse(r.body)["groups"].size();
        }
        for (int i = 0; i < bare_runs; ++i) {
            const auto t0 = Clock::now();
            bare.run(c.bare_sql);
            theirs.push_back(ms_since(t0));
        }
        const double p50 = percentile(ours, 0.5), p99 = percentile(ours, 0.99);
        const double bare50 = percentile(theirs, 0.5), bare99 = percentile(theirs, 0.99);
        std::printf("summary %-20s %5zu groups: p50 %8.1f ms  p99 %8.1f ms | bare GROUP BY "
                    "p50 %8.1f ms  p99 %8.1f ms | bare/summary %.1fx\n",
                    c.name, groups, p50, p99, bare50, bare99, bare50 / p50);
        const bool met = p99 < 200.0;
        std::printf("  target p99 < 200 ms (at 10,000,000 rows): %s\n", met ? "met" : "MISSED");
        all_met = all_met && met;
    }

    // --- (b) Service standards ---
    // The last 30 days of the data (its days are fixed, so "today" is not the
    // default period), for every touch point with a head-office key and for
    // one store with its store key; beside them the plain GROUP BY over the
    // daily roll-up that the answer needs: the period and the consistency
    // look-back of 120 days before `to` (150 days cover both).
    {
        const std::string to = add_days(k_first_day, k_days - 1);
        const std::string from = add_days(to, -29);
        const std::string bare_sql =
            "SELECT touch_point, local_day, scale, score, sum(n) FROM response_rollup_daily "
            "WHERE misuse = 0 AND local_day BETWEEN '" +
            add_days(to, -150) + "' AND '" + to +
            "' GROUP BY touch_point, local_day, scale, score";
        // Enough responses per touch point and open day that consistency must
        // be measured somewhere (it counts open days with >= 10 responses).
        const double per_open_day = static_cast<double>(have) /
                                    static_cast<double>(points.size()) / (k_days * 6.0 / 7.0);
        const bool expect_measured = per_open_day >= 20.0;
        struct Timed {
            std::vector<double> ms;
            int measured = 0; // touch points whose consistency is measured (last run)
            std::map<std::string, int> levels; // touch points per consistency level (last run)
        };
        auto time_standards = [&](const std::string& with_key, const std::string& store,
                                  std::size_t want_points, const char* who) {
            std::map<std::string, std::string> q{{"from", from}, {"to", to}};
            if (!store.empty()) q["store"] = store;
            Timed out;
            // One run first, not timed: the pages come into the cache.
            api.handle(get(with_key, "/api/v1/standards", q));
            for (int i = 0; i < runs; ++i) {
                const auto t0 = Clock::now();
                ApiResponse r = api.handle(get(with_key, "/api/v1/standards", q));
                out.ms.push_back(ms_since(t0));
                // Is it the answer asked for? (untimed)
                if (r.status != 200)
                    die(std::string("standards (") + who + ") answered " +
                        std::to_string(r.status) + ": " + r.body.substr(0, 500));
                const auto j = nlohmann::json::parse(r.body, nullptr, false);
                if (j.is_discarded() || !j.is_object() || !j.contains("touch_points") ||
                    !j["touch_points"].is_array())
                    die(std::string("standards (") + who +
                        ") answer has no touch_points array: " + r.body.substr(0, 500));
                const auto& tps = j["touch_points"];
                if (tps.size() != want_points)
                    die(std::string("standards (") + who + ") listed " +
                        std::to_string(tps.size()) + " touch points, not " +
                        std::to_string(want_points));
                out.measured = 0;
                out.levels.clear();
                for (const auto& t : tps) {
                    if (!t.is_object() || !t.contains("consistency") ||
                        !t["consistency"].is_object() || !t["consistency"].contains("level") ||
                        !t["consistency"]["level"].is_string())
                        die(std::string("standards (") + who +
                            ") entry without consistency.level: " + t.dump().substr(0, 500));
                    const std::string level = t["consistency"]["level"];
                    ++out.levels[level];
                    if (level != "not_yet_measured") ++out.measured;
                }
                if (expect_measured && out.measured == 0)
                    die(std::string("standards (") + who + "): every touch point's consistency "
                        "is not_yet_measured, with " + std::to_string(per_open_day) +
                        " responses per touch point and open day on average");
            }
            return out;
        };
        const Timed all = time_standards(key, "", points.size(), "head office");
        std::vector<double> theirs;
        std::int64_t cells = bare.run(bare_sql.c_str()); // not timed: into the cache
        for (int i = 0; i < runs; ++i) {
            const auto t0 = Clock::now();
            cells = bare.run(bare_sql.c_str());
            theirs.push_back(ms_since(t0));
        }
        const Timed one = time_standards(store_key, scoped_store, scoped_points, "store key");

        const double p50 = percentile(all.ms, 0.5), p99 = percentile(all.ms, 0.99),
                     max = percentile(all.ms, 1.0);
        const double bare50 = percentile(theirs, 0.5), bare99 = percentile(theirs, 0.99);
        std::printf("standards %s..%s, %zu touch points (%d with consistency measured): "
                    "p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms\n",
                    from.c_str(), to.c_str(), points.size(), all.measured, p50, p99, max);
        std::printf("  bare GROUP BY over response_rollup_daily, %s..%s (%lld cells): "
                    "p50 %8.1f ms  p99 %8.1f ms | standards/bare %.1fx\n",
                    add_days(to, -150).c_str(), to.c_str(), static_cast<long long>(cells),
                    bare50, bare99, bare50 > 0 ? p50 / bare50 : 0.0);
        std::printf("  store key (store=%s, %zu touch points): p50 %8.1f ms  p99 %8.1f ms  "
                    "max %8.1f ms (for information)\n",
                    scoped_store.c_str(), scoped_points, percentile(one.ms, 0.5),
                    percentile(one.ms, 0.99), percentile(one.ms, 1.0));
        std::string levels;
        for (const auto& [level, n] : all.levels)
            levels += (levels.empty() ? "" : ", ") + level + " " + std::to_string(n);
        std::printf("  consistency check: %s (%.1f responses per touch point and open day); "
                    "levels: %s\n",
                    expect_measured ? "at least one measured, as required"
                                    : "not required, too few responses per day",
                    per_open_day, levels.c_str());
        const bool met = p99 < 200.0;
        std::printf("standards p99 %.1f ms (target < 200 ms): %s\n", p99,
                    met ? "met" : "MISSED");
        all_met = all_met && met;
    }

    // --- (c) Exports ---
    struct Exported {
        std::int64_t rows = 0;
        std::int64_t bytes = 0;
        double seconds = 0;
    };
    auto run_export = [&](const char* format) {
        const auto t0 = Clock::now();
        ApiResponse r = api.handle(
            get(key, "/api/v1/export", {{"format", format}, {"include_misuse", "true"}}));
        if (r.status != 200 || !r.stream) die("export answered " + std::to_string(r.status));
        std::int64_t lines = 0, bytes = 0;
        bool done = false;
        std::string piece;
        while (!done) {
            piece.clear();
            must(r.stream(piece, done), "export stream");
            lines += std::count(piece.begin(), piece.end(), '\n');
            bytes += static_cast<std::int64_t>(piece.size());
        }
        Exported e;
        e.seconds = ms_since(t0) / 1000.0;
        e.rows = std::string(format) == "csv" ? lines - 1 : lines; // the CSV header
        e.bytes = bytes;
        if (e.rows != have)
            die(std::string(format) + " export wrote " + std::to_string(e.rows) + " rows");
        return e;
    };
    {
        const Exported csv = run_export("csv");
        const Exported jsonl = run_export("jsonl");

        const auto b0 = Clock::now();
        const std::int64_t scanned = bare.run(
            "SELECT id, store_id, touch_point, device_id, survey_id, survey_version, "
            "question_id, scale, score, reasons_json, comment, language, utc_ms, local_time, "
            "local_day, local_hour, sequence, misuse, device_clock_suspect, "
            "server_clock_suspect, received_utc_ms FROM responses ORDER BY seq");
        const double bare_s = ms_since(b0) / 1000.0;
        const double theirs = static_cast<double>(scanned) / bare_s;
        auto print = [&](const char* name, const Exported& e) {
            const double ours = static_cast<double>(e.rows) / e.seconds;
            std::printf("export %s: %lld rows, %.0f MiB in %.2f s = %.0f rows/s | bare %s "
                        "scan %.2f s = %.0f rows/s | export/bare %.2f\n",
                        name, static_cast<long long>(e.rows),
                        static_cast<double>(e.bytes) / 1048576.0, e.seconds, ours,
                        postgres ? "libpq" : "sqlite3", bare_s, theirs, ours / theirs);
            return ours;
        };
        const double csv_rate = print("csv", csv);
        print("jsonl", jsonl);
        const bool met = csv_rate >= 500000.0;
        std::printf("  target (csv) >= 500,000 rows/s: %s\n", met ? "met" : "MISSED");
        all_met = all_met && met;
    }
    std::printf("%s\n", all_met ? "all targets met" : "some targets missed (see above)");

    storage.reset();
    return 0;
}
