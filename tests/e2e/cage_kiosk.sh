#!/usr/bin/env bash
# The kiosk inside cage, the Wayland kiosk compositor touchpoint-kiosk.service
# runs it in: cage on wlroots' headless backend with the pixman renderer (no
# GPU), as a user that is not root (cage refuses root), the kiosk installed
# by the install rules into a temporary root (so it finds its data in
# ../share/touchpoint, as the package does).
#
#   1. the question screen shows: a grim screenshot has at least 8 colours
#      and the question band is not flat; the first frame's time (from
#      launch to the first such screenshot, polled every 50 ms) and PSS
#      (kiosk + Xwayland + cage) are printed;
#   2. left idle past dim_timeout_s (8 s), the screen dims;
#   3. `touchpoint-kiosk stop` (the unit's ExecStop: SIGTERM to the kiosk,
#      then it waits): the kiosk exits 0 and leaves its database closed (no
#      WAL), and cage ends the session (within 10 s).
#
# --compare also measures the other way to draw without a GPU: OpenGL on
# llvmpipe through SDL's Wayland driver (no Xwayland), for the README.
#
# usage: cage_kiosk.sh BUILD_DIR [--compare]
# Runs as root (it starts cage as "nobody"). With CI=true a missing tool
# fails the test; otherwise it is skipped (exit 77).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [--compare]" >&2; exit 2; }
build=$(cd "$1" && pwd)
compare=${2:-}
t0=$(date +%s%N)

skip() {
    echo "cage_kiosk: $*" >&2
    [ "${CI:-}" = true ] && exit 1
    exit 77
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
[ "$(id -u)" -eq 0 ] || skip "must run as root (it runs cage as another user)"
for tool in cage Xwayland grim convert setpriv xdotool cmake python3; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/dev.sh installs it)"
done
user=nobody group=$(id -gn nobody)
as_user() { setpriv --reuid="$user" --regid="$group" --clear-groups "$@"; }

