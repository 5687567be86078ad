#include "fleet_bench_database.h"

#include "bench_util.h"
#include "fleet_bench_services.h"

#include "core/uuid.h"
#include "server/secrets.h"
#include "server/storage.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <thread>

namespace touchpoint::bench {

namespace {

constexpr const char* k_touch_point = "akl-checkout-1";
constexpr const char* k_store = "akl";
constexpr std::int64_t k_code_ttl_ms = 72LL * 3600 * 1000;

// The URL with its database name replaced (the path after host:port).
std::string with_database(const std::string& url, const std::string& name) {
    const std::size_t scheme = url.find("://");
    const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t query = url.find('?', host);
    const std::size_t slash = url.find('/', host);
    const std::size_t end = query == std::string::npos ? url.size() : query;
    const std::size_t path = slash == std::string::npos || slash > end ? end : slash;
    return url.substr(0, path) + "/" + name + url.substr(end);
}

std::string hide_password(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const std::size_t at = url.find('@', scheme + 3);
    const std::size_t colon = url.find(':', scheme + 3);
    if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// One libpq connection; every statement must succeed.
class PgConnection {
  public:
    explicit PgConnection(const std::string& url) : m_conn(PQconnectdb(url.c_str())) {
        if (PQstatus(m_conn) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(m_conn);
            PQfinish(m_conn);
            throw std::runtime_error("cannot connect to PostgreSQL at " + hide_password(url) +
                                     ": " + msg);
        }
        PQsetNoticeProcessor(m_conn, [](void*, const char*) {}, nullptr);
    }
    ~PgConnection() { PQfinish(m_conn); }
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // The first column of the first row ("" when none).
    std::string exec(const std::string& sql, const std::vector<std::string>& params = {}) {
        std::vector<const char*> values;
        for (const auto& p : params)
            values.push_back(p.c_str());
        PGresult* r = PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, 0);
        const ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            std::string msg = PQresultErrorMessage(r);
            PQclear(r);
            throw std::runtime_error("PostgreSQL: " + msg);
        }
        std::string first = PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        PQclear(r);
        return first;
    }

  private:
    PGconn* m_conn;
};

// What one device's enrolment writes, made before the transaction.
struct DeviceRows {
    std::string code_hash;
    std::string id;
    std::string name;
    std::string token_hash;
};

std::vector<DeviceRows> rows_for(const std::vector<FleetDevice>& devices, std::size_t from) {
    std::vector<DeviceRows> rows;
    rows.reserve(devices.size() - from);
    for (std::size_t i = from; i < devices.size(); ++i)
        rows.push_back({server::hash_secret(server::normalize_enrollment_code(
                            server::make_enrollment_code())),
                        devices[i].id, "fleet kiosk " + std::to_string(i + 1),
                        server::hash_secret(devices[i].token)});
    return rows;
}

void bulk_sqlite(const std::string& path, const std::vector<DeviceRows>& rows, std::int64_t now) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path);
    }
    auto check = [db](int rc, const char* what) {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
    };
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* code = nullptr;
    sqlite3_stmt* device = nullptr;
    try {
        // The server's own settings: the same durability for the seed.
        check(sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", nullptr, nullptr,
                           nullptr),
              "pragmas");
        check(sqlite3_prepare_v2(db,
                                 "INSERT INTO enrollment_codes (code_hash, touch_point, "
                                 "created_utc_ms, expires_utc_ms, used_utc_ms, used_by_device) "
                                 "VALUES (?, ?, ?, ?, ?, ?)",
                                 -1, &code, nullptr),
              "prepare");
        check(sqlite3_prepare_v2(db,
                                 "INSERT INTO devices (id, name, store_id, touch_point, "
                                 "token_hash, enrolled_utc_ms, last_seen_utc_ms) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 -1, &device, nullptr),
              "prepare");
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), "begin");
        for (const DeviceRows& r : rows) {
            bind_text(code, 1, r.code_hash);
            bind_text(code, 2, k_touch_point);
            sqlite3_bind_int64(code, 3, now);
            sqlite3_bind_int64(code, 4, now + k_code_ttl_ms);
            sqlite3_bind_int64(code, 5, now);
            bind_text(code, 6, r.id);
            check(sqlite3_step(code), "insert an enrolment code");
            sqlite3_reset(code);
            bind_text(device, 1, r.id);
            bind_text(device, 2, r.name);
            bind_text(device, 3, k_store);
            bind_text(device, 4, k_touch_point);
            bind_text(device, 5, r.token_hash);
            sqlite3_bind_int64(device, 6, now);
            sqlite3_bind_int64(device, 7, now);
            check(sqlite3_step(device), "insert a device");
            sqlite3_reset(device);
        }
        check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
    } catch (...) {
        sqlite3_finalize(code);
        sqlite3_finalize(device);
        sqlite3_close_v2(db);
        throw;
    }
    sqlite3_finalize(code);
    sqlite3_finalize(device);
    sqlite3_close_v2(db);
}

