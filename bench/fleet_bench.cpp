// Fleet benchmark (docs/api.md: heartbeat, batches, config): does the
// server's event-driven transport hold a whole fleet of kiosks?
//
//  --kiosks N simulated kiosks, each an enrolled device (seeded in bulk, see
//  fleet_bench_database.h) with its own keep-alive HTTP/1.1 connection from
//  one of many 127.x.y.z source addresses (at most --per-address each, below
//  the server's per-address cap), send what a kiosk sends, each at a random
//  phase: a heartbeat every 30 s, a batch of 10 fresh responses every 60 s
//  and GET /api/v1/config with If-None-Match every 5 minutes (--cadence-scale
//  makes all of it that many times as often). Beside them, --idle connections
//  that send nothing and --slow ones that send a header byte a second.
//
//  The fleet runs in a few Asio threads (--client-threads), no thread per
//  connection. A warm-up opens every connection (--connect-rate a second)
//  and makes each kiosk's first pull of its configuration within seconds of
//  connecting; then --duration-s are measured: latency per
//  request type (from the first byte written to the last byte read), errors
//  of every kind, the server's resident memory, CPU time and descriptors.
//
//  Anchor, in the same run: the same fleet against Debian's nginx answering
//  every request with `return` and a body as large as the server's (started
//  here, its configuration in the work folder). --no-anchor skips it.
//
//  --tls: HTTPS (a self-signed certificate made with openssl; the client
//  trusts it). --postgres URL: two server instances on one fresh PostgreSQL
//  database behind haproxy (http mode, http-reuse, X-Forwarded-For).
//
//   fleet_bench [--kiosks N] [--idle M] [--slow K] [--duration-s S] [--warmup-s S]
//               [--cadence-scale X] [--client-threads T] [--connect-rate R] [--per-address P]
//               [--idle-timeout-s S] [--header-timeout-s S] [--request-timeout-s S]
//               [--server-args "OPTIONS"] [--nginx-workers W] [--anchor-duration-s S]
//               [--api-enrolled N] [--postgres URL] [--tls] [--no-anchor] [--check]
//               [--dir PATH]
//
// Exits non-zero on any error (either side) and, with --check, on a missed
// target too.
#include "bench_util.h"
#include "fleet_bench_database.h"
#include "fleet_bench_services.h"

#include "core/local_time.h"
#include "core/response.h"
#include "core/uuid.h"
#include "core/wire.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::bench;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// --- Targets (on 2 cores, at 10,000 kiosks + 256 idle + 16 slow) ---

constexpr double k_target_p99_ms = 100;
constexpr double k_target_rss_mb_per_10k = 100;
constexpr double k_target_anchor_ratio = 5;

// --- What the fleet does ---

enum Kind : int { k_heartbeat = 0, k_batch = 1, k_config = 2 };
constexpr int k_kinds = 3;
const char* const k_kind_names[k_kinds] = {"heartbeat", "batch", "config"};
const char* const k_paths[k_kinds] = {"/api/v1/heartbeat", "/api/v1/batches", "/api/v1/config"};

// Fixed before the first connection opens; read-only afterwards.
struct FleetPlan {
    tcp::endpoint target;
    std::string host_header;
    ssl::context* tls = nullptr; // null: plain HTTP
    std::array<double, k_kinds> interval_s{30, 60, 300};
    int batch_size = 10;
    double warmup_s = 10;
    double connect_rate = 2000;   // connections opened a second, per lane
    double first_request_s = 5;   // a kiosk's first request within this of connecting
    double request_timeout_s = 10;
    double reconnect_s = 1;
    std::string trickle; // what slow-header connections send, a byte a second
};

// When things happen; handed to each lane with asio::post.
struct Timeline {
    Clock::time_point warm_start, measure_start, measure_end;
};

// What one lane (one io thread) saw. Read by the main thread after the lane
// thread ended.
struct Tally {
    std::array<std::vector<float>, k_kinds> latency_ms; // measured, answered well
    std::array<std::uint64_t, k_kinds> measured{};
    std::uint64_t warm = 0; // answered well in the warm-up
    std::map<std::string, std::uint64_t> errors;
    std::uint64_t warm_errors = 0;
    std::uint64_t config_200 = 0, config_304 = 0;
    std::uint64_t accepted = 0, rejected = 0;
    std::uint64_t reconnects = 0;
    std::vector<float> idle_closed_after_s;
    std::map<int, std::uint64_t> slow_cuts; // by the answer's status, 0: none
    std::vector<float> slow_cut_after_s;
    std::array<std::string, k_kinds> bodies; // a 200 answer of each kind
    std::string etag;
};

// Counters the main thread watches while the lanes run.
struct Progress {
    std::atomic<long> opened{0}, open_failed{0};
    std::atomic<long> in_flight{0};
    std::atomic<long> answered{0}, errors{0};
};

class Connection;

// One io thread and the connections it holds.
struct Lane {
    Lane(const FleetPlan& p, Progress& g, std::uint64_t seed)
        : plan(p), progress(g), rng(seed), pace(io) {}

    asio::io_context io{1};
    const FleetPlan& plan;
    Progress& progress;
    Timeline timeline;
    bool stopping = false;
    Tally tally;
    std::mt19937_64 rng;
    std::vector<std::shared_ptr<Connection>> members;

    // Connections are opened at plan.connect_rate, at most a window at a
    // time: a fleet coming up, not every kiosk in the same millisecond (and
    // the listen queue never overflows into SYN retries).
    static constexpr int k_window = 64;
    std::deque<Connection*> to_open;
    int opening = 0;
    long started = 0;
    Clock::time_point open_start;
    asio::steady_timer pace;
    bool pace_armed = false;
    void open_next();
    void first_open_done(bool ok) {
        --opening;
        (ok ? progress.opened : progress.open_failed)++;
        open_next();
    }
    void error(const std::string& what, bool warm) {
        tally.errors[what]++;
        if (warm) tally.warm_errors++;
        progress.errors++;
    }
    double uniform(double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    }
};

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// Why an operation ended, as an error kind.
std::string describe(const error_code& ec) {
    if (ec == asio::error::eof || ec == http::error::end_of_stream ||
        ec == ssl::error::stream_truncated || ec == http::error::partial_message)
        return "closed by the server mid-request";
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
        return "connection reset";
    return "network error: " + ec.message();
}

