#!/bin/bash
# kubesim's own API surface: pagination, resourceVersion expiry, fault injection, stats,
# optimistic concurrency and /metrics. Talks HTTP with curl; needs jq.
. "$(dirname "$0")/../lib.sh"

for tool in curl jq; do
  command -v $tool >/dev/null || { skip "$tool is not installed"; exit 0; }
done
[ -x "$TOPS_ROOT/bin/kubesim" ] || { fail "kubesim-binary" "bin/kubesim is missing (run make)"; exit 0; }

kubesim_start --pods 5000 --speed 50 --seed 7 --history 2000 --bookmark-ms 200 || { fail "kubesim-start"; exit 0; }
U=$KUBESIM_URL
PODS=$U/api/v1/namespaces/testops/pods
T=$TEST_TMP

# --- pagination: limit/continue returns every pod exactly once ---
: >"$T/names"
tok=""; pages=0
while :; do
  curl -sf "$PODS?limit=700${tok:+&continue=$tok}" >"$T/page.json" || break
  jq -r '.items[].metadata.name' "$T/page.json" >>"$T/names"
  pages=$((pages + 1))
  tok=$(jq -r '.metadata.continue // empty' "$T/page.json")
  [ -z "$tok" ] && break
  [ $pages -gt 100 ] && break
done
total=$(wc -l <"$T/names"); uniq=$(sort -u "$T/names" | wc -l)
check_eq "pagination-total" 5000 "$total"
check_eq "pagination-unique" 5000 "$uniq"
check_eq "pagination-pages" 8 "$pages"
full=$(curl -sf "$PODS" | jq '.items | length')
check_eq "list-unpaged" 5000 "$full"

# --- label and field selectors ---
n=$(curl -sf "$PODS?labelSelector=app.kubernetes.io/component%3Drunner" | jq '.items | length')
check_eq "label-selector" 3000 "$n"
n=$(curl -sf "$PODS?labelSelector=app.kubernetes.io/component%20in%20(engine,web)" | jq '.items | length')
check_eq "label-selector-in" 2000 "$n"
name=$(head -1 "$T/names")
n=$(curl -sf "$PODS?fieldSelector=metadata.name%3D$name" | jq -r '.items[0].metadata.name')
check_eq "field-selector-name" "$name" "$n"
n=$(curl -sf "$PODS?fieldSelector=status.phase%21%3DRunning" | jq '.items | length')
check_eq "field-selector-phase" 0 "$n"
code=$(curl -s -o /dev/null -w '%{http_code}' "$PODS?labelSelector=app%20in%20(x")
check_eq "bad-selector-400" 400 "$code"

# --- resourceVersion: watch from an expired version gets 410 Expired ---
rv=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)
curl -sf -X POST -d '{"n":2100}' "$U/sim/v1/churn" >/dev/null   # pushes > 2000 events through the history window
curl -s "$PODS?watch=true&resourceVersion=$rv" -m 30 >"$T/gone.json"
check_eq "watch-410-code" 410 "$(jq -r .code "$T/gone.json" 2>/dev/null)"
check_eq "watch-410-reason" Expired "$(jq -r .reason "$T/gone.json" 2>/dev/null)"
rv2=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)
check "resourceversion-advances" test "$rv2" -gt "$rv"
n=$(curl -sf "$PODS" | jq '.items | length')
check_eq "churn-keeps-replicas" 5000 "$n"

# --- a watch from a recent version replays, then streams and sends bookmarks ---
rv=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)
curl -sN "$PODS?watch=true&resourceVersion=$rv&allowWatchBookmarks=true" -m 3 >"$T/watch.out" 2>/dev/null &
wpid=$!
sleep 0.5
curl -sf -X POST -d '{"n":3}' "$U/sim/v1/churn" >/dev/null
wait $wpid
check "watch-sees-deleted" grep -q '"type":"DELETED"' "$T/watch.out"
check "watch-sees-added" grep -q '"type":"ADDED"' "$T/watch.out"
check "watch-bookmark" grep -q '"type":"BOOKMARK"' "$T/watch.out"
rv=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)
curl -s "$PODS?watch=true&resourceVersion=$rv&timeoutSeconds=1" -m 20 -o /dev/null -w '%{http_code}' >"$T/to.code"; rc=$?
check_eq "watch-timeoutSeconds-ends-stream" "0 200" "$rc $(cat "$T/to.code")"

