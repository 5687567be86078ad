#pragma once
// Pieces both storage backends share: the response columns they read, the
// reasons column, the roll-up summing of summaries, the enrolment outcome and
// the schema version check. Backend-internal (not part of the Storage API).
#include "core/result.h"
#include "server/storage.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace touchpoint::server {

// The columns of `responses` a backend reads back into a Response, in order.
extern const char* const k_response_columns;

// Reads the reasons column (a JSON array of strings) into `out`.
void read_reasons_json(const std::string& text, std::vector<std::string>& out);

// Counts the reasons of responses, per touch point (for Storage::reason_counts).
class ReasonTally {
  public:
    // One response's reasons column (a JSON array of strings).
    void add(const std::string& touch_point, const std::string& reasons_json);
    // Touch points by key, each one's reasons most chosen first (ties by id).
    std::vector<ReasonCount> counts() const;

  private:
    std::map<std::string, std::map<std::string, std::int64_t>> m_counts;
    std::vector<std::string> m_scratch;
};

// Sums roll-up rows into one flat cell array (scale x score x misuse) per
// group. Rows arriving in key order look the group map up about once per
// group, not once per row.
class RollupCells {
  public:
    // Adds `n` for one roll-up row; rows with an unknown scale or a score
    // outside 0..10 are ignored.
    void add(std::string store_id, std::string touch_point, std::string local_day, int local_hour,
             const std::string& scale, std::int64_t score, bool misuse, std::int64_t n);
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

// The outcome of a successful enrolment of `device` at `touch_point`
// (store and touch point records already filled in `out`).
void fill_enrolled(EnrollOutcome& out, const NewDevice& device, const std::string& touch_point,
                   std::int64_t now_ms);

// Refuses a database whose schema is newer than this server knows.
Status check_schema_version(int have, int want);

} // namespace touchpoint::server
