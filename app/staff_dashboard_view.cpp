// The staff screens' views of what app/staff_dashboard.h builds: the same figures,
// with the database's rows copied into the plain types ui/ may see.
#include "app/staff_dashboard.h"
#include "app/staff_view_models.h"

namespace touchpoint {

StaffDashboardView::StaffDashboardView(const StaffDashboard& m)
    : touch_point(m.touch_point), store(m.store), today(m.today), scale(m.scale),
      headline_name(m.headline_name), standard(m.standard), today_metrics(m.today_metrics),
      today_meets(m.today_meets), distribution(m.distribution), per_hour(m.per_hour),
      trend7(m.trend7), trend30(m.trend30), top_reasons(m.top_reasons), consistency(m.consistency),
      alerts(m.alerts), error(m.error) {
    comments.reserve(m.comments.size());
    for (const Comment& c : m.comments)
        comments.push_back({c.local_time, c.score, c.comment});
}

HealthView::HealthView(const HealthModel& m)
    : sync(m.sync), app_version(m.app_version), time_zone(m.time_zone) {
    database = m.database;
    events.reserve(m.events.size());
    for (const DatabaseEvent& e : m.events)
        events.push_back({e.id, e.utc_ms, e.kind, e.message});
}

} // namespace touchpoint
