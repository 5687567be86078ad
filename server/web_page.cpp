#include "server/web_page.h"

#include "server/api_error.h"
#include "service/install_paths.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#ifndef TOUCHPOINT_CHART_JS
#define TOUCHPOINT_CHART_JS "/usr/share/javascript/chart.js/chart.min.js"
#endif

namespace touchpoint::server {

namespace {

// Only this server: no CDN, no inline script, no framing. 'unsafe-inline'
// is not needed for styles either: the page sets styles through the CSSOM
// (element.style), which a policy does not restrict.
constexpr const char* k_csp = "default-src 'none'; script-src 'self'; style-src 'self'; "
                              "img-src 'self' data: blob:; connect-src 'self'; "
                              "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct StaticFile {
    const char* route; // the request path
    const char* name;  // under the web root; empty for Chart.js
    const char* content_type;
};

constexpr StaticFile k_files[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
    {"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
    {"/vendor/chart.js", "", "text/javascript; charset=utf-8"},
};

bool read_whole_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream os;
    os << in.rdbuf();
    if (in.bad()) return false;
    out = os.str();
    return true;
}

bool is_readable_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    return std::ifstream(path, std::ios::binary).good();
}

std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

void set_security_headers(ApiResponse& res) {
    res.headers.emplace_back("Content-Security-Policy", k_csp);
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    // The page is small and changes with the server; the key never lands in
    // a cache because only the API answers carry data, and those are fetched
    // with the Authorization header.
    res.headers.emplace_back("Cache-Control", "no-cache");
}

} // namespace

WebPageOptions default_web_page_options() {
    // web/ in the data dir: /usr/share/touchpoint/web when installed, the
    // source tree's assets/web in a build tree. Without a data dir the root
    // stays empty and web_page_warnings() says the page is not served.
    auto data = service::data_dir();
    return {data ? *data + "/web" : std::string(), TOUCHPOINT_CHART_JS};
}

std::vector<std::string> web_page_warnings(const WebPageOptions& options) {
    std::vector<std::string> out;
    std::string missing;
    if (options.web_root.empty()) {
        out.push_back("the web dashboard is not served: no web root (Touchpoint's data folder "
                      "was not found; set --web-root to the folder holding the page)");
    } else {
        for (const char* name : {"index.html", "dashboard.js", "dashboard.css"})
            if (!is_readable_file(join(options.web_root, name)))
                missing += (missing.empty() ? "" : ", ") + std::string(name);
    }
    if (!missing.empty())
        out.push_back("the web dashboard is not served: cannot read " + missing + " in \"" +
                      options.web_root + "\" (set --web-root to the folder holding the page)");
    if (!is_readable_file(options.chart_js))
        out.push_back("Chart.js not found at " + options.chart_js +
                      ": the web dashboard shows its figures as tables, without charts "
                      "(install libjs-chart.js or pass --chart-js FILE)");
    return out;
}

std::optional<ApiResponse> web_page_file(const WebPageOptions& options, const std::string& path) {
    for (const StaticFile& f : k_files) {
        if (path != f.route) continue;
        const std::string file = *f.name ? join(options.web_root, f.name) : options.chart_js;
        ApiResponse res;
        set_security_headers(res);
        if ((*f.name && options.web_root.empty()) || !read_whole_file(file, res.body)) {
            const ApiError e{404, "not_found",
                             path + " is not installed on this server (" + file +
                                 " cannot be read)"};
            res.status = 404;
            res.content_type = "application/json";
            res.body = error_body(e).dump();
            return res;
        }
        res.status = 200;
        res.content_type = f.content_type;
        return res;
    }
    return std::nullopt;
}

} // namespace touchpoint::server
