#include "app/staff_dashboard.h"

#include "app/alerts.h"
#include "core/local_time.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace touchpoint {

namespace {

std::string reason_label(const Survey& survey, const std::string& id, const std::string& lang) {
    for (const auto& [band, list] : survey.reasons)
        for (const auto& r : list)
            if (r.id == id) return pick(r.label, lang);
    return id;
}

std::vector<LabelledCount> labelled_reasons(const LocalDatabase& database, const Survey& survey,
                                            const std::string& from, const std::string& to,
                                            const std::string& lang, std::string& error) {
    std::vector<LabelledCount> out;
    auto reasons = database.top_reasons(from, to, 5);
    if (!reasons) {
        error = reasons.error();
        return out;
    }
    for (const auto& r : *reasons)
        out.push_back({reason_label(survey, r.reason, lang), r.count});
    return out;
}

// One point per day of [first, last], closed days marked, empty days zero.
std::vector<DayPoint> trend(const std::vector<DayCounts>& days, const TouchPointSettings& tp,
                            Scale scale, const std::string& first, int n) {
    std::map<std::string, const DayCounts*> by_day;
    for (const auto& d : days)
        by_day[d.day] = &d;
    std::vector<DayPoint> out;
    for (int i = 0; i < n; ++i) {
        DayPoint p;
        p.day = add_days(first, i);
        p.open = open_on(tp, p.day);
        if (auto it = by_day.find(p.day); it != by_day.end()) {
            const Metrics m = compute_metrics(it->second->counts);
            p.count = m.count;
            p.headline = m.headline;
            p.meets = m.headline && meets_standard(scale, *m.headline, tp.service_standard);
        }
        out.push_back(p);
    }
    return out;
}

} // namespace

StaffDashboard build_staff_dashboard(const LocalDatabase& database, const Survey& survey,
                                     const TouchPointSettings& tp, const std::string& language,
                                     std::chrono::system_clock::time_point now) {
    StaffDashboard d;
    const LocalStamp stamp = local_stamp(tp.time_zone, now);
    d.touch_point = tp.name;
    d.store = tp.store;
    d.today = stamp.day;
    d.scale = survey.scale;
    d.headline_name = std::string(headline_name(survey.scale));
    d.standard = tp.service_standard;
    auto note = [&](const std::string& e) {
        if (d.error.empty()) d.error = e;
    };

    // --- Today ---
    if (auto c = database.score_counts(survey.scale, d.today, d.today)) {
        d.today_metrics = compute_metrics(*c);
        if (d.today_metrics.headline)
            d.today_meets =
                meets_standard(survey.scale, *d.today_metrics.headline, tp.service_standard);
        const ScaleInfo& info = scale_info(survey.scale);
        for (int s = info.min; s <= info.max; ++s)
            d.distribution.push_back({s, c->at(s)});
    } else {
        note(c.error());
    }
    if (auto hours = database.hourly_counts(d.today)) {
        for (const auto& h : *hours)
            if (h.hour >= 0 && h.hour < 24) d.per_hour[static_cast<std::size_t>(h.hour)] = h.count;
    } else {
        note(hours.error());
    }

    // --- Trend and consistency (one read over the longest range) ---
    const std::string from = add_days(d.today, -k_consistency_lookback_days);
    if (auto days = database.daily_counts(survey.scale, from, d.today)) {
        d.trend7 = trend(*days, tp, survey.scale, add_days(d.today, -6), 7);
        d.trend30 = trend(*days, tp, survey.scale, add_days(d.today, -29), 30);
        std::vector<DayCounts> done;
        for (auto day : *days) {
            if (day.day >= d.today) continue; // today is still running
            day.open = open_on(tp, day.day);
            done.push_back(std::move(day));
        }
        d.consistency = consistency_level(survey.scale, std::move(done), tp.service_standard);
    } else {
        note(days.error());
    }

    std::string err;
    d.top_reasons = labelled_reasons(database, survey, d.today, d.today, language, err);
    if (!err.empty()) note(err);
    if (auto comments = database.recent_comments(5))
        d.comments = *comments;
    else
        note(comments.error());

    // --- Alerts waiting for acknowledgement ---
    if (auto events = database.events()) {
        for (auto it = events->rbegin(); it != events->rend(); ++it) {
            if (it->kind != k_low_score_alert_kind || it->acknowledged) continue;
            const LocalStamp at = local_stamp(tp.time_zone, it->utc_ms);
            AlertItem a;
            a.event_id = it->id;
            a.when = at.iso.size() >= 16 ? at.iso.substr(11, 5) : at.iso;
            if (at.day != d.today) a.when = at.day + " " + a.when;
            a.message = it->message;
            d.alerts.push_back(std::move(a));
        }
    } else {
        note(events.error());
    }
    return d;
}

HuddleModel build_huddle(const LocalDatabase& database, const Survey& survey,
                         const TouchPointSettings& tp, const std::string& language,
                         std::chrono::system_clock::time_point now) {
    HuddleModel h;
    h.cx_statement = tp.cx_statement;
    h.touch_point = tp.name;
    h.yesterday = add_days(local_stamp(tp.time_zone, now).day, -1);
    h.yesterday_open = open_on(tp, h.yesterday);
    h.scale = survey.scale;
    h.headline_name = std::string(headline_name(survey.scale));
    h.standard = tp.service_standard;
    auto note = [&](const std::string& e) {
        if (h.error.empty()) h.error = e;
    };
    if (auto c = database.score_counts(survey.scale, h.yesterday, h.yesterday)) {
        h.yesterday_metrics = compute_metrics(*c);
        if (h.yesterday_metrics.headline)
            h.yesterday_meets =
                meets_standard(survey.scale, *h.yesterday_metrics.headline, tp.service_standard);
    } else {
        note(c.error());
    }
    if (auto hours = database.hourly_score_counts(survey.scale, h.yesterday)) {
        // Best: highest headline (ties: more responses, then earlier).
        // Worst: lowest headline (ties: more responses, then earlier).
        for (int hour = 0; hour < 24; ++hour) {
            const Metrics m = compute_metrics((*hours)[static_cast<std::size_t>(hour)]);
            if (m.count < k_huddle_min_hour_count || !m.headline) continue;
            const HourFigure f{hour, m.count, *m.headline};
            auto better = [](const HourFigure& a, const HourFigure& b) {
                return a.headline > b.headline || (a.headline == b.headline && a.count > b.count);
            };
            auto worse = [](const HourFigure& a, const HourFigure& b) {
                return a.headline < b.headline || (a.headline == b.headline && a.count > b.count);
            };
            if (!h.best_hour || better(f, *h.best_hour)) h.best_hour = f;
            if (!h.worst_hour || worse(f, *h.worst_hour)) h.worst_hour = f;
        }
    } else {
        note(hours.error());
    }
    std::string err;
    h.top_reasons = labelled_reasons(database, survey, h.yesterday, h.yesterday, language, err);
    if (!err.empty()) note(err);
    return h;
}

HealthModel build_health(const LocalDatabase& database, const SyncControl& sync,
                         const std::string& app_version, const std::string& time_zone) {
    HealthModel m;
    m.time_zone = time_zone;
    m.database = database.health();
    m.sync = sync.status();
    m.app_version = app_version;
    if (auto events = database.events()) {
        for (const auto& e : *events)
            if (!e.acknowledged && e.kind != k_low_score_alert_kind) m.events.push_back(e);
    }
    return m;
}

} // namespace touchpoint
