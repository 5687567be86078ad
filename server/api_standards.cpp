// Head office against the service standards (docs/api.md "GET
// /api/v1/standards" and "GET /api/v1/highlights"): per touch point, each
// day's headline against the standard in force that day, the period's, and
// the consistency level computed by core's consistency_level over the same
// look-back the kiosk uses; and the top reasons and newest comments that go
// beside them. Figures come from the daily roll-up.
#include "core/local_time.h"
#include "core/metrics.h"
#include "core/survey.h"
#include "core/wire.h"
#include "server/api.h"
#include "server/api_internal.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace touchpoint::server {

using nlohmann::json;

namespace {

// The longest period one request may ask for.
constexpr int k_max_period_days = 366;
// Without from/to: the last 30 days up to today.
constexpr int k_default_period_days = 30;
constexpr std::size_t k_default_highlights = 5;
constexpr std::size_t k_max_highlights = 50;

// A touch point's settings over time: each version applies from the local
// day it was made on (the day's end decides), the first one to every day
// before it too.
class SettingsOverTime {
  public:
    void add(const std::string& from_day, TouchPointSettings s) {
        m_versions.push_back({from_day, std::move(s)});
    }
    bool empty() const { return m_versions.empty(); }
    const TouchPointSettings& on(const std::string& day) const {
        // Versions come oldest first; the last one made on or before `day`.
        auto it = std::upper_bound(m_versions.begin(), m_versions.end(), day,
                                   [](const std::string& d, const Version& v) { return d < v.from_day; });
        return it == m_versions.begin() ? m_versions.front().settings : std::prev(it)->settings;
    }

  private:
    struct Version {
        std::string from_day;
        TouchPointSettings settings;
    };
    std::vector<Version> m_versions;
};

// Calendar facts of local days, worked out once per request: a thousand
// touch points share the same few hundred days.
class Calendar {
  public:
    const std::string& next(const std::string& day) {
        auto it = m_next.find(day);
        if (it == m_next.end()) it = m_next.emplace(day, add_days(day, 1)).first;
        return it->second;
    }
    // open_on(), with the weekday remembered.
    bool open(const TouchPointSettings& s, const std::string& day) {
        auto it = m_weekday.find(day);
        if (it == m_weekday.end()) it = m_weekday.emplace(day, weekday_of(day)).first;
        return it->second < 0 || !s.opening_hours.days[static_cast<std::size_t>(it->second)].empty();
    }

