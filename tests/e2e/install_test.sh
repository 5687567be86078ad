#!/usr/bin/env bash
# The install test: Touchpoint's Debian packages in clean Debian 12 roots.
#
#   package    scripts/dev.sh package makes touchpoint-kiosk and
#              touchpoint-server (dist/*.deb) from the existing build tree
#   root       a clean bookworm root: mmdebstrap --variant=apt, its tarball
#              cached in BUILD/install-test/cache for the day (the first run
#              of a day makes it, ~30 s; later runs unpack it, ~1 s), apt's
#              downloads and lists cached beside it
#   install    root A: apt-get installs both packages inside the root
#              (chroot, /proc, /dev and /sys mounted, every mount undone on
#              exit), so their dependencies resolve from the Debian archive;
#              policy-rc.d keeps maintainer scripts from starting services
#   run        root A, with no source tree anywhere in it: each unit's
#              ExecStart as its user with the unit's environment (Environment=,
#              STATE_DIRECTORY and the other directories, LimitNOFILE), in a
#              network namespace of its own (loopback only, so the packaged
#              listen address is used as it is): the server answers /healthz,
#              `touchpoint-server doctor` passes; the kiosk (without cage and
#              a screen: SDL's offscreen driver) opens its database from the
#              packaged config, `export` works, and `touchpoint-kiosk doctor`
#              passes its data, font and database checks and says in plain
#              words that there is no display, exiting non-zero
#   boot       root A: systemd-analyze verify accepts both units; then the
#              root boots with systemd-nspawn -b (private network) and both
#              units are started for real: the server becomes active (READY=1
#              on its notify socket) and answers /healthz, and stops cleanly;
#              the kiosk's unit is started and its outcome shown (there is no
#              tty1 or seat in a container: it cannot run there)
#   upgrade    root B: release 0.1.0 (the tag v0.1.0, or commit c5160e7) built
#              from a worktree and packaged by packaging/package-release.sh,
#              installed; its server and its kiosk store responses (the
#              kiosk enrols with the old server, responses are written into
#              its database matching its schema, and the old kiosk syncs
#              them itself; two more stay pending); then apt upgrades to the
#              current packages: the kiosk's data (root's: 0.1.0 had no
#              users) is handed to the kiosk's user; both schemas migrated (the server's
#              user_version rose, the kiosk's is the current one), every
#              response still there on both sides with the same id and
#              score, the new server serves them (GET /api/v1/responses with
#              the head-office key made by 0.1.0) and the kiosk exports them
#   downgrade  root B: back to 0.1.0 with --allow-downgrades: each side either
#              works (its data unchanged: the same rows, integrity ok) or
#              refuses to start with a message naming the schema version
#              (its database byte for byte unchanged); never a file moved
#              aside as corrupt. The current kiosk is shown a database with
#              a newer schema than it knows: it refuses, and salvages nothing
#   remove     root A: remove keeps /etc/touchpoint and the data; purge
#              removes the conffiles, and /var/lib as the packages' postrm
#              says (read from the package and asserted)
#
# Prints each phase's time and the total.
#
# usage: install_test.sh BUILD_DIR
# Runs as root (chroot, mounts, namespaces). With CI=true a missing tool or
# not being root fails the test; otherwise it is skipped (exit 77).
# TOUCHPOINT_INSTALL_TEST_KEEP=1 keeps the roots (BUILD/install-test/run-*);
# TOUCHPOINT_INSTALL_TEST_PACKAGES=DIR tests the newest touchpoint-*.deb in
# DIR (packages built elsewhere) instead of running scripts/dev.sh package.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)

skip() {
    echo "install_test: $*" >&2
    [ "${CI:-}" = true ] && exit 1
    exit 77
}
[ "$(id -u)" -eq 0 ] || skip "must run as root (chroot, mounts and namespaces)"
for tool in mmdebstrap systemd-nspawn systemd-analyze dpkg-deb dpkg-shlibdeps curl sqlite3 \
    python3 unshare nsenter findmnt ip git cmake ninja; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/dev.sh installs it)"
done

