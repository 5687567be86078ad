#include "crash_vfs.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <vector>

namespace tptest {

const char* to_string(PowerLoss loss) {
    switch (loss) {
    case PowerLoss::drop_unsynced:
        return "drop unsynced";
    case PowerLoss::torn_last_write:
        return "torn last write";
    case PowerLoss::random_subset:
        return "random subset";
    }
    return "?";
}

namespace {

// A write or truncate that has not been synced yet.
struct Change {
    bool truncate = false;
    std::int64_t offset = 0; // where the write goes, or the size a truncate sets
    std::string data;
};

// One file as the disk knows it, shared by every handle open on its path.
struct FileRecord {
    std::string durable;         // the content as of the last sync
    std::vector<Change> pending; // since then, in order
    bool main_db = false;        // has a -shm companion
};

// Writes up to one sector are all or nothing (the unix VFS reports
// SQLITE_IOCAP_POWERSAFE_OVERWRITE); longer ones may tear at a sector edge.
constexpr std::int64_t k_sector = 512;

void apply(std::string& image, const Change& c, std::size_t keep_bytes) {
    if (c.truncate) {
        image.resize(static_cast<std::size_t>(c.offset), '\0');
        return;
    }
    const std::size_t n = std::min(keep_bytes, c.data.size());
    const auto off = static_cast<std::size_t>(c.offset);
    if (image.size() < off + n) image.resize(off + n, '\0');
    std::memcpy(&image[off], c.data.data(), n);
}

// How much of a write's start survives a tear: whole sectors, at least one,
// never all of it.
std::size_t torn_length(const Change& c, std::mt19937_64& rng) {
    const auto sectors = static_cast<std::int64_t>(c.data.size()) / k_sector;
    if (sectors < 2) return c.data.size();
    std::uniform_int_distribution<std::int64_t> pick(1, sectors - 1);
    return static_cast<std::size_t>(pick(rng) * k_sector);
}

} // namespace

struct CrashVfs::State {
    sqlite3_vfs vfs{};
    sqlite3_vfs* real = nullptr;

    mutable std::mutex mutex;
    std::map<std::string, std::unique_ptr<FileRecord>> files;
    // Records of deleted files that a handle may still point at.
    std::vector<std::unique_ptr<FileRecord>> retired;
    int open_handles = 0;
    std::int64_t calls = 0;
    std::int64_t cut_after = 0; // 0: no cut armed
    bool cut = false;
    std::int64_t disk_room = -1; // bytes files may still grow by; < 0: no limit

    // Counts a write/sync/truncate call; false when the power is already off.
    // The call that reaches the armed count still goes through.
    bool admit() {
        if (cut) return false;
        ++calls;
        if (cut_after > 0 && calls >= cut_after) cut = true;
        return true;
    }
};

namespace {

using State = CrashVfs::State;

// The file object SQLite allocates for us (vfs.szOsFile bytes): ours first,
// the real VFS's file right after it.
struct CrashFile {
    sqlite3_file base;
    State* owner;
    FileRecord* record; // nullptr for files that do not outlive a crash
    sqlite3_file* real;
};

CrashFile* crash_file(sqlite3_file* f) {
    return reinterpret_cast<CrashFile*>(f);
}

State& state_of(sqlite3_vfs* vfs) {
    return *static_cast<State*>(vfs->pAppData);
}

// --- File methods ---

int file_close(sqlite3_file* f) {
    CrashFile* cf = crash_file(f);
    int rc = cf->real->pMethods->xClose(cf->real);
    std::lock_guard<std::mutex> lock(cf->owner->mutex);
    --cf->owner->open_handles;
    return rc;
}

int file_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    CrashFile* cf = crash_file(f);
    {
        std::lock_guard<std::mutex> lock(cf->owner->mutex);
        if (cf->owner->cut) return SQLITE_IOERR_READ;
    }
    return cf->real->pMethods->xRead(cf->real, buf, n, off);
}

int file_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    CrashFile* cf = crash_file(f);
    State& s = *cf->owner;
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.admit()) return SQLITE_IOERR_WRITE;
    if (s.disk_room >= 0) {
        sqlite3_int64 size = 0;
        if (cf->real->pMethods->xFileSize(cf->real, &size) != SQLITE_OK) return SQLITE_IOERR_WRITE;
        const std::int64_t growth = std::max<std::int64_t>(0, off + n - size);
        if (growth > s.disk_room) return SQLITE_FULL;
        s.disk_room -= growth;
    }
    int rc = cf->real->pMethods->xWrite(cf->real, buf, n, off);
    if (rc == SQLITE_OK && cf->record)
        cf->record->pending.push_back(
            {false, off, std::string(static_cast<const char*>(buf), static_cast<std::size_t>(n))});
    return rc;
}

