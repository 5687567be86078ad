#!/usr/bin/env bash
# The kiosk as the service manager and an installer see it, as real processes.
#
#   doctor    `touchpoint-kiosk doctor`: with no display at all (DISPLAY and
#             SDL_VIDEODRIVER unset) it exits non-zero and says "no display"
#             while its data, font and database checks pass; under Xvfb with
#             a fresh data dir every check passes; enrolled with a real
#             touchpoint-server on loopback, the server and clock checks pass;
#             with the device's clock an hour off (libfaketime, when
#             installed) the clock check fails; a revoked token and a stopped
#             server fail the server check. The data dir is never changed.
#   watchdog  the service manager's notifications (NotifyAccess=all, as
#             under cage): a datagram socket bound here stands in for
#             systemd's. With WATCHDOG_USEC=2000000 the kiosk under Xvfb
#             sends READY=1 after its first frame, then WATCHDOG=1 at least
#             3 times in 4 s while idle (and using next to no CPU), then
#             STOPPING=1 on SIGTERM, and exits 0. With WATCHDOG_USEC=500000
#             (shorter than the event loop's usual 1 s sleep) no two pings
#             are that far apart: the idle wait wakes at half the interval.
#
# usage: kiosk_service.sh doctor KIOSK SERVER
#        kiosk_service.sh watchdog KIOSK
set -uo pipefail
mode=${1:-}
shift || true
fail() {
  echo "FAIL: $*" >&2
  [ -n "${log:-}" ] && [ -f "$log" ] && { echo "--- output:" >&2; cat "$log" >&2; }
  exit 1
}
ok() { echo "ok: $*"; }

usage() {
  echo "usage: $0 doctor KIOSK SERVER | watchdog KIOSK" >&2
  exit 2
}
case "$mode" in
doctor)
  [ $# -eq 2 ] || usage
  KIOSK=$1 SERVER=$2
  ;;
watchdog)
  [ $# -eq 1 ] || usage
  KIOSK=$1
  command -v python3 >/dev/null || fail "python3 is not installed"
  ;;
*) usage ;;
esac

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" 1024x768x24 "$0" "$mode" "$@"
fi

