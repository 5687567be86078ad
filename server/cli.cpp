#include "server/cli.h"

#include "core/local_time.h"
#include "core/survey.h"
#include "core/touch_point.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/backup.h"
#include "server/doctor.h"
#include "server/http_server.h"
#include "server/retention.h"
#include "server/secrets.h"
#include "server/server_config.h"
#include "server/service_watchdog.h"
#include "server/storage.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <ostream>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sstream>
#include <thread>

#ifndef TOUCHPOINT_VERSION
#define TOUCHPOINT_VERSION "0.0.0"
#endif

namespace touchpoint::server {

namespace {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_utc(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Every connection is a file descriptor: take the hard limit, and say so
// when even that is below the connection cap.
void raise_open_file_limit(std::size_t max_connections, std::ostream& err) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    // A few descriptors for the database, the listener and logs.
    constexpr rlim_t k_spare = 64;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < max_connections + k_spare)
        err << "touchpoint-server: warning: the open-file limit is " << limit.rlim_cur
            << ", below the " << max_connections
            << " connections allowed (--max-connections); connections past it are refused "
               "when accepted (raise LimitNOFILE or ulimit -n)"
            << std::endl;
}

int serve(const ServeOptions& o, std::ostream& out, std::ostream& err) {
    HttpServerOptions http = o.http;
    auto ms = [](double s) { return static_cast<std::int64_t>(s * 1000.0); };
    http.header_timeout_ms = ms(o.header_timeout_s);
    http.idle_timeout_ms = ms(o.idle_timeout_s);
    http.write_timeout_ms = ms(o.write_timeout_s);
    http.shutdown_grace_ms = ms(o.shutdown_grace_s);
    if (!parse_listen(o.listen, http.host, http.port)) {
        err << "touchpoint-server: --listen \"" << o.listen
            << "\" is not HOST:PORT (e.g. 127.0.0.1:8080)\n";
        return 2;
    }
    http.tls_cert = o.tls_cert;
    http.tls_key = o.tls_key;
    http.max_body_bytes = o.max_body_bytes;
    http.access_log = o.access_log;
    http.web_page = o.web_page;
    // Test only: every worker stalls before handling a request while this
    // file exists, as a wedged server would (the watchdog test).
    if (const char* stall = std::getenv("TOUCHPOINT_TEST_ONLY_STALL_WORKERS_WHILE_FILE_EXISTS")) {
        const std::string path = stall;
        http.before_handle = [path] {
            struct stat st {};
            while (::stat(path.c_str(), &st) == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        };
    }
    for (const std::string& w : web_page_warnings(o.web_page))
        err << "touchpoint-server: warning: " << w << std::endl;

    auto storage = open_storage(o.db);
    if (!storage) {
        err << "touchpoint-server: " << storage.error() << "\n";
        return 1;
    }
    ApiOptions api_options;
    api_options.limits.max_responses = o.max_batch;
    api_options.max_body_bytes = o.max_body_bytes;
    api_options.rate_per_s = o.rate;
    api_options.burst = o.burst;
    api_options.heartbeat_interval_ms = static_cast<std::int64_t>(o.heartbeat_interval_s * 1000.0);
    std::atomic<HttpServer*> live{nullptr};
    api_options.open_connections = [&live] {
        HttpServer* s = live.load();
        return s ? s->connections() : std::size_t{0};
    };
    Api api(**storage, api_options);
    HttpServer server(api, http);
    live = &server;

    // SIGINT / SIGTERM (stop) and SIGHUP (reload the TLS certificate) are
    // taken by one thread with sigwait(), so nothing runs inside a signal
    // handler. Blocked before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    raise_open_file_limit(http.max_connections, err);

    if (Status st = server.bind(); !st) {
        err << "touchpoint-server: " << st.error() << "\n";
        return 1;
    }
    const std::string listening = std::string(server.tls() ? "https://" : "http://") + http.host +
                                  ":" + std::to_string(server.port());
    out << "touchpoint-server " << TOUCHPOINT_VERSION << " listening on " << listening
        << " (storage " << o.db << ")" << std::endl;
    // Under systemd: READY=1 once /healthz answers, WATCHDOG=1 while it does.
    ServiceWatchdog watchdog({http.host, server.port(), server.tls()}, listening, err);
    watchdog.start();

    // Retention: at start, then hourly, on its own thread.
    std::unique_ptr<Retention> retention;
    if (o.retention_days > 0) {
        retention = std::make_unique<Retention>(**storage, o.retention_days);
        const int days = o.retention_days;
        retention->start(std::chrono::hours(1), [&err, days](const Result<std::int64_t>& r) {
            if (!r)
                err << "touchpoint-server: retention: " << r.error() << std::endl;
            else if (*r > 0)
                err << "touchpoint-server: retention: deleted " << *r << " responses older than "
                    << days << " days" << std::endl;
        });
    }

    std::atomic<bool> ended{false};
    std::thread waiter([&server, &ended, &err, &watchdog, signals] {
        for (;;) {
            int sig = 0;
            if (sigwait(&signals, &sig) != 0 || ended) return;
            if (sig != SIGHUP) {
                watchdog.stopping();
                break;
            }
            if (Status st = server.reload_tls(); st)
                err << "touchpoint-server: reloaded the TLS certificate" << std::endl;
            else
                err << "touchpoint-server: SIGHUP: " << st.error()
                    << " (the certificate in use is kept)" << std::endl;
        }
        server.stop();
    });
    Status st = server.run();
    // Wake the waiter if the server ended on its own.
    ended = true;
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    if (retention) retention->stop();
    if (!st) {
        err << "touchpoint-server: " << st.error() << "\n";
        return 1;
    }
    out << "touchpoint-server stopped" << std::endl;
    return 0;
}

// --- Admin ---

struct AdminOptions {
    std::string db;
    std::string id, name, time_zone, store, key, survey, settings, touch_point, role = "store";
    double ttl_hours = 72;
    int older_than_days = 0;
};

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open the file"};
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

int admin_create_store(Storage& s, const AdminOptions& o, std::ostream& out, std::ostream& err) {
    if (Status st = check_time_zone(o.time_zone); !st) {
        err << "create-store: --time-zone: " << st.error() << "\n";
        return 1;
    }
    if (Status st = s.create_store({o.id, o.name, o.time_zone}, now_ms()); !st) {
        err << "create-store: " << st.error() << "\n";
        return 1;
    }
    out << "store " << o.id << " created (" << o.name << ", " << o.time_zone << ")\n";
    return 0;
}

int admin_create_touch_point(Storage& s, const AdminOptions& o, std::ostream& out,
                             std::ostream& err) {
    auto store = s.store(o.store);
    if (!store) {
        err << "create-touch-point: " << store.error() << "\n";
        return 1;
    }
    TouchPointSettings settings;
    if (!o.settings.empty()) {
        auto text = read_file(o.settings);
        if (!text) {
            err << "create-touch-point: " << text.error() << "\n";
            return 1;
        }
        auto parsed = parse_touch_point_toml(*text, o.settings);
        if (!parsed) {
            err << "create-touch-point: " << parsed.error() << "\n";
            return 1;
        }
        settings = *parsed;
    }
    settings.key = o.key;
    settings.name = o.name;
    settings.store = store->name;
    settings.time_zone = store->time_zone;
    settings.survey.clear();
    TouchPointRecord tp{o.key, o.store, o.name, "", "", now_ms()};
    if (!o.survey.empty()) {
        auto survey = load_survey_file(o.survey);
        if (!survey) {
            err << "create-touch-point: " << survey.error() << "\n";
            return 1;
        }
        tp.survey_json = to_json(*survey).dump();
        settings.survey = survey->id;
    }
    tp.settings_json = to_json(settings).dump();
    if (Status st = s.create_touch_point(tp); !st) {
        err << "create-touch-point: " << st.error() << "\n";
        return 1;
    }
    out << "touch point " << o.key << " created in store " << o.store
        << (settings.survey.empty() ? " (no survey yet)" : " with survey " + settings.survey)
        << "\n";
    return 0;
}

int admin_publish_survey(Storage& s, const AdminOptions& o, std::ostream& out, std::ostream& err) {
    auto tp = s.touch_point(o.touch_point);
    if (!tp) {
        err << "publish-survey: " << tp.error() << "\n";
        return 1;
    }
    auto survey = load_survey_file(o.survey);
    if (!survey) {
        err << "publish-survey: " << survey.error() << "\n";
        return 1;
    }
    Survey next = *survey;
    // A published survey always gets a higher version than the one it
    // replaces, so kiosks see that it changed.
    if (!tp->survey_json.empty()) {
        auto old = survey_from_json(nlohmann::json::parse(tp->survey_json, nullptr, false));
        if (old && next.version <= old->version) next.version = old->version + 1;
    }
    auto settings = touch_point_from_json(nlohmann::json::parse(tp->settings_json, nullptr, false));
    TouchPointSettings ts = settings ? *settings : TouchPointSettings{};
    ts.survey = next.id;
    TouchPointRecord updated = *tp;
    updated.survey_json = to_json(next).dump();
    updated.settings_json = to_json(ts).dump();
    updated.updated_utc_ms = now_ms();
    if (Status st = s.update_touch_point(updated); !st) {
        err << "publish-survey: " << st.error() << "\n";
        return 1;
    }
    out << "survey " << next.id << " version " << next.version << " published to touch point "
        << tp->key << "\n";
    return 0;
}

int admin_create_code(Storage& s, const AdminOptions& o, std::ostream& out, std::ostream& err) {
    if (!(o.ttl_hours > 0 && o.ttl_hours <= 24 * 365)) {
        err << "create-enrollment-code: --ttl-hours must be between 0 and 8760\n";
        return 1;
    }
    auto tp = s.touch_point(o.touch_point);
    if (!tp) {
        err << "create-enrollment-code: " << tp.error() << "\n";
        return 1;
    }
    const std::string code = make_enrollment_code();
    const std::int64_t now = now_ms();
    const std::int64_t expires = now + static_cast<std::int64_t>(o.ttl_hours * 3600.0 * 1000.0);
    if (Status st = s.create_enrollment_code(hash_secret(normalize_enrollment_code(code)), tp->key,
                                             now, expires);
        !st) {
        err << "create-enrollment-code: " << st.error() << "\n";
        return 1;
    }
    out << code << "\n";
    err << "enrolment code for touch point " << tp->key << ": works once, until "
        << format_utc(expires) << "\n";
    return 0;
}

int admin_create_api_key(Storage& s, const AdminOptions& o, std::ostream& out, std::ostream& err) {
    ApiKeyRecord k;
    k.role = o.role == "head-office" ? ApiKeyRole::head_office : ApiKeyRole::store;
    if (k.role == ApiKeyRole::store && o.store.empty()) {
        err << "create-api-key: a store key needs --store\n";
        return 2;
    }
    if (k.role == ApiKeyRole::head_office && !o.store.empty()) {
        err << "create-api-key: a head-office key sees every store; leave out --store\n";
        return 2;
    }
    if (k.role == ApiKeyRole::store) {
        if (auto store = s.store(o.store); !store) {
            err << "create-api-key: " << store.error() << "\n";
            return 1;
        }
    }
    k.id = "key_" + random_hex(6);
    k.store_id = o.store;
    k.created_utc_ms = now_ms();
    const std::string key = "tpk_" + make_token();
    if (Status st = s.create_api_key(k, hash_secret(key)); !st) {
        err << "create-api-key: " << st.error() << "\n";
        return 1;
    }
    out << key << "\n";
    err << "API key " << k.id << " (" << o.role << (o.store.empty() ? "" : ", store " + o.store)
        << ") created; the key is shown only this once\n";
    return 0;
}

int admin_list_devices(Storage& s, const AdminOptions& o, std::ostream& out, std::ostream& err) {
    auto list = s.list_devices(o.store);
    if (!list) {
        err << "list-devices: " << list.error() << "\n";
        return 1;
    }
    out << "id\tstore\ttouch_point\tname\tstate\tlast_seen\n";
    for (const DeviceRecord& d : *list)
        out << d.id << '\t' << d.store_id << '\t' << d.touch_point << '\t' << d.name << '\t'
            << (d.revoked_utc_ms ? "revoked" : "active") << '\t'
            << (d.last_seen_utc_ms ? format_utc(*d.last_seen_utc_ms) : "never") << '\n';
    return 0;
}

int admin_list_api_keys(Storage& s, std::ostream& out, std::ostream& err) {
    auto list = s.list_api_keys();
    if (!list) {
        err << "list-api-keys: " << list.error() << "\n";
        return 1;
    }
    out << "id\trole\tstore\tstate\tcreated\n";
    for (const ApiKeyRecord& k : *list)
        out << k.id << '\t' << (k.role == ApiKeyRole::head_office ? "head-office" : "store") << '\t'
            << (k.store_id.empty() ? "-" : k.store_id) << '\t'
            << (k.revoked_utc_ms ? "revoked" : "active") << '\t' << format_utc(k.created_utc_ms)
            << '\n';
    return 0;
}

// --- The command line ---

// Every serving option, on `app`; each is also a key of the configuration
// file (server_config.h).
void add_serve_options(CLI::App& app, ServeOptions& so) {
    app.add_option("--db", so.db,
                       "Storage: sqlite:PATH (created when missing) or postgresql://...")
        ->capture_default_str();
    app.add_option("--listen", so.listen, "Address to listen on, HOST:PORT (port 0: any free port)")
        ->capture_default_str();
    auto* cert = app.add_option("--tls-cert", so.tls_cert, "TLS certificate (PEM); serves HTTPS")
                     ->check(CLI::ExistingFile);
    auto* key =
        app.add_option("--tls-key", so.tls_key, "TLS private key (PEM)")->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    app.add_option("--max-body-bytes", so.max_body_bytes, "Largest request body accepted")
        ->capture_default_str()
        ->check(CLI::Range(1024, 64 * 1024 * 1024));
    app.add_option("--max-batch", so.max_batch, "Most responses accepted in one batch")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    app.add_option("--rate", so.rate, "Requests per second allowed per device (average)")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 100000.0));
    app.add_option("--burst", so.burst, "Requests a device may send in a burst")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 100000.0));
    app.add_option("--io-threads", so.http.io_threads,
                   "I/O threads holding every connection (default: from the core count, " +
                       std::to_string(default_io_threads()) + " here)")
        ->check(CLI::Range(1, 64));
    app.add_option("--workers", so.http.workers,
                   "Worker threads running API handlers (default: from the core count, " +
                       std::to_string(default_workers()) + " here)")
        ->check(CLI::Range(1, 256));
    app.add_option("--threads", so.http.workers, "Deprecated: the same as --workers")
        ->check(CLI::Range(1, 256));
    app.add_option("--worker-queue", so.http.worker_queue,
                   "Requests waiting for a worker before 503 overloaded (default: 64 per worker)")
        ->check(CLI::Range(1, 1000000));
    app.add_option("--header-timeout-s", so.header_timeout_s,
                   "Deadline for a request's whole header block, from its first byte")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--min-body-rate", so.http.min_body_rate,
                   "Bytes/s a request body must average once it has run 10 s (0: no minimum)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1 << 30));
    app.add_option("--idle-timeout-s", so.idle_timeout_s,
                   "A keep-alive connection with no request is closed after this")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 86400.0));
    app.add_option("--write-timeout-s", so.write_timeout_s,
                   "A client that reads none of its answer for this long is cut")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--max-header-bytes", so.http.max_header_bytes,
                   "Largest request line plus header block (431 beyond it)")
        ->capture_default_str()
        ->check(CLI::Range(1024, 1024 * 1024));
    app.add_option("--max-headers", so.http.max_headers, "Most header fields in a request (431)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    app.add_option("--max-connections", so.http.max_connections, "Open connections in all")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--max-connections-per-address", so.http.max_connections_per_address,
                   "Open connections from one client address (a store's kiosks may share one)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--trusted-proxy", so.http.trusted_proxies,
                   "A load balancer's address (repeatable): on its connections the client "
                   "address comes from X-Forwarded-For, and the per-address cap does not apply");
    app.add_option("--shutdown-grace-s", so.shutdown_grace_s,
                   "On SIGTERM, in-flight requests get this long to finish")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 3600.0));
    app.add_flag("--access-log", so.access_log, "Log one line per request to stderr");
    app.add_option("--retention-days", so.retention_days,
                   "Delete responses older than this many days, at start and hourly (0: keep)")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    app.add_option("--heartbeat-interval-s", so.heartbeat_interval_s,
                   "Kiosks' heartbeat interval; silent after three of it during opening hours")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 86400.0));
    app.add_option("--web-root", so.web_page.web_root,
                   "Folder of the web dashboard page (index.html, dashboard.js, dashboard.css)")
        ->capture_default_str();
    app.add_option("--chart-js", so.web_page.chart_js,
                   "Chart.js file for the dashboard's charts (Debian: libjs-chart.js)")
        ->capture_default_str();

}

