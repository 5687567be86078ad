// The server's storage failing under real kiosk sync clients and the real
// touchpoint-server binary: PostgreSQL stopped and started again while 20
// kiosks sync, and the SQLite database's disk filling up. While the server
// cannot store it answers 503 with Retry-After, the kiosks keep what they
// tapped, and once the storage is back ingest resumes by itself: every tap
// is on the server exactly once.
//
// Both change the machine (the shared PostgreSQL cluster, a tmpfs mount) and
// need root. Without it, or without a tool, they are skipped with a warning;
// with CI=true they fail instead.
#include "postgres_test_database.h"
#include "server_process.h"
#include "sync_support.h"

#include "core/wire.h"
#include "sync/http.h"
#include "sync/sync_client.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

using namespace touchpoint;
using namespace touchpoint::sync;
using namespace tpsync;
using namespace tptest;
using namespace std::chrono;
using Catch::Matchers::Contains;

namespace {

bool in_ci() {
    const char* v = std::getenv("CI");
    return v && std::string(v) == "true";
}

// Something the test needs is missing: a failure under CI, a warning (and
// the test does nothing) elsewhere. Returns false for `return` to follow.
bool missing(const std::string& what) {
    if (in_ci()) FAIL(what << " (CI=true: a missing tool fails the test)");
    WARN("skipped: " << what);
    return false;
}

// The absolute path of a program on PATH (or in the sbin directories), ""
// when there is none.
std::string find_tool(const std::string& name) {
    const char* env = std::getenv("PATH");
    std::string path = std::string(env ? env : "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find(':', start), path.size());
        const std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + name;
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        start = end + 1;
    }
    return {};
}

// Starts argv with only stdin, stdout and stderr (to /dev/null, or to `log`
// appended), detached from this process's group (setsid) when `detach`; its
// pid, or -1. pg_ctlcluster start leaves the postmaster running with
// whatever it was given: a pipe would never see its end, and a socket of
// this process would stay open in the database server.
pid_t spawn_detached(std::vector<std::string> argv, const std::string& log, bool detach) {
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (detach) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    const char* out = log.empty() ? "/dev/null" : log.c_str();
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc == 0 ? pid : -1;
}

// Runs argv as spawn_detached does and waits for it; its exit code (-1 when
// it could not be run or did not exit normally).
int run_detached(const std::vector<std::string>& argv, const std::string& log) {
    const pid_t pid = spawn_detached(argv, log, false);
    if (pid < 0) return -1;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

std::string read_text(const std::string& path) {
    std::string text;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            text.append(buf, n);
        std::fclose(f);
    }
    return text;
}

double seconds_between(steady_clock::time_point a, steady_clock::time_point b) {
    return duration<double>(b - a).count();
}

// The error code of a JSON error answer ("" when there is none).
std::string error_code(const HttpResponse& r) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("error") || !j["error"].is_object() ||
        !j["error"].contains("code") || !j["error"]["code"].is_string())
        return {};
    return j["error"]["code"].get<std::string>();
}

