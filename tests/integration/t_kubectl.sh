#!/bin/bash
# The real kubectl (1.32) against kubesim: reads, watches, applies (server- and client-side),
# scale, patch, rollouts, cascading delete, PVCs, logs and the failure modes of pods.
. "$(dirname "$0")/../lib.sh"

have_kubectl || { skip "kubectl is not installed"; exit 0; }
[ -x "$TOPS_ROOT/bin/kubesim" ] || { fail "kubesim-binary" "bin/kubesim is missing (run make)"; exit 0; }
T=$TEST_TMP
cat >"$T/config.yaml" <<'EOY'
apiVersion: kubesim.io/v1
kind: SimConfig
storageClasses: [standard, fast-ssd]
allowedRegistries: [registry.testops.local, docker.io, quay.io]
mirrorDigests: ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]
readyDelaySeconds: 4
EOY
kubesim_start --scenario "$TOPS_ROOT/tests/kubesim/scenarios/demo.yaml" --scenario "$T/config.yaml" \
  --pods 6 --speed 40 --seed 3 || { fail "kubesim-start"; exit 0; }

# --- reads ---
kctl get pods >"$T/pods.txt" 2>"$T/err.txt"
check "get-pods-header" grep -qE '^NAME +READY +STATUS +RESTARTS +AGE$' "$T/pods.txt"
check "get-pods-fleet" grep -qE '^testops-runner-fleet-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 ' "$T/pods.txt"
check_eq "get-pods-no-stderr" "" "$(grep -v '^Warning' "$T/err.txt")"
kctl get pods -o wide >"$T/wide.txt"
check "get-pods-wide-columns" grep -qE '^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES' "$T/wide.txt"
check "get-pods-wide-node" grep -qE ' 10\.[0-9.]+ +sim-node-[0-9] ' "$T/wide.txt"
n=$(kctl get pods -l app.kubernetes.io/component=runner --no-headers | wc -l)
check_eq "get-label-selector" 6 "$n"      # 3 from --pods 6 (60 %) + 3 from the demo release
n=$(kctl get pods -l 'app.kubernetes.io/component in (engine,web)' --no-headers | wc -l)
check_eq "get-label-selector-set" 5 "$n"  # 2+1 from --pods, 2 engine pods from the StatefulSet
n=$(kctl get po,deploy,rs,sts,svc,cm,ns,ev,ing,pvc -A --no-headers 2>/dev/null | wc -l)
check "get-shortnames" test "$n" -gt 30
kctl api-resources >"$T/api.txt" 2>&1
check "api-resources-shortnames" grep -qE '^deployments +deploy +apps/v1 +true +Deployment' "$T/api.txt"
kctl get pod does-not-exist >/dev/null 2>"$T/nf.txt"
check "get-notfound-message" grep -q 'Error from server (NotFound): pods "does-not-exist" not found' "$T/nf.txt"

# --- watch: sees a change, then is killed ---
kctl get pods -w >"$T/watch.txt" 2>&1 &
wpid=$!
wait_until 10 grep -q 'testops-runner' "$T/watch.txt"
kctl run watched --image=docker.io/library/busybox:1.36 >/dev/null 2>&1
if wait_until 15 grep -qE '^watched +1/1 +Running' "$T/watch.txt"; then pass "get-watch-sees-change"; else fail "get-watch-sees-change" "$(tail -3 "$T/watch.txt")"; fi
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
check "get-watch-stayed-open" grep -q '^watched ' "$T/watch.txt"

# --- server-side apply of a new Deployment ---
cat >"$T/web.yaml" <<'EOY'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: docker.io/library/nginx:1.25
        ports: [{containerPort: 80}]
        env: [{name: MODE, value: blue}]
EOY
check "apply-server-side" kctl apply --server-side -f "$T/web.yaml"
check "rollout-status-new" timeout 30 kubectl --cache-dir "$T/kcache" rollout status deploy/web --timeout=25s
check_eq "apply-server-side-ready" "2/2" "$(kctl get deploy web --no-headers | awk '{print $2}')"
check_eq "apply-server-side-manager" "kubectl:Apply" "$(kctl get deploy web --show-managed-fields -o jsonpath='{.metadata.managedFields[0].manager}:{.metadata.managedFields[0].operation}')"
kctl delete deploy web >/dev/null
wait_until 10 sh -c "! kubectl --cache-dir $T/kcache get rs -l app=web --no-headers 2>/dev/null | grep -q ."

