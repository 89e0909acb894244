#!/bin/bash
# The release engine against kubesim, checked with kubectl: install -> upgrade -> history ->
# rollback -> uninstall (a DaemonSet too); records as helm's (a second decoder reads them); --atomic with an
# unpullable digest fails early and rolls back; a crash loop fails early with its log lines;
# two upgrades at once (exactly one proceeds); SIGHUP mid-wait (the upgrade completes); SIGKILL
# mid-wait (the next operation takes over once the lease expires); read-only; audit.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

CHART=charts/testops
OFFLINE=deploy/offline-values.yaml
RUNNER_DIGEST=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
BAD_DIGEST=sha256:0000000000000000000000000000000000000000000000000000000000000bad
export XDG_STATE_HOME="$TEST_TMP/state"

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built"; exit 0; fi
offline_site_scenario "$TEST_TMP/sim.yaml"
cat >>"$TEST_TMP/sim.yaml" <<EOS
---
apiVersion: kubesim.io/v1
kind: SimConfig
mirrorDigests: ["$RUNNER_DIGEST", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]
EOS
if ! kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml"; then fail "kubesim starts"; exit 0; fi

# trel ARGS...: tops with ARGS; stdout in $TEST_TMP/o, stderr in $TEST_TMP/e, status in $rc.
trel() { tops "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }
why() { tail -c 400 "$TEST_TMP/e" | tr '\n' ' '; }
secret_json() { kctl get secret "sh.helm.release.v1.testops.v$1" -n testops -o json; }
record_field() { # revision, python expression on the decoded record r
  secret_json "$1" | python3 -c "
import base64, gzip, json, sys
s = json.load(sys.stdin)
r = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(s['data']['release']))))
print($2)"
}
# the newest revision (records beyond --history-max are deleted, so counting them says less)
count() { kctl get secrets -n testops -l owner=helm,name=testops -o jsonpath='{range .items[*]}{.metadata.labels.version}{"\n"}{end}' | sort -n | tail -1; }
runner_image() { kctl get deploy testops-runner -n testops -o jsonpath='{.spec.template.spec.containers[0].image}'; }

# ---- install ----
trel install testops "$CHART" -n testops -f "$OFFLINE" --wait --timeout 2m
check_eq "install: exit 0" 0 "$rc"
[ "$rc" = 0 ] || echo "# install: $(why)"
check_eq "install: helm's block" "NAME: testops|NAMESPACE: testops|STATUS: deployed|REVISION: 1|TEST SUITE: None" \
  "$(grep -E '^(NAME|NAMESPACE|STATUS|REVISION|TEST SUITE):' "$TEST_TMP/o" | tr '\n' '|' | sed 's/|$//')"
check "install: NOTES printed" grep -q '^NOTES:' "$TEST_TMP/o"
check_eq "install: the record Secret has helm's type and labels" "helm.sh/release.v1 helm deployed 1 testops" \
  "$(secret_json 1 | python3 -c 'import json,sys; s=json.load(sys.stdin); l=s["metadata"]["labels"]; print(s["type"], l["owner"], l["status"], l["version"], l["name"])')"
check_eq "install: a second decoder reads helm's fields" "testops testops 1 deployed Install complete testops" \
  "$(record_field 1 'r["name"], r["namespace"], r["version"], r["info"]["status"], r["info"]["description"], r["chart"]["metadata"]["name"]')"
check_eq "install: the manifest is stored as helm stores it" "True" \
  "$(record_field 1 'r["manifest"].startswith("---\n# Source: testops/templates/")')"
check_eq "install: objects carry helm's ownership metadata" "Helm testops testops" \
  "$(kctl get deploy testops-runner -n testops -o jsonpath='{.metadata.labels.app\.kubernetes\.io/managed-by} {.metadata.annotations.meta\.helm\.sh/release-name} {.metadata.annotations.meta\.helm\.sh/release-namespace}')"
check_eq "install: objects applied server-side by tops" "tops" \
  "$(kctl get deploy testops-runner -n testops -o json --show-managed-fields | python3 -c 'import json,sys; print(" ".join(sorted({m["manager"] for m in json.load(sys.stdin)["metadata"].get("managedFields",[]) if m.get("operation")=="Apply"})))')"
check_eq "install: the lease is released at the end" "NotFound" \
  "$(kctl get lease tops-release-testops -n testops 2>&1 | grep -o NotFound | head -1)"
trel install testops "$CHART" -n testops -f "$OFFLINE"
check_eq "install again: refused (name in use), exit 1" "1 1" "$rc $(grep -c 'cannot re-use a name that is still in use' "$TEST_TMP/e")"

