#pragma once
// Helpers shared by the files that implement Api (api.cpp, api_head_office.cpp,
// api_standards.cpp).
// Not part of the server's interface.
#include "core/touch_point.h"
#include "server/api.h"
#include "server/storage.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::server {

// JSON text; invalid UTF-8 from a client is replaced, never a reason to fail.
std::string dump_safe(const nlohmann::json& body);
// 415 unless the request says its body is JSON.
std::optional<ApiResponse> require_json(const ApiRequest& request);
nlohmann::json optional_ms(const std::optional<std::int64_t>& v);

// --- Head office (defined in api_head_office.cpp) ---
ApiResponse invalid(const std::string& message); // 400 invalid_request
std::string query(const ApiRequest& request, const std::string& name); // "" when absent
bool has_query(const ApiRequest& request, const std::string& name);
bool is_day(const std::string& s); // "YYYY-MM-DD", a date that exists
// Each touch point's settings, by key (defaults where they do not parse).
std::map<std::string, TouchPointSettings>
settings_by_key(const std::vector<TouchPointRecord>& touch_points);
// A metric rounded to 2 decimals, as JSON text; "null" when there is none.
void append_number(std::string& out, double v);
void append_optional(std::string& out, const std::optional<double>& v);

} // namespace touchpoint::server
