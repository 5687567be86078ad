#!/usr/bin/env bash
# The server's /metrics and the example Prometheus files against promtool:
# a real touchpoint-server on a loopback port with a fresh SQLite database
# gets some traffic (healthz, an unknown path, a batch with a bad token, an
# enrolment and one good batch), then
#   - `promtool check metrics` on what GET /metrics answers must pass;
#   - `promtool check rules` on docs/prometheus/touchpoint.rules.yml and
#     `promtool check config` on docs/prometheus/prometheus.yml must pass;
#   - `promtool test rules`: the down, silent-devices and failing-batches
#     alerts fire after their "for", and not before;
#   - every touchpoint_* series the rules name must be in the answer, so a
#     rule cannot watch a metric the server does not export;
#   - the rules' job label must be the scrape config's job_name.
#
# usage: promtool_check.sh BUILD_DIR
# A missing promtool skips the test (exit 77); with CI=true it fails.
# KEEP_WORK=1 keeps the temporary folder (server log, metrics.txt).
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER=$BUILD/server/touchpoint-server
RULES=$ROOT/docs/prometheus/touchpoint.rules.yml
CONFIG=$ROOT/docs/prometheus/prometheus.yml

missing=77
[ "${CI:-}" = true ] && missing=1
command -v promtool >/dev/null ||
  { echo "promtool not installed (apt install prometheus)"; exit $missing; }
command -v curl >/dev/null || { echo "curl not installed (apt install curl)"; exit $missing; }
[ -x "$SERVER" ] || { echo "FAIL: no server at $SERVER (build touchpoint-server)" >&2; exit 1; }

work=$(mktemp -d /tmp/tp-promtool-XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2; exit 1; }

# --- A server on loopback, a store, a touch point ---
db="sqlite:$work/server.db"
admin() { "$SERVER" admin --db "$db" "$@"; }
admin create-store --id akl --name "Auckland Central" --time-zone UTC >/dev/null ||
  fail "admin create-store"
admin create-touch-point --store akl --key akl-checkout-1 --name "Checkout 1" >/dev/null ||
  fail "admin create-touch-point"

"$SERVER" --db "$db" --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -qs listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"

# --- Traffic, so the counters have series ---
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(status "$url/healthz")" = 200 ] || fail "GET /healthz"
[ "$(status "$url/no-such-page")" = 404 ] || fail "GET an unknown path"
[ "$(status -X POST "$url/api/v1/batches" -H 'Authorization: Bearer not-a-token' \
  -H 'Content-Type: application/json' -d '{"responses": []}')" = 401 ] ||
  fail "a batch with a bad token was not refused with 401"

code=$(admin create-enrollment-code --touch-point akl-checkout-1 2>/dev/null) ||
  fail "admin create-enrollment-code"
enrolled=$(curl -sf -X POST "$url/api/v1/enroll" -H 'Content-Type: application/json' \
  -d "{\"code\": \"$code\", \"device_name\": \"Metrics kiosk\"}") || fail "POST /api/v1/enroll"