# ---- upgrade ----
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=3 --wait
check_eq "upgrade: exit 0, revision 2" "0 REVISION: 2" "$rc $(grep '^REVISION:' "$TEST_TMP/o")"
check_eq "upgrade: the new replica count is live" 3 "$(kctl get deploy testops-runner -n testops -o jsonpath='{.spec.replicas}')"
check_eq "upgrade: revision 1 superseded" superseded "$(record_field 1 'r["info"]["status"]')"
check_eq "upgrade: the user values are the record's config" "3" "$(record_field 2 'int(r["config"]["runner"]["replicas"])')"
check "upgrade: progress lines per workload on stderr" grep -qE '^deployment/testops-runner [0-9]+/3 updated' "$TEST_TMP/e"

trel history testops -n testops
check_eq "history: helm's columns" "REVISION UPDATED STATUS CHART APP VERSION DESCRIPTION" \
  "$(head -1 "$TEST_TMP/o" | tr -s ' \t' ' ' | sed 's/ $//')"
check_eq "history: two revisions, superseded then deployed" "1 superseded|2 deployed" \
  "$(tail -n +2 "$TEST_TMP/o" | awk -F'\t' '{gsub(/ /,"",$1); gsub(/ /,"",$3); printf "%s%s %s", (NR>1 ? "|" : ""), $1, $3}')"
trel list -n testops
check "list: the release is deployed at revision 2" grep -qE '^testops *	testops *	2 *	.*	deployed' "$TEST_TMP/o"

# ---- rollback ----
trel rollback testops 1 -n testops --wait
check_eq "rollback: exit 0" 0 "$rc"
check_eq "rollback: revision 3 is 'Rollback to 1'" "deployed Rollback to 1" "$(record_field 3 'r["info"]["status"], r["info"]["description"]')"
check_eq "rollback: replicas back to 2" 2 "$(kctl get deploy testops-runner -n testops -o jsonpath='{.spec.replicas}')"
trel rollback testops 99 -n testops
check_eq "rollback to a revision that does not exist: exit 1, named" "1 1" "$rc $(grep -c 'release has no 99 version' "$TEST_TMP/e")"

# ---- atomic upgrade with an unpullable digest: fails early, rolls back ----
start=$SECONDS
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.image.digest=$BAD_DIGEST --atomic --grace 2s --timeout 5m
took=$((SECONDS - start))
check_eq "atomic: exit 1" 1 "$rc"
check "atomic: the cause names the pod, container and ImagePullBackOff or ErrImagePull" \
  grep -qE 'pod/testops-runner-[a-z0-9-]+ container runner: (ErrImagePull|ImagePullBackOff)' "$TEST_TMP/e"
check "atomic: says it rolled back" grep -q 'has been rolled back due to atomic being set' "$TEST_TMP/e"
check "atomic: failed well before the timeout" test "$took" -lt 120
check_eq "atomic: revision 4 failed, revision 5 'Rollback to 3'" "failed|deployed Rollback to 3" \
  "$(record_field 4 'r["info"]["status"]')|$(record_field 5 'r["info"]["status"], r["info"]["description"]')"
check_eq "atomic: the image is back on the pinned digest" "registry.local:5000/testops/runner@$RUNNER_DIGEST" "$(runner_image)"

# ---- a crash loop fails early with the container's last log lines ----
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set-json 'runner.extraEnv=[{"name":"KUBESIM_CRASH","value":"1"}]' \
  --atomic --restarts-per-replica 1 --timeout 5m
check_eq "crash loop: exit 1" 1 "$rc"
check "crash loop: the cause is CrashLoopBackOff with the exit code" grep -qE 'CrashLoopBackOff, restarted [0-9]+ times .*last exit code 1' "$TEST_TMP/e"
check "crash loop: the last log lines are shown" grep -q 'last log lines of testops-runner' "$TEST_TMP/e"

# ---- two upgrades at once: exactly one proceeds ----
before=$(kctl get secrets -n testops -l owner=helm,name=testops -o name | wc -l)
# (each changes the pod template, so each waits for a rolling update: the first still holds the
# lease when the second asks)
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.logLevel=debug --wait >"$TEST_TMP/a.o" 2>"$TEST_TMP/a.e" & pa=$!
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.logLevel=warn --wait >"$TEST_TMP/b.o" 2>"$TEST_TMP/b.e" & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check_eq "two at once: one succeeds, one is refused" "0 1" "$(printf '%s\n' $ra $rb | sort | tr '\n' ' ' | sed 's/ $//')"
check "two at once: the refusal names the other operation" grep -qh 'another operation (install/upgrade/rollback) is in progress: upgrade by ' "$TEST_TMP/a.e" "$TEST_TMP/b.e"
after=$(kctl get secrets -n testops -l owner=helm,name=testops -o name | wc -l)
check_eq "two at once: exactly one new revision" $((before + 1)) "$after"
revs=$(kctl get secrets -n testops -l owner=helm,name=testops -o jsonpath='{range .items[*]}{.metadata.labels.version}{"\n"}{end}' | sort -n | tr '\n' ' ')
check_eq "two at once: revisions contiguous" "$(seq 1 "$after" | tr '\n' ' ')" "$revs"

