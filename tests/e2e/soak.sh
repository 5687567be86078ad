#!/usr/bin/env bash
# A soak, compressed: an enrolled kiosk under Xvfb, tapped through its real
# event path (xdotool) once every 2 s — ten times a busy checkout — syncing to
# a touchpoint-server on loopback (SQLite), for --seconds. Every 10 s it
# samples both processes (RSS, open descriptors, threads from /proc) and both
# databases (file and WAL sizes, responses). After the warm-up it checks:
#
#   - RSS grows by less than 1 MB per 10 minutes in each process (the
#     least-squares slope over the samples after the warm-up);
#   - descriptors and threads stay constant;
#   - each WAL stays below a fixed size (checkpoints run);
#   - each database grows in line with the responses added;
#   - every tap the kiosk accepted is on the server exactly once;
#   - the misuse flags are the ones the SPEC's rule gives for these taps.
#
# The test suite runs the short version (e2e_soak_short, 60 s). The full run:
#
#   cmake --build build --target touchpoint-kiosk touchpoint-server layout_probe
#   tests/e2e/soak.sh --seconds 600 build/touchpoint-kiosk \
#     build/server/touchpoint-server build/tests/layout_probe assets
#
# usage: soak.sh [--seconds N] [--warmup N] [--tap-every S] KIOSK SERVER LAYOUT_PROBE ASSETS_DIR
#   --seconds    how long to tap (default 60)
#   --warmup     seconds of samples the checks leave out (default 60, or 15
#                for runs shorter than 5 minutes)
#   --tap-every  seconds between taps (default 2)
#   --rss-slope-max KB
#                the RSS growth allowed, KB per 10 minutes (default 1024, or
#                4096 for runs shorter than 5 minutes: see below)
#   --keep       keep the work folder (databases, logs, samples) and print it
# A missing tool skips the test (exit 77) on a developer's machine; with
# CI=true it fails.
set -euo pipefail
export LC_ALL=C

seconds=60 warmup="" tap_every=2 keep=0 rss_slope_max=""
args=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --tap-every) tap_every=$2; shift 2 ;;
    --rss-slope-max) rss_slope_max=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --) shift; break ;;
    -*) echo "soak: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -eq 4 ] || { sed -n 's/^# usage: /usage: /p' "$0" >&2; exit 2; }
KIOSK=$1 SERVER=$2 PROBE=$3 ASSETS=$4
[ -n "$warmup" ] || { [ "$seconds" -ge 300 ] && warmup=60 || warmup=15; }
W=1280 H=800
SAMPLE_EVERY=10

# Limits. RSS: the issue's bound, 1 MB per 10 minutes, over a run long enough
# to show it. A minute cannot: 1 MB per 10 minutes is 75 KB over the 45 s the
# short run fits, and the server's RSS is still settling then (~2 MB per 10
# minutes from 15 s to 60 s while its heap grows by a few KB: each thread's
# malloc arena reaching its high-water mark), falling to ~0.4 MB per 10
# minutes after the first minute. The short run's bound catches a leak of
# ~10 KB per request, not a slow one.
if [ -z "$rss_slope_max" ]; then
  [ "$seconds" -ge 300 ] && rss_slope_max=1024 || rss_slope_max=4096
fi
RSS_SLOPE_MAX_KB=$rss_slope_max
# WAL: neither database sets wal_autocheckpoint, so SQLite checkpoints once a
# commit leaves the WAL at 1000 pages or more; it then restarts from the top,
# and the file keeps the largest size it reached. At 4 KiB pages that is 1000
# frames of 4096 + 24 bytes (4.12 MB) plus the frames of the one commit that
# crossed the line (a few pages here). 4.5 MB holds that with room to spare;
# a WAL past it means checkpoints are not running (a reader left open, say).
WAL_MAX_BYTES=$((4500 * 1000))
# Bytes per response: the growth of the logical size (page_count *
# page_size, WAL included) from the first sample to the last, over the rows
# added. A response row and its index entries take 250-400 bytes (the kiosk's
# store and the server's tables); the size grows in whole pages, which blurs
# a short run's 30 rows (up to ~1100 B each). Below 100 B the rows are not
# being written; above 2 KiB something writes the better part of a page per
# tap (a log table, a blob, pages that are never reused). Under 30 rows a
# table may not have needed a new page yet: not checked.
BYTES_PER_RESPONSE_MIN=100
BYTES_PER_RESPONSE_MAX=2048
BYTES_PER_RESPONSE_ROWS=30

