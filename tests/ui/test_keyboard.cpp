// The on-screen keyboard: UTF-8 editing rules, each language's keys, a layout
// whose keys stay on screen, apart and >= 12 mm, and taps that type.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "imgui_harness.h"
#include "ui/keyboard.h"
#include "ui/screens.h"

using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;

namespace {

Intent typed(const std::string& text) {
    Intent in;
    in.kind = Intent::Kind::type_text;
    in.id = text;
    return in;
}

Intent of_kind(Intent::Kind kind) {
    Intent in;
    in.kind = kind;
    return in;
}

std::set<std::string> key_texts(const std::string& lang) {
    std::set<std::string> out;
    for (const auto& row : keyboard_rows(lang))
        for (const Key& k : row)
            if (k.kind == Key::Kind::character)
                out.insert(k.text);
    return out;
}

const Key* find_key(const std::vector<std::vector<Key>>& rows, const std::string& text) {
    for (const auto& row : rows)
        for (const Key& k : row)
            if (k.text == text)
                return &k;
    return nullptr;
}

CommentView comment_view(const std::string& lang) {
    CommentView v;
    v.prompt = "Anything else you'd like to tell us? (optional)";
    v.language = lang;
    v.text = "Quick and friendly";
    return v;
}

} // namespace

// --- Keys and their intents (the runtime edits the comment: tests/app) ---

TEST_CASE("characters are counted as code points, not bytes", "[ui][keyboard]") {
    CHECK(utf8_length("M\xC4\x81ori") == 5);
    CHECK(utf8_length("\xE8\xB0\xA2\xE8\xB0\xA2") == 2);
    CHECK(utf8_length("a\xF0\x9F\x99\x82") == 2);
}

TEST_CASE("shift is one-shot: it types one capital, then turns off", "[ui][keyboard]") {
    CHECK(shift_after(false, of_kind(Intent::Kind::toggle_shift)));
    CHECK_FALSE(shift_after(true, of_kind(Intent::Kind::toggle_shift)));
    CHECK_FALSE(shift_after(true, typed("A")));
    CHECK(shift_after(true, of_kind(Intent::Kind::backspace)));
    const auto rows = keyboard_rows("mi");
    const Key* a_macron = find_key(rows, "\xC4\x81");
    REQUIRE(a_macron);
    CHECK(key_intent(*a_macron, true).id == "\xC4\x80"); // Ā
    CHECK(key_intent(*a_macron, false).id == "\xC4\x81");
}

// --- Keys of each language ---

TEST_CASE("every layout has letters, digits, space, backspace, shift and done", "[ui][keyboard]") {
    for (const char* lang : {"en", "mi", "es", "fr", "zh", "de"}) {
        INFO(lang);
        const auto texts = key_texts(lang);
        for (char c = 'a'; c <= 'z'; ++c)
            CHECK(texts.count(std::string(1, c)) == 1);
        for (char c = '0'; c <= '9'; ++c)
            CHECK(texts.count(std::string(1, c)) == 1);
        int space = 0, backspace = 0, shift = 0, done = 0;
        size_t count = 0;
        for (const auto& row : keyboard_rows(lang))
            for (const Key& k : row) {
                ++count;
                space += k.kind == Key::Kind::space;
                backspace += k.kind == Key::Kind::backspace;
                shift += k.kind == Key::Kind::shift;
                done += k.kind == Key::Kind::done;
            }
        CHECK(space == 1);
        CHECK(backspace == 1);
        CHECK(shift == 1);
        CHECK(done == 1);
        CHECK(texts.size() + 4 == count); // no key twice
    }
}

TEST_CASE("each language has its accented letters, with capitals", "[ui][keyboard]") {
    const std::vector<std::pair<std::string, std::vector<std::string>>> expected{
        {"mi", {"ā", "ē", "ī", "ō", "ū"}},
        {"es", {"á", "é", "í", "ó", "ú", "ñ", "ü", "¿", "¡"}},
        {"fr", {"é", "è", "ê", "à", "ç", "ù", "â", "î", "ô", "û", "ë", "ï", "œ"}},
    };
    for (const auto& [lang, letters] : expected) {
        INFO(lang);
        const auto rows = keyboard_rows(lang);
        for (const auto& l : letters) {
            INFO(l);
            const Key* k = find_key(rows, l);
            REQUIRE(k);
            if (l != "¿" && l != "¡")
                CHECK(k->shifted != k->text);
        }
    }
    CHECK(find_key(keyboard_rows("mi"), "ā")->shifted == "Ā");
    CHECK(find_key(keyboard_rows("fr"), "œ")->shifted == "Œ");
    CHECK(find_key(keyboard_rows("es"), "ñ")->shifted == "Ñ");
    // English and Chinese (pinyin on Latin letters) have no accent row.
    for (const char* lang : {"en", "zh"})
        for (const auto& t : key_texts(lang))
            for (unsigned char c : t)
                CHECK(c < 0x80);
}

// --- Layout ---

