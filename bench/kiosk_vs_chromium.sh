#!/usr/bin/env bash
# The kiosk against Chromium in kiosk mode showing the same question screen
# (bench/question_page.html), one after the other under one Xvfb, measured
# the same way:
#  - start to first frame: from the process start until the screen shows
#    content (a probe reads a grid of screen rows every 20 ms and counts their
#    colours: the empty screen and a blank window have one or two, any text
#    or face brings dozens);
#  - memory: after a settle time, PSS summed over the process and everything
#    it started: its setsid group, its descendants, and helpers that detach
#    themselves but name the run's folder (like Chromium's crash handler).
# Medians over --runs repetitions; prints the ratios kiosk/Chromium.
#
# usage: kiosk_vs_chromium.sh [--runs N] [--settle SECONDS] KIOSK_BINARY
#
# Exits 77 (skipped) when Chromium is missing and cannot be installed (as
# root it installs it with apt-get), 2 on bad usage, 1 on errors; a missed
# target is printed, not fatal.
set -euo pipefail

RUNS=5
SETTLE=3
KIOSK=""
W=1280 H=800
usage() { echo "usage: $0 [--runs N] [--settle SECONDS] KIOSK_BINARY" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || usage; RUNS=$2; shift 2 ;;
    --settle) [ $# -ge 2 ] || usage; SETTLE=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) KIOSK=$1; shift ;;
  esac
done
[ -n "$KIOSK" ] && [ -x "$KIOSK" ] || { echo "kiosk_vs_chromium: no kiosk binary '$KIOSK'" >&2; usage; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$SETTLE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
KIOSK=$(cd "$(dirname "$KIOSK")" && pwd)/$(basename "$KIOSK")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kiosk_bench_lib.sh
. "$here/kiosk_bench_lib.sh"
page="$here/question_page.html"
survey="$here/../assets/surveys/checkout.toml"
[ -f "$page" ] && [ -f "$survey" ] || { echo "kiosk_vs_chromium: missing $page or $survey" >&2; exit 1; }

# A missing tool skips on a developer's machine; in CI it fails.
skip() { echo "SKIP: $*" >&2; [ "${CI:-}" = true ] && exit 1; exit 77; }
command -v Xvfb >/dev/null || skip "Xvfb is not installed (scripts/dev.sh installs it)"
command -v python3 >/dev/null || skip "python3 is not installed (the first-frame probe needs it)"

find_chromium() { command -v chromium || command -v chromium-browser || true; }
CHROMIUM=$(find_chromium)
if [ -z "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Chromium is not installed; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
      skip "could not install chromium with apt-get"
    CHROMIUM=$(find_chromium)
  fi
  [ -n "$CHROMIUM" ] || skip "Chromium is not installed; install it (apt-get install chromium, or scripts/dev.sh) and rerun"
fi

work=$(mktemp -d /tmp/tp-vs-chromium-XXXXXX)
xvfb_pid=""
run_pid=""  # the contender being measured (it leads its own setsid)
run_tag=""  # a folder only this contender's processes name
cleanup() {
  if [ -n "$run_pid" ]; then stop_contender || true; fi
  xvfb_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Xvfb on a free display ---
start_xvfb kiosk_vs_chromium "$W" "$H" "$work/xvfb.log"

# --- The first-frame probe ---
# Starts the command under setsid, prints "pid <pid>" at once, then
# "first_frame_ms <ms>" when the screen shows content. Exit 3 if the screen
# is not empty to begin with, 4 if the command exits first, 5 on timeout.
cat >"$work/first_frame.py" <<'PY'
import ctypes, ctypes.util, os, subprocess, sys, time

timeout_s, log_path, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")

class XImage(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in ("width", "height", "xoffset", "format")] + \
               [("data", ctypes.c_void_p)] + \
               [(n, ctypes.c_int) for n in ("byte_order", "bitmap_unit", "bitmap_bit_order",
                                             "bitmap_pad", "depth", "bytes_per_line",
                                             "bits_per_pixel")]

x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
x11.XDefaultRootWindow.restype = ctypes.c_ulong
x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x11.XGetImage.restype = ctypes.POINTER(XImage)
x11.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                          ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
x11.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]

dpy = x11.XOpenDisplay(None)
if not dpy:
    sys.exit("first_frame: cannot open the display")
scr = x11.XDefaultScreen(dpy)
width, height = x11.XDisplayWidth(dpy, scr), x11.XDisplayHeight(dpy, scr)
root = x11.XDefaultRootWindow(dpy)
rows = range(20, height, 40)

def colours():
    """Distinct colours on a grid of screen rows (one row every 40 pixels)."""
    seen = set()
    for y in rows:
        im = x11.XGetImage(dpy, root, 0, y, width, 1, 0xFFFFFFFF, 2)  # ZPixmap
        if not im:
            continue
        line = ctypes.string_at(im.contents.data, im.contents.bytes_per_line)
        bpp = im.contents.bits_per_pixel
        x11.XDestroyImage(im)
        if bpp == 32:
            seen.update(memoryview(line).cast("I")[:width])
        else:
            seen.update(line)
    return len(seen)

CONTENT = 16  # the empty screen: 1 colour; a blank window: 1 or 2
deadline = time.monotonic() + 10
while colours() >= CONTENT:  # a previous window may still be going away
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.05)

log = open(log_path, "wb")
t0 = time.monotonic()
child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         preexec_fn=os.setsid)
print("pid", child.pid, flush=True)
tick = t0
while True:
    tick += 0.020
    delay = tick - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    t = time.monotonic()
    if colours() >= CONTENT:
        print("first_frame_ms %.0f" % ((t - t0) * 1000.0), flush=True)
        sys.exit(0)
    if child.poll() is not None:
        sys.exit(4)
    if t - t0 > timeout_s:
        sys.exit(5)
PY

# --- Process tree and memory ---

# Pids of the contender: its setsid group, its descendants, and detached
# helpers whose command line names the run's folder.
contender_pids() {
  local leader=$1 tag=$2
  local -A parent=()
  local -a all=() found=()
  local d p stat rest fields args
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    { stat=$(<"$d/stat"); } 2>/dev/null || continue
    rest=${stat##*) }
    read -r -a fields <<<"$rest" # state ppid pgrp sid ...
    parent[$p]=${fields[1]}
    all+=("$p")
    if [ "${fields[3]}" = "$leader" ] || [ "$p" = "$leader" ]; then
      found+=("$p"); continue
    fi
    { mapfile -d '' args <"$d/cmdline"; } 2>/dev/null || continue
    [[ "${args[*]}" == *"$tag/"* ]] && found+=("$p")
  done
  local -A in_tree=()
  for p in "${found[@]}"; do in_tree[$p]=1; done
  local grew=1 q
  while [ $grew -eq 1 ]; do
    grew=0
    for p in "${all[@]}"; do
      [ -n "${in_tree[$p]:-}" ] && continue
      q=${parent[$p]:-0}
      if [ -n "${in_tree[$q]:-}" ]; then in_tree[$p]=1; grew=1; fi
    done
  done
  echo "${!in_tree[@]}"
}

# "<PSS kB> <anonymous PSS kB> <processes>" over the contender's processes.
# The file-backed part of PSS shrinks when other processes on the machine map
# the same libraries; the anonymous part does not.
contender_pss() {
  local total=0 anon=0 count=0 p key value rest
  for p in $(contender_pids "$run_pid" "$run_tag"); do
    while read -r key value rest; do
      case $key in
        Pss:) total=$((total + value)); count=$((count + 1)) ;;
        Pss_Anon:) anon=$((anon + value)) ;;
      esac
    done < <(cat "/proc/$p/smaps_rollup" 2>/dev/null || true)
  done
  echo "$total $anon $count"
}

