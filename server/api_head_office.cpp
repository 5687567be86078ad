// The head-office half of Api (docs/api.md "Head-office API"): API keys with
// roles, responses with cursor paging, streamed exports, summaries from the
// roll-up, devices with the silent mark, survey publishing, erasure, and the
// Prometheus text. Every query goes through Storage.
#include "core/metrics.h"
#include "core/scale.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/api_internal.h"
#include "server/device_silence.h"
#include "server/export_format.h"
#include "server/secrets.h"

#include <sodium.h>

#include <cctype>
#include <cstdio>
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace touchpoint::server {

using nlohmann::json;

// --- Shared with the other head-office files (api_internal.h) ---

ApiResponse invalid(const std::string& message) {
    return error_response({400, "invalid_request", message});
}

std::string query(const ApiRequest& req, const std::string& name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
}

bool has_query(const ApiRequest& req, const std::string& name) {
    return req.query.count(name) > 0;
}

// "YYYY-MM-DD" with a month and day that exist.
bool is_day(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)),
              d = std::stoi(s.substr(8, 2));
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1]) return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

// The touch point settings (opening hours, zone) of each touch point.
std::map<std::string, TouchPointSettings>
settings_by_key(const std::vector<TouchPointRecord>& tps) {
    std::map<std::string, TouchPointSettings> out;
    for (const TouchPointRecord& t : tps) {
        auto s = touch_point_from_json(json::parse(t.settings_json, nullptr, false));
        out[t.key] = s ? *s : TouchPointSettings{};
    }
    return out;
}

// A metric rounded to 2 decimals, as JSON text.
void append_number(std::string& out, double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    out += buf;
}

void append_optional(std::string& out, const std::optional<double>& v) {
    if (v)
        append_number(out, *v);
    else
        out += "null";
}

namespace {

constexpr std::size_t k_default_limit = 100;
constexpr std::size_t k_max_limit = 1000;

ApiResponse not_found(const std::string& message) {
    return error_response({404, "not_found", message});
}

ApiResponse forbidden(const std::string& message) {
    return error_response({403, "forbidden", message});
}

std::optional<bool> read_bool(const std::string& s) {
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
    return std::nullopt;
}

// --- Cursors ---
// A cursor is the insertion sequence of the last row a page held (rows
// committed later always come after it) and the time it was given out,
// sealed with XChaCha20-Poly1305 under the server's cursor key, with the API
// key's id as associated data: base64url(nonce | ciphertext | tag). The
// sequence counts every store's responses, so a client must not read it; a
// cursor cannot be made, edited or used with another key, and the random
// nonce makes two cursors for one position look unrelated.

constexpr unsigned char k_cursor_format = 1;
constexpr std::size_t k_cursor_plain_bytes = 1 + 8 + 8; // format, seq, issued_utc_ms
constexpr std::size_t k_cursor_nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t k_cursor_bytes =
    k_cursor_nonce_bytes + k_cursor_plain_bytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr int k_base64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
// Without the terminating NUL that sodium_base64_ENCODED_LEN counts.
constexpr std::size_t k_cursor_chars = sodium_base64_ENCODED_LEN(k_cursor_bytes, k_base64) - 1;
constexpr const char* k_cursor_key_name = "cursor_key";

struct CursorPosition {
    std::int64_t seq = 0;
    std::int64_t issued_utc_ms = 0;
};

// Binds a cursor to one API key (and to its use as a cursor).
std::string cursor_associated_data(const std::string& key_id) {
    return "touchpoint cursor\n" + key_id;
}

void put_int64(unsigned char* out, std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<unsigned char>(u >> (56 - 8 * i));
}

std::int64_t get_int64(const unsigned char* in) {
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i)
        u = (u << 8) | in[i];
    return static_cast<std::int64_t>(u);
}

