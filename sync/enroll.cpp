#include "enroll.h"

#include "sync/remote_config.h"
#include "sync/sync_client.h"

#include <nlohmann/json.hpp>

namespace touchpoint::sync {

Result<Enrollment> enroll(const HttpOptions& http, const std::string& code,
                          const std::string& device_name, const std::string& data_dir) {
    auto client = HttpClient::create(http);
    if (!client) return Error{client.error()};
    nlohmann::json req{{"code", code}, {"device_name", device_name}};
    HttpResponse r = (*client)->post_json("/api/v1/enroll", req.dump(), "");
    if (r.status != 201 && r.status != 200) {
        if (r.status == 409) return Error{"this enrolment code has already been used: ask head office for a new one"};
        return Error{"enrolment failed: " + describe_http_error(r)};
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("token") || !j["token"].is_string())
        return Error{"enrolment failed: the server's answer could not be read"};
    // Text at j[outer][key] (or j[key]), "" when absent or of another type.
    auto text = [&](const char* outer, const char* key) {
        const nlohmann::json* o = &j;
        if (outer) {
            auto it = j.find(outer);
            if (it == j.end() || !it->is_object()) return std::string();
            o = &*it;
        }
        auto it = o->find(key);
        return it != o->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Enrollment e;
    e.token = j["token"].get<std::string>();
    e.device_id = text(nullptr, "device_id");
    e.store = text("store", "id");
    e.touch_point = text("touch_point", "key");

    HttpResponse c = (*client)->get("/api/v1/config", e.token);
    if (c.status != 200) return Error{"enrolled, but the configuration could not be pulled: " + describe_http_error(c)};
    auto parsed = parse_remote_config(c.body, c.etag);
    if (!parsed) return Error{"enrolled, but " + parsed.error()};
    if (auto st = save_remote_config(data_dir, c.body, c.etag); !st) return Error{st.error()};
    return e;
}

} // namespace touchpoint::sync