void bulk_postgres(const std::string& url, const std::vector<DeviceRows>& rows, std::int64_t now) {
    PgConnection pg(url);
    // As the server commits (it overrides an "off" of the role or database).
    pg.exec("SET synchronous_commit = on");
    pg.exec("BEGIN");
    // Multi-row inserts, a few hundred devices a statement.
    constexpr std::size_t k_chunk = 500;
    const std::string now_s = std::to_string(now);
    const std::string expires_s = std::to_string(now + k_code_ttl_ms);
    for (std::size_t from = 0; from < rows.size(); from += k_chunk) {
        const std::size_t to = std::min(rows.size(), from + k_chunk);
        std::string codes = "INSERT INTO enrollment_codes (code_hash, touch_point, created_utc_ms, "
                            "expires_utc_ms, used_utc_ms, used_by_device) VALUES ";
        std::string devices = "INSERT INTO devices (id, name, store_id, touch_point, token_hash, "
                              "enrolled_utc_ms, last_seen_utc_ms) VALUES ";
        std::vector<std::string> code_params, device_params;
        for (std::size_t i = from; i < to; ++i) {
            const DeviceRows& r = rows[i];
            const std::size_t c = code_params.size(), d = device_params.size();
            auto p = [](std::size_t n) { return "$" + std::to_string(n); };
            codes += (i > from ? ", (" : "(") + p(c + 1) + ", " + p(c + 2) + ", " + p(c + 3) +
                     ", " + p(c + 4) + ", " + p(c + 5) + ", " + p(c + 6) + ")";
            code_params.insert(code_params.end(),
                               {r.code_hash, k_touch_point, now_s, expires_s, now_s, r.id});
            devices += (i > from ? ", (" : "(") + p(d + 1) + ", " + p(d + 2) + ", " + p(d + 3) +
                       ", " + p(d + 4) + ", " + p(d + 5) + ", " + p(d + 6) + ", " + p(d + 7) +
                       ")";
            device_params.insert(device_params.end(), {r.id, r.name, k_store, k_touch_point,
                                                       r.token_hash, now_s, now_s});
        }
        pg.exec(codes, code_params);
        pg.exec(devices, device_params);
    }
    pg.exec("COMMIT");
}

} // namespace

FleetDatabase::FleetDatabase(const std::string& dir, const std::string& postgres_url,
                             const std::string& server_binary, const std::string& survey_file)
    : m_server_binary(server_binary) {
    if (postgres_url.empty()) {
        m_sqlite_path = dir + "/server.db";
        m_url = "sqlite:" + m_sqlite_path;
    } else {
        std::random_device rd;
        std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
        char name[40];
        std::snprintf(name, sizeof name, "tp_fleet_%016llx",
                      static_cast<unsigned long long>(gen()));
        PgConnection(postgres_url).exec(std::string("CREATE DATABASE ") + name);
        m_admin_url = postgres_url;
        m_pg_name = name;
        m_url = with_database(postgres_url, m_pg_name);
    }
    admin({"create-store", "--id", k_store, "--name", "Auckland Central", "--time-zone",
           "Pacific/Auckland"});
    admin({"create-touch-point", "--store", k_store, "--key", k_touch_point, "--name",
           "Checkout 1", "--survey", survey_file});
}

FleetDatabase::~FleetDatabase() {
    if (m_pg_name.empty()) return;
    // An autovacuum worker that just started on the database makes a drop
    // fail even WITH (FORCE); it ends shortly.
    for (int attempt = 1;; ++attempt) {
        try {
            PgConnection(m_admin_url).exec("DROP DATABASE IF EXISTS " + m_pg_name +
                                           " WITH (FORCE)");
            return;
        } catch (const std::exception& e) {
            if (attempt == 10) {
                std::fprintf(stderr, "cannot drop database %s: %s\n", m_pg_name.c_str(),
                             e.what());
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
    }
}

std::string FleetDatabase::shown_url() const {
    return hide_password(m_url);
}

void FleetDatabase::admin(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{m_server_binary, "admin", "--db", m_url};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv);
    if (r.exit_code != 0)
        throw std::runtime_error("touchpoint-server admin " + args.front() + " failed: " + r.err);
}

std::vector<FleetDevice> FleetDatabase::seed(int count, int through_api, SeedReport& report) {
    if (auto st = server::init_secrets(); !st) throw std::runtime_error(st.error());
    through_api = std::min(through_api, count);
    std::vector<FleetDevice> devices(static_cast<std::size_t>(count));
    for (FleetDevice& d : devices)
        d = {make_uuid(), server::make_token()};

    // A sample through the storage API, as the server's own enrolment does it.
    {
        auto storage = server::open_storage(m_url);
        if (!storage) throw std::runtime_error(storage.error());
        const auto t0 = Clock::now();
        for (int i = 0; i < through_api; ++i) {
            const std::int64_t now = now_ms();
            const std::string code_hash =
                server::hash_secret(server::normalize_enrollment_code(server::make_enrollment_code()));
            if (auto st = (*storage)->create_enrollment_code(code_hash, k_touch_point, now,
                                                             now + k_code_ttl_ms);
                !st)
                throw std::runtime_error("create_enrollment_code: " + st.error());
            const FleetDevice& d = devices[static_cast<std::size_t>(i)];
            auto outcome = (*storage)->enroll(
                code_hash,
                server::NewDevice{d.id, "fleet kiosk " + std::to_string(i + 1),
                                  server::hash_secret(d.token)},
                now);
            if (!outcome) throw std::runtime_error("enroll: " + outcome.error());
            if (outcome->status != server::EnrollStatus::enrolled)
                throw std::runtime_error("enroll: the fresh code was refused");
        }
        report.through_api = through_api;
        report.api_s = ms_since(t0) / 1000.0;
    }

    // The rest in one transaction.
    const auto t0 = Clock::now();
    const std::vector<DeviceRows> rows = rows_for(devices, static_cast<std::size_t>(through_api));
    if (!rows.empty()) {
        if (postgres())
            bulk_postgres(m_url, rows, now_ms());
        else
            bulk_sqlite(m_sqlite_path, rows, now_ms());
    }
    report.in_bulk = static_cast<int>(rows.size());
    report.bulk_s = ms_since(t0) / 1000.0;
    return devices;
}

long long FleetDatabase::response_count() const {
    if (postgres()) return std::atoll(PgConnection(m_url).exec("SELECT count(*) FROM responses").c_str());
    return sqlite_response_count(m_sqlite_path);
}

} // namespace touchpoint::bench