std::string seal_cursor(const unsigned char* key, const std::string& key_id,
                        const CursorPosition& position) {
    unsigned char plain[k_cursor_plain_bytes];
    plain[0] = k_cursor_format;
    put_int64(plain + 1, position.seq);
    put_int64(plain + 9, position.issued_utc_ms);
    unsigned char sealed[k_cursor_bytes];
    randombytes_buf(sealed, k_cursor_nonce_bytes);
    const std::string ad = cursor_associated_data(key_id);
    unsigned long long sealed_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed + k_cursor_nonce_bytes, &sealed_len, plain, sizeof plain,
        reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, sealed, key);
    char text[k_cursor_chars + 1];
    sodium_bin2base64(text, sizeof text, sealed, sizeof sealed, k_base64);
    return std::string(text, k_cursor_chars);
}

// The position inside a cursor this server sealed for this key; nothing for
// any other text (made up, edited, cut short, another key's or another
// database's).
std::optional<CursorPosition> open_cursor(const unsigned char* key, const std::string& key_id,
                                          const std::string& text) {
    if (text.size() != k_cursor_chars) return std::nullopt;
    unsigned char sealed[k_cursor_bytes];
    std::size_t sealed_len = 0;
    // Strict: the whole text, no padding, no other alphabet, unused bits zero.
    if (sodium_base642bin(sealed, sizeof sealed, text.data(), text.size(), nullptr, &sealed_len,
                          nullptr, k_base64) != 0 ||
        sealed_len != k_cursor_bytes)
        return std::nullopt;
    unsigned char plain[k_cursor_plain_bytes];
    unsigned long long plain_len = 0;
    const std::string ad = cursor_associated_data(key_id);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plain, &plain_len, nullptr, sealed + k_cursor_nonce_bytes,
            sizeof sealed - k_cursor_nonce_bytes,
            reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), sealed, key) != 0 ||
        plain_len != sizeof plain || plain[0] != k_cursor_format)
        return std::nullopt;
    CursorPosition p{get_int64(plain + 1), get_int64(plain + 9)};
    if (p.seq < 0) return std::nullopt;
    return p;
}

ApiResponse invalid_cursor(const std::string& message) {
    return error_response({400, "invalid_cursor", message});
}

// "7 days", "90 minutes", "1500 ms": a lifetime in the largest whole unit.
std::string duration_words(std::int64_t ms) {
    static const std::pair<std::int64_t, const char*> units[] = {
        {24LL * 60 * 60 * 1000, "day"}, {60LL * 60 * 1000, "hour"}, {60LL * 1000, "minute"},
        {1000, "second"}};
    for (const auto& [size, name] : units)
        if (ms > 0 && ms % size == 0)
            return std::to_string(ms / size) + " " + name + (ms == size ? "" : "s");
    return std::to_string(ms) + " ms";
}

bool device_silent(const DeviceRecord& d, const std::map<std::string, TouchPointSettings>& tps,
                   std::int64_t now, std::int64_t heartbeat_ms) {
    if (d.revoked_utc_ms) return false;
    auto tp = tps.find(d.touch_point);
    const TouchPointSettings settings = tp == tps.end() ? TouchPointSettings{} : tp->second;
    return is_silent(settings, d.last_seen_utc_ms.value_or(d.enrolled_utc_ms), now, heartbeat_ms);
}

json device_json(const DeviceRecord& d, bool silent) {
    json health = json(nullptr);
    if (!d.health_json.empty()) {
        health = json::parse(d.health_json, nullptr, false);
        if (health.is_discarded()) health = nullptr;
    }
    auto from_health = [&health](const char* name) {
        return health.is_object() && health.contains(name) ? health[name] : json(nullptr);
    };
    return json{{"id", d.id},
                {"name", d.name},
                {"store", d.store_id},
                {"touch_point", d.touch_point},
                {"enrolled_utc_ms", d.enrolled_utc_ms},
                {"revoked_utc_ms", optional_ms(d.revoked_utc_ms)},
                {"last_seen_utc_ms", optional_ms(d.last_seen_utc_ms)},
                {"silent", silent},
                {"pending", from_health("pending")},
                {"app_version", from_health("app_version")},
                {"disk_free_bytes", from_health("disk_free_bytes")},
                {"health", health}};
}

// --- Summaries ---

