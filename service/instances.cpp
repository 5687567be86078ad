#include "service/instances.h"

#include <csignal>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace touchpoint::service {

namespace {

// The executable a process runs, without the " (deleted)" the kernel adds
// when the file was replaced (a package upgrade) after it started.
std::string exe_of(const std::string& proc_dir) {
    char buf[4096];
    const ssize_t n = ::readlink((proc_dir + "/exe").c_str(), buf, sizeof buf - 1);
    if (n <= 0) return "";
    std::string exe(buf, static_cast<std::size_t>(n));
    const std::string deleted = " (deleted)";
    if (exe.size() > deleted.size() && exe.compare(exe.size() - deleted.size(), deleted.size(), deleted) == 0)
        exe.resize(exe.size() - deleted.size());
    return exe;
}

// A process that has ended but not been reaped by its parent yet.
bool is_zombie_or_gone(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return true;
    // "PID (comm) STATE ...": the state follows the last ')'.
    const auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z' ||
           line[close + 2] == 'X';
}

} // namespace

std::vector<pid_t> other_instances() {
    std::vector<pid_t> out;
    const std::string self = exe_of("/proc/self");
    if (self.empty()) return out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    const pid_t me = ::getpid();
    const uid_t uid = ::getuid();
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || pid == me) continue;
        const std::string dir = std::string("/proc/") + e->d_name;
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || st.st_uid != uid) continue;
        if (exe_of(dir) != self || is_zombie_or_gone(static_cast<pid_t>(pid))) continue;
        out.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
    return out;
}

Result<StopReport> stop_other_instances(std::chrono::milliseconds timeout) {
    if (::access("/proc/self/exe", F_OK) != 0)
        return Error{"cannot find the running kiosk: /proc is not readable"};
    StopReport report;
    std::vector<pid_t> waiting;
    for (pid_t pid : other_instances())
        if (::kill(pid, SIGTERM) == 0) waiting.push_back(pid);
    report.found = static_cast<int>(waiting.size());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!waiting.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        for (auto it = waiting.begin(); it != waiting.end();)
            it = is_zombie_or_gone(*it) ? waiting.erase(it) : it + 1;
    }
    report.stopped = report.found - static_cast<int>(waiting.size());
    return report;
}

} // namespace touchpoint::service