// A socket bound to its own source address, ready to connect.
bool open_from(tcp::socket& s, const asio::ip::address_v4& source, error_code& ec) {
    s.open(tcp::v4(), ec);
    if (ec) return false;
#ifdef IP_BIND_ADDRESS_NO_PORT
    // The port is picked at connect time, per destination: many sockets can
    // share a source port towards different servers.
    int one = 1;
    setsockopt(s.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    s.bind(tcp::endpoint(source, 0), ec);
    return !ec;
}

class Connection {
  public:
    explicit Connection(Lane& lane) : m_lane(lane) {}
    virtual ~Connection() = default;
    virtual void open_first() = 0;
    virtual void begin() {}
    virtual void stop() = 0;

  protected:
    Lane& m_lane;
};

void Lane::open_next() {
    if (started == 0) open_start = Clock::now();
    const double elapsed = std::chrono::duration<double>(Clock::now() - open_start).count();
    const long allowed = static_cast<long>(elapsed * plan.connect_rate) + 1;
    while (opening < k_window && !to_open.empty() && started < allowed) {
        Connection* c = to_open.front();
        to_open.pop_front();
        ++opening;
        ++started;
        c->open_first();
    }
    if (!to_open.empty() && opening < k_window && !pace_armed) {
        pace_armed = true;
        pace.expires_after(std::chrono::milliseconds(5));
        pace.async_wait([this](const error_code& ec) {
            pace_armed = false;
            if (!ec && !stopping) open_next();
        });
    }
}

// --- A kiosk ---

template <class Stream> class Kiosk final : public Connection {
  public:
    Kiosk(Lane& lane, asio::ip::address_v4 source, const FleetDevice& device)
        : Connection(lane), m_source(source), m_device(device), m_timer(lane.io) {}

    void open_first() override {
        m_first = true;
        connect();
    }

    void begin() override {
        const Timeline& t = m_lane.timeline;
        m_begun = true;
        for (int k = 0; k < k_kinds; ++k)
            m_due[static_cast<std::size_t>(k)] =
                t.measure_start + seconds(m_lane.uniform(0, m_lane.plan.interval_s[k]));
        if (m_phase == Phase::idle) wait_next();
    }

    void stop() override {
        disarm();
        close_socket();
        m_phase = Phase::closed;
    }

  private:
    static constexpr bool k_tls = !std::is_same_v<Stream, tcp::socket>;
    enum class Phase { closed, connecting, idle, in_flight, reconnecting };

    tcp::socket& socket() { return beast::get_lowest_layer(*m_stream); }

    // --- The one timer: the deadline or the next request, by phase ---

    void arm(Clock::time_point at) {
        const std::uint64_t gen = ++m_timer_gen;
        m_timer.expires_at(at);
        m_timer.async_wait([this, gen](const error_code& ec) {
            if (ec || gen != m_timer_gen || m_lane.stopping) return;
            on_timer();
        });
    }
    void disarm() {
        ++m_timer_gen;
        m_timer.cancel();
    }
    void on_timer() {
        switch (m_phase) {
        case Phase::connecting:
            // What is under way ends with the socket and reports to nobody.
            connect_failed(m_handshaking ? "TLS handshake timeout" : "connect timeout");
            break;
        case Phase::in_flight:
            fail("timeout (no answer within " + fixed(m_lane.plan.request_timeout_s, 0) + " s)");
            break;
        case Phase::idle:
            fire();
            break;
        case Phase::reconnecting:
            connect();
            break;
        case Phase::closed:
            break;
        }
    }

    // --- Connecting ---

    void connect() {
        // A TLS stream must outlive its operations: wait for the last one.
        if (m_ops > 0) return arm(Clock::now() + std::chrono::milliseconds(20));
        m_phase = Phase::connecting;
        m_handshaking = false;
        ++m_gen;
        if constexpr (k_tls)
            m_stream.emplace(m_lane.io, *m_lane.plan.tls);
        else
            m_stream.emplace(m_lane.io);
        m_buffer = beast::flat_buffer();
        error_code ec;
        if (!open_from(socket(), m_source, ec)) return connect_failed("connect failed: " + ec.message());
        arm(Clock::now() + seconds(m_lane.plan.request_timeout_s));
        ++m_ops;
        socket().async_connect(m_lane.plan.target, [this, gen = m_gen](const error_code& e) {
            --m_ops;
            if (gen != m_gen || m_lane.stopping) return;
            if (e) return connect_failed("connect failed: " + e.message());
            socket().set_option(tcp::no_delay(true));
            if constexpr (k_tls) {
                m_handshaking = true;
                ++m_ops;
                m_stream->async_handshake(ssl::stream_base::client,
                                          [this, gen](const error_code& h) {
                                              --m_ops;
                                              if (gen != m_gen || m_lane.stopping) return;
                                              if (h)
                                                  return connect_failed("TLS handshake failed: " +
                                                                        h.message());
                                              ready();
                                          });
            } else {
                ready();
            }
        });
    }

    void connect_failed(const std::string& what) {
        disarm();
        close_socket();
        if (m_first) {
            m_first = false;
            m_lane.first_open_done(false);
        }
        m_lane.error(what, !measuring_now());
        reconnect_later();
    }

    void ready() {
        disarm();
        if (m_first) {
            // A kiosk's first request, as soon as it is connected: it pulls
            // its configuration (the warm-up, not measured).
            m_first = false;
            m_lane.first_open_done(true);
            m_warm_pending = true;
            m_warm_due = Clock::now() + seconds(m_lane.uniform(0, m_lane.plan.first_request_s));
        } else {
            m_lane.tally.reconnects++;
        }
        m_phase = Phase::idle;
        watch();
        wait_next();
    }

    void reconnect_later() {
        m_phase = Phase::reconnecting;
        arm(Clock::now() + seconds(m_lane.plan.reconnect_s));
    }

    void close_socket() {
        if (!m_stream) return;
        error_code ignored;
        socket().close(ignored);
        ++m_gen; // what is still pending reports to nobody
    }

    bool measuring_now() const {
        return m_begun && Clock::now() >= m_lane.timeline.measure_start;
    }

    // --- Between requests: one read stays pending ---
    //
    // It sees the server close an idle connection, and it reads the first
    // bytes of the next answer (a TLS stream may have one read and one
    // write under way at once; cancelling a TLS read would not be safe).

    void watch() {
        ++m_ops;
        m_stream->async_read_some(m_buffer.prepare(2048), [this, gen = m_gen](const error_code& ec,
                                                                             std::size_t n) {
            --m_ops;
            if (gen != m_gen || m_lane.stopping) return;
            if (ec) {
                if (m_phase == Phase::in_flight) return fail(describe(ec));
                return fail("closed by the server between requests");
            }
            m_buffer.commit(n);
            if (m_phase != Phase::in_flight) return fail("bytes from the server between requests");
            read_answer();
        });
    }

    void wait_next() {
        if (m_lane.stopping) return;
        if (m_warm_pending) return arm(m_warm_due);
        if (!m_begun) return; // until the whole fleet is connected
        Clock::time_point next = Clock::time_point::max();
        for (const auto& d : m_due)
            next = std::min(next, d);
        if (next >= m_lane.timeline.measure_end) return; // done
        arm(next);
    }

    // --- A request ---

    void fire() {
        const auto now = Clock::now();
        Kind kind = k_config;
        m_warm = m_warm_pending;
        if (m_warm_pending) {
            m_warm_pending = false;
        } else {
            int k = 0;
            for (int i = 1; i < k_kinds; ++i)
                if (m_due[static_cast<std::size_t>(i)] < m_due[static_cast<std::size_t>(k)]) k = i;
            kind = static_cast<Kind>(k);
            auto& due = m_due[static_cast<std::size_t>(k)];
            const auto step = seconds(m_lane.plan.interval_s[k]);
            due += step;
            while (due <= now)
                due += step;
        }
        m_kind = kind;
        build_request(kind);
        m_phase = Phase::in_flight;
        m_written = m_answered = false;
        m_lane.progress.in_flight++;
        arm(now + seconds(m_lane.plan.request_timeout_s));
        m_sent = Clock::now();
        ++m_ops;
        asio::async_write(*m_stream, asio::buffer(m_request),
                          [this, gen = m_gen](const error_code& ec, std::size_t) {
                              --m_ops;
                              if (gen != m_gen || m_lane.stopping) return;
                              if (ec) return fail(describe(ec));
                              m_written = true;
                              if (m_answered) finish();
                          });
    }

    void read_answer() {
        m_parser.emplace();
        m_parser->body_limit(4 * 1024 * 1024);
        ++m_ops;
        http::async_read(*m_stream, m_buffer, *m_parser,
                         [this, gen = m_gen](const error_code& ec, std::size_t) {
                             --m_ops;
                             if (gen != m_gen || m_lane.stopping) return;
                             if (ec) return fail(describe(ec));
                             m_answered = true;
                             if (m_written) finish();
                         });
    }

    void finish() {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - m_sent).count();
        disarm();
        m_phase = Phase::idle;
        m_lane.progress.in_flight--;
        m_lane.progress.answered++;
        auto& res = m_parser->get();
        const unsigned status = res.result_int();
        Tally& t = m_lane.tally;
        const std::size_t k = static_cast<std::size_t>(m_kind);
        const bool ok = status == 200 || (m_kind == k_config && status == 304);
        if (!ok) {
            m_lane.error("status " + std::to_string(status) + " on " + k_kind_names[m_kind],
                         m_warm);
        } else {
            if (m_warm) {
                t.warm++;
            } else {
                t.latency_ms[k].push_back(static_cast<float>(ms));
                t.measured[k]++;
            }
            if (status == 200 && t.bodies[k].empty()) t.bodies[k] = res.body();
            if (m_kind == k_config) {
                if (status == 200) {
                    t.config_200++;
                    m_etag = std::string(res[http::field::etag]);
                    if (t.etag.empty()) t.etag = m_etag;
                } else {
                    t.config_304++;
                }
            }
            if (m_kind == k_batch) count_batch(res.body());
        }
        const bool keep = res.keep_alive();
        m_parser.reset();
        if (m_buffer.size() > 0) return fail("bytes from the server after an answer");
        if (!keep) {
            if (ok) m_lane.error("answered with Connection: close", m_warm);
            close_socket();
            return reconnect_later();
        }
        m_buffer = beast::flat_buffer();
        watch();
        wait_next();
    }

    void count_batch(const std::string& body) {
        const auto j = nlohmann::json::parse(body, nullptr, false);
        if (!j.is_object() || !j.contains("accepted") || !j["accepted"].is_number_integer()) {
            m_lane.error("a batch answer without \"accepted\"", m_warm);
            return;
        }
        m_lane.tally.accepted += j["accepted"].get<std::uint64_t>();
        if (j.contains("rejected") && j["rejected"].is_array() && !j["rejected"].empty()) {
            m_lane.tally.rejected += j["rejected"].size();
            m_lane.error("responses rejected in a batch", m_warm);
        }
    }

    void fail(const std::string& what) {
        if (m_phase == Phase::in_flight) m_lane.progress.in_flight--;
        const bool warm = m_phase == Phase::in_flight ? m_warm : !measuring_now();
        m_lane.error(what, warm);
        disarm();
        close_socket();
        m_parser.reset();
        reconnect_later();
    }

    // --- What a kiosk sends ---

    // The health object, keys in the order the kiosk's JSON library writes them.
    std::string health_json(std::int64_t pending) const {
        std::string h = "{\"app_version\":\"" TOUCHPOINT_VERSION "\",\"database_bytes\":";
        h += std::to_string(90112 + 4096 * (m_sequence / 40));
        h += ",\"disk_free_bytes\":5000000000,\"last_error\":\"\",\"last_sync_utc_ms\":";
        h += m_last_sync_ms > 0 ? std::to_string(m_last_sync_ms) : "null";
        h += ",\"pending\":" + std::to_string(pending) + "}";
        return h;
    }

    // Ratings of the last interval, as the kiosk's sync client writes them.
    std::string batch_json() {
        const int n = m_lane.plan.batch_size;
        const std::int64_t now = now_ms();
        const auto spacing =
            static_cast<std::int64_t>(m_lane.plan.interval_s[k_batch] * 1000 / std::max(1, n));
        static const char* const k_negative[] = {"waiting", "staff", "price"};
        static const char* const k_positive[] = {"fast", "friendly"};
        std::string body = "{\"responses\":[";
        body.reserve(static_cast<std::size_t>(n) * 420 + 300);
        for (int i = 0; i < n; ++i) {
            Response r;
            r.id = make_uuid();
            r.device_id = m_device.id;
            r.touch_point = "akl-checkout-1";
            r.survey_id = "checkout";
            r.survey_version = 1;
            r.question_id = "checkout-experience";
            r.scale = Scale::smiley4;
            r.score = 1 + static_cast<int>(m_lane.rng() % 4);
            if (m_lane.rng() % 3 == 0)
                r.reasons.push_back(r.score <= 2 ? k_negative[m_lane.rng() % 3]
                                                 : k_positive[m_lane.rng() % 2]);
            r.language = "en";
            r.utc_ms = now - (n - i) * spacing;
            const LocalStamp stamp = local_stamp("Pacific/Auckland", r.utc_ms);
            r.local_time = stamp.iso;
            r.local_day = stamp.day;
            r.local_hour = stamp.hour;
            r.sequence = ++m_sequence;
            r.closed = true;
            if (i > 0) body += ',';
            append_json(body, r);
            body.back() = ',';
            body += "\"closed\":true}";
        }
        body += "],\"health\":" + health_json(0) + "}";
        m_last_sync_ms = now;
        return body;
    }

    void build_request(Kind kind) {
        std::string body;
        if (kind == k_heartbeat) body = health_json(0);
        if (kind == k_batch) body = batch_json();
        std::string& r = m_request;
        r.clear();
        r += kind == k_config ? "GET " : "POST ";
        r += k_paths[kind];
        r += " HTTP/1.1\r\nHost: " + m_lane.plan.host_header +
             "\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nAuthorization: Bearer " +
             m_device.token + "\r\n";
        if (kind == k_config && !m_etag.empty()) r += "If-None-Match: " + m_etag + "\r\n";
        if (kind != k_config)
            r += "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n";
        r += "\r\n";
        r += body;
    }

    asio::ip::address_v4 m_source;
    const FleetDevice& m_device;
    std::optional<Stream> m_stream;
    asio::steady_timer m_timer;
    std::uint64_t m_timer_gen = 0;
    std::uint64_t m_gen = 0; // one per connection: stale handlers see a newer one
    int m_ops = 0;           // operations under way on m_stream
    Phase m_phase = Phase::closed;
    bool m_first = false, m_begun = false, m_handshaking = false;

    beast::flat_buffer m_buffer;
    std::optional<http::response_parser<http::string_body>> m_parser;
    std::string m_request;
    Kind m_kind = k_config;
    bool m_warm = false, m_written = false, m_answered = false;
    Clock::time_point m_sent;

    bool m_warm_pending = false;
    Clock::time_point m_warm_due;
    std::array<Clock::time_point, k_kinds> m_due{};
    std::string m_etag;
    std::int64_t m_sequence = 0;
    std::int64_t m_last_sync_ms = 0;
};

