#include "raw_connection.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace tpt {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return std::string(s);
}

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
}

enum class Chunked { done, need_more, bad };

// Walks a chunked body from `start` without copying it: where it ends
// (after the last chunk and its trailers) and how many data bytes it has.
Chunked scan_chunked(const std::string& b, std::size_t start, std::size_t& end,
                     std::size_t& data_bytes) {
    std::size_t pos = start;
    data_bytes = 0;
    for (;;) {
        const auto eol = b.find("\r\n", pos);
        if (eol == std::string::npos) return Chunked::need_more;
        char* stop = nullptr;
        const std::string size_text = b.substr(pos, eol - pos);
        const unsigned long long size = std::strtoull(size_text.c_str(), &stop, 16);
        if (stop == size_text.c_str()) return Chunked::bad;
        pos = eol + 2;
        if (size == 0) {
            // Trailer lines, then an empty line.
            for (;;) {
                const auto line_end = b.find("\r\n", pos);
                if (line_end == std::string::npos) return Chunked::need_more;
                const bool empty = line_end == pos;
                pos = line_end + 2;
                if (empty) {
                    end = pos;
                    return Chunked::done;
                }
            }
        }
        if (b.size() < pos + size + 2) return Chunked::need_more;
        data_bytes += size;
        pos += size + 2;
    }
}

// The data of a chunked body that scan_chunked accepted (or up to where it
// stopped, for a body cut short).
std::string decode_chunked(const std::string& b, std::size_t start) {
    std::string out;
    std::size_t pos = start;
    for (;;) {
        const auto eol = b.find("\r\n", pos);
        if (eol == std::string::npos) break;
        const unsigned long long size = std::strtoull(b.substr(pos, eol - pos).c_str(), nullptr, 16);
        pos = eol + 2;
        if (size == 0) break;
        out.append(b, pos, std::min<std::size_t>(size, b.size() - std::min(pos, b.size())));
        if (b.size() < pos + size + 2) break;
        pos += size + 2;
    }
    return out;
}

} // namespace

std::string RawAnswer::header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
}

std::string RawAnswer::error_code() const {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
    const auto& e = j["error"];
    if (!e.contains("code") || !e["code"].is_string() || !e.contains("message") ||
        !e["message"].is_string() || e["message"].get<std::string>().empty())
        return {};
    return e["code"].get<std::string>();
}

std::optional<RawAnswer> take_answer(std::string& bytes, bool closed) {
    for (;;) {
        const auto head_end = bytes.find("\r\n\r\n");
        if (head_end == std::string::npos) return std::nullopt;
        RawAnswer a;
        const auto first_eol = bytes.find("\r\n");
        const std::string status_line = bytes.substr(0, first_eol);
        if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
        a.status = std::atoi(status_line.c_str() + 9);
        std::size_t pos = first_eol + 2;
        while (pos < head_end) {
            const auto eol = bytes.find("\r\n", pos);
            const std::string_view line(bytes.data() + pos, eol - pos);
            const auto colon = line.find(':');
            if (colon != std::string_view::npos) {
                const std::string name = lower(std::string(line.substr(0, colon)));
                const std::string value = trim(line.substr(colon + 1));
                auto [it, fresh] = a.headers.emplace(name, value);
                if (!fresh) it->second += ", " + value;
            }
            pos = eol + 2;
        }
        const std::size_t body_start = head_end + 4;
        if (a.status >= 100 && a.status < 200) {
            // An interim answer (100 Continue): the real one follows.
            bytes.erase(0, body_start);
            continue;
        }
        if (lower(a.header("transfer-encoding")).find("chunked") != std::string::npos) {
            std::size_t end = 0, data = 0;
            const Chunked c = scan_chunked(bytes, body_start, end, data);
            if (c == Chunked::need_more && !closed) return std::nullopt;
            a.body = decode_chunked(bytes, body_start);
            a.complete = c == Chunked::done;
            bytes.erase(0, c == Chunked::done ? end : bytes.size());
            return a;
        }
        const std::string length = a.header("content-length");
        if (!length.empty()) {
            const std::size_t n = std::strtoull(length.c_str(), nullptr, 10);
            if (bytes.size() < body_start + n) {
                if (!closed) return std::nullopt;
                a.body = bytes.substr(body_start);
                a.complete = false;
                bytes.clear();
                return a;
            }
            a.body = bytes.substr(body_start, n);
            bytes.erase(0, body_start + n);
            return a;
        }
        if (a.status == 204 || a.status == 304) {
            bytes.erase(0, body_start);
            return a;
        }
        // No length: the body runs to the close.
        if (!closed) return std::nullopt;
        a.body = bytes.substr(body_start);
        bytes.clear();
        return a;
    }
}

