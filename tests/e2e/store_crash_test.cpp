// Crash test for the local database: runs crash_child many times and kills it
// with SIGKILL after a random delay (0-300 ms). Afterwards every id the child
// reported as saved must be in the database exactly once, sequence numbers
// must be unique and in the order the taps were made, and the file must pass
// PRAGMA integrity_check without ever having needed a repair.
//
//   store_crash_test [--runs N] [--seed S]
#include "app/local_database.h"

#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#ifndef CRASH_CHILD_PATH
#error "CRASH_CHILD_PATH must name the crash_child executable"
#endif

namespace {

using Clock = std::chrono::steady_clock;

int g_failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        ++g_failures;
        std::printf("FAILED: %s\n", what.c_str());
    }
}

struct RunResult {
    std::vector<std::string> ids; // complete lines only
    int status = 0;
};

// Starts the child, kills it after `delay`, returns what it reported.
RunResult run_child(const std::string& dir, std::chrono::milliseconds delay) {
    RunResult out;
    int fds[2];
    if (::pipe(fds) != 0) {
        check(false, "pipe");
        return out;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execl(CRASH_CHILD_PATH, "crash_child", dir.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    if (pid < 0) {
        ::close(fds[0]);
        check(false, "fork");
        return out;
    }

    std::string buf;
    char chunk[4096];
    const auto deadline = Clock::now() + delay;
    bool killed = false;
    for (;;) {
        if (!killed && Clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            killed = true;
        }
        int wait_ms = -1;
        if (!killed) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
        }
        pollfd p{fds[0], POLLIN, 0};
        int pr = ::poll(&p, 1, wait_ms);
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) continue; // deadline reached: kill on the next turn
        ssize_t n = ::read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; // EOF: the child is gone
        buf.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    ::waitpid(pid, &out.status, 0);

    std::size_t start = 0;
    for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1)
        out.ids.push_back(buf.substr(start, nl - start));
    return out;
}

struct Row {
    std::int64_t seq;
    std::string id;
};

std::vector<Row> read_rows(const std::string& db, std::string& integrity) {
    std::vector<Row> rows;
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        integrity = sqlite3_errmsg(raw);
        sqlite3_close_v2(raw);
        return rows;
    }
    sqlite3_stmt* s = nullptr;
    integrity.clear();
    if (sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK)
        while (sqlite3_step(s) == SQLITE_ROW)
            integrity += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(raw, "SELECT seq, id FROM responses ORDER BY seq", -1, &s, nullptr) ==
        SQLITE_OK)
        while (sqlite3_step(s) == SQLITE_ROW)
            rows.push_back({sqlite3_column_int64(s, 0),
                            reinterpret_cast<const char*>(sqlite3_column_text(s, 1))});
    sqlite3_finalize(s);
    sqlite3_close_v2(raw);
    return rows;
}

} // namespace

int main(int argc, char** argv) {
    int runs = 60;
    unsigned seed = std::random_device{}();
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--seed") == 0)
            seed = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
    }
    char tmpl[] = "/tmp/touchpoint-crash-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::string dir = tmpl;
    const std::string db = dir + "/responses.db";
    std::printf("store crash test: %d runs, seed %u\n", runs, seed);

    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay_ms(0, 300);
    std::vector<std::string> reported; // in the order the child made them
    const auto started = Clock::now();
    int killed_runs = 0;

    for (int run = 0; run < runs; ++run) {
        RunResult r = run_child(dir, std::chrono::milliseconds(delay_ms(rng)));
        if (WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL)
            ++killed_runs;
        else
            check(false, "run " + std::to_string(run) + ": child ended by itself (status " +
                             std::to_string(r.status) + ")");
        reported.insert(reported.end(), r.ids.begin(), r.ids.end());

        if (run % 10 == 9 || run == runs - 1) {
            std::string integrity;
            auto rows = read_rows(db, integrity);
            check(rows.empty() ? reported.empty() || integrity == "ok" : integrity == "ok",
                  "integrity_check after run " + std::to_string(run) + ": " + integrity);
        }
    }

    // --- Final checks ---
    std::string integrity;
    auto rows = read_rows(db, integrity);
    check(integrity == "ok", "PRAGMA integrity_check = " + integrity);

    std::unordered_map<std::string, std::int64_t> seq_of;
    std::set<std::int64_t> seqs;
    for (const auto& row : rows) {
        check(seq_of.emplace(row.id, row.seq).second, "id stored twice: " + row.id);
        check(seqs.insert(row.seq).second, "sequence used twice: " + std::to_string(row.seq));
    }
    std::set<std::string> reported_once;
    std::int64_t last_seq = 0;
    int missing = 0;
    for (const auto& id : reported) {
        check(reported_once.insert(id).second, "id reported twice: " + id);
        auto it = seq_of.find(id);
        if (it == seq_of.end()) {
            ++missing;
            check(false, "reported id missing from the database: " + id);
            continue;
        }
        check(it->second > last_seq, "sequence not rising at " + id);
        last_seq = it->second;
    }

    // The database itself opens the file without needing a repair.
    {
        auto database = touchpoint::LocalDatabase::open(db);
        check(database.ok(), "database opens after the crashes");
        if (database.ok()) {
            auto events = (*database)->events();
            int recovered = 0;
            if (events.ok())
                for (const auto& e : *events)
                    recovered += e.kind == "corruption_recovered";
            check(recovered == 0, "a repair was needed");
            (*database)->mark_clean_shutdown();
        }
    }
    for (const auto& e : std::filesystem::directory_iterator(dir))
        check(e.path().filename().string().find(".corrupt-") == std::string::npos,
              "a damaged file was moved aside: " + e.path().filename().string());

    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("runs %d (killed %d), ids reported %zu, rows stored %zu, missing %d, %.1f s\n",
                runs, killed_runs, reported.size(), rows.size(), missing, secs);

    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (g_failures) {
        std::printf("store crash test FAILED (%d problems)\n", g_failures);
        return 1;
    }
    std::printf("store crash test passed\n");
    return 0;
}
