#!/usr/bin/env bash
# The web dashboard in a real browser: a touchpoint-server on a loopback
# port with a fresh SQLite database, seeded through its admin command line
# and the device API (enrolment, batches, heartbeats) with known responses;
# then dashboard.spec.mjs drives headless Chromium (Debian's, through
# playwright-core) against it. Touch points have owners and journey
# positions, and some have weeks of history (make_history.mjs) that puts
# them at known consistency levels: systematic, repeatable, ad hoc and not
# yet measured. The huddle sheet is printed to PDF and read back with
# pdfinfo and pdftotext (poppler-utils).
#
# usage: run_dashboard_test.sh SERVER ASSETS_DIR WORK_DIR [SCREENSHOT_DIR]
#   SCREENSHOT_DIR: where the screenshots go (default WORK_DIR/screenshots;
#   docs/screenshots to refresh the README's).
set -euo pipefail
SERVER=$1 ASSETS=$2 WORK=$3 SHOTS=${4:-$3/screenshots}
HERE=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# A missing tool skips the test on a developer's machine; in CI it fails.
missing=77
[ "${CI:-}" = true ] && missing=1
[ -x "$CHROMIUM" ] || { echo "$CHROMIUM not installed (apt install chromium)"; exit $missing; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node and npm are needed (apt install nodejs npm)"; exit $missing; }
command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null ||
  { echo "pdfinfo and pdftotext are needed (apt install poppler-utils)"; exit $missing; }
# playwright-core, pinned in package-lock.json; test-time only.
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  (cd "$HERE" && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
    { echo "FAIL: npm install of playwright-core failed" >&2; exit 1; }
fi

rm -rf "$WORK/run"
mkdir -p "$WORK/run" "$SHOTS"
run=$WORK/run
server_pid="" beat_pid="" bare_pid=""
cleanup() {
  [ -n "$beat_pid" ] && kill "$beat_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$bare_pid" ] && kill "$bare_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$run/server.log" ] && tail -20 "$run/server.log" >&2; exit 1; }

# A field of the JSON answer on stdin (node, already needed for the test).
json_field() {
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const v = process.argv[1].split(".").reduce((o, k) => (o == null ? o : o[k]), JSON.parse(s));
    if (v === undefined || v === null) process.exit(1);
    console.log(Array.isArray(v) ? v.join(",") : v); });' "$1"
}

db="sqlite:$run/server.db"
admin() { "$SERVER" admin --db "$db" "$@"; }

# --- Stores, touch points, keys ---
admin create-store --id akl --name "Auckland Central" --time-zone Pacific/Auckland >/dev/null
admin create-store --id wlg --name "Wellington" --time-zone Pacific/Auckland >/dev/null
admin create-store --id chc --name "Christchurch" --time-zone Pacific/Auckland >/dev/null
# A touch point's settings: KEY JOURNEY_POSITION [OWNER_NAME OWNER_EMAIL [CX_STATEMENT]] -> a TOML file
settings() {
  local f=$run/settings-$1.toml
  {
    echo '[touch_point]'
    echo "key = \"$1\""
    echo "journey_position = $2"
    echo "service_standard = 85"
    [ -n "${3:-}" ] && echo "owner = { name = \"$3\", email = \"$4\" }"
    [ -n "${5:-}" ] && echo "cx_statement = \"$5\""
  } > "$f"
  echo "$f"
}
CX_AKL="Every customer leaves glad they came."
tp() { # STORE KEY NAME SURVEY SETTINGS
  admin create-touch-point --store "$1" --key "$2" --name "$3" --survey "$ASSETS/surveys/$4.toml" --settings "$5" >/dev/null ||
    fail "create touch point $2"
}
tp akl akl-entrance "Entrance" checkout "$(settings akl-entrance 1 "Mere Tāne" mere@example.com "$CX_AKL")"
tp akl akl-helpdesk "Help desk" helpdesk-csat "$(settings akl-helpdesk 2 "Tom Ngata" tom@example.com)"
tp akl akl-checkout-1 "Checkout 1" checkout "$(settings akl-checkout-1 3 "Ana Ruiz" ana@example.com)"
tp wlg wlg-checkout-1 "Checkout 1" checkout "$(settings wlg-checkout-1 1 "Lena Brown" lena@example.com "Quick, kind and right first time.")"
tp wlg wlg-fitting "Fitting rooms" checkout "$(settings wlg-fitting 2 "Sam Lee" sam@example.com)"
tp chc chc-checkout "Checkout" checkout "$(settings chc-checkout 1 "Priya Patel" priya@example.com)"
tp chc chc-cafe "Café" checkout "$(settings chc-cafe 2 "Hone Walker" hone@example.com)"
tp chc chc-restroom "Restrooms" restroom-thumbs "$(settings chc-restroom 0)"
HO_KEY=$(admin create-api-key --role head-office 2>/dev/null)
AKL_KEY=$(admin create-api-key --role store --store akl 2>/dev/null)

