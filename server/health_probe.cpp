#include "server/health_probe.h"

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace touchpoint::server {

namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

struct SslCtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return false;
    }
}

Status connect_before(int& out_fd, const std::string& host, int port, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        return Status::failure("cannot resolve " + host + ": " + ::gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = std::strerror(errno);
            continue;
        }
        int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, deadline)) {
                ::close(fd);
                return Status::failure("no connection before the deadline");
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc == 0) {
            out_fd = fd;
            return Status::success();
        }
        why = std::strerror(errno);
        ::close(fd);
    }
    return Status::failure("cannot connect: " + why);
}

std::string ssl_error() {
    const unsigned long e = ERR_get_error();
    if (e == 0) return "the connection closed";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// Runs one SSL call to completion, polling while it wants to read or write.
template <class F> int ssl_call(SSL* ssl, int fd, Clock::time_point deadline, F f) {
    for (;;) {
        const int rc = f();
        if (rc > 0) return rc;
        const int e = SSL_get_error(ssl, rc);
        if (e == SSL_ERROR_WANT_READ) {
            if (!wait_fd(fd, POLLIN, deadline)) return -2;
        } else if (e == SSL_ERROR_WANT_WRITE) {
            if (!wait_fd(fd, POLLOUT, deadline)) return -2;
        } else if (e == SSL_ERROR_ZERO_RETURN) {
            return 0;
        } else {
            return -1;
        }
    }
}

// The answer so far, when it is complete: the header block and, with a
// Content-Length, that many bytes of body.
bool complete(const std::string& text) {
    const auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string head = text.substr(0, end);
    for (char& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto cl = head.find("\r\ncontent-length:");
    if (cl == std::string::npos) return false; // read to the close
    const std::size_t length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    return text.size() >= end + 4 + length;
}

Result<ProbeAnswer> parse_answer(const std::string& text) {
    if (text.rfind("HTTP/1.", 0) != 0 || text.size() < 12)
        return Error{"the answer is not HTTP"};
    ProbeAnswer a;
    a.status = std::atoi(text.c_str() + 9);
    const auto end = text.find("\r\n\r\n");
    if (end != std::string::npos) a.body = text.substr(end + 4);
    return a;
}

} // namespace

Result<ProbeAnswer> probe_healthz(const ProbeTarget& target, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string host = target.host;
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    Fd sock;
    if (Status st = connect_before(sock.fd, host, target.port, deadline); !st)
        return Error{host + ":" + std::to_string(target.port) + ": " + st.error()};
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: " + host +
                                "\r\nUser-Agent: touchpoint-server-probe\r\n"
                                "Connection: close\r\n\r\n";
    std::string text;
    char buf[4096];

    if (target.tls) {
        std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
        if (!ctx) return Error{"cannot set up TLS: " + ssl_error()};
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
        std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
        if (!ssl || SSL_set_fd(ssl.get(), sock.fd) != 1)
            return Error{"cannot set up TLS: " + ssl_error()};
        SSL* s = ssl.get();
        int rc = ssl_call(s, sock.fd, deadline, [s] { return SSL_connect(s); });
        if (rc == -2) return Error{"no TLS handshake before the deadline"};
        if (rc <= 0) return Error{"TLS handshake failed: " + ssl_error()};
        rc = ssl_call(s, sock.fd, deadline, [s, &request] {
            return SSL_write(s, request.data(), static_cast<int>(request.size()));
        });
        if (rc <= 0) return Error{"cannot send the request: " + ssl_error()};
        while (!complete(text)) {
            rc = ssl_call(s, sock.fd, deadline,
                          [s, &buf] { return SSL_read(s, buf, static_cast<int>(sizeof buf)); });
            if (rc == -2) return Error{"no answer before the deadline"};
            if (rc <= 0) break;
            text.append(buf, static_cast<std::size_t>(rc));
        }
        return parse_answer(text);
    }

    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_fd(sock.fd, POLLOUT, deadline)) return Error{"cannot send before the deadline"};
        } else {
            return Error{std::string("cannot send the request: ") + std::strerror(errno)};
        }
    }
    while (!complete(text)) {
        const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            if (!wait_fd(sock.fd, POLLIN, deadline)) return Error{"no answer before the deadline"};
        } else {
            return Error{std::string("cannot read the answer: ") + std::strerror(errno)};
        }
    }
    return parse_answer(text);
}

bool answered_by_healthz(const ProbeAnswer& answer) {
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (!body.is_object()) return false;
    const auto status = body.find("status");
    if (status == body.end() || !status->is_string()) return false;
    return (answer.status == 200 && *status == "ok") ||
           (answer.status == 503 && *status == "unavailable");
}

} // namespace touchpoint::server
