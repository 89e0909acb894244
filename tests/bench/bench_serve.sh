#!/bin/bash
# bench serve: GET /v1/health of `tops serve` with wrk on loopback, the server pinned to one
# core while its health checks run against kubesim: requests/s, p99 latency, and the server's
# RSS after a warm-up and after 1,000,000 requests. Reported, never asserted.
. "$TOPS_ROOT/tests/lib.sh"
if ! command -v wrk >/dev/null; then echo "bench serve: SKIP: wrk not installed"; exit 0; fi
kubesim_start --pods 20 || { echo "bench serve: kubesim did not start"; exit 0; }
printf 'bench deploy bench-token-0123456789abcdef\n' >"$TEST_TMP/tokens"; chmod 600 "$TEST_TMP/tokens"
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"
$pin tops serve --listen 127.0.0.1:0 --token-file "$TEST_TMP/tokens" --rate 0 --max-connections 1024 \
  --runner testops/testops >"$TEST_TMP/s.out" 2>"$TEST_TMP/s.err" &
SPID=$!; on_exit "kill $SPID"
wait_until 20 grep -q 'listening on' "$TEST_TMP/s.out" || { echo "bench serve: server did not start"; exit 0; }
URL=$(sed -n 's/^tops serve: listening on //p' "$TEST_TMP/s.out")/v1/health
rss() { awk '/VmRSS/{print $2}' "/proc/$SPID/status"; }
wpin=""; [ -n "$pin" ] && [ "$(nproc)" -gt 1 ] && wpin="taskset -c 1"
$wpin wrk -t1 -c32 -d3s "$URL" >/dev/null 2>&1        # warm-up
rss0=$(rss)
total=0; runs=0; rps_sum=0; p99=""
while [ "$total" -lt 1000000 ] && [ "$runs" -lt 20 ]; do
  $wpin wrk -t1 -c32 -d15s --latency "$URL" >"$TEST_TMP/w" 2>&1
  n=$(awk '/requests in/{print $1}' "$TEST_TMP/w"); total=$((total + ${n:-0})); runs=$((runs + 1))
  [ -z "$p99" ] && p99=$(awk '$1=="99%"{print $2}' "$TEST_TMP/w") && rps=$(awk '/Requests\/sec/{print $2}' "$TEST_TMP/w")
  non2xx=$(awk '/Non-2xx/{print $NF}' "$TEST_TMP/w")
done
rss1=$(rss)
echo "bench serve: GET /v1/health: ${rps:-?} requests/s (server on one core), p99 ${p99:-?}; answers not 2xx in the last run: ${non2xx:-0}"
echo "bench serve: RSS ${rss0} KiB after warm-up, ${rss1} KiB after ${total} requests"
