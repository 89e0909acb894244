#!/bin/bash
# The Hints line: the doctor's top finding for the namespace, for the row under the cursor and
# in the describe view, recomputed as the store changes (a crash appears and goes), the ingress
# rule's port-forward started on H (a request through it answers), and no line at all while
# there is nothing to say.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_kubectl || { skip "kubectl not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --speed 20 --scenario "$TOPS_ROOT/tests/kubesim/scenarios/doctor.yaml" || { fail "kubesim start"; exit 0; }
screen_start 160 40 || { fail "tmux session"; exit 0; }
# the crash loops have happened once before the console looks
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pod oom -n doc-crash -o jsonpath='{.status.containerStatuses[0].restartCount}' | grep -q '^[1-9]'"
wait_until 30 bash -c "kubectl --cache-dir $TEST_TMP/kcache get pod exits -n doc-crash -o jsonpath='{.status.containerStatuses[0].restartCount}' | grep -q '^[1-9]'"

# --- a healthy namespace: no Hints line; a crash appears, then goes
screen_run "$TOPS_BIN -n doc-ok; echo EXIT=\$?"
if wait_for "fine" 10 && wait_for "connected" 5; then pass "healthy namespace: the console is up"; else fail "healthy namespace: up" "$(capture | head -3 | tr '\n' '|')"; fi
if ! capture | grep -q ' Hint'; then pass "healthy namespace: no Hints line"; else fail "healthy namespace: no Hints line" "$(capture | grep Hint)"; fi
kctl apply -f - >/dev/null <<'EOY'
apiVersion: v1
kind: Pod
metadata: {name: boom, namespace: doc-ok, labels: {app.kubernetes.io/instance: testops, app.kubernetes.io/component: runner}}
spec:
  containers:
  - name: runner
    image: registry.local:5000/testops/runner@sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
    env: [{name: KUBESIM_CRASH, value: "1"}, {name: KUBESIM_EXIT_CODE, value: "2"}]
EOY
if wait_for " Hint  pod/boom: container runner exits with code 2 (Error)" 20; then pass "a crash appears: the Hints line says it"; else fail "a crash appears" "$(capture | tail -4 | tr '\n' '|')"; fi
check "the hint names the fix" _screen_has "→ kubectl -n doc-ok logs boom -c runner --previous"
kctl delete pod boom -n doc-ok >/dev/null
if wait_gone " Hint" 10; then pass "the crash goes: so does the Hints line"; else fail "the crash goes" "$(capture | tail -4 | tr '\n' '|')"; fi
keys q
wait_for "EXIT=0" 5 && pass "quit: exit 0" || fail "quit" "$(capture | tail -2 | tr '\n' '|')"

# --- two findings: the row under the cursor decides; the describe view shows its object's
screen_run "clear; $TOPS_BIN -n doc-crash; echo EXIT=\$?"
wait_for "oom" 10 && wait_for "connected" 5
if wait_for " Hints 2  pod/exits: container runner exits with code 3" 10; then pass "two findings: the selected pod's (exits)"; else fail "two findings: exits" "$(capture | tail -4 | tr '\n' '|')"; fi
keys j
if wait_for " Hints 2  pod/oom: container engine was OOMKilled (exit code 137)" 5; then pass "cursor down: the oom pod's hint"; else fail "cursor down" "$(capture | tail -4 | tr '\n' '|')"; fi
keys Enter
if wait_for "Describe" 5 && wait_for "pod/oom: container engine was OOMKilled" 5; then pass "describe view: the object's hint"; else fail "describe view" "$(capture | tail -4 | tr '\n' '|')"; fi
keys Escape
wait_for "Pods ─" 5
keys H
if wait_for "the fix is a command to run: tops upgrade testops charts/testops -n doc-crash --reuse-values --set engine.resources.limits.memory=LIMIT" 5; then
  pass "H on a fix that is not a port-forward: the command"
else
  fail "H on a plain fix" "$(capture | tail -3 | tr '\n' '|')"
fi
keys q
wait_for "EXIT=0" 5 || fail "quit doc-crash" "$(capture | tail -2 | tr '\n' '|')"

# --- the ingress rule: H starts its port-forward (the Ingress, classes and Services read once)
screen_run "clear; $TOPS_BIN -n doc-ingress; echo EXIT=\$?"
if wait_for " Hint  [H: port-forward] ingress/testops-runner: it names no ingressClassName and the cluster has no default IngressClass" 15; then
  pass "ingress: the Hints line"
else
  fail "ingress: the Hints line" "$(capture | tail -4 | tr '\n' '|')"
fi
wait_for "testops-runner-0" 10
keys H
if wait_for "-> testops-runner-0:8080 (:pf lists them)" 10; then pass "ingress: H starts the port-forward to a pod of the Service"; else fail "ingress: H" "$(capture | tail -3 | tr '\n' '|')"; fi
LPORT=$(capture | grep -o 'port-forward 127.0.0.1:[0-9]*' | head -1 | grep -o '[0-9]*$')
check_eq "ingress: a request through the forward reaches the pod" "200" \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${LPORT:-1}/v1/health")"
keys q
if wait_for "EXIT=0" 5 && _screen_has 'screen$' && ! _screen_has 'Pods ─'; then pass "quit: the terminal is back"; else fail "quit ingress" "$(capture | tail -3 | tr '\n' '|')"; fi
