// DeviceIdentity: made once, kept across restarts, written atomically, and a
// damaged file is reported, never replaced.
#include "app/identity.h"
#include "core/uuid.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace touchpoint;
using touchpoint::test::read_bytes;
using touchpoint::test::TempDir;

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

} // namespace

TEST_CASE("a device id is made at first start and kept", "[identity]") {
    TempDir dir;
    const std::string data = dir.file("var/lib/touchpoint"); // does not exist yet
    auto first = DeviceIdentity::load_or_create(data);
    REQUIRE(first.ok());
    CHECK(is_uuid(first->device_id));
    CHECK(first->created_utc.size() == std::string("2026-03-29T01:30:00Z").size());
    CHECK(first->device_token.empty());
    CHECK(first->server_url.empty());

    struct stat st {};
    REQUIRE(::stat((data + "/identity.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600); // holds secrets once enrolled

    auto again = DeviceIdentity::load_or_create(data);
    REQUIRE(again.ok());
    CHECK(again->device_id == first->device_id);
    CHECK(again->created_utc == first->created_utc);

    // Only identity.json is left: no temporary files.
    CHECK(dir.files_starting_with("var").size() == 1);
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(data)) {
        (void)e;
        ++n;
    }
    CHECK(n == 1);
}

TEST_CASE("saved fields come back", "[identity]") {
    TempDir dir;
    auto id = DeviceIdentity::load_or_create(dir.path());
    REQUIRE(id.ok());
    DeviceIdentity changed = *id;
    changed.device_token = "tok-123";
    changed.server_url = "https://head-office.example";
    changed.manager_pin_hash = "$argon2id$v=19$m=65536,t=2,p=1$abc$def";
    changed.staff_pin_hash = "$argon2id$v=19$m=65536,t=2,p=1$ghi$jkl";
    REQUIRE(changed.save(dir.path()).ok());

    auto loaded = DeviceIdentity::load_or_create(dir.path());
    REQUIRE(loaded.ok());
    CHECK(loaded->device_id == id->device_id);
    CHECK(loaded->device_token == "tok-123");
    CHECK(loaded->server_url == "https://head-office.example");
    CHECK(loaded->manager_pin_hash == changed.manager_pin_hash);
    CHECK(loaded->staff_pin_hash == changed.staff_pin_hash);
}

TEST_CASE("a damaged identity file is an error naming the file, and is left alone", "[identity]") {
    TempDir dir;
    const std::string file = dir.file("identity.json");
    const std::string damaged =
        GENERATE(std::string("{\"device_id\": \"7d0f6b1e-1d3c-4f8a"), std::string(""),
                 std::string("[1, 2, 3]"), std::string("{\"device_id\": \"not-a-uuid\"}"),
                 std::string("{\"created_utc\": \"2026-01-01\"}"),
                 std::string("{\"device_id\": "
                             "\"7d0f6b1e-1d3c-4f8a-9b2e-5a6c7d8e9f01\", "
                             "\"device_token\": 42}"));
    write_file(file, damaged);
    auto id = DeviceIdentity::load_or_create(dir.path());
    REQUIRE_FALSE(id.ok());
    CHECK_THAT(id.error(), Catch::Contains(file));
    CHECK_THAT(id.error(), Catch::Contains("damaged"));
    CHECK(read_bytes(file) == damaged); // never silently replaced
}

TEST_CASE("a data folder that cannot be made is an error", "[identity]") {
    TempDir dir;
    write_file(dir.file("plain-file"), "x");
    auto id = DeviceIdentity::load_or_create(dir.file("plain-file/sub"));
    REQUIRE_FALSE(id.ok());
    CHECK_THAT(id.error(), Catch::Contains("plain-file"));
}
