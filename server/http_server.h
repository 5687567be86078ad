#pragma once
// Serves an Api over HTTP or HTTPS (cpp-httplib; SSLServer when a certificate
// and key are given). Bodies larger than the limit are refused with 413
// before they are read into memory; every error answers the JSON error shape.
#include "core/result.h"
#include "server/api.h"
#include "server/dashboard.h"

#include <memory>
#include <string>

namespace touchpoint::server {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;      // 0: any free port (see HttpServer::port)
    std::string tls_cert; // PEM certificate (chain); both or neither
    std::string tls_key;  // PEM private key
    std::size_t max_body_bytes = 1024 * 1024;
    int threads = 8;
    bool access_log = false; // one line per request on stderr
    DashboardOptions dashboard = default_dashboard_options(); // the web page at /
};

class HttpServer {
  public:
    // `api` must outlive the server.
    HttpServer(Api& api, HttpServerOptions options);
    ~HttpServer(); // stops the server
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Loads the TLS files (if any) and binds the listening socket.
    Status bind();
    // The bound port (after bind()).
    int port() const;
    bool tls() const;
    // Serves until stop(); call after bind(), usually on its own thread.
    Status run();
    // Thread-safe; run() returns soon after.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace touchpoint::server
