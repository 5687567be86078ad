#pragma once
// KioskFlow: the customer journey as a state machine (SPEC "A response's life").
//
//   question -> [reasons] -> [comment] -> thank_you -> question
//
// The first tap writes an open response at once; follow-up answers amend it;
// it is closed when the thank-you screen shows, when the idle timeout resets
// the flow, or at shutdown. Outside opening hours the flow sleeps and records
// nothing; while paused by staff it records nothing either.
//
// Single-threaded: owned and driven by the UI thread. Time comes from the
// injected Clock; call tick() regularly (at least at next_deadline()).
#include "app/clock.h"
#include "app/customer_view.h"
#include "app/response_writer.h"
#include "core/survey.h"
#include "core/touch_point.h"

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint {

struct FlowSettings {
    Survey survey;
    TouchPointSettings touch_point;
    std::string device_id;
    std::string default_language = "en";
};

class KioskFlow {
  public:
    KioskFlow(FlowSettings settings, ResponseWriter& writer, const Clock& clock);

    Screen screen() const { return m_screen; }
    const FlowSettings& settings() const { return m_settings; }
    const std::string& language() const { return m_language; }
    bool high_contrast() const { return m_high_contrast; }
    bool large_text() const { return m_large_text; }
    // The response being answered (open), if any.
    const std::optional<Response>& current() const { return m_current; }
    // Plain-words description of the last storage failure ("" when none).
    const std::string& last_error() const { return m_last_error; }
    // Seconds left on the thank-you screen, as a 0..1 fraction.
    float thank_you_remaining() const;

    // --- Customer actions (ignored on screens where they make no sense) ---
    // Records a rating on the question screen. Returns the storage status;
    // refused, and the flow sleeps, when the wall clock says the touch point
    // is closed (it may have moved since the last opening-hours check).
    Status tap_rating(int score);
    void toggle_reason(const std::string& reason_id);
    void reasons_done();
    // The comment, clipped to the survey's limit in characters: the one
    // place the limit is enforced (the keyboard only shows it).
    void set_comment(const std::string& text);
    void type_comment(const std::string& text); // appends a key's text
    void erase_comment();                       // removes the last character
    void comment_done();
    void skip();            // skip the rest of the follow-up
    void tap_thank_you();   // back to the question at once
    void choose_language(const std::string& code);
    void toggle_high_contrast() { m_high_contrast = !m_high_contrast; note_activity(); }
    void toggle_large_text() { m_large_text = !m_large_text; note_activity(); }
    // Any touch counts as activity for the idle timeout.
    void note_activity();

    // --- Staff actions ---
    void pause();
    void resume();
    bool paused() const { return m_paused; }

    // --- Time ---
    // Applies timeouts (idle reset, thank-you end) and opening hours.
    void tick();
    // Time until tick() next has work to do (for event-driven rendering), or
    // nullopt when only a touch can change anything.
    std::optional<std::chrono::milliseconds> next_deadline() const;

    // Closes the open response (kiosk shutting down).
    void shutdown();

  private:
    void close_current();
    void to_thank_you();
    void to_question();
    bool is_misuse(std::chrono::steady_clock::time_point now);
    void check_opening_hours();

    FlowSettings m_settings;
    ResponseWriter& m_writer;
    const Clock& m_clock;

    Screen m_screen = Screen::question;
    std::string m_language;
    bool m_high_contrast = false;
    bool m_large_text = false;
    bool m_paused = false;
    std::optional<Response> m_current;
    std::string m_last_error;
    std::chrono::steady_clock::time_point m_last_activity{};
    std::chrono::steady_clock::time_point m_thank_you_until{};
    std::deque<std::chrono::steady_clock::time_point> m_recent_taps; // last 60 s of rating taps
    std::chrono::steady_clock::time_point m_next_hours_check{};
};

} // namespace touchpoint