# --- Reporting ---
t0=$(date +%s%N)
phase_name="" phase_t=0 phases=()
phase() {
    local now
    now=$(date +%s%N)
    [ -n "$phase_name" ] && phases+=("$(printf '%-10s %6.1f s' "$phase_name" "$(( (now - phase_t) / 1000000 ))e-3")")
    phase_name=$1 phase_t=$now
    [ -n "$1" ] && echo "=== $1"
    return 0
}
ok() { echo "ok: $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# --- Workspace and cleanup ---
top=$build/install-test
cache=$top/cache
mkdir -p "$cache/archives/partial" "$cache/lists/partial"
# A failed run keeps its roots for a look; the next run clears them.
for old_run in "$top"/run-*; do
    [ -d "$old_run" ] || continue
    if findmnt -rn -o TARGET | grep -q -F "$old_run/"; then
        echo "install_test: $old_run still has mounts under it; left in place" >&2
    else
        rm -rf --one-file-system "$old_run"
    fi
done
work=$(mktemp -d "$top/run-XXXXXX")
mounted=()   # mount points, in the order they were mounted
pids=()      # processes to end on exit
netpid=""
nspawn_pid=""

umount_under() {
    local r=$1 i m keep=()
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m=${mounted[i]}
        if [ "${m#"$r"/}" != "$m" ]; then
            umount -R "$m" 2>/dev/null || umount -R -l "$m" || echo "install_test: cannot unmount $m" >&2
        else
            keep=("$m" "${keep[@]}")
        fi
    done
    mounted=("${keep[@]}")
}
# Removes a root only when nothing is mounted under it any more (a bound
# /dev or /sys must never be deleted through it).
remove_tree() {
    if findmnt -rn -o TARGET | grep -q -F "$1/"; then
        echo "install_test: $1 still has mounts under it; left in place" >&2
        return 1
    fi
    rm -rf --one-file-system "$1"
}
cleanup() {
    local rc=$? p
    [ -n "$nspawn_pid" ] && kill -KILL "$nspawn_pid" 2>/dev/null
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    [ -n "$netpid" ] && kill -KILL "$netpid" 2>/dev/null
    wait 2>/dev/null || true
    umount_under "$work"
    if [ "$rc" -ne 0 ] || [ "${TOUCHPOINT_INSTALL_TEST_KEEP:-}" = 1 ]; then
        echo "install_test: roots and logs kept in $work" >&2
    else
        remove_tree "$work" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A network namespace with only loopback: servers in the roots listen on the
# packaged address without touching the host's ports.
unshare --net sleep 100000 &
netpid=$!
for _ in $(seq 1 50); do
    [ "$(readlink /proc/$netpid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
done
innet() { nsenter -t "$netpid" -n "$@"; }
innet ip link set lo up || fail "cannot bring up loopback in a network namespace of its own"

# --- Roots ---
# base_tar: the day's clean bookworm root as a tarball (made once a day).
base_tar() {
    local tar=$cache/bookworm-apt-$(date +%Y-%m-%d).tar
    if [ ! -f "$tar" ]; then
        local t=$(date +%s)
        find "$cache" -maxdepth 1 -name 'bookworm-apt-*.tar*' -delete
        # (mmdebstrap picks the output format from the name's extension.)
        local part=$cache/part-$$.tar
        mmdebstrap --variant=apt --quiet bookworm "$part" >"$work/mmdebstrap.log" 2>&1 ||
            { rm -f "$part"; tail -20 "$work/mmdebstrap.log" >&2; fail "mmdebstrap could not make a bookworm root"; }
        mv "$part" "$tar"
        echo "made a clean bookworm root with mmdebstrap in $(( $(date +%s) - t )) s (cached as $tar)" >&2
    else
        echo "clean bookworm root: cached $tar" >&2
    fi
    echo "$tar"
}
mount_root() {
    local r=$1
    mount -t proc proc "$r/proc" || fail "cannot mount /proc in $r"
    mounted+=("$r/proc")
    mount --rbind /dev "$r/dev" || fail "cannot bind /dev into $r"
    mounted+=("$r/dev")
    mount --make-rslave "$r/dev"
    mount --rbind /sys "$r/sys" || fail "cannot bind /sys into $r"
    mounted+=("$r/sys")
    mount --make-rslave "$r/sys"
    mount --bind "$cache/archives" "$r/var/cache/apt/archives" || fail "cannot bind apt's cache into $r"
    mounted+=("$r/var/cache/apt/archives")
    mount --bind "$cache/lists" "$r/var/lib/apt/lists" || fail "cannot bind apt's lists into $r"
    mounted+=("$r/var/lib/apt/lists")
}
# new_root NAME: sets `root` to $work/NAME, a fresh copy of the day's root,
# mounted (not in a subshell: the mounts must be known to the cleanup).
new_root() {
    local r=$work/$1 tar
    mkdir -p "$r"
    tar=$(base_tar)
    tar -C "$r" -xf "$tar" || fail "cannot unpack $tar"
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    printf '#!/bin/sh\n# No service starts while the root is being set up.\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
    mkdir -p "$r/tmp/packages"
    mount_root "$r"
    root=$r
}
inroot() {
    local r=$1
    shift
    chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}
apt_in() {
    local r=$1 log=$work/apt.log
    shift
    if ! inroot "$r" apt-get -y -q -o Dpkg::Use-Pty=0 "$@" >"$log" 2>&1; then
        tail -30 "$log" >&2
        fail "apt-get $* failed inside the root"
    fi
    cat "$log" >>"$work/apt-all.log"
}
apt_update_once() {
    # The lists are shared by the roots (bound from the cache); once a run.
    [ -f "$work/.apt-updated" ] && return 0
    apt_in "$1" update
    touch "$work/.apt-updated"
}

# --- Units ---
unit_file() {
    local r=$1 d
    for d in usr/lib/systemd/system lib/systemd/system etc/systemd/system; do
        [ -f "$r/$d/$2" ] && { echo "$r/$d/$2"; return 0; }
    done
    return 1
}
# unit_command ROOT UNIT: writes $work/ROOTNAME.UNIT.cmd, the command that
# runs the unit's ExecStart (its last one) in the root as the unit would:
# its User and Group, a clean environment with Environment=,
# EnvironmentFile=, USER/HOME/LOGNAME/SHELL, the directories of
# StateDirectory= and the others (made, owned and exported as systemd does),
# WorkingDirectory and LimitNOFILE. Prints the ExecStart.
unit_command() {
    python3 - "$1" "$2" "$work/$(basename "$1").$2.cmd" <<'EOF'
import os, shlex, sys
root, unit, out = sys.argv[1:4]
path = next(p for p in (f"{root}/{d}/{unit}" for d in
            ("usr/lib/systemd/system", "lib/systemd/system", "etc/systemd/system")) if os.path.isfile(p))
svc, section, cont = {}, None, ""
for raw in open(path):
    line = raw.rstrip("\n")
    if cont:
        line, cont = cont + line, ""
    if line.endswith("\\"):
        cont = line[:-1] + " "
        continue
    line = line.strip()
    if not line or line[0] in "#;":
        continue
    if line.startswith("["):
        section = line
        continue
    if section == "[Service]" and "=" in line:
        k, v = line.split("=", 1)
        if v == "":
            svc.pop(k.strip(), None)
        else:
            svc.setdefault(k.strip(), []).append(v.strip())
def one(k, d=None):
    return svc.get(k, [d])[-1]
if one("DynamicUser", "no") in ("yes", "true", "1"):
    sys.exit(f"{unit}: DynamicUser= is not emulated by this test")
passwd = {e.split(":")[0]: e.split(":") for e in open(f"{root}/etc/passwd").read().split("\n") if e}
groups = {e.split(":")[0]: e.split(":") for e in open(f"{root}/etc/group").read().split("\n") if e}
user = one("User", "root")
if user not in passwd:
    sys.exit(f"{unit}: User={user} does not exist in the root (the package's maintainer scripts create it)")
pw = passwd[user]
group = one("Group", None) or [g for g, e in groups.items() if e[2] == pw[3]][0]
if group not in groups:
    sys.exit(f"{unit}: Group={group} does not exist in the root")
uid, gid = int(pw[2]), int(groups[group][2])
env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "USER": user, "LOGNAME": user, "HOME": pw[5], "SHELL": pw[6], "LANG": "C.UTF-8"}
for f in svc.get("EnvironmentFile", []):
    optional = f.startswith("-")
    f = f.lstrip("-")
    try:
        for l in open(root + f):
            l = l.strip()
            if l and not l.startswith("#") and "=" in l:
                k, v = l.split("=", 1)
                env[k] = shlex.split(v)[0] if v else ""
    except OSError:
        if not optional:
            sys.exit(f"{unit}: EnvironmentFile {f} is missing")
for e in svc.get("Environment", []):
    for a in shlex.split(e):
        k, v = a.split("=", 1)
        env[k] = v
dirs = {"StateDirectory": ("/var/lib", "STATE_DIRECTORY", True),
        "CacheDirectory": ("/var/cache", "CACHE_DIRECTORY", True),
        "LogsDirectory": ("/var/log", "LOGS_DIRECTORY", True),
        "RuntimeDirectory": ("/run", "RUNTIME_DIRECTORY", True),
        "ConfigurationDirectory": ("/etc", "CONFIGURATION_DIRECTORY", False)}
for key, (base, var, owned) in dirs.items():
    names = [n for v in svc.get(key, []) for n in v.split()]
    mode = int(one(key + "Mode", "0755"), 8)
    for n in names:
        n = n.split(":")[0]
        d = f"{root}{base}/{n}"
        os.makedirs(d, exist_ok=True)
        os.chmod(d, mode)
        if owned and (os.stat(d).st_uid != uid or os.stat(d).st_gid != gid):
            # systemd gives the unit's user the directory, recursively, when
            # it finds someone else's.
            for dp, dn, fn in os.walk(d):
                for x in [dp] + [os.path.join(dp, y) for y in fn + dn]:
                    os.lchown(x, uid, gid)
    if names:
        env[var] = ":".join(f"{base}/{n.split(':')[0]}" for n in names)
exec_start = one("ExecStart")
argv = shlex.split(exec_start.lstrip("-@:+!"))
cmd = ["chroot", root]
nofile = one("LimitNOFILE")
if nofile:
    import resource
    soft, _, hard = nofile.partition(":")
    soft, hard = int(soft), int(hard or soft)
    have = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard), hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, have)
    except (ValueError, OSError):
        # This sandbox caps the hard limit; systemd would be refused too.
        print(f"  note: LimitNOFILE={nofile} is above this machine's hard limit "
              f"{have[1]}; the test runs {unit} with {have[1]}", file=sys.stderr)
        soft = hard = have[1]
    cmd += ["prlimit", f"--nofile={soft}:{hard}", "--"]
cmd += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups", "--reset-env", "--",
        "env", "-i"] + [f"{k}={v}" for k, v in env.items()]