# A short heartbeat interval: a device is silent after 3 of them (6 s).
"$SERVER" --db "$db" --listen 127.0.0.1:0 --heartbeat-interval-s 2 \
  --web-root "$ASSETS/web" > "$run/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q listening "$run/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$run/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"

# --- Devices: enrolled through the API, each posting one batch ---
enroll() { # TOUCH_POINT NAME -> token
  local code
  code=$(admin create-enrollment-code --touch-point "$1" 2>/dev/null)
  curl -sf -X POST "$url/api/v1/enroll" -H 'Content-Type: application/json' \
    -d "{\"code\": \"$code\", \"device_name\": \"$2\"}" | json_field token
}
post_batch() { # TOKEN FILE -> accepted count
  curl -sf -X POST "$url/api/v1/batches" -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' --data-binary "@$2" | json_field accepted
}
T_AKL=$(enroll akl-checkout-1 "Checkout 1 kiosk") || fail "enrol akl-checkout-1"
T_AKL_HD=$(enroll akl-helpdesk "Help desk kiosk") || fail "enrol akl-helpdesk"
T_WLG=$(enroll wlg-checkout-1 "Wellington checkout kiosk") || fail "enrol wlg-checkout-1"
T_CHC=$(enroll chc-restroom "Restroom tablet") || fail "enrol chc-restroom"
T_AKL_EN=$(enroll akl-entrance "Entrance kiosk") || fail "enrol akl-entrance"
T_WLG_FR=$(enroll wlg-fitting "Fitting rooms kiosk") || fail "enrol wlg-fitting"
T_CHC_CO=$(enroll chc-checkout "Christchurch checkout kiosk") || fail "enrol chc-checkout"

node "$HERE/make_batch.mjs" smiley4 checkout 140 11 0.86 \
  "Quick and friendly at the checkout" "Queue was long but moved fast" \
  "Lovely staff, thank you" "Card machine was slow" "Great service as always" > "$run/akl.json"
node "$HERE/make_batch.mjs" smiley5 helpdesk-csat 60 12 0.78 \
  "Help desk sorted my return in minutes" "Had to wait for someone to come" > "$run/akl-hd.json"
node "$HERE/make_batch.mjs" smiley4 checkout 110 21 0.62 \
  "Wellington checkout needs more staff at lunch" "Friendly but slow" \
  "Self-checkout kept freezing" > "$run/wlg.json"
node "$HERE/make_batch.mjs" thumbs restroom-thumbs 80 31 0.55 \
  "Christchurch restroom out of paper towels" > "$run/chc.json"

# Weeks of history, oldest day first, today last (M met, N not met, f too
# few responses to count, - none): 19 of the last 20 counted days met
# (systematic), 15 of 20 (repeatable), 8 of 20 (ad hoc).
node "$HERE/make_history.mjs" smiley4 checkout 41 "MMMMMMMMMNMMMMMMMMMMMMMMM" waiting,staff fast,friendly \
  "Greeted at the door straight away" "No trolleys by the entrance this morning" > "$run/akl-en.json"
node "$HERE/make_history.mjs" smiley4 checkout 42 "MMfMMNMMMNMMfMNMMMMNMMNMM" waiting staff,fast \
  "Fitting room queue was long on Saturday" > "$run/wlg-fr.json"
