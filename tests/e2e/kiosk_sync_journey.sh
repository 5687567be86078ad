#!/usr/bin/env bash
# End-to-end: a local touchpoint-server (embedded SQLite), a kiosk enrolled
# against it with `touchpoint-kiosk enroll`, taps under Xvfb reaching the
# server, and a survey published by head office picked up by the kiosk at
# its next idle moment.
#
# usage: kiosk_sync_journey.sh KIOSK SERVER LAYOUT_PROBE ASSETS_DIR
set -euo pipefail
KIOSK=$1 SERVER=$2 PROBE=$3 ASSETS=$4
W=1280 H=800

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi

work=$(mktemp -d /tmp/tp-sync-e2e-XXXXXX)
kiosk_pid="" server_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/kiosk.log" ] && cat "$work/kiosk.log" >&2; exit 1; }
count() { sqlite3 "$work/server.db" "$1"; }

db="sqlite:$work/server.db"
"$SERVER" admin --db "$db" create-store --id akl --name "Auckland Central" --time-zone Pacific/Auckland >/dev/null
"$SERVER" admin --db "$db" create-touch-point --store akl --key akl-checkout-1 --name "Checkout 1" \
  --survey "$ASSETS/surveys/helpdesk-csat.toml" >/dev/null
"$SERVER" --db "$db" --listen 127.0.0.1:0 > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"

code=$("$SERVER" admin --db "$db" create-enrollment-code --touch-point akl-checkout-1 2>/dev/null)
"$KIOSK" enroll --server "$url" --code "$code" --data-dir "$work/kiosk" --name "e2e kiosk" || fail "enroll failed"
grep -q '"device_token"' "$work/kiosk/identity.json" || fail "no token saved"
# A used code is refused in plain words.
if out=$("$KIOSK" enroll --server "$url" --code "$code" --data-dir "$work/other" 2>&1); then fail "code reused"; fi
grep -q "already been used" <<<"$out" || fail "reused code message: $out"

pin_hash=$(echo 2468 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
manager_pin_hash = "$pin_hash"
config_poll_s = 2
TOML
"$KIOSK" --config "$work/kiosk.toml" --data-dir "$work/kiosk" --ui-trace "$work/trace.jsonl" \
  >"$work/kiosk.log" 2>&1 &
kiosk_pid=$!
for _ in $(seq 1 100); do
  xdotool search --name "Touchpoint" >/dev/null 2>&1 && break
  kill -0 "$kiosk_pid" 2>/dev/null || fail "kiosk exited at start"
  sleep 0.1
done
sleep 1

declare -A at
while read -r score x y; do at[$score]="$x $y"; done < <("$PROBE" smiley5 $W $H 96)
tap() { xdotool mousemove $1 $2 click 1; sleep 0.4; }
for s in 5 1 3; do
  tap ${at[$s]}
  tap $((W / 2)) $((H / 3)) # dismiss the thank-you screen
  sleep 5.2                 # past the response interval
done

for _ in $(seq 1 100); do
  [ "$(count 'SELECT COUNT(*) FROM responses')" -ge 3 ] && break
  sleep 0.2
done
[ "$(count 'SELECT COUNT(*) FROM responses')" -eq 3 ] || fail "server has $(count 'SELECT COUNT(*) FROM responses') responses, expected 3"
[ "$(count "SELECT group_concat(score) FROM (SELECT score FROM responses ORDER BY sequence)")" = "5,1,3" ] ||
  fail "scores on the server: $(count 'SELECT group_concat(score) FROM responses')"

# The enrolled kiosk loaded libcurl when it began to sync (it is not linked).
grep -q "libcurl" "/proc/$kiosk_pid/maps" || fail "the syncing kiosk has no libcurl mapped"

# Head office publishes an NPS survey; the kiosk switches at its next idle moment.
"$SERVER" admin --db "$db" publish-survey --touch-point akl-checkout-1 \
  --survey "$ASSETS/surveys/store-nps.toml" >/dev/null
xdotool mousemove 5 $((H - 5)) # wake the frame loop now and then
for _ in $(seq 1 60); do
  grep -q '"scale":"nps"' "$work/trace.jsonl" 2>/dev/null && break
  xdotool mousemove 6 $((H - 6)); sleep 0.5; xdotool mousemove 5 $((H - 5))
done
grep -q '"scale":"nps"' "$work/trace.jsonl" || { tail -3 "$work/trace.jsonl" >&2; fail "the published survey was not applied"; }

kill -TERM "$kiosk_pid"
wait "$kiosk_pid" && rc=0 || rc=$?
kiosk_pid=""
[ "$rc" -eq 0 ] || fail "kiosk exit code $rc"
echo "PASS: enrolled kiosk synced its taps and applied a published survey"