// A headline combined over the scales that share it (CSAT: smiley4 and
// smiley5), weighted by each scale's count: exactly the share computed over
// all of their responses together.
struct Combined {
    double weighted = 0;
    std::int64_t count = 0;
    void add(const Metrics& m, double value) {
        weighted += value * static_cast<double>(m.count);
        count += m.count;
    }
    void append(std::string& out, bool small_sample_mark) const {
        if (count == 0) {
            out += "null";
            return;
        }
        out += "{\"value\":";
        append_number(out, weighted / static_cast<double>(count));
        out += ",\"count\":" + std::to_string(count);
        if (small_sample_mark)
            out += count < 30 ? ",\"small_sample\":true" : ",\"small_sample\":false";
        out += '}';
    }
};

// One group of a summary as JSON text. Written by hand: a summary by touch
// point and day has tens of thousands of groups.
void append_group(std::string& out, const std::map<Scale, ScoreCounts>& scales, bool include_misuse,
                  const std::string& keys) {
    Combined csat, nps, ces, thumbs, index;
    std::int64_t count = 0, misuse = 0;
    std::string by_scale;
    for (const auto& [scale, counts] : scales) {
        const Metrics m = compute_metrics(counts, include_misuse);
        count += m.count;
        misuse += m.misuse;
        if (!by_scale.empty()) by_scale += ',';
        by_scale += '"';
        by_scale += to_string(scale);
        by_scale += "\":{\"count\":" + std::to_string(m.count) +
                    ",\"misuse\":" + std::to_string(m.misuse) + ",\"headline\":";
        append_optional(by_scale, m.headline);
        by_scale += ",\"satisfaction_index\":";
        append_optional(by_scale, m.satisfaction_index);
        by_scale += '}';
        if (!m.headline) continue;
        switch (headline_kind(scale)) {
        case HeadlineKind::csat:
            csat.add(m, *m.headline);
            break;
        case HeadlineKind::nps:
            nps.add(m, *m.headline);
            break;
        case HeadlineKind::ces:
            ces.add(m, *m.headline);
            break;
        case HeadlineKind::thumbs_up:
            thumbs.add(m, *m.headline);
            break;
        }
        if (m.satisfaction_index) index.add(m, *m.satisfaction_index);
    }
    out += '{';
    out += keys;
    out += "\"count\":" + std::to_string(count) + ",\"misuse\":" + std::to_string(misuse);
    out += ",\"csat\":";
    csat.append(out, false);
    out += ",\"nps\":";
    nps.append(out, true);
    out += ",\"ces\":";
    ces.append(out, false);
    out += ",\"thumbs_up\":";
    thumbs.append(out, false);
    out += ",\"satisfaction_index\":";
    if (index.count)
        append_number(out, index.weighted / static_cast<double>(index.count));
    else
        out += "null";
    out += ",\"scales\":{" + by_scale + "}}";
}

} // namespace

// --- Keys and filters ---

std::optional<ApiResponse> Api::read_filter(const ApiRequest& req, const ApiKeyRecord& key,
                                            ResponseFilter& f) {
    f.store_id = query(req, "store");
    if (key.role == ApiKeyRole::store) {
        if (!f.store_id.empty() && f.store_id != key.store_id)
            return forbidden("this API key may only see store \"" + key.store_id + "\"");
        f.store_id = key.store_id;
    }
    f.touch_point = query(req, "touch_point");
    for (const char* name : {"from", "to"}) {
        if (!has_query(req, name)) continue;
        const std::string v = query(req, name);
        if (!is_day(v))
            return invalid(std::string(name) + ": must be a local day \"YYYY-MM-DD\", not \"" +
                           v.substr(0, 40) + "\"");
        (std::string(name) == "from" ? f.from_day : f.to_day) = v;
    }
    if (!f.from_day.empty() && !f.to_day.empty() && f.from_day > f.to_day)
        return invalid("from: must not be after to");
    if (has_query(req, "include_misuse")) {
        auto b = read_bool(query(req, "include_misuse"));
        if (!b) return invalid("include_misuse: must be true or false");
        f.include_misuse = *b;
    }
    return std::nullopt;
}

// --- Endpoints ---

