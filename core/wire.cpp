#include "wire.h"

#include "core/local_time.h"
#include "core/uuid.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>

namespace touchpoint {

using nlohmann::json;

nlohmann::json to_json(const Response& r) {
    return json{
        {"id", r.id},
        {"device_id", r.device_id},
        {"touch_point", r.touch_point},
        {"survey_id", r.survey_id},
        {"survey_version", r.survey_version},
        {"question_id", r.question_id},
        {"scale", std::string(to_string(r.scale))},
        {"score", r.score},
        {"reasons", r.reasons},
        {"comment", r.comment},
        {"language", r.language},
        {"utc_ms", r.utc_ms},
        {"local_time", r.local_time},
        {"local_day", r.local_day},
        {"local_hour", r.local_hour},
        {"sequence", r.sequence},
        {"misuse", r.misuse},
        {"clock_suspect", r.clock_suspect},
    };
}

void append_json_string(std::string& out, const std::string& s) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0; // start of the run not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s, plain, i - plain);
        plain = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xF];
        }
    }
    out.append(s, plain, std::string::npos);
    out += '"';
}

namespace {

void append_field(std::string& out, const char* key) {
    out += out.back() == '{' ? "\"" : ",\"";
    out += key;
    out += "\":";
}
void append_field(std::string& out, const char* key, const std::string& v) {
    append_field(out, key);
    append_json_string(out, v);
}
void append_field(std::string& out, const char* key, std::int64_t v) {
    append_field(out, key);
    out += std::to_string(v);
}
void append_field(std::string& out, const char* key, bool v) {
    append_field(out, key);
    out += v ? "true" : "false";
}

} // namespace

void append_json(std::string& out, const Response& r) {
    // In nlohmann::json's (sorted) key order, so the bytes match to_json().dump().
    out += '{';
    append_field(out, "clock_suspect", r.clock_suspect);
    append_field(out, "comment", r.comment);
    append_field(out, "device_id", r.device_id);
    append_field(out, "id", r.id);
    append_field(out, "language", r.language);
    append_field(out, "local_day", r.local_day);
    append_field(out, "local_hour", std::int64_t{r.local_hour});
    append_field(out, "local_time", r.local_time);
    append_field(out, "misuse", r.misuse);
    append_field(out, "question_id", r.question_id);
    append_field(out, "reasons");
    out += '[';
    for (std::size_t i = 0; i < r.reasons.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, r.reasons[i]);
    }
    out += ']';
    append_field(out, "scale", std::string(to_string(r.scale)));
    append_field(out, "score", std::int64_t{r.score});
    append_field(out, "sequence", r.sequence);
    append_field(out, "survey_id", r.survey_id);
    append_field(out, "survey_version", std::int64_t{r.survey_version});
    append_field(out, "touch_point", r.touch_point);
    append_field(out, "utc_ms", r.utc_ms);
    out += '}';
}

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// --- Field readers ---
// Each returns nullopt and sets `err` when the field is present but wrong, and
// nullopt with `err` empty when it is absent.

namespace {

const char* type_name(const json& v) {
    switch (v.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        return "an integer";
    case json::value_t::number_float:
        return "a number with a fraction";
    case json::value_t::string:
        return "a string";
    case json::value_t::array:
        return "an array";
    case json::value_t::object:
        return "an object";
    default:
        return "an unsupported value";
    }
}

struct Reader {
    const json& obj;
    std::string prefix; // "" or "reasons.negative[2]."
    std::string err;

    const json* find(const char* key) const {
        auto it = obj.find(key);
        return it == obj.end() ? nullptr : &*it;
    }
    void fail(const char* key, const std::string& what) {
        if (err.empty()) err = prefix + key + ": " + what;
    }
    void missing(const char* key) { fail(key, "is required"); }

