#pragma once
// How a stored response is written for head office: as a JSON object (the
// list endpoint and JSON-lines export) and as a CSV row. Written by hand
// rather than through a JSON library, because an export writes millions of
// them (strings through core's append_json_string); the texts are the same
// whichever endpoint writes them. Pure functions; thread-safe.
#include "server/storage.h"

#include <string>

namespace touchpoint::server {

// The CSV header line (ends with CRLF).
const std::string& csv_header();
// Appends one CSV row (RFC 4180, CRLF). Text that a spreadsheet would read as
// a formula (starting with = + - @, tab or CR) gets a leading apostrophe.
void append_csv_row(std::string& out, const StoredResponse& r);
// Appends one JSON object, no newline.
void append_json_object(std::string& out, const StoredResponse& r);

} // namespace touchpoint::server