wd = one("WorkingDirectory", "/")
wd = pw[5] if wd.lstrip("-") == "~" else wd.lstrip("-")
cmd += ["sh", "-c", 'cd "$0" && exec "$@"', wd]
with open(out, "w") as f:
    f.write("\0".join(cmd) + "\0")
with open(out + ".argv", "w") as f:
    f.write("\0".join(argv) + "\0")
print(exec_start)
EOF
}
# unit_value ROOT UNIT KEY: the last value of KEY= in the unit's [Service].
unit_value() {
    awk -v key="$3" '/^\[/ {s = ($0 == "[Service]")} s && index($0, key "=") == 1 {v = substr($0, length(key) + 2)} END {print v}' \
        "$(unit_file "$1" "$2")"
}
# unit_load ROOT UNIT: sets `ucmd` (the command prefix that runs a program as the
# unit would, in the network namespace) and `uargv` (its ExecStart) from what
# unit_command wrote. Background processes start from these directly, so
# that $! is the process itself (a shell function would fork a subshell).
unit_load() {
    mapfile -d '' ucmd <"$work/$(basename "$1").$2.cmd"
    mapfile -d '' uargv <"$work/$(basename "$1").$2.cmd.argv"
    ucmd=(nsenter -t "$netpid" -n "${ucmd[@]}")
}
# unit_run ROOT UNIT [ARGS...]: runs ARGS (default: the unit's ExecStart) in
# the foreground as the unit would.
unit_run() {
    unit_load "$1" "$2"
    shift 2
    [ $# -gt 0 ] || set -- "${uargv[@]}"
    "${ucmd[@]}" "$@"
}
# config_port ROOT: the port of the server config's listen address.
config_port() {
    sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"[^"]*:\([0-9]*\)".*/\1/p' "$1/etc/touchpoint/server.toml" | head -1
}
healthz() { innet curl -fsS --max-time 3 "http://127.0.0.1:$1/healthz"; }
# start_server ROOT LOG [ARGS...]: the server unit's ExecStart (or ARGS) in the
# background; waits for /healthz on PORT (global `port`). Sets server_pid.
server_pid=""
start_server() {
    local r=$1 log=$2
    shift 2
    unit_load "$r" touchpoint-server.service
    [ $# -gt 0 ] || set -- "${uargv[@]}"
    "${ucmd[@]}" "$@" >"$log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 1 100); do
        healthz "$port" >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; fail "the server exited at start"; }
        sleep 0.1
    done
    cat "$log" >&2
    fail "the server did not answer /healthz on port $port within 10 s"
}
stop_pid() {
    local p=$1 rc=0
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { kill -KILL "$p"; fail "process $p did not stop within 10 s of SIGTERM"; }
    wait "$p" || rc=$?
    return "$rc"
}

# --- SQLite on the roots' files (the host's sqlite3: no tool added to the roots) ---
q() { sqlite3 -bail "$1" "$2"; }
# rows DB SQL: the query's rows, for comparisons.
fingerprint() { sqlite3 "$1" "$2" | sha256sum | cut -c1-64; }
corrupt_files() { find "$@" -name '*corrupt*' 2>/dev/null; }
# Every column of every response, for "the same rows".
kiosk_rows_sql="SELECT id, device_id, touch_point, survey_id, survey_version, question_id, scale,
    score, reasons, comment, language, utc_ms, local_time, local_day, local_hour, misuse,
    clock_suspect, closed, sync_state, reject_reason FROM responses ORDER BY seq"
server_rows_sql="SELECT id, score, utc_ms FROM responses ORDER BY id"

# =====================================================================
phase package
# =====================================================================
pkg_dir=${TOUCHPOINT_INSTALL_TEST_PACKAGES:-}
if [ -z "$pkg_dir" ]; then
    if ! (cd "$repo" && BUILD_DIR=$build scripts/dev.sh package) >"$work/package.log" 2>&1; then
        tail -30 "$work/package.log" >&2
        fail "scripts/dev.sh package did not make the packages (log above)"
    fi
    pkg_dir=$repo/dist
else
    echo "  the packages in $pkg_dir (TOUCHPOINT_INSTALL_TEST_PACKAGES), not scripts/dev.sh package"
fi
new_debs=()
for p in touchpoint-kiosk touchpoint-server; do
    f=$(ls -t "$pkg_dir"/${p}_*.deb 2>/dev/null | head -1 || true)
    [ -n "$f" ] || fail "no ${p}_*.deb in $pkg_dir"
    new_debs+=("$f")
done
new_version=$(dpkg-deb -f "${new_debs[0]}" Version)
[ "$(dpkg-deb -f "${new_debs[1]}" Version)" = "$new_version" ] || fail "the two packages have different versions"
for f in "${new_debs[@]}"; do echo "  $(basename "$f") ($(( $(stat -c %s "$f") / 1024 )) KiB)"; done

