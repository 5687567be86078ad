#pragma once
// How a batch is ingested, decided once for both storage backends: which
// responses are new, which are resends (duplicates, erased ones among them)
// and which conflict with what is stored; the insertion sequence numbers of
// the new ones; and what they add to the roll-ups. The backend looks up what
// it holds under the batch's ids (under the lock that serialises ingest) and
// then writes the plan in its dialect. Backend-internal.
#include "server/rollup.h"
#include "server/storage.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace touchpoint::server {

// What the storage holds already under a batch's ids.
struct KnownIds {
    std::unordered_map<std::string, std::string> stored; // id -> content hash
    std::unordered_set<std::string> erased;              // ids with a tombstone
};

struct IngestPlan {
    BatchOutcome outcome; // one status per response, in batch order
    // The new responses in batch order: fresh[i] gets the insertion sequence
    // number first_seq + 1 + i.
    std::vector<const IncomingResponse*> fresh;
    std::int64_t first_seq = 0; // the counter before the batch
    std::int64_t last_seq = 0;  // the counter after it
    RollupDelta rollup;         // what the new responses add
};

// Each response in order, as if stored one by one: an erased id is a
// duplicate never stored again; a stored id, or one earlier in this batch, a
// duplicate with the same content hash and a conflict with another; the rest
// new, numbered on from `seq` and counted in the device's store and touch
// point.
IngestPlan plan_ingest(const DeviceRecord& device, const std::vector<IncomingResponse>& responses,
                       KnownIds known, std::int64_t seq);

} // namespace touchpoint::server
