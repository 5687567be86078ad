#pragma once
// A real touchpoint-server process on a loopback port, with a store, a touch
// point and enrolment codes made through its admin command line.
#include <sys/types.h>

#include <string>
#include <vector>

namespace tpsync {

struct TempDir {
    std::string path;
    TempDir();
    ~TempDir();
};

// Runs a command, returns its stdout (trimmed) and exit code.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr);

class ServerProcess {
  public:
    // Creates the database with store "akl" and touch point "akl-checkout-1"
    // running assets/surveys/checkout.toml.
    explicit ServerProcess(std::vector<std::string> extra_args = {});
    ~ServerProcess();

    // Starts on `port` (0 = any free port) and waits until it listens.
    void start(int port = 0);
    void stop();     // SIGTERM and wait
    void kill_now(); // SIGKILL and wait
    bool running() const { return m_pid > 0; }
    int port() const { return m_port; }
    std::string url() const { return m_scheme + "://127.0.0.1:" + std::to_string(m_port); }

    std::string admin(const std::vector<std::string>& args) const; // stdout
    std::string create_code() const;
    // Rows in the server's responses table (read with the sqlite3 CLI-free C API).
    long long response_count() const;
    long long distinct_response_count() const;

    const std::string& db_path() const { return m_db; }
    const TempDir& dir() const { return m_dir; }
    void set_tls(const std::string& cert, const std::string& key);

  private:
    TempDir m_dir;
    std::string m_db;
    std::vector<std::string> m_extra;
    std::string m_scheme = "http";
    pid_t m_pid = -1;
    int m_port = 0;
};

} // namespace tpsync
