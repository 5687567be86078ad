#pragma once
// LocalDatabase: the kiosk's local SQLite database (SPEC "Local storage").
//
// One SQLite file in the data directory; WAL, synchronous=FULL, busy timeout,
// migrations by user_version, quick_check after an unclean shutdown, corrupt
// files moved aside (never deleted) with every readable row salvaged into a
// fresh file. A full disk is an error state (health().state), never a crash.
//
// Thread-safety: one LocalDatabase per thread (each owns its connection);
// several may open the same file (the UI thread and the sync thread).
#include "app/database_health.h"
#include "app/response_writer.h"
#include "core/metrics.h"
#include "core/response.h"
#include "core/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace touchpoint {

struct DatabaseOptions {
    // Test hook: caps the file at this many pages (PRAGMA max_page_count) so a
    // "full disk" can be produced on demand. 0 = no cap.
    std::int64_t max_page_count = 0;
    // Test hook: PRAGMA synchronous = OFF instead of FULL, so commits are not
    // flushed and a power cut loses them; the power-loss test uses it to show
    // that it notices lost taps. Never set outside tests.
    bool unsafe_synchronous_off = false;
};

struct DatabaseEvent {
    std::int64_t id = 0;
    std::int64_t utc_ms = 0;
    std::string kind;    // "corruption_recovered", "disk_full", "unclean_shutdown", ...
    std::string message; // plain words for staff
    bool acknowledged = false;
};

struct HourCount {
    int hour = 0;
    std::int64_t count = 0; // counted (non-misuse) responses
};

struct ReasonCount {
    std::string reason;
    std::int64_t count = 0;
};

struct Comment {
    std::string local_time;
    int score = 0;
    std::string comment;
};

struct TapRecord {
    std::int64_t utc_ms = 0;
    int score = 0;
    bool misuse = false;
};

// The schema version (PRAGMA user_version) this kiosk's migrations bring a
// database to; a file with a higher one was written by a newer kiosk.
int local_database_schema_version();

class LocalDatabase : public ResponseWriter {
  public:
    // Opens or creates the database at `path` (":memory:" allowed). Runs
    // migrations; after an unclean shutdown runs quick_check; a corrupt file
    // is renamed to "<path>.corrupt-<utc stamp>" and salvaged into a new one,
    // and a "corruption_recovered" event is recorded.
    static Result<std::unique_ptr<LocalDatabase>> open(const std::string& path,
                                                       DatabaseOptions opts = {});
    ~LocalDatabase() override;
    LocalDatabase(const LocalDatabase&) = delete;
    LocalDatabase& operator=(const LocalDatabase&) = delete;

    // --- ResponseWriter ---
    Status insert_open(Response& r) override;
    Status amend(const std::string& id, const std::vector<std::string>& reasons,
                 const std::string& comment) override;
    Status close(const std::string& id) override;

    // Closes every open response (at start-up and shut-down). Returns how many.
    Result<std::int64_t> close_all_open();
    // Deletes synced responses whose tap is older than `retention_days` before
    // now_utc_ms. Never deletes pending, open or rejected rows. Returns count.
    Result<std::int64_t> prune_synced(int retention_days, std::int64_t now_utc_ms);

    // --- Reading ---
    // Every response in sequence order, streamed to `fn` (return false to stop).
    Status for_each(const std::function<bool(const Response&)>& fn) const;
    Result<Response> get(const std::string& id) const;
    Result<std::int64_t> count() const;

    // --- Dashboard queries (fast at 1,000,000 rows) ---
    // Counts per score for local days [from_day, to_day] (inclusive, "YYYY-MM-DD").
    Result<ScoreCounts> score_counts(Scale scale, const std::string& from_day,
                                     const std::string& to_day) const;
    // Per-day counts for the range, one entry per day that has responses.
    Result<std::vector<DayCounts>> daily_counts(Scale scale, const std::string& from_day,
                                                const std::string& to_day) const;
    Result<std::vector<HourCount>> hourly_counts(const std::string& day) const;
    Result<std::vector<ReasonCount>> top_reasons(const std::string& from_day,
                                                 const std::string& to_day, int limit) const;
    Result<std::vector<Comment>> recent_comments(int limit) const;
    // Counts per score for each local hour of `day`: always 24 entries, index = hour.
    Result<std::vector<ScoreCounts>> hourly_score_counts(Scale scale, const std::string& day) const;
    // Rating taps (time, score, misuse flag) whose tap time is at or after
    // `utc_ms`, oldest first. Reads back from the newest row and stops at the
    // first older one, so it costs what it returns.
    Result<std::vector<TapRecord>> taps_since(std::int64_t utc_ms) const;

    // --- Sync side ---
    // Up to `limit` closed, pending responses in sequence order.
    Result<std::vector<Response>> pending_batch(int limit) const;
    Status mark_synced(const std::vector<std::string>& ids);
    // The same by sequence number (the row's key: no id index to search),
    // for the sync client, which has the rows it sent.
    Status mark_synced(const std::vector<std::int64_t>& sequences);
    Status mark_rejected(const std::string& id, const std::string& reason);

    // --- Health and events ---
    DatabaseHealth health() const;
    Result<std::vector<DatabaseEvent>> events() const;
    Status record_event(const std::string& kind, const std::string& message);
    // The same, stamped with a given UTC instant (e.g. the tap that raised an alert).
    Status record_event(const std::string& kind, const std::string& message, std::int64_t utc_ms);
    Status acknowledge_event(std::int64_t id);

    // Marks a clean shutdown (the next open skips quick_check).
    void mark_clean_shutdown();

    const std::string& path() const { return m_path; }

    // Diagnostics: the value of a PRAGMA on this connection, e.g.
    // pragma_value("journal_mode") == "wal". Only plain pragma names.
    Result<std::string> pragma_value(const std::string& name) const;

  private:
    LocalDatabase() = default;
    std::string m_path;
    // The connection, its kept statements, the open-lock, the sequence cache
    // and the health state (app/local_database_impl.h).
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace touchpoint
