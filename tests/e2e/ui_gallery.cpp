// ui_gallery: draws every customer screen in a real window and saves one PNG
// per screen, for the docs and for the eye: `ui_gallery OUT_DIR WIDTHxHEIGHT`.
// Files are named <screen>-<W>x<H>.png; their names go to stdout, one a line.
// Texts come from the shipped translations and surveys, exactly as the kiosk
// shows them.
#include "app/translations.h"
#include "core/survey.h"
#include "platform/window.h"
#include "ui/keyboard.h"
#include "ui/screens.h"
#include "ui/theme.h"

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace touchpoint;

namespace {

const std::string k_assets = TOUCHPOINT_ASSETS_DIR;

struct Gallery {
    Catalogue cat;
    std::map<std::string, Survey> surveys; // by file stem
};

ui::QuestionView question_view(const Gallery& g, const Survey& s, const std::string& lang, const ui::Look& look) {
    ui::QuestionView v;
    v.question = pick(s.question, lang);
    v.scale = s.scale;
    const ScaleInfo& info = scale_info(s.scale);
    for (int score = info.min; score <= info.max; ++score) {
        const std::string key = answer_key(s.scale, score);
        v.answers.push_back({score, key.empty() ? std::to_string(score) : g.cat.text(lang, key)});
    }
    if (!end_label_key(s.scale, false).empty()) {
        v.low_label = g.cat.text(lang, end_label_key(s.scale, false));
        v.high_label = g.cat.text(lang, end_label_key(s.scale, true));
    }
    for (const auto& code : s.languages())
        v.languages.emplace_back(code, g.cat.display_name(code));
    v.language = lang;
    v.high_contrast_label = g.cat.text(lang, text_keys::high_contrast);
    v.large_text_label = g.cat.text(lang, text_keys::larger_text);
    v.wake_hint = g.cat.text(lang, text_keys::dimmed_hint);
    v.look = look;
    return v;
}

ui::ReasonsView reasons_view(const Gallery& g, const Survey& s, int score, const std::string& lang,
                             const ui::Look& look) {
    ui::ReasonsView v;
    v.prompt = g.cat.text(lang, text_keys::reasons_prompt);
    for (const auto& r : s.reasons_for(score))
        v.reasons.emplace_back(r.id, pick(r.label, lang));
    if (!v.reasons.empty())
        v.chosen = {v.reasons.front().first};
    v.done_label = g.cat.text(lang, text_keys::reasons_done);
    v.skip_label = g.cat.text(lang, text_keys::reasons_skip);
    v.look = look;
    return v;
}

ui::CommentView comment_view(const Gallery& g, const std::string& lang, std::string text, int max_chars,
                             const ui::Look& look) {
    ui::CommentView v;
    v.prompt = g.cat.text(lang, text_keys::comment_prompt);
    v.text = std::move(text);
    v.max_chars = max_chars;
    v.language = lang;
    v.limit_label = g.cat.text(lang, text_keys::comment_limit);
    v.full_label = g.cat.text(lang, text_keys::comment_full);
    v.done_label = g.cat.text(lang, text_keys::key_done);
    v.skip_label = g.cat.text(lang, text_keys::comment_skip);
    v.space_label = g.cat.text(lang, text_keys::key_space);
    v.shift_label = g.cat.text(lang, text_keys::key_shift);
    v.backspace_label = g.cat.text(lang, text_keys::key_backspace);
    v.look = look;
    return v;
}

// Every text the screens may show, so the font atlas has all their glyphs.
std::vector<std::string> texts_to_show(const Gallery& g) {
    std::vector<std::string> texts = g.cat.all_texts();
    for (const auto& [name, s] : g.surveys) {
        for (const auto& [lang, t] : s.question)
            texts.push_back(t);
        for (const auto& [lang, t] : s.thank_you)
            texts.push_back(t);
        for (const auto& [band, list] : s.reasons)
            for (const auto& r : list)
                for (const auto& [lang, t] : r.label)
                    texts.push_back(t);
    }
    for (const char* lang : {"mi", "es", "fr"})
        for (const auto& row : ui::keyboard_rows(lang))
            for (const auto& k : row)
                texts.push_back(k.text + k.shifted);
    return texts;
}

bool parse_size(const char* text, int& w, int& h) {
    char x = 0;
    return std::sscanf(text, "%d%c%d", &w, &x, &h) == 3 && (x == 'x' || x == 'X') && w >= 320 && h >= 240;
}

} // namespace