int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
    CrashFile* cf = crash_file(f);
    std::lock_guard<std::mutex> lock(cf->owner->mutex);
    if (!cf->owner->admit()) return SQLITE_IOERR_TRUNCATE;
    int rc = cf->real->pMethods->xTruncate(cf->real, size);
    if (rc == SQLITE_OK && cf->record) cf->record->pending.push_back({true, size, {}});
    return rc;
}

// A sync makes the file's pending changes durable. The real fsync is not
// called: what is durable is what this VFS says it is, and skipping the
// disk's flush keeps hundreds of simulated crashes fast. The unix VFS's
// directory sync (after creating a journal or WAL) is skipped with it; file
// creation and deletion count as durable at once (see file_open and
// vfs_delete), which is kinder than a real disk.
int file_sync(sqlite3_file* f, int /*flags*/) {
    CrashFile* cf = crash_file(f);
    std::lock_guard<std::mutex> lock(cf->owner->mutex);
    if (!cf->owner->admit()) return SQLITE_IOERR_FSYNC;
    if (FileRecord* r = cf->record) {
        for (const Change& c : r->pending)
            apply(r->durable, c, c.data.size());
        r->pending.clear();
    }
    return SQLITE_OK;
}

int file_size(sqlite3_file* f, sqlite3_int64* size) {
    CrashFile* cf = crash_file(f);
    {
        std::lock_guard<std::mutex> lock(cf->owner->mutex);
        if (cf->owner->cut) return SQLITE_IOERR_FSTAT;
    }
    return cf->real->pMethods->xFileSize(cf->real, size);
}

// Locks are not disk I/O: they pass through even after the cut, so closing
// after the failure behaves as SQLite expects.
int file_lock(sqlite3_file* f, int level) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xLock(cf->real, level);
}

int file_unlock(sqlite3_file* f, int level) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xUnlock(cf->real, level);
}

int file_check_reserved(sqlite3_file* f, int* out) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xCheckReservedLock(cf->real, out);
}

int file_control(sqlite3_file* f, int op, void* arg) {
    CrashFile* cf = crash_file(f);
    if (op == SQLITE_FCNTL_SIZE_HINT) {
        // The unix VFS grows the file itself for a size hint: count that
        // growth against a full disk, and refuse it once the power is off.
        State& s = *cf->owner;
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.cut) return SQLITE_IOERR_TRUNCATE;
        if (s.disk_room >= 0) {
            sqlite3_int64 size = 0;
            if (cf->real->pMethods->xFileSize(cf->real, &size) != SQLITE_OK)
                return SQLITE_IOERR_FSTAT;
            const std::int64_t growth =
                std::max<std::int64_t>(0, *static_cast<sqlite3_int64*>(arg) - size);
            if (growth > s.disk_room) return SQLITE_FULL;
            s.disk_room -= growth;
        }
    }
    return cf->real->pMethods->xFileControl(cf->real, op, arg);
}

int file_sector_size(sqlite3_file* f) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xSectorSize(cf->real);
}

int file_device_characteristics(sqlite3_file* f) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xDeviceCharacteristics(cf->real);
}

// Shared memory (the WAL index) passes through: it is memory, not disk; a
// power cut wipes it, so settle() deletes the -shm files.
int file_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xShmMap(cf->real, region, size, extend, out);
}

int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xShmLock(cf->real, offset, n, flags);
}

void file_shm_barrier(sqlite3_file* f) {
    CrashFile* cf = crash_file(f);
    cf->real->pMethods->xShmBarrier(cf->real);
}

int file_shm_unmap(sqlite3_file* f, int delete_flag) {
    CrashFile* cf = crash_file(f);
    return cf->real->pMethods->xShmUnmap(cf->real, delete_flag);
}

// Version 2: shared memory for WAL, but no xFetch, so every page is read
// through file_read (memory-mapped reads would bypass the power cut).
const sqlite3_io_methods k_methods = {
    2,
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    nullptr,
    nullptr,
};

