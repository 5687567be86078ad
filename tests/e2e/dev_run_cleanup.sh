#!/usr/bin/env bash
# `scripts/dev.sh run` starts a demo server and the kiosk; when the kiosk
# closes, the server it started is stopped too (and nothing else is).
# Runs inside with_xvfb.sh; BUILD_DIR is the build tree to use (already built).
set -uo pipefail
BUILD_DIR=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/tp-devrun-XXXXXX)
cleanup() {
  pkill -f "$work/demo" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start=$(date +%s)
BUILD_DIR=$BUILD_DIR TOUCHPOINT_DEMO_DIR="$work/demo" TOUCHPOINT_DEMO_PORT=$port \
  "$root/scripts/dev.sh" run > "$work/run.log" 2>&1 &
run_pid=$!

# The kiosk is up once its window's process runs against the demo data dir
# (dev.sh builds first: a no-op in a built tree).
kiosk=""
for _ in $(seq 1 1200); do
  kiosk=$(pgrep -f "touchpoint-kiosk --data-dir $work/demo/kiosk" | head -1)
  [ -n "$kiosk" ] && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$work/run.log" >&2; fail "dev.sh run ended early"; }
  sleep 0.1
done
[ -n "$kiosk" ] || { cat "$work/run.log" >&2; fail "the kiosk did not start"; }
server=$(pgrep -f "touchpoint-server --db sqlite:$work/demo/server.db" | head -1)
[ -n "$server" ] || fail "no demo server is running beside the kiosk"
python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=5)" \
  "http://127.0.0.1:$port/healthz" || fail "the demo server does not answer"

kill -TERM "$kiosk"
for _ in $(seq 1 100); do
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$run_pid" 2>/dev/null && fail "dev.sh run did not end when the kiosk closed"
wait "$run_pid"
grep -q "unbound variable" "$work/run.log" && { cat "$work/run.log" >&2; fail "the EXIT trap failed"; }
for _ in $(seq 1 50); do
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server" 2>/dev/null && fail "the demo server (pid $server) is still running after the kiosk closed"
echo "dev.sh run: the demo server stopped with the kiosk ($(( $(date +%s) - start )) s)"
