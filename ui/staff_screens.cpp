#include "ui/staff_screens.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/local_time.h"
#include "imgui.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace touchpoint::ui {

using K = StaffIntent::Kind;

namespace {

// --- Shared pieces ---

constexpr ImU32 k_good = IM_COL32(46, 125, 50, 255);
constexpr ImU32 k_bad = IM_COL32(198, 40, 40, 255);
constexpr ImU32 k_alert_fill = IM_COL32(253, 236, 234, 255);
constexpr ImU32 k_panel_fill = IM_COL32(255, 255, 255, 255);
constexpr ImU32 k_closed = IM_COL32(176, 184, 194, 255);

struct Metrics {
    float margin = 0.0f;
    float gap = 0.0f;
    float target = 0.0f; // 12 mm
    StaffText text;
};

Metrics metrics(float w, float h, float dpi) {
    Metrics m;
    m.target = min_target_px(dpi);
    m.margin = std::max(std::min(w, h) * 0.02f, 6.0f);
    m.gap = std::max(std::min(w, h) * 0.012f, 4.0f);
    m.text = staff_text_sizes(w, h, dpi);
    return m;
}

ImU32 good_colour(bool hc) {
    return hc ? IM_COL32(120, 255, 120, 255) : k_good;
}
ImU32 bad_colour(bool hc) {
    return hc ? IM_COL32(255, 120, 120, 255) : k_bad;
}
ImU32 panel_fill(bool hc) {
    return hc ? IM_COL32(0, 0, 0, 255) : k_panel_fill;
}

void label(ImDrawList* dl, std::string_view text, float px, const Rect& r, ImU32 colour,
           Align align = Align::left, int lines = 1) {
    draw_text_block(dl, text, px, r, colour, lines, align);
}

// A white card with a title line; returns the space under the title.
Rect panel(ImDrawList* dl, const Rect& r, std::string_view title, const Metrics& m, bool hc) {
    const Palette& p = palette(hc);
    dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), panel_fill(hc), m.gap);
    dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), p.outline, m.gap, 0,
                hc ? 2.0f : 1.0f);
    const float pad = m.gap;
    if (title.empty()) return Rect{r.x + pad, r.y + pad, r.w - 2 * pad, r.h - 2 * pad};
    const float th = m.text.body * 1.3f;
    label(dl, title, m.text.body, Rect{r.x + pad, r.y + pad * 0.5f, r.w - 2 * pad, th}, p.text);
    return Rect{r.x + pad, r.y + pad * 0.5f + th, r.w - 2 * pad, r.h - th - pad * 1.5f};
}

// A button; a disabled one is drawn greyed and never reports a tap.
bool button(ImDrawList* dl, const char* id, const Rect& r, std::string_view text, float px,
            bool selected, bool hc, bool enabled = true) {
    if (r.empty()) return false;
    if (enabled) return pill_button(dl, id, r, text, px, selected, hc).clicked;
    const Palette& p = palette(hc);
    touch_target(id, r); // still takes the touch, so nothing behind it does
    const float rounding = r.h * 0.5f;
    dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), p.outline, rounding, 0, 1.5f);
    const float pad = std::min(r.h * 0.35f, px * 0.8f);
    draw_text_block(dl, text, px, Rect{r.x + pad, r.y + 2.0f, r.w - 2.0f * pad, r.h - 4.0f},
                    p.muted_text, 2);
    return false;
}

// Lays out chips left to right, wrapping, each as wide as its text.
std::vector<Rect> flow_chips(const std::vector<std::string>& labels, float px, const Rect& area,
                             float height, float gap) {
    std::vector<Rect> out;
    float x = area.x;
    float y = area.y;
    for (const auto& l : labels) {
        float w = std::min(area.w, std::max(height * 1.6f, text_width(l, px) + px * 2.6f));
        if (x > area.x && x + w > area.right()) {
            x = area.x;
            y += height + gap;
        }
        out.push_back(Rect{x, y, w, height});
        x += w + gap;
    }
    return out;
}

float chips_height(const std::vector<Rect>& chips, float top) {
    float bottom = top;
    for (const auto& r : chips)
        bottom = std::max(bottom, r.bottom());
    return bottom - top;
}

struct Range {
    double lo;
    double hi;
};
Range headline_range(Scale s) {
    switch (headline_kind(s)) {
    case HeadlineKind::nps:
        return {-100, 100};
    case HeadlineKind::ces:
        return {1, 7};
    default:
        return {0, 100};
    }
}

std::string format_count(std::int64_t n) {
    return std::to_string(n);
}

std::string format_bytes(std::int64_t b) {
    char buf[32];
    const double v = static_cast<double>(b);
    if (b >= (1LL << 30))
        std::snprintf(buf, sizeof buf, "%.1f GB", v / (1LL << 30));
    else if (b >= (1LL << 20))
        std::snprintf(buf, sizeof buf, "%.1f MB", v / (1LL << 20));
    else if (b >= 1024)
        std::snprintf(buf, sizeof buf, "%.0f kB", v / 1024);
    else
        std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(b));
    return buf;
}

std::string local_time_text(const std::string& zone, std::int64_t utc_ms) {
    const LocalStamp s = local_stamp(zone, utc_ms);
    return s.iso.size() >= 16 ? s.day + " " + s.iso.substr(11, 5) : s.iso;
}

std::string hour_span(int hour) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:00-%02d:00", hour, (hour + 1) % 24);
    return buf;
}

const char* k_weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

std::string short_day(const std::string& day, const char* sep = "\n") {
    const int wd = weekday_of(day);
    const std::string dd = day.size() >= 10 ? day.substr(8, 2) : day;
    return wd < 0 ? dd : std::string(k_weekdays[wd]) + sep + dd;
}

std::string standard_text(Scale s, double target) {
    return format_headline(s, target);
}

// --- The frame around signed-in screens ---

StaffIntent draw_nav(ImDrawList* dl, const StaffChrome& c, const StaffNavLayout& nav,
                     const Metrics& m) {
    const bool hc = c.look.high_contrast;
    const float px = m.text.body;
    StaffIntent in;
    auto pick = [&](K k) {
        if (in.kind == K::none) in.kind = k;
    };
    std::string dash = "Dashboard";
    if (c.open_alerts > 0) dash += " (" + std::to_string(c.open_alerts) + ")";
    if (button(dl, "##nav_dashboard", nav.dashboard, dash, px, c.screen == StaffScreen::dashboard,
               hc))
        pick(K::show_dashboard);
    if (button(dl, "##nav_huddle", nav.huddle, "Huddle", px, c.screen == StaffScreen::huddle, hc))
        pick(K::show_huddle);
    if (button(dl, "##nav_health", nav.health, "Health", px, c.screen == StaffScreen::health, hc))
        pick(K::show_health);
    const bool in_settings =
        c.screen == StaffScreen::settings || c.screen == StaffScreen::connect;
    if (c.role == Role::manager &&
        button(dl, "##nav_settings", nav.settings, "Settings", px, in_settings, hc))
        pick(K::show_settings);
    if (button(dl, "##nav_pause", nav.pause, c.paused ? "Resume survey" : "Pause survey", px,
               c.paused, hc))
        pick(c.paused ? K::resume : K::pause);
    const std::string sync_label = c.sync_available ? "Sync now" : "Sync now (" + c.sync_note + ")";
    if (button(dl, "##nav_sync", nav.sync, sync_label, px, false, hc, c.sync_available))
        pick(K::sync_now);
    if (c.role == Role::manager && button(dl, "##nav_exit", nav.exit, "Exit kiosk", px, false, hc))
        pick(K::exit_kiosk);
    if (button(dl, "##nav_close", nav.close, "Close", px, false, hc)) pick(K::close);
    return in;
}

