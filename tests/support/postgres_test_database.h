#pragma once
// PostgreSQL for the tests that run against a real one: which server
// (TOUCHPOINT_TEST_DB), a fresh database per test, and a connection to look
// at it. Shared by the server and sync suites (library
// touchpoint_test_postgres).
//
// Not thread-safe: one test thread uses each object.
#include <memory>
#include <string>
#include <vector>

namespace tptest {

// The PostgreSQL URL tests create their databases through, or "" when they
// run on SQLite: TOUCHPOINT_TEST_DB unset or "sqlite" gives "";
// "postgresql" (or "postgres") the local test server of
// tests/server/pg_setup.sh; a postgresql:// URL itself (a role that may
// create databases). Throws on anything else.
std::string test_postgres_url();

// The local test server's URL (pg_setup.sh's role), whatever
// TOUCHPOINT_TEST_DB says.
std::string local_postgres_url();

// `url` with its database name replaced by `name`.
std::string with_database(const std::string& url, const std::string& name);

// One libpq connection for a test's own look at a database. Throws when it
// cannot connect or a query fails.
class PostgresConnection {
  public:
    explicit PostgresConnection(const std::string& url);
    ~PostgresConnection();
    PostgresConnection(const PostgresConnection&) = delete;
    PostgresConnection& operator=(const PostgresConnection&) = delete;

    // Every row of a query's result, each value as text ("NULL" for null).
    std::vector<std::vector<std::string>> rows(const std::string& sql) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// A fresh, uniquely named database ("tp_test_<random hex>") created through
// `admin_url`, dropped when this goes (even if something is still connected
// to it).
class PostgresTestDatabase {
  public:
    explicit PostgresTestDatabase(std::string admin_url);
    ~PostgresTestDatabase();
    PostgresTestDatabase(const PostgresTestDatabase&) = delete;
    PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& url() const { return m_url; } // the --db URL

  private:
    std::string m_admin_url;
    std::string m_name;
    std::string m_url;
};

} // namespace tptest