work=$(mktemp -d /tmp/tp-kiosk-service-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log="$work/out.log"

# The checks that must pass wherever the kiosk is installed right: a line
# naming each, none of them a failure (as the install test reads them).
passes() {
  local what
  for what in data font database; do
    grep -iE "$what" "$log" | grep -qivE "fail|problem|cannot|missing|error" ||
      fail "no passing $what line"
    grep -iE "$what" "$log" | grep -qiE "fail|problem|cannot|missing|error" &&
      fail "the $what check reports a problem"
  done
  return 0
}

# -------------------------------------------------------------- watchdog ---
if [ "$mode" = watchdog ]; then
  cat >"$work/survey.toml" <<'TOML'
id = "visit"
version = 1
scale = "smiley5"
[question]
en = "How was your visit?"
TOML
  cat >"$work/kiosk.toml" <<'TOML'
[device]
dpi = 96
dim_timeout_s = 0
[touch_point]
key = "front"
name = "Front desk"
time_zone = "UTC"
survey = "survey.toml"
TOML

  # What systemd would receive: one line per datagram, "SECONDS STATE"
  # (monotonic seconds), on the socket named by NOTIFY_SOCKET.
  listen_notify() {
    python3 - "$1" "$2" <<'PY' &
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "w") as f:
    while True:
        data = s.recv(4096).decode("utf-8", "replace")
        for state in data.split("\n"):
            if state:
                f.write("%.3f %s\n" % (time.monotonic(), state))
        f.flush()
PY
    listener_pid=$!
    pids+=("$listener_pid")
    for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
    fail "the notification socket was not bound"
  }
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

  # run_watchdog NAME USEC: starts the kiosk as the unit would (its env),
  # waits for READY=1, watches it idle for WINDOW seconds, stops it with
  # SIGTERM. Leaves the notifications in $work/NAME.notify.
  run_watchdog() {
    local name=$1 usec=$2 window=$3 sock="$work/$1.sock" notes="$work/$1.notify" t0 ticks0 rc
    log="$work/$name.log"
    listen_notify "$sock" "$notes"
    NOTIFY_SOCKET="$sock" WATCHDOG_USEC="$usec" \
      "$KIOSK" --config "$work/kiosk.toml" --data-dir "$work/$name-data" --windowed 800x600 \
      >"$log" 2>&1 &
    kiosk_pid=$!
    pids+=("$kiosk_pid")
    for _ in $(seq 1 150); do
      grep -q " READY=1$" "$notes" 2>/dev/null && break
      kill -0 "$kiosk_pid" 2>/dev/null || fail "the kiosk exited before READY=1"
      sleep 0.1
    done
    grep -q " READY=1$" "$notes" || fail "no READY=1 within 15 s"
    # Idle from here: the question screen, nobody touching it.
    sleep 0.5
    ticks0=$(cpu_ticks "$kiosk_pid")
    t0=$(python3 -c 'import time; print("%.3f" % time.monotonic())')
    sleep "$window"
    idle_ticks=$(($(cpu_ticks "$kiosk_pid") - ticks0))
    idle_from=$t0
    kill -TERM "$kiosk_pid"
    rc=0
    for _ in $(seq 1 100); do kill -0 "$kiosk_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$kiosk_pid" 2>/dev/null && fail "the kiosk did not exit within 10 s of SIGTERM"
    wait "$kiosk_pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "the kiosk exited $rc after SIGTERM, expected 0"
    for _ in $(seq 1 20); do grep -q " STOPPING=1$" "$notes" && break; sleep 0.1; done
    kill "$listener_pid" 2>/dev/null
  }
  # pings NOTES FROM WINDOW: the WATCHDOG=1 lines in [FROM, FROM + WINDOW].
  pings() {
    awk -v from="$2" -v to="$(python3 -c "print($2 + $3)")" \
      '$2 == "WATCHDOG=1" && $1 >= from && $1 <= to' "$1" | wc -l
  }
  # max_gap NOTES: the longest time between READY=1 and the pings after it.
  max_gap() {
    awk '$2 == "READY=1" { last = $1 } $2 == "WATCHDOG=1" && last != "" {
           gap = $1 - last; if (gap > max) max = gap; last = $1 }
         END { printf "%.3f\n", max }' "$1"
  }

  run_watchdog slow 2000000 4
  notes="$work/slow.notify"
  first=$(awk '{print $2; exit}' "$notes")
  [ "$first" = "READY=1" ] || fail "the first notification is $first, not READY=1: $(cat "$notes")"
  [ "$(grep -c " READY=1$" "$notes")" -eq 1 ] || fail "READY=1 sent more than once"
  n=$(pings "$notes" "$idle_from" 4)
  [ "$n" -ge 3 ] || fail "$n WATCHDOG=1 in 4 s of idle with WATCHDOG_USEC=2000000, expected 3 or more: $(cat "$notes")"
  tail -n 1 "$notes" | grep -q " STOPPING=1$" || fail "the last notification is not STOPPING=1: $(tail -n 3 "$notes")"
  [ "$(awk '$2 == "STOPPING=1"' "$notes" | wc -l)" -eq 1 ] || fail "STOPPING=1 not sent exactly once"
  # Waking to ping is not drawing: 4 s of idle cost well under 0.3 s of CPU.
  [ "$idle_ticks" -lt 30 ] || fail "the idle kiosk used $idle_ticks ticks of CPU in 4 s"
  ok "WATCHDOG_USEC=2000000: READY=1, $n WATCHDOG=1 in 4 s idle (longest gap $(max_gap "$notes") s, $idle_ticks CPU ticks), STOPPING=1, exit 0"

  run_watchdog fast 500000 2
  notes="$work/fast.notify"
  n=$(pings "$notes" "$idle_from" 2)
  gap=$(max_gap "$notes")
  python3 -c "import sys; sys.exit(0 if $gap < 0.5 else 1)" ||
    fail "with WATCHDOG_USEC=500000 two pings were $gap s apart: $(cat "$notes")"
  [ "$n" -ge 4 ] || fail "$n WATCHDOG=1 in 2 s with WATCHDOG_USEC=500000"
  ok "WATCHDOG_USEC=500000: $n WATCHDOG=1 in 2 s idle, longest gap $gap s"
  echo "PASS: kiosk watchdog"
  exit 0
fi

# ---------------------------------------------------------------- doctor ---
doctor() {
  "$KIOSK" doctor --data-dir "$work/data" "$@" >"$log" 2>&1
}

# No display at all: no X, no Wayland socket, no driver asked for.
mkdir -m 700 "$work/run"
rc=0
env -u DISPLAY -u SDL_VIDEODRIVER -u WAYLAND_DISPLAY XDG_RUNTIME_DIR="$work/run" \
  "$KIOSK" doctor --data-dir "$work/data" >"$log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "doctor with no display exited $rc, expected 1"
