#!/bin/bash
# Loop-thread CPU per metrics refresh for 5,000 pods (target <= 50 ms), against the real
# Prometheus scraping kubesim.
. "$TOPS_ROOT/tests/lib.sh"
have_prometheus || { echo "bench metrics-refresh: skipped (no prometheus)"; exit 0; }
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl) -o "$TEST_TMP/metrics_bench" \
  "$TOPS_ROOT/tests/bench/metrics_bench.c" "$TOPS_ROOT/obj/libtopscore.a" \
  $(pkg-config --libs ncursesw libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lcrypt -lm -lpthread || exit 1
kubesim_start --pods 5000 --speed 10 || exit 1
PROM_SCRAPE=10s prom_start "127.0.0.1:$KUBESIM_PORT" || exit 1
ready() { prom_query 'count(container_cpu_usage_seconds_total{namespace="testops"})' | grep -q '"5000"\|"50[0-9][0-9]"'; }
wait_until 120 ready
sleep 30
"$TEST_TMP/metrics_bench" "$PROM_URL" testops 5