// The whole content of a freshly opened file, read through the real handle.
int read_all(sqlite3_file* real, std::string& out) {
    sqlite3_int64 size = 0;
    int rc = real->pMethods->xFileSize(real, &size);
    if (rc != SQLITE_OK) return rc;
    out.assign(static_cast<std::size_t>(size), '\0');
    if (size == 0) return SQLITE_OK;
    return real->pMethods->xRead(real, &out[0], static_cast<int>(size), 0);
}

// --- VFS methods ---

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    State& s = state_of(vfs);
    CrashFile* cf = crash_file(f);
    cf->base.pMethods = nullptr;
    cf->owner = &s;
    cf->record = nullptr;
    cf->real = reinterpret_cast<sqlite3_file*>(cf + 1);
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.cut) return SQLITE_IOERR;
    }
    int rc = s.real->xOpen(s.real, name, cf->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        // Ours stays unset, so SQLite will not call file_close: close theirs.
        if (cf->real->pMethods) cf->real->pMethods->xClose(cf->real);
        return rc;
    }
    // Files that should outlive a crash are tracked by path; temporary ones
    // (no name, or deleted on close) simply vanish with the power.
    const bool lasting = name && !(flags & SQLITE_OPEN_DELETEONCLOSE) &&
                         (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
                                   SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL));
    std::lock_guard<std::mutex> lock(s.mutex);
    if (lasting) {
        auto& slot = s.files[name];
        if (!slot) {
            // First seen: what is there now counts as on the disk. A file
            // this open created is durable from now on (empty), as if its
            // directory had been synced: simpler than tracking directory
            // entries, and SQLite copes with an empty journal or WAL anyway.
            auto record = std::make_unique<FileRecord>();
            rc = read_all(cf->real, record->durable);
            if (rc != SQLITE_OK) {
                s.files.erase(name);
                cf->real->pMethods->xClose(cf->real);
                return rc;
            }
            slot = std::move(record);
        }
        if (flags & SQLITE_OPEN_MAIN_DB) slot->main_db = true;
        cf->record = slot.get();
    }
    cf->base.pMethods = &k_methods;
    ++s.open_handles;
    return SQLITE_OK;
}

// Deleting is durable at once (see file_sync).
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    State& s = state_of(vfs);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.cut) return SQLITE_IOERR_DELETE;
    int rc = s.real->xDelete(s.real, name, sync_dir);
    if (rc == SQLITE_OK || rc == SQLITE_IOERR_DELETE_NOENT) {
        auto it = s.files.find(name);
        if (it != s.files.end()) {
            s.retired.push_back(std::move(it->second));
            s.files.erase(it);
        }
    }
    return rc;
}

int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    State& s = state_of(vfs);
    {
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.cut) return SQLITE_IOERR_ACCESS;
    }
    return s.real->xAccess(s.real, name, flags, out);
}

int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
    State& s = state_of(vfs);
    return s.real->xFullPathname(s.real, name, n, out);
}

void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
    State& s = state_of(vfs);
    return s.real->xDlOpen(s.real, name);
}

void vfs_dl_error(sqlite3_vfs* vfs, int n, char* out) {
    State& s = state_of(vfs);
    s.real->xDlError(s.real, n, out);
}

void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    State& s = state_of(vfs);
    return s.real->xDlSym(s.real, handle, symbol);
}

void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
    State& s = state_of(vfs);
    s.real->xDlClose(s.real, handle);
}

int vfs_randomness(sqlite3_vfs* vfs, int n, char* out) {
    State& s = state_of(vfs);
    return s.real->xRandomness(s.real, n, out);
}

int vfs_sleep(sqlite3_vfs* vfs, int micros) {
    State& s = state_of(vfs);
    return s.real->xSleep(s.real, micros);
}

int vfs_current_time(sqlite3_vfs* vfs, double* out) {
    State& s = state_of(vfs);
    return s.real->xCurrentTime(s.real, out);
}

int vfs_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
    State& s = state_of(vfs);
    return s.real->xGetLastError ? s.real->xGetLastError(s.real, n, out) : 0;
}

int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    State& s = state_of(vfs);
    if (s.real->iVersion >= 2 && s.real->xCurrentTimeInt64)
        return s.real->xCurrentTimeInt64(s.real, out);
    double days = 0;
    int rc = s.real->xCurrentTime(s.real, &days);
    *out = static_cast<sqlite3_int64>(days * 86400000.0);
    return rc;
}

