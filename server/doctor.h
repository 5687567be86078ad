#pragma once
// touchpoint-server doctor: checks, in plain words, what the server needs to
// start and serve: its configuration file, the database (opens, is intact, a
// schema version this binary knows), the TLS files (readable, the key
// matching the certificate, not expired), the listening address (free, or
// held by a running touchpoint-server that answers /healthz) and the
// open-file limit against the connection cap. Nothing is changed: the
// database is opened read-only and never migrated.
#include "core/result.h"
#include "server/server_config.h"

#include <iosfwd>
#include <string>

namespace touchpoint::server {

struct DoctorInput {
    std::string config_path;                 // "" when no file was read
    Status config = Status::success();       // how reading it went
    ServeOptions options;                    // the file and the flags merged
};

// One line per check on `out`, "OK   name: ..." or "FAIL name: ... - what to do",
// then a summary. Returns 0 when every check passed, 1 otherwise.
int run_doctor(const DoctorInput& input, std::ostream& out);

} // namespace touchpoint::server
