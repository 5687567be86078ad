#include "fleet_bench_services.h"

#include "bench_util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace touchpoint::bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string tail_of(const std::string& file, std::size_t bytes = 2000) {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > bytes) text = "..." + text.substr(text.size() - bytes);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

// Forks and execs; the child's stdout goes to out_pipe[1], its stderr to
// err_fd (when >= 0). Every descriptor the benchmark makes is close-on-exec,
// so a child holds only these.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        const int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) dup2(null_fd, 0);
        dup2(out_fd, 1);
        if (err_fd >= 0) dup2(err_fd, 2);
        // The children take the signals the benchmark blocked, as usual.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    return pid;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// Text for a single-quoted nginx string: no variables ($), no escapes to
// misread. A body that would need them is replaced by padding of its length.
std::string nginx_literal(const std::string& body) {
    bool plain = true;
    for (char c : body)
        if (c == '$' || c == '\'' || c == '\\' || c == '\n' || c == '\r') plain = false;
    if (plain) return body;
    std::string pad = "{\"pad\":\"";
    while (pad.size() + 2 < body.size())
        pad += 'x';
    return pad + "\"}";
}

} // namespace

// --- ChildProcess ---

ChildProcess::~ChildProcess() {
    try {
        stop();
    } catch (...) {
    }
}

void ChildProcess::start(const std::vector<std::string>& argv, const std::string& stderr_file) {
    if (m_pid > 0) throw std::runtime_error(argv[0] + " is already running");
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    int err_fd = -1;
    if (!stderr_file.empty()) {
        err_fd = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (err_fd < 0) throw std::runtime_error("cannot create " + stderr_file);
    }
    m_pid = spawn(argv, out[1], err_fd);
    close(out[1]);
    if (err_fd >= 0) close(err_fd);
    m_out_fd = out[0];
    m_status = -1;
    m_pending.clear();
}

std::string ChildProcess::read_line(double timeout_s) {
    const auto t0 = Clock::now();
    for (;;) {
        const auto nl = m_pending.find('\n');
        if (nl != std::string::npos) {
            std::string line = m_pending.substr(0, nl);
            m_pending.erase(0, nl + 1);
            return line;
        }
        const double left = timeout_s - seconds_since(t0);
        if (m_out_fd < 0 || left <= 0) return {};
        pollfd p{m_out_fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) continue;
        char buf[4096];
        const ssize_t n = read(m_out_fd, buf, sizeof buf);
        if (n <= 0) {
            std::string line;
            line.swap(m_pending);
            close(m_out_fd);
            m_out_fd = -1;
            return line;
        }
        m_pending.append(buf, static_cast<std::size_t>(n));
    }
}

bool ChildProcess::running() {
    if (m_pid <= 0) return false;
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_status = status;
        m_pid = -1;
        return false;
    }
    return true;
}

int ChildProcess::stop(double grace_s) {
    if (m_pid > 0) {
        ::kill(m_pid, SIGTERM);
        const auto t0 = Clock::now();
        int status = 0;
        for (;;) {
            const pid_t r = waitpid(m_pid, &status, WNOHANG);
            if (r == m_pid || r < 0) break;
            if (seconds_since(t0) > grace_s) {
                ::kill(m_pid, SIGKILL);
                waitpid(m_pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        m_status = status;
        m_pid = -1;
    }
    // Kept open until now so the child's last words never meet a closed pipe.
    if (m_out_fd >= 0) close(m_out_fd);
    m_out_fd = -1;
    return m_status;
}

CommandResult run_command(const std::vector<std::string>& argv) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    const pid_t pid = spawn(argv, out[1], err[1]);
    close(out[1]);
    close(err[1]);
    CommandResult r;
    // Both pipes at once, so neither fills while the other is read.
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* into[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                into[i]->append(buf, static_cast<std::size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

int free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        close(fd);
        throw std::runtime_error("cannot find a free loopback port");
    }
    close(fd);
    return ntohs(a.sin_port);
}

void wait_until_listening(int port, ChildProcess& p, double timeout_s, const std::string& what,
                          const std::string& log_file) {
    const auto t0 = Clock::now();
    for (;;) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(fd);
        if (ok) return;
        if (!p.running())
            throw std::runtime_error(what + " ended at start: " + tail_of(log_file));
        if (seconds_since(t0) > timeout_s)
            throw std::runtime_error(what + " did not listen on port " + std::to_string(port) +
                                     " within " + fixed(timeout_s, 0) + " s: " +
                                     tail_of(log_file));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// --- /proc ---

namespace {

double rss_mb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            double kb = 0;
            in >> kb;
            return kb / 1024.0;
        }
        std::string rest;
        std::getline(in, rest);
    }
    return 0;
}

long fd_count(pid_t pid) {
    DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (!d) return 0;
    long n = 0;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
}

} // namespace

Usage usage_of(const std::vector<pid_t>& pids) {
    Usage u;
    for (pid_t pid : pids) {
        if (pid <= 0) continue;
        u.rss_mb += rss_mb(pid);
        u.fds += fd_count(pid);
        u.cpu_s += process_cpu_seconds(pid);
    }
    return u;
}

std::vector<pid_t> with_children(pid_t pid) {
    std::vector<pid_t> out{pid};
    // Every thread's children file, the main thread's holds the workers.
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                     "/children");
    pid_t child;
    while (in >> child)
        out.push_back(child);
    return out;
}

