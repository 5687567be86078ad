#pragma once
// The one error shape every endpoint answers with:
// {"error": {"code": "batch_too_large", "message": "..."}}.
#include <nlohmann/json.hpp>

#include <string>

namespace touchpoint::server {

struct ApiError {
    int status = 400;    // HTTP status
    std::string code;    // stable, machine-readable ("malformed_json")
    std::string message; // plain words for a person
};

inline nlohmann::json error_body(const ApiError& e) {
    return nlohmann::json{{"error", {{"code", e.code}, {"message", e.message}}}};
}

} // namespace touchpoint::server
