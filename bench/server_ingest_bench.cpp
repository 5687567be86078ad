// Server ingest benchmark (SPEC "Sync", docs/api.md POST /api/v1/batches):
// throughput of a real touchpoint-server on loopback with many devices
// sending at once.
//
//  --devices simulated devices, each a thread with its own enrolled device
//  token and its own HTTP client (one libcurl easy handle, reused, so the
//  connection stays alive), post batches of --batch responses until --rows
//  responses are in. The bodies are made before timing (as a kiosk's
//  SyncClient makes them: to_json of each response, "closed": true, health).
//  Prints responses/s and the p50/p99 latency of a batch.
//
//  Baseline, in the same run: bare SQLite (one connection, WAL,
//  synchronous=FULL) inserting the same rows, with the same columns as the
//  server's responses table, into a database the server's admin command made
//  (so the table and its indexes are the server's own), in transactions of
//  --batch rows. Prints the ratio ingest/bare.
//
//   server_ingest_bench [--devices N] [--rows N] [--batch N] [--workers N] [--dir PATH]
//
//  The server runs with its default options (--workers N overrides the pool).
//
// Exits non-zero only on errors; a missed target is printed, not fatal.
#include "bench_server_process.h"

#include "core/local_time.h"
#include "core/uuid.h"
#include "core/wire.h"
#include "server/secrets.h"
#include "sync/enroll.h"
#include "sync/http.h"
#include "sync/sync_client.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::bench;

