#include "ui/kiosk_screen.h"

#include "ui/customer_screen.h"
#include "ui/staff_screens.h"
#include "ui/theme.h"

namespace touchpoint::ui {

KioskIntent draw_kiosk(const KioskView& view, const Catalogue& cat, float dpi) {
    // The customer's high-contrast choice never reaches the staff screens.
    apply_theme(!view.staff_visible && view.customer.high_contrast);
    KioskIntent in;
    if (view.staff_visible)
        in.staff = draw_staff(view.staff, dpi);
    else
        in.customer = draw_customer(view.customer, cat, dpi);
    return in;
}

} // namespace touchpoint::ui
