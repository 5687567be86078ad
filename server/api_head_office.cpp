// The head-office half of Api (docs/api.md "Head-office API"): API keys with
// roles, responses with cursor paging, streamed exports, summaries from the
// roll-up, devices with the silent mark, survey publishing, erasure, and the
// Prometheus text. Every query goes through Storage.
#include "core/metrics.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/api_internal.h"
#include "server/device_silence.h"
#include "server/export_format.h"
#include "server/secrets.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace touchpoint::server {

using nlohmann::json;

namespace {

constexpr std::size_t k_default_limit = 100;
constexpr std::size_t k_max_limit = 1000;

ApiResponse invalid(const std::string& message) {
    return error_response({400, "invalid_request", message});
}

ApiResponse not_found(const std::string& message) {
    return error_response({404, "not_found", message});
}

ApiResponse forbidden(const std::string& message) {
    return error_response({403, "forbidden", message});
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

std::optional<bool> read_bool(const std::string& s) {
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
    return std::nullopt;
}

// --- Cursors: opaque to clients; inside, the insertion sequence of the last
// row a page held, so rows committed later always come after it. ---

std::string encode_cursor(std::int64_t seq) {
    static const char hex[] = "0123456789abcdef";
    const std::string plain = "seq:" + std::to_string(seq);
    std::string out;
    for (unsigned char c : plain) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::optional<std::int64_t> decode_cursor(const std::string& cursor) {
    if (cursor.empty() || cursor.size() % 2 || cursor.size() > 64) return std::nullopt;
    std::string plain;
    for (std::size_t i = 0; i < cursor.size(); i += 2) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        int hi = nibble(cursor[i]), lo = nibble(cursor[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        plain += static_cast<char>(hi * 16 + lo);
    }
    if (plain.rfind("seq:", 0) != 0) return std::nullopt;
    const std::string digits = plain.substr(4);
    if (digits.empty() || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoll(digits);
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
    if (has_query(req, "cursor")) {
        auto seq = decode_cursor(query(req, "cursor"));
        if (!seq) return invalid("cursor: not a cursor this server gave out");
        f.after_seq = *seq;
    }
    auto rows = m_storage.list_responses(f, limit + 1);
    if (!rows) return storage_failure(rows.error());
    const bool more = rows->size() > limit;
    if (more) rows->pop_back();
    const std::int64_t last = rows->empty() ? f.after_seq : rows->back().seq;

    // Written by hand, as the exports are: the same object text everywhere.
    std::string body = "{\"responses\":[";
    for (std::size_t i = 0; i < rows->size(); ++i) {
        if (i) body += ',';
        append_json_object(body, (*rows)[i]);
    }
    body += "],\"next_cursor\":\"" + encode_cursor(last) + "\",\"has_more\":";
    body += more ? "true" : "false";
    body += ",\"server_utc_ms\":" + std::to_string(m_options.now_ms()) + "}";
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
    std::string body;
    append_json_object(body, **found);
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

    struct State {
        ResponseFilter filter;
        bool csv = true;
        bool started = false;
    };
    auto state = std::make_shared<State>();
    state->filter = f;
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
                append_csv_row(out, row);
            } else {
                append_json_object(out, row);
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
        if (g.store) key_text("store", current->store_id);
        if (g.touch_point) key_text("touch_point", current->touch_point);
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
    return r;
}

} // namespace touchpoint::server
