#pragma once
// The server's schema, written once for both storage backends: a list of
// migrations, one per schema version (SQLite's PRAGMA user_version,
// PostgreSQL's schema_version table), each the same SQL on both but for two
// dialect hooks — PostgreSQL's text columns compare byte-wise as SQLite's do
// (COLLATE "C"), and the statements that number the responses already stored
// when the insertion sequence arrived. Backend-internal.
#include <string>
#include <vector>

namespace touchpoint::server {

// The SQL dialect of a storage backend.
enum class Dialect { sqlite, postgres };

// The schema version this binary creates and migrates to.
int storage_schema_version();

// Migration i (0-based) brings a database from version i to i + 1.
std::vector<std::string> storage_migrations(Dialect dialect);

} // namespace touchpoint::server
