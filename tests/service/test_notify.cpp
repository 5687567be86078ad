// The service manager's notification protocol, against a real datagram
// socket standing in for the manager's.
#include "service/notify.h"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

using namespace touchpoint;

namespace {

// A bound AF_UNIX datagram socket: a path, or the abstract namespace when
// `name` starts with '@'.
struct Listener {
    int fd = -1;
    std::string name;
    explicit Listener(std::string n) : name(std::move(n)) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, name.data(), name.size());
        if (name[0] == '@') a.sun_path[0] = '\0';
        else ::unlink(name.c_str());
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
    }
    ~Listener() {
        ::close(fd);
        if (name[0] != '@') ::unlink(name.c_str());
    }
    std::string receive() const {
        char buf[512];
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<size_t>(n));
    }
};

} // namespace

TEST_CASE("notify sends one datagram to a path socket", "[notify]") {
    Listener l("/tmp/tp-notify-test-" + std::to_string(::getpid()));
    REQUIRE(service::notify_to(l.name, "READY=1\nSTATUS=listening").ok());
    CHECK(l.receive() == "READY=1\nSTATUS=listening");
    REQUIRE(service::notify_to(l.name, "WATCHDOG=1").ok());
    CHECK(l.receive() == "WATCHDOG=1");
}

TEST_CASE("notify reaches an abstract socket named with @", "[notify]") {
    Listener l("@tp-notify-test-" + std::to_string(::getpid()));
    ::setenv("NOTIFY_SOCKET", l.name.c_str(), 1);
    CHECK(service::under_service_manager());
    REQUIRE(service::notify("STOPPING=1").ok());
    CHECK(l.receive() == "STOPPING=1");
    ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("notify outside a service does nothing and succeeds; a dead socket is an error", "[notify]") {
    ::unsetenv("NOTIFY_SOCKET");
    CHECK_FALSE(service::under_service_manager());
    CHECK(service::notify("READY=1").ok());
    const Status st = service::notify_to("/tmp/tp-notify-nobody-listens", "READY=1");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("/tmp/tp-notify-nobody-listens") != std::string::npos);
    CHECK_FALSE(service::notify_to("relative/path", "READY=1").ok());
}

TEST_CASE("watchdog interval follows WATCHDOG_USEC and WATCHDOG_PID", "[notify]") {
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    CHECK_FALSE(service::watchdog_interval().has_value());
    ::setenv("WATCHDOG_USEC", "30000000", 1);
    REQUIRE(service::watchdog_interval().has_value());
    CHECK(service::watchdog_interval()->count() == 30000000);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    CHECK(service::watchdog_interval().has_value());
    ::setenv("WATCHDOG_PID", "1", 1); // meant for another process (cage, say)
    CHECK_FALSE(service::watchdog_interval().has_value());
    CHECK(service::watchdog_interval(true).has_value());
    ::setenv("WATCHDOG_USEC", "soon", 1);
    CHECK_FALSE(service::watchdog_interval(true).has_value());
    ::setenv("WATCHDOG_USEC", "0", 1);
    CHECK_FALSE(service::watchdog_interval(true).has_value());
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
}