int main(int argc, char** argv) {
    int width = 0, height = 0;
    if (argc != 3 || !parse_size(argv[2], width, height)) {
        std::fprintf(stderr, "usage: ui_gallery OUT_DIR WIDTHxHEIGHT\n");
        return 2;
    }
    const std::string out_dir = argv[1];

    Gallery g;
    auto cat = load_catalogue(k_assets + "/i18n");
    if (!cat) {
        std::fprintf(stderr, "ui_gallery: %s\n", cat.error().c_str());
        return 1;
    }
    g.cat = *cat;
    for (const char* name : {"checkout", "helpdesk-csat", "store-nps", "returns-ces", "restroom-thumbs"}) {
        auto s = load_survey_file(k_assets + "/surveys/" + name + ".toml");
        if (!s) {
            std::fprintf(stderr, "ui_gallery: %s\n", s.error().c_str());
            return 1;
        }
        g.surveys[name] = *s;
    }

    platform::WindowOptions wo;
    wo.fullscreen = false;
    wo.width = width;
    wo.height = height;
    wo.title = "Touchpoint gallery";
    std::string error;
    auto window = platform::Window::create(wo, error);
    if (!window) {
        std::fprintf(stderr, "ui_gallery: %s\n", error.c_str());
        return 1;
    }
    const auto [fw, fh] = window->size();
    const float dpi = 96.0f; // the docs show the layout at a desktop panel's DPI
    if (!window->load_fonts(ui::font_pixel_sizes(static_cast<float>(fw), static_cast<float>(fh), dpi),
                            texts_to_show(g)))
        std::fprintf(stderr, "ui_gallery: warning: only the built-in font could be loaded\n");

    const ui::Look plain{false, false, dpi};
    ui::Look contrast = plain;
    contrast.high_contrast = true;
    ui::Look large = plain;
    large.large_text = true;
    ui::Look dim = plain;
    dim.dimmed = true;

    const Survey& checkout = g.surveys["checkout"];
    struct Shot {
        std::string name;
        bool high_contrast;
        std::function<void()> draw;
    };
    std::vector<Shot> shots;
    auto question = [&](const std::string& name, const std::string& survey, const std::string& lang, ui::Look look) {
        ui::QuestionView v = question_view(g, g.surveys[survey], lang, look);
        shots.push_back({name, look.high_contrast, [v] { ui::draw_question(v); }});
    };
    question("question-smiley4", "checkout", "en", plain);
    question("question-smiley5", "helpdesk-csat", "en", plain);
    question("question-nps", "store-nps", "en", plain);
    question("question-ces7", "returns-ces", "en", plain);
    question("question-thumbs", "restroom-thumbs", "en", plain);
    question("question-mi", "checkout", "mi", plain);
    question("question-zh", "checkout", "zh", plain);
    question("question-high-contrast", "checkout", "en", contrast);
    question("question-larger-text", "checkout", "en", large);
    question("question-nps-larger-text-es", "store-nps", "es", large);
    question("dimmed", "checkout", "en", dim);

    const ui::ReasonsView reasons = reasons_view(g, checkout, 1, "en", plain);
    shots.push_back({"reasons", false, [reasons] { ui::draw_reasons(reasons); }});
    const ui::ReasonsView reasons_zh = reasons_view(g, checkout, 4, "zh", plain);
    shots.push_back({"reasons-zh", false, [reasons_zh] { ui::draw_reasons(reasons_zh); }});

    const ui::CommentView comment = comment_view(g, "en", "The new self-checkout was quick", 200, plain);
    shots.push_back({"comment", false, [comment] { ui::draw_comment(comment); }});
    ui::CommentView comment_mi = comment_view(g, "mi", "He pai te ratonga, he tere hoki. Ng", 200, plain);
    comment_mi.shift = true;
    shots.push_back({"comment-mi", false, [comment_mi] { ui::draw_comment(comment_mi); }});
    const ui::CommentView comment_fr =
        comment_view(g, "fr", "Très bon accueil, caissière très aimable et efficace. Merci à toute l’équipe !", 78, large);
    shots.push_back({"comment-fr-full", false, [comment_fr] { ui::draw_comment(comment_fr); }});
    const ui::CommentView comment_hc = comment_view(g, "es", "¡Muy rápido!", 200, contrast);
    shots.push_back({"comment-es-high-contrast", true, [comment_hc] { ui::draw_comment(comment_hc); }});

    ui::ThankYouView thanks;
    thanks.text = pick(checkout.thank_you, "en");
    thanks.remaining = 0.6f;
    thanks.look = plain;
    shots.push_back({"thank-you", false, [thanks] { ui::draw_thank_you(thanks); }});
    ui::ThankYouView thanks_zh = thanks;
    thanks_zh.text = pick(checkout.thank_you, "zh");
    shots.push_back({"thank-you-zh", false, [thanks_zh] { ui::draw_thank_you(thanks_zh); }});

    const ui::MessageView sleep{g.cat.text("en", text_keys::sleep_title), g.cat.text("en", text_keys::sleep_text), plain};
    shots.push_back({"sleep", false, [sleep] { ui::draw_message(sleep); }});
    const ui::MessageView paused{g.cat.text("en", text_keys::paused_title), g.cat.text("en", text_keys::paused_text),
                                 plain};
    shots.push_back({"paused", false, [paused] { ui::draw_message(paused); }});
    const ui::MessageView paused_mi{g.cat.text("mi", text_keys::paused_title),
                                    g.cat.text("mi", text_keys::paused_text), plain};
    shots.push_back({"paused-mi", false, [paused_mi] { ui::draw_message(paused_mi); }});

    int failures = 0;
    const std::string suffix = "-" + std::to_string(fw) + "x" + std::to_string(fh) + ".png";
    for (const Shot& shot : shots) {
        ui::apply_theme(shot.high_contrast);
        const bool dimmed = shot.name == "dimmed";
        window->set_dimmed(dimmed); // may be refused (Xvfb): the overlay shows the dim anyway
        // Two frames: the first creates the screen's window, the second is stable.
        for (int i = 0; i < 2; ++i) {
            window->wait_events(0);
            window->begin_frame();
            shot.draw();
            window->end_frame();
        }
        const std::string path = out_dir + "/" + shot.name + suffix;
        if (window->save_screenshot(path)) {
            std::printf("%s\n", path.c_str());
        } else {
            std::fprintf(stderr, "ui_gallery: cannot write %s\n", path.c_str());
            ++failures;
        }
    }
    window->set_dimmed(false);
    return failures == 0 ? 0 : 1;
}