// Header line of the content: title at left, a status at right.
void draw_header(ImDrawList* dl, const Rect& r, std::string_view title, std::string_view status,
                 ImU32 status_colour, const Metrics& m, bool hc) {
    const Palette& p = palette(hc);
    const float sw =
        status.empty() ? 0.0f : std::min(r.w * 0.4f, text_width(status, m.text.body) + m.gap);
    label(dl, title, m.text.heading, Rect{r.x, r.y, r.w - sw - m.gap, r.h}, p.text);
    if (!status.empty())
        label(dl, status, m.text.body, Rect{r.right() - sw, r.y, sw, r.h}, status_colour,
              Align::right);
}

// --- Charts ---

// Vertical bars with a value above and a label below each.
void draw_bars(ImDrawList* dl, const Rect& area, const std::vector<double>& values,
               const std::vector<std::string>& labels, const std::vector<std::string>& value_text,
               const std::vector<ImU32>& colours, double lo, double hi, const Metrics& m, bool hc,
               std::optional<double> guide = std::nullopt, int label_every = 1) {
    const Palette& p = palette(hc);
    const std::size_t n = values.size();
    if (n == 0 || area.empty()) return;
    const float cap = m.text.caption;
    const bool two_line_labels = label_every == 1 && n <= 7;
    const float label_h = labels.empty() ? 0.0f : cap * (two_line_labels ? 2.3f : 1.25f);
    const float value_h = value_text.empty() ? 0.0f : cap * 1.25f;
    const Rect plot{area.x, area.y + value_h, area.w, area.h - label_h - value_h};
    if (plot.h <= 2.0f) return;
    const float slot = area.w / static_cast<float>(n);
    const float bar_w = std::max(2.0f, slot * (n > 12 ? 0.7f : 0.6f));
    auto y_of = [&](double v) {
        const double f = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.0;
        return plot.bottom() - static_cast<float>(f) * plot.h;
    };
    dl->AddLine(ImVec2(plot.x, plot.bottom()), ImVec2(plot.right(), plot.bottom()), p.outline,
                1.0f);
    for (std::size_t i = 0; i < n; ++i) {
        const float cx = area.x + slot * (static_cast<float>(i) + 0.5f);
        const float top = y_of(values[i]);
        const ImU32 col = i < colours.size() ? colours[i] : p.accent;
        if (plot.bottom() - top >= 0.5f)
            dl->AddRectFilled(ImVec2(cx - bar_w * 0.5f, top),
                              ImVec2(cx + bar_w * 0.5f, plot.bottom()), col, 2.0f);
        if (i < value_text.size() && !value_text[i].empty())
            label(dl, value_text[i], cap, Rect{cx - slot * 0.5f, top - value_h, slot, value_h},
                  p.text, Align::centre);
        if (i < labels.size() && labels[i].find('\n') != std::string::npos) {
            // Two fixed lines (e.g. weekday over day of month), each centred.
            const std::size_t nl = labels[i].find('\n');
            const float lh = label_h * 0.5f;
            label(dl, labels[i].substr(0, nl), cap,
                  Rect{cx - slot * 0.5f, plot.bottom() + 1.0f, slot, lh}, p.muted_text,
                  Align::centre);
            label(dl, labels[i].substr(nl + 1), cap,
                  Rect{cx - slot * 0.5f, plot.bottom() + 1.0f + lh, slot, lh}, p.muted_text,
                  Align::centre);
        } else if (i < labels.size() && (n - 1 - i) % static_cast<std::size_t>(label_every) == 0)
            label(dl, labels[i], cap,
                  Rect{cx - slot * 0.5f - (label_every > 1 ? slot : 0.0f), plot.bottom() + 1.0f,
                       slot * (label_every > 1 ? 3.0f : 1.0f), label_h},
                  p.muted_text, Align::centre, two_line_labels ? 2 : 1);
    }
    if (guide) {
        const float gy = y_of(*guide);
        for (float x = plot.x; x < plot.right(); x += 10.0f)
            dl->AddLine(ImVec2(x, gy), ImVec2(std::min(x + 5.0f, plot.right()), gy), p.text, 1.5f);
    }
}

void draw_trend(ImDrawList* dl, const Rect& area, const std::vector<DayPoint>& days, Scale scale,
                double standard, const Metrics& m, bool hc, bool day_labels) {
    const Range r = headline_range(scale);
    std::vector<double> values;
    std::vector<std::string> labels, texts;
    std::vector<ImU32> colours;
    for (const auto& d : days) {
        values.push_back(d.headline ? *d.headline : r.lo);
        labels.push_back(day_labels ? short_day(d.day)
                                    : (d.day.size() >= 10 ? d.day.substr(8, 2) : d.day));
        if (!d.open)
            texts.push_back(day_labels ? "closed" : "");
        else
            texts.push_back(day_labels && d.headline ? format_headline(scale, d.headline) : "");
        colours.push_back(!d.open ? k_closed : d.meets ? good_colour(hc) : bad_colour(hc));
    }
    draw_bars(dl, area, values, labels, texts, colours, r.lo, r.hi, m, hc, standard,
              day_labels ? 1 : 7);
}

} // namespace

// --- Public helpers ---

StaffText staff_text_sizes(float width, float height, float dpi) {
    const float unit = std::min(width, height);
    const float mm = (dpi > 0.0f ? dpi : 96.0f) / 25.4f;
    StaffText t;
    t.caption = std::max(unit * 0.026f, 2.9f * mm);
    t.body = std::max(unit * 0.032f, 3.4f * mm);
    t.heading = std::max(unit * 0.042f, 4.2f * mm);
    t.figure = std::max(unit * 0.075f, 6.5f * mm);
    return t;
}

std::vector<float> staff_font_pixel_sizes(float width, float height, float dpi) {
    const StaffText t = staff_text_sizes(width, height, dpi);
    return {std::round(t.caption), std::round(t.body), std::round(t.heading), std::round(t.figure)};
}

std::vector<std::string> staff_texts() {
    return {"Locked — try again in 0123456789 s", "Welcome — set a manager PIN",
            "≥ · – — ✓ Māori Español Français 中文", "“ ” ’"};
}

std::string format_headline(Scale scale, const std::optional<double>& value) {
    if (!value) return "—";
    char buf[32];
    switch (headline_kind(scale)) {
    case HeadlineKind::nps:
        std::snprintf(buf, sizeof buf, "%+.0f", *value);
        break;
    case HeadlineKind::ces:
        std::snprintf(buf, sizeof buf, "%.1f", *value);
        break;
    default:
        std::snprintf(buf, sizeof buf, "%.0f %%", *value);
        break;
    }
    return buf;
}

double step_dim_timeout(double seconds, int direction) {
    static const double steps[] = {0, 30, 60, 120, 300, 600, 1800};
    const int n = static_cast<int>(sizeof steps / sizeof steps[0]);
    int i = 0;
    while (i < n - 1 && steps[i] < seconds - 0.5)
        ++i; // first step >= seconds
    if (direction > 0) {
        if (std::abs(steps[i] - seconds) < 0.5) i = std::min(i + 1, n - 1);
    } else {
        i = std::max(i - 1, 0);
    }
    return steps[i];
}

