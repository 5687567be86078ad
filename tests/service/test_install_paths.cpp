// Where a binary finds its data: the environment, an installed tree
// (bin/ beside share/touchpoint), a build tree's marker file — on real
// folders in a temp dir, and for this very test binary.
#include "service/install_paths.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace touchpoint;
namespace fs = std::filesystem;

namespace {

struct Tree {
    fs::path root;
    Tree() {
        char tmpl[] = "/tmp/tp-install-paths-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        root = tmpl;
    }
    ~Tree() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    std::string dir(const std::string& rel) const {
        fs::create_directories(root / rel);
        return (root / rel).string();
    }
    void write(const std::string& rel, const std::string& text) const {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << text;
    }
    std::string path(const std::string& rel) const { return (root / rel).string(); }
};

} // namespace

TEST_CASE("an installed binary finds share/touchpoint beside its bin folder", "[install_paths]") {
    Tree t;
    const std::string bin = t.dir("usr/bin");
    t.dir("usr/share/touchpoint/surveys");
    auto d = service::find_data_dir("", bin);
    INFO((d ? "" : d.error()));
    REQUIRE(d.ok());
    CHECK(*d == t.path("usr/share/touchpoint"));
}

TEST_CASE("TOUCHPOINT_ASSETS wins, and a missing folder there is refused", "[install_paths]") {
    Tree t;
    const std::string bin = t.dir("usr/bin");
    t.dir("usr/share/touchpoint");
    const std::string mine = t.dir("elsewhere/assets");
    auto d = service::find_data_dir(mine, bin);
    REQUIRE(d.ok());
    CHECK(*d == mine);

    auto bad = service::find_data_dir(t.path("nowhere"), bin);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("TOUCHPOINT_ASSETS names") != std::string::npos);
    CHECK(bad.error().find(t.path("nowhere")) != std::string::npos);
}

TEST_CASE("a build tree reads the source folder from its marker file", "[install_paths]") {
    Tree t;
    const std::string assets = t.dir("src/assets");
    const std::string build = t.dir("build");
    const std::string server = t.dir("build/server");
    const std::string e2e = t.dir("build/tests/e2e");
    t.write("build/touchpoint-source-assets", assets + "\n");

    for (const std::string& exe_dir : {build, server, e2e}) {
        auto d = service::find_data_dir("", exe_dir);
        INFO(exe_dir << ": " << (d ? "" : d.error()));
        REQUIRE(d.ok());
        CHECK(*d == assets);
    }
    // Installed data beside the binary wins over a marker.
    t.dir("build/share/touchpoint");
    auto installed = service::find_data_dir("", server);
    REQUIRE(installed.ok());
    CHECK(*installed == t.path("build/share/touchpoint"));
}

TEST_CASE("a marker naming a folder that is gone says so", "[install_paths]") {
    Tree t;
    const std::string build = t.dir("build");
    t.write("build/touchpoint-source-assets", t.path("moved/assets") + "\n");
    auto d = service::find_data_dir("", build);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().find("marker") != std::string::npos);
    CHECK(d.error().find(t.path("moved/assets")) != std::string::npos);
}

TEST_CASE("no data anywhere is an error in plain words", "[install_paths]") {
    Tree t;
    const std::string bin = t.dir("opt/x/bin");
    auto d = service::find_data_dir("", bin);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().find("share/touchpoint does not exist") != std::string::npos);
    CHECK(d.error().find("TOUCHPOINT_ASSETS") != std::string::npos);
    CHECK_FALSE(service::find_data_dir("", "").ok());
}

TEST_CASE("this test binary finds the source tree's assets through the build's marker",
          "[install_paths]") {
    CHECK(service::executable_dir() == fs::path(TOUCHPOINT_BINARY_DIR "/tests").string());
    auto d = service::find_data_dir("", service::executable_dir());
    INFO((d ? "" : d.error()));
    REQUIRE(d.ok());
    CHECK(fs::equivalent(*d, TOUCHPOINT_ASSETS_DIR));
    CHECK(fs::exists(fs::path(*d) / "surveys" / "checkout.toml"));
}