# Tools: a skip on a developer's machine, a failure in CI.
for tool in Xvfb xdotool sqlite3; do
  command -v "$tool" >/dev/null || {
    echo "SKIP: $tool is not installed (scripts/dev.sh installs it)" >&2
    [ "${CI:-}" = true ] && exit 1
    exit 77
  }
done

if [ -z "${DISPLAY:-}" ]; then
  exec "$(dirname "$0")/with_xvfb.sh" "${W}x${H}x24" "$0" "${args[@]}"
fi

began_at=$SECONDS
work=$(mktemp -d /tmp/tp-soak-XXXXXX)
kiosk_pid="" server_pid=""
cleanup() {
  [ -n "$kiosk_pid" ] && kill -KILL "$kiosk_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "soak: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  if [ -f "$work/kiosk.log" ]; then echo "--- kiosk log (tail)" >&2; tail -20 "$work/kiosk.log" >&2; fi
  if [ -f "$work/server.log" ]; then echo "--- server log (tail)" >&2; tail -20 "$work/server.log" >&2; fi
  echo "soak: failed after $((SECONDS - began_at)) s" >&2
  exit 1
}
sql() { sqlite3 -readonly -cmd ".timeout 5000" "$@"; }

# --- Server, touch point, enrolment ---
# The touch point is open all day every day, with a 0.5 s thank-you and a 1 s
# response interval: a tap every 2 s is never too fast.
cat > "$work/touch_point.toml" <<TOML
[touch_point]
thank_you_s = 0.5
response_interval_s = 1
idle_timeout_s = 30
opening_hours = { mon = "24h", tue = "24h", wed = "24h", thu = "24h", fri = "24h", sat = "24h", sun = "24h" }
TOML
server_db="$work/server.db"
db="sqlite:$server_db"
"$SERVER" admin --db "$db" create-store --id soak --name "Soak Store" --time-zone Pacific/Auckland >/dev/null
"$SERVER" admin --db "$db" create-touch-point --store soak --key soak-checkout --name "Soak Checkout" \
  --survey "$ASSETS/surveys/helpdesk-csat.toml" --settings "$work/touch_point.toml" >/dev/null
"$SERVER" --db "$db" --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/server.log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
[ -n "$url" ] || fail "server did not start"

code=$("$SERVER" admin --db "$db" create-enrollment-code --touch-point soak-checkout 2>/dev/null)
"$KIOSK" enroll --server "$url" --code "$code" --data-dir "$work/kiosk" --name "soak kiosk" >/dev/null ||
  fail "enroll failed"
grep -Eq '"thank_you_s": *0\.5,' "$work/kiosk/server_config.json" &&
  grep -Eq '"response_interval_s": *1(\.0)?,' "$work/kiosk/server_config.json" ||
  fail "the kiosk was not given the soak's thank-you and response interval: $(cat "$work/kiosk/server_config.json")"

pin_hash=$(echo 2468 | "$KIOSK" hash-pin)
cat > "$work/kiosk.toml" <<TOML
[device]
dpi = 96
manager_pin_hash = "$pin_hash"
config_poll_s = 10
TOML
kiosk_db="$work/kiosk/responses.db"
trace="$work/trace.jsonl"
"$KIOSK" --config "$work/kiosk.toml" --data-dir "$work/kiosk" --ui-trace "$trace" >"$work/kiosk.log" 2>&1 &
kiosk_pid=$!
for _ in $(seq 1 100); do
  xdotool search --name "Touchpoint" >/dev/null 2>&1 && break
  kill -0 "$kiosk_pid" 2>/dev/null || fail "kiosk exited at start"
  sleep 0.1
done
xdotool search --name "Touchpoint" >/dev/null 2>&1 || fail "no kiosk window appeared"
sleep 1

