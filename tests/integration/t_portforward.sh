#!/bin/bash
# tops port-forward against kubesim's pods/portforward (the kubelet's WebSocket channel
# protocol), and the real kubectl port-forward 1.32 on the same kubesim (SPDY inside a WebSocket):
# 100 parallel HTTP requests through curl, the runner's /v1/health, service and deployment
# targets, a port nothing listens on, a missing pod or service port, and a clean close on SIGINT.
. "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || { skip "curl not installed"; exit 0; }
cat >"$TEST_TMP/sc.yaml" <<'YAML'
apiVersion: kubesim.io/v1
kind: SimConfig
readyDelaySeconds: 1
---
apiVersion: v1
kind: Namespace
metadata: {name: testops}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: testops-runner, namespace: testops}
spec:
  replicas: 1
  selector: {matchLabels: {app: runner}}
  template:
    metadata: {labels: {app: runner}}
    spec:
      containers:
      - name: runner
        image: registry.local:5000/testops/runner:1.0
        ports: [{name: http, containerPort: 8080}, {containerPort: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: never-ready, namespace: testops}
spec:
  replicas: 1
  selector: {matchLabels: {app: nr}}
  template:
    metadata: {labels: {app: nr}}
    spec:
      containers:
      - name: nr
        image: registry.local:5000/testops/runner:1.0
        ports: [{containerPort: 8080}]
        env: [{name: KUBESIM_NEVER_READY, value: "1"}]
---
apiVersion: v1
kind: Service
metadata: {name: testops-runner, namespace: testops}
spec:
  selector: {app: runner}
  ports: [{name: web, port: 80, targetPort: http}]
YAML
kubesim_start --speed 20 --scenario "$TEST_TMP/sc.yaml" || { fail kubesim_start; exit 1; }
wait_until 20 sh -c "tops get pods 2>/dev/null | grep -q 'testops-runner.*1/1.*Running'" || { fail runner_ready; exit 1; }
wait_until 20 sh -c "tops get pods 2>/dev/null | grep -q 'never-ready.*Running'" || { fail never_ready_running; exit 1; }
POD=$(tops get pods -o name | grep testops-runner | head -1); POD=${POD#pod/}
NR=$(tops get pods -o name | grep never-ready | head -1); NR=${NR#pod/}

PIDS=()
stop_all() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; return 0; }
on_exit stop_all
# start_pf LOG CMD...: runs a forwarder, waits for its "Forwarding from" line
start_pf() { local log=$1; shift; "$@" >"$log" 2>&1 & PIDS+=($!); PF_PID=$!
  wait_until 10 grep -q '^Forwarding from 127.0.0.1' "$log"; }
local_port() { sed -n "s/^Forwarding from 127.0.0.1:\([0-9]*\) -> $2\$/\1/p" "$1" | head -1; }

parallel100() { # PORT: 100 parallel GETs, one line each; prints the number of distinct right answers
  local urls="" i; for i in $(seq 100); do urls="$urls http://127.0.0.1:$1/r/$i"; done
  curl -s -H 'Connection: close' --parallel --parallel-max 100 $urls | grep -c "^kubesim $POD:8080 GET /r/"
}

start_pf "$TEST_TMP/pf1" tops port-forward "$POD" :8080 9090:9090 || fail pf_start "$(cat "$TEST_TMP/pf1")"
P=$(local_port "$TEST_TMP/pf1" 8080)
check_eq free_local_port yes "$([ -n "$P" ] && [ "$P" != 8080 ] && echo yes)"
check_eq health "ok" "$(curl -s -m 5 "http://127.0.0.1:$P/v1/health")"
check_eq plain_path "kubesim $POD:8080 GET /a/b" "$(curl -s -m 5 "http://127.0.0.1:$P/a/b")"
check_eq second_port "kubesim $POD:9090 GET /" "$(curl -s -m 5 http://127.0.0.1:9090/)"
check_eq parallel_100 100 "$(parallel100 "$P")"
check_eq keepalive_two "kubesim $POD:8080 GET /one kubesim $POD:8080 GET /two" \
  "$(curl -s -m 5 "http://127.0.0.1:$P/one" "http://127.0.0.1:$P/two" | tr '\n' ' ' | sed 's/ $//')"
n=$(grep -c '^Handling connection for' "$TEST_TMP/pf1")
[ "$n" -ge 100 ] && pass handled_connections || fail handled_connections "$n"
kill -INT "$PF_PID"; wait "$PF_PID"; check_eq sigint_exit_0 0 "$?"
curl -s -m 2 "http://127.0.0.1:$P/" >/dev/null; check_eq closed_after_sigint 7 "$?"

# the runner's health follows readiness
start_pf "$TEST_TMP/pf2" tops port-forward "$NR" :8080
P2=$(local_port "$TEST_TMP/pf2" 8080)
check_eq health_not_ready 503 "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$P2/v1/health")"

# a service port to its named targetPort, and a deployment
start_pf "$TEST_TMP/pf3" tops port-forward svc/testops-runner :80
check_eq svc_target_port "Forwarding from 127.0.0.1:$(local_port "$TEST_TMP/pf3" 8080) -> 8080" "$(head -1 "$TEST_TMP/pf3")"
check_eq svc_request "kubesim $POD:8080 GET /s" "$(curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/pf3" 8080)/s")"
start_pf "$TEST_TMP/pf4" tops port-forward deploy/testops-runner :8080 :7777
check_eq deploy_request "kubesim $POD:8080 GET /d" "$(curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/pf4" 8080)/d")"
# a port nothing listens on: that connection fails with the kubelet's words, the forwarder lives on
curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/pf4" 7777)/" >/dev/null
wait_until 5 grep -q 'an error occurred forwarding .* -> 7777: error forwarding port 7777 to pod' "$TEST_TMP/pf4" && pass refused_port || fail refused_port "$(tail -2 "$TEST_TMP/pf4")"
check_eq alive_after_refused "kubesim $POD:8080 GET /again" "$(curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/pf4" 8080)/again")"