# ---- SIGHUP mid-wait: the upgrade completes ----
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=2 --wait >"$TEST_TMP/h.o" 2>"$TEST_TMP/h.e" & ph=$!
wait_until 20 grep -q '^waiting for' "$TEST_TMP/h.e"
kill -HUP $ph 2>/dev/null
wait $ph; rh=$?
check_eq "SIGHUP mid-wait: the upgrade still completes" "0 STATUS: deployed" "$rh $(grep '^STATUS:' "$TEST_TMP/h.o")"

# ---- SIGINT mid-wait with --atomic: the rollback runs; a second SIGINT is refused with words ----
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.image.digest=$BAD_DIGEST --atomic --grace 5m >"$TEST_TMP/i.o" 2>"$TEST_TMP/i.e" & pi=$!
wait_until 20 grep -q '^waiting for' "$TEST_TMP/i.e"
# the second signal comes while the first is being acted on (a signal that arrives before the
# first is handled merges with it, so they are a moment apart)
kill -INT $pi; sleep 0.3; kill -INT $pi 2>/dev/null
wait $pi; ri=$?
check_eq "SIGINT with --atomic: exit 1, rolled back" "1 yes" "$ri $(grep -q 'has been rolled back due to atomic being set: interrupted' "$TEST_TMP/i.e" && echo yes)"
check "a second SIGINT while it stops (and rolls back) is refused with a message" grep -q 'already stopping (rolling back when --atomic)' "$TEST_TMP/i.e"
check "the rollback ran to its end regardless" grep -q '^rolling back to revision' "$TEST_TMP/i.e"
check_eq "after the interrupted upgrade the pinned digest runs again" "registry.local:5000/testops/runner@$RUNNER_DIGEST" "$(runner_image)"

# ---- the API drops every watch mid-wait: the wait reconnects and the upgrade completes ----
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=3 --wait >"$TEST_TMP/w.o" 2>"$TEST_TMP/w.e" & pw=$!
wait_until 20 grep -q '^waiting for' "$TEST_TMP/w.e"
sim_fault '{"drop_watches":true}'
wait $pw; rw=$?
sim_fault '{"clear":true}'
check_eq "dropped watches mid-wait: the upgrade completes" "0 STATUS: deployed" "$rw $(grep '^STATUS:' "$TEST_TMP/w.o")"

# ---- a lost terminal (EPIPE on stdout and stderr): the upgrade still runs to its end ----
( tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=3 --wait 2>&1 | head -c 1 >/dev/null ) 
wait_until 60 bash -c "kubectl --cache-dir '$TEST_TMP/kcache' get secrets -n testops -l owner=helm,name=testops,status=deployed -o jsonpath='{.items[0].metadata.labels.version}' | grep -q ."
latest=$(count)
check_eq "EPIPE on the terminal: the revision it started is deployed" deployed \
  "$(kctl get secret "sh.helm.release.v1.testops.v$latest" -n testops -o jsonpath='{.metadata.labels.status}')"
check_eq "EPIPE on the terminal: the audit entry is written" "upgrade deployed" \
  "$(tail -1 "$XDG_STATE_HOME/tops/audit.jsonl" | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e["action"], e["result"])')"

# ---- a pending revision helm left (no tops lease): refused; --take-over proceeds ----
latest=$(count)
kctl get secret "sh.helm.release.v1.testops.v$latest" -n testops -o json | python3 -c '
import base64, gzip, json, sys
s = json.load(sys.stdin)
r = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(s["data"]["release"]))))
r["version"] += 1; r["info"]["status"] = "pending-upgrade"; r["info"]["description"] = "Preparing upgrade"
enc = base64.b64encode(gzip.compress(json.dumps(r).encode(), 9))
name = "sh.helm.release.v1.testops.v%d" % r["version"]
out = {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
       "metadata": {"name": name, "namespace": "testops", "labels": {"name": "testops", "owner": "helm",
                    "status": "pending-upgrade", "version": str(r["version"])}},
       "data": {"release": base64.b64encode(enc).decode()}}
