// The server's HTTP/1.1 transport on Boost.Beast and Boost.Asio. This is the
// one translation unit that includes Beast (it compiles slowly).
//
// Each connection is a Session on its own strand: it waits for a request
// without a buffer, reads the header block against its deadline, checks the
// limits, reads the body against a minimum rate, hands the request to the
// worker pool and writes the answer back. One timer per connection carries
// whichever deadline applies to the current phase.
#include "server/http_server.h"

#include "server/api_error.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

namespace touchpoint::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// Pending connections the kernel queues before the server accepts them: a
// fleet reconnecting at once after an outage is queued rather than cut.
constexpr int k_listen_backlog = 4096;
// After an error answer the connection reads and discards what the client
// still sends for this long, so the answer is not lost to a reset.
constexpr std::int64_t k_linger_ms = 2000;

std::string error_json(int status, const std::string& code, const std::string& message) {
    return error_body({status, code, message})
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// --- Worker pool: a fixed set of threads and a bounded queue ---

class WorkerPool {
  public:
    using Job = std::function<void()>;

    void start(int workers, std::size_t capacity) {
        m_capacity = capacity;
        for (int i = 0; i < workers; ++i)
            m_threads.emplace_back([this] { work(); });
    }
    ~WorkerPool() { stop(); }

    // A new request: refused when the queue is full.
    bool try_post(Job job) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_stopping || m_queue.size() >= m_capacity) return false;
        m_queue.push_back(std::move(job));
        m_wake.notify_one();
        return true;
    }
    // The next step of work already admitted (a streamed answer): never
    // refused, so an admitted answer is never cut for load.
    void post(Job job) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_stopping) return;
        m_queue.push_front(std::move(job));
        m_wake.notify_one();
    }
    // Finishes the jobs running now, drops the queued ones, joins.
    void stop() {
        std::deque<Job> dropped;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stopping = true;
            dropped.swap(m_queue);
            m_wake.notify_all();
        }
        for (std::thread& t : m_threads)
            if (t.joinable()) t.join();
        m_threads.clear();
    }

  private:
    void work() {
        for (;;) {
            Job job;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
                if (m_stopping) return;
                job = std::move(m_queue.front());
                m_queue.pop_front();
            }
            job();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    std::size_t m_capacity = 0;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

// --- Request decoding ---

std::string_view view(beast::string_view s) {
    return {s.data(), s.size()};
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding; '+' is a space in a query. A malformed escape stays as
// it was written.
std::string url_decode(std::string_view in, bool plus_is_space) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%' && i + 2 < in.size()) {
            const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

void split_target(std::string_view target, ApiRequest& out) {
    const auto q = target.find('?');
    out.path = url_decode(target.substr(0, q), false);
    if (q == std::string_view::npos) return;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        std::string key = url_decode(pair.substr(0, eq), true);
        std::string value =
            eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
        out.query.emplace(std::move(key), std::move(value)); // the first of a repeated name
    }
}

// The last address of X-Forwarded-For: the one the trusted proxy added.
std::string forwarded_for(std::string_view header) {
    const auto comma = header.rfind(',');
    std::string_view last = comma == std::string_view::npos ? header : header.substr(comma + 1);
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t'))
        last.remove_prefix(1);
    while (!last.empty() && (last.back() == ' ' || last.back() == '\t'))
        last.remove_suffix(1);
    return std::string(last);
}

Result<std::shared_ptr<ssl::context>> load_tls(const std::string& cert, const std::string& key) {
    const std::string what = "cannot load the TLS certificate \"" + cert + "\" and key \"" + key +
                             "\" (missing, unreadable, not PEM, or not a matching pair)";
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) return Error{what + ": " + ec.message()};
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return Error{what + ": " + ec.message()};
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) return Error{what};
    // An idle TLS connection keeps no read or write buffer.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

} // namespace

int default_io_threads() {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::clamp(cores / 2, 1, 4);
}

int default_workers() {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::clamp(cores * 4, 4, 32);
}

class SessionBase {
  public:
    virtual ~SessionBase() = default;
    // Thread-safe: closes the connection (on its strand) if no request is
    // under way.
    virtual void close_if_idle() = 0;
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(Api& a, HttpServerOptions o) : api(a), options(std::move(o)) {}