# errors before listening
tops port-forward no-such-pod 8080 2>"$TEST_TMP/e"; rc=$?
check_eq missing_pod "1|tops: pods \"no-such-pod\" not found" "$rc|$(cat "$TEST_TMP/e")"
tops port-forward svc/testops-runner 81 2>"$TEST_TMP/e"; rc=$?
check_eq missing_service_port "1|tops: Service testops-runner does not have a service port 81" "$rc|$(cat "$TEST_TMP/e")"
tops port-forward "$POD" 8080:abc 2>/dev/null; check_eq bad_port_usage 2 "$?"
BUSY=$(local_port "$TEST_TMP/pf4" 8080)
tops port-forward "$POD" "$BUSY:8080" 2>"$TEST_TMP/e"; rc=$?
[ $rc = 1 ] && grep -q "unable to listen on 127.0.0.1:$BUSY" "$TEST_TMP/e" && pass port_in_use || fail port_in_use "$rc $(cat "$TEST_TMP/e")"

# the real kubectl port-forward on the same kubesim, and the same answers through both
if have_kubectl; then
  start_pf "$TEST_TMP/k1" kctl port-forward "pod/$POD" :8080 || fail kubectl_start "$(cat "$TEST_TMP/k1")"
  KP=$(local_port "$TEST_TMP/k1" 8080)
  check_eq kubectl_parallel_100 100 "$(parallel100 "$KP")"
  check_eq kubectl_same_answer "$(curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/pf4" 8080)/v1/health")" "$(curl -s -m 5 "http://127.0.0.1:$KP/v1/health")"
  start_pf "$TEST_TMP/k2" kctl port-forward svc/testops-runner :80
  check_eq kubectl_svc "kubesim $POD:8080 GET /s" "$(curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/k2" 8080)/s")"
  start_pf "$TEST_TMP/k3" kctl port-forward "pod/$POD" :7777
  curl -s -m 5 "http://127.0.0.1:$(local_port "$TEST_TMP/k3" 7777)/" >/dev/null
  wait_until 5 grep -q 'an error occurred forwarding .* -> 7777: error forwarding port 7777 to pod' "$TEST_TMP/k3" && pass kubectl_refused_port || fail kubectl_refused_port "$(tail -2 "$TEST_TMP/k3")"
else
  skip "kubectl not installed: no comparison with kubectl port-forward"
fi