print(json.dumps(out))' >"$TEST_TMP/pending.json"
kctl create -f "$TEST_TMP/pending.json" >/dev/null
trel upgrade testops "$CHART" -n testops -f "$OFFLINE"
check_eq "helm's pending revision: refused as helm does" "1 yes" \
  "$rc $(grep -q "another operation (install/upgrade/rollback) is in progress: revision $((latest + 1)) is pending-upgrade and no tops holds its lease" "$TEST_TMP/e" && echo yes)"
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --take-over --wait
check_eq "--take-over: proceeds, says what it did, the pending revision is failed" "0 yes failed" \
  "$rc $(grep -q "revision $((latest + 1)) is pending-upgrade with no tops holder (helm's?): taken over" "$TEST_TMP/e" && echo yes) $(record_field $((latest + 1)) 'r["info"]["status"]')"

# ---- SIGKILL mid-wait: the next operation takes over once the lease expires ----
export TOPS_LEASE_DURATION=3
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.image.digest=$BAD_DIGEST --wait --grace 5m >"$TEST_TMP/k.o" 2>"$TEST_TMP/k.e" & pk=$!
wait_until 20 grep -q '^waiting for' "$TEST_TMP/k.e"
kill -KILL $pk; wait $pk 2>/dev/null
killed=$(kctl get secrets -n testops -l owner=helm,name=testops,status=pending-upgrade -o jsonpath='{.items[0].metadata.labels.version}')
check "SIGKILL: the killed revision is left pending-upgrade" test -n "$killed"
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --wait
check_eq "SIGKILL: a new operation is refused while the lease is fresh" "1 1" "$rc $(grep -c 'another operation' "$TEST_TMP/e")"
sleep 4
trel status testops -n testops
check "status: names the gone holder's operation and says the next one takes over" \
  grep -qE '^OPERATION: upgrade by .* \(no heartbeat: the holder is gone; the next operation takes over\)$' "$TEST_TMP/o"
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --wait
check_eq "SIGKILL: after the lease expired the next upgrade proceeds" 0 "$rc"
[ "$rc" = 0 ] || echo "# takeover: $(why)"
check "SIGKILL: it says what it took over" grep -q "revision $killed was pending-upgrade by .*, which is gone: marked failed" "$TEST_TMP/e"
check_eq "SIGKILL: the abandoned revision is failed, saying whose heartbeat stopped" "failed True" \
  "$(record_field "$killed" 'r["info"]["status"], r["info"]["description"].startswith("abandoned: no heartbeat from ")')"
unset TOPS_LEASE_DURATION

# ---- prune: what the new revision no longer has is deleted after it is ready ----
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set ingress.enabled=false --wait
check_eq "prune: an object the new revision dropped (the Ingress) is deleted" "0 NotFound" \
  "$rc $(kctl get ingress testops-runner -n testops 2>&1 | grep -o NotFound | head -1)"
check "prune: says so" grep -q 'deleted 1 object the new revision no longer has' "$TEST_TMP/e"
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --wait
check_eq "prune: it comes back with the next revision" "0 testops-runner" "$rc $(kctl get ingress testops-runner -n testops -o jsonpath='{.metadata.name}')"

# ---- Leases forbidden: the same lock in a ConfigMap ----
sim_fault '{"forbid":"/apis/coordination.k8s.io/"}'
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --wait
check_eq "Leases forbidden: the upgrade proceeds, saying it locked with a ConfigMap" "0 yes" \
  "$rc $(grep -q 'Leases are forbidden here: the release is locked with ConfigMap testops/tops-release-testops-lock instead' "$TEST_TMP/e" && echo yes)"
check_eq "Leases forbidden: the lock is released at the end" NotFound "$(kctl get cm tops-release-testops-lock -n testops 2>&1 | grep -o NotFound | head -1)"
now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
kctl create configmap tops-release-testops-lock -n testops >/dev/null
kctl annotate cm tops-release-testops-lock -n testops tops/holderIdentity=carol@other:7 tops/leaseDurationSeconds=30 \
  "tops/renewTime=$now" "tops/acquireTime=$now" tops/operation=upgrade >/dev/null
trel upgrade testops "$CHART" -n testops -f "$OFFLINE"
check_eq "Leases forbidden: a held ConfigMap lock refuses a second operation, naming its holder" "1 yes" \
  "$rc $(grep -q 'another operation (install/upgrade/rollback) is in progress: upgrade by carol@other:7 .*(ConfigMap testops/tops-release-testops-lock' "$TEST_TMP/e" && echo yes)"
kctl delete cm tops-release-testops-lock -n testops >/dev/null
sim_fault '{"clear":true}'

# ---- read-only: refused before contacting the cluster ----
trel --readonly --server http://127.0.0.1:1 upgrade testops "$CHART"
check_eq "read-only: exit 1 with the words" "1 tops: read-only mode: upgrade refused" "$rc $(cat "$TEST_TMP/e")"

# ---- audit ----
check "audit: one JSON line per action, mode 0600" test "$(stat -c %a "$XDG_STATE_HOME/tops/audit.jsonl")" = 600
# every action that took (or asked for) the lease, the killed one excepted: it never got to write
check_eq "audit: the actions in order" "install upgrade rollback rollback upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade upgrade" \
  "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["action"] for l in open(sys.argv[1])))' "$XDG_STATE_HOME/tops/audit.jsonl")"
check_eq "audit: the atomic upgrade is recorded as rolled back, from 3 to 4, with its cause" "rolled back 3 4 True" \
  "$(python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])][4]; print(e["result"], e["fromRevision"], e["toRevision"] - 1, "ImagePull" in e["error"] or "ErrImagePull" in e["error"])' "$XDG_STATE_HOME/tops/audit.jsonl")"
check "audit: no secret value in the log" bash -c "! grep -q offline-synthetic '$XDG_STATE_HOME/tops/audit.jsonl'"
check "audit: Events on the release" bash -c "kubectl --cache-dir '$TEST_TMP/kcache' get events -n testops -o jsonpath='{.items[*].reason}' | grep -q TopsRollback"

# ---- corrupt record ----
kctl create secret generic sh.helm.release.v1.testops.v90 -n testops --from-literal=release=not-base64-gzip >/dev/null
kctl label secret sh.helm.release.v1.testops.v90 -n testops owner=helm name=testops status=deployed version=90 >/dev/null
trel history testops -n testops
check_eq "corrupt record: history still lists the others" 0 "$rc"
check "corrupt record: it is named" grep -q 'skipped a corrupt release record: sh.helm.release.v1.testops.v90' "$TEST_TMP/e"
kctl delete secret sh.helm.release.v1.testops.v90 -n testops >/dev/null

# ---- --diff: the plan, then a question (or --yes) ----
n0=$(count)
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=3 --diff </dev/null
check_eq "--diff without a terminal and without --yes: refused, nothing written" "1 $n0" "$rc $(count)"
check "--diff: the plan line" grep -qE '^Plan: 0 to add, [1-9][0-9]* to change, 0 to destroy\.$' "$TEST_TMP/o"
check "--diff: the runner's replicas in the diff" grep -qE '^\+  replicas: 3$' "$TEST_TMP/o"
check "--diff: says it needs --yes" grep -q 'needs --yes' "$TEST_TMP/e"
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=3 --diff --yes --wait
check_eq "--diff --yes: proceeds" "0 $((n0 + 1))" "$rc $(count)"

# ---- bad input stops before the first write ----
n0=$(count)
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.replicas=many
check_eq "values that break values.schema.json: exit 1, nothing written" "1 $n0" "$rc $(count)"
check "the schema error names the value" grep -q 'runner' "$TEST_TMP/e"
trel upgrade testops /nonexistent/chart -n testops
check_eq "a missing chart: exit 1, nothing written" "1 $n0" "$rc $(count)"
trel install Bad_Name "$CHART" -n testops
check "an invalid release name: helm's rule" grep -q 'invalid release name, must match regex' "$TEST_TMP/e"
# ---- hooks: weight order, delete policies, waits, a failing hook, tests ----
H="$TEST_TMP/hooked"; mkdir -p "$H/templates"
printf 'apiVersion: v2\nname: hooked\nversion: 0.1.0\n' >"$H/Chart.yaml"
printf 'fail: false\n' >"$H/values.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hooked}\ndata: {a: "1"}\n' >"$H/templates/cm.yaml"
cat >"$H/templates/migrate.yaml" <<'EOY'
apiVersion: batch/v1
kind: Job
metadata:
  name: hooked-migrate
  annotations: {"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "5", "helm.sh/hook-delete-policy": hook-succeeded}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: m
        image: registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
        env: [{name: KUBESIM_FAIL, value: "{{ if .Values.fail }}1{{ else }}0{{ end }}"}]
EOY
cat >"$H/templates/first.yaml" <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: hooked-first
  annotations: {"helm.sh/hook": pre-install, "helm.sh/hook-weight": "-5"}
spec:
  restartPolicy: Never
  containers: [{name: f, image: "registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308"}]
EOY
cat >"$H/templates/test.yaml" <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: hooked-test
  annotations: {"helm.sh/hook": test}
spec:
  restartPolicy: Never
  containers: [{name: t, image: "registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308"}]
EOY
hrec() { kctl get secret "sh.helm.release.v1.hooked.v$1" -n hooked -o json | python3 -c "
import base64, gzip, json, sys
s = json.load(sys.stdin)
r = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(s['data']['release']))))
print($2)"; }
trel install hooked "$H" -n hooked --create-namespace --wait
check_eq "hooks: install with pre-install hooks and --create-namespace: exit 0" 0 "$rc"
[ "$rc" = 0 ] || echo "# hooks: $(why)"
check_eq "hooks: run in weight order (-5 before 5)" "hooked/templates/first.yaml hooked/templates/migrate.yaml" \
  "$(sed -n 's/^running pre-install hook \([^ ]*\) .*/\1/p' "$TEST_TMP/e" | tr '\n' ' ' | sed 's/ $//')"