# The old release's packages (built once into the build tree).
old_out=$work/old-packages
BUILD_DIR=$build "$repo/packaging/package-release.sh" --commit c5160e7 0.1.0 "$old_out" \
    >"$work/release.log" 2>&1 || { cat "$work/release.log" >&2; fail "release 0.1.0 could not be packaged"; }
grep -E '^release 0.1.0' "$work/release.log" | sed 's/^/  /'
old_debs=("$old_out"/touchpoint-kiosk_0.1.0_*.deb "$old_out"/touchpoint-server_0.1.0_*.deb)
dpkg --compare-versions "$new_version" gt 0.1.0 || fail "the current version $new_version is not newer than 0.1.0"

# =====================================================================
phase install
# =====================================================================
new_root A
A=$root
apt_update_once "$A"
cp "${new_debs[@]}" "$A/tmp/packages/"
apt_in "$A" install --no-install-recommends $(for f in "${new_debs[@]}"; do echo "/tmp/packages/$(basename "$f")"; done)
ok "apt installed touchpoint-kiosk and touchpoint-server $new_version with their dependencies (no Recommends)"
for p in touchpoint-kiosk touchpoint-server; do
    [ -x "$A/usr/bin/$p" ] || fail "/usr/bin/$p is not installed"
done
[ ! -e "$A$repo" ] || fail "the source tree's path exists inside the root"
if grep -l -a -F "$repo" "$A/usr/bin/touchpoint-kiosk" "$A/usr/bin/touchpoint-server" >/dev/null; then
    fail "an installed binary names the source tree ($repo)"
fi
ok "the binaries are in /usr/bin and name no path of the source tree"

# =====================================================================
phase run
# =====================================================================
port=$(config_port "$A")
[ -n "$port" ] || fail "no listen address with a port in /etc/touchpoint/server.toml"
for u in touchpoint-server.service touchpoint-kiosk.service; do
    line=$(unit_command "$A" "$u") || fail "cannot run $u as systemd would (above)"
    echo "  $u: ExecStart=$line"
done

# The server from its packaged config, as its user.
db_file=$(sed -n 's/^[[:space:]]*db[[:space:]]*=[[:space:]]*"sqlite:\([^"]*\)".*/\1/p' "$A/etc/touchpoint/server.toml")
[ -n "$db_file" ] || fail "/etc/touchpoint/server.toml does not keep the database in SQLite (db = \"sqlite:PATH\")"
start_server "$A" "$work/A-server.log"
echo "  /healthz: $(healthz "$port")"
ok "the server runs from /etc/touchpoint/server.toml as its user and answers /healthz on port $port"
[ -f "$A$db_file" ] || fail "the server's database is not at the packaged path $db_file"
ok "the server made its database at $db_file (owner $(chroot "$A" stat -c %U:%G "$db_file"))"

# Head office sets up a touch point; the kiosk enrols as its user, from the
# packaged config, the way an installer would.
admin() { unit_run "$A" touchpoint-server.service /usr/bin/touchpoint-server admin --db "sqlite:$db_file" "$@"; }
admin create-store --id akl --name Auckland --time-zone UTC >/dev/null || fail "admin create-store failed"
admin create-touch-point --store akl --key akl-checkout-1 --name "Checkout 1" \
    --survey /usr/share/touchpoint/surveys/checkout.toml >/dev/null || fail "admin create-touch-point failed"
code=$(admin create-enrollment-code --touch-point akl-checkout-1 2>/dev/null) || fail "admin create-enrollment-code failed"

unit_load "$A" touchpoint-kiosk.service
kiosk_argv=("${uargv[@]}")
while [ "${#kiosk_argv[@]}" -gt 0 ] && [ "${kiosk_argv[0]}" != /usr/bin/touchpoint-kiosk ]; do
    kiosk_argv=("${kiosk_argv[@]:1}")
