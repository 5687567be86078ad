// `touchpoint-kiosk doctor`'s checks on real files in a temp dir: a good
// setup passes; an unwritable or full data folder, a damaged database (left
// byte for byte as it was), a newer schema, no display, a missing font, an
// unreachable or refusing server and a clock far from the server's fail, each
// line saying what to do. The display and the server are stand-ins here
// (their real probes run in e2e_kiosk_doctor).
#include "app/identity.h"
#include "app/kiosk_doctor.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace touchpoint;
using touchpoint::test::RawDb;
using touchpoint::test::read_bytes;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

namespace {

constexpr std::int64_t k_now_ms = 1'774'864'800'000; // 2026-03-30 10:00 UTC

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// A standalone config with its survey, and a doctor input that passes
// everything but what a test changes.
struct Setup {
    TempDir dir;
    std::string data = dir.file("data");
    DoctorInput in;
    std::vector<std::pair<std::string, std::string>> server_calls; // url, token
    ServerProbe server_answer;
    DisplayProbe display;

    Setup() {
        std::filesystem::create_directories(data);
        write(dir.file("survey.toml"), R"(id = "visit"
version = 1
scale = "smiley5"
[question]
en = "How was your visit?"
)");
        write(dir.file("kiosk.toml"), R"([touch_point]
key = "front"
name = "Front desk"
time_zone = "UTC"
survey = "survey.toml"
)");
        auto cfg = load_kiosk_config(dir.file("kiosk.toml"), true);
        REQUIRE(cfg.ok());
        in.config_path = dir.file("kiosk.toml");
        in.config = *cfg;
        in.data_dir = data;
        write(dir.file("font.ttf"), std::string("\0\1\0\0", 4) + std::string(100, 'x'));
        in.latin_fonts = {{dir.file("font.ttf"), ""}};
        in.cjk_font = FontProbe{dir.file("cjk.ttc"), ""};
        display.found = true;
        display.driver = "x11";
        display.width = 1280;
        display.height = 800;
        display.renderer = "SDL's software renderer";
        in.probe_display = [this] { return display; };
        server_answer.status = 200;
        server_answer.server_utc_ms = k_now_ms;
        server_answer.device_utc_ms = k_now_ms + 2000;
        in.probe_server = [this](const std::string& url, const std::string& token) {
            server_calls.emplace_back(url, token);
            return server_answer;
        };
    }

    void enrol() {
        DeviceIdentity id;
        id.device_id = "7d0f6b1e-1d3c-4f8a-9b2e-5a6c7d8e9f01";
        id.device_token = "secret-token";
        id.server_url = "https://hq.example.com:8443";
        REQUIRE(id.save(data).ok());
    }
};

const DoctorLine& line(const std::vector<DoctorLine>& lines, const std::string& name) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const DoctorLine& l) { return l.name == name; });
    REQUIRE(it != lines.end());
    return *it;
}

std::string printed(const std::vector<DoctorLine>& lines, int* code = nullptr) {
    std::ostringstream out;
    const int rc = print_kiosk_checks(lines, out);
    if (code) *code = rc;
    return out.str();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A real responses database with `n` responses, shut down cleanly.
void make_database(const std::string& path, int n) {
    auto database = LocalDatabase::open(path);
    REQUIRE(database.ok());
    for (int i = 0; i < n; ++i) {
        Response r = sample_response(1'774'700'000'000 + i * 1000, 1 + i % 5);
        REQUIRE((*database)->insert_open(r).ok());
        REQUIRE((*database)->amend(r.id, {"staff"}, std::string(300, 'a' + i % 26)).ok());
        REQUIRE((*database)->close(r.id).ok());
    }
    (*database)->mark_clean_shutdown();
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Runs the checks as an unprivileged user when this test runs as root
// (root writes through any permission bits), and returns the data dir line.
DoctorLine data_dir_line_unprivileged(const DoctorInput& in) {
    if (::geteuid() != 0) return line(run_kiosk_checks(in), "data dir");
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        int rc = 2;
        if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
            DoctorInput copy = in;
            copy.probe_display = [] { return DisplayProbe{}; };
            for (const auto& l : run_kiosk_checks(copy))
                if (l.name == "data dir") {
                    const std::string text = (l.ok ? "1" : "0") + l.text;
                    rc = ::write(fds[1], text.data(), text.size()) ==
                                 static_cast<ssize_t>(text.size())
                             ? 0
                             : 3;
                }
        }
        ::_exit(rc);
    }
    ::close(fds[1]);
    std::string got;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        got.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE_FALSE(got.empty());
    return {got[0] == '1', "data dir", got.substr(1)};
}

} // namespace

