#!/usr/bin/env bash
# Idle CPU of the kiosk: start it under Xvfb on the question screen (or, with
# --screen first-start, on the first start's "set a manager PIN"), wait for
# its first frame, then read its CPU time (utime + stime, /proc/<pid>/stat)
# over --seconds of no input. The baseline, over the same interval of the
# same run, is a process that only sleeps; the X server's CPU over that
# interval is shown too (a kiosk that keeps redrawing makes it work).
#
# usage: idle_cpu.sh [--seconds S] [--size WxH] [--screen question|first-start] KIOSK_BINARY
#
# Exits 77 (skipped) when Xvfb or ImageMagick is missing, 2 on bad usage,
# 1 on errors; a missed target is printed, not fatal.
set -euo pipefail

SECONDS_IDLE=30
KIOSK=""
W=1280 H=800
SCREEN=question
usage() { echo "usage: $0 [--seconds S] [--size WxH] [--screen question|first-start] KIOSK_BINARY" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; SECONDS_IDLE=$2; shift 2 ;;
    --size) [ $# -ge 2 ] && [[ "$2" =~ ^([0-9]+)x([0-9]+)$ ]] || usage
      W=${BASH_REMATCH[1]} H=${BASH_REMATCH[2]}; shift 2 ;;
    --screen) [ $# -ge 2 ] || usage; SCREEN=$2; shift 2
      [ "$SCREEN" = question ] || [ "$SCREEN" = first-start ] || usage ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) KIOSK=$1; shift ;;
  esac
done
[ -n "$KIOSK" ] && [ -x "$KIOSK" ] || { echo "idle_cpu: no kiosk binary '$KIOSK'" >&2; usage; }
[[ "$SECONDS_IDLE" =~ ^[1-9][0-9]*$ ]] || usage
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kiosk_bench_lib.sh
. "$here/kiosk_bench_lib.sh"
survey="$here/../assets/surveys/checkout.toml"
[ -f "$survey" ] || { echo "idle_cpu: missing $survey" >&2; exit 1; }
for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/dev.sh installs it)" >&2; [ "${CI:-}" = true ] && exit 1; exit 77; }
done

work=$(mktemp -d /tmp/tp-idle-cpu-XXXXXX)
xvfb_pid="" kiosk_pid="" sleep_pid=""
cleanup() {
  local p
  for p in "$kiosk_pid" "$sleep_pid" "$xvfb_pid"; do
    [ -n "$p" ] || continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Xvfb on a free display ---
start_xvfb idle_cpu "$W" "$H" "$work/xvfb.log"

# --- The kiosk on its question screen (or its first start) ---
write_kiosk_config "$KIOSK" "$survey" "$work"
expect_screen=question
if [ "$SCREEN" = first-start ]; then
  # No manager PIN yet: the kiosk opens asking for one.
  sed -i '/^manager_pin_hash/d' "$work/kiosk.toml"
  expect_screen=staff_set_pin
fi
# Kiosks that write a UI trace say which screen they show.
trace_args=()
if "$KIOSK" --help 2>/dev/null | grep -q -- --ui-trace; then trace_args=(--ui-trace "$work/trace.jsonl"); fi
"$KIOSK" --windowed "${W}x${H}" --config "$work/kiosk.toml" --data-dir "$work/data" \
  "${trace_args[@]}" >"$work/kiosk.log" 2>&1 &
kiosk_pid=$!

# First frame: the screen shows more than a couple of colours.
shown=0
for _ in $(seq 1 300); do
  kill -0 "$kiosk_pid" 2>/dev/null || { cat "$work/kiosk.log" >&2; echo "idle_cpu: the kiosk exited" >&2; exit 1; }
  colours=$(import -window root -format '%k' info: 2>/dev/null || echo 0)
  if [ "${colours:-0}" -ge 16 ]; then shown=1; break; fi
  sleep 0.1
done
[ $shown -eq 1 ] || { echo "idle_cpu: the kiosk showed nothing within 30 s" >&2; exit 1; }
sleep 4 # the frames drawn right after start (the kiosk draws again for 3 s after it)
if [ ${#trace_args[@]} -gt 0 ]; then
  screen=$(tail -n 1 "$work/trace.jsonl" 2>/dev/null || true)
  [[ "$screen" == *"\"screen\":\"$expect_screen\""* ]] ||
    { echo "idle_cpu: the kiosk is not on the $expect_screen screen: $screen" >&2; exit 1; }
fi

# utime + stime of a process, in clock ticks.
cpu_ticks() {
  local stat rest
  local -a f
  stat=$(<"/proc/$1/stat")
  rest=${stat##*) }
  read -r -a f <<<"$rest" # f[0] is field 3 (state); utime is field 14, stime 15
  echo $((f[11] + f[12]))
}

sleep $((SECONDS_IDLE + 3600)) &
sleep_pid=$!
hz=$(getconf CLK_TCK)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
k0=$(cpu_ticks "$kiosk_pid") s0=$(cpu_ticks "$sleep_pid") x0=$(cpu_ticks "$xvfb_pid")
t0=$(date +%s%N)
sleep "$SECONDS_IDLE"
k1=$(cpu_ticks "$kiosk_pid") s1=$(cpu_ticks "$sleep_pid") x1=$(cpu_ticks "$xvfb_pid")
t1=$(date +%s%N)
kill -0 "$kiosk_pid" 2>/dev/null || { echo "idle_cpu: the kiosk exited while idle" >&2; exit 1; }

awk -v k="$((k1 - k0))" -v s="$((s1 - s0))" -v x="$((x1 - x0))" -v hz="$hz" \
  -v ns="$((t1 - t0))" -v secs="$SECONDS_IDLE" -v lb="$load_before" \
  -v la="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  wall = ns / 1e9
  kp = 100 * k / hz / wall; sp = 100 * s / hz / wall; xp = 100 * x / hz / wall
  printf "idle CPU at %dx%d under Xvfb, %s screen, %d s without input (clock tick %.0f ms)\n", '"$W"', '"$H"', "'"$expect_screen"'", secs, 1000 / hz
  printf "  load average before %s, after %s\n", lb, la
  printf "  kiosk                      %6.3f %% CPU  (%d ticks in %.1f s)\n", kp, k, wall
  printf "  sleeping process baseline  %6.3f %% CPU  (%d ticks)\n", sp, s
  printf "  X server meanwhile         %6.3f %% CPU  (%d ticks)\n", xp, x
  printf "  kiosk minus baseline       %6.3f %% CPU  (target kiosk < 1 %%)\n", kp - sp
  printf "  %s\n", (kp < 1) ? "target met" : "TARGET MISSED"
}'
