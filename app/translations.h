#pragma once
// The kiosk's own customer-visible texts (not survey content) in every
// language: answer labels, buttons, keyboard keys, sleep and paused screens.
// One TOML file per language under assets/i18n/ (en.toml, mi.toml, ...);
// nested tables flatten to dotted keys: [comment] prompt -> "comment.prompt".
//
// English is the reference: en.toml must exist and every other file should
// hold the same keys. A lookup falls back to English, then to the key itself,
// so a missing text shows up as its key rather than as nothing.
//
// A Catalogue is a plain value: cheap to read from any thread once loaded.
#include "core/result.h"
#include "core/scale.h"

#include <map>
#include <string>
#include <vector>

namespace touchpoint {

// Keys of the kiosk's texts (see assets/i18n/en.toml for the English).
namespace text_keys {
inline constexpr const char* language_name = "language.name";
inline constexpr const char* high_contrast = "question.high_contrast";
inline constexpr const char* larger_text = "question.larger_text";
inline constexpr const char* reasons_prompt = "reasons.prompt";
inline constexpr const char* reasons_done = "reasons.done";
inline constexpr const char* reasons_skip = "reasons.skip";
inline constexpr const char* comment_prompt = "comment.prompt";
inline constexpr const char* comment_limit = "comment.limit"; // "{count} / {max}"
inline constexpr const char* comment_full = "comment.full";
inline constexpr const char* comment_skip = "comment.skip";
inline constexpr const char* key_space = "keyboard.space";
inline constexpr const char* key_shift = "keyboard.shift";
inline constexpr const char* key_backspace = "keyboard.backspace";
inline constexpr const char* key_done = "keyboard.done";
inline constexpr const char* sleep_title = "sleep.title";
inline constexpr const char* sleep_text = "sleep.text";
inline constexpr const char* paused_title = "paused.title";
inline constexpr const char* paused_text = "paused.text";
inline constexpr const char* dimmed_hint = "dimmed.hint";
} // namespace text_keys

// Key of an answer's label: "answers.smiley4.1", "answers.thumbs.0".
// Numbered scales (nps, ces7) show numbers and have none: "".
std::string answer_key(Scale scale, int score);
// Key of a numbered scale's end label: "answers.nps.low" / "answers.ces7.high";
// "" for the other scales.
std::string end_label_key(Scale scale, bool high);

class Catalogue {
  public:
    // The text of `key` in `lang`, else in English, else the key itself.
    std::string text(const std::string& lang, const std::string& key) const;
    // True if `lang` itself holds `key` (no fallback).
    bool has(const std::string& lang, const std::string& key) const;
    // Language codes held, English first, then in code order.
    std::vector<std::string> languages() const;
    // Every key of one language, sorted ("" language: none).
    std::vector<std::string> keys(const std::string& lang) const;
    // Every text of every language (e.g. to build a font's glyph set).
    std::vector<std::string> all_texts() const;
    // The language's name in that language ("Māori", "中文"), else the code.
    std::string display_name(const std::string& lang) const;

    // Languages asked for but without a file (see load_catalogue).
    const std::vector<std::string>& missing() const { return m_missing; }

    void set(const std::string& lang, const std::string& key, std::string text);
    void note_missing(const std::string& lang) { m_missing.push_back(lang); }

  private:
    std::map<std::string, std::map<std::string, std::string>> m_texts; // lang -> key -> text
    std::vector<std::string> m_missing;
};

// Fills `out` with one language's texts from TOML. Every value must be a
// string (or a table of them). `origin` (the file name) starts every error,
// which names the key: "fr.toml: comment.limit: must be a string".
Status parse_language_toml(const std::string& text, const std::string& lang, const std::string& origin,
                           Catalogue& out);

// Loads `dir`/en.toml (required) and every other `dir`/<code>.toml. Codes in
// `wanted` (e.g. the survey's languages) without a file are not an error:
// they fall back to English and are listed in Catalogue::missing(). Any file
// that exists but is broken is an error naming the file and the key.
Result<Catalogue> load_catalogue(const std::string& dir, const std::vector<std::string>& wanted = {});

// Replaces "{name}" placeholders: fill("{count} / {max}", {{"count", "4"}, {"max", "200"}}).
std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values);

} // namespace touchpoint
