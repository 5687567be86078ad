// The staff screens, windowless: PIN pad keys, masked entry, the dashboard
// and its buttons, role-dependent actions, huddle, health and settings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "imgui_harness.h"
#include "ui/staff_screens.h"

using namespace touchpoint;
using namespace touchpoint::ui;
using touchpoint::ui::testing::Harness;
using K = StaffIntent::Kind;

namespace {

std::vector<StaffIntent> only(const std::vector<StaffIntent>& all) {
    std::vector<StaffIntent> out;
    for (const auto& i : all)
        if (i.kind != K::none) out.push_back(i);
    return out;
}

// The one intent a tap produced (none if zero or several).
StaffIntent tapped(Harness& ui, const std::function<StaffIntent()>& draw, const Rect& r) {
    REQUIRE_FALSE(r.empty());
    const auto got = only(ui.tap(draw, r.cx(), r.cy()));
    REQUIRE(got.size() <= 1);
    return got.empty() ? StaffIntent{} : got.front();
}

StaffDashboardView sample_dashboard() {
    StaffDashboardView d;
    d.touch_point = "Checkout 1";
    d.today = "2026-03-30";
    d.scale = Scale::smiley4;
    d.headline_name = "CSAT";
    d.standard = 85;
    d.today_metrics.count = 6;
    d.today_metrics.misuse = 1;
    d.today_metrics.headline = 50.0;
    d.today_metrics.satisfaction_index = 58.3;
    d.today_meets = false;
    for (int s = 1; s <= 4; ++s)
        d.distribution.push_back({s, s});
    d.per_hour[9] = 3;
    d.per_hour[10] = 3;
    for (int i = 0; i < 7; ++i)
        d.trend7.push_back({"2026-03-2" + std::to_string(4 + i), i != 5, 10, 80.0 + i, i % 2 == 0});
    d.trend30 = d.trend7;
    d.top_reasons = {{"Waiting time", 2}};
    d.comments = {{"2026-03-30T10:05:00+13:00", 1, "Too slow"}};
    d.alerts = {{41, "10:07", "3 lowest answers (score 1) within 10 minutes."}};
    return d;
}

StaffChrome chrome(Role role) {
    StaffChrome c;
    c.role = role;
    c.title = "Checkout 1 · Demo Store";
    c.sync_note = "not configured";
    c.open_alerts = 1;
    return c;
}

} // namespace

TEST_CASE("PIN pad keys give digits, clear, back, OK and cancel", "[ui][staff][pin]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1280, 800}, {1080, 1920}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        PinPadModel m;
        m.title = "Staff sign-in";
        m.prompt = "Enter your PIN";
        m.entered = 2;
        const PinPadLayout l = layout_pin_pad(m, w, h, 96.0f);
        auto draw = [&] { return draw_pin_pad(m, Look{}); };
        for (int d = 0; d <= 9; ++d) {
            const StaffIntent in = tapped(ui, draw, l.digits[static_cast<std::size_t>(d)]);
            CHECK(in.kind == K::digit);
            CHECK(in.digit == d);
        }
        CHECK(tapped(ui, draw, l.clear).kind == K::clear);
        CHECK(tapped(ui, draw, l.back).kind == K::back);
        CHECK(tapped(ui, draw, l.ok).kind == K::ok);
        CHECK(tapped(ui, draw, l.cancel).kind == K::cancel);
        // Keys are touch-sized and apart.
        std::vector<Rect> keys(l.digits.begin(), l.digits.end());
        keys.insert(keys.end(), {l.clear, l.back, l.ok, l.cancel});
        for (std::size_t i = 0; i < keys.size(); ++i) {
            CHECK(keys[i].h >= min_target_px(96.0f) - 0.5f);
            CHECK(keys[i].bottom() <= h + 0.5f);
            for (std::size_t j = i + 1; j < keys.size(); ++j)
                CHECK_FALSE(keys[i].overlaps(keys[j]));
        }
        // With nothing typed, OK does nothing; at first start there is no cancel.
        m.entered = 0;
        m.can_cancel = false;
        CHECK(tapped(ui, draw, l.ok).kind == K::none);
        CHECK(layout_pin_pad(m, w, h, 96.0f).cancel.empty());
    }
}

