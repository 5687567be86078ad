#pragma once
// What the kiosk sets up before its first frame, besides the window and the
// runtime: its configuration (with the server's, once enrolled), identity
// and translations; the database; the link to head office; the window's
// options. Each step prints why it failed.
#include "app/cli/command_line.h"
#include "app/identity.h"
#include "app/kiosk_config.h"
#include "app/local_database.h"
#include "app/translations.h"
#include "platform/window.h"
#include "sync/enroll.h"

#include <memory>
#include <optional>
#include <string>

namespace touchpoint::cli {

// The config's (or --renderer's) renderer by name.
platform::Renderer renderer_named(const std::string& name);

// What the kiosk reads before it shows anything.
struct KioskStart {
    KioskConfig cfg;
    DeviceIdentity identity;
    Catalogue catalogue;
};

// Reads and checks the configuration the kiosk needs before its window
// (the server's, cached, for an enrolled kiosk); 0 when it may start, else
// the exit code (the reason is printed). May run on its own thread.
int prepare_kiosk(Options& opt, KioskStart& out);

// Opens the database, closes what the last run left open and prunes old
// synced rows; nullptr when it cannot be opened (the reason is printed).
std::unique_ptr<LocalDatabase> open_kiosk_database(const std::string& data_dir, int retention_days);

// The link to head office: the sync thread once the kiosk is enrolled (an
// enrolled kiosk runs the touch point settings and survey its server gave
// it, cached at enrolment and after each pull), and enrolment from the
// manager's settings ("Connect to head office"), which starts it.
std::unique_ptr<sync::HeadOfficeLink>
start_sync(const KioskConfig& cfg, const DeviceIdentity& identity, const std::string& data_dir);

// Full screen, or --windowed's size, or the config's.
platform::WindowOptions window_options(const Options& opt, const KioskConfig& cfg);

} // namespace touchpoint::cli