ApiResponse Api::devices(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    std::string store = query(req, "store");
    if (key.role == ApiKeyRole::store) {
        if (!store.empty() && store != key.store_id)
            return forbidden("this API key may only see store \"" + key.store_id + "\"");
        store = key.store_id;
    }
    std::optional<bool> only_silent;
    if (has_query(req, "silent")) {
        only_silent = read_bool(query(req, "silent"));
        if (!only_silent) return invalid("silent: must be true or false");
    }
    auto list = m_storage.list_devices(store);
    if (!list) return storage_failure(list.error());
    auto tps = m_storage.list_touch_points(store);
    if (!tps) return storage_failure(tps.error());
    const auto settings = settings_by_key(*tps);
    const std::int64_t now = m_options.now_ms();
    json devices = json::array();
    for (const DeviceRecord& d : *list) {
        const bool silent = device_silent(d, settings, now, m_options.heartbeat_interval_ms);
        if (only_silent && *only_silent != silent) continue;
        devices.push_back(device_json(d, silent));
    }
    return json_response(200, json{{"devices", devices},
                                   {"silent_after_open_ms", 3 * m_options.heartbeat_interval_ms},
                                   {"server_utc_ms", now}});
}

ApiResponse Api::stores(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    auto stores = m_storage.list_stores();
    if (!stores) return storage_failure(stores.error());
    const std::string only = key.role == ApiKeyRole::store ? key.store_id : std::string();
    auto tps = m_storage.list_touch_points(only);
    if (!tps) return storage_failure(tps.error());

    const auto settings = settings_by_key(*tps);
    struct Placed {
        const TouchPointRecord* record;
        const TouchPointSettings* settings;
    };
    std::map<std::string, std::vector<Placed>> by_store;
    for (const TouchPointRecord& t : *tps)
        by_store[t.store_id].push_back({&t, &settings.at(t.key)});
    json out = json::array();
    for (const StoreRecord& st : *stores) {
        if (!only.empty() && st.id != only) continue;
        auto& placed = by_store[st.id];
        // Journey order: placed touch points by position, then the unplaced
        // (position 0) by key.
        std::stable_sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
            const int pa = a.settings->journey_position, pb = b.settings->journey_position;
            if ((pa == 0) != (pb == 0)) return pb == 0;
            return pa < pb;
        });
        std::string statement;
        json points = json::array();
        for (const Placed& p : placed) {
            const TouchPointSettings& ts = *p.settings;
            if (statement.empty()) statement = ts.cx_statement;
            json survey = nullptr;
            if (!p.record->survey_json.empty())
                if (auto sv = survey_from_json(json::parse(p.record->survey_json, nullptr, false)))
                    survey = json{{"id", sv->id},
                                  {"version", sv->version},
                                  {"scale", std::string(to_string(sv->scale))}};
            json wire = to_json(ts);
            points.push_back(json{{"key", p.record->key},
                                  {"name", p.record->name},
                                  {"journey_position", ts.journey_position},
                                  {"owner", wire["owner"]},
                                  {"survey", survey},
                                  {"service_standard", ts.service_standard},
                                  {"opening_hours", wire["opening_hours"]}});
        }
        out.push_back(json{{"id", st.id},
                           {"name", st.name},
                           {"time_zone", st.time_zone},
                           {"cx_statement", statement},
                           {"touch_points", points}});
    }
    return json_response(200, json{{"stores", out}, {"server_utc_ms", m_options.now_ms()}});
}