TEST_CASE("keys stay on screen, apart, clear of the text, and >= 12 mm", "[ui][keyboard][layout]") {
    const float target = min_target_px(96.0f); // 45.4 px
    float smallest = 1e9f;
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1024, 600}, {1280, 800}, {1920, 1080}, {1080, 1920}}) {
        for (const char* lang : {"en", "mi", "es", "fr", "zh"}) {
            for (bool large : {false, true}) {
                INFO(w << "x" << h << " " << lang << " large " << large);
                CommentView view = comment_view(lang);
                view.look.large_text = large;
                const CommentLayout l = layout_comment(view, w, h);
                REQUIRE(l.keys.size() >= 45);
                CAPTURE(l.key_size);
                CHECK(l.key_size >= target);
                smallest = std::min(smallest, l.key_size);
                const Rect screen{0, 0, w, h};
                for (const Rect& r : {l.prompt, l.skip, l.text_box}) {
                    CHECK(r.x >= 0.0f);
                    CHECK(r.y >= 0.0f);
                    CHECK(r.right() <= w);
                    CHECK(r.bottom() <= h);
                }
                CHECK_FALSE(l.prompt.overlaps(l.skip));
                CHECK_FALSE(l.skip.overlaps(l.text_box));
                CHECK(l.skip.w >= target);
                CHECK(l.skip.h >= target);
                CHECK(l.text_box.h >= l.text.label * 2.0f);
                for (size_t i = 0; i < l.keys.size(); ++i) {
                    const Rect& r = l.keys[i].rect;
                    INFO("key " << i << " '" << l.keys[i].key.text << "'");
                    CHECK(r.w >= l.key_size - 0.01f);
                    CHECK(r.h >= l.key_size - 0.01f);
                    CHECK(r.x >= 0.0f);
                    CHECK(r.y >= 0.0f);
                    CHECK(r.right() <= w);
                    CHECK(r.bottom() <= h);
                    CHECK_FALSE(r.overlaps(l.text_box));
                    CHECK_FALSE(r.overlaps(l.skip));
                    CHECK_FALSE(r.overlaps(l.prompt));
                    for (size_t j = i + 1; j < l.keys.size(); ++j)
                        CHECK_FALSE(r.overlaps(l.keys[j].rect));
                }
                (void)screen;
            }
        }
    }
    // The tightest screen (800x480, six rows for mi/es/fr) still gets 12 mm keys.
    CHECK(smallest >= target);
}

TEST_CASE("keys reach 12 mm on high-DPI panels with room for them", "[ui][keyboard][layout]") {
    for (auto [w, h, dpi] : {std::tuple<float, float, float>{1920, 1080, 160}, {1080, 1920, 160}, {1280, 800, 150}}) {
        for (const char* lang : {"en", "fr"}) {
            INFO(w << "x" << h << " @" << dpi << " " << lang);
            CommentView view = comment_view(lang);
            view.look.dpi = dpi;
            CHECK(layout_comment(view, w, h).key_size >= min_target_px(dpi));
        }
    }
}

// --- Taps ---

TEST_CASE("tapping keys types, shifts, deletes, finishes and skips", "[ui][keyboard]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1080, 1920}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        CommentView view = comment_view("mi");
        const CommentLayout l = layout_comment(view, w, h);
        auto draw = [&] { return draw_comment(view); };
        auto tap_intents = [&](const Rect& r) {
            std::vector<Intent> got;
            for (const Intent& in : ui.tap(draw, r.cx(), r.cy()))
                if (in.kind != Intent::Kind::none)
                    got.push_back(in);
            return got;
        };
        // Every key answers exactly its own intent.
        for (const KeyRect& kr : l.keys) {
            INFO("key '" << kr.key.text << "'");
            const auto got = tap_intents(kr.rect);
            REQUIRE(got.size() == 1);
            const Intent want = key_intent(kr.key, view.shift);
            CHECK(got[0].kind == want.kind);
            CHECK(got[0].id == want.id);
        }
        view.shift = true;
        for (const KeyRect& kr : l.keys)
            if (kr.key.text == "\xC5\x8D") { // ō
                const auto got = tap_intents(kr.rect);
                REQUIRE(got.size() == 1);
                CHECK(got[0].id == "\xC5\x8C"); // Ō
            }
        const auto skip = tap_intents(l.skip);
        REQUIRE(skip.size() == 1);
        CHECK(skip[0].kind == Intent::Kind::skip);
        // The text box is not a button.
        CHECK(tap_intents(l.text_box).empty());
    }
}

TEST_CASE("the comment screen draws at its limit and when empty", "[ui][keyboard]") {
    Harness ui(800, 480);
    CommentView view = comment_view("zh");
    view.max_chars = 5;
    view.text = "abcde";
    ui.frame([&] { return draw_comment(view); });
    REQUIRE(ImGui::GetDrawData() != nullptr);
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 0);
    view.text.clear();
    view.look.high_contrast = true;
    CHECK(ui.frame([&] { return draw_comment(view); }).kind == Intent::Kind::none);
}
