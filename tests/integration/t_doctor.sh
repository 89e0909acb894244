#!/bin/bash
# tops doctor against kubesim (tests/kubesim/scenarios/doctor.yaml: one failure a namespace),
# checked with kubectl: each rule's verdict (object, cause, fix), exit codes 0/1/2, -o json;
# a release installed without the offline values; release notes read from the release's chart;
# pending release records with a gone and a live lease; unreadable lists (403), an unreachable
# server, broken release notes (file:line:col).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

OFFLINE=deploy/offline-values.yaml
CHART=charts/testops
RUNNER_DIGEST=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
export XDG_STATE_HOME="$TEST_TMP/state"

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built"; exit 0; fi
if ! kubesim_start --speed 20 --scenario tests/kubesim/scenarios/doctor.yaml; then fail "kubesim starts"; exit 0; fi

# doc NS [ARGS...]: tops doctor in NS; stdout in $TEST_TMP/o, stderr in $TEST_TMP/e, status in $rc.
doc() { local ns=$1; shift; tops -n "$ns" doctor "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }
out() { cat "$TEST_TMP/o"; }
# jq-like: python expression on the JSON report j
jfield() { python3 -c "import json,sys; j=json.load(open('$TEST_TMP/o')); print($1)"; }
has() { grep -qF -- "$1" "$TEST_TMP/o"; }
check_has() { if has "$2"; then pass "$1"; else fail "$1" "no [$2] in: $(head -c 600 "$TEST_TMP/o" | tr '\n' ' ')"; fi; }

# the kubelet, scheduler and controllers have had time to say what they say
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get events -n doc-ready 2>/dev/null | grep -q Unhealthy"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pod oom -n doc-crash -o jsonpath='{.status.containerStatuses[0].restartCount}' | grep -q '^[1-9]'"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pod exits -n doc-crash -o jsonpath='{.status.containerStatuses[0].restartCount}' | grep -q '^[1-9]'"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pod stale-digest -n doc-digest -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}' | grep -q Image"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pdb testops-runner -n doc-pdb -o jsonpath='{.status.expectedPods}' | grep -q 2"

# ---- kubectl sees the state the doctor reads ----
check_eq "kubectl: FailedScheduling event from the scheduler" "FailedScheduling default-scheduler" \
  "$(kctl get events -n doc-sched -o jsonpath='{range .items[?(@.reason=="FailedScheduling")]}{.reason} {.source.component}{"\n"}{end}' | head -1)"
check "kubectl describe pod: the scheduler's message" bash -c "kubectl --cache-dir $TEST_TMP/kcache describe pod too-big -n doc-sched | grep -q '0/3 nodes are available: 3 Insufficient cpu'"
check_eq "kubectl: PodScheduled False Unschedulable" "False Unschedulable" \
  "$(kctl get pod too-big -n doc-sched -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status} {.status.conditions[?(@.type=="PodScheduled")].reason}')"
check_eq "kubectl: lastState OOMKilled with exit code 137" "OOMKilled 137" \
  "$(kctl get pod oom -n doc-crash -o jsonpath='{.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode}')"
check_eq "kubectl: the exit code the container asked for" "3" \
  "$(kctl get pod exits -n doc-crash -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}')"
check "kubectl logs --previous: out of memory" bash -c "kubectl --cache-dir $TEST_TMP/kcache logs oom -n doc-crash --previous | tail -1 | grep -q 'out of memory'"
check_eq "kubectl: Unhealthy event names the container" "Warning spec.containers{runner}" \
  "$(kctl get events -n doc-ready -o jsonpath='{range .items[?(@.reason=="Unhealthy")]}{.type} {.involvedObject.fieldPath}{"\n"}{end}' | head -1)"
check_eq "kubectl: PDB status (expected, healthy, desired, allowed)" "2 2 2 0 False" \
  "$(kctl get pdb testops-runner -n doc-pdb -o jsonpath='{.status.expectedPods} {.status.currentHealthy} {.status.desiredHealthy} {.status.disruptionsAllowed} {.status.conditions[?(@.type=="DisruptionAllowed")].status}')"
check_eq "kubectl get pdb: kubectl's columns" "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE|testops-runner 2 N/A 0" \
  "$(kctl get pdb -n doc-pdb | sed -E 's/ +/ /g; s/ [0-9]+[smh]$//' | tr '\n' '|' | sed 's/|$//')"
check_eq "kubectl: no IngressClass, no default StorageClass" "0 local-path:" \
  "$(kctl get ingressclasses -o name | wc -l) $(kctl get storageclass -o jsonpath='{range .items[*]}{.metadata.name}:{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}{end}')"
check "kubectl: the pull error says no such host" bash -c "kubectl --cache-dir $TEST_TMP/kcache get events -n doc-registry | grep -q 'no such host'"

# ---- a healthy namespace ----
doc doc-ok
check_eq "healthy namespace: exit 0" 0 "$rc"
check_has "healthy namespace: says so" "no problems found in namespace doc-ok"

# ---- image rules (with the offline values and the chart's release notes) ----
doc doc-registry -f "$OFFLINE"
check_eq "wrong registry: exit 1" 1 "$rc"
check_has "wrong registry: the object" "pod/upstream (namespace doc-registry) [image-registry]"
check_has "wrong registry: the cause" "comes from docker.io, not from the registry registry.local:5000 that global.imageRegistry configures"
check_has "wrong registry: the fix" "fix:   tops upgrade testops charts/testops -n doc-registry --reuse-values --set global.imageRegistry=registry.local:5000"
check_has "wrong registry: the pull error decoded" "the registry cannot be reached (no such host"

doc doc-digest --chart "$CHART"
check_eq "wrong digest: exit 1" 1 "$rc"
check_has "wrong digest: the release notes pin" "pin testops/runner to $RUNNER_DIGEST"
check_has "wrong digest: the fix sets the digest" "--set runner.image.digest=$RUNNER_DIGEST"
check_has "wrong digest: the pull error is not found" "the registry has no such image (tag or digest not found)"

doc doc-auth
check_has "unauthorized: decoded" "the registry refused the pull (unauthorized"
check_has "unauthorized: the fix makes a pull secret" "kubectl -n doc-auth create secret docker-registry private.registry.local-pull --docker-server=private.registry.local:5000"
check "unauthorized: no registry rule without configured values" bash -c "! grep -q image-registry $TEST_TMP/o"

# ---- claims ----
doc doc-pvc
check_has "missing class: the cause" "StorageClass \"fast-ssd\" does not exist (ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found); the local-path class exists"
check_has "missing class: the fix" "kubectl -n doc-pvc delete pvc testops-snapshots && tops upgrade testops charts/testops -n doc-pvc --reuse-values --set persistence.storageClass=local-path"
doc doc-pvc-default
check_has "no default class: the cause" "the claim names no StorageClass and the cluster has no default class (FailedBinding:"
check_has "no default class: local-path" "--set persistence.storageClass=local-path"

# ---- ingress ----
doc doc-ingress
check_has "no ingress class: the cause" "it names no ingressClassName and the cluster has no default IngressClass"
check_has "no ingress class: the port-forward fix" "fix:   tops port-forward svc/testops-runner 8080:8080 -n doc-ingress"
kctl apply -f - >/dev/null <<'EOY'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
EOY
sleep 1.2
check_eq "kubectl get ingressclass: kubectl's columns" "NAME CONTROLLER PARAMETERS AGE|nginx k8s.io/ingress-nginx <none>" \
  "$(kctl get ingressclass | sed -E 's/ +/ /g; s/ [0-9]+[smh]$//' | tr '\n' '|' | sed 's/|$//')"
doc doc-ingress --ingress-wait 1
check_has "class but no controller: no address" "the controller of IngressClass \"nginx\" does not serve it"
doc doc-ingress --ingress-wait 3600
check_eq "class, still within the wait: no problem" "0 no problems found in namespace doc-ingress" "$rc $(out)"

# ---- pods ----
doc doc-crash
check_has "OOMKilled: the cause" "container engine was OOMKilled (exit code 137): it used more memory than its limit"
check_has "OOMKilled: the limit doubled" "--set engine.resources.limits.memory=1024Mi"
check_has "OOMKilled: the last log line" "| fatal error: runtime: out of memory"
check_has "exit code: the cause" "container runner exits with code 3 (Error)"
check_has "exit code: the fix" "fix:   kubectl -n doc-crash logs exits -c runner --previous"
check_has "exit code: its last log line" "| panic: KUBESIM_CRASH=1: runner exiting with code 3"
doc doc-sched
check_has "unschedulable: the resource" "0/3 nodes are available: 3 Insufficient cpu."
check_has "unschedulable: the request halved" "--set engine.resources.requests.cpu=8"
doc doc-sched-selector
check_has "unschedulable: the selector" "node(s) didn't match Pod's node affinity/selector"
check_has "unschedulable: the selector fix" "--set runner.nodeSelector=null"
doc doc-ready
check_has "readiness: the probe's message" "container runner runs but is not Ready: Readiness probe failed: HTTP probe failed with statuscode: 503"
doc doc-pdb
check_eq "pdb: a warning is a problem too (exit 1)" 1 "$rc"
check_has "pdb: the cause" "warning poddisruptionbudget/testops-runner (namespace doc-pdb) [pdb]"
check_has "pdb: the fix" "--set podDisruptionBudget.runner.minAvailable=1"

# ---- -o json ----
# both pods of doc-crash back off in their own time: ask until both are found
two_crashes() { doc doc-crash -o json; [ "$(jfield 'j["problems"]')" = 2 ]; }
wait_until 30 two_crashes
check_eq "json: exit 1" 1 "$rc"
check_eq "json: problems and rules" "2 crashloop,crashloop" "$(jfield 'j["problems"], ",".join(f["rule"] for f in j["findings"])')"
check_eq "json: object fields" "pod doc-crash exits,oom" \
  "$(jfield 'j["findings"][0]["object"]["kind"], j["findings"][0]["object"]["namespace"], ",".join(sorted(f["object"]["name"] for f in j["findings"]))')"
check_eq "json: severity, fix and detail" "error True True" \
  "$(jfield 'j["findings"][0]["severity"], all(f["fix"] for f in j["findings"]), all("detail" in f for f in j["findings"])')"
doc doc-ingress -o json --ingress-wait 1
check_eq "json: forward names the port-forward" "svc/testops-runner 8080:8080" "$(jfield 'j["findings"][0]["forward"]')"
doc doc-ok -o json
check_eq "json: nothing found" "0 0 []" "$rc $(jfield 'j["problems"], j["findings"]')"

# ---- usage ----
doc doc-ok -o yaml
check_eq "usage: -o yaml is exit 2" 2 "$rc"
check "usage: says what -o takes" grep -q 'text or json' "$TEST_TMP/e"
doc doc-ok --bogus
check_eq "usage: an unknown flag is exit 2" 2 "$rc"
doc doc-ok a b
check_eq "usage: two names are exit 2" 2 "$rc"
tops doctor --help >"$TEST_TMP/o"; rc=$?
check_eq "help: exit 0 and every rule listed" "0 10" "$rc $(grep -cE '^  (image-registry|image-digest|image-pull|pvc-pending|ingress|crashloop|unschedulable|readiness|pdb|release-pending) ' "$TEST_TMP/o")"

# ---- a release: its values and its chart's release notes ----
tops install testops "$CHART" -n doc-rel --create-namespace -f "$OFFLINE" --set runner.image.digest=sha256:2222222222222222222222222222222222222222222222222222222222222222 >"$TEST_TMP/i" 2>&1
check_eq "release: installs (no wait)" 0 "$?"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pods -n doc-rel -o jsonpath='{.items[*].status.containerStatuses[*].state.waiting.reason}' | grep -q Image"
doc doc-rel testops
check_eq "release: exit 1" 1 "$rc"
check_has "release: digest checked against the notes in the release's chart, at its version" "pin testops/runner to $RUNNER_DIGEST for 0.5.0"
check_has "release: the notes named as the release's" "VERSIONING_AND_RELEASE_NOTES.md (in the chart of release testops)"
check "release: registry agrees with its values" bash -c "! grep -q '\[image-registry\]' $TEST_TMP/o"
check "release: its new Ingress is given time for an address" bash -c "! grep -q '\[ingress\]' $TEST_TMP/o"
# the Ingress's age is counted in whole seconds from its creationTimestamp: ask until it is past 1 s
ingress_named() { doc doc-rel testops --ingress-wait 1; has "ingress/testops-runner (namespace doc-rel) [ingress]"; }
wait_until 10 ingress_named
check_has "release: then the default class's controller is named" "ingress/testops-runner (namespace doc-rel) [ingress]"
doc doc-rel testops -f "$TEST_TMP/none.yaml"
check_eq "release: a values file that is missing is an error (exit 1)" 1 "$rc"
check "release: the error names the file" grep -q 'none.yaml' "$TEST_TMP/e"
doc doc-rel other
check "release: objects of another release are not its" bash -c "! grep -q 'pod/' $TEST_TMP/o"
check "release: an unknown release is said" grep -q 'release other: no record' "$TEST_TMP/e"

# ---- pending release records and their lease ----
record() { # NAME REV STATUS: helm's record Secret, data.release = base64(gzip(JSON))
  python3 - "$@" <<'EOP'
import base64, gzip, json, sys
name, rev, status = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = {"name": name, "namespace": "doc-rec", "version": rev,
     "info": {"first_deployed": "2026-01-01T00:00:00Z", "last_deployed": "2026-01-01T00:00:00Z",
              "deleted": "", "description": "Upgrade in progress", "status": status},
     "chart": {"metadata": {"name": "testops", "version": "0.5.0", "appVersion": "2.5.3"}},
     "config": {}, "manifest": ""}
data = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(r).encode()))).decode()
print(json.dumps({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
  "metadata": {"name": f"sh.helm.release.v1.{name}.v{rev}", "namespace": "doc-rec",
               "labels": {"name": name, "owner": "helm", "status": status, "version": str(rev)}},
  "data": {"release": data}}))
