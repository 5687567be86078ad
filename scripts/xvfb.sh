# Xvfb for the tests and benchmarks that need a display; sourced, not run
# (tests/e2e/with_xvfb.sh, bench/kiosk_bench_lib.sh).
#
# xvfb_start SCREEN LOG [XVFB_ARGS...]
#   Starts Xvfb with one screen of SCREEN (WIDTHxHEIGHTxDEPTH) on a free
#   display number, logging to LOG; sets xvfb_pid and exports DISPLAY once
#   the server answers clients. Returns 1 (LOG says why) when none starts.
# xvfb_stop
#   Stops the server xvfb_start started, if any, and waits for it.
#
# Tests run in parallel, so a display number is claimed with a lock on fd 9,
# which Xvfb inherits: the number stays claimed until this server has fully
# exited. A server that is still shutting down removes its socket, and a new
# server given the same number (as `xvfb-run -a` or `Xvfb -displayfd` can
# give) would lose its socket and leave its test with no display.
# -displayfd writes the number once the server answers (its socket appears
# earlier, and a client that connects in between is refused); -noreset keeps
# it from resetting each time its last client leaves, which resets the
# connection of a program starting just then, as a real display never does.

xvfb_pid=""

xvfb_start() {
  local screen=$1 log=$2 n
  shift 2
  for n in $(seq 200 299); do
    exec 9>"/tmp/tp-xvfb-display-$n.lock"
    flock -n 9 || continue
    if [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; then
      exec 9>&-
      continue
    fi
    : >"$log.ready"
    Xvfb ":$n" -screen 0 "$screen" -nolisten tcp -noreset -displayfd 3 "$@" 3>"$log.ready" >"$log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 1 200); do
      if [ "$(cat "$log.ready" 2>/dev/null)" = "$n" ]; then
        rm -f "$log.ready"
        export DISPLAY=":$n"
        return 0
      fi
      kill -0 "$xvfb_pid" 2>/dev/null || break
      sleep 0.05
    done
    xvfb_stop
    exec 9>&-
  done
  rm -f "$log.ready"
  return 1
}

xvfb_stop() {
  [ -n "$xvfb_pid" ] || return 0
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
  xvfb_pid=""
}
