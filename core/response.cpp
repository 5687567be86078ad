#include "response.h"

namespace touchpoint {

std::string_view to_string(SyncState s) {
    switch (s) {
    case SyncState::pending: return "pending";
    case SyncState::synced: return "synced";
    case SyncState::rejected: return "rejected";
    }
    return "pending";
}

} // namespace touchpoint
