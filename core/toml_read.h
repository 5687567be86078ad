#pragma once
// Helpers for reading TOML tables with errors that name the file, the key and
// what is wrong: "kiosk.toml: [touch_point] idle_timeout_s: must be a number > 0".
#include "result.h"
#include "survey.h"
#include "touch_point.h"

#include <toml++/toml.h>

#include <optional>
#include <string>

namespace touchpoint::tomlr {

struct Context {
    std::string origin; // file name
    std::string table;  // "" or "touch_point" etc.
    std::string where(const std::string& key) const {
        return origin + ": " + (table.empty() ? "" : "[" + table + "] ") + key;
    }
};

// Each reader returns nullopt-with-no-error when the key is absent; sets `err`
// (and returns nullopt) when it is present but wrong.
std::optional<std::string> get_string(const toml::table& t, const char* key, const Context& c,
                                      std::string& err);
std::optional<double> get_number(const toml::table& t, const char* key, const Context& c,
                                 std::string& err, double min, double max);
std::optional<long long> get_int(const toml::table& t, const char* key, const Context& c,
                                 std::string& err, long long min, long long max);
std::optional<bool> get_bool(const toml::table& t, const char* key, const Context& c,
                             std::string& err);
std::optional<Translations> get_translations(const toml::table& t, const char* key,
                                             const Context& c, std::string& err);

// Reads a [touch_point]-style table.
Result<TouchPointSettings> read_touch_point(const toml::table& t, const Context& c);

} // namespace touchpoint::tomlr
