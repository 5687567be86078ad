#pragma once
// Diagnostics (--ui-trace): one JSON line (KioskRuntime::trace_line) each
// time what is shown changes; the end-to-end tests read it.
#include "app/kiosk_runtime.h"

#include <fstream>
#include <string>

namespace touchpoint::cli {

class UiTrace {
  public:
    // "" traces nothing.
    explicit UiTrace(const std::string& path);
    void frame_drawn(const KioskRuntime& runtime);

  private:
    std::ofstream m_out;
    std::string m_last;
};

} // namespace touchpoint::cli