double step_standard(Scale scale, double value, int direction) {
    const Range r = headline_range(scale);
    const double step = headline_kind(scale) == HeadlineKind::ces   ? 0.1
                        : headline_kind(scale) == HeadlineKind::nps ? 5
                                                                    : 1;
    double v = std::round((value + direction * step) / step) * step;
    return std::clamp(v, r.lo, r.hi);
}

// --- PIN pad ---

PinPadLayout layout_pin_pad(const PinPadModel& model, float w, float h, float dpi) {
    const Metrics m = metrics(w, h, dpi);
    PinPadLayout l;
    const bool wide = w > h * 1.2f;
    Rect text_col, pad;
    if (wide) {
        text_col = Rect{m.margin, m.margin, w * 0.45f - m.margin, h - 2 * m.margin};
        const float pw = std::min(w * 0.5f, (h - 2 * m.margin) * 0.8f);
        pad = Rect{w * 0.5f + (w * 0.5f - m.margin - pw) * 0.5f, m.margin, pw, h - 2 * m.margin};
    } else {
        text_col = Rect{m.margin, m.margin, w - 2 * m.margin, h * 0.32f};
        const float pw = std::min(w - 2 * m.margin, h * 0.55f);
        pad = Rect{(w - pw) * 0.5f, text_col.bottom() + m.gap, pw,
                   h - text_col.bottom() - m.gap - m.margin};
    }
    // Text column: title, prompt, dots, message, stacked and centred.
    const float th = m.text.heading * 2.4f;
    const float ph = m.text.body * 1.5f;
    const float dh = std::max(m.text.figure, m.target * 0.8f);
    const float mh = m.text.body * 2.6f;
    const float cancel_h = model.can_cancel ? m.target : 0.0f;
    float y =
        text_col.y + std::max(0.0f, (text_col.h - th - ph - dh - mh - cancel_h - 3 * m.gap) * 0.5f);
    l.title = Rect{text_col.x, y, text_col.w, th};
    y += th + m.gap;
    l.prompt = Rect{text_col.x, y, text_col.w, ph};
    y += ph;
    l.dots = Rect{text_col.x, y, text_col.w, dh};
    y += dh;
    l.message = Rect{text_col.x, y, text_col.w, mh};
    y += mh + m.gap;
    if (model.can_cancel) {
        const float cw = std::min(
            text_col.w, std::max(m.target * 2.5f, text_width("Cancel", m.text.body) * 2.0f));
        l.cancel = Rect{text_col.cx() - cw * 0.5f, y, cw, m.target};
        if (!wide) l.cancel = Rect{w - m.margin - cw, m.margin, cw, m.target};
    }
    // Keypad: 1 2 3 / 4 5 6 / 7 8 9 / Clear 0 Back / OK.
    const float kh = std::max(m.target, (pad.h - 4 * m.gap) / 5.0f);
    const float kw = (pad.w - 2 * m.gap) / 3.0f;
    auto key = [&](int row, int col) {
        return Rect{pad.x + static_cast<float>(col) * (kw + m.gap),
                    pad.y + static_cast<float>(row) * (kh + m.gap), kw, kh};
    };
    for (int d = 1; d <= 9; ++d)
        l.digits[static_cast<std::size_t>(d)] = key((d - 1) / 3, (d - 1) % 3);
    l.clear = key(3, 0);
    l.digits[0] = key(3, 1);
    l.back = key(3, 2);
    l.ok = Rect{pad.x, pad.y + 4 * (kh + m.gap), pad.w, kh};
    return l;
}

StaffIntent draw_pin_pad(const PinPadModel& model, const Look& look) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, look.dpi);
    const PinPadLayout l = layout_pin_pad(model, w, h, look.dpi);
    StaffIntent in;
    auto pick = [&](StaffIntent i) {
        if (in.kind == K::none) in = i;
    };
    ImDrawList* dl = begin_screen("##staff_pin", hc);
    label(dl, model.title, m.text.heading * 1.3f, l.title, p.text, Align::centre, 2);
    label(dl, model.prompt, m.text.body * 1.15f, l.prompt, p.muted_text, Align::centre);
    // Masked: one dot per digit typed, hollow places up to 4.
    const int places = std::max(4, model.entered);
    const float r = std::min(l.dots.h * 0.22f, l.dots.w / (static_cast<float>(places) * 3.0f));
    const float step = r * 3.0f;
    float x = l.dots.cx() - step * (static_cast<float>(places) - 1) * 0.5f;
    for (int i = 0; i < places; ++i, x += step) {
        if (i < model.entered)
            dl->AddCircleFilled(ImVec2(x, l.dots.cy()), r, p.text);
        else
            dl->AddCircle(ImVec2(x, l.dots.cy()), r, p.outline, 0, 2.0f);
    }
    if (!model.message.empty())
        label(dl, model.message, m.text.body * 1.2f, l.message,
              model.locked ? bad_colour(hc) : bad_colour(hc), Align::centre, 2);
    const float kpx = std::max(m.text.heading, m.text.figure * 0.75f);
    for (int d = 0; d <= 9; ++d) {
        char id[16];
        std::snprintf(id, sizeof id, "##digit%d", d);
        if (button(dl, id, l.digits[static_cast<std::size_t>(d)], std::to_string(d), kpx, false,
                   hc))
            pick({K::digit, d});
    }
    if (button(dl, "##pin_clear", l.clear, "Clear", m.text.body, false, hc)) pick({K::clear});
    if (button(dl, "##pin_back", l.back, "Back", m.text.body, false, hc)) pick({K::back});
    if (button(dl, "##pin_ok", l.ok, "OK", kpx, true, hc, model.entered > 0)) pick({K::ok});
    if (model.can_cancel && button(dl, "##pin_cancel", l.cancel, "Cancel", m.text.body, false, hc))
        pick({K::cancel});
    end_screen();
    return in;
}

// --- Navigation ---

StaffNavLayout layout_staff_nav(const StaffChrome& c, float w, float h) {
    const Metrics m = metrics(w, h, c.look.dpi);
    StaffNavLayout l;
    const bool manager = c.role == Role::manager;
    const int count = manager ? 8 : 6;
    const float nav_w = std::clamp(w * 0.18f, std::max(m.target * 2.6f, 140.0f), 280.0f);
    const float bh = std::min((h - 2 * m.margin - static_cast<float>(count - 1) * m.gap) /
                                  static_cast<float>(count),
                              m.target * 1.5f);
    float y = m.margin;
    auto next = [&] {
        Rect r{m.margin, y, nav_w, bh};
        y += bh + m.gap;
        return r;
    };
    l.dashboard = next();
    l.huddle = next();
    l.health = next();
    if (manager) l.settings = next();
    l.pause = next();
    l.sync = next();
    if (manager) l.exit = next();
    l.close = Rect{m.margin, h - m.margin - bh, nav_w, bh};
    const float cx = m.margin * 2 + nav_w;
    l.content = Rect{cx, m.margin, w - cx - m.margin, h - 2 * m.margin};
    return l;
}

// --- Dashboard ---