check_eq "hooks: hook-succeeded deletes the Job after it completed" NotFound \
  "$(kctl get job hooked-migrate -n hooked 2>&1 | grep -o NotFound | head -1)"
check_eq "hooks: without a policy the Pod stays (before-hook-creation), Succeeded" Succeeded \
  "$(kctl get pod hooked-first -n hooked -o jsonpath='{.status.phase}')"
check_eq "hooks: the record keeps the hooks and their last run (the test not run yet)" "3 Succeeded Succeeded -" \
  "$(hrec 1 'len(r["hooks"]), *[[h["last_run"]["phase"] or "-" for h in r["hooks"] if h["name"] == n][0] for n in ("hooked-first", "hooked-migrate", "hooked-test")]')"
check_eq "hooks: hook manifests are not in the release's manifest" False "$(hrec 1 '"hooked-migrate" in r["manifest"]')"
trel get hooks hooked -n hooked
check_eq "get hooks: every hook with its source" 3 "$(grep -c '^# Source: hooked/templates/' "$TEST_TMP/o")"
trel test hooked -n hooked
check_eq "test: the test hook runs and succeeds" "0 Phase:          Succeeded" "$rc $(grep '^Phase:' "$TEST_TMP/o")"
check "test: helm's TEST SUITE line" grep -q '^TEST SUITE:     hooked-test$' "$TEST_TMP/o"
trel upgrade hooked "$H" -n hooked --set fail=true --atomic
check_eq "a failing pre-upgrade hook: exit 1, named with its Job's reason" "1 yes" \
  "$rc $(grep -q 'pre-upgrade hook hooked/templates/migrate.yaml failed: Job hooked-migrate: BackoffLimitExceeded' "$TEST_TMP/e" && echo yes)"