    Api& api;
    HttpServerOptions options;
    int port = 0;
    bool bound = false;
    std::atomic<bool> ran{false};
    std::atomic<bool> draining{false};

    std::mutex tls_mutex;
    std::shared_ptr<ssl::context> tls; // null: plain HTTP

    // Open connections: overall, per client address, and the sessions to
    // close when stopping.
    mutable std::mutex conn_mutex;
    std::size_t open = 0;
    std::unordered_map<std::string, std::size_t> per_address;
    std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
    std::set<std::string> trusted;

    WorkerPool pool;
    std::size_t workers = 1;

    // Declared after everything a session touches when it is destroyed: the
    // context goes first and takes every pending handler with it.
    asio::io_context ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::optional<tcp::acceptor> acceptor;
    std::optional<asio::steady_timer> accept_retry;
    std::optional<asio::steady_timer> drain_timer;
    std::atomic<bool> finished{false};

    std::shared_ptr<ssl::context> current_tls() {
        std::lock_guard<std::mutex> lock(tls_mutex);
        return tls;
    }

    void accept();
    void on_accept(const error_code& ec, tcp::socket socket);
    void refuse(tcp::socket socket, int status, const std::string& message);
    void begin_drain();
    void finish();
    void session_closed(SessionBase* s, const std::string& address, bool counted);
};

