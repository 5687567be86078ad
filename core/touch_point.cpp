#include "touch_point.h"

#include "local_time.h"
#include "toml_read.h"

#include <cctype>
#include <sstream>

namespace touchpoint {

OpeningHours OpeningHours::always_open() {
    OpeningHours h;
    for (auto& d : h.days) d.push_back({0, 1440});
    return h;
}

bool OpeningHours::is_open(int weekday, int minute_of_day) const {
    if (weekday < 0 || weekday > 6) return false;
    for (const auto& iv : days[weekday])
        if (minute_of_day >= iv.open_minute && minute_of_day < iv.close_minute) return true;
    return false;
}

bool open_on(const TouchPointSettings& tp, const std::string& day) {
    const int wd = weekday_of(day);
    if (wd < 0) return true;
    return !tp.opening_hours.days[static_cast<std::size_t>(wd)].empty();
}

bool TouchPointSettings::is_open(std::chrono::system_clock::time_point t) const {
    LocalStamp s = local_stamp(time_zone, t);
    return opening_hours.is_open(s.weekday, s.minute_of_day);
}

namespace {
std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool parse_hhmm(const std::string& s, int& minutes) {
    int h = 0, m = 0;
    char colon = 0;
    std::istringstream is(s);
    if (!(is >> h >> colon >> m) || colon != ':') return false;
    is >> std::ws;
    if (!is.eof()) return false;
    if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return false;
    minutes = h * 60 + m;
    return true;
}
} // namespace

Result<std::vector<OpenInterval>> parse_open_intervals(const std::string& text) {
    std::vector<OpenInterval> out;
    std::string t = trim(text);
    if (t == "closed") return out;
    if (t == "24h") return std::vector<OpenInterval>{{0, 1440}};
    std::istringstream is(t);
    std::string part;
    while (std::getline(is, part, ',')) {
        part = trim(part);
        auto dash = part.find('-');
        int a = 0, b = 0;
        if (dash == std::string::npos || !parse_hhmm(trim(part.substr(0, dash)), a) ||
            !parse_hhmm(trim(part.substr(dash + 1)), b))
            return Error{"\"" + part + "\" is not a time range like \"08:00-17:30\" (or use \"closed\" / \"24h\")"};
        if (b <= a) return Error{"\"" + part + "\" closes before it opens"};
        out.push_back({a, b});
    }
    if (out.empty()) return Error{"no opening times given (use \"closed\" for a closed day)"};
    return out;
}

Result<TouchPointSettings> parse_touch_point_toml(const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ": not valid TOML: " << e.description();
        return Error{os.str()};
    }
    const toml::table* t = doc["touch_point"].as_table();
    if (!t) return Error{origin + ": [touch_point] table is missing"};
    return tomlr::read_touch_point(*t, {origin, "touch_point"});
}

} // namespace touchpoint
