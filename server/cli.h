#pragma once
// The touchpoint-server command line: serving the API, and the admin
// subcommands (stores, touch points, enrolment codes, API keys, revocation).
#include <iosfwd>

namespace touchpoint::server {

// Runs the command line; returns the process exit code. Serving blocks until
// SIGINT or SIGTERM. Normal output goes to `out`, errors and notes to `err`.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace touchpoint::server
