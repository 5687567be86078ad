#include "server/api.h"

#include "core/uuid.h"
#include "core/wire.h"
#include "server/api_internal.h"
#include "server/secrets.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace touchpoint::server {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_device_name_chars = 100;
constexpr std::size_t k_max_code_chars = 64;

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

// "application/json" with or without parameters such as "; charset=utf-8".
bool is_json_content_type(const std::string& value) {
    std::string v = lower(trim(value));
    std::string media = trim(v.substr(0, v.find(';')));
    return media == "application/json";
}

// The bearer credential of an Authorization header, or "" when there is none.
std::string bearer(const std::string& header) {
    std::string h = trim(header);
    if (h.size() < 7 || lower(h.substr(0, 7)) != "bearer ") return {};
    return trim(h.substr(7));
}

// Does If-None-Match ("\"a\", W/\"b\"" or "*") name this ETag?
bool etag_matches(const std::string& if_none_match, const std::string& etag) {
    if (if_none_match.empty()) return false;
    std::size_t pos = 0;
    while (pos <= if_none_match.size()) {
        std::size_t comma = if_none_match.find(',', pos);
        std::string tag = trim(if_none_match.substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
        if (tag == "*" || tag == etag) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

std::int64_t system_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t steady_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

ApiResponse error_response(const ApiError& e) {
    return json_response(e.status, error_body(e));
}

// Answers quote what a client sent (ids, scale names, parser messages), which
// may hold broken UTF-8: replace it rather than fail to answer.
std::string dump_safe(const json& body) {
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiResponse json_response(int status, const json& body) {
    ApiResponse r;
    r.status = status;
    r.body = dump_safe(body);
    return r;
}

ApiResponse unauthorized(const std::string& code, const std::string& message) {
    ApiResponse r = error_response({401, code, message});
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"touchpoint\"");
    return r;
}

ApiResponse storage_failure(const std::string& what) {
    return storage_failure(what, std::nullopt);
}

ApiResponse storage_failure(const std::string& what, const std::optional<StorageFailure>& failure) {
    const bool full = failure && failure->kind == StorageFailure::Kind::disk_full;
    ApiResponse r = error_response({503, full ? "storage_full" : "storage_unavailable",
                                    (full ? "the server's database disk is full ("
                                          : "the server could not use its database (") +
                                        what + "); nothing was stored, try again later"});
    r.headers.emplace_back("Retry-After", "5");
    return r;
}

std::optional<ApiResponse> require_json(const ApiRequest& req) {
    if (is_json_content_type(req.content_type)) return std::nullopt;
    return error_response(
        {415, "unsupported_media_type",
         "send the body as JSON with \"Content-Type: application/json\"" +
             (req.content_type.empty() ? std::string(" (no Content-Type was sent)")
                                       : " (got \"" + req.content_type.substr(0, 100) + "\")")});
}

json optional_ms(const std::optional<std::int64_t>& v) {
    return v ? json(*v) : json(nullptr);
}

struct Api::DeviceAuth {
    std::optional<DeviceRecord> device;
    ApiResponse refusal;
};

struct Api::KeyAuth {
    std::optional<ApiKeyRecord> key;
    ApiResponse refusal;
};

Api::Api(Storage& storage, ApiOptions options)
    : m_storage(storage), m_options(std::move(options)),
      m_limiter(m_options.rate_per_s, m_options.burst) {
    if (!m_options.now_ms) m_options.now_ms = system_now_ms;
    if (!m_options.monotonic_ms) m_options.monotonic_ms = steady_now_ms;
}

ApiResponse Api::handle(const ApiRequest& request) noexcept {
    std::string route_name = "unmatched";
    ApiResponse r;
    try {
        r = route(request, route_name);
    } catch (const std::exception& e) {
        r = error_response(
            {500, "internal_error", std::string("unexpected server error: ") + e.what()});
    } catch (...) {
        r = error_response({500, "internal_error", "unexpected server error"});
    }
    try {
        m_stats.count_request(route_name, request.method.size() <= 10 ? request.method : "other",
                              r.status);
    } catch (...) {
        // Counting is best effort; the answer matters more.
    }
    return r;
}

namespace {

// Does `path` match `pattern` ("/api/v1/responses/{id}")? Each {name}
// takes one non-empty segment, collected into `params`.
bool match_path(const std::string& pattern, const std::string& path,
                std::vector<std::string>& params) {
    params.clear();
    std::size_t p = 0, q = 0;
    while (p < pattern.size() && q <= path.size()) {
        if (pattern[p] == '{') {
            std::size_t close = pattern.find('}', p);
            std::size_t end = path.find('/', q);
            if (end == std::string::npos) end = path.size();
            if (end == q) return false;
            params.push_back(path.substr(q, end - q));
            p = close + 1;
            q = end;
            continue;
        }
        if (q >= path.size() || pattern[p] != path[q]) return false;
        ++p;
        ++q;
    }
    return p == pattern.size() && q == path.size();
}

} // namespace

ApiResponse Api::route(const ApiRequest& req, std::string& route_name) {
    using Handler = ApiResponse (*)(Api&, const ApiRequest&, const Params&);
    struct Route {
        const char* path;
        const char* method;
        Handler handler;
    };
    static const Route routes[] = {
        {"/api/v1/enroll", "POST",
         [](Api& a, const ApiRequest& r, const Params&) { return a.enroll(r); }},
        {"/api/v1/batches", "POST",
         [](Api& a, const ApiRequest& r, const Params&) { return a.batches(r); }},
        {"/api/v1/config", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.config(r); }},
        {"/api/v1/heartbeat", "POST",
         [](Api& a, const ApiRequest& r, const Params&) { return a.heartbeat(r); }},
        {"/api/v1/devices", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.devices(r); }},
        {"/api/v1/stores", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.stores(r); }},
        {"/api/v1/responses", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.responses(r); }},
        {"/api/v1/responses/{id}", "GET",
         [](Api& a, const ApiRequest& r, const Params& p) { return a.response_by_id(r, p); }},
        {"/api/v1/responses/{id}", "DELETE",
         [](Api& a, const ApiRequest& r, const Params& p) { return a.erase_response(r, p); }},
        {"/api/v1/export", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.export_responses(r); }},
        {"/api/v1/summary", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.summary(r); }},
        {"/api/v1/standards", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.standards(r); }},
        {"/api/v1/highlights", "GET",
         [](Api& a, const ApiRequest& r, const Params&) { return a.highlights(r); }},
        {"/api/v1/touch-points/{key}/survey", "PUT",
         [](Api& a, const ApiRequest& r, const Params& p) {
             return a.publish_survey(r, "", p.at(0));
         }},
        {"/api/v1/stores/{id}/survey", "PUT",
         [](Api& a, const ApiRequest& r, const Params& p) {
             return a.publish_survey(r, p.at(0), "");
         }},
        {"/healthz", "GET", [](Api& a, const ApiRequest&, const Params&) { return a.healthz(); }},
        {"/metrics", "GET", [](Api& a, const ApiRequest&, const Params&) { return a.metrics(); }},
    };
    Params params;
    std::string allowed;
    for (const Route& route : routes) {
        if (!match_path(route.path, req.path, params)) continue;
        route_name = route.path;
        if (req.method != route.method &&
            !(req.method == "HEAD" && std::string(route.method) == "GET")) {
            allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
            continue;
        }
        if (req.body.size() > m_options.max_body_bytes)
            return error_response(
                {413, "body_too_large",
                 "the body is larger than " + std::to_string(m_options.max_body_bytes) + " bytes"});
        return route.handler(*this, req, params);
    }
    if (!allowed.empty()) {
        ApiResponse r =
            error_response({405, "method_not_allowed", "use " + allowed + " " + route_name});
        r.headers.emplace_back("Allow", allowed);
        return r;
    }
    route_name = "unmatched";
    return error_response({404, "not_found",
                           "no such endpoint: " + req.method + " " + req.path.substr(0, 200) +
                               " (see docs/api.md for API v1)"});
}