std::int64_t steady_ms() {
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// --- PostgreSQL stopped and started ---

// The local cluster (pg_setup.sh's: the newest installed version, "main"),
// stopped for a while. stop() first waits until no one else uses it: no
// fleet_bench run on PostgreSQL, no busy connection to another database.
// Whatever happens it is started again: by start(), by the destructor, and
// by a watchdog detached with setsid that outlives this process should it
// be killed.
class ClusterOutage {
  public:
    ClusterOutage(std::string pg_ctlcluster, std::string admin_url, std::string own_database)
        : m_ctl(std::move(pg_ctlcluster)), m_admin_url(std::move(admin_url)),
          m_own(std::move(own_database)) {
        std::string newest;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
            if (std::atoi(e.path().filename().c_str()) > std::atoi(newest.c_str()))
                newest = e.path().filename().string();
        m_version = newest.empty() ? "15" : newest;
    }
    ~ClusterOutage() {
        if (m_stopped) {
            try {
                start();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "PostgreSQL %s/main did not start again: %s\n",
                             m_version.c_str(), e.what());
            }
        }
        end_watchdog();
    }
    ClusterOutage(const ClusterOutage&) = delete;
    ClusterOutage& operator=(const ClusterOutage&) = delete;

    // Waits until no one else uses the cluster; the seconds waited. Throws
    // when they are still there after `patience`.
    double wait_for_others(seconds patience) const {
        const auto began = steady_clock::now();
        const std::string pgrep = find_tool("pgrep");
        if (pgrep.empty()) throw std::runtime_error("pgrep is missing (procps)");
        for (;;) {
            const std::string busy = who_else(pgrep);
            if (busy.empty()) break;
            if (steady_clock::now() - began > patience)
                throw std::runtime_error("PostgreSQL is still in use by others: " + busy);
            std::this_thread::sleep_for(milliseconds(500));
        }
        return seconds_between(began, steady_clock::now());
    }

    // Stops it once no one else uses it (wait_for_others); the seconds
    // waited. Throws when others stay longer than `patience` or it does not
    // stop.
    double stop(seconds patience) {
        const double waited = wait_for_others(patience);
        start_watchdog();
        m_stopped = true; // from here on the destructor starts it, whatever happens
        if (run_detached({m_ctl, m_version, "main", "stop"}, log()) != 0)
            throw std::runtime_error("pg_ctlcluster " + m_version +
                                     " main stop failed: " + read_text(log()));
        return waited;
    }

    // Starts it and waits until it accepts connections; throws otherwise.
    void start() {
        // 2: already running (the watchdog was quicker).
        const int rc = run_detached({m_ctl, m_version, "main", "start"}, log());
        if (rc != 0 && rc != 2)
            throw std::runtime_error("pg_ctlcluster " + m_version +
                                     " main start failed: " + read_text(log()));
        const auto deadline = steady_clock::now() + seconds(30);
        for (;;) {
            try {
                PostgresConnection(m_admin_url).rows("SELECT 1");
                break;
            } catch (const std::exception&) {
                if (steady_clock::now() > deadline) throw;
                std::this_thread::sleep_for(milliseconds(50));
            }
        }
        m_stopped = false;
        end_watchdog();
    }

  private:
    // Who else uses the cluster now, in words ("" when no one): a
    // fleet_bench run on PostgreSQL, or a connection to another database in
    // the middle of something (idle ones, a leftover server's say, are not
    // waited for).
    std::string who_else(const std::string& pgrep) const {
        std::string out;
        if (run_command({pgrep, "-f", "fleet_bench.*--postgres"}, &out) == 0)
            return "fleet_bench --postgres (pid " + out + ")";
        const auto rows = PostgresConnection(m_admin_url)
                              .rows("SELECT datname, count(*) FROM pg_stat_activity WHERE "
                                    "backend_type = 'client backend' AND state <> 'idle' AND "
                                    "pid <> pg_backend_pid() AND datname IS DISTINCT FROM '" +
                                    m_own + "' GROUP BY datname");
        std::string busy;
        for (const auto& r : rows)
            busy += (busy.empty() ? "" : ", ") + r.at(1) + " busy connection(s) to " + r.at(0);
        return busy;
    }

    // What pg_ctlcluster said, for the messages.
    std::string log() const { return m_dir.path + "/pg_ctlcluster.log"; }

    // sh -c "sleep N; pg_ctlcluster V main start" detached with setsid,
    // so that the end of this process (and of its process group) does not
    // end it.
    void start_watchdog() {
        const std::string script = "sleep " + std::to_string(k_watchdog_s) + "; exec '" + m_ctl +
                                   "' " + m_version + " main start";
        m_watchdog = spawn_detached({find_tool("sh"), "-c", script}, "", true);
        if (m_watchdog < 0) throw std::runtime_error("cannot start the watchdog");
    }

    void end_watchdog() {
        if (m_watchdog <= 0) return;
        ::kill(-m_watchdog, SIGKILL); // its process group: sh and its sleep
        int status = 0;
        ::waitpid(m_watchdog, &status, 0);
        m_watchdog = -1;
    }

    static constexpr int k_watchdog_s = 25; // the planned outage is 5 s
    TempDir m_dir;
    std::string m_ctl;
    std::string m_admin_url;
    std::string m_own;
    std::string m_version;
    pid_t m_watchdog = -1;
    bool m_stopped = false;
};

