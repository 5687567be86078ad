#include "service/install_paths.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace touchpoint::service {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// The marker's first line, without surrounding blanks.
std::string first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = line.find_last_not_of(" \t\r");
    return line.substr(b, e - b + 1);
}

} // namespace

std::string executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty()) return "";
    return exe.parent_path().string();
}

Result<std::string> find_data_dir(const std::string& env_value, const std::string& exe_dir) {
    if (!env_value.empty()) {
        if (!is_dir(env_value))
            return Error{"TOUCHPOINT_ASSETS names \"" + env_value +
                         "\", which is not a folder (unset it, or point it at the folder "
                         "holding surveys/ and i18n/)"};
        return env_value;
    }
    if (exe_dir.empty())
        return Error{"cannot find Touchpoint's data: the folder of this program is unknown "
                     "(/proc/self/exe cannot be read); set TOUCHPOINT_ASSETS"};

    const fs::path installed = (fs::path(exe_dir) / ".." / "share" / "touchpoint").lexically_normal();
    if (is_dir(installed)) return installed.string();

    fs::path dir = fs::path(exe_dir).lexically_normal();
    for (int up = 0; up < 3 && !dir.empty(); ++up) {
        const fs::path marker = dir / k_source_assets_marker;
        if (is_file(marker)) {
            const std::string named = first_line(marker);
            if (named.empty() || !is_dir(named))
                return Error{"the build tree's marker " + marker.string() + " names \"" + named +
                             "\", which is not a folder (configure the build again, or set "
                             "TOUCHPOINT_ASSETS)"};
            return named;
        }
        if (dir == dir.root_path()) break;
        dir = dir.parent_path();
    }
    return Error{"cannot find Touchpoint's data: " + installed.string() +
                 " does not exist (is the package installed?) and this is no build tree; "
                 "set TOUCHPOINT_ASSETS to the folder holding surveys/ and i18n/"};
}

Result<std::string> data_dir() {
    const char* env = std::getenv("TOUCHPOINT_ASSETS");
    return find_data_dir(env ? env : "", executable_dir());
}

} // namespace touchpoint::service
