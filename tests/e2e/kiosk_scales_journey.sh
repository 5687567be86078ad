#!/usr/bin/env bash
# End-to-end under Xvfb: a full customer journey in every other scale (smiley4
# is kiosk_journey.sh), and the follow-up: reason chips, a comment typed on the
# on-screen keyboard, Skip, and an idle reset that keeps the partial follow-up.
#
# usage: kiosk_scales_journey.sh KIOSK LAYOUT_PROBE ASSETS_DIR
set -euo pipefail
KIOSK=$1 PROBE=$2 ASSETS=$3
W=1280 H=800

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "$@"
fi

work=$(mktemp -d /tmp/tp-scales-XXXXXX)
kiosk_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pin_hash=$(echo 2468 | "$KIOSK" hash-pin)

# start_kiosk SURVEY_PATH DATA_DIR [IDLE_TIMEOUT]
start_kiosk() {
  cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
manager_pin_hash = "$pin_hash"
[touch_point]
key = "e2e"
time_zone = "Pacific/Auckland"
response_interval_s = 0
idle_timeout_s = ${3:-15}
thank_you_s = 60
service_standard = 5
survey = "$1"
TOML
  "$KIOSK" --config "$work/kiosk.toml" --data-dir "$2" >"$work/kiosk.log" 2>&1 &
  kiosk_pid=$!
  for _ in $(seq 1 100); do
    xdotool search --name "Touchpoint" >/dev/null 2>&1 && break
    kill -0 "$kiosk_pid" 2>/dev/null || { cat "$work/kiosk.log"; fail "kiosk exited at start"; }
    sleep 0.1
  done
  sleep 0.8
}
# wait_rows DATA_DIR N: until N responses are on disk (the kiosk may lag under load).
wait_rows() {
  for _ in $(seq 1 100); do
    [ "$("$KIOSK" export --data-dir "$1" 2>/dev/null | tail -n +2 | wc -l)" -ge "$2" ] && return 0
    sleep 0.1
  done
}
stop_kiosk() {
  kill -TERM "$kiosk_pid"
  wait "$kiosk_pid" || fail "kiosk exit code $?"
  kiosk_pid=""
}
tap() { xdotool mousemove "$1" "$2" click 1; sleep 0.35; }
dismiss() { tap $((W / 2)) $((H / 3)); }
# Column N of the CSV export (score = 8, reasons = 9, comment = 10, misuse = 14, closed = 16).
column() { tail -n +2 "$1" | tr -d '\r' | awk -F, -v c="$2" '{print $c}' | paste -sd' '; }

# --- Every answer of every scale, in order ---
for pair in smiley5:helpdesk-csat nps:store-nps ces7:returns-ces thumbs:restroom-thumbs; do
  scale=${pair%%:*} survey=${pair#*:}
  data="$work/data-$scale"
  start_kiosk "$ASSETS/surveys/$survey.toml" "$data"
  scores=()
  while read -r score x y; do
    tap "$x" "$y"
    dismiss
    scores+=("$score")
  done < <("$PROBE" "$scale" $W $H 96)
  wait_rows "$data" ${#scores[@]}
  stop_kiosk
  "$KIOSK" export --data-dir "$data" > "$work/$scale.csv" 2>/dev/null
  got=$(column "$work/$scale.csv" 8)
  [ "$got" = "${scores[*]}" ] || fail "$scale: scores '$got', expected '${scores[*]}'"
  # No response interval here, but more than five taps in a minute are a burst.
  n=${#scores[@]}
  want=$(for i in $(seq 1 "$n"); do [ "$i" -le 5 ] && echo 0 || echo 1; done | paste -sd' ')
  [ "$(column "$work/$scale.csv" 14)" = "$want" ] || fail "$scale: misuse flags '$(column "$work/$scale.csv" 14)'"
  echo "ok: $scale, $n answers"
done

# --- Follow-up: reasons, comment keyboard, Skip, idle reset ---
sed 's/^comment = false/comment = true/' "$ASSETS/surveys/checkout.toml" > "$work/checkout.toml"
grep -q '^comment = true' "$work/checkout.toml" || fail "could not turn the comment on"
data="$work/data-follow-up"
start_kiosk "$work/checkout.toml" "$data" 3
declare -A face chip key
while read -r score x y; do face[$score]="$x $y"; done < <("$PROBE" smiley4 $W $H 96)
while read -r what id x y; do chip[$id]="$x $y"; done < <("$PROBE" reasons $W $H 96 \
  waiting="Waiting time" staff="Staff attitude" price=Price | grep '^reason')
read -r _ dx dy < <("$PROBE" reasons $W $H 96 waiting="Waiting time" staff="Staff attitude" price=Price | grep '^done')
read -r _ sx sy < <("$PROBE" reasons $W $H 96 fast="Fast service" friendly="Friendly staff" | grep '^skip')
while read -r kind a b c; do
  case $kind in
    key) key[$a]="$b $c" ;;
    space|done|backspace|shift) key[$kind]="$a $b" ;;
  esac
done < <("$PROBE" keys $W $H 96 en)

# 1) Very unhappy, reason "waiting", comment "hi 5" typed on the keyboard.
tap ${face[1]}
tap ${chip[waiting]}
tap $dx $dy
for k in h i space 5; do tap ${key[$k]}; done
tap ${key[done]}
dismiss
# 2) Very happy, then Skip: the rating stays.
tap ${face[4]}
tap $sx $sy
dismiss
# 3) Unhappy, reason "staff", then walk away: the idle reset keeps the reason.
tap ${face[2]}
tap ${chip[staff]}
sleep 4
wait_rows "$data" 3
stop_kiosk
"$KIOSK" export --data-dir "$data" --format csv > "$work/follow-up.csv" 2>/dev/null
cat "$work/follow-up.csv"
[ "$(column "$work/follow-up.csv" 8)" = "1 4 2" ] || fail "follow-up scores: $(column "$work/follow-up.csv" 8)"
[ "$(tail -n +2 "$work/follow-up.csv" | tr -d '\r' | awk -F, '{print $9 "|" $10}' | paste -sd' ')" = "waiting|hi 5 | staff|" ] ||
  fail "reasons|comment: $(tail -n +2 "$work/follow-up.csv" | awk -F, '{print $9 "|" $10}' | paste -sd' ')"
[ "$(column "$work/follow-up.csv" 16)" = "1 1 1" ] || fail "not every response was closed"
echo "PASS: every scale, reasons, the comment keyboard, Skip and the idle reset"
