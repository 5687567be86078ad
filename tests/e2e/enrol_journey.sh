#!/usr/bin/env bash
# End-to-end: enrolment on a locked kiosk, with no shell. A real
# touchpoint-server on loopback holds a store, a touch point running a survey
# whose question differs from the kiosk's own, and a one-time code. The real
# kiosk starts standalone under Xvfb; xdotool opens the staff area (corner
# hold + manager PIN), goes to Settings -> Connect to head office, types the
# server's address and a wrong code on the on-screen keyboard (the wrong-code
# message shows and nothing on the device or the server changes), then the
# right code. Then: the server lists the device, its heartbeats arrive, and
# the customer screen asks the server's question (the kiosk's --ui-trace and
# a screenshot of the question region).
#
# usage: enrol_journey.sh KIOSK SERVER STAFF_PROBE OUT_DIR
set -euo pipefail
KIOSK=$1 SERVER=$2 STAFF_PROBE=$3 OUT=$4
W=1280 H=800
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi
started=$(date +%s.%N)
for tool in xdotool sqlite3 python3 import; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tp-enrol-e2e-XXXXXX)
kiosk_pid="" server_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- last trace lines:" >&2
  tail -n 3 "$work/trace.jsonl" >&2 || true
  [ -f "$work/kiosk.log" ] && { echo "--- kiosk log:" >&2; cat "$work/kiosk.log" >&2; }
  exit 1
}
server_q() { sqlite3 "$work/server.db" "$1"; }

# --- Head office: a store, a touch point with its own survey, a code ---
cat > "$work/hq-survey.toml" <<'TOML'
id = "hq-e2e"
version = 1
scale = "smiley5"
[question]
en = "Did head office's own question reach you?"
[thank_you]
en = "Thank you!"
TOML
db="sqlite:$work/server.db"
"$SERVER" admin --db "$db" create-store --id akl --name "Auckland Central" --time-zone Pacific/Auckland >/dev/null
"$SERVER" admin --db "$db" create-touch-point --store akl --key akl-checkout-1 --name "Checkout 1" \
  --survey "$work/hq-survey.toml" >/dev/null
code=$("$SERVER" admin --db "$db" create-enrollment-code --touch-point akl-checkout-1 2>/dev/null | awk '{print $NF}' | tail -1)
[ -n "$code" ] || fail "no enrolment code"
"$SERVER" --db "$db" --listen 127.0.0.1:0 > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"
port=${url##*:}

# --- The kiosk: standalone, asking its own question ---
cat > "$work/survey.toml" <<'TOML'
id = "local"
version = 1
scale = "smiley4"
[question]
en = "How was your checkout today?"
[thank_you]
en = "Thank you!"
TOML
manager_hash=$(echo 2468 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
default_language = "en"
manager_pin_hash = "$manager_hash"
config_poll_s = 2
heartbeat_s = 5
[touch_point]
key = "local-checkout"
name = "Local checkout"
store = "Test store"
time_zone = "Pacific/Auckland"
survey = "survey.toml"
TOML
start_kiosk --config "$work/kiosk.toml" --data-dir "$work/data" --windowed ${W}x${H} \
  --ui-trace "$work/trace.jsonl"
identity_before=$(sha256sum "$work/data/identity.json" | cut -d' ' -f1)
import -window root "$work/own-question.png" 2>/dev/null || fail "no screenshot"
grep -q '"question":"How was your checkout today?"' "$work/trace.jsonl" || fail "the kiosk does not start with its own question"

declare -A at
while read -r name x y; do at[$name]="$x $y"; done < <("$STAFF_PROBE" $W $H 96)
tap() { xdotool mousemove $1 $2 click 1; sleep 0.25; }
press() { [ -n "${at[$1]:-}" ] || fail "no place for $1"; tap ${at[$1]}; }
now() { tail -n 1 "$work/trace.jsonl" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin).get('$1')))"; }
expect() { local got; got=$(now "$1"); [ "$got" = "$2" ] || fail "$1 is $got, expected $2"; }
# Waits up to $3 s (default 15) for the trace's last line to have $1 = $2.
wait_for() {
  local i
  for ((i = 0; i < ${3:-15} * 10; i++)); do
    [ "$(now "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 is $(now "$1"), expected $2"
}
# Types text on the address keyboard (letters, digits and : . / - _).
type_keys() {
  local s=$1 c name
  while [ -n "$s" ]; do
    case $s in
      http://*) press key_http; s=${s#http://}; continue ;;
    esac
    c=${s:0:1}; s=${s:1}
    case $c in
      :) name=colon ;; .) name=dot ;; /) name=slash ;; -) name=dash ;; _) name=underscore ;;
      *) name=$(tr 'A-Z' 'a-z' <<<"$c") ;;
    esac
    press "key_$name"
  done
}

