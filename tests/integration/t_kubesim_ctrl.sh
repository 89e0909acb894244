#!/bin/bash
# kubesim's controllers against the real kubectl: Leases and optimistic concurrency, Jobs and
# bare Pods that run to an end, Deployment rolling updates (surge and unavailability bounds,
# minReadySeconds, progress deadline), StatefulSet rolling updates (revisions, reverse order,
# partition, OnDelete), DaemonSets (a pod per node, rolling update) and Namespace deletion. Needs kubectl, curl and jq.
. "$(dirname "$0")/../lib.sh"

have_kubectl || { skip "kubectl is not installed"; exit 0; }
for tool in curl jq; do
  command -v $tool >/dev/null || { skip "$tool is not installed"; exit 0; }
done
[ -x "$TOPS_ROOT/bin/kubesim" ] || { fail "kubesim-binary" "bin/kubesim is missing (run make)"; exit 0; }

T=$TEST_TMP
# Images from other registries fail to pull (ImagePullBackOff) under this scenario.
cat >"$T/scenario.yaml" <<'EOF'
apiVersion: kubesim.io/v1
kind: SimConfig
allowedRegistries: [registry.local:5000]
---
apiVersion: v1
kind: Namespace
metadata: {name: ctrl}
EOF
kubesim_start --speed 20 --seed 3 --scenario "$T/scenario.yaml" || { fail "kubesim-start"; exit 0; }
U=$KUBESIM_URL
K() { kctl -n ctrl "$@"; }
IMG=registry.local:5000/app

