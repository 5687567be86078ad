// core/wire.h readers: response_from_json, survey and touch point JSON.
#include "core/survey.h"
#include "core/wire.h"
#include "server_fixture.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace tpt;
using nlohmann::json;
using touchpoint::response_from_json;

TEST_CASE("wire: a response survives to_json and response_from_json", "[server][wire]") {
    json j = response_json(new_id(), 2);
    j["misuse"] = true;
    auto r = response_from_json(j);
    REQUIRE(r);
    CHECK(r->score == 2);
    CHECK(r->scale == touchpoint::Scale::smiley4);
    CHECK(r->misuse);
    CHECK(r->closed);
    CHECK(r->local_day == "2026-03-29");
    CHECK(r->local_hour == 1);
    CHECK(touchpoint::to_json(*r) == j);
}

TEST_CASE("wire: optional fields default; local day and hour come from local_time",
          "[server][wire]") {
    json j{
        {"id", new_id()},     {"survey_id", "s"}, {"survey_version", 3},
        {"question_id", "q"}, {"scale", "nps"},   {"score", 0},
        {"utc_ms", 1},        {"sequence", 0},    {"local_time", "2026-10-04T23:59:59.250-04:00"}};
    auto r = response_from_json(j);
    REQUIRE(r);
    CHECK(r->local_day == "2026-10-04");
    CHECK(r->local_hour == 23);
    CHECK(r->reasons.empty());
    CHECK(r->comment.empty());
    CHECK_FALSE(r->misuse);
    CHECK_FALSE(r->clock_suspect);
    j["local_time"] = "2026-10-04T23:59:59Z";
    CHECK(response_from_json(j));
}

TEST_CASE("wire: errors name the field and the problem", "[server][wire]") {
    auto error_for = [](const std::function<void(json&)>& spoil) {
        json j = response_json(new_id());
        spoil(j);
        auto r = response_from_json(j);
        return r ? std::string("(accepted)") : r.error();
    };
    CHECK(error_for([](json& j) { j["score"] = 7; }) == "score: 7 is outside scale smiley4 (1..4)");
    CHECK(error_for([](json& j) { j["scale"] = "stars"; }) ==
          "scale: unknown scale \"stars\" (expected smiley4, smiley5, nps, ces7 or thumbs)");
    CHECK(error_for([](json& j) { j["score"] = "3"; }) ==
          "score: must be an integer, not a string");
    CHECK(error_for([](json& j) { j["comment"] = std::string(1001, 'x'); }) ==
          "comment: 1001 characters is too long (at most 1000)");
    CHECK(error_for([](json& j) { j.erase("survey_id"); }) == "survey_id: is required");
    CHECK(error_for([](json& j) { j["survey_id"] = ""; }) == "survey_id: must not be empty");
    CHECK(error_for([](json& j) { j["utc_ms"] = -1; }).rfind("utc_ms: -1 is out of range", 0) == 0);
    CHECK(error_for([](json& j) { j["sequence"] = 18446744073709551615ull; }) ==
          "sequence: is out of range");
    CHECK(error_for([](json& j) {
              j["reasons"] = json::array({"a", "a"});
          }) == "reasons[1]: \"a\" is listed twice");
    CHECK(error_for([](json& j) {
              j["local_time"] = "2026-13-01T00:00:00Z";
          }).rfind("local_time:", 0) == 0);
    CHECK(error_for([](json& j) {
              j["local_time"] = "2026-03-29T01:30:00";
          }).rfind("local_time:", 0) == 0);
    CHECK(error_for([](json& j) { j["local_hour"] = 2; }) ==
          "local_hour: 2 does not match local_time");
    CHECK(error_for([](json& j) { j["device_id"] = 5; }) ==
          "device_id: must be a string, not an integer");
    CHECK(error_for([](json& j) { j["misuse"] = "no"; }) ==
          "misuse: must be true or false, not a string");

    // A comment of 1000 characters in a non-Latin script is within the limit.
    std::string zh;
    for (int i = 0; i < 1000; ++i)
        zh += "谢";
    CHECK(error_for([&](json& j) { j["comment"] = zh; }) == "(accepted)");
    CHECK(touchpoint::utf8_length(zh) == 1000);
}

TEST_CASE("wire: every sample survey survives JSON", "[server][wire]") {
    int n = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(TOUCHPOINT_ASSETS_DIR "/surveys")) {
        auto s = touchpoint::load_survey_file(entry.path().string());
        REQUIRE(s);
        json j = touchpoint::to_json(*s);
        auto back = touchpoint::survey_from_json(j);
        INFO(entry.path());
        REQUIRE(back);
        CHECK(touchpoint::to_json(*back) == j);
        ++n;
    }
    CHECK(n >= 5);
    CHECK_FALSE(touchpoint::survey_from_json(json{{"id", "x"}, {"scale", "nps"}}));
    CHECK_FALSE(touchpoint::survey_from_json(
        json{{"id", "x"},
             {"scale", "thumbs"},
             {"question", {{"en", "?"}}},
             {"reasons", {{"neutral", {{{"id", "a"}, {"label", {{"en", "A"}}}}}}}}}));
}

TEST_CASE("wire: touch point settings survive JSON, opening hours included", "[server][wire]") {
    touchpoint::TouchPointSettings t;
    t.key = "k";
    t.time_zone = "Europe/Paris";
    t.opening_hours.days[0] = {{8 * 60, 12 * 60}, {13 * 60, 17 * 60 + 30}};
    t.opening_hours.days[6] = {};
    json j = touchpoint::to_json(t);
    CHECK(j["opening_hours"]["mon"] == "08:00-12:00, 13:00-17:30");
    CHECK(j["opening_hours"]["sun"] == "closed");
    CHECK(j["opening_hours"]["tue"] == "24h");
    auto back = touchpoint::touch_point_from_json(j);
    REQUIRE(back);
    CHECK(touchpoint::to_json(*back) == j);
    j["time_zone"] = "Nowhere/Else";
    CHECK_FALSE(touchpoint::touch_point_from_json(j));
}

TEST_CASE("wire: a touch point's owner and journey position survive JSON; bad ones are refused",
          "[server][wire]") {
    touchpoint::TouchPointSettings t;
    t.owner_name = "Mere Tāne";
    t.owner_email = "mere@example.com";
    t.journey_position = 3;
    json j = touchpoint::to_json(t);
    CHECK(j["owner"] == json{{"name", "Mere Tāne"}, {"email", "mere@example.com"}});
    CHECK(j["journey_position"] == 3);
    auto back = touchpoint::touch_point_from_json(j);
    REQUIRE(back);
    CHECK(back->owner_name == "Mere Tāne");
    CHECK(back->owner_email == "mere@example.com");
    CHECK(back->journey_position == 3);
    // Settings stored before owners existed still read, with nobody named.
    j.erase("owner");
    j.erase("journey_position");
    auto old = touchpoint::touch_point_from_json(j);
    REQUIRE(old);
    CHECK(old->owner_name.empty());
    CHECK(old->journey_position == 0);
    for (const json& bad : {json{{"journey_position", -1}}, json{{"journey_position", "2"}},
                            json{{"owner", "Mere"}},
                            json{{"owner", {{"name", "Mere"}, {"email", "no address"}}}}}) {
        json b = touchpoint::to_json(t);
        b.update(bad);
        auto r = touchpoint::touch_point_from_json(b);
        INFO(b.dump());
        REQUIRE_FALSE(r);
        CHECK((r.error().find("journey_position") != std::string::npos ||
               r.error().find("owner") != std::string::npos));
    }
}
