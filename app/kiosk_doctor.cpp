#include "app/kiosk_doctor.h"

#include "app/identity.h"
#include "app/local_database.h"
#include "sqlite/sqlite.h"


#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <ostream>

namespace touchpoint {

namespace {

DoctorLine pass(const char* name, std::string text) {
    return {true, name, std::move(text)};
}
DoctorLine fail(const char* name, std::string text) {
    return {false, name, std::move(text)};
}

std::string megabytes(std::int64_t bytes) {
    return std::to_string(bytes / (1024 * 1024)) + " MB";
}

// --- Configuration ---

DoctorLine check_config(const DoctorInput& in, bool enrolled) {
    const std::string file = in.config_path.empty() ? "the sample configuration" : in.config_path;
    if (!in.config)
        return fail("config",
                    in.config_error + " - fix " + file + " and run touchpoint-kiosk doctor again");
    if (!in.config->touch_point && !enrolled)
        return fail("config",
                    missing_touch_point_message(in.config->origin) +
                        " - add [touch_point], or enrol the kiosk (touchpoint-kiosk enroll)");
    if (enrolled) return pass("config", file + " reads; the server gives the survey");
    return pass("config", file + " reads; survey \"" + in.config->survey.id + "\" from " +
                              in.config->survey_path);
}

// --- Display ---

DoctorLine check_display(const DoctorInput& in) {
    if (!in.probe_display) return fail("display", "not checked - a bug: nothing probes it");
    const DisplayProbe d = in.probe_display();
    // The kiosk's unit runs it inside cage; by hand, in a desktop session.
    if (!d.found)
        return fail("display",
                    (d.problem.empty() ? std::string("no display or screen found") : d.problem) +
                        " - the kiosk needs a screen: run it inside cage or an X or "
                        "Wayland session");
    std::string text = d.driver + ", " + std::to_string(d.width) + "x" + std::to_string(d.height);
    if (d.driver == "offscreen" || d.driver == "dummy")
        text += " (asked for by SDL_VIDEODRIVER: nothing shows on a screen)";
    return pass("display", text + "; drawing with " + d.renderer);
}

// --- Fonts ---

DoctorLine check_fonts(const DoctorInput& in) {
    const FontProbe* latin = nullptr;
    std::string skipped;
    for (const auto& f : in.latin_fonts) {
        if (f.problem.empty()) {
            latin = &f;
            break;
        }
        skipped += (skipped.empty() ? "" : ", ") + f.path + " " + f.problem;
    }
    if (!latin) {
        std::string tried;
        for (const auto& f : in.latin_fonts)
            tried += (tried.empty() ? "" : "; ") + f.path + ": " + f.problem;
        return fail("fonts", "no usable font file (" + tried +
                                 "); text would be drawn in a small built-in font - install "
                                 "fonts-noto-core (or fonts-dejavu-core)");
    }
    std::string text = latin->path;
    if (!skipped.empty()) text += " (instead of " + skipped + ")";
    if (in.cjk_font) {
        if (in.cjk_font->problem.empty())
            text += "; Chinese, Japanese and Korean from " + in.cjk_font->path;
        else
            text += "; no Chinese, Japanese or Korean text (" + in.cjk_font->path + " " +
                    in.cjk_font->problem + "; fonts-wqy-microhei has it)";
    }
    return pass("fonts", text);
}

// --- Data folder ---

// The folder itself, or the nearest one above it that exists (where it
// would be created).
std::string existing_ancestor(std::string path) {
    while (true) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) return path;
        const auto slash = path.find_last_of('/');
        if (slash == std::string::npos) return ".";
        if (slash == 0) return "/";
        path.resize(slash);
    }
}

