#include "flow.h"

#include "core/local_time.h"
#include "core/uuid.h"

#include <algorithm>

namespace touchpoint {

using namespace std::chrono;

namespace {
constexpr auto k_burst_window = seconds{60};
constexpr std::size_t k_burst_taps = 5; // taps beyond the 5th within 60 s are misuse
constexpr auto k_hours_check_period = seconds{30};

milliseconds to_ms(double seconds_value) {
    return milliseconds{static_cast<long long>(seconds_value * 1000.0)};
}
} // namespace

KioskFlow::KioskFlow(FlowSettings settings, ResponseWriter& writer, const Clock& clock)
    : m_settings(std::move(settings)), m_writer(writer), m_clock(clock),
      m_language(m_settings.default_language) {
    m_last_activity = m_clock.mono();
    check_opening_hours();
}

float KioskFlow::thank_you_remaining() const {
    if (m_screen != Screen::thank_you) return 0.0f;
    auto total = to_ms(m_settings.touch_point.thank_you_s);
    auto left = duration_cast<milliseconds>(m_thank_you_until - m_clock.mono());
    if (left.count() <= 0 || total.count() <= 0) return 0.0f;
    return std::min(1.0f, static_cast<float>(left.count()) / static_cast<float>(total.count()));
}

bool KioskFlow::is_misuse(steady_clock::time_point now) {
    while (!m_recent_taps.empty() && now - m_recent_taps.front() >= k_burst_window)
        m_recent_taps.pop_front();
    bool too_fast = !m_recent_taps.empty() &&
                    now - m_recent_taps.back() < to_ms(m_settings.touch_point.response_interval_s);
    bool burst = m_recent_taps.size() >= k_burst_taps;
    m_recent_taps.push_back(now);
    return too_fast || burst;
}

Status KioskFlow::tap_rating(int score) {
    if (m_screen != Screen::question) return Status::failure("not on the question screen");
    const Survey& survey = m_settings.survey;
    if (!score_in_range(survey.scale, score))
        return Status::failure("score " + std::to_string(score) + " is outside the " +
                               std::string(to_string(survey.scale)) + " scale");
    note_activity();
    const auto now_mono = m_clock.mono();
    const auto now_wall = m_clock.wall();
    // Hours are otherwise checked every k_hours_check_period, so the wall
    // clock may have passed closing time (or jumped) since: a tap at a closed
    // hour is not recorded, and the kiosk goes to sleep at once.
    if (!m_settings.touch_point.is_open(now_wall)) {
        check_opening_hours();
        return Status::failure("the touch point is closed");
    }

    Response r;
    r.id = make_uuid();
    r.device_id = m_settings.device_id;
    r.touch_point = m_settings.touch_point.key;
    r.survey_id = survey.id;
    r.survey_version = survey.version;
    r.question_id = survey.question_id;
    r.scale = survey.scale;
    r.score = score;
    r.language = m_language;
    r.utc_ms = duration_cast<milliseconds>(now_wall.time_since_epoch()).count();
    LocalStamp stamp = local_stamp(m_settings.touch_point.time_zone, now_wall);
    r.local_time = stamp.iso;
    r.local_day = stamp.day;
    r.local_hour = stamp.hour;
    r.misuse = is_misuse(now_mono);

    Status st = m_writer.insert_open(r);
    if (!st) {
        // The customer still gets a thank-you; staff see the error.
        m_last_error = st.error();
        to_thank_you();
        return st;
    }
    m_last_error.clear();
    m_current = std::move(r);
    if (!survey.reasons_for(score).empty()) {
        m_screen = Screen::reasons;
    } else if (survey.comment) {
        m_screen = Screen::comment;
    } else {
        to_thank_you();
    }
    return st;
}

void KioskFlow::toggle_reason(const std::string& reason_id) {
    if (m_screen != Screen::reasons || !m_current) return;
    note_activity();
    const auto& allowed = m_settings.survey.reasons_for(m_current->score);
    bool known = std::any_of(allowed.begin(), allowed.end(),
                             [&](const Reason& r) { return r.id == reason_id; });
    if (!known) return;
    auto& chosen = m_current->reasons;
    auto it = std::find(chosen.begin(), chosen.end(), reason_id);
    if (it == chosen.end())
        chosen.push_back(reason_id);
    else
        chosen.erase(it);
    Status st = m_writer.amend(m_current->id, chosen, m_current->comment);
    if (!st) m_last_error = st.error();
}

void KioskFlow::reasons_done() {
    if (m_screen != Screen::reasons) return;
    note_activity();
    if (m_settings.survey.comment)
        m_screen = Screen::comment;
    else
        to_thank_you();
}

void KioskFlow::set_comment(const std::string& text) {
    if (m_screen != Screen::comment || !m_current) return;
    note_activity();
    std::string clipped = text;
    // Clip to the limit in characters (UTF-8 aware: never split a code point).
    std::size_t chars = 0, i = 0;
    const std::size_t limit = static_cast<std::size_t>(m_settings.survey.comment_max_length);
    while (i < clipped.size()) {
        if (chars == limit) {
            clipped.resize(i);
            break;
        }
        unsigned char c = static_cast<unsigned char>(clipped[i]);
        i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
        ++chars;
    }
    m_current->comment = clipped;
    Status st = m_writer.amend(m_current->id, m_current->reasons, m_current->comment);
    if (!st) m_last_error = st.error();
}

void KioskFlow::type_comment(const std::string& text) {
    if (m_screen != Screen::comment || !m_current) return;
    set_comment(m_current->comment + text);
}

void KioskFlow::erase_comment() {
    if (m_screen != Screen::comment || !m_current) return;
    std::string text = m_current->comment;
    // The last whole character: drop UTF-8 continuation bytes, then its lead.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
        text.pop_back();
    if (!text.empty()) text.pop_back();
    set_comment(text);
}

void KioskFlow::comment_done() {
    if (m_screen != Screen::comment) return;
    note_activity();
    to_thank_you();
}

void KioskFlow::skip() {
    if (m_screen != Screen::reasons && m_screen != Screen::comment) return;
    note_activity();
    to_thank_you();
}

void KioskFlow::tap_thank_you() {
    if (m_screen != Screen::thank_you) return;
    note_activity();
    to_question();
}

void KioskFlow::choose_language(const std::string& code) {
    if (m_screen == Screen::sleep || m_screen == Screen::paused) return;
    note_activity();
    if (m_settings.survey.question.count(code)) m_language = code;
}

void KioskFlow::note_activity() { m_last_activity = m_clock.mono(); }

void KioskFlow::pause() {
    if (m_screen == Screen::reasons || m_screen == Screen::comment || m_screen == Screen::thank_you)
        close_current();
    m_paused = true;
    m_screen = Screen::paused;
}

void KioskFlow::resume() {
    m_paused = false;
    m_screen = Screen::question;
    to_question();
    check_opening_hours();
}

void KioskFlow::tick() {
    const auto now = m_clock.mono();
    switch (m_screen) {
    case Screen::reasons:
    case Screen::comment:
        // Idle reset: the partial follow-up was already written; close and go back.
        if (now - m_last_activity >= to_ms(m_settings.touch_point.idle_timeout_s)) {
            close_current();
            to_question();
        }
        break;
    case Screen::thank_you:
        if (now >= m_thank_you_until) to_question();
        break;
    case Screen::question:
    case Screen::sleep:
        if (now >= m_next_hours_check) check_opening_hours();
        break;
    case Screen::paused:
        break;
    }
}

std::optional<milliseconds> KioskFlow::next_deadline() const {
    const auto now = m_clock.mono();
    auto until = [&](steady_clock::time_point t) {
        return std::max(milliseconds{0}, duration_cast<milliseconds>(t - now));
    };
    switch (m_screen) {
    case Screen::reasons:
    case Screen::comment:
        return until(m_last_activity + to_ms(m_settings.touch_point.idle_timeout_s));
    case Screen::thank_you:
        return until(m_thank_you_until);
    case Screen::question:
    case Screen::sleep:
        return until(m_next_hours_check);
    case Screen::paused:
        return std::nullopt;
    }
    return std::nullopt;
}

void KioskFlow::shutdown() { close_current(); }

void KioskFlow::close_current() {
    if (!m_current) return;
    Status st = m_writer.close(m_current->id);
    if (!st) m_last_error = st.error();
    m_current.reset();
}

void KioskFlow::to_thank_you() {
    close_current();
    m_screen = Screen::thank_you;
    m_thank_you_until = m_clock.mono() + to_ms(m_settings.touch_point.thank_you_s);
}

void KioskFlow::to_question() {
    close_current();
    // The next customer starts from the defaults.
    m_language = m_settings.default_language;
    m_high_contrast = false;
    m_large_text = false;
    m_screen = m_paused ? Screen::paused : Screen::question;
    check_opening_hours();
}

void KioskFlow::check_opening_hours() {
    m_next_hours_check = m_clock.mono() + k_hours_check_period;
    if (m_paused) return;
    bool open = m_settings.touch_point.is_open(m_clock.wall());
    if (!open && m_screen == Screen::question) m_screen = Screen::sleep;
    if (open && m_screen == Screen::sleep) m_screen = Screen::question;
}

} // namespace touchpoint
