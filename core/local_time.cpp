#include "local_time.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>

namespace touchpoint {

namespace {
const date::time_zone* find_zone(const std::string& zone) {
    try {
        return date::locate_zone(zone);
    } catch (const std::exception&) {
        return nullptr;
    }
}
} // namespace

Status check_time_zone(const std::string& zone) {
    if (find_zone(zone)) return Status::success();
    return Status::failure("unknown time zone \"" + zone + "\" (expected an IANA name such as \"Pacific/Auckland\")");
}

LocalStamp local_stamp(const std::string& zone, std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const date::time_zone* tz = find_zone(zone);
    auto secs = floor<seconds>(t);
    seconds offset{0};
    if (tz) offset = tz->get_info(secs).offset;
    auto local = secs + offset;
    auto day = floor<date::days>(local);
    date::year_month_day ymd{day};
    date::hh_mm_ss<seconds> hms{local - day};
    LocalStamp s;
    s.hour = static_cast<int>(hms.hours().count());
    s.minute_of_day = s.hour * 60 + static_cast<int>(hms.minutes().count());
    s.weekday = static_cast<int>((date::weekday{day}.c_encoding() + 6) % 7);
    s.offset_minutes = static_cast<int>(offset.count() / 60);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    s.day = buf;
    int off = s.offset_minutes;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d%c%02d:%02d", s.day.c_str(), s.hour,
                  static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), sign, off / 60, off % 60);
    s.iso = buf;
    return s;
}

LocalStamp local_stamp(const std::string& zone, std::int64_t utc_ms) {
    return local_stamp(zone, std::chrono::system_clock::time_point{std::chrono::milliseconds{utc_ms}});
}

std::string add_days(const std::string& day, int days) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return day;
    date::sys_days sd = date::year{y} / date::month{m} / date::day{d};
    sd += date::days{days};
    date::year_month_day ymd{sd};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

int weekday_of(const std::string& day) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    const date::weekday wd{date::sys_days{date::year{y} / date::month{m} / date::day{d}}};
    return static_cast<int>((wd.c_encoding() + 6) % 7); // Sunday is 0 in C's encoding
}

} // namespace touchpoint
