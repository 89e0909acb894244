#!/bin/bash
# kubesim itself: startup time and peak RSS at 10,000 and 50,000 pods, a full paged list
# (limit 500 + continue) with curl, the same list through kubectl, and the cost of a page deep
# in the list (O(page), not O(N)). Figures are printed, never asserted. Not run by `make test`.
. "$TOPS_ROOT/tests/lib.sh"
[ -x "$TOPS_ROOT/bin/kubesim" ] || { echo "bench kubesim: build first"; exit 1; }
command -v jq >/dev/null || { echo "bench kubesim: skipped (no jq)"; exit 0; }
SIZES=${BENCH_KUBESIM_SIZES:-"10000 50000"}

secs() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.3f", b - a }'; }

paged_list() { # URL -> number of items, following continue
  local tok="" n=0 k
  while :; do
    read -r k tok < <(curl -sf "$1?limit=500${tok:+&continue=$tok}" | jq -r '"\(.items | length) \(.metadata.continue // "")"') || break
    n=$((n + k))
    [ -z "$tok" ] && break
  done
  echo "$n"
}

for n in $SIZES; do
  out="$TEST_TMP/sim.$n.out"
  t0=$(secs)
  "$TOPS_ROOT/bin/kubesim" --listen 127.0.0.1:0 --pods "$n" >"$out" 2>&1 &
  KUBESIM_PID=$!
  wait_until 300 grep -q '^kubesim: listening on ' "$out" || { echo "bench kubesim: did not start"; exit 1; }
  start=$(since "$t0")
  U=$(sed -n 's/^kubesim: listening on //p' "$out" | head -1)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$KUBESIM_PID/status)
  echo "bench kubesim: $n pods: startup ${start}s, RSS $((rss / 1024)) MB ($((rss * 1024 / n)) bytes/pod)"
  t0=$(secs); got=$(paged_list "$U/api/v1/namespaces/testops/pods"); t=$(since "$t0")
  echo "bench kubesim: $n pods: paged list with curl+jq: $got items in ${t}s"
  first=$(curl -sf "$U/api/v1/namespaces/testops/pods?limit=500" | jq -r .metadata.continue)
  t0=$(secs); for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf -o /dev/null "$U/api/v1/namespaces/testops/pods?limit=500"; done; a=$(since "$t0")
  deep=$(curl -sf "$U/api/v1/namespaces/testops/pods?limit=$((n - 600))" | jq -r .metadata.continue)
  t0=$(secs); for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf -o /dev/null "$U/api/v1/namespaces/testops/pods?limit=500&continue=$deep"; done; b=$(since "$t0")
  echo "bench kubesim: $n pods: 10 first pages ${a}s, 10 pages near the end ${b}s (ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }'))"
  [ -n "$first" ] || echo "bench kubesim: no continue token on the first page"
  if have_kubectl; then
    export KUBECONFIG="$TEST_TMP/kubeconfig"
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: %s\ncontexts:\n- name: sim\n  context: {cluster: sim, user: sim, namespace: testops}\ncurrent-context: sim\nusers:\n- name: sim\n  user: {token: sim-token}\n' "$U" >"$KUBECONFIG"
    t0=$(secs); lines=$(kctl get pods --no-headers 2>/dev/null | wc -l); t=$(since "$t0")
    echo "bench kubesim: $n pods: kubectl get pods (tables, chunked): $lines rows in ${t}s"
  fi
  kubesim_stop
done
