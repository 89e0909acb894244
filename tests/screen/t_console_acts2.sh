#!/bin/bash
# More of the console's actions, in tmux against kubesim: an operation started elsewhere (the CLI)
# shows in the Releases view and on the header line, and `o` follows it read-only; with
# console.confirmTypeName matching the namespace the release name must be typed (a wrong name
# changes nothing); `q` during an operation asks (w goes on); `:apply FILE` shows the plan and
# applies server-side; a manifest that is not YAML is refused with its position; `:uninstall`
# asks for the name and removes the release.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
cd "$TOPS_ROOT" || exit 1

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_kubectl || { skip "kubectl not usable: console acts test"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

BAD_DIGEST=sha256:0000000000000000000000000000000000000000000000000000000000000bad
export XDG_STATE_HOME="$TEST_TMP/state"
RUNNER_DIGEST=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
offline_site_scenario "$TEST_TMP/sim.yaml"
cat >>"$TEST_TMP/sim.yaml" <<EOS
---
apiVersion: kubesim.io/v1
kind: SimConfig
mirrorDigests: ["$RUNNER_DIGEST", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]
EOS
sim_start --speed 10 --scenario "$TEST_TMP/sim.yaml" || { fail "kubesim start"; exit 0; }
mkdir -p "$HOME/.config/tops"
cat >"$HOME/.config/tops/config.yaml" <<'EOC'
render:
  chart: charts/testops
  values: [deploy/offline-values.yaml]
console:
  confirmTypeName: "test*"
EOC
"$TOPS_BIN" install testops charts/testops -n testops -f deploy/offline-values.yaml --wait --timeout 2m \
  >"$TEST_TMP/install.out" 2>&1 || { fail "tops install" "$(tail -3 "$TEST_TMP/install.out" | tr '\n' ' ')"; exit 0; }
last_rev() { "$TOPS_BIN" history testops -n testops 2>/dev/null | tail -1 | awk -F'\t' '{gsub(/ /,"",$1); print $1}'; }

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "cd $TOPS_ROOT && $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 15 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

# ---- an upgrade started by the CLI: pending, its holder, followed read-only ----
"$TOPS_BIN" upgrade testops charts/testops -n testops -f deploy/offline-values.yaml \
  --set runner.image.digest=$BAD_DIGEST --atomic --grace 5m --timeout 5m >"$TEST_TMP/cli.out" 2>&1 & cli=$!
if wait_until 20 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | sed -n 2p | grep -qE 'pending-upgrade testops revision 2 . [^ ]+@[^ ]+:$cli'"; then
  pass "header: the CLI's upgrade shows with its lock holder"
else fail "header: elsewhere" "$(capture | sed -n 2p)"; fi
keys : ; tm send-keys -l "releases"; keys Enter
wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'testops +testops +2 .* pending-upgrade .* upgrade by root@'" \
  && pass "Releases: pending-upgrade, upgrade by the CLI's holder" || fail "Releases pending" "$(capture | sed -n 3,5p | tr '\n' '|')"
keys o
wait_for "Following testops/testops (read-only)" 5 && wait_for ":$cli for" 5 \
  && capture | grep -qE "deployment/testops-runner .*updated" \
  && pass "o: follows the operation read-only (lock holder, workloads)" || fail "follow" "$(capture | sed -n 3,8p | tr '\n' '|')"
keys a
capture | grep -qF "Abort the operation?" && fail "follow is read-only" "a asked to abort" || pass "follow: a does nothing (read-only)"
kill -INT $cli; wait $cli
wait_until 15 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'Revision 3 deployed'" \
  && pass "follow: the CLI's rollback shows (revision 3 deployed)" || fail "follow end" "$(capture | sed -n 2,4p | tr '\n' '|')"
keys Escape; wait_gone "Following" 5

# ---- typed confirmation in a namespace matching console.confirmTypeName ----
keys : ; tm send-keys -l "upgrade testops --set runner.replicas=3"; keys Enter
wait_for "Upgrade testops/testops" 5 && keys Enter
if wait_for "Type the release name to confirm:" 30; then
  pass "confirmTypeName: the name must be typed"
  tm send-keys -l "testopz"; keys Enter
  wait_for "cancelled" 10 && pass "a wrong name cancels" || fail "wrong name" "$(capture | sed -n 3,8p | tr '\n' '|')"
  check_eq "wrong name: no new revision" 3 "$(last_rev)"
else fail "typed name asked" "$(capture | sed -n 3,8p | tr '\n' '|')"; fi
keys Escape; wait_gone "Phase:" 5
keys : ; tm send-keys -l "upgrade testops --set runner.replicas=3"; keys Enter
wait_for "Upgrade testops/testops" 5 && keys Enter
if wait_for "Type the release name to confirm:" 30; then
  tm send-keys -l "testops"; keys Enter
  wait_for "Result: deployed, revision 4" 60 && pass "the right name: upgraded to revision 4" \
    || fail "typed upgrade" "$(capture | sed -n 3,12p | tr '\n' '|')"
else fail "typed name asked (2)" "$(capture | sed -n 3,8p | tr '\n' '|')"; fi

# ---- q during an operation asks; w goes on; a aborts from :op ----
keys Escape; wait_gone "Phase:" 5
keys : ; tm send-keys -l "upgrade testops --set runner.image.digest=$BAD_DIGEST"; keys Enter
wait_for "Upgrade testops/testops" 5 && keys Tab Tab Tab Tab Tab Tab Tab C-u && tm send-keys -l "5m" && keys Enter
if wait_for "Type the release name to confirm:" 30; then
  tm send-keys -l "testops"; keys Enter
  wait_for "Phase: waiting for" 30 || fail "q: the wait started" "$(capture | sed -n 3,12p | tr '\n' '|')"
  keys Escape; wait_gone "Phase:" 5; keys : ; tm send-keys -l "q"; keys Enter
  wait_for "An operation is running: w wait" 5 && pass ":q during an operation asks" || { capture > /tmp/c/qfail.txt; fail "q asks" "$(capture | tail -2 | tr "\n" "|")"; }
  keys w
  wait_for "the operation goes on" 5 && pass "w: the console stays, the operation goes on" || fail "w" "$(capture | tail -2 | tr '\n' '|')"
  keys : ; tm send-keys -l "op"; keys Enter
  wait_for "Phase: waiting for" 5 && keys a && wait_for "Abort the operation?" 5 && keys y
  wait_for "Result: failed and rolled back" 60 && pass ":op then a: aborted and rolled back" \
    || fail "abort from :op" "$(capture | sed -n 3,12p | tr '\n' '|')"
  check_eq "abort: revision 6 is the rollback" 6 "$(last_rev)"
else fail "typed name asked (3)" "$(capture | sed -n 3,8p | tr '\n' '|')"; fi

# ---- :apply ----
cat >"$TEST_TMP/cm.yaml" <<'EOY'
apiVersion: v1
kind: ConfigMap
metadata:
  name: acts-extra
  namespace: testops
data:
  greeting: hello
EOY
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n' >"$TEST_TMP/bad.yaml"
keys Escape; wait_gone "Phase:" 5
keys : ; tm send-keys -l "apply $TEST_TMP/bad.yaml"; keys Enter
wait_for "Result: failed" 20 && capture | grep -qE "bad.yaml.*[0-9]+:[0-9]+" \
  && pass ":apply: a file that is not YAML is refused with its position" || fail ":apply bad" "$(capture | sed -n 3,10p | tr '\n' '|')"
keys Escape; wait_gone "Phase:" 5
keys : ; tm send-keys -l "apply $TEST_TMP/cm.yaml"; keys Enter
if wait_for "Plan: 1 to add, 0 to change, 0 to destroy." 20 && wait_for "Type the namespace to confirm:" 5; then
  pass ":apply: the plan"
  tm send-keys -l "testops"; keys Enter
  wait_for "Result: applied" 30 && pass ":apply: applied" || fail ":apply result" "$(capture | sed -n 3,10p | tr '\n' '|')"
  check_eq ":apply: the ConfigMap is there (kubectl)" hello "$(kctl get cm acts-extra -n testops -o jsonpath='{.data.greeting}')"
  check_eq ":apply: applied server-side by tops" tops \
    "$(kctl get cm acts-extra -n testops -o json --show-managed-fields | python3 -c 'import json,sys; print(" ".join(sorted({m["manager"] for m in json.load(sys.stdin)["metadata"].get("managedFields",[]) if m.get("operation")=="Apply"})))')"
else fail ":apply plan" "$(capture | sed -n 3,10p | tr '\n' '|')"; fi

# ---- :uninstall ----
keys Escape; wait_gone "Phase:" 5
keys : ; tm send-keys -l "uninstall testops"; keys Enter
if wait_for "to destroy." 20 && capture | grep -qE "Plan: 0 to add, 0 to change, [1-9][0-9]* to destroy" \
   && wait_for "Type the release name to confirm:" 5; then
  pass ":uninstall: the plan lists what goes and asks for the name"
  tm send-keys -l "testops"; keys Enter
  wait_for "Result: uninstalled" 60 && pass ":uninstall: done" || fail ":uninstall result" "$(capture | sed -n 3,10p | tr '\n' '|')"
  check_eq ":uninstall: no records left" 0 "$(kctl get secrets -n testops -l owner=helm,name=testops -o name | wc -l)"
  check_eq ":uninstall: the runner is gone" NotFound "$(kctl get deploy testops-runner -n testops 2>&1 | grep -o NotFound | head -1)"
else fail ":uninstall plan" "$(capture | sed -n 3,10p | tr '\n' '|')"; fi
keys Escape; wait_gone "Phase:" 5; keys q
wait_for "EXIT=0" 10 && pass "quits after the operations" || fail "quit" "$(capture | tail -3 | tr '\n' '|')"
