#pragma once
// A real touchpoint-server process on a loopback port, with a store, a touch
// point and enrolment codes made through its admin command line. Shared by
// the sync and server test suites (library touchpoint_test_server_process).
//
// Not thread-safe: one test thread drives a ServerProcess.
#include <sys/types.h>

#include <string>
#include <vector>

namespace tptest {

// A temporary directory removed with everything in it.
struct TempDir {
    std::string path;
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Runs a command, returns its stdout (trimmed) and exit code.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr);

// The touchpoint-server binary the tests run.
const char* server_binary();

class ServerProcess {
  public:
    // Creates the database with store "akl" and touch point "akl-checkout-1"
    // running assets/surveys/checkout.toml. `extra_args` go on the serve
    // command line after --db, --listen, --rate and --burst. `db_url` is the
    // --db URL of an empty database ("sqlite:PATH", "postgresql://..."); ""
    // is a SQLite file in dir().
    explicit ServerProcess(std::vector<std::string> extra_args = {}, std::string db_url = "");
    ~ServerProcess(); // SIGKILL if still running
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Starts on `port` (0 = any free port) and waits until it listens;
    // throws when it exits first.
    void start(int port = 0);
    // The same, but an exit before listening is an answer, not an error:
    // false, and exit_code() and stderr_text() say why.
    bool try_start(int port = 0);
    int stop();      // SIGTERM, wait; the exit code
    void kill_now(); // SIGKILL and wait
    void signal(int sig) const;
    // Waits for the process to end; its exit code (128 + N when signal N
    // ended it).
    int wait_exit();
    bool running() const { return m_pid > 0; }
    pid_t pid() const { return m_pid; }
    int exit_code() const { return m_exit_code; }
    int port() const { return m_port; }
    std::string url() const { return m_scheme + "://127.0.0.1:" + std::to_string(m_port); }
    // What the process wrote so far (its output goes to files in dir()).
    std::string stdout_text() const;
    std::string stderr_text() const;

    std::string admin(const std::vector<std::string>& args) const; // stdout
    std::string create_code() const;
    // Rows in the server's responses table (read with the sqlite3 CLI-free C API).
    // SQLite only, as is db_path().
    long long response_count() const;
    long long distinct_response_count() const;

    const std::string& db_path() const { return m_db; }
    const std::string& db_url() const { return m_db_url; }
    const TempDir& dir() const { return m_dir; }
    void set_tls(const std::string& cert, const std::string& key);

  private:
    std::string stdout_path() const;
    std::string stderr_path() const;

    TempDir m_dir;
    std::string m_db_url;
    std::string m_db; // the SQLite file, "" on PostgreSQL
    std::vector<std::string> m_extra;
    std::string m_scheme = "http";
    pid_t m_pid = -1;
    int m_port = 0;
    int m_exit_code = -1;
    int m_run = 0; // starts so far: each run has its own output files
};

} // namespace tptest
