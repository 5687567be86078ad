#pragma once
// What the kiosk flow needs from storage: open, amend and close one response.
// LocalDatabase implements it; tests may substitute a fake.
#include "core/response.h"
#include "core/result.h"

#include <string>
#include <vector>

namespace touchpoint {

class ResponseWriter {
  public:
    virtual ~ResponseWriter() = default;
    // Durably writes a new open response. Fills r.sequence (and may set
    // r.clock_suspect). On error nothing is stored, with one exception no
    // storage can rule out: when the power fails while the commit is being
    // synced, the response may still be on the disk afterwards (kept, never
    // doubled; tests/app/test_power_loss.cpp accepts exactly that).
    virtual Status insert_open(Response& r) = 0;
    // Replaces reasons and comment of a still-open response.
    virtual Status amend(const std::string& id, const std::vector<std::string>& reasons,
                         const std::string& comment) = 0;
    // Closes a response: from now on it may be synced and never changes.
    virtual Status close(const std::string& id) = 0;
};

} // namespace touchpoint
