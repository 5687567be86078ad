#include "postgres_test_database.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <thread>

namespace tptest {

std::string local_postgres_url() {
    return "postgresql://touchpoint:touchpoint@127.0.0.1:5432/postgres";
}

std::string test_postgres_url() {
    const char* env = std::getenv("TOUCHPOINT_TEST_DB");
    const std::string v = env ? env : "";
    if (v.empty() || v == "sqlite") return {};
    if (v == "postgresql" || v == "postgres") return local_postgres_url();
    if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0) return v;
    throw std::runtime_error("TOUCHPOINT_TEST_DB=\"" + v +
                             "\": use sqlite, postgresql or a postgresql:// URL");
}

std::string with_database(const std::string& url, const std::string& name) {
    const std::size_t scheme = url.find("://");
    const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t query = url.find('?', host);
    const std::size_t slash = url.find('/', host);
    const std::size_t end = query == std::string::npos ? url.size() : query;
    const std::size_t path = slash == std::string::npos || slash > end ? end : slash;
    return url.substr(0, path) + "/" + name + url.substr(end);
}

// --- PostgresConnection ---

struct PostgresConnection::Impl {
    PGconn* conn = nullptr;
    ~Impl() { PQfinish(conn); }
};

PostgresConnection::PostgresConnection(const std::string& url) : m_impl(std::make_unique<Impl>()) {
    m_impl->conn = PQconnectdb(url.c_str());
    if (PQstatus(m_impl->conn) != CONNECTION_OK)
        throw std::runtime_error(std::string("cannot connect to the test PostgreSQL: ") +
                                 PQerrorMessage(m_impl->conn));
    PQsetNoticeProcessor(
        m_impl->conn, [](void*, const char*) {}, nullptr);
}

PostgresConnection::~PostgresConnection() = default;

std::vector<std::vector<std::string>> PostgresConnection::rows(const std::string& sql) const {
    PGresult* r = PQexec(m_impl->conn, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        std::string msg = PQresultErrorMessage(r);
        PQclear(r);
        throw std::runtime_error("bad SQL: " + msg + " in " + sql);
    }
    std::vector<std::vector<std::string>> out;
    for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < PQnfields(r); ++j)
            row.push_back(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
        out.push_back(std::move(row));
    }
    PQclear(r);
    return out;
}

// --- PostgresTestDatabase ---

PostgresTestDatabase::PostgresTestDatabase(std::string admin_url)
    : m_admin_url(std::move(admin_url)) {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    char name[32];
    std::snprintf(name, sizeof name, "tp_test_%016llx", static_cast<unsigned long long>(gen()));
    PostgresConnection(m_admin_url).rows(std::string("CREATE DATABASE ") + name);
    m_name = name;
    m_url = with_database(m_admin_url, m_name);
}

PostgresTestDatabase::~PostgresTestDatabase() {
    // FORCE cannot end a backend of another role (an autovacuum worker that
    // just started on the database, say): such a drop fails; try again
    // shortly, once it has finished.
    for (int attempt = 1;; ++attempt) {
        try {
            PostgresConnection(m_admin_url)
                .rows("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
            return;
        } catch (const std::exception& e) {
            if (attempt == 10) {
                std::fprintf(stderr, "cannot drop test database %s: %s\n", m_name.c_str(),
                             e.what());
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
}

} // namespace tptest
