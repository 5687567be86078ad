#pragma once
// A loopback HTTP proxy that misbehaves on purpose, between a kiosk and its
// server: it drops connections, delays, answers 500/503 with Retry-After,
// truncates answers, cuts the connection after the server committed but
// before the client read the answer, and rewrites the server's answers to
// batches. One request per connection.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace tpsync {

struct FaultPlan {
    double drop_before = 0;       // close without forwarding
    double delay = 0;             // forward after a random delay
    double error_500 = 0;         // answer 500 without forwarding
    double error_503 = 0;         // answer 503 + Retry-After without forwarding
    double truncate = 0;          // forward, then send half of the answer
    double cut_after_commit = 0;  // forward, then close without answering
    // When set, a 200 answer to POST /api/v1/batches reaches the client with
    // this body instead (the server has handled the request as usual).
    // Arguments: the request's body, the server's answer body.
    std::function<std::string(const std::string& request, const std::string& answer)> rewrite_batch_answer;
    int max_delay_ms = 300;
    int retry_after_s = 1;
    std::uint64_t seed = 1;
};

struct FaultCounts {
    std::atomic<int> requests{0}, passed{0}, dropped{0}, delayed{0}, errors_500{0}, errors_503{0},
        truncated{0}, cut_after_commit{0}, rewritten{0};
};

class FaultProxy {
  public:
    FaultProxy(int upstream_port, FaultPlan plan);
    ~FaultProxy();
    int port() const { return m_port; }
    const FaultCounts& counts() const { return m_counts; }
    void set_plan(const FaultPlan& plan);

  private:
    void accept_loop();
    void handle(int client_fd, std::uint64_t roll_seed);

    int m_upstream;
    int m_listen_fd = -1;
    int m_port = 0;
    FaultPlan m_plan;
    std::mutex m_mutex;
    std::mt19937_64 m_rng;
    std::atomic<bool> m_stop{false};
    std::thread m_acceptor;
    std::vector<std::thread> m_workers;
    FaultCounts m_counts;
};

} // namespace tpsync