TEST_CASE("doctor: a good setup passes every check, one OK line each", "[doctor]") {
    Setup s;
    make_database(s.data + "/responses.db", 3);
    const auto names_before = names_in(s.data);
    const auto lines = run_kiosk_checks(s.in);
    int code = -1;
    const std::string out = printed(lines, &code);
    INFO(out);
    CHECK(code == 0);
    for (const auto& l : lines)
        CHECK(l.ok);
    std::istringstream text(out);
    std::vector<std::string> printed_lines;
    for (std::string l; std::getline(text, l);)
        printed_lines.push_back(l);
    REQUIRE(printed_lines.size() == lines.size() + 1);
    CHECK(printed_lines[0].rfind("OK config: ", 0) == 0);
    CHECK(printed_lines[1] == "OK display: x11, 1280x800; drawing with SDL's software renderer");
    CHECK(printed_lines[2].rfind("OK fonts: " + s.dir.file("font.ttf"), 0) == 0);
    CHECK(printed_lines[3].rfind("OK data dir: " + s.data + " writable, ", 0) == 0);
    CHECK(contains(printed_lines[3], " MB free"));
    CHECK(printed_lines[4].rfind("OK database: " + s.data + "/responses.db", 0) == 0);
    CHECK(contains(printed_lines[4], "intact"));
    CHECK(contains(printed_lines[4],
                   "schema version " + std::to_string(local_database_schema_version())));
    CHECK(contains(printed_lines[4], "3 responses"));
    CHECK(printed_lines[5] == "OK server: standalone (not enrolled)");
    CHECK(printed_lines.back() == "all 6 checks passed");
    // The probe file is gone; nothing else was made (no identity, no -wal).
    CHECK(names_in(s.data) == names_before);
}

TEST_CASE("doctor: a kiosk that never started is fine, and the doctor makes nothing", "[doctor]") {
    Setup s;
    s.in.data_dir = s.dir.file("not/yet");
    const auto lines = run_kiosk_checks(s.in);
    INFO(printed(lines));
    CHECK(line(lines, "data dir").ok);
    CHECK(contains(line(lines, "data dir").text, "not there yet"));
    CHECK(line(lines, "database").ok);
    CHECK(contains(line(lines, "database").text, "made at the first start"));
    CHECK(line(lines, "server").text == "standalone (not enrolled)");
    CHECK_FALSE(std::filesystem::exists(s.dir.file("not")));
    // No identity or database is made in an existing data dir either.
    s.in.data_dir = s.data;
    CHECK(line(run_kiosk_checks(s.in), "database").ok);
    CHECK(names_in(s.data).empty());
}

TEST_CASE("doctor: a data dir the kiosk cannot write to fails and says what to do", "[doctor]") {
    Setup s;
    // Reachable by anyone, writable by no one (an unprivileged user when
    // this runs as root).
    REQUIRE(::chmod(s.dir.path().c_str(), 0755) == 0);
    REQUIRE(::chmod(s.data.c_str(), 0555) == 0);
    const DoctorLine l = data_dir_line_unprivileged(s.in);
    ::chmod(s.data.c_str(), 0755);
    INFO(l.text);
    CHECK_FALSE(l.ok);
    CHECK(contains(l.text, s.data + " is not writable"));
    CHECK(contains(l.text, " - "));
    CHECK(names_in(s.data).empty()); // no probe file left behind

    SECTION("a folder that cannot be made: a file is in the way") {
        write(s.dir.file("blocker"), "x");
        s.in.data_dir = s.dir.file("blocker/data");
        const auto lines = run_kiosk_checks(s.in);
        const DoctorLine& d = line(lines, "data dir");
        INFO(d.text);
        CHECK_FALSE(d.ok);
        CHECK(contains(d.text, "cannot be created"));
        int code = 0;
        printed(lines, &code);
        CHECK(code == 1);
    }
}

TEST_CASE("doctor: too little free space fails", "[doctor]") {
    Setup s;
    s.in.min_free_bytes = std::int64_t{1} << 60; // more than any disk here
    const DoctorLine& d = line(run_kiosk_checks(s.in), "data dir");
    INFO(d.text);
    CHECK_FALSE(d.ok);
    CHECK(contains(d.text, "MB free"));
    CHECK(contains(d.text, "free space on that disk"));
}