EOP
}
lease() { # NAME HOLDER RENEWED-SECONDS-AGO
  python3 - "$@" <<'EOP'
import datetime, json, sys
name, holder, ago = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
print(json.dumps({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
  "metadata": {"name": f"tops-release-{name}", "namespace": "doc-rec", "annotations": {"tops/operation": "upgrade"}},
  "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30, "acquireTime": t, "renewTime": t}}))
EOP
}
kctl create namespace doc-rec >/dev/null
record stuck 2 pending-upgrade | kctl apply -f - >/dev/null
lease stuck alice@bastion:42 600 | kctl apply -f - >/dev/null
record busy 3 pending-upgrade | kctl apply -f - >/dev/null
lease busy bob@bastion:7 1 | kctl apply -f - >/dev/null
record nolease 1 pending-install | kctl apply -f - >/dev/null
doc doc-rec stuck
check_eq "pending record, holder gone: exit 1" 1 "$rc"
check_has "pending record, holder gone: who" "revision 2 is pending-upgrade; its holder is gone: upgrade by alice@bastion:42 (Lease tops-release-stuck, renewed 6"
check_has "pending record, holder gone: the fix" "fix:   tops upgrade stuck charts/testops -n doc-rec --reuse-values --take-over"
doc doc-rec busy
check_has "pending record, live holder: a warning" "warning secret/sh.helm.release.v1.busy.v3"
check_has "pending record, live holder: who and wait" "held: upgrade by bob@bastion:7"
check_has "pending record, live holder: the fix waits" "tops status busy -n doc-rec (wait for the operation to end)"
doc doc-rec nolease
check_has "pending record, no lease" "revision 1 is pending-install; no operation holds it (no Lease tops-release-nolease)"
doc doc-rec
check_eq "namespace: every pending record" "3" "$(grep -c '\[release-pending\]' "$TEST_TMP/o")"

# ---- what cannot be read, and what cannot be reached ----
sim_fault '{"forbid":"/apis/coordination.k8s.io/"}'
doc doc-rec stuck
check_has "leases forbidden: still a verdict" "who holds it is not known"
check "leases forbidden: said on stderr" grep -q 'cannot read /apis/coordination.k8s.io/v1/namespaces/doc-rec/leases (HTTP 403)' "$TEST_TMP/e"
sim_fault '{"clear":true}'
mkdir -p "$TEST_TMP/badchart" && printf '| Image | Digest |\n|---|---|\n| testops/runner | sha256:nothex |\n' >"$TEST_TMP/badchart/VERSIONING_AND_RELEASE_NOTES.md"
doc doc-digest --chart "$TEST_TMP/badchart"
check_eq "broken release notes: exit 1" 1 "$rc"
check "broken release notes: file:line:col" grep -q 'VERSIONING_AND_RELEASE_NOTES.md:3:20: bad digest' "$TEST_TMP/e"
tops --server http://127.0.0.1:1 -n doc-ok doctor >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "unreachable server: exit 1, nothing claimed on stdout" "1 0" "$rc $(wc -c <"$TEST_TMP/o")"
check "unreachable server: said" grep -q '^tops: doctor: ' "$TEST_TMP/e"