DashboardLayout layout_dashboard(const StaffDashboardView& model, const StaffChrome& c, float w,
                                 float h) {
    const Metrics m = metrics(w, h, c.look.dpi);
    const Rect content = layout_staff_nav(c, w, h).content;
    DashboardLayout l;
    float y = content.y;
    l.header = Rect{content.x, y, content.w, m.text.heading * 1.5f};
    y = l.header.bottom() + m.gap * 0.5f;
    const std::size_t shown = std::min<std::size_t>(model.alerts.size(), 2);
    const float row_h = std::max(m.target, m.text.body * 2.4f);
    for (std::size_t i = 0; i < shown; ++i) {
        Rect row{content.x, y, content.w, row_h};
        const float bw = std::min(
            content.w * 0.3f,
            std::max(m.target * 2.5f, text_width("Acknowledge", m.text.body) + m.text.body * 2.0f));
        l.alerts.push_back(row);
        l.acknowledge.push_back(
            Rect{row.right() - bw - m.gap * 0.5f, row.y + (row_h - m.target) * 0.5f, bw, m.target});
        y += row_h + m.gap * 0.5f;
    }
    // Six tiles in a row (two rows of three when narrow).
    const int per_row = content.w < 560.0f ? 3 : 6;
    const int rows = 6 / per_row;
    const float tile_h =
        m.text.caption * 1.4f + m.text.figure * 1.15f + m.text.caption * 1.4f + m.gap;
    const float tile_w =
        (content.w - static_cast<float>(per_row - 1) * m.gap) / static_cast<float>(per_row);
    for (int i = 0; i < 6; ++i)
        l.tiles.push_back(Rect{content.x + static_cast<float>(i % per_row) * (tile_w + m.gap),
                               y + static_cast<float>(i / per_row) * (tile_h + m.gap), tile_w,
                               tile_h});
    y += static_cast<float>(rows) * (tile_h + m.gap);
    // Two rows of charts below.
    const float rest = content.bottom() - y;
    const float r1 = (rest - m.gap) * 0.5f;
    const float half = (content.w - m.gap) * 0.5f;
    l.distribution = Rect{content.x, y, half * 0.8f, r1};
    l.per_hour = Rect{l.distribution.right() + m.gap, y,
                      content.right() - l.distribution.right() - m.gap, r1};
    const float y2 = y + r1 + m.gap;
    const float third = (content.w - 2 * m.gap) / 3.0f;
    l.trend7 = Rect{content.x, y2, third, rest - r1 - m.gap};
    l.trend30 = Rect{l.trend7.right() + m.gap, y2, third, l.trend7.h};
    l.reasons = Rect{l.trend30.right() + m.gap, y2, content.right() - l.trend30.right() - m.gap,
                     l.trend7.h};
    return l;
}

StaffIntent draw_dashboard(const StaffDashboardView& d, const StaffChrome& c) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = c.look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, c.look.dpi);
    const DashboardLayout l = layout_dashboard(d, c, w, h);
    ImDrawList* dl = begin_screen("##staff_dashboard", hc);
    StaffIntent in = draw_nav(dl, c, layout_staff_nav(c, w, h), m);

    draw_header(dl, l.header, c.title + " · Today " + d.today, c.paused ? "Survey paused" : "",
                bad_colour(hc), m, hc);
    if (!d.error.empty())
        label(dl, d.error, m.text.caption,
              Rect{l.header.x, l.header.bottom() - m.text.caption, l.header.w, m.text.caption},
              bad_colour(hc));

    // Alerts, until acknowledged.
    for (std::size_t i = 0; i < l.alerts.size(); ++i) {
        const Rect& r = l.alerts[i];
        dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()),
                          hc ? IM_COL32(90, 0, 0, 255) : k_alert_fill, m.gap);
        dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), bad_colour(hc), m.gap, 0,
                    2.0f);
        std::string text = "Low-score alert " + d.alerts[i].when + ": " + d.alerts[i].message;
        if (i + 1 == l.alerts.size() && d.alerts.size() > l.alerts.size())
            text += " (+" + std::to_string(d.alerts.size() - l.alerts.size()) + " more)";
        label(dl, text, m.text.body,
              Rect{r.x + m.gap, r.y, l.acknowledge[i].x - r.x - 2 * m.gap, r.h},
              hc ? p.text : k_bad, Align::left, 2);
        ImGui::PushID(static_cast<int>(i));
        if (button(dl, "##ack", l.acknowledge[i], "Acknowledge", m.text.body, false, hc) &&
            in.kind == K::none)
            in = {K::acknowledge, 0, d.alerts[i].event_id};
        ImGui::PopID();
    }

    // Tiles.
    auto tile = [&](std::size_t i, std::string_view title, const std::string& value,
                    ImU32 value_colour, const std::string& sub, float value_px) {
        const Rect& r = l.tiles[i];
        const Rect inner = panel(dl, r, "", m, hc);
        const float cap_h = m.text.caption * 1.4f;
        label(dl, title, m.text.caption, Rect{inner.x, inner.y, inner.w, cap_h}, p.muted_text);
        label(dl, value, value_px, Rect{inner.x, inner.y + cap_h, inner.w, inner.h - 2 * cap_h},
              value_colour, Align::left, 2);
        label(dl, sub, m.text.caption, Rect{inner.x, inner.bottom() - cap_h, inner.w, cap_h},
              p.muted_text);
    };
    const auto& tm = d.today_metrics;
    tile(0, "Responses today", format_count(tm.count), p.text, "", m.text.figure);
    tile(1, d.headline_name + " today", format_headline(d.scale, tm.headline), p.text,
         tm.small_sample ? "* small sample (< 30)" : "", m.text.figure);
    const std::string met = !d.today_meets ? "No data yet" : *d.today_meets ? "Met" : "Not met";
    tile(2, "Standard " + standard_text(d.scale, d.standard), met,
         !d.today_meets   ? p.muted_text
         : *d.today_meets ? good_colour(hc)
                          : bad_colour(hc),
         "today", m.text.heading);
    char idx[16] = "—";
    if (tm.satisfaction_index) std::snprintf(idx, sizeof idx, "%.0f", *tm.satisfaction_index);
    tile(3, "Satisfaction index", idx, p.text, "0-100", m.text.figure);
    tile(4, "Misuse today", format_count(tm.misuse), p.text, "not counted", m.text.figure);
    tile(5, "Consistency", std::string(to_string(d.consistency.level)), p.text,
         d.consistency.days_measured ? std::to_string(d.consistency.days_met) + " of " +
                                           std::to_string(d.consistency.days_measured) + " days met"
                                     : "needs 5 days of 10+",
         m.text.heading);

    // Distribution by answer.
    {
        const Rect inner = panel(dl, l.distribution, "By answer today", m, hc);
        std::vector<double> v;
        std::vector<std::string> labels, texts;
        std::vector<ImU32> colours;
        double top = 1;
        const auto answers = default_answers(d.scale);
        for (const auto& a : d.distribution) {
            v.push_back(static_cast<double>(a.count));
            top = std::max(top, static_cast<double>(a.count));
            std::string name = std::to_string(a.score);
            for (const auto& ans : answers)
                if (ans.score == a.score) name = ans.label;
            labels.push_back(name);
            texts.push_back(format_count(a.count));
            const Band b = band_of(d.scale, a.score);
            colours.push_back(b == Band::negative   ? bad_colour(hc)
                              : b == Band::positive ? good_colour(hc)
                                                    : k_closed);
        }
        draw_bars(dl, inner, v, labels, texts, colours, 0, top, m, hc);
    }
    // Responses per hour.
    {
        const Rect inner = panel(dl, l.per_hour, "Responses per hour today", m, hc);
        std::vector<double> v;
        std::vector<std::string> labels, texts;
        double top = 1;
        for (int hour = 0; hour < 24; ++hour) {
            const auto n = d.per_hour[static_cast<std::size_t>(hour)];
            v.push_back(static_cast<double>(n));
            top = std::max(top, static_cast<double>(n));
            labels.push_back(std::to_string(hour));
            texts.push_back(n > 0 ? format_count(n) : "");
        }
        draw_bars(dl, inner, v, labels, texts, {}, 0, top, m, hc, std::nullopt, 3);
    }
    draw_trend(
        dl,
        panel(dl, l.trend7,
              "Last 7 days, " + d.headline_name + " vs " + standard_text(d.scale, d.standard), m,
              hc),
        d.trend7, d.scale, d.standard, m, hc, true);
    draw_trend(dl, panel(dl, l.trend30, "Last 30 days", m, hc), d.trend30, d.scale, d.standard, m,
               hc, false);

    // Top reasons and recent comments.
    {
        const Rect inner = panel(dl, l.reasons, "Top reasons today", m, hc);
        const float lh = m.text.caption * 1.3f;
        float y = inner.y;
        if (d.top_reasons.empty()) {
            label(dl, "None yet", m.text.caption, Rect{inner.x, y, inner.w, lh}, p.muted_text);
            y += lh;
        }
        for (const auto& r : d.top_reasons) {
            if (y + lh > inner.bottom()) break;
            const std::string n = format_count(r.count);
            const float nw = text_width(n, m.text.caption) + m.gap;
            label(dl, r.label, m.text.caption, Rect{inner.x, y, inner.w - nw, lh}, p.text);
            label(dl, n, m.text.caption, Rect{inner.right() - nw, y, nw, lh}, p.text, Align::right);
            y += lh;
        }
        y += m.gap * 0.5f;
        if (y + lh * 2 <= inner.bottom() && !d.comments.empty()) {
            label(dl, "Recent comments", m.text.body, Rect{inner.x, y, inner.w, m.text.body * 1.3f},
                  p.text);
            y += m.text.body * 1.3f;
            for (const auto& cm : d.comments) {
                if (y + lh > inner.bottom()) break;
                const std::string when =
                    cm.local_time.size() >= 16 ? cm.local_time.substr(11, 5) + " " : "";
                label(dl, when + cm.comment, m.text.caption, Rect{inner.x, y, inner.w, lh},
                      p.muted_text);
                y += lh;
            }
        }
    }
    end_screen();
    return in;
}