TEST_CASE("doctor: a damaged database fails and is left exactly as it was", "[doctor]") {
    Setup s;
    const std::string db = s.data + "/responses.db";

    SECTION("pages of the responses table overwritten") {
        make_database(db, 300);
        RawDb raw(db);
        auto pages = raw.ints("SELECT pageno FROM dbstat WHERE name = 'responses' AND "
                              "pagetype = 'leaf' ORDER BY path");
        REQUIRE(pages.size() >= 5);
        const std::int64_t page = pages[pages.size() / 2];
        std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp((page - 1) * 4096 + 8); // past the page header's first bytes
        std::mt19937 rng(7);
        std::string junk(2000, '\0');
        for (auto& c : junk)
            c = static_cast<char>(rng());
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        REQUIRE(f.good());
    }
    SECTION("a file of garbage") {
        std::mt19937 rng(11);
        std::string junk(20000, '\0');
        for (auto& c : junk)
            c = static_cast<char>(rng());
        write(db, junk);
    }
    const std::string before = read_bytes(db);
    const auto names_before = names_in(s.data);

    const auto lines = run_kiosk_checks(s.in);
    const DoctorLine& d = line(lines, "database");
    INFO(d.text);
    CHECK_FALSE(d.ok);
    CHECK(contains(d.text, db));
    CHECK((contains(d.text, "damaged") || contains(d.text, "cannot be read")));
    CHECK(contains(d.text, "copy the file somewhere safe"));
    CHECK_FALSE(contains(d.text, "\n"));
    int code = 0;
    printed(lines, &code);
    CHECK(code == 1);
    // Not repaired, moved or touched: the same bytes, no companions.
    CHECK(read_bytes(db) == before);
    CHECK(names_in(s.data) == names_before);
}

TEST_CASE("doctor: a database of a newer schema fails, naming the schema version", "[doctor]") {
    Setup s;
    const std::string db = s.data + "/responses.db";
    make_database(db, 1);
    {
        RawDb raw(db, false);
        REQUIRE(raw.exec("PRAGMA user_version = 99") == 0);
    }
    const std::string before = read_bytes(db);
    const DoctorLine& d = line(run_kiosk_checks(s.in), "database");
    INFO(d.text);
    CHECK_FALSE(d.ok);
    CHECK(contains(d.text, "schema version 99"));
    CHECK(contains(d.text, "newer than this kiosk knows (" +
                               std::to_string(local_database_schema_version()) + ")"));
    CHECK(read_bytes(db) == before);
}

TEST_CASE("doctor: a database in use by the running kiosk is read through its WAL", "[doctor]") {
    Setup s;
    const std::string db = s.data + "/responses.db";
    auto database = LocalDatabase::open(db);
    REQUIRE(database.ok());
    Response r = sample_response();
    REQUIRE((*database)->insert_open(r).ok()); // only in the WAL so far
    const DoctorLine& d = line(run_kiosk_checks(s.in), "database");
    INFO(d.text);
    CHECK(d.ok);
    CHECK(contains(d.text, "1 responses"));
}

TEST_CASE("doctor: no display fails in plain words", "[doctor]") {
    Setup s;
    s.display = DisplayProbe{};
    s.display.problem = "no display or screen found (SDL: No available video device)";
    const auto lines = run_kiosk_checks(s.in);
    int code = 0;
    const std::string out = printed(lines, &code);
    INFO(out);
    CHECK(code == 1);
    CHECK(contains(out, "FAIL display: no display or screen found (SDL: No available video "
                        "device) - the kiosk needs a screen: run it inside cage"));
    CHECK(out.find("no display") != std::string::npos);
    CHECK(contains(out, "1 of 6 checks failed"));
}

TEST_CASE("doctor: fonts fall back in the kiosk's order, and none usable fails", "[doctor]") {
    Setup s;
    s.in.latin_fonts = {{"/nowhere/NotoSans-Regular.ttf", "not there"},
                        {s.dir.file("font.ttf"), ""}};
    s.in.cjk_font = FontProbe{"/nowhere/wqy.ttc", "not there"};
    const DoctorLine ok = line(run_kiosk_checks(s.in), "fonts");
    INFO(ok.text);
    CHECK(ok.ok);
    CHECK(ok.text.rfind(s.dir.file("font.ttf") + " (instead of /nowhere/NotoSans-Regular.ttf not "
                                                 "there)",
                        0) == 0);
    CHECK(contains(ok.text, "no Chinese, Japanese or Korean text"));

    s.in.latin_fonts = {{"/nowhere/NotoSans-Regular.ttf", "not there"},
                        {s.dir.file("font.ttf"), "not a TrueType or OpenType font"}};
    const DoctorLine bad = line(run_kiosk_checks(s.in), "fonts");
    INFO(bad.text);
    CHECK_FALSE(bad.ok);
    CHECK(contains(bad.text, "no usable font file"));
    CHECK(contains(bad.text, "install fonts-noto-core"));
}