done
[ "${#kiosk_argv[@]}" -gt 0 ] || fail "the kiosk unit's ExecStart does not run /usr/bin/touchpoint-kiosk"
kiosk_data=$(sed -n 's/^[[:space:]]*data_dir[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$A/etc/touchpoint/kiosk.toml" | head -1)
[ -n "$kiosk_data" ] || fail "/etc/touchpoint/kiosk.toml names no data_dir"
kiosk_cfg=(--config /etc/touchpoint/kiosk.toml)
unit_run "$A" touchpoint-kiosk.service /usr/bin/touchpoint-kiosk enroll "${kiosk_cfg[@]}" \
    --server "http://127.0.0.1:$port" --code "$code" >"$work/A-enroll.log" 2>&1 ||
    { cat "$work/A-enroll.log" >&2; fail "the kiosk cannot enrol as its user from the packaged config"; }
ok "$(tail -1 "$work/A-enroll.log")"

# The kiosk's ExecStart runs it inside cage; without a compositor here, the
# kiosk part of it runs on SDL's offscreen driver: enough to find its assets
# and open its data dir and database from the packaged config.
"${ucmd[@]}" env SDL_VIDEODRIVER=offscreen "${kiosk_argv[@]}" >"$work/A-kiosk.log" 2>&1 &
kpid=$!
pids+=("$kpid")
for _ in $(seq 1 100); do
    [ -f "$A$kiosk_data/responses.db" ] && [ "$(q "$A$kiosk_data/responses.db" 'PRAGMA user_version' 2>/dev/null || echo 0)" -gt 0 ] && break
    kill -0 "$kpid" 2>/dev/null || { cat "$work/A-kiosk.log" >&2; fail "the kiosk exited at start"; }
    sleep 0.1
done
sleep 1
kill -0 "$kpid" 2>/dev/null || { cat "$work/A-kiosk.log" >&2; fail "the kiosk exited after start"; }
stop_pid "$kpid" || { cat "$work/A-kiosk.log" >&2; fail "the kiosk did not exit cleanly on SIGTERM"; }
kiosk_schema=$(q "$A$kiosk_data/responses.db" 'PRAGMA user_version')
ok "the kiosk runs as its user from the packaged config and makes its database in $kiosk_data (schema $kiosk_schema)"
unit_run "$A" touchpoint-kiosk.service /usr/bin/touchpoint-kiosk export "${kiosk_cfg[@]}" \
    >"$work/A-export.csv" 2>"$work/A-export.err" || { cat "$work/A-export.err" >&2; fail "touchpoint-kiosk export failed"; }
head -1 "$work/A-export.csv" | grep -q '^id,' || fail "touchpoint-kiosk export wrote no CSV header"
ok "touchpoint-kiosk export works ($(cat "$work/A-export.err"))"

# The kiosk's doctor, with the server up: only the display is missing.
rc=0
unit_run "$A" touchpoint-kiosk.service /usr/bin/touchpoint-kiosk doctor "${kiosk_cfg[@]}" \
    >"$work/kiosk-doctor.log" 2>&1 || rc=$?
sed 's/^/  | /' "$work/kiosk-doctor.log"
grep -qi "not expected" "$work/kiosk-doctor.log" &&
    fail "touchpoint-kiosk has no doctor subcommand (exit $rc)"
[ "$rc" -ne 0 ] || fail "touchpoint-kiosk doctor passed with no display: it must fail"
grep -qiE "no (display|screen)|display.*(not|no|cannot|unavailable)" "$work/kiosk-doctor.log" ||
    fail "touchpoint-kiosk doctor does not say in plain words that there is no display"
for what in data font database; do
    grep -iE "$what" "$work/kiosk-doctor.log" | grep -qivE "fail|✗|problem|cannot|missing|error" ||
        fail "touchpoint-kiosk doctor does not pass its $what check"
    grep -iE "$what" "$work/kiosk-doctor.log" | grep -qiE "fail|✗|problem|cannot|missing|error" &&
        fail "touchpoint-kiosk doctor reports a problem with $what"
done
ok "touchpoint-kiosk doctor passes data, fonts and database, says there is no display and exits $rc"

stop_pid "$server_pid" || fail "the server did not exit cleanly on SIGTERM"
if ! unit_run "$A" touchpoint-server.service /usr/bin/touchpoint-server doctor >"$work/server-doctor.log" 2>&1; then
    cat "$work/server-doctor.log" >&2
    fail "touchpoint-server doctor did not pass in a fresh install"
fi
sed 's/^/  | /' "$work/server-doctor.log"
ok "touchpoint-server doctor passes"

# =====================================================================
phase boot
# =====================================================================
# systemd-analyze verify needs systemd's own units in the root.
apt_in "$A" install --no-install-recommends systemd systemd-sysv dbus
for u in touchpoint-server.service touchpoint-kiosk.service; do
    if ! systemd-analyze verify --root="$A" "$u" >"$work/verify-$u.log" 2>&1; then
        cat "$work/verify-$u.log" >&2
        fail "systemd-analyze verify rejects $u"
    fi
    [ -s "$work/verify-$u.log" ] && sed 's/^/  | /' "$work/verify-$u.log"
done
ok "systemd-analyze verify accepts touchpoint-server.service and touchpoint-kiosk.service"
# The server's sandbox: systemd-analyze security's exposure score (0 best,
# 10 worst) must stay at or below 2.0. The kiosk's is printed: a compositor
# on a seat needs the devices it draws on and reads touches from.
for u in touchpoint-server.service touchpoint-kiosk.service; do
    systemd-analyze security --offline=yes "$(unit_file "$A" "$u")" >"$work/security-$u.log" 2>&1 || true
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$work/security-$u.log")
    [ -n "$score" ] || { cat "$work/security-$u.log" >&2; fail "systemd-analyze security gave no score for $u"; }
    echo "  systemd-analyze security $u: $score"
    if [ "$u" = touchpoint-server.service ]; then server_score=$score; fi
done
grep -E '^✗' "$work/security-touchpoint-server.service.log" | sed 's/  */ /g; s/^/  | /'
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 2.0 else 1)' "$server_score" ||
    fail "touchpoint-server.service's exposure score is above 2.0"
ok "touchpoint-server.service's systemd-analyze security score is at most 2.0"

umount_under "$A"
systemd-nspawn -b -q --register=no --keep-unit --private-network --console=passive -D "$A" \
    >"$work/boot.log" 2>&1 </dev/null &
nspawn_pid=$!
leader=""
for _ in $(seq 1 100); do
    # The container's PID 1, once it is systemd (nspawn's own child comes first).
    leader=$(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null | awk '{print $1; exit}')
    [ -n "$leader" ] && [ "$(cat /proc/"$leader"/comm 2>/dev/null)" = systemd ] && break
    leader=""
    kill -0 "$nspawn_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$leader" ] || { cat "$work/boot.log" >&2; fail "systemd-nspawn -b did not start the root's systemd"; }
inct() { nsenter -t "$leader" -a "$@"; }
# systemctl answers once PID 1's bus is up; then it waits for the boot.
state=""
for _ in $(seq 1 100); do
    state=$(timeout 60 nsenter -t "$leader" -a systemctl is-system-running --wait 2>"$work/boot-wait.log" || true)
    [ -n "$state" ] && break
    sleep 0.1
done
case "$state" in
    running|degraded) ;;
    *) tail -n 20 "$work/boot.log" "$work/boot-wait.log" >&2; fail "the booted root did not come up (state: ${state:-none})" ;;
esac
echo "  booted with systemd-nspawn -b: $state ($(inct systemctl --version | head -1))"
[ "$state" = degraded ] && inct systemctl --failed --no-legend | sed 's/^/  failed: /'
# Type=notify: "active" only once the server said READY=1.
inct systemctl start --no-block touchpoint-server.service
for _ in $(seq 1 200); do
    st=$(inct systemctl is-active touchpoint-server.service || true)
    [ "$st" = activating ] || break
    sleep 0.1
done
if [ "$st" != active ]; then
    inct journalctl -u touchpoint-server.service --no-pager | tail -n 20 >&2
    fail "touchpoint-server.service is $st, not active, 20 s after systemctl start in the booted root"
fi
inct curl --version >/dev/null 2>&1 && hz=(inct curl) || hz=(nsenter -t "$leader" -n curl)
"${hz[@]}" -fsS --max-time 3 "http://127.0.0.1:$port/healthz" >/dev/null ||
    fail "touchpoint-server.service is active but does not answer /healthz"
stype=$(inct systemctl show touchpoint-server.service -p Type --value)
ok "touchpoint-server.service started for real: active (Type=$stype$([ "$stype" = notify ] && echo ': READY=1 arrived')) and answers /healthz"
inct systemctl show touchpoint-server.service -p MainPID -p User -p StatusText -p NRestarts -p WatchdogUSec | sed 's/^/  /'
inct systemctl stop touchpoint-server.service
result=$(inct systemctl show touchpoint-server.service -p Result --value)
[ "$result" = success ] || fail "touchpoint-server.service did not stop cleanly (Result=$result)"
ok "touchpoint-server.service stops cleanly (Result=success)"
# The kiosk unit needs tty1, a seat and a display: none is in a container.
inct systemctl start --no-block touchpoint-kiosk.service || true
sleep 3
echo "  touchpoint-kiosk.service in a container: $(inct systemctl show touchpoint-kiosk.service -p ActiveState -p Result -p ExecMainStatus --value | paste -sd' ')"
inct journalctl -u touchpoint-kiosk.service --no-pager -n 4 -o cat 2>/dev/null | sed 's/^/  | /'
inct systemctl poweroff --no-block >/dev/null 2>&1 || true
for _ in $(seq 1 200); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$nspawn_pid" 2>/dev/null; then kill -KILL "$nspawn_pid"; fi
wait "$nspawn_pid" 2>/dev/null || true
nspawn_pid=""
mount_root "$A"

