#pragma once
// Who is signed in to the staff area (SPEC "The kiosk (staff side)"): staff
// view, sync and pause; a manager also changes settings and exits the kiosk.
#include <string_view>

namespace touchpoint {

enum class Role { none, staff, manager };
std::string_view to_string(Role r);

} // namespace touchpoint
