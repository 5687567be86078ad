// Sync drain benchmark (SPEC "Sync"): how fast a kiosk's queue empties into a
// real touchpoint-server over loopback.
//
//  Fills a kiosk database with --rows closed, pending responses (not timed),
//  starts touchpoint-server with its rate limit out of the way, enrols, then
//  times SyncClient::step() until nothing is pending (batches of --batch,
//  500 by default as the client sends them). Prints responses/s.
//
//  Baseline, interleaved batch by batch in the same run: the same work
//  without HTTP, JSON, authentication or validation - a copy of the same
//  kiosk database read with pending_batch, the server's own Storage (SQLite,
//  WAL, synchronous=FULL) ingesting the batch in this process, and the
//  kiosk's mark_synced. Prints the ratio drain/baseline.
//
//   sync_drain_bench [--rows N] [--batch N] [--dir PATH]
//
// Exits non-zero only on errors; a missed target is printed, not fatal.
#include "bench_server_process.h"

#include "app/local_database.h"
#include "core/local_time.h"
#include "core/uuid.h"
#include "core/wire.h"
#include "server/secrets.h"
#include "server/storage.h"
#include "sync/enroll.h"
#include "sync/sync_client.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::bench;

namespace {

constexpr double k_target_per_s = 20000;

// --- Filling the kiosk database (not timed) ---

const char* k_kiosk_insert =
    "INSERT INTO responses (seq, id, device_id, touch_point, survey_id, survey_version, "
    "question_id, scale, score, reasons, comment, language, utc_ms, local_time, local_day, "
    "local_hour, misuse, clock_suspect, closed, sync_state, reject_reason) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '[]', '', 'en', ?10, ?11, ?12, ?13, 0, 0, 1, "
    "'pending', '')";

// Makes the database's file (schema, triggers) through LocalDatabase, then puts
// `rows` closed, pending responses straight into its responses table in large
// transactions with synchronous=OFF: a queue as a kiosk that was offline for
// a while would hold, in seconds instead of one durable commit per tap. The
// taps lie in the past (one a second up to an hour ago), so none is ahead of
// the server's clock.
void fill_kiosk_database(const std::string& path, int rows) {
    {
        auto created = LocalDatabase::open(path);
        if (!created) die(created.error());
        created.value()->mark_clean_shutdown();
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("cannot open the kiosk database to fill it");
    must(sqlite3_exec(db, "PRAGMA synchronous = OFF", nullptr, nullptr, nullptr), db, "pragma");
    sqlite3_stmt* ins = nullptr;
    must(sqlite3_prepare_v2(db, k_kiosk_insert, -1, &ins, nullptr), db, "prepare");
    const std::string device_id = make_uuid();
    const std::int64_t first = now_ms() - 3'600'000 - static_cast<std::int64_t>(rows) * 1000;
    must(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (int i = 0; i < rows; ++i) {
        const std::int64_t utc = first + static_cast<std::int64_t>(i) * 1000;
        LocalStamp stamp = local_stamp("Pacific/Auckland", utc);
        sqlite3_bind_int64(ins, 1, i + 1);
        bind_text(ins, 2, make_uuid());
        bind_text(ins, 3, device_id);
        bind_text(ins, 4, "akl-checkout-1");
        bind_text(ins, 5, "checkout");
        sqlite3_bind_int(ins, 6, 1);
        bind_text(ins, 7, "checkout-experience");
        bind_text(ins, 8, "smiley4");
        sqlite3_bind_int(ins, 9, 1 + i % 4);
        sqlite3_bind_int64(ins, 10, utc);
        bind_text(ins, 11, stamp.iso);
        bind_text(ins, 12, stamp.day);
        sqlite3_bind_int(ins, 13, stamp.hour);
        must(sqlite3_step(ins), db, "fill");
        sqlite3_reset(ins);
        if (i % 50'000 == 49'999)
            must(sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr), db, "commit");
    }
    must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    must(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
         "checkpoint");
    sqlite3_finalize(ins);
    sqlite3_close_v2(db);
}

std::unique_ptr<LocalDatabase> open_database(const std::string& path) {
    auto s = LocalDatabase::open(path);
    if (!s) die(s.error());
    return std::move(*s);
}

// --- Baseline: the server's Storage in this process ---

struct Baseline {
    std::unique_ptr<server::Storage> storage;
    server::DeviceRecord device;
    std::map<std::string, std::string> content_hash; // by response id, made before timing
    std::string health_json;
};

Baseline make_baseline(const std::string& dir, LocalDatabase& kiosk) {
    Baseline b;
    if (auto st = server::init_secrets(); !st) die(st.error());
    auto opened = server::open_storage("sqlite:" + dir + "/baseline-server.db");
    if (!opened) die(opened.error());
    b.storage = std::move(*opened);
    const std::int64_t now = now_ms();
    server::Storage& s = *b.storage;
    if (auto st = s.create_store({"akl", "Auckland Central", "Pacific/Auckland"}, now); !st)
        die(st.error());
    if (auto st = s.create_touch_point({"akl-checkout-1", "akl", "Checkout 1", "{}", "", now}); !st)
        die(st.error());
    const std::string code_hash = server::hash_secret("baseline-code");
    if (auto st = s.create_enrollment_code(code_hash, "akl-checkout-1", now, now + 3'600'000); !st)
        die(st.error());
    auto enrolled = s.enroll(
        code_hash, {make_uuid(), "baseline kiosk", server::hash_secret(server::make_token())}, now);
    if (!enrolled || enrolled->status != server::EnrollStatus::enrolled)
        die("baseline enrolment failed");
    b.device = enrolled->device;
    // The content hash the server would compute, made here so the timed part
    // is only the durable work.
    Status st = kiosk.for_each([&](const Response& r) {
        Response as_stored = r;
        as_stored.device_id = b.device.id;
        as_stored.touch_point = b.device.touch_point;
        b.content_hash[r.id] = server::hash_secret(to_json(as_stored).dump());
        return true;
    });
    if (!st) die(st.error());
    b.health_json = R"({"pending":0,"disk_free_bytes":1,"database_bytes":1,"app_version":")" +
                    std::string(TOUCHPOINT_VERSION) + R"(","last_error":""})";
    return b;
}

