#include "server_fixture.h"

#include "postgres_test_database.h"

#include "core/uuid.h"
#include "server/cli.h"
#include "server/secrets.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tpt {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string templ = (fs::temp_directory_path() / "touchpoint-server-test-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    m_path = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

CliRun run_cli(const std::vector<std::string>& args) {
    std::vector<const char*> argv{"touchpoint-server"};
    for (const auto& a : args)
        argv.push_back(a.c_str());
    std::ostringstream out, err;
    CliRun r;
    r.code = touchpoint::server::run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

std::string new_id() {
    return touchpoint::make_uuid();
}

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

nlohmann::json response_json(const std::string& id, int score) {
    return nlohmann::json{
        {"id", id},
        {"device_id", "5a0c8a43-54d4-4c41-8f0a-3b0e2f6f4b11"},
        {"touch_point", k_tp_a},
        {"survey_id", "checkout"},
        {"survey_version", 1},
        {"question_id", "checkout-experience"},
        {"scale", "smiley4"},
        {"score", score},
        {"reasons", nlohmann::json::array({"fast"})},
        {"comment", "Quick and friendly"},
        {"language", "en"},
        {"utc_ms", now_ms() - 60000},
        {"local_time", "2026-03-29T01:30:00+13:00"},
        {"local_day", "2026-03-29"},
        {"local_hour", 1},
        {"sequence", 7},
        {"misuse", false},
        {"clock_suspect", false},
    };
}

nlohmann::json batch_of(const std::vector<nlohmann::json>& responses) {
    return nlohmann::json{{"responses", responses},
                          {"health",
                           {{"pending", static_cast<int>(responses.size())},
                            {"last_sync_utc_ms", nullptr},
                            {"disk_free_bytes", 1000000000},
                            {"database_bytes", 65536},
                            {"app_version", "0.1.0"},
                            {"last_error", ""}}}};
}

nlohmann::json rated(const std::string& id, const std::string& scale, int score,
                     const std::string& day, int hour, bool misuse, const std::string& comment,
                     std::int64_t utc_ms) {
    char local[40];
    std::snprintf(local, sizeof local, "%sT%02d:30:00+13:00", day.c_str(), hour);
    return nlohmann::json{
        {"id", id},
        {"survey_id", "any"},
        {"survey_version", 1},
        {"question_id", "any-question"},
        {"scale", scale},
        {"score", score},
        {"reasons", nlohmann::json::array()},
        {"comment", comment},
        {"language", "en"},
        {"utc_ms", utc_ms ? utc_ms : now_ms() - 60000},
        {"local_time", local},
        {"sequence", 1},
        {"misuse", misuse},
    };
}

httplib::Result put_json(httplib::Client& c, const std::string& path, const std::string& key,
                         const std::string& body) {
    httplib::Headers h;
    if (!key.empty()) h.emplace("Authorization", "Bearer " + key);
    return c.Put(path.c_str(), h, body, "application/json");
}

httplib::Result delete_auth(httplib::Client& c, const std::string& path, const std::string& key) {
    httplib::Headers h;
    if (!key.empty()) h.emplace("Authorization", "Bearer " + key);
    return c.Delete(path.c_str(), h);
}

std::vector<nlohmann::json> page_all(httplib::Client& c, const std::string& path,
                                     const std::string& key, int limit) {
    std::vector<nlohmann::json> out;
    std::string cursor;
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    for (int guard = 0; guard < 100000; ++guard) {
        std::string url = path + sep + "limit=" + std::to_string(limit);
        if (!cursor.empty()) url += "&cursor=" + cursor;
        auto r = get_auth(c, url, key);
        if (!r || r->status != 200) throw std::runtime_error("paging failed: " + url);
        auto j = nlohmann::json::parse(r->body);
        for (auto& row : j["responses"])
            out.push_back(row);
        cursor = j["next_cursor"].get<std::string>();
        if (!j["has_more"].get<bool>()) break;
    }
    return out;
}

httplib::Result post_json(httplib::Client& c, const std::string& path, const std::string& token,
                          const std::string& body, const std::string& content_type) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return c.Post(path.c_str(), h, body, content_type.c_str());
}

httplib::Result get_auth(httplib::Client& c, const std::string& path, const std::string& token,
                         httplib::Headers extra) {
    if (!token.empty()) extra.emplace("Authorization", "Bearer " + token);
    return c.Get(path.c_str(), extra);
}

