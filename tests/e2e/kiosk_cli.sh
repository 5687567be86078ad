#!/usr/bin/env bash
# The kiosk's command line: --help and --version work, bad flags print usage
# and exit non-zero, a bad config is refused with a message naming file and key
# (before any window opens, so this needs no display), and a good one with no
# display is refused too.
set -uo pipefail
KIOSK=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/tp-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT

out=$("$KIOSK" --help 2>&1) || fail "--help exited non-zero"
grep -q -- "--windowed" <<<"$out" || fail "--help does not list --windowed"
grep -q "export" <<<"$out" || fail "--help does not list export"

out=$("$KIOSK" --version 2>&1) || fail "--version exited non-zero"
grep -Eq "^touchpoint-kiosk [0-9]+\.[0-9]+\.[0-9]+" <<<"$out" || fail "--version printed '$out'"

out=$("$KIOSK" --bogus 2>&1); rc=$?
[ $rc -ne 0 ] || fail "--bogus exited 0"
grep -q "Usage" <<<"$out" || fail "--bogus did not print usage: $out"

out=$("$KIOSK" --windowed 12by8 2>&1); rc=$?
[ $rc -ne 0 ] || fail "--windowed 12by8 exited 0"
grep -q "WIDTHxHEIGHT" <<<"$out" || fail "--windowed error unclear: $out"

out=$("$KIOSK" export --format xml 2>&1); rc=$?
[ $rc -ne 0 ] || fail "export --format xml exited 0"

out=$("$KIOSK" export --data-dir "$work/none" 2>&1); rc=$?
[ $rc -ne 0 ] || fail "export from an empty dir exited 0"
grep -q "no responses database" <<<"$out" || fail "export error unclear: $out"

cat > "$work/survey.toml" <<'TOML'
id = "s"
scale = "smiley4"
[question]
en = "?"
TOML
cat > "$work/kiosk.toml" <<'TOML'
[touch_point]
key = "k"
idle_timeout_s = 0
survey = "survey.toml"
TOML
out=$(DISPLAY= "$KIOSK" --config "$work/kiosk.toml" --data-dir "$work/data" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "bad config: exit code $rc, expected 2"
grep -q "kiosk.toml: \[touch_point\] idle_timeout_s" <<<"$out" || fail "bad config message: $out"
grep -q "refusing to start" <<<"$out" || fail "bad config message: $out"
[ ! -e "$work/data/responses.db" ] || fail "a refused start created a database"

# A good config with no display at all: refused in plain words, never run
# invisibly off screen (SDL's fallback).
sed -i 's/^idle_timeout_s = 0$/idle_timeout_s = 60/' "$work/kiosk.toml"
out=$(DISPLAY= WAYLAND_DISPLAY= SDL_VIDEODRIVER= timeout 20 "$KIOSK" --config "$work/kiosk.toml" \
  --data-dir "$work/data" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "no display: exit code $rc, expected 1: $out"
grep -q "cannot open a window" <<<"$out" || fail "no display message: $out"
echo "PASS: command line"
