#pragma once
// What the server counts for Prometheus (/metrics): requests by route, method
// and status, responses ingested, and the latency of ingesting a batch.
// Rendered in the Prometheus text exposition format (version 0.0.4).
//
// Thread-safety: every method may be called from any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace touchpoint::server {

class ServerStats {
  public:
    // `route` is the route's pattern ("/api/v1/responses/{id}"), never the
    // raw path, so the number of series stays bounded.
    void count_request(const std::string& route, const std::string& method, int status);
    void count_ingested(std::int64_t responses);
    void observe_ingest_seconds(double seconds);

    // The exposition text; `silent_devices` is measured by the caller at
    // scrape time.
    std::string render(std::int64_t silent_devices) const;

    // Upper bounds of the ingest latency histogram, in seconds.
    static constexpr std::array<double, 11> k_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1.0,  2.5,   5.0,  10.0};

  private:
    mutable std::mutex m_mutex;
    std::map<std::tuple<std::string, std::string, int>, std::int64_t> m_requests;
    std::int64_t m_ingested = 0;
    std::array<std::int64_t, k_buckets.size()> m_bucket_counts{}; // not cumulative
    std::int64_t m_ingest_count = 0;
    double m_ingest_sum = 0;
};

} // namespace touchpoint::server
