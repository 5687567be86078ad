#pragma once
// A real touchpoint-server on a loopback port for the tests: a fresh SQLite
// file in a temp dir, two stores with a touch point each (made through the
// admin command line), an Api + HttpServer on 127.0.0.1 and an any-free port.
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
    std::string tls_cert;
    std::string tls_key;
    bool seed = true; // create the two stores and touch points
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
    std::string db_url() const { return "sqlite:" + m_db_path; }
    const std::string& db_path() const { return m_db_path; }
    const TempDir& dir() const { return m_dir; }
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

  private:
    TempDir m_dir;
    std::string m_db_path;
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
// The body as JSON (null when it is not JSON).
nlohmann::json body_json(const httplib::Result& r);
// The "error.code" of a JSON error answer, or "" when the body is not one.
std::string error_code(const httplib::Result& r);

} // namespace tpt
