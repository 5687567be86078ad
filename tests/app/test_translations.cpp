// The kiosk's translations: every language holds every English key (so
// nothing falls back silently), UTF-8 survives, lookups fall back to English
// then to the key, and a broken file is refused with its name and key.
#include "app/translations.h"
#include "core/survey.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

using namespace touchpoint;
using Catch::Matchers::Contains;

namespace {

const std::string k_i18n = std::string(TOUCHPOINT_ASSETS_DIR) + "/i18n";

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/tp-i18n-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path + "/" + name, std::ios::binary) << text;
    }
};

// The "{name}" placeholders of a text, so translations keep them all.
std::set<std::string> placeholders(const std::string& text) {
    std::set<std::string> out;
    const std::regex mark("\\{[a-z_]+\\}");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), mark); it != std::sregex_iterator(); ++it)
        out.insert(it->str());
    return out;
}

} // namespace

TEST_CASE("the shipped translations load, and every language has every English key", "[translations]") {
    auto cat = load_catalogue(k_i18n);
    REQUIRE(cat.ok());
    const auto langs = cat->languages();
    for (const char* lang : {"en", "mi", "es", "fr", "zh"})
        CHECK(std::find(langs.begin(), langs.end(), lang) != langs.end());
    REQUIRE(langs.front() == "en");

    const auto english = cat->keys("en");
    REQUIRE(english.size() >= 30);
    for (const auto& lang : langs) {
        INFO("language " << lang);
        for (const auto& key : english) {
            INFO("key " << key);
            CHECK(cat->has(lang, key));
            CHECK_FALSE(cat->text(lang, key).empty());
            CHECK(placeholders(cat->text(lang, key)) == placeholders(cat->text("en", key)));
        }
        // And no stray keys English lacks (a typo would never be shown).
        for (const auto& key : cat->keys(lang)) {
            INFO("key " << key);
            CHECK(cat->has("en", key));
        }
        CHECK(cat->display_name(lang) != lang);
    }
}

TEST_CASE("every answer label and end label the screens ask for exists", "[translations]") {
    auto cat = load_catalogue(k_i18n);
    REQUIRE(cat.ok());
    for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::thumbs, Scale::nps, Scale::ces7}) {
        const ScaleInfo& info = scale_info(s);
        for (int score = info.min; score <= info.max; ++score) {
            const std::string key = answer_key(s, score);
            if (s == Scale::nps || s == Scale::ces7) {
                CHECK(key.empty());
                continue;
            }
            INFO(key);
            CHECK(cat->has("en", key));
        }
        const bool numbered = s == Scale::nps || s == Scale::ces7;
        CHECK(end_label_key(s, false).empty() == !numbered);
        if (numbered) {
            CHECK(cat->has("en", end_label_key(s, false)));
            CHECK(cat->has("en", end_label_key(s, true)));
        }
    }
    CHECK(cat->text("en", answer_key(Scale::smiley4, 1)) == "Very unhappy");
    CHECK(cat->text("en", end_label_key(Scale::nps, true)) == "Very likely");
    CHECK(cat->text("en", text_keys::comment_prompt) == "Anything else you'd like to tell us? (optional)");
}

TEST_CASE("every language a shipped survey asks for has a translation file", "[translations]") {
    std::set<std::string> wanted;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys")) {
        auto survey = load_survey_file(entry.path().string());
        REQUIRE(survey.ok());
        for (const auto& lang : survey->languages()) wanted.insert(lang);
    }
    auto cat = load_catalogue(k_i18n, {wanted.begin(), wanted.end()});
    REQUIRE(cat.ok());
    CHECK(cat->missing().empty());
}

