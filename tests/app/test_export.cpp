// The kiosk's own export (`touchpoint-kiosk export`): a comment that a
// spreadsheet would run as a formula comes out as text, as the server's
// export writes it.
#include "app/export.h"
#include "local_database_support.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace touchpoint;
using touchpoint::test::sample_response;
using touchpoint::test::TempDir;

TEST_CASE("kiosk export: comments that look like formulas are guarded in CSV",
          "[app][export]") {
    TempDir dir;
    auto database = LocalDatabase::open(dir.file("responses.db"));
    REQUIRE(database);
    const std::vector<std::string> comments = {"=HYPERLINK(\"http://evil\",\"click\")",
                                               "+64 21 555", "-fine-", "@everyone", "plain"};
    for (const std::string& comment : comments) {
        Response r = sample_response();
        REQUIRE((*database)->insert_open(r));
        REQUIRE((*database)->amend(r.id, {}, comment));
        REQUIRE((*database)->close(r.id));
    }
    std::ostringstream csv;
    auto rows = export_responses(**database, ExportFormat::csv, csv);
    REQUIRE(rows);
    CHECK(*rows == 5);
    const std::string text = csv.str();
    CHECK(text.find(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",") != std::string::npos);
    CHECK(text.find(",\"'+64 21 555\",") != std::string::npos);
    CHECK(text.find(",\"'-fine-\",") != std::string::npos);
    CHECK(text.find(",\"'@everyone\",") != std::string::npos);
    CHECK(text.find(",plain,") != std::string::npos);
    // No field starts with a bare formula character.
    CHECK(text.find(",=") == std::string::npos);
    CHECK(text.find(",+") == std::string::npos);
    CHECK(text.find(",@") == std::string::npos);

    // JSON lines carry the text unchanged (no spreadsheet reads them).
    std::ostringstream jsonl;
    REQUIRE(export_responses(**database, ExportFormat::jsonl, jsonl));
    CHECK(jsonl.str().find("\"comment\":\"=HYPERLINK(") != std::string::npos);
}
