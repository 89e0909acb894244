#!/bin/bash
# Snapshots of a 500-pod release on kubesim: `tops snapshot take --no-runner` without Prometheus
# (the cluster part alone: the release record, the objects, 500 pods, the PVCs, the store), the
# same with the runner's golden set through exec, and `tops snapshot-compare` of two of them;
# `kubectl get pods -o json` of the same pods as the reference. Figures are printed, never
# asserted. Not run by `make test`.
. "$TOPS_ROOT/tests/lib.sh"
have_kubectl || { echo "bench snapshot: skipped (no kubectl)"; exit 0; }
[ -x "$TOPS_ROOT/bin/tops" ] && [ -x "$TOPS_ROOT/bin/kubesim" ] || { echo "bench snapshot: build first"; exit 1; }
PODS=${BENCH_SNAPSHOT_PODS:-500}
export XDG_STATE_HOME="$TEST_TMP/state"

secs() { # CMD... -> seconds (best of 3)
  local best=999 t
  for _ in 1 2 3; do
    /usr/bin/time -f "%e" -o "$TEST_TMP/time" "$@" >/dev/null 2>&1
    t=$(tail -1 "$TEST_TMP/time")
    best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (a < b ? a : b) }')
  done
  echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

offline_site_scenario "$TEST_TMP/sim.yaml"
kubesim_start --speed 50 --scenario "$TEST_TMP/sim.yaml" || exit 1
cd "$TOPS_ROOT" || exit 1
tops install testops charts/testops -n testops -f deploy/offline-values.yaml --set runner.replicas=$((PODS - 1)) \
  --wait --timeout 5m >/dev/null 2>&1 || { echo "bench snapshot: install of $PODS pods failed"; exit 1; }
n=$(kctl get pods -n testops --no-headers | wc -l)
t_take=$(secs tops snapshot take testops -n testops --label bench --no-runner --prometheus http://127.0.0.1:1)
t_runner=$(secs tops snapshot take testops -n testops --label bench --prometheus http://127.0.0.1:1)
t_kubectl=$(secs kubectl --cache-dir "$TEST_TMP/kcache" get pods -n testops -o json)
a=$(tops snapshot list testops -n testops -o json | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"], l[-1]["id"])')
t_cmp=$(secs tops snapshot-compare testops $a -n testops)
t_list=$(secs tops snapshot list testops -n testops)
size=$(kctl get cm "${a% *}" -n testops -o jsonpath='{.binaryData.snapshot\.json\.gz}' | base64 -d | wc -c)
echo "bench snapshot: $n pods: take (no metrics, no runner) ${t_take}s, with the golden set ${t_runner}s; kubectl get pods -o json ${t_kubectl}s (take/kubectl $(ratio "$t_take" "$t_kubectl"))"
tops snapshot export "${a% *}" -n testops >"$TEST_TMP/a.json"; tops snapshot export "${a#* }" -n testops >"$TEST_TMP/b.json"
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl libcjson) -o "$TEST_TMP/snapshot_bench" \
  "$TOPS_ROOT/tests/bench/snapshot_bench.c" "$TOPS_ROOT/obj/libtopscore.a" \
  $(pkg-config --libs libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lwslay -lcrypt -lm -lpthread 2>"$TEST_TMP/cc.err" &&
  echo "bench snapshot: the compare alone (decode two $n-pod records, compare, text): $("$TEST_TMP/snapshot_bench" "$TEST_TMP/a.json" "$TEST_TMP/b.json") ms" ||
  echo "bench snapshot: snapshot_bench did not build: $(head -3 "$TEST_TMP/cc.err")"
echo "bench snapshot: compare of two ${t_cmp}s (process, list of $(tops snapshot list testops -n testops -o json | grep -c '"id"') snapshots, decode, compare, print); list ${t_list}s; one record ${size} bytes gzip"
