#include "sync/server_probe.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>

namespace touchpoint::sync {

namespace {

std::int64_t now_utc_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool is_certificate_failure(int curl_code) {
    switch (curl_code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return true;
    default:
        return false;
    }
}

} // namespace

ServerProbe probe_server(const HttpOptions& http, const std::string& token) {
    ServerProbe p;
    auto client = HttpClient::create(http);
    if (!client) {
        p.network_error = client.error();
        return p;
    }
    const std::int64_t sent = now_utc_ms();
    const HttpResponse r = (*client)->post_json("/api/v1/batches", R"({"responses":[]})", token);
    const std::int64_t received = now_utc_ms();
    // The server read its clock somewhere within the round trip: compare
    // with the middle of it.
    p.device_utc_ms = sent + (received - sent) / 2;
    p.status = r.status;
    p.network_error = r.network_error;
    p.certificate_problem = r.status == 0 && is_certificate_failure(r.curl_code);
    const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return p;
    if (auto t = j.find("server_utc_ms"); t != j.end() && t->is_number_integer())
        p.server_utc_ms = t->get<std::int64_t>();
    if (auto e = j.find("error"); e != j.end() && e->is_object())
        if (auto m = e->find("message"); m != e->end() && m->is_string())
            p.message = m->get<std::string>();
    return p;
}

} // namespace touchpoint::sync
