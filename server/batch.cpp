#include "server/batch.h"

#include <limits>

namespace touchpoint::server {

using nlohmann::json;

namespace {

ApiError bad_request(const std::string& code, const std::string& message) {
    return ApiError{400, code, message};
}

// Deepest nesting of arrays and objects, counted outside strings. The body is
// refused before nlohmann builds (and later destroys) a very deep tree.
std::size_t nesting_depth(const std::string& text, std::size_t stop_at) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
            if (deepest > stop_at) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

constexpr std::size_t k_max_app_version_chars = 64;
constexpr std::size_t k_max_last_error_chars = 1000;

} // namespace

// --- Health ---

nlohmann::json to_json(const DeviceHealth& h) {
    json j = json::object();
    if (h.pending) j["pending"] = *h.pending;
    if (h.last_sync_utc_ms) j["last_sync_utc_ms"] = *h.last_sync_utc_ms;
    if (h.disk_free_bytes) j["disk_free_bytes"] = *h.disk_free_bytes;
    if (h.database_bytes) j["database_bytes"] = *h.database_bytes;
    if (h.app_version) j["app_version"] = *h.app_version;
    if (h.last_error) j["last_error"] = *h.last_error;
    return j;
}

Result<DeviceHealth> health_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return Error{"health: must be a JSON object"};
    DeviceHealth h;
    auto count = [&](const char* key, std::optional<std::int64_t>& out,
                     bool nullable) -> std::string {
        auto it = j.find(key);
        if (it == j.end() || (nullable && it->is_null())) return {};
        if (it->is_number_unsigned()) {
            auto u = it->get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return std::string("health.") + key + ": is out of range";
            out = static_cast<std::int64_t>(u);
            return {};
        }
        if (!it->is_number_integer())
            return std::string("health.") + key + ": must be a whole number" +
                   (nullable ? " or null" : "");
        std::int64_t v = it->get<std::int64_t>();
        if (v < 0) return std::string("health.") + key + ": must not be negative";
        out = v;
        return {};
    };
    auto text = [&](const char* key, std::optional<std::string>& out,
                    std::size_t max_chars) -> std::string {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return {};
        if (!it->is_string()) return std::string("health.") + key + ": must be a string or null";
        const auto& s = it->get_ref<const std::string&>();
        if (utf8_length(s) > max_chars)
            return std::string("health.") + key + ": is too long (at most " +
                   std::to_string(max_chars) + " characters)";
        out = s;
        return {};
    };
    for (const std::string& err :
         {count("pending", h.pending, false), count("last_sync_utc_ms", h.last_sync_utc_ms, true),
          count("disk_free_bytes", h.disk_free_bytes, false),
          count("database_bytes", h.database_bytes, false),
          text("app_version", h.app_version, k_max_app_version_chars),
          text("last_error", h.last_error, k_max_last_error_chars)})
        if (!err.empty()) return Error{err};
    return h;
}

// --- Bodies ---

JsonParse parse_json_body(const std::string& body, std::size_t max_depth) {
    JsonParse out;
    if (nesting_depth(body, max_depth) > max_depth) {
        out.error = bad_request("malformed_json", "the body nests arrays and objects deeper than " +
                                                      std::to_string(max_depth) + " levels");
        return out;
    }
    try {
        out.value = json::parse(body);
    } catch (const json::parse_error& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 1, ..."
        std::string what = e.what();
        if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
        out.error = bad_request("malformed_json", "the body is not valid JSON: " + what);
    } catch (const std::exception& e) {
        out.error =
            bad_request("malformed_json", std::string("the body is not valid JSON: ") + e.what());
    }
    return out;
}

BatchParse parse_batch(const std::string& body, const BatchLimits& limits) {
    BatchParse out;
    JsonParse parsed = parse_json_body(body, limits.max_depth);
    if (parsed.error) {
        out.error = parsed.error;
        return out;
    }
    const json& j = parsed.value;
    if (!j.is_object()) {
        out.error = bad_request("invalid_request",
                                "the body must be a JSON object with a \"responses\" array");
        return out;
    }
    auto responses = j.find("responses");
    if (responses == j.end()) {
        out.error =
            bad_request("invalid_request", "responses: is required (an array, possibly empty)");
        return out;
    }
    if (!responses->is_array()) {
        out.error = bad_request("invalid_request", "responses: must be an array of responses");
        return out;
    }
    if (responses->size() > limits.max_responses) {
        out.error = ApiError{413, "batch_too_large",
                             "the batch holds " + std::to_string(responses->size()) +
                                 " responses; at most " + std::to_string(limits.max_responses) +
                                 " are accepted per batch (send smaller batches)"};
        return out;
    }
    if (auto h = j.find("health"); h != j.end() && !h->is_null()) {
        auto health = health_from_json(*h);
        if (!health) {
            out.error = bad_request("invalid_request", health.error());
            return out;
        }
        out.batch.health = std::move(health).value();
    }
    out.batch.items.reserve(responses->size());
    for (std::size_t i = 0; i < responses->size(); ++i) {
        const json& element = (*responses)[i];
        BatchItem item;
        item.index = i;
        if (element.is_object())
            if (auto id = element.find("id"); id != element.end() && id->is_string())
                item.id = id->get<std::string>().substr(0, 64);
        auto r = response_from_json(element, limits.wire);
        if (r)
            item.response = std::move(r).value();
        else
            item.error = r.error();
        out.batch.items.push_back(std::move(item));
    }
    return out;
}

HeartbeatParse parse_heartbeat(const std::string& body, const BatchLimits& limits) {
    HeartbeatParse out;
    JsonParse parsed = parse_json_body(body, limits.max_depth);
    if (parsed.error) {
        out.error = parsed.error;
        return out;
    }
    auto h = health_from_json(parsed.value);
    if (!h) {
        out.error = bad_request("invalid_request", h.error());
        return out;
    }
    out.health = std::move(h).value();
    return out;
}

} // namespace touchpoint::server
