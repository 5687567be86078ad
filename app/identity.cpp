#include "app/identity.h"

#include "core/uuid.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace touchpoint {

namespace {

constexpr const char* kFileName = "identity.json";

std::string file_path(const std::string& data_dir) {
    if (!data_dir.empty() && data_dir.back() == '/') return data_dir + kFileName;
    return data_dir + "/" + kFileName;
}

std::string utc_iso_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// mkdir -p
Status make_dirs(const std::string& dir) {
    if (dir.empty()) return Status::failure("No data folder was given.");
    std::string part;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        part = dir.substr(0, pos);
        if (part.empty()) continue;
        if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
            return Status::failure("The data folder " + dir + " cannot be created (" +
                                   std::strerror(errno) + ").");
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Status::failure("The data folder " + dir + " is not a folder.");
    return Status::success();
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Reads a string field; a missing field is empty, a field of another type is
// damage.
bool read_field(const nlohmann::json& j, const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        out.clear();
        return true;
    }
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

} // namespace

Result<DeviceIdentity> DeviceIdentity::load_or_create(const std::string& data_dir) {
    if (Status made = make_dirs(data_dir); !made) return Error{made.error()};
    auto found = load(data_dir);
    if (!found) return Error{found.error()};
    if (*found) return std::move(**found);
    // First start: this kiosk becomes a new device.
    DeviceIdentity id;
    id.device_id = make_uuid();
    id.created_utc = utc_iso_now();
    if (Status saved = id.save(data_dir); !saved) return Error{saved.error()};
    return id;
}

Result<std::optional<DeviceIdentity>> DeviceIdentity::load(const std::string& data_dir) {
    const std::string path = file_path(data_dir);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::optional<DeviceIdentity>();
        return Error{"The device identity file " + path + " cannot be read (" +
                     std::strerror(errno) + ")."};
    }

    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error{"The device identity file " + path + " cannot be read (" +
                     std::strerror(errno) + ")."};
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string damaged = "The device identity file " + path +
                                " is damaged and was left untouched; restore it from a backup "
                                "(or remove it to make this kiosk a new device): ";
    auto j = nlohmann::json::parse(buf.str(), nullptr, false);
    if (j.is_discarded()) return Error{damaged + "it is not valid JSON."};
    if (!j.is_object()) return Error{damaged + "it is not a JSON object."};

    DeviceIdentity id;
    if (!read_field(j, "device_id", id.device_id) || !is_uuid(id.device_id))
        return Error{damaged + "the device id is missing or not a UUID."};
    if (!read_field(j, "created_utc", id.created_utc) ||
        !read_field(j, "device_token", id.device_token) ||
        !read_field(j, "server_url", id.server_url) ||
        !read_field(j, "manager_pin_hash", id.manager_pin_hash) ||
        !read_field(j, "staff_pin_hash", id.staff_pin_hash))
        return Error{damaged + "a field is not text."};
    return std::optional<DeviceIdentity>(std::move(id));
}

Status DeviceIdentity::save(const std::string& data_dir) const {
    if (Status made = make_dirs(data_dir); !made) return made;
    const std::string path = file_path(data_dir);
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());

    nlohmann::json j = {
        {"device_id", device_id},
        {"created_utc", created_utc},
        {"device_token", device_token},
        {"server_url", server_url},
        {"manager_pin_hash", manager_pin_hash},
        {"staff_pin_hash", staff_pin_hash},
    };
    const std::string text = j.dump(2) + "\n";
    auto fail = [&](const std::string& what) {
        std::string msg = "The device identity file " + path + " could not be written (" + what +
                          ": " + std::strerror(errno) + ").";
        ::unlink(tmp.c_str());
        return Status::failure(msg);
    };

    // Write a temporary file, make it durable, then rename it over the old
    // one and make the rename durable: a crash leaves the old or the new file,
    // never a torn one. 0600: it holds the device token and PIN hashes.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("create");
    bool ok = write_all(fd, text);
    ok = ok && ::fsync(fd) == 0;
    if (::close(fd) != 0) ok = false;
    if (!ok) return fail("write");
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");

    int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return fail("open folder");
    bool synced = ::fsync(dir) == 0;
    ::close(dir);
    if (!synced) return fail("sync folder");
    return Status::success();
}

} // namespace touchpoint