// --- A connection that sends nothing ---

class IdleConnection final : public Connection {
  public:
    IdleConnection(Lane& lane, asio::ip::address_v4 source)
        : Connection(lane), m_source(source), m_socket(lane.io) {}

    void open_first() override {
        error_code ec;
        if (!open_from(m_socket, m_source, ec)) return opened(ec);
        m_socket.async_connect(m_lane.plan.target, [this](const error_code& e) { opened(e); });
    }
    void stop() override {
        error_code ignored;
        m_socket.close(ignored);
    }

  private:
    void opened(const error_code& ec) {
        m_lane.first_open_done(!ec);
        if (ec) return m_lane.error("idle connection: connect failed: " + ec.message(), true);
        m_opened = Clock::now();
        m_socket.async_read_some(asio::buffer(m_byte), [this](const error_code& e, std::size_t) {
            if (e == asio::error::operation_aborted || m_lane.stopping) return;
            // Closed (or answered) by the server: counted, not reopened.
            m_lane.tally.idle_closed_after_s.push_back(
                static_cast<float>(ms_since(m_opened) / 1000.0));
            stop();
        });
    }

    asio::ip::address_v4 m_source;
    tcp::socket m_socket;
    std::array<char, 512> m_byte{};
    Clock::time_point m_opened;
};

