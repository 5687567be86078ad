#include "app/cli/ui_trace.h"

namespace touchpoint::cli {

UiTrace::UiTrace(const std::string& path) {
    if (!path.empty()) m_out.open(path, std::ios::app);
}

void UiTrace::frame_drawn(const KioskRuntime& runtime) {
    if (!m_out.is_open()) return;
    std::string line = runtime.trace_line();
    if (line == m_last) return;
    m_out << line << "\n" << std::flush;
    m_last = std::move(line);
}

} // namespace touchpoint::cli
