#pragma once
// Writes the local responses for an installer or support person reading a
// device without a server: CSV (RFC 4180, fields guarded as core/csv.h says)
// or JSON lines, streamed row by row.
#include "app/local_database.h"

#include <ostream>
#include <string>

namespace touchpoint {

enum class ExportFormat { csv, jsonl };

// Returns the number of rows written, or an error.
Result<std::int64_t> export_responses(const LocalDatabase& database, ExportFormat format,
                                      std::ostream& out);

} // namespace touchpoint