namespace {

enum class Phase { Handshake, Idle, Header, Body, Handling, Writing, Lingering, Closed };

template <class Stream> class Session : public SessionBase,
                                        public std::enable_shared_from_this<Session<Stream>> {
  public:
    template <class... Args>
    Session(std::shared_ptr<HttpServer::Impl> server, std::string address, bool trusted,
            bool counted, Args&&... stream_args)
        : m_server(std::move(server)), m_stream(std::forward<Args>(stream_args)...),
          m_timer(m_stream.get_executor()), m_address(std::move(address)), m_trusted(trusted),
          m_counted(counted) {}

    ~Session() override { m_server->session_closed(this, m_address, m_counted); }

    void start() {
        if constexpr (k_tls) {
            m_phase = Phase::Handshake;
            arm(m_server->options.header_timeout_ms);
            m_stream.async_handshake(ssl::stream_base::server,
                                     [self = this->shared_from_this()](const error_code& ec) {
                                         if (ec) return self->close_now();
                                         self->wait_request();
                                     });
        } else {
            wait_request();
        }
    }

    // Answers at once and closes (a refused connection).
    void refuse(int status, const std::string& code, const std::string& message) {
        write_error(status, code, message);
    }

    void close_if_idle() override {
        asio::post(m_stream.get_executor(), [self = this->shared_from_this()] {
            if (self->m_phase == Phase::Idle || self->m_phase == Phase::Handshake)
                self->close_now();
        });
    }

    // A TLS session keeps the context it was made with (a reload makes a new one).
    void hold_context(std::shared_ptr<ssl::context> context) { m_context = std::move(context); }

  private:
    static constexpr bool k_tls = !std::is_same_v<Stream, tcp::socket>;

    tcp::socket& socket() { return beast::get_lowest_layer(m_stream); }
    const HttpServerOptions& options() const { return m_server->options; }

    // The one timer: a deadline for the current phase. A later arm() or
    // disarm() outdates the earlier wait.
    void arm(std::int64_t ms) {
        const std::uint64_t generation = ++m_timer_generation;
        m_timer.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(ms, 1)));
        m_timer.async_wait(
            [self = this->shared_from_this(), generation](const error_code& ec) {
                if (ec || generation != self->m_timer_generation) return;
                self->on_deadline();
            });
    }
    void disarm() {
        ++m_timer_generation;
        m_timer.cancel();
    }

    void on_deadline() {
        if (m_phase == Phase::Header || m_phase == Phase::Body) {
            // The read in progress ends with operation_aborted; its handler
            // answers 408.
            m_timed_out = true;
            error_code ignored;
            socket().cancel(ignored);
            return;
        }
        close_now();
    }

    // --- Waiting for a request: no buffer is held meanwhile ---

    void wait_request() {
        if (m_server->draining) return close_now();
        m_phase = Phase::Idle;
        bool pending = m_buffer.size() > 0;
        // A TLS request can be in hand already without the socket ever
        // becoming readable again: decrypted in OpenSSL's buffer
        // (SSL_pending), or still encrypted in the BIO that asio's stream
        // feeds OpenSSL from, read off the socket together with the
        // handshake's last message or the previous request.
        if constexpr (k_tls) {
            SSL* ssl = m_stream.native_handle();
            pending = pending || SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
        }
        if (pending) return read_header();
        if (m_buffer.capacity() > 0) m_buffer = beast::flat_buffer();
        arm(options().idle_timeout_ms);
        socket().async_wait(tcp::socket::wait_read,
                            [self = this->shared_from_this()](const error_code& ec) {
                                if (ec || self->m_phase != Phase::Idle) return self->close_now();
                                self->read_header();
                            });
    }

    void read_header() {
        m_phase = Phase::Header;
        m_timed_out = false;
        m_parser.emplace();
        m_parser->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
        m_parser->body_limit(options().max_body_bytes);
        arm(options().header_timeout_ms);
        http::async_read_header(
            m_stream, m_buffer, *m_parser,
            [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                self->on_header(ec);
            });
    }

    void on_header(const error_code& ec) {
        if (ec) {
            if (m_timed_out)
                return write_error(408, "request_timeout",
                                   "the request headers did not arrive within " +
                                       seconds(options().header_timeout_ms));
            if (ec == http::error::header_limit) return headers_too_large();
            if (ec == http::error::body_limit) return body_too_large();
            if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                ec == ssl::error::stream_truncated)
                return close_now();
            return write_error(400, "bad_request",
                               "the HTTP request could not be read (" + ec.message() + ")");
        }
        const auto& req = m_parser->get();
        const std::size_t fields =
            static_cast<std::size_t>(std::distance(req.begin(), req.end()));
        if (fields > options().max_headers) return headers_too_large();
        // Over the limit before a byte of the body is read.
        if (const auto length = m_parser->content_length();
            length && *length > options().max_body_bytes)
            return body_too_large();
        if (m_parser->is_done()) return dispatch();
        m_phase = Phase::Body;
        m_body_start = std::chrono::steady_clock::now();
        m_body_bytes = 0;
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            // The client waits for this before it sends the body.
            m_continue = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
            arm(options().write_timeout_ms);
            asio::async_write(m_stream, asio::buffer(*m_continue),
                              [self = this->shared_from_this()](const error_code& e, std::size_t) {
                                  self->m_continue.reset();
                                  if (e) return self->close_now();
                                  self->read_body();
                              });
            return;
        }
        read_body();
    }

    // The body may start slowly for body_grace_ms; from then on it must have
    // averaged min_body_rate bytes a second: each byte read buys time.
    void arm_body_deadline() {
        const auto& o = options();
        std::int64_t allowed_ms = o.body_grace_ms;
        if (o.min_body_rate > 0)
            allowed_ms += static_cast<std::int64_t>(m_body_bytes * 1000 / o.min_body_rate);
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - m_body_start)
                                 .count();
        arm(allowed_ms - elapsed);
    }

    void read_body() {
        m_phase = Phase::Body;
        arm_body_deadline();
        http::async_read_some(
            m_stream, m_buffer, *m_parser,
            [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                self->on_body(ec, n);
            });
    }

    void on_body(const error_code& ec, std::size_t n) {
        m_body_bytes += n;
        if (ec) {
            if (m_timed_out)
                return write_error(408, "request_timeout",
                                   "the request body arrived slower than " +
                                       std::to_string(options().min_body_rate) + " bytes/s");
            if (ec == http::error::body_limit) return body_too_large();
            if (ec == http::error::end_of_stream || ec == asio::error::eof ||
                ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                ec == ssl::error::stream_truncated)
                return close_now();
            return write_error(400, "bad_request",
                               "the HTTP request body could not be read (" + ec.message() + ")");
        }
        if (!m_parser->is_done()) return read_body();
        dispatch();
    }

    void headers_too_large() {
        write_error(431, "headers_too_large",
                    "the request headers are larger than " +
                        std::to_string(options().max_header_bytes) + " bytes or more than " +
                        std::to_string(options().max_headers) + " fields");
    }
    void body_too_large() {
        write_error(413, "body_too_large",
                    "the body is larger than " + std::to_string(options().max_body_bytes) +
                        " bytes");
    }
    static std::string seconds(std::int64_t ms) {
        const std::int64_t whole = ms / 1000, tenths = (ms % 1000) / 100;
        return std::to_string(whole) + (tenths ? "." + std::to_string(tenths) : "") + " s";
    }

    // --- Handling: on the worker pool ---

    void dispatch() {
        disarm();
        m_phase = Phase::Handling;
        auto& req = m_parser->get();
        auto request = std::make_shared<ApiRequest>();
        request->method = std::string(req.method_string());
        split_target(view(req.target()), *request);
        request->authorization = std::string(req[http::field::authorization]);
        request->content_type = std::string(req[http::field::content_type]);
        request->if_none_match = std::string(req[http::field::if_none_match]);
        request->remote_addr = m_address;
        if (m_trusted) {
            const auto xff = req["X-Forwarded-For"];
            if (!xff.empty()) request->remote_addr = forwarded_for(view(xff));
        }
        request->body = std::move(req.body());
        m_keep_alive = req.keep_alive();
        m_version = req.version();
        m_head = req.method() == http::verb::head;
        m_parser.reset();
        if (m_buffer.size() == 0 && m_buffer.capacity() > 0) m_buffer = beast::flat_buffer();

        auto self = this->shared_from_this();
        HttpServer::Impl& server = *m_server;
        const bool admitted = server.pool.try_post([self, request, &server] {
            if (server.options.before_handle) server.options.before_handle();
            ApiResponse r = handle(server, *request);
            asio::post(self->m_stream.get_executor(), [self, request, r = std::move(r)]() mutable {
                self->write_answer(*request, std::move(r));
            });
        });
        if (!admitted) {
            ApiResponse busy = error_response(
                {503, "overloaded", "the server is busy; try again in a second"});
            busy.headers.emplace_back("Retry-After", "1");
            write_answer(*request, std::move(busy));
        }
    }

    static ApiResponse handle(HttpServer::Impl& server, ApiRequest& request) {
        ApiRequest& r = request;
        const bool get = r.method == "GET" || r.method == "HEAD";
        if (get)
            if (auto file = web_page_file(server.options.web_page, r.path)) return *file;
        if (r.method == "HEAD") {
            r.method = "GET";
            ApiResponse a = server.api.handle(r);
            r.method = "HEAD";
            return a;
        }
        return server.api.handle(r);
    }

    // --- Writing the answer ---

    void write_answer(const ApiRequest& request, ApiResponse r) {
        m_phase = Phase::Writing;
        const bool keep = m_keep_alive && !m_server->draining;
        if (options().access_log)
            std::cerr << (request.remote_addr + " " + request.method + " " + request.path + " " +
                          std::to_string(r.status) + "\n");
        if (r.stream && !m_head) return write_stream(std::move(r), keep);
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(m_version);
        res->result(static_cast<unsigned>(r.status));
        for (const auto& [k, v] : r.headers)
            res->insert(k, v);
        if (!r.body.empty() || r.status != 304) res->set(http::field::content_type, r.content_type);
        res->keep_alive(keep);
        if (m_head) {
            res->content_length(r.body.size());
        } else {
            res->body() = std::move(r.body);
            res->prepare_payload();
        }
        m_answer = res;
        arm(options().write_timeout_ms);
        http::async_write(m_stream, *res,
                          [self = this->shared_from_this(), keep](const error_code& ec,
                                                                  std::size_t) {
                              self->m_answer.reset();
                              if (ec) return self->close_now();
                              self->after_answer(keep);
                          });
    }

    void after_answer(bool keep) {
        disarm();
        if (keep && !m_server->draining) return wait_request();
        shutdown_send();
        close_now();
    }

    // A streamed answer (an export): chunked; the next piece is made on a
    // worker only once the previous one was written, so a slow reader holds
    // one piece in memory, never the export.
    void write_stream(ApiResponse r, bool keep) {
        auto res = std::make_shared<http::response<http::empty_body>>();
        res->version(m_version);
        res->result(static_cast<unsigned>(r.status));
        for (const auto& [k, v] : r.headers)
            res->insert(k, v);
        res->set(http::field::content_type, r.content_type);
        res->keep_alive(keep);
        res->chunked(true);
        auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*res);
        m_body_stream = std::move(r.stream);
        arm(options().write_timeout_ms);
        http::async_write_header(
            m_stream, *serializer,
            [self = this->shared_from_this(), res, serializer, keep](const error_code& ec,
                                                                     std::size_t) {
                if (ec) return self->close_now();
                self->next_piece(keep);
            });
    }

    void next_piece(bool keep) {
        disarm();
        auto self = this->shared_from_this();
        m_server->pool.post([self, keep] {
            auto piece = std::make_shared<std::string>();
            bool done = false;
            const Status st = self->m_body_stream(*piece, done);
            asio::post(self->m_stream.get_executor(), [self, piece, done, ok = bool(st), keep] {
                self->write_piece(piece, done, ok, keep);
            });
        });
    }

    void write_piece(const std::shared_ptr<std::string>& piece, bool done, bool ok, bool keep) {
        if (!ok) return close_now(); // cut short: no final chunk, the client sees it
        if (m_server->draining) keep = false;
        if (piece->empty() && !done) return next_piece(keep);
        arm(options().write_timeout_ms);
        auto after = [self = this->shared_from_this(), piece, done, keep](const error_code& ec,
                                                                          std::size_t) {
            if (ec) return self->close_now();
            if (!done) return self->next_piece(keep);
            self->m_body_stream = nullptr;
            self->after_answer(keep);
        };
        if (!done)
            asio::async_write(m_stream, http::make_chunk(asio::buffer(*piece)), std::move(after));
        else if (piece->empty())
            asio::async_write(m_stream, http::make_chunk_last(), std::move(after));
        else
            write_last(piece, std::move(after));
    }

    template <class Handler>
    void write_last(const std::shared_ptr<std::string>& piece, Handler&& after) {
        auto self = this->shared_from_this();
        asio::async_write(
            m_stream, http::make_chunk(asio::buffer(*piece)),
            [self, piece, after = std::forward<Handler>(after)](const error_code& ec,
                                                                std::size_t) mutable {
                if (ec) return self->close_now();
                asio::async_write(self->m_stream, http::make_chunk_last(), std::move(after));
            });
    }

    // --- Errors and closing ---

    // Answers with the JSON error shape, then closes without losing the
    // answer to a reset: the rest of what the client sends is discarded.
    void write_error(int status, const std::string& code, const std::string& message) {
        m_phase = Phase::Writing;
        disarm();
        m_parser.reset();
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(11);
        res->result(static_cast<unsigned>(status));
        res->set(http::field::content_type, "application/json");
        if (status == 503) res->set(http::field::retry_after, "1");
        res->keep_alive(false);
        res->body() = error_json(status, code, message);
        res->prepare_payload();
        m_answer = res;
        arm(options().write_timeout_ms);
        http::async_write(m_stream, *res,
                          [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                              self->m_answer.reset();
                              if (ec) return self->close_now();
                              self->linger();
                          });
    }

    void linger() {
        m_phase = Phase::Lingering;
        shutdown_send();
        m_buffer = beast::flat_buffer();
        if (!m_discard) m_discard = std::make_unique<std::array<char, 4096>>();
        arm(k_linger_ms);
        discard();
    }
    void discard() {
        socket().async_read_some(asio::buffer(*m_discard),
                                 [self = this->shared_from_this()](const error_code& ec,
                                                                   std::size_t) {
                                     if (ec || self->m_phase != Phase::Lingering)
                                         return self->close_now();
                                     self->discard();
                                 });
    }

    void shutdown_send() {
        error_code ignored;
        socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    void close_now() {
        if (m_phase == Phase::Closed) return;
        m_phase = Phase::Closed;
        disarm();
        error_code ignored;
        socket().close(ignored);
        m_parser.reset();
    }

    std::shared_ptr<HttpServer::Impl> m_server;
    Stream m_stream;
    asio::steady_timer m_timer;
    std::uint64_t m_timer_generation = 0;
    std::string m_address;
    bool m_trusted;
    bool m_counted;

    Phase m_phase = Phase::Idle;
    bool m_timed_out = false;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::chrono::steady_clock::time_point m_body_start;
    std::uint64_t m_body_bytes = 0;
    std::shared_ptr<std::string> m_continue;

    bool m_keep_alive = true;
    bool m_head = false;
    unsigned m_version = 11;
    std::shared_ptr<void> m_answer;
    BodyStream m_body_stream;
    std::unique_ptr<std::array<char, 4096>> m_discard;
    std::shared_ptr<ssl::context> m_context;
};

} // namespace

