#pragma once
// The JSON wire format of a response, shared by the kiosk (export, sync) and
// the server.
#include "core/response.h"

#include <nlohmann/json.hpp>

namespace touchpoint {

nlohmann::json to_json(const Response& r);

} // namespace touchpoint