// --- A connection sending its header a byte a second ---

template <class Stream> class SlowHeader final : public Connection {
  public:
    SlowHeader(Lane& lane, asio::ip::address_v4 source)
        : Connection(lane), m_source(source), m_timer(lane.io) {}

    void open_first() override {
        m_first = true;
        connect();
    }
    void stop() override {
        ++m_timer_gen;
        m_timer.cancel();
        if (m_stream) {
            error_code ignored;
            beast::get_lowest_layer(*m_stream).close(ignored);
        }
    }

  private:
    static constexpr bool k_tls = !std::is_same_v<Stream, tcp::socket>;

    void after(Clock::duration d, void (SlowHeader::*then)()) {
        const auto gen = ++m_timer_gen;
        m_timer.expires_after(d);
        m_timer.async_wait([this, gen, then](const error_code& ec) {
            if (ec || gen != m_timer_gen || m_lane.stopping) return;
            (this->*then)();
        });
    }

    void connect() {
        if (m_ops > 0) return after(std::chrono::milliseconds(20), &SlowHeader::connect);
        if constexpr (k_tls)
            m_stream.emplace(m_lane.io, *m_lane.plan.tls);
        else
            m_stream.emplace(m_lane.io);
        m_answer.clear();
        m_sent = 0;
        error_code ec;
        auto& sock = beast::get_lowest_layer(*m_stream);
        if (!open_from(sock, m_source, ec)) return failed(ec);
        ++m_ops;
        sock.async_connect(m_lane.plan.target, [this](const error_code& e) {
            --m_ops;
            if (m_lane.stopping) return;
            if (e) return failed(e);
            if constexpr (k_tls) {
                ++m_ops;
                m_stream->async_handshake(ssl::stream_base::client, [this](const error_code& h) {
                    --m_ops;
                    if (m_lane.stopping) return;
                    if (h) return failed(h);
                    started();
                });
            } else {
                started();
            }
        });
    }

    void failed(const error_code& ec) {
        if (m_first) {
            m_first = false;
            m_lane.first_open_done(false);
        }
        m_lane.error("slow-header connection: connect failed: " + ec.message(), true);
        after(std::chrono::seconds(1), &SlowHeader::connect);
    }

    void started() {
        if (m_first) {
            m_first = false;
            m_lane.first_open_done(true);
        }
        m_opened = Clock::now();
        read();
        trickle();
    }

    void read() {
        ++m_ops;
        m_stream->async_read_some(asio::buffer(m_chunk), [this](const error_code& ec,
                                                                std::size_t n) {
            --m_ops;
            if (m_lane.stopping) return;
            m_answer.append(m_chunk.data(), n);
            if (!ec) return read();
            // The server cut it: by its status line, or silently.
            int status = 0;
            if (m_answer.rfind("HTTP/1.", 0) == 0 && m_answer.size() >= 12)
                status = std::atoi(m_answer.c_str() + 9);
            m_lane.tally.slow_cuts[status]++;
            m_lane.tally.slow_cut_after_s.push_back(
                static_cast<float>(ms_since(m_opened) / 1000.0));
            ++m_timer_gen;
            m_timer.cancel();
            error_code ignored;
            beast::get_lowest_layer(*m_stream).close(ignored);
            after(std::chrono::milliseconds(10), &SlowHeader::connect); // and again
        });
    }

    void trickle() {
        const std::string& text = m_lane.plan.trickle;
        if (m_sent >= text.size()) return;
        ++m_ops;
        asio::async_write(*m_stream, asio::buffer(&text[m_sent], 1),
                          [this](const error_code& ec, std::size_t) {
                              --m_ops;
                              if (ec || m_lane.stopping) return; // the read sees the end
                              ++m_sent;
                              after(std::chrono::seconds(1), &SlowHeader::trickle);
                          });
    }

    asio::ip::address_v4 m_source;
    std::optional<Stream> m_stream;
    asio::steady_timer m_timer;
    std::uint64_t m_timer_gen = 0;
    int m_ops = 0;
    bool m_first = false;
    std::size_t m_sent = 0;
    std::array<char, 1024> m_chunk{};
    std::string m_answer;
    Clock::time_point m_opened;
};

// --- One phase: the fleet against one target ---

struct Options {
    int kiosks = 10'000;
    int idle = 256;
    int slow = 16;
    int duration_s = 180;
    int anchor_duration_s = 0; // 0: --duration-s
    int warmup_s = 0;          // 0: from the fleet's size
    double cadence_scale = 1;
    int batch_size = 10;
    int client_threads = 1;
    int connect_rate = 2000;
    int per_address = 64;
    double idle_timeout_s = 75;
    double header_timeout_s = 10;
    double request_timeout_s = 10;
    int api_enrolled = 50;
    int nginx_workers = 0; // 0: as many as the server's I/O threads
    std::vector<std::string> server_args;
    std::string postgres;
    std::string dir;
    bool tls = false;
    bool anchor = true;
    bool check = false;
};

// Processes whose figures a phase reports: the first group is what is
// measured (the server instances, or nginx), others are shown beside it.
struct Watched {
    std::string name;
    std::function<std::vector<pid_t>()> pids;
};

struct Figures {
    Usage before, connected, peak, end;
    double cpu_measured_s = 0;
};

struct PhaseResult {
    std::string name;
    Tally tally; // merged
    long connections = 0, opened = 0, open_failed = 0;
    int addresses = 0;
    double connect_s = 0;
    double measured_s = 0;
    double self_cpu_s = 0;
    std::vector<Figures> figures; // one per Watched group
    std::uint64_t errors() const {
        std::uint64_t n = 0;
        for (const auto& [what, count] : tally.errors)
            n += count;
        return n;
    }
    std::vector<double> latencies(int kind) const { // -1: all
        std::vector<double> v;
        for (int k = 0; k < k_kinds; ++k)
            if (kind < 0 || kind == k)
                v.insert(v.end(), tally.latency_ms[static_cast<std::size_t>(k)].begin(),
                         tally.latency_ms[static_cast<std::size_t>(k)].end());
        return v;
    }
    std::uint64_t measured() const {
        return tally.measured[0] + tally.measured[1] + tally.measured[2];
    }
};

