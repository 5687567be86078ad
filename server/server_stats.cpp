#include "server/server_stats.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace touchpoint::server {

namespace {

// Label values are escaped as the text format asks (backslash, quote, newline).
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// The shortest text that reads back as `v` ("0.005", not
// "0.0050000000000000001"), so a query on le="0.005" matches.
std::string number(double v) {
    char buf[32];
    for (int digits = 6; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

} // namespace

void ServerStats::count_request(const std::string& route, const std::string& method, int status) {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_requests[{route, method, status}];
}

void ServerStats::count_ingested(std::int64_t responses) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_ingested += responses;
}

void ServerStats::observe_ingest_seconds(double seconds) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        if (seconds <= k_buckets[i]) {
            ++m_bucket_counts[i];
            break;
        }
    }
    ++m_ingest_count;
    m_ingest_sum += seconds;
}

std::string ServerStats::render(std::int64_t silent_devices) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::ostringstream os;
    os << "# HELP touchpoint_http_requests_total HTTP requests answered, by route, method and "
          "status.\n"
          "# TYPE touchpoint_http_requests_total counter\n";
    for (const auto& [k, n] : m_requests)
        os << "touchpoint_http_requests_total{route=\"" << label(std::get<0>(k)) << "\",method=\""
           << label(std::get<1>(k)) << "\",status=\"" << std::get<2>(k) << "\"} " << n << "\n";
    os << "# HELP touchpoint_responses_ingested_total Responses stored from device batches "
          "(duplicates not counted).\n"
          "# TYPE touchpoint_responses_ingested_total counter\n"
          "touchpoint_responses_ingested_total "
       << m_ingested << "\n";
    os << "# HELP touchpoint_ingest_duration_seconds Time to read, store and answer one batch.\n"
          "# TYPE touchpoint_ingest_duration_seconds histogram\n";
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        cumulative += m_bucket_counts[i];
        os << "touchpoint_ingest_duration_seconds_bucket{le=\"" << number(k_buckets[i]) << "\"} "
           << cumulative << "\n";
    }
    os << "touchpoint_ingest_duration_seconds_bucket{le=\"+Inf\"} " << m_ingest_count << "\n"
       << "touchpoint_ingest_duration_seconds_sum " << number(m_ingest_sum) << "\n"
       << "touchpoint_ingest_duration_seconds_count " << m_ingest_count << "\n";
    os << "# HELP touchpoint_silent_devices Devices silent for three heartbeat intervals of "
          "opening hours.\n"
          "# TYPE touchpoint_silent_devices gauge\n"
          "touchpoint_silent_devices "
       << silent_devices << "\n";
    return os.str();
}

} // namespace touchpoint::server
