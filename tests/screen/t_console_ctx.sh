#!/bin/bash
# The console's :ctx completion offers every context of the merged $KUBECONFIG (two files here),
# and :ctx NAME switches to one of them.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --pods 3 --seed 7 || { fail "kubesim start"; exit 0; }
# a second file with two more contexts on the same simulator (other namespaces)
cat >"$TEST_TMP/more.yaml" <<EOK
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: http://127.0.0.1:1
- name: sim-b
  cluster:
    server: $KUBESIM_URL
contexts:
- name: sim-b
  context:
    cluster: sim-b
    user: sim-b
    namespace: default
- name: staging
  context:
    cluster: sim-b
    user: sim-b
    namespace: staging
users:
- name: sim-b
  user:
    token: sim-token
EOK
export KUBECONFIG="$KUBECONFIG:$TEST_TMP/more.yaml"
screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "ctx: sim " 10 && wait_for "connected" 10 || fail "console starts" "$(capture | head -2 | tr '\n' '|')"

# Tab on a prefix shared by all three lists them; a longer prefix completes one
keys :; tm send-keys -l "ctx s"; keys Tab
if wait_for "sim sim-b staging" 3; then pass ":ctx completion lists every context"
else fail ":ctx completion lists every context" "$(capture | tail -2 | tr '\n' '|')"; fi
keys C-u; tm send-keys -l "ctx st"; keys Tab
wait_for ":ctx staging" 3 && pass ":ctx completion completes a context of the second file" \
  || fail ":ctx completion completes a context of the second file" "$(capture | tail -2 | tr '\n' '|')"
keys C-u; tm send-keys -l "ctx sim-"; keys Tab
wait_for ":ctx sim-b" 3 || fail ":ctx sim- completes to sim-b" "$(capture | tail -2 | tr '\n' '|')"
keys Enter
if wait_for "ctx: sim-b" 5 && wait_for "ns: default" 3; then pass ":ctx switches to a completed context"
else fail ":ctx switches to a completed context" "$(capture | head -1)"; fi
# the list is the same after the switch
keys :; tm send-keys -l "ctx "; keys Tab
wait_for "sim sim-b staging" 3 && pass ":ctx completion after a switch" \
  || fail ":ctx completion after a switch" "$(capture | tail -2 | tr '\n' '|')"
keys Escape
keys q
wait_for "EXIT=0" 5 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
