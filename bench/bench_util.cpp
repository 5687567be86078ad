#include "bench_util.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace touchpoint::bench {

namespace {
const char* g_program = "bench";
}

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

double cpu_seconds_self() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
}

long long sqlite_response_count(const std::string& path) {
    sqlite3* h = nullptr;
    long long v = -1;
    if (sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM responses", -1, &st, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return v;
}

double process_cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // After "pid (command) ": state, ppid, ..., utime and stime are the 12th
    // and 13th fields (the command may itself hold spaces and parentheses).
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) return 0;
    std::istringstream fields(text.substr(close_paren + 1));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 1; i <= 13 && (fields >> field); ++i) {
        if (i == 12) utime = std::atof(field.c_str());
        if (i == 13) stime = std::atof(field.c_str());
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    if (!(in >> one)) return "?";
    return one;
}

LoadAverages load_averages() {
    LoadAverages l;
    if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf %lf %lf", &l.one, &l.five, &l.fifteen) != 3) l.one = -1;
        std::fclose(f);
    }
    return l;
}

void set_program(const char* name) {
    g_program = name;
}

void die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", g_program, what.c_str());
    std::exit(1);
}

void must(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        die(std::string(what) + ": " + sqlite3_errmsg(db));
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void print_verdict(bool met) {
    std::printf("  %s\n", met ? "target met" : "TARGET MISSED");
}

// --- Command line ---

void Flag::set(const char* value) const {
    switch (m_kind) {
    case Kind::int_:
        *static_cast<int*>(m_target) = std::atoi(value);
        break;
    case Kind::long_:
        *static_cast<long*>(m_target) = std::atoll(value);
        break;
    case Kind::long_long:
        *static_cast<long long*>(m_target) = std::atoll(value);
        break;
    case Kind::string:
        *static_cast<std::string*>(m_target) = value;
        break;
    }
}

void parse_flags(int argc, char** argv, std::initializer_list<Flag> flags, const char* usage) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto flag =
            std::find_if(flags.begin(), flags.end(), [&](const Flag& f) { return a == f.name(); });
        if (flag == flags.end()) die("unknown option " + a + " (" + usage + ")");
        if (i + 1 >= argc) die("missing value after " + a);
        flag->set(argv[++i]);
    }
}

// --- Folders ---

BenchDir::BenchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/touchpoint-bench-XXXXXX";
    if (!::mkdtemp(tmpl.data())) die("cannot make a temporary folder");
    m_path = tmpl;
}

BenchDir::~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

WorkDir::WorkDir(const std::string& given) : m_path(given) {
    if (m_path.empty()) {
        m_own = std::make_unique<BenchDir>();
        m_path = m_own->path();
    } else {
        std::filesystem::create_directories(m_path);
    }
}

} // namespace touchpoint::bench
