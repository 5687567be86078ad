#pragma once
// A real touchpoint-server on a loopback port for the tests: a fresh SQLite
// file in a temp dir, two stores with a touch point each (made through the
// admin command line), an Api + HttpServer on 127.0.0.1 and an any-free port.
//
// With TOUCHPOINT_TEST_DB=postgresql (the local test server, see
// pg_setup.sh) or =postgresql://USER:PW@HOST:PORT/DB (a role that may create
// databases), each fixture uses a fresh PostgreSQL database instead, dropped
// afterwards.
#include "server/api.h"
#include "server/http_server.h"
#include "server/storage.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tptest {
class PostgresConnection;
class PostgresTestDatabase;
} // namespace tptest

namespace tpt {

// A temporary directory removed with everything in it.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// The PostgreSQL URL the tests create their databases through, or "" when
// they run on SQLite (TOUCHPOINT_TEST_DB unset or "sqlite").
std::string test_postgres_url();

// A fresh, empty database for one test: a file in a temp dir (SQLite), or a
// uniquely named PostgreSQL database, dropped (even if still connected to)
// when this goes.
class TestDatabase {
  public:
    TestDatabase();
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    bool postgres() const { return m_pg != nullptr; }
    // The --db URL: "sqlite:PATH" or "postgresql://.../tp_test_...".
    const std::string& url() const { return m_url; }
    const std::string& sqlite_path() const { return m_sqlite_path; }
    const TempDir& dir() const { return m_dir; }

    // Every row of a query's result, each value as text ("NULL" for null).
    std::vector<std::vector<std::string>> rows(const std::string& sql) const;

  private:
    TempDir m_dir;
    std::string m_sqlite_path;
    std::unique_ptr<tptest::PostgresTestDatabase> m_pg;
    std::string m_url;
    // PostgreSQL: one connection for rows(), opened on first use.
    mutable std::unique_ptr<tptest::PostgresConnection> m_pg_conn;
};

// Runs the touchpoint-server command line in-process.
struct CliRun {
    int code = 0;
    std::string out;
    std::string err;
};
CliRun run_cli(const std::vector<std::string>& args);

struct Enrolled {
    std::string device_id;
    std::string token;
};

struct ServerSetup {
    touchpoint::server::ApiOptions api;
    // The transport's options; host, port, TLS files and the body limit are
    // the fixture's (127.0.0.1, any free port, the fields here and api's).
    // 0 workers: 4.
    touchpoint::server::HttpServerOptions http;
    std::string tls_cert;
    std::string tls_key;
    bool seed = true; // create the two stores and touch points
    // SQLite: a backup file restored (admin restore) into the fresh database
    // before it is served; seeding is skipped. "" none.
    std::string restore_from;
};

// The stores and touch points every fixture has.
inline const char* const k_store_a = "akl";
inline const char* const k_tp_a = "akl-checkout-1";
inline const char* const k_store_b = "wlg";
inline const char* const k_tp_b = "wlg-helpdesk";

class TestServer {
  public:
    explicit TestServer(ServerSetup setup = {});
    ~TestServer();

    int port() const { return m_http->port(); }
    std::string db_url() const { return m_db.url(); }
    const std::string& db_path() const { return m_db.sqlite_path(); }
    const TempDir& dir() const { return m_db.dir(); }
    bool postgres() const { return m_db.postgres(); }
    touchpoint::server::Storage& storage() { return *m_storage; }
    httplib::Client client() const;

    // Admin command against this server's database.
    CliRun admin(std::vector<std::string> args) const;
    std::string create_code(const std::string& touch_point) const;
    Enrolled enroll(const std::string& touch_point = k_tp_a, const std::string& name = "till 1");
    std::string create_api_key(const std::string& role, const std::string& store = "") const;

    // Every row of every table, in a stable order: equal before and after a
    // refused request means it changed nothing.
    // With with_activity false, a device's last_seen and health are left out
    // (a batch whose every response was rejected still counts as contact).
    std::string dump(bool with_activity = true) const;
    std::int64_t count(const std::string& table, const std::string& where = "") const;
    // A query's rows, straight from the database (SQLite or PostgreSQL).
    std::vector<std::vector<std::string>> rows(const std::string& sql) const {
        return m_db.rows(sql);
    }

  private:
    TestDatabase m_db;
    std::unique_ptr<touchpoint::server::Storage> m_storage;
    std::unique_ptr<touchpoint::server::Api> m_api;
    std::unique_ptr<touchpoint::server::HttpServer> m_http;
    std::thread m_thread;
};

// A valid closed response on the wire (smiley4, checkout survey).
nlohmann::json response_json(const std::string& id, int score = 3);
std::string new_id();
std::int64_t now_ms();

// POST a JSON text with a bearer token (empty: none).
httplib::Result post_json(httplib::Client& c, const std::string& path, const std::string& token,
                          const std::string& body,
                          const std::string& content_type = "application/json");
httplib::Result get_auth(httplib::Client& c, const std::string& path, const std::string& token,
                         httplib::Headers extra = {});
nlohmann::json batch_of(const std::vector<nlohmann::json>& responses);
// A response of any scale, on a given local day and hour (UTC+13, a tap from
// a minute ago unless utc_ms is given).
nlohmann::json rated(const std::string& id, const std::string& scale, int score,
                     const std::string& day = "2026-03-02", int hour = 9, bool misuse = false,
                     const std::string& comment = "", std::int64_t utc_ms = 0);
httplib::Result put_json(httplib::Client& c, const std::string& path, const std::string& key,
                         const std::string& body);
httplib::Result delete_auth(httplib::Client& c, const std::string& path, const std::string& key);
// Every page of GET path (a query string included) with the key, following
// next_cursor until has_more is false; the responses in order.
std::vector<nlohmann::json> page_all(httplib::Client& c, const std::string& path,
                                     const std::string& key, int limit);
// Fills the database through the storage layer, in big transactions: `rows`
// responses of every scale from `device`, ids 00000000-0000-4000-8000-<i>.
void generate_responses(touchpoint::server::Storage& storage,
                        const touchpoint::server::DeviceRecord& device, int rows);
// VmRSS of a process (0: this one) in bytes; 0 when it cannot be read.
std::int64_t resident_bytes(int pid = 0);
// The body as JSON (null when it is not JSON).
nlohmann::json body_json(const httplib::Result& r);
// The "error.code" of a JSON error answer, or "" when the body is not one.
std::string error_code(const httplib::Result& r);

} // namespace tpt
