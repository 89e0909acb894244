#!/bin/bash
# The console acts, in tmux against kubesim: the Releases view (records watched live) and a
# release's history (values, manifest, notes, diff); an upgrade from the dialog (a bad --set is
# refused in the dialog with its position, the plan line and the diff, y, the progress bars move
# to complete, the record is deployed — checked with tops history and kubectl); the header line
# on other screens; an upgrade to an unpullable digest that fails early and rolls back (the view
# names the pod and the reason); abort by key (rolls back); rollback from the history; the
# audit view; read-only refusals; an upgrade left headless by `tmux kill-server` that finishes
# (record deployed, process gone, audit entry written).
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
cd "$TOPS_ROOT" || exit 1

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_kubectl || { skip "kubectl not usable: console acts test"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

RUNNER_DIGEST=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
BAD_DIGEST=sha256:0000000000000000000000000000000000000000000000000000000000000bad
export XDG_STATE_HOME="$TEST_TMP/state"
offline_site_scenario "$TEST_TMP/sim.yaml"
cat >>"$TEST_TMP/sim.yaml" <<EOS
---
apiVersion: kubesim.io/v1
kind: SimConfig
mirrorDigests: ["$RUNNER_DIGEST", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]
EOS
sim_start --speed ${ACTS_SPEED:-10} --scenario "$TEST_TMP/sim.yaml" || { fail "kubesim start"; exit 0; }
mkdir -p "$HOME/.config/tops"
cat >"$HOME/.config/tops/config.yaml" <<'EOC'
render:
  chart: charts/testops
  values: [deploy/offline-values.yaml]
EOC
"$TOPS_BIN" install testops charts/testops -n testops -f deploy/offline-values.yaml --wait --timeout 2m \
  >"$TEST_TMP/install.out" 2>&1 || { fail "tops install" "$(tail -3 "$TEST_TMP/install.out" | tr '\n' ' ')"; exit 0; }
rev_status() { "$TOPS_BIN" history testops -n testops 2>/dev/null | awk -F'\t' -v r="$1" '{gsub(/ /,"",$1); gsub(/ /,"",$3)} $1==r {print $3}'; }
last_rev() { "$TOPS_BIN" history testops -n testops 2>/dev/null | tail -1 | awk -F'\t' '{gsub(/ /,"",$1); print $1}'; }
audit_has() { grep -q "\"action\":\"$1\".*\"result\":\"$2\"" "$XDG_STATE_HOME/tops/audit.jsonl"; }

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "cd $TOPS_ROOT && $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 15 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

# ---- Releases view and history ----
keys : ; tm send-keys -l "releases"; keys Enter
if wait_for "Releases" 5 && wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -E 'testops +testops +1 .* deployed +testops-'"; then
  pass "Releases view: testops, revision 1, deployed, with its chart"
else fail "Releases view" "$(capture | sed -n 2,6p | tr '\n' '|')"; fi
capture | grep -qE 'NAME +NAMESPACE +REVISION +UPDATED +STATUS +CHART +APP VERSION' \
  && pass "Releases view: helm list's columns" || fail "Releases columns" "$(capture | sed -n 3p)"
# a record written elsewhere shows up live (the CLI upgrades to revision 2)
"$TOPS_BIN" upgrade testops charts/testops -n testops -f deploy/offline-values.yaml --set runner.replicas=3 --wait \
  >"$TEST_TMP/up2.out" 2>&1 || fail "CLI upgrade to 2" "$(tail -2 "$TEST_TMP/up2.out" | tr '\n' ' ')"
wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -E 'testops +testops +2 .* deployed'" \
  && pass "Releases view follows a CLI upgrade live (revision 2)" || fail "live revision 2" "$(capture | sed -n 4,6p | tr '\n' '|')"
keys Enter
if wait_for "History testops/testops" 5 && wait_until 5 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -E '│2 .* deployed .*Upgrade complete'" \
   && capture | grep -qE '│1 .* superseded .*Install complete'; then
  pass "history: revisions with helm's columns, newest first"
else fail "history" "$(capture | sed -n 3,6p | tr '\n' '|')"; fi
keys v
wait_for "Values testops revision 2" 5 && keys / && tm send-keys -l "replicas: 3" && keys Enter && wait_for "replicas: 3" 3 \
  && pass "v: the revision's user values" || fail "v values" "$(capture | sed -n 2,8p | tr '\n' '|')"
keys Escape; keys M
wait_for "Manifest testops revision 2" 5 && wait_for "# Source: testops/templates/" 3 \
  && pass "M: the revision's manifest" || fail "M manifest" "$(capture | sed -n 2,6p | tr '\n' '|')"
keys Escape; keys N
wait_for "Notes testops revision 2" 5 && pass "N: the revision's notes" || fail "N notes" "$(capture | sed -n 2,4p | tr '\n' '|')"
keys Escape; keys j D
if wait_for "Diff testops revision 1 against the live objects" 5 && wait_for "to change" 20; then
  capture | grep -qE 'Plan: 0 to add, [1-9][0-9]* to change' && capture | grep -qE -- "│- +replicas: 3" \
    && pass "D: revision 1 against the live objects (replicas 3 in the live objects)" || fail "D diff content" "$(capture | sed -n 3,12p | tr '\n' '|')"
else fail "D diff" "$(capture | sed -n 2,6p | tr '\n' '|')"; fi
keys Escape


# ---- upgrade from the dialog ----
keys u
wait_for "Upgrade testops/testops (revision 2)" 5 && capture | grep -qE "Chart +charts/testops" \
  && capture | grep -qE "Values files \(-f\) +deploy/offline-values.yaml" \
  && pass "u: the dialog prefilled with the chart and values files" || fail "upgrade dialog" "$(capture | sed -n 3,8p | tr '\n' '|')"
keys Tab Tab; tm send-keys -l "runner.replicas[x]=1"; keys Enter
wait_for "--set runner.replicas[x]=1: " 5 && capture | grep -qF 'parsing "x": invalid syntax (nothing was changed)' \
  && pass "bad --set syntax: refused in the dialog with its words, nothing started" || fail "bad --set" "$(capture | sed -n 10,14p | tr '\n' '|')"
keys C-u; tm send-keys -l "runner.replicas=many"; keys Enter
wait_for "values don't meet the specifications of the schema" 30 && capture | grep -qE "runner.replicas|replicas" \
  && pass "schema error: shown in the dialog, nothing applied" || fail "schema error" "$(capture | sed -n 10,16p | tr '\n' '|')"
keys C-u; tm send-keys -l "--nope"; keys C-u
check_eq "bad input: no new revision" 2 "$(last_rev)"
keys C-u; tm send-keys -l "runner.replicas=4"; keys Enter
if wait_for "Plan: 0 to add, 1 to change, 0 to destroy." 30; then
  pass "plan line after render, validation and diff"
  capture | grep -qE '│.*\+ +replicas: 4' && pass "the diff shows replicas 3 -> 4" || fail "diff shown" "$(capture | sed -n 6,14p | tr '\n' '|')"
else fail "plan line" "$(capture | sed -n 2,8p | tr '\n' '|')"; fi
check_eq "before y: still revision 2" 2 "$(last_rev)"
keys y
if wait_for "Result: deployed, revision 3" 60; then pass "upgrade succeeds in the supervision view"
else fail "upgrade result" "$(capture | sed -n 2,12p | tr '\n' '|')"; fi
capture | grep -qE "deployment/testops-runner .*updated 4/4  ready 4/4  available 4/4" \
  && pass "progress bar of the runner complete (4/4)" || fail "progress complete" "$(capture | grep -F deployment/ | head -2 | tr '\n' '|')"
capture >"$TEST_TMP/sup.txt"
grep -qE "pod/testops-runner-[a-z0-9-]+ .*(→|->) .*Running Ready" "$TEST_TMP/sup.txt" \
  && pass "timeline of pod transitions" || fail "timeline" "$(capture | sed -n 12,20p | tr '\n' '|')"
check_eq "record: revision 3 deployed (tops history)" deployed "$(rev_status 3)"
check_eq "live: 4 runner replicas (kubectl)" 4 "$(kctl get deploy testops-runner -n testops -o jsonpath='{.spec.replicas}')"
keys Escape
wait_until 5 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | sed -n 2p | grep -E 'upgrade testops 2(→|->)3 . done in'" \
  && pass "header: the result line on the dashboard" || fail "header result" "$(capture | sed -n 1,3p | tr '\n' '|')"

# upgrade_with SETS GRACE: the dialog from :upgrade with --set words, the grace typed in, Enter.
upgrade_with() {
  keys : ; tm send-keys -l "upgrade testops $1"; keys Enter
  wait_for "Upgrade testops/testops" 5 || return 1
  keys Tab Tab Tab Tab Tab Tab Tab C-u; tm send-keys -l "$2"; keys Enter
}

# ---- an unpullable digest fails early and rolls back ----
upgrade_with "--set runner.image.digest=$BAD_DIGEST" 2s
wait_for "Plan: 0 to add, 1 to change, 0 to destroy." 30 || fail "bad digest: plan" "$(capture | sed -n 2,8p | tr '\n' '|')"
keys y
if wait_for "Result: failed and rolled back" 90; then
  pass "bad digest: fails early and rolls back"
  capture | grep -qE "pod/testops-runner-[a-z0-9-]+ (container runner: )?(ErrImagePull|ImagePullBackOff)" \
    && pass "bad digest: the view names the pod and the reason" || fail "pod and reason" "$(capture | sed -n 10,14p | tr '\n' '|')"
else fail "bad digest: rolled back" "$(capture | sed -n 2,14p | tr '\n' '|')"; fi
check_eq "bad digest: revision 4 failed" failed "$(rev_status 4)"
check_eq "bad digest: revision 5 deployed (the rollback)" deployed "$(rev_status 5)"
check "bad digest: audited as rolled back" audit_has upgrade "rolled back"

# ---- abort by key ----
keys Escape
upgrade_with "--set runner.image.digest=$BAD_DIGEST" 5m
wait_for "Plan: 0 to add, 1 to change, 0 to destroy." 30 && keys y
if wait_for "Phase: waiting for" 30; then
  wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | sed -n 2p | grep -E 'upgrade testops 5(→|->)6 . [0-9]+s . [0-9]+/[0-9]+ ready'" \
    && pass "header: upgrade testops 5→6 · elapsed · ready count while it runs" || fail "header while running" "$(capture | sed -n 2p)"
  keys a
  wait_for "Abort the operation?" 5 && keys y
  wait_for "Result: failed and rolled back" 90 && pass "abort by key: stops and rolls back" \
    || fail "abort by key" "$(capture | sed -n 2,14p | tr '\n' '|')"
else fail "abort: the wait started" "$(capture | sed -n 2,8p | tr '\n' '|')"; fi
check_eq "abort: revision 6 failed" failed "$(rev_status 6)"
check_eq "abort: revision 7 deployed (the rollback)" deployed "$(rev_status 7)"

# ---- rollback from the history ----
keys Escape; wait_gone "Phase:" 5; keys : ; tm send-keys -l "releases"; keys Enter
wait_for "Releases" 5 && keys Enter
wait_for "History testops/testops" 5
keys j j j j j   # 7 6 5 4 3 2: revision 2 had 3 replicas
if wait_until 5 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -E '^│ *2 ' >/dev/null" && keys r && \
   wait_for "Plan: 0 to add, 1 to change, 0 to destroy." 30; then
  pass "r on revision 2: the diff of the live objects against it"
  keys y
  wait_for "Result: deployed, revision 8" 60 && pass "rollback from the history succeeds" \
    || fail "rollback result" "$(capture | sed -n 2,12p | tr '\n' '|')"
else fail "rollback plan" "$(capture | sed -n 2,12p | tr '\n' '|')"; fi
check_eq "rollback: revision 8 says Rollback to 2" "Rollback to 2" \
  "$("$TOPS_BIN" history testops -n testops | awk -F'\t' '{gsub(/ +$/,"",$6); gsub(/ /,"",$1)} $1==8 {print $6}')"
check_eq "rollback: 3 runner replicas again (kubectl)" 3 "$(kctl get deploy testops-runner -n testops -o jsonpath='{.spec.replicas}')"

# ---- audit ----
keys Escape; wait_gone "Phase:" 5; keys : ; tm send-keys -l "audit"; keys Enter
if wait_for "Audit" 5 && capture | sed -n 5p | grep -qE "rollback +testops +testops +7(→|->)8 +deployed"; then
  pass ":audit: newest first (the rollback)"
else fail ":audit newest first" "$(capture | sed -n 3,6p | tr '\n' '|')"; fi
keys / ; tm send-keys -l "rolled back"; keys Enter
wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | grep -cE 'upgrade +testops .*rolled back') = 2 ] && ! tmux -L $SCREEN_SOCK capture-pane -p | grep -qE '│[0-9-]+T.* rollback +testops'" \
  && pass ":audit filter: the two rolled-back upgrades only" || fail ":audit filter" "$(capture | sed -n 3,9p | tr '\n' '|')"