# --- The manager reaches Connect to head office ---
xdotool mousemove 6 6 mousedown 1; sleep 3.3; xdotool mouseup 1; sleep 0.5
expect screen '"staff_pin"'
for d in 2 4 6 8; do press "digit$d"; done
press ok; sleep 0.5
expect screen '"staff_dashboard"'
press manager.settings
expect screen '"staff_settings"'
expect connected_to '""'
press settings.connect
expect screen '"staff_connect"'
expect enrolment '"idle"'

press connect.url
type_keys "$url"
expect server_url "\"$url\""
press connect.code
type_keys "WRONG-CODE-1"
expect code_chars 12
press connect.connect
wait_for enrolment '"failed"'
expect problem '"wrong_code"'
expect message '"The code was not accepted. Check it and type it again, or ask head office for a new one."'
import -window root "$OUT/enrol-e2e-wrong-code.png" 2>/dev/null || true
# Nothing changed: the identity, the server's devices, what the kiosk asks.
[ "$(sha256sum "$work/data/identity.json" | cut -d' ' -f1)" = "$identity_before" ] || fail "a wrong code changed identity.json"
[ "$(server_q 'SELECT COUNT(*) FROM devices')" -eq 0 ] || fail "a wrong code made a device"
expect survey '"local"'

# --- The right code ---
for _ in $(seq 1 12); do press key_delete; done
expect code_chars 0
type_keys "$code"
press connect.connect
wait_for enrolment '"connected"'
expect connected_to "\"$url\""
message=$(now message)
grep -q 'Connected to head office as device \\"Touchpoint kiosk [0-9a-f]*\\" for Auckland Central / Checkout 1' <<<"$message" ||
  fail "connected message: $message"
import -window root "$OUT/enrol-e2e-connected.png" 2>/dev/null || true
connected_at=$(date +%s)

# The server lists the device; the kiosk keeps its token and the server's id.
devices=$("$SERVER" admin --db "$db" list-devices)
device_id=$(awk -F'\t' 'NR == 2 && $3 == "akl-checkout-1" && $5 == "active" {print $1}' <<<"$devices")
[ -n "$device_id" ] || fail "the server does not list the kiosk: $devices"
python3 - "$work/data/identity.json" "$device_id" "$url" <<'PY' || fail "identity.json after enrolment"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["device_id"] == sys.argv[2], j["device_id"]
assert j["server_url"] == sys.argv[3], j["server_url"]
assert len(j["device_token"]) == 43
PY

# --- The customer screen asks the server's question ---
press manager.close
wait_for survey '"hq-e2e"' 20
expect screen '"question"'
expect question "\"Did head office's own question reach you?\""
sleep 0.5
import -window root "$work/question.png" 2>/dev/null || fail "no screenshot"
cp "$work/question.png" "$OUT/enrol-e2e-question.png" 2>/dev/null || true
# The question band (the top third) is drawn text, not a flat colour.
colours=$(convert "$work/question.png" -crop "${W}x$((H / 3))+0+0" +repage -format %k info:)
[ "$colours" -ge 8 ] || fail "the question region has $colours colours"
# ... and not the text the kiosk asked before it was enrolled.
band="${W}x$((H / 3))+0+0"
convert "$work/own-question.png" -crop "$band" +repage "$work/band-before.png"
convert "$work/question.png" -crop "$band" +repage "$work/band-after.png"
changed=$(compare -metric AE "$work/band-before.png" "$work/band-after.png" null: 2>&1 || true)
[ "${changed%% *}" -gt 1000 ] 2>/dev/null || fail "the question region did not change ($changed pixels differ)"

# --- Heartbeats arrive (every 5 s, with the kiosk's health) ---
seen() { server_q "SELECT coalesce(last_seen_utc_ms, 0) FROM devices WHERE id = '$device_id'"; }
health() { server_q "SELECT health_json IS NOT NULL FROM devices WHERE id = '$device_id'"; }
first=""
for _ in $(seq 1 100); do
  [ "$(health)" = 1 ] && { first=$(seen); break; }
  sleep 0.2
done
[ -n "$first" ] || fail "no heartbeat reached the server"
second=$first
for _ in $(seq 1 80); do
  second=$(seen)
  [ "$second" -gt "$first" ] && break
  sleep 0.2
done
[ "$second" -gt "$first" ] || fail "only one heartbeat in 16 s (last seen $first)"

kill -TERM "$kiosk_pid"
wait "$kiosk_pid" && rc=0 || rc=$?
kiosk_pid=""
[ "$rc" -eq 0 ] || fail "kiosk exit code $rc"
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
elapsed=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
echo "PASS: enrolled from the settings screen (wrong code refused, then connected), device listed, heartbeats arriving, server's question shown; ${elapsed} s"