    std::optional<std::string> str(const char* key, std::size_t max_chars,
                                   bool allow_empty = true) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) {
            fail(key, std::string("must be a string, not ") + type_name(*v));
            return std::nullopt;
        }
        const auto& s = v->get_ref<const std::string&>();
        std::size_t len = utf8_length(s);
        if (len > max_chars) {
            fail(key, std::to_string(len) + " characters is too long (at most " +
                          std::to_string(max_chars) + ")");
            return std::nullopt;
        }
        if (!allow_empty && s.empty()) {
            fail(key, "must not be empty");
            return std::nullopt;
        }
        return s;
    }

    std::optional<std::int64_t> integer(const char* key, std::int64_t min, std::int64_t max) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        std::int64_t n = 0;
        if (v->is_number_unsigned()) {
            auto u = v->get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                fail(key, "is out of range");
                return std::nullopt;
            }
            n = static_cast<std::int64_t>(u);
        } else if (v->is_number_integer()) {
            n = v->get<std::int64_t>();
        } else {
            fail(key, std::string("must be an integer, not ") + type_name(*v));
            return std::nullopt;
        }
        if (n < min || n > max) {
            fail(key, std::to_string(n) + " is out of range (" + std::to_string(min) + ".." +
                          std::to_string(max) + ")");
            return std::nullopt;
        }
        return n;
    }

    std::optional<double> number(const char* key, double min, double max) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_number()) {
            fail(key, std::string("must be a number, not ") + type_name(*v));
            return std::nullopt;
        }
        double d = v->get<double>();
        if (!(d >= min && d <= max)) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "%g is out of range (%g..%g)", d, min, max);
            fail(key, buf);
            return std::nullopt;
        }
        return d;
    }

    std::optional<bool> boolean(const char* key) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) {
            fail(key, std::string("must be true or false, not ") + type_name(*v));
            return std::nullopt;
        }
        return v->get<bool>();
    }

    std::optional<Translations> translations(const char* key) {
        const json* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_object()) {
            fail(key, "must be an object of text per language, such as {\"en\": \"...\"}");
            return std::nullopt;
        }
        Translations t;
        for (const auto& [lang, text] : v->items()) {
            if (!text.is_string()) {
                fail(key, "text for \"" + lang + "\" must be a string");
                return std::nullopt;
            }
            t[lang] = text.get<std::string>();
        }
        return t;
    }
};

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; yields the local day and hour.
bool parse_local_time(const std::string& s, std::string& day, int& hour) {
    int y, mo, d, h, mi, se;
    if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    std::size_t p = 19;
    if (s[p] == '.') {
        ++p;
        std::size_t start = p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9')
            ++p;
        if (p == start || p - start > 9) return false;
    }
    if (p < s.size() && s[p] == 'Z') {
        ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        int oh, om;
        if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
            !digits(s, p + 4, 2, om) || oh > 14 || om > 59)
            return false;
        p += 6;
    } else {
        return false;
    }
    if (p != s.size()) return false;
    day = s.substr(0, 10);
    hour = h;
    return true;
}

} // namespace

// --- Response ---

