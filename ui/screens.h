#pragma once
// The customer-side screens as functions of state: each takes a read-only
// view and returns what the customer asked for (an Intent). No database, no
// network, no state kept between calls (ImGui's own widget state aside).
//
// Each draw_* call draws one full-screen window covering io.DisplaySize and
// must be called between ImGui::NewFrame() and ImGui::Render(), on the UI
// thread. Text is UTF-8; fonts are whatever the atlas holds (the screens pick
// the loaded size closest to what they need — see ui/theme.h font_pixel_sizes).
#include <string>
#include <utility>
#include <vector>

#include "app/customer_intent.h"
#include "core/scale.h"

namespace touchpoint::ui {

// How a screen looks, shared by every view.
struct Look {
    bool high_contrast = false;
    bool large_text = false;
    float dpi = 96.0f; // display DPI; touch targets stay >= 12 mm at this DPI
    // Idle: a dark translucent overlay covers the screen (the display is
    // also dimmed where the platform can). While dimmed or wake_touch is set,
    // a full-screen shield takes the next touch and reports Intent::Kind::wake
    // when it lifts, so the touch that wakes the kiosk never rates.
    bool dimmed = false;
    bool wake_touch = false;
};

struct Answer {
    int score = 0;
    std::string label; // shown under the face / on the tile; never colour alone
};

struct QuestionView {
    std::string question;
    Scale scale = Scale::smiley5;
    std::vector<Answer> answers; // in score order, lowest first; empty = default_answers(scale)
    // End labels for the numbered scales (nps, ces7); empty = English defaults.
    std::string low_label;  // "Not likely" / "Very difficult"
    std::string high_label; // "Very likely" / "Very easy"
    std::vector<std::pair<std::string, std::string>> languages; // code, display name
    std::string language;                                       // current code
    std::string high_contrast_label = "High contrast";
    std::string large_text_label = "Larger text";
    Look look;
    std::string wake_hint = {}; // shown on the dimmed overlay ("Tap anywhere to continue")
};

struct ReasonsView {
    std::string prompt;                                       // "What was the main reason?"
    std::vector<std::pair<std::string, std::string>> reasons; // id, label
    std::vector<std::string> chosen;                          // ids currently selected
    std::string done_label = "Done";
    std::string skip_label = "Skip";
    Look look;
};

struct ThankYouView {
    std::string text;
    float remaining = 1.0f; // countdown 1 -> 0, drawn as a shrinking bar
    Look look;
};

// Sleep, paused and fatal-error screens: no touch targets.
struct MessageView {
    std::string title;
    std::string text;
    Look look;
    std::string wake_hint = {}; // shown on the dimmed overlay
};

// The optional comment, typed on the on-screen keyboard (ui/keyboard.h).
// `text` is the comment so far; the keys' intents go to the runtime, whose
// flow edits the comment and holds it to its limit.
struct CommentView {
    std::string prompt;     // "Anything else you'd like to tell us? (optional)"
    std::string text;       // UTF-8
    int max_chars = 200;    // in characters (code points)
    bool shift = false;     // letter keys show and type capitals
    std::string language = "en"; // picks the keyboard's layout and accented letters
    std::string limit_label = "{count} / {max}";
    std::string full_label = "That's the limit"; // shown when max_chars is reached
    std::string done_label = "Done";
    std::string skip_label = "Skip";
    std::string space_label = "Space";
    std::string shift_label = "Shift";
    std::string backspace_label = "Delete";
    Look look;
};

// What a customer screen asks for; the runtime handles it (app/kiosk_runtime.h).
using Intent = CustomerIntent;

// English labels for a scale: "Very unhappy".."Very happy", "0".."10", ...
std::vector<Answer> default_answers(Scale scale);

Intent draw_question(const QuestionView& view);
Intent draw_reasons(const ReasonsView& view);
Intent draw_thank_you(const ThankYouView& view);
// Draws the screen; returns Intent::Kind::wake once a wake-up touch lifts
// (see Look::dimmed), else none.
Intent draw_message(const MessageView& view);
// The comment screen with its keyboard (drawn by ui/keyboard.cpp).
Intent draw_comment(const CommentView& view);

} // namespace touchpoint::ui
