#include "service/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace touchpoint::service {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

} // namespace

bool under_service_manager() { return !env("NOTIFY_SOCKET").empty(); }

Status notify(const std::string& state) { return notify_to(env("NOTIFY_SOCKET"), state); }

Status notify_to(const std::string& socket_name, const std::string& state) {
    if (socket_name.empty()) return Status::success();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_name.size() >= sizeof addr.sun_path)
        return Status::failure("notification socket name is too long: " + socket_name);
    if (socket_name[0] != '/' && socket_name[0] != '@')
        return Status::failure("notification socket must be a path or @name: " + socket_name);
    std::memcpy(addr.sun_path, socket_name.data(), socket_name.size());
    if (socket_name[0] == '@') addr.sun_path[0] = '\0'; // the abstract namespace
    const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_name.size());

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::failure(std::string("cannot open a notification socket: ") + std::strerror(errno));
    ssize_t sent;
    do {
        sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
    } while (sent < 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (sent < 0)
        return Status::failure("cannot notify the service manager at " + socket_name + ": " + std::strerror(err));
    return Status::success();
}

std::optional<std::chrono::microseconds> watchdog_interval(bool any_pid) {
    const std::string usec = env("WATCHDOG_USEC");
    if (usec.empty()) return std::nullopt;
    const std::string pid = env("WATCHDOG_PID");
    if (!any_pid && !pid.empty() && std::strtol(pid.c_str(), nullptr, 10) != static_cast<long>(::getpid()))
        return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(usec.c_str(), &end, 10);
    if (errno != 0 || end == usec.c_str() || *end != '\0' || v == 0) return std::nullopt;
    return std::chrono::microseconds(static_cast<long long>(v));
}

} // namespace touchpoint::service