// --- Accepting and counting connections ---

void HttpServer::Impl::accept() {
    acceptor->async_accept(asio::make_strand(ioc),
                           [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                               self->on_accept(ec, std::move(socket));
                           });
}

void HttpServer::Impl::on_accept(const error_code& ec, tcp::socket socket) {
    if (!acceptor || !acceptor->is_open() || draining) return;
    if (ec) {
        // Out of file descriptors (or another passing failure): try again
        // shortly instead of spinning.
        if (ec == asio::error::operation_aborted) return;
        std::cerr << "touchpoint-server: accept: " << ec.message() << std::endl;
        accept_retry->expires_after(std::chrono::milliseconds(50));
        accept_retry->async_wait([self = shared_from_this()](const error_code& e) {
            if (!e) self->accept();
        });
        return;
    }
    accept();
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const auto remote = socket.remote_endpoint(ignored);
    std::string address = remote.address().to_string();
    if (remote.address().is_v6() && remote.address().to_v6().is_v4_mapped())
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6())
                      .to_string();
    const bool is_trusted = trusted.count(address) > 0;
    int refusal = 0;
    {
        std::lock_guard<std::mutex> lock(conn_mutex);
        if (open >= options.max_connections)
            refusal = 503;
        else if (!is_trusted && per_address[address] >= options.max_connections_per_address)
            refusal = 429;
        else {
            ++open;
            ++per_address[address];
        }
        if (refusal && per_address.count(address) && per_address[address] == 0)
            per_address.erase(address);
    }
    if (refusal) {
        const std::string message =
            refusal == 503 ? "the server has " + std::to_string(options.max_connections) +
                                 " connections open, its limit; try again shortly"
                           : "this address has " +
                                 std::to_string(options.max_connections_per_address) +
                                 " connections open, its limit";
        return refuse(std::move(socket), refusal, message);
    }
    if (auto ctx = current_tls()) {
        auto s = std::make_shared<Session<ssl::stream<tcp::socket>>>(
            shared_from_this(), address, is_trusted, true, std::move(socket), *ctx);
        {
            std::lock_guard<std::mutex> lock(conn_mutex);
            sessions.emplace(s.get(), s);
        }
        s->hold_context(ctx);
        s->start();
    } else {
        auto s = std::make_shared<Session<tcp::socket>>(shared_from_this(), address, is_trusted,
                                                        true, std::move(socket));
        {
            std::lock_guard<std::mutex> lock(conn_mutex);
            sessions.emplace(s.get(), s);
        }
        s->start();
    }
}

