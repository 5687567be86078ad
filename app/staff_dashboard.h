#pragma once
// View models of the staff screens (SPEC "The kiosk (staff side)"), built
// from the database, the survey, the touch point settings and the time — so the
// drawing code in ui/ only draws. Local days and hours are the touch point's
// (its IANA time zone); misuse-flagged responses are left out of every
// figure except the misuse count.
//
// The builders query the database; call them when a staff screen opens or its
// figures are due a refresh, not every frame. UI thread.
#include "app/local_database.h"
#include "app/staff_sync.h"
#include "app/staff_view_models.h"
#include "core/metrics.h"
#include "core/survey.h"
#include "core/touch_point.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

struct StaffDashboard {
    std::string touch_point; // "Checkout 1"
    std::string store;       // "Demo Store" (the shop)
    std::string today;       // local day
    Scale scale = Scale::smiley5;
    std::string headline_name; // "CSAT", "NPS", "CES", "% up"
    double standard = 0;       // service standard target for the headline

    Metrics today_metrics;           // count, headline, satisfaction index, misuse, small sample
    std::optional<bool> today_meets; // none until today has a response
    std::vector<AnswerCount> distribution;   // every answer of the scale, lowest first
    std::array<std::int64_t, 24> per_hour{}; // counted responses per local hour today
    std::vector<DayPoint> trend7;            // oldest first, ending today
    std::vector<DayPoint> trend30;
    std::vector<LabelledCount> top_reasons; // today, labels in `language`
    std::vector<Comment> comments;          // most recent first
    Consistency consistency;
    std::vector<AlertItem> alerts; // unacknowledged low-score alerts, newest first
    std::string error;             // a database read failed (plain words)
};

StaffDashboard build_staff_dashboard(const LocalDatabase& database, const Survey& survey,
                                     const TouchPointSettings& tp, const std::string& language,
                                     std::chrono::system_clock::time_point now);

HuddleModel build_huddle(const LocalDatabase& database, const Survey& survey,
                         const TouchPointSettings& tp, const std::string& language,
                         std::chrono::system_clock::time_point now);

struct HealthModel {
    DatabaseHealth database;
    SyncStatus sync;
    std::string app_version;
    std::vector<DatabaseEvent> events; // unacknowledged database events (not alerts)
    std::string time_zone = "UTC";  // for showing event and sync times
};

HealthModel build_health(const LocalDatabase& database, const SyncControl& sync,
                         const std::string& app_version, const std::string& time_zone = "UTC");

} // namespace touchpoint