// Rewrites one file with `image`, whole.
std::string write_file(const std::string& path, const std::string& image) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return path + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < image.size()) {
        ssize_t n = ::write(fd, image.data() + done, image.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::string err = path + ": " + std::strerror(errno);
            ::close(fd);
            return err;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return path + ": " + std::strerror(errno);
    return {};
}

} // namespace

// --- CrashVfs ---

CrashVfs::CrashVfs() : m_state(std::make_unique<State>()) {
    State& s = *m_state;
    s.real = sqlite3_vfs_find(nullptr);
    sqlite3_vfs& v = s.vfs;
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(CrashFile)) + s.real->szOsFile;
    v.mxPathname = s.real->mxPathname;
    v.zName = k_name;
    v.pAppData = &s;
    v.xOpen = vfs_open;
    v.xDelete = vfs_delete;
    v.xAccess = vfs_access;
    v.xFullPathname = vfs_full_pathname;
    v.xDlOpen = vfs_dl_open;
    v.xDlError = vfs_dl_error;
    v.xDlSym = vfs_dl_sym;
    v.xDlClose = vfs_dl_close;
    v.xRandomness = vfs_randomness;
    v.xSleep = vfs_sleep;
    v.xCurrentTime = vfs_current_time;
    v.xGetLastError = vfs_get_last_error;
    v.xCurrentTimeInt64 = vfs_current_time_int64;
    sqlite3_vfs_register(&v, 0);
}

CrashVfs::~CrashVfs() {
    restore_default();
    sqlite3_vfs_unregister(&m_state->vfs);
}

void CrashVfs::make_default() {
    sqlite3_vfs_register(&m_state->vfs, 1);
}

void CrashVfs::restore_default() {
    if (sqlite3_vfs_find(nullptr) == &m_state->vfs) sqlite3_vfs_register(m_state->real, 1);
}

void CrashVfs::arm_power_cut(std::int64_t k) {
    std::lock_guard<std::mutex> lock(m_state->mutex);
    m_state->calls = 0;
    m_state->cut_after = k > 0 ? k : 0;
}

bool CrashVfs::power_is_cut() const {
    std::lock_guard<std::mutex> lock(m_state->mutex);
    return m_state->cut;
}

std::int64_t CrashVfs::io_calls() const {
    std::lock_guard<std::mutex> lock(m_state->mutex);
    return m_state->calls;
}

int CrashVfs::open_files() const {
    std::lock_guard<std::mutex> lock(m_state->mutex);
    return m_state->open_handles;
}

void CrashVfs::fill_disk_after(std::int64_t bytes) {
    std::lock_guard<std::mutex> lock(m_state->mutex);
    m_state->disk_room = bytes < 0 ? -1 : bytes;
}

std::string CrashVfs::settle(PowerLoss loss, std::uint64_t seed) {
    State& s = *m_state;
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.open_handles > 0)
        return std::to_string(s.open_handles) + " file(s) still open at the power cut";
    std::mt19937_64 rng(seed);
    std::string error;
    for (const auto& [path, record] : s.files) {
        std::string image = record->durable;
        const std::vector<Change>& pending = record->pending;
        switch (loss) {
        case PowerLoss::drop_unsynced:
            break;
        case PowerLoss::torn_last_write: {
            auto last = std::find_if(pending.rbegin(), pending.rend(),
                                     [](const Change& c) { return !c.truncate; });
            if (last != pending.rend()) apply(image, *last, torn_length(*last, rng));
            break;
        }
        case PowerLoss::random_subset:
            for (const Change& c : pending) {
                if (rng() % 2 == 0) continue;
                apply(image, c, rng() % 4 == 0 ? torn_length(c, rng) : c.data.size());
            }
            break;
        }
        if (std::string err = write_file(path, image); !err.empty() && error.empty()) error = err;
        if (record->main_db) {
            const std::string shm = path + "-shm";
            if (::unlink(shm.c_str()) != 0 && errno != ENOENT && error.empty())
                error = shm + ": " + std::strerror(errno);
        }
    }
    s.files.clear();
    s.retired.clear();
    s.calls = 0;
    s.cut_after = 0;
    s.cut = false;
    return error;
}

} // namespace tptest