TEST_CASE("macrons, accents and Chinese survive the round trip byte for byte", "[translations]") {
    auto cat = load_catalogue(k_i18n);
    REQUIRE(cat.ok());
    CHECK(cat->text("mi", text_keys::language_name) == "M\xC4\x81ori"); // ā = U+0101
    CHECK(cat->text("mi", answer_key(Scale::smiley5, 1)) == "Tino p\xC5\x8Duri"); // ō = U+014D
    CHECK(cat->text("zh", text_keys::language_name) == "\xE4\xB8\xAD\xE6\x96\x87"); // 中文
    CHECK(cat->text("zh", text_keys::reasons_done) == "\xE5\xAE\x8C\xE6\x88\x90");  // 完成
    CHECK(cat->text("es", text_keys::reasons_prompt) == "\xC2\xBF" "Cu\xC3\xA1l fue el motivo principal?");

    TempDir dir;
    dir.write("en.toml", "[language]\nname = \"English\"\n[x]\nword = \"plain\"\n");
    dir.write("mi.toml", "[language]\nname = \"M\xC4\x81ori\"\n[x]\nword = \"\xC4\x80\xC4\x93\xC4\xAB\xC5\x8D\xC5\xAB\"\n");
    dir.write("zh.toml", "[x]\nword = \"\xE8\xB0\xA2\xE8\xB0\xA2\xEF\xBC\x81\"\n");
    auto small = load_catalogue(dir.path);
    REQUIRE(small.ok());
    CHECK(small->text("mi", "x.word") == "\xC4\x80\xC4\x93\xC4\xAB\xC5\x8D\xC5\xAB"); // ĀĒĪŌŪ
    CHECK(small->text("zh", "x.word") == "\xE8\xB0\xA2\xE8\xB0\xA2\xEF\xBC\x81");        // 谢谢！
    CHECK(small->display_name("zh") == "zh"); // no name given: the code
}

TEST_CASE("lookups fall back to English, then to the key", "[translations]") {
    TempDir dir;
    dir.write("en.toml", "[reasons]\ndone = \"Done\"\nskip = \"Skip\"\n");
    dir.write("fr.toml", "[reasons]\ndone = \"Termin\xC3\xA9\"\n");
    auto cat = load_catalogue(dir.path);
    REQUIRE(cat.ok());
    CHECK(cat->text("fr", "reasons.done") == "Termin\xC3\xA9");
    CHECK(cat->text("fr", "reasons.skip") == "Skip");     // fr lacks it: English
    CHECK(cat->text("de", "reasons.done") == "Done");     // no German at all: English
    CHECK(cat->text("fr", "reasons.nothing") == "reasons.nothing"); // nobody has it: the key
    CHECK_FALSE(cat->has("fr", "reasons.skip"));
}

TEST_CASE("a missing non-English file is not fatal; a missing English one is", "[translations]") {
    TempDir dir;
    dir.write("en.toml", "[reasons]\ndone = \"Done\"\n");
    auto cat = load_catalogue(dir.path, {"en", "mi", "zh"});
    REQUIRE(cat.ok());
    CHECK(cat->missing() == std::vector<std::string>{"mi", "zh"});
    CHECK(cat->text("mi", "reasons.done") == "Done");

    TempDir empty;
    empty.write("fr.toml", "[reasons]\ndone = \"Termin\xC3\xA9\"\n");
    auto none = load_catalogue(empty.path);
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error(), Contains("en.toml"));
}

TEST_CASE("a bad file is refused with its name and the key", "[translations]") {
    TempDir dir;
    dir.write("en.toml", "[reasons]\ndone = \"Done\"\n");

    SECTION("a number where a text belongs") {
        dir.write("fr.toml", "[comment]\nlimit = 200\n");
        auto cat = load_catalogue(dir.path);
        REQUIRE_FALSE(cat.ok());
        CHECK_THAT(cat.error(), Contains("fr.toml") && Contains("comment.limit") && Contains("string"));
    }
    SECTION("an array where a text belongs") {
        dir.write("es.toml", "[keyboard]\nspace = [\"Espacio\"]\n");
        auto cat = load_catalogue(dir.path);
        REQUIRE_FALSE(cat.ok());
        CHECK_THAT(cat.error(), Contains("es.toml") && Contains("keyboard.space"));
    }
    SECTION("not TOML at all") {
        dir.write("mi.toml", "[reasons\ndone = \"Kua oti\"\n");
        auto cat = load_catalogue(dir.path);
        REQUIRE_FALSE(cat.ok());
        CHECK_THAT(cat.error(), Contains("mi.toml") && Contains("not valid TOML"));
    }
    SECTION("a broken English file") {
        dir.write("en.toml", "[reasons]\ndone = \"Done\n");
        auto cat = load_catalogue(dir.path);
        REQUIRE_FALSE(cat.ok());
        CHECK_THAT(cat.error(), Contains("en.toml"));
    }
}

TEST_CASE("placeholders are filled in", "[translations]") {
    CHECK(fill("{count} / {max}", {{"count", "42"}, {"max", "200"}}) == "42 / 200");
    CHECK(fill("{count}{count}", {{"count", "{count}"}}) == "{count}{count}");
    CHECK(fill("no marks", {{"count", "1"}}) == "no marks");
}