grep -q "^FAIL display: no display" "$log" || fail "doctor does not say \"no display\""
grep -q "run it inside cage" "$log" || fail "doctor does not say what to do about the display"
passes
[ ! -e "$work/data" ] || fail "doctor made the data dir"
ok "no display: exit 1, \"$(grep '^FAIL display' "$log" | cut -c1-60)...\""

# Under Xvfb, a kiosk that has not started yet: everything passes.
doctor || fail "doctor under Xvfb exited $?"
grep -q "^OK display: x11, 1024x768; drawing with " "$log" || fail "no OK display line"
grep -q "^OK server: standalone (not enrolled)$" "$log" || fail "no standalone server line"
grep -q "^all 6 checks passed$" "$log" || fail "no summary"
passes
ok "under Xvfb: $(grep '^OK display' "$log")"

# Enrolled with a real server on loopback.
db="sqlite:$work/server.db"
"$SERVER" admin --db "$db" create-store --id akl --name Auckland --time-zone UTC >/dev/null ||
  fail "create-store"
cat >"$work/hq.toml" <<'TOML'
id = "hq"
version = 1
scale = "smiley5"
[question]
en = "How was it?"
TOML
"$SERVER" admin --db "$db" create-touch-point --store akl --key akl-1 --name "Checkout 1" \
  --survey "$work/hq.toml" >/dev/null || fail "create-touch-point"
code=$("$SERVER" admin --db "$db" create-enrollment-code --touch-point akl-1 2>/dev/null |
  awk '{print $NF}' | tail -1)
[ -n "$code" ] || fail "no enrolment code"
"$SERVER" --db "$db" --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "the server did not start: $(cat "$work/server.log")"
"$KIOSK" enroll --server "$url" --code "$code" --data-dir "$work/data" >"$log" 2>&1 ||
  fail "enroll"
identity=$(md5sum <"$work/data/identity.json")
listing=$(ls -A "$work/data")

doctor || fail "doctor, enrolled, exited $?"
grep -q "^OK server: $url reachable (plain http on loopback), token accepted$" "$log" ||
  fail "no OK server line"
grep -q "^OK clock: within [0-9]* s of the server's" "$log" || fail "no OK clock line"
grep -q "^all 7 checks passed$" "$log" || fail "no summary"
ok "enrolled: $(grep '^OK server' "$log")"

faketime_lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
if [ -n "$faketime_lib" ]; then
  rc=0
  LD_PRELOAD="$faketime_lib" FAKETIME="+1h" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "$KIOSK" doctor --data-dir "$work/data" >"$log" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || fail "doctor with the clock an hour ahead exited $rc, expected 1"
  # An hour, give or take the second between the server's answer and the
  # device's reading.
  grep -qE "^FAIL clock: this device's clock is (1 h 0 min|59 min 5[0-9] s) ahead of the server's" "$log" ||
    fail "no FAIL clock line"
  grep -q "^OK server:" "$log" || fail "the server check failed with only the clock off"
  ok "an hour ahead: $(grep '^FAIL clock' "$log" | cut -c1-70)..."
else
  echo "note: libfaketime is not installed; the clock's failure is not tried here"
fi

device=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_id"])' \
  "$work/data/identity.json")
"$SERVER" admin --db "$db" revoke-device --id "$device" >/dev/null 2>&1 || fail "revoke-device"
rc=0
doctor || rc=$?
[ "$rc" -eq 1 ] || fail "doctor with a revoked token exited $rc"
grep -q "^FAIL server: $url does not accept this kiosk's token" "$log" ||
  fail "no FAIL server line for the revoked token"
ok "revoked: $(grep '^FAIL server' "$log" | cut -c1-70)..."

kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null
rc=0
doctor || rc=$?
[ "$rc" -eq 1 ] || fail "doctor with the server stopped exited $rc"
grep -q "^FAIL server: $url cannot be reached" "$log" || fail "no FAIL server line (stopped)"
ok "stopped: $(grep '^FAIL server' "$log" | cut -c1-70)..."

[ "$(md5sum <"$work/data/identity.json")" = "$identity" ] || fail "doctor changed identity.json"
[ "$(ls -A "$work/data")" = "$listing" ] || fail "doctor changed the data dir: $(ls -A "$work/data")"
echo "PASS: kiosk doctor"
