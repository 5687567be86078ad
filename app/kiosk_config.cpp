#include "kiosk_config.h"

#include "core/toml_read.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace touchpoint {

namespace {

std::string folder_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

Status check_unknown_keys(const toml::table& t, const std::set<std::string>& known,
                          const tomlr::Context& c) {
    for (const auto& [k, v] : t)
        if (!known.count(std::string(k.str())))
            return Status::failure(c.where(std::string(k.str())) + ": unknown key");
    return Status::success();
}

Result<DeviceSettings> read_device(const toml::table& t, const tomlr::Context& c) {
    DeviceSettings d;
    std::string err;
    auto fail = [&]() -> Result<DeviceSettings> { return Error{err}; };
    if (auto v = tomlr::get_string(t, "data_dir", c, err)) d.data_dir = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "server_url", c, err)) d.server_url = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "ca_file", c, err)) d.ca_file = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "server_pin", c, err)) d.server_pin = *v;
    if (!err.empty()) return fail();
    if (!d.server_pin.empty() && d.server_pin.rfind("sha256//", 0) != 0)
        return Error{c.where("server_pin") + ": must look like \"sha256//<base64 of the key's SHA-256>\""};
    if (auto v = tomlr::get_number(t, "config_poll_s", c, err, 1, 86400)) d.config_poll_s = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_number(t, "heartbeat_s", c, err, 5, 86400)) d.heartbeat_s = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_int(t, "width", c, err, 0, 16384)) d.width = static_cast<int>(*v);
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_int(t, "height", c, err, 0, 16384)) d.height = static_cast<int>(*v);
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_bool(t, "fullscreen", c, err)) d.fullscreen = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_number(t, "dpi", c, err, 0, 1000)) d.dpi = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "renderer", c, err)) d.renderer = *v;
    if (!err.empty()) return fail();
    if (d.renderer != "auto" && d.renderer != "software" && d.renderer != "gpu")
        return Error{c.where("renderer") + ": must be \"auto\", \"software\" or \"gpu\", not \"" + d.renderer +
                     "\""};
    if (auto v = tomlr::get_number(t, "dim_timeout_s", c, err, 0, 86400)) d.dim_timeout_s = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "default_language", c, err)) d.default_language = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_int(t, "retention_days", c, err, 1, 3650)) d.retention_days = static_cast<int>(*v);
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "manager_pin_hash", c, err)) d.manager_pin_hash = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_string(t, "staff_pin_hash", c, err)) d.staff_pin_hash = *v;
    if (!err.empty()) return fail();
    if (auto st = check_unknown_keys(t, {"data_dir", "server_url", "ca_file", "server_pin", "config_poll_s", "heartbeat_s", "width", "height", "fullscreen", "dpi",
                                          "renderer", "dim_timeout_s", "default_language", "retention_days",
                                          "manager_pin_hash", "staff_pin_hash"}, c);
        !st)
        return Error{st.error()};
    return d;
}

} // namespace

std::string missing_touch_point_message(const std::string& origin) {
    return origin + ": [touch_point] is missing: a kiosk that is not enrolled with a server needs its "
                    "touch point settings and survey here";
}

Result<KioskConfig> parse_kiosk_config(const std::string& text, const std::string& origin, bool enrolled) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ":" << e.source().begin.column
           << ": not valid TOML: " << e.description();
        return Error{os.str()};
    }
    KioskConfig cfg;
    cfg.origin = origin;
    if (auto st = check_unknown_keys(doc, {"device", "touch_point"}, {origin, ""}); !st)
        return Error{st.error()};

    if (const toml::node* dn = doc.get("device")) {
        const toml::table* dt = dn->as_table();
        if (!dt) return Error{origin + ": device: must be a table ([device])"};
        auto d = read_device(*dt, {origin, "device"});
        if (!d) return Error{d.error()};
        cfg.device = *d;
    }

    const toml::node* tn = doc.get("touch_point");
    if (!tn) {
        if (cfg.device.server_url.empty() && !enrolled) return Error{missing_touch_point_message(origin)};
        return cfg;
    }
    const toml::table* tt = tn->as_table();
    if (!tt) return Error{origin + ": touch_point: must be a table ([touch_point])"};
    tomlr::Context tc{origin, "touch_point"};
    if (auto st = check_unknown_keys(*tt, {"key", "name", "store", "time_zone", "opening_hours",
                                           "response_interval_s", "idle_timeout_s", "thank_you_s",
                                           "service_standard", "cx_statement", "survey"}, tc);
        !st)
        return Error{st.error()};
    auto tp = tomlr::read_touch_point(*tt, tc);
    if (!tp) return Error{tp.error()};
    if (tp->survey.empty())
        return Error{tc.where("survey") + ": is required (the path of the survey file)"};
    cfg.survey_path = tp->survey.front() == '/' ? tp->survey : folder_of(origin) + "/" + tp->survey;
    auto survey = load_survey_file(cfg.survey_path);
    if (!survey) return Error{survey.error() + " (named by " + tc.where("survey") + ")"};
    cfg.survey = *survey;
    cfg.touch_point = *tp;

    // A service standard must make sense for the scale's headline metric.
    const double target = cfg.touch_point->service_standard;
    switch (cfg.survey.scale) {
    case Scale::ces7:
        if (target < 1 || target > 7)
            return Error{tc.where("service_standard") + ": a CES target must be between 1 and 7"};
        break;
    case Scale::nps:
        break; // -100..100, already range-checked
    default:
        if (target < 0 || target > 100)
            return Error{tc.where("service_standard") + ": a percentage target must be between 0 and 100"};
    }
    if (!cfg.survey.question.count(cfg.device.default_language))
        return Error{origin + ": [device] default_language: the survey has no question in \"" +
                     cfg.device.default_language + "\""};
    return cfg;
}

Result<KioskConfig> load_kiosk_config(const std::string& path, bool enrolled) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open the config file"};
    std::ostringstream os;
    os << in.rdbuf();
    return parse_kiosk_config(os.str(), path, enrolled);
}

std::string default_data_dir() {
    if (const char* d = std::getenv("TOUCHPOINT_DATA_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/touchpoint";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/touchpoint";
    return "./touchpoint-data";
}

} // namespace touchpoint
