#include "server/storage.h"

#include "server/postgres_storage.h"
#include "server/sqlite_storage.h"

namespace touchpoint::server {

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