# --- Leases: table columns, create conflicts, optimistic concurrency, delete ---
cat >"$T/lease.yaml" <<'EOF'
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: rel-lock}
spec: {holderIdentity: alice, leaseDurationSeconds: 30}
EOF
check "lease-apply" K apply -f "$T/lease.yaml"
K get lease >"$T/lease.txt" 2>&1
check "lease-get-columns" grep -qE '^NAME +HOLDER +AGE' "$T/lease.txt"
check "lease-get-holder" grep -qE '^rel-lock +alice ' "$T/lease.txt"
check_eq "lease-get-yaml" alice "$(K get lease rel-lock -o yaml | sed -n 's/^  holderIdentity: //p')"
LEASES=$U/apis/coordination.k8s.io/v1/namespaces/ctrl/leases
check "lease-discovery-legacy" sh -c "curl -sf $U/apis/coordination.k8s.io/v1 | jq -e '.resources[] | select(.name == \"leases\" and .namespaced)'"
check "lease-discovery-aggregated" sh -c "curl -sf -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' $U/apis | jq -e '.items[] | select(.metadata.name == \"coordination.k8s.io\") | .versions[0].resources[] | select(.resource == \"leases\")'"
code=$(curl -s -o "$T/exists.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"rel-lock"},"spec":{"holderIdentity":"bob"}}' "$LEASES")
check_eq "lease-create-again-409" "409 AlreadyExists" "$code $(jq -r .reason "$T/exists.json")"
curl -sf "$LEASES/rel-lock" >"$T/l0.json"
jq -c '.spec.holderIdentity = "bob"' "$T/l0.json" >"$T/l1.json"
code=$(curl -s -o "$T/l1.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d @"$T/l1.json" "$LEASES/rel-lock")
check_eq "lease-update-200" 200 "$code"
check "lease-update-new-rv" test "$(jq -r .metadata.resourceVersion "$T/l1.out")" != "$(jq -r .metadata.resourceVersion "$T/l0.json")"
jq -c '.spec.holderIdentity = "carol"' "$T/l0.json" >"$T/l2.json"   # carries the old resourceVersion
code=$(curl -s -o "$T/l2.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d @"$T/l2.json" "$LEASES/rel-lock")
check_eq "lease-update-stale-409" "409 Conflict" "$code $(jq -r .reason "$T/l2.out")"
check "lease-update-stale-message" grep -q 'the object has been modified; please apply your changes to the latest version and try again' "$T/l2.out"
check_eq "lease-stale-not-written" bob "$(K get lease rel-lock -o jsonpath='{.spec.holderIdentity}')"
check "lease-delete" K delete lease rel-lock
check_eq "lease-gone-404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$LEASES/rel-lock")"

# --- Jobs and bare Pods that run to an end ---
job() { # NAME COMPLETIONS BACKOFF RESTARTPOLICY ENV_FAIL(0/1) [EXTRA SPEC LINE]
  cat <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
  completions: $2
  backoffLimit: $3
  ${6:-}
  template:
    spec:
      restartPolicy: $4
      containers: [{name: main, image: $IMG, env: [{name: KUBESIM_FAIL, value: "$5"}]}]
EOF
}
job ok 2 6 Never 0 "parallelism: 2" >"$T/ok.yaml"
check "job-create" K apply -f "$T/ok.yaml"
check "job-wait-complete" K wait --for=condition=complete job/ok --timeout=30s
K get jobs ok >"$T/jobs.txt" 2>&1
check "job-get-columns" grep -qE '^NAME +STATUS +COMPLETIONS +DURATION +AGE' "$T/jobs.txt"
check "job-get-complete-2/2" grep -qE '^ok +Complete +2/2 ' "$T/jobs.txt"
K get job ok -o json >"$T/ok.json"
check_eq "job-status-succeeded" 2 "$(jq .status.succeeded "$T/ok.json")"
check "job-completion-time" jq -e '.status.completionTime and .status.startTime' "$T/ok.json"
check_eq "job-conditions" "SuccessCriteriaMet=True Complete=True" \
  "$(jq -r '[.status.conditions[] | "\(.type)=\(.status)"] | join(" ")' "$T/ok.json")"
check_eq "job-defaults" "6 NonIndexed false" "$(jq -r '"\(.spec.backoffLimit) \(.spec.completionMode) \(.spec.suspend)"' "$T/ok.json")"
check_eq "job-pods-succeeded" "Succeeded Succeeded" \
  "$(K get pods -l job-name=ok -o jsonpath='{range .items[*]}{.status.phase} {end}' | sed 's/ $//')"
check_eq "job-pod-exit-0" "0 Completed" \
  "$(K get pods -l job-name=ok -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode} {.items[0].status.containerStatuses[0].state.terminated.reason}')"

job bad 1 1 Never 1 >"$T/bad.yaml"
K apply -f "$T/bad.yaml" >/dev/null
check "job-wait-failed" K wait --for=condition=failed job/bad --timeout=30s
K get job bad -o json >"$T/bad.json"
check_eq "job-failed-reason" BackoffLimitExceeded "$(jq -r '.status.conditions[] | select(.type == "Failed") | .reason' "$T/bad.json")"
check_eq "job-failed-target" True "$(jq -r '.status.conditions[] | select(.type == "FailureTarget") | .status' "$T/bad.json")"
check_eq "job-failed-count" 2 "$(jq .status.failed "$T/bad.json")"   # backoffLimit 1: the second failure ends it
check_eq "job-failed-pods" "1 1" "$(K get pods -l job-name=bad -o jsonpath='{range .items[*]}{.status.containerStatuses[0].state.terminated.exitCode} {end}' | sed 's/ $//')"
check "job-get-failed" sh -c "kubectl --cache-dir $T/kcache -n ctrl get job bad | grep -qE '^bad +Failed +0/1 '"

job retry 1 2 OnFailure 1 >"$T/retry.yaml"
K apply -f "$T/retry.yaml" >/dev/null
check "job-onfailure-wait-failed" K wait --for=condition=failed job/retry --timeout=30s
check_eq "job-onfailure-reason" BackoffLimitExceeded "$(K get job retry -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')"
# The container restarted inside its one pod: the Job made no second pod.
check_eq "job-onfailure-one-pod" 1 "$(K get events --field-selector involvedObject.kind=Job,involvedObject.name=retry,reason=SuccessfulCreate -o name | wc -l)"

job late 1 6 Never 0 "activeDeadlineSeconds: 1" >"$T/late.yaml"
sed -i 's/value: "0"/value: "0"}, {name: KUBESIM_NEVER_READY, value: "1"/' "$T/late.yaml"
K apply -f "$T/late.yaml" >/dev/null
check "job-deadline-wait-failed" K wait --for=condition=failed job/late --timeout=30s
check_eq "job-deadline-reason" DeadlineExceeded "$(K get job late -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}')"

sed 's/restartPolicy: Never/restartPolicy: Always/' "$T/ok.yaml" | sed 's/name: ok/name: always/' >"$T/always.yaml"
K apply -f "$T/always.yaml" >"$T/always.out" 2>&1
check "job-restart-always-invalid" grep -q 'spec.template.spec.restartPolicy: Unsupported value: "Always"' "$T/always.out"

for p in fine:0 broken:1; do
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hook-${p%%:*}}
spec:
  restartPolicy: Never
  containers: [{name: main, image: $IMG, env: [{name: KUBESIM_FAIL, value: "${p##*:}"}]}]
---
EOF
done >"$T/pods.yaml"
K apply -f "$T/pods.yaml" >/dev/null
check "pod-never-succeeds" K wait --for=jsonpath='{.status.phase}'=Succeeded pod/hook-fine --timeout=30s
check "pod-never-fails" K wait --for=jsonpath='{.status.phase}'=Failed pod/hook-broken --timeout=30s
check_eq "pod-failed-exit-1" "1 Error" "$(K get pod hook-broken -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason}')"

# --- Deployments: a rolling update within maxSurge/maxUnavailable ---
deploy() { # NAME REPLICAS IMAGE [EXTRA SPEC LINE]
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1}
spec:
  replicas: $2
  ${4:-}
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers: [{name: main, image: $3}]
EOF
}
deploy roll 8 $IMG:1 >"$T/roll.yaml"
K apply -f "$T/roll.yaml" >/dev/null
check "deploy-first-rollout" K rollout status deploy/roll --timeout=30s
K get rs -l app=roll -w --output-watch-events -o json >"$T/rs.watch" 2>/dev/null &
wpid=$!
wait_until 10 test -s "$T/rs.watch"
check "deploy-set-image" K set image deploy/roll main=$IMG:2
check "deploy-rollout-status" K rollout status deploy/roll --timeout=30s
# The watch has seen the old set emptied (its last event) before it is stopped.
wait_until 10 sh -c "jq -s -e '[.[] | select(.object.spec.replicas == 0 and (.object.status.replicas // 0) == 0)] | length >= 1' '$T/rs.watch'"
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
# Replays the watch: after each event, the sum of DESIRED over the sets (at most 8 + 25 % = 10),
# the sum of available pods (at least 8 - 25 % = 6) and how many sets have replicas.
jq -s -r 'foreach .[] as $e ({}; .[$e.object.metadata.name] = {s: ($e.object.spec.replicas // 0), a: ($e.object.status.availableReplicas // 0)};
  "\([.[] | .s] | add) \([.[] | .a] | add) \([.[] | select(.s > 0)] | length)")' "$T/rs.watch" >"$T/rs.samples"