void generate_responses(touchpoint::server::Storage& storage,
                        const touchpoint::server::DeviceRecord& device, int rows) {
    const char* scales[] = {"smiley4", "smiley5", "nps", "ces7", "thumbs"};
    const int max_score[] = {4, 5, 10, 7, 1};
    const int min_score[] = {1, 1, 0, 1, 0};
    const std::int64_t base = now_ms() - 30LL * 24 * 3600 * 1000;
    constexpr int k_chunk = 25000;
    for (int start = 0; start < rows; start += k_chunk) {
        std::vector<touchpoint::server::IncomingResponse> batch;
        for (int i = start; i < std::min(rows, start + k_chunk); ++i) {
            touchpoint::server::IncomingResponse in;
            auto& r = in.response;
            const int s = i % 5;
            char id[40];
            std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
            r.id = id;
            r.survey_id = "checkout";
            r.survey_version = 1;
            r.question_id = "checkout-experience";
            r.scale = *touchpoint::scale_from_string(scales[s]);
            r.score = min_score[s] + (i / 5) % (max_score[s] - min_score[s] + 1);
            if (i % 3 == 0) r.reasons = {"fast", "friendly"};
            if (i % 7 == 0) r.comment = "Quick, \"friendly\" and clean";
            r.language = "en";
            r.utc_ms = base + i * 1000LL;
            char day[16];
            std::snprintf(day, sizeof day, "2026-02-%02d", 1 + (i / 40000) % 28);
            r.local_day = day;
            r.local_hour = 8 + i % 10;
            char local[40];
            std::snprintf(local, sizeof local, "%sT%02d:15:00+13:00", day, r.local_hour);
            r.local_time = local;
            r.sequence = i;
            in.content_hash = r.id;
            batch.push_back(std::move(in));
        }
        auto out = storage.ingest_batch(device, batch, "", now_ms());
        if (!out) throw std::runtime_error(out.error());
    }
}

std::int64_t resident_bytes(int pid) {
    std::ifstream in(pid > 0 ? "/proc/" + std::to_string(pid) + "/status"
                             : std::string("/proc/self/status"));
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            std::int64_t kb = 0;
            in >> kb;
            return kb * 1024;
        }
        std::getline(in, key);
    }
    return 0;
}

nlohmann::json body_json(const httplib::Result& r) {
    if (!r) return nullptr;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::string error_code(const httplib::Result& r) {
    auto j = body_json(r);
    if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
    const auto& e = j["error"];
    if (!e.contains("code") || !e.contains("message") || !e["message"].is_string() ||
        e["message"].get<std::string>().empty())
        return {};
    return e["code"].get<std::string>();
}

// --- TestServer ---

TestServer::TestServer(ServerSetup setup) {
    if (auto st = touchpoint::server::init_secrets(); !st) throw std::runtime_error(st.error());
    if (!setup.restore_from.empty()) {
        CliRun r = admin({"restore", "--from", setup.restore_from});
        if (r.code != 0) throw std::runtime_error("restore failed: " + r.err);
    } else if (setup.seed) {
        const std::string assets = TOUCHPOINT_ASSETS_DIR;
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"create-store", "--id", k_store_a, "--name", "Auckland Central", "--time-zone",
                  "Pacific/Auckland"},
                 {"create-store", "--id", k_store_b, "--name", "Wellington", "--time-zone",
                  "Pacific/Auckland"},
                 {"create-touch-point", "--store", k_store_a, "--key", k_tp_a, "--name",
                  "Checkout 1", "--survey", assets + "/surveys/checkout.toml"},
                 {"create-touch-point", "--store", k_store_b, "--key", k_tp_b, "--name",
                  "Help desk", "--survey", assets + "/surveys/helpdesk-csat.toml"}}) {
            CliRun r = admin(args);
            if (r.code != 0) throw std::runtime_error("seeding failed: " + r.err);
        }
    }
    auto storage = touchpoint::server::open_storage(db_url());
    if (!storage) throw std::runtime_error(storage.error());
    m_storage = std::move(storage).value();
    m_api = std::make_unique<touchpoint::server::Api>(*m_storage, setup.api);
    touchpoint::server::HttpServerOptions http = setup.http;
    http.host = "127.0.0.1";
    http.port = 0;
    http.tls_cert = setup.tls_cert;
    http.tls_key = setup.tls_key;
    http.max_body_bytes = setup.api.max_body_bytes;
    if (http.workers == 0) http.workers = 4;
    m_http = std::make_unique<touchpoint::server::HttpServer>(*m_api, http);
    if (auto st = m_http->bind(); !st) throw std::runtime_error(st.error());
    m_thread = std::thread([this] { (void)m_http->run(); });
}

TestServer::~TestServer() {
    m_http->stop();
    if (m_thread.joinable()) m_thread.join();
}

