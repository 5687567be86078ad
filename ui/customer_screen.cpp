#include "customer_screen.h"

#include "ui/keyboard.h"

namespace touchpoint::ui {

QuestionView question_view(const CustomerView& view, const Catalogue& cat, const Look& look) {
    const Survey& s = *view.survey;
    const std::string& lang = view.language;
    QuestionView v;
    v.question = pick(s.question, lang);
    v.scale = s.scale;
    const ScaleInfo& info = scale_info(s.scale);
    for (int score = info.min; score <= info.max; ++score) {
        const std::string key = answer_key(s.scale, score);
        v.answers.push_back({score, key.empty() ? std::to_string(score) : cat.text(lang, key)});
    }
    if (!end_label_key(s.scale, false).empty()) {
        v.low_label = cat.text(lang, end_label_key(s.scale, false));
        v.high_label = cat.text(lang, end_label_key(s.scale, true));
    }
    for (const auto& code : s.languages()) v.languages.emplace_back(code, cat.display_name(code));
    v.language = lang;
    v.high_contrast_label = cat.text(lang, text_keys::high_contrast);
    v.large_text_label = cat.text(lang, text_keys::larger_text);
    v.wake_hint = cat.text(lang, text_keys::dimmed_hint);
    v.look = look;
    return v;
}

Intent draw_customer(const CustomerView& view, const Catalogue& cat, float dpi) {
    if (!view.survey) return {};
    const Survey& survey = *view.survey;
    const std::string& lang = view.language;
    Look look;
    look.high_contrast = view.high_contrast;
    look.large_text = view.large_text;
    look.dpi = dpi;
    look.dimmed = view.dimmed;
    look.wake_touch = view.wake_touch;
    switch (view.screen) {
    case Screen::question: return draw_question(question_view(view, cat, look));
    case Screen::reasons: {
        ReasonsView v;
        v.prompt = cat.text(lang, text_keys::reasons_prompt);
        for (const auto& r : survey.reasons_for(view.score))
            v.reasons.emplace_back(r.id, pick(r.label, lang));
        v.chosen = view.reasons;
        v.done_label = cat.text(lang, text_keys::reasons_done);
        v.skip_label = cat.text(lang, text_keys::reasons_skip);
        v.look = look;
        return draw_reasons(v);
    }
    case Screen::comment: {
        CommentView v;
        v.prompt = cat.text(lang, text_keys::comment_prompt);
        v.text = view.comment;
        v.max_chars = survey.comment_max_length;
        v.shift = view.shift;
        v.language = lang;
        v.limit_label = cat.text(lang, text_keys::comment_limit);
        v.full_label = cat.text(lang, text_keys::comment_full);
        v.done_label = cat.text(lang, text_keys::key_done);
        v.skip_label = cat.text(lang, text_keys::comment_skip);
        v.space_label = cat.text(lang, text_keys::key_space);
        v.shift_label = cat.text(lang, text_keys::key_shift);
        v.backspace_label = cat.text(lang, text_keys::key_backspace);
        v.look = look;
        return draw_comment(v);
    }
    case Screen::thank_you: {
        ThankYouView v;
        v.text = pick(survey.thank_you, lang);
        v.remaining = view.thank_you_remaining;
        v.look = look;
        return draw_thank_you(v);
    }
    case Screen::sleep:
        return draw_message({cat.text(lang, text_keys::sleep_title), cat.text(lang, text_keys::sleep_text), look,
                             cat.text(lang, text_keys::dimmed_hint)});
    case Screen::paused:
        return draw_message({cat.text(lang, text_keys::paused_title), cat.text(lang, text_keys::paused_text),
                             look, cat.text(lang, text_keys::dimmed_hint)});
    }
    return {};
}

std::vector<std::string> customer_texts(const Survey& s, const Catalogue& cat, const std::string& language) {
    std::vector<std::string> texts;
    for (const auto& key : cat.keys("en")) texts.push_back(cat.text(language, key));
    for (const auto& lang : s.languages()) texts.push_back(cat.display_name(lang));
    texts.push_back(pick(s.question, language));
    texts.push_back(pick(s.thank_you, language));
    for (const auto& [band, list] : s.reasons)
        for (const auto& r : list) texts.push_back(pick(r.label, language));
    for (const auto& row : keyboard_rows(language))
        for (const auto& k : row) texts.push_back(k.text + k.shifted);
    return texts;
}

} // namespace touchpoint::ui
