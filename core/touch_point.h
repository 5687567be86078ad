#pragma once
// Touch point settings (SPEC "Settings: who owns what"): where the kiosk stands,
// when it is open, and the service standard it is held to.
#include "result.h"

#include <array>
#include <chrono>
#include <string>
#include <vector>

namespace touchpoint {

struct OpenInterval {
    int open_minute = 0;   // minutes after local midnight
    int close_minute = 0;  // exclusive; 1440 = midnight at the end of the day
};

struct OpeningHours {
    // Index 0 = Monday ... 6 = Sunday. An empty day is closed.
    std::array<std::vector<OpenInterval>, 7> days;
    static OpeningHours always_open();
    bool is_open(int weekday, int minute_of_day) const;
};

struct TouchPointSettings {
    std::string key = "touchpoint";
    std::string name = "Touch point";
    std::string store = "Store";
    std::string time_zone = "UTC";
    OpeningHours opening_hours = OpeningHours::always_open();
    double response_interval_s = 5.0;
    double idle_timeout_s = 15.0;
    double thank_you_s = 2.5;
    double service_standard = 85.0; // target for the scale's headline metric
    std::string cx_statement;
    std::string survey; // path of the survey file (standalone) or survey id
    // The one person accountable for this touch point ("if everyone is in
    // charge, no one is"); empty when nobody is named yet.
    std::string owner_name;
    std::string owner_email;
    // Where the customer meets this touch point in the store's journey
    // (1 = first, e.g. entrance -> help desk -> checkout); 0 = not placed.
    int journey_position = 0;

    // Is the touch point open at this instant (in its own time zone)?
    bool is_open(std::chrono::system_clock::time_point t) const;
};

// Does the touch point have any opening hours on that local day's weekday
// ("YYYY-MM-DD"; a malformed day counts as open)?
bool open_on(const TouchPointSettings& tp, const std::string& day);

// Parses "08:00-12:00, 13:00-17:30" / "closed" / "24h".
Result<std::vector<OpenInterval>> parse_open_intervals(const std::string& text);

// Parses a TOML document whose [touch_point] table holds the settings.
Result<TouchPointSettings> parse_touch_point_toml(const std::string& text, const std::string& origin);

} // namespace touchpoint