ApiResponse Api::responses(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    ResponseFilter f;
    if (auto refused = read_filter(req, key, f)) return *refused;
    std::size_t limit = k_default_limit;
    if (has_query(req, "limit")) {
        const std::string v = query(req, "limit");
        if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(v) < 1 || std::stoul(v) > k_max_limit)
            return invalid("limit: must be a whole number from 1 to " +
                           std::to_string(k_max_limit));
        limit = std::stoul(v);
    }
    auto sealing = cursor_key();
    if (!sealing) return storage_failure(sealing.error());
    const std::int64_t now = m_options.now_ms();
    if (has_query(req, "cursor")) {
        auto position = open_cursor(sealing->data(), key.id, query(req, "cursor"));
        if (!position)
            return invalid_cursor("cursor: not one this server gave to this API key (pass a "
                                  "page's next_cursor unchanged, with the key that received it)");
        if (now - position->issued_utc_ms > m_options.cursor_ttl_ms)
            return invalid_cursor("cursor: expired (a cursor can be used for " +
                                  duration_words(m_options.cursor_ttl_ms) +
                                  " after the page that gave it); page again from the start");
        f.after_seq = position->seq;
    }
    auto rows = m_storage.list_responses(f, limit + 1);
    if (!rows) return storage_failure(rows.error());
    auto names = display_names();
    if (!names) return storage_failure(names.error());
    const bool more = rows->size() > limit;
    if (more) rows->pop_back();
    const std::int64_t last = rows->empty() ? f.after_seq : rows->back().seq;

    // Written by hand, as the exports are: the same object text everywhere.
    std::string body = "{\"responses\":[";
    for (std::size_t i = 0; i < rows->size(); ++i) {
        if (i) body += ',';
        append_json_object(body, (*rows)[i], *names);
    }
    body += "],\"next_cursor\":\"" + seal_cursor(sealing->data(), key.id, {last, now}) +
            "\",\"has_more\":";
    body += more ? "true" : "false";
    body += ",\"server_utc_ms\":" + std::to_string(now) + "}";
    ApiResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

ApiResponse Api::response_by_id(const ApiRequest& req, const Params& params) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    const std::string& id = params.at(0);
    auto found = m_storage.response(id);
    if (!found) return storage_failure(found.error());
    // Another store's response is answered exactly like a missing one.
    if (!*found || (key.role == ApiKeyRole::store && (*found)->store_id != key.store_id))
        return not_found("no response \"" + id.substr(0, 100) + "\"");
    auto names = display_names();
    if (!names) return storage_failure(names.error());
    std::string body;
    append_json_object(body, **found, *names);
    ApiResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

ApiResponse Api::erase_response(const ApiRequest& req, const Params& params) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    if (key.role != ApiKeyRole::head_office)
        return forbidden("only a head-office API key may erase responses");
    const std::string& id = params.at(0);
    const std::int64_t now = m_options.now_ms();
    auto outcome = m_storage.erase_response(id, now);
    if (!outcome) return storage_failure(outcome.error());
    if (*outcome == EraseStatus::not_found)
        return not_found("no response \"" + id.substr(0, 100) + "\"");
    return json_response(200, json{{"id", id},
                                   {"erased", true},
                                   {"already_erased", *outcome == EraseStatus::already_erased},
                                   {"server_utc_ms", now}});
}

ApiResponse Api::export_responses(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    ResponseFilter f;
    if (auto refused = read_filter(req, key, f)) return *refused;
    const std::string format = has_query(req, "format") ? query(req, "format") : "csv";
    if (format != "csv" && format != "jsonl") return invalid("format: must be csv or jsonl");
    // The export is of the data as it was when it started: later batches are
    // left for the next export (or a cursor).
    auto last = m_storage.last_seq();
    if (!last) return storage_failure(last.error());
    f.up_to_seq = *last;

    auto names = display_names();
    if (!names) return storage_failure(names.error());

    struct State {
        ResponseFilter filter;
        DisplayNames names;
        bool csv = true;
        bool started = false;
    };
    auto state = std::make_shared<State>();
    state->filter = f;
    state->names = std::move(*names);
    state->csv = format == "csv";
    Storage* storage = &m_storage;
    const std::size_t page = std::max<std::size_t>(1, m_options.export_page_rows);

    ApiResponse r;
    r.status = 200;
    r.content_type = state->csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
    r.headers.emplace_back("Content-Disposition", std::string("attachment; filename=\"responses.") +
                                                      (state->csv ? "csv" : "jsonl") + "\"");
    r.headers.emplace_back("Cache-Control", "no-store");
    // One page of rows per step: memory stays flat however large the export.
    r.stream = [state, storage, page](std::string& out, bool& done) -> Status {
        if (!state->started && state->csv) out += csv_header();
        state->started = true;
        auto rows = storage->list_responses(state->filter, page);
        if (!rows) return Status::failure(rows.error());
        out.reserve(out.size() + rows->size() * 256);
        for (const StoredResponse& row : *rows) {
            if (state->csv) {
                append_csv_row(out, row, state->names);
            } else {
                append_json_object(out, row, state->names);
                out += '\n';
            }
        }
        if (!rows->empty()) state->filter.after_seq = rows->back().seq;
        done = rows->size() < page;
        return Status::success();
    };
    return r;
}