// --- Daily huddle ---

StaffIntent draw_huddle(const HuddleModel& hm, const StaffChrome& c) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = c.look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, c.look.dpi);
    const StaffNavLayout nav = layout_staff_nav(c, w, h);
    ImDrawList* dl = begin_screen("##staff_huddle", hc);
    StaffIntent in = draw_nav(dl, c, nav, m);
    const Rect& ct = nav.content;
    float y = ct.y;
    draw_header(dl, Rect{ct.x, y, ct.w, m.text.heading * 1.5f}, "Daily huddle · " + c.title, "",
                p.text, m, hc);
    y += m.text.heading * 1.5f + m.gap * 0.5f;

    // The store's promise, large.
    const float st_h = m.text.heading * 1.25f * 3.0f + 2 * m.gap;
    {
        const Rect inner = panel(dl, Rect{ct.x, y, ct.w, st_h}, "", m, hc);
        const std::string text =
            hm.cx_statement.empty()
                ? "No customer-experience statement is set for this touch point."
                : "“" + hm.cx_statement + "”";
        label(dl, text, m.text.heading * 1.15f, inner,
              hm.cx_statement.empty() ? p.muted_text : p.text, Align::centre, 3);
    }
    y += st_h + m.gap;

    const float row_h = (ct.bottom() - y - m.gap) * 0.55f;
    const float third = (ct.w - 2 * m.gap) / 3.0f;
    // Yesterday against the standard.
    {
        const Rect inner = panel(dl, Rect{ct.x, y, third, row_h},
                                 "Yesterday, " + short_day(hm.yesterday, " "), m, hc);
        const float fh = m.text.figure * 1.2f;
        if (!hm.yesterday_open && hm.yesterday_metrics.count == 0) {
            label(dl, "Closed", m.text.figure, Rect{inner.x, inner.y, inner.w, fh}, p.muted_text);
        } else {
            label(dl,
                  hm.headline_name + " " + format_headline(hm.scale, hm.yesterday_metrics.headline),
                  m.text.figure, Rect{inner.x, inner.y, inner.w, fh}, p.text);
            const std::string met = !hm.yesterday_meets   ? "No responses"
                                    : *hm.yesterday_meets ? "Standard met"
                                                          : "Standard not met";
            label(dl, met, m.text.heading,
                  Rect{inner.x, inner.y + fh, inner.w, m.text.heading * 1.4f},
                  !hm.yesterday_meets   ? p.muted_text
                  : *hm.yesterday_meets ? good_colour(hc)
                                        : bad_colour(hc));
            label(dl,
                  "Target " + standard_text(hm.scale, hm.standard) + " · " +
                      format_count(hm.yesterday_metrics.count) + " responses",
                  m.text.body,
                  Rect{inner.x, inner.y + fh + m.text.heading * 1.4f, inner.w, m.text.body * 2.6f},
                  p.muted_text, Align::left, 2);
        }
    }
    auto hour_panel = [&](const Rect& r, std::string_view title, const std::optional<HourFigure>& f,
                          ImU32 colour) {
        const Rect inner = panel(dl, r, title, m, hc);
        if (!f) {
            label(dl,
                  "Not enough responses (" + std::to_string(k_huddle_min_hour_count) +
                      " in an hour needed)",
                  m.text.body, Rect{inner.x, inner.y, inner.w, m.text.body * 3.6f}, p.muted_text,
                  Align::left, 3);
            return;
        }
        const float fh = m.text.figure * 1.2f;
        label(dl, hour_span(f->hour), m.text.figure, Rect{inner.x, inner.y, inner.w, fh}, p.text);
        label(dl, hm.headline_name + " " + format_headline(hm.scale, f->headline), m.text.heading,
              Rect{inner.x, inner.y + fh, inner.w, m.text.heading * 1.4f}, colour);
        label(dl, format_count(f->count) + " responses", m.text.body,
              Rect{inner.x, inner.y + fh + m.text.heading * 1.4f, inner.w, m.text.body * 1.4f},
              p.muted_text);
    };
    hour_panel(Rect{ct.x + third + m.gap, y, third, row_h}, "Best hour", hm.best_hour,
               good_colour(hc));
    hour_panel(Rect{ct.x + 2 * (third + m.gap), y, ct.right() - ct.x - 2 * (third + m.gap), row_h},
               "Worst hour", hm.worst_hour, bad_colour(hc));
    y += row_h + m.gap;

    {
        const Rect inner =
            panel(dl, Rect{ct.x, y, ct.w, ct.bottom() - y}, "Top reasons yesterday", m, hc);
        const float lh = m.text.body * 1.35f;
        float ry = inner.y;
        if (hm.top_reasons.empty())
            label(dl, "None", m.text.body, Rect{inner.x, ry, inner.w, lh}, p.muted_text);
        const float col_w = inner.w / 2.0f;
        for (std::size_t i = 0; i < hm.top_reasons.size(); ++i) {
            const int col = ry + lh > inner.bottom() + 0.5f ? 1 : 0;
            if (col == 1 && i > 0 && ry + lh > inner.bottom() + 0.5f) ry = inner.y;
            const auto& r = hm.top_reasons[i];
            const Rect row{inner.x + static_cast<float>(col) * col_w, ry, col_w - m.gap, lh};
            if (row.bottom() > inner.bottom() + 0.5f) break;
            label(dl, std::to_string(i + 1) + ". " + r.label + " (" + format_count(r.count) + ")",
                  m.text.body, row, p.text);
            ry += lh;
        }
    }
    end_screen();
    return in;
}

