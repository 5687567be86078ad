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
#
# usage: kiosk_service.sh doctor KIOSK SERVER
set -uo pipefail
mode=${1:-}
shift || true
fail() {
  echo "FAIL: $*" >&2
  [ -n "${log:-}" ] && [ -f "$log" ] && { echo "--- output:" >&2; cat "$log" >&2; }
  exit 1
}
ok() { echo "ok: $*"; }

case "$mode" in
doctor)
  [ $# -eq 2 ] || { echo "usage: $0 doctor KIOSK SERVER" >&2; exit 2; }
  KIOSK=$1 SERVER=$2
  ;;
*)
  echo "usage: $0 doctor KIOSK SERVER" >&2
  exit 2
  ;;
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
  grep -q "^FAIL clock: this device's clock is 1 h 0 min ahead of the server's" "$log" ||
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
