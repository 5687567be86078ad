#pragma once
// Recovery of a damaged kiosk database (internal to local_database_*.cpp).
#include "sqlite/sqlite.h"

#include <cstdint>
#include <string>

namespace touchpoint::local_db {

// Copies every readable response (and event) from the damaged file at
// `damaged` into `dst`, a freshly migrated database, in one transaction;
// returns how many responses it copied (0 when nothing could be read).
std::int64_t salvage(const std::string& damaged, sqlite::Connection& dst);

} // namespace touchpoint::local_db