void merge(Tally& into, Tally& from) {
    for (std::size_t k = 0; k < k_kinds; ++k) {
        into.latency_ms[k].insert(into.latency_ms[k].end(), from.latency_ms[k].begin(),
                                  from.latency_ms[k].end());
        into.measured[k] += from.measured[k];
        if (into.bodies[k].empty()) into.bodies[k] = from.bodies[k];
    }
    into.warm += from.warm;
    for (const auto& [what, n] : from.errors)
        into.errors[what] += n;
    into.warm_errors += from.warm_errors;
    into.config_200 += from.config_200;
    into.config_304 += from.config_304;
    into.accepted += from.accepted;
    into.rejected += from.rejected;
    into.reconnects += from.reconnects;
    into.idle_closed_after_s.insert(into.idle_closed_after_s.end(),
                                    from.idle_closed_after_s.begin(),
                                    from.idle_closed_after_s.end());
    for (const auto& [status, n] : from.slow_cuts)
        into.slow_cuts[status] += n;
    into.slow_cut_after_s.insert(into.slow_cut_after_s.end(), from.slow_cut_after_s.begin(),
                                 from.slow_cut_after_s.end());
    if (into.etag.empty()) into.etag = from.etag;
}

asio::ip::address_v4 source_address(int n) {
    // 127.1.x.y with y in 1..250: never a .0 or .255.
    const unsigned third = static_cast<unsigned>(n / 250), fourth = static_cast<unsigned>(n % 250) + 1;
    return asio::ip::address_v4((127u << 24) | (1u << 16) | ((third & 0xff) << 8) | fourth);
}

void print_progress(const char* name, double at_s, const Progress& g, const Usage& u) {
    std::printf("    [%s] %5.0f s: %ld answered, %ld errors, %ld in flight; RSS %.1f MB, %ld fds\n",
                name, at_s, g.answered.load(), g.errors.load(), g.in_flight.load(), u.rss_mb,
                u.fds);
    std::fflush(stdout);
}

PhaseResult run_phase(const std::string& name, const Options& o, FleetPlan plan,
                      const std::vector<FleetDevice>& devices, double duration_s,
                      const std::vector<Watched>& watched) {
    PhaseResult out;
    out.name = name;
    Progress progress;
    std::vector<std::unique_ptr<Lane>> lanes;
    for (int i = 0; i < o.client_threads; ++i)
        lanes.push_back(std::make_unique<Lane>(plan, progress, 0x5eed0000u + static_cast<unsigned>(i)));

    // Kiosks first, then idle and slow connections, --per-address of them on
    // each source address, dealt to the lanes in turn.
    int n = 0;
    auto next_lane = [&]() -> Lane& { return *lanes[static_cast<std::size_t>(n) % lanes.size()]; };
    auto add = [&](Lane& lane, std::shared_ptr<Connection> c) {
        lane.to_open.push_back(c.get());
        lane.members.push_back(std::move(c));
        ++n;
    };
    for (int i = 0; i < o.kiosks; ++i) {
        Lane& lane = next_lane();
        const auto source = source_address(n / o.per_address);
        const FleetDevice& d = devices[static_cast<std::size_t>(i)];
        if (plan.tls)
            add(lane, std::make_shared<Kiosk<ssl::stream<tcp::socket>>>(lane, source, d));
        else
            add(lane, std::make_shared<Kiosk<tcp::socket>>(lane, source, d));
    }
    for (int i = 0; i < o.idle; ++i) {
        Lane& lane = next_lane();
        add(lane, std::make_shared<IdleConnection>(lane, source_address(n / o.per_address)));
    }
    for (int i = 0; i < o.slow; ++i) {
        Lane& lane = next_lane();
        const auto source = source_address(n / o.per_address);
        if (plan.tls)
            add(lane, std::make_shared<SlowHeader<ssl::stream<tcp::socket>>>(lane, source));
        else
            add(lane, std::make_shared<SlowHeader<tcp::socket>>(lane, source));
    }
    out.connections = n;
    out.addresses = (n + o.per_address - 1) / o.per_address;

    auto sample = [&] {
        std::vector<Usage> u;
        for (const auto& w : watched)
            u.push_back(usage_of(w.pids()));
        return u;
    };
    out.figures.resize(watched.size());
    auto note_peak = [&](const std::vector<Usage>& u) {
        for (std::size_t i = 0; i < u.size(); ++i) {
            out.figures[i].peak.rss_mb = std::max(out.figures[i].peak.rss_mb, u[i].rss_mb);
            out.figures[i].peak.fds = std::max(out.figures[i].peak.fds, u[i].fds);
        }
    };
    {
        const auto u = sample();
        for (std::size_t i = 0; i < u.size(); ++i)
            out.figures[i].before = u[i];
        note_peak(u);
    }

    // --- Open every connection ---
    std::vector<std::thread> threads;
    std::vector<std::optional<asio::executor_work_guard<asio::io_context::executor_type>>> guards(
        lanes.size());
    const auto t_open = Clock::now();
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        Lane& lane = *lanes[i];
        guards[i].emplace(lane.io.get_executor());
        asio::post(lane.io, [&lane] { lane.open_next(); });
        threads.emplace_back([&lane] { lane.io.run(); });
    }
    const double open_limit_s = 60 + n / 200.0;
    while (progress.opened + progress.open_failed < n && ms_since(t_open) < open_limit_s * 1000)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    out.connect_s = ms_since(t_open) / 1000.0;
    out.opened = progress.opened;
    out.open_failed = progress.open_failed;
    std::printf("    [%s] %ld of %d connections open in %.1f s (%ld failed) from %d source "
                "addresses\n",
                name.c_str(), out.opened, n, out.connect_s, out.open_failed, out.addresses);
    std::fflush(stdout);
    {
        const auto u = sample();
        for (std::size_t i = 0; i < u.size(); ++i)
            out.figures[i].connected = u[i];
        note_peak(u);
    }

    // --- Warm-up, then the measured window ---
    Timeline tl;
    tl.warm_start = Clock::now() + std::chrono::milliseconds(100);
    tl.measure_start = tl.warm_start + seconds(plan.warmup_s);
    tl.measure_end = tl.measure_start + seconds(duration_s);
    for (auto& l : lanes) {
        Lane& lane = *l;
        asio::post(lane.io, [&lane, tl] {
            lane.timeline = tl;
            for (auto& c : lane.members)
                c->begin();
        });
    }
    std::vector<double> cpu0(watched.size()), cpu1(watched.size());
    double self0 = 0;
    bool measuring = false;
    auto last_print = Clock::now();
    for (;;) {
        const auto now = Clock::now();
        if (!measuring && now >= tl.measure_start) {
            measuring = true;
            const auto u = sample();
            for (std::size_t i = 0; i < u.size(); ++i)
                cpu0[i] = u[i].cpu_s;
            self0 = cpu_seconds_self();
        }
        if (now >= tl.measure_end) break;
        const auto u = sample();
        note_peak(u);
        if (now - last_print >= std::chrono::seconds(30)) {
            last_print = now;
            print_progress(name.c_str(),
                           std::chrono::duration<double>(now - tl.measure_start).count(), progress,
                           u.empty() ? Usage{} : u[0]);
        }
        const auto wake = std::min({now + std::chrono::milliseconds(500),
                                    measuring ? tl.measure_end : tl.measure_start});
        std::this_thread::sleep_until(wake);
    }
    {
        const auto u = sample();
        for (std::size_t i = 0; i < u.size(); ++i) {
            cpu1[i] = u[i].cpu_s;
            out.figures[i].end = u[i];
            out.figures[i].cpu_measured_s = cpu1[i] - cpu0[i];
        }
        note_peak(u);
    }
    out.self_cpu_s = cpu_seconds_self() - self0;
    out.measured_s = duration_s;

    // --- Let the last requests finish, then close everything ---
    const auto t_drain = Clock::now();
    while (progress.in_flight > 0 && ms_since(t_drain) < (plan.request_timeout_s + 2) * 1000)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        Lane& lane = *lanes[i];
        asio::post(lane.io, [&lane] {
            lane.stopping = true;
            lane.pace.cancel();
            for (auto& c : lane.members)
                c->stop();
        });
        guards[i].reset();
    }
    const auto t_stop = Clock::now();
    for (auto& l : lanes) {
        while (!l->io.stopped() && ms_since(t_stop) < 5000)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        l->io.stop();
    }
    for (auto& t : threads)
        t.join();
    for (auto& l : lanes)
        merge(out.tally, l->tally);
    for (auto& l : lanes)
        l->members.clear(); // sockets go before their io_context
    return out;
}

