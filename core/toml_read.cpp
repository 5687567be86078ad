#include "toml_read.h"

#include "local_time.h"

namespace touchpoint::tomlr {

std::optional<std::string> get_string(const toml::table& t, const char* key, const Context& c,
                                      std::string& err) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>()) return *v;
    err = c.where(key) + ": must be a string";
    return std::nullopt;
}

std::optional<double> get_number(const toml::table& t, const char* key, const Context& c,
                                 std::string& err, double min, double max) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::optional<double> v;
    // value<double>() refuses integers a double cannot hold exactly; those are
    // numbers all the same and should get the out-of-range message.
    if (n->is_integer()) v = static_cast<double>(*n->value<long long>());
    else if (n->is_floating_point()) v = n->value<double>();
    if (!v) {
        err = c.where(key) + ": must be a number";
        return std::nullopt;
    }
    // Written so that nan (valid TOML) fails the check instead of slipping through.
    if (!(*v >= min && *v <= max)) {
        err = c.where(key) + ": " + std::to_string(*v) + " is out of range (" +
              std::to_string(min) + " to " + std::to_string(max) + ")";
        return std::nullopt;
    }
    return v;
}

std::optional<long long> get_int(const toml::table& t, const char* key, const Context& c,
                                 std::string& err, long long min, long long max) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
        err = c.where(key) + ": must be a whole number";
        return std::nullopt;
    }
    long long v = *n->value<long long>();
    if (v < min || v > max) {
        err = c.where(key) + ": " + std::to_string(v) + " is out of range (" +
              std::to_string(min) + " to " + std::to_string(max) + ")";
        return std::nullopt;
    }
    return v;
}

std::optional<bool> get_bool(const toml::table& t, const char* key, const Context& c,
                             std::string& err) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    // value<bool>() would also turn an integer into a bool; only true/false count.
    if (n->is_boolean()) return *n->value<bool>();
    err = c.where(key) + ": must be true or false";
    return std::nullopt;
}

std::optional<Translations> get_translations(const toml::table& t, const char* key,
                                             const Context& c, std::string& err) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    Translations out;
    if (auto s = n->value<std::string>()) {
        out["en"] = *s;
        return out;
    }
    const toml::table* tt = n->as_table();
    if (!tt) {
        err = c.where(key) + ": must be a table of texts per language, e.g. { en = \"...\" }";
        return std::nullopt;
    }
    for (const auto& [lang, v] : *tt) {
        auto s = v.value<std::string>();
        if (!s) {
            err = c.where(std::string(key) + "." + std::string(lang.str())) + ": must be a string";
            return std::nullopt;
        }
        out[std::string(lang.str())] = *s;
    }
    if (out.empty()) {
        err = c.where(key) + ": needs at least one language";
        return std::nullopt;
    }
    return out;
}

Result<TouchPointSettings> read_touch_point(const toml::table& t, const Context& c) {
    TouchPointSettings tp;
    std::string err;
    auto fail = [&]() -> Result<TouchPointSettings> { return Error{err}; };
    if (auto v = get_string(t, "key", c, err)) tp.key = *v;
    if (!err.empty()) return fail();
    if (tp.key.empty()) return Error{c.where("key") + ": must not be empty"};
    if (auto v = get_string(t, "name", c, err)) tp.name = *v;
    if (!err.empty()) return fail();
    if (auto v = get_string(t, "store", c, err)) tp.store = *v;
    if (!err.empty()) return fail();
    if (auto v = get_string(t, "time_zone", c, err)) tp.time_zone = *v;
    if (!err.empty()) return fail();
    if (auto st = check_time_zone(tp.time_zone); !st) return Error{c.where("time_zone") + ": " + st.error()};
    if (auto v = get_number(t, "response_interval_s", c, err, 0, 3600)) tp.response_interval_s = *v;
    if (!err.empty()) return fail();
    if (auto v = get_number(t, "idle_timeout_s", c, err, 1, 3600)) tp.idle_timeout_s = *v;
    if (!err.empty()) return fail();
    if (auto v = get_number(t, "thank_you_s", c, err, 0.5, 60)) tp.thank_you_s = *v;
    if (!err.empty()) return fail();
    if (auto v = get_number(t, "service_standard", c, err, -100, 100)) tp.service_standard = *v;
    if (!err.empty()) return fail();
    if (auto v = get_string(t, "cx_statement", c, err)) tp.cx_statement = *v;
    if (!err.empty()) return fail();
    if (auto v = get_string(t, "survey", c, err)) tp.survey = *v;
    if (!err.empty()) return fail();
    if (auto v = get_int(t, "journey_position", c, err, 0, 1000)) tp.journey_position = static_cast<int>(*v);
    if (!err.empty()) return fail();
    if (const toml::node* on = t.get("owner")) {
        const toml::table* ot = on->as_table();
        if (!ot) return Error{c.where("owner") + ": must be a table such as { name = \"...\", email = \"...\" }"};
        const Context oc{c.origin, c.table + ".owner"};
        if (auto v = get_string(*ot, "name", oc, err)) tp.owner_name = *v;
        if (!err.empty()) return fail();
        if (auto v = get_string(*ot, "email", oc, err)) tp.owner_email = *v;
        if (!err.empty()) return fail();
        if (!tp.owner_email.empty() && tp.owner_email.find('@') == std::string::npos)
            return Error{oc.where("email") + ": \"" + tp.owner_email + "\" is not an e-mail address"};
    }

    if (const toml::node* oh = t.get("opening_hours")) {
        const toml::table* ot = oh->as_table();
        if (!ot) return Error{c.where("opening_hours") + ": must be a table such as { mon = \"08:00-17:00\" }"};
        static const char* names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        OpeningHours hours;
        for (const auto& [k, v] : *ot) {
            int idx = -1;
            for (int i = 0; i < 7; ++i)
                if (k.str() == names[i]) idx = i;
            std::string key = "opening_hours." + std::string(k.str());
            if (idx < 0) return Error{c.where(key) + ": unknown weekday (use mon, tue, wed, thu, fri, sat, sun)"};
            auto s = v.value<std::string>();
            if (!s) return Error{c.where(key) + ": must be a string such as \"08:00-17:00\" or \"closed\""};
            auto iv = parse_open_intervals(*s);
            if (!iv) return Error{c.where(key) + ": " + iv.error()};
            hours.days[idx] = *iv;
        }
        // Days not named are closed once any day is given.
        tp.opening_hours = hours;
    }
    return tp;
}

} // namespace touchpoint::tomlr
