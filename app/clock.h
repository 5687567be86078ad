#pragma once
// The clock the kiosk flow runs on, injected so tests run the flow in
// microseconds without waiting.
#include <chrono>

namespace touchpoint {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point wall() const = 0;   // local wall clock (UTC)
    virtual std::chrono::steady_clock::time_point mono() const = 0;   // never jumps
};

class SystemClock final : public Clock {
  public:
    std::chrono::system_clock::time_point wall() const override {
        return std::chrono::system_clock::now();
    }
    std::chrono::steady_clock::time_point mono() const override {
        return std::chrono::steady_clock::now();
    }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(std::chrono::system_clock::time_point start) : m_wall(start) {}
    std::chrono::system_clock::time_point wall() const override { return m_wall; }
    std::chrono::steady_clock::time_point mono() const override { return m_mono; }
    void advance(std::chrono::milliseconds d) {
        m_wall += d;
        m_mono += d;
    }
    // Moves only the wall clock (e.g. an NTP correction or a jump back).
    void set_wall(std::chrono::system_clock::time_point t) { m_wall = t; }

  private:
    std::chrono::system_clock::time_point m_wall;
    std::chrono::steady_clock::time_point m_mono{};
};

} // namespace touchpoint
