#pragma once
// What a customer screen asks for (returned by ui's customer screens; the
// runtime handles every one: app/kiosk_runtime.h).
#include <string>

namespace touchpoint {

struct CustomerIntent {
    enum class Kind {
        none,
        rate,              // score
        toggle_reason,     // id = reason id
        reasons_done,
        skip,
        dismiss_thank_you,
        choose_language,   // id = language code
        toggle_contrast,
        toggle_large_text,
        type_text,         // id = the UTF-8 text of the key
        backspace,
        toggle_shift,
        comment_done,
        wake,              // the touch that woke a dimmed screen has lifted
    };
    Kind kind = Kind::none;
    int score = 0;
    std::string id = {};
};

// The keyboard's shift after an intent: toggle_shift flips it; typing turns
// a one-shot shift off again; anything else keeps it.
inline bool shift_after(bool shift, const CustomerIntent& in) {
    if (in.kind == CustomerIntent::Kind::toggle_shift) return !shift;
    if (in.kind == CustomerIntent::Kind::type_text) return false;
    return shift;
}

} // namespace touchpoint
