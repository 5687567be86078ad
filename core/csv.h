#pragma once
// CSV (RFC 4180) text fields for the exports the kiosk and the server write.
// A field is quoted only when it needs to be. Text that a spreadsheet would
// take for a formula (starting with = + - @, a tab or a carriage return) is
// quoted and prefixed with an apostrophe, so a customer's comment such as
// "=HYPERLINK(...)" opens as the text it is (OWASP's "CSV injection").
#include <string>
#include <string_view>

namespace touchpoint {

// True when a spreadsheet would read `s` as a formula.
bool csv_formula_like(std::string_view s);

// Appends `s` to `out` as one CSV field.
void append_csv_field(std::string& out, std::string_view s);

// `s` as one CSV field.
std::string csv_field(std::string_view s);

} // namespace touchpoint
