// Fuzzing the batch and heartbeat readers with libFuzzer (clang), as part of
// the suite: configures and builds server/fuzz with clang++, then runs it for
// 30 s (TOUCHPOINT_FUZZ_SECONDS overrides). Fails when clang++ is missing.
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tpt;
namespace fs = std::filesystem;

namespace {

int sh(const std::string& cmd, const std::string& log) {
    int rc = std::system(("(" + cmd + ") >>'" + log + "' 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string tail(const std::string& path, std::size_t chars) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > chars ? s.substr(s.size() - chars) : s;
}

} // namespace

TEST_CASE("fuzz: the batch and heartbeat readers survive libFuzzer", "[server][fuzz]") {
    // scripts/dev.sh installs both; a missing tool fails the test.
    INFO("the fuzzer needs clang++ and cmake (apt install clang cmake)");
    REQUIRE(std::system("command -v clang++ >/dev/null 2>&1 && command -v cmake >/dev/null 2>&1") ==
            0);
    const fs::path source = fs::path(TOUCHPOINT_ASSETS_DIR).parent_path() / "server" / "fuzz";
    const fs::path build = fs::path(TOUCHPOINT_BINARY_DIR) / "fuzz-batch";
    const std::string log = (build.parent_path() / "fuzz-batch.log").string();
    fs::remove(log);
    int seconds = 30;
    if (const char* s = std::getenv("TOUCHPOINT_FUZZ_SECONDS")) seconds = std::max(1, std::atoi(s));

    if (!fs::exists(build / "build.ninja") && !fs::exists(build / "Makefile")) {
        std::string generator =
            std::system("command -v ninja >/dev/null 2>&1") == 0 ? "-G Ninja" : "";
        int rc = sh("cmake -S '" + source.string() + "' -B '" + build.string() + "' " + generator +
                        " -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    log);
        INFO(tail(log, 3000));
        REQUIRE(rc == 0);
    }
    {
        int rc = sh("cmake --build '" + build.string() + "' -j 2", log);
        INFO(tail(log, 3000));
        REQUIRE(rc == 0);
    }
    TempDir work; // new inputs found in this run; the seed corpus stays read-only
    const std::string run = "cd '" + work.path().string() + "' && '" +
                            (build / "fuzz_batch").string() +
                            "' -max_total_time=" + std::to_string(seconds) +
                            " -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1"
                            " -dict='" +
                            (source / "fuzz_batch.dict").string() +
                            "'"
                            " -artifact_prefix='" +
                            (build.parent_path() / "fuzz-batch-").string() + "' '" +
                            work.path().string() + "' '" + (source / "corpus").string() + "'";
    int rc = sh(run, log);
    INFO("fuzzer log (tail): " << tail(log, 4000));
    CHECK(rc == 0);
}