# ---- read-only ----
keys q q
wait_for "EXIT=0" 10 || fail "quit" "$(capture | tail -3 | tr '\n' '|')"
screen_run "clear; $TOPS_BIN --readonly; echo EXIT=\$?"
wait_gone "EXIT=0" 10; wait_for "connected" 15
keys : ; tm send-keys -l "releases"; keys Enter
wait_for "Releases" 5; keys u
wait_for "read-only: upgrade refused" 5 && pass "read-only: u says read-only" || fail "read-only u" "$(capture | tail -3 | tr '\n' '|')"
keys : ; tm send-keys -l "rollback testops 1"; keys Enter
wait_for "read-only: rollback refused" 5 && pass "read-only: :rollback refused" || fail "read-only :rollback" "$(capture | tail -3 | tr '\n' '|')"
keys : ; tm send-keys -l "apply deploy/offline-values.yaml"; keys Enter
wait_for "read-only: apply refused" 5 && pass "read-only: :apply refused" || fail "read-only :apply" "$(capture | tail -3 | tr '\n' '|')"
keys '?'
wait_for "Help" 5; keys / ; tm send-keys -l "roll back to the revision"; keys Enter
wait_for "(read-only: refused)" 5 && pass "read-only: help marks the actions" || fail "help marks" "$(capture | sed -n 3,8p | tr '\n' '|')"
check_eq "read-only: no new revision" 8 "$(last_rev)"
keys Escape; wait_gone "(read-only: refused)" 5; keys q   # help, then the Releases view
wait_gone "No releases" 2; wait_for "Pods" 5; keys q
wait_for "EXIT=0" 10 || fail "read-only console quits" "$(capture | tail -3 | tr '\n' '|')"

