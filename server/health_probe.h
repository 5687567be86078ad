#pragma once
// A GET /healthz sent to a touchpoint-server's own listener (plain HTTP or
// HTTPS, the certificate not checked: it is our own), with one deadline for
// connecting, the TLS handshake, the request and the whole answer. The
// service watchdog uses it to prove requests are being served; the doctor to
// tell whether the address is held by a running touchpoint-server.
//
// Thread-safe: each call uses its own socket.
#include "core/result.h"

#include <chrono>
#include <string>

namespace touchpoint::server {

struct ProbeTarget {
    std::string host; // as listened on; 0.0.0.0 and :: are probed on loopback
    int port = 0;
    bool tls = false;
};

struct ProbeAnswer {
    int status = 0;   // HTTP status
    std::string body; // the body as sent
};

// Asks GET /healthz. An error says what failed (connect, handshake, no answer
// before the deadline, not HTTP).
Result<ProbeAnswer> probe_healthz(const ProbeTarget& target, std::chrono::milliseconds timeout);

// Whether the answer came from a touchpoint-server's /healthz handler (the
// worker ran it): {"status":"ok"} with 200 or {"status":"unavailable"} with
// 503 (storage out of reach or full, which a restart does not mend). A 503
// `overloaded` from the transport's full queue is not one.
bool answered_by_healthz(const ProbeAnswer& answer);

} // namespace touchpoint::server
