#pragma once
// The server's API v1 (docs/api.md), apart from HTTP: a request goes in, a
// status, headers and a JSON body come out. HttpServer adapts cpp-httplib to
// it; tests and the fuzzer can call it directly.
//
// Thread-safety: handle() may be called from many threads at once.
#include "server/batch.h"
#include "server/rate_limiter.h"
#include "server/storage.h"

#include <cstdint>
#include <functional>
#include <map>
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

struct ApiResponse {
    int status = 200;
    std::string body; // JSON, or empty (304)
    std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiOptions {
    BatchLimits limits;
    std::size_t max_body_bytes = 1024 * 1024;
    double rate_per_s = 10; // per device (or per client address before enrolment)
    double burst = 20;
    std::int64_t clock_suspect_ms = 10 * 60 * 1000; // device time this far ahead is suspect
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

  private:
    ApiResponse route(const ApiRequest& request);
    ApiResponse healthz();
    ApiResponse enroll(const ApiRequest& request);
    ApiResponse batches(const ApiRequest& request);
    ApiResponse config(const ApiRequest& request);
    ApiResponse heartbeat(const ApiRequest& request);
    ApiResponse devices(const ApiRequest& request);

    struct DeviceAuth;
    struct KeyAuth;
    DeviceAuth authenticate_device(const ApiRequest& request);
    KeyAuth authenticate_key(const ApiRequest& request);
    std::optional<ApiResponse> rate_limit(const std::string& key);

    Storage& m_storage;
    ApiOptions m_options;
    RateLimiter m_limiter;
};

// The JSON error answer for an ApiError.
ApiResponse error_response(const ApiError& e);

} // namespace touchpoint::server