// --- Authentication and rate ---

Api::DeviceAuth Api::authenticate_device(const ApiRequest& req) {
    DeviceAuth out;
    if (req.authorization.empty()) {
        out.refusal = unauthorized("missing_token",
                                   "send the device token as \"Authorization: Bearer <token>\"");
        return out;
    }
    std::string token = bearer(req.authorization);
    if (token.empty()) {
        out.refusal =
            unauthorized("invalid_token", "the Authorization header must be \"Bearer <token>\"");
        return out;
    }
    // Looked up by its hash: the database never holds the token itself, and no
    // comparison of secret bytes depends on how much of them matched.
    auto found = m_storage.device_by_token_hash(hash_secret(token));
    if (!found) {
        out.refusal = storage_failure(found.error());
        return out;
    }
    if (!found->has_value()) {
        out.refusal =
            unauthorized("invalid_token", "the device token is not known; enrol the device");
        return out;
    }
    if ((*found)->revoked_utc_ms) {
        out.refusal = unauthorized("device_revoked",
                                   "this device has been revoked; enrol it again with a new code");
        return out;
    }
    out.device = std::move(**found);
    return out;
}

Api::KeyAuth Api::authenticate_key(const ApiRequest& req) {
    KeyAuth out;
    std::string key = bearer(req.authorization);
    if (key.empty()) {
        out.refusal =
            unauthorized("missing_api_key", "send an API key as \"Authorization: Bearer <key>\"");
        return out;
    }
    auto found = m_storage.api_key_by_hash(hash_secret(key));
    if (!found) {
        out.refusal = storage_failure(found.error());
        return out;
    }
    if (!found->has_value()) {
        out.refusal = unauthorized("invalid_api_key", "the API key is not known");
        return out;
    }
    if ((*found)->revoked_utc_ms) {
        out.refusal = unauthorized("api_key_revoked", "this API key has been revoked");
        return out;
    }
    out.key = std::move(**found);
    return out;
}

