#pragma once
// RedrawScheduler: when the kiosk draws a frame and how long its loop may
// sleep otherwise. Render only when something changed: an idle kiosk uses
// ~0 % CPU (STYLE "Dear ImGui"; bench/ measures it).
//
// Each turn the loop asks wait_ms() how long to wait for events, reports
// what happened (waited(), shown_changed(), drawn(), handled(), failed())
// and asks due() whether to draw. The rules:
// - after events or a handled intent, 3 frames: a tap needs a press frame
//   and a release frame, and ImGui one more to settle;
// - when what is shown changed by itself (a timeout, dimming, new fonts),
//   2 frames; 1 for a staff screen (refreshed figures, a lock's countdown);
// - while an animation runs (the thank-you countdown), a frame every 100 ms;
// - settling: for a while after the start and after any window event, a
//   frame at least every 250 ms, since a compositor may show the window
//   only after its first frames (cage maps an Xwayland window late and
//   sends no expose event for it);
// - otherwise the loop sleeps until the next deadline has passed, at most
//   `max_wait`.
//
// Pure: time is passed in. Single-threaded (the UI thread).
#include <chrono>
#include <optional>

namespace touchpoint {

class RedrawScheduler {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr int k_frames_after_input = 3;
    static constexpr int k_frames_after_change = 2;
    static constexpr int k_frames_after_staff_change = 1;
    static constexpr std::chrono::milliseconds k_animation_step{100};
    static constexpr std::chrono::milliseconds k_settle_step{250};
    static constexpr std::chrono::milliseconds k_max_wait{1000};

    // Settles for `settle` from `start`; never sleeps longer than `max_wait`
    // (e.g. less, so a service watchdog hears from an idle kiosk in time).
    RedrawScheduler(time_point start, std::chrono::milliseconds settle,
                    std::chrono::milliseconds max_wait = k_max_wait);

    // How long the event wait may sleep at `now`, in ms: 0 while frames are
    // due or input waits for its frame; else until just after `deadline`
    // (the app's next timeout), shorter while animating or settling.
    int wait_ms(time_point now, std::optional<std::chrono::milliseconds> deadline, bool animating,
                bool input_pending) const;
    // The wait ended at `now`, with events or without; a window event
    // (shown, exposed, resized, focus) starts settling again.
    void waited(time_point now, bool events, bool window_changed);
    // What is shown changed by itself, or an animation moved on.
    void shown_changed(bool staff_screen = false);
    // Whether this turn draws: a frame is due, or input waits for one.
    bool due(bool input_pending) const { return m_frames > 0 || input_pending; }
    void drawn();
    // An intent was handled: its outcome is drawn.
    void handled();
    // A turn failed: draw again after the next event or deadline, not at
    // once, so a fault that repeats does not spin the loop.
    void failed() { m_frames = 0; }

    int frames_due() const { return m_frames; }
    bool settling(time_point now) const { return now < m_settle_until; }

  private:
    std::chrono::milliseconds m_settle;
    std::chrono::milliseconds m_max_wait;
    time_point m_settle_until;
    int m_frames = k_frames_after_input; // the first frames
};

} // namespace touchpoint