# =====================================================================
phase upgrade
# =====================================================================
new_root B
B=$root
cp "${old_debs[@]}" "${new_debs[@]}" "$B/tmp/packages/"
old_in_root=() new_in_root=()
for f in "${old_debs[@]}"; do old_in_root+=("/tmp/packages/$(basename "$f")"); done
for f in "${new_debs[@]}"; do new_in_root+=("/tmp/packages/$(basename "$f")"); done
# 0.1.0 with its Recommends but Mesa's (its kiosk needs the fonts; no GPU here).
apt_in "$B" install --no-install-recommends "${old_in_root[@]}" fonts-dejavu-core
ok "release 0.1.0 installed in a fresh root"

# 0.1.0 had no config, no units and no users: it runs as root, and the test
# puts its data where the current packages keep it.
sdb=/var/lib/touchpoint-server/server.db kdir=/var/lib/touchpoint
mkdir -p "$B/var/lib/touchpoint-server" "$B$kdir"
old_server() { innet chroot "$B" env -i PATH=/usr/bin:/bin HOME=/root /usr/bin/touchpoint-server "$@"; }
old_kiosk() { innet chroot "$B" env -i PATH=/usr/bin:/bin HOME=/root "$@"; }
old_server admin --db "sqlite:$sdb" create-store --id akl --name "Auckland" --time-zone UTC >/dev/null
old_server admin --db "sqlite:$sdb" create-touch-point --store akl --key akl-checkout-1 \
    --name "Checkout 1" --survey /usr/share/touchpoint/surveys/checkout.toml >/dev/null
code=$(old_server admin --db "sqlite:$sdb" create-enrollment-code --touch-point akl-checkout-1 2>/dev/null)
api_key=$(old_server admin --db "sqlite:$sdb" create-api-key --role head-office 2>/dev/null)
[ -n "$code" ] && [ -n "$api_key" ] || fail "0.1.0's admin made no enrolment code or API key"
nsenter -t "$netpid" -n chroot "$B" env -i PATH=/usr/bin:/bin HOME=/root /usr/bin/touchpoint-server --db "sqlite:$sdb" \
    --listen "127.0.0.1:$port" --web-root /usr/share/touchpoint/web >"$work/B-old-server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 100); do healthz "$port" >/dev/null 2>&1 && break; sleep 0.1; done
healthz "$port" >/dev/null || { cat "$work/B-old-server.log" >&2; fail "0.1.0's server did not start"; }
old_kiosk touchpoint-kiosk enroll --server "http://127.0.0.1:$port" --code "$code" --data-dir "$kdir" \
    >"$work/B-enroll.log" 2>&1 || { cat "$work/B-enroll.log" >&2; fail "0.1.0's kiosk could not enrol"; }
ok "$(cat "$work/B-enroll.log")"