check "deploy-watch-sampled" test "$(wc -l <"$T/rs.samples")" -ge 6
check_eq "deploy-surge-bound" 10 "$(awk '{ if ($1 > m) m = $1 } END { print m }' "$T/rs.samples")"
check "deploy-unavailable-bound" awk 'NR > 1 && $2 < 6 { bad = 1 } END { exit bad }' "$T/rs.samples"
check "deploy-old-and-new-sets" grep -q ' 2$' "$T/rs.samples"
K get deploy roll -o json >"$T/roll.json"
check_eq "deploy-status" "8 8 8 2" "$(jq -r '.status | "\(.updatedReplicas) \(.readyReplicas) \(.availableReplicas) \(.observedGeneration)"' "$T/roll.json")"
check_eq "deploy-no-unavailable" null "$(jq .status.unavailableReplicas "$T/roll.json")"
check_eq "deploy-progressing-done" "True NewReplicaSetAvailable" "$(jq -r '.status.conditions[] | select(.type == "Progressing") | "\(.status) \(.reason)"' "$T/roll.json")"
check_eq "deploy-available" "True MinimumReplicasAvailable" "$(jq -r '.status.conditions[] | select(.type == "Available") | "\(.status) \(.reason)"' "$T/roll.json")"
check_eq "deploy-two-sets" "0 8" "$(K get rs -l app=roll -o json | jq -r '[.items[].spec.replicas] | sort | map(tostring) | join(" ")')"

# --- minReadySeconds: pods are ready before they count as available ---
deploy slow 2 $IMG "minReadySeconds: 40" >"$T/slow.yaml"
K apply -f "$T/slow.yaml" >/dev/null
check "deploy-minready-ready-not-available" wait_until 20 sh -c \
  "kubectl --cache-dir $T/kcache -n ctrl get deploy slow -o json | jq -e '(.status.readyReplicas // 0) > (.status.availableReplicas // 0)'"
check "deploy-minready-available" K rollout status deploy/slow --timeout=30s

