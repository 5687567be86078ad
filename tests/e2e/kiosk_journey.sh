#!/usr/bin/env bash
# End-to-end: a real kiosk window under Xvfb, tapped with xdotool.
# Taps every face, checks the scores and the misuse flag through `export`,
# then stops the kiosk with SIGTERM and checks it ends cleanly within a second.
# RENDERER (default auto) is the kiosk's --renderer; the kiosk must say it
# draws with what the regex EXPECTED names (default "software renderer":
# Xvfb has no GPU), and the screen must show a picture.
#
# usage: kiosk_journey.sh KIOSK_BINARY LAYOUT_PROBE ASSETS_DIR OUT_DIR [RENDERER EXPECTED]
set -euo pipefail
KIOSK=$1 PROBE=$2 ASSETS=$3 OUT=$4 RENDERER=${5:-auto} EXPECTED=${6:-software renderer}
W=1280 H=800
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi

work=$(mktemp -d /tmp/tp-e2e-XXXXXX)
kiosk_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A survey without follow-up, a touch point open around the clock, a short
# response interval so the test runs quickly, and a long thank-you screen so
# the test decides when it ends.
cat > "$work/survey.toml" <<'TOML'
id = "e2e"
version = 2
scale = "smiley4"
[question]
en = "How was your checkout today?"
mi = "I pēhea tō utu i tēnei rā?"
[thank_you]
en = "Thank you!"
TOML
# A manager PIN is set, so the kiosk goes straight to the survey (a kiosk
# without one asks for it first).
pin_hash=$(echo 2468 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
default_language = "en"
manager_pin_hash = "$pin_hash"
[touch_point]
key = "e2e-checkout"
name = "E2E checkout"
time_zone = "Pacific/Auckland"
response_interval_s = 2
thank_you_s = 60
survey = "survey.toml"
TOML

start_kiosk --config "$work/kiosk.toml" --data-dir "$work/data" --renderer "$RENDERER"
grep -Eq "drawing with .*($EXPECTED)" "$work/kiosk.log" ||
  { cat "$work/kiosk.log"; fail "--renderer $RENDERER: expected the $EXPECTED renderer"; }
# A standalone kiosk never syncs, so it never loads libcurl.
if grep -q "libcurl" "/proc/$kiosk_pid/maps"; then fail "a standalone kiosk has libcurl mapped"; fi

declare -A at
while read -r score x y; do at[$score]="$x $y"; done < <("$PROBE" smiley4 $W $H 96)
[ ${#at[@]} -eq 4 ] || fail "layout probe gave ${#at[@]} answers, expected 4"

tap() { xdotool mousemove $1 $2 click 1; sleep 0.4; }
tap_face() { tap ${at[$1]}; }
dismiss() { tap $((W / 2)) $((H / 3)); }

# 1) score 4; 2) tap the thank-you away and at once score 1: too fast -> misuse.
tap_face 4
import -window root "$OUT/e2e-thank-you.png" 2>/dev/null || true
dismiss
tap_face 1
dismiss
sleep 2.2
# 3..5) every other face, each after the response interval.
for s in 1 2 3; do
  tap_face $s
  dismiss
  sleep 2.2
done
shot="$OUT/e2e-question-$RENDERER.png"
import -window root "$shot" || fail "could not take a screenshot"
colours=$(identify -format '%k' "$shot")
[ "$colours" -ge 16 ] || fail "the question screen under the $EXPECTED renderer has $colours colours"

# Under load the kiosk may still be working through the taps: wait until all
# five are on disk (the export reads the live database) before stopping it.
for _ in $(seq 1 100); do
  [ "$("$KIOSK" export --data-dir "$work/data" 2>/dev/null | tail -n +2 | wc -l)" -ge 5 ] && break
  sleep 0.1
done

# SIGTERM ends it cleanly within a second.
kill -TERM "$kiosk_pid"
for _ in $(seq 1 10); do
  kill -0 "$kiosk_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$kiosk_pid" 2>/dev/null; then fail "kiosk still running 1 s after SIGTERM"; fi
wait "$kiosk_pid" && rc=0 || rc=$?
kiosk_pid=""
[ "$rc" -eq 0 ] || { cat "$work/kiosk.log"; fail "kiosk exit code $rc after SIGTERM"; }

"$KIOSK" export --data-dir "$work/data" --format csv > "$work/out.csv"
cat "$work/out.csv"
got=$(tail -n +2 "$work/out.csv" | tr -d '\r' | awk -F, '{print $8 ":" $14 ":" $16}' | paste -sd' ')
want="4:0:1 1:1:1 1:0:1 2:0:1 3:0:1"
[ "$got" = "$want" ] || fail "score:misuse:closed = '$got', expected '$want'"

"$KIOSK" export --data-dir "$work/data" --format jsonl > "$work/out.jsonl"
[ "$(wc -l < "$work/out.jsonl")" -eq 5 ] || fail "jsonl export has $(wc -l < "$work/out.jsonl") lines"
grep -q '"survey_version":2' "$work/out.jsonl" || fail "survey version missing from export"
echo "PASS ($EXPECTED renderer): 5 taps recorded with the right scores and misuse flags; clean SIGTERM"
