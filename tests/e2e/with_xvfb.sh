#!/usr/bin/env bash
# Runs a command under its own Xvfb. Tests run in parallel, so the display
# number is claimed with a lock that is held until this server has fully
# exited: a server that is still shutting down removes its socket, and a new
# server given the same number (as `xvfb-run -a` or `Xvfb -displayfd` can
# give) would lose its socket and leave its test with no display. The
# command starts once the server answers, not when its socket appears.
#
# usage: with_xvfb.sh WIDTHxHEIGHTxDEPTH COMMAND [ARGS...]
# Exits with COMMAND's status; 1 if no X server starts.
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
  # The number's lock (fd 9) is released when this script exits, after the
  # server is gone.
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Numbers 200-299: away from the benchmarks' (90-160) and the usual :0/:99.
number=""
for n in $(seq 200 299); do
  exec 9>"/tmp/tp-xvfb-display-$n.lock"
  flock -n 9 || continue
  if [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; then
    exec 9>&-
    continue
  fi
  # Its socket appears before it answers: a client that connects in between
  # is refused. -displayfd writes the number once it is ready for clients.
  : >"$dir/ready"
  Xvfb ":$n" -screen 0 "$screen" -nolisten tcp -noreset -displayfd 3 3>"$dir/ready" >"$dir/xvfb.log" 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 1 200); do
    [ "$(cat "$dir/ready" 2>/dev/null)" = "$n" ] && { number=$n; break; }
    kill -0 "$xvfb_pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$number" ] && break
  kill "$xvfb_pid" 2>/dev/null
  wait "$xvfb_pid" 2>/dev/null
  xvfb_pid=""
  exec 9>&-
done
if [ -z "$number" ]; then
  echo "with_xvfb: Xvfb did not start:" >&2
  cat "$dir/xvfb.log" >&2 2>/dev/null
  exit 1
fi
export DISPLAY=":$number"
"$@"
