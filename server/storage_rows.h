#pragma once
// Rows as both storage backends read and write them: query parameters
// (SqlValue), a row of a result read by column (SqlRow, which each backend
// adapts its own result to), the records read from rows, the filter's WHERE
// clause, the reasons column, the enrolment outcome and the schema version
// check. Written once; backend-internal (not part of the Storage API).
//
// SQL here numbers its parameters ?1, ?2, … (SQLite's own syntax; the
// PostgreSQL backend sends them as $1, $2, …).
#include "core/result.h"
#include "server/storage.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace touchpoint::server {

// A query parameter: NULL, an integer (flags are 0/1) or a text.
class SqlValue {
  public:
    enum class Type { null, integer, text };
    SqlValue(std::nullptr_t) {}
    SqlValue(std::int64_t v) : m_type(Type::integer), m_integer(v) {}
    SqlValue(int v) : SqlValue(static_cast<std::int64_t>(v)) {}
    SqlValue(bool v) : SqlValue(static_cast<std::int64_t>(v ? 1 : 0)) {}
    SqlValue(std::string v) : m_type(Type::text), m_text(std::move(v)) {}
    SqlValue(const char* v) : SqlValue(std::string(v)) {}
    SqlValue(const std::optional<std::int64_t>& v) {
        if (v) *this = SqlValue(*v);
    }
    // An empty text stored as NULL (an optional column: survey, health, store).
    static SqlValue text_or_null(const std::string& v) {
        return v.empty() ? SqlValue(nullptr) : SqlValue(v);
    }

    Type type() const { return m_type; }
    std::int64_t integer() const { return m_integer; }
    const std::string& text() const { return m_text; }

  private:
    Type m_type = Type::null;
    std::int64_t m_integer = 0;
    std::string m_text;
};
using SqlParams = std::vector<SqlValue>;

// One row of a result, read by column (0-based). A NULL reads as "" or 0.
class SqlRow {
  public:
    virtual std::string text(int col) const = 0;
    virtual std::int64_t int64(int col) const = 0;
    virtual bool is_null(int col) const = 0;
    std::optional<std::int64_t> opt_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }

  protected:
    ~SqlRow() = default;
};

// --- Records and their columns ---

// The columns each reader below reads, in order.
extern const char* const k_response_columns;
extern const char* const k_device_columns;
extern const char* const k_api_key_columns;
extern const char* const k_touch_point_columns;

StoredResponse read_response(const SqlRow& row);
DeviceRecord read_device(const SqlRow& row);
ApiKeyRecord read_api_key(const SqlRow& row);
TouchPointRecord read_touch_point(const SqlRow& row);

// The role as the api_keys table spells it ("head-office", "store").
const char* role_name(ApiKeyRole role);

// The WHERE clause (" WHERE …", or "" when nothing is filtered) of a filter
// over `responses` or a roll-up; its parameters are appended to `params` and
// numbered on from those already there. The seq bounds and the misuse flag
// only when asked for (a roll-up has no seq; misuse is one of its columns).
std::string where_of(const ResponseFilter& filter, bool with_seq, bool with_misuse,
                     SqlParams& params);

// The parameter placeholder ?n.
std::string placeholder(std::size_t n);

// --- Reasons ---

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

// The outcome of a successful enrolment of `device` at `touch_point`
// (store and touch point records already filled in `out`).
void fill_enrolled(EnrollOutcome& out, const NewDevice& device, const std::string& touch_point,
                   std::int64_t now_ms);

// Refuses a database whose schema is newer than this server knows.
Status check_schema_version(int have, int want);

} // namespace touchpoint::server
