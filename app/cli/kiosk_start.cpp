#include "app/cli/kiosk_start.h"

#include "app/clock.h"
#include "sync/remote_config.h"

#include <chrono>
#include <iostream>

namespace touchpoint::cli {

platform::Renderer renderer_named(const std::string& name) {
    return name == "software" ? platform::Renderer::software
           : name == "gpu"    ? platform::Renderer::gpu
                              : platform::Renderer::automatic;
}

int prepare_kiosk(Options& opt, KioskStart& out) {
    // The config may leave out [touch_point] when the kiosk is enrolled (the
    // server provides it); that is known once the identity in the data dir is read.
    auto cfg = load_config(opt, true);
    if (!cfg) {
        std::cerr << "touchpoint-kiosk: " << cfg.error() << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad configuration\n";
        return 2;
    }
    auto identity = DeviceIdentity::load_or_create(opt.data_dir);
    if (!identity) {
        std::cerr << "touchpoint-kiosk: " << identity.error() << "\n";
        return 1;
    }
    const bool enrolled = !identity->device_token.empty() && !identity->server_url.empty();
    if (!enrolled && !cfg->touch_point) {
        std::cerr << "touchpoint-kiosk: " << missing_touch_point_message(cfg->origin) << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad configuration\n";
        return 2;
    }
    // An enrolled kiosk runs what its server gave it (cached at enrolment).
    std::optional<sync::RemoteConfig> remote;
    if (enrolled) {
        auto r = sync::load_remote_config(opt.data_dir);
        if (!r && !cfg->touch_point) {
            std::cerr << "touchpoint-kiosk: " << r.error() << "\n";
            return 1;
        }
        if (r) remote = std::move(*r);
    }
    if (remote) {
        cfg->touch_point = remote->touch_point;
        if (remote->survey) cfg->survey = *remote->survey;
        cfg->device.server_url = identity->server_url;
        if (!cfg->survey.question.count(cfg->device.default_language) &&
            !cfg->survey.question.empty())
            cfg->device.default_language = cfg->survey.question.count("en")
                                               ? std::string("en")
                                               : cfg->survey.languages().front();
    }
    if (cfg->survey.question.empty()) {
        std::cerr << "touchpoint-kiosk: no survey has been published for this touch point yet\n";
        return 1;
    }
    auto catalogue = load_catalogue(assets_dir() + "/i18n", cfg->survey.languages());
    if (!catalogue) {
        std::cerr << "touchpoint-kiosk: " << catalogue.error() << "\n"
                  << "touchpoint-kiosk: refusing to start with a bad translation file\n";
        return 2;
    }
    for (const auto& lang : catalogue->missing())
        std::cerr << "touchpoint-kiosk: no translation file for \"" << lang
                  << "\"; English is shown\n";
    out.cfg = std::move(*cfg);
    out.identity = std::move(*identity);
    out.catalogue = std::move(*catalogue);
    return 0;
}

std::unique_ptr<LocalDatabase> open_kiosk_database(const std::string& data_dir,
                                                   int retention_days) {
    auto opened = LocalDatabase::open(data_dir + "/responses.db");
    if (!opened) {
        std::cerr << "touchpoint-kiosk: " << opened.error() << "\n";
        return nullptr;
    }
    std::unique_ptr<LocalDatabase> database = std::move(*opened);
    if (auto closed = database->close_all_open(); closed && *closed > 0)
        std::cerr << "touchpoint-kiosk: closed " << *closed
                  << " responses left open by the last run\n";
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            SystemClock().wall().time_since_epoch())
                            .count();
    if (auto pruned = database->prune_synced(retention_days, now_ms); !pruned)
        std::cerr << "touchpoint-kiosk: pruning old responses failed: " << pruned.error() << "\n";
    return database;
}

std::unique_ptr<sync::HeadOfficeLink>
start_sync(const KioskConfig& cfg, const DeviceIdentity& identity, const std::string& data_dir) {
    sync::SyncSettings ss;
    ss.http.ca_file = cfg.device.ca_file;
    ss.http.pinned_key = cfg.device.server_pin;
    ss.data_dir = data_dir;
    ss.config_interval =
        std::chrono::milliseconds(static_cast<long long>(cfg.device.config_poll_s * 1000));
    ss.heartbeat_interval =
        std::chrono::milliseconds(static_cast<long long>(cfg.device.heartbeat_s * 1000));
    auto link = std::make_unique<sync::HeadOfficeLink>(ss, data_dir + "/responses.db");
    if (!identity.device_token.empty() && !identity.server_url.empty())
        if (Status st = link->start_syncing(identity.server_url, identity.device_token); !st)
            std::cerr << "touchpoint-kiosk: " << st.error() << "\n";
    return link;
}

platform::WindowOptions window_options(const Options& opt, const KioskConfig& cfg) {
    platform::WindowOptions wo;
    int w = 0, h = 0;
    if (!opt.windowed.empty() && parse_size(opt.windowed, w, h)) {
        wo.fullscreen = false;
        wo.width = w;
        wo.height = h;
    } else if (!cfg.device.fullscreen) {
        wo.fullscreen = false;
        wo.width = cfg.device.width;
        wo.height = cfg.device.height;
    }
    wo.title = "Touchpoint — " + cfg.touch_point->name;
    wo.renderer = renderer_named(opt.renderer.empty() ? cfg.device.renderer : opt.renderer);
    return wo;
}

} // namespace touchpoint::cli