std::string raw_request(const std::string& method, const std::string& target,
                        const std::vector<std::string>& headers,
                        const std::optional<std::string>& body) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& h : headers)
        r += h + "\r\n";
    if (body) r += "Content-Length: " + std::to_string(body->size()) + "\r\n";
    r += "\r\n";
    if (body) r += *body;
    return r;
}

// --- RawConnection ---

RawConnection::RawConnection(int port, const std::string& from, int receive_buffer) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        m_connect_errno = errno;
        return;
    }
    if (receive_buffer > 0)
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    if (!from.empty()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_port = 0;
        if (::inet_pton(AF_INET, from.c_str(), &local.sin_addr) != 1 ||
            ::bind(m_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            m_connect_errno = errno ? errno : EINVAL;
            close();
            return;
        }
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        m_connect_errno = errno;
        close();
        return;
    }
    // Non-blocking from here: every wait is a poll() with a deadline.
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
}

RawConnection::~RawConnection() { close(); }

RawConnection::RawConnection(RawConnection&& other) noexcept
    : m_fd(other.m_fd), m_connect_errno(other.m_connect_errno), m_closed(other.m_closed),
      m_in(std::move(other.m_in)) {
    other.m_fd = -1;
}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
    if (this != &other) {
        close();
        m_fd = other.m_fd;
        m_connect_errno = other.m_connect_errno;
        m_closed = other.m_closed;
        m_in = std::move(other.m_in);
        other.m_fd = -1;
    }
    return *this;
}

void RawConnection::close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

int RawConnection::local_port() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (m_fd < 0 || ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
    return ntohs(a.sin_port);
}

bool RawConnection::send(std::string_view bytes, Millis timeout) {
    if (m_fd < 0) return false;
    const auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{m_fd, POLLOUT, 0};
            const int left = remaining_ms(deadline);
            if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
            if (p.revents & (POLLERR | POLLHUP)) return false;
            continue;
        }
        return false; // EPIPE, ECONNRESET: the server closed
    }
    return true;
}

bool RawConnection::readable(Millis timeout) const {
    if (m_fd < 0) return false;
    pollfd p{m_fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

long RawConnection::read_once(Millis timeout, std::size_t limit) {
    if (m_fd < 0 || m_closed) return 0;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        pollfd p{m_fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return -1;
        const std::size_t old = m_in.size();
        m_in.resize(old + limit);
        const ssize_t n = ::recv(m_fd, m_in.data() + old, limit, 0);
        m_in.resize(old + static_cast<std::size_t>(std::max<ssize_t>(0, n)));
        if (n > 0) return n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        m_closed = true; // EOF, or a reset
        return 0;
    }
}

std::optional<RawAnswer> RawConnection::read_answer(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto a = take_answer(m_in, m_closed)) return a;
        if (m_closed || m_fd < 0) return std::nullopt;
        if (read_once(Millis(remaining_ms(deadline)), 1 << 20) < 0) return std::nullopt;
    }
}

std::size_t RawConnection::read_some(Millis timeout, std::size_t limit) {
    const long n = read_once(timeout, limit);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool RawConnection::wait_closed(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!m_closed) {
        if (read_once(Millis(remaining_ms(deadline)), 1 << 16) < 0) return false;
        m_in.clear();
    }
    return true;
}

} // namespace tpt
