// Prints where the kiosk draws the staff PIN pad keys and the staff area's
// navigation at a window size, so end-to-end scripts can tap them with
// xdotool: one "name x y" line each (centres, in window pixels).
#include "ui/staff_screens.h"

#include <cstdio>
#include <string>

using namespace touchpoint;

namespace {
void print(const std::string& name, const ui::Rect& r) {
    if (!r.empty())
        std::printf("%s %d %d\n", name.c_str(), static_cast<int>(r.cx()), static_cast<int>(r.cy()));
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: staff_probe WIDTH HEIGHT DPI\n");
        return 2;
    }
    const float w = std::stof(argv[1]), h = std::stof(argv[2]), dpi = std::stof(argv[3]);
    PinPadModel pad;
    const ui::PinPadLayout l = ui::layout_pin_pad(pad, w, h, dpi);
    for (int d = 0; d <= 9; ++d)
        print("digit" + std::to_string(d), l.digits[static_cast<std::size_t>(d)]);
    print("clear", l.clear);
    print("back", l.back);
    print("ok", l.ok);
    for (Role role : {Role::staff, Role::manager}) {
        ui::StaffChrome c;
        c.role = role;
        c.look.dpi = dpi;
        const ui::StaffNavLayout n = ui::layout_staff_nav(c, w, h);
        const std::string p = std::string(to_string(role)) + ".";
        print(p + "dashboard", n.dashboard);
        print(p + "huddle", n.huddle);
        print(p + "health", n.health);
        print(p + "settings", n.settings);
        print(p + "pause", n.pause);
        print(p + "sync", n.sync);
        print(p + "exit", n.exit);
        print(p + "close", n.close);
    }
    // The manager's settings: "Connect to head office" (the first row, so
    // its place does not depend on what else the settings list), and that
    // screen's fields, button and keys (key_<letter or digit>, key_colon,
    // key_dot, key_slash, key_dash, key_underscore, key_https, key_http,
    // key_delete).
    ui::StaffChrome c;
    c.role = Role::manager;
    c.screen = StaffScreen::settings;
    c.look.dpi = dpi;
    print("settings.connect", ui::layout_settings(SettingsModel{}, c, w, h).connect);
    c.screen = StaffScreen::connect;
    const ui::ConnectLayout cl = ui::layout_connect(ConnectModel{}, c, w, h);
    print("connect.url", cl.url_field);
    print("connect.code", cl.code_field);
    print("connect.connect", cl.connect);
    for (const auto& k : cl.keys) {
        std::string name = k.key.text;
        if (k.key.kind == ui::Key::Kind::backspace) name = "delete";
        else if (name == ":") name = "colon";
        else if (name == ".") name = "dot";
        else if (name == "/") name = "slash";
        else if (name == "-") name = "dash";
        else if (name == "_") name = "underscore";
        else if (name == "https://") name = "https";
        else if (name == "http://") name = "http";
        print("key_" + name, k.rect);
    }
    return 0;
}
