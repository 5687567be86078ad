# Shared by the benchmarks that run the kiosk under Xvfb (idle_cpu.sh,
# kiosk_vs_chromium.sh); sourced, not run.

# start_xvfb NAME WIDTH HEIGHT LOG
# Starts Xvfb on a free display (logging to LOG), sets xvfb_pid and exports
# DISPLAY; exits 1 with "NAME: could not start Xvfb" when none starts.
start_xvfb() {
  local name=$1 w=$2 h=$3 log=$4 n display=""
  for n in $(seq 90 160); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
    # -displayfd writes the number once the server answers clients (a server
    # that finds :$n taken exits instead); -noreset keeps it from resetting
    # between one measured program and the next, as a real display does not.
    : >"$log.ready"
    Xvfb ":$n" -screen 0 "${w}x${h}x24" -br -nolisten tcp -noreset -displayfd 3 3>"$log.ready" >"$log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 1 100); do
      [ "$(cat "$log.ready" 2>/dev/null)" = "$n" ] && { display=":$n"; break; }
      kill -0 "$xvfb_pid" 2>/dev/null || break
      sleep 0.05
    done
    [ -n "$display" ] && break
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
  done
  [ -n "$display" ] || { echo "$name: could not start Xvfb" >&2; exit 1; }
  export DISPLAY=$display
}

# write_kiosk_config KIOSK SURVEY DIR
# DIR/kiosk.toml (with DIR/survey.toml, a copy of SURVEY): the survey, open
# around the clock. A manager PIN is set, so the kiosk opens on the question
# screen (without one it first asks for it).
write_kiosk_config() {
  local kiosk=$1 survey=$2 dir=$3 pin_hash pin_line=""
  cp "$survey" "$dir/survey.toml"
  pin_hash=$(echo 2468 | "$kiosk" hash-pin 2>/dev/null) || pin_hash=""
  [ -z "$pin_hash" ] || pin_line="manager_pin_hash = \"$pin_hash\""
  cat >"$dir/kiosk.toml" <<TOML
[device]
dpi = 96
default_language = "en"
$pin_line
[touch_point]
key = "bench-checkout"
name = "Bench checkout"
time_zone = "Pacific/Auckland"
survey = "survey.toml"
TOML
}
