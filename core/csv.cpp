#include "core/csv.h"

namespace touchpoint {

bool csv_formula_like(std::string_view s) {
    if (s.empty()) return false;
    const char c = s.front();
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void append_csv_field(std::string& out, std::string_view s) {
    const bool formula = csv_formula_like(s);
    if (!formula && s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += s;
        return;
    }
    out += '"';
    if (formula) out += '\'';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string csv_field(std::string_view s) {
    std::string out;
    append_csv_field(out, s);
    return out;
}

} // namespace touchpoint
