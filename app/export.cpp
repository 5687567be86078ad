#include "export.h"

#include "core/csv.h"
#include "core/wire.h"

namespace touchpoint {

Result<std::int64_t> export_responses(const LocalDatabase& database, ExportFormat format,
                                      std::ostream& out) {
    std::int64_t rows = 0;
    if (format == ExportFormat::csv)
        out << "id,device_id,touch_point,survey_id,survey_version,question_id,scale,score,"
               "reasons,comment,language,local_time,sequence,misuse,clock_suspect,closed,"
               "sync_state,reject_reason\r\n";
    Status st = database.for_each([&](const Response& r) {
        if (format == ExportFormat::jsonl) {
            nlohmann::json j = to_json(r);
            j["closed"] = r.closed;
            j["sync_state"] = std::string(to_string(r.sync_state));
            if (!r.reject_reason.empty()) j["reject_reason"] = r.reject_reason;
            out << j.dump() << '\n';
        } else {
            std::string reasons;
            for (const auto& reason : r.reasons)
                reasons += (reasons.empty() ? "" : ";") + reason;
            out << csv_field(r.id) << ',' << csv_field(r.device_id) << ','
                << csv_field(r.touch_point) << ',' << csv_field(r.survey_id) << ','
                << r.survey_version << ',' << csv_field(r.question_id) << ','
                << to_string(r.scale) << ',' << r.score << ',' << csv_field(reasons) << ','
                << csv_field(r.comment) << ',' << csv_field(r.language) << ','
                << csv_field(r.local_time) << ',' << r.sequence << ',' << (r.misuse ? 1 : 0)
                << ',' << (r.clock_suspect ? 1 : 0) << ',' << (r.closed ? 1 : 0) << ','
                << to_string(r.sync_state) << ',' << csv_field(r.reject_reason) << "\r\n";
        }
        ++rows;
        return static_cast<bool>(out);
    });
    if (!st) return Error{st.error()};
    if (!out) return Error{"could not write the export (output closed or disk full)"};
    return rows;
}

} // namespace touchpoint
