#pragma once
// The server's roll-ups, computed one way for both storage backends: the
// hourly table (response_rollup) and the daily one (response_rollup_daily)
// count responses per (store, touch point, local day[, local hour], scale,
// score, misuse flag). RollupDelta is what a set of responses adds to or
// takes from their cells, summed in C++ and written by the backend in its
// dialect; RollupCells sums cells read back into one summary's groups.
// Backend-internal (not part of the Storage API).
#include "server/storage.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace touchpoint::server {

// One cell's key: (store, touch point, local day, local hour, scale, score,
// misuse 0/1); the hour is -1 in the daily roll-up. Ordered byte-wise, so
// every writer touches cells in one global order.
using RollupKey = std::tuple<std::string, std::string, std::string, int, std::string, int, int>;

class RollupDelta {
  public:
    // One response (n = 1), or n alike, in the cell of these columns.
    void add(const std::string& store_id, const std::string& touch_point,
             const std::string& local_day, int local_hour, const std::string& scale, int score,
             bool misuse, std::int64_t n = 1);
    bool empty() const { return m_hourly.empty(); }
    // The counts per cell of the hourly roll-up, and of the daily one (the
    // same summed over the hours; hour -1), in key order.
    const std::map<RollupKey, std::int64_t>& hourly() const { return m_hourly; }
    const std::map<RollupKey, std::int64_t>& daily() const { return m_daily; }

  private:
    std::map<RollupKey, std::int64_t> m_hourly;
    std::map<RollupKey, std::int64_t> m_daily;
};

// The two roll-up tables: name and key columns in order (the hour only in
// the hourly one).
struct RollupTable {
    const char* name;
    bool hourly;
    const char* key_columns;
};
extern const RollupTable k_hourly_rollup;
extern const RollupTable k_daily_rollup;

// Sums roll-up rows into one flat cell array (scale x score x misuse) per
// group. Rows arriving in key order look the group map up about once per
// group, not once per row.
class RollupCells {
  public:
    // Adds `n` for one roll-up row; rows with an unknown scale or a score
    // outside 0..10 are ignored.
    void add(std::string store_id, std::string touch_point, std::string local_day, int local_hour,
             const std::string& scale, std::int64_t score, bool misuse, std::int64_t n);
    // Sorted by (store, touch point, day, hour, scale, score, misuse).
    std::vector<RollupCount> counts() const;

  private:
    static constexpr int k_scales = static_cast<int>(Scale::thumbs) + 1;
    static constexpr int k_scores = 11;
    using GroupKey = std::tuple<std::string, std::string, std::string, int>;
    using Cells = std::array<std::int64_t, k_scales * k_scores * 2>;
    std::map<GroupKey, Cells> m_groups;
    GroupKey m_last_key{std::string(), std::string(), std::string(), -1};
    Cells* m_last = nullptr;
    std::string m_last_scale_text;
    int m_last_scale = -1;
};

} // namespace touchpoint::server