Result<Response> response_from_json(const nlohmann::json& j, const WireLimits& limits) {
    if (!j.is_object())
        return Error{std::string("a response must be a JSON object, not ") + type_name(j)};
    Reader rd{j, "", ""};
    Response r;
    constexpr std::int64_t k_int_max = std::numeric_limits<int>::max();
    constexpr std::int64_t k_last_ms = 253402300799999; // 9999-12-31T23:59:59.999Z

    auto id = rd.str("id", 36);
    if (!rd.err.empty()) return Error{rd.err};
    if (!id) return Error{"id: is required"};
    if (!is_uuid(*id))
        return Error{"id: must be a UUID such as \"0b6e4c1e-8a7d-4f0e-9c35-2f1d3a9b7c11\""};
    r.id = *id;

    if (auto v = rd.str("device_id", limits.max_name_chars)) r.device_id = *v;
    if (auto v = rd.str("touch_point", limits.max_name_chars)) r.touch_point = *v;

    auto survey_id = rd.str("survey_id", limits.max_name_chars, false);
    if (!rd.err.empty()) return Error{rd.err};
    if (!survey_id) return Error{"survey_id: is required"};
    r.survey_id = *survey_id;

    auto version = rd.integer("survey_version", 0, k_int_max);
    if (!rd.err.empty()) return Error{rd.err};
    if (!version) return Error{"survey_version: is required"};
    r.survey_version = static_cast<int>(*version);

    auto question_id = rd.str("question_id", limits.max_name_chars, false);
    if (!rd.err.empty()) return Error{rd.err};
    if (!question_id) return Error{"question_id: is required"};
    r.question_id = *question_id;

    auto scale_name = rd.str("scale", 32);
    if (!rd.err.empty()) return Error{rd.err};
    if (!scale_name) return Error{"scale: is required"};
    auto scale = scale_from_string(*scale_name);
    if (!scale)
        return Error{"scale: unknown scale \"" + *scale_name +
                     "\" (expected smiley4, smiley5, nps, ces7 or thumbs)"};
    r.scale = *scale;

    auto score = rd.integer("score", std::numeric_limits<int>::min(), k_int_max);
    if (!rd.err.empty()) return Error{rd.err};
    if (!score) return Error{"score: is required"};
    if (!score_in_range(r.scale, static_cast<int>(*score))) {
        const ScaleInfo& info = scale_info(r.scale);
        return Error{"score: " + std::to_string(*score) + " is outside scale " +
                     std::string(to_string(r.scale)) + " (" + std::to_string(info.min) + ".." +
                     std::to_string(info.max) + ")"};
    }
    r.score = static_cast<int>(*score);

    if (const json* reasons = rd.find("reasons")) {
        if (!reasons->is_array())
            return Error{std::string("reasons: must be an array of reason ids, not ") +
                         type_name(*reasons)};
        if (reasons->size() > limits.max_reasons)
            return Error{"reasons: " + std::to_string(reasons->size()) +
                         " reasons is too many (at most " + std::to_string(limits.max_reasons) +
                         ")"};
        std::set<std::string> seen;
        for (std::size_t i = 0; i < reasons->size(); ++i) {
            const json& v = (*reasons)[i];
            std::string where = "reasons[" + std::to_string(i) + "]: ";
            if (!v.is_string()) return Error{where + "must be a string, not " + type_name(v)};
            const auto& s = v.get_ref<const std::string&>();
            if (s.empty()) return Error{where + "must not be empty"};
            if (utf8_length(s) > limits.max_reason_chars)
                return Error{where + "is too long (at most " +
                             std::to_string(limits.max_reason_chars) + " characters)"};
            if (!seen.insert(s).second) return Error{where + "\"" + s + "\" is listed twice"};
            r.reasons.push_back(s);
        }
    }

    if (auto v = rd.str("comment", limits.max_comment_chars)) r.comment = *v;
    if (!rd.err.empty()) return Error{rd.err};
    if (auto v = rd.str("language", limits.max_language_chars)) r.language = *v;
    if (!rd.err.empty()) return Error{rd.err};

    auto utc_ms = rd.integer("utc_ms", 0, k_last_ms);
    if (!rd.err.empty()) return Error{rd.err};
    if (!utc_ms) return Error{"utc_ms: is required (the tap's time in ms since 1970-01-01 UTC)"};
    r.utc_ms = *utc_ms;

    auto local_time = rd.str("local_time", 40);
    if (!rd.err.empty()) return Error{rd.err};
    if (!local_time) return Error{"local_time: is required"};
    std::string day;
    int hour = 0;
    if (!parse_local_time(*local_time, day, hour))
        return Error{
            "local_time: \"" + *local_time +
            "\" is not a local time with UTC offset such as \"2026-03-29T01:30:00+13:00\""};
    r.local_time = *local_time;
    r.local_day = day;
    r.local_hour = hour;
    if (auto v = rd.str("local_day", 10)) {
        if (*v != day) return Error{"local_day: \"" + *v + "\" does not match local_time"};
    }
    if (!rd.err.empty()) return Error{rd.err};
    if (auto v = rd.integer("local_hour", 0, 23)) {
        if (*v != hour)
            return Error{"local_hour: " + std::to_string(*v) + " does not match local_time"};
    }
    if (!rd.err.empty()) return Error{rd.err};

    auto sequence = rd.integer("sequence", 0, std::numeric_limits<std::int64_t>::max());
    if (!rd.err.empty()) return Error{rd.err};
    if (!sequence) return Error{"sequence: is required"};
    r.sequence = *sequence;

    if (auto v = rd.boolean("misuse")) r.misuse = *v;
    if (auto v = rd.boolean("clock_suspect")) r.clock_suspect = *v;
    if (auto v = rd.boolean("closed"); v && !*v)
        return Error{"closed: only closed responses can be sent"};
    if (!rd.err.empty()) return Error{rd.err};

    r.closed = true;
    r.sync_state = SyncState::pending;
    return r;
}

// --- Survey ---

