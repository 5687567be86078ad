#include "sync_worker.h"

#include <exception>

namespace touchpoint::sync {

using namespace std::chrono;

Result<std::unique_ptr<SyncWorker>> SyncWorker::start(SyncSettings settings, const std::string& db_path) {
    std::unique_ptr<SyncWorker> w(new SyncWorker());
    w->m_settings = std::move(settings);
    w->m_settings.http.abort_flag = &w->m_stop;
    auto database = LocalDatabase::open(db_path);
    if (!database) return Error{"sync: " + database.error()};
    w->m_database = std::move(*database);
    auto http = HttpClient::create(w->m_settings.http);
    if (!http) return Error{"sync: " + http.error()};
    w->m_http = std::move(*http);
    w->m_client = std::make_unique<SyncClient>(w->m_settings, *w->m_database, *w->m_http);
    if (auto cached = load_remote_config(w->m_settings.data_dir); cached)
        w->m_client->set_known_etag(cached->etag);
    w->m_status = w->m_client->status();
    w->m_thread = std::thread([raw = w.get()] { raw->run(); });
    return w;
}

SyncWorker::~SyncWorker() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void SyncWorker::sync_now() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_poke = true;
        m_force = true;
    }
    m_wake.notify_all();
}

void SyncWorker::notify_new_response() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_poke = true;
    }
    m_wake.notify_all();
}

SyncStatus SyncWorker::status() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_status;
}

std::optional<RemoteConfig> SyncWorker::take_new_config() {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto out = std::move(m_new_config);
    m_new_config.reset();
    return out;
}

void SyncWorker::run() {
    // Responses arriving right after a sync are batched for a moment so a
    // busy checkout sends fewer, fuller batches.
    constexpr milliseconds k_gather{500};
    steady_clock::time_point retry_at{};
    while (!m_stop) {
        const auto now = steady_clock::now();
        if (now >= m_client->next_config_pull()) {
            // Scheduled first, so a pull that throws waits its interval too.
            m_client->schedule_config_pull(now + m_settings.config_interval);
            try {
                auto cfg = m_client->pull_config();
                if (cfg && *cfg) {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_new_config = std::move(**cfg);
                }
            } catch (const std::exception& e) {
                m_client->fault(std::string("configuration: ") + e.what());
            } catch (...) {
                m_client->fault("configuration: an unknown error");
            }
        }
        milliseconds wait{0};
        if (now >= retry_at) {
            // Nothing may end the thread: whatever escapes a step is the last
            // error, and the next attempt waits out a backoff.
            SyncStep s;
            try {
                s = m_client->step(now);
            } catch (const std::exception& e) {
                s = m_client->fault(e.what());
            } catch (...) {
                s = m_client->fault("an unknown error");
            }
            switch (s.kind) {
            case SyncStep::Kind::sent: wait = milliseconds{0}; break;
            case SyncStep::Kind::retry_later:
                wait = s.wait;
                retry_at = now + s.wait;
                break;
            case SyncStep::Kind::must_reenroll: wait = minutes{10}; break;
            case SyncStep::Kind::heartbeat:
            case SyncStep::Kind::idle: wait = s.wait; break;
            }
        } else {
            wait = duration_cast<milliseconds>(retry_at - now);
        }
        auto until_config = duration_cast<milliseconds>(m_client->next_config_pull() - steady_clock::now());
        wait = std::max(milliseconds{0}, std::min(wait, until_config));

        std::unique_lock<std::mutex> lock(m_mutex);
        m_status = m_client->status();
        if (wait.count() > 0) {
            m_wake.wait_for(lock, wait, [&] { return m_stop.load() || m_poke; });
            if (m_poke) {
                if (m_force) retry_at = {}; // sync now: skip the backoff wait
                const bool forced = m_force;
                m_poke = false;
                m_force = false;
                if (!forced && retry_at <= steady_clock::now()) {
                    // A new response: give a busy moment the chance to add more.
                    m_wake.wait_for(lock, k_gather, [&] { return m_stop.load(); });
                }
            }
        }
    }
}

} // namespace touchpoint::sync