void HttpServer::Impl::refuse(tcp::socket socket, int status, const std::string& message) {
    if (current_tls()) return; // no answer without a handshake; the socket closes here
    auto s = std::make_shared<Session<tcp::socket>>(shared_from_this(), std::string(), false,
                                                    false, std::move(socket));
    s->refuse(status, "too_many_connections", message);
}

void HttpServer::Impl::session_closed(SessionBase* s, const std::string& address, bool counted) {
    bool last = false;
    {
        std::lock_guard<std::mutex> lock(conn_mutex);
        sessions.erase(s);
        if (counted) {
            --open;
            auto it = per_address.find(address);
            if (it != per_address.end() && --it->second == 0) per_address.erase(it);
        }
        last = open == 0 && sessions.empty();
    }
    if (last && draining) asio::post(ioc, [self = shared_from_this()] { self->finish(); });
}

void HttpServer::Impl::begin_drain() {
    if (draining.exchange(true)) return;
    error_code ignored;
    if (acceptor) acceptor->close(ignored);
    std::vector<std::shared_ptr<SessionBase>> live;
    {
        std::lock_guard<std::mutex> lock(conn_mutex);
        for (auto& [raw, weak] : sessions)
            if (auto s = weak.lock()) live.push_back(std::move(s));
    }
    if (live.empty()) return finish();
    drain_timer->expires_after(std::chrono::milliseconds(options.shutdown_grace_ms));
    drain_timer->async_wait([self = shared_from_this()](const error_code& ec) {
        if (!ec) self->finish();
    });
    for (auto& s : live)
        s->close_if_idle();
}

