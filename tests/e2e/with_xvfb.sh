#!/usr/bin/env bash
# Runs a command under its own Xvfb, on a display number the X server picks
# itself (-displayfd): tests running in parallel never race for a number, as
# `xvfb-run -a` can (two servers choose the same free number; one fails, and
# its test finds no display or the other test's screen).
#
# usage: with_xvfb.sh WIDTHxHEIGHTxDEPTH COMMAND [ARGS...]
# Exits with COMMAND's status; 1 if no X server starts within 10 s.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 WIDTHxHEIGHTxDEPTH COMMAND [ARGS...]" >&2; exit 2; }
screen=$1
shift
dir=$(mktemp -d /tmp/tp-xvfb-XXXXXX)
xvfb_pid=""
cleanup() {
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null
    wait "$xvfb_pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp 3>"$dir/display" >"$dir/xvfb.log" 2>&1 &
xvfb_pid=$!
number=""
for _ in $(seq 1 200); do
  # The server writes its display number and a newline once it listens.
  if grep -q '^[0-9][0-9]*$' "$dir/display" 2>/dev/null && [ "$(tail -c 1 "$dir/display" | od -An -c | tr -d ' ')" = '\n' ]; then
    number=$(head -n 1 "$dir/display")
    break
  fi
  kill -0 "$xvfb_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$number" ]; then
  echo "with_xvfb: Xvfb did not start:" >&2
  cat "$dir/xvfb.log" >&2
  exit 1
fi
export DISPLAY=":$number"
"$@"