check_eq "a failing hook with --atomic: revision 2 failed, 3 rolled back to 1" "failed deployed Rollback to 1" \
  "$(hrec 2 'r["info"]["status"]') $(hrec 3 'r["info"]["status"], r["info"]["description"]')"
trel install plain "$H" -n plain --create-namespace --no-hooks --set fail=true
check_eq "--no-hooks: no hook runs (the failing Job is not even created)" "0 NotFound" \
  "$rc $(kctl get job hooked-migrate -n plain 2>&1 | grep -o NotFound | head -1)"
# ---- a DaemonSet is waited for (helm's rule) and its unpullable image fails early ----
D="$TEST_TMP/daemon"; mkdir -p "$D/templates"
printf 'apiVersion: v2\nname: daemon\nversion: 0.1.0\n' >"$D/Chart.yaml"
printf 'digest: %s\n' "$RUNNER_DIGEST" >"$D/values.yaml"
cat >"$D/templates/ds.yaml" <<'EOY'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: daemon-agent}
spec:
  selector: {matchLabels: {app: daemon-agent}}
  template:
    metadata: {labels: {app: daemon-agent}}
    spec:
      containers:
      - name: agent
        image: registry.local:5000/testops/runner@{{ .Values.digest }}
EOY
ds_status() { kctl get ds daemon-agent -n daemon -o jsonpath='{.status.updatedNumberScheduled}/{.status.numberAvailable}/{.status.desiredNumberScheduled}'; }
trel install daemon "$D" -n daemon --create-namespace --wait --timeout 2m
check_eq "daemonset: install --wait returns once every node runs the new pod" "0 3/3/3" "$rc $(ds_status)"
check "daemonset: its progress is reported" grep -q 'daemonset/daemon-agent 3/3 updated 3/3 ready 3/3 available' "$TEST_TMP/e"
trel upgrade daemon "$D" -n daemon --set digest=$BAD_DIGEST --atomic --grace 2s --timeout 5m
check_eq "daemonset: an unpullable image fails the upgrade" 1 "$rc"
check "daemonset: the cause names the DaemonSet's pod and the pull error" \
  grep -qE 'pod/daemon-agent-[a-z0-9]+ container agent: (ErrImagePull|ImagePullBackOff)' "$TEST_TMP/e"
