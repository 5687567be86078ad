#pragma once
// Shared helpers for the database tests: a temporary folder that cleans up after
// itself, a complete sample response, and a raw SQLite peek at a file.
#include "app/local_database.h"
#include "core/uuid.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace touchpoint::test {

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/touchpoint-database-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        m_path = made ? made : "";
    }
    ~TempDir() {
        std::error_code ec;
        if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

    // Names in the folder that start with `prefix` (SQLite's -wal and -shm
    // companions left out).
    std::vector<std::string> files_starting_with(const std::string& prefix) const {
        std::vector<std::string> out;
        auto ends_with = [](const std::string& s, const std::string& tail) {
            return s.size() >= tail.size() &&
                   s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
        };
        for (const auto& e : std::filesystem::directory_iterator(m_path)) {
            std::string name = e.path().filename().string();
            if (ends_with(name, "-wal") || ends_with(name, "-shm")) continue;
            if (name.rfind(prefix, 0) == 0) out.push_back(name);
        }
        return out;
    }

  private:
    std::string m_path;
};

// A response with every field set to something recognisable.
inline Response sample_response(std::int64_t utc_ms = 1'774'700'000'000, int score = 4,
                                const std::string& day = "2026-03-29", int hour = 10) {
    Response r;
    r.id = make_uuid();
    r.device_id = "7d0f6b1e-1d3c-4f8a-9b2e-5a6c7d8e9f01";
    r.touch_point = "front-desk";
    r.survey_id = "visit";
    r.survey_version = 3;
    r.question_id = "overall";
    r.scale = Scale::smiley5;
    r.score = score;
    r.language = "mi";
    r.utc_ms = utc_ms;
    r.local_day = day;
    r.local_hour = hour;
    r.local_time = day + "T" + (hour < 10 ? "0" : "") + std::to_string(hour) + ":15:00+13:00";
    return r;
}

// Opens a file with the bare C API (for checks the database does not expose).
class RawDb {
  public:
    explicit RawDb(const std::string& path, bool read_only = true) {
        sqlite3_open_v2(path.c_str(), &m_db,
                        read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, nullptr);
    }
    ~RawDb() { sqlite3_close_v2(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    // First column of the first row as text ("" when none or on error).
    std::string text(const std::string& sql) const {
        sqlite3_stmt* s = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        return out;
    }
    std::vector<std::int64_t> ints(const std::string& sql) const {
        sqlite3_stmt* s = nullptr;
        std::vector<std::int64_t> out;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK)
            while (sqlite3_step(s) == SQLITE_ROW)
                out.push_back(sqlite3_column_int64(s, 0));
        sqlite3_finalize(s);
        return out;
    }
    int exec(const std::string& sql) {
        return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
    }

  private:
    sqlite3* m_db = nullptr;
};

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace touchpoint::test
