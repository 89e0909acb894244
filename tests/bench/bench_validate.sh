#!/bin/bash
# bench validate: 10,000 generated manifests (Deployments, Services, ConfigMaps) in one stream,
# validated by `tops validate` against the local Kubernetes schemas on one core.
# Prints documents per second and peak RSS (target: >= 5,000 documents/s).
set -u
TOPS_ROOT=${TOPS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SCHEMAS="$TOPS_ROOT/../shared/conformance/schemas"
N=${BENCH_DOCS:-10000}
if [ ! -d "$SCHEMAS" ]; then echo "bench validate: skipped (no schemas at $SCHEMAS)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for ((i = 0; i < N; i++)); do
  case $((i % 3)) in
  0) printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\n  labels: {app: web-%d}\nspec:\n  replicas: %d\n  selector:\n    matchLabels: {app: web-%d}\n  template:\n    metadata:\n      labels: {app: web-%d}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        ports:\n        - containerPort: 8080\n        resources:\n          requests: {cpu: 100m, memory: 64Mi}\n---\n' $i $i $((i % 5)) $i $i ;;
  1) printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web-%d\nspec:\n  selector: {app: web-%d}\n  ports:\n  - port: 80\n    targetPort: 8080\n---\n' $i $i ;;
  2) printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-%d\ndata:\n  key: value-%d\n---\n' $i $i ;;
  esac
done >"$tmp/all.yaml"
loc="$SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
start=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o "$tmp/rss" taskset -c 0 "$TOPS_ROOT/bin/tops" validate -schema-location "$loc" \
    -kubernetes-version 1.30.0 -summary "$tmp/all.yaml" >"$tmp/out" 2>&1
else
  taskset -c 0 "$TOPS_ROOT/bin/tops" validate -schema-location "$loc" -kubernetes-version 1.30.0 -summary \
    "$tmp/all.yaml" >"$tmp/out" 2>&1
fi
rc=$?
end=$(date +%s.%N)
rss=$(cat "$tmp/rss" 2>/dev/null || echo "?")
tail -1 "$tmp/out"
awk -v n="$N" -v s="$start" -v e="$end" -v rss="$rss" -v rc="$rc" 'BEGIN {
  t = e - s; printf "bench validate: %d documents in %.2f s = %.0f documents/s (one core), peak RSS %s KB, exit %d\n", n, t, n / t, rss, rc }'