# --- progress deadline: pods that never pull ---
deploy stuck 2 docker.io/library/nginx:1.27 "progressDeadlineSeconds: 30" >"$T/stuck.yaml"
K apply -f "$T/stuck.yaml" >/dev/null
timeout 40 kubectl --cache-dir "$T/kcache" -n ctrl rollout status deploy/stuck --timeout=35s >"$T/stuck.txt" 2>&1
rc=$?
check "deploy-deadline-rollout-status" grep -q 'error: deployment "stuck" exceeded its progress deadline' "$T/stuck.txt"
check "deploy-deadline-exit" test $rc -ne 0
check_eq "deploy-deadline-condition" "False ProgressDeadlineExceeded" \
  "$(K get deploy stuck -o jsonpath='{.status.conditions[?(@.type=="Progressing")].status} {.status.conditions[?(@.type=="Progressing")].reason}')"
check "deploy-deadline-pods-pull-backoff" sh -c "kubectl --cache-dir $T/kcache -n ctrl get pods -l app=stuck -o jsonpath='{.items[*].status.containerStatuses[0].state.waiting.reason}' | grep -qE 'ImagePullBackOff|ErrImagePull'"
check "deploy-deadline-recovers" K set image deploy/stuck main=$IMG
check "deploy-deadline-recovered-rollout" K rollout status deploy/stuck --timeout=30s

# --- StatefulSets: revisions, reverse ordinal order, partition, OnDelete ---
cat >"$T/sts.yaml" <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: main, image: $IMG:1}]
EOF
K apply -f "$T/sts.yaml" >/dev/null
check "sts-rollout" K rollout status sts/db --timeout=30s
rev1=$(K get sts db -o jsonpath='{.status.currentRevision}')
check "sts-revision-name" sh -c "echo '$rev1' | grep -qE '^db-[a-z0-9]{10}$'"
check_eq "sts-controllerrevision" "$rev1 1" "$(K get controllerrevisions -o jsonpath='{.items[0].metadata.name} {.items[0].revision}')"
K get pods -l app=db -w --output-watch-events -o json >"$T/sts.watch" 2>/dev/null &
wpid=$!
wait_until 10 test -s "$T/sts.watch"
K set image sts/db main=$IMG:2 >/dev/null
check "sts-update-rollout" K rollout status sts/db --timeout=30s
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
check_eq "sts-reverse-order" "db-2 db-1 db-0" "$(jq -r 'select(.type == "DELETED") | .object.metadata.name' "$T/sts.watch" | tr '\n' ' ' | sed 's/ $//')"
K get sts db -o json >"$T/sts.json"
rev2=$(jq -r .status.updateRevision "$T/sts.json")
check "sts-new-revision" test "$rev2" != "$rev1"
check_eq "sts-current-is-update" "$rev2 3 3" "$(jq -r '.status | "\(.currentRevision) \(.currentReplicas) \(.updatedReplicas)"' "$T/sts.json")"
check_eq "sts-pods-at-update" "$rev2 $rev2 $rev2" "$(K get pods -l app=db -o jsonpath='{range .items[*]}{.metadata.labels.controller-revision-hash} {end}' | sed 's/ $//')"
check_eq "sts-history" 2 "$(K get controllerrevisions -l app=db -o name | wc -l)"

K patch sts db -p "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":2}},\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"$IMG:3\"}]}}}}" >/dev/null
check "sts-partition-rollout" K rollout status sts/db --timeout=30s
K get sts db -o json >"$T/sts.json"
rev3=$(jq -r .status.updateRevision "$T/sts.json")
check_eq "sts-partition-status" "$rev2 2 1" "$(jq -r '.status | "\(.currentRevision) \(.currentReplicas) \(.updatedReplicas)"' "$T/sts.json")"
check_eq "sts-partition-pods" "$IMG:2 $IMG:2 $IMG:3" "$(K get pods -l app=db -o jsonpath='{range .items[*]}{.spec.containers[0].image} {end}' | sed 's/ $//')"
K delete pod db-0 >/dev/null
check "sts-below-partition-recreated-current" wait_until 20 sh -c \
  "kubectl --cache-dir $T/kcache -n ctrl get pod db-0 -o jsonpath='{.metadata.labels.controller-revision-hash} {.status.phase}' | grep -qx '$rev2 Running'"

K patch sts db -p "{\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\",\"rollingUpdate\":null},\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"$IMG:4\"}]}}}}" >/dev/null
wait_until 10 sh -c "kubectl --cache-dir $T/kcache -n ctrl get sts db -o json | jq -e '.status.observedGeneration == .metadata.generation'"
check_eq "sts-ondelete-not-replaced" "$IMG:2 $IMG:2 $IMG:3" "$(K get pods -l app=db -o jsonpath='{range .items[*]}{.spec.containers[0].image} {end}' | sed 's/ $//')"
K delete pod db-1 >/dev/null
check "sts-ondelete-replaced-when-deleted" wait_until 20 sh -c \
  "kubectl --cache-dir $T/kcache -n ctrl get pod db-1 -o jsonpath='{.spec.containers[0].image}' | grep -qx '$IMG:4'"

