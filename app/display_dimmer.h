#pragma once
// DisplayDimmer: when to dim an idle kiosk (SPEC "the display dims when idle").
//
// While enabled (the caller enables it on the question and sleep screens),
// the display dims once `timeout` has passed without activity. A touch while
// dimmed wakes the display and is a *wake-up touch*: it must not also rate.
// The UI swallows it (ui::Look::wake_touch draws a full-screen shield that
// answers Intent::Kind::wake when the finger lifts); the caller then calls
// consume_wake_touch(). Until then wake_touch_pending() stays true.
//
// Pure logic with the time passed in, so tests run without a clock or window.
// Single-threaded (the UI thread).
#include <chrono>
#include <optional>

namespace touchpoint {

class DisplayDimmer {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    // timeout <= 0: never dims. Starts enabled, awake, idle since `now`.
    explicit DisplayDimmer(std::chrono::milliseconds timeout, time_point now = {});

    // A touch (or anything that counts as the customer's activity). If the
    // display was dimmed at `now`, this touch only wakes it.
    void note_activity(time_point now);
    // Dims only while enabled; enabling (after being disabled) restarts the
    // idle timer, so a customer leaving the follow-up screens is not dimmed at once.
    void set_enabled(bool enabled, time_point now);
    bool enabled() const { return m_enabled; }

    bool dimmed(time_point now) const;
    // A wake-up touch happened and its release has not been consumed yet.
    bool wake_touch_pending() const { return m_wake_pending; }
    // True (once) if a wake-up touch was pending; clears it.
    bool consume_wake_touch();

    // Time until dimmed() turns true, for the caller's event wait; nullopt
    // when it never will without a change (disabled, no timeout, already dim).
    std::optional<std::chrono::milliseconds> until_dim(time_point now) const;

  private:
    std::chrono::milliseconds m_timeout;
    time_point m_last_activity;
    bool m_enabled = true;
    bool m_wake_pending = false;
};

} // namespace touchpoint
