// How a batch is ingested, decided once for both backends: new responses,
// resends (of stored, erased and earlier-in-the-batch ones), conflicts, the
// insertion sequence numbers of the new ones, and the roll-up cells they add.
#include "server/ingest_plan.h"

#include <catch2/catch.hpp>

using namespace touchpoint::server;
using touchpoint::Scale;

namespace {

IncomingResponse incoming(const std::string& id, const std::string& hash, int hour = 9,
                          int score = 4, bool misuse = false) {
    IncomingResponse in;
    in.response.id = id;
    in.response.scale = Scale::smiley5;
    in.response.score = score;
    in.response.local_day = "2026-03-02";
    in.response.local_hour = hour;
    in.response.misuse = misuse;
    in.content_hash = hash;
    return in;
}

} // namespace

TEST_CASE("ingest plan: each response new, a resend or a conflict, as if stored one by one",
          "[server]") {
    DeviceRecord device;
    device.id = "dev";
    device.store_id = "akl";
    device.touch_point = "akl-1";
    KnownIds known;
    known.stored = {{"stored", "h-stored"}};
    known.erased = {"erased"};
    const std::vector<IncomingResponse> batch = {
        incoming("stored", "h-stored"),        // resent as it was
        incoming("stored", "h-other"),         // the same id, other content
        incoming("erased", "h-erased"),        // erased: a resend, never stored again
        incoming("new-1", "h-1", 9, 4),        // new
        incoming("new-1", "h-1"),              // again in the same batch
        incoming("new-1", "h-changed"),        // and changed
        incoming("new-2", "h-2", 10, 2, true), // new, misuse-flagged
        incoming("new-3", "h-3", 9, 4),        // new, the same cell as new-1
    };
    const IngestPlan plan = plan_ingest(device, batch, known, 41);

    using S = IngestStatus;
    CHECK(plan.outcome.items == std::vector<S>{S::duplicate, S::conflict, S::duplicate,
                                               S::accepted, S::duplicate, S::conflict,
                                               S::accepted, S::accepted});
    REQUIRE(plan.fresh.size() == 3);
    CHECK(plan.fresh[0]->response.id == "new-1"); // numbered 42, 43, 44 in batch order
    CHECK(plan.fresh[1]->response.id == "new-2");
    CHECK(plan.fresh[2]->response.id == "new-3");
    CHECK(plan.first_seq == 41);
    CHECK(plan.last_seq == 44);

    // Counted in the device's store and touch point, per hour and per day.
    using Cells = std::map<RollupKey, std::int64_t>;
    CHECK(plan.rollup.hourly() ==
          Cells{{{"akl", "akl-1", "2026-03-02", 9, "smiley5", 4, 0}, 2},
                {{"akl", "akl-1", "2026-03-02", 10, "smiley5", 2, 1}, 1}});
    CHECK(plan.rollup.daily() == Cells{{{"akl", "akl-1", "2026-03-02", -1, "smiley5", 2, 1}, 1},
                                       {{"akl", "akl-1", "2026-03-02", -1, "smiley5", 4, 0}, 2}});
}

TEST_CASE("ingest plan: a batch of resends changes nothing", "[server]") {
    DeviceRecord device;
    KnownIds known;
    known.stored = {{"a", "h-a"}};
    const IngestPlan plan = plan_ingest(device, {incoming("a", "h-a")}, known, 7);
    CHECK(plan.outcome.items == std::vector<IngestStatus>{IngestStatus::duplicate});
    CHECK(plan.fresh.empty());
    CHECK(plan.last_seq == 7);
    CHECK(plan.rollup.empty());
}