TEST_CASE("the PIN pad shows dots, never digits", "[ui][staff][pin]") {
    // The model carries only how many digits were typed, so the screen cannot
    // show them; the dots follow the count.
    Harness ui(800, 480);
    PinPadModel m;
    m.title = "Staff sign-in";
    auto vertices = [&](int entered) {
        m.entered = entered;
        ui.frame([&] { return draw_pin_pad(m, Look{}); });
        return ImGui::GetDrawData()->TotalVtxCount;
    };
    const int none = vertices(0);
    const int four = vertices(4);
    CHECK(four != none);        // four rings became four filled dots
    CHECK(vertices(6) > four);  // six places, six dots
    CHECK(vertices(4) == four); // the same count draws the same, whatever the digits
}

TEST_CASE("the locked PIN pad says how long", "[ui][staff][pin]") {
    Harness ui(800, 480);
    PinPadModel m;
    m.title = "Staff sign-in";
    m.locked = true;
    m.locked_seconds = 27;
    m.message = "Locked — try again in 27 s";
    ui.frame([&] { return draw_pin_pad(m, Look{}); });
    const int with_message = ImGui::GetDrawData()->TotalVtxCount;
    m.message.clear();
    ui.frame([&] { return draw_pin_pad(m, Look{}); });
    CHECK(with_message > ImGui::GetDrawData()->TotalVtxCount);
}

TEST_CASE("dashboard buttons return their intents; manager-only actions are absent for staff",
          "[ui][staff][dashboard]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1280, 800}, {1920, 1080}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        const StaffDashboardView d = sample_dashboard();
        StaffChrome c = chrome(Role::manager);
        auto draw = [&] { return draw_dashboard(d, c); };
        StaffNavLayout nav = layout_staff_nav(c, w, h);
        CHECK(tapped(ui, draw, nav.pause).kind == K::pause);
        CHECK(tapped(ui, draw, nav.huddle).kind == K::show_huddle);
        CHECK(tapped(ui, draw, nav.health).kind == K::show_health);
        CHECK(tapped(ui, draw, nav.settings).kind == K::show_settings);
        CHECK(tapped(ui, draw, nav.exit).kind == K::exit_kiosk);
        CHECK(tapped(ui, draw, nav.close).kind == K::close);
        CHECK(tapped(ui, draw, nav.dashboard).kind == K::show_dashboard);
        // Sync is not configured: the button is there but does nothing.
        CHECK(tapped(ui, draw, nav.sync).kind == K::none);
        c.sync_available = true;
        CHECK(tapped(ui, draw, nav.sync).kind == K::sync_now);
        c.paused = true;
        CHECK(tapped(ui, draw, nav.pause).kind == K::resume);

        const DashboardLayout l = layout_dashboard(d, c, w, h);
        REQUIRE(l.acknowledge.size() == 1);
        const StaffIntent ack = tapped(ui, draw, l.acknowledge[0]);
        CHECK(ack.kind == K::acknowledge);
        CHECK(ack.id == 41);

        // Staff: no settings, no exit.
        c = chrome(Role::staff);
        nav = layout_staff_nav(c, w, h);
        CHECK(nav.settings.empty());
        CHECK(nav.exit.empty());
        std::vector<Rect> targets = {nav.dashboard, nav.huddle, nav.health,
                                     nav.pause,     nav.sync,   nav.close};
        for (const Rect& r : targets) {
            const StaffIntent in = tapped(ui, draw, r);
            CHECK(in.kind != K::show_settings);
            CHECK(in.kind != K::exit_kiosk);
        }
        // Nav buttons are touch-sized, on screen and apart.
        for (std::size_t i = 0; i < targets.size(); ++i) {
            CHECK(targets[i].h >= min_target_px(96.0f) - 0.5f);
            CHECK(targets[i].bottom() <= h);
            for (std::size_t j = i + 1; j < targets.size(); ++j)
                CHECK_FALSE(targets[i].overlaps(targets[j]));
        }
        // Tiles and charts stay inside the content area.
        for (const Rect& r : l.tiles)
            CHECK(r.right() <= w + 0.5f);
        CHECK(l.reasons.bottom() <= h + 0.5f);
        CHECK(l.per_hour.right() <= w + 0.5f);
    }
}