namespace {

constexpr double k_target_ratio = 0.6; // with the server on its default options

// --- The rows ---

struct Device {
    std::string id;
    std::string token;
    std::vector<Response> responses;
    std::vector<std::string> bodies; // one per batch
};

// Taps in the past (one a second up to an hour ago), so none is ahead of the
// server's clock; scores cycle through smiley4 as a kiosk's would.
Response make_response(const std::string& device_id, std::int64_t utc_ms, std::int64_t sequence) {
    Response r;
    r.id = make_uuid();
    r.device_id = device_id;
    r.touch_point = "akl-checkout-1";
    r.survey_id = "checkout";
    r.survey_version = 1;
    r.question_id = "checkout-experience";
    r.scale = Scale::smiley4;
    r.score = 1 + static_cast<int>(sequence % 4);
    r.language = "en";
    r.utc_ms = utc_ms;
    LocalStamp stamp = local_stamp("Pacific/Auckland", utc_ms);
    r.local_time = stamp.iso;
    r.local_day = stamp.day;
    r.local_hour = stamp.hour;
    r.sequence = sequence;
    r.closed = true;
    return r;
}

// The body a kiosk's SyncClient sends for these responses.
std::string batch_body(const std::vector<Response>& rs, std::size_t from, std::size_t to,
                       std::size_t pending_after) {
    nlohmann::json body;
    body["responses"] = nlohmann::json::array();
    for (std::size_t i = from; i < to; ++i) {
        nlohmann::json j = to_json(rs[i]);
        j["closed"] = true;
        body["responses"].push_back(std::move(j));
    }
    body["health"] = {{"pending", pending_after}, {"disk_free_bytes", 5'000'000'000LL},
                      {"database_bytes", 90'112}, {"app_version", TOUCHPOINT_VERSION},
                      {"last_error", ""},         {"last_sync_utc_ms", nullptr}};
    return body.dump();
}

// --- Baseline: bare SQLite ---

const char* k_server_insert =
    "INSERT INTO responses (id, device_id, store_id, touch_point, survey_id, survey_version, "
    "question_id, scale, score, reasons_json, comment, language, utc_ms, local_time, "
    "local_day, local_hour, sequence, misuse, device_clock_suspect, server_clock_suspect, "
    "received_utc_ms, content_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

struct Timing {
    double seconds = 0;
    std::vector<double> batch_ms;
};

// Inserts every device's rows, batch by batch (devices taking turns), into
// the responses table of `db_path` on one connection.
Timing bare_insert(const std::string& db_path, const std::vector<Device>& devices,
                   std::size_t batch) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("cannot open the baseline database");
    sqlite3_busy_timeout(db, 5000);
    must(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", nullptr, nullptr,
                      nullptr),
         db, "pragmas");
    sqlite3_stmt* ins = nullptr;
    must(sqlite3_prepare_v2(db, k_server_insert, -1, &ins, nullptr), db, "prepare");

    // Made before timing: what the server stores that is not in the body.
    std::vector<std::vector<std::string>> hashes(devices.size());
    for (std::size_t d = 0; d < devices.size(); ++d)
        for (const Response& r : devices[d].responses) {
            Response stored = r;
            stored.device_id = devices[d].id;
            hashes[d].push_back(server::hash_secret(to_json(stored).dump()));
        }

    Timing t;
    std::vector<std::size_t> next(devices.size(), 0);
    auto t_all = Clock::now();
    for (bool more = true; more;) {
        more = false;
        for (std::size_t d = 0; d < devices.size(); ++d) {
            const Device& dev = devices[d];
            const std::size_t from = next[d];
            const std::size_t to = std::min(from + batch, dev.responses.size());
            if (from >= to) continue;
            more = true;
            auto t0 = Clock::now();
            const std::int64_t now = now_ms();
            must(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
            for (std::size_t i = from; i < to; ++i) {
                const Response& r = dev.responses[i];
                bind_text(ins, 1, r.id);
                bind_text(ins, 2, dev.id);
                bind_text(ins, 3, "akl");
                bind_text(ins, 4, r.touch_point);
                bind_text(ins, 5, r.survey_id);
                sqlite3_bind_int(ins, 6, r.survey_version);
                bind_text(ins, 7, r.question_id);
                bind_text(ins, 8, std::string(to_string(r.scale)));
                sqlite3_bind_int(ins, 9, r.score);
                bind_text(ins, 10, "[]");
                bind_text(ins, 11, r.comment);
                bind_text(ins, 12, r.language);
                sqlite3_bind_int64(ins, 13, r.utc_ms);
                bind_text(ins, 14, r.local_time);
                bind_text(ins, 15, r.local_day);
                sqlite3_bind_int(ins, 16, r.local_hour);
                sqlite3_bind_int64(ins, 17, r.sequence);
                sqlite3_bind_int(ins, 18, r.misuse ? 1 : 0);
                sqlite3_bind_int(ins, 19, r.clock_suspect ? 1 : 0);
                sqlite3_bind_int(ins, 20, 0);
                sqlite3_bind_int64(ins, 21, now);
                bind_text(ins, 22, hashes[d][i]);
                must(sqlite3_step(ins), db, "bare insert");
                sqlite3_reset(ins);
            }
            must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
            t.batch_ms.push_back(ms_since(t0));
            next[d] = to;
        }
    }
    t.seconds = ms_since(t_all) / 1000.0;
    sqlite3_finalize(ins);
    sqlite3_close_v2(db);
    return t;
}

// --- Ingest over HTTP ---

struct DeviceResult {
    std::vector<double> batch_ms;
    std::int64_t accepted = 0;
    int retries = 0;
    std::string first_retry; // why the first retry was needed
    std::string error;
};

// Lets every device thread start at the same moment.
class StartGate {
  public:
    explicit StartGate(int parties) : m_waiting(parties) {}
    void arrive_and_wait() {
        std::unique_lock<std::mutex> lock(m_mutex);
        if (--m_waiting == 0) {
            m_start = Clock::now();
            m_open.notify_all();
            return;
        }
        m_open.wait(lock, [this] { return m_waiting == 0; });
    }
    Clock::time_point start() const { return m_start; }

  private:
    std::mutex m_mutex;
    std::condition_variable m_open;
    int m_waiting;
    Clock::time_point m_start;
};

void run_device(const Device& dev, const sync::HttpOptions& options, StartGate& gate,
                DeviceResult& out) {
    auto http = sync::HttpClient::create(options);
    if (!http) {
        out.error = http.error();
        gate.arrive_and_wait();
        return;
    }
    gate.arrive_and_wait();
    for (const std::string& body : dev.bodies) {
        for (int attempt = 0;; ++attempt) {
            auto t0 = Clock::now();
            sync::HttpResponse r = (*http)->post_json("/api/v1/batches", body, dev.token);
            double ms = ms_since(t0);
            if (r.status == 200) {
                out.batch_ms.push_back(ms);
                nlohmann::json a = nlohmann::json::parse(r.body, nullptr, false);
                if (a.is_discarded() || !a.is_object() || !a["rejected"].empty()) {
                    out.error = "unexpected answer: " + r.body.substr(0, 300);
                    return;
                }
                out.accepted += a.value("accepted", 0);
                break;
            }
            // A busy server (network error, 429, 503) is retried a few times.
            const bool retryable = r.status == 0 || r.status == 429 || r.status == 503;
            if (!retryable || attempt >= 5) {
                out.error = "batch failed: " + sync::describe_http_error(r);
                return;
            }
            if (out.retries++ == 0) out.first_retry = sync::describe_http_error(r);
            std::this_thread::sleep_for(std::chrono::milliseconds(50 * (attempt + 1)));
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    set_program("server_ingest_bench");
    int devices_n = 50;
    long long rows = 200'000;
    int batch = 500;
    int threads = 0; // 0: the server's default worker pool
    std::string dir_arg;
    parse_flags(argc, argv,
                {{"--devices", devices_n},
                 {"--rows", rows},
                 {"--batch", batch},
                 {"--workers", threads},
                 {"--dir", dir_arg}},
                "use --devices N, --rows N, --batch N, --workers N, --dir PATH");
    if (devices_n < 1 || rows < devices_n || batch < 1)
        die("--devices and --batch must be positive, --rows at least --devices");
    if (auto st = server::init_secrets(); !st) die(st.error());

    try {
        const WorkDir work(dir_arg);
        const std::string& dir = work.path();
        std::printf("server ingest benchmark: %d devices, %lld responses, batches of %d, in %s "
                    "(SQLite %s, %u cores, load average %s)\n",
                    devices_n, rows, batch, dir.c_str(), sqlite3_libversion(),
                    std::thread::hardware_concurrency(), bench::load_average().c_str());

        // --- Set-up (not timed) ---
        std::filesystem::create_directories(dir + "/server");
        std::filesystem::create_directories(dir + "/bare");
        std::filesystem::create_directories(dir + "/kiosk");
        bench::BenchServer server(dir + "/server");
        // Bodies of `batch` responses are about 0.45 kB each; leave room.
        const std::size_t max_body =
            std::max<std::size_t>(1 << 20, static_cast<std::size_t>(batch) * 2048);
        std::vector<std::string> server_options{
            "--rate",           "100000",
            "--burst",          "100000",
            "--max-batch",      std::to_string(std::max(500, batch)),
            "--max-body-bytes", std::to_string(max_body)};
        if (threads > 0) { // the default pool unless asked
            server_options.push_back("--workers");
            server_options.push_back(std::to_string(threads));
        }
        server.start(server_options);
        std::string shown;
        for (const auto& o : server_options)
            shown += " " + o;
        std::printf("  server: touchpoint-server%s at %s\n", shown.c_str(), server.url().c_str());
        if (threads <= 0)
            std::printf("    (the server's default worker pool: every device keeps its "
                        "keep-alive connection, the I/O threads hold them all)\n");

        auto t_setup = Clock::now();
        sync::HttpOptions http;
        http.base_url = server.url();
        http.total_timeout = std::chrono::milliseconds{120'000};
        std::vector<Device> devices(static_cast<std::size_t>(devices_n));
        const std::int64_t first = now_ms() - 3'600'000 - rows * 1000;
        long long made = 0;
        for (int d = 0; d < devices_n; ++d) {
            Device& dev = devices[static_cast<std::size_t>(d)];
            auto e = sync::enroll(http, server.create_code(),
                                  "bench device " + std::to_string(d + 1), dir + "/kiosk");
            if (!e) die(e.error());
            dev.id = e->device_id;
            dev.token = e->token;
            const long long share = rows / devices_n + (d < rows % devices_n ? 1 : 0);
            for (long long i = 0; i < share; ++i, ++made)
                dev.responses.push_back(make_response(dev.id, first + made * 1000, i + 1));
            for (std::size_t from = 0; from < dev.responses.size();
                 from += static_cast<std::size_t>(batch)) {
                std::size_t to =
                    std::min(dev.responses.size(), from + static_cast<std::size_t>(batch));
                dev.bodies.push_back(
                    batch_body(dev.responses, from, to, dev.responses.size() - to));
            }
        }
        std::size_t body_bytes = 0, batches = 0;
        for (const Device& dev : devices)
            for (const auto& b : dev.bodies)
                body_bytes += b.size(), ++batches;
        std::printf("  enrolled %d devices and made %zu batch bodies (%.0f bytes a response) in "
                    "%.1f s (not timed)\n",
                    devices_n, batches, static_cast<double>(body_bytes) / static_cast<double>(rows),
                    ms_since(t_setup) / 1000.0);

        // --- Baseline: bare SQLite, same rows, same table, same batches ---
        bench::BenchServer bare_db(dir + "/bare"); // only its database: the server's schema
        const std::string load_bare = bench::load_average();
        Timing bare = bare_insert(bare_db.db_path(), devices, static_cast<std::size_t>(batch));
        const double bare_rate = static_cast<double>(rows) / bare.seconds;

        // --- Ingest over HTTP ---
        const std::string load_ingest = bench::load_average();
        std::vector<DeviceResult> results(devices.size());
        StartGate gate(devices_n);
        const double server_cpu0 = bench::process_cpu_seconds(server.pid());
        const double self_cpu0 = cpu_seconds_self();
        std::vector<std::thread> workers;
        for (std::size_t d = 0; d < devices.size(); ++d)
            workers.emplace_back(run_device, std::cref(devices[d]), std::cref(http), std::ref(gate),
                                 std::ref(results[d]));
        for (auto& w : workers)
            w.join();
        const double ingest_s = ms_since(gate.start()) / 1000.0;
        const double server_cpu = bench::process_cpu_seconds(server.pid()) - server_cpu0;
        const double self_cpu = cpu_seconds_self() - self_cpu0;

        std::vector<double> batch_ms;
        std::int64_t accepted = 0;
        int retries = 0;
        std::string first_retry;
        for (const DeviceResult& r : results) {
            if (!r.error.empty()) die(r.error);
            batch_ms.insert(batch_ms.end(), r.batch_ms.begin(), r.batch_ms.end());
            accepted += r.accepted;
            retries += r.retries;
            if (first_retry.empty()) first_retry = r.first_retry;
        }
        const long long on_server = server.response_count();
        if (accepted != rows || on_server != rows)
            die("the server accepted " + std::to_string(accepted) + " and holds " +
                std::to_string(on_server) + " responses, expected " + std::to_string(rows));
        server.stop();
        const double ingest_rate = static_cast<double>(rows) / ingest_s;

        // --- Figures ---
        std::printf("  ingest over HTTP, %d devices at once  %7.2f s  %9.0f responses/s   batch "
                    "latency p50 %7.2f ms  p99 %7.2f ms  (%d retries; load average %s)\n",
                    devices_n, ingest_s, ingest_rate, percentile(batch_ms, 0.5),
                    percentile(batch_ms, 0.99), retries, load_ingest.c_str());
        std::printf("  bare SQLite, one connection         %7.2f s  %9.0f responses/s   batch "
                    "latency p50 %7.2f ms  p99 %7.2f ms  (load average %s)\n",
                    bare.seconds, bare_rate, percentile(bare.batch_ms, 0.5),
                    percentile(bare.batch_ms, 0.99), load_bare.c_str());
        std::printf("    (the server's responses table and indexes, WAL, synchronous=FULL, one "
                    "transaction of %d rows per batch)\n",
                    batch);
        std::printf("  CPU while ingesting: server process %.2f s (%.1f us a response), devices "
                    "%.2f s; wall %.2f s on %u cores\n",
                    server_cpu, server_cpu * 1e6 / static_cast<double>(rows), self_cpu, ingest_s,
                    std::thread::hardware_concurrency());
        if (retries > 0) std::printf("  retried: %s\n", first_retry.c_str());
        const double ratio = ingest_rate / bare_rate;
        std::printf("  ratio ingest/bare  %.0f %%   (target >= %.0f %%)\n", ratio * 100,
                    k_target_ratio * 100);
        print_verdict(ratio >= k_target_ratio);
    } catch (const std::exception& e) {
        die(e.what());
    }
    return 0;
}
