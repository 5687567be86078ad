#pragma once
// Random (version 4) UUIDs for response and device ids. Thread-safe.
#include <string>

namespace touchpoint {

std::string make_uuid();
bool is_uuid(const std::string& s);

} // namespace touchpoint