  private:
    std::unordered_map<std::string, std::string> m_next;
    std::unordered_map<std::string, int> m_weekday;
};

struct TouchPointView {
    const StoreRecord* store = nullptr;
    const TouchPointRecord* record = nullptr;
    TouchPointSettings now; // as set today: owner, journey position
    std::optional<Scale> scale;
    SettingsOverTime history;
    std::string from, to, as_of, first_read;
    std::map<std::string, ScoreCounts> days; // local day -> counts of the survey's scale
};

void append_key(std::string& out, const char* name) {
    out += '"';
    out += name;
    out += "\":";
}

void append_string_field(std::string& out, const char* name, const std::string& v) {
    append_key(out, name);
    append_json_string(out, v);
    out += ',';
}

void append_met(std::string& out, const std::optional<bool>& met) {
    out += !met ? "null" : *met ? "true" : "false";
}

void append_owner(std::string& out, const TouchPointSettings& s) {
    out += "{\"name\":";
    append_json_string(out, s.owner_name);
    out += ",\"email\":";
    append_json_string(out, s.owner_email);
    out += '}';
}

void append_entry(std::string& out, const TouchPointView& v, Calendar& calendar) {
    const TouchPointSettings& at_end = v.history.on(v.to);
    out += '{';
    append_string_field(out, "store", v.store->id);
    append_string_field(out, "store_name", v.store->name);
    append_string_field(out, "touch_point", v.record->key);
    append_string_field(out, "touch_point_name", v.record->name);
    out += "\"journey_position\":" + std::to_string(v.now.journey_position) + ",\"owner\":";
    append_owner(out, v.now);
    out += ",\"scale\":";
    if (v.scale) {
        append_json_string(out, std::string(to_string(*v.scale)));
        out += ",\"headline_name\":";
        append_json_string(out, std::string(headline_name(*v.scale)));
    } else {
        out += "null,\"headline_name\":null";
    }
    out += ",\"service_standard\":";
    append_number(out, at_end.service_standard);
    out += ',';
    append_string_field(out, "from", v.from);
    append_string_field(out, "to", v.to);

    // --- Every day of the period, and the period as a whole ---
    ScoreCounts period;
    period.scale = v.scale.value_or(Scale::smiley5);
    std::string days = "[";
    for (std::string day = v.from; day <= v.to; day = calendar.next(day)) {
        const TouchPointSettings& s = v.history.on(day);
        Metrics m;
        if (auto it = v.days.find(day); it != v.days.end()) {
            m = compute_metrics(it->second);
            for (std::size_t i = 0; i < period.counted.size(); ++i) {
                period.counted[i] += it->second.counted[i];
                period.misuse[i] += it->second.misuse[i];
            }
        }
        const bool open = calendar.open(s, day);
        const bool counted = open && m.count >= k_counted_day_min && m.headline;
        std::optional<bool> met;
        if (counted && v.scale) met = meets_standard(*v.scale, *m.headline, s.service_standard);
        if (days.size() > 1) days += ',';
        days += "{\"day\":\"" + day + "\",\"open\":" + (open ? "true" : "false") +
                ",\"count\":" + std::to_string(m.count) + ",\"headline\":";
        append_optional(days, m.headline);
        days += ",\"service_standard\":";
        append_number(days, s.service_standard);
        days += std::string(",\"counted\":") + (counted ? "true" : "false") + ",\"met\":";
        append_met(days, met);
        days += '}';
    }
    days += ']';
    const Metrics pm = compute_metrics(period);
    std::optional<bool> period_met;
    if (pm.headline && v.scale)
        period_met = meets_standard(*v.scale, *pm.headline, at_end.service_standard);
    out += "\"period\":{\"count\":" + std::to_string(pm.count) + ",\"headline\":";
    append_optional(out, pm.headline);
    out += ",\"met\":";
    append_met(out, period_met);
    out += "},\"days\":" + days;

    // --- Consistency: core's rule over the kiosk's look-back, up to as_of ---
    std::vector<DayCounts> looked_at;
    for (auto it = v.days.lower_bound(v.first_read); it != v.days.end() && it->first <= v.as_of;
         ++it) {
        const TouchPointSettings& s = v.history.on(it->first);
        DayCounts d;
        d.day = it->first;
        d.open = calendar.open(s, it->first);
        d.counts = it->second;
        d.target = s.service_standard;
        looked_at.push_back(std::move(d));
    }
    const Consistency c = v.scale ? consistency_level(*v.scale, std::move(looked_at),
                                                      at_end.service_standard)
                                  : Consistency{};
    out += ",\"consistency\":{\"level\":\"" + std::string(to_code(c.level)) +
           "\",\"days_counted\":" + std::to_string(c.days_measured) +
           ",\"days_met\":" + std::to_string(c.days_met) +
           ",\"window_days\":" + std::to_string(k_consistency_window_days) + ",\"as_of\":\"" +
           v.as_of + "\",\"window\":[";
    for (std::size_t i = 0; i < c.window.size(); ++i) {
        if (i) out += ',';
        out += "{\"day\":\"" + c.window[i].day + "\",\"met\":" + (c.window[i].met ? "true" : "false") +
               '}';
    }
    out += "]}}";
}

// Days from `first` up to as_of that count into the consistency level.
int qualifying_days(const TouchPointView& v, const std::string& first, Calendar& calendar) {
    int n = 0;
    for (auto it = v.days.lower_bound(first); it != v.days.end() && it->first <= v.as_of; ++it) {
        if (!calendar.open(v.history.on(it->first), it->first)) continue;
        if (compute_metrics(it->second).count >= k_counted_day_min) ++n;
    }
    return n;
}

// Touch points in journey order within each store: placed ones by position,
// then the unplaced (position 0) by key.
bool journey_before(const TouchPointView& a, const TouchPointView& b) {
    if (a.store->id != b.store->id) return a.store->id < b.store->id;
    const int pa = a.now.journey_position, pb = b.now.journey_position;
    if ((pa == 0) != (pb == 0)) return pb == 0;
    if (pa != pb) return pa < pb;
    return a.record->key < b.record->key;
}

std::optional<Scale> survey_scale(const TouchPointRecord& t) {
    if (t.survey_json.empty()) return std::nullopt;
    auto survey = survey_from_json(json::parse(t.survey_json, nullptr, false));
    if (!survey) return std::nullopt;
    return survey->scale;
}

} // namespace

