#pragma once
// A SQLite VFS for power-loss tests: it wraps the default (unix) VFS, passes
// every call through, and remembers for each file what has reached the disk
// (the content as of the file's last xSync). A test arms a power cut after the
// k-th write/sync/truncate call; from then on every I/O call fails with
// SQLITE_IOERR, so the code under test sees a crash-like failure and stops.
// Once every file is closed, settle() rewrites each file to what survived the
// cut (unsynced writes dropped, optionally some of them kept or torn) and
// deletes the shared-memory (-shm) files, which a power cut wipes.
//
// It can also play a full disk: writes that would grow the files by more than
// a byte budget fail with SQLITE_FULL.
//
// The product opens its files with sqlite3_open_v2(path, ..., nullptr), so the
// VFS is made the default VFS while it is in use (make_default) and the real
// one is put back to reopen the files as the product would after a restart
// (restore_default; the destructor does it too).
//
// Not thread-safe beyond what one test thread driving SQLite needs (its state
// is guarded by a mutex, but arming and settling are for the test thread).
// One CrashVfs at a time.
#include <cstdint>
#include <memory>
#include <string>

namespace tptest {

// What happens to writes that were not synced when the power went.
enum class PowerLoss {
    drop_unsynced,   // all of them are lost
    torn_last_write, // lost, but for each file's last write, which reached the
                     // disk torn at a sector edge when it spans several sectors
                     // (its first sectors new, the rest old)
    random_subset,   // each reached the disk or not, at random, some of them torn
};

const char* to_string(PowerLoss loss);

class CrashVfs {
  public:
    static constexpr const char* k_name = "touchpoint-crash";

    // Registers the VFS (not as the default) over the current default VFS.
    CrashVfs();
    // Puts the real VFS back as the default and unregisters this one.
    ~CrashVfs();
    CrashVfs(const CrashVfs&) = delete;
    CrashVfs& operator=(const CrashVfs&) = delete;

    // sqlite3_open_v2(..., nullptr) uses this VFS / the real one again.
    void make_default();
    void restore_default();

    // The k-th write, sync or truncate call from now (k >= 1) still succeeds;
    // every I/O call after it fails. 0 disarms.
    void arm_power_cut(std::int64_t k);
    bool power_is_cut() const;
    // Write, sync and truncate calls since the last arm_power_cut / settle.
    std::int64_t io_calls() const;

    // After a cut (or at any moment: an implied cut), with every file of this
    // VFS closed: rewrites each file to what survived, deletes -shm files,
    // forgets every file and restores power. `seed` drives random_subset and
    // torn_last_write. Returns "" or what went wrong (files still open, a file
    // that could not be rewritten).
    std::string settle(PowerLoss loss, std::uint64_t seed);

    // Writes (and size hints) that would grow files by more than `bytes` in
    // total from now fail with SQLITE_FULL, as on a full disk; writes within
    // the files' current size still succeed. A negative budget: room again.
    void fill_disk_after(std::int64_t bytes);

    // Files opened through the VFS and not yet closed.
    int open_files() const;

    struct State; // defined in crash_vfs.cpp

  private:
    std::unique_ptr<State> m_state;
};

} // namespace tptest
