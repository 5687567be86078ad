#include "server/storage.h"

#include "server/postgres_storage.h"
#include "server/sqlite_storage.h"

#include <chrono>

namespace touchpoint::server {

void WriteFailureRecord::failed(StorageFailure::Kind kind, std::string reason) {
    using namespace std::chrono;
    const std::int64_t now =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_failure) m_failure = StorageFailure{kind, {}, now};
    m_failure->kind = kind;
    m_failure->reason = std::move(reason);
}

void WriteFailureRecord::clear() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_failure.reset();
}

std::optional<StorageFailure> WriteFailureRecord::last() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_failure;
}

Result<std::unique_ptr<Storage>> open_storage(const std::string& url) {
    if (url.rfind("sqlite:", 0) == 0) {
        std::string path = url.substr(7);
        // Accept the URL form "sqlite:///abs/path" as well as "sqlite:PATH".
        if (path.rfind("//", 0) == 0) path = path.substr(2);
        if (path.empty())
            return Error{"--db sqlite:PATH needs a file path (e.g. sqlite:touchpoint.db)"};
        auto s = SqliteStorage::open(path);
        if (!s) return Error{s.error()};
        return std::unique_ptr<Storage>(std::move(s).value());
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        auto s = PostgresStorage::open(url);
        if (!s) return Error{s.error()};
        return std::unique_ptr<Storage>(std::move(s).value());
    }
    return Error{"unknown storage \"" + url + "\": use sqlite:PATH or postgresql://..."};
}

} // namespace touchpoint::server
