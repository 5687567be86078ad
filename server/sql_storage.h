#pragma once
// The Storage interface written once, in SQL both backends take: every
// query, the ingest of a batch (ingest_plan.h), the roll-ups (rollup.h),
// erasure, pruning and the settings' history. A backend supplies what only
// it can: a connection for a call (SqlSession), its transactions, and the
// few places where its dialect does better than one statement per row
// (PostgreSQL's unnest). Backend-internal (not part of the Storage API).
//
// Thread-safety: as Storage; a backend's hooks are called from any thread.
#include "server/ingest_plan.h"
#include "server/rollup.h"
#include "server/storage.h"
#include "server/storage_rows.h"
#include "server/storage_schema.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::server {

// What one statement did.
struct SqlResult {
    // The constraint a failed write broke.
    enum class Violation { none, unique, foreign_key };

    bool ok = true;
    std::string error; // the database's message, when not ok
    Violation violation = Violation::none;
    std::int64_t changes = 0; // rows an INSERT, UPDATE or DELETE changed

    // Success, or "what: error".
    Status status(const std::string& what) const {
        return ok ? Status::success() : Status::failure(what + ": " + error);
    }
};

using SqlRowHandler = std::function<void(const SqlRow&)>;

// One connection of a backend's, lent for one call or one transaction.
// Statements number their parameters ?1, ?2, … (storage_rows.h).
class SqlSession {
  public:
    // Runs one statement with `params` bound in order, handing every row it
    // answers (if any) to `row`.
    virtual SqlResult run(const std::string& sql, const SqlParams& params = {},
                          const SqlRowHandler& row = {}) = 0;
    // The same for a long read, its rows handed over as they arrive.
    virtual SqlResult stream(const std::string& sql, const SqlParams& params,
                             const SqlRowHandler& row) {
        return run(sql, params, row);
    }

  protected:
    ~SqlSession() = default;
};

using SqlWork = std::function<Status(SqlSession&)>;

class SqlStorage : public Storage {
  public:
    std::optional<StorageFailure> last_write_failure() override;

    Status create_store(const StoreRecord& s, std::int64_t now_ms) override;
    Result<StoreRecord> store(const std::string& id) override;
    Result<std::vector<StoreRecord>> list_stores() override;
    Status create_touch_point(const TouchPointRecord& t) override;
    Result<TouchPointRecord> touch_point(const std::string& key) override;
    Status update_touch_point(const TouchPointRecord& t) override;
    Status create_enrollment_code(const std::string& code_hash, const std::string& touch_point,
                                  std::int64_t now_ms, std::int64_t expires_utc_ms) override;
    Status create_api_key(const ApiKeyRecord& k, const std::string& key_hash) override;
    Status revoke_device(const std::string& id, std::int64_t now_ms) override;
    Status revoke_api_key(const std::string& id, std::int64_t now_ms) override;
    Result<std::vector<DeviceRecord>> list_devices(const std::string& store_id) override;
    Result<std::vector<TouchPointRecord>> list_touch_points(const std::string& store_id) override;
    Result<std::vector<TouchPointRecord>>
    edit_touch_points(const std::string& store_id, const std::string& key,
                      const std::function<Status(TouchPointRecord&)>& edit) override;
    Result<std::vector<ApiKeyRecord>> list_api_keys() override;
    Result<std::vector<TouchPointChange>> touch_point_history(const std::string& store_id) override;

    Result<EnrollOutcome> enroll(const std::string& code_hash, const NewDevice& device,
                                 std::int64_t now_ms) override;
    Result<std::optional<DeviceRecord>>
    device_by_token_hash(const std::string& token_hash) override;
    Result<std::optional<ApiKeyRecord>> api_key_by_hash(const std::string& key_hash) override;

