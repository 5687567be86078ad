// Surveys from TOML: a valid one, and bad files whose errors name the file,
// the key and what is wrong.
#include "core/survey.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace touchpoint;

namespace {
const char* k_valid = R"(
id = "checkout"
version = 3
scale = "smiley5"
comment = true
comment_max_length = 140

[question]
en = "How was your checkout today?"
mi = "I pēhea tō utu i tēnei rā?"
zh = "您今天的结账体验如何？"

[thank_you]
en = "Thank you!"
mi = "Kia ora!"

[[reasons.negative]]
id = "wait"
label = { en = "Waiting time", mi = "Te roa o te tatari" }

[[reasons.negative]]
id = "staff"
label = "Staff"

[[reasons.neutral]]
id = "ok"
label = "It was fine"

[[reasons.positive]]
id = "fast"
label = { en = "Fast" }
)";

std::string error_of(const std::string& text) {
    auto r = parse_survey_toml(text, "checkout.toml");
    return r.ok() ? std::string() : r.error();
}
} // namespace

TEST_CASE("a valid survey with reasons per band", "[survey]") {
    auto r = parse_survey_toml(k_valid, "checkout.toml");
    INFO((r.ok() ? std::string() : r.error()));
    REQUIRE(r.ok());
    const Survey& s = *r;
    CHECK(s.id == "checkout");
    CHECK(s.version == 3);
    CHECK(s.question_id == "checkout"); // defaults to the id
    CHECK(s.scale == Scale::smiley5);
    CHECK(s.comment);
    CHECK(s.comment_max_length == 140);
    CHECK(pick(s.question, "mi") == "I pēhea tō utu i tēnei rā?");
    CHECK(pick(s.question, "zh") == "您今天的结账体验如何？");
    CHECK(pick(s.question, "fr") == "How was your checkout today?"); // falls back to en
    CHECK(pick(s.thank_you, "mi") == "Kia ora!");
    CHECK(s.languages() == std::vector<std::string>{"en", "mi", "zh"});

    REQUIRE(s.reasons.at(Band::negative).size() == 2);
    CHECK(s.reasons.at(Band::negative)[0].id == "wait");
    CHECK(pick(s.reasons.at(Band::negative)[0].label, "mi") == "Te roa o te tatari");
    CHECK(s.reasons.at(Band::negative)[1].id == "staff");
    CHECK(pick(s.reasons.at(Band::negative)[1].label, "en") == "Staff");

    // Reasons follow the score's band: 1-2 negative, 3 neutral, 4-5 positive.
    CHECK(s.reasons_for(1).size() == 2);
    CHECK(s.reasons_for(2).size() == 2);
    REQUIRE(s.reasons_for(3).size() == 1);
    CHECK(s.reasons_for(3)[0].id == "ok");
    REQUIRE(s.reasons_for(5).size() == 1);
    CHECK(s.reasons_for(4)[0].id == "fast");
    CHECK(s.has_follow_up(4));
}

TEST_CASE("a minimal survey takes the defaults", "[survey]") {
    auto r = parse_survey_toml("id = \"door\"\nscale = \"thumbs\"\nquestion = \"Happy?\"\n", "door.toml");
    INFO((r.ok() ? std::string() : r.error()));
    REQUIRE(r.ok());
    CHECK(r->version == 1);
    CHECK(r->scale == Scale::thumbs);
    CHECK(pick(r->question, "en") == "Happy?");
    CHECK(pick(r->thank_you, "en") == "Thank you!");
    CHECK_FALSE(r->comment);
    CHECK(r->reasons.empty());
    CHECK_FALSE(r->has_follow_up(0)); // no reasons and no comment: no follow-up
    CHECK_FALSE(r->has_follow_up(1));
}

TEST_CASE("a band without reasons asks no follow-up", "[survey]") {
    auto r = parse_survey_toml(R"(
id = "desk"
scale = "nps"
question = "Would you recommend us?"
[[reasons.negative]]
id = "slow"
label = "Slow"
)", "desk.toml");
    REQUIRE(r.ok());
    CHECK(r->has_follow_up(6));
    CHECK_FALSE(r->has_follow_up(7)); // passive: no reasons
    CHECK_FALSE(r->has_follow_up(10));
}

