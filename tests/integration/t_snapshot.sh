#!/bin/bash
# Snapshots against kubesim and the real Prometheus scraping it, checked with kubectl: take a
# golden one (the runner's golden files through the exec API), upgrade to a new image whose pods
# serve errors slowly (kubesim's KUBESIM_ERROR_RATE and KUBESIM_LATENCY_MS container env), take post, compare (image and digest changes, the error-rate
# regression with exit 1, markdown and JSON); `tops upgrade --snapshot` (pre, post, compare);
# digest drift; the 1 MiB refusal; delete / export / import round trip; read-only refusals;
# a release that is not there; Prometheus down; the audit.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

CHART=charts/testops
OFFLINE=deploy/offline-values.yaml
D1=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222
D3=sha256:3333333333333333333333333333333333333333333333333333333333333333
export XDG_STATE_HOME="$TEST_TMP/state"

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if ! have_prometheus; then skip "prometheus not installed"; exit 0; fi
offline_site_scenario "$TEST_TMP/sim.yaml"
kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml" || { fail "kubesim starts"; exit 0; }
prom_start "127.0.0.1:$KUBESIM_PORT" || { fail "prometheus starts"; exit 0; }
P="--prometheus $PROM_URL"

run() { "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }
why() { tail -c 400 "$TEST_TMP/e" | tr '\n' ' '; }
snap_cms() { kctl get cm -n testops -l owner=tops,tops-kind=snapshot -o name | wc -l; }
field() { tops snapshot get "$1" -n testops | python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"; }
# runner_pods_in_prom N: N runner pods run, and each has a few samples in Prometheus (rate()
# over the window needs them); old pods' series linger after they are gone, so by name.
runner_pods_in_prom() {
  local pods p n
  pods=$(kctl get pods -n testops -l app.kubernetes.io/component=runner --no-headers | awk '$3 == "Running" {print $1}')
  [ "$(echo "$pods" | grep -c .)" = "$1" ] || return 1
  for p in $pods; do
    n=$(prom_query "count_over_time(testops_http_requests_total{namespace=\"testops\",pod=\"$p\",code=\"500\"}[30s])" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    [ "${n%.*}" -ge 6 ] || return 1
  done
}
run tops install testops "$CHART" -n testops -f "$OFFLINE" --wait --timeout 2m
check_eq "install: exit 0" 0 "$rc"
wait_until 60 runner_pods_in_prom 2 || fail "prometheus has the runner pods' series"

# ---- take golden ----
run tops snapshot take testops -n testops --label golden --window 30s --no-runner $P
G=$(cat "$TEST_TMP/o")
check_eq "take: exit 0" 0 "$rc"
[ "$rc" = 0 ] || echo "# take: $(why)"
check "take: the ID is NAME-REVISION-LABEL-TIMESTAMP" bash -c "echo '$G' | grep -qE '^testops-1-golden-[0-9]{8}-[0-9]{6}$'"
check_eq "take: one ConfigMap with tops' labels" "testops 1 golden" \
  "$(kctl get cm "$G" -n testops -o jsonpath='{.metadata.labels.release} {.metadata.labels.revision} {.metadata.labels.label}')"
check_eq "take: gzip JSON in binaryData" "tops.snapshot/v1 $G" \
  "$(kctl get cm "$G" -n testops -o json | python3 -c '
import base64, gzip, json, sys
cm = json.load(sys.stdin); r = json.loads(gzip.decompress(base64.b64decode(cm["binaryData"]["snapshot.json.gz"])))
print(r["apiVersion"], r["id"])')"
check_eq "take: release facts" "testops testops 1 deployed testops-0.5.0 64" \
  "$(field "$G" 's["release"]["name"], s["release"]["namespace"], s["release"]["revision"], s["release"]["status"], s["release"]["chart"], len(s["release"]["valuesSha256"])')"
check_eq "take: Secret values masked" "True False" \
  "$(field "$G" 's["release"]["values"]["secrets.apiToken"].startswith("<secret sha256:"), "offline-synthetic" in json.dumps(s)')"
check_eq "take: every applied object with a hash" "$(tops get manifest testops -n testops 2>/dev/null | grep -c '^kind:' || echo 15)" \
  "$(field "$G" 'sum(1 for o in s["objects"] if len(o["sha256"]) == 64)')"
check_eq "take: runner workload counts and pinned digest running, no drift" "2 2 $D1 ['$D1'] False" \
  "$(field "$G" '[(w["desired"], w["ready"], w["images"][0]["pinned"], w["images"][0]["running"], w["images"][0]["drift"]) for w in s["workloads"] if w["ref"] == "deployment/testops-runner"][0]' | tr -d "(),'" | sed "s/\[/['/; s/\]/']/")"
check_eq "take: pods by status" "3 3 3" "$(field "$G" 's["pods"]["total"], s["pods"]["ready"], s["pods"]["byPhase"]["Running"]')"
check_eq "take: PVCs with phase, class and used bytes from Prometheus" "True" \
  "$(field "$G" 'all(p["phase"] == "Bound" and p["storageClass"] == "local-path" and p["usedBytes"] > 0 for p in s["pvcs"]) and sorted(p["name"] for p in s["pvcs"]) == ["data-testops-engine-0", "testops-reports", "testops-snapshots"]')"
check_eq "take: TestOps series from Prometheus" "True True True" \
  "$(field "$G" '*[0 <= {m["name"]: m["value"] for m in s["metrics"]["series"]}[k] < 1 for k in ("error_rate",)], {m["name"]: m["value"] for m in s["metrics"]["series"]}["job_throughput"] > 0, s["metrics"]["error"] is None')"
check_eq "take: CPU and memory per workload (p50 <= p95 <= max)" "True" \
  "$(field "$G" 'all(w[r]["p50"] <= w[r]["p95"] <= w[r]["max"] and w[r]["max"] > 0 for w in s["metrics"]["workloads"] for r in ("cpu", "memory"))')"
check_eq "take: golden set skipped with --no-runner; object store not configured" "skipped not configured" \
  "$(field "$G" 's["golden"]["status"], s["objectStore"]["status"]')"

# The runner's golden set: `make snapshot-refresh` in the runner pod through the exec API, then
# sha256sum of the files it printed; a hash is checked against kubectl exec in the same pod.
run tops snapshot take testops -n testops --label manual --window 30s $P
M=$(cat "$TEST_TMP/o")
check_eq "golden set: recorded from the runner pod" "0 recorded make snapshot-refresh True" \
  "$rc $(field "$M" 's["golden"]["status"], s["golden"]["command"], len(s["golden"]["files"]) >= 2 and all(f["path"].startswith("/data/snapshots/golden/") for f in s["golden"]["files"])')"
gpod=$(field "$M" 's["golden"]["pod"]'); gfile=$(field "$M" 's["golden"]["files"][0]["path"]')
check_eq "golden set: the sha256 kubectl exec gives for the same file" \
  "$(kctl exec -n testops "$gpod" -c runner -- sha256sum "$gfile" 2>/dev/null | cut -d' ' -f1)" "$(field "$M" 's["golden"]["files"][0]["sha256"]')"
# ---- a queries file with thresholds ----
cat >"$TEST_TMP/q.yaml" <<'EOQ'
queries:
  - name: http_5xx_per_second
    query: sum(rate(testops_http_requests_total{namespace="$namespace",pod=~"$pods",code="500"}[$w]))
    worse: up
    threshold: 50%
EOQ
run tops snapshot take testops -n testops --label golden --window 30s --queries "$TEST_TMP/q.yaml" $P
G=$(cat "$TEST_TMP/o")
check_eq "queries file: recorded with its threshold" "0 http_5xx_per_second 0.5 True" \
  "$rc $(field "$G" 's["metrics"]["queries"][0]["name"], s["metrics"]["queries"][0]["threshold"], s["metrics"]["queries"][0]["value"] > 0')"
printf 'queries:\n  - name: x\n' >"$TEST_TMP/badq.yaml"
run tops snapshot take testops -n testops --queries "$TEST_TMP/badq.yaml" $P
check_eq "queries file: an error names file:line:col, nothing stored" "1 1 3" \
  "$rc $(grep -c "badq.yaml:2:5: query 1 has no \`query\`" "$TEST_TMP/e") $(snap_cms)"

# ---- upgrade to an image that serves errors, take post, compare ----
run tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.image.digest=$D2 --wait --timeout 2m \
  --set-json 'runner.extraEnv=[{"name":"KUBESIM_ERROR_RATE","value":"0.3"},{"name":"KUBESIM_LATENCY_MS","value":"900"}]'
check_eq "upgrade to the new image with injected errors and latency: exit 0" 0 "$rc"
wait_until 90 runner_pods_in_prom 2 || fail "prometheus has the new runner pods' series"
run tops snapshot take testops -n testops --label post --window 30s --queries "$TEST_TMP/q.yaml" $P
B=$(cat "$TEST_TMP/o")
check_eq "take post: revision 2" "0 2" "$rc $(field "$B" 's["release"]["revision"]')"
run tops snapshot-compare testops "$G" "$B" -n testops
[ -n "${DEBUG_SNAP:-}" ] && { cat "$TEST_TMP/o"; tops snapshot get "$B" -n testops | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps(s["metrics"], indent=1)[:3000]); print(s["pvcs"])'; }
check_eq "compare: a regression is exit 1" 1 "$rc"
check "compare: the image change" grep -q "^  image deployment/testops-runner runner: registry.local:5000/testops/runner@$D1 → registry.local:5000/testops/runner@$D2$" "$TEST_TMP/o"
check "compare: the running digest change" grep -q "^  digest deployment/testops-runner runner: $D1 → $D2$" "$TEST_TMP/o"
check "compare: the values keys that changed" grep -q "^  value runner.extraEnv: \[\] → \[{\"name\":\"KUBESIM_ERROR_RATE\"" "$TEST_TMP/o"
check "compare: the revision" grep -q "^  revision 1 → 2$" "$TEST_TMP/o"
check "compare: the error rate regression" grep -qE "^  REGRESSION error_rate 0\.0[0-9]+ → 0\.[0-9]+ \(\+[0-9.]+%\), limit 10% up$" "$TEST_TMP/o"
check "compare: the latency regression" grep -qE "^  REGRESSION request_latency_p95 [0-9.e-]+ → [0-9.]+ \(\+[0-9.]+%\), limit 10% up$" "$TEST_TMP/o"
check "compare: the query's own threshold" grep -qE "^  REGRESSION http_5xx_per_second .*limit 50% up$" "$TEST_TMP/o"
check "compare: the result line" grep -qE "^Result: [0-9]+ regressions?$" "$TEST_TMP/o"
check "compare: golden files that depend on the image changed" bash -c "grep -q '^  changed /data/snapshots/golden/results.json$' $TEST_TMP/o && grep -q '^  changed /data/snapshots/golden/latency.csv$' $TEST_TMP/o"
check_eq "compare: golden files that do not depend on it did not" 0 "$(grep -c '^  changed /data/snapshots/golden/config.yaml$' "$TEST_TMP/o")"
run tops snapshot-compare testops "$G" "$B" -n testops -o json
check_eq "compare -o json: the same figures for tools" "1 True True" \
  "$rc $(python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))
print(any(m["name"]=="error_rate" and m["regression"] for m in r["metrics"]), any(c["what"]=="digest" for c in r["changes"]))' "$TEST_TMP/o")"
run tops snapshot-compare testops "$G" "$B" -n testops -o markdown
check "compare -o markdown: headings and bold regressions" bash -c "grep -q '^## snapshot-compare testops' $TEST_TMP/o && grep -q '^- \*\*REGRESSION\*\* error_rate' $TEST_TMP/o"
run tops snapshot-compare testops "$G" "$B" -n testops --max-regression 100000%
check_eq "compare: --max-regression 100000%: only the query with its own threshold regresses" "1 1 1" \
  "$rc $(grep -c '^  REGRESSION' "$TEST_TMP/o") $(grep -c '^  REGRESSION http_5xx_per_second' "$TEST_TMP/o")"
run tops snapshot-compare testops -n testops
check_eq "compare without IDs: the newest golden against the newest (post has no pre)" "1" \
  "$rc$(grep -c "^  before $G (golden" "$TEST_TMP/o" | sed 's/^1$//')"
run tops snapshot-compare testops nope -n testops
check_eq "compare: an unknown ID is exit 3, named" "3 1" "$rc $(grep -c 'snapshot nope not found' "$TEST_TMP/e")"
run tops snapshot-compare testops -n testops -o xml
check_eq "compare: a bad -o is a usage error" 2 "$rc"

# ---- tops upgrade --snapshot: back to the good image ----
run tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --wait --timeout 2m --snapshot $P
[ -n "${DEBUG_SNAP:-}" ] && { cat "$TEST_TMP/o"; cat "$TEST_TMP/e"; }
check_eq "upgrade --snapshot: exit 0 (the upgrade's own status)" 0 "$rc"
[ "$rc" = 0 ] || echo "# upgrade --snapshot: $(why)"
check "upgrade --snapshot: helm's block, then the compare" bash -c "grep -q '^REVISION: 3' $TEST_TMP/o && grep -q '^snapshot-compare testops' $TEST_TMP/o"
check "upgrade --snapshot: pre is revision 2 and post revision 3" bash -c "grep -qE '^  before testops-2-pre-.* \(pre, revision 2' $TEST_TMP/o && grep -qE '^  after  testops-3-post-.* \(post, revision 3' $TEST_TMP/o"
# (a pod of the old ReplicaSet not yet marked for deletion may still be running the old digest)
check "upgrade --snapshot: the digest back to the pinned one" grep -qE "^  digest deployment/testops-runner runner: $D2 → ($D1|$D2,$D1)$" "$TEST_TMP/o"
check "upgrade --snapshot: golden files changed" grep -q "^  changed /data/snapshots/golden/results.json$" "$TEST_TMP/o"
run tops snapshot-compare testops -n testops
check "compare without IDs after an upgrade: pre against post" bash -c "grep -qE '^  before testops-2-pre-' $TEST_TMP/o && grep -qE '^  after  testops-3-post-' $TEST_TMP/o"
run tops snapshot list testops -n testops
check_eq "list: header and one line per snapshot" "ID LABEL REVISION TAKEN CHART PODS GOLDEN METRICS|$(snap_cms)" \
  "$(head -1 "$TEST_TMP/o" | tr -s ' \t' ' ' | sed 's/ $//')|$(($(wc -l <"$TEST_TMP/o") - 1))"
check_eq "list -o json: labels in time order" "golden manual golden post pre post" \
  "$(tops snapshot list testops -n testops -o json | python3 -c 'import json,sys; print(" ".join(s["label"] for s in json.load(sys.stdin)))')"

# ---- drift: someone sets another digest by hand ----
kctl set image deploy/testops-runner -n testops runner=registry.local:5000/testops/runner@$D3 >/dev/null
wait_until 60 bash -c "[ \"\$(kubectl --cache-dir $TEST_TMP/kcache get pods -n testops -l app.kubernetes.io/component=runner -o jsonpath='{range .items[*]}{.status.containerStatuses[0].imageID}{\"\\n\"}{end}' | grep -c $D3)\" = 2 ] && [ \"\$(kubectl --cache-dir $TEST_TMP/kcache get pods -n testops -l app.kubernetes.io/component=runner --no-headers | wc -l)\" = 2 ]"
run tops snapshot take testops -n testops --label drift --no-runner $P
Dr=$(cat "$TEST_TMP/o")
check_eq "drift: the running digest differs from the pinned one" "True $D1 ['$D3']" \
  "$(field "$Dr" '[(i["drift"], i["pinned"], i["running"]) for w in s["workloads"] if w["ref"] == "deployment/testops-runner" for i in w["images"]][0]' | tr -d "(),'" | sed "s/\[/['/; s/\]/']/")"
run tops snapshot-compare testops "$G" "$Dr" -n testops
check "drift: marked in the compare" grep -q "^  drift deployment/testops-runner runner: pinned $D1, running $D3$" "$TEST_TMP/o"

# ---- export / delete / import ----
run tops snapshot export "$G" -n testops
cp "$TEST_TMP/o" "$TEST_TMP/g.json"
check_eq "export: exit 0, the record as JSON" "0 $G" "$rc $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TEST_TMP/g.json")"
run tops snapshot delete "$G" -n testops
check_eq "delete: exit 0, the ConfigMap gone" "0 NotFound" "$rc $(kctl get cm "$G" -n testops 2>&1 | grep -o NotFound | head -1)"
run tops snapshot get "$G" -n testops
check_eq "get after delete: not found, exit 1" "1 1" "$rc $(grep -c "snapshot $G not found in namespace testops" "$TEST_TMP/e")"
run tops snapshot delete "$G" -n testops
check_eq "delete again: exit 1" 1 "$rc"
run tops snapshot import "$TEST_TMP/g.json" -n testops
check_eq "import: exit 0, the same record back" "0" "$rc"
cmp -s "$TEST_TMP/g.json" <(tops snapshot export "$G" -n testops) && pass "import: export gives the same bytes" || fail "import: export gives the same bytes"
run tops snapshot import "$TEST_TMP/g.json" -n testops
check_eq "import again: already exists, exit 1" "1 1" "$rc $(grep -c "snapshot $G already exists" "$TEST_TMP/e")"
kctl create configmap not-a-snapshot -n testops --from-literal=a=b >/dev/null
run tops snapshot delete not-a-snapshot -n testops
check_eq "delete refuses a ConfigMap that is not a snapshot" "1 1 a" \
  "$rc $(grep -c 'is not a tops snapshot' "$TEST_TMP/e") $(kctl get cm not-a-snapshot -n testops -o jsonpath='{.data.a}' | sed 's/b/a/')"
echo '{"apiVersion":"v1"}' >"$TEST_TMP/notsnap.json"
run tops snapshot import "$TEST_TMP/notsnap.json" -n testops
check_eq "import: not a snapshot is named" "1 1" "$rc $(grep -c 'notsnap.json: snapshot: apiVersion is "v1"' "$TEST_TMP/e")"
printf '{"id": \n' >"$TEST_TMP/broken.json"
run tops snapshot import "$TEST_TMP/broken.json" -n testops
check_eq "import: broken JSON names the file, line and column" "1 1" "$rc $(grep -c 'broken.json: 2:1: unexpected end of JSON input' "$TEST_TMP/e")"

# ---- the 1 MiB refusal ----
python3 - "$TEST_TMP/g.json" "$TEST_TMP/big.json" <<'EOP'
import json, os, sys, base64
r = json.load(open(sys.argv[1])); r["id"] = r["id"] + "-big"
r["metrics"]["blob"] = base64.b64encode(os.urandom(1200000)).decode()
json.dump(r, open(sys.argv[2], "w"))
EOP
before=$(snap_cms)
run tops snapshot import "$TEST_TMP/big.json" -n testops
check_eq "over 1 MiB: refused clearly, exit 1, nothing stored" "1 1 $before" \
  "$rc $(grep -c 'over the 1048576 bytes (1 MiB) a ConfigMap holds; largest parts: metrics' "$TEST_TMP/e") $(snap_cms)"

# ---- read-only ----
before=$(snap_cms)
for verb in "take testops" "delete $G" "import $TEST_TMP/g.json"; do
  run tops --readonly snapshot $verb -n testops
  check_eq "read-only refuses snapshot ${verb%% *}" "1 1" "$rc $(grep -c "read-only mode: snapshot ${verb%% *} refused" "$TEST_TMP/e")"
done
check_eq "read-only: nothing changed" "$before" "$(snap_cms)"
run tops --readonly snapshot list testops -n testops
check_eq "read-only: list still works" 0 "$rc"

# ---- the object store: an external endpoint (the bundled emulator is not exercised here) ----
run tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set objectStorage.endpoint=https://s3.example.internal:9000 --wait --timeout 2m
run tops snapshot take testops -n testops --label s3ext --no-runner $P
check_eq "object store: an external endpoint is not checked" "0 external (not checked)" "$rc $(field "$(cat "$TEST_TMP/o")" 's["objectStore"]["status"]')"

# ---- the refresh command failing is recorded, the snapshot still taken ----
run tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set "snapshot.refreshCommand=make nope" --wait --timeout 2m
run tops snapshot take testops -n testops --label badrefresh $P
F=$(cat "$TEST_TMP/o")
check_eq "golden set: a failing refresh command is recorded with its words" "0 failed True" \
  "$rc $(field "$F" 's["golden"]["status"], "make exited 2" in s["golden"]["reason"] and "No rule to make target" in s["golden"]["reason"]')"

# ---- failures ----
run tops snapshot take nope -n testops --no-runner $P
check_eq "take: a release that is not there, exit 1" "1 1" "$rc $(grep -c 'release nope not found in namespace testops' "$TEST_TMP/e")"
run tops snapshot take testops -n testops --window soon
check_eq "take: a bad --window is a usage error" 2 "$rc"
run tops snapshot frobnicate x
check_eq "snapshot: an unknown action is a usage error" 2 "$rc"
prom_stop
run tops snapshot take testops -n testops --label noprom --no-runner $P
N=$(cat "$TEST_TMP/o")
check_eq "Prometheus down: the snapshot is taken, the metrics say why" "0 True" \
  "$rc $(field "$N" '"Prometheus unreachable" in (s["metrics"]["error"] or "")')"
sim_fault '{"error_rate":1,"status":500}'
run timeout 60 tops snapshot take testops -n testops --no-runner --request-timeout 5s
sim_fault '{"clear":true}'
check_eq "API server failing: take fails with words, exit 1" "1 1" "$rc $(grep -c 'tops: snapshot take: ' "$TEST_TMP/e")"

# ---- audit ----
check_eq "audit: takes, deletes and imports are in the audit file" "True True True" \
  "$(python3 -c '
import json,sys
a=[json.loads(l) for l in open(sys.argv[1])]
acts={e.get("action") for e in a}
print("snapshot-take" in acts, "snapshot-delete" in acts, "snapshot-import" in acts)' "$XDG_STATE_HOME/tops/audit.jsonl")"
