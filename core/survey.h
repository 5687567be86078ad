#pragma once
// A survey: questions only (SPEC "Settings: who owns what"). Loaded from TOML
// under assets/surveys/; the same schema travels as JSON on the wire.
#include "result.h"
#include "scale.h"

#include <map>
#include <string>
#include <vector>

namespace touchpoint {

// Text per language code ("en", "mi", "zh", ...).
using Translations = std::map<std::string, std::string>;

// Picks `lang`, else `fallback`, else any text, else "".
const std::string& pick(const Translations& t, const std::string& lang,
                        const std::string& fallback = "en");

struct Reason {
    std::string id;
    Translations label;
};

struct Survey {
    std::string id;
    int version = 1;
    std::string question_id;
    Scale scale = Scale::smiley5;
    Translations question;
    Translations thank_you;
    // Follow-up reasons per score band; empty bands ask no follow-up.
    std::map<Band, std::vector<Reason>> reasons;
    bool comment = false;
    int comment_max_length = 200;

    bool has_follow_up(int score) const;
    const std::vector<Reason>& reasons_for(int score) const;
    // Languages the question is translated into, in file order of appearance (sorted).
    std::vector<std::string> languages() const;
};

// Parses a survey from TOML text; `origin` (usually the file name) starts every error.
Result<Survey> parse_survey_toml(const std::string& text, const std::string& origin);
Result<Survey> load_survey_file(const std::string& path);

} // namespace touchpoint