# --- faults: expire, injected errors, dropped watches, latency ---
rv=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)
sim_fault '{"expire":true}'
code=$(curl -s -o /dev/null -w '%{http_code}' "$PODS?watch=true&resourceVersion=$rv" -m 2)
check_eq "fault-expire-410" 410 "$code"
sim_fault '{"error_rate":1.0,"status":503}'
code=$(curl -s -o /dev/null -w '%{http_code}' "$PODS?limit=1")
check_eq "fault-error-rate-all" 503 "$code"
sim_fault '{"error_rate":0.5,"status":500}'
e=0; for i in $(seq 40); do c=$(curl -s -o /dev/null -w '%{http_code}' "$PODS?limit=1"); [ "$c" = 500 ] && e=$((e+1)); done
check "fault-error-rate-half" test $e -gt 5 -a $e -lt 35
sim_fault '{"clear":true}'
code=$(curl -s -o /dev/null -w '%{http_code}' "$PODS?limit=1")
check_eq "fault-clear" 200 "$code"
curl -sN "$PODS?watch=true&resourceVersion=$(curl -sf "$PODS?limit=1" | jq -r .metadata.resourceVersion)" -m 20 >/dev/null 2>&1 &
wpid=$!
wait_until 5 sh -c "curl -sf $U/sim/v1/stats | jq -e '.open_watches >= 1'"
open=$(curl -sf "$U/sim/v1/stats" | jq .open_watches)
check "stats-open-watches" test "$open" -ge 1
start=$SECONDS
sim_fault '{"drop_watches":true}'
wait $wpid
check "fault-drop-watches" test $((SECONDS - start)) -lt 10
check_eq "stats-watches-dropped" 0 "$(curl -sf "$U/sim/v1/stats" | jq .open_watches)"
sim_fault '{"latency_ms":400}'
ms=$(curl -s -o /dev/null -w '%{time_total}' "$PODS?limit=1")
sim_fault '{"clear":true}'
check "fault-latency" awk -v t="$ms" 'BEGIN { exit !(t >= 0.35) }'

# --- stats ---
curl -sf "$U/sim/v1/stats" >"$T/stats.json"
check_eq "stats-pods" 5000 "$(jq .objects.pods "$T/stats.json")"
check_eq "stats-deployments" 3 "$(jq .objects.deployments "$T/stats.json")"
check "stats-requests" jq -e '.requests > 20' "$T/stats.json"
check "stats-resourceversion" jq -e '(.resourceVersion | tonumber) > 5000' "$T/stats.json"

