#pragma once
// The customer side as one function of state: builds the view of whatever
// screen the runtime shows (app/customer_view.h) with the translation
// catalogue, draws it, and returns the customer's intent.
#include "app/customer_view.h"
#include "app/translations.h"
#include "ui/screens.h"

#include <string>
#include <vector>

namespace touchpoint::ui {

Intent draw_customer(const CustomerView& view, const Catalogue& cat, float dpi);
// The question screen's view as draw_customer builds it (for aiming at its
// answers with layout_question()).
QuestionView question_view(const CustomerView& view, const Catalogue& cat, const Look& look);

// Every text the customer screens may show for this survey in `language`
// (survey texts, catalogue texts, keyboard keys) plus every language's own
// name for the switch, so the font atlas holds just the glyphs needed: a
// small atlas builds fast. Rebuild it when the language changes.
std::vector<std::string> customer_texts(const Survey& survey, const Catalogue& cat,
                                        const std::string& language);

} // namespace touchpoint::ui