work=$(mktemp -d /tmp/touchpoint-cage.XXXXXX)
chmod 0755 "$work"
# This session's processes: those naming the work folder (cage, the shell,
# the kiosk) and the Xwayland cage started (detached from it, but with the
# session's runtime folder in its environment).
xwayland_pids() {
    local p
    for p in $(pgrep -u "$user" -x Xwayland || true); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$work/run" && echo "$p"
    done
    return 0
}
session_pids() { pgrep -u "$user" -f "$work/" || true; xwayland_pids; }
cleanup() {
    local rc=$? p
    for p in $(session_pids); do kill -KILL "$p" 2>/dev/null || true; done
    if [ "$rc" -ne 0 ]; then
        echo "cage_kiosk: logs kept in $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT

# --- The kiosk as installed ---
DESTDIR=$work/root cmake --install "$build" --prefix /usr --component kiosk >"$work/install.log" ||
    fail "cmake --install --component kiosk failed"
kiosk=$work/root/usr/bin/touchpoint-kiosk
[ -x "$kiosk" ] || fail "the install rules put no touchpoint-kiosk in usr/bin"
pin_hash=$(echo 2468 | "$kiosk" hash-pin)
mkdir -p "$work/data" "$work/run" "$work/home" "$work/out"
cat >"$work/kiosk.toml" <<EOF
[device]
data_dir = "$work/data"
manager_pin_hash = "$pin_hash"
dim_timeout_s = 8
[touch_point]
key = "cage-checkout-1"
name = "Checkout 1"
store = "Cage Test"
time_zone = "UTC"
survey = "$work/root/usr/share/touchpoint/surveys/checkout.toml"
EOF
chown -R "$user:$group" "$work/data" "$work/run" "$work/home" "$work/out"
chmod 0700 "$work/run"

# shot FILE: a screenshot of the session (grim writes as the session's user).
shot() {
    as_user env XDG_RUNTIME_DIR="$work/run" WAYLAND_DISPLAY=wayland-0 grim "$work/run/shot.png" 2>/dev/null &&
        cp "$work/run/shot.png" "$1"
}
colours() { convert "$1" -format %k info:; }
# The question band: the top fifth of the screen, where the question is drawn.
band_colours() { convert "$1" -gravity north -crop 100%x20%+0+0 +repage -format %k info:; }
pss_kb() {
    local p sum=0 v
    for p in "$@"; do
        v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}

# session LABEL [ENV...] -- [KIOSK ARGS...]: starts cage with the kiosk (its
# exit code written to $work/LABEL.rc by a shell between them), waits for the
# question screen; sets first_ms, pss_line.
session() {
    local label=$1 envs=() args=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    args=("$@")
    rm -rf "$work/run/"* "$work/data/"*
    local start=$(date +%s%N)
    as_user env -i PATH=/usr/bin:/bin HOME="$work/home" XDG_RUNTIME_DIR="$work/run" \
        WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 "${envs[@]}" \
        cage -- /bin/sh -c 'trap : TERM; "$@"; echo $? >"$0"' "$work/out/$label.rc" \
        "$kiosk" --config "$work/kiosk.toml" "${args[@]}" >"$work/$label.log" 2>&1 &
    cage_pid=$!
    first_ms=""
    tries=0
    for _ in $(seq 1 "$polls"); do
        if [ -S "$work/run/wayland-0" ] && shot "$work/$label.png"; then
            tries=$((tries + 1))
            [ -n "${TOUCHPOINT_CAGE_DEBUG:-}" ] && echo "  $(( ($(date +%s%N) - start) / 1000000 )) ms: $(colours "$work/$label.png") colours"
            if [ "$(colours "$work/$label.png")" -ge 8 ]; then
                first_ms=$(( ($(date +%s%N) - start) / 1000000 ))
                [ -n "${TOUCHPOINT_CAGE_DEBUG:-}" ] && echo "  ($tries screenshots)"
                break
            fi
        fi
        kill -0 "$cage_pid" 2>/dev/null || { cat "$work/$label.log" >&2; fail "$label: cage exited at start"; }
        sleep 0.05
    done
    if [ -z "$first_ms" ]; then
        [ "$require_frame" = 1 ] || { first_ms="none within 15 s"; return 0; }
        grep -v "output test failed" "$work/$label.log" | tail -20 >&2
        fail "$label: no question screen under cage within $((polls / 20)) s (screenshot has $(colours "$work/$label.png") colours)"
    fi
    sleep 2 # settled: memory after the first frames
    local kp xp cp
    kp=$(pgrep -u "$user" -f "^$kiosk" | head -1)
    xp=$(xwayland_pids | head -1)
    cp=$(pgrep -u "$user" -f "^cage -- /bin/sh -c .*$work/" | head -1 || true)
    pss_line="kiosk $(( $(pss_kb "$kp") / 1024 )) MB + Xwayland $(( $(pss_kb $xp) / 1024 )) MB = $(( $(pss_kb "$kp" $xp) / 1024 )) MB (cage $(( $(pss_kb $cp) / 1024 )) MB)"
    kiosk_pid=$kp
}

# stop_session LABEL: `touchpoint-kiosk stop` as the session's user, as the
# unit's ExecStop runs it before systemd ends the rest of the session; the
# kiosk must exit 0 with its database closed, and cage then ends the session.
stop_session() {
    local label=$1
    as_user "$kiosk" stop --timeout 10 >"$work/$label.stop" 2>&1 ||
        { cat "$work/$label.stop" >&2; fail "$label: touchpoint-kiosk stop failed"; }
    grep -q "stopped 1 kiosk" "$work/$label.stop" || { cat "$work/$label.stop" >&2; fail "$label: touchpoint-kiosk stop did not find the kiosk"; }
    for _ in $(seq 1 100); do [ -z "$(session_pids)" ] && break; sleep 0.1; done
    [ -z "$(session_pids)" ] || fail "$label: the session was still running 10 s after SIGTERM"
    wait "$cage_pid" 2>/dev/null || true
    [ -f "$work/out/$label.rc" ] || fail "$label: the kiosk did not exit by itself on SIGTERM (log: $work/$label.log)"
    [ "$(cat "$work/out/$label.rc")" = 0 ] || { tail -5 "$work/$label.log" >&2; fail "$label: the kiosk exited $(cat "$work/out/$label.rc") on SIGTERM"; }
    [ ! -s "$work/data/responses.db-wal" ] || fail "$label: the kiosk left a WAL behind: its database was not closed"
}

# --- 1. Software rendering through Xwayland (the default without a GPU) ---
# cage 0.1.4 on wlroots' headless backend puts an Xwayland window on its
# output up to several seconds after it was mapped (until then grim sees
# black, though the X window holds the kiosk's frame); the kiosk draws again
# for 15 s after its start there. Should nothing show within 10 s, the
# session is started once more, and that is reported.
require_frame=0 polls=200
session software --
if [ "$first_ms" = "none within 15 s" ]; then
    echo "note: cage showed no frame within 10 s; stopping the session and starting it again"
    as_user "$kiosk" stop --timeout 10 >/dev/null 2>&1 || true
    for p in $(session_pids); do kill -KILL "$p" 2>/dev/null || true; done
    wait "$cage_pid" 2>/dev/null || true
    require_frame=1
    session software --
fi
renderer=$(grep -o "drawing with [^(]*" "$work/software.log" | head -1)
echo "software: $renderer"
[ "$(band_colours "$work/software.png")" -ge 4 ] || fail "the question band of the screenshot is flat"
trace_q=$(grep -c . "$work/software.log" || true)
echo "ok: the question screen under cage: $(colours "$work/software.png") colours, question band $(band_colours "$work/software.png") colours ($(convert "$work/software.png" -format '%wx%h' info:))"
echo "first frame under cage (software, SDL x11 driver via Xwayland): ${first_ms} ms"
echo "memory under cage (software): $pss_line"
# Idle blanking under cage: after dim_timeout_s without a touch the screen
# dims (an overlay the kiosk draws, whatever the compositor does with gamma).
bright=$(convert "$work/software.png" -colorspace Gray -format '%[fx:int(mean*1000)]' info:)
dimmed=""
for _ in $(seq 1 200); do
    if shot "$work/dimmed.png"; then
        now=$(convert "$work/dimmed.png" -colorspace Gray -format '%[fx:int(mean*1000)]' info:)
        if [ "$now" -lt $((bright * 6 / 10)) ]; then dimmed=$now; break; fi
    fi
    sleep 0.1
done
[ -n "$dimmed" ] || fail "the idle kiosk did not dim under cage within 20 s of its first frame (mean $bright/1000)"
echo "ok: the idle kiosk dims under cage (mean brightness $bright -> $dimmed per mille)"
# The wake-up touch never rates: a tap on a face of the dimmed screen only
# wakes it; the next tap is a rating. (Taps through Xwayland's XTEST, as
# cage's headless backend has no input devices.)
xdisplay=$(tr '\0' ' ' <"/proc/$(xwayland_pids | head -1)/cmdline" | awk '{print $2}')
count() { as_user "$kiosk" export --config "$work/kiosk.toml" 2>/dev/null | tail -n +2 | grep -c . || true; }
tap() { as_user env HOME="$work/home" DISPLAY="$xdisplay" xdotool mousemove "$1" "$2" click 1; }
before=$(count)
tap 1103 335
sleep 1
[ "$(count)" = "$before" ] || fail "the tap that woke the dimmed screen was recorded as a rating"
tap 1103 335
for _ in $(seq 1 30); do [ "$(count)" -gt "$before" ] && break; sleep 0.1; done
[ "$(count)" = $((before + 1)) ] || fail "a tap on the awake question screen was not recorded ($(count) responses, $before before)"
echo "ok: under cage the wake-up tap only wakes the screen; the next tap is one rating"
stop_session software
echo "ok: touchpoint-kiosk stop (SIGTERM) ends the session; the kiosk exits 0 with its database closed"
if [ -n "${TOUCHPOINT_CAGE_SHOT:-}" ]; then cp "$work/software.png" "$TOUCHPOINT_CAGE_SHOT"; fi

# --- 2. For comparison: OpenGL on llvmpipe through SDL's Wayland driver ---
if [ "$compare" = --compare ]; then
    require_frame=0 polls=150
    session gl-wayland SDL_VIDEODRIVER=wayland -- --renderer gpu
    sleep 2
    kp=$(pgrep -u "$user" -f "^$kiosk" | head -1)
    echo "gl-wayland: $(grep -o "drawing with [^(]*([^)]*)" "$work/gl-wayland.log" | head -1)"
    echo "first frame under cage (OpenGL on llvmpipe, SDL wayland driver): $first_ms"
    echo "memory under cage (OpenGL, wayland): kiosk $(( $(pss_kb "$kp") / 1024 )) MB, no Xwayland"
    as_user "$kiosk" stop --timeout 10 >/dev/null 2>&1 || true
fi

echo "cage test passed in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
