#!/usr/bin/env bash
# End-to-end, staff side: a real kiosk window under Xvfb, driven with xdotool.
# A few customer taps; the hidden entry (hold the top-left corner for 3 s);
# wrong PINs until the pad locks; the right PIN refused while locked, then
# accepted; the dashboard's figures checked against the taps; pause, the
# other staff screens, and exit. What the screen shows is read from the
# kiosk's --ui-trace file (one JSON line per screen change).
#
# The pad's first lock-out lasts 30 s (StaffAuth::k_first_lock), so the test
# waits it out rather than shortening it.
#
# usage: staff_journey.sh KIOSK_BINARY LAYOUT_PROBE STAFF_PROBE OUT_DIR
set -euo pipefail
KIOSK=$1 PROBE=$2 STAFF_PROBE=$3 OUT=$4
W=${STAFF_E2E_W:-1280} H=${STAFF_E2E_H:-800}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi

work=$(mktemp -d /tmp/tp-staff-e2e-XXXXXX)
kiosk_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- last trace lines:" >&2
  tail -n 5 "$work/trace.jsonl" >&2 || true
  exit 1
}

cat > "$work/survey.toml" <<'TOML'
id = "e2e"
version = 1
scale = "smiley4"
[question]
en = "How was your checkout today?"
[thank_you]
en = "Thank you!"
TOML
manager_hash=$(echo 2468 | "$KIOSK" hash-pin)
staff_hash=$(echo 1357 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
default_language = "en"
manager_pin_hash = "$manager_hash"
staff_pin_hash = "$staff_hash"
[touch_point]
key = "e2e-checkout"
name = "E2E checkout"
store = "Test store"
time_zone = "Pacific/Auckland"
response_interval_s = 2
thank_you_s = 60
service_standard = 85
cx_statement = "Every customer leaves glad they came."
survey = "survey.toml"
TOML

start_kiosk --config "$work/kiosk.toml" --data-dir "$work/data" --windowed ${W}x${H} \
  --ui-trace "$work/trace.jsonl"

declare -A at
while read -r score x y; do at[face$score]="$x $y"; done < <("$PROBE" smiley4 $W $H 96)
while read -r name x y; do at[$name]="$x $y"; done < <("$STAFF_PROBE" $W $H 96)

tap() { xdotool mousemove $1 $2 click 1; sleep 0.4; }
press() { tap ${at[$1]}; }
dismiss() { tap $((W / 2)) $((H / 3)); }
pin() { for ((i = 0; i < ${#1}; i++)); do press "digit${1:$i:1}"; done; press ok; sleep 1; }
# A field of the trace's last line (python prints JSON values, e.g. true / 3).
now() { tail -n 1 "$work/trace.jsonl" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin).get('$1')))"; }
expect() { local got; got=$(now "$1"); [ "$got" = "$2" ] || fail "$1 is $got, expected $2"; }
hold_corner() { xdotool mousemove 6 6 mousedown 1; sleep 3.3; xdotool mouseup 1; sleep 0.5; }

# --- Customers: 4, 3, 1 counted; a too-fast 1 flagged as misuse ---
press face4; dismiss; sleep 2.2
press face3; dismiss; sleep 2.2
press face1; dismiss
press face1; dismiss; sleep 2.2
expect screen '"question"'

# --- A short hold does nothing; a 3 s hold opens the PIN pad ---
xdotool mousemove 6 6 mousedown 1; sleep 1.5; xdotool mouseup 1; sleep 0.5
expect screen '"question"'
hold_corner
expect screen '"staff_pin"'
expect entered 0

# --- Wrong PINs until the pad locks; the right PIN is refused while locked ---
pin 0000
expect message '"Wrong PIN"'
pin 1111
pin 9999
expect locked true
locked_at=$(date +%s)
import -window root "$OUT/staff-e2e-locked.png" 2>/dev/null || true
pin 2468
expect screen '"staff_pin"'
expect locked true

# --- After the lock, the manager's PIN opens the dashboard ---
sleep $((31 - ($(date +%s) - locked_at)))
pin 2468
expect screen '"staff_dashboard"'
expect role '"manager"'
expect count 3
expect misuse 1
expect distribution '{"1": 1, "2": 0, "3": 1, "4": 1}'
expect per_hour_total 3
headline=$(now headline)
python3 -c "import sys; sys.exit(0 if abs($headline - 200/3) < 0.01 else 1)" || fail "CSAT $headline, expected 66.67"
expect meets false
import -window root "$OUT/staff-e2e-dashboard.png" 2>/dev/null || true

# --- Pause: the customer screen says so and records nothing ---
press manager.pause
expect paused true
press manager.huddle
expect screen '"staff_huddle"'
press manager.health
expect screen '"staff_health"'
expect sync '"Sync: not configured"'
press manager.settings
expect screen '"staff_settings"'
press manager.close
expect screen '"paused"'
press face4
expect screen '"paused"'

# --- Staff PIN: no settings; then the manager resumes and exits the kiosk ---
hold_corner
pin 1357
expect role '"staff"'
press manager.exit       # where a manager's Exit button is: staff have none
expect screen '"staff_dashboard"'
kill -0 "$kiosk_pid" 2>/dev/null || fail "a staff tap ended the kiosk"
expect paused true
press staff.close
hold_corner
pin 2468
press manager.pause      # Resume survey
expect paused false
press manager.exit
for _ in $(seq 1 30); do
  kill -0 "$kiosk_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$kiosk_pid" 2>/dev/null; then fail "kiosk still running after Exit kiosk"; fi
wait "$kiosk_pid" && rc=0 || rc=$?
kiosk_pid=""
[ "$rc" -eq 0 ] || { cat "$work/kiosk.log"; fail "kiosk exit code $rc after Exit kiosk"; }

# The taps are in the database as the dashboard said: 4 rows, one misuse; the
# tap on the paused screen recorded nothing.
"$KIOSK" export --data-dir "$work/data" --format csv > "$work/out.csv"
got=$(tail -n +2 "$work/out.csv" | tr -d '\r' | awk -F, '{print $8 ":" $14}' | paste -sd' ')
[ "$got" = "4:0 3:0 1:0 1:1" ] || fail "score:misuse = '$got', expected '4:0 3:0 1:0 1:1'"
echo "PASS: corner hold, PIN lock-out, dashboard figures match the taps, pause, roles, exit"