void HttpServer::Impl::finish() {
    if (finished.exchange(true)) return;
    guard.reset();
    ioc.stop();
}

// --- HttpServer ---

HttpServer::HttpServer(Api& api, HttpServerOptions options)
    : m_impl(std::make_shared<Impl>(api, std::move(options))) {}

HttpServer::~HttpServer() {
    stop();
    m_impl->pool.stop();
}

Status HttpServer::bind() {
    Impl& im = *m_impl;
    const HttpServerOptions& o = im.options;
    if (o.tls_cert.empty() != o.tls_key.empty())
        return Status::failure("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
    if (!o.tls_cert.empty()) {
        auto ctx = load_tls(o.tls_cert, o.tls_key);
        if (!ctx) return Status::failure(ctx.error());
        im.tls = *ctx;
    }
    for (const std::string& p : o.trusted_proxies) {
        error_code ec;
        const auto a = asio::ip::make_address(p, ec);
        if (ec) return Status::failure("--trusted-proxy \"" + p + "\" is not an IP address");
        im.trusted.insert(a.to_string());
    }

    const std::string shown = (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) +
                              ":" + std::to_string(o.port);
    error_code ec;
    asio::ip::address address = asio::ip::make_address(o.host, ec);
    if (ec) {
        tcp::resolver resolver(im.ioc);
        auto found = resolver.resolve(o.host, std::to_string(o.port), ec);
        if (ec || found.empty())
            return Status::failure("cannot listen on " + shown + ": no such host");
        address = found.begin()->endpoint().address();
    }
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
    im.acceptor.emplace(im.ioc);
    auto fail = [&](const char* step) {
        return Status::failure("cannot listen on " + shown + ": " + ec.message() + " (" + step +
                               ")");
    };
    if (im.acceptor->open(endpoint.protocol(), ec)) return fail("socket");
    // SO_REUSEADDR lets a restarted server bind past TIME_WAIT; on Linux it
    // never lets two servers listen on one port (that is SO_REUSEPORT, not
    // set here), so a busy address is refused.
    im.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (im.acceptor->bind(endpoint, ec)) {
        if (ec == asio::error::address_in_use)
            return Status::failure("cannot listen on " + shown +
                                   ": address already in use (is another touchpoint-server "
                                   "running?)");
        return fail("bind");
    }
    if (im.acceptor->listen(k_listen_backlog, ec)) return fail("listen");
    im.port = im.acceptor->local_endpoint().port();
    im.accept_retry.emplace(im.ioc);
    im.drain_timer.emplace(im.ioc);
    im.bound = true;
    return Status::success();
}

int HttpServer::port() const {
    return m_impl->port;
}

bool HttpServer::tls() const {
    return !m_impl->options.tls_cert.empty();
}

std::size_t HttpServer::connections() const {
    std::lock_guard<std::mutex> lock(m_impl->conn_mutex);
    return m_impl->open;
}

Status HttpServer::run() {
    Impl& im = *m_impl;
    if (!im.bound) return Status::failure("the server is not bound (call bind() first)");
    if (im.ran.exchange(true)) return Status::failure("the server already ran");
    const HttpServerOptions& o = im.options;
    const int io_threads = o.io_threads > 0 ? o.io_threads : default_io_threads();
    const int workers = o.workers > 0 ? o.workers : default_workers();
    const std::size_t queue = o.worker_queue > 0 ? static_cast<std::size_t>(o.worker_queue)
                                                 : static_cast<std::size_t>(workers) * 64;
    im.pool.start(workers, queue);
    im.guard.emplace(im.ioc.get_executor());
    im.accept();
    std::vector<std::thread> threads;
    for (int i = 1; i < io_threads; ++i)
        threads.emplace_back([&im] { im.ioc.run(); });
    im.ioc.run();
    for (std::thread& t : threads)
        t.join();
    im.pool.stop();
    return Status::success();
}

void HttpServer::stop() {
    if (!m_impl || !m_impl->bound) return;
    asio::post(m_impl->ioc, [im = m_impl] { im->begin_drain(); });
}

Status HttpServer::reload_tls() {
    Impl& im = *m_impl;
    if (im.options.tls_cert.empty())
        return Status::failure("the server runs without TLS (no --tls-cert); nothing to reload");
    auto ctx = load_tls(im.options.tls_cert, im.options.tls_key);
    if (!ctx) return Status::failure(ctx.error());
    std::lock_guard<std::mutex> lock(im.tls_mutex);
    im.tls = *ctx;
    return Status::success();
}

} // namespace touchpoint::server
