#include "enroll.h"

#include "sync/sync_worker.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace touchpoint::sync {

namespace {

EnrolmentOutcome failure(EnrolmentProblem p, std::string message) {
    EnrolmentOutcome o;
    o.problem = p;
    o.message = std::move(message);
    return o;
}

// The server's {"error": {"code", "message"}}, or empty strings.
struct ServerError {
    std::string code;
    std::string message;
};
ServerError server_error_of(const std::string& body) {
    ServerError e;
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return e;
    auto it = j.find("error");
    if (it == j.end() || !it->is_object()) return e;
    if (auto c = it->find("code"); c != it->end() && c->is_string()) e.code = c->get<std::string>();
    if (auto m = it->find("message"); m != it->end() && m->is_string())
        e.message = m->get<std::string>();
    return e;
}

// Text at j[outer][key] (or j[key]), "" when absent or of another type.
std::string text_at(const nlohmann::json& j, const char* outer, const char* key) {
    const nlohmann::json* o = &j;
    if (outer) {
        auto it = j.find(outer);
        if (it == j.end() || !it->is_object()) return {};
        o = &*it;
    }
    auto it = o->find(key);
    return it != o->end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

EnrolmentOutcome classify_enrolment_failure(const HttpResponse& r) {
    using P = EnrolmentProblem;
    if (r.status == 0) {
        const std::string why = r.network_error.empty() ? "no answer" : r.network_error;
        switch (r.curl_code) {
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            return failure(P::bad_address, "Check the address: " + why + ".");
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
            return failure(P::unreachable, "The server cannot be reached: " + why +
                                               ". Check the address and this kiosk's network.");
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_INVALIDCERTSTATUS:
            return failure(P::certificate,
                           "The server's certificate is not trusted, so the kiosk did not connect (" +
                               why +
                               "). Check the address, or ask IT to install the server's "
                               "certificate authority on this kiosk.");
        case CURLE_SSL_CONNECT_ERROR:
            return failure(P::bad_address,
                           "Check the address: no secure (https://) server answered there (" + why +
                               ").");
        case CURLE_ABORTED_BY_CALLBACK:
            return failure(P::failed, "Connecting was stopped: the kiosk is shutting down.");
        default:
            return failure(P::failed, "Connecting failed: " + why + ".");
        }
    }
    const ServerError e = server_error_of(r.body);
    const std::string said = e.message.empty() ? "" : " (the server said: " + e.message + ")";
    if (r.status == 401 || r.status == 403) {
        if (e.code == "code_expired")
            return failure(P::expired_code, "This code has expired. Ask head office for a new one.");
        return failure(P::wrong_code,
                       "The code was not accepted. Check it and type it again, or ask head office "
                       "for a new one.");
    }
    if (r.status == 409 && (e.code == "code_used" || e.code.empty()))
        return failure(P::used_code,
                       "This code has already been used: each code connects one kiosk. Ask head "
                       "office for a new one.");
    if (r.status == 404 || r.status == 405 || (r.status >= 300 && r.status < 400))
        return failure(P::bad_address, "Check the address: no Touchpoint server answers there (" +
                                           std::to_string(r.status) + ").");
    if (r.status == 429) {
        const long wait = r.retry_after_s > 0 ? r.retry_after_s : 60;
        return failure(P::too_many, "Too many attempts. Wait " + std::to_string(wait) +
                                        " seconds, then try again.");
    }
    if (r.status >= 500)
        return failure(P::server_error, "The server has a problem (" + std::to_string(r.status) +
                                            ")" + said + ". Try again in a few minutes.");
    return failure(P::failed,
                   "The server refused to enrol this kiosk (" + std::to_string(r.status) + ")" +
                       said + ".");
}

EnrolmentOutcome request_enrolment(HttpOptions http, const EnrolmentRequest& req) {
    http.base_url = req.server_url;
    if (Status st = check_server_url(req.server_url); !st)
        return failure(EnrolmentProblem::bad_address, "Check the address: " + st.error() + ".");
    auto client = HttpClient::create(http);
    if (!client) return failure(EnrolmentProblem::failed, "Connecting failed: " + client.error() + ".");
    nlohmann::json body{{"code", req.code}};
    if (!req.device_name.empty()) body["device_name"] = req.device_name;
    HttpResponse r = (*client)->post_json("/api/v1/enroll", body.dump(), "");
    if (r.status != 201 && r.status != 200) return classify_enrolment_failure(r);
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || text_at(j, nullptr, "token").empty())
        return failure(EnrolmentProblem::bad_address,
                       "Check the address: the server there answered, but not as a Touchpoint "
                       "server does.");
    EnrolmentOutcome o;
    Enrolment& e = o.enrolled;
    e.server_url = req.server_url;
    e.token = text_at(j, nullptr, "token");
    e.device_id = text_at(j, nullptr, "device_id");
    e.device_name = req.device_name.empty() ? "kiosk" : req.device_name;
    e.store_id = text_at(j, "store", "id");
    e.store_name = text_at(j, "store", "name");
    e.touch_point_key = text_at(j, "touch_point", "key");
    e.touch_point_name = text_at(j, "touch_point", "name");
    return o;
}

Result<Enrollment> enroll(const HttpOptions& http, const std::string& code,
                          const std::string& device_name, const std::string& data_dir) {
    const EnrolmentOutcome o = request_enrolment(http, {http.base_url, code, device_name});
    if (o.problem != EnrolmentProblem::none) return Error{o.message};
    Enrollment e;
    e.token = o.enrolled.token;
    e.device_id = o.enrolled.device_id;
    e.store = o.enrolled.store_id;
    e.touch_point = o.enrolled.touch_point_key;

    auto client = HttpClient::create(http);
    if (!client) return Error{client.error()};
    HttpResponse c = (*client)->get("/api/v1/config", e.token);
    if (c.status != 200) return Error{"enrolled, but the configuration could not be pulled: " + describe_http_error(c)};
    auto parsed = parse_remote_config(c.body, c.etag);
    if (!parsed) return Error{"enrolled, but " + parsed.error()};
    if (auto st = save_remote_config(data_dir, c.body, c.etag); !st) return Error{st.error()};
    return e;
}

// --- HeadOfficeLink ---

HeadOfficeLink::HeadOfficeLink(SyncSettings settings, std::string db_path)
    : m_settings(std::move(settings)), m_db_path(std::move(db_path)) {}

HeadOfficeLink::~HeadOfficeLink() { stop(); }

void HeadOfficeLink::stop() {
    m_stop = true;
    join_enrolment();
    m_worker.reset();
}

void HeadOfficeLink::join_enrolment() {
    if (m_enrolling.joinable()) m_enrolling.join();
}

SyncStatus HeadOfficeLink::status() const {
    if (m_worker) return m_worker->status();
    return SyncNotConfigured().status();
}

bool HeadOfficeLink::request_sync() {
    if (!m_worker) return false;
    m_worker->sync_now();
    return true;
}

void HeadOfficeLink::response_closed() {
    if (m_worker) m_worker->notify_new_response();
}

std::optional<RemoteConfig> HeadOfficeLink::take_new_config() {
    if (!m_worker) return std::nullopt;
    return m_worker->take_new_config();
}

bool HeadOfficeLink::begin_enrolment(const EnrolmentRequest& req) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_busy || m_stop) return false;
        m_busy = true;
        m_outcome.reset();
    }
    join_enrolment(); // the last attempt's thread has ended (it was not busy)
    HttpOptions http = m_settings.http;
    http.abort_flag = &m_stop;
    m_enrolling = std::thread([this, http, req] {
        EnrolmentOutcome o;
        try {
            o = request_enrolment(http, req);
        } catch (const std::exception& e) {
            o = failure(EnrolmentProblem::failed, std::string("Connecting failed: ") + e.what() + ".");
        } catch (...) {
            o = failure(EnrolmentProblem::failed, "Connecting failed: an unknown error.");
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_outcome = std::move(o);
        m_busy = false;
    });
    return true;
}

std::optional<EnrolmentOutcome> HeadOfficeLink::take_enrolment_outcome() {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto out = std::move(m_outcome);
    m_outcome.reset();
    return out;
}

Status HeadOfficeLink::start_syncing(const std::string& server_url, const std::string& token) {
    if (server_url.empty() || token.empty()) return Status::failure("This kiosk is not enrolled.");
    SyncSettings s = m_settings;
    s.http.base_url = server_url;
    s.token = token;
    m_worker.reset(); // the old device's thread, if any, ends first
    auto worker = SyncWorker::start(std::move(s), m_db_path);
    if (!worker) return Status::failure(worker.error());
    m_worker = std::move(*worker);
    return Status::success();
}

} // namespace touchpoint::sync
