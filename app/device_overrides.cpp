#include "app/device_overrides.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace touchpoint {

std::string device_overrides_path(const std::string& data_dir) {
    return data_dir + "/device_settings.json";
}

bool is_standalone(const KioskConfig& cfg) {
    return cfg.device.server_url.empty() && cfg.touch_point.has_value();
}

Result<DeviceOverrides> DeviceOverrides::load(const std::string& data_dir) {
    const std::string path = device_overrides_path(data_dir);
    std::ifstream in(path, std::ios::binary);
    DeviceOverrides o;
    if (!in) return o;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string damaged = "The device settings file " + path + " is damaged: ";
    nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{damaged + "it is not a JSON object."};
    auto text = [&](const char* key, std::optional<std::string>& out) {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return true;
        if (!it->is_string()) return false;
        out = it->get<std::string>();
        return true;
    };
    auto number = [&](const char* key, std::optional<double>& out) {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return true;
        if (!it->is_number()) return false;
        out = it->get<double>();
        return true;
    };
    if (!text("default_language", o.default_language) ||
        !number("dim_timeout_s", o.dim_timeout_s) || !text("survey", o.survey_path) ||
        !number("service_standard", o.service_standard))
        return Error{damaged + "a field has the wrong type."};
    return o;
}

Status DeviceOverrides::save(const std::string& data_dir) const {
    nlohmann::json j = nlohmann::json::object();
    if (default_language) j["default_language"] = *default_language;
    if (dim_timeout_s) j["dim_timeout_s"] = *dim_timeout_s;
    if (survey_path) j["survey"] = *survey_path;
    if (service_standard) j["service_standard"] = *service_standard;
    const std::string text = j.dump(2) + "\n";
    const std::string path = device_overrides_path(data_dir);
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    auto fail = [&](const std::string& what) {
        std::string msg = "The device settings could not be saved to " + path + " (" + what + ": " +
                          std::strerror(errno) + ").";
        ::unlink(tmp.c_str());
        return Status::failure(msg);
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("create");
    bool ok = true;
    for (std::size_t done = 0; ok && done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            ok = false;
        else
            done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    if (::close(fd) != 0) ok = false;
    if (!ok) return fail("write");
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
    if (int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return Status::success();
}

void DeviceOverrides::merge(const DeviceOverrides& p) {
    if (p.default_language) default_language = p.default_language;
    if (p.dim_timeout_s) dim_timeout_s = p.dim_timeout_s;
    if (p.survey_path) survey_path = p.survey_path;
    if (p.service_standard) service_standard = p.service_standard;
}

namespace {

bool is_file(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec);
}

} // namespace

std::string survey_reference(const std::string& path, const std::string& surveys_dir) {
    if (surveys_dir.empty()) return path;
    std::error_code ec;
    const auto folder = std::filesystem::weakly_canonical(surveys_dir, ec);
    if (ec) return path;
    const auto file = std::filesystem::weakly_canonical(path, ec);
    if (ec) return path;
    const auto relative = file.lexically_relative(folder);
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") return path;
    return relative.generic_string();
}

Result<std::string> resolve_survey_reference(const std::string& reference,
                                             const std::string& surveys_dir) {
    const std::filesystem::path ref(reference);
    if (ref.is_absolute()) {
        if (is_file(reference)) return reference;
        // Saved by an older version with the installation's path of then:
        // the same survey in this installation's folder.
        const std::string here = surveys_dir + "/" + ref.filename().string();
        if (!surveys_dir.empty() && ref.has_filename() && is_file(here)) return here;
        return Error{"The chosen survey " + reference + " is not there any more."};
    }
    for (const auto& part : ref)
        if (part == "..")
            return Error{"The chosen survey \"" + reference + "\" is not in the surveys folder."};
    const std::string path = surveys_dir + "/" + reference;
    if (surveys_dir.empty() || !is_file(path))
        return Error{"The chosen survey \"" + reference + "\" is not in the surveys folder " +
                     surveys_dir + "."};
    return path;
}

Status apply_device_overrides(const DeviceOverrides& o, KioskConfig& cfg,
                              const std::string& surveys_dir) {
    KioskConfig next = cfg;
    const bool standalone = is_standalone(cfg);
    if (standalone && o.survey_path) {
        auto path = resolve_survey_reference(*o.survey_path, surveys_dir);
        if (!path) return Status::failure(path.error());
        if (*path != next.survey_path) {
            auto survey = load_survey_file(*path);
            if (!survey) return Status::failure(survey.error());
            next.survey = *survey;
            next.survey_path = *path;
        }
    }
    if (standalone && o.service_standard) next.touch_point->service_standard = *o.service_standard;
    if (o.dim_timeout_s) {
        if (*o.dim_timeout_s < 0) return Status::failure("The dim timeout cannot be negative.");
        next.device.dim_timeout_s = *o.dim_timeout_s;
    }
    if (o.default_language) next.device.default_language = *o.default_language;
    // The default language must be one the survey asks in; a survey change
    // may drop it, so fall back to the survey's first language.
    if (!next.survey.question.count(next.device.default_language)) {
        if (o.default_language && !(standalone && o.survey_path))
            return Status::failure("The survey has no question in \"" + *o.default_language +
                                   "\".");
        if (!next.survey.question.empty())
            next.device.default_language = next.survey.question.begin()->first;
    }
    cfg = std::move(next);
    return Status::success();
}

} // namespace touchpoint
