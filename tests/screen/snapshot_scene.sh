# snapshot_scene: (sourced after lib.sh) the TestOps release on kubesim with two snapshots to
# compare: `golden` after the install, then an upgrade to a new digest whose runner pods serve
# errors slowly (KUBESIM_ERROR_RATE / KUBESIM_LATENCY_MS), a digest set by hand (drift), and
# `post`. Needs kubesim started (kubesim_start) and Prometheus scraping it (PROM_URL).
# Sets SCENE_GOLDEN and SCENE_POST; returns 1 with a message when a step fails.
scene_pods_scraped() { # N: N running runner pods, each with a few samples in Prometheus
  local pods p n
  pods=$(kubectl --cache-dir "$TEST_TMP/kcache" get pods -n testops -l app.kubernetes.io/component=runner --no-headers | awk '$3 == "Running" {print $1}')
  [ "$(echo "$pods" | grep -c .)" = "$1" ] || return 1
  for p in $pods; do
    n=$(curl -s --get --data-urlencode "query=count_over_time(testops_http_requests_total{namespace=\"testops\",pod=\"$p\",code=\"500\"}[30s])" "$PROM_URL/api/v1/query" |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    [ "${n%.*}" -ge 6 ] || return 1
  done
}
snapshot_scene() {
  local tops=${TOPS_BIN:-$TOPS_ROOT/bin/tops} chart=$TOPS_ROOT/charts/testops off=$TOPS_ROOT/deploy/offline-values.yaml
  local d2=sha256:2222222222222222222222222222222222222222222222222222222222222222
  local d3=sha256:3333333333333333333333333333333333333333333333333333333333333333
  "$tops" install testops "$chart" -n testops -f "$off" --wait --timeout 2m >/dev/null 2>&1 || { echo "scene: install failed" >&2; return 1; }
  wait_until 90 scene_pods_scraped 2 || { echo "scene: no runner series in Prometheus" >&2; return 1; }
  SCENE_GOLDEN=$("$tops" snapshot take testops -n testops --label golden --window 30s --prometheus "$PROM_URL" 2>/dev/null) || return 1
  "$tops" upgrade testops "$chart" -n testops -f "$off" --set runner.image.digest=$d2 --wait --timeout 2m \
    --set-json 'runner.extraEnv=[{"name":"KUBESIM_ERROR_RATE","value":"0.3"},{"name":"KUBESIM_LATENCY_MS","value":"900"}]' >/dev/null 2>&1 ||
    { echo "scene: upgrade failed" >&2; return 1; }
  kubectl --cache-dir "$TEST_TMP/kcache" set image deploy/testops-runner -n testops "runner=registry.local:5000/testops/runner@$d3" >/dev/null
  wait_until 90 scene_pods_scraped 2 || { echo "scene: no new runner series in Prometheus" >&2; return 1; }
  wait_until 60 sh -c "[ \$(kubectl --cache-dir $TEST_TMP/kcache get pods -n testops -l app.kubernetes.io/component=runner -o jsonpath='{.items[*].status.containerStatuses[0].imageID}' | grep -o $d3 | wc -l) = 2 ]"
  SCENE_POST=$("$tops" snapshot take testops -n testops --label post --window 30s --prometheus "$PROM_URL" 2>/dev/null) || return 1
}
