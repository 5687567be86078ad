#include "server_process.h"

#include <sqlite3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tpsync {

TempDir::TempDir() {
    char tmpl[] = "/tmp/tp-sync-XXXXXX";
    char* p = mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp failed");
    path = p;
}

TempDir::~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }

namespace {

// Forks and execs argv with its stdout on a new pipe: *pid is the child,
// *out_fd the pipe's read end. False when the pipe cannot be made.
bool spawn(const std::vector<std::string>& argv, pid_t* pid, int* out_fd) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return false;
    *pid = fork();
    if (*pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(pipefd[1]);
    *out_fd = pipefd[0];
    return true;
}

} // namespace

int run_command(const std::vector<std::string>& argv, std::string* out) {
    pid_t pid = -1;
    int fd = -1;
    if (!spawn(argv, &pid, &fd)) return -1;
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (out) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args) : m_extra(std::move(extra_args)) {
    m_db = m_dir.path + "/server.db";
    admin({"create-store", "--id", "akl", "--name", "Auckland Central", "--time-zone", "Pacific/Auckland"});
    admin({"create-touch-point", "--store", "akl", "--key", "akl-checkout-1", "--name", "Checkout 1",
           "--survey", std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml"});
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
    std::vector<std::string> argv{TOUCHPOINT_SERVER_BINARY, "admin", "--db", "sqlite:" + m_db};
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
    std::vector<std::string> argv{TOUCHPOINT_SERVER_BINARY, "--db", "sqlite:" + m_db, "--listen",
                                  "127.0.0.1:" + std::to_string(port), "--rate", "100000", "--burst", "100000"};
    argv.insert(argv.end(), m_extra.begin(), m_extra.end());
    pid_t pid = -1;
    int fd = -1;
    if (!spawn(argv, &pid, &fd)) throw std::runtime_error("pipe failed");
    m_pid = pid;
    // Read the "listening on http://127.0.0.1:PORT" line.
    std::string line;
    char c;
    while (read(fd, &c, 1) == 1 && c != '\n') line += c;
    close(fd);
    auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
        kill_now();
        throw std::runtime_error("server did not start: " + line);
    }
    m_port = std::atoi(line.c_str() + at + 10);
}

void ServerProcess::stop() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
}

void ServerProcess::kill_now() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
}

namespace {
long long scalar(const std::string& db, const char* sql) {
    sqlite3* h = nullptr;
    long long v = -1;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return v;
}
} // namespace

long long ServerProcess::response_count() const { return scalar(m_db, "SELECT COUNT(*) FROM responses"); }
long long ServerProcess::distinct_response_count() const {
    return scalar(m_db, "SELECT COUNT(DISTINCT id) FROM responses");
}

} // namespace tpsync