// One batch of the baseline; returns how many responses it moved.
std::size_t baseline_batch(Baseline& b, LocalDatabase& kiosk, int batch_size) {
    auto batch = kiosk.pending_batch(batch_size);
    if (!batch) die(batch.error());
    if (batch->empty()) return 0;
    std::vector<server::IncomingResponse> incoming;
    incoming.reserve(batch->size());
    std::vector<std::int64_t> sequences;
    sequences.reserve(batch->size());
    for (std::size_t i = 0; i < batch->size(); ++i) {
        server::IncomingResponse in;
        in.index = i;
        in.response = std::move((*batch)[i]);
        in.response.device_id = b.device.id;
        in.response.touch_point = b.device.touch_point;
        in.content_hash = b.content_hash[in.response.id];
        sequences.push_back(in.response.sequence);
        incoming.push_back(std::move(in));
    }
    auto outcome = b.storage->ingest_batch(b.device, incoming, b.health_json, now_ms());
    if (!outcome) die(outcome.error());
    for (auto item : outcome->items)
        if (item != server::IngestStatus::accepted) die("baseline: a response was not accepted");
    if (auto st = kiosk.mark_synced(sequences); !st) die(st.error());
    return sequences.size();
}

} // namespace

int main(int argc, char** argv) {
    set_program("sync_drain_bench");
    int rows = 100'000;
    int batch_size = 500;
    std::string dir_arg;
    parse_flags(argc, argv, {{"--rows", rows}, {"--batch", batch_size}, {"--dir", dir_arg}},
                "use --rows N, --batch N, --dir PATH");
    if (rows < 1 || batch_size < 1) die("--rows and --batch must be positive");

    try {
        const WorkDir work(dir_arg);
        const std::string& dir = work.path();
        std::printf("sync drain benchmark: %d responses, batches of %d, in %s (SQLite %s, %u "
                    "cores, load average %s)\n",
                    rows, batch_size, dir.c_str(), sqlite3_libversion(),
                    std::thread::hardware_concurrency(), bench::load_average().c_str());

        // --- Set-up (not timed) ---
        auto t_fill = Clock::now();
        const std::string kiosk_path = dir + "/kiosk.db";
        const std::string baseline_kiosk_path = dir + "/kiosk-baseline.db";
        fill_kiosk_database(kiosk_path, rows);
        std::filesystem::copy_file(kiosk_path, baseline_kiosk_path,
                                   std::filesystem::copy_options::overwrite_existing);
        std::printf("  filled two kiosk stores with %d closed responses each in %.1f s (not "
                    "timed)\n",
                    rows, ms_since(t_fill) / 1000.0);

        bench::BenchServer server(dir);
        const std::vector<std::string> server_options{
            "--workers", "8",      "--rate",      "100000",
            "--burst",   "100000", "--max-batch", std::to_string(std::max(500, batch_size))};
        server.start(server_options);
        std::string shown;
        for (const auto& o : server_options)
            shown += " " + o;
        std::printf("  server: touchpoint-server%s (rate limit out of the way) at %s\n",
                    shown.c_str(), server.url().c_str());

        const std::string kiosk_dir = dir + "/kiosk";
        std::filesystem::create_directories(kiosk_dir);
        sync::HttpOptions http;
        http.base_url = server.url();
        auto enrolled = sync::enroll(http, server.create_code(), "bench kiosk", kiosk_dir);
        if (!enrolled) die(enrolled.error());

        auto kiosk = open_database(kiosk_path);
        auto baseline_kiosk = open_database(baseline_kiosk_path);
        if (kiosk->health().pending != rows) die("the kiosk database does not hold the rows");
        Baseline baseline = make_baseline(dir, *baseline_kiosk);

        sync::SyncSettings settings;
        settings.http = http;
        settings.token = enrolled->token;
        settings.data_dir = kiosk_dir;
        settings.batch_size = batch_size;
        auto client_http = sync::HttpClient::create(settings.http);
        if (!client_http) die(client_http.error());
        sync::SyncClient client(settings, *kiosk, **client_http);

        // --- Timed: drain and baseline, batch by batch, alternating which goes first ---
        const double server_cpu0 = bench::process_cpu_seconds(server.pid());
        const double self_cpu0 = cpu_seconds_self();
        std::vector<double> step_ms, base_ms;
        double drain_total_ms = 0, base_total_ms = 0;
        std::int64_t drained = 0, accepted = 0, base_moved = 0;
        int retries = 0;
        bool drain_done = false, base_done = false;
        const std::string load_before = bench::load_average();
        auto run_drain_step = [&] {
            auto t0 = Clock::now();
            sync::SyncStep s = client.step(Clock::now());
            double ms = ms_since(t0);
            switch (s.kind) {
            case sync::SyncStep::Kind::sent:
                if (s.rejected > 0) die("the server rejected responses");
                accepted += s.accepted + s.duplicates;
                drained = rows - client.status().pending;
                step_ms.push_back(ms);
                drain_total_ms += ms;
                if (client.status().pending == 0) drain_done = true;
                break;
            case sync::SyncStep::Kind::retry_later: {
                ++retries;
                if (retries > 20) die("sync keeps failing: " + client.status().last_error);
                std::this_thread::sleep_for(s.wait);
                drain_total_ms += ms_since(t0);
                break;
            }
            case sync::SyncStep::Kind::must_reenroll:
                die("the server refused the device: " + client.status().last_error);
            default:
                drain_total_ms += ms;
                drain_done = true;
                break;
            }
        };
        auto run_base_batch = [&] {
            auto t0 = Clock::now();
            std::size_t n = baseline_batch(baseline, *baseline_kiosk, batch_size);
            double ms = ms_since(t0);
            if (n == 0) {
                base_done = true;
                return;
            }
            base_moved += static_cast<std::int64_t>(n);
            base_ms.push_back(ms);
            base_total_ms += ms;
        };
        for (int i = 0; !drain_done || !base_done; ++i) {
            if (i % 2 == 0) {
                if (!drain_done) run_drain_step();
                if (!base_done) run_base_batch();
            } else {
                if (!base_done) run_base_batch();
                if (!drain_done) run_drain_step();
            }
        }
        const double self_cpu = cpu_seconds_self() - self_cpu0;
        const double server_cpu = bench::process_cpu_seconds(server.pid()) - server_cpu0;

        // --- Checks ---
        const long long on_server = server.response_count();
        if (on_server != rows)
            die("the server holds " + std::to_string(on_server) + " responses, expected " +
                std::to_string(rows));
        if (accepted != rows) die("the server accepted " + std::to_string(accepted) + " responses");
        auto base_count = baseline.storage->response_count();
        if (!base_count || *base_count != rows) die("the baseline storage does not hold the rows");
        if (kiosk->health().pending != 0 || baseline_kiosk->health().pending != 0)
            die("a kiosk database still has pending responses");
        server.stop();

        // --- Figures ---
        const double drain_rate = static_cast<double>(drained) / (drain_total_ms / 1000.0);
        const double base_rate = static_cast<double>(base_moved) / (base_total_ms / 1000.0);
        std::printf("  load average %s before, %s after the timed part\n", load_before.c_str(),
                    bench::load_average().c_str());
        std::printf("  drain over HTTP (SyncClient::step)  %8.2f s  %9.0f responses/s   per "
                    "batch p50 %6.2f ms  p99 %6.2f ms  (%zu batches, %d retries)\n",
                    drain_total_ms / 1000.0, drain_rate, percentile(step_ms, 0.5),
                    percentile(step_ms, 0.99), step_ms.size(), retries);
        std::printf("  baseline, same batches, no HTTP     %8.2f s  %9.0f responses/s   per "
                    "batch p50 %6.2f ms  p99 %6.2f ms\n",
                    base_total_ms / 1000.0, base_rate, percentile(base_ms, 0.5),
                    percentile(base_ms, 0.99));
        std::printf("    (kiosk pending_batch + server Storage::ingest_batch + kiosk mark_synced, "
                    "in this process; WAL, synchronous=FULL)\n");
        std::printf("  CPU while timed: server process %.2f s, this process %.2f s (client and "
                    "baseline)\n",
                    server_cpu, self_cpu);
        std::printf("  ratio drain/baseline (responses/s)  %.2f\n", drain_rate / base_rate);
        const bool met = drain_rate >= k_target_per_s;
        std::printf("  target >= %.0f responses/s\n", k_target_per_s);
        print_verdict(met);
    } catch (const std::exception& e) {
        die(e.what());
    }
    return 0;
}
