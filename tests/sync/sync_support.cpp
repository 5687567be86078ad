#include "sync_support.h"

#include "core/local_time.h"
#include "core/uuid.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <stdexcept>
#include <thread>

namespace tpsync {

using namespace touchpoint;
using namespace std::chrono;

Kiosk::Kiosk() {
    auto s = LocalDatabase::open(dir.path + "/responses.db");
    REQUIRE(s.ok());
    database = std::move(*s);
}

void Kiosk::enroll_with(const tptest::ServerProcess& server, sync::HttpOptions http) {
    if (http.base_url.empty()) http.base_url = server.url();
    auto e = sync::enroll(http, server.create_code(), "test kiosk", dir.path);
    REQUIRE(e.ok());
    enrollment = *e;
}

sync::SyncSettings Kiosk::settings(const std::string& url) const {
    sync::SyncSettings s;
    s.http.base_url = url;
    s.http.connect_timeout = milliseconds{2000};
    s.http.total_timeout = milliseconds{10000};
    s.token = enrollment.token;
    s.data_dir = dir.path;
    s.backoff_base = milliseconds{10};
    s.backoff_cap = milliseconds{200};
    s.seed = 42;
    return s;
}

std::set<std::string> fill(LocalDatabase& database, int n, const std::string& device_id,
                           std::int64_t first_utc_ms, std::int64_t step_ms) {
    std::set<std::string> ids;
    for (int i = 0; i < n; ++i) {
        Response r;
        r.id = make_uuid();
        r.device_id = device_id;
        r.touch_point = "akl-checkout-1";
        r.survey_id = "checkout";
        r.survey_version = 1;
        r.question_id = "checkout-experience";
        r.scale = Scale::smiley4;
        r.score = 1 + i % 4;
        r.language = "en";
        r.utc_ms = first_utc_ms + i * step_ms;
        LocalStamp s = local_stamp("Pacific/Auckland", r.utc_ms);
        r.local_time = s.iso;
        r.local_day = s.day;
        r.local_hour = s.hour;
        if (!database.insert_open(r) || !database.close(r.id))
            throw std::runtime_error("fill failed");
        ids.insert(r.id);
    }
    return ids;
}

bool drain(sync::SyncClient& client, LocalDatabase& database, double limit_s) {
    auto deadline = steady_clock::now() + milliseconds(static_cast<long long>(limit_s * 1000));
    while (steady_clock::now() < deadline) {
        sync::SyncStep s = client.step(steady_clock::now());
        if (s.kind == sync::SyncStep::Kind::must_reenroll) return false;
        if (database.health().pending == 0 && s.kind != sync::SyncStep::Kind::retry_later)
            return true;
        if (s.kind == sync::SyncStep::Kind::retry_later) std::this_thread::sleep_for(s.wait);
    }
    return database.health().pending == 0;
}

std::set<std::string> server_ids(const std::string& db_path) {
    std::set<std::string> ids;
    sqlite3* h = nullptr;
    if (sqlite3_open_v2(db_path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "SELECT id FROM responses", -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW)
                ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return ids;
}

} // namespace tpsync
