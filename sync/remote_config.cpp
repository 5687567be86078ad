#include "remote_config.h"

#include "core/wire.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace touchpoint::sync {

Result<RemoteConfig> parse_remote_config(const std::string& body, const std::string& etag) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{"the server's configuration is not valid JSON"};
    RemoteConfig rc;
    rc.etag = etag;
    if (!j.contains("touch_point") || !j["touch_point"].is_object())
        return Error{"the server's configuration has no touch_point"};
    auto tp = touch_point_from_json(j["touch_point"]);
    if (!tp) return Error{"the server's touch point settings are wrong: " + tp.error()};
    rc.touch_point = *tp;
    if (j.contains("survey") && j["survey"].is_object()) {
        auto s = survey_from_json(j["survey"]);
        if (!s) return Error{"the server's survey is wrong: " + s.error()};
        rc.survey = *s;
    }
    return rc;
}

Status save_remote_config(const std::string& data_dir, const std::string& body, const std::string& etag) {
    nlohmann::json wrapper{{"etag", etag}, {"config", nlohmann::json::parse(body, nullptr, false)}};
    if (wrapper["config"].is_discarded()) return Status::failure("the server's configuration is not valid JSON");
    const std::string path = data_dir + "/server_config.json";
    const std::string tmp = path + ".tmp";
    // The ETag comes from a header, which need not be UTF-8: replace, not throw.
    const std::string text = wrapper.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::failure("cannot write " + tmp);
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return Status::failure("cannot write " + path + " (disk full?)");
    }
    int dfd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return Status::success();
}

Result<RemoteConfig> load_remote_config(const std::string& data_dir) {
    const std::string path = data_dir + "/server_config.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": no configuration from the server yet (enrol the kiosk first)"};
    std::ostringstream os;
    os << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(os.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("config"))
        return Error{path + ": damaged (not the expected JSON)"};
    const auto etag = j.find("etag");
    auto rc = parse_remote_config(j["config"].dump(),
                                  etag != j.end() && etag->is_string() ? etag->get<std::string>() : "");
    if (!rc) return Error{path + ": " + rc.error()};
    return rc;
}

} // namespace touchpoint::sync
