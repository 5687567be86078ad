#pragma once
// The customer side as one function of state: builds the view of whatever
// screen the flow is on from the flow, the survey and the translation
// catalogue, draws it, and returns the customer's intent.
#include "app/flow.h"
#include "app/translations.h"
#include "ui/screens.h"

#include <string>
#include <vector>

namespace touchpoint::ui {

// UI-only state the flow does not own.
struct CustomerState {
    bool shift = false;      // the keyboard's one-shot shift
    bool dimmed = false;     // the display is dimmed
    bool wake_touch = false; // the next touch only wakes the display
};

Intent draw_customer(const KioskFlow& flow, const Catalogue& cat, const CustomerState& state,
                     float dpi);

// Every text the customer screens may show for this survey in `language`
// (survey texts, catalogue texts, keyboard keys) plus every language's own
// name for the switch, so the font atlas holds just the glyphs needed: a
// small atlas builds fast. Rebuild it when the language changes.
std::vector<std::string> customer_texts(const Survey& survey, const Catalogue& cat,
                                        const std::string& language);

} // namespace touchpoint::ui