# --- optimistic concurrency: a stale update gets 409 Conflict ---
CM=$U/api/v1/namespaces/testops/configmaps
code=$(curl -s -o "$T/cm.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cc"},"data":{"a":"1"}}' "$CM")
check_eq "create-201" 201 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cc"}}' "$CM")
check_eq "create-exists-409" 409 "$code"
old=$(jq -c '.data.a = "2"' "$T/cm.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d "$old" "$CM/cc")
check_eq "update-200" 200 "$code"
code=$(curl -s -o "$T/conflict.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d "$old" "$CM/cc")
check_eq "update-stale-409" 409 "$code"
check_eq "update-stale-reason" Conflict "$(jq -r .reason "$T/conflict.json")"
code=$(curl -s -o "$T/nf.json" -w '%{http_code}' "$CM/nope")
check_eq "get-missing-404" "404 NotFound" "$code $(jq -r .reason "$T/nf.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"kind":"ConfigMap","metadata":{}}' "$CM")
check_eq "create-noname-422" 422 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"kind":' "$CM")
check_eq "create-badjson-400" 400 "$code"

# --- /metrics: parses as Prometheus text and holds the expected series ---
curl -sf "$U/metrics" >"$T/metrics.txt"
if command -v promtool >/dev/null; then
  check "metrics-promtool" promtool check metrics <"$T/metrics.txt"
else
  skip "promtool not installed"
fi
for m in container_cpu_usage_seconds_total container_memory_working_set_bytes \
  container_network_receive_bytes_total container_network_transmit_bytes_total \
  container_fs_reads_bytes_total container_fs_writes_bytes_total kubelet_volume_stats_used_bytes \
  kubelet_volume_stats_capacity_bytes kube_pod_container_status_restarts_total \
  'kube_pod_status_ready{.*condition="true"' kube_deployment_status_replicas_available \
  'kube_pod_container_resource_requests{.*resource="cpu"' 'kube_pod_container_resource_limits{.*resource="memory"' \
  'testops_http_requests_total{.*code="500"' testops_runner_jobs_total \
  'testops_runner_job_duration_seconds_bucket{.*le="[+]Inf"' testops_runner_job_duration_seconds_sum; do
  check "metrics-has-${m%%\{*}" grep -qE "^$m" "$T/metrics.txt"
done
a=$(grep -m1 '^container_cpu_usage_seconds_total' "$T/metrics.txt" | awk '{print $NF}')
sleep 0.3
b=$(curl -sf "$U/metrics" | grep -m1 '^container_cpu_usage_seconds_total' | awk '{print $NF}')
check "metrics-counter-grows" awk -v a="$a" -v b="$b" 'BEGIN { exit !(b > a) }'

# --- strategic merge patch directives, merge patch, JSON patch, /status and /scale ---
D=$U/apis/apps/v1/namespaces/testops/deployments
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' "$D" -d '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"smp"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"one","image":"x:1","ports":[{"containerPort":80},{"containerPort":81}],"volumeMounts":[{"name":"v","mountPath":"/a"},{"name":"v","mountPath":"/b"}],"env":[{"name":"K","value":"1"}]},{"name":"two","image":"y:1"}]}}}}'
got=$(curl -s -X PATCH -H 'Content-Type: application/strategic-merge-patch+json' "$D/smp" -d '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"three"},{"name":"one"}],"containers":[{"name":"one","image":"x:2","ports":[{"containerPort":81,"name":"alt"}],"volumeMounts":[{"mountPath":"/a","$patch":"delete"}],"env":[{"name":"L","value":"2"}]},{"name":"two","$patch":"delete"},{"name":"three","image":"z:1"}]}}}}' |
  jq -c '[.spec.template.spec.containers[] | [.name, .image, ([.ports[]?.containerPort] | join("+")), ([.volumeMounts[]?.mountPath] | join("+")), ([.env[]?.name] | join("+"))]]')