TEST_CASE("huddle, health and settings draw and answer their buttons", "[ui][staff]") {
    for (auto [w, h] : {std::pair<float, float>{800, 480}, {1280, 800}}) {
        INFO(w << "x" << h);
        Harness ui(w, h);
        StaffChrome c = chrome(Role::manager);

        HuddleModel hm;
        hm.cx_statement = "Every customer leaves glad they came.";
        hm.yesterday = "2026-03-29";
        hm.headline_name = "CSAT";
        hm.yesterday_metrics.count = 40;
        hm.yesterday_metrics.headline = 88;
        hm.yesterday_meets = true;
        hm.best_hour = HourFigure{9, 12, 100};
        hm.worst_hour = HourFigure{17, 8, 62.5};
        hm.top_reasons = {{"Waiting time", 5}, {"Friendly staff", 4}};
        c.screen = StaffScreen::huddle;
        auto huddle = [&] { return draw_huddle(hm, c); };
        CHECK(tapped(ui, huddle, layout_staff_nav(c, w, h).dashboard).kind == K::show_dashboard);

        HealthView health;
        health.sync.last_error = "Sync: not configured";
        health.app_version = "0.1.0";
        health.database.disk_free_bytes = 5LL << 30;
        health.events = {{7, 1'774'864'800'000, "corruption_recovered",
                          "The database was damaged and recovered."}};
        c.screen = StaffScreen::health;
        auto draw_h = [&] { return draw_health(health, c); };
        const HealthLayout hl = layout_health(health, c, w, h);
        REQUIRE(hl.acknowledge.size() == 1);
        const StaffIntent ack = tapped(ui, draw_h, hl.acknowledge[0]);
        CHECK(ack.kind == K::acknowledge);
        CHECK(ack.id == 7);

        SettingsModel s;
        s.languages = {{"en", "English"}, {"mi", "Māori"}};
        s.language = "en";
        s.dim_timeout_s = 120;
        s.surveys = {{"/s/checkout.toml", "checkout (smiley4)"},
                     {"/s/nps.toml", "store-nps (nps)"}};
        s.survey_path = "/s/checkout.toml";
        s.scale = Scale::smiley4;
        s.headline_name = "CSAT";
        s.standard = 85;
        c.screen = StaffScreen::settings;
        auto draw_s = [&] { return draw_settings(s, c); };
        const SettingsLayout sl = layout_settings(s, c, w, h);
        StaffIntent in = tapped(ui, draw_s, sl.languages[1]);
        CHECK(in.kind == K::set_language);
        CHECK(in.text == "mi");
        in = tapped(ui, draw_s, sl.dim_more);
        CHECK(in.kind == K::set_dim_timeout);
        CHECK(in.value == 300);
        in = tapped(ui, draw_s, sl.dim_less);
        CHECK(in.value == 60);
        in = tapped(ui, draw_s, sl.surveys[1]);
        CHECK(in.kind == K::set_survey);
        CHECK(in.text == "/s/nps.toml");
        in = tapped(ui, draw_s, sl.standard_more);
        CHECK(in.kind == K::set_standard);
        CHECK(in.value == 86);
        CHECK(tapped(ui, draw_s, sl.change_manager_pin).kind == K::change_manager_pin);
        CHECK(tapped(ui, draw_s, sl.change_staff_pin).kind == K::change_staff_pin);
        CHECK(sl.change_staff_pin.bottom() <= h);

        // An enrolled kiosk: no survey or standard controls.
        s.standalone = false;
        const SettingsLayout enrolled = layout_settings(s, c, w, h);
        CHECK(enrolled.surveys.empty());
        CHECK(enrolled.standard_more.empty());
    }
}

TEST_CASE("steps for the dim timeout and the standard", "[ui][staff]") {
    CHECK(step_dim_timeout(120, 1) == 300);
    CHECK(step_dim_timeout(120, -1) == 60);
    CHECK(step_dim_timeout(0, -1) == 0);
    CHECK(step_dim_timeout(1800, 1) == 1800);
    CHECK(step_dim_timeout(90, 1) == 120);
    CHECK(step_standard(Scale::smiley5, 85, 1) == 86);
    CHECK(step_standard(Scale::smiley5, 100, 1) == 100);
    CHECK(step_standard(Scale::nps, 30, -1) == 25);
    CHECK(step_standard(Scale::ces7, 5, 1) == Approx(5.1));
    CHECK(step_standard(Scale::ces7, 1, -1) == 1);
    CHECK(format_headline(Scale::nps, 20.0) == "+20");
    CHECK(format_headline(Scale::ces7, 4.25) == "4.2");
    CHECK(format_headline(Scale::smiley4, 87.4) == "87 %");
    CHECK(format_headline(Scale::thumbs, std::nullopt) == "—");
}
