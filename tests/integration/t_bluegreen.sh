#!/bin/bash
# tops bluegreen against kubesim and the real Prometheus scraping it, checked with kubectl: a
# colour-less release adopted as blue; green deployed beside it, gates pass, promote in one write
# to the router Service, blue scaled down after the delay and removed; a failing gate aborts
# and traffic stays; an inconclusive gate pauses; abort after promotion switches back in one
# write; an Argo AnalysisTemplate works unchanged; SIGKILL between steps and the next command
# continues; read-only refuses; usage errors.
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

bg() { tops bluegreen "$@" -n testops >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }
why() { tail -c 600 "$TEST_TMP/e" | tr '\n' ' '; }
live() { kctl get svc testops -n testops -o jsonpath='{.metadata.annotations.tops/live-color}'; }
eps() { kctl get endpoints "$1" -n testops -o jsonpath='{range .subsets[*].addresses[*]}{.ip}{"\n"}{end}' | sort | tr '\n' ' '; }
step() { kctl get cm testops-bluegreen -n testops -o jsonpath='{.data.state}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])'; }
# watch_router: counts the writes to the router Service while a command runs (MODIFIED events).
watch_start() { kctl get svc testops -n testops -w --output-watch-events -o json >"$TEST_TMP/watch" 2>/dev/null & WPID=$!; wait_until 10 grep -q '"type": *"ADDED"' "$TEST_TMP/watch"; }
watch_stop() { sleep 1; kill $WPID 2>/dev/null; wait $WPID 2>/dev/null; grep -c '"type": *"MODIFIED"' "$TEST_TMP/watch"; }
fast_gate() { # name, success, failure (may be empty), interval, count
  { echo "name: $1"; echo "metrics:"; echo "- name: error-rate"
    echo '  query: sum(rate(testops_http_requests_total{namespace="{{ .Namespace }}",color="{{ .Color }}",code=~"5.."}[20s])) / sum(rate(testops_http_requests_total{namespace="{{ .Namespace }}",color="{{ .Color }}"}[20s]))'
    echo "  initialDelay: 4s"; echo "  interval: ${4:-2s}"; echo "  count: ${5:-2}"; echo "  successCondition: $2"
    [ -n "${3:-}" ] && echo "  failureCondition: $3"; } >"$TEST_TMP/$1.yaml"
}

tops install testops "$CHART" -n testops -f "$OFFLINE" --wait >/dev/null 2>"$TEST_TMP/e" || fail "legacy release installs" "$(why)"
legacy_eps=$(eps testops-runner)

# 1. Adoption and green beside it, with the built-in gates.
bg deploy testops "$CHART" -f "$OFFLINE" --gate "$CHART/gates/default.yaml" --prometheus "$PROM_URL"
check_eq "deploy with passing gates waits for promote (exit 0)" 0 "$rc"
grep -q "gates passed" "$TEST_TMP/e" && pass "deploy says the gates passed" || fail "deploy says the gates passed" "$(why)"
check_eq "the colour-less release is adopted as blue: the router is live on blue" blue "$(live)"
check_eq "the router selects the adopted pods as they are (no restart)" "$legacy_eps" "$(eps testops)"
check_eq "the preview router selects green" "$(eps testops-green-runner)" "$(eps testops-preview)"
[ -n "$(eps testops-preview)" ] && [ "$(eps testops-preview)" != "$(eps testops)" ] && pass "green has its own pods" || fail "green has its own pods"
check_eq "router Ingress serves the chart's host" testops.local "$(kctl get ingress testops -n testops -o jsonpath='{.spec.rules[0].host}')"
kctl get ingress testops-runner -n testops >/dev/null 2>&1 && fail "the adopted release's own Ingress is replaced" || pass "the adopted release's own Ingress is replaced"
kctl describe ingress testops -n testops 2>&1 | grep -q "testops:8080" && pass "kubectl describe ingress shows the router backend" || fail "describe ingress" "$(kctl describe ingress testops -n testops 2>&1 | tail -5)"
check_eq "both colours are helm-compatible releases" "testops testops-green" "$(tops list -n testops 2>/dev/null | awk 'NR > 1 {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')"
bg status testops
grep -q '^pre   testops-default runner-error-rate Successful' "$TEST_TMP/o" && pass "status shows the gate measurements" || fail "status shows the gate measurements" "$(cat "$TEST_TMP/o" | tail -5)"
bg status testops -o json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["pre"][0]["metrics"][0]; assert m["phase"]=="Successful" and m["count"]==3 and all("t" in x for x in m["measurements"])' "$TEST_TMP/o" \
  && pass "status -o json keeps every measurement (time, value, phase)" || fail "status -o json measurements" "$(head -c 300 "$TEST_TMP/o")"

