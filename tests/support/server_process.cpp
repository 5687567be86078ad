#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tptest {

TempDir::TempDir() {
    char tmpl[] = "/tmp/tp-test-XXXXXX";
    char* p = mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp failed");
    path = p;
}

TempDir::~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }

const char* server_binary() { return TOUCHPOINT_SERVER_BINARY; }

namespace {

// Starts argv with stdout on `out_fd` (or a new pipe, when out_fd < 0: its
// read end in *pipe_fd) and stderr on `err_fd` (or inherited, when < 0).
// False when it cannot be started.
bool spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, pid_t* pid,
           int* pipe_fd) {
    int pipefd[2] = {-1, -1};
    if (out_fd < 0) {
        if (pipe(pipefd) != 0) return false;
        out_fd = pipefd[1];
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    if (pipefd[0] >= 0) posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (pipefd[1] >= 0) close(pipefd[1]);
    if (rc != 0) {
        if (pipefd[0] >= 0) close(pipefd[0]);
        return false;
    }
    if (pipe_fd) *pipe_fd = pipefd[0];
    return true;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

int run_command(const std::vector<std::string>& argv, std::string* out) {
    pid_t pid = -1;
    int fd = -1;
    if (!spawn(argv, -1, -1, &pid, &fd)) return -1;
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (out) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string db_url)
    : m_db_url(std::move(db_url)), m_extra(std::move(extra_args)) {
    if (m_db_url.empty()) m_db_url = "sqlite:" + m_dir.path + "/server.db";
    if (m_db_url.rfind("sqlite:", 0) == 0) m_db = m_db_url.substr(7);
    admin({"create-store", "--id", "akl", "--name", "Auckland Central", "--time-zone",
           "Pacific/Auckland"});
    admin({"create-touch-point", "--store", "akl", "--key", "akl-checkout-1", "--name",
           "Checkout 1", "--survey", std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml"});
}

ServerProcess::~ServerProcess() {
    if (m_pid > 0) kill_now();
}

void ServerProcess::set_tls(const std::string& cert, const std::string& key) {
    m_extra.push_back("--tls-cert");
    m_extra.push_back(cert);
    m_extra.push_back("--tls-key");
    m_extra.push_back(key);
    m_scheme = "https";
}

std::string ServerProcess::admin(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{server_binary(), "admin", "--db", m_db_url};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    int rc = run_command(argv, &out);
    if (rc != 0) throw std::runtime_error("admin command failed: " + args.front());
    return out;
}

std::string ServerProcess::create_code() const {
    std::string out = admin({"create-enrollment-code", "--touch-point", "akl-checkout-1"});
    // The code is the last word printed.
    auto sp = out.find_last_of(" \n\t");
    return sp == std::string::npos ? out : out.substr(sp + 1);
}

void ServerProcess::start(int port) {
    if (!try_start(port))
        throw std::runtime_error("server did not start (exit " + std::to_string(m_exit_code) +
                                 "): " + stderr_text());
}

bool ServerProcess::try_start(int port) {
    if (m_pid > 0) throw std::runtime_error("the server is already running");
    std::vector<std::string> argv{server_binary(), "--db",   m_db_url,
                                  "--listen",      "127.0.0.1:" + std::to_string(port),
                                  "--rate",        "100000", "--burst",
                                  "100000"};
    argv.insert(argv.end(), m_extra.begin(), m_extra.end());
    // Output goes to files rather than pipes: nothing the test forgets to
    // read can block the server, and a closed pipe cannot kill it.
    ++m_run;
    const int out = ::open(stdout_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int err = ::open(stderr_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t pid = -1;
    const bool spawned = out >= 0 && err >= 0 && spawn(argv, out, err, &pid, nullptr);
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    if (!spawned) throw std::runtime_error("cannot start " + argv[0]);
    m_pid = pid;
    m_exit_code = -1;
    // Wait for the "listening on http://127.0.0.1:PORT" line, or the exit.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        const std::string text = stdout_text();
        const auto eol = text.find('\n');
        if (eol != std::string::npos) {
            const std::string line = text.substr(0, eol);
            const auto at = line.find("127.0.0.1:");
            if (at == std::string::npos) {
                kill_now();
                throw std::runtime_error("server did not start: " + line);
            }
            m_port = std::atoi(line.c_str() + at + 10);
            return true;
        }
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            m_exit_code = exit_code_of(status);
            return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill_now();
            throw std::runtime_error("server did not listen within 30 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::string ServerProcess::stdout_path() const {
    return m_dir.path + "/server-" + std::to_string(m_run) + ".out";
}

std::string ServerProcess::stderr_path() const {
    return m_dir.path + "/server-" + std::to_string(m_run) + ".err";
}

std::string ServerProcess::stdout_text() const { return read_file(stdout_path()); }

std::string ServerProcess::stderr_text() const { return read_file(stderr_path()); }

void ServerProcess::signal(int sig) const {
    if (m_pid > 0) ::kill(m_pid, sig);
}

int ServerProcess::wait_exit() {
    if (m_pid <= 0) return m_exit_code;
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    m_exit_code = exit_code_of(status);
    return m_exit_code;
}

int ServerProcess::stop() {
    signal(SIGTERM);
    return wait_exit();
}

void ServerProcess::kill_now() {
    signal(SIGKILL);
    wait_exit();
}

namespace {
long long scalar(const std::string& db, const char* sql) {
    sqlite3* h = nullptr;
    long long v = -1;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return v;
}
} // namespace

long long ServerProcess::response_count() const {
    return scalar(m_db, "SELECT COUNT(*) FROM responses");
}
long long ServerProcess::distinct_response_count() const {
    return scalar(m_db, "SELECT COUNT(DISTINCT id) FROM responses");
}

} // namespace tptest
