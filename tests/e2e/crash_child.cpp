// Crash-test child: opens a database in the given folder and records taps in a
// loop until it is killed. Each id is printed (one line, written straight to
// the pipe) only after insert_open returned OK, so every printed id must be
// in the database afterwards, whatever moment the kill came.
//
//   crash_child <data-dir> [--max N]
#include "app/local_database.h"
#include "core/uuid.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace touchpoint;

namespace {

bool write_line(const std::string& s) {
    std::string line = s + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
        if (n < 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: crash_child <data-dir> [--max N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    long max = -1;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--max") == 0) max = std::atol(argv[i + 1]);

    auto opened = LocalDatabase::open(dir + "/responses.db");
    if (!opened) {
        std::fprintf(stderr, "crash_child: %s\n", opened.error().c_str());
        return 1;
    }
    auto& database = *opened.value();
    if (auto closed = database.close_all_open(); !closed) {
        std::fprintf(stderr, "crash_child: %s\n", closed.error().c_str());
        return 1;
    }

    for (long n = 0; max < 0 || n < max; ++n) {
        Response r;
        r.id = make_uuid();
        r.device_id = "00000000-0000-4000-8000-000000000001";
        r.touch_point = "crash-test";
        r.survey_id = "visit";
        r.survey_version = 1;
        r.question_id = "overall";
        r.scale = Scale::smiley5;
        r.score = 1 + static_cast<int>(n % 5);
        r.language = "en";
        r.utc_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        r.local_time = "2026-03-29T10:00:00+13:00";
        r.local_day = "2026-03-29";
        r.local_hour = 10;
        Status st = database.insert_open(r);
        if (!st) {
            std::fprintf(stderr, "crash_child: %s\n", st.error().c_str());
            return 1;
        }
        if (!write_line(r.id)) return 1;
        if (n % 3 == 0 && !database.amend(r.id, {"wait"}, "comment " + std::to_string(n))) return 1;
        if (!database.close(r.id)) return 1;
    }
    database.mark_clean_shutdown();
    return 0;
}
