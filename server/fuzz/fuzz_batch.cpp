// libFuzzer target for the device API's body readers: POST /api/v1/batches
// (parse_batch, response_from_json) and POST /api/v1/heartbeat. Besides not
// crashing, every accepted response must read back identically from its own
// JSON, and every refusal must be printable.
#include "core/wire.h"
#include "server/batch.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using touchpoint::server::BatchLimits;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    BatchLimits limits;
    limits.max_responses = 50;

    auto batch = touchpoint::server::parse_batch(body, limits);
    if (batch.error) {
        (void)touchpoint::server::error_body(*batch.error)
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        for (const auto& item : batch.batch.items) {
            if (item.response.has_value() == !item.error.empty()) std::abort();
            if (!item.response) continue;
            nlohmann::json j = touchpoint::to_json(*item.response);
            auto again = touchpoint::response_from_json(j);
            if (!again || touchpoint::to_json(*again) != j) std::abort();
            (void)j.dump();
        }
        if (batch.batch.health) (void)touchpoint::server::to_json(*batch.batch.health).dump();
    }

    auto heartbeat = touchpoint::server::parse_heartbeat(body, limits);
    if (!heartbeat.error) (void)touchpoint::server::to_json(heartbeat.health).dump();
    return 0;
}