// --- Sync and device health ---

HealthLayout layout_health(const HealthView& hm, const StaffChrome& c, float w, float h) {
    const Metrics m = metrics(w, h, c.look.dpi);
    const Rect ct = layout_staff_nav(c, w, h).content;
    HealthLayout l;
    float y = ct.y + m.text.heading * 1.5f + m.gap * 0.5f;
    const float rh = m.text.body * 1.45f;
    for (int i = 0; i < 10; ++i) {
        l.rows.push_back(Rect{ct.x, y, ct.w, rh});
        y += rh;
    }
    y += m.gap + m.text.body * 1.4f; // "Database events" title
    const float eh = std::max(m.target, m.text.body * 2.4f);
    for (std::size_t i = 0; i < hm.events.size(); ++i) {
        if (y + eh > ct.bottom() + 0.5f) break;
        const float bw =
            std::min(ct.w * 0.3f, std::max(m.target * 2.5f, text_width("Acknowledge", m.text.body) +
                                                                m.text.body * 2.0f));
        l.acknowledge.push_back(Rect{ct.right() - bw, y + (eh - m.target) * 0.5f, bw, m.target});
        y += eh + m.gap * 0.5f;
    }
    return l;
}

StaffIntent draw_health(const HealthView& hm, const StaffChrome& c) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = c.look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, c.look.dpi);
    const StaffNavLayout nav = layout_staff_nav(c, w, h);
    const HealthLayout l = layout_health(hm, c, w, h);
    ImDrawList* dl = begin_screen("##staff_health", hc);
    StaffIntent in = draw_nav(dl, c, nav, m);
    const Rect& ct = nav.content;
    const bool database_ok = hm.database.state == "ok";
    draw_header(dl, Rect{ct.x, ct.y, ct.w, m.text.heading * 1.5f}, "Sync and device health",
                database_ok ? "" : "Database: " + hm.database.state, bad_colour(hc), m, hc);

    const SyncStatus& s = hm.sync;
    const bool configured = s.state != SyncPhase::not_configured;
    const std::string last_sync =
        s.last_sync_utc_ms > 0 ? local_time_text(hm.time_zone, s.last_sync_utc_ms) : "never";
    const std::string server = !configured          ? "not configured"
                               : s.server_reachable ? "reachable"
                                                    : "not reachable";
    std::string sync_error = s.last_error.empty() ? "none" : s.last_error;
    const std::int64_t pending = configured ? s.pending : hm.database.pending;
    struct Row {
        const char* name;
        std::string value;
        bool bad;
    };
    const Row rows[] = {
        {"Sync", describe(s.state),
         s.state == SyncPhase::must_reenroll || s.state == SyncPhase::retrying},
        {"Last sync error", sync_error, configured && !s.last_error.empty()},
        {"Pending responses", format_count(pending), false},
        {"Last successful sync", last_sync, false},
        {"Server", server, configured && !s.server_reachable},
        {"Database",
         database_ok ? "OK"
                     : hm.database.state +
                           (hm.database.last_error.empty() ? "" : ": " + hm.database.last_error),
         !database_ok},
        {"Disk free", format_bytes(hm.database.disk_free_bytes),
         hm.database.disk_free_bytes > 0 && hm.database.disk_free_bytes < (100LL << 20)},
        {"Database size", format_bytes(hm.database.database_bytes), false},
        {"Rejected by the server", format_count(hm.database.rejected), hm.database.rejected > 0},
        {"App version", hm.app_version, false},
    };
    const float name_w = std::min(ct.w * 0.4f, m.text.body * 12.0f);
    for (std::size_t i = 0; i < l.rows.size() && i < sizeof rows / sizeof rows[0]; ++i) {
        const Rect& r = l.rows[i];
        if (i % 2 == 0)
            dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()),
                              hc ? IM_COL32(30, 30, 30, 255) : IM_COL32(236, 239, 243, 255));
        label(dl, rows[i].name, m.text.body, Rect{r.x + m.gap, r.y, name_w - m.gap, r.h},
              p.muted_text);
        label(dl, rows[i].value, m.text.body, Rect{r.x + name_w, r.y, r.w - name_w - m.gap, r.h},
              rows[i].bad ? bad_colour(hc) : p.text);
    }
    float y = l.rows.empty() ? ct.y : l.rows.back().bottom() + m.gap;
    label(dl, hm.events.empty() ? "Database events: none waiting" : "Database events", m.text.body,
          Rect{ct.x, y, ct.w, m.text.body * 1.4f}, p.text);
    for (std::size_t i = 0; i < l.acknowledge.size(); ++i) {
        const Rect& b = l.acknowledge[i];
        const float eh = std::max(m.target, m.text.body * 2.4f);
        const Rect row{ct.x, b.cy() - eh * 0.5f, ct.w, eh};
        dl->AddRectFilled(ImVec2(row.x, row.y), ImVec2(row.right(), row.bottom()),
                          hc ? IM_COL32(90, 0, 0, 255) : k_alert_fill, m.gap);
        const auto& e = hm.events[i];
        label(dl, local_time_text(hm.time_zone, e.utc_ms) + " · " + e.message, m.text.body,
              Rect{row.x + m.gap, row.y, b.x - row.x - 2 * m.gap, row.h}, hc ? p.text : k_bad,
              Align::left, 2);
        ImGui::PushID(static_cast<int>(i));
        if (button(dl, "##ack_event", b, "Acknowledge", m.text.body, false, hc) &&
            in.kind == K::none)
            in = {K::acknowledge, 0, e.id};
        ImGui::PopID();
    }
    end_screen();
    return in;
}

// --- Manager settings ---

SettingsLayout layout_settings(const SettingsModel& sm, const StaffChrome& c, float w, float h) {
    const Metrics m = metrics(w, h, c.look.dpi);
    const Rect ct = layout_staff_nav(c, w, h).content;
    SettingsLayout l;
    const float name_w = std::min(ct.w * 0.3f, m.text.body * 10.0f);
    const Rect ctl{ct.x + name_w, ct.y, ct.w - name_w, ct.h};
    const float bh = m.target;
    float y = ct.y + m.text.heading * 1.5f + m.gap;
    const float cw = std::min(ctl.w, std::max(bh * 3.0f, text_width("Connect to head office", m.text.body) +
                                                             m.text.body * 2.4f));
    l.connect = Rect{ctl.x, y, cw, bh};
    y += bh + m.gap * 2;
    std::vector<std::string> langs;
    for (const auto& [code, name] : sm.languages)
        langs.push_back(name);
    l.languages = flow_chips(langs, m.text.body, Rect{ctl.x, y, ctl.w, 0}, bh, m.gap);
    y += std::max(bh, chips_height(l.languages, y)) + m.gap * 2;
    const float vw = std::max(m.text.body * 6.0f, bh * 1.5f);
    l.dim_less = Rect{ctl.x, y, bh * 1.2f, bh};
    l.dim_more = Rect{ctl.x + bh * 1.2f + vw, y, bh * 1.2f, bh};
    y += bh + m.gap * 2;
    if (sm.standalone) {
        std::vector<std::string> labels;
        for (const auto& s : sm.surveys)
            labels.push_back(s.label);
        l.surveys = flow_chips(labels, m.text.body, Rect{ctl.x, y, ctl.w, 0}, bh, m.gap);
        y += std::max(bh, chips_height(l.surveys, y)) + m.gap * 2;
        l.standard_less = Rect{ctl.x, y, bh * 1.2f, bh};
        l.standard_more = Rect{ctl.x + bh * 1.2f + vw, y, bh * 1.2f, bh};
        y += bh + m.gap * 2;
    }
    const float pw = std::min(
        (ctl.w - m.gap) * 0.5f,
        std::max(bh * 3.0f, text_width("Change manager PIN", m.text.body) + m.text.body * 2.0f));
    l.change_manager_pin = Rect{ctl.x, y, pw, bh};
    l.change_staff_pin = Rect{ctl.x + pw + m.gap, y, pw, bh};
    y += bh + m.gap;
    l.notice = Rect{ct.x, y, ct.w, std::max(m.text.body * 1.5f, ct.bottom() - y)};
    return l;
}

