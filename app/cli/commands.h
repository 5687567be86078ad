#pragma once
// touchpoint-kiosk's subcommands, one file each; each returns the process's
// exit code and says what went wrong on stderr.
#include "app/cli/command_line.h"

namespace touchpoint::cli {

// `export`: the local responses to stdout (CSV or JSON lines).
int run_export(Options& opt);
// `enroll`: turns a one-time code into a device token, caches the server's
// configuration, and records the enrolment in the device identity.
int run_enroll(Options& opt);
// `doctor`: plain-words checks before a start (app/kiosk_doctor.h).
int run_doctor(Options& opt);
// `hash-pin`: reads a PIN on stdin, prints its Argon2id hash.
int run_hash_pin();
// `stop`: asks the running kiosk of this user to end, and waits for it.
int run_stop(double timeout_s);

} // namespace touchpoint::cli
