#pragma once
// HTTP for the sync thread: one libcurl easy handle, reused so the connection
// stays alive. TLS is verified (CA bundle configurable, optional public-key
// pin); plain http:// is refused unless the server is on a loopback address.
//
// Not thread-safe: one HttpClient per thread. libcurl is loaded on first use
// (sync/curl_library.h); when it cannot be, create() and check_server_url()
// say why.
#include "core/result.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace touchpoint::sync {

struct HttpOptions {
    std::string base_url;      // "https://hq.example:8443" or "http://127.0.0.1:8080"
    std::string ca_file;       // PEM bundle; "" = the system's
    std::string pinned_key;    // "sha256//<base64>" (curl's CURLOPT_PINNEDPUBLICKEY); "" = none
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{30000};
    long low_speed_bytes_per_s = 100; // abort when slower than this ...
    std::chrono::seconds low_speed_time{10}; // ... for this long
    // When set and true, a transfer in progress is abandoned at once (shutdown).
    const std::atomic<bool>* abort_flag = nullptr;
};

struct HttpResponse {
    long status = 0;            // 0 = no HTTP answer (network error)
    std::string body;
    std::string etag;
    long retry_after_s = -1;    // -1 = not given
    std::string network_error;  // plain words when status == 0
    int curl_code = 0;          // libcurl's CURLcode when status == 0 (0 = none)
};

// Checks a server URL: http(s) scheme, a host, and plain http only for a
// loopback host (127.0.0.0/8, ::1, localhost).
Status check_server_url(const std::string& url);

class HttpClient {
  public:
    static Result<std::unique_ptr<HttpClient>> create(const HttpOptions& options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResponse post_json(const std::string& path, const std::string& body,
                           const std::string& bearer_token);
    HttpResponse get(const std::string& path, const std::string& bearer_token,
                     const std::string& if_none_match = "");

  private:
    HttpClient() = default;
    HttpResponse perform(const std::string& path, const std::string* body,
                         const std::string& token, const std::string& if_none_match);
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace touchpoint::sync
