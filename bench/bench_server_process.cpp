#include "bench_server_process.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace touchpoint::bench {

namespace {

// Forks and execs argv with stdout on a new pipe (returned in *out_fd) and,
// when err_fd is given, stderr on another; otherwise stderr is inherited.
pid_t spawn(const std::vector<std::string>& argv, int* out_fd, int* err_fd) {
    int out[2];
    int err[2] = {-1, -1};
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    if (err_fd && pipe(err) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr); // nothing buffered twice, output in order
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(out[1], 1);
        if (err_fd) dup2(err[1], 2);
        close(out[0]);
        close(out[1]);
        if (err_fd) {
            close(err[0]);
            close(err[1]);
        }
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out[1]);
    *out_fd = out[0];
    if (err_fd) {
        close(err[1]);
        *err_fd = err[0];
    }
    return pid;
}

std::string read_all(int fd) {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return text;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

} // namespace

const char* server_binary() {
    return TOUCHPOINT_SERVER_BINARY;
}

// --- BenchServer ---

BenchServer::BenchServer(const std::string& dir) : m_db(dir + "/server.db") {
    admin({"create-store", "--id", "akl", "--name", "Auckland Central", "--time-zone",
           "Pacific/Auckland"});
    admin({"create-touch-point", "--store", "akl", "--key", "akl-checkout-1", "--name",
           "Checkout 1", "--survey",
           std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml"});
}

BenchServer::~BenchServer() {
    try {
        stop();
    } catch (...) {
    }
}

std::string BenchServer::admin(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{server_binary(), "admin", "--db", "sqlite:" + m_db};
    argv.insert(argv.end(), args.begin(), args.end());
    int out_fd = -1, err_fd = -1;
    pid_t pid = spawn(argv, &out_fd, &err_fd);
    // Both answers are a few lines: far below a pipe's buffer, so reading
    // one after the other cannot block the child.
    std::string out = read_all(out_fd);
    std::string err = read_all(err_fd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("touchpoint-server admin " + args.front() +
                                 " failed: " + trimmed(err));
    return trimmed(out);
}

std::string BenchServer::create_code() const {
    std::string out = admin({"create-enrollment-code", "--touch-point", "akl-checkout-1"});
    // The code is the last word printed.
    auto sp = out.find_last_of(" \n\t");
    return sp == std::string::npos ? out : out.substr(sp + 1);
}

void BenchServer::start(const std::vector<std::string>& options) {
    if (m_pid > 0) throw std::runtime_error("the server is already running");
    std::vector<std::string> argv{server_binary(), "--db", "sqlite:" + m_db, "--listen",
                                  "127.0.0.1:0"};
    argv.insert(argv.end(), options.begin(), options.end());
    m_pid = spawn(argv, &m_out_fd, nullptr);
    // "touchpoint-server 0.1.0 listening on http://127.0.0.1:PORT (storage ...)"
    std::string line;
    char c;
    while (read(m_out_fd, &c, 1) == 1 && c != '\n')
        line += c;
    auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
        stop();
        throw std::runtime_error("the server did not start: " + line);
    }
    m_port = std::atoi(line.c_str() + at + 10);
}

void BenchServer::stop() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    // Kept open until now so the server's last line never meets a closed pipe.
    close(m_out_fd);
    m_out_fd = -1;
}

long long BenchServer::response_count() const {
    return sqlite_response_count(m_db);
}

} // namespace touchpoint::bench
