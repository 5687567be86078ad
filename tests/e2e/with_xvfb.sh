#!/usr/bin/env bash
# Runs a command under its own Xvfb (see scripts/xvfb.sh for how the display
# is claimed and when it counts as ready).
#
# usage: with_xvfb.sh WIDTHxHEIGHTxDEPTH COMMAND [ARGS...]
# Exits with COMMAND's status; 1 if no X server starts.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 WIDTHxHEIGHTxDEPTH COMMAND [ARGS...]" >&2; exit 2; }
screen=$1
shift
# shellcheck source=../../scripts/xvfb.sh
. "$(dirname "$0")/../../scripts/xvfb.sh"
log=$(mktemp /tmp/tp-xvfb-XXXXXX.log)
cleanup() {
  xvfb_stop
  rm -f "$log"
  # The number's lock (fd 9) is released when this script exits, after the
  # server is gone.
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! xvfb_start "$screen" "$log"; then
  echo "with_xvfb: Xvfb did not start:" >&2
  cat "$log" >&2 2>/dev/null
  exit 1
fi
"$@"
