#include "sync_client.h"

#include "core/wire.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <random>

namespace touchpoint::sync {

using namespace std::chrono;

namespace {
std::int64_t now_utc_ms() {
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
std::uint64_t seed_or_random(std::uint64_t s) {
    if (s != 0) return s;
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// What a 200 answer to a batch says, once it has been checked to account
// for the batch.
struct BatchAnswer {
    int accepted = 0;
    int duplicates = 0;
    std::map<std::string, std::string> rejected; // id -> reason
};

// A count in the answer: a non-negative integer no larger than the batch.
std::optional<int> read_count(const nlohmann::json& answer, const char* key, std::size_t batch_n) {
    auto it = answer.find(key);
    if (it == answer.end() || !it->is_number_integer()) return std::nullopt;
    if (it->is_number_unsigned()) {
        const auto n = it->get<std::uint64_t>();
        if (n > batch_n) return std::nullopt;
        return static_cast<int>(n);
    }
    const auto n = it->get<std::int64_t>();
    if (n < 0 || static_cast<std::uint64_t>(n) > batch_n) return std::nullopt;
    return static_cast<int>(n);
}

// An id from the answer, short enough to quote in the last error.
std::string quoted_id(const std::string& id) {
    std::string q = id.size() > 40 ? id.substr(0, 40) + "..." : id;
    return "\"" + q + "\"";
}

// Reads a 200 answer to `batch` (docs/api.md, "What a sync client does with
// each answer"). It accounts for the batch when it is a JSON object whose
// counts are integers, every rejected entry names a different response of
// the batch (at its index, when the index is given), accepted + duplicates +
// rejected is the number of responses sent, and committed_digest, when the
// server gives one, is the digest of the ids sent less the rejected ones.
// Anything else is an error in plain words. Never throws (except bad_alloc).
Result<BatchAnswer> read_batch_answer(const std::string& body, const std::vector<Response>& batch) {
    const std::string prefix = "the server's answer did not account for the batch: ";
    const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (answer.is_discarded()) return Error{prefix + "it is not JSON"};
    if (!answer.is_object()) return Error{prefix + "it is not a JSON object"};
    const std::size_t n = batch.size();
    BatchAnswer out;
    const auto accepted = read_count(answer, "accepted", n);
    if (!accepted) return Error{prefix + "\"accepted\" is missing or not a count"};
    const auto duplicates = read_count(answer, "duplicates", n);
    if (!duplicates) return Error{prefix + "\"duplicates\" is missing or not a count"};
    out.accepted = *accepted;
    out.duplicates = *duplicates;

    auto rejected = answer.find("rejected");
    if (rejected == answer.end() || !rejected->is_array())
        return Error{prefix + "\"rejected\" is missing or not a list"};
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < n; ++i)
        position.emplace(batch[i].id, i);
    for (const nlohmann::json& item : *rejected) {
        if (!item.is_object()) return Error{prefix + "a rejected entry is not an object"};
        auto id = item.find("id");
        if (id == item.end() || !id->is_string())
            return Error{prefix + "a rejected entry has no id"};
        const std::string& rid = id->get_ref<const std::string&>();
        auto pos = position.find(rid);
        if (pos == position.end())
            return Error{prefix + "rejected response " + quoted_id(rid) + " was not in it"};
        if (auto index = item.find("index"); index != item.end()) {
            if (!index->is_number_unsigned() || index->get<std::uint64_t>() != pos->second)
                return Error{prefix + "rejected response " + quoted_id(rid) + " has the wrong index"};
        }
        std::string why = "rejected by the server";
        if (auto error = item.find("error"); error != item.end()) {
            if (!error->is_string())
                return Error{prefix + "the reason for rejecting " + quoted_id(rid) + " is not text"};
            why = error->get<std::string>();
        }
        if (auto code = item.find("code"); code != item.end()) {
            if (!code->is_string())
                return Error{prefix + "the code for rejecting " + quoted_id(rid) + " is not text"};
            why = code->get<std::string>() + ": " + why;
        }
        if (!out.rejected.emplace(rid, std::move(why)).second)
            return Error{prefix + "response " + quoted_id(rid) + " is rejected twice"};
    }

    const std::size_t counted = static_cast<std::size_t>(out.accepted) +
                                static_cast<std::size_t>(out.duplicates) + out.rejected.size();
    if (counted != n)
        return Error{prefix + std::to_string(out.accepted) + " accepted + " +
                     std::to_string(out.duplicates) + " duplicates + " +
                     std::to_string(out.rejected.size()) + " rejected for " + std::to_string(n) +
                     " responses sent"};

    if (auto digest = answer.find("committed_digest"); digest != answer.end()) {
        if (!digest->is_string()) return Error{prefix + "\"committed_digest\" is not text"};
        std::vector<std::string> stored;
        stored.reserve(n);
        for (const Response& r : batch)
            if (!out.rejected.count(r.id)) stored.push_back(r.id);
        if (digest->get_ref<const std::string&>() != committed_digest(std::move(stored)))
            return Error{prefix + "its committed_digest is not that of the responses sent"};
    }
    return out;
}
} // namespace

std::string describe_http_error(const HttpResponse& r) {
    if (r.status == 0) return r.network_error;
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object() &&
        j["error"].contains("message") && j["error"]["message"].is_string())
        return "the server answered " + std::to_string(r.status) + ": " +
               j["error"]["message"].get<std::string>();
    return "the server answered " + std::to_string(r.status);
}

SyncClient::SyncClient(SyncSettings settings, LocalDatabase& database, HttpClient& http)
    : m_settings(std::move(settings)), m_database(database), m_http(http),
      m_backoff(m_settings.backoff_base, m_settings.backoff_cap, seed_or_random(m_settings.seed)),
      m_batch_size(m_settings.batch_size) {
    m_status.state = SyncPhase::idle;
    m_status.server_url = m_settings.http.base_url;
}

void SyncClient::refresh_counts() {
    DatabaseHealth h = m_database.health();
    m_status.pending = h.pending;
    m_status.rejected = h.rejected;
}

std::string SyncClient::health_json(const DatabaseHealth& h, std::int64_t pending) const {
    nlohmann::json j{
        {"disk_free_bytes", std::max<std::int64_t>(0, h.disk_free_bytes)},
        {"database_bytes", std::max<std::int64_t>(0, h.database_bytes)},
        {"app_version", m_settings.app_version},
        {"last_error", m_status.last_error.substr(0, 1000)},
        {"pending", std::max<std::int64_t>(0, pending)},
    };
    if (m_status.last_sync_utc_ms > 0)
        j["last_sync_utc_ms"] = m_status.last_sync_utc_ms;
    else
        j["last_sync_utc_ms"] = nullptr;
    // The error is cut at 1000 bytes, maybe inside a character: replace what
    // is not UTF-8 rather than throw.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

SyncStep SyncClient::failed(const HttpResponse& r, const std::string& what, steady_clock::time_point now) {
    (void)now;
    SyncStep s;
    m_status.last_error = what + ": " + describe_http_error(r);
    if (r.status == 401) {
        m_status.state = SyncPhase::must_reenroll;
        m_status.server_reachable = true;
        m_status.last_error = "the server no longer accepts this device (" + describe_http_error(r) +
                              "); it must be enrolled again";
        s.kind = SyncStep::Kind::must_reenroll;
        return s;
    }
    m_status.server_reachable = r.status != 0;
    m_status.state = SyncPhase::retrying;
    milliseconds retry_after{r.retry_after_s > 0 ? r.retry_after_s * 1000 : 0};
    s.kind = SyncStep::Kind::retry_later;
    s.wait = m_backoff.next_delay(retry_after);
    m_status.next_attempt_in_ms = s.wait.count();
    return s;
}

SyncStep SyncClient::unaccounted(const std::string& why) {
    m_status.last_error = why;
    m_status.server_reachable = true;
    m_status.state = SyncPhase::retrying;
    SyncStep s;
    s.kind = SyncStep::Kind::retry_later;
    s.wait = m_backoff.next_delay();
    m_status.next_attempt_in_ms = s.wait.count();
    return s;
}

SyncStep SyncClient::fault(const std::string& what) {
    m_status.last_error = "sync stopped by an unexpected error: " + what;
    m_status.state = SyncPhase::retrying;
    m_drain_counted_at.reset();
    SyncStep s;
    s.kind = SyncStep::Kind::retry_later;
    s.wait = m_backoff.next_delay();
    m_status.next_attempt_in_ms = s.wait.count();
    return s;
}

SyncStep SyncClient::step(steady_clock::time_point now) {
    if (m_status.state == SyncPhase::must_reenroll) return {SyncStep::Kind::must_reenroll};
    auto batch = m_database.pending_batch(m_batch_size);
    if (!batch) {
        m_status.last_error = "the local database could not be read: " + batch.error();
        SyncStep s;
        s.kind = SyncStep::Kind::retry_later;
        s.wait = m_backoff.next_delay();
        return s;
    }
    if (!batch->empty()) return send_batch(std::move(*batch), now);
    m_drain_counted_at.reset();

    refresh_counts();
    if (m_contacted && now - m_last_contact < m_settings.heartbeat_interval) {
        SyncStep s;
        s.kind = SyncStep::Kind::idle;
        s.wait = duration_cast<milliseconds>(m_last_contact + m_settings.heartbeat_interval - now);
        return s;
    }
    const DatabaseHealth h = m_database.health();
    HttpResponse r =
        m_http.post_json("/api/v1/heartbeat", health_json(h, h.pending), m_settings.token);
    if (r.status != 200) return failed(r, "heartbeat", now);
    m_backoff.reset();
    m_contacted = true;
    m_last_contact = now;
    m_status.server_reachable = true;
    m_status.state = SyncPhase::idle;
    m_status.next_attempt_in_ms = 0;
    SyncStep s;
    s.kind = SyncStep::Kind::heartbeat;
    s.wait = m_settings.heartbeat_interval;
    return s;
}

// Counting the pending rows walks the whole queue, milliseconds a batch when a
// kiosk comes back with a long one. So while a backlog drains the database is
// counted every couple of seconds and the count carried down batch by batch
// in between; responses closed meanwhile show up at the next count. Any step
// that is not a sent batch drops the carried count.
DatabaseHealth SyncClient::health_for_batch(steady_clock::time_point now) {
    constexpr auto k_recount = seconds{2};
    if (!m_drain_counted_at || now - *m_drain_counted_at >= k_recount) {
        m_drain_health = m_database.health();
        m_drain_counted_at = now;
    }
    return m_drain_health;
}

SyncStep SyncClient::send_batch(std::vector<Response> batch, steady_clock::time_point now) {
    m_status.state = SyncPhase::syncing;
    // Written straight from the rows (a batch is hundreds of them); each
    // response object gets "closed": true, which the wire format requires.
    std::string body = "{\"responses\":[";
    body.reserve(400 * batch.size() + 400);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (i > 0) body += ',';
        append_json(body, batch[i]);
        body.back() = ',';
        body += "\"closed\":true}";
    }
    body += "],\"health\":";
    // Pending as the server will see it once this batch is in.
    const DatabaseHealth before = health_for_batch(now);
    m_status.pending = before.pending; // until the server accounts for the batch
    m_status.rejected = before.rejected;
    const auto counted_at = *m_drain_counted_at;
    m_drain_counted_at.reset(); // until this batch is through
    const std::int64_t batch_n = static_cast<std::int64_t>(batch.size());
    body += health_json(before, before.pending - batch_n);
    body += '}';
    HttpResponse r = m_http.post_json("/api/v1/batches", body, m_settings.token);

    if (r.status == 413 || (r.status == 400 && batch.size() > 1)) {
        // Too big, or something in it the server cannot read as a whole: halve.
        m_batch_size = std::max<int>(1, static_cast<int>(batch.size()) / 2);
        m_status.last_error = "batch: " + describe_http_error(r) + " (sending smaller batches)";
        SyncStep s;
        s.kind = SyncStep::Kind::retry_later;
        s.wait = milliseconds{0};
        return s;
    }
    if (r.status == 400 || r.status == 415) {
        // A single response the server cannot read at all: keep it, mark it
        // rejected with the reason, and carry on with the queue.
        Status st = m_database.mark_rejected(batch.front().id, describe_http_error(r));
        if (!st) m_status.last_error = "the local database could not be written: " + st.error();
        SyncStep s;
        s.kind = SyncStep::Kind::sent;
        s.rejected = 1;
        return s;
    }
    if (r.status != 200) return failed(r, "sync", now);

    auto answer = read_batch_answer(r.body, batch);
    if (!answer) {
        // Committed or not, we cannot tell: nothing is marked, the batch is
        // sent again later (a resend is counted as duplicates, never stored twice).
        return unaccounted(answer.error());
    }
    for (const auto& [id, why] : answer->rejected) {
        Status st = m_database.mark_rejected(id, why);
        if (!st) m_status.last_error = "the local database could not be written: " + st.error();
    }
    std::vector<std::int64_t> synced;
    synced.reserve(batch.size());
    for (const Response& resp : batch)
        if (!answer->rejected.count(resp.id)) synced.push_back(resp.sequence);
    Status st = m_database.mark_synced(synced);
    if (!st) {
        // The server has them; they will be resent and counted as duplicates.
        m_status.last_error = "the local database could not be written: " + st.error();
        SyncStep retry;
        retry.kind = SyncStep::Kind::retry_later;
        retry.wait = m_backoff.next_delay();
        return retry;
    }
    SyncStep s;
    s.kind = SyncStep::Kind::sent;
    s.accepted = answer->accepted;
    s.duplicates = answer->duplicates;
    s.rejected = static_cast<int>(answer->rejected.size());
    m_backoff.reset();
    m_batch_size = std::min(m_settings.batch_size, std::max(m_batch_size * 2, 1));
    m_contacted = true;
    m_last_contact = now;
    m_status.server_reachable = true;
    m_status.last_sync_utc_ms = now_utc_ms();
    m_status.last_error.clear();
    m_status.next_attempt_in_ms = 0;
    // Every response of the batch left the queue (synced or rejected). Ones
    // closed since `before` are counted at the next step.
    m_status.pending = std::max<std::int64_t>(0, before.pending - batch_n);
    m_status.rejected = before.rejected + s.rejected;
    m_drain_health = before;
    m_drain_health.pending = m_status.pending;
    m_drain_health.rejected = m_status.rejected;
    m_drain_counted_at = counted_at;
    m_status.state = m_status.pending > 0 ? SyncPhase::syncing : SyncPhase::idle;
    return s;
}

Result<std::optional<RemoteConfig>> SyncClient::pull_config() {
    HttpResponse r = m_http.get("/api/v1/config", m_settings.token, m_etag);
    if (r.status == 304) return std::optional<RemoteConfig>{};
    if (r.status == 401) {
        failed(r, "configuration", steady_clock::now());
        return Error{m_status.last_error};
    }
    if (r.status != 200) return Error{"configuration: " + describe_http_error(r)};
    auto rc = parse_remote_config(r.body, r.etag);
    if (!rc) return Error{rc.error()};
    if (!m_settings.data_dir.empty()) {
        Status st = save_remote_config(m_settings.data_dir, r.body, r.etag);
        if (!st) return Error{st.error()};
    }
    m_etag = r.etag;
    if (rc->survey) m_status.config_version = rc->survey->version;
    return std::optional<RemoteConfig>{std::move(*rc)};
}

} // namespace touchpoint::sync
