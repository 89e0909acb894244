#!/bin/bash
# The console with an exec credential plugin that takes 3 seconds: while it runs the console
# keeps drawing (the clock moves) and answers keys; then the pods arrive with its token.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --pods 6 --seed 3 || { fail "kubesim start"; exit 0; }
FIRST_POD=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print(sorted(p["metadata"]["name"] for p in json.load(sys.stdin)["items"])[0])')

plugin="$TEST_TMP/slow-plugin.sh"
cat >"$plugin" <<PLUGIN
#!/bin/sh
echo started >>"$TEST_TMP/runs"
sleep 3
touch "$TEST_TMP/plugin-done"
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"slow-token"}}\n'
PLUGIN
chmod +x "$plugin"
kc="$TEST_TMP/exec-kubeconfig"
sed -e 's/^    token: sim-token$/    exec:\n      apiVersion: client.authentication.k8s.io\/v1beta1\n      command: PLUGIN/' \
    "$KUBECONFIG" | sed "s#command: PLUGIN#command: $plugin#" >"$kc"
grep -q "command: $plugin" "$kc" || { fail "exec kubeconfig" "$(cat "$kc")"; exit 0; }

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN --kubeconfig $kc; echo EXIT=\$?"
clock() { capture | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2} UTC' | head -1; }
running() { [ -f "$TEST_TMP/runs" ] && [ ! -f "$TEST_TMP/plugin-done" ]; }

if wait_until 5 running && wait_for "Pods ─" 2; then
  c1=$(clock)
  if wait_until 2 sh -c "[ \"\$(tmux -L $SCREEN_SOCK capture-pane -p | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2} UTC' | head -1)\" != '$c1' ]" \
     && running; then
    pass "the clock moves while the plugin runs"
  else
    fail "the clock moves while the plugin runs" "clock $c1 -> $(clock), done=$([ -f "$TEST_TMP/plugin-done" ] && echo yes)"
  fi
  keys '?'
  if wait_for "Esc or q closes" 2 && running; then
    pass "keys answered while the plugin runs"
  else
    fail "keys answered while the plugin runs" "$(capture | head -3 | tr '\n' '|')"
  fi
  keys Escape
else
  fail "console drawn while the plugin runs" "$(capture | head -3 | tr '\n' '|')"
fi

if wait_for "$FIRST_POD" 10; then pass "pods arrive once the plugin answers"
else fail "pods arrive once the plugin answers" "$(capture | head -5 | tr '\n' '|')"; fi
check_eq "one plugin run for all the console's requests" 1 "$(wc -l <"$TEST_TMP/runs" | tr -d ' ')"
keys q
wait_for "EXIT=0" 5 && pass "console exits 0" || fail "console exits 0" "$(capture | tail -3 | tr '\n' '|')"
