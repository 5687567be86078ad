#pragma once
// The database a fleet benchmark runs on: a SQLite file, or a fresh
// PostgreSQL database (made on the server a URL names and dropped at the
// end), with store "akl" and touch point "akl-checkout-1" (the checkout
// survey) made by touchpoint-server's admin command line, and thousands of
// enrolled devices seeded in bulk.
//
// Seeding: the storage API enrols one device per transaction (a code made,
// then used), which at SQLite's synchronous=FULL is a few fsyncs per device.
// So a sample goes through Storage::create_enrollment_code and
// Storage::enroll (timed, for comparison) and the rest is written in one
// transaction with the same rows those calls write: the code, used by the
// device, and the device with the BLAKE2b hash of its token (the server's own
// hash_secret). The server then knows both kinds exactly alike.
//
// Errors throw std::runtime_error. Not thread-safe.
#include <string>
#include <vector>

namespace touchpoint::bench {

struct FleetDevice {
    std::string id;
    std::string token; // for Authorization: Bearer
};

struct SeedReport {
    int through_api = 0;
    double api_s = 0; // their time, one transaction per device
    int in_bulk = 0;
    double bulk_s = 0; // one transaction for all of them
};

class FleetDatabase {
  public:
    // `postgres_url` empty: SQLite in `dir`. Otherwise a libpq URL whose role
    // may create databases; the fleet's database is made beside it.
    FleetDatabase(const std::string& dir, const std::string& postgres_url,
                  const std::string& server_binary, const std::string& survey_file);
    ~FleetDatabase();
    FleetDatabase(const FleetDatabase&) = delete;
    FleetDatabase& operator=(const FleetDatabase&) = delete;

    bool postgres() const { return !m_pg_name.empty(); }
    // What touchpoint-server's --db takes.
    const std::string& url() const { return m_url; }
    // The same with the password hidden, for printing.
    std::string shown_url() const;

    // Enrols `count` devices for the touch point: the first `through_api` of
    // them through the storage API, the rest in bulk.
    std::vector<FleetDevice> seed(int count, int through_api, SeedReport& report);

    // Rows in the responses table now.
    long long response_count() const;

  private:
    void admin(const std::vector<std::string>& args) const;

    std::string m_server_binary;
    std::string m_url;
    std::string m_sqlite_path; // SQLite only
    std::string m_admin_url;   // PostgreSQL only: where the database was made
    std::string m_pg_name;
};

} // namespace touchpoint::bench
