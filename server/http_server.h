#pragma once
// Serves an Api over HTTP/1.1 or HTTPS: an event-driven transport
// (Boost.Beast on Boost.Asio, TLS through asio::ssl and OpenSSL).
//
// A few I/O threads hold every connection; an open or idle connection costs
// memory, never a thread. API handlers (which block on SQLite or libpq) run
// on a bounded worker pool; when its queue is full a request is answered 503
// `overloaded` at once. Every deadline and limit below refuses with the JSON
// error shape (docs/api.md, "Connections and limits").
#include "core/result.h"
#include "server/api.h"
#include "server/web_page.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace touchpoint::server {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;      // 0: any free port (see HttpServer::port)
    std::string tls_cert; // PEM certificate (chain); both or neither
    std::string tls_key;  // PEM private key
    std::size_t max_body_bytes = 1024 * 1024;
    int io_threads = 0;   // 0: from the core count (1 to 4)
    int workers = 0;      // 0: from the core count
    int worker_queue = 0; // jobs waiting for a worker before 503; 0: 64 per worker

    // Deadlines (milliseconds) and limits.
    std::int64_t header_timeout_ms = 10'000; // the whole header block, from its first byte
    std::int64_t body_grace_ms = 10'000;     // a body may start slowly this long...
    std::size_t min_body_rate = 1024;        // ...then must average this many bytes/s
    std::int64_t idle_timeout_ms = 75'000;   // keep-alive connection with no request
    std::int64_t write_timeout_ms = 30'000;  // a write making no progress
    std::size_t max_header_bytes = 16 * 1024; // request line and header fields
    std::size_t max_headers = 100;
    std::size_t max_connections = 16384;
    std::size_t max_connections_per_address = 256;
    // Connections from these addresses (a load balancer) give the client's
    // address in X-Forwarded-For and are not held to the per-address cap.
    std::vector<std::string> trusted_proxies;
    std::int64_t shutdown_grace_ms = 10'000; // stop(): in-flight requests get this long

    bool access_log = false; // one line per request on stderr
    WebPageOptions web_page = default_web_page_options(); // the web page at /
    // Test seam: runs on the worker before each request is handled.
    std::function<void()> before_handle;
};

// The defaults taken from the core count.
int default_io_threads();
int default_workers();

class HttpServer {
  public:
    // `api` must outlive the server.
    HttpServer(Api& api, HttpServerOptions options);
    ~HttpServer(); // stops the server
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Loads the TLS files (if any) and binds the listening socket. A busy
    // address is refused (no port sharing).
    Status bind();
    // The bound port (after bind()).
    int port() const;
    bool tls() const;
    // Serves until stop(); call after bind(), usually on its own thread.
    // Returns once every connection has closed or the shutdown grace ran out.
    Status run();
    // Thread-safe: stop accepting, close idle connections, let in-flight
    // requests finish and be answered (bounded), then run() returns.
    void stop();
    // Thread-safe: loads the certificate and key again. New connections use
    // them; open ones keep theirs. On failure the old ones stay.
    Status reload_tls();

    // Open connections now (for tests and /metrics).
    std::size_t connections() const;

    struct Impl; // the transport's state, in http_server.cpp

  private:
    std::shared_ptr<Impl> m_impl;
};

} // namespace touchpoint::server
