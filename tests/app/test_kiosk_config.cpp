// The kiosk config file: a good one loads, a bad one names the file, the key
// and what is wrong.
#include "app/kiosk_config.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace touchpoint;
using Catch::Matchers::Contains;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/tp-config-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string write(const std::string& name, const std::string& text) const {
        std::string p = path + "/" + name;
        std::ofstream(p) << text;
        return p;
    }
};

const char* k_survey = R"(
id = "s"
scale = "smiley4"
[question]
en = "How was it?"
)";

const char* k_good = R"(
[device]
default_language = "en"
fullscreen = false
width = 1024
height = 600
renderer = "software"

[touch_point]
key = "tp"
time_zone = "Europe/Berlin"
idle_timeout_s = 20
survey = "survey.toml"

[touch_point.opening_hours]
mon = "08:00-18:00"
sat = "closed"
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("the sample config in assets runs standalone") {
    auto cfg = load_kiosk_config(std::string(TOUCHPOINT_ASSETS_DIR) + "/kiosk.toml");
    REQUIRE(cfg.ok());
    REQUIRE(cfg->touch_point);
    CHECK(cfg->survey.id == "checkout");
    CHECK(cfg->survey.scale == Scale::smiley4);
    CHECK(cfg->survey.question.size() >= 5);
    CHECK(cfg->device.renderer == "auto");
}

TEST_CASE("every sample survey in assets loads") {
    for (const char* name : {"checkout", "helpdesk-csat", "store-nps", "returns-ces", "restroom-thumbs"}) {
        auto s = load_survey_file(std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/" + name + ".toml");
        INFO(name);
        REQUIRE(s.ok());
        CHECK(s->question.count("mi") == 1);
        CHECK(s->question.count("zh") == 1);
    }
}

TEST_CASE("a good config loads with its survey path resolved against the config's folder") {
    TempDir d;
    d.write("survey.toml", k_survey);
    auto cfg = load_kiosk_config(d.write("kiosk.toml", k_good));
    REQUIRE(cfg.ok());
    CHECK(cfg->survey_path == d.path + "/survey.toml");
    CHECK_FALSE(cfg->device.fullscreen);
    CHECK(cfg->device.width == 1024);
    CHECK(cfg->device.renderer == "software");
    CHECK(cfg->touch_point->idle_timeout_s == 20);
    CHECK(cfg->touch_point->opening_hours.days[0].size() == 1);
    CHECK(cfg->touch_point->opening_hours.days[5].empty());
    CHECK(cfg->touch_point->opening_hours.days[6].empty()); // unnamed days are closed
}

TEST_CASE("bad config files are refused with file, key and reason") {
    TempDir d;
    d.write("survey.toml", k_survey);
    struct Case {
        std::string text;
        std::string key;
        std::string what;
    };
    std::vector<Case> cases = {
        {with(k_good, "idle_timeout_s = 20", "idle_timeout_s = -1"), "idle_timeout_s", "out of range"},
        {with(k_good, "idle_timeout_s = 20", "idle_timeout_s = \"soon\""), "idle_timeout_s", "must be a number"},
        {with(k_good, "Europe/Berlin", "Mars/Olympus"), "time_zone", "unknown time zone"},
        {with(k_good, "08:00-18:00", "18:00-08:00"), "opening_hours.mon", "closes before it opens"},
        {with(k_good, "mon =", "monday ="), "opening_hours.monday", "unknown weekday"},
        {with(k_good, "survey.toml", "missing.toml"), "survey", "cannot open"},
        {with(k_good, "width = 1024", "widht = 1024"), "widht", "unknown key"},
        {with(k_good, "default_language = \"en\"", "default_language = \"fr\""), "default_language", "no question in \"fr\""},
        {with(k_good, "fullscreen = false", "fullscreen = 0"), "fullscreen", "true or false"},
        {with(k_good, "renderer = \"software\"", "renderer = \"vulkan\""), "renderer", "\"auto\", \"software\" or \"gpu\""},
        {with(k_good, "[touch_point]", "[touch_point"), "kiosk.toml:", "not valid TOML"},
        {"[device]\ndefault_language = \"en\"\n", "[touch_point]", "is missing"},
    };
    for (const auto& c : cases) {
        auto cfg = load_kiosk_config(d.write("kiosk.toml", c.text));
        INFO(c.text);
        REQUIRE_FALSE(cfg.ok());
        CHECK_THAT(cfg.error(), Contains("kiosk.toml"));
        CHECK_THAT(cfg.error(), Contains(c.key));
        CHECK_THAT(cfg.error(), Contains(c.what));
    }
}

TEST_CASE("a broken survey named by the config is reported with both files") {
    TempDir d;
    d.write("survey.toml", "id = \"s\"\nscale = \"stars\"\n[question]\nen = \"?\"\n");
    auto cfg = load_kiosk_config(d.write("kiosk.toml", k_good));
    REQUIRE_FALSE(cfg.ok());
    CHECK_THAT(cfg.error(), Contains("survey.toml"));
    CHECK_THAT(cfg.error(), Contains("scale"));
    CHECK_THAT(cfg.error(), Contains("unknown scale \"stars\""));
    CHECK_THAT(cfg.error(), Contains("kiosk.toml"));
}

TEST_CASE("a missing config file is a clear error") {
    auto cfg = load_kiosk_config("/nonexistent/kiosk.toml");
    REQUIRE_FALSE(cfg.ok());
    CHECK_THAT(cfg.error(), Contains("/nonexistent/kiosk.toml"));
    CHECK_THAT(cfg.error(), Contains("cannot open"));
}