# ---- terminal lost mid-operation: the upgrade finishes headless ----
screen_run "clear; $TOPS_BIN; echo EXIT=\$?"
wait_gone "EXIT=0" 10; wait_for "connected" 15
upgrade_with "--set runner.image.digest=$BAD_DIGEST" 3s
wait_for "Plan: 0 to add, 1 to change, 0 to destroy." 30 && keys y
wait_for "Phase: waiting for" 30 || fail "headless: the wait started" "$(capture | sed -n 2,6p | tr '\n' '|')"
pid=$(tops_pid)
tm kill-server
if [ -n "$pid" ] && wait_until 90 sh -c "! kill -0 $pid 2>/dev/null"; then pass "headless: the process ended by itself"
else fail "headless: process ended" "pid=$pid"; kill "$pid" 2>/dev/null; fi
check_eq "headless: revision 9 failed" failed "$(rev_status 9)"
check_eq "headless: revision 10 deployed (rolled back without the terminal)" deployed "$(rev_status 10)"
check_eq "headless: the audit entry names revision 9's outcome" 1 \
  "$(grep -c '"action":"upgrade".*"fromRevision":8.*"result":"rolled back"' "$XDG_STATE_HOME/tops/audit.jsonl")"
check_eq "headless: the lease is released" "NotFound" \
  "$(kctl get lease tops-release-testops -n testops 2>&1 | grep -o NotFound | head -1)"
