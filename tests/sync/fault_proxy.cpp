#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tpsync {

namespace {

bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

// Reads one HTTP request (headers + Content-Length body). False on EOF/error.
bool read_request(int fd, std::string& req) {
    char buf[65536];
    size_t header_end = std::string::npos;
    size_t need = 0;
    for (;;) {
        if (header_end == std::string::npos) {
            header_end = req.find("\r\n\r\n");
            if (header_end != std::string::npos) {
                std::string head = req.substr(0, header_end);
                for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                auto cl = head.find("content-length:");
                size_t len = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
                need = header_end + 4 + len;
            }
        }
        if (header_end != std::string::npos && req.size() >= need) return true;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        req.append(buf, static_cast<size_t>(n));
    }
}

std::string forward(int upstream_port, std::string req) {
    // One request per upstream connection.
    auto header_end = req.find("\r\n\r\n");
    req.insert(header_end, "\r\nConnection: close");
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(upstream_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string resp;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && send_all(fd, req.data(), req.size())) {
        char buf[65536];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return resp;
}

std::string canned(int status, const char* reason, int retry_after_s) {
    std::string body = std::string("{\"error\":{\"code\":\"injected\",\"message\":\"injected ") + reason + "\"}}";
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n";
    if (retry_after_s >= 0) r += "Retry-After: " + std::to_string(retry_after_s) + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    return r;
}

// The answer `resp` (a whole HTTP/1.1 response) with `body` in place of its
// body; unchanged unless it is a 200 with a Content-Length.
std::string with_body(const std::string& resp, const std::string& body) {
    auto header_end = resp.find("\r\n\r\n");
    if (header_end == std::string::npos || resp.compare(0, 12, "HTTP/1.1 200") != 0) return resp;
    std::string out;
    bool had_length = false;
    std::size_t pos = 0;
    while (pos < header_end) {
        auto eol = resp.find("\r\n", pos);
        if (eol == std::string::npos || eol > header_end) eol = header_end;
        std::string line = resp.substr(pos, eol - pos);
        std::string lower = line;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower.rfind("content-length:", 0) == 0) {
            had_length = true;
            line = "Content-Length: " + std::to_string(body.size());
        }
        out += line + "\r\n";
        pos = eol + 2;
    }
    if (!had_length) return resp;
    return out + "\r\n" + body;
}

std::string body_of(const std::string& message) {
    auto header_end = message.find("\r\n\r\n");
    return header_end == std::string::npos ? std::string() : message.substr(header_end + 4);
}

} // namespace

FaultProxy::FaultProxy(int upstream_port, FaultPlan plan)
    : m_upstream(upstream_port), m_plan(plan), m_rng(plan.seed) {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m_listen_fd, 64) != 0)
        throw std::runtime_error("proxy: cannot listen");
    socklen_t len = sizeof a;
    getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    m_acceptor = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
    m_stop = true;
    ::shutdown(m_listen_fd, SHUT_RDWR);
    ::close(m_listen_fd);
    if (m_acceptor.joinable()) m_acceptor.join();
    for (auto& t : m_workers)
        if (t.joinable()) t.join();
}

void FaultProxy::set_plan(const FaultPlan& plan) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_plan = plan;
}

void FaultProxy::accept_loop() {
    while (!m_stop) {
        pollfd p{m_listen_fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        int c = ::accept(m_listen_fd, nullptr, nullptr);
        if (c < 0) continue;
        std::uint64_t seed;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            seed = m_rng();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_workers.emplace_back([this, c, seed] { handle(c, seed); });
    }
}

void FaultProxy::handle(int fd, std::uint64_t roll_seed) {
    std::string req;
    if (!read_request(fd, req)) {
        ::close(fd);
        return;
    }
    ++m_counts.requests;
    FaultPlan plan;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        plan = m_plan;
    }
    std::mt19937_64 rng(roll_seed);
    double roll = std::uniform_real_distribution<double>(0, 1)(rng);
    auto take = [&](double p) {
        if (roll < p) return true;
        roll -= p;
        return false;
    };
    if (take(plan.drop_before)) {
        ++m_counts.dropped;
    } else if (take(plan.error_500)) {
        ++m_counts.errors_500;
        std::string r = canned(500, "Internal Server Error", -1);
        send_all(fd, r.data(), r.size());
    } else if (take(plan.error_503)) {
        ++m_counts.errors_503;
        std::string r = canned(503, "Service Unavailable", plan.retry_after_s);
        send_all(fd, r.data(), r.size());
    } else {
        if (take(plan.delay)) {
            ++m_counts.delayed;
            std::this_thread::sleep_for(std::chrono::milliseconds(
                std::uniform_int_distribution<int>(1, std::max(1, plan.max_delay_ms))(rng)));
        }
        std::string resp = forward(m_upstream, req);
        if (plan.rewrite_batch_answer && req.rfind("POST /api/v1/batches ", 0) == 0 &&
            resp.compare(0, 12, "HTTP/1.1 200") == 0) {
            ++m_counts.rewritten;
            resp = with_body(resp, plan.rewrite_batch_answer(body_of(req), body_of(resp)));
        }
        roll = std::uniform_real_distribution<double>(0, 1)(rng);
        if (take(plan.truncate) && resp.size() > 2) {
            ++m_counts.truncated;
            send_all(fd, resp.data(), resp.size() / 2);
        } else if (take(plan.cut_after_commit)) {
            ++m_counts.cut_after_commit; // the server has committed; the client never hears
        } else {
            ++m_counts.passed;
            send_all(fd, resp.data(), resp.size());
        }
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
}

} // namespace tpsync