// --- Printing ---

std::string mb(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", v);
    return buf;
}

void print_latency_table(const PhaseResult& r) {
    std::printf("    latency ms          p50       p99       max         n\n");
    for (int k : {int{k_heartbeat}, int{k_batch}, int{k_config}, -1}) {
        const auto v = r.latencies(k);
        const double mx = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
        std::printf("      %-12s %9.2f %9.2f %9.2f %9zu\n", k < 0 ? "all" : k_kind_names[k],
                    percentile(v, 0.5), percentile(v, 0.99), mx, v.size());
    }
}

void print_phase(const PhaseResult& r, const Options& o, const std::vector<Watched>& watched,
                 double expected_rate) {
    const Tally& t = r.tally;
    std::printf("  %s:\n", r.name.c_str());
    std::printf("    connections  %ld of %ld opened in %.1f s (%d kiosks, %d idle, %d "
                "slow-header) from %d source addresses; %llu kiosk reconnections\n",
                r.opened, r.connections, r.connect_s, o.kiosks, o.idle, o.slow, r.addresses,
                static_cast<unsigned long long>(t.reconnects));
    std::printf("    requests     %llu measured in %.0f s = %.1f/s (expected %.1f/s: %llu "
                "heartbeats, %llu batches, %llu config); %llu in the warm-up, not counted\n",
                static_cast<unsigned long long>(r.measured()), r.measured_s,
                static_cast<double>(r.measured()) / r.measured_s, expected_rate,
                static_cast<unsigned long long>(t.measured[k_heartbeat]),
                static_cast<unsigned long long>(t.measured[k_batch]),
                static_cast<unsigned long long>(t.measured[k_config]),
                static_cast<unsigned long long>(t.warm));
    print_latency_table(r);
    if (r.errors() == 0) {
        std::printf("    errors       0\n");
    } else {
        std::printf("    errors       %llu (%llu of them in the warm-up):\n",
                    static_cast<unsigned long long>(r.errors()),
                    static_cast<unsigned long long>(t.warm_errors));
        for (const auto& [what, n] : t.errors)
            std::printf("      %8llu  %s\n", static_cast<unsigned long long>(n), what.c_str());
    }
    std::printf("    config       %llu answered 200, %llu answered 304 to If-None-Match\n",
                static_cast<unsigned long long>(t.config_200),
                static_cast<unsigned long long>(t.config_304));
    std::printf("    batches      %llu responses accepted, %llu rejected\n",
                static_cast<unsigned long long>(t.accepted),
                static_cast<unsigned long long>(t.rejected));
    if (o.idle > 0) {
        const auto& c = t.idle_closed_after_s;
        if (c.empty())
            std::printf("    idle         %d held, none closed by the other side\n", o.idle);
        else
            std::printf("    idle         %d held, %zu closed by the other side after %.1f-%.1f s\n",
                        o.idle, c.size(), *std::min_element(c.begin(), c.end()),
                        *std::max_element(c.begin(), c.end()));
    }
    if (o.slow > 0) {
        std::uint64_t cuts = 0;
        std::string by;
        for (const auto& [status, n] : t.slow_cuts) {
            cuts += n;
            by += (by.empty() ? "" : ", ") + std::to_string(n) + " " +
                  (status ? "answered " + std::to_string(status) : std::string("without answer"));
        }
        const auto& c = t.slow_cut_after_s;
        if (cuts == 0)
            std::printf("    slow-header  %d held, never cut\n", o.slow);
        else
            std::printf("    slow-header  %d held, cut %llu times (%s) after %.1f-%.1f s, "
                        "reopened each time\n",
                        o.slow, static_cast<unsigned long long>(cuts), by.c_str(),
                        *std::min_element(c.begin(), c.end()), *std::max_element(c.begin(), c.end()));
    }
    const std::uint64_t answered = r.measured();
    for (std::size_t i = 0; i < watched.size(); ++i) {
        const Figures& f = r.figures[i];
        const double growth = f.peak.rss_mb - f.before.rss_mb;
        std::printf("    %-12s RSS %s before connections, %s with them open, %s at peak: growth "
                    "%s = %.1f kB a connection\n",
                    watched[i].name.c_str(), mb(f.before.rss_mb).c_str(),
                    mb(f.connected.rss_mb).c_str(), mb(f.peak.rss_mb).c_str(), mb(growth).c_str(),
                    growth * 1024 / static_cast<double>(std::max<long>(1, r.connections)));
        std::printf("    %-12s CPU %.1f s in the %.0f s measured (%.0f %% of a core, %.0f us a "
                    "request); %ld fds at peak, %ld before\n",
                    "", f.cpu_measured_s, r.measured_s, 100 * f.cpu_measured_s / r.measured_s,
                    answered ? 1e6 * f.cpu_measured_s / static_cast<double>(answered) : 0.0,
                    f.peak.fds, f.before.fds);
    }
    std::printf("    fleet_bench  CPU %.1f s in the measured window (%.0f %% of a core, %d client "
                "thread%s)\n",
                r.self_cpu_s, 100 * r.self_cpu_s / r.measured_s, o.client_threads,
                o.client_threads == 1 ? "" : "s");
    std::fflush(stdout);
}

double p99(const PhaseResult& r) {
    return percentile(r.latencies(-1), 0.99);
}

// --- The command line ---

std::vector<std::string> split_words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    std::string w;
    while (in >> w)
        out.push_back(w);
    return out;
}

Options parse_options(int argc, char** argv) {
    Options o;
    // Switches first; the rest are "--name VALUE" pairs.
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--tls")
            o.tls = true;
        else if (a == "--no-anchor")
            o.anchor = false;
        else if (a == "--check")
            o.check = true;
        else
            rest.push_back(argv[i]);
    }
    std::string cadence = "1", idle_timeout = "75", header_timeout = "10", request_timeout = "10",
                server_args;
    parse_flags(static_cast<int>(rest.size()), rest.data(),
                {{"--kiosks", o.kiosks},
                 {"--idle", o.idle},
                 {"--slow", o.slow},
                 {"--duration-s", o.duration_s},
                 {"--anchor-duration-s", o.anchor_duration_s},
                 {"--warmup-s", o.warmup_s},
                 {"--cadence-scale", cadence},
                 {"--batch-size", o.batch_size},
                 {"--client-threads", o.client_threads},
                 {"--connect-rate", o.connect_rate},
                 {"--per-address", o.per_address},
                 {"--idle-timeout-s", idle_timeout},
                 {"--header-timeout-s", header_timeout},
                 {"--request-timeout-s", request_timeout},
                 {"--api-enrolled", o.api_enrolled},
                 {"--nginx-workers", o.nginx_workers},
                 {"--server-args", server_args},
                 {"--postgres", o.postgres},
                 {"--dir", o.dir}},
                "see the comment at the top of bench/fleet_bench.cpp");
    o.cadence_scale = std::atof(cadence.c_str());
    o.idle_timeout_s = std::atof(idle_timeout.c_str());
    o.header_timeout_s = std::atof(header_timeout.c_str());
    o.request_timeout_s = std::atof(request_timeout.c_str());
    o.server_args = split_words(server_args);
    if (o.kiosks < 1 || o.idle < 0 || o.slow < 0 || o.duration_s < 1 || o.cadence_scale <= 0 ||
        o.batch_size < 1 || o.batch_size > 500 || o.client_threads < 1 || o.connect_rate < 1 || o.per_address < 1 ||
        o.per_address > 256 || o.idle_timeout_s <= 0 || o.header_timeout_s <= 0 ||
        o.request_timeout_s <= 0 || o.api_enrolled < 0)
        die("an option is out of range (see bench/fleet_bench.cpp)");
    if (o.tls && !o.postgres.empty()) die("--tls and --postgres cannot be combined");
    if (o.anchor_duration_s <= 0) o.anchor_duration_s = o.duration_s;
    if (o.warmup_s <= 0) o.warmup_s = std::clamp(o.kiosks / 500, 5, 30);
    return o;
}

