#pragma once
// The head-office web dashboard: a static page (index.html, dashboard.js,
// dashboard.css from a web root) and Chart.js from the file Debian's
// libjs-chart.js installs. The page signs in with an API key and reads the
// head-office API from the browser; the server only hands out the files.
//
// Every file is answered with its Content-Type, no-cache, nosniff and a
// Content-Security-Policy that allows this server's own scripts, styles and
// API and nothing from anywhere else.
#include "server/api.h"

#include <optional>
#include <string>
#include <vector>

namespace touchpoint::server {

struct WebPageOptions {
    std::string web_root; // holds index.html, dashboard.js, dashboard.css
    std::string chart_js; // Chart.js 3 UMD build, served as /vendor/chart.js
};

// The defaults: web/ in the data dir (service::data_dir(): $TOUCHPOINT_ASSETS,
// the installed /usr/share/touchpoint, or a build tree's source assets) and
// Debian's chart.min.js (settable at build time: TOUCHPOINT_CHART_JS).
WebPageOptions default_web_page_options();

// What is missing, in plain words, for a warning at start-up: an empty list
// when the page and Chart.js are all there. Without Chart.js the page still
// works and shows its figures as tables.
std::vector<std::string> web_page_warnings(const WebPageOptions& options);

// The answer to GET `path` when it is one of the page's files: / (and
// /index.html), /dashboard.js, /dashboard.css and /vendor/chart.js; nothing
// for any other path (the API answers those). Files are read when asked for,
// so a missing one answers 404 and an edited one is served at once.
std::optional<ApiResponse> web_page_file(const WebPageOptions& options, const std::string& path);

} // namespace touchpoint::server