TEST_CASE("survey errors name the file, the key and what is wrong", "[survey]") {
    SECTION("invalid TOML") {
        std::string e = error_of("id = \"checkout\"\nscale = \n");
        CHECK_THAT(e, Catch::StartsWith("checkout.toml:2"));
        CHECK_THAT(e, Catch::Contains("not valid TOML"));
    }
    SECTION("missing id") {
        std::string e = error_of("scale = \"smiley5\"\nquestion = \"How was it?\"\n");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("id"));
        CHECK_THAT(e, Catch::Contains("is required"));
    }
    SECTION("empty id") {
        std::string e = error_of("id = \"\"\nscale = \"smiley5\"\nquestion = \"How was it?\"\n");
        CHECK_THAT(e, Catch::Contains("id: is required"));
    }
    SECTION("missing scale") {
        std::string e = error_of("id = \"c\"\nquestion = \"How was it?\"\n");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("scale"));
        CHECK_THAT(e, Catch::Contains("is required"));
    }
    SECTION("unknown scale") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley7\"\nquestion = \"How was it?\"\n");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("scale"));
        CHECK_THAT(e, Catch::Contains("unknown scale"));
        CHECK_THAT(e, Catch::Contains("smiley7"));
    }
    SECTION("missing question") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\n");
        CHECK_THAT(e, Catch::Contains("question"));
        CHECK_THAT(e, Catch::Contains("is required"));
    }
    SECTION("wrong type: version as text") {
        std::string e = error_of("id = \"c\"\nversion = \"two\"\nscale = \"smiley5\"\nquestion = \"Q\"\n");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("version"));
        CHECK_THAT(e, Catch::Contains("must be a whole number"));
    }
    SECTION("wrong type: id as a number") {
        std::string e = error_of("id = 5\nscale = \"smiley5\"\nquestion = \"Q\"\n");
        CHECK_THAT(e, Catch::Contains("id"));
        CHECK_THAT(e, Catch::Contains("must be a string"));
    }
    SECTION("wrong type: comment as text") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\ncomment = \"yes\"\n");
        CHECK_THAT(e, Catch::Contains("comment"));
        CHECK_THAT(e, Catch::Contains("must be true or false"));
    }
    SECTION("wrong type: comment as a number") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\ncomment = 1\n");
        CHECK_THAT(e, Catch::Contains("comment"));
        CHECK_THAT(e, Catch::Contains("must be true or false"));
    }
    SECTION("wrong type: question as a number") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = 42\n");
        CHECK_THAT(e, Catch::Contains("question"));
        CHECK_THAT(e, Catch::Contains("must be a table of texts per language"));
    }
    SECTION("wrong type: a translation that is not text") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\n[question]\nen = 42\n");
        CHECK_THAT(e, Catch::Contains("question.en"));
        CHECK_THAT(e, Catch::Contains("must be a string"));
    }
    SECTION("version out of range") {
        std::string e = error_of("id = \"c\"\nversion = 0\nscale = \"smiley5\"\nquestion = \"Q\"\n");
        CHECK_THAT(e, Catch::Contains("version"));
        CHECK_THAT(e, Catch::Contains("out of range"));
    }
    SECTION("reasons.neutral on smiley4") {
        std::string e = error_of(R"(
id = "c"
scale = "smiley4"
question = "Q"
[[reasons.neutral]]
id = "meh"
label = "Meh"
)");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("reasons.neutral"));
        CHECK_THAT(e, Catch::Contains("smiley4 has no neutral band"));
    }
    SECTION("reasons.neutral on thumbs") {
        std::string e = error_of("id = \"c\"\nscale = \"thumbs\"\nquestion = \"Q\"\n"
                                 "[[reasons.neutral]]\nid = \"meh\"\nlabel = \"Meh\"\n");
        CHECK_THAT(e, Catch::Contains("reasons.neutral"));
        CHECK_THAT(e, Catch::Contains("thumbs has no neutral band"));
    }
    SECTION("unknown band") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\n"
                                 "[[reasons.bad]]\nid = \"x\"\nlabel = \"X\"\n");
        CHECK_THAT(e, Catch::Contains("reasons.bad"));
        CHECK_THAT(e, Catch::Contains("unknown score band"));
    }
    SECTION("duplicate reason id in one band") {
        std::string e = error_of(R"(
id = "c"
scale = "smiley5"
question = "Q"
[[reasons.negative]]
id = "wait"
label = "Waiting"
[[reasons.negative]]
id = "wait"
label = "Queue"
)");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("reasons.negative[1]"));
        CHECK_THAT(e, Catch::Contains("id"));
        CHECK_THAT(e, Catch::Contains("duplicate reason id \"wait\""));
    }
    SECTION("duplicate reason id across bands") {
        // Responses store only the reason id, so it must name one reason.
        std::string e = error_of(R"(
id = "c"
scale = "smiley5"
question = "Q"
[[reasons.negative]]
id = "staff"
label = "Unfriendly staff"
[[reasons.positive]]
id = "staff"
label = "Friendly staff"
)");
        CHECK_THAT(e, Catch::Contains("duplicate reason id \"staff\""));
    }
    SECTION("reason without a label") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\n"
                                 "[[reasons.negative]]\nid = \"x\"\n");
        CHECK_THAT(e, Catch::Contains("reasons.negative[0]"));
        CHECK_THAT(e, Catch::Contains("label"));
        CHECK_THAT(e, Catch::Contains("is required"));
    }
    SECTION("reasons band not a list") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\n"
                                 "[reasons]\nnegative = \"wait\"\n");
        CHECK_THAT(e, Catch::Contains("reasons.negative"));
        CHECK_THAT(e, Catch::Contains("must be a list"));
    }
    SECTION("unknown key") {
        std::string e = error_of("id = \"c\"\nscale = \"smiley5\"\nquestion = \"Q\"\ncolour = \"blue\"\n");
        CHECK_THAT(e, Catch::Contains("checkout.toml"));
        CHECK_THAT(e, Catch::Contains("colour"));
        CHECK_THAT(e, Catch::Contains("unknown key"));
    }
}

TEST_CASE("load_survey_file names a missing file", "[survey]") {
    auto r = load_survey_file("no-such-dir/missing-survey.toml");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("missing-survey.toml"));
}

TEST_CASE("every survey shipped in assets loads", "[survey]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(TOUCHPOINT_ASSETS_DIR) / "surveys";
    if (!fs::is_directory(dir)) return;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".toml") continue;
        CAPTURE(entry.path().filename().string());
        auto r = load_survey_file(entry.path().string());
        INFO((r.ok() ? std::string() : r.error()));
        CHECK(r.ok());
    }
}