nlohmann::json to_json(const Survey& s) {
    json j{
        {"id", s.id},
        {"version", s.version},
        {"question_id", s.question_id},
        {"scale", std::string(to_string(s.scale))},
        {"question", s.question},
        {"thank_you", s.thank_you},
        {"comment", s.comment},
        {"comment_max_length", s.comment_max_length},
    };
    json reasons = json::object();
    for (const auto& [band, list] : s.reasons) {
        json arr = json::array();
        for (const Reason& r : list)
            arr.push_back({{"id", r.id}, {"label", r.label}});
        reasons[std::string(to_string(band))] = arr;
    }
    j["reasons"] = reasons;
    return j;
}

Result<Survey> survey_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return Error{"survey: must be a JSON object"};
    Reader rd{j, "survey.", ""};
    Survey s;
    auto id = rd.str("id", 100, false);
    if (!rd.err.empty()) return Error{rd.err};
    if (!id) return Error{"survey.id: is required"};
    s.id = *id;
    if (auto v = rd.integer("version", 1, 1'000'000'000)) s.version = static_cast<int>(*v);
    s.question_id = s.id;
    if (auto v = rd.str("question_id", 100, false)) s.question_id = *v;
    auto scale_name = rd.str("scale", 32);
    if (!rd.err.empty()) return Error{rd.err};
    if (!scale_name) return Error{"survey.scale: is required"};
    auto scale = scale_from_string(*scale_name);
    if (!scale) return Error{"survey.scale: unknown scale \"" + *scale_name + "\""};
    s.scale = *scale;
    auto q = rd.translations("question");
    if (!rd.err.empty()) return Error{rd.err};
    if (!q || q->empty())
        return Error{"survey.question: is required (the question text per language)"};
    s.question = *q;
    if (auto v = rd.translations("thank_you")) s.thank_you = *v;
    if (s.thank_you.empty()) s.thank_you["en"] = "Thank you!";
    if (auto v = rd.boolean("comment")) s.comment = *v;
    if (auto v = rd.integer("comment_max_length", 1, 2000))
        s.comment_max_length = static_cast<int>(*v);
    if (!rd.err.empty()) return Error{rd.err};

    if (const json* reasons = rd.find("reasons")) {
        if (!reasons->is_object())
            return Error{
                "survey.reasons: must be an object with negative / neutral / positive lists"};
        std::set<std::string> seen;
        for (const auto& [band_key, list] : reasons->items()) {
            Band band;
            if (band_key == "negative")
                band = Band::negative;
            else if (band_key == "neutral")
                band = Band::neutral;
            else if (band_key == "positive")
                band = Band::positive;
            else
                return Error{"survey.reasons." + band_key + ": unknown score band"};
            if (band == Band::neutral && !has_neutral(s.scale) && !list.empty())
                return Error{"survey.reasons.neutral: scale " + std::string(to_string(s.scale)) +
                             " has no neutral band"};
            if (!list.is_array()) return Error{"survey.reasons." + band_key + ": must be an array"};
            for (std::size_t i = 0; i < list.size(); ++i) {
                std::string where = "survey.reasons." + band_key + "[" + std::to_string(i) + "].";
                if (!list[i].is_object())
                    return Error{where.substr(0, where.size() - 1) + ": must be an object"};
                Reader er{list[i], where, ""};
                Reason r;
                auto rid = er.str("id", 64, false);
                if (!er.err.empty()) return Error{er.err};
                if (!rid) return Error{where + "id: is required"};
                if (!seen.insert(*rid).second)
                    return Error{where + "id: duplicate reason id \"" + *rid + "\""};
                r.id = *rid;
                auto label = er.translations("label");
                if (!er.err.empty()) return Error{er.err};
                if (!label) return Error{where + "label: is required"};
                r.label = *label;
                s.reasons[band].push_back(std::move(r));
            }
        }
    }
    return s;
}

// --- Touch point settings ---

std::string format_open_intervals(const std::vector<OpenInterval>& intervals) {
    if (intervals.empty()) return "closed";
    if (intervals.size() == 1 && intervals[0].open_minute == 0 && intervals[0].close_minute == 1440)
        return "24h";
    std::string out;
    char buf[32];
    for (const OpenInterval& iv : intervals) {
        std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d", iv.open_minute / 60,
                      iv.open_minute % 60, iv.close_minute / 60, iv.close_minute % 60);
        if (!out.empty()) out += ", ";
        out += buf;
    }
    return out;
}