// Writes and removes a small file in `dir`: what the kiosk's first write
// will do, whoever runs this (a permission bit is not the whole story: a
// read-only mount, a full disk, an ACL).
std::string write_probe(const std::string& dir) {
    const std::string probe = dir + "/.touchpoint-doctor-" + std::to_string(::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return std::strerror(errno);
    const char text[] = "touchpoint-kiosk doctor\n";
    std::string why;
    if (::write(fd, text, sizeof text - 1) != static_cast<ssize_t>(sizeof text - 1))
        why = std::strerror(errno);
    if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
    if (::unlink(probe.c_str()) != 0 && why.empty()) why = std::strerror(errno);
    return why;
}

DoctorLine check_data_dir(const DoctorInput& in) {
    const std::string& dir = in.data_dir;
    if (dir.empty()) return fail("data dir", "none given - set [device] data_dir in the config");
    const std::string base = existing_ancestor(dir);
    struct stat st {};
    if (::stat(base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("data dir", dir + " cannot be created: " + base +
                                    " is not a folder - choose another data_dir");
    std::string where;
    if (base == dir) {
        if (const std::string why = write_probe(dir); !why.empty())
            return fail("data dir", dir + " is not writable (" + why +
                                        ") - give it to the user the kiosk runs as (chown), and "
                                        "run this check as that user");
        where = dir + " writable";
    } else {
        if (::access(base.c_str(), W_OK | X_OK) != 0)
            return fail("data dir", dir + " is not there and cannot be created: " + base +
                                        " is not writable (" + std::strerror(errno) +
                                        ") - create it for the user the kiosk runs as");
        where = dir + " is not there yet; made at the first start (" + base + " writable)";
    }
    struct statvfs fs {};
    if (::statvfs(base.c_str(), &fs) != 0)
        return fail("data dir",
                    where + ", but its free space is unknown (" + std::strerror(errno) + ")");
    const std::int64_t free_bytes =
        static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
    if (free_bytes < in.min_free_bytes)
        return fail("data dir", where + ", but only " + megabytes(free_bytes) + " free (at least " +
                                    megabytes(in.min_free_bytes) +
                                    " wanted) - free space on that disk");
    return pass("data dir", where + ", " + megabytes(free_bytes) + " free");
}

// --- Database ---

// quick_check's first finding, on one line: its text starts with
// "*** in database main ***" and a newline, then one problem per line.
std::string first_problem(std::string text) {
    const std::string banner = "*** in database main ***\n";
    if (text.rfind(banner, 0) == 0) text.erase(0, banner.size());
    if (const auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    if (text.size() > 160) text = text.substr(0, 157) + "...";
    return text;
}

DoctorLine check_database(const DoctorInput& in) {
    const std::string path = in.data_dir + "/responses.db";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return pass("database", path + " is not there yet; made at the first start");
        return fail("database", path + " cannot be read (" + std::strerror(errno) +
                                    ") - check its owner and permissions");
    }
    const std::string keep =
        " - stop the kiosk and copy the file somewhere safe; at its next start the kiosk moves "
        "it aside (responses.db.corrupt-...) and keeps every response it can read";
    // Read only, creating nothing (sqlite::Connection::inspect).
    auto db = sqlite::Connection::inspect(path);
    if (!db)
        return fail("database", path + " cannot be opened (" + db.error() +
                                    ") - check its owner and permissions");
    auto check = db->query_text("PRAGMA quick_check");
    if (!check)
        return fail("database",
                    path + " cannot be read as a SQLite database (" + check.error() + ")" + keep);
    if (*check != "ok")
        return fail("database",
                    path + " is damaged (quick_check: " + first_problem(*check) + ")" + keep);
    auto version = db->query_int64("PRAGMA user_version");
    if (!version) return fail("database", path + " cannot be read (" + version.error() + ")" + keep);
    const int have = static_cast<int>(*version);
    const int known = local_database_schema_version();
    if (have > known)
        return fail("database", path + " has schema version " + std::to_string(have) +
                                    ", newer than this kiosk knows (" + std::to_string(known) +
                                    "): a newer touchpoint-kiosk wrote it - install that version "
                                    "again; this one will not start on it");
    std::string rows;
    if (have >= 1)
        if (auto count = db->query_int64("SELECT count(*) FROM responses"))
            rows = ", " + std::to_string(*count) + " responses";
    if (have < known)
        return pass("database", path + " opens and is intact (quick_check ok); schema version " +
                                    std::to_string(have) + ", brought to " + std::to_string(known) +
                                    " at the next start" + rows);
    return pass("database", path + " opens and is intact (quick_check ok), schema version " +
                                std::to_string(have) + rows);
}

// --- Server and clock ---

std::string utc_text(std::int64_t utc_ms) {
    const std::time_t t = static_cast<std::time_t>(utc_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

// "3 min 20 s", "45 s", "2 h 5 min".
std::string duration_text(std::int64_t ms) {
    const std::int64_t s = ms / 1000;
    if (s < 60) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
    return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
}

void check_server(const DoctorInput& in, const std::optional<DeviceIdentity>& identity,
                  std::vector<DoctorLine>& out) {
    if (!identity || identity->device_token.empty() || identity->server_url.empty()) {
        out.push_back(pass("server", "standalone (not enrolled)"));
        return;
    }
    const std::string& url = identity->server_url;
    if (!in.probe_server) {
        out.push_back(fail("server", "not checked - a bug: nothing probes it"));
        return;
    }
    const ServerProbe p = in.probe_server(url, identity->device_token);
    const std::string said = p.message.empty() ? "" : " (the server said: " + p.message + ")";
    if (p.status == 0) {
        if (p.certificate_problem)
            out.push_back(fail("server", url + ": its certificate is not trusted (" +
                                             p.network_error +
                                             ") - check ca_file and server_pin in the config, "
                                             "or the server's certificate"));
        else
            out.push_back(fail("server", url + " cannot be reached (" + p.network_error +
                                             ") - check this kiosk's network and that the server "
                                             "runs"));
        return;
    }
    if (p.status == 401 || p.status == 403) {
        out.push_back(fail("server", url + " does not accept this kiosk's token" + said +
                                         " - it was revoked or the server was reset: enrol the "
                                         "kiosk again with a new code (touchpoint-kiosk enroll)"));
        return;
    }
    if (p.status != 200) {
        out.push_back(fail("server", url + " answered HTTP " + std::to_string(p.status) + said +
                                         " - check the server address; if it persists, the "
                                         "server's log"));
        return;
    }
    const bool tls = url.rfind("https://", 0) == 0;
    out.push_back(pass("server", url + " reachable" +
                                     (tls ? ", certificate trusted" : " (plain http on loopback)") +
                                     ", token accepted"));

    if (!p.server_utc_ms) {
        out.push_back(fail("clock", "not compared: the server's answer does not carry its time "
                                    "(server_utc_ms) - update the server"));
        return;
    }
    const std::int64_t offset = p.device_utc_ms - *p.server_utc_ms;
    const std::int64_t apart = offset < 0 ? -offset : offset;
    const std::string times =
        "device " + utc_text(p.device_utc_ms) + ", server " + utc_text(*p.server_utc_ms);
    if (apart > in.max_clock_offset.count())
        out.push_back(fail("clock", "this device's clock is " + duration_text(apart) +
                                        (offset < 0 ? " behind" : " ahead of") + " the server's (" +
                                        times +
                                        ") - turn on network time (timedatectl set-ntp true) or "
                                        "set the clock; responses get the wrong time"));
    else
        out.push_back(
            pass("clock", "within " + duration_text(apart) + " of the server's (" + times + ")"));
}

} // namespace

std::vector<DoctorLine> run_kiosk_checks(const DoctorInput& in) {
    std::vector<DoctorLine> lines;
    // Read, never made: a doctor run must not turn this kiosk into a new device.
    auto identity = DeviceIdentity::load(in.data_dir);
    const bool enrolled = identity && *identity && !(*identity)->device_token.empty() &&
                          !(*identity)->server_url.empty();
    lines.push_back(check_config(in, enrolled));
    lines.push_back(check_display(in));
    lines.push_back(check_fonts(in));
    lines.push_back(check_data_dir(in));
    lines.push_back(check_database(in));
    if (!identity)
        lines.push_back(
            fail("server", "cannot tell whether this kiosk is enrolled: " + identity.error()));
    else
        check_server(in, *identity, lines);
    return lines;
}

int print_kiosk_checks(const std::vector<DoctorLine>& lines, std::ostream& out) {
    int failed = 0;
    for (const auto& l : lines) {
        std::string text = l.text; // one line each, whatever a message holds
        std::replace(text.begin(), text.end(), '\n', ' ');
        out << (l.ok ? "OK " : "FAIL ") << l.name << ": " << text << "\n";
        if (!l.ok) ++failed;
    }
    if (failed == 0)
        out << "all " << lines.size() << " checks passed\n";
    else
        out << failed << " of " << lines.size() << " checks failed\n";
    out.flush();
    return failed == 0 ? 0 : 1;
}

} // namespace touchpoint
