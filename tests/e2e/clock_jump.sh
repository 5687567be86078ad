#!/usr/bin/env bash
# End-to-end: the kiosk's wall clock jumps while customers tap. A local
# touchpoint-server (on the real clock) and an enrolled kiosk under Xvfb whose
# wall clock libfaketime moves at run time (the monotonic clock is left alone,
# as on a real device): back an hour, forward a day, forward another day onto
# a closed day, and back to the right time.
#
# Checks: sequences go up in tap order on the kiosk and the server; the tap
# after each jump back is clock-suspect (kiosk) and the taps a day ahead are
# clock-suspect (server); misuse is measured on the monotonic clock (no false
# misuse after the jump back, a fast tap across the jump forward still
# flagged); the kiosk sleeps on the closed day and wakes when the clock comes
# back; the server's last-seen is its own receive time and the kiosk is never
# silent; the kiosk exits cleanly.
#
# usage: clock_jump.sh KIOSK SERVER LAYOUT_PROBE ASSETS_DIR
set -euo pipefail
KIOSK=$1 SERVER=$2 PROBE=$3 ASSETS=$4
W=1280 H=800

missing() {
  echo "clock_jump: $* (scripts/dev.sh installs it)" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 77
}
faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1 || true)
[ -n "$faketime_lib" ] || missing "libfaketime is not installed (Debian package faketime)"
for tool in xdotool sqlite3 python3 Xvfb; do
  command -v "$tool" >/dev/null || missing "$tool is not installed"
done

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi

