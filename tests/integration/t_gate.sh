#!/bin/bash
# Gates on ordinary upgrades against kubesim and the real Prometheus: `tops upgrade --gate` runs
# the gate once the release is ready; a passing gate keeps the revision, a failing one fails the
# upgrade and --atomic rolls it back (the env that caused the errors is gone again); a query
# with no data ends in Error and the message names the query; a gate file with a bad condition
# is refused before anything is written, with file:line:col.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1
CHART=charts/testops
OFFLINE=deploy/offline-values.yaml
export XDG_STATE_HOME="$TEST_TMP/state"
if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if ! have_prometheus; then skip "prometheus not installed"; exit 0; fi
offline_site_scenario "$TEST_TMP/sim.yaml"
cat >>"$TEST_TMP/sim.yaml" <<EOS
---
apiVersion: kubesim.io/v1
kind: SimConfig
mirrorDigests: ["sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]
EOS
kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml" || { fail "kubesim starts"; exit 0; }
PROM_PORT=$(free_port) prom_start "127.0.0.1:$KUBESIM_PORT" || { fail "prometheus starts"; exit 0; }
why() { tail -c 600 "$TEST_TMP/e" | tr '\n' ' '; }
revision() { tops history testops -n testops 2>/dev/null | tail -1 | awk '{print $1}'; }
env_of_runner() { kctl get deploy testops-runner -n testops -o jsonpath='{.spec.template.spec.containers[0].env[*].name}'; }
cat >"$TEST_TMP/err.yaml" <<'EOG'
metrics:
- name: error-rate
  query: sum(rate(testops_http_requests_total{namespace="{{ .Namespace }}",color="{{ .Color }}",pod=~"{{ .Release.Name }}-runner-.*",code=~"5.."}[20s])) / sum(rate(testops_http_requests_total{namespace="{{ .Namespace }}",color="{{ .Color }}",pod=~"{{ .Release.Name }}-runner-.*"}[20s]))
  initialDelay: 6s
  interval: 2s
  count: 2
  successCondition: result[0] < 0.05
EOG
tops install testops "$CHART" -n testops -f "$OFFLINE" --wait >/dev/null 2>"$TEST_TMP/e" || fail "install" "$(why)"

tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set runner.logLevel=debug --atomic --gate "$TEST_TMP/err.yaml" --prometheus "$PROM_URL" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "upgrade with a passing gate succeeds" 0 "$rc"
grep -q "gate gate: error-rate Successful" "$TEST_TMP/e" && pass "the gate was measured after readiness" || fail "gate measured" "$(why)"
check_eq "revision 2 deployed" 2 "$(revision)"

tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --set 'runner.extraEnv[0].name=KUBESIM_ERROR_RATE' --set-string 'runner.extraEnv[0].value=0.3' \
  --atomic --gate "$TEST_TMP/err.yaml" --prometheus "$PROM_URL" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "upgrade with a failing gate fails (exit 1)" 1 "$rc"
grep -q "gate gate Failed: metric error-rate Failed .*successCondition result\[0\] < 0.05 is false" "$TEST_TMP/e" && pass "the failure names the metric, condition and value" || fail "failure message" "$(why)"
check_eq "--atomic rolled the gated revision back (revision 4 is the rollback)" 4 "$(revision)"
tops history testops -n testops 2>/dev/null | tail -1 | grep -q "Rollback to 2" && pass "history says Rollback to 2" || fail "rollback record" "$(tops history testops -n testops 2>&1 | tail -2)"
case " $(env_of_runner) " in *KUBESIM_ERROR_RATE*) fail "the rollback restores the pod template" "$(env_of_runner)";; *) pass "the rollback restores the pod template";; esac

cat >"$TEST_TMP/nodata.yaml" <<'EOG'
metrics:
- name: absent
  query: sum(rate(no_such_series_total{namespace="{{ .Namespace }}"}[1m]))
  interval: 1s
  count: 3
  consecutiveErrorLimit: 1
  successCondition: result[0] < 1
EOG
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --atomic --gate "$TEST_TMP/nodata.yaml" --prometheus "$PROM_URL" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "a gate without data fails the upgrade" 1 "$rc"
grep -q 'metric absent Error after 2 measurements: no data: the query returned no series .*no_such_series_total{namespace="testops"}' "$TEST_TMP/e" \
  && pass "no data is reported as such, with the query" || fail "no data message" "$(why)"

printf 'metrics:\n- name: e\n  query: up\n  successCondition: result[0] => 1\n' >"$TEST_TMP/bad.yaml"
before=$(revision)
tops upgrade testops "$CHART" -n testops -f "$OFFLINE" --gate "$TEST_TMP/bad.yaml" --prometheus "$PROM_URL" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "a bad gate file fails" 1 "$rc"
grep -q "bad.yaml:4:21: successCondition: col 12: unexpected \"=\"\|bad.yaml:4:21: successCondition: col 11" "$TEST_TMP/e" && pass "a bad condition is named with file:line:col" || fail "bad condition position" "$(why)"
tops bluegreen deploy other "$CHART" -n testops -f "$OFFLINE" --gate "$TEST_TMP/bad.yaml" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "bluegreen refuses a bad gate file before writing" 1 "$rc"
kctl get cm other-bluegreen -n testops >/dev/null 2>&1 && fail "nothing written for a bad gate file" || pass "nothing written for a bad gate file"