stop_contender() {
  local pids p alive
  pids=$(contender_pids "$run_pid" "$run_tag")
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  run_pid=""
}

# measure NAME TAG COMMAND... -> appends "first_frame_ms pss_kb anon_kb processes"
# to $work/NAME.txt and prints the run.
measure() {
  local name=$1 tag=$2
  shift 2
  local out="$work/$name-probe.txt" rc=0 ms pss
  python3 "$work/first_frame.py" 60 "$tag/output.log" "$@" >"$out" &
  local probe=$!
  for _ in $(seq 1 200); do
    run_pid=$(awk '$1 == "pid" { print $2 }' "$out")
    [ -n "$run_pid" ] && break
    kill -0 "$probe" 2>/dev/null || break
    sleep 0.05
  done
  run_tag=$tag
  wait "$probe" || rc=$?
  if [ $rc -ne 0 ]; then
    case $rc in
      3) echo "kiosk_vs_chromium: the screen was not empty before $name started" >&2 ;;
      4) echo "kiosk_vs_chromium: $name exited before its first frame; its output:" >&2
         tail -n 20 "$tag/output.log" >&2 || true ;;
      5) echo "kiosk_vs_chromium: $name showed nothing within 60 s" >&2 ;;
      *) echo "kiosk_vs_chromium: the first-frame probe failed ($rc)" >&2 ;;
    esac
    exit 1
  fi
  ms=$(awk '$1 == "first_frame_ms" { print $2 }' "$out")
  sleep "$SETTLE"
  read -r pss anon count < <(contender_pss)
  stop_contender
  echo "$ms $pss $anon $count" >>"$work/$name.txt"
  printf '  run %d  %-9s first frame %6d ms   PSS %7.1f MB (anonymous %6.1f MB, %d processes)\n' \
    "$run" "$name" "$ms" "$(awk -v k="$pss" 'BEGIN { print k / 1024 }')" \
    "$(awk -v k="$anon" 'BEGIN { print k / 1024 }')" "$count"
}