StaffIntent draw_settings(const SettingsModel& sm, const StaffChrome& c) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = c.look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, c.look.dpi);
    const StaffNavLayout nav = layout_staff_nav(c, w, h);
    const SettingsLayout l = layout_settings(sm, c, w, h);
    ImDrawList* dl = begin_screen("##staff_settings", hc);
    StaffIntent in = draw_nav(dl, c, nav, m);
    auto pick = [&](StaffIntent i) {
        if (in.kind == K::none) in = std::move(i);
    };
    const Rect& ct = nav.content;
    draw_header(dl, Rect{ct.x, ct.y, ct.w, m.text.heading * 1.5f}, "Settings",
                sm.standalone ? "" : "Survey and standard: set by the server", p.muted_text, m, hc);
    const float name_w = std::min(ct.w * 0.3f, m.text.body * 10.0f);
    auto row_name = [&](std::string_view name, const Rect& first) {
        label(dl, name, m.text.body, Rect{ct.x, first.y, name_w - m.gap, first.h}, p.muted_text,
              Align::left, 2);
    };
    auto stepper = [&](const char* id, const Rect& less, const Rect& more, const std::string& value,
                       double lo_value, double hi_value, K kind) {
        ImGui::PushID(id);
        if (button(dl, "##less", less, "-", m.text.heading, false, hc))
            pick({kind, 0, 0, lo_value});
        label(dl, value, m.text.body, Rect{less.right(), less.y, more.x - less.right(), less.h},
              p.text, Align::centre);
        if (button(dl, "##more", more, "+", m.text.heading, false, hc))
            pick({kind, 0, 0, hi_value});
        ImGui::PopID();
    };

    row_name("Head office", l.connect);
    if (button(dl, "##connect", l.connect, "Connect to head office", m.text.body, false, hc))
        pick({K::show_connect});
    label(dl, sm.head_office.empty() ? "Not connected" : "Connected to " + sm.head_office,
          m.text.body,
          Rect{l.connect.right() + m.gap, l.connect.y, ct.right() - l.connect.right() - m.gap,
               l.connect.h},
          sm.head_office.empty() ? p.muted_text : good_colour(hc), Align::left, 2);
    if (!l.languages.empty()) row_name("Default language", l.languages.front());
    for (std::size_t i = 0; i < l.languages.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        const auto& [code, name] = sm.languages[i];
        if (button(dl, "##lang", l.languages[i], name, m.text.body, code == sm.language, hc))
            pick({K::set_language, 0, 0, 0, code});
        ImGui::PopID();
    }
    row_name("Dim when idle", l.dim_less);
    const std::string dim =
        sm.dim_timeout_s <= 0 ? "never" : std::to_string(static_cast<int>(sm.dim_timeout_s)) + " s";
    stepper("dim", l.dim_less, l.dim_more, dim, step_dim_timeout(sm.dim_timeout_s, -1),
            step_dim_timeout(sm.dim_timeout_s, 1), K::set_dim_timeout);
    if (sm.standalone) {
        if (!l.surveys.empty()) row_name("Survey", l.surveys.front());
        for (std::size_t i = 0; i < l.surveys.size(); ++i) {
            ImGui::PushID(static_cast<int>(100 + i));
            if (button(dl, "##survey", l.surveys[i], sm.surveys[i].label, m.text.body,
                       sm.surveys[i].path == sm.survey_path, hc))
                pick({K::set_survey, 0, 0, 0, sm.surveys[i].path});
            ImGui::PopID();
        }
        row_name("Standard (" + sm.headline_name + ")", l.standard_less);
        stepper("standard", l.standard_less, l.standard_more,
                format_headline(sm.scale, sm.standard), step_standard(sm.scale, sm.standard, -1),
                step_standard(sm.scale, sm.standard, 1), K::set_standard);
    }
    row_name("PINs", l.change_manager_pin);
    if (button(dl, "##mgr_pin", l.change_manager_pin, "Change manager PIN", m.text.body, false, hc))
        pick({K::change_manager_pin});
    if (button(dl, "##staff_pin", l.change_staff_pin, "Change staff PIN", m.text.body, false, hc))
        pick({K::change_staff_pin});
    if (!sm.notice.empty())
        label(dl, sm.notice, m.text.body,
              Rect{l.notice.x, l.notice.y, l.notice.w, m.text.body * 2.6f},
              sm.notice == "Saved." || sm.notice.find("changed") != std::string::npos
                  ? good_colour(hc)
                  : bad_colour(hc),
              Align::left, 2);
    end_screen();
    return in;
}

// --- Connect to head office ---

ConnectLayout layout_connect(const ConnectModel&, const StaffChrome& c, float w, float h) {
    const Metrics m = metrics(w, h, c.look.dpi);
    const Rect ct = layout_staff_nav(c, w, h).content;
    ConnectLayout l;
    const float bh = std::max(m.target, m.text.body * 2.4f);
    l.header = Rect{ct.x, ct.y, ct.w, m.text.heading * 1.5f};
    float y = l.header.bottom() + m.gap;
    const float name_w = std::min(ct.w * 0.28f, m.text.body * 9.0f);
    const float fx = ct.x + name_w;
    l.url_label = Rect{ct.x, y, name_w - m.gap, bh};
    l.url_field = Rect{fx, y, ct.right() - fx, bh};
    y += bh + m.gap;
    const float cw = std::min(
        (ct.right() - fx) * 0.4f,
        std::max(bh * 2.5f, text_width("Connecting ...", m.text.body) + m.text.body * 2.4f));
    l.code_label = Rect{ct.x, y, name_w - m.gap, bh};
    l.code_field = Rect{fx, y, ct.right() - fx - cw - m.gap, bh};
    l.connect = Rect{ct.right() - cw, y, cw, bh};
    y += bh + m.gap * 0.5f;
    l.message = Rect{ct.x, y, ct.w, m.text.body * 2.8f};
    y += l.message.h + m.gap * 0.5f;

    // --- Keys: ten units a row, as tall as the rest allows (capped) ---
    const auto rows = address_keyboard_rows();
    const float n = static_cast<float>(rows.size());
    const float cap = std::max(m.target * 1.4f, std::min(w, h) * 0.085f);
    const float key_h = std::clamp((ct.bottom() - y - (n - 1) * m.gap) / n, 1.0f, cap);
    const float unit_w = (ct.w - 9.0f * m.gap) / 10.0f;
    const float key_w = std::min(unit_w, key_h * 1.6f);
    l.key_size = std::min(key_w, key_h);
    float ky = y + m.gap * 0.5f; // under the message, where the eye already is
    for (const auto& row : rows) {
        float units = 0.0f;
        for (const Key& k : row)
            units += k.units;
        const float row_w = units * key_w + (units - 1.0f) * m.gap;
        float x = ct.cx() - row_w * 0.5f;
        for (const Key& k : row) {
            // A wide key also covers the gaps it stands in for.
            const float kw = k.units * key_w + (k.units - 1.0f) * m.gap;
            l.keys.push_back(KeyRect{k, Rect{x, ky, kw, key_h}});
            x += kw + m.gap;
        }
        ky += key_h + m.gap;
    }
    return l;
}