# --- client-side apply, then a changed manifest: strategic merge keeps a patched-in sidecar ---
check "apply-client-side" kctl apply -f "$T/web.yaml"
timeout 30 kubectl --cache-dir "$T/kcache" rollout status deploy/web --timeout=25s >/dev/null
rs1=$(kctl get rs -l app=web -o jsonpath='{.items[0].metadata.name}')
kctl patch deploy web --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"docker.io/library/busybox:1.36"}]}}}}' >/dev/null
sed -e 's/nginx:1.25/nginx:1.26/' -e 's/value: blue/value: green/' "$T/web.yaml" >"$T/web2.yaml"
check "apply-changed" kctl apply -f "$T/web2.yaml"
got=$(kctl get deploy web -o jsonpath='{range .spec.template.spec.containers[*]}{.name}={.image};{end}')
check_eq "apply-strategic-merge" "web=docker.io/library/nginx:1.26;sidecar=docker.io/library/busybox:1.36;" "$got"
check_eq "apply-env-merged" "green" "$(kctl get deploy web -o jsonpath='{.spec.template.spec.containers[0].env[0].value}')"
check "rollout-status" timeout 30 kubectl --cache-dir "$T/kcache" rollout status deploy/web --timeout=25s
kctl rollout history deploy/web >"$T/hist.txt"
check "rollout-history" grep -qE '^3 ' "$T/hist.txt"
n=$(kctl get rs -l app=web --no-headers | wc -l)
check_eq "rollout-replicasets" 3 "$n"