# run_old_kiosk UNTIL: the 0.1.0 kiosk (offscreen) until the shell test UNTIL holds.
kdb=$B$kdir/responses.db
run_old_kiosk() {
    nsenter -t "$netpid" -n chroot "$B" env -i PATH=/usr/bin:/bin HOME=/root SDL_VIDEODRIVER=offscreen \
        touchpoint-kiosk --data-dir "$kdir" >>"$work/B-old-kiosk.log" 2>&1 &
    local p=$!
    pids+=("$p")
    for _ in $(seq 1 150); do
        eval "$1" && break
        kill -0 "$p" 2>/dev/null || { cat "$work/B-old-kiosk.log" >&2; fail "0.1.0's kiosk exited"; }
        sleep 0.1
    done
    eval "$1" || { cat "$work/B-old-kiosk.log" >&2; fail "0.1.0's kiosk did not get to: $1"; }
    stop_pid "$p" || fail "0.1.0's kiosk did not exit cleanly"
}
run_old_kiosk '[ "$(q "$kdb" "PRAGMA user_version" 2>/dev/null || echo 0)" -gt 0 ]'
device=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_id"])' "$B$kdir/identity.json")
# add_taps N: N closed checkout answers, as the 0.1.0 kiosk stores a tap.
n_taps=0
add_taps() {
    local sql="BEGIN;" i id t lt
    for i in $(seq 1 "$1"); do
        n_taps=$((n_taps + 1))
        id=$(cat /proc/sys/kernel/random/uuid)
        t=$(( ($(date +%s) - 3600 + n_taps * 60) * 1000 ))
        lt=$(date -u -d "@$((t / 1000))" +%Y-%m-%dT%H:%M:%S+00:00)
        sql+="INSERT INTO responses (id, device_id, touch_point, survey_id, survey_version,
            question_id, scale, score, reasons, comment, language, utc_ms, local_time, local_day,
            local_hour, misuse, clock_suspect, closed) VALUES ('$id', '$device', 'akl-checkout-1',
            'checkout', 1, 'checkout-experience', 'smiley4', $((1 + n_taps % 4)),
            '$([ $((n_taps % 3)) -eq 0 ] && echo '["waiting"]' || echo '[]')',
            '$([ $((n_taps % 2)) -eq 0 ] && echo "tap $n_taps" || true)', 'en', $t, '$lt',
            '${lt:0:10}', $((10#${lt:11:2})), 0, 0, 1);"
    done
    q "$kdb" "$sql COMMIT;"
}
add_taps 4
run_old_kiosk '[ "$(q "$kdb" "SELECT count(*) FROM responses WHERE sync_state = '"'synced'"'")" -eq 4 ]'
ok "0.1.0's kiosk synced 4 responses to 0.1.0's server itself"
add_taps 2
stop_pid "$server_pid" || fail "0.1.0's server did not stop cleanly"
sdbf=$B$sdb
[ "$(q "$sdbf" 'SELECT count(*) FROM responses')" -eq 4 ] || fail "0.1.0's server does not hold the 4 synced responses"
old_kiosk_schema=$(q "$kdb" 'PRAGMA user_version') old_server_schema=$(q "$sdbf" 'PRAGMA user_version')
kiosk_before=$(sqlite3 "$kdb" "$kiosk_rows_sql")
server_before=$(sqlite3 "$sdbf" "$server_rows_sql")
pending_before=$(q "$kdb" "SELECT id FROM responses WHERE sync_state = 'pending' ORDER BY seq")
echo "  0.1.0 data: kiosk 6 responses (4 synced, 2 pending), schema $old_kiosk_schema; server 4 responses, schema $old_server_schema"

# The upgrade.
apt_in "$B" install --no-install-recommends "${new_in_root[@]}"
[ "$(inroot "$B" dpkg-query -W -f='${Version}' touchpoint-server)" = "$new_version" ] || fail "apt did not upgrade touchpoint-server"
[ "$(inroot "$B" dpkg-query -W -f='${Version}' touchpoint-kiosk)" = "$new_version" ] || fail "apt did not upgrade touchpoint-kiosk"
ok "apt upgraded both packages from 0.1.0 to $new_version"
for u in touchpoint-server.service touchpoint-kiosk.service; do
    unit_command "$B" "$u" >/dev/null || fail "cannot run $u as systemd would (above)"
done
[ "$(config_port "$B")" = "$port" ] || fail "the packaged listen port changed between roots"

start_server "$B" "$work/B-new-server.log"
new_server_schema=$(q "$sdbf" 'PRAGMA user_version')
[ "$new_server_schema" -gt "$old_server_schema" ] ||
    fail "the server's schema did not migrate (user_version $old_server_schema before, $new_server_schema after)"
ok "the server's schema migrated: user_version $old_server_schema -> $new_server_schema"
[ "$(sqlite3 "$sdbf" "$server_rows_sql")" = "$server_before" ] || fail "the server's responses changed in the upgrade"
innet curl -fsS --max-time 5 -H "Authorization: Bearer $api_key" \
    "http://127.0.0.1:$port/api/v1/responses?limit=1000" >"$work/B-responses.json" ||
    fail "GET /api/v1/responses with 0.1.0's head-office key failed after the upgrade"
served=$(python3 -c 'import json,sys
rows = json.load(open(sys.argv[1]))["responses"]
print("\n".join(sorted("|".join(str(r[k]) for k in ("id", "score", "utc_ms")) for r in rows)))' "$work/B-responses.json")
[ "$served" = "$server_before" ] || { echo "served: $served"; echo "stored: $server_before"; fail "the upgraded server does not serve the 4 responses as stored"; }
ok "the upgraded server serves all 4 responses, same ids, scores and times, to 0.1.0's head-office key"
stop_pid "$server_pid" || fail "the upgraded server did not stop cleanly"

# 0.1.0 had no users: its data is root's. The kiosk runs as its own user now,
# so the upgrade must hand the data dir to it.
bad_owner=$(find "$B$kdir" ! -user "$(chroot "$B" id -u "$(unit_value "$B" touchpoint-kiosk.service User)")" -printf '%P ' || true)
[ -z "$bad_owner" ] || fail "after the upgrade these files in $kdir are not the kiosk user's (0.1.0 ran as root; the postinst should hand the folder to the kiosk's user): $bad_owner"
unit_run "$B" touchpoint-kiosk.service /usr/bin/touchpoint-kiosk export --config /etc/touchpoint/kiosk.toml \
    --format jsonl >"$work/B-export.jsonl" 2>"$work/B-export.err" ||
    { cat "$work/B-export.err" >&2; fail "the upgraded kiosk cannot export 0.1.0's responses"; }
kiosk_schema_b=$(q "$kdb" 'PRAGMA user_version')
[ "$kiosk_schema_b" = "$kiosk_schema" ] ||
    fail "the kiosk's database has schema $kiosk_schema_b after the upgrade, not the current $kiosk_schema"
[ "$kiosk_schema_b" -ge "$old_kiosk_schema" ] || fail "the kiosk's schema went down"
ok "the kiosk's schema is the current one: user_version $old_kiosk_schema -> $kiosk_schema_b$([ "$kiosk_schema_b" = "$old_kiosk_schema" ] && echo " (no kiosk migration since 0.1.0)")"
[ "$(sqlite3 "$kdb" "$kiosk_rows_sql")" = "$kiosk_before" ] || fail "the kiosk's responses changed in the upgrade"
exported=$(python3 -c 'import json,sys
print("\n".join("|".join(str(r[k]) for k in ("id", "score", "sync_state")) for r in map(json.loads, open(sys.argv[1]))))' "$work/B-export.jsonl")
[ "$exported" = "$(sqlite3 "$kdb" "SELECT id, score, sync_state FROM responses ORDER BY seq")" ] ||
    fail "the upgraded kiosk's export does not list the 6 responses as stored"
[ "$(q "$kdb" "SELECT id FROM responses WHERE sync_state = 'pending' ORDER BY seq")" = "$pending_before" ] ||
    fail "the 2 unsynced responses are no longer pending"
ok "the upgraded kiosk keeps and exports all 6 responses (4 synced, the 2 unsynced still pending)"

# =====================================================================
phase downgrade
# =====================================================================
[ ! -e "$kdb-wal" ] || [ ! -s "$kdb-wal" ] || fail "the kiosk left a WAL behind after a clean exit"
sum() { sha256sum "$@" | cut -c1-64 | paste -sd' '; }
kiosk_sum=$(sum "$kdb") server_sum=$(sum "$sdbf")
kiosk_before=$(sqlite3 "$kdb" "$kiosk_rows_sql")
server_before=$(sqlite3 "$sdbf" "SELECT * FROM responses ORDER BY id")
apt_in "$B" install --no-install-recommends --allow-downgrades "${old_in_root[@]}"
[ "$(inroot "$B" dpkg-query -W -f='${Version}' touchpoint-server)" = 0.1.0 ] || fail "the downgrade did not install 0.1.0"
ok "apt downgraded both packages to 0.1.0"

rc=0
nsenter -t "$netpid" -n chroot "$B" env -i PATH=/usr/bin:/bin HOME=/root timeout 20 /usr/bin/touchpoint-server \
    --db "sqlite:$sdb" --listen "127.0.0.1:$port" --web-root /usr/share/touchpoint/web \
    >"$work/B-down-server.log" 2>&1 &
dpid=$!
pids+=("$dpid")
for _ in $(seq 1 50); do
    healthz "$port" >/dev/null 2>&1 && break
    kill -0 "$dpid" 2>/dev/null || break
    sleep 0.1
done
if healthz "$port" >/dev/null 2>&1; then
    stop_pid "$dpid" || true
    [ "$(sqlite3 "$sdbf" "SELECT * FROM responses ORDER BY id")" = "$server_before" ] ||
        fail "0.1.0's server runs on the newer database but its responses changed"
    [ "$(q "$sdbf" 'PRAGMA integrity_check')" = ok ] || fail "the server's database is damaged after the downgrade"
    ok "0.1.0's server runs on the newer database; its responses are unchanged"
else
    wait "$dpid" || rc=$?
    sed 's/^/  | /' "$work/B-down-server.log"
    [ "$rc" -ne 0 ] || fail "0.1.0's server exited 0 without serving"
    grep -qiE "schema( version)? $new_server_schema" "$work/B-down-server.log" ||
        fail "0.1.0's server refused the newer database without naming its schema version ($new_server_schema)"
    [ "$(sum "$sdbf")" = "$server_sum" ] || fail "0.1.0's server changed the newer database it refused"
    ok "0.1.0's server refuses the newer database (schema $new_server_schema) in plain words; the file is byte for byte unchanged"
fi

rc=0
old_kiosk touchpoint-kiosk export --data-dir "$kdir" >"$work/B-down-export.csv" 2>"$work/B-down-export.err" || rc=$?
if [ "$rc" -eq 0 ]; then
    [ "$(sqlite3 "$kdb" "$kiosk_rows_sql")" = "$kiosk_before" ] ||
        fail "0.1.0's kiosk opens the database but its responses changed"
    [ "$(q "$kdb" 'PRAGMA integrity_check')" = ok ] || fail "the kiosk's database is damaged after the downgrade"
    [ "$(($(wc -l <"$work/B-down-export.csv") - 1))" -eq 6 ] || fail "0.1.0's kiosk does not export the 6 responses"
    ok "0.1.0's kiosk works on the database (schema $kiosk_schema): all 6 responses unchanged and exported"
else
    cat "$work/B-down-export.err" | sed 's/^/  | /'
    grep -qiE "schema $kiosk_schema" "$work/B-down-export.err" ||
        fail "0.1.0's kiosk refused the database without naming its schema version ($kiosk_schema)"
    [ "$(sum "$kdb")" = "$kiosk_sum" ] || fail "0.1.0's kiosk changed the newer database it refused"
    ok "0.1.0's kiosk refuses the newer database (schema $kiosk_schema) in plain words; the file is unchanged"
fi
[ -z "$(corrupt_files "$B$kdir" "$B/var/lib/touchpoint-server")" ] ||
    fail "a database was moved aside as corrupt: $(corrupt_files "$B$kdir" "$B/var/lib/touchpoint-server")"
ok "no file moved aside as corrupt"

# The current kiosk, shown a database one schema newer than it knows (in
# root A, installed): it refuses in plain words and salvages nothing.
newer=$A/var/tmp/newer-kiosk
mkdir -p "$newer"
cp "$kdb" "$newer/responses.db"
q "$newer/responses.db" "PRAGMA user_version = $((kiosk_schema + 1))"
chmod -R a+rwX "$newer"
newer_sum=$(sum "$newer/responses.db")
rc=0
unit_run "$A" touchpoint-kiosk.service /usr/bin/touchpoint-kiosk export --data-dir /var/tmp/newer-kiosk \
    >/dev/null 2>"$work/newer.err" || rc=$?
sed 's/^/  | /' "$work/newer.err"
[ "$rc" -ne 0 ] || fail "the kiosk exported from a database with a newer schema than it knows"
grep -qiE "schema $((kiosk_schema + 1))" "$work/newer.err" || fail "the kiosk's refusal does not name the schema version"
[ "$(sum "$newer/responses.db")" = "$newer_sum" ] || fail "the kiosk changed a newer-schema database it refused"
[ -z "$(corrupt_files "$newer")" ] || fail "the kiosk moved a newer-schema database aside as corrupt"
ok "the current kiosk refuses a newer-schema database (schema $((kiosk_schema + 1))) and leaves it as it was"

# =====================================================================
phase remove
# =====================================================================
inroot "$A" dpkg-query -W -f='${Conffiles}\n' touchpoint-kiosk touchpoint-server | awk 'NF {print $1}' >"$work/conffiles"
[ -s "$work/conffiles" ] || fail "the packages declare no conffiles"
echo "  conffiles: $(paste -sd' ' "$work/conffiles")"
data_dirs=(/var/lib/touchpoint /var/lib/touchpoint-server)
apt_in "$A" remove touchpoint-kiosk touchpoint-server
[ ! -e "$A/usr/bin/touchpoint-server" ] && [ ! -e "$A/usr/bin/touchpoint-kiosk" ] || fail "remove left the binaries"
while read -r f; do [ -f "$A$f" ] || fail "remove deleted the conffile $f"; done <"$work/conffiles"
[ -f "$A$db_file" ] || fail "remove deleted the server's database $db_file"
[ -f "$A$kiosk_data/responses.db" ] || fail "remove deleted the kiosk's database"
ok "remove keeps the conffiles and both databases"

# What purge removes from /var/lib is what the postrm says: read it.
mkdir -p "$work/control"
for f in "${new_debs[@]}"; do
    p=$(dpkg-deb -f "$f" Package)
    dpkg-deb -e "$f" "$work/control/$p"
done
apt_in "$A" purge touchpoint-kiosk touchpoint-server
while read -r f; do [ ! -e "$A$f" ] || fail "purge left the conffile $f"; done <"$work/conffiles"
for d in "${data_dirs[@]}"; do
    owner=""
    for p in touchpoint-kiosk touchpoint-server; do
        pr=$work/control/$p/postrm
        [ -f "$pr" ] && grep -qE "rm -[a-zA-Z]*r[a-zA-Z]* .*$d(/|\"|'| |$)" "$pr" && owner=$p
    done
    if [ -n "$owner" ]; then
        [ ! -e "$A$d" ] || fail "$owner's postrm removes $d on purge, but it is still there"
        ok "purge removes $d ($owner's postrm)"
    else
        [ -e "$A$d" ] || fail "purge removed $d although no postrm says so"
        ok "purge keeps $d (no postrm removes it)"
    fi
done
[ ! -e "$A/etc/touchpoint" ] || [ -z "$(ls -A "$A/etc/touchpoint")" ] || fail "purge left files in /etc/touchpoint: $(ls -A "$A/etc/touchpoint")"
ok "purge removes the conffiles in /etc/touchpoint"

phase ""
echo "--- times"
for p in "${phases[@]}"; do echo "  $p"; done
printf '  %-10s %6.1f s\n' total "$(( ($(date +%s%N) - t0) / 1000000 ))e-3"
echo "install test passed"
