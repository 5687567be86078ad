#include "server/export_format.h"

#include "core/csv.h"
#include "core/wire.h"

#include <charconv>

namespace touchpoint::server {

namespace {

void append_int(std::string& out, std::int64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

void append_bool(std::string& out, bool v) {
    out += v ? "true" : "false";
}

} // namespace

const std::string& DisplayNames::store(const std::string& id) const {
    static const std::string none;
    auto it = stores.find(id);
    return it == stores.end() ? none : it->second;
}

const std::string& DisplayNames::touch_point(const std::string& key) const {
    static const std::string none;
    auto it = touch_points.find(key);
    return it == touch_points.end() ? none : it->second;
}

const std::string& csv_header() {
    static const std::string header =
        "id,store,touch_point,device_id,survey_id,survey_version,question_id,scale,score,"
        "reasons,comment,language,utc_ms,local_time,local_day,local_hour,sequence,misuse,"
        "clock_suspect,received_utc_ms,store_name,touch_point_name\r\n";
    return header;
}

void append_csv_row(std::string& out, const StoredResponse& s, const DisplayNames& names) {
    const Response& r = s.response;
    append_csv_field(out, r.id);
    out += ',';
    append_csv_field(out, s.store_id);
    out += ',';
    append_csv_field(out, r.touch_point);
    out += ',';
    append_csv_field(out, r.device_id);
    out += ',';
    append_csv_field(out, r.survey_id);
    out += ',';
    append_int(out, r.survey_version);
    out += ',';
    append_csv_field(out, r.question_id);
    out += ',';
    out += to_string(r.scale);
    out += ',';
    append_int(out, r.score);
    out += ',';
    std::string reasons;
    for (std::size_t i = 0; i < r.reasons.size(); ++i) {
        if (i) reasons += ';';
        reasons += r.reasons[i];
    }
    append_csv_field(out, reasons);
    out += ',';
    append_csv_field(out, r.comment);
    out += ',';
    append_csv_field(out, r.language);
    out += ',';
    append_int(out, r.utc_ms);
    out += ',';
    append_csv_field(out, r.local_time);
    out += ',';
    append_csv_field(out, r.local_day);
    out += ',';
    append_int(out, r.local_hour);
    out += ',';
    append_int(out, r.sequence);
    out += ',';
    append_bool(out, r.misuse);
    out += ',';
    append_bool(out, r.clock_suspect);
    out += ',';
    append_int(out, s.received_utc_ms);
    out += ',';
    append_csv_field(out, names.store(s.store_id));
    out += ',';
    append_csv_field(out, names.touch_point(r.touch_point));
    out += "\r\n";
}

void append_json_object(std::string& out, const StoredResponse& s, const DisplayNames& names) {
    const Response& r = s.response;
    out += "{\"id\":";
    append_json_string(out, r.id);
    out += ",\"store\":";
    append_json_string(out, s.store_id);
    out += ",\"touch_point\":";
    append_json_string(out, r.touch_point);
    out += ",\"device_id\":";
    append_json_string(out, r.device_id);
    out += ",\"survey_id\":";
    append_json_string(out, r.survey_id);
    out += ",\"survey_version\":";
    append_int(out, r.survey_version);
    out += ",\"question_id\":";
    append_json_string(out, r.question_id);
    out += ",\"scale\":\"";
    out += to_string(r.scale);
    out += "\",\"score\":";
    append_int(out, r.score);
    out += ",\"reasons\":[";
    for (std::size_t i = 0; i < r.reasons.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, r.reasons[i]);
    }
    out += "],\"comment\":";
    append_json_string(out, r.comment);
    out += ",\"language\":";
    append_json_string(out, r.language);
    out += ",\"utc_ms\":";
    append_int(out, r.utc_ms);
    out += ",\"local_time\":";
    append_json_string(out, r.local_time);
    out += ",\"local_day\":";
    append_json_string(out, r.local_day);
    out += ",\"local_hour\":";
    append_int(out, r.local_hour);
    out += ",\"sequence\":";
    append_int(out, r.sequence);
    out += ",\"misuse\":";
    append_bool(out, r.misuse);
    out += ",\"clock_suspect\":";
    append_bool(out, r.clock_suspect);
    out += ",\"received_utc_ms\":";
    append_int(out, s.received_utc_ms);
    out += ",\"store_name\":";
    append_json_string(out, names.store(s.store_id));
    out += ",\"touch_point_name\":";
    append_json_string(out, names.touch_point(r.touch_point));
    out += '}';
}

} // namespace touchpoint::server
