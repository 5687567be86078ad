#pragma once
// One drawn frame of the kiosk, both ways: what the runtime shows (the
// customer's screen or the staff area) and what the screens asked for.
// ui::draw_kiosk() turns the first into the second; KioskRuntime::handle()
// takes every intent.
#include "app/customer_intent.h"
#include "app/customer_view.h"
#include "app/staff_view_models.h"

namespace touchpoint {

struct KioskView {
    bool staff_visible = false;
    CustomerView customer; // when the staff area is closed
    StaffView staff;       // when it is open
};

// At most one of the two is not `none`.
struct KioskIntent {
    CustomerIntent customer;
    StaffIntent staff;
    bool any() const {
        return customer.kind != CustomerIntent::Kind::none || staff.kind != StaffIntent::Kind::none;
    }
};

} // namespace touchpoint