# --- DaemonSets: a pod per node, pinned by node affinity; rolling update within maxUnavailable ---
cat >"$T/ds.yaml" <<EOF
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: $IMG:1}]
EOF
check "ds-apply" K apply -f "$T/ds.yaml"
check "ds-rollout-status" K rollout status ds/agent --timeout=30s
K get ds agent >"$T/ds.txt"
check "ds-get-columns" grep -qE '^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE' "$T/ds.txt"
check "ds-get-counts" grep -qE '^agent +3 +3 +3 +3 +3 +<none> ' "$T/ds.txt"
check_eq "ds-one-pod-per-node" "sim-node-1 sim-node-2 sim-node-3" \
  "$(K get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "ds-pod-node-affinity" "metadata.name" \
  "$(K get pods -l app=agent -o jsonpath='{.items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key}')"
check_eq "ds-defaults" "RollingUpdate 1 0" \
  "$(K get ds agent -o jsonpath='{.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.maxUnavailable} {.spec.updateStrategy.rollingUpdate.maxSurge}')"
check "tops-get-ds-matches-kubectl" sh -c "kubectl --cache-dir $T/kcache -n ctrl get ds -o wide | sed 's/  *[0-9][0-9]*[smh]  */ AGE /' >$T/ds.k; tops --server $U -n ctrl get ds -o wide | sed 's/  *[0-9][0-9]*[smh]  */ AGE /' >$T/ds.t; diff $T/ds.k $T/ds.t"
K set image ds/agent a=$IMG:2 >/dev/null
# maxUnavailable 1: never more than one node without an available pod during the update.
worst=0
for _ in $(seq 1 300); do
  n=$(K get ds agent -o jsonpath='{.status.numberAvailable}'); n=${n:-0}
  [ $((3 - n)) -gt $worst ] && worst=$((3 - n))
  [ "$(K get ds agent -o jsonpath='{.status.updatedNumberScheduled}/{.status.numberAvailable}')" = "3/3" ] && break
  sleep 0.05
done
check_eq "ds-rolled" "3/3" "$(K get ds agent -o jsonpath='{.status.updatedNumberScheduled}/{.status.numberAvailable}')"
check "ds-max-unavailable-kept" test "$worst" -le 1
check_eq "ds-controller-revisions" 2 "$(K get controllerrevisions -o json | jq '[.items[] | select(.metadata.ownerReferences[0].kind == "DaemonSet")] | length')"
K patch ds agent -p '{"spec":{"template":{"spec":{"nodeSelector":{"pool":"gpu"}}}}}' >/dev/null
check "ds-node-selector-no-nodes" wait_until 20 sh -c "test -z \"\$(kubectl --cache-dir $T/kcache -n ctrl get pods -l app=agent -o name)\""
check_eq "ds-node-selector-desired-0" "0 pool=gpu" "$(K get ds agent -o jsonpath='{.status.desiredNumberScheduled} {.spec.template.spec.nodeSelector.pool}' | sed 's/ / pool=/')"

# --- Namespace deletion: Terminating with the kubernetes finalizer, then gone with its contents ---
kctl create namespace doomed >/dev/null
kctl -n doomed apply -f "$T/lease.yaml" >/dev/null
code=$(curl -s -o "$T/ns.json" -w '%{http_code}' -X DELETE "$U/api/v1/namespaces/doomed")
check_eq "ns-delete-answer" "200 Terminating kubernetes" "$code $(jq -r '"\(.status.phase) \(.spec.finalizers | join(","))"' "$T/ns.json")"
check "ns-delete-timestamp" jq -e .metadata.deletionTimestamp "$T/ns.json"
check "ns-gone" wait_until 20 sh -c "test \$(curl -s -o /dev/null -w '%{http_code}' $U/api/v1/namespaces/doomed) = 404"
check_eq "ns-contents-gone" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/apis/coordination.k8s.io/v1/namespaces/doomed/leases/rel-lock")"
check "ns-kubectl-delete-waits" sh -c "kubectl --cache-dir $T/kcache create namespace doomed2 >/dev/null && kubectl --cache-dir $T/kcache delete namespace doomed2 --timeout=20s && ! kubectl --cache-dir $T/kcache get namespace doomed2 2>/dev/null"
