#include "wire.h"

namespace touchpoint {

nlohmann::json to_json(const Response& r) {
    return nlohmann::json{
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
        {"local_time", r.local_time},
        {"sequence", r.sequence},
        {"misuse", r.misuse},
        {"clock_suspect", r.clock_suspect},
    };
}

} // namespace touchpoint
