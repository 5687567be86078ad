// touchpoint-server under a service manager: the real binary started with
// $NOTIFY_SOCKET naming a datagram socket of the test's and $WATCHDOG_USEC
// set, as systemd starts a Type=notify unit with WatchdogSec.
#include "server_process.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using tptest::ServerProcess;

namespace {

// The service manager's end: a datagram socket bound to a path.
class NotifySocket {
  public:
    explicit NotifySocket(std::string path) : m_path(std::move(path)) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, m_path.c_str(), sizeof addr.sun_path - 1);
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("cannot bind the notification socket " + m_path);
    }
    ~NotifySocket() {
        ::close(m_fd);
        ::unlink(m_path.c_str());
    }
    // The next datagram, or nothing within `timeout`.
    std::optional<std::string> next(std::chrono::milliseconds timeout) {
        timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }
    // Waits for a datagram holding `what`; the others before it are counted.
    std::optional<std::string> wait_for(const std::string& what, std::chrono::milliseconds timeout,
                                        int* others = nullptr) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            auto d = next(std::max(left, 1ms));
            if (!d) return std::nullopt;
            if (d->find(what) != std::string::npos) return d;
            if (others) ++*others;
        }
        return std::nullopt;
    }
    // How many datagrams holding `what` arrive within `span`.
    int count(const std::string& what, std::chrono::milliseconds span) {
        int n = 0;
        const auto deadline = Clock::now() + span;
        while (Clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            auto d = next(std::max(left, 1ms));
            if (d && d->find(what) != std::string::npos) ++n;
        }
        return n;
    }

  private:
    std::string m_path;
    int m_fd = -1;
};

// The environment a service manager gives, for the next start only.
struct ServiceEnvironment {
    ServiceEnvironment(const std::string& socket, const std::string& watchdog_usec,
                       const std::string& stall_file = "") {
        ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
        ::setenv("WATCHDOG_USEC", watchdog_usec.c_str(), 1);
        if (!stall_file.empty())
            ::setenv("TOUCHPOINT_TEST_ONLY_STALL_WORKERS_WHILE_FILE_EXISTS", stall_file.c_str(), 1);
    }
    ~ServiceEnvironment() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("TOUCHPOINT_TEST_ONLY_STALL_WORKERS_WHILE_FILE_EXISTS");
    }
};

int healthz_status(int port) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(2);
    c.set_read_timeout(2);
    auto r = c.Get("/healthz");
    return r ? r->status : 0;
}

} // namespace

TEST_CASE("service: READY once /healthz answers, WATCHDOG every half interval, STOPPING on "
          "SIGTERM",
          "[server][service][binary]") {
    ServerProcess server;
    NotifySocket manager(server.dir().path + "/notify.sock");
    {
        ServiceEnvironment env(server.dir().path + "/notify.sock", "400000"); // 0.4 s
        server.start();
    }
    auto ready = manager.wait_for("READY=1", 5000ms);
    REQUIRE(ready);
    // The moment READY arrives, the server answers.
    CHECK(healthz_status(server.port()) == 200);
    CHECK(ready->find("STATUS=listening on http://127.0.0.1:" + std::to_string(server.port())) !=
          std::string::npos);

    // Pings at half of 0.4 s: about 10 in 2 s.
    const int pings = manager.count("WATCHDOG=1", 2000ms);
    INFO(pings << " WATCHDOG=1 in 2 s");
    CHECK(pings >= 7);
    CHECK(pings <= 13);

    server.signal(SIGTERM);
    auto stopping = manager.wait_for("STOPPING=1", 3000ms);
    CHECK(stopping);
    CHECK(server.wait_exit() == 0);
    // Nothing after STOPPING.
    CHECK_FALSE(manager.next(300ms));
}

TEST_CASE("service: READY waits for /healthz to be answered, and the watchdog stops pinging "
          "while the workers are wedged",
          "[server][service][binary]") {
    const auto t0 = Clock::now();
    ServerProcess server({"--workers", "1"});
    NotifySocket manager(server.dir().path + "/notify.sock");
    const std::string stall = server.dir().path + "/stall";
    std::ofstream(stall) << "wedged\n";
    {
        ServiceEnvironment env(server.dir().path + "/notify.sock", "400000", stall);
        server.start(); // listening, but no request is handled
    }
    // Listening is not ready: the probe is not answered while the worker is wedged.
    CHECK_FALSE(manager.wait_for("READY=1", 1500ms));
    std::remove(stall.c_str());
    REQUIRE(manager.wait_for("READY=1", 3000ms));
    CHECK(manager.count("WATCHDOG=1", 1000ms) >= 3);

    // Wedge the only worker: the next probe is not answered, the pings stop.
    std::ofstream(stall) << "wedged\n";
    manager.count("WATCHDOG=1", 500ms); // a probe answered before the wedge
    const int while_wedged = manager.count("WATCHDOG=1", 2000ms);
    CHECK(while_wedged == 0);
    CHECK(server.running());
    // Unwedged, it pings again.
    std::remove(stall.c_str());
    CHECK(manager.wait_for("WATCHDOG=1", 2000ms));
    CHECK(healthz_status(server.port()) == 200);
    CHECK(server.stop() == 0);
    WARN("service watchdog test took "
         << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()
         << " ms");
}

TEST_CASE("service: outside a service manager nothing is sent and the server serves as before",
          "[server][service][binary]") {
    ServerProcess server;
    ::unsetenv("NOTIFY_SOCKET");
    server.start();
    CHECK(healthz_status(server.port()) == 200);
    CHECK(server.stop() == 0);
    CHECK(server.stderr_text().find("notify") == std::string::npos);
}
