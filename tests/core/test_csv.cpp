// CSV fields for both exports: quoted only when needed, and text a
// spreadsheet would run as a formula arrives as text.
#include "core/csv.h"

#include <catch2/catch.hpp>

using namespace touchpoint;

TEST_CASE("csv: plain text is left alone; commas, quotes and line breaks are quoted",
          "[core][csv]") {
    CHECK(csv_field("Quick and friendly") == "Quick and friendly");
    CHECK(csv_field("") == "");
    CHECK(csv_field("fast,friendly") == "\"fast,friendly\"");
    CHECK(csv_field("a \"big\" smile") == "\"a \"\"big\"\" smile\"");
    CHECK(csv_field("line one\nline two") == "\"line one\nline two\"");
    CHECK(csv_field("kia ora, Tāmaki") == "\"kia ora, Tāmaki\"");
}

TEST_CASE("csv: a field a spreadsheet would take for a formula is guarded",
          "[core][csv]") {
    for (const char* text : {"=HYPERLINK(A1)", "+1", "-2+3", "@SUM(A1)",
                             "\tlead", "\rlead"}) {
        INFO(text);
        CHECK(csv_formula_like(text));
        const std::string f = csv_field(text);
        CHECK(f == "\"'" + std::string(text) + "\"");
    }
    // A quote inside a guarded field is still doubled.
    CHECK(csv_field("=\"x\"") == "\"'=\"\"x\"\"\"");
    // Only the first character counts.
    CHECK_FALSE(csv_formula_like("1=1"));
    CHECK(csv_field("1=1") == "1=1");
    std::string out = "a,";
    append_csv_field(out, "=1+1");
    CHECK(out == "a,\"'=1+1\"");
}