# 2. Promote: one write to the router; blue scaled down after the delay and removed.
watch_start
bg promote testops --prometheus "$PROM_URL" --scale-down-delay 1s
writes=$(watch_stop)
check_eq "promote succeeds" 0 "$rc"
check_eq "promotion is one write to the router Service" 1 "$writes"
check_eq "traffic is on green" green "$(live)"
check_eq "the router selects green's pods" "$(eps testops-green-runner)" "$(eps testops)"
kctl get deploy testops-runner -n testops >/dev/null 2>&1 && fail "blue is removed after the delay" || pass "blue is removed after the delay"
grep -q "scaled 2 workloads of testops to zero" "$TEST_TMP/e" && pass "blue was scaled to zero before removal" || fail "blue scaled to zero" "$(why)"
check_eq "state done" done "$(step)"
kctl get svc testops-preview -n testops >/dev/null 2>&1 && fail "preview router removed" || pass "preview router removed"

# 3. A failing gate aborts automatically; traffic stays on green.
fast_gate fails 'result[0] < 0.05'
bg deploy testops "$CHART" -f "$OFFLINE" --set 'runner.extraEnv[0].name=KUBESIM_ERROR_RATE' --set-string 'runner.extraEnv[0].value=0.3' \
   --gate "$TEST_TMP/fails.yaml" --prometheus "$PROM_URL" --auto-promote
check_eq "a failing gate: exit 1" 1 "$rc"
grep -q "pre-promotion gate Failed: .*successCondition result\[0\] < 0.05 is false.*aborted, traffic stays on green" "$TEST_TMP/e" \
  && pass "the failure names the condition and the value, and says where traffic is" || fail "failing gate message" "$(why)"
check_eq "traffic stays on green" green "$(live)"
kctl get deploy testops-blue-runner -n testops >/dev/null 2>&1 && fail "the failed colour is removed" || pass "the failed colour is removed"
check_eq "state aborted" aborted "$(step)"
sleep 22   # the removed pods' errors leave the queries' 20 s rate window

# 4. An Argo AnalysisTemplate, unchanged, with --arg; --auto-promote.
cat >"$TEST_TMP/at.yaml" <<EOA
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: color
  - name: namespace
    value: testops
  metrics:
  - name: success-rate
    successCondition: result[0] >= 0.95
    interval: 2s
    count: 2
    failureLimit: 0
    provider:
      prometheus:
        address: $PROM_URL
        query: |
          sum(rate(testops_http_requests_total{namespace="{{args.namespace}}",color="{{args.color}}",code!~"5.."}[20s])) /
          sum(rate(testops_http_requests_total{namespace="{{args.namespace}}",color="{{args.color}}"}[20s]))
EOA
bg deploy testops "$CHART" -f "$OFFLINE" --gate "$TEST_TMP/at.yaml" --arg color=blue --auto-promote --scale-down-delay 1s
check_eq "an AnalysisTemplate gate passes and auto-promotes" 0 "$rc"
check_eq "traffic on blue after auto-promotion" blue "$(live)"
grep -q "gate success-rate: success-rate Successful" "$TEST_TMP/e" && pass "the AnalysisTemplate's metric was measured" || fail "AnalysisTemplate measured" "$(why)"
bg deploy testops "$CHART" -f "$OFFLINE" --gate "$TEST_TMP/at.yaml"
check_eq "a missing template argument is a usage problem (exit 1, nothing written)" 1 "$rc"
grep -q "argument color has no value: pass --arg color=VALUE" "$TEST_TMP/e" && pass "the missing argument is named" || fail "missing arg named" "$(why)"

