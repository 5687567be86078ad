#include "server/http_server.h"

#include <httplib.h>

#include <iostream>
#include <memory>

#include <sys/socket.h>

namespace touchpoint::server {

struct HttpServer::Impl {
    Api& api;
    HttpServerOptions options;
    std::unique_ptr<httplib::Server> server;
    int port = 0;
    bool bound = false;
};

namespace {

// Pending connections the kernel queues before the server accepts them.
constexpr int k_listen_backlog = 512;

// Answers httplib's own errors (a body over the limit, an unparsable request)
// in the JSON error shape; our handlers always fill the body themselves.
void fill_error(const httplib::Request&, httplib::Response& res, std::size_t max_body) {
    if (!res.body.empty()) return;
    ApiError e;
    e.status = res.status;
    switch (res.status) {
    case 413:
        e.code = "body_too_large";
        e.message = "the body is larger than " + std::to_string(max_body) + " bytes";
        break;
    case 414:
        e.code = "uri_too_long";
        e.message = "the request URI is too long";
        break;
    case 404:
        e.code = "not_found";
        e.message = "no such endpoint (see docs/api.md for API v1)";
        break;
    case 400:
        e.code = "bad_request";
        e.message = "the HTTP request could not be read";
        break;
    case 500:
        e.code = "internal_error";
        e.message = "unexpected server error";
        break;
    default:
        e.code = "http_error";
        e.message = "HTTP error " + std::to_string(res.status);
        break;
    }
    res.set_content(error_body(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

} // namespace

HttpServer::HttpServer(Api& api, HttpServerOptions options)
    : m_impl(new Impl{api, std::move(options), nullptr}) {}

HttpServer::~HttpServer() {
    stop();
}

Status HttpServer::bind() {
    Impl& im = *m_impl;
    const HttpServerOptions& o = im.options;
    if (o.tls_cert.empty() != o.tls_key.empty())
        return Status::failure("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
    if (!o.tls_cert.empty()) {
        auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
        if (!ssl->is_valid())
            return Status::failure("cannot load the TLS certificate \"" + o.tls_cert +
                                   "\" and key \"" + o.tls_key +
                                   "\" (missing, unreadable, not PEM, or not a matching pair)");
        im.server = std::move(ssl);
    } else {
        im.server = std::make_unique<httplib::Server>();
    }
    httplib::Server& svr = *im.server;
    const int threads = std::max(1, o.threads);
    svr.new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    svr.set_payload_max_length(o.max_body_bytes);
    // A response goes out as headers then body; with Nagle's algorithm the
    // body waits for the client's delayed ACK of the headers (tens of ms a
    // request on loopback).
    svr.set_tcp_nodelay(true);
    // cpp-httplib listens with a backlog of 5 (fixed when the library was
    // built): a fleet reconnecting at once after an outage overflows it and
    // has connections cut. Keep the listening socket to raise it after bind.
    auto listening = std::make_shared<int>(-1);
    svr.set_socket_options([listening](socket_t sock) {
        httplib::default_socket_options(sock);
        *listening = sock;
    });

    Api& api = im.api;
    const bool log = o.access_log;
    auto handler = [&api, log](const httplib::Request& req, httplib::Response& res) {
        ApiRequest a;
        a.method = req.method;
        a.path = req.path;
        for (const auto& [k, v] : req.params)
            a.query.emplace(k, v);
        a.authorization = req.get_header_value("Authorization");
        a.content_type = req.get_header_value("Content-Type");
        a.if_none_match = req.get_header_value("If-None-Match");
        a.remote_addr = req.remote_addr;
        a.body = req.body;
        ApiResponse r = api.handle(a);
        res.status = r.status;
        for (const auto& [k, v] : r.headers)
            res.set_header(k, v);
        if (r.stream) {
            // Chunked: each step of the stream is written as it is made, so an
            // export of any size holds one page in memory.
            BodyStream stream = std::move(r.stream);
            res.set_chunked_content_provider(
                r.content_type, [stream](std::size_t, httplib::DataSink& sink) {
                    std::string piece;
                    bool done = false;
                    if (!stream(piece, done)) return false;
                    if (!piece.empty() && !sink.write(piece.data(), piece.size())) return false;
                    if (done) sink.done();
                    return true;
                });
        } else if (!r.body.empty()) {
            res.set_content(r.body, r.content_type);
        }
        if (log)
            std::cerr << req.remote_addr << " " << req.method << " " << req.path << " " << r.status
                      << "\n";
    };
    register_dashboard(svr, o.dashboard); // before the catch-all below
    const char* any = ".*";
    svr.Get(any, handler);
    svr.Post(any, handler);
    svr.Put(any, handler);
    svr.Patch(any, handler);
    svr.Delete(any, handler);
    svr.Options(any, handler);
    const std::size_t max_body = o.max_body_bytes;
    svr.set_error_handler([max_body](const httplib::Request& req, httplib::Response& res) {
        fill_error(req, res, max_body);
    });
    svr.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            res.status = 500;
            res.set_content(error_body({500, "internal_error", "unexpected server error"}).dump(),
                            "application/json");
        });

    if (o.port == 0) {
        im.port = svr.bind_to_any_port(o.host);
        if (im.port <= 0) return Status::failure("cannot listen on " + o.host + " (any port)");
    } else {
        if (!svr.bind_to_port(o.host, o.port))
            return Status::failure("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                   " (address in use, not local, or not permitted)");
        im.port = o.port;
    }
    // On Linux listen() again on a listening socket only changes its backlog
    // (capped by net.core.somaxconn); a failure leaves the small one.
    if (*listening >= 0) ::listen(*listening, k_listen_backlog);
    im.bound = true;
    return Status::success();
}

int HttpServer::port() const {
    return m_impl->port;
}

bool HttpServer::tls() const {
    return !m_impl->options.tls_cert.empty();
}

Status HttpServer::run() {
    if (!m_impl->bound) return Status::failure("the server is not bound (call bind() first)");
    if (!m_impl->server->listen_after_bind())
        return Status::failure("the server stopped listening unexpectedly");
    return Status::success();
}

void HttpServer::stop() {
    if (m_impl && m_impl->server) m_impl->server->stop();
}

} // namespace touchpoint::server