// --- touchpoint-server ---

int start_touchpoint_server(ChildProcess& p, const ServerSettings& s, std::string* shown) {
    std::vector<std::string> argv{s.binary, "--db", s.db_url, "--listen", "127.0.0.1:0",
                                  "--idle-timeout-s", fixed(s.idle_timeout_s, 1),
                                  "--header-timeout-s", fixed(s.header_timeout_s, 1)};
    if (!s.tls_cert.empty()) {
        argv.insert(argv.end(), {"--tls-cert", s.tls_cert, "--tls-key", s.tls_key});
    }
    if (s.behind_proxy) argv.insert(argv.end(), {"--trusted-proxy", "127.0.0.1"});
    argv.insert(argv.end(), s.extra.begin(), s.extra.end());
    if (shown) {
        shown->clear();
        for (std::size_t i = 1; i < argv.size(); ++i)
            *shown += (i > 1 ? " " : "") + argv[i];
    }
    p.start(argv, "");
    // "touchpoint-server 0.1.0 listening on http://127.0.0.1:PORT (storage ...)"
    const std::string line = p.read_line(60);
    const auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
        p.stop();
        throw std::runtime_error("touchpoint-server did not start: " + line);
    }
    return std::atoi(line.c_str() + at + 10);
}

// --- nginx ---

