#!/bin/bash
# The Snapshots view against kubesim and the real Prometheus: `:snapshots` lists the release's
# snapshots (taken with the CLI), `t` takes one from the console, Space marks two and `c` opens
# the side-by-side compare with the regressions highlighted and the digest drift marked; Esc goes
# back; a read-only console refuses `t`.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
. "$TOPS_ROOT/tests/screen/snapshot_scene.sh"
cd "$TOPS_ROOT" || exit 1

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_kubectl || { skip "kubectl not usable: snapshots view test"; exit 0; }
have_prometheus || { skip "prometheus not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
export XDG_STATE_HOME="$TEST_TMP/state"

offline_site_scenario "$TEST_TMP/sim.yaml"
sim_start --speed 20 --scenario "$TEST_TMP/sim.yaml" || { fail "kubesim start"; exit 0; }
prom_start "127.0.0.1:$KUBESIM_PORT" || { fail "prometheus starts"; exit 0; }
snapshot_scene || { fail "the release and its snapshots"; exit 0; }

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN -n testops --prometheus $PROM_URL; echo EXIT=\$?"
wait_for "connected" 10 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

keys : ; tm send-keys -l "snapshots"; keys Enter
if wait_for "$SCENE_POST" 15 && capture | grep -qF "$SCENE_GOLDEN"; then
  pass ":snapshots lists the release's snapshots"
else fail ":snapshots lists the release's snapshots" "$(capture | sed -n 1,6p | tr '\n' '|')"; fi
check "the view's title names the release and namespace" bash -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q 'Snapshots of testops.*2 in testops'"

keys t
if wait_for "3 in testops" 60 && wait_for "manual" 5; then pass "t takes a snapshot from the console"
else fail "t takes a snapshot" "$(capture | sed -n 1,6p | tr '\n' '|')"; fi
check_eq "the snapshot t took is a ConfigMap" 3 "$(kctl get cm -n testops -l owner=tops,tops-kind=snapshot -o name | wc -l)"

# rows oldest first: golden, post, manual; mark golden and post
keys g Space j Space
wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | grep -c '^│\* ') = 2 ]" && pass "Space marks two rows" || fail "Space marks two rows" "$(capture | sed -n 2,6p | tr '\n' '|')"
keys c
if wait_for "Compare golden → post" 5; then pass "c opens the compare of the two marked"
else fail "c opens the compare" "$(capture | sed -n 1,4p | tr '\n' '|')"; fi
check "compare: the two sides, before and after" bash -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q 'before .*│ after'"
check "compare: the ids side by side" bash -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q '$SCENE_GOLDEN .*│ $SCENE_POST'"
check "compare: drift marked on the after side" bash -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q '│   ≠ sha256:333333333333 (pinned sha256:222222222222) DRIFT'"
check "compare: the error-rate regression" bash -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q 'REGRESSION error_rate'"
# the regression line is drawn in the error colour (red: SGR 31)
check "compare: regressions highlighted" bash -c "tmux -L $SCREEN_SOCK capture-pane -e -p | grep 'REGRESSION error_rate' | grep -q $'\e\\[[0-9;]*31m'"
keys Escape
wait_for "Snapshots of testops" 5 && pass "Esc goes back to the list" || fail "Esc goes back to the list"
keys q
wait_for "EXIT=0" 10 || keys q
wait_for "EXIT=0" 5 && pass "quits with 0" || fail "quits with 0" "$(capture | tail -3 | tr '\n' '|')"

screen_run "$TOPS_BIN --readonly -n testops; echo EXIT=\$?"
wait_for "connected" 10
keys : ; tm send-keys -l "snapshots"; keys Enter
wait_for "3 in testops" 15
keys t
if wait_for "read-only mode: snapshot take refused" 5; then pass "read-only: t refused"; else fail "read-only: t refused" "$(capture | tail -3 | tr '\n' '|')"; fi
check_eq "read-only: nothing taken" 3 "$(kctl get cm -n testops -l owner=tops,tops-kind=snapshot -o name | wc -l)"
keys q; wait_for "EXIT=0" 5 || keys q