declare -A at
while read -r score x y; do at[$score]="$x $y"; done < <("$PROBE" smiley5 $W $H 96)
[ ${#at[@]} -eq 5 ] || fail "layout_probe gave ${#at[@]} buttons for smiley5"

# --- Sampling ---
# One line of $work/samples per sample:
#   t  k_rss k_anon k_fds k_thr k_db k_wal k_bytes k_rows k_pending
#      s_rss s_anon s_fds s_thr s_db s_wal s_bytes s_rows
# rss/anon in KB (VmRSS, RssAnon), db/wal the file sizes, bytes the logical
# size (page_count * page_size, WAL included), rows the responses.
now_us=0
clock() { now_us=${EPOCHREALTIME//[.,]/}; }
proc_stats() { # PID -> "rss anon fds threads"
  local pid=$1 st fds
  st=$(awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^Threads:/ {t = $2} END {print r, a, t}' \
    "/proc/$pid/status") || fail "process $pid is gone"
  fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  set -- $st
  echo "$1 $2 $fds $3"
}
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
db_stats() { # DB -> "bytes rows" (+ " pending" for the kiosk's database)
  local extra=${2:-}
  sql -separator ' ' "$1" \
    "SELECT (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()),
            (SELECT count(*) FROM responses)$extra;"
}
sample() {
  local t k s kd sd
  t=$(((now_us - start_us) / 100000))
  t="$((t / 10)).$((t % 10))"
  k=$(proc_stats "$kiosk_pid")
  s=$(proc_stats "$server_pid")
  kd=$(db_stats "$kiosk_db" ", (SELECT count(*) FROM responses WHERE sync_state <> 'synced')") ||
    fail "cannot read the kiosk's database"
  sd=$(db_stats "$server_db") || fail "cannot read the server's database"
  set -- $k "$(file_size "$kiosk_db")" "$(file_size "$kiosk_db-wal")" $kd \
    $s "$(file_size "$server_db")" "$(file_size "$server_db-wal")" $sd
  echo "$t $*" >>"$work/samples"
  printf '%6s | %8s %8s %4s %4s %8s %8s %6s %5s | %8s %8s %4s %4s %8s %8s %6s\n' \
    "$t" "$1" "$2" "$3" "$4" "$5" "$6" "$8" "$9" "${10}" "${11}" "${12}" "${13}" "${14}" "${15}" "${17}"
}

# --- Taps ---
scores=(5 4 3 2 1)
taps=0
tap_us=$(awk -v s="$tap_every" 'BEGIN {printf "%d", s * 1000000}')
clock
start_us=$now_us
end_us=$((start_us + seconds * 1000000))
next_tap=$start_us next_sample=$start_us
echo "soak: ${seconds} s of taps every ${tap_every} s, samples every ${SAMPLE_EVERY} s, warm-up ${warmup} s"
echo "  kiosk (k) and server (s): RSS and anonymous RSS in KB, open fds, threads, database and WAL"
echo "  file bytes, responses; kpend: the kiosk's responses not yet synced"
printf '%6s | %8s %8s %4s %4s %8s %8s %6s %5s | %8s %8s %4s %4s %8s %8s %6s\n' \
  t kRSS kAnon kfd kthr kdbB kwalB krows kpend sRSS sAnon sfd sthr sdbB swalB srows
while [ "$next_sample" -le "$end_us" ] || [ "$next_tap" -lt "$end_us" ]; do
  clock
  if [ "$next_tap" -lt "$end_us" ] && [ "$now_us" -ge "$next_tap" ]; then
    kill -0 "$kiosk_pid" 2>/dev/null || fail "the kiosk exited during the soak"
    xdotool mousemove ${at[${scores[$((taps % 5))]}]} click 1
    taps=$((taps + 1))
    next_tap=$((next_tap + tap_us))
    # A tap that came late does not bring the next one closer than 3/4 of
    # the interval: a stalled machine must not make a tap too fast.
    clock
    [ "$next_tap" -lt $((now_us + tap_us * 3 / 4)) ] && next_tap=$((now_us + tap_us))
  fi
  if [ "$next_sample" -le "$end_us" ] && [ "$now_us" -ge "$next_sample" ]; then
    sample
    next_sample=$((next_sample + SAMPLE_EVERY * 1000000))
  fi
  clock
  wake=$next_sample
  [ "$next_tap" -lt "$end_us" ] && [ "$next_tap" -lt "$wake" ] && wake=$next_tap
  wait_us=$((wake - now_us))
  [ "$wait_us" -gt 0 ] && sleep "$((wait_us / 1000000)).$(printf '%06d' $((wait_us % 1000000)))"
done

# --- Drain: everything the kiosk holds reaches the server ---
kiosk_rows() { sql "$kiosk_db" "SELECT count(*) FROM responses"; }
server_rows() { sql "$server_db" "SELECT count(*) FROM responses"; }
for _ in $(seq 1 150); do
  [ "$(sql "$kiosk_db" "SELECT count(*) FROM responses WHERE sync_state <> 'synced' OR closed = 0")" -eq 0 ] &&
    [ "$(server_rows)" -eq "$(kiosk_rows)" ] && break
  sleep 0.2
done
accepted=$(grep -c '"screen":"thank_you"' "$trace" || true)
kiosk_n=$(kiosk_rows)
server_n=$(server_rows)

kill -TERM "$kiosk_pid"
wait "$kiosk_pid" && rc=0 || rc=$?
kiosk_pid=""
[ "$rc" -eq 0 ] || fail "kiosk exit code $rc"
kill -TERM "$server_pid"
wait "$server_pid" && rc=0 || rc=$?
server_pid=""
[ "$rc" -eq 0 ] || fail "server exit code $rc"

# --- Figures ---
# Least-squares slopes over the samples after the warm-up; min/max of the
# descriptors and threads there; the largest WAL of the run; bytes per
# response from the first sample to the last.
figures=$(awk -v warm="$warmup" '
  function fit(col,   i, n, sx, sy, sxx, sxy) {
    n = 0; sx = sy = sxx = sxy = 0
    for (i = 1; i <= rows; i++) if (T[i] >= warm) {
      n++; sx += T[i]; sy += V[i, col]; sxx += T[i] * T[i]; sxy += T[i] * V[i, col]
    }
    if (n < 2 || n * sxx == sx * sx) return "nan"
    return sprintf("%.0f", (n * sxy - sx * sy) / (n * sxx - sx * sx) * 600)
  }
  function range(col,   i, lo, hi) {
    lo = ""; hi = ""
    for (i = 1; i <= rows; i++) if (T[i] >= warm) {
      if (lo == "" || V[i, col] < lo) lo = V[i, col]
      if (hi == "" || V[i, col] > hi) hi = V[i, col]
    }
    return lo " " hi
  }
  function max(col,   i, m) { m = 0; for (i = 1; i <= rows; i++) if (V[i, col] > m) m = V[i, col]; return m }
  # A checkpoint copies the WAL into the database file: the file grows.
  function grew(col,   i, n) { n = 0; for (i = 2; i <= rows; i++) if (V[i, col] > V[i - 1, col]) n++; return n }
  function per_row(bcol, rcol,   dr) {
    dr = V[rows, rcol] - V[1, rcol]
    return dr > 0 ? sprintf("%.0f", (V[rows, bcol] - V[1, bcol]) / dr) : "nan"
  }
  { rows++; T[rows] = $1; for (c = 2; c <= NF; c++) V[rows, c] = $c }
  END {
    n = 0; for (i = 1; i <= rows; i++) if (T[i] >= warm) n++
    # columns: 2 k_rss 3 k_anon 4 k_fds 5 k_thr 6 k_db 7 k_wal 8 k_bytes 9 k_rows 10 k_pending
    #          11 s_rss 12 s_anon 13 s_fds 14 s_thr 15 s_db 16 s_wal 17 s_bytes 18 s_rows
    print "n", n
    print "k_rss_slope", fit(2); print "k_anon_slope", fit(3)
    print "s_rss_slope", fit(11); print "s_anon_slope", fit(12)
    print "k_fds", range(4); print "k_thr", range(5)
    print "s_fds", range(13); print "s_thr", range(14)
    print "k_wal_max", max(7); print "s_wal_max", max(16)
    print "k_bpr", per_row(8, 9); print "s_bpr", per_row(17, 18)
    print "k_ckpt", grew(6); print "s_ckpt", grew(15)
  }' "$work/samples")
fig() { awk -v k="$1" '$1 == k {$1 = ""; sub(/^ /, ""); print}' <<<"$figures"; }
read -r kfd_lo kfd_hi <<<"$(fig k_fds)"
read -r kthr_lo kthr_hi <<<"$(fig k_thr)"
read -r sfd_lo sfd_hi <<<"$(fig s_fds)"
read -r sthr_lo sthr_hi <<<"$(fig s_thr)"

# Misuse as the SPEC words it: a rating tap within the response interval
# (1 s) of the previous one, or beyond the 5th within 60 s, is flagged. Here
# it is worked out from the kiosk's own tap times and compared with the flag
# each response carries on the server.
sql -separator ' ' "$kiosk_db" "SELECT id, utc_ms FROM responses ORDER BY seq" |
  awk 'BEGIN {n = 0; head = 0}
  {
    t = $2; while (head < n && t - at[head] >= 60000) head++
    too_fast = n > 0 && t - at[n - 1] < 1000
    print $1, (too_fast || n - head >= 5) ? 1 : 0, too_fast ? 1 : 0
    at[n++] = t
  }' >"$work/expected_misuse"
expected_misuse=$(awk '{s += $2} END {print s + 0}' "$work/expected_misuse")
expected_too_fast=$(awk '{s += $3} END {print s + 0}' "$work/expected_misuse")
sqlite3 "$work/check.db" "CREATE TABLE expected (id TEXT PRIMARY KEY, misuse INTEGER, too_fast INTEGER);" \
  ".separator ' '" ".import $work/expected_misuse expected"
q() { sqlite3 -cmd "ATTACH '$server_db' AS s" -cmd "ATTACH '$kiosk_db' AS k" "$work/check.db" "$1"; }
server_misuse=$(q "SELECT count(*) FROM s.responses WHERE misuse = 1")
misuse_mismatch=$(q "SELECT count(*) FROM s.responses r JOIN expected e USING (id) WHERE r.misuse <> e.misuse")
server_distinct=$(q "SELECT count(DISTINCT id) FROM s.responses")
missing_on_server=$(q "SELECT count(*) FROM k.responses WHERE id NOT IN (SELECT id FROM s.responses)")
unknown_on_server=$(q "SELECT count(*) FROM s.responses WHERE id NOT IN (SELECT id FROM k.responses)")
seq_span=$(q "SELECT count(DISTINCT sequence) || ' ' || coalesce(min(sequence), 0) || ' ' || coalesce(max(sequence), 0) FROM s.responses")
read -r seq_distinct seq_min seq_max <<<"$seq_span"

# --- Report ---
kb() { awk -v b="$1" 'BEGIN {printf "%.0f KB", b / 1000}'; }
echo
echo "soak: ${seconds} s, ${taps} taps, $(fig n) samples after the ${warmup} s warm-up"
printf '  %-34s %12s %12s\n' "" kiosk server
printf '  %-34s %12s %12s\n' "RSS slope (KB / 10 min, < $RSS_SLOPE_MAX_KB)" "$(fig k_rss_slope)" "$(fig s_rss_slope)"
printf '  %-34s %12s %12s\n' "  of which anonymous (KB / 10 min)" "$(fig k_anon_slope)" "$(fig s_anon_slope)"
printf '  %-34s %12s %12s\n' "open fds (min-max after warm-up)" "$kfd_lo-$kfd_hi" "$sfd_lo-$sfd_hi"
printf '  %-34s %12s %12s\n' "threads (min-max after warm-up)" "$kthr_lo-$kthr_hi" "$sthr_lo-$sthr_hi"
printf '  %-34s %12s %12s\n' "largest WAL" "$(kb "$(fig k_wal_max)")" "$(kb "$(fig s_wal_max)")"
printf '  %-34s %12s %12s\n' "checkpoints seen (database grew)" "$(fig k_ckpt)" "$(fig s_ckpt)"
printf '  %-34s %12s %12s\n' "bytes per response" "$(fig k_bpr)" "$(fig s_bpr)"
printf '  %-34s %12s %12s\n' "responses" "$kiosk_n" "$server_n"
echo "  taps made $taps, accepted by the kiosk $accepted, on the server $server_n ($server_distinct distinct ids)"
echo "  misuse flagged $server_misuse; the SPEC's rule gives $expected_misuse ($expected_too_fast too fast," \
  "$((expected_misuse - expected_too_fast)) beyond the 5th tap within 60 s)"
echo "soak: took $((SECONDS - began_at)) s"

# --- Checks ---
bad=0
check() { if ! eval "$1"; then echo "FAIL: $2" >&2; bad=1; fi; }
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(v != "nan" && v >= lo && v <= hi)}'; }
below() { awk -v v="$1" -v hi="$2" 'BEGIN {exit !(v != "nan" && v < hi)}'; }
check '[ "$(fig n)" -ge 3 ]' "only $(fig n) samples after the warm-up"
check 'below "$(fig k_rss_slope)" $RSS_SLOPE_MAX_KB' "kiosk RSS grows $(fig k_rss_slope) KB / 10 min (limit $RSS_SLOPE_MAX_KB)"
check 'below "$(fig s_rss_slope)" $RSS_SLOPE_MAX_KB' "server RSS grows $(fig s_rss_slope) KB / 10 min (limit $RSS_SLOPE_MAX_KB)"
check '[ "$kfd_lo" = "$kfd_hi" ]' "kiosk open fds vary after the warm-up: $kfd_lo-$kfd_hi"
check '[ "$kthr_lo" = "$kthr_hi" ]' "kiosk threads vary after the warm-up: $kthr_lo-$kthr_hi"
check '[ "$sfd_lo" = "$sfd_hi" ]' "server open fds vary after the warm-up: $sfd_lo-$sfd_hi"
check '[ "$sthr_lo" = "$sthr_hi" ]' "server threads vary after the warm-up: $sthr_lo-$sthr_hi"
check '[ "$(fig k_wal_max)" -lt $WAL_MAX_BYTES ]' "kiosk WAL reached $(fig k_wal_max) bytes (limit $WAL_MAX_BYTES)"
check '[ "$(fig s_wal_max)" -lt $WAL_MAX_BYTES ]' "server WAL reached $(fig s_wal_max) bytes (limit $WAL_MAX_BYTES)"
if [ "$server_n" -ge $BYTES_PER_RESPONSE_ROWS ]; then
  check 'within "$(fig k_bpr)" $BYTES_PER_RESPONSE_MIN $BYTES_PER_RESPONSE_MAX' \
    "kiosk database: $(fig k_bpr) bytes per response (expected $BYTES_PER_RESPONSE_MIN-$BYTES_PER_RESPONSE_MAX)"
  check 'within "$(fig s_bpr)" $BYTES_PER_RESPONSE_MIN $BYTES_PER_RESPONSE_MAX' \
    "server database: $(fig s_bpr) bytes per response (expected $BYTES_PER_RESPONSE_MIN-$BYTES_PER_RESPONSE_MAX)"
else
  echo "  bytes per response not checked: fewer than $BYTES_PER_RESPONSE_ROWS responses"
fi
check '[ "$taps" -gt 0 ] && [ "$accepted" -eq "$taps" ]' "$taps taps made, the kiosk accepted $accepted"
check '[ "$kiosk_n" -eq "$taps" ]' "$taps taps made, the kiosk's database holds $kiosk_n responses"
check '[ "$server_n" -eq "$kiosk_n" ]' "the kiosk holds $kiosk_n responses, the server $server_n"
check '[ "$server_distinct" -eq "$server_n" ]' "the server holds $server_n responses under $server_distinct ids"
check '[ "$missing_on_server" -eq 0 ] && [ "$unknown_on_server" -eq 0 ]' \
  "$missing_on_server of the kiosk's responses are not on the server; $unknown_on_server on the server are not the kiosk's"
check '[ "$seq_distinct" -eq "$server_n" ] && [ "$seq_min" -eq 1 ] && [ "$seq_max" -eq "$server_n" ]' \
  "the server's sequence numbers are not 1..$server_n: $seq_distinct distinct, $seq_min-$seq_max"
check '[ "$expected_too_fast" -eq 0 ]' "$expected_too_fast taps came within the 1 s response interval"
check '[ "$misuse_mismatch" -eq 0 ] && [ "$server_misuse" -eq "$expected_misuse" ]' \
  "misuse: $server_misuse flagged on the server, the rule gives $expected_misuse ($misuse_mismatch differ)"
[ "$bad" -eq 0 ] || fail "the soak found the problems above"
echo "PASS: ${seconds} s soak: nothing lost or duplicated; memory, descriptors, threads and WALs held"