int start_nginx(ChildProcess& p, const NginxSettings& s, const AnchorAnswers& answers) {
    std::filesystem::create_directories(s.dir + "/temp");
    const int port = free_loopback_port();
    const bool tls = !s.tls_cert.empty();
    const std::string idle = fixed(s.idle_timeout_s, 0) + "s";
    const std::string header = fixed(s.header_timeout_s, 0) + "s";
    std::ostringstream c;
    c << "# Written by fleet_bench: the anchor answers the kiosks' requests with\n"
         "# `return`, bodies as large as touchpoint-server's.\n"
         "daemon off;\n"
         "master_process on;\n"
      << (geteuid() == 0 ? "user nobody nogroup;\n" : "") << "worker_processes " << s.workers
      << ";\n"
         "worker_rlimit_nofile "
      << s.connections + 64
      << ";\n"
         "pid nginx.pid;\n"
         "error_log error.log warn;\n"
         "# Twice the connections: with fewer than 1/16 of them free, nginx closes\n"
         "# idle keep-alive connections to make room (\"worker_connections are not\n"
         "# enough, reusing connections\"). They cost memory, not descriptors.\n"
         "events {\n"
         "    worker_connections "
      << 2 * s.connections
      << ";\n"
         "    multi_accept on;\n"
         "}\n"
         "http {\n"
         "    access_log off;\n"
         "    client_body_temp_path temp/body;\n"
         "    proxy_temp_path temp/proxy;\n"
         "    fastcgi_temp_path temp/fastcgi;\n"
         "    uwsgi_temp_path temp/uwsgi;\n"
         "    scgi_temp_path temp/scgi;\n"
         "    client_body_buffer_size 64k;\n"
         "    keepalive_timeout "
      << idle
      << ";\n"
         "    keepalive_requests 1000000;\n"
         "    client_header_timeout "
      << header
      << ";\n"
         "    client_body_timeout "
      << header
      << ";\n"
         "    send_timeout 30s;\n"
         "    default_type application/json;\n"
         "    server {\n"
         "        listen 127.0.0.1:"
      << port << " backlog=4096" << (tls ? " ssl" : "") << ";\n";
    if (tls)
        c << "        ssl_certificate " << s.tls_cert << ";\n"
          << "        ssl_certificate_key " << s.tls_key << ";\n"
          << "        ssl_protocols TLSv1.2 TLSv1.3;\n";
    c << "        location = /api/v1/heartbeat { return 200 '" << nginx_literal(answers.heartbeat)
      << "'; }\n"
         "        location = /api/v1/batches { return 200 '"
      << nginx_literal(answers.batch)
      << "'; }\n"
         "        location = /api/v1/config {\n"
         "            add_header ETag '"
      << answers.etag
      << "' always;\n"
         "            add_header Cache-Control no-cache always;\n"
         "            if ($http_if_none_match) { return 304; }\n"
         "            return 200 '"
      << nginx_literal(answers.config)
      << "';\n"
         "        }\n"
         "        location / { return 404 '{\"error\":{\"code\":\"not_found\"}}'; }\n"
         "    }\n"
         "}\n";
    write_file(s.dir + "/nginx.conf", c.str());
    const std::string log = s.dir + "/stderr.log";
    p.start({"nginx", "-p", s.dir + "/", "-c", s.dir + "/nginx.conf", "-e", s.dir + "/error.log"},
            log);
    wait_until_listening(port, p, 20, "nginx", s.dir + "/error.log");
    return port;
}

// --- haproxy ---

int start_haproxy(ChildProcess& p, const HaproxySettings& s) {
    std::filesystem::create_directories(s.dir);
    const int port = free_loopback_port();
    const std::string idle = fixed(s.idle_timeout_s * 1000, 0) + "ms";
    const std::string header = fixed(s.header_timeout_s * 1000, 0) + "ms";
    std::ostringstream c;
    c << "# Written by fleet_bench: two touchpoint-server instances behind one\n"
         "# address, the client's address passed on in X-Forwarded-For.\n"
         "global\n"
         "    maxconn "
      << s.connections
      << "\n"
         "defaults\n"
         "    mode http\n"
         "    option http-keep-alive\n"
         "    option forwardfor\n"
         "    http-reuse always\n"
         "    maxconn "
      << s.connections
      << "\n"
         "    timeout connect 5s\n"
         "    timeout client "
      << idle
      << "\n"
         "    timeout http-keep-alive "
      << idle
      << "\n"
         "    timeout http-request "
      << header
      << "\n"
         "    timeout server 30s\n"
         "frontend fleet\n"
         "    bind 127.0.0.1:"
      << port
      << "\n"
         "    default_backend servers\n"
         "backend servers\n"
         "    balance roundrobin\n";
    for (std::size_t i = 0; i < s.backend_ports.size(); ++i)
        c << "    server s" << i + 1 << " 127.0.0.1:" << s.backend_ports[i] << "\n";
    write_file(s.dir + "/haproxy.cfg", c.str());
    const std::string log = s.dir + "/stderr.log";
    p.start({"haproxy", "-db", "-f", s.dir + "/haproxy.cfg"}, log);
    wait_until_listening(port, p, 20, "haproxy", log);
    return port;
}

std::string tool_version(const std::vector<std::string>& argv) {
    try {
        CommandResult r = run_command(argv);
        if (r.exit_code == 127) return {};
        std::string text = r.out.empty() ? r.err : r.out;
        const auto nl = text.find('\n');
        return nl == std::string::npos ? text : text.substr(0, nl);
    } catch (const std::exception&) {
        return {};
    }
}

void make_self_signed_cert(const std::string& dir) {
    CommandResult r = run_command(
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
    if (r.exit_code != 0)
        throw std::runtime_error("openssl could not make a certificate: " + r.err);
}

} // namespace touchpoint::bench