std::optional<ApiResponse> Api::head_office_key(const ApiRequest& req, ApiKeyRecord& key) {
    KeyAuth auth = authenticate_key(req);
    if (!auth.key) return auth.refusal;
    key = *auth.key;
    if (auto limited = rate_limit("key:" + key.id)) return *limited;
    return std::nullopt;
}

std::optional<ApiResponse> Api::rate_limit(const std::string& key) {
    RateLimiter::Decision d = m_limiter.take(key, m_options.monotonic_ms());
    if (d.allowed) return std::nullopt;
    ApiResponse r = error_response(
        {429, "rate_limited",
         "too many requests; try again in " + std::to_string(d.retry_after_s) + " s"});
    r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
    return r;
}

// --- Endpoints ---

ApiResponse Api::healthz() {
    Status st = m_storage.check();
    if (!st) {
        // Why: the database out of reach, or the reason writes fail (a full
        // disk, say) and since when; check() clears the latter once writes
        // work again.
        const std::optional<StorageFailure> failure = m_storage.last_write_failure();
        const bool full = failure && failure->kind == StorageFailure::Kind::disk_full;
        json body{
            {"status", "unavailable"},
            {"error",
             {{"code", full ? "storage_full" : "storage_unavailable"}, {"message", st.error()}}}};
        if (failure) body["writes_failing_since_utc_ms"] = failure->since_utc_ms;
        return json_response(503, body);
    }
    return json_response(200, json{{"status", "ok"}});
}

