#include "server/ingest_plan.h"

#include <utility>

namespace touchpoint::server {

IngestPlan plan_ingest(const DeviceRecord& device, const std::vector<IncomingResponse>& responses,
                       KnownIds known, std::int64_t seq) {
    IngestPlan plan;
    plan.first_seq = seq;
    plan.outcome.items.reserve(responses.size());
    for (const IncomingResponse& in : responses) {
        const Response& r = in.response;
        if (known.erased.count(r.id)) {
            plan.outcome.items.push_back(IngestStatus::duplicate);
            continue;
        }
        auto [it, inserted] = known.stored.try_emplace(r.id, in.content_hash);
        if (!inserted) {
            plan.outcome.items.push_back(it->second == in.content_hash ? IngestStatus::duplicate
                                                                       : IngestStatus::conflict);
            continue;
        }
        plan.fresh.push_back(&in);
        plan.rollup.add(device.store_id, device.touch_point, r.local_day, r.local_hour,
                        std::string(to_string(r.scale)), r.score, r.misuse);
        plan.outcome.items.push_back(IngestStatus::accepted);
    }
    plan.last_seq = seq + static_cast<std::int64_t>(plan.fresh.size());
    return plan;
}

} // namespace touchpoint::server
