#pragma once
// A real touchpoint-server process on a loopback port for the sync
// benchmarks: a database made through the server's own admin command line
// (store "akl", touch point "akl-checkout-1" running the checkout survey),
// enrolment codes, and the server started with the caller's options.
//
// Errors throw std::runtime_error (a benchmark stops at the first one).
// Not thread-safe; the destructor stops the server.
#include "bench_util.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace touchpoint::bench {

class BenchServer {
  public:
    // Creates the database "<dir>/server.db" with the store and touch point.
    explicit BenchServer(const std::string& dir);
    ~BenchServer();
    BenchServer(const BenchServer&) = delete;
    BenchServer& operator=(const BenchServer&) = delete;

    // Starts on any free loopback port with `options` (e.g. --workers 8,
    // --rate, --burst) and waits until it listens.
    void start(const std::vector<std::string>& options);
    void stop(); // SIGTERM, then wait

    pid_t pid() const { return m_pid; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    const std::string& db_path() const { return m_db; }
    // A one-time enrolment code for the touch point.
    std::string create_code() const;
    // Rows in the server's responses table.
    long long response_count() const;

  private:
    std::string admin(const std::vector<std::string>& args) const;

    std::string m_db;
    pid_t m_pid = -1;
    int m_out_fd = -1; // the server's stdout
    int m_port = 0;
};

// The server binary this build made.
const char* server_binary();

} // namespace touchpoint::bench