ApiResponse Api::enroll(const ApiRequest& req) {
    // Before a device has a token, its address is what the rate applies to:
    // it slows down anyone guessing codes.
    if (auto limited = rate_limit("addr:" + req.remote_addr)) return *limited;
    if (auto refused = require_json(req)) return *refused;
    JsonParse parsed = parse_json_body(req.body, m_options.limits.max_depth);
    if (parsed.error) return error_response(*parsed.error);
    const json& j = parsed.value;
    if (!j.is_object())
        return error_response(
            {400, "invalid_request", "the body must be a JSON object {\"code\", \"device_name\"}"});
    auto code = j.find("code");
    if (code == j.end()) return error_response({400, "invalid_request", "code: is required"});
    if (!code->is_string())
        return error_response({400, "invalid_request", "code: must be a string"});
    if (code->get_ref<const std::string&>().size() > k_max_code_chars)
        return error_response({400, "invalid_request", "code: is too long"});
    std::string name = "kiosk";
    if (auto n = j.find("device_name"); n != j.end()) {
        if (!n->is_string())
            return error_response({400, "invalid_request", "device_name: must be a string"});
        name = n->get<std::string>();
        if (name.empty())
            return error_response({400, "invalid_request", "device_name: must not be empty"});
        if (utf8_length(name) > k_max_device_name_chars)
            return error_response({400, "invalid_request",
                                   "device_name: is too long (at most " +
                                       std::to_string(k_max_device_name_chars) + " characters)"});
    }

    const std::string token = make_token();
    NewDevice device{make_uuid(), name, hash_secret(token)};
    const std::int64_t now = m_options.now_ms();
    auto outcome = m_storage.enroll(
        hash_secret(normalize_enrollment_code(code->get<std::string>())), device, now);
    if (!outcome) return storage_failure(outcome.error(), m_storage.last_write_failure());
    switch (outcome->status) {
    case EnrollStatus::unknown_code:
        return unauthorized("invalid_code",
                            "the enrolment code is not known; check it or ask for a new one");
    case EnrollStatus::expired_code:
        return unauthorized("code_expired", "the enrolment code has expired; ask for a new one");
    case EnrollStatus::used_code:
        return error_response({409, "code_used",
                               "the enrolment code has already been used; each code "
                               "enrols one device (ask for a new one)"});
    case EnrollStatus::enrolled:
        break;
    }
    const EnrollOutcome& e = *outcome;
    json body{
        {"device_id", e.device.id},
        {"token", token},
        {"token_type", "Bearer"},
        {"store", {{"id", e.store.id}, {"name", e.store.name}, {"time_zone", e.store.time_zone}}},
        {"touch_point", {{"key", e.touch_point.key}, {"name", e.touch_point.name}}},
        {"server_utc_ms", now},
    };
    return json_response(201, body);
}

ApiResponse Api::batches(const ApiRequest& req) {
    const std::int64_t started = steady_now_ms();
    DeviceAuth auth = authenticate_device(req);
    if (!auth.device) return auth.refusal;
    const DeviceRecord& device = *auth.device;
    if (auto limited = rate_limit("device:" + device.id)) return *limited;
    if (auto refused = require_json(req)) return *refused;
    BatchParse parsed = parse_batch(req.body, m_options.limits);
    if (parsed.error) return error_response(*parsed.error);

    const std::int64_t now = m_options.now_ms();
    std::vector<IncomingResponse> incoming;
    json rejected = json::array();
    for (BatchItem& item : parsed.batch.items) {
        if (!item.response) {
            rejected.push_back({{"index", item.index},
                                {"id", item.id},
                                {"code", "invalid_response"},
                                {"error", item.error}});
            continue;
        }
        IncomingResponse in;
        in.index = item.index;
        in.response = std::move(*item.response);
        // The token decides where a response belongs, whatever the body says.
        in.response.device_id = device.id;
        in.response.touch_point = device.touch_point;
        std::string canonical;
        append_json(canonical, in.response);
        in.content_hash = hash_secret(canonical);
        in.server_clock_suspect = in.response.utc_ms > now + m_options.clock_suspect_ms;
        incoming.push_back(std::move(in));
    }

    std::string health;
    if (parsed.batch.health) {
        json h = to_json(*parsed.batch.health);
        h["reported_utc_ms"] = now;
        health = h.dump();
    }
    auto outcome = m_storage.ingest_batch(device, incoming, health, now);
    if (!outcome) return storage_failure(outcome.error(), m_storage.last_write_failure());
    m_stats.observe_ingest_seconds(static_cast<double>(steady_now_ms() - started) / 1000.0);

    std::int64_t accepted = 0, duplicates = 0;
    json clock_suspect = json::array();
    std::vector<std::string> stored; // the ids committed_digest covers
    stored.reserve(incoming.size());
    for (std::size_t i = 0; i < incoming.size(); ++i) {
        switch (outcome->items[i]) {
        case IngestStatus::accepted:
            ++accepted;
            stored.push_back(incoming[i].response.id);
            if (incoming[i].server_clock_suspect) clock_suspect.push_back(incoming[i].response.id);
            break;
        case IngestStatus::duplicate:
            ++duplicates;
            stored.push_back(incoming[i].response.id);
            break;
        case IngestStatus::conflict:
            rejected.push_back({{"index", incoming[i].index},
                                {"id", incoming[i].response.id},
                                {"code", "conflict"},
                                {"error", "a different response with this id is already stored"}});
            break;
        }
    }
    m_stats.count_ingested(accepted);
    std::sort(rejected.begin(), rejected.end(), [](const json& a, const json& b) {
        return a["index"].get<std::size_t>() < b["index"].get<std::size_t>();
    });
    // The digest lets a kiosk check that the answer is about its batch: the
    // ids it sent, less the rejected ones, must hash to it.
    return json_response(200, json{{"accepted", accepted},
                                   {"duplicates", duplicates},
                                   {"rejected", rejected},
                                   {"committed_digest", committed_digest(std::move(stored))},
                                   {"clock_suspect", clock_suspect},
                                   {"server_utc_ms", now}});
}

