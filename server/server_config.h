#pragma once
// The server's options and its configuration file. Every serving option of
// the command line has a key of the same name in the TOML file, without the
// dashes and with underscores (--max-body-bytes: max_body_bytes;
// --trusted-proxy, repeatable: trusted_proxy = ["10.0.0.1"]; --access-log, a
// flag: access_log = true). An option given on the command line overrides
// the file's key; the file overrides the built-in default.
#include "core/result.h"
#include "server/http_server.h"
#include "server/web_page.h"

#include <cstddef>
#include <string>
#include <vector>

namespace CLI {
class Option;
}

namespace touchpoint::server {

// Where the packaged unit keeps the configuration. Read when present and no
// --config is given; a missing default file is not an error (an explicit
// --config that is missing is).
inline constexpr const char* k_default_config_path = "/etc/touchpoint/server.toml";

struct ServeOptions {
    std::string db = "sqlite:touchpoint-server.db";
    std::string listen = "127.0.0.1:8080";
    std::string tls_cert;
    std::string tls_key;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_batch = 500;
    double rate = 10;
    double burst = 20;
    // Transport: workers, deadlines, limits (seconds here, milliseconds there).
    HttpServerOptions http;
    double header_timeout_s = 10, idle_timeout_s = 75, write_timeout_s = 30,
           shutdown_grace_s = 10;
    bool access_log = false;
    int retention_days = 0; // 0: keep responses forever
    double heartbeat_interval_s = 180;
    WebPageOptions web_page = default_web_page_options();
};

// "--max-body-bytes" -> "max_body_bytes".
std::string config_key(const CLI::Option& option);

// Gives each key of the TOML text to the command-line option of the same
// name, converted and checked as the command line would be (type, range,
// existing file). Options already given on the command line keep their
// value (the key's type is still checked). An unknown key, a wrong type or a
// value out of range is an error naming the file and the key:
// "server.toml: max_body_bytes: out of range: ...". `origin` names the file.
Status apply_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<CLI::Option*>& options);

// The same, from a file; an error when it cannot be read.
Status apply_config_file(const std::string& path, const std::vector<CLI::Option*>& options);

// "HOST:PORT", "[::1]:PORT" or ":PORT" (all addresses).
bool parse_listen(const std::string& text, std::string& host, int& port);

} // namespace touchpoint::server
