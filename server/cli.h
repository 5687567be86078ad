#pragma once
// The touchpoint-server command line: serving the API, and the admin
// subcommands (stores, touch points, enrolment codes, API keys, revocation).
#include <iosfwd>
#include <string>
#include <vector>

namespace touchpoint::server {

// Runs the command line; returns the process exit code. Serving blocks until
// SIGINT or SIGTERM. Normal output goes to `out`, errors and notes to `err`.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The configuration file's keys: one per serving option of the command line
// ("max_body_bytes" for --max-body-bytes), in the order --help lists them.
std::vector<std::string> serve_config_keys();

} // namespace touchpoint::server
