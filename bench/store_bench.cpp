// Store benchmark (SPEC "Local storage"):
//  (a) tap-to-durable-commit latency of LocalDatabase::insert_open against the
//      bare SQLite C API doing the same INSERT with the same pragmas (WAL,
//      synchronous=FULL) into an equivalent table in a separate file,
//      interleaved in one run; prints p50/p99 and the ratio store/bare.
//  (b) dashboard queries on a database filled with --rows responses spread over
//      400 days and 24 hours; prints p50/p99 per query.
//
//   store_bench [--rows N] [--taps N] [--reps N] [--dir PATH]
//
// Exits non-zero only on errors; a missed target is printed, not fatal.
#include "bench_util.h"

#include "app/local_database.h"
#include "core/local_time.h"
#include "core/uuid.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::bench;

namespace {

bool g_all_met = true;

void verdict(bool met) {
    print_verdict(met);
    g_all_met = g_all_met && met;
}

// The responses table as the database defines it (columns, primary key, unique
// id), without the database's partial indexes, rollups and triggers.
const char* kBareTable = R"(CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,
    touch_point TEXT NOT NULL, survey_id TEXT NOT NULL, survey_version INTEGER NOT NULL,
    question_id TEXT NOT NULL, scale TEXT NOT NULL, score INTEGER NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]', comment TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL, utc_ms INTEGER NOT NULL, local_time TEXT NOT NULL,
    local_day TEXT NOT NULL, local_hour INTEGER NOT NULL, misuse INTEGER NOT NULL,
    clock_suspect INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
    sync_state TEXT NOT NULL DEFAULT 'pending', reject_reason TEXT NOT NULL DEFAULT ''))";

const char* kInsert =
    "INSERT INTO responses (seq, id, device_id, touch_point, survey_id, survey_version, "
    "question_id, scale, score, reasons, comment, language, utc_ms, local_time, local_day, "
    "local_hour, misuse, clock_suspect, closed, sync_state, reject_reason) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20, ?21)";

// Binds a response the way the database writes it; seq NULL = let SQLite pick.
void bind_row(sqlite3_stmt* s, const Response& r, const std::string& reasons_json, bool with_seq) {
    if (with_seq)
        sqlite3_bind_int64(s, 1, r.sequence);
    else
        sqlite3_bind_null(s, 1);
    bind_text(s, 2, r.id);
    bind_text(s, 3, r.device_id);
    bind_text(s, 4, r.touch_point);
    bind_text(s, 5, r.survey_id);
    sqlite3_bind_int(s, 6, r.survey_version);
    bind_text(s, 7, r.question_id);
    bind_text(s, 8, std::string(to_string(r.scale)));
    sqlite3_bind_int(s, 9, r.score);
    bind_text(s, 10, reasons_json);
    bind_text(s, 11, r.comment);
    bind_text(s, 12, r.language);
    sqlite3_bind_int64(s, 13, r.utc_ms);
    bind_text(s, 14, r.local_time);
    bind_text(s, 15, r.local_day);
    sqlite3_bind_int(s, 16, r.local_hour);
    sqlite3_bind_int(s, 17, r.misuse ? 1 : 0);
    sqlite3_bind_int(s, 18, r.clock_suspect ? 1 : 0);
    sqlite3_bind_int(s, 19, r.closed ? 1 : 0);
    bind_text(s, 20, std::string(to_string(r.sync_state)));
    bind_text(s, 21, r.reject_reason);
}

Response tap(std::int64_t utc_ms, const std::string& day, int hour, int score) {
    Response r;
    r.id = make_uuid();
    r.device_id = "00000000-0000-4000-8000-000000000001";
    r.touch_point = "front-desk";
    r.survey_id = "visit";
    r.survey_version = 1;
    r.question_id = "overall";
    r.scale = Scale::smiley5;
    r.score = score;
    r.language = "en";
    r.utc_ms = utc_ms;
    r.local_day = day;
    r.local_hour = hour;
    char t[40];
    std::snprintf(t, sizeof t, "%sT%02d:%02d:00+13:00", day.c_str(), hour,
                  static_cast<int>(utc_ms / 60000 % 60));
    r.local_time = t;
    return r;
}