ApiResponse Api::standards(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    ResponseFilter f;
    if (auto refused = read_filter(req, key, f)) return *refused;
    if (!f.from_day.empty() && !f.to_day.empty() &&
        add_days(f.from_day, k_max_period_days - 1) < f.to_day)
        return invalid("from, to: a period of at most " + std::to_string(k_max_period_days) +
                       " days");

    auto stores = m_storage.list_stores();
    if (!stores) return storage_failure(stores.error());
    auto tps = m_storage.list_touch_points(f.store_id);
    if (!tps) return storage_failure(tps.error());
    auto history = m_storage.touch_point_history(f.store_id);
    if (!history) return storage_failure(history.error());
    std::map<std::string, const StoreRecord*> store_by_id;
    for (const StoreRecord& s : *stores)
        store_by_id[s.id] = &s;
    std::map<std::string, std::vector<const TouchPointChange*>> changes;
    for (const TouchPointChange& c : *history)
        changes[c.touch_point].push_back(&c);

    const std::int64_t now = m_options.now_ms();
    std::vector<TouchPointView> views;
    std::map<std::string, std::string> today_in; // zone -> local day
    for (const TouchPointRecord& t : *tps) {
        if (!f.touch_point.empty() && t.key != f.touch_point) continue;
        auto store = store_by_id.find(t.store_id);
        if (store == store_by_id.end()) continue;
        TouchPointView v;
        v.store = store->second;
        v.record = &t;
        auto settings = touch_point_from_json(json::parse(t.settings_json, nullptr, false));
        v.now = settings ? *settings : TouchPointSettings{};
        v.scale = survey_scale(t);
        const std::string& zone = v.store->time_zone;
        for (const TouchPointChange* c : changes[t.key]) {
            auto s = touch_point_from_json(json::parse(c->settings_json, nullptr, false));
            v.history.add(c->changed_utc_ms == 0 ? std::string()
                                                 : local_stamp(zone, c->changed_utc_ms).day,
                          s ? *s : TouchPointSettings{});
        }
        if (v.history.empty()) v.history.add(std::string(), v.now);
        // Local days of the touch point's store: today is never counted into
        // the consistency level, as on the kiosk.
        auto zone_today = today_in.find(zone);
        if (zone_today == today_in.end())
            zone_today = today_in.emplace(zone, local_stamp(zone, now).day).first;
        const std::string& today = zone_today->second;
        v.to = f.to_day.empty() ? std::max(today, f.from_day) : f.to_day;
        v.from = f.from_day.empty() ? add_days(v.to, -(k_default_period_days - 1)) : f.from_day;
        if (add_days(v.from, k_max_period_days - 1) < v.to)
            return invalid("from, to: a period of at most " + std::to_string(k_max_period_days) +
                           " days");
        v.as_of = v.to < today ? v.to : add_days(today, -1);
        v.first_read = add_days(v.as_of, -(k_consistency_lookback_days - 1));
        views.push_back(std::move(v));
    }

    // Each touch point's days from the daily roll-up, read along its key
    // (store, touch point, day): first the period and the 30 days up to
    // as_of, which usually hold the 20 qualifying days the level needs; the
    // rest of the look-back only when they do not.
    auto read_days = [this](TouchPointView& v, const std::string& first,
                            const std::string& last) -> Status {
        if (!v.scale || first > last) return Status::success();
        auto days = m_storage.day_scores(v.store->id, v.record->key, *v.scale, first, last);
        if (!days) return Status::failure(days.error());
        for (const DayScores& d : *days) {
            ScoreCounts& counts = v.days[d.local_day];
            counts.scale = *v.scale;
            counts.counted = d.counted;
        }
        return Status::success();
    };
    Calendar calendar;
    for (TouchPointView& v : views) {
        const std::string near = std::min(v.from, add_days(v.as_of, -29));
        if (Status st = read_days(v, near, std::max(v.to, v.as_of)); !st)
            return storage_failure(st.error());
        if (near > v.first_read && qualifying_days(v, near, calendar) < k_consistency_window_days)
            if (Status st = read_days(v, v.first_read, add_days(near, -1)); !st)
                return storage_failure(st.error());
    }

    std::sort(views.begin(), views.end(), journey_before);
    std::string body = "{\"from\":";
    if (f.from_day.empty()) body += "null";
    else append_json_string(body, f.from_day);
    body += ",\"to\":";
    if (f.to_day.empty()) body += "null";
    else append_json_string(body, f.to_day);
    body += ",\"touch_points\":[";
    for (std::size_t i = 0; i < views.size(); ++i) {
        if (i) body += ',';
        append_entry(body, views[i], calendar);
    }
    body += "],\"server_utc_ms\":" + std::to_string(now) + "}";
    ApiResponse r;
    r.status = 200;
    r.body = std::move(body);
    return r;
}