// The server's default I/O threads (HttpServer: half the cores, 1 to 4),
// unless --server-args names them.
int server_io_threads(const Options& o) {
    for (std::size_t i = 0; i + 1 < o.server_args.size(); ++i)
        if (o.server_args[i] == "--io-threads") return std::max(1, std::atoi(o.server_args[i + 1].c_str()));
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::clamp(cores / 2, 1, 4);
}

// Every connection is a descriptor, here and in each service: soft limit up
// to the hard one, and refuse a fleet that cannot fit.
void raise_open_file_limit(long needed) {
    rlimit l{};
    if (getrlimit(RLIMIT_NOFILE, &l) != 0) die("getrlimit failed");
    if (l.rlim_cur < l.rlim_max) {
        rlimit raised = l;
        raised.rlim_cur = l.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) l = raised;
    }
    if (l.rlim_cur != RLIM_INFINITY && static_cast<long>(l.rlim_cur) < needed)
        die("the open-file limit is " + std::to_string(l.rlim_cur) + ", below the " +
            std::to_string(needed) + " this fleet needs (fewer --kiosks, or raise ulimit -n)");
}

} // namespace

int main(int argc, char** argv) {
    set_program("fleet_bench");
    const auto t_all = Clock::now();
    const Options o = parse_options(argc, argv);
    const bool pg = !o.postgres.empty();
    const long connections = static_cast<long>(o.kiosks) + o.idle + o.slow;
    // haproxy holds both sides of each connection: half the limit each.
    if (pg && o.kiosks > 9000)
        die("--postgres runs at most 9000 kiosks: haproxy holds two descriptors a connection "
            "within the open-file limit of 20,000");
    raise_open_file_limit(connections + 200);
    signal(SIGPIPE, SIG_IGN);

    try {
        const WorkDir work(o.dir);
        const std::string& dir = work.path();
        const LoadAverages load = load_averages();
        FleetPlan plan;
        plan.interval_s = {30 / o.cadence_scale, 60 / o.cadence_scale, 300 / o.cadence_scale};
        plan.batch_size = o.batch_size;
        plan.warmup_s = o.warmup_s;
        plan.connect_rate = static_cast<double>(o.connect_rate) / o.client_threads;
        // Soon enough that nginx (client_header_timeout) keeps the connection.
        plan.first_request_s = std::min(0.8 * o.warmup_s, 0.5 * o.header_timeout_s);
        plan.request_timeout_s = o.request_timeout_s;
        double expected_rate = 0;
        for (double s : plan.interval_s)
            expected_rate += o.kiosks / s;

        std::printf("fleet benchmark: %d kiosks + %d idle + %d slow-header connections over %s, "
                    "%s; every %.1f s a heartbeat, every %.1f s a batch of %d, every %.1f s a "
                    "config pull (cadence x%g) = %.1f requests/s (%.0f responses/s); %d s "
                    "measured after a %d s warm-up; %u cores, load average %.2f %.2f %.2f, in "
                    "%s\n",
                    o.kiosks, o.idle, o.slow, o.tls ? "HTTPS" : "HTTP",
                    pg ? "PostgreSQL, two server instances behind haproxy" : "SQLite",
                    plan.interval_s[0], plan.interval_s[1], o.batch_size, plan.interval_s[2],
                    o.cadence_scale, expected_rate, o.kiosks * o.batch_size / plan.interval_s[1],
                    o.duration_s, o.warmup_s, std::thread::hardware_concurrency(), load.one,
                    load.five, load.fifteen, dir.c_str());
        if (load.one > 1.5)
            std::printf("  NOTE: the load average is %.2f before the run: others are using "
                        "this machine, and the figures show it\n",
                        load.one);
        std::fflush(stdout);

        // --- The database and the devices ---
        std::filesystem::create_directories(dir + "/server");
        FleetDatabase db(dir + "/server", o.postgres, TOUCHPOINT_SERVER_BINARY,
                         std::string(TOUCHPOINT_ASSETS_DIR) + "/surveys/checkout.toml");
        SeedReport seed;
        const std::vector<FleetDevice> devices = db.seed(o.kiosks, o.api_enrolled, seed);
        std::printf("  seeding: %d devices in %.2f s on %s: %d through the storage API (one "
                    "transaction each, %.2f ms a device), %d in one transaction (%.3f ms a "
                    "device)\n",
                    o.kiosks, seed.api_s + seed.bulk_s, db.shown_url().c_str(), seed.through_api,
                    seed.through_api ? 1000 * seed.api_s / seed.through_api : 0.0, seed.in_bulk,
                    seed.in_bulk ? 1000 * seed.bulk_s / seed.in_bulk : 0.0);
        if (seed.through_api > 0)
            std::printf("    (all %d through the storage API would take about %.1f s)\n",
                        o.kiosks, seed.api_s / seed.through_api * o.kiosks);
        std::fflush(stdout);

        // --- TLS ---
        std::optional<ssl::context> tls;
        std::string cert, key;
        if (o.tls) {
            make_self_signed_cert(dir);
            cert = dir + "/cert.pem";
            key = dir + "/key.pem";
            tls.emplace(ssl::context::tls_client);
            tls->load_verify_file(cert);
            tls->set_verify_mode(ssl::verify_peer);
            SSL_CTX_set_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
            plan.tls = &*tls;
        }
        // A header that never ends in time: one byte a second.
        plan.trickle = "POST /api/v1/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                       "Bearer " +
                       devices.front().token +
                       "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

        // --- touchpoint-server (one, or two behind haproxy) ---
        ServerSettings ss;
        ss.binary = TOUCHPOINT_SERVER_BINARY;
        ss.db_url = db.url();
        ss.tls_cert = cert;
        ss.tls_key = key;
        ss.idle_timeout_s = o.idle_timeout_s;
        ss.header_timeout_s = o.header_timeout_s;
        ss.behind_proxy = pg;
        ss.extra = o.server_args;
        const int instances = pg ? 2 : 1;
        std::vector<std::unique_ptr<ChildProcess>> servers;
        std::vector<int> server_ports;
        std::string shown;
        for (int i = 0; i < instances; ++i) {
            servers.push_back(std::make_unique<ChildProcess>());
            server_ports.push_back(start_touchpoint_server(*servers.back(), ss, &shown));
        }
        std::printf("  server: touchpoint-server %s (%d instance%s, pid", shown.c_str(), instances,
                    instances == 1 ? "" : "s");
        for (std::size_t i = 0; i < servers.size(); ++i)
            std::printf(" %d", servers[i]->pid());
        std::printf(", port");
        for (int p : server_ports)
            std::printf(" %d", p);
        std::printf(")\n");
        ChildProcess haproxy;
        int target_port = server_ports.front();
        if (pg) {
            HaproxySettings hs;
            hs.dir = dir + "/haproxy";
            hs.backend_ports = server_ports;
            hs.connections = connections + 100;
            hs.idle_timeout_s = o.idle_timeout_s;
            hs.header_timeout_s = o.header_timeout_s;
            target_port = start_haproxy(haproxy, hs);
            std::printf("  proxy: %s on port %d (http mode, roundrobin, http-reuse always, "
                        "option forwardfor; config %s/haproxy.cfg)\n",
                        tool_version({"haproxy", "-v"}).c_str(), target_port, hs.dir.c_str());
        }
        std::fflush(stdout);

        std::vector<Watched> server_watch{{pg ? "servers" : "server", [&servers] {
                                               std::vector<pid_t> p;
                                               for (const auto& s : servers)
                                                   p.push_back(s->pid());
                                               return p;
                                           }}};
        if (pg) {
            for (std::size_t i = 0; i < servers.size(); ++i) {
                const pid_t pid = servers[i]->pid();
                server_watch.push_back(
                    {"server " + std::to_string(i + 1), [pid] { return std::vector<pid_t>{pid}; }});
            }
            server_watch.push_back({"haproxy", [&haproxy] { return with_children(haproxy.pid()); }});
        }

        plan.target = tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"),
                                    static_cast<unsigned short>(target_port));
        plan.host_header = "127.0.0.1:" + std::to_string(target_port);
        const long long stored_before = db.response_count();
        const PhaseResult server =
            run_phase("touchpoint-server", o, plan, devices, o.duration_s, server_watch);
        haproxy.stop();
        for (auto& s : servers)
            s->stop();
        const long long stored = db.response_count() - stored_before;
        print_phase(server, o, server_watch, expected_rate);
        std::printf("    database     %lld responses stored, %llu accepted in answers%s\n", stored,
                    static_cast<unsigned long long>(server.tally.accepted),
                    stored == static_cast<long long>(server.tally.accepted) ? ""
                                                                            : "  MISMATCH");
        std::fflush(stdout);

        // --- The anchor: nginx ---
        std::optional<PhaseResult> anchor;
        std::vector<Watched> nginx_watch;
        ChildProcess nginx;
        if (o.anchor) {
            const std::string version = tool_version({"nginx", "-v"});
            if (version.empty()) die("nginx is not installed (Debian: apt-get install nginx)");
            NginxSettings ns;
            ns.dir = dir + "/nginx";
            ns.workers = o.nginx_workers > 0 ? o.nginx_workers : server_io_threads(o);
            ns.connections = connections + 100;
            ns.idle_timeout_s = o.idle_timeout_s;
            ns.header_timeout_s = o.header_timeout_s;
            ns.tls_cert = cert;
            ns.tls_key = key;
            AnchorAnswers answers{server.tally.bodies[k_heartbeat], server.tally.bodies[k_batch],
                                  server.tally.bodies[k_config], server.tally.etag};
            if (answers.etag.empty()) answers.etag = "\"0\"";
            const int port = start_nginx(nginx, ns, answers);
            std::printf("  anchor: %s, worker_processes %d (as many as the server's I/O "
                        "threads), on port %d, config %s/nginx.conf\n",
                        version.c_str(), ns.workers, port, ns.dir.c_str());
            std::fflush(stdout);
            nginx_watch.push_back({"nginx", [&nginx] { return with_children(nginx.pid()); }});
            plan.target = tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"),
                                        static_cast<unsigned short>(port));
            plan.host_header = "127.0.0.1:" + std::to_string(port);
            anchor = run_phase("nginx", o, plan, devices, o.anchor_duration_s, nginx_watch);
            nginx.stop();
            print_phase(*anchor, o, nginx_watch, expected_rate);
        }

        // --- Targets ---
        const double server_p99 = p99(server);
        const double rss_growth = server.figures[0].peak.rss_mb - server.figures[0].before.rss_mb;
        const double rss_limit = k_target_rss_mb_per_10k * std::max(1.0, o.kiosks / 10000.0);
        bool all_met = true;
        auto verdict = [&all_met](bool met, const std::string& what) {
            all_met = all_met && met;
            std::printf("  %s  %s\n", met ? "PASS" : "FAIL", what.c_str());
        };
        std::printf("  summary: %d kiosks + %d idle + %d slow, %.1f requests/s measured, p99 %.2f "
                    "ms, max %.2f ms, %llu errors, server RSS growth %s (%.1f kB a connection)",
                    o.kiosks, o.idle, o.slow,
                    static_cast<double>(server.measured()) / server.measured_s, server_p99,
                    [&] {
                        const auto v = server.latencies(-1);
                        return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
                    }(),
                    static_cast<unsigned long long>(server.errors()), mb(rss_growth).c_str(),
                    rss_growth * 1024 / static_cast<double>(server.connections));
        if (anchor)
            std::printf("; nginx p50 %.2f p99 %.2f max %.2f ms; ratio server p99 / nginx p99 = "
                        "%.2f",
                        percentile(anchor->latencies(-1), 0.5), p99(*anchor),
                        [&] {
                            const auto v = anchor->latencies(-1);
                            return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
                        }(),
                        p99(*anchor) > 0 ? server_p99 / p99(*anchor) : 0.0);
        std::printf("\n");
        verdict(server_p99 < k_target_p99_ms,
                "p99 < " + fixed(k_target_p99_ms, 0) + " ms: " + fixed(server_p99, 2) + " ms");
        verdict(server.errors() == 0, "errors = 0: " + std::to_string(server.errors()));
        verdict(rss_growth <= rss_limit, "server RSS growth <= " + fixed(rss_limit, 0) +
                                             " MB at " + std::to_string(o.kiosks) +
                                             " kiosks: " + mb(rss_growth));
        if (anchor) {
            const double ratio = p99(*anchor) > 0 ? server_p99 / p99(*anchor) : 0;
            verdict(ratio <= k_target_anchor_ratio,
                    "p99 within " + fixed(k_target_anchor_ratio, 0) + "x nginx's: " +
                        fixed(server_p99, 2) + " ms / " + fixed(p99(*anchor), 2) +
                        " ms = " + fixed(ratio, 2) + "x");
            verdict(anchor->errors() == 0,
                    "anchor errors = 0: " + std::to_string(anchor->errors()));
        } else {
            std::printf("  SKIP  p99 within %.0fx nginx's (--no-anchor)\n", k_target_anchor_ratio);
        }
        const LoadAverages after = load_averages();
        std::printf("  took %.0f s (load average now %.2f %.2f %.2f)\n", ms_since(t_all) / 1000.0,
                    after.one, after.five, after.fifteen);
        const bool errors = server.errors() > 0 || (anchor && anchor->errors() > 0) ||
                            stored != static_cast<long long>(server.tally.accepted);
        if (errors) return 1;
        if (o.check && !all_met) return 1;
    } catch (const std::exception& e) {
        die(e.what());
    }
    return 0;
}