// --- (a) latency ---

void bench_latency(const std::string& dir, int taps) {
    std::printf("(a) tap-to-durable-commit latency, %d taps each, interleaved\n", taps);
    auto opened = LocalDatabase::open(dir + "/latency-store.db");
    if (!opened) die(opened.error());
    auto& database = *opened.value();

    sqlite3* bare = nullptr;
    if (sqlite3_open_v2((dir + "/latency-bare.db").c_str(), &bare,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
        die("cannot open the bare database");
    sqlite3_busy_timeout(bare, 5000);
    must(sqlite3_exec(bare, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr), bare, "wal");
    // The database's connection pragmas: WAL, synchronous=FULL, temp_store=MEMORY.
    must(sqlite3_exec(bare, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY", nullptr,
                      nullptr, nullptr),
         bare, "pragmas");
    must(sqlite3_exec(bare, kBareTable, nullptr, nullptr, nullptr), bare, "create");
    sqlite3_stmt* ins = nullptr;
    must(sqlite3_prepare_v2(bare, kInsert, -1, &ins, nullptr), bare, "prepare");

    // Same bare INSERT, but into a file with the database's whole schema
    // (partial indexes and rollup triggers): separates the cost of the
    // schema from the cost of the database's own code.
    {
        auto schema = LocalDatabase::open(dir + "/latency-schema.db");
        if (!schema) die(schema.error());
        schema.value()->mark_clean_shutdown();
    }
    sqlite3* full = nullptr;
    if (sqlite3_open_v2((dir + "/latency-schema.db").c_str(), &full, SQLITE_OPEN_READWRITE,
                        nullptr) != SQLITE_OK)
        die("cannot open the schema database");
    must(sqlite3_exec(full, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY", nullptr,
                      nullptr, nullptr),
         full, "pragmas");
    sqlite3_stmt* ins_full = nullptr;
    must(sqlite3_prepare_v2(full, kInsert, -1, &ins_full, nullptr), full, "prepare");

    std::vector<double> database_ms, bare_ms, full_ms;
    const int warmup = std::min(20, taps / 10 + 1);
    std::int64_t t = now_ms();
    const std::string day = local_stamp("UTC", t).day;
    for (int i = 0; i < taps + warmup; ++i) {
        Response a = tap(t + i, day, 10, 1 + i % 5);
        Response b = tap(t + i, day, 10, 1 + i % 5);
        Response c = tap(t + i, day, 10, 1 + i % 5);
        double sa = 0, sb = 0, sc = 0;
        auto run_database = [&] {
            auto t0 = Clock::now();
            Status st = database.insert_open(a);
            sa = ms_since(t0);
            if (!st) die(st.error());
        };
        auto run_bare = [&] {
            auto t0 = Clock::now();
            bind_row(ins, b, "[]", false);
            int rc = sqlite3_step(ins);
            sqlite3_reset(ins);
            sb = ms_since(t0);
            if (rc != SQLITE_DONE) die(std::string("bare insert: ") + sqlite3_errmsg(bare));
        };
        auto run_full = [&] {
            auto t0 = Clock::now();
            bind_row(ins_full, c, "[]", false);
            int rc = sqlite3_step(ins_full);
            sqlite3_reset(ins_full);
            sc = ms_since(t0);
            if (rc != SQLITE_DONE) die(std::string("schema insert: ") + sqlite3_errmsg(full));
        };
        // Rotate the order so no contender always goes first.
        switch (i % 3) {
        case 0:
            run_database();
            run_bare();
            run_full();
            break;
        case 1:
            run_bare();
            run_full();
            run_database();
            break;
        default:
            run_full();
            run_database();
            run_bare();
            break;
        }
        if (i >= warmup) {
            database_ms.push_back(sa);
            bare_ms.push_back(sb);
            full_ms.push_back(sc);
        }
    }
    sqlite3_finalize(ins);
    sqlite3_close_v2(bare);
    sqlite3_finalize(ins_full);
    sqlite3_close_v2(full);
    database.mark_clean_shutdown();

    double s50 = percentile(database_ms, 0.5), s99 = percentile(database_ms, 0.99);
    double b50 = percentile(bare_ms, 0.5), b99 = percentile(bare_ms, 0.99);
    std::printf("  store insert_open   p50 %7.3f ms   p99 %7.3f ms\n", s50, s99);
    std::printf("  bare SQLite INSERT  p50 %7.3f ms   p99 %7.3f ms\n", b50, b99);
    double f50 = percentile(full_ms, 0.5), f99 = percentile(full_ms, 0.99);
    std::printf("  bare, store schema  p50 %7.3f ms   p99 %7.3f ms\n", f50, f99);
    std::printf("  ratio store/bare    p50 %7.2f      p99 %7.2f   (target <= 1.20 at p50)\n",
                s50 / b50, s99 / b99);
    std::printf("  ratio store/bare with the store's schema  p50 %5.2f  p99 %5.2f\n", s50 / f50,
                s99 / f99);
    verdict(s50 / b50 <= 1.2);
}

// --- (b) dashboard queries ---

// Fills the database's own file with `rows` responses. Bench-only bulk path: the
// database creates the schema (tables, indexes, rollup triggers); the rows then go
// straight into its responses table in large transactions with
// synchronous=OFF, and the schema's triggers maintain the rollups exactly as
// they do for insert_open. Returns the last ("today") local day.
std::string populate(const std::string& db_path, std::int64_t rows) {
    {
        auto created = LocalDatabase::open(db_path);
        if (!created) die(created.error());
        created.value()->mark_clean_shutdown();
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("cannot open the database to fill it");
    must(sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144", nullptr, nullptr,
                      nullptr),
         db, "pragmas");
    sqlite3_stmt* ins = nullptr;
    must(sqlite3_prepare_v2(db, kInsert, -1, &ins, nullptr), db, "prepare");

    const int days = 400;
    const std::string today = "2026-03-29";
    const std::string first_day = add_days(today, -(days - 1));
    const char* reasons[] = {"wait",  "friendly", "price",  "clean",
                             "stock", "parking",  "layout", "checkout"};
    const std::int64_t day_ms = 86'400'000;
    const std::int64_t t0 = 1'774'695'600'000 - (days - 1) * day_ms; // ~ first_day 00:00+13
    std::mt19937_64 rng(12345);
    std::discrete_distribution<int> hour_weight(
        {1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 12, 12, 14, 12, 10, 10, 10, 9, 7, 5, 3, 2, 1, 1});
    std::discrete_distribution<int> score_weight({0, 8, 10, 15, 30, 37});

    auto t_start = Clock::now();
    std::string day = first_day;
    int day_index = 0;
    must(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (std::int64_t i = 0; i < rows; ++i) {
        int want_day = static_cast<int>(i * days / rows);
        while (day_index < want_day) {
            day = add_days(day, 1);
            ++day_index;
        }
        int hour = hour_weight(rng);
        std::int64_t utc = t0 + day_index * day_ms + hour * 3'600'000LL +
                           static_cast<std::int64_t>(rng() % 3'600'000);
        Response r = tap(utc, day, hour, score_weight(rng));
        r.sequence = i + 1;
        r.misuse = rng() % 100 < 3;
        r.closed = true;
        r.sync_state = day_index < days - 30 ? SyncState::synced : SyncState::pending;
        std::string rj = "[]";
        if (rng() % 100 < 40) {
            rj = "[\"" + std::string(reasons[rng() % 8]) + "\"";
            if (rng() % 2) rj += ",\"" + std::string(reasons[rng() % 8]) + "\"";
            rj += "]";
        }
        if (rng() % 100 < 5) r.comment = "Comment number " + std::to_string(i);
        bind_row(ins, r, rj, true);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE) die(std::string("fill: ") + sqlite3_errmsg(db));
        if (i % 50'000 == 49'999) {
            must(sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr), db, "commit");
        }
    }
    must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    must(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
         "checkpoint");
    sqlite3_finalize(ins);
    sqlite3_close_v2(db);
    std::printf("  filled %lld responses over %d days (%s .. %s) in %.1f s\n",
                static_cast<long long>(rows), days, first_day.c_str(), today.c_str(),
                ms_since(t_start) / 1000.0);
    return today;
}

void bench_queries(const std::string& dir, std::int64_t rows, int reps) {
    std::printf("(b) dashboard queries at %lld responses, %d repetitions each\n",
                static_cast<long long>(rows), reps);
    const std::string path = dir + "/dashboard.db";
    const std::string today = populate(path, rows);

    auto opened = LocalDatabase::open(path);
    if (!opened) die(opened.error());
    auto& database = *opened.value();
    auto bytes = database.health().database_bytes;
    std::printf("  database file %.1f MB\n", static_cast<double>(bytes) / 1e6);

    // Sanity: the rollups account for every row.
    auto all = database.score_counts(Scale::smiley5, "0000-00-00", "9999-99-99");
    if (!all) die(all.error());
    std::int64_t total = 0;
    for (int s = 0; s <= 10; ++s)
        total +=
            all->counted[static_cast<std::size_t>(s)] + all->misuse[static_cast<std::size_t>(s)];
    if (total != rows)
        die("rollups count " + std::to_string(total) + " rows, expected " + std::to_string(rows));

    const std::string week = add_days(today, -6);
    const std::string month = add_days(today, -29);
    struct Query {
        const char* name;
        std::function<bool()> run;
        bool target;
    };
    const std::vector<Query> queries = {
        {"score_counts today",
         [&] { return database.score_counts(Scale::smiley5, today, today).ok(); }, true},
        {"daily_counts 30 days",
         [&] { return database.daily_counts(Scale::smiley5, month, today).ok(); }, true},
        {"hourly_counts today", [&] { return database.hourly_counts(today).ok(); }, true},
        {"top_reasons 7 days", [&] { return database.top_reasons(week, today, 10).ok(); }, true},
        {"recent_comments 10", [&] { return database.recent_comments(10).ok(); }, true},
        {"(info) health", [&] { return database.health().state == "ok"; }, false},
        {"(info) pending_batch 100", [&] { return database.pending_batch(100).ok(); }, false},
    };
    bool met = true;
    for (const auto& q : queries) {
        std::vector<double> ms;
        for (int i = 0; i < reps; ++i) {
            auto t0 = Clock::now();
            if (!q.run()) die(std::string(q.name) + " failed");
            ms.push_back(ms_since(t0));
        }
        double p50 = percentile(ms, 0.5), p99 = percentile(ms, 0.99);
        std::printf("  %-26s p50 %8.3f ms   p99 %8.3f ms\n", q.name, p50, p99);
        if (q.target) met = met && p99 < 20.0;
    }
    std::printf("  (target < 20 ms each)\n");
    verdict(met);
    database.mark_clean_shutdown();
}

} // namespace

int main(int argc, char** argv) {
    set_program("store_bench");
    std::int64_t rows = 1'000'000;
    int taps = 1000;
    int reps = 100;
    std::string dir_arg;
    parse_flags(argc, argv,
                {{"--rows", rows}, {"--taps", taps}, {"--reps", reps}, {"--dir", dir_arg}},
                "use --rows N, --taps N, --reps N, --dir PATH");
    if (rows < 1 || taps < 1 || reps < 1) die("--rows, --taps and --reps must be positive");

    const WorkDir work(dir_arg);
    const std::string& dir = work.path();
    std::printf("store benchmark in %s (SQLite %s)\n", dir.c_str(), sqlite3_libversion());

    bench_latency(dir, taps);
    bench_queries(dir, rows, reps);

    std::printf("%s\n", g_all_met ? "all targets met" : "some targets missed");
    return 0;
}