namespace {
const char* const k_weekdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
}

nlohmann::json to_json(const TouchPointSettings& t) {
    json hours = json::object();
    for (int d = 0; d < 7; ++d)
        hours[k_weekdays[d]] = format_open_intervals(t.opening_hours.days[d]);
    return json{
        {"key", t.key},
        {"name", t.name},
        {"store", t.store},
        {"time_zone", t.time_zone},
        {"opening_hours", hours},
        {"response_interval_s", t.response_interval_s},
        {"idle_timeout_s", t.idle_timeout_s},
        {"thank_you_s", t.thank_you_s},
        {"service_standard", t.service_standard},
        {"cx_statement", t.cx_statement},
        {"survey", t.survey},
        {"owner", json{{"name", t.owner_name}, {"email", t.owner_email}}},
        {"journey_position", t.journey_position},
    };
}

Result<TouchPointSettings> touch_point_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return Error{"touch_point: must be a JSON object"};
    Reader rd{j, "touch_point.", ""};
    TouchPointSettings tp;
    if (auto v = rd.str("key", 100, false)) tp.key = *v;
    if (auto v = rd.str("name", 200)) tp.name = *v;
    if (auto v = rd.str("store", 200)) tp.store = *v;
    if (auto v = rd.str("time_zone", 64)) tp.time_zone = *v;
    if (!rd.err.empty()) return Error{rd.err};
    if (auto st = check_time_zone(tp.time_zone); !st)
        return Error{"touch_point.time_zone: " + st.error()};
    if (auto v = rd.number("response_interval_s", 0, 3600)) tp.response_interval_s = *v;
    if (auto v = rd.number("idle_timeout_s", 1, 3600)) tp.idle_timeout_s = *v;
    if (auto v = rd.number("thank_you_s", 0.5, 60)) tp.thank_you_s = *v;
    if (auto v = rd.number("service_standard", -100, 100)) tp.service_standard = *v;
    if (auto v = rd.str("cx_statement", 2000)) tp.cx_statement = *v;
    if (auto v = rd.str("survey", 1000)) tp.survey = *v;
    if (auto v = rd.integer("journey_position", 0, 1000)) tp.journey_position = static_cast<int>(*v);
    if (!rd.err.empty()) return Error{rd.err};
    if (const json* owner = rd.find("owner")) {
        if (!owner->is_object())
            return Error{"touch_point.owner: must be an object such as {\"name\": \"...\", \"email\": \"...\"}"};
        Reader ord{*owner, "touch_point.owner.", ""};
        if (auto v = ord.str("name", 200)) tp.owner_name = *v;
        if (auto v = ord.str("email", 320)) tp.owner_email = *v;
        if (!ord.err.empty()) return Error{ord.err};
        if (!tp.owner_email.empty() && tp.owner_email.find('@') == std::string::npos)
            return Error{"touch_point.owner.email: \"" + tp.owner_email + "\" is not an e-mail address"};
    }
    if (const json* oh = rd.find("opening_hours")) {
        if (!oh->is_object())
            return Error{
                "touch_point.opening_hours: must be an object such as {\"mon\": \"08:00-17:00\"}"};
        OpeningHours hours;
        for (const auto& [k, v] : oh->items()) {
            int idx = -1;
            for (int d = 0; d < 7; ++d)
                if (k == k_weekdays[d]) idx = d;
            std::string where = "touch_point.opening_hours." + k + ": ";
            if (idx < 0)
                return Error{where + "unknown weekday (use mon, tue, wed, thu, fri, sat, sun)"};
            if (!v.is_string()) return Error{where + "must be a string such as \"08:00-17:00\""};
            auto iv = parse_open_intervals(v.get<std::string>());
            if (!iv) return Error{where + iv.error()};
            hours.days[idx] = *iv;
        }
        tp.opening_hours = hours;
    }
    return tp;
}

// --- Batch answers ---

std::string committed_digest(std::vector<std::string> ids) {
    // libsodium asks for sodium_init() before any other call (thread-safe).
    static const int k_sodium = sodium_init();
    (void)k_sodium;
    std::sort(ids.begin(), ids.end());
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (const std::string& id : ids) {
        crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(id.data()), id.size());
        crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>("\n"), 1);
    }
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, hash);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    return hex;
}

} // namespace touchpoint