ApiResponse Api::config(const ApiRequest& req) {
    DeviceAuth auth = authenticate_device(req);
    if (!auth.device) return auth.refusal;
    const DeviceRecord& device = *auth.device;
    if (auto limited = rate_limit("device:" + device.id)) return *limited;

    auto tp = m_storage.touch_point(device.touch_point);
    if (!tp) return storage_failure(tp.error());
    auto store = m_storage.store(device.store_id);
    if (!store) return storage_failure(store.error());

    json settings = json::parse(tp->settings_json, nullptr, false);
    if (!settings.is_object()) settings = json::object();
    // The records are authoritative for who and where the touch point is.
    settings["key"] = tp->key;
    settings["name"] = tp->name;
    settings["store"] = store->name;
    settings["time_zone"] = store->time_zone;
    json survey = json(nullptr);
    if (!tp->survey_json.empty()) {
        survey = json::parse(tp->survey_json, nullptr, false);
        if (survey.is_discarded()) survey = nullptr;
    }
    if (survey.is_object()) settings["survey"] = survey.value("id", "");
    json body{
        {"touch_point", settings},
        {"store", {{"id", store->id}, {"name", store->name}, {"time_zone", store->time_zone}}},
        {"survey", survey}};
    std::string text = dump_safe(body);
    std::string etag = "\"" + hash_secret(text).substr(0, 32) + "\"";

    ApiResponse r;
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (etag_matches(req.if_none_match, etag)) {
        r.status = 304;
        return r;
    }
    r.status = 200;
    r.body = std::move(text);
    return r;
}

ApiResponse Api::heartbeat(const ApiRequest& req) {
    DeviceAuth auth = authenticate_device(req);
    if (!auth.device) return auth.refusal;
    const DeviceRecord& device = *auth.device;
    if (auto limited = rate_limit("device:" + device.id)) return *limited;
    if (auto refused = require_json(req)) return *refused;
    HeartbeatParse parsed = parse_heartbeat(req.body, m_options.limits);
    if (parsed.error) return error_response(*parsed.error);
    const std::int64_t now = m_options.now_ms();
    json h = to_json(parsed.health);
    h["reported_utc_ms"] = now;
    if (Status st = m_storage.record_heartbeat(device.id, h.dump(), now); !st)
        return storage_failure(st.error(), m_storage.last_write_failure());
    return json_response(200, json{{"status", "ok"}, {"server_utc_ms", now}});
}

} // namespace touchpoint::server
