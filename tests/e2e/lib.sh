# Shared by the kiosk end-to-end scripts; sourced, not run. The script sets
# KIOSK (the binary) and work (its temporary folder) and defines fail().

# start_kiosk ARGS...
# Starts the kiosk with ARGS in the background (its output in
# $work/kiosk.log), sets kiosk_pid, and waits up to 10 s for its window;
# fails if the kiosk exits first or no window appears. Then gives it a
# second to draw.
start_kiosk() {
  "$KIOSK" "$@" >"$work/kiosk.log" 2>&1 &
  kiosk_pid=$!
  for _ in $(seq 1 100); do
    xdotool search --name "Touchpoint" >/dev/null 2>&1 && break
    kill -0 "$kiosk_pid" 2>/dev/null || { cat "$work/kiosk.log"; fail "kiosk exited at start"; }
    sleep 0.1
  done
  xdotool search --name "Touchpoint" >/dev/null 2>&1 || fail "no kiosk window appeared"
  sleep 1
}
