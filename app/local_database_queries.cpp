// Reading back: the responses themselves, and the staff dashboard's queries
// on the roll-up tables the triggers keep (fast at 1,000,000 rows).
#include "app/local_database_impl.h"
#include "app/local_database_schema.h"

#include <algorithm>
#include <limits>

namespace touchpoint {

using namespace local_db;

namespace {

// One roll-up row's count, of a score and misuse flag, added into `c`; a
// score the scale cannot hold is left out.
void add_count(ScoreCounts& c, std::int64_t score, std::int64_t misuse, std::int64_t n) {
    if (score < 0 || score > std::numeric_limits<int>::max()) return;
    c.add(static_cast<int>(score), misuse != 0, n);
}

// Counts per score for each local hour: always 24 entries, index = hour.
std::vector<ScoreCounts> hours_of(Scale scale) {
    std::vector<ScoreCounts> hours(24);
    for (auto& h : hours)
        h.scale = scale;
    return hours;
}

} // namespace

// --- Responses ---

Status LocalDatabase::for_each(const std::function<bool(const Response&)>& fn) const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Status::failure("The database is not open.");
    // Not kept: the callback may call back into the database.
    Result<sqlite::Statement> s =
        impl.db.prepare(std::string("SELECT ") + kColumns + " FROM responses ORDER BY seq");
    if (!s)
        return Status::failure(
            impl.read_failure(impl.db.error_kind(), "reading responses", s.error()));
    Response r;
    for (;;) {
        Result<bool> row = s->step();
        if (!row)
            return Status::failure(
                impl.read_failure(s->error_kind(), "reading responses", row.error()));
        if (!*row) return Status::success();
        read_response(*s, r);
        if (!fn(r)) return Status::success();
    }
}

Result<Response> LocalDatabase::get(const std::string& id) const {
    auto found = m_impl->collect(
        std::optional<Response>(),
        std::string("SELECT ") + kColumns + " FROM responses WHERE id = ?1", "reading a response",
        [](std::optional<Response>& out, const sqlite::Statement& q) {
            read_response(q, out.emplace());
        },
        id);
    if (!found) return Error{found.error()};
    if (!*found) return Error{"There is no response with id " + id + "."};
    return std::move(**found);
}

Result<std::int64_t> LocalDatabase::count() const {
    Impl& impl = *m_impl;
    if (!impl.db.is_open()) return Error{"The database is not open."};
    return impl.number("SELECT count(*) FROM responses", "counting responses");
}

// --- Roll-ups, comments and recent taps for the staff dashboard ---

Result<ScoreCounts> LocalDatabase::score_counts(Scale scale, const std::string& from_day,
                                                const std::string& to_day) const {
    ScoreCounts none;
    none.scale = scale;
    return m_impl->collect(
        none,
        "SELECT score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY score, misuse",
        "counting scores",
        [](ScoreCounts& c, const sqlite::Statement& u) {
            add_count(c, u.int64(0), u.int64(1), u.int64(2));
        },
        from_day, to_day, to_string(scale));
}

Result<std::vector<DayCounts>> LocalDatabase::daily_counts(Scale scale, const std::string& from_day,
                                                           const std::string& to_day) const {
    return m_impl->collect(
        std::vector<DayCounts>(),
        "SELECT local_day, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day BETWEEN ?1 AND ?2 AND scale = ?3 "
        "GROUP BY local_day, score, misuse ORDER BY local_day",
        "counting days",
        [scale](std::vector<DayCounts>& days, const sqlite::Statement& u) {
            std::string day = u.text(0);
            if (days.empty() || days.back().day != day) {
                DayCounts d;
                d.day = std::move(day);
                d.counts.scale = scale;
                days.push_back(std::move(d)); // `open` is not known to the database
            }
            add_count(days.back().counts, u.int64(1), u.int64(2), u.int64(3));
        },
        from_day, to_day, to_string(scale));
}

Result<std::vector<HourCount>> LocalDatabase::hourly_counts(const std::string& day) const {
    // Always 24 entries (hour 0..23) so a chart has a fixed axis.
    std::vector<HourCount> hours(24);
    for (int h = 0; h < 24; ++h)
        hours[static_cast<std::size_t>(h)].hour = h;
    return m_impl->collect(
        std::move(hours),
        "SELECT local_hour, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND misuse = 0 GROUP BY local_hour",
        "counting hours",
        [](std::vector<HourCount>& out, const sqlite::Statement& u) {
            std::int64_t h = u.int64(0);
            if (h >= 0 && h < 24) out[static_cast<std::size_t>(h)].count = u.int64(1);
        },
        day);
}

Result<std::vector<ReasonCount>> LocalDatabase::top_reasons(const std::string& from_day,
                                                            const std::string& to_day,
                                                            int limit) const {
    // Counted (not misuse-flagged) responses, like hourly_counts.
    return m_impl->collect(
        std::vector<ReasonCount>(),
        "SELECT reason, sum(n) AS c FROM day_reasons "
        "WHERE local_day BETWEEN ?1 AND ?2 AND misuse = 0 "
        "GROUP BY reason ORDER BY c DESC, reason LIMIT ?3",
        "counting reasons",
        [](std::vector<ReasonCount>& out, const sqlite::Statement& u) {
            out.push_back({u.text(0), u.int64(1)});
        },
        from_day, to_day, limit);
}

Result<std::vector<Comment>> LocalDatabase::recent_comments(int limit) const {
    return m_impl->collect(
        std::vector<Comment>(),
        "SELECT local_time, score, comment FROM responses "
        "WHERE comment <> '' ORDER BY seq DESC LIMIT ?1",
        "reading comments",
        [](std::vector<Comment>& out, const sqlite::Statement& u) {
            out.push_back({u.text(0), static_cast<int>(u.int64(1)), u.text(2)});
        },
        limit);
}

Result<std::vector<ScoreCounts>> LocalDatabase::hourly_score_counts(Scale scale,
                                                                    const std::string& day) const {
    return m_impl->collect(
        hours_of(scale),
        "SELECT local_hour, score, misuse, sum(n) FROM hour_scores "
        "WHERE local_day = ?1 AND scale = ?2 "
        "GROUP BY local_hour, score, misuse",
        "counting hours",
        [](std::vector<ScoreCounts>& hours, const sqlite::Statement& u) {
            std::int64_t hour = u.int64(0);
            if (hour < 0 || hour >= 24) return;
            add_count(hours[static_cast<std::size_t>(hour)], u.int64(1), u.int64(2), u.int64(3));
        },
        day, to_string(scale));
}

Result<std::vector<TapRecord>> LocalDatabase::taps_since(std::int64_t utc_ms) const {
    // Newest first along the primary key, stopping at the first older tap;
    // the caller's window is short.
    auto taps = m_impl->collect(
        std::vector<TapRecord>(), "SELECT utc_ms, score, misuse FROM responses ORDER BY seq DESC",
        "reading recent taps", [utc_ms](std::vector<TapRecord>& out, const sqlite::Statement& u) {
            TapRecord t;
            t.utc_ms = u.int64(0);
            if (t.utc_ms < utc_ms) return false;
            t.score = static_cast<int>(u.int64(1));
            t.misuse = u.int64(2) != 0;
            out.push_back(t);
            return true;
        });
    if (taps) std::reverse(taps->begin(), taps->end());
    return taps;
}

} // namespace touchpoint