    Result<std::optional<StoredResponse>> response(const std::string& id) override;
    Result<std::int64_t> response_count() override;
    Result<std::int64_t> last_seq() override;
    Result<std::vector<StoredResponse>> list_responses(const ResponseFilter& filter,
                                                       std::size_t limit) override;
    Result<std::vector<RollupCount>> rollup(const ResponseFilter& filter,
                                            const SummaryGrouping& grouping) override;
    Result<std::vector<DayScores>> day_scores(const std::string& store_id,
                                              const std::string& touch_point, Scale scale,
                                              const std::string& from_day,
                                              const std::string& to_day) override;
    Result<std::vector<ReasonCount>> reason_counts(const ResponseFilter& filter) override;
    Result<std::vector<StoredResponse>> recent_comments(const ResponseFilter& filter,
                                                        std::size_t per_touch_point) override;

    Result<EraseStatus> erase_response(const std::string& id, std::int64_t now_ms) override;
    Result<std::int64_t> prune_responses(std::int64_t cutoff_utc_ms) override;

    Result<std::string> server_secret(const std::string& name, const std::string& candidate,
                                      std::int64_t now_ms) override;

  protected:
    explicit SqlStorage(Dialect dialect) : m_dialect(dialect) {}

    // --- What a backend provides ---

    // Runs `work` on one connection, outside any transaction: each statement
    // commits on its own.
    virtual Status on_connection(const SqlWork& work) = 0;
    // Runs `work` in a write transaction of its own, committed when `work`
    // succeeds and rolled back when it fails; `what` names it in the errors
    // of BEGIN and COMMIT ("cannot start the erasure: …").
    virtual Status in_transaction(const std::string& what, const SqlWork& work) = 0;

    // A list of texts as one parameter ?n: the value, and the SQL that reads
    // it back as the right side of a membership test ("IN (…)", "= ANY (…)").
    struct TextList {
        std::string sql;
        SqlValue value;
    };
    virtual TextList text_list(const std::vector<std::string>& items, std::size_t n) const = 0;

    // Inserts the plan's new responses with their sequence numbers: one
    // statement each unless the backend has better.
    virtual Status insert_responses(SqlSession& db, const DeviceRecord& device,
                                    const IngestPlan& plan, std::int64_t now_ms);
    // Adds the delta's counts to both roll-ups: one upsert per cell unless
    // the backend has better. Cells are written hourly ones first, each
    // table's in key order, so concurrent writers do not deadlock on them.
    virtual Status add_to_rollup(SqlSession& db, const RollupDelta& delta);

    // --- Written once, run inside a backend's own envelope ---

    // One batch (Storage::ingest_batch), inside the caller's transaction.
    Result<BatchOutcome> ingest_in(SqlSession& db, const DeviceRecord& device,
                                   const std::vector<IncomingResponse>& responses,
                                   const std::string& health_json, std::int64_t now_ms);
    // One heartbeat (Storage::record_heartbeat).
    Status heartbeat_in(SqlSession& db, const std::string& device_id,
                        const std::string& health_json, std::int64_t now_ms);

    // A write that changes nothing, for check(): when it commits, writes work.
    static const char* const k_idle_write_sql;

    Dialect dialect() const { return m_dialect; }
    // Writes that failed because of the storage, until one commits.
    WriteFailureRecord& write_failures() { return m_write_failures; }
    // Keeps a write's failure that blames the storage: a full disk, or
    // anything else that keeps writes from the database.
    void note_failed_write(bool disk_full, const std::string& error);

  private:
    // The rows of one query, each read by `read`, or the error "what: …".
    template <class T, class Read>
    Result<std::vector<T>> rows_of(const std::string& what, const std::string& sql,
                                   const SqlParams& params, Read read);
    // The first row of one query, or none.
    template <class T, class Read>
    Result<std::optional<T>> row_of(const std::string& what, const std::string& sql,
                                    const SqlParams& params, Read read);

    Status record_settings(SqlSession& db, const TouchPointRecord& t);
    // Sets revoked_utc_ms of the row `id` of `table` unless set already.
    Status revoke(const std::string& table, const std::string& noun, const std::string& id,
                  std::int64_t now_ms);
    Status take_from_rollup(SqlSession& db, const RollupDelta& delta);
    // Appended to a SELECT of rows the transaction is about to change.
    const char* lock_rows() const;

    const Dialect m_dialect;
    WriteFailureRecord m_write_failures;
};

} // namespace touchpoint::server
