#pragma once
// What every benchmark needs: timing, percentiles, the host's load, a work
// folder, its command line, and the verdict line it prints.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace touchpoint::bench {

using Clock = std::chrono::steady_clock;

// Milliseconds of steady time since t0.
double ms_since(Clock::time_point t0);

// Wall-clock time, milliseconds since the epoch.
std::int64_t now_ms();

// The p-quantile (0..1) of v, nearest rank; 0 for no samples.
double percentile(std::vector<double> v, double p);

// CPU seconds (user + system) this process has used so far.
double cpu_seconds_self();

// CPU seconds (user + system) a process has used so far; 0 when unknown.
double process_cpu_seconds(pid_t pid);

// Rows in the responses table of the SQLite file at `path` (read-only,
// waiting up to 5 s for a writer); -1 when it cannot be read.
long long sqlite_response_count(const std::string& path);

// The host's 1-minute load average as text ("1.93"), or "?" when unknown.
std::string load_average();

// The 1-, 5- and 15-minute load averages; all 0 when /proc/loadavg cannot be
// opened, the first -1 when it cannot be read.
struct LoadAverages {
    double one = 0, five = 0, fifteen = 0;
};
LoadAverages load_averages();

// The name die() puts before its message (the benchmark's executable).
void set_program(const char* name);

// Prints "<program>: <what>" to stderr and exits with status 1.
[[noreturn]] void die(const std::string& what);

// Dies with "<what>: <SQLite's message>" unless rc is OK, DONE or ROW.
void must(int rc, sqlite3* db, const char* what);

// Binds v (copied) to parameter i.
void bind_text(sqlite3_stmt* s, int i, const std::string& v);

// Prints "  target met" or "  TARGET MISSED".
void print_verdict(bool met);

// One "--name VALUE" option and where its value goes.
class Flag {
  public:
    Flag(const char* name, int& target) : m_name(name), m_kind(Kind::int_), m_target(&target) {}
    Flag(const char* name, long& target) : m_name(name), m_kind(Kind::long_), m_target(&target) {}
    Flag(const char* name, long long& target)
        : m_name(name), m_kind(Kind::long_long), m_target(&target) {}
    Flag(const char* name, std::string& target)
        : m_name(name), m_kind(Kind::string), m_target(&target) {}

    const char* name() const { return m_name; }
    void set(const char* value) const;

  private:
    enum class Kind { int_, long_, long_long, string };
    const char* m_name;
    Kind m_kind;
    void* m_target;
};

// Reads the command line into `flags`; dies on an option it does not know
// ("unknown option X (<usage>)") or one without a value.
void parse_flags(int argc, char** argv, std::initializer_list<Flag> flags, const char* usage);

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it.
class BenchDir {
  public:
    BenchDir();
    ~BenchDir();
    BenchDir(const BenchDir&) = delete;
    BenchDir& operator=(const BenchDir&) = delete;
    const std::string& path() const { return m_path; }

  private:
    std::string m_path;
};

// The folder a benchmark works in: `given` (made if missing, kept), or when
// that is empty a fresh BenchDir.
class WorkDir {
  public:
    explicit WorkDir(const std::string& given);
    const std::string& path() const { return m_path; }

  private:
    std::unique_ptr<BenchDir> m_own;
    std::string m_path;
};

} // namespace touchpoint::bench
