#include "http.h"
#include "curl_library.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace touchpoint::sync {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool is_loopback_host(std::string host) {
    host = lower(host);
    if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8, written as a dotted quad.
    unsigned a, b, c, d;
    char extra;
    if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4)
        return a == 127 && b < 256 && c < 256 && d < 256;
    return false;
}

struct UrlParts {
    std::string scheme;
    std::string host;
};

Result<UrlParts> split_url(const std::string& url) {
    auto lib = curl_library();
    if (!lib) return Error{lib.error()};
    const CurlLibrary& curl = **lib;
    CURLU* u = curl.url();
    if (!u) return Error{"out of memory"};
    UrlParts parts;
    CURLUcode rc = curl.url_set(u, CURLUPART_URL, url.c_str(), 0);
    char* part = nullptr;
    if (rc == CURLUE_OK && curl.url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
        parts.scheme = lower(part);
        curl.free(part);
    }
    if (rc == CURLUE_OK && curl.url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
        parts.host = part;
        curl.free(part);
    }
    curl.url_cleanup(u);
    if (rc != CURLUE_OK || parts.host.empty())
        return Error{"\"" + url + "\" is not a server URL (expected e.g. https://hq.example.com:8443)"};
    return parts;
}

size_t write_body(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

// Picks ETag and Retry-After out of the header lines.
size_t read_header(char* data, size_t size, size_t n, void* user) {
    auto* r = static_cast<HttpResponse*>(user);
    std::string line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = lower(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
        if (name == "etag") r->etag = value;
        if (name == "retry-after") {
            char* end = nullptr;
            long s = std::strtol(value.c_str(), &end, 10);
            if (end != value.c_str() && s >= 0) r->retry_after_s = std::min(s, 3600L);
        }
    }
    return size * n;
}

int check_abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* flag = static_cast<const std::atomic<bool>*>(user);
    return flag && flag->load() ? 1 : 0;
}

std::string plain_words(const CurlLibrary& curl, CURLcode rc, const char* detail) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return "the server's name could not be found (DNS)";
    case CURLE_COULDNT_CONNECT: return "the server could not be reached (connection refused or no route)";
    case CURLE_OPERATION_TIMEDOUT: return "the server did not answer in time";
    case CURLE_PEER_FAILED_VERIFICATION:
        return std::string("the server's certificate is not trusted: ") + detail;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return "the server's key does not match the pinned key";
    case CURLE_SSL_CONNECT_ERROR: return std::string("the secure connection failed: ") + detail;
    case CURLE_SSL_CACERT_BADFILE: return "the CA bundle could not be read";
    case CURLE_GOT_NOTHING: return "the server closed the connection without answering";
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: return "the connection was cut";
    case CURLE_ABORTED_BY_CALLBACK: return "stopped (the kiosk is shutting down)";
    case CURLE_PARTIAL_FILE: return "the server's answer was cut short";
    default: return std::string(curl.easy_strerror(rc)) + (*detail ? std::string(": ") + detail : "");
    }
}

} // namespace

Status check_server_url(const std::string& url) {
    auto parts = split_url(url);
    if (!parts) return Status::failure(parts.error());
    if (parts->scheme == "https") return Status::success();
    if (parts->scheme == "http") {
        if (is_loopback_host(parts->host)) return Status::success();
        return Status::failure("plain http:// is only allowed for a server on this machine (loopback); use https:// for " +
                               parts->host);
    }
    return Status::failure("\"" + url + "\": the server URL must start with https://");
}

struct HttpClient::Impl {
    const CurlLibrary* lib = nullptr;
    CURL* curl = nullptr;
    HttpOptions options;
    std::string base; // without a trailing slash
    ~Impl() {
        if (curl) lib->easy_cleanup(curl);
    }
};

Result<std::unique_ptr<HttpClient>> HttpClient::create(const HttpOptions& options) {
    if (auto st = check_server_url(options.base_url); !st) return Error{st.error()};
    std::unique_ptr<HttpClient> c(new HttpClient());
    c->m_impl = std::make_unique<Impl>();
    c->m_impl->options = options;
    c->m_impl->base = options.base_url;
    while (!c->m_impl->base.empty() && c->m_impl->base.back() == '/') c->m_impl->base.pop_back();
    c->m_impl->lib = *curl_library(); // loaded: check_server_url needed it
    c->m_impl->curl = c->m_impl->lib->easy_init();
    if (!c->m_impl->curl) return Error{"could not start the HTTP client"};
    return c;
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::post_json(const std::string& path, const std::string& body,
                                   const std::string& bearer_token) {
    return perform(path, &body, bearer_token, "");
}

HttpResponse HttpClient::get(const std::string& path, const std::string& bearer_token,
                             const std::string& if_none_match) {
    return perform(path, nullptr, bearer_token, if_none_match);
}

HttpResponse HttpClient::perform(const std::string& path, const std::string* body,
                                 const std::string& token, const std::string& if_none_match) {
    HttpResponse r;
    const CurlLibrary& curl = *m_impl->lib;
    CURL* h = m_impl->curl;
    const HttpOptions& o = m_impl->options;
    curl.easy_reset(h); // keeps the live connection, clears per-request options
    std::string url = m_impl->base + path;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    std::string auth = "Authorization: Bearer " + token;
    std::string inm = "If-None-Match: " + if_none_match;
    if (!token.empty()) headers = curl.slist_append(headers, auth.c_str());
    if (!if_none_match.empty()) headers = curl.slist_append(headers, inm.c_str());
    if (body) headers = curl.slist_append(headers, "Content-Type: application/json");
    headers = curl.slist_append(headers, "Expect:"); // no 100-continue round trip

    bool ok = curl.easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count())) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout.count())) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_bytes_per_s) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.low_speed_time.count())) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_WRITEDATA, &r.body) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header) == CURLE_OK &&
              curl.easy_setopt(h, CURLOPT_HEADERDATA, &r) == CURLE_OK &&
              // gzip only: "" would also offer br, and a server may answer a
              // 100-byte batch result with brotli at its highest quality,
              // which costs it milliseconds per request.
              curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip") == CURLE_OK;
    if (ok && o.abort_flag)
        ok = curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_abort) == CURLE_OK &&
             curl.easy_setopt(h, CURLOPT_XFERINFODATA, o.abort_flag) == CURLE_OK &&
             curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
    if (ok && !o.ca_file.empty()) ok = curl.easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str()) == CURLE_OK;
    if (ok && !o.pinned_key.empty())
        ok = curl.easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, o.pinned_key.c_str()) == CURLE_OK;
    if (ok && body) {
        ok = curl.easy_setopt(h, CURLOPT_POST, 1L) == CURLE_OK &&
             curl.easy_setopt(h, CURLOPT_POSTFIELDS, body->data()) == CURLE_OK &&
             curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size())) == CURLE_OK;
    }
    if (!ok) {
        curl.slist_free_all(headers);
        r.network_error = "the HTTP client could not be set up";
        return r;
    }
    CURLcode rc = curl.easy_perform(h);
    curl.slist_free_all(headers);
    if (rc != CURLE_OK) {
        r.status = 0;
        r.body.clear();
        r.network_error = plain_words(curl, rc, errbuf);
        r.curl_code = static_cast<int>(rc);
        return r;
    }
    long status = 0;
    curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
    return r;
}

} // namespace touchpoint::sync
