#pragma once
// Helpers shared by the files that implement Api (api.cpp, api_head_office.cpp).
// Not part of the server's interface.
#include "server/api.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace touchpoint::server {

// JSON text; invalid UTF-8 from a client is replaced, never a reason to fail.
std::string dump_safe(const nlohmann::json& body);
// 415 unless the request says its body is JSON.
std::optional<ApiResponse> require_json(const ApiRequest& request);
nlohmann::json optional_ms(const std::optional<std::int64_t>& v);

} // namespace touchpoint::server