ApiResponse Api::summary(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    ResponseFilter f;
    if (auto refused = read_filter(req, key, f)) return *refused;
    SummaryGrouping g;
    json group_by = json::array();
    const std::string text = query(req, "group_by");
    std::size_t pos = 0;
    while (!text.empty() && pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        std::string part =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        bool* flag = part == "store"         ? &g.store
                     : part == "touch_point" ? &g.touch_point
                     : part == "day"         ? &g.day
                     : part == "hour"        ? &g.hour
                                             : nullptr;
        if (!flag)
            return invalid("group_by: \"" + part.substr(0, 40) +
                           "\" is not one of store, touch_point, day, hour");
        if (!*flag) group_by.push_back(part);
        *flag = true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    auto counts = m_storage.rollup(f, g);
    if (!counts) return storage_failure(counts.error());
    Result<DisplayNames> names = DisplayNames{};
    if (g.store || g.touch_point) names = display_names();
    if (!names) return storage_failure(names.error());

    // The counts come sorted by group, so each group is gathered and written
    // in one pass.
    std::string body = "{\"group_by\":" + group_by.dump() +
                       ",\"include_misuse\":" + (f.include_misuse ? "true" : "false") +
                       ",\"groups\":[";
    std::map<Scale, ScoreCounts> scales;
    const RollupCount* current = nullptr;
    std::string keys;
    bool first = true;
    auto flush = [&] {
        if (!current) return;
        keys.clear();
        auto key_text = [&keys](const char* name, const std::string& v) {
            keys += '"';
            keys += name;
            keys += "\":";
            append_json_string(keys, v);
            keys += ',';
        };
        if (g.store) {
            key_text("store", current->store_id);
            key_text("store_name", names->store(current->store_id));
        }
        if (g.touch_point) {
            key_text("touch_point", current->touch_point);
            key_text("touch_point_name", names->touch_point(current->touch_point));
        }
        if (g.day) key_text("day", current->local_day);
        if (g.hour) keys += "\"hour\":" + std::to_string(current->local_hour) + ",";
        if (!first) body += ',';
        first = false;
        append_group(body, scales, f.include_misuse, keys);
        scales.clear();
    };
    for (const RollupCount& c : *counts) {
        if (current && (c.local_hour != current->local_hour || c.local_day != current->local_day ||
                        c.touch_point != current->touch_point || c.store_id != current->store_id))
            flush();
        current = &c;
        ScoreCounts& sc = scales[c.scale];
        sc.scale = c.scale;
        sc.add(c.score, c.misuse, c.count);
    }
    flush();
    body += "],\"server_utc_ms\":" + std::to_string(m_options.now_ms()) + "}";
    ApiResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

ApiResponse Api::publish_survey(const ApiRequest& req, const std::string& store_id,
                                const std::string& touch_point) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    std::string scope_store = store_id;
    if (key.role == ApiKeyRole::store) {
        if (!store_id.empty() && store_id != key.store_id)
            return forbidden("this API key may only publish to store \"" + key.store_id + "\"");
        scope_store = key.store_id;
    }
    if (auto refused = require_json(req)) return *refused;
    JsonParse parsed = parse_json_body(req.body, m_options.limits.max_depth);
    if (parsed.error) return error_response(*parsed.error);
    auto survey = survey_from_json(parsed.value);
    if (!survey) return invalid(survey.error());
    if (!store_id.empty()) {
        auto store = m_storage.store(store_id);
        if (!store) {
            if (store.error().rfind("no store", 0) == 0)
                return not_found("no store \"" + store_id.substr(0, 100) + "\"");
            return storage_failure(store.error());
        }
    }

    const std::int64_t now = m_options.now_ms();
    auto edited =
        m_storage.edit_touch_points(scope_store, touch_point, [&](TouchPointRecord& t) -> Status {
            Survey next = *survey;
            // A published survey always gets a higher version than the one it
            // replaces, so its devices see that it changed.
            if (!t.survey_json.empty()) {
                auto old = survey_from_json(json::parse(t.survey_json, nullptr, false));
                if (old && next.version <= old->version) next.version = old->version + 1;
            }
            json settings = json::parse(t.settings_json, nullptr, false);
            if (!settings.is_object()) settings = json::object();
            settings["survey"] = next.id;
            t.settings_json = settings.dump();
            t.survey_json = to_json(next).dump();
            t.updated_utc_ms = now;
            return Status::success();
        });
    if (!edited) return storage_failure(edited.error());
    if (!touch_point.empty() && edited->empty())
        return not_found("no touch point \"" + touch_point.substr(0, 100) + "\"");
    json published = json::array();
    for (const TouchPointRecord& t : *edited) {
        json s = json::parse(t.survey_json, nullptr, false);
        published.push_back({{"key", t.key},
                             {"store", t.store_id},
                             {"survey_id", s.value("id", "")},
                             {"version", s.value("version", 0)}});
    }
    return json_response(200, json{{"touch_points", published}, {"server_utc_ms", now}});
}

// --- Names beside ids ---

Result<DisplayNames> Api::display_names() {
    auto stores = m_storage.list_stores();
    if (!stores) return Error{stores.error()};
    auto tps = m_storage.list_touch_points("");
    if (!tps) return Error{tps.error()};
    DisplayNames names;
    for (const StoreRecord& s : *stores)
        names.stores.emplace(s.id, s.name);
    for (const TouchPointRecord& t : *tps)
        names.touch_points.emplace(t.key, t.name);
    return names;
}

// --- Cursor key ---

Result<Api::CursorKey> Api::cursor_key() {
    static_assert(sizeof(CursorKey) == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (m_cursor_key_loaded.load(std::memory_order_acquire)) return m_cursor_key;
    std::lock_guard<std::mutex> lock(m_cursor_key_mutex);
    if (m_cursor_key_loaded.load(std::memory_order_relaxed)) return m_cursor_key;
    if (Status st = init_secrets(); !st) return Error{st.error()};
    // Offered as this instance's; the database keeps the first one offered.
    auto hex = m_storage.server_secret(k_cursor_key_name, random_hex(m_cursor_key.size()),
                                       m_options.now_ms());
    if (!hex) return Error{hex.error()};
    CursorKey key{};
    std::size_t len = 0;
    if (sodium_hex2bin(key.data(), key.size(), hex->data(), hex->size(), nullptr, &len, nullptr) !=
            0 ||
        len != key.size())
        return Error{"the cursor key kept in the database is damaged"};
    m_cursor_key = key;
    m_cursor_key_loaded.store(true, std::memory_order_release);
    return m_cursor_key;
}

// --- Monitoring ---

Result<std::int64_t> Api::silent_device_count() {
    auto list = m_storage.list_devices("");
    if (!list) return Error{list.error()};
    auto tps = m_storage.list_touch_points("");
    if (!tps) return Error{tps.error()};
    const auto settings = settings_by_key(*tps);
    const std::int64_t now = m_options.now_ms();
    std::int64_t n = 0;
    for (const DeviceRecord& d : *list)
        if (device_silent(d, settings, now, m_options.heartbeat_interval_ms)) ++n;
    return n;
}

ApiResponse Api::metrics() {
    auto silent = silent_device_count();
    if (!silent) return storage_failure(silent.error());
    ApiResponse r;
    r.status = 200;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = m_stats.render(*silent);
    if (m_options.open_connections)
        r.body += "# HELP touchpoint_http_connections HTTP connections open now\n"
                  "# TYPE touchpoint_http_connections gauge\n"
                  "touchpoint_http_connections " +
                  std::to_string(m_options.open_connections()) + "\n";
    return r;
}

} // namespace touchpoint::server
