#!/bin/bash
# The console's shell and port-forwards: `s` on a pod opens /bin/sh in it through the exec
# WebSocket (curses suspended, a TTY of the terminal's size), a typed command shows its output,
# `exit` brings the dashboard back exactly as it was; `F` forwards the pod's container port,
# `:pf` lists it with its connections and `x` stops it.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
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
        ports: [{containerPort: 8080}]
YAML
sim_start --speed 20 --scenario "$TEST_TMP/sc.yaml" || { fail "kubesim start"; exit 0; }
wait_until 20 sh -c "tops get pods 2>/dev/null | grep -q 'testops-runner.*1/1.*Running'" || { fail runner_ready; exit 0; }
POD=$(tops get pods -o name | head -1); POD=${POD#pod/}
screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "$POD" 10 && wait_for "connected" 5 || { fail "console starts" "$(capture | head -2 | tr '\n' '|')"; exit 0; }
wait_for "1/1" 10
# the dashboard without the clock, ages and the status line
dash() { capture | mask | grep -v 'shell in\|port-forward\|No Prometheus'; }
dash >"$TEST_TMP/before.txt"

keys s
wait_for "exit the shell to return to the console" 10 && wait_for '$ ' 5 && pass "s opens a shell" \
  || { fail "s opens a shell" "$(capture | tail -3 | tr '\n' '|')"; exit 0; }
tm send-keys -l "echo hello-from-the-shell"; keys Enter
wait_until 5 sh -c "[ \$(tmux -L '$SCREEN_SOCK' capture-pane -p | grep -c '^hello-from-the-shell') -ge 1 ]" \
  && pass "a command's output" || fail "a command's output" "$(capture | tail -4 | tr '\n' '|')"
tm send-keys -l "stty size"; keys Enter
wait_for "40 120" 5 && pass "the terminal's size reaches the shell" || fail "the terminal's size reaches the shell" "$(capture | tail -3 | tr '\n' '|')"
tm resize-window -x 100 -y 30 2>/dev/null || tm resize-pane -x 100 -y 30
tm send-keys -l "stty size"; keys Enter
wait_for "30 100" 5 && pass "a resize reaches the shell" || fail "a resize reaches the shell" "$(capture | tail -3 | tr '\n' '|')"
tm resize-window -x 120 -y 40 2>/dev/null || tm resize-pane -x 120 -y 40
tm send-keys -l "exit"; keys Enter
wait_for "ended (exit status 0)" 10 && pass "exit returns to the console" || fail "exit returns to the console" "$(capture | tail -3 | tr '\n' '|')"
grep -q "\"action\":\"shell\"" "$HOME/.local/state/tops/audit.jsonl" && grep '"action":"shell"' "$HOME/.local/state/tops/audit.jsonl" | grep -q "pod/$POD.*exit 0" \
  && pass "the shell is audited" || fail "the shell is audited" "$(tail -1 "$HOME/.local/state/tops/audit.jsonl" 2>&1)"
wait_until 5 sh -c "! tmux -L '$SCREEN_SOCK' capture-pane -p | grep -q hello-from-the-shell"
dash >"$TEST_TMP/after.txt"
if diff "$TEST_TMP/before.txt" "$TEST_TMP/after.txt" >"$TEST_TMP/dash.diff"; then pass "the dashboard is back intact"
else fail "the dashboard is back intact" "$(head -6 "$TEST_TMP/dash.diff" | tr '\n' '|')"; fi

# port-forward from the console
keys F
wait_for "port-forward 127.0.0.1:" 5 && pass "F starts a port-forward" || fail "F starts a port-forward" "$(capture | tail -2 | tr '\n' '|')"
LP=$(capture | sed -n 's/.*port-forward 127\.0\.0\.1:\([0-9]*\) -> .*/\1/p' | head -1)
check_eq "requests through the console's forward" "kubesim $POD:8080 GET /via-console" "$(curl -s -m 5 "http://127.0.0.1:$LP/via-console")"
keys : ; tm send-keys -l "pf"; keys Enter
wait_for "Port-forwards" 5 && wait_for "127.0.0.1:$LP" 5 && pass ":pf lists it" || fail ":pf lists it" "$(capture | head -5 | tr '\n' '|')"
capture | grep "127.0.0.1:$LP" | grep -qE " 8080 +[0-9]+ +[1-9][0-9]* " && pass ":pf counts its connections" || fail ":pf counts its connections" "$(capture | grep 127.0.0.1 | head -2)"
keys x
wait_for "none: F on a pod starts one" 5 && pass "x stops it" || fail "x stops it" "$(capture | head -5 | tr '\n' '|')"
curl -s -m 2 "http://127.0.0.1:$LP/" >/dev/null; check_eq "stopped forward refuses" 7 "$?"
keys Escape; keys F; wait_for "port-forward 127.0.0.1:" 5
keys q
wait_for "EXIT=0" 10 && pass "q exits 0 with a forward running" || fail "q exits 0 with a forward running" "$(capture | tail -2 | tr '\n' '|')"