// One kiosk of the fleet on its own thread: it taps every k_tap_every until
// told to stop, syncs all along (waiting what each answer says), and stops
// once tapping is over and nothing is pending, or at the deadline.
struct FleetKiosk {
    Kiosk kiosk;
    std::set<std::string> tapped;
    int sent = 0;               // batches the server committed
    int refused = 0;            // "retry later" answers
    int refused_after_back = 0; // of those, to attempts begun once PostgreSQL was back
    std::string problem;        // why it stopped early ("" when it did not)
};

constexpr auto k_tap_every = milliseconds(100);

void run_kiosk(FleetKiosk& k, int index, const std::string& url, const std::atomic<bool>& tapping,
               const std::atomic<std::int64_t>& back_at_ms, steady_clock::time_point deadline) {
    try {
        SyncSettings settings = k.kiosk.settings(url);
        auto http = HttpClient::create(settings.http);
        if (!http) {
            k.problem = http.error();
            return;
        }
        SyncClient client(settings, *k.kiosk.database, **http);
        std::int64_t utc_ms = 1795381200000 + index * 100000000LL;
        auto next_tap = steady_clock::now();
        auto next_sync = next_tap;
        for (;;) {
            auto now = steady_clock::now();
            const bool taps = tapping.load();
            if (taps && now >= next_tap) {
                for (const auto& id :
                     fill(*k.kiosk.database, 1, k.kiosk.enrollment.device_id, utc_ms))
                    k.tapped.insert(id);
                utc_ms += 1000;
                next_tap += k_tap_every;
            }
            if (now >= next_sync) {
                const auto begun = steady_clock::now();
                const std::int64_t begun_ms =
                    duration_cast<milliseconds>(begun.time_since_epoch()).count();
                const SyncStep s = client.step(begun);
                now = steady_clock::now();
                switch (s.kind) {
                case SyncStep::Kind::sent:
                    ++k.sent;
                    next_sync = now;
                    break;
                case SyncStep::Kind::retry_later: {
                    ++k.refused;
                    const std::int64_t back = back_at_ms.load();
                    if (back > 0 && begun_ms > back) ++k.refused_after_back;
                    next_sync = now + s.wait;
                    break;
                }
                case SyncStep::Kind::must_reenroll:
                    k.problem = "the server refused the token: " + client.status().last_error;
                    return;
                case SyncStep::Kind::heartbeat:
                case SyncStep::Kind::idle:
                    next_sync = now + milliseconds(20);
                    break;
                }
            }
            if (!taps && k.kiosk.database->health().pending == 0) return;
            if (now > deadline) {
                k.problem = std::to_string(k.kiosk.database->health().pending) +
                            " responses still pending at the deadline; last error: " +
                            client.status().last_error;
                return;
            }
            auto wake = next_sync;
            if (taps) wake = std::min(wake, next_tap);
            wake = std::min(wake, steady_clock::now() + milliseconds(200));
            std::this_thread::sleep_until(wake);
        }
    } catch (const std::exception& e) {
        k.problem = e.what();
    }
}

// Raw heartbeats every 50 ms from a device of its own, recording each
// answer: the outage seen from outside the sync client.
struct Probe {
    int answers = 0;
    int storage_refusals = 0; // 503 storage_unavailable / storage_full
    int storage_refusals_with_retry_after = 0;
    int refusals_after_back = 0; // 503s to requests sent once PostgreSQL was back
    int other_failures = 0;      // anything else but 200
    double first_ok_after_back_s = -1;
    std::string problem;
};

