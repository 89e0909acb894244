#!/bin/bash
# Blue/green: from the promote decision to the router write acknowledged (target <= 100 ms),
# against `kubectl patch` of the same Service on the same kubesim; and the loop CPU of one gate
# round of 10 metrics (target <= 5 ms). Figures are reported, never asserted.
. "$TOPS_ROOT/tests/lib.sh"
cd "$TOPS_ROOT" || exit 1
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl) -o "$TEST_TMP/gate_bench" \
  tests/bench/gate_bench.c obj/libtopscore.a \
  $(pkg-config --libs ncursesw libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lcrypt -lm -lpthread || exit 1
"$TEST_TMP/gate_bench" 300
have_kubectl || { echo "bench bluegreen-promote: skipped (no kubectl)"; exit 0; }
export XDG_STATE_HOME="$TEST_TMP/state"
offline_site_scenario "$TEST_TMP/sim.yaml"
printf -- '---\napiVersion: kubesim.io/v1\nkind: SimConfig\nmirrorDigests: ["sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]\n' >>"$TEST_TMP/sim.yaml"
kubesim_start --speed 50 --scenario "$TEST_TMP/sim.yaml" || exit 1
tops install testops charts/testops -n testops -f deploy/offline-values.yaml --wait >/dev/null 2>&1
tops bluegreen deploy testops charts/testops -n testops -f deploy/offline-values.yaml >/dev/null 2>&1
tops bluegreen promote testops -n testops --scale-down-delay 0s 2>"$TEST_TMP/p.e" >/dev/null
ms=$(sed -n 's/.*router write acknowledged \([0-9]*\) ms.*/\1/p' "$TEST_TMP/p.e")
s=$(date +%s%N); kctl patch svc testops -n testops --type merge -p '{"metadata":{"annotations":{"bench":"1"}}}' >/dev/null; e=$(date +%s%N)
k=$(( (e - s) / 1000000 ))
echo "bench bluegreen-promote: promote decision -> router write acknowledged ${ms:-?} ms (target <= 100 ms); kubectl patch of the same Service ${k} ms (ratio $(awk -v a="${ms:-0}" -v b="$k" 'BEGIN { printf "%.2f", b ? a / b : 0 }')x)"
