// The names the view models give their states (for diagnostics, traces and
// the staff screens): one definition, in the library ui/ links.
#include "app/customer_view.h"
#include "app/role.h"
#include "app/staff_view_models.h"

namespace touchpoint {

std::string_view to_string(Role r) {
    switch (r) {
    case Role::none: return "none";
    case Role::staff: return "staff";
    case Role::manager: return "manager";
    }
    return "none";
}

std::string_view to_string(Screen s) {
    switch (s) {
    case Screen::question: return "question";
    case Screen::reasons: return "reasons";
    case Screen::comment: return "comment";
    case Screen::thank_you: return "thank_you";
    case Screen::sleep: return "sleep";
    case Screen::paused: return "paused";
    }
    return "question";
}


std::string_view to_string(StaffScreen s) {
    switch (s) {
    case StaffScreen::closed:
        return "closed";
    case StaffScreen::set_pin:
        return "set_pin";
    case StaffScreen::pin:
        return "pin";
    case StaffScreen::dashboard:
        return "dashboard";
    case StaffScreen::huddle:
        return "huddle";
    case StaffScreen::health:
        return "health";
    case StaffScreen::settings:
        return "settings";
    case StaffScreen::connect:
        return "connect";
    }
    return "closed";
}

std::string_view to_string(EnrolmentPhase p) {
    switch (p) {
    case EnrolmentPhase::idle:
        return "idle";
    case EnrolmentPhase::connecting:
        return "connecting";
    case EnrolmentPhase::failed:
        return "failed";
    case EnrolmentPhase::connected:
        return "connected";
    }
    return "idle";
}

std::string language_display_name(const std::string& code) {
    if (code == "en") return "English";
    if (code == "mi") return "Māori";
    if (code == "es") return "Español";
    if (code == "fr") return "Français";
    if (code == "zh") return "中文";
    if (code == "de") return "Deutsch";
    return code;
}

} // namespace touchpoint
