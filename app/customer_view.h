#pragma once
// What the customer screens show (SPEC "The kiosk (customer side)"), as one
// read-only snapshot the runtime builds for each drawn frame: which screen,
// the survey, the open response's answers so far, and how the screen looks.
// ui/ turns it into the screens' views with the translation catalogue.
#include "core/survey.h"

#include <string>
#include <string_view>
#include <vector>

namespace touchpoint {

// The customer flow's screens (app/flow.h).
enum class Screen { question, reasons, comment, thank_you, sleep, paused };
std::string_view to_string(Screen s);

struct CustomerView {
    Screen screen = Screen::question;
    // The survey running. Owned by the runtime; valid until the runtime next
    // handles an intent, ticks or takes a new configuration (so: this frame).
    const Survey* survey = nullptr;
    std::string language = "en";
    bool high_contrast = false;
    bool large_text = false;
    // The open response (reasons and comment screens).
    int score = 0;
    std::vector<std::string> reasons; // chosen reason ids
    std::string comment;              // UTF-8, within the survey's limit
    bool shift = false;               // the keyboard's one-shot shift
    float thank_you_remaining = 0.0f; // 1 -> 0 on the thank-you screen
    // Idle: the display is dimmed; the next touch only wakes it (never rates).
    bool dimmed = false;
    bool wake_touch = false;
};

} // namespace touchpoint