void run_probe(Probe& p, const std::string& url, const std::string& token,
               const std::atomic<bool>& running, const std::atomic<std::int64_t>& back_at_ms) {
    HttpOptions o;
    o.base_url = url;
    o.connect_timeout = milliseconds(2000);
    o.total_timeout = milliseconds(10000);
    auto http = HttpClient::create(o);
    if (!http) {
        p.problem = http.error();
        return;
    }
    while (running.load()) {
        const auto sent = steady_clock::now();
        const std::int64_t sent_ms = duration_cast<milliseconds>(sent.time_since_epoch()).count();
        const HttpResponse r = (*http)->post_json("/api/v1/heartbeat", "{}", token);
        const std::int64_t back = back_at_ms.load();
        ++p.answers;
        const std::string code = error_code(r);
        if (r.status == 200) {
            if (back > 0 && sent_ms > back && p.first_ok_after_back_s < 0)
                p.first_ok_after_back_s = static_cast<double>(steady_ms() - back) / 1000.0;
        } else if (r.status == 503 && (code == "storage_unavailable" || code == "storage_full")) {
            ++p.storage_refusals;
            if (r.retry_after_s > 0) ++p.storage_refusals_with_retry_after;
            if (back > 0 && sent_ms > back) ++p.refusals_after_back;
        } else {
            ++p.other_failures;
            if (p.problem.empty())
                p.problem = "answer " + std::to_string(r.status) + " " + r.body + r.network_error;
        }
        std::this_thread::sleep_until(sent + milliseconds(50));
    }
}

} // namespace

TEST_CASE("PostgreSQL stopped and started mid-ingest: 20 kiosks lose nothing, store nothing "
          "twice, the server reconnects by itself",
          "[.][pg][outage]") {
    const auto started = steady_clock::now();
    const std::string ctl = find_tool("pg_ctlcluster");
    if (ctl.empty() && !missing("pg_ctlcluster is not installed (see tests/server/pg_setup.sh)"))
        return;
    if (::geteuid() != 0 && !missing("stopping the PostgreSQL cluster needs root")) return;
    std::string admin_url = test_postgres_url();
    if (admin_url.empty()) admin_url = local_postgres_url();

    PostgresTestDatabase database(admin_url);
    ServerProcess server({}, database.url());
    server.start();
    constexpr int k_kiosks = 20;
    std::vector<std::unique_ptr<FleetKiosk>> fleet;
    for (int i = 0; i < k_kiosks; ++i) {
        fleet.push_back(std::make_unique<FleetKiosk>());
        fleet.back()->kiosk.enroll_with(server);
    }
    Kiosk prober;
    prober.enroll_with(server);
    // Others first (a benchmark on PostgreSQL, tests in another ctest run):
    // waited for before the fleet starts, and checked again at the stop.
    double waited_s = 0;
    try {
        waited_s = ClusterOutage(ctl, admin_url, database.name()).wait_for_others(seconds(420));
    } catch (const std::exception& e) {
        FAIL(e.what());
    }

    std::atomic<bool> tapping{true};
    std::atomic<bool> probing{true};
    std::atomic<std::int64_t> back_at_ms{0};
    const auto deadline = steady_clock::now() + seconds(90);
    std::vector<std::thread> threads;
    for (int i = 0; i < k_kiosks; ++i)
        threads.emplace_back(run_kiosk, std::ref(*fleet[static_cast<std::size_t>(i)]), i,
                             server.url(), std::cref(tapping), std::cref(back_at_ms), deadline);
    Probe probe;
    std::thread probe_thread(run_probe, std::ref(probe), server.url(), prober.enrollment.token,
                             std::cref(probing), std::cref(back_at_ms));
    // Joined whatever happens below (a REQUIRE throwing included).
    struct Join {
        std::vector<std::thread>& threads;
        std::thread& probe;
        std::atomic<bool>& tapping;
        std::atomic<bool>& probing;
        ~Join() {
            tapping = false;
            probing = false;
            for (auto& t : threads)
                if (t.joinable()) t.join();
            if (probe.joinable()) probe.join();
        }
    } join{threads, probe_thread, tapping, probing};
    // Destroyed before `join`: should the test stop half-way, PostgreSQL is
    // started before the kiosks are waited for.
    ClusterOutage outage(ctl, admin_url, database.name());

    std::this_thread::sleep_for(seconds(2)); // ingest as usual first
    try {
        waited_s += outage.stop(seconds(30));
    } catch (const std::exception& e) {
        FAIL(e.what());
    }
    const auto down = steady_clock::now();
    std::this_thread::sleep_for(seconds(5));
    try {
        outage.start();
    } catch (const std::exception& e) {
        FAIL(e.what());
    }
    const auto back = steady_clock::now();
    back_at_ms = steady_ms();
    std::this_thread::sleep_for(milliseconds(1500)); // taps go on a little after
    tapping = false;
    for (auto& t : threads)
        t.join();
    probing = false;
    probe_thread.join();
    const auto drained = steady_clock::now();

    // Nothing lost, nothing twice: the server holds exactly the taps.
    std::set<std::string> tapped;
    int refused = 0, refused_after_back = 0, sent = 0;
    for (const auto& k : fleet) {
        INFO("kiosk " << k->kiosk.enrollment.device_id);
        CHECK(k->problem == "");
        CHECK(k->kiosk.database->health().pending == 0);
        tapped.insert(k->tapped.begin(), k->tapped.end());
        refused += k->refused;
        refused_after_back += k->refused_after_back;
        sent += k->sent;
    }
    PostgresConnection db(database.url());
    const auto counts = db.rows("SELECT count(*), count(DISTINCT id) FROM responses");
    std::set<std::string> stored;
    for (const auto& row : db.rows("SELECT id FROM responses"))
        stored.insert(row.at(0));
    const long long rows = std::stoll(counts.at(0).at(0));
    const long long distinct = std::stoll(counts.at(0).at(1));
    CHECK(rows == static_cast<long long>(tapped.size()));
    CHECK(distinct == rows);
    CHECK(stored == tapped);

    // While it was down: 503 with Retry-After; once it was back: no refusal,
    // from the same server process (its pool reconnected).
    INFO(probe.problem);
    CHECK(probe.storage_refusals >= 1);
    CHECK(probe.storage_refusals_with_retry_after == probe.storage_refusals);
    CHECK(probe.refusals_after_back == 0);
    CHECK(probe.other_failures == 0);
    CHECK(probe.first_ok_after_back_s >= 0);
    CHECK(refused >= 1);
    CHECK(refused_after_back == 0);
    CHECK(::kill(server.pid(), 0) == 0);

    std::printf("PostgreSQL outage: %d kiosks tapped %zu responses, stored %lld (%lld distinct) "
                "in %d batches; down %.1f s (waited %.1f s for others first); %d sync attempts "
                "refused, %d probe requests answered 503 storage_unavailable with Retry-After "
                "of %d; first answer after PostgreSQL was back in %.2f s, 0 refused after; "
                "drained %.1f s after; %.1f s in all\n",
                k_kiosks, tapped.size(), rows, distinct, sent, seconds_between(down, back),
                waited_s, refused, probe.storage_refusals, probe.answers,
                probe.first_ok_after_back_s, seconds_between(back, drained),
                seconds_between(started, steady_clock::now()));
}