// The options of `app` the configuration file may set: all but --help,
// --version and --config.
std::vector<CLI::Option*> config_options(CLI::App& app) {
    std::vector<CLI::Option*> out;
    for (CLI::Option* o : app.get_options()) {
        const std::string name = o->get_name();
        if (name == "--help" || name == "--version" || name == "--config") continue;
        out.push_back(o);
    }
    return out;
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Reads the configuration file into the serving options the command line
// left unset: `explicit_path` when given (missing: an error), else the
// default file when it is there. `used` is the file read ("" none).
Status load_config(CLI::App& app, ServeOptions& so, const std::string& explicit_path,
                   std::string& used) {
    used.clear();
    if (explicit_path.empty()) {
        if (!file_exists(k_default_config_path)) return Status::success();
        used = k_default_config_path;
    } else {
        if (!file_exists(explicit_path))
            return Status::failure(explicit_path + ": no such configuration file (--config)");
        used = explicit_path;
    }
    if (Status st = apply_config_file(used, config_options(app)); !st) return st;
    if (so.tls_cert.empty() != so.tls_key.empty())
        return Status::failure(used + ": tls_cert and tls_key go together; set both or neither");
    return Status::success();
}

int admin_backup(const std::string& db, const std::string& to, bool force, std::ostream& out,
                 std::ostream& err) {
    if (db.rfind("sqlite:", 0) != 0) {
        err << "backup: " << db.substr(0, db.find(':'))
            << " databases are backed up with PostgreSQL's own tools: pg_dump --format=custom "
               "--file=FILE DBNAME, restored with pg_restore (see the deployment guide)\n";
        return 2;
    }
    const auto started = std::chrono::steady_clock::now();
    auto r = backup_sqlite(db.substr(7), to, force);
    if (!r) {
        err << "backup: " << r.error() << "\n";
        return 1;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    out << "backed up " << db.substr(7) << " to " << to << ": " << r->responses << " responses, "
        << r->bytes << " bytes in " << ms << " ms\n";
    return 0;
}

int admin_restore(const std::string& db, const std::string& from, bool force, std::ostream& out,
                  std::ostream& err) {
    if (db.rfind("sqlite:", 0) != 0) {
        err << "restore: PostgreSQL databases are restored with pg_restore (see the deployment "
               "guide)\n";
        return 2;
    }
    const std::string path = db.substr(7);
    const bool had = file_exists(path);
    auto r = restore_sqlite(from, path, force);
    if (!r) {
        err << "restore: " << r.error() << " (nothing was changed)\n";
        return 1;
    }
    out << "restored " << path << " from " << from << ": " << r->responses << " responses";
    if (had) out << "; the database it replaced is kept as " << path << ".before-restore";
    out << "\n";
    return 0;
}

} // namespace

std::vector<std::string> serve_config_keys() {
    CLI::App app;
    ServeOptions so;
    add_serve_options(app, so);
    std::vector<std::string> keys;
    for (CLI::Option* o : config_options(app))
        keys.push_back(config_key(*o));
    return keys;
}

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    if (Status st = init_secrets(); !st) {
        err << "touchpoint-server: " << st.error() << "\n";
        return 1;
    }
    CLI::App app{
        "Touchpoint server: the device API kiosks sync to, plus administration.\n"
        "Serve:  touchpoint-server --db sqlite:PATH --listen HOST:PORT [--tls-cert F --tls-key F]\n"
        "Admin:  touchpoint-server admin --db sqlite:PATH <command> ...\n"
        "Check:  touchpoint-server doctor [--config FILE]\n"
        "Every serving option is also a key of the configuration file (--config, by default "
        "/etc/touchpoint/server.toml when it is there); flags override it.",
        "touchpoint-server"};
    app.set_version_flag("--version", TOUCHPOINT_VERSION);
    ServeOptions so;
    std::string config_path;
    app.add_option("--config", config_path,
                   "Configuration file (TOML; by default /etc/touchpoint/server.toml when it "
                   "exists). Flags override its keys");
    add_serve_options(app, so);
    CLI::Option* top_db = app.get_option("--db");

    AdminOptions ao;
    std::string admin_config;
    CLI::App* admin =
        app.add_subcommand("admin", "Administer stores, touch points, enrolment codes, "
                                    "API keys and devices");
    admin->add_option("--db", ao.db,
                      "Storage: sqlite:PATH or postgresql://... (or --db before \"admin\")");
    admin->add_option("--config", admin_config,
                      "Configuration file whose db is used when --db is not given (by default "
                      "/etc/touchpoint/server.toml when it exists)");
    admin->require_subcommand(1);

    CLI::App* create_store = admin->add_subcommand("create-store", "Create a store");
    create_store->add_option("--id", ao.id, "Store id (short, stable)")->required();
    create_store->add_option("--name", ao.name, "Store name")->required();
    create_store->add_option("--time-zone", ao.time_zone, "IANA time zone, e.g. Pacific/Auckland")
        ->required();

    CLI::App* create_tp =
        admin->add_subcommand("create-touch-point", "Create a touch point in a store");
    create_tp->add_option("--store", ao.store, "Store id")->required();
    create_tp->add_option("--key", ao.key, "Touch point key (unique)")->required();
    create_tp->add_option("--name", ao.name, "Touch point name")->required();
    create_tp->add_option("--survey", ao.survey, "Survey TOML file to run")
        ->check(CLI::ExistingFile);
    create_tp
        ->add_option("--settings", ao.settings,
                     "TOML file with a [touch_point] table (opening hours, standard, ...)")
        ->check(CLI::ExistingFile);

    CLI::App* publish = admin->add_subcommand("publish-survey", "Publish a survey to a touch point "
                                                                "(its version is bumped)");
    publish->add_option("--touch-point", ao.touch_point, "Touch point key")->required();
    publish->add_option("--survey", ao.survey, "Survey TOML file")
        ->required()
        ->check(CLI::ExistingFile);

    CLI::App* create_code = admin->add_subcommand(
        "create-enrollment-code", "Create a one-time enrolment code (printed) for a touch point");
    create_code->add_option("--touch-point", ao.touch_point, "Touch point key")->required();
    create_code->add_option("--ttl-hours", ao.ttl_hours, "Hours the code stays valid")
        ->capture_default_str();

    CLI::App* create_key =
        admin->add_subcommand("create-api-key", "Create an API key (printed once)");
    create_key->add_option("--role", ao.role, "head-office (every store) or store (one store)")
        ->required()
        ->check(CLI::IsMember({"head-office", "store"}));
    create_key->add_option("--store", ao.store, "Store id (store keys)");

    CLI::App* revoke_device =
        admin->add_subcommand("revoke-device", "Revoke a device: its token stops at once");
    revoke_device->add_option("--id", ao.id, "Device id")->required();
    CLI::App* revoke_key = admin->add_subcommand("revoke-api-key", "Revoke an API key");
    revoke_key->add_option("--id", ao.id, "API key id")->required();
    CLI::App* list_devices = admin->add_subcommand("list-devices", "List devices with last seen");
    list_devices->add_option("--store", ao.store, "Only this store");
    CLI::App* list_keys =
        admin->add_subcommand("list-api-keys", "List API keys (not the keys themselves)");
    CLI::App* prune = admin->add_subcommand(
        "prune", "Delete responses older than a number of days (by the time of the tap)");
    prune->add_option("--older-than-days", ao.older_than_days, "Age in days")
        ->required()
        ->check(CLI::Range(1, 100000));

    std::string backup_to, restore_from;
    bool backup_force = false, restore_force = false;
    CLI::App* backup = admin->add_subcommand(
        "backup", "Copy the SQLite database to a file while the server runs (online backup)");
    backup->add_option("--to", backup_to, "The backup file to write")->required();
    backup->add_flag("--force", backup_force, "Replace the file when it exists");
    CLI::App* restore = admin->add_subcommand(
        "restore", "Replace the SQLite database with a backup (stop the server first); the old "
                   "one is kept as DB.before-restore");
    restore->add_option("--from", restore_from, "The backup file")->required();
    restore->add_flag("--force", restore_force, "Replace an earlier DB.before-restore");

    std::string doctor_config;
    CLI::App* doctor = app.add_subcommand(
        "doctor", "Check the configuration, database, TLS files, listening address and "
                  "open-file limit; each line says OK or FAIL and what to do");
    doctor->add_option("--config", doctor_config, "Configuration file to check");
    doctor->fallthrough(); // serving options after "doctor" too

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e, out, err);
    }

    std::string explicit_config = config_path;
    if (explicit_config.empty()) explicit_config = admin_config;
    if (explicit_config.empty()) explicit_config = doctor_config;
    std::string used_config;
    Status config = load_config(app, so, explicit_config, used_config);

    if (doctor->parsed()) {
        DoctorInput in;
        in.config_path = used_config;
        in.config = config;
        in.options = so;
        return run_doctor(in, out);
    }
    if (!config) {
        err << "touchpoint-server: " << config.error() << "\n";
        return 2;
    }
    if (!admin->parsed()) return serve(so, out, err);

    if (ao.db.empty() && top_db->count() > 0) ao.db = so.db;
    if (ao.db.empty()) {
        err << "touchpoint-server admin: --db is required (e.g. admin --db sqlite:server.db "
               "list-devices), or db in the configuration file\n";
        return 2;
    }
    if (backup->parsed()) return admin_backup(ao.db, backup_to, backup_force, out, err);
    if (restore->parsed()) return admin_restore(ao.db, restore_from, restore_force, out, err);

    auto storage = open_storage(ao.db);
    if (!storage) {
        err << "touchpoint-server admin: " << storage.error() << "\n";
        return 1;
    }
    Storage& s = **storage;
    if (create_store->parsed()) return admin_create_store(s, ao, out, err);
    if (create_tp->parsed()) return admin_create_touch_point(s, ao, out, err);
    if (publish->parsed()) return admin_publish_survey(s, ao, out, err);
    if (create_code->parsed()) return admin_create_code(s, ao, out, err);
    if (create_key->parsed()) return admin_create_api_key(s, ao, out, err);
    if (revoke_device->parsed()) {
        if (Status st = s.revoke_device(ao.id, now_ms()); !st) {
            err << "revoke-device: " << st.error() << "\n";
            return 1;
        }
        out << "device " << ao.id << " revoked\n";
        return 0;
    }
    if (revoke_key->parsed()) {
        if (Status st = s.revoke_api_key(ao.id, now_ms()); !st) {
            err << "revoke-api-key: " << st.error() << "\n";
            return 1;
        }
        out << "API key " << ao.id << " revoked\n";
        return 0;
    }
    if (list_devices->parsed()) return admin_list_devices(s, ao, out, err);
    if (list_keys->parsed()) return admin_list_api_keys(s, out, err);
    if (prune->parsed()) {
        Retention retention(s, ao.older_than_days);
        auto n = retention.run_once();
        if (!n) {
            err << "prune: " << n.error() << "\n";
            return 1;
        }
        out << "deleted " << *n << " responses older than " << ao.older_than_days << " days\n";
        return 0;
    }
    err << "touchpoint-server admin: no command given (see --help)\n";
    return 2;
}

} // namespace touchpoint::server