started=$(date +%s%N)
work=$(mktemp -d /tmp/tp-clock-jump-XXXXXX)
kiosk_pid="" server_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/kiosk.log" ] && { echo "--- kiosk log" >&2; tail -20 "$work/kiosk.log" >&2; }
  [ -f "$work/trace.jsonl" ] && { echo "--- last screens" >&2; tail -3 "$work/trace.jsonl" >&2; }
  exit 1
}
server_q() { sqlite3 "$work/server.db" "$1"; }
kiosk_q() { sqlite3 "$work/kiosk/responses.db" "$1"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- The store's zone puts its local time near noon, so an hour either way
# stays on the same local day whenever the test runs.
utc_hour=$((10#$(date -u +%H)))
shift_h=$((12 - utc_hour))
if [ "$shift_h" -gt 0 ]; then zone="Etc/GMT-$shift_h"
elif [ "$shift_h" -lt 0 ]; then zone="Etc/GMT+$((-shift_h))"
else zone="Etc/UTC"; fi
t0=$(date +%s)
day_name() { LC_ALL=C TZ=$zone date -d "@$((t0 + $1 * 86400))" +%a | tr 'A-Z' 'a-z'; }
local_day() { TZ=$zone date -d "@$(($1 / 1000))" +%F; }
# Open all day today and tomorrow, closed the day after, open the rest.
{
  echo "[touch_point]"
  echo "response_interval_s = 5"
  echo "[touch_point.opening_hours]"
  for d in 0 1 2 3 4 5 6; do
    if [ "$d" -eq 2 ]; then echo "$(day_name $d) = \"closed\""; else echo "$(day_name $d) = \"24h\""; fi
  done
} > "$work/touch_point.toml"

# --- Server (real clock) and an enrolled kiosk.
db="sqlite:$work/server.db"
"$SERVER" admin --db "$db" create-store --id s1 --name "Clock Store" --time-zone "$zone" >/dev/null
"$SERVER" admin --db "$db" create-touch-point --store s1 --key s1-desk --name "Desk" \
  --survey "$ASSETS/surveys/helpdesk-csat.toml" --settings "$work/touch_point.toml" >/dev/null
head_key=$("$SERVER" admin --db "$db" create-api-key --role head-office 2>/dev/null)
"$SERVER" --db "$db" --listen 127.0.0.1:0 --heartbeat-interval-s 5 > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"
code=$("$SERVER" admin --db "$db" create-enrollment-code --touch-point s1-desk 2>/dev/null)
"$KIOSK" enroll --server "$url" --code "$code" --data-dir "$work/kiosk" --name "clock kiosk" >/dev/null ||
  fail "enroll failed"
pin_hash=$(echo 2468 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
manager_pin_hash = "$pin_hash"
heartbeat_s = 5
config_poll_s = 3600
dim_timeout_s = 0
TOML

# The kiosk's wall clock is real time plus the offset in this file, read on
# every clock call (FAKETIME_NO_CACHE); written whole and renamed, so the
# kiosk never reads half a line. libfaketimeMT: the kiosk syncs on a thread
# of its own.
rc="$work/faketimerc"
offset_s=0
set_offset() {
  offset_s=$1
  printf '%+d\n' "$1" > "$rc.new"
  mv "$rc.new" "$rc"
}
set_offset 0
LD_PRELOAD="$faketime_lib" FAKETIME_TIMESTAMP_FILE="$rc" FAKETIME_NO_CACHE=1 \
  FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 \
  "$KIOSK" --config "$work/kiosk.toml" --data-dir "$work/kiosk" --ui-trace "$work/trace.jsonl" \
  >"$work/kiosk.log" 2>&1 &
kiosk_pid=$!
for _ in $(seq 1 100); do
  xdotool search --name "Touchpoint" >/dev/null 2>&1 && break
  kill -0 "$kiosk_pid" 2>/dev/null || fail "kiosk exited at start"
  sleep 0.1
done
xdotool search --name "Touchpoint" >/dev/null 2>&1 || fail "no kiosk window appeared"
grep -q libfaketime "/proc/$kiosk_pid/maps" || fail "libfaketime is not loaded in the kiosk"
sleep 1

declare -A at
while read -r score x y; do at[$score]="$x $y"; done < <("$PROBE" smiley5 $W $H 96)
screen() { tail -1 "$work/trace.jsonl" 2>/dev/null | grep -o '"screen":"[a-z_]*"' | cut -d'"' -f4; }
wait_screen() { # NAME SECONDS
  local tries=$(($2 * 5))
  for _ in $(seq 1 "$tries"); do [ "$(screen)" = "$1" ] && return 0; sleep 0.2; done
  fail "the kiosk shows \"$(screen)\", expected \"$1\" (wall clock offset ${offset_s} s)"
}
# The real time and the clock offset of each rating tap, in tap order.
tap_real=() tap_offset=()
rate() { # SCORE: a rating, recorded, then the thank-you dismissed
  [ "$(screen)" = question ] || fail "not on the question screen before tapping $1"
  tap_real+=("$(now_ms)")
  tap_offset+=("$offset_s")
  xdotool mousemove ${at[$1]} click 1
  wait_screen thank_you 5
  xdotool mousemove $((W / 2)) $((H / 3)) click 1
  wait_screen question 5
}
# Waits until MS milliseconds of real time have passed since the last rating tap.
after_last_tap() {
  local until=$(( ${tap_real[-1]} + $1 ))
  while [ "$(now_ms)" -lt "$until" ]; do sleep 0.1; done
}
# The server saw the kiosk lately, by the server's own clock.
seen_just_now() { # WHAT
  local seen now
  seen=$(server_q "SELECT last_seen_utc_ms FROM devices")
  now=$(now_ms)
  [ -n "$seen" ] || fail "$1: the server has never seen the kiosk"
  [ $((now - seen)) -ge -1000 ] && [ $((now - seen)) -le 12000 ] ||
    fail "$1: the server last saw the kiosk at $seen, $(( (now - seen) / 1000 )) s from its own now ($now)"
}
# Head office's device list says the kiosk is not silent.
not_silent() { # WHAT
  local devices
  devices=$(python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1] + "/api/v1/devices", headers={"Authorization": "Bearer " + sys.argv[2]})
print(u.urlopen(r, timeout=10).read().decode())' "$url" "$head_key") ||
    fail "$1: the device list did not load"
  grep -q '"silent":false' <<<"$devices" || fail "$1: the kiosk is reported silent: $devices"
  if grep -q '"silent":true' <<<"$devices"; then fail "$1: the kiosk is reported silent: $devices"; fi
}
wait_server_count() { # N
  for _ in $(seq 1 100); do
    [ "$(server_q 'SELECT COUNT(*) FROM responses')" -ge "$1" ] && return 0
    sleep 0.2
  done
  fail "the server has $(server_q 'SELECT COUNT(*) FROM responses') responses, expected $1"
}

wait_screen question 10
# --- Right time.
rate 5
after_last_tap 5600
rate 4
# --- Back an hour; the next tap is slower than the response interval.
set_offset -3600
after_last_tap 6000
rate 3
wait_server_count 3
seen_just_now "an hour behind"
after_last_tap 6000
rate 2
# --- Forward a day; the next tap is faster than the response interval.
set_offset $((23 * 3600))
rate 1
[ $(( ${tap_real[4]} - ${tap_real[3]} )) -lt 4500 ] || fail "the fast tap took too long to make"
# --- Forward another day, onto the closed day: a tap records nothing and
# the kiosk sleeps at once.
set_offset $((47 * 3600))
wait_server_count 5
xdotool mousemove ${at[5]} click 1
wait_screen sleep 3
sleep 1
[ "$(kiosk_q 'SELECT COUNT(*) FROM responses')" -eq 5 ] ||
  fail "a tap on the closed day was recorded ($(kiosk_q 'SELECT COUNT(*) FROM responses') responses)"
# Asleep for more than three of the server's heartbeat intervals: still heard.
sleep 16
seen_just_now "two days ahead"
not_silent "two days ahead"
[ "$(screen)" = sleep ] || fail "the kiosk woke on the closed day"
# --- Back to the right time: the kiosk wakes at its next hours check. More
# than 60 s after the first tap, so no burst either.
set_offset 0
wait_screen question 35
after_last_tap 6000
while [ $(( $(now_ms) - ${tap_real[0]} )) -lt 61000 ]; do sleep 0.2; done
rate 4
wait_server_count 6

# --- What the kiosk recorded.
got=$(kiosk_q "SELECT group_concat(seq || ':' || score || ':' || misuse || ':' || clock_suspect, ' ')
               FROM (SELECT * FROM responses ORDER BY seq)")
want="1:5:0:0 2:4:0:0 3:3:0:1 4:2:0:0 5:1:1:0 6:4:0:1"
[ "$got" = "$want" ] || fail "kiosk seq:score:misuse:clock_suspect is \"$got\", expected \"$want\""
# Each tap carries the time the kiosk's clock showed (the jump really happened).
i=0
while IFS='|' read -r seq utc day; do
  expect=$(( ${tap_real[$i]} + ${tap_offset[$i]} * 1000 ))
  [ $((utc - expect)) -ge -2000 ] && [ $((utc - expect)) -le 2000 ] ||
    fail "tap $seq was stamped $utc, expected about $expect (offset ${tap_offset[$i]} s)"
  [ "$day" = "$(local_day "$expect")" ] || fail "tap $seq is on local day $day, expected $(local_day "$expect")"
  i=$((i + 1))
done < <(kiosk_q "SELECT seq, utc_ms, local_day FROM responses ORDER BY seq")
[ "$i" -eq 6 ] || fail "read $i kiosk rows"

# --- What the server stored: the same sequence, the day-ahead tap flagged by
# the server, the taps after a jump back by the kiosk.
got=$(server_q "SELECT group_concat(sequence || ':' || score || ':' || misuse || ':' ||
                  device_clock_suspect || ':' || server_clock_suspect, ' ')
                FROM (SELECT * FROM responses ORDER BY sequence)")
want="1:5:0:0:0 2:4:0:0:0 3:3:0:1:0 4:2:0:0:0 5:1:1:0:1 6:4:0:1:0"
[ "$got" = "$want" ] ||
  fail "server sequence:score:misuse:device_suspect:server_suspect is \"$got\", expected \"$want\""
# Received times are the server's own and go up with the sequence.
[ "$(server_q "SELECT COUNT(*) FROM responses a JOIN responses b ON b.sequence = a.sequence + 1
               WHERE b.received_utc_ms < a.received_utc_ms")" -eq 0 ] ||
  fail "received times go back along the sequence"

# --- Silence is told by the server's clock: the kiosk is not silent.
seen_just_now "back on time"
not_silent "back on time"

# --- Nothing crashed.
kill -0 "$kiosk_pid" 2>/dev/null || fail "the kiosk died"
kill -0 "$server_pid" 2>/dev/null || fail "the server died"
kill -TERM "$kiosk_pid"
wait "$kiosk_pid" && code=0 || code=$?
kiosk_pid=""
[ "$code" -eq 0 ] || fail "kiosk exit code $code"
[ "$(kiosk_q 'SELECT COUNT(*) FROM responses WHERE closed = 0')" -eq 0 ] || fail "a response was left open"
kill -TERM "$server_pid"
wait "$server_pid" && code=0 || code=$?
server_pid=""
[ "$code" -eq 0 ] || fail "server exit code $code"

took=$(( ($(date +%s%N) - started) / 1000000 ))
echo "PASS: clock jumps (back 1 h, forward 1 day, onto a closed day, back) lost nothing and flagged what they should"
echo "clock_jump: took $((took / 1000)).$(printf '%03d' $((took % 1000))) s"