# --- rollout undo: the previous ReplicaSet is reused ---
rs_before=$(kctl get deploy web -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
check "rollout-undo" kctl rollout undo deploy/web
timeout 30 kubectl --cache-dir "$T/kcache" rollout status deploy/web --timeout=25s >/dev/null
n=$(kctl get rs -l app=web --no-headers | wc -l)
check_eq "rollout-undo-reuses-rs" 3 "$n"
active=$(kctl get rs -l app=web --no-headers | awk '$2 > 0 {print $1}')
img=$(kctl get rs "$active" -o jsonpath='{.spec.template.spec.containers[*].image}')
check_eq "rollout-undo-template" "docker.io/library/nginx:1.25 docker.io/library/busybox:1.36" "$img"
rev=$(kctl get deploy web -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
check_eq "rollout-undo-revision" "$((rs_before + 1))" "$rev"

# --- scale and patch ---
check "scale" kctl scale deploy/web --replicas=4
if wait_until 15 sh -c "kubectl --cache-dir $T/kcache get deploy web --no-headers | grep -q ' 4/4 '"; then pass "scale-ready"; else fail "scale-ready"; fi
check "patch-merge" kctl patch deploy web --type=merge -p '{"metadata":{"labels":{"tier":"front"}},"spec":{"replicas":3}}'
check_eq "patch-merge-label" front "$(kctl get deploy web -o jsonpath='{.metadata.labels.tier}')"
check "patch-json" kctl patch deploy web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":1},{"op":"remove","path":"/metadata/labels/tier"}]'
check_eq "patch-json-result" "1:" "$(kctl get deploy web -o jsonpath='{.spec.replicas}:{.metadata.labels.tier}')"
if wait_until 15 sh -c "[ \$(kubectl --cache-dir $T/kcache get pods -l app=web --no-headers | wc -l) = 1 ]"; then pass "patch-scales-down"; else fail "patch-scales-down"; fi
kctl patch deploy web --type=json -p '[{"op":"replace","path":"/spec/nope/x","value":1}]' >/dev/null 2>"$T/perr.txt"
check "patch-json-bad-path" grep -q 'Error from server.*does not apply' "$T/perr.txt"

# --- delete with cascade ---
check "delete-cascade" kctl delete deploy web
if wait_until 15 sh -c "[ -z \"\$(kubectl --cache-dir $T/kcache get rs,pods -l app=web --no-headers 2>/dev/null)\" ]"; then
  pass "delete-cascade-dependents-gone"; else fail "delete-cascade-dependents-gone"; fi

# --- PVCs and StatefulSets from the demo scenario ---
kctl get pvc >"$T/pvc.txt"
check "get-pvc-bound" grep -qE '^testops-snapshot +Bound +pvc-[0-9a-f-]+ +10Gi +RWO +standard' "$T/pvc.txt"
check "get-pvc-sts-claim" grep -qE '^data-testops-engine-1 +Bound .* fast-ssd' "$T/pvc.txt"
check "get-pvc-pending" grep -qE '^testops-archive +Pending' "$T/pvc.txt"
check "pvc-pending-event" sh -c "kubectl --cache-dir $T/kcache get events --field-selector involvedObject.name=testops-archive | grep -q ProvisioningFailed"
check "get-pv-bound" grep -qE "^pvc-[0-9a-f-]+ +10Gi +RWO +Delete +Bound +testops/testops-snapshot +standard" <(kctl get pv)
check "get-sts" sh -c "kubectl --cache-dir $T/kcache get sts testops-engine --no-headers | grep -q '2/2'"

# --- logs ---
pod=$(kctl get pods -l app.kubernetes.io/instance=testops-runner-fleet -o jsonpath='{.items[0].metadata.name}')
n=$(kctl logs --tail=5 "$pod" | wc -l)
check_eq "logs-tail" 5 "$n"
a=$(kctl logs --tail=3 "$pod" 2>&1 | head -1)
check "logs-format" sh -c "echo '$a' | grep -qE '^20[0-9-]+T[0-9:.]+Z (INFO|DEBUG|WARN) '"
check "logs-container-flag" sh -c "kubectl --cache-dir $T/kcache logs --tail=1 -c runner $pod | grep -q runner"
timeout 3 kubectl --cache-dir "$T/kcache" logs -f --tail=1 "$pod" >"$T/follow.txt" 2>&1
check "logs-follow-streams" test "$(wc -l <"$T/follow.txt")" -gt 3
kctl logs --previous "$pod" >/dev/null 2>"$T/prev.txt"
check "logs-previous-400" grep -q 'previous terminated container' "$T/prev.txt"

# --- failure modes: crash loop and image pull ---
if wait_until 20 sh -c "kubectl --cache-dir $T/kcache get pods -l app.kubernetes.io/component=notifier --no-headers | grep -q CrashLoopBackOff"; then
  pass "crashloop-status"; else fail "crashloop-status" "$(kctl get pods -l app.kubernetes.io/component=notifier --no-headers)"; fi
crash=$(kctl get pods -l app.kubernetes.io/component=notifier -o jsonpath='{.items[0].metadata.name}')
check "crashloop-restarts" test "$(kctl get pod "$crash" -o jsonpath='{.status.containerStatuses[0].restartCount}')" -ge 1
check_eq "crashloop-exitcode" 1 "$(kctl get pod "$crash" -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}')"
if wait_until 20 sh -c "[ \$(kubectl --cache-dir $T/kcache get events --field-selector involvedObject.name=$crash,reason=BackOff -o jsonpath='{.items[0].count}') -ge 2 ]"; then
  pass "crashloop-backoff-events-counted"; else fail "crashloop-backoff-events-counted"; fi
check "crashloop-logs-previous" sh -c "kubectl --cache-dir $T/kcache logs --previous $crash | grep -q 'exiting with code 1'"
kctl run blocked --image=ghcr.io/elsewhere/app:1.0 >/dev/null 2>&1
kctl run nodigest --image='registry.testops.local/testops/runner@sha256:2222222222222222222222222222222222222222222222222222222222222222' >/dev/null 2>&1
kctl run mirrored --image='registry.testops.local/testops/runner@sha256:1111111111111111111111111111111111111111111111111111111111111111' >/dev/null 2>&1
for p in blocked nodigest; do
  if wait_until 15 sh -c "kubectl --cache-dir $T/kcache get pod $p --no-headers | grep -qE 'ImagePullBackOff|ErrImagePull'"; then
    pass "image-pull-fails-$p"; else fail "image-pull-fails-$p" "$(kctl get pod $p --no-headers)"; fi
done
if wait_until 15 sh -c "kubectl --cache-dir $T/kcache get pod mirrored --no-headers | grep -q Running"; then
  pass "image-from-mirror-runs"; else fail "image-from-mirror-runs"; fi
check "image-pull-event" sh -c "kubectl --cache-dir $T/kcache get events --field-selector involvedObject.name=blocked | grep -q 'Failed to pull image'"

# --- kubectl create (protobuf bodies) and namespace deletion ---
check "create-namespace" kctl create namespace scratch
check "create-configmap" kctl -n scratch create configmap settings --from-literal=mode=fast
check_eq "create-configmap-data" fast "$(kctl -n scratch get cm settings -o jsonpath='{.data.mode}')"
check "create-secret" kctl -n scratch create secret generic creds --from-literal=pw=hunter2
check_eq "create-secret-base64" aHVudGVyMg== "$(kctl -n scratch get secret creds -o jsonpath='{.data.pw}')"
check "delete-namespace" kctl delete namespace scratch
check_eq "delete-namespace-purges" "" "$(kctl get cm -A --no-headers 2>/dev/null | grep '^scratch ')"

# --- describe shows the pod's events ---
kctl describe pod watched >"$T/describe.txt" 2>&1
check "describe-events" grep -qE 'Normal +Scheduled .*default-scheduler +Successfully assigned testops/watched' "$T/describe.txt"
check "describe-started" grep -qE 'Normal +Started .*kubelet +Started container watched' "$T/describe.txt"

# --- a rollout that never becomes ready exceeds its progress deadline ---
cat >"$T/stuck.yaml" <<'EOY'
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  replicas: 2
  progressDeadlineSeconds: 60
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      containers:
      - name: c
        image: docker.io/library/busybox:1.36
        env: [{name: KUBESIM_NEVER_READY, value: "1"}]
EOY
kctl apply -f "$T/stuck.yaml" >/dev/null
timeout 30 kubectl --cache-dir "$T/kcache" rollout status deploy/stuck --timeout=25s >"$T/stuck.txt" 2>&1
check "rollout-progress-deadline" grep -q 'exceeded its progress deadline' "$T/stuck.txt"
check_eq "never-ready-pods" "0/1 0/1 " "$(kctl get pods -l app=stuck --no-headers | awk '{printf "%s ", $2}')"
