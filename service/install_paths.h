#pragma once
// Where the running binary finds its data (surveys, translations, the sample
// kiosk config, the web dashboard's page): the same layout wherever it is.
//
//   1. $TOUCHPOINT_ASSETS, when set (callers let their own flags win over
//      what this returns);
//   2. installed: <folder of the binary>/../share/touchpoint, e.g.
//      /usr/bin/touchpoint-kiosk -> /usr/share/touchpoint;
//   3. a build tree: the folder named by the marker file
//      `touchpoint-source-assets` (one line, a path) that the build writes
//      beside its binaries; it is looked for in the binary's folder and the
//      two above it. The marker is never installed, so no path of the build
//      machine is compiled into a binary or shipped.
//
// Thread-safe (reads the environment and the file system only).
#include "core/result.h"

#include <string>

namespace touchpoint::service {

// The marker's file name.
inline constexpr const char* k_source_assets_marker = "touchpoint-source-assets";

// The folder holding the running executable (from /proc/self/exe); empty
// when it cannot be read.
std::string executable_dir();

// The lookup above with its inputs given: `env_value` stands for
// $TOUCHPOINT_ASSETS ("" = unset), `exe_dir` for the binary's folder. An
// error says in plain words what was looked for.
Result<std::string> find_data_dir(const std::string& env_value, const std::string& exe_dir);

// The lookup for the running binary.
Result<std::string> data_dir();

} // namespace touchpoint::service
