#pragma once
// The server as `touchpoint-kiosk doctor` sees it: one authenticated request
// with this kiosk's token, the way the sync thread makes them (same client,
// same certificate checks), and the server's clock from its answer.
#include "app/kiosk_doctor.h"
#include "sync/http.h"

#include <string>

namespace touchpoint::sync {

// POSTs an empty batch to /api/v1/batches: no response is sent, nothing is
// stored but the device's last-seen time, and the answer carries
// server_utc_ms (GET /api/v1/config, which changes nothing, carries no
// time). Blocks on the network for up to `http`'s timeouts.
ServerProbe probe_server(const HttpOptions& http, const std::string& token);

} // namespace touchpoint::sync