check_eq "smp-directives" '[["three","z:1","","",""],["one","x:2","80+81","/b","K+L"]]' "$got"
got=$(curl -s -X PATCH -H 'Content-Type: application/merge-patch+json' "$D/smp" -d '{"metadata":{"labels":{"x":"y"}},"spec":{"template":{"spec":{"containers":[{"name":"solo","image":"s:1"}]}}}}' | jq -c '[.metadata.labels.x, [.spec.template.spec.containers[].name]]')
check_eq "merge-patch-replaces-lists" '["y",["solo"]]' "$got"
got=$(curl -s -X PATCH -H 'Content-Type: application/json-patch+json' "$D/smp" -d '[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"tail","image":"t:1"}},{"op":"test","path":"/metadata/labels/x","value":"y"},{"op":"move","from":"/metadata/labels/x","path":"/metadata/labels/z"}]' | jq -c '[.metadata.labels.z, [.spec.template.spec.containers[].name]]')
check_eq "json-patch-ops" '["y",["solo","tail"]]' "$got"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/json-patch+json' "$D/smp" -d '[{"op":"test","path":"/metadata/name","value":"other"}]')
check_eq "json-patch-test-fails" 500 "$code"
code=$(curl -s -o "$T/scale.json" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$D/smp/scale" -d '{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"smp","namespace":"testops"},"spec":{"replicas":2}}')
check_eq "scale-put" "200 2 a=b" "$code $(jq -r '.spec.replicas' "$T/scale.json") $(jq -r .status.selector "$T/scale.json")"
check_eq "status-get" 2 "$(curl -sf "$D/smp/status" | jq .spec.replicas)"
gen=$(curl -sf "$D/smp" | jq .metadata.generation)
check "generation-bumped" test "$gen" -ge 4
if wait_until 10 sh -c "curl -sf $D/smp | jq -e '.status.observedGeneration == $gen and .status.replicas == 2'"; then pass "observed-generation"; else fail "observed-generation" "$(curl -sf "$D/smp" | jq -c .status)"; fi

# --- discovery: legacy by default, aggregated only when asked for ---
check_eq "version" "1.32 v1.32.4" "$(curl -sf "$U/version" | jq -r '.major + "." + .minor + " " + .gitVersion')"
check_eq "discovery-legacy" APIGroupList "$(curl -sf "$U/apis" | jq -r .kind)"
check "discovery-shortnames" sh -c "curl -sf $U/apis/apps/v1 | jq -e '.resources[] | select(.name==\"deployments\") | .shortNames == [\"deploy\"]'"
AGG='application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
ct=$(curl -s -o "$T/agg.json" -w '%{content_type}' -H "Accept: $AGG,application/json" "$U/apis")
check_eq "discovery-aggregated-ctype" "$AGG" "$ct"
check "discovery-aggregated-body" jq -e '.kind == "APIGroupDiscoveryList" and ([.items[].metadata.name] | index("apps"))' "$T/agg.json"
check_eq "openapi-v3-root" true "$(curl -sf "$U/openapi/v3" | jq '.paths | has("apis/apps/v1")')"
tbl=$(curl -sf -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$PODS?limit=2" | jq -r '[.columnDefinitions[].name] | join(",")')
check_eq "table-pod-columns" "Name,Ready,Status,Restarts,Age,IP,Node,Nominated Node,Readiness Gates" "$tbl"

# --- robustness: garbage on the socket, bad scenarios, SIGTERM ---
printf 'GARBAGE \x01\x02 HTTP/9.9\r\n\r\n' | curl -s --max-time 2 telnet://127.0.0.1:$KUBESIM_PORT >/dev/null 2>&1
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/version")
check_eq "survives-garbage" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/json-patch+json' -d '{"op":1}' "$CM/cc")
check_eq "patch-wrong-shape-400" 400 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: text/plain' -d 'x' "$CM/cc")
check_eq "patch-unknown-type-415" 415 "$code"
code=$(curl -s -o "$T/inv.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$D" -d '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"replicas":"lots","selector":5,"template":"x"}}')
check_eq "invalid-deployment-422" "422 Invalid" "$code $(jq -r .reason "$T/inv.json")"
check "invalid-deployment-message" grep -q 'Deployment.apps \\"bad\\" is invalid: spec.replicas' "$T/inv.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$D" -d '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}')
check_eq "selector-mismatch-422" 422 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/version")
check_eq "survives-invalid-objects" 200 "$code"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n' >"$T/bad.yaml"
"$TOPS_ROOT/bin/kubesim" --listen 127.0.0.1:0 --scenario "$T/bad.yaml" >/dev/null 2>"$T/bad.err"; rc=$?
check_eq "bad-scenario-exit" 1 "$rc"
check "bad-scenario-position" grep -qE "bad.yaml:[0-9]+:[0-9]+" "$T/bad.err"
"$TOPS_ROOT/bin/kubesim" --listen 0.0.0.0:0 >/dev/null 2>"$T/any.err"; rc=$?
check "loopback-only" test "$rc" -ne 0
"$TOPS_ROOT/bin/kubesim" --listen 127.0.0.1:0 >"$T/term.out" 2>&1 &
tpid=$!
wait_until 10 grep -q '^kubesim: listening on http://127.0.0.1:[0-9]*$' "$T/term.out"
kill -TERM $tpid; wait $tpid; rc=$?
check_eq "sigterm-exit-0" 0 "$rc"

# --- determinism: the same seed gives the same names ---
first=$(head -3 "$T/names" | tr '\n' ' ')
kubesim_stop
kubesim_start --pods 5000 --speed 50 --seed 7 || { fail "kubesim-restart"; exit 0; }
again=$(curl -sf "$KUBESIM_URL/api/v1/namespaces/testops/pods?limit=3" | jq -r '.items[].metadata.name' | tr '\n' ' ')
check_eq "seed-deterministic" "$first" "$again"
