#pragma once
// The whole kiosk as one function of state: draws the frame the runtime shows
// (app/kiosk_view.h) — the customer's screen, or the staff area over it — in
// its theme, and returns what was asked for. Call between ImGui::NewFrame()
// and ImGui::Render() on the UI thread.
#include "app/kiosk_view.h"
#include "app/translations.h"

namespace touchpoint::ui {

KioskIntent draw_kiosk(const KioskView& view, const Catalogue& cat, float dpi);

} // namespace touchpoint::ui