namespace {

// A text field: its text (the end of it when it is too long), a placeholder
// when empty, and a caret when selected. Tapping it selects it.
bool text_field(ImDrawList* dl, const char* id, const Rect& r, const std::string& text,
                std::string_view placeholder, bool selected, const Metrics& m, bool hc) {
    const Palette& p = palette(hc);
    const ButtonState s = touch_target(id, r);
    const float rounding = std::min(10.0f, r.h * 0.2f);
    dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), panel_fill(hc), rounding);
    dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), selected ? p.accent : p.outline,
                rounding, 0, selected ? 3.0f : 1.5f);
    const float px = m.text.body * 1.1f;
    const float pad = px * 0.5f;
    const float inner = r.w - 2.0f * pad - px * 0.3f;
    std::string_view shown = text;
    while (!shown.empty() && text_width(shown, px) > inner)
        shown.remove_prefix(1);
    const Rect box{r.x + pad, r.y, inner + 1.0f, r.h};
    if (text.empty())
        draw_text_block(dl, placeholder, m.text.body, box, p.muted_text, 1, Align::left);
    else
        draw_text_block(dl, shown, px, box, p.text, 1, Align::left);
    if (selected) {
        const float cx = r.x + pad + (text.empty() ? 0.0f : text_width(shown, px)) + 1.0f;
        dl->AddRectFilled(ImVec2(cx, r.y + r.h * 0.22f),
                          ImVec2(cx + std::max(2.0f, px * 0.08f), r.bottom() - r.h * 0.22f),
                          p.accent);
    }
    return s.clicked;
}

// A key of the address keyboard (square corners, no hover).
bool address_key(ImDrawList* dl, const KeyRect& k, bool capitals, float px, bool hc) {
    const Palette& p = palette(hc);
    const Rect& r = k.rect;
    const ButtonState s = touch_target("key", r);
    const bool special = k.key.kind == Key::Kind::backspace || k.key.units > 1.0f;
    const ImU32 fill = s.held ? p.button_pressed : special ? p.button : panel_fill(hc);
    const float rounding = std::min(r.w, r.h) * 0.18f;
    dl->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), fill, rounding);
    dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.right(), r.bottom()), p.outline, rounding, 0,
                hc ? 2.0f : 1.0f);
    const std::string text = k.key.kind == Key::Kind::backspace ? "Delete"
                             : capitals                          ? k.key.shifted
                                                                 : k.key.text;
    const float tpx = k.key.units > 1.0f || k.key.kind == Key::Kind::backspace ? px * 0.8f : px;
    draw_text_block(dl, text, tpx, Rect{r.x + 2.0f, r.y, r.w - 4.0f, r.h}, p.button_text, 1);
    return s.clicked;
}

} // namespace

StaffIntent draw_connect(const ConnectModel& cm, const StaffChrome& c) {
    const ImGuiIO& io = ImGui::GetIO();
    const float w = io.DisplaySize.x, h = io.DisplaySize.y;
    const bool hc = c.look.high_contrast;
    const Palette& p = palette(hc);
    const Metrics m = metrics(w, h, c.look.dpi);
    const StaffNavLayout nav = layout_staff_nav(c, w, h);
    const ConnectLayout l = layout_connect(cm, c, w, h);
    ImDrawList* dl = begin_screen("##staff_connect", hc);
    StaffIntent in = draw_nav(dl, c, nav, m);
    auto pick = [&](StaffIntent i) {
        if (in.kind == K::none) in = std::move(i);
    };
    const bool connecting = cm.phase == EnrolmentPhase::connecting;
    draw_header(dl, l.header, "Connect to head office",
                cm.connected_to.empty() ? "Not connected" : "Connected to " + cm.connected_to,
                cm.connected_to.empty() ? p.muted_text : good_colour(hc), m, hc);
    label(dl, "Server address", m.text.body, l.url_label, p.muted_text, Align::left, 2);
    label(dl, "One-time code", m.text.body, l.code_label, p.muted_text, Align::left, 2);
    if (text_field(dl, "##url", l.url_field, cm.server_url, "e.g. https://hq.example.com",
                   cm.field == EnrolmentField::server_url, m, hc))
        pick({K::select_field, 0, 0, 0});
    if (text_field(dl, "##code", l.code_field, cm.code, "e.g. 7KQ2-M9XD-4TRB",
                   cm.field == EnrolmentField::code, m, hc))
        pick({K::select_field, 0, 0, 1});
    if (button(dl, "##connect", l.connect, connecting ? "Connecting ..." : "Connect", m.text.body,
               !connecting, hc, !connecting))
        pick({K::connect});

    if (!cm.message.empty()) {
        const ImU32 colour = cm.phase == EnrolmentPhase::connected ? good_colour(hc)
                             : cm.phase == EnrolmentPhase::failed  ? bad_colour(hc)
                                                                   : p.muted_text;
        label(dl, cm.message, m.text.body, l.message, colour, Align::left, 2);
    } else {
        label(dl,
              "Type the server's address and the one-time code from head office, then tap "
              "Connect.",
              m.text.body, l.message, p.muted_text, Align::left, 2);
    }

    // Codes are shown in capitals (the server ignores case); addresses in
    // lower case.
    const bool capitals = cm.field == EnrolmentField::code;
    const float key_px = std::min(m.text.heading * 1.2f, l.key_size * 0.5f);
    for (std::size_t i = 0; i < l.keys.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        const KeyRect& k = l.keys[i];
        if (address_key(dl, k, capitals, key_px, hc) && !connecting) {
            if (k.key.kind == Key::Kind::backspace)
                pick({K::back});
            else
                pick({K::type_text, 0, 0, 0, capitals ? k.key.shifted : k.key.text});
        }
        ImGui::PopID();
    }
    end_screen();
    return in;
}

StaffIntent draw_staff(const StaffView& v, float dpi) {
    StaffChrome c;
    c.role = v.role;
    c.screen = v.screen;
    c.title = v.title;
    c.paused = v.paused;
    c.sync_available = v.sync_available;
    c.sync_note = v.sync_note;
    c.open_alerts = v.open_alerts;
    c.look = Look{false, false, dpi};
    switch (v.screen) {
    case StaffScreen::closed:
        return {};
    case StaffScreen::pin:
    case StaffScreen::set_pin:
        return draw_pin_pad(v.pin_pad, c.look);
    case StaffScreen::dashboard:
        return draw_dashboard(v.dashboard, c);
    case StaffScreen::huddle:
        return draw_huddle(v.huddle, c);
    case StaffScreen::health:
        return draw_health(v.health, c);
    case StaffScreen::settings:
        return draw_settings(v.settings, c);
    case StaffScreen::connect:
        return draw_connect(v.connect, c);
    }
    return {};
}

} // namespace touchpoint::ui