// --- The SQLite database's disk full ---

namespace {

// A tmpfs of `options` ("size=4m") mounted at a new directory `path`,
// unmounted (lazily, should something still hold it) when this goes.
class TmpfsMount {
  public:
    TmpfsMount(std::string path, const std::string& options) : m_path(std::move(path)) {
        std::error_code ec;
        std::filesystem::create_directories(m_path, ec);
        if (ec) {
            m_error = ec.message();
            return;
        }
        if (::mount("tmpfs", m_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
            m_error = std::strerror(errno);
        else
            m_mounted = true;
    }
    ~TmpfsMount() {
        if (m_mounted && ::umount2(m_path.c_str(), 0) != 0)
            (void)::umount2(m_path.c_str(), MNT_DETACH);
    }
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    bool mounted() const { return m_mounted; }
    const std::string& error() const { return m_error; }
    const std::string& path() const { return m_path; }

  private:
    std::string m_path;
    std::string m_error;
    bool m_mounted = false;
};

std::int64_t free_bytes(const std::string& path) {
    struct statvfs s {};
    if (::statvfs(path.c_str(), &s) != 0) return -1;
    return static_cast<std::int64_t>(s.f_bavail) * static_cast<std::int64_t>(s.f_frsize);
}

// Writes `path` until the disk is full (ENOSPC); the bytes written.
std::int64_t fill_up(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
    const std::string block(4096, 'x');
    std::int64_t written = 0;
    for (;;) {
        const ssize_t n = ::write(fd, block.data(), block.size());
        if (n > 0) {
            written += n;
            continue;
        }
        const int err = errno;
        ::close(fd);
        if (n < 0 && err == ENOSPC) return written;
        throw std::runtime_error("filling " + path + " stopped short: " + std::strerror(err));
    }
}

std::string quick_check(const std::string& db_path) {
    sqlite3* h = nullptr;
    std::string out = "cannot open";
    if (sqlite3_open_v2(db_path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return out;
}

} // namespace

TEST_CASE("server disk full (SQLite on a tmpfs): batches answered 503, the kiosk keeps its "
          "rows, /healthz says why, ingest resumes once space is freed",
          "[disk_full]") {
    const auto started = steady_clock::now();
    if (::geteuid() != 0 && !missing("mounting a tmpfs needs root")) return;
    TempDir dir;
    TmpfsMount disk(dir.path + "/db", "size=4m");
    if (!disk.mounted() && !missing("cannot mount a tmpfs: " + disk.error())) return;

    ServerProcess server({}, "sqlite:" + disk.path() + "/server.db");
    server.start();
    Kiosk k;
    k.enroll_with(server);
    const SyncSettings settings = k.settings(server.url());
    auto http = HttpClient::create(settings.http);
    REQUIRE(http.ok());
    SyncClient client(settings, *k.database, **http);
    std::set<std::string> all = fill(*k.database, 20, k.enrollment.device_id);
    REQUIRE(drain(client, *k.database, 30));
    REQUIRE(server.response_count() == 20);

    // The disk fills up; the kiosk taps on.
    const std::string filler = disk.path() + "/filler";
    const std::int64_t filled = fill_up(filler);
    REQUIRE(free_bytes(disk.path()) < 4096);
    const std::set<std::string> during =
        fill(*k.database, 200, k.enrollment.device_id, 1795382200000);
    all.insert(during.begin(), during.end());

    const SyncStep refused = client.step(steady_clock::now());
    CHECK(refused.kind == SyncStep::Kind::retry_later);
    CHECK(refused.wait >= seconds(5)); // Retry-After
    CHECK_THAT(client.status().last_error, Contains("disk is full"));
    CHECK(k.database->health().pending == 200);

    // The same batch by hand: 503 storage_full with Retry-After, and not
    // one of its responses stored.
    auto pending = k.database->pending_batch(200);
    REQUIRE(pending.ok());
    nlohmann::json batch{{"responses", nlohmann::json::array()}};
    for (const Response& r : *pending) {
        nlohmann::json j = to_json(r);
        j["closed"] = true;
        batch["responses"].push_back(j);
    }
    const HttpResponse raw =
        (*http)->post_json("/api/v1/batches", batch.dump(), k.enrollment.token);
    CHECK(raw.status == 503);
    CHECK(error_code(raw) == "storage_full");
    CHECK(raw.retry_after_s == 5);
    CHECK(server.response_count() == 20);
    CHECK(server.distinct_response_count() == 20);
    CHECK(quick_check(server.db_path()) == "ok");

    const HttpResponse health = (*http)->get("/healthz", "");
    CHECK(health.status == 503);
    CHECK(error_code(health) == "storage_full");
    CHECK_THAT(health.body, Contains("the database disk is full"));

    // Space again: /healthz sees it by itself, and the kiosk's next retry
    // (after Retry-After) goes in; every row exactly once.
    std::filesystem::remove(filler);
    const auto freed = steady_clock::now();
    HttpResponse healthy;
    for (int i = 0; i < 50; ++i) {
        healthy = (*http)->get("/healthz", "");
        if (healthy.status == 200) break;
        std::this_thread::sleep_for(milliseconds(100));
    }
    CHECK(healthy.status == 200);
    std::this_thread::sleep_for(refused.wait -
                                duration_cast<milliseconds>(steady_clock::now() - freed));
    REQUIRE(drain(client, *k.database, 30));
    const auto resumed = steady_clock::now();
    CHECK(k.database->health().pending == 0);
    CHECK(server.response_count() == 220);
    CHECK(server.distinct_response_count() == 220);
    CHECK(server_ids(server.db_path()) == all);
    CHECK(quick_check(server.db_path()) == "ok");
    server.stop();

    std::printf("disk full (tmpfs of 4 MiB, %lld bytes of filler): 200 taps kept pending on the "
                "kiosk while batches were refused with 503 storage_full; all 220 stored once, "
                "%.1f s after the space was freed; %.1f s in all\n",
                static_cast<long long>(filled), seconds_between(freed, resumed),
                seconds_between(started, steady_clock::now()));
}