# The kiosk's configuration: the checkout survey, open around the clock.
write_kiosk_config "$KIOSK" "$survey" "$work"

# Kiosks that write a UI trace say which screen they opened on.
has_trace=0
if "$KIOSK" --help 2>/dev/null | grep -q -- --ui-trace; then has_trace=1; fi

echo "kiosk vs Chromium, the same question screen at ${W}x${H} under Xvfb $DISPLAY"
echo "  kiosk: $KIOSK"
echo "  chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
echo "  $RUNS runs, memory after ${SETTLE} s; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for run in $(seq 1 "$RUNS"); do
  k="$work/kiosk-$run"
  mkdir -p "$k"
  trace_args=()
  [ $has_trace -eq 0 ] || trace_args=(--ui-trace "$k/trace.jsonl")
  measure kiosk "$k" "$KIOSK" --windowed "${W}x${H}" --config "$work/kiosk.toml" --data-dir "$k/data" \
    "${trace_args[@]}"
  if [ ${#trace_args[@]} -gt 0 ]; then
    screen=$(head -n 1 "$k/trace.jsonl" 2>/dev/null || true)
    [[ "$screen" == *'"screen":"question"'* ]] ||
      { echo "kiosk_vs_chromium: the kiosk did not open on the question screen: $screen" >&2; exit 1; }
  fi

  c="$work/chromium-$run"
  mkdir -p "$c/config" "$c/cache"
  # Without a window manager --kiosk cannot go full screen: place the window.
  XDG_CONFIG_HOME="$c/config" XDG_CACHE_HOME="$c/cache" \
    measure chromium "$c" "$CHROMIUM" --kiosk --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --window-position=0,0 --window-size="$W,$H" --user-data-dir="$c/profile" "file://$page"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
k_ms=$(cut -d' ' -f1 "$work/kiosk.txt" | median)
k_kb=$(cut -d' ' -f2 "$work/kiosk.txt" | median)
k_anon=$(cut -d' ' -f3 "$work/kiosk.txt" | median)
c_ms=$(cut -d' ' -f1 "$work/chromium.txt" | median)
c_kb=$(cut -d' ' -f2 "$work/chromium.txt" | median)
c_anon=$(cut -d' ' -f3 "$work/chromium.txt" | median)
awk -v km="$k_ms" -v kk="$k_kb" -v ka="$k_anon" -v cm="$c_ms" -v ck="$c_kb" -v ca="$c_anon" \
  -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "  median    kiosk     first frame %6.0f ms   PSS %7.1f MB (anonymous %6.1f MB)\n", km, kk / 1024, ka / 1024
  printf "  median    chromium  first frame %6.0f ms   PSS %7.1f MB (anonymous %6.1f MB)\n", cm, ck / 1024, ca / 1024
  rf = km / cm; rm = kk / ck
  printf "  ratio kiosk/chromium: first frame %.3f (target <= 0.20), memory %.3f (target <= 0.25)", rf, rm
  printf ", anonymous memory %.3f\n", ka / ca
  printf "  load average at the end %s\n", load
  printf "  %s\n", (rf <= 0.2 && rm <= 0.25) ? "target met" : "TARGET MISSED"
}'
