#pragma once
// Writes the local responses for an installer or support person reading a
// device without a server: CSV (RFC 4180) or JSON lines, streamed row by row.
#include "app/store.h"

#include <ostream>
#include <string>

namespace touchpoint {

enum class ExportFormat { csv, jsonl };

// Returns the number of rows written, or an error.
Result<std::int64_t> export_responses(const ResponseStore& store, ExportFormat format,
                                      std::ostream& out);

// RFC 4180 field quoting (only when needed).
std::string csv_field(const std::string& s);

} // namespace touchpoint