ApiResponse Api::highlights(const ApiRequest& req) {
    ApiKeyRecord key;
    if (auto refused = head_office_key(req, key)) return *refused;
    ResponseFilter f;
    if (auto refused = read_filter(req, key, f)) return *refused;
    std::size_t limit = k_default_highlights;
    if (has_query(req, "limit")) {
        const std::string v = query(req, "limit");
        if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(v) < 1 || std::stoul(v) > k_max_highlights)
            return invalid("limit: must be a whole number from 1 to " +
                           std::to_string(k_max_highlights));
        limit = std::stoul(v);
    }
    const std::string language = has_query(req, "language") ? query(req, "language") : "en";
    if (language.empty() || language.size() > 16 ||
        language.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") !=
            std::string::npos)
        return invalid("language: a language code such as \"en\" or \"zh\"");
    const std::int64_t now = m_options.now_ms();
    if (f.from_day.empty()) {
        // Bounded by default: the last 30 days (by UTC; a day either way
        // does not change what "recent" means).
        f.from_day = add_days(local_stamp("UTC", now).day, -(k_default_period_days - 1));
        if (!f.to_day.empty() && f.to_day < f.from_day)
            f.from_day = add_days(f.to_day, -(k_default_period_days - 1));
    }

    auto tps = m_storage.list_touch_points(f.store_id);
    if (!tps) return storage_failure(tps.error());
    auto reasons = m_storage.reason_counts(f);
    if (!reasons) return storage_failure(reasons.error());
    auto comments = m_storage.recent_comments(f, limit);
    if (!comments) return storage_failure(comments.error());

    std::map<std::string, std::optional<Survey>> surveys;
    for (const TouchPointRecord& t : *tps) {
        std::optional<Survey> s;
        if (!t.survey_json.empty())
            if (auto parsed = survey_from_json(json::parse(t.survey_json, nullptr, false)))
                s = std::move(*parsed);
        surveys[t.key] = std::move(s);
    }
    auto label_of = [&surveys, &language](const std::string& tp, const std::string& id) {
        auto it = surveys.find(tp);
        if (it == surveys.end() || !it->second) return id;
        for (const auto& [band, list] : it->second->reasons)
            for (const Reason& r : list)
                if (r.id == id) return pick(r.label, language);
        return id;
    };

    json out = json::array();
    for (const TouchPointRecord& t : *tps) {
        if (!f.touch_point.empty() && t.key != f.touch_point) continue;
        json top = json::array();
        for (const ReasonCount& r : *reasons)
            if (r.touch_point == t.key && top.size() < limit)
                top.push_back({{"id", r.reason}, {"label", label_of(t.key, r.reason)}, {"count", r.count}});
        json newest = json::array();
        for (const StoredResponse& c : *comments)
            if (c.response.touch_point == t.key)
                newest.push_back({{"id", c.response.id},
                                  {"comment", c.response.comment},
                                  {"score", c.response.score},
                                  {"scale", std::string(to_string(c.response.scale))},
                                  {"local_time", c.response.local_time}});
        out.push_back({{"store", t.store_id},
                       {"touch_point", t.key},
                       {"top_reasons", std::move(top)},
                       {"comments", std::move(newest)}});
    }
    return json_response(200, json{{"from", f.from_day},
                                   {"to", f.to_day.empty() ? json(nullptr) : json(f.to_day)},
                                   {"touch_points", std::move(out)},
                                   {"server_utc_ms", now}});
}

} // namespace touchpoint::server
