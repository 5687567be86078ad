#pragma once
// How a stored response is written for head office: as a JSON object (the
// list endpoint and JSON-lines export) and as a CSV row. Written by hand
// rather than through a JSON library, because an export writes millions of
// them (strings through core's append_json_string); the texts are the same
// whichever endpoint writes them. Pure functions; thread-safe.
#include "server/storage.h"

#include <string>
#include <unordered_map>

namespace touchpoint::server {

// The names written beside ids (`store_name`, `touch_point_name`): an id
// without a name gets an empty one.
struct DisplayNames {
    std::unordered_map<std::string, std::string> stores;       // id -> name
    std::unordered_map<std::string, std::string> touch_points; // key -> name
    const std::string& store(const std::string& id) const;
    const std::string& touch_point(const std::string& key) const;
};

// The CSV header line (ends with CRLF). The names come last, so readers that
// go by position keep working.
const std::string& csv_header();
// Appends one CSV row (RFC 4180, CRLF). Text that a spreadsheet would read as
// a formula (starting with = + - @, tab or CR) gets a leading apostrophe.
void append_csv_row(std::string& out, const StoredResponse& r, const DisplayNames& names);
// Appends one JSON object, no newline.
void append_json_object(std::string& out, const StoredResponse& r, const DisplayNames& names);

} // namespace touchpoint::server