TEST_CASE("doctor: a standalone config without a touch point fails", "[doctor]") {
    Setup s;
    write(s.dir.file("bare.toml"), "[device]\ndefault_language = \"en\"\n");
    auto cfg = load_kiosk_config(s.dir.file("bare.toml"), true);
    REQUIRE(cfg.ok());
    s.in.config = *cfg;
    CHECK_FALSE(line(run_kiosk_checks(s.in), "config").ok);
    // Enrolled, the server provides it.
    s.enrol();
    CHECK(line(run_kiosk_checks(s.in), "config").ok);
}

TEST_CASE("doctor: an enrolled kiosk's server and clock", "[doctor]") {
    Setup s;
    s.enrol();

    SECTION("reachable, token accepted, clocks close: two OK lines") {
        const auto lines = run_kiosk_checks(s.in);
        INFO(printed(lines));
        REQUIRE(s.server_calls.size() == 1);
        CHECK(s.server_calls[0].first == "https://hq.example.com:8443");
        CHECK(s.server_calls[0].second == "secret-token");
        CHECK(line(lines, "server").ok);
        CHECK(line(lines, "server").text ==
              "https://hq.example.com:8443 reachable, certificate trusted, token accepted");
        CHECK(line(lines, "clock").ok);
        CHECK(contains(line(lines, "clock").text, "within 2 s of the server's"));
        CHECK(contains(printed(lines), "all 7 checks passed"));
    }
    SECTION("the device's clock 15 minutes behind the server's") {
        s.server_answer.device_utc_ms = k_now_ms - 15 * 60 * 1000;
        const DoctorLine c = line(run_kiosk_checks(s.in), "clock");
        INFO(c.text);
        CHECK_FALSE(c.ok);
        CHECK(contains(c.text, "15 min 0 s behind the server's"));
        CHECK(contains(c.text, "2026-03-30 10:00:00 UTC"));
        CHECK(contains(c.text, "timedatectl set-ntp true"));
    }
    SECTION("11 minutes ahead fails, 9 minutes ahead passes") {
        s.server_answer.device_utc_ms = k_now_ms + 11 * 60 * 1000;
        CHECK_FALSE(line(run_kiosk_checks(s.in), "clock").ok);
        s.server_answer.device_utc_ms = k_now_ms + 9 * 60 * 1000;
        CHECK(line(run_kiosk_checks(s.in), "clock").ok);
    }
    SECTION("a token the server refuses") {
        s.server_answer = ServerProbe{};
        s.server_answer.status = 401;
        s.server_answer.message = "the device token is not valid";
        const auto lines = run_kiosk_checks(s.in);
        const DoctorLine& d = line(lines, "server");
        INFO(d.text);
        CHECK_FALSE(d.ok);
        CHECK(contains(d.text, "does not accept this kiosk's token"));
        CHECK(contains(d.text, "touchpoint-kiosk enroll"));
        CHECK(std::none_of(lines.begin(), lines.end(),
                           [](const DoctorLine& l) { return l.name == "clock"; }));
    }
    SECTION("a certificate that is not trusted") {
        s.server_answer = ServerProbe{};
        s.server_answer.certificate_problem = true;
        s.server_answer.network_error = "the server's certificate is not trusted: self-signed";
        const DoctorLine d = line(run_kiosk_checks(s.in), "server");
        INFO(d.text);
        CHECK_FALSE(d.ok);
        CHECK(contains(d.text, "certificate is not trusted"));
        CHECK(contains(d.text, "ca_file"));
    }
    SECTION("no answer at all") {
        s.server_answer = ServerProbe{};
        s.server_answer.network_error = "the server could not be reached (connection refused)";
        const DoctorLine d = line(run_kiosk_checks(s.in), "server");
        INFO(d.text);
        CHECK_FALSE(d.ok);
        CHECK(contains(d.text, "cannot be reached"));
    }
}