httplib::Client TestServer::client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5);
    c.set_read_timeout(20);
    c.set_write_timeout(20);
    return c;
}

CliRun TestServer::admin(std::vector<std::string> args) const {
    args.insert(args.begin(), {"admin", "--db", db_url()});
    return run_cli(args);
}

std::string TestServer::create_code(const std::string& touch_point) const {
    CliRun r = admin({"create-enrollment-code", "--touch-point", touch_point});
    if (r.code != 0) throw std::runtime_error("create-enrollment-code failed: " + r.err);
    std::string code = r.out;
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r'))
        code.pop_back();
    return code;
}

Enrolled TestServer::enroll(const std::string& touch_point, const std::string& name) {
    auto c = client();
    nlohmann::json body{{"code", create_code(touch_point)}, {"device_name", name}};
    auto r = post_json(c, "/api/v1/enroll", "", body.dump());
    if (!r || r->status != 201) throw std::runtime_error("enrolment failed");
    auto j = nlohmann::json::parse(r->body);
    return {j["device_id"].get<std::string>(), j["token"].get<std::string>()};
}

std::string TestServer::create_api_key(const std::string& role, const std::string& store) const {
    std::vector<std::string> args{"create-api-key", "--role", role};
    if (!store.empty()) args.insert(args.end(), {"--store", store});
    CliRun r = admin(args);
    if (r.code != 0) throw std::runtime_error("create-api-key failed: " + r.err);
    std::string key = r.out;
    while (!key.empty() && key.back() == '\n')
        key.pop_back();
    return key;
}

namespace {

struct Db {
    sqlite3* db = nullptr;
    explicit Db(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            throw std::runtime_error("cannot open " + path);
    }
    ~Db() { sqlite3_close_v2(db); }
    std::vector<std::vector<std::string>> rows(const std::string& sql) const {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("bad SQL: ") + sqlite3_errmsg(db));
        std::vector<std::vector<std::string>> out;
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                const unsigned char* t = sqlite3_column_text(st, i);
                row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(st);
        return out;
    }
};

} // namespace

std::string test_postgres_url() {
    return tptest::test_postgres_url();
}

TestDatabase::TestDatabase() {
    const std::string admin_url = test_postgres_url();
    if (admin_url.empty()) {
        m_sqlite_path = (m_dir.path() / "server.db").string();
        m_url = "sqlite:" + m_sqlite_path;
        return;
    }
    m_pg = std::make_unique<tptest::PostgresTestDatabase>(admin_url);
    m_url = m_pg->url();
}

TestDatabase::~TestDatabase() {
    m_pg_conn.reset(); // before the database is dropped
    m_pg.reset();
}

std::vector<std::vector<std::string>> TestDatabase::rows(const std::string& sql) const {
    if (!postgres()) return Db(m_sqlite_path).rows(sql);
    if (!m_pg_conn) m_pg_conn = std::make_unique<tptest::PostgresConnection>(m_url);
    return m_pg_conn->rows(sql);
}

std::string TestServer::dump(bool with_activity) const {
    const bool pg = m_db.postgres();
    std::ostringstream os;
    const char* tables_sql =
        pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
           : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
    for (const auto& t : m_db.rows(tables_sql)) {
        os << "## " << t[0] << "\n";
        std::string columns = "*";
        if (t[0] == "devices" && !with_activity)
            columns =
                "id, name, store_id, touch_point, token_hash, enrolled_utc_ms, revoked_utc_ms";
        std::string order = "rowid";
        if (pg) {
            // No rowid: every column, in order (stable whatever the plan).
            const std::int64_t n =
                columns == "*"
                    ? std::stoll(m_db.rows("SELECT count(*) FROM information_schema.columns "
                                           "WHERE table_schema = current_schema() AND "
                                           "table_name = '" +
                                           t[0] + "'")
                                     .at(0)
                                     .at(0))
                    : std::count(columns.begin(), columns.end(), ',') + 1;
            order.clear();
            for (int i = 1; i <= n; ++i)
                order += (i > 1 ? ", " : "") + std::to_string(i);
        }
        for (const auto& row :
             m_db.rows("SELECT " + columns + " FROM \"" + t[0] + "\" ORDER BY " + order)) {
            for (const auto& v : row)
                os << v << '|';
            os << '\n';
        }
    }
    return os.str();
}

std::int64_t TestServer::count(const std::string& table, const std::string& where) const {
    auto rows =
        m_db.rows("SELECT count(*) FROM " + table + (where.empty() ? "" : " WHERE " + where));
    return std::stoll(rows.at(0).at(0));
}

} // namespace tpt
