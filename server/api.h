#pragma once
// The server's API v1 (docs/api.md), apart from HTTP: a request goes in, a
// status, headers and a JSON body come out. HttpServer (http_server.h) carries it
// over HTTP; tests and the fuzzer can call it directly.
//
// Thread-safety: handle() may be called from many threads at once.
#include "server/batch.h"
#include "server/rate_limiter.h"
#include "server/server_stats.h"
#include "server/export_format.h"
#include "server/storage.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace touchpoint::server {

struct ApiRequest {
    std::string method; // "GET", "POST", ...
    std::string path;   // without the query string
    std::map<std::string, std::string> query;
    std::string authorization;
    std::string content_type;
    std::string if_none_match;
    std::string remote_addr;
    std::string body;
};

// A body produced piece by piece (exports): each call appends the next piece
// to `out` and sets `done` after the last one. A failed Status cuts the
// stream short (the HTTP transfer then ends without its final chunk).
using BodyStream = std::function<Status(std::string& out, bool& done)>;

struct ApiResponse {
    int status = 200;
    std::string body; // JSON, or empty (304)
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    BodyStream stream; // when set, the body is streamed (chunked) instead of `body`
};

struct ApiOptions {
    BatchLimits limits;
    std::size_t max_body_bytes = 1024 * 1024;
    double rate_per_s = 10; // per device (or per client address before enrolment)
    double burst = 20;
    std::int64_t clock_suspect_ms = 10 * 60 * 1000; // device time this far ahead is suspect
    // Kiosks send a heartbeat this often; silent after 3 intervals of open time.
    std::int64_t heartbeat_interval_ms = 3 * 60 * 1000;
    std::size_t export_page_rows = 2000; // rows read from storage per export step
    // A cursor of GET /api/v1/responses is refused this long after the page
    // that gave it out.
    std::int64_t cursor_ttl_ms = 7LL * 24 * 60 * 60 * 1000;
    // Open HTTP connections now, for /metrics (unset: not reported).
    std::function<std::size_t()> open_connections;
    // Clocks, injectable for tests: wall time (ms since the epoch, UTC) and a
    // monotonic time for rate limiting. Defaults: the system clocks.
    std::function<std::int64_t()> now_ms;
    std::function<std::int64_t()> monotonic_ms;
};

class Api {
  public:
    // `storage` must outlive the Api.
    Api(Storage& storage, ApiOptions options);

    // Routes and answers one request. Never throws: an unexpected failure
    // answers 500 with the JSON error shape.
    ApiResponse handle(const ApiRequest& request) noexcept;

    const ApiOptions& options() const { return m_options; }
    ServerStats& stats() { return m_stats; }

  private:
    using Params = std::vector<std::string>; // the {name} segments of a route, in order
    ApiResponse route(const ApiRequest& request, std::string& route_name);
    ApiResponse healthz();
    ApiResponse metrics();
    ApiResponse enroll(const ApiRequest& request);
    ApiResponse batches(const ApiRequest& request);
    ApiResponse config(const ApiRequest& request);
    ApiResponse heartbeat(const ApiRequest& request);
    // --- Head office (api_head_office.cpp) ---
    ApiResponse devices(const ApiRequest& request);
    // GET /api/v1/stores: the stores this key may see, each with its touch
    // points in journey order (owner, survey, service standard, hours).
    ApiResponse stores(const ApiRequest& request);
    ApiResponse responses(const ApiRequest& request);
    ApiResponse response_by_id(const ApiRequest& request, const Params& params);
    ApiResponse erase_response(const ApiRequest& request, const Params& params);
    ApiResponse export_responses(const ApiRequest& request);
    ApiResponse summary(const ApiRequest& request);
    // --- Service standards (api_standards.cpp) ---
    // GET /api/v1/standards: per touch point, each day and the period against
    // the standard in force, and the consistency level.
    ApiResponse standards(const ApiRequest& request);
    // GET /api/v1/highlights: top reasons and newest comments per touch point.
    ApiResponse highlights(const ApiRequest& request);
    ApiResponse publish_survey(const ApiRequest& request, const std::string& store_id,
                               const std::string& touch_point);

    struct DeviceAuth;
    struct KeyAuth;
    DeviceAuth authenticate_device(const ApiRequest& request);
    KeyAuth authenticate_key(const ApiRequest& request);
    std::optional<ApiResponse> rate_limit(const std::string& key);
    // Authenticates an API key and applies its rate; the refusal otherwise.
    std::optional<ApiResponse> head_office_key(const ApiRequest& request, ApiKeyRecord& key);
    // Reads store / touch_point / from / to / include_misuse, scoped to what
    // the key may see; the refusal when they are wrong or not allowed.
    std::optional<ApiResponse> read_filter(const ApiRequest& request, const ApiKeyRecord& key,
                                           ResponseFilter& filter);
    // Every store's and touch point's name, for the names beside ids.
    Result<DisplayNames> display_names();
    // How many devices are silent now (for /metrics).
    Result<std::int64_t> silent_device_count();
    // The key that seals cursors: read from storage (created there the first
    // time) on first use, then kept. Thread-safe.
    using CursorKey = std::array<unsigned char, 32>;
    Result<CursorKey> cursor_key();

    Storage& m_storage;
    ApiOptions m_options;
    RateLimiter m_limiter;
    ServerStats m_stats;
    std::mutex m_cursor_key_mutex;
    std::atomic<bool> m_cursor_key_loaded{false};
    CursorKey m_cursor_key{}; // written once, before m_cursor_key_loaded is set
};

// The JSON error answer for an ApiError.
ApiResponse error_response(const ApiError& e);
// A JSON answer (text that is not UTF-8 is replaced, never refused).
ApiResponse json_response(int status, const nlohmann::json& body);
// 503 storage_unavailable with Retry-After.
ApiResponse storage_failure(const std::string& what);
// The same for a failed write: 503 storage_full when `failure` (the storage's
// last_write_failure) says the disk is full, storage_unavailable otherwise.
ApiResponse storage_failure(const std::string& what, const std::optional<StorageFailure>& failure);
// 401 with WWW-Authenticate.
ApiResponse unauthorized(const std::string& code, const std::string& message);

} // namespace touchpoint::server