node "$HERE/make_history.mjs" smiley4 checkout 43 "NNMNNfMNNMNNMNMNNMNMNNMNN" waiting,price friendly \
  "Only one till open in Christchurch" > "$run/chc-co.json"

n_akl=$(post_batch "$T_AKL" "$run/akl.json") || fail "batch akl"
n_akl_hd=$(post_batch "$T_AKL_HD" "$run/akl-hd.json") || fail "batch akl-helpdesk"
n_wlg=$(post_batch "$T_WLG" "$run/wlg.json") || fail "batch wlg"
n_chc=$(post_batch "$T_CHC" "$run/chc.json") || fail "batch chc"
[ "$n_akl" = 140 ] && [ "$n_akl_hd" = 60 ] && [ "$n_wlg" = 110 ] && [ "$n_chc" = 80 ] ||
  fail "accepted $n_akl/$n_akl_hd/$n_wlg/$n_chc of 140/60/110/80"
n_akl_en=$(post_batch "$T_AKL_EN" "$run/akl-en.json") || fail "batch akl-entrance"
n_wlg_fr=$(post_batch "$T_WLG_FR" "$run/wlg-fr.json") || fail "batch wlg-fitting"
n_chc_co=$(post_batch "$T_CHC_CO" "$run/chc-co.json") || fail "batch chc-checkout"
every_one() { # BATCH_FILE ACCEPTED
  local want
  want=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).responses.length)' "$1")
  [ "$2" = "$want" ] || fail "accepted $2 of the $want responses of $1"
}
every_one "$run/akl-en.json" "$n_akl_en"
every_one "$run/wlg-fr.json" "$n_wlg_fr"
every_one "$run/chc-co.json" "$n_chc_co"

# Every device but the restroom tablet keeps sending heartbeats; it falls silent.
(
  while true; do
    for t in "$T_AKL" "$T_AKL_HD" "$T_WLG" "$T_AKL_EN" "$T_WLG_FR" "$T_CHC_CO"; do
      curl -s -o /dev/null -X POST "$url/api/v1/heartbeat" -H "Authorization: Bearer $t" \
        -H 'Content-Type: application/json' -d '{"pending": 0, "app_version": "0.1.0"}' || true
    done
    sleep 0.5
  done
) &
beat_pid=$!
sleep 7
silent=$(curl -sf "$url/api/v1/devices?silent=true" -H "Authorization: Bearer $HO_KEY" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
    console.log(JSON.parse(s).devices.map((d) => d.name).join(",")));')
[ "$silent" = "Restroom tablet" ] || fail "silent devices before the browser test: '$silent'"

# Without Chart.js the server says so at start and still serves the page.
"$SERVER" --db "$db" --listen 127.0.0.1:0 --web-root "$ASSETS/web" --chart-js "$run/no-chart.js" > "$run/bare.log" 2>&1 &
bare_pid=$!
for _ in $(seq 1 50); do grep -q listening "$run/bare.log" && break; sleep 0.1; done
bare_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$run/bare.log" | head -1)
grep -q "warning: Chart.js not found at $run/no-chart.js" "$run/bare.log" || fail "no warning about Chart.js"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$bare_url/vendor/chart.js")" = 404 ] || fail "chart.js without the file"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$bare_url/")" = 200 ] || fail "the page without Chart.js"
kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true
bare_pid=""

export TP_URL=$url TP_HO_KEY=$HO_KEY TP_STORE_KEY=$AKL_KEY TP_STORE=akl \
  TP_TOTAL=$((n_akl + n_akl_hd + n_wlg + n_chc + n_akl_en + n_wlg_fr + n_chc_co)) \
  TP_STORE_TOTAL=$((n_akl + n_akl_hd + n_akl_en)) TP_CX_STATEMENT="$CX_AKL" \
  TP_SILENT_DEVICE="Restroom tablet" TP_OTHER_TEXT="Wellington checkout needs more staff at lunch" \
  TP_SHOTS=$SHOTS TP_DOWNLOADS=$run/downloads CHROMIUM
node "$HERE/dashboard.spec.mjs" || fail "browser test"
node "$HERE/views.spec.mjs" || fail "browser test of the standards, journey and huddle views"
echo "PASS: web dashboard (screenshots in $SHOTS)"