check "daemonset: rolled back to the pinned digest on every node" wait_until 30 sh -c \
  "test \"\$(kubectl --cache-dir $TEST_TMP/kcache get pods -n daemon -l app=daemon-agent -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u)\" = registry.local:5000/testops/runner@$RUNNER_DIGEST"
trel uninstall daemon -n daemon --wait
check_eq "daemonset: uninstall removes it" "0 NotFound" "$rc $(kctl get ds daemon-agent -n daemon 2>&1 | grep -o NotFound | head -1)"

# ---- --wait-for-jobs ----
J="$TEST_TMP/jobs"; mkdir -p "$J/templates"
printf 'apiVersion: v2\nname: jobs\nversion: 0.1.0\n' >"$J/Chart.yaml"
printf 'fail: "0"\n' >"$J/values.yaml"
cat >"$J/templates/job.yaml" <<'EOY'
apiVersion: batch/v1
kind: Job
metadata: {name: jobs-seed}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: s
        image: registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
        env: [{name: KUBESIM_FAIL, value: "{{ .Values.fail }}"}]
EOY
trel install jobs "$J" -n jobs --create-namespace --wait --wait-for-jobs
check_eq "--wait-for-jobs: the release's Job is waited for until Complete" "0 yes" \
  "$rc $(grep -q '^waiting for job/jobs-seed to complete' "$TEST_TMP/e" && echo yes)"
trel uninstall jobs -n jobs --wait
check_eq "uninstall --wait: the objects are gone when it returns" "0 NotFound" \
  "$rc $(kctl get job jobs-seed -n jobs 2>&1 | grep -o NotFound | head -1)"
trel install jobs "$J" -n jobs --wait --wait-for-jobs --set-string fail=1
check_eq "--wait-for-jobs: a failed Job fails the install, named with its reason" "1 yes" \
  "$rc $(grep -q 'Job jobs-seed: BackoffLimitExceeded' "$TEST_TMP/e" && echo yes)"

sim_fault '{"error_rate":1,"status":403}'
trel history testops -n testops
sim_fault '{"clear":true}'
check_eq "403 from the API: exit 1, naming verb and resource" "1 yes" \
  "$rc $(grep -q 'list secrets in namespace testops (the release records) is forbidden' "$TEST_TMP/e" && echo yes)"

# ---- get ----
trel get values testops -n testops
check_eq "get values: the user-supplied values" "USER-SUPPLIED VALUES:" "$(head -1 "$TEST_TMP/o")"
check "get values: they include the offline registry" grep -q 'imageRegistry: registry.local:5000' "$TEST_TMP/o"
last=$(kctl get secrets -n testops -l owner=helm,name=testops -o jsonpath='{range .items[*]}{.metadata.labels.version}{"\n"}{end}' | sort -n | tail -1)
check "history-max: at most 10 records are kept" test "$(kctl get secrets -n testops -l owner=helm,name=testops -o name | wc -l)" -le 10
check_eq "history-max: the deployed record is kept" 1 "$(kctl get secrets -n testops -l owner=helm,name=testops,status=deployed -o name | wc -l)"
trel get manifest testops -n testops --revision "$last"
check "get manifest --revision N: helm's stored manifest" grep -q '^# Source: testops/templates/runner-deployment.yaml' "$TEST_TMP/o"
trel get notes testops -n testops
check_eq "get notes: the rendered NOTES.txt" "NOTES:" "$(head -1 "$TEST_TMP/o")"
trel get metadata testops -n testops
check "get metadata: chart, namespace and status" grep -qE '^CHART: testops$' "$TEST_TMP/o"

