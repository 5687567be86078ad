#pragma once
// A plain TCP connection to a loopback port for the transport tests: sends
// exactly the bytes it is given (half a header, a trickled body), reads an
// answer with a deadline and tells when the server closed. No HTTP library
// in between, so nothing is fixed up, retried or buffered behind the test's
// back. POSIX sockets; loopback (127.0.0.0/8) only.
//
// Not thread-safe: one thread uses a connection at a time.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpt {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// One HTTP answer as it came over the wire.
struct RawAnswer {
    int status = 0;
    std::map<std::string, std::string> headers; // names in lower case
    std::string body;                           // chunked bodies decoded
    bool complete = true; // false: the connection closed before the body ended

    // A header's value, "" when absent (name in any case).
    std::string header(const std::string& name) const;
    // "error.code" of a JSON error body, "" when it is not one.
    std::string error_code() const;
};

// Takes one whole answer off the front of `bytes` (what a connection has
// read so far). Nothing when more bytes are needed; `closed` says none will
// come (a body up to the close is then the answer's, marked incomplete when
// its length said more).
std::optional<RawAnswer> take_answer(std::string& bytes, bool closed);

// A request in bytes: method, target, headers ("Name: value" lines) and an
// optional body with its Content-Length. Host is added.
std::string raw_request(const std::string& method, const std::string& target,
                        const std::vector<std::string>& headers = {},
                        const std::optional<std::string>& body = std::nullopt);

class RawConnection {
  public:
    // Connects to 127.0.0.1:port. `from` binds the client's end to another
    // loopback address (e.g. "127.0.0.2"); `receive_buffer` > 0 sets
    // SO_RCVBUF before connecting (a small window: a client that reads
    // slowly). connected() says whether it worked.
    explicit RawConnection(int port, const std::string& from = "", int receive_buffer = 0);
    ~RawConnection();
    RawConnection(RawConnection&& other) noexcept;
    RawConnection& operator=(RawConnection&& other) noexcept;
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return m_fd >= 0; }
    // errno of a failed connect (0 when it connected).
    int connect_error() const { return m_connect_errno; }
    int fd() const { return m_fd; }
    // The client's port (to find this connection in /proc/net/tcp).
    int local_port() const;

    // Sends every byte, waiting up to `timeout` for room. False when the
    // server closed or reset the connection, or no room came in time.
    bool send(std::string_view bytes, Millis timeout = 5000ms);
    // Waits up to `timeout` for something to read (or the close): true when
    // there is. Reads nothing.
    bool readable(Millis timeout) const;
    // Reads one answer, waiting up to `timeout` in all.
    std::optional<RawAnswer> read_answer(Millis timeout = 5000ms);
    // Reads what arrives within `timeout` into the buffer, up to `limit`
    // bytes; the number read (0 at the close or timeout).
    std::size_t read_some(Millis timeout, std::size_t limit = 65536);
    // Reads and drops what arrives until the server closes: true when it
    // did within `timeout`.
    bool wait_closed(Millis timeout);
    // Whether the server closed (EOF or reset) as far as read so far.
    bool closed() const { return m_closed; }
    // Bytes read but not yet taken as an answer.
    std::string& buffered() { return m_in; }
    void close();

  private:
    // One recv into m_in: bytes read, 0 at the close; -1 when nothing came
    // within timeout.
    long read_once(Millis timeout, std::size_t limit);

    int m_fd = -1;
    int m_connect_errno = 0;
    bool m_closed = false;
    std::string m_in;
};

} // namespace tpt
