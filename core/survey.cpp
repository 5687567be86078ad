#include "survey.h"

#include "toml_read.h"

#include <fstream>
#include <set>
#include <sstream>

namespace touchpoint {

const std::string& pick(const Translations& t, const std::string& lang, const std::string& fallback) {
    static const std::string empty;
    if (auto it = t.find(lang); it != t.end()) return it->second;
    if (auto it = t.find(fallback); it != t.end()) return it->second;
    if (!t.empty()) return t.begin()->second;
    return empty;
}

bool Survey::has_follow_up(int score) const { return !reasons_for(score).empty() || comment; }

const std::vector<Reason>& Survey::reasons_for(int score) const {
    static const std::vector<Reason> none;
    auto it = reasons.find(band_of(scale, score));
    return it == reasons.end() ? none : it->second;
}

std::vector<std::string> Survey::languages() const {
    std::vector<std::string> out;
    for (const auto& [lang, text] : question) out.push_back(lang);
    return out;
}

Result<Survey> parse_survey_toml(const std::string& text, const std::string& origin) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ":" << e.source().begin.column
           << ": not valid TOML: " << e.description();
        return Error{os.str()};
    }
    tomlr::Context c{origin, ""};
    std::string err;
    Survey s;
    auto fail = [&]() -> Result<Survey> { return Error{err}; };

    auto id = tomlr::get_string(doc, "id", c, err);
    if (!err.empty()) return fail();
    if (!id || id->empty()) return Error{c.where("id") + ": is required (a short name such as \"checkout\")"};
    s.id = *id;
    if (auto v = tomlr::get_int(doc, "version", c, err, 1, 1'000'000'000)) s.version = static_cast<int>(*v);
    if (!err.empty()) return fail();
    s.question_id = s.id;
    if (auto v = tomlr::get_string(doc, "question_id", c, err)) s.question_id = *v;
    if (!err.empty()) return fail();

    auto scale = tomlr::get_string(doc, "scale", c, err);
    if (!err.empty()) return fail();
    if (!scale) return Error{c.where("scale") + ": is required (smiley4, smiley5, nps, ces7 or thumbs)"};
    auto sc = scale_from_string(*scale);
    if (!sc) return Error{c.where("scale") + ": unknown scale \"" + *scale + "\" (expected smiley4, smiley5, nps, ces7 or thumbs)"};
    s.scale = *sc;

    auto q = tomlr::get_translations(doc, "question", c, err);
    if (!err.empty()) return fail();
    if (!q) return Error{c.where("question") + ": is required (the question text per language)"};
    s.question = *q;
    if (auto v = tomlr::get_translations(doc, "thank_you", c, err)) s.thank_you = *v;
    if (!err.empty()) return fail();
    if (s.thank_you.empty()) s.thank_you["en"] = "Thank you!";
    if (auto v = tomlr::get_bool(doc, "comment", c, err)) s.comment = *v;
    if (!err.empty()) return fail();
    if (auto v = tomlr::get_int(doc, "comment_max_length", c, err, 1, 2000)) s.comment_max_length = static_cast<int>(*v);
    if (!err.empty()) return fail();

    if (const toml::node* rn = doc.get("reasons")) {
        const toml::table* rt = rn->as_table();
        if (!rt) return Error{c.where("reasons") + ": must be a table with negative / neutral / positive lists"};
        // Reason ids are what responses store and reports count, so they must be
        // unique across the whole survey, not just within one band.
        std::set<std::string> seen;
        for (const auto& [band_key, list] : *rt) {
            std::string bk(band_key.str());
            Band band;
            if (bk == "negative") band = Band::negative;
            else if (bk == "neutral") band = Band::neutral;
            else if (bk == "positive") band = Band::positive;
            else return Error{c.where("reasons." + bk) + ": unknown score band (use negative, neutral or positive)"};
            if (band == Band::neutral && !has_neutral(s.scale))
                return Error{c.where("reasons.neutral") + ": scale " + std::string(to_string(s.scale)) + " has no neutral band"};
            const toml::array* arr = list.as_array();
            if (!arr) return Error{c.where("reasons." + bk) + ": must be a list of { id, label } entries"};
            for (std::size_t i = 0; i < arr->size(); ++i) {
                tomlr::Context rc{origin, "reasons." + bk + "[" + std::to_string(i) + "]"};
                const toml::table* et = (*arr)[i].as_table();
                if (!et) return Error{rc.where("") + "must be a table with id and label"};
                Reason r;
                auto rid = tomlr::get_string(*et, "id", rc, err);
                if (!err.empty()) return fail();
                if (!rid || rid->empty()) return Error{rc.where("id") + ": is required"};
                if (!seen.insert(*rid).second) return Error{rc.where("id") + ": duplicate reason id \"" + *rid + "\""};
                r.id = *rid;
                auto lab = tomlr::get_translations(*et, "label", rc, err);
                if (!err.empty()) return fail();
                if (!lab) return Error{rc.where("label") + ": is required"};
                r.label = *lab;
                s.reasons[band].push_back(std::move(r));
            }
        }
    }

    static const std::set<std::string> known = {"id", "version", "question_id", "scale", "question",
                                                "thank_you", "comment", "comment_max_length", "reasons"};
    for (const auto& [k, v] : doc)
        if (!known.count(std::string(k.str())))
            return Error{c.where(std::string(k.str())) + ": unknown key"};
    return s;
}

Result<Survey> load_survey_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open the survey file"};
    std::ostringstream os;
    os << in.rdbuf();
    return parse_survey_toml(os.str(), path);
}

} // namespace touchpoint