# ---- apply: plain manifests, server-side ----
cat >"$TEST_TMP/plain.yaml" <<'EOY'
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain-web}
spec:
  replicas: 1
  selector: {matchLabels: {app: plain-web}}
  template:
    metadata: {labels: {app: plain-web}}
    spec:
      containers: [{name: web, image: "registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain-config}
data: {mode: "a"}
EOY
trel apply -f "$TEST_TMP/plain.yaml" -n testops --dry-run=server
check_eq "apply --dry-run=server: validated, nothing stored" "0 NotFound" \
  "$rc $(kctl get cm plain-config -n testops 2>&1 | grep -o NotFound | head -1)"
trel apply -f "$TEST_TMP/plain.yaml" -n testops --wait
check_eq "apply --wait: both objects, ready" "0 2 objects applied" "$rc $(cat "$TEST_TMP/o")"
check "apply: ConfigMaps go before Deployments (helm's kind order)" \
  bash -c "grep 'applied' '$TEST_TMP/e' | head -1 | grep -q '^ConfigMap/plain-config applied'"
kctl patch cm plain-config -n testops --type merge -p '{"data":{"mode":"b"}}' >/dev/null
trel apply -f "$TEST_TMP/plain.yaml" -n testops
check_eq "apply over a field kubectl changed: a conflict naming the manager and field" "1 yes" \
  "$rc $(grep -q 'conflict with "kubectl-patch" using v1: .data.mode' "$TEST_TMP/e" && echo yes)"
trel apply -f "$TEST_TMP/plain.yaml" -n testops --force-conflicts
check_eq "apply --force-conflicts takes it back" "0 a" "$rc $(kctl get cm plain-config -n testops -o jsonpath='{.data.mode}')"
cat >"$TEST_TMP/stuck.yaml" <<'EOY'
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  replicas: 1
  progressDeadlineSeconds: 30
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      containers: [{name: s, image: "unreachable.example:5000/stuck:1"}]
EOY
trel apply -f "$TEST_TMP/stuck.yaml" -n testops --wait --grace 10m --timeout 5m
check_eq "a Deployment past its progress deadline fails the wait early, with the API's condition" "1 yes" \
  "$rc $(grep -q 'deployment/stuck: ProgressDeadlineExceeded' "$TEST_TMP/e" && echo yes)"
kctl delete deploy stuck -n testops >/dev/null
injected() { curl -s "$KUBESIM_URL/sim/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["errors_injected"])'; }
e0=$(injected)
sim_fault '{"fail_next":3,"status":503}'
trel apply -f "$TEST_TMP/plain.yaml" -n testops
e1=$(injected)
sim_fault '{"clear":true}'
check_eq "transient 503s: the apply retries and succeeds" "0 2 objects applied" "$rc $(cat "$TEST_TMP/o")"
check_eq "transient 503s: its first three requests got one" 3 "$((e1 - e0))"
trel --readonly apply -f "$TEST_TMP/plain.yaml"
check_eq "apply in read-only mode: refused" "1 tops: read-only mode: apply refused" "$rc $(cat "$TEST_TMP/e")"
trel audit -o json
check_eq "audit -o json: the applies are recorded" 5 \
  "$(python3 -c 'import json,sys; print(sum(1 for e in json.load(open(sys.argv[1])) if e["action"] == "apply"))' "$TEST_TMP/o")"
trel audit
check_eq "audit: a table" "TIME ACTION NAMESPACE RELEASE REVISION RESULT BY ERROR" "$(head -1 "$TEST_TMP/o" | tr -s ' \t' ' ' | sed 's/ $//')"

# ---- a rollout that never gets ready (no early-failure cause): the timeout ends it, atomic rolls back ----
before=$(count); before_image=$(runner_image)
trel upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.image.tag=never-ready \
  --set-json 'runner.extraEnv=[{"name":"KUBESIM_NEVER_READY","value":"1"}]' --atomic --timeout 5s --grace 2s
check_eq "timeout: exit 1, helm's words" "1 yes" "$rc $(grep -q 'timed out waiting for the condition' "$TEST_TMP/e" && echo yes)"
check_eq "timeout: the timed-out revision failed, the next one rolls back" "failed|deployed Rollback to $before" \
  "$(record_field $((before + 1)) 'r["info"]["status"]')|$(record_field $((before + 2)) 'r["info"]["status"], r["info"]["description"]')"
check_eq "timeout: the runner is back on its image" "$before_image" "$(runner_image)"

# ---- uninstall ----
trel uninstall testops -n testops
check_eq "uninstall: exit 0, helm's words" '0 release "testops" uninstalled' "$rc $(cat "$TEST_TMP/o")"
check_eq "uninstall: the objects are gone" "" "$(kctl get deploy -n testops -l app.kubernetes.io/instance=testops -o name 2>/dev/null)"
check_eq "uninstall: the records are gone" 0 "$(kctl get secrets -n testops -l owner=helm,name=testops -o name | wc -l)"
check_eq "uninstall: claims annotated helm.sh/resource-policy: keep stay" 2 \
  "$(kctl get pvc -n testops -o name | grep -c 'testops-\(snapshots\|reports\)')"
check "uninstall: says what it kept" grep -q '2 objects kept (helm.sh/resource-policy: keep)' "$TEST_TMP/e"
trel uninstall testops -n testops
check_eq "uninstall of a release that does not exist: exit 1" "1 1" "$rc $(grep -c 'release: not found' "$TEST_TMP/e")"
