// "Connect to head office", windowless: the fields and keys answer taps with
// the intents the app applies, Connect is off while an attempt runs, every
// key is a 12 mm target that fits the window, and the settings screen leads
// here.
#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "imgui_harness.h"
#include "ui/staff_screens.h"

using namespace touchpoint;
using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;
using K = StaffIntent::Kind;

namespace {

StaffIntent tapped(Harness& ui, const std::function<StaffIntent()>& draw, const Rect& r) {
    REQUIRE_FALSE(r.empty());
    std::vector<StaffIntent> got;
    for (const auto& i : ui.tap(draw, r.cx(), r.cy()))
        if (i.kind != K::none) got.push_back(i);
    REQUIRE(got.size() <= 1);
    return got.empty() ? StaffIntent{} : got.front();
}

StaffChrome manager() {
    StaffChrome c;
    c.role = Role::manager;
    c.screen = StaffScreen::connect;
    c.look.dpi = 96;
    return c;
}

const KeyRect& key(const ConnectLayout& l, const std::string& text, Key::Kind kind = Key::Kind::character) {
    for (const auto& k : l.keys)
        if (k.key.kind == kind && (kind != Key::Kind::character || k.key.text == text)) return k;
    FAIL("no key " << text);
    return l.keys.front();
}

} // namespace

TEST_CASE("connect screen: fields, keys, Connect, at kiosk sizes", "[ui][staff][connect]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1280, 800}, {1920, 1080}, {1080, 1920}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        const StaffChrome c = manager();
        ConnectModel m;
        auto draw = [&] { return draw_connect(m, c); };
        const ConnectLayout l = layout_connect(m, c, w, h);

        // Every key a 12 mm target inside the window, none overlapping
        // another or the fields.
        REQUIRE(l.keys.size() == 44);
        CHECK(l.key_size >= min_target_px(96) - 0.5f);
        for (std::size_t i = 0; i < l.keys.size(); ++i) {
            const Rect& r = l.keys[i].rect;
            CHECK(r.x >= 0);
            CHECK(r.right() <= w);
            CHECK(r.bottom() <= h);
            CHECK_FALSE(r.overlaps(l.url_field));
            CHECK_FALSE(r.overlaps(l.code_field));
            CHECK_FALSE(r.overlaps(l.connect));
            CHECK_FALSE(r.overlaps(l.message));
            for (std::size_t j = i + 1; j < l.keys.size(); ++j)
                CHECK_FALSE(r.overlaps(l.keys[j].rect));
        }
        CHECK(l.url_field.h >= min_target_px(96) - 0.5f);
        CHECK(l.connect.w >= min_target_px(96));
        CHECK_FALSE(l.code_field.overlaps(l.connect));
        CHECK_FALSE(l.url_field.overlaps(l.code_field));

        StaffIntent in = tapped(ui, draw, l.code_field);
        CHECK(in.kind == K::select_field);
        CHECK(in.value == 1);
        in = tapped(ui, draw, l.url_field);
        CHECK(in.kind == K::select_field);
        CHECK(in.value == 0);

        // The address types lower case; the code capitals.
        in = tapped(ui, draw, key(l, "q").rect);
        CHECK(in.kind == K::type_text);
        CHECK(in.text == "q");
        CHECK(tapped(ui, draw, key(l, "https://").rect).text == "https://");
        CHECK(tapped(ui, draw, key(l, ":").rect).text == ":");
        CHECK(tapped(ui, draw, key(l, "", Key::Kind::backspace).rect).kind == K::back);
        m.field = EnrolmentField::code;
        CHECK(tapped(ui, draw, key(l, "q").rect).text == "Q");
        CHECK(tapped(ui, draw, key(l, "7").rect).text == "7");

        CHECK(tapped(ui, draw, l.connect).kind == K::connect);
        // While connecting: neither Connect nor the keys answer.
        m.phase = EnrolmentPhase::connecting;
        CHECK(tapped(ui, draw, l.connect).kind == K::none);
        CHECK(tapped(ui, draw, key(l, "q").rect).kind == K::none);
        // The navigation still works (Settings leads back).
        CHECK(tapped(ui, draw, layout_staff_nav(c, w, h).settings).kind == K::show_settings);
    }
}

TEST_CASE("the settings screen leads to Connect to head office", "[ui][staff][connect]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1920, 1080}}) {
        Harness ui(w, h);
        StaffChrome c = manager();
        c.screen = StaffScreen::settings;
        SettingsModel s;
        s.languages = {{"en", "English"}};
        s.language = "en";
        auto draw = [&] { return draw_settings(s, c); };
        const SettingsLayout l = layout_settings(s, c, w, h);
        CHECK(tapped(ui, draw, l.connect).kind == K::show_connect);
        // Where it is does not depend on what else the settings list.
        s.languages.push_back({"mi", "Māori"});
        s.surveys = {{"/a.toml", "a (smiley4)"}};
        CHECK(layout_settings(s, c, w, h).connect.y == l.connect.y);
    }
}
