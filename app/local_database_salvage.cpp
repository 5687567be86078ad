#include "app/local_database_salvage.h"

#include "app/local_database_schema.h"

#include <cstdlib>
#include <limits>

namespace touchpoint::local_db {

// Copies every readable response (and event) from a damaged file into `dst`.
// Walks the table by rowid (= sequence) ranges: when a page cannot be read,
// it probes further ahead (doubling) for the next readable row and then
// narrows back (bisection), so one bad page only loses the rows on it.
std::int64_t salvage(const std::string& damaged, sqlite::Connection& dst) {
    sqlite::Connection::Options read_only;
    read_only.read_only = true;
    Result<sqlite::Connection> src = sqlite::Connection::open(damaged, read_only);
    if (!src) return 0;
    // Best effort: without it a bad cell is found later, by the reads.
    (void)src->exec("PRAGMA cell_size_check = ON");

    Result<sqlite::Statement> read = src->prepare(std::string("SELECT ") + kColumns +
                                                  " FROM responses WHERE seq >= ?1 ORDER BY seq");
    if (!read) return 0;
    Result<sqlite::Statement> ins = dst.prepare(insert_sql());
    if (!ins) return 0;

    std::int64_t salvaged = 0;
    std::int64_t max_seq = 0;
    sqlite::Transaction t(dst);
    if (!t.begin(sqlite::Transaction::Mode::immediate)) return 0;

    auto probe = [&](std::int64_t from) {
        sqlite::ResetOnExit reset(*read);
        return read->bind(1, from).step().ok();
    };

    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    for (;;) {
        bool finished = false;
        {
            sqlite::ResetOnExit reset(*read);
            read->bind(1, from);
            for (;;) {
                Result<bool> row = read->step();
                if (!row) break; // a page that cannot be read
                if (!*row) {
                    finished = true;
                    break;
                }
                std::int64_t seq = read->int64(0);
                {
                    sqlite::ResetOnExit reset_ins(*ins);
                    for (int c = 0; c < kColumnCount; ++c)
                        ins->bind_column(c + 1, *read, c);
                    if (ins->run()) {
                        ++salvaged;
                        if (seq > max_seq) max_seq = seq;
                    }
                }
                if (seq == kMax) {
                    finished = true;
                    break;
                }
                from = seq + 1;
            }
        }
        if (finished) break;

        // `from` cannot be read: find the next start that can.
        std::int64_t step = 1;
        std::int64_t hi = from;
        bool found = false;
        for (;;) {
            hi = (kMax - from < step) ? kMax : from + step;
            if (probe(hi)) {
                found = true;
                break;
            }
            if (hi == kMax) break;
            step = step > kMax / 2 ? kMax : step * 2;
        }
        if (!found) break;
        std::int64_t lo = from;
        while (hi - lo > 1) {
            std::int64_t mid = lo + (hi - lo) / 2;
            if (probe(mid))
                hi = mid;
            else
                lo = mid;
        }
        from = hi;
    }

    // Events, best effort, in their own order.
    {
        Result<sqlite::Statement> ev = src->prepare(
            "SELECT utc_ms, kind, message, acknowledged FROM store_events ORDER BY id");
        Result<sqlite::Statement> ev_ins =
            dst.prepare("INSERT INTO store_events (utc_ms, kind, message, acknowledged) VALUES "
                        "(?1, ?2, ?3, ?4)");
        if (ev && ev_ins) {
            for (Result<bool> row = ev->step(); row && *row; row = ev->step()) {
                sqlite::ResetOnExit reset(*ev_ins);
                for (int c = 0; c < 4; ++c)
                    ev_ins->bind_column(c + 1, *ev, c);
                (void)ev_ins->run(); // an event that cannot be copied is left behind
            }
        }
    }
    // Keep the sequence moving forward past anything the damaged file had.
    if (Result<std::string> floor =
            src->query_text("SELECT value FROM meta WHERE key = 'last_sequence'");
        floor && !floor->empty()) {
        std::int64_t f = std::strtoll(floor->c_str(), nullptr, 10);
        if (f > max_seq)
            // Best effort, as the events: the rows themselves are what matter.
            (void)dst.exec("INSERT INTO meta (key, value) VALUES ('last_sequence', '" +
                           std::to_string(f) +
                           "') ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    }
    if (!t.commit()) return 0; // (rolled back as `t` ends)
    return salvaged;
}

} // namespace touchpoint::local_db
