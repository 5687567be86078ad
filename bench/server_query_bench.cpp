// Head-office query benchmark (docs/api.md "Head-office API"), on SQLite:
//  (a) GET /api/v1/summary (grouped by store, and by touch point and day) through
//      the Api, which reads the roll-up table, against the bare database doing
//      the same aggregate with a plain SELECT ... GROUP BY over the raw responses
//      table; prints p50/p99 ms and the ratio bare/summary.
//  (b) GET /api/v1/export?format=csv, then ?format=jsonl, through the Api's
//      streamed body (every byte made, no HTTP), against a bare sqlite3 scan
//      reading the same columns in the same order; prints rows/s and the ratio
//      export/bare (the target is the CSV export's).
//
//   server_query_bench [--rows N] [--runs N] [--bare-runs N] [--db PATH | --db postgresql://...]
//
// With --db postgresql://... the same runs on PostgreSQL (an empty database,
// or one already holding at least --rows responses), the bare baselines being
// the same SQL through libpq.
// --rows defaults to 1,000,000. With --db, an existing database with at least
// --rows responses is reused (and a new one is kept there), so a 10,000,000-row
// run need not be generated twice. Targets (at 10,000,000 rows): summary p99
// < 200 ms; export >= 500,000 rows/s. Exits non-zero only on errors; a missed
// target is printed, not fatal.
#include "bench_util.h"

#include "core/local_time.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/secrets.h"
#include "server/storage.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
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

constexpr int k_stores = 20;
constexpr int k_touch_points_per_store = 2;
constexpr int k_days = 365;

// Fills the database through the storage layer, as kiosks' batches would:
// 20 stores with 2 touch points each, a year of local days, opening hours
// 08-20, every scale, some misuse, reasons and comments.
void generate(Storage& s, std::int64_t rows) {
    const char* scales[] = {"smiley4", "smiley5", "nps", "ces7", "thumbs"};
    const std::int64_t now = 1772683080000; // a fixed clock: the same data every run
    std::vector<DeviceRecord> devices;
    for (int st = 0; st < k_stores; ++st) {
        const std::string store = "store-" + std::to_string(st);
        must(s.create_store({store, "Store " + std::to_string(st), "Pacific/Auckland"}, now),
             "create store");
        for (int t = 0; t < k_touch_points_per_store; ++t) {
            const std::string key = store + "-tp" + std::to_string(t);
            must(s.create_touch_point({key, store, "Touch point", "{}", "", now}),
                 "create touch point");
            const std::string code = "code-" + key;
            must(s.create_enrollment_code(hash_secret(code), key, now, now + 3600000),
                 "create code");
            auto e = must(s.enroll(hash_secret(code), {"dev-" + key, "kiosk", "tok-" + key}, now),
                          "enrol");
            devices.push_back(e.device);
        }
    }
    std::vector<std::string> day_names;
    for (int d = 0; d < k_days; ++d)
        day_names.push_back(add_days("2025-03-01", d));
    constexpr std::int64_t k_chunk = 2000;
    std::int64_t made = 0;
    const auto t0 = Clock::now();
    std::uint64_t x = 88172645463325252ULL; // xorshift: fast and repeatable
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    while (made < rows) {
        // One device's batch at a time, as the server receives them.
        const DeviceRecord& d = devices[static_cast<std::size_t>(next() % devices.size())];
        const int scale_index = static_cast<int>(std::hash<std::string>{}(d.touch_point) % 5);
        const Scale scale = *scale_from_string(scales[scale_index]);
        const ScaleInfo& info = scale_info(scale);
        std::vector<IncomingResponse> batch;
        const std::int64_t n = std::min(k_chunk, rows - made);
        for (std::int64_t i = 0; i < n; ++i) {
            IncomingResponse in;
            Response& r = in.response;
            char id[40];
            std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012lld",
                          static_cast<long long>(made + i));
            r.id = id;
            r.device_id = d.id;
            r.touch_point = d.touch_point;
            r.survey_id = "survey";
            r.survey_version = 1;
            r.question_id = "question";
            r.scale = scale;
            r.score = info.min + static_cast<int>(
                                     next() % static_cast<std::uint64_t>(info.max - info.min + 1));
            if (next() % 3 == 0) r.reasons = {"fast", "friendly"};
            if (next() % 10 == 0) r.comment = "Quick and friendly, thank you";
            r.language = "en";
            const int day = static_cast<int>(next() % k_days);
            r.local_day = day_names[static_cast<std::size_t>(day)];
            r.local_hour = 8 + static_cast<int>(next() % 12);
            char local[40];
            std::snprintf(local, sizeof local, "%sT%02d:17:00+13:00", r.local_day.c_str(),
                          r.local_hour);
            r.local_time = local;
            r.utc_ms = now - static_cast<std::int64_t>(k_days - day) * 86400000LL;
            r.sequence = made + i;
            r.misuse = next() % 50 == 0;
            in.content_hash = r.id;
            batch.push_back(std::move(in));
        }
        must(s.ingest_batch(d, batch, "", now), "ingest");
        made += n;
        if (made % 1000000 == 0 || made == rows)
            std::fprintf(stderr, "  generated %lld rows (%.0f s)\n", static_cast<long long>(made),
                         ms_since(t0) / 1000.0);
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
    int runs = 30, bare_runs = 3;
    std::string db_path;
    parse_flags(argc, argv,
                {{"--rows", rows}, {"--runs", runs}, {"--bare-runs", bare_runs}, {"--db", db_path}},
                "--rows N --runs N --bare-runs N --db PATH|postgresql://...");
    if (rows < 1 || runs < 1 || bare_runs < 1) die("--rows, --runs and --bare-runs must be >= 1");
    must(init_secrets(), "secrets");

    std::optional<BenchDir> dir; // removed last, after the storage is closed
    if (db_path.empty()) {
        dir.emplace();
        db_path = dir->path() + "/server.db";
    }
    const bool postgres =
        db_path.rfind("postgresql://", 0) == 0 || db_path.rfind("postgres://", 0) == 0;
    const std::string db_url = postgres ? db_path : "sqlite:" + db_path;
    auto storage = must(open_storage(db_url), "open storage");
    std::int64_t have = must(storage->response_count(), "count");
    if (have == 0) {
        std::printf("generating %lld responses ...\n", static_cast<long long>(rows));
        generate(*storage, rows);
        have = rows;
    } else if (have < rows) {
        die(db_path + " holds " + std::to_string(have) + " responses, fewer than --rows");
    }
    const std::string key = "tpk_bench_" + random_hex(8);
    ApiKeyRecord k;
    k.id = "key_" + random_hex(6);
    k.role = ApiKeyRole::head_office;
    must(storage->create_api_key(k, hash_secret(key)), "create key");
    ApiOptions options;
    options.rate_per_s = 1e9;
    options.burst = 1e9;
    Api api(*storage, options);
    Bare bare(db_url);
    bool all_met = true;

    std::printf("server query benchmark: %lld responses, %d stores x %d touch points, %s\n",
                static_cast<long long>(have), k_stores, k_touch_points_per_store,
                postgres ? "PostgreSQL" : "SQLite");

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

    // --- (b) Exports ---
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