# 5. An inconclusive gate pauses; the operator promotes; abort after promotion: one write back.
fast_gate unsure 'result[0] > 5' 'result[0] < 0'
bg deploy testops "$CHART" -f "$OFFLINE" --gate "$TEST_TMP/unsure.yaml" --prometheus "$PROM_URL" --auto-promote
check_eq "an inconclusive gate pauses (exit 1)" 1 "$rc"
grep -q "Inconclusive.*paused: .tops bluegreen promote testops. or .abort testops." "$TEST_TMP/e" && pass "the pause says why and what to do" || fail "pause message" "$(why)"
check_eq "paused: state waiting" waiting "$(step)"
check_eq "paused: traffic stays on blue" blue "$(live)"
bg promote testops --scale-down-delay 10m --prometheus "$PROM_URL"
# the post-promotion gate is the same inconclusive one: promoted, paused again
check_eq "promote after an inconclusive pause runs the post-promotion gate (paused again)" 1 "$rc"
check_eq "traffic moved to green" green "$(live)"
router_writes() { tops audit 2>/dev/null | grep -c 'Service testops -> '; }
before=$(router_writes)
bg abort testops
check_eq "abort after promotion succeeds" 0 "$rc"
check_eq "abort after promotion is one write to the router (audit)" 1 "$(( $(router_writes) - before ))"
check_eq "traffic is back on blue" blue "$(live)"
kctl get deploy testops-green-runner -n testops >/dev/null 2>&1 && fail "abort removes the new colour" || pass "abort removes the new colour"
bg abort testops
check_eq "nothing to abort: exit 1" 1 "$rc"
grep -q "nothing to abort: the last blue/green operation of testops is aborted" "$TEST_TMP/e" && pass "nothing to abort is explained" || fail "nothing to abort" "$(why)"

# 6. SIGKILL between steps: the next command says where it stopped and continues.
fast_gate slow 'result[0] < 0.05' '' 2s 10
TOPS_LEASE_DURATION=3 tops bluegreen deploy testops "$CHART" -f "$OFFLINE" -n testops --gate "$TEST_TMP/slow.yaml" --prometheus "$PROM_URL" >"$TEST_TMP/k.o" 2>"$TEST_TMP/k.e" & kp=$!
step_is() { [ "$(step 2>/dev/null)" = "$1" ]; }
wait_until 120 step_is analysing || fail "the deploy reaches analysing"
kill -9 $kp; wait $kp 2>/dev/null
sleep 4   # the lease's duration passes
bg status testops
grep -q "INTERRUPTED: the operation stopped at analysing" "$TEST_TMP/o" && pass "status says where the killed operation stopped" || fail "status after SIGKILL" "$(cat "$TEST_TMP/o" | head -8)"
check_eq "after SIGKILL traffic is on a working colour (blue)" blue "$(live)"
bg deploy testops "$CHART" -f "$OFFLINE"
check_eq "a new deploy is refused while one is unfinished" 1 "$rc"
grep -q "stopped at analysing (new colour green): .tops bluegreen promote testops. continues it" "$TEST_TMP/e" && pass "the refusal says how to continue" || fail "refusal message" "$(why)"
bg promote testops --scale-down-delay 1s --prometheus "$PROM_URL"
check_eq "promote continues the interrupted operation" 0 "$rc"
grep -q "continuing the blue/green operation of testops from analysing" "$TEST_TMP/e" && pass "promote says it continues" || fail "promote continues" "$(why)"
check_eq "traffic on green after continuing" green "$(live)"
check_eq "state done after continuing" done "$(step)"

# 7. Read-only, usage, audit.
out=$(tops --readonly bluegreen promote testops -n testops 2>&1); rc=$?
check_eq "read-only refuses promote (exit 1)" 1 "$rc"
tops bluegreen deploy testops >/dev/null 2>&1; check_eq "deploy without CHART is a usage error" 2 $?
tops bluegreen launch testops >/dev/null 2>&1; check_eq "an unknown subcommand is a usage error" 2 $?
tops bluegreen deploy testops "$CHART" --scale-down-delay soon >/dev/null 2>&1; check_eq "a bad duration is a usage error" 2 $?
n=$(tops audit 2>/dev/null | grep -c 'bluegreen-promote')
[ "$n" -ge 3 ] && pass "promotions are audited ($n entries)" || fail "promotions audited" "$n"
tops audit 2>/dev/null | grep -q 'Service testops -> green (testops-green)' && pass "each router write is in the audit" || fail "router writes audited" "$(tops audit 2>&1 | tail -3)"
