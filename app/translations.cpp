#include "app/translations.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace touchpoint {

namespace fs = std::filesystem;

namespace {

// Flattens nested tables into dotted keys; anything but strings and tables is
// an error naming the key.
Status flatten(const toml::table& t, const std::string& prefix, const std::string& lang,
               const std::string& origin, Catalogue& out) {
    for (const auto& [k, node] : t) {
        const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const toml::table* sub = node.as_table()) {
            if (Status st = flatten(*sub, key, lang, origin, out); !st) return st;
        } else if (const auto* s = node.as_string()) {
            out.set(lang, key, s->get());
        } else {
            return Status::failure(origin + ": " + key + ": must be a string (in quotes)");
        }
    }
    return Status::success();
}

bool read_file(const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream os;
    os << in.rdbuf();
    out = os.str();
    return static_cast<bool>(in) || in.eof();
}

// A language code is a short lowercase tag: "en", "mi", "zh", "pt-br".
bool plausible_code(const std::string& code) {
    if (code.empty() || code.size() > 12) return false;
    return std::all_of(code.begin(), code.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || c == '-' || c == '_'; });
}

} // namespace

std::string answer_key(Scale scale, int score) {
    if (scale == Scale::nps || scale == Scale::ces7) return "";
    return "answers." + std::string(to_string(scale)) + "." + std::to_string(score);
}

std::string end_label_key(Scale scale, bool high) {
    if (scale != Scale::nps && scale != Scale::ces7) return "";
    return "answers." + std::string(to_string(scale)) + (high ? ".high" : ".low");
}

std::string Catalogue::text(const std::string& lang, const std::string& key) const {
    for (const std::string& l : {lang, std::string("en")}) {
        auto it = m_texts.find(l);
        if (it == m_texts.end()) continue;
        auto k = it->second.find(key);
        if (k != it->second.end()) return k->second;
    }
    return key;
}

bool Catalogue::has(const std::string& lang, const std::string& key) const {
    auto it = m_texts.find(lang);
    return it != m_texts.end() && it->second.count(key) > 0;
}

std::vector<std::string> Catalogue::languages() const {
    std::vector<std::string> out;
    if (m_texts.count("en")) out.push_back("en");
    for (const auto& [lang, texts] : m_texts)
        if (lang != "en") out.push_back(lang);
    return out;
}

std::vector<std::string> Catalogue::keys(const std::string& lang) const {
    std::vector<std::string> out;
    auto it = m_texts.find(lang);
    if (it == m_texts.end()) return out;
    for (const auto& [key, text] : it->second) out.push_back(key);
    return out;
}

std::vector<std::string> Catalogue::all_texts() const {
    std::vector<std::string> out;
    for (const auto& [lang, texts] : m_texts)
        for (const auto& [key, text] : texts) out.push_back(text);
    return out;
}

std::string Catalogue::display_name(const std::string& lang) const {
    return has(lang, text_keys::language_name) ? text(lang, text_keys::language_name) : lang;
}

void Catalogue::set(const std::string& lang, const std::string& key, std::string text) {
    m_texts[lang][key] = std::move(text);
}

Status parse_language_toml(const std::string& text, const std::string& lang, const std::string& origin,
                           Catalogue& out) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ":" << e.source().begin.column
           << ": not valid TOML: " << e.description();
        return Status::failure(os.str());
    }
    return flatten(doc, "", lang, origin, out);
}

Result<Catalogue> load_catalogue(const std::string& dir, const std::vector<std::string>& wanted) {
    Catalogue cat;
    const fs::path root(dir);
    const fs::path en = root / "en.toml";
    std::string text;
    if (!read_file(en, text))
        return Error{en.string() + ": cannot read the English texts (every other language falls back to them)"};
    if (Status st = parse_language_toml(text, "en", en.string(), cat); !st) return Error{st.error()};

    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".toml" && p.stem() != "en" && plausible_code(p.stem().string()))
            files.push_back(p);
    }
    if (ec) return Error{dir + ": cannot list the translations: " + ec.message()};
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
        if (!read_file(p, text)) return Error{p.string() + ": cannot read"};
        if (Status st = parse_language_toml(text, p.stem().string(), p.string(), cat); !st)
            return Error{st.error()};
    }
    for (const std::string& lang : wanted) {
        const auto langs = cat.languages();
        if (std::find(langs.begin(), langs.end(), lang) == langs.end()) cat.note_missing(lang);
    }
    return cat;
}

std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [name, value] : values) {
        const std::string mark = "{" + name + "}";
        for (size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at + value.size()))
            text.replace(at, mark.size(), value);
    }
    return text;
}

} // namespace touchpoint
