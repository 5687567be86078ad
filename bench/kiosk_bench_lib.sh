# Shared by the benchmarks that run the kiosk under Xvfb (idle_cpu.sh,
# kiosk_vs_chromium.sh); sourced, not run.

# shellcheck source=../scripts/xvfb.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/xvfb.sh"

# start_xvfb NAME WIDTH HEIGHT LOG
# Starts Xvfb (scripts/xvfb.sh; black root window) logging to LOG, sets
# xvfb_pid and exports DISPLAY; exits 1 with "NAME: could not start Xvfb"
# when none starts.
start_xvfb() {
  local name=$1 w=$2 h=$3 log=$4
  xvfb_start "${w}x${h}x24" "$log" -br && return 0
  echo "$name: could not start Xvfb" >&2
  cat "$log" >&2 2>/dev/null
  exit 1
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