token=$(printf '%s' "$enrolled" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no token in the enrolment answer: $enrolled"

utc_ms=$(( $(date +%s) * 1000 - 60000 ))
local_time=$(date -u -d "@$(( utc_ms / 1000 ))" +%Y-%m-%dT%H:%M:%SZ)
cat >"$work/batch.json" <<JSON
{"responses": [
  {"id": "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", "survey_id": "checkout", "survey_version": 1,
   "question_id": "checkout-experience", "scale": "smiley4", "score": 4, "utc_ms": $utc_ms,
   "local_time": "$local_time", "sequence": 1}],
 "health": {"pending": 0, "app_version": "0.1.0"}}
JSON
answer=$(curl -sf -X POST "$url/api/v1/batches" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' --data-binary "@$work/batch.json") || fail "POST /api/v1/batches"
printf '%s' "$answer" | grep -q '"accepted" *: *1' || fail "the batch was not accepted: $answer"

# --- /metrics through promtool ---
curl -sf -D "$work/metrics.headers" "$url/metrics" -o "$work/metrics.txt" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$work/metrics.headers" ||
  fail "GET /metrics is not Prometheus text: $(grep -i '^content-type' "$work/metrics.headers")"
echo "--- promtool check metrics (GET /metrics, $(wc -l <"$work/metrics.txt") lines)"
rc=0
promtool check metrics <"$work/metrics.txt" >"$work/lint.txt" 2>&1 || rc=$?
sed 's/^/  | /' "$work/lint.txt"
if [ "$rc" -ne 0 ]; then
  echo "--- the answer of GET /metrics"
  sed 's/^/  | /' "$work/metrics.txt"
  fail "promtool check metrics exited $rc"
fi
echo "ok: promtool check metrics"

# The series the traffic above must have made.
for series in 'touchpoint_http_requests_total{route="/healthz",method="GET",status="200"}' \
  'touchpoint_http_requests_total{route="/api/v1/batches",method="POST",status="401"}' \
  'touchpoint_http_requests_total{route="/api/v1/batches",method="POST",status="200"}' \
  'touchpoint_responses_ingested_total 1' 'touchpoint_ingest_duration_seconds_count 1'; do
  grep -qF "$series" "$work/metrics.txt" || fail "no $series in GET /metrics"
done

# --- The rules and the scrape config ---
check() { # COMMAND FILE: promtool COMMAND FILE, its output shown
  echo "--- promtool $1 $(basename "$2")"
  local rc=0
  promtool $1 "$2" >"$work/check.txt" 2>&1 || rc=$?
  sed 's/^/  | /' "$work/check.txt"
  [ "$rc" -eq 0 ] || fail "promtool $1 $2 exited $rc"
  echo "ok: promtool $1"
}
check "check rules" "$RULES"
check "check config" "$CONFIG"

# The alerts fire on the series the server exports, after their "for". The
# test runs on a copy without annotations: their wording is checked above,
# and promtool would compare it word for word.
awk '/^ *annotations:/ { skip = index($0, "a") ; next }
     skip && (match($0, /^ */) && RLENGTH >= skip) { next }
     { skip = 0; print }' "$RULES" >"$work/rules_bare.yml"
cat >"$work/rules_test.yml" <<YAML
rule_files: ["$work/rules_bare.yml"]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="touchpoint-server",instance="a:8443"}'
        values: '1 1 0 0 0 0 0'
      - series: 'touchpoint_silent_devices{job="touchpoint-server",instance="a:8443"}'
        values: '0 2x30'
      - series: 'touchpoint_silent_devices{job="touchpoint-server",instance="b:8443"}'
        values: '0 2x30'
      - series: 'touchpoint_http_requests_total{job="touchpoint-server",instance="a:8443",route="/api/v1/batches",method="POST",status="200"}'
        values: '0+60x30'
      - series: 'touchpoint_http_requests_total{job="touchpoint-server",instance="a:8443",route="/api/v1/batches",method="POST",status="503"}'
        values: '0 0 0 0 0 0 0 0 0 0 0+30x20'
    alert_rule_test:
      - eval_time: 3m
        alertname: TouchpointServerDown
      - eval_time: 5m
        alertname: TouchpointServerDown
        exp_alerts:
          - exp_labels: {severity: critical, job: touchpoint-server, instance: "a:8443"}
      - eval_time: 10m
        alertname: TouchpointSilentDevices
      - eval_time: 17m
        alertname: TouchpointSilentDevices
        exp_alerts:
          - exp_labels: {severity: warning, job: touchpoint-server}
      - eval_time: 12m
        alertname: TouchpointBatchesFailing
      - eval_time: 20m
        alertname: TouchpointBatchesFailing
        exp_alerts:
          - exp_labels: {severity: critical, job: touchpoint-server, route: /api/v1/batches}
YAML
check "test rules" "$work/rules_test.yml"

# Every touchpoint_* name in the rules is a series of the answer (a
# histogram's _bucket/_sum/_count are series of their own).
names=$(grep -v '^ *#' "$RULES" | grep -oE '\btouchpoint_[a-zA-Z0-9_]+' | sort -u || true)
[ -n "$names" ] || fail "the rules name no touchpoint_* metric"
for name in $names; do
  grep -qE "^$name[{ ]" "$work/metrics.txt" ||
    fail "the rules name $name, which GET /metrics does not export"
  echo "ok: $name is exported"
done

job=$(sed -n 's/^ *- job_name: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$CONFIG" | head -1)
[ -n "$job" ] || fail "no job_name in $(basename "$CONFIG")"
for sel in $(grep -oE 'job="[^"]*"' "$RULES" | sort -u || true); do
  [ "$sel" = "job=\"$job\"" ] || fail "the rules select $sel; the scrape config's job is $job"
done
echo "ok: the rules select job=\"$job\""
echo "PASS: promtool checks the server's metrics, the rules and the scrape config"
