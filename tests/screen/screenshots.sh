#!/bin/bash
# make screenshots: real runs of the console against kubesim's demo scenario, captured from tmux
# with colours (capture-pane -e) and rendered to PNG by tests/screen/ansi2png.py.
# Writes screenshots/dashboard.png, pod-detail.png, logs.png, metrics.png, render.png,
# disconnected.png, small-80x24.png, doctor.png, snapshot-compare.png (a second kubesim with
# the TestOps release, tests/screen/snapshot_scene.sh); then, on a release installed with tops on
# the offline scenario: releases.png, upgrade-dialog.png, upgrade-diff.png, supervision.png
# (mid-rollout) and rollback.png. The real Prometheus scrapes kubesim for the metric columns.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
. "$TOPS_ROOT/tests/screen/snapshot_scene.sh"

OUT=${SCREENSHOT_DIR:-$TOPS_ROOT/screenshots}
SCENARIO=$TOPS_ROOT/tests/kubesim/scenarios/demo.yaml
command -v tmux >/dev/null 2>&1 || { echo "screenshots: tmux is not installed" >&2; exit 1; }
/usr/bin/python3 -c 'import PIL' 2>/dev/null || { echo "screenshots: python3-pil is missing (make deps)" >&2; exit 1; }
mkdir -p "$OUT"

shot() { # NAME TITLE
  local ans="$TEST_TMP/$1.ans" size
  size=$(tm display -p '#{window_width} #{window_height}')
  tm capture-pane -e -N -p >"$ans"
  /usr/bin/python3 "$SCREEN_DIR/ansi2png.py" "$ans" "$OUT/$1.png" --cols "${size% *}" \
    --rows "${size#* }" --title "$2" && echo "screenshots: $OUT/$1.png"
}
need() { wait_for "$1" "${2:-10}" || { echo "screenshots: \"$1\" did not appear" >&2; capture >&2; exit 1; }; }

sim_start --scenario "$SCENARIO" || exit 1
have_prometheus || { echo "screenshots: prometheus is not installed (make deps)" >&2; exit 1; }
prom_start "127.0.0.1:$KUBESIM_PORT" || exit 1
mkdir -p "$HOME/.config/tops"
printf 'validate:\n  schemaLocation: %s\n  kubernetesVersion: 1.30.0\n' \
  "$TOPS_ROOT/../shared/conformance/schemas" >"$HOME/.config/tops/config.yaml"
have_rate() { prom_query 'count(rate(container_cpu_usage_seconds_total{namespace="testops"}[1m]) > 0)' | grep -q '"value"'; }
wait_until 60 have_rate
cd "$TOPS_ROOT" || exit 1
screen_start 120 40 || exit 1
screen_run "$TOPS_BIN --prometheus $PROM_URL; echo EXIT=\$?"
need "connected"
need "CrashLoopBackOff" 30
need "ProvisioningFailed" 10
need "sts    2/2" 60  # the engine StatefulSet is up: the release has settled
wait_until 40 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE '^│testops-runner.* [0-9]+m '"
shot dashboard "tops — dashboard"

keys m
need "by CPU" 10
wait_until 30 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q '[▁▂▃▄▅▆▇█]'"
shot metrics "tops — metrics"
keys Escape
need "Pods ─"

keys :; tm send-keys -l "render"; keys Enter
need "objects" 20
keys j j
shot render "tops — render, validate, diff"
keys Escape
need "Pods ─"

# the crash-looping pod: describe it, then its logs
keys / ; tm send-keys -l "notifier"; keys Enter
need "filter: notifier"
keys Enter
need "Last State:" 10
shot pod-detail "tops — describe pod"
keys Escape Escape
need "Pods ─"

keys / ; tm send-keys -l "runner"; keys Enter
need "filter: runner"
keys l
need "Logs testops-runner" 5
need "INFO" 10
wait_until 20 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | grep -c '^│20') -ge 8 ]"
keys / ; tm send-keys -l "WARN"; keys Enter
shot logs "tops — logs"
keys Escape Escape
need "Pods ─"

tm resize-window -x 80 -y 24
wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | wc -l) -eq 24 ]"
need "Pods ─"
shot small-80x24 "tops — 80x24"
tm resize-window -x 120 -y 40
wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | wc -l) -eq 40 ]"
need "Events ─"

sim_stop
need "API unreachable" 15
need "STALE" 5
wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'data is [3-9]s old'"
shot disconnected "tops — API unreachable"
keys q
need "EXIT=0" 5

# tops doctor on the demo namespace: each problem with its cause and fix
sim_start --scenario "$SCENARIO" || exit 1
wait_until 60 sh -c "$TOPS_BIN -n testops doctor | grep -q crashloop"
screen_run "clear; $TOPS_BIN -n testops doctor --ingress-wait 1 | fold -s -w 118 | head -36"
need "problems found in namespace testops" 20
shot doctor "tops doctor"

# snapshot-compare: the TestOps release on an offline-site kubesim, golden against post
sim_stop
prom_stop
offline_site_scenario "$TEST_TMP/offline-sim.yaml"
sim_start --speed 20 --scenario "$TEST_TMP/offline-sim.yaml" || exit 1
prom_start "127.0.0.1:$KUBESIM_PORT" || exit 1
snapshot_scene || exit 1
screen_run "$TOPS_BIN -n testops --prometheus $PROM_URL; echo EXIT=\$?"
need "connected"
keys : ; tm send-keys -l "snapshots"; keys Enter
need "$SCENE_POST" 15
keys g Space j Space c
need "Compare golden → post" 5
need "REGRESSION error_rate" 5
shot snapshot-compare "tops — snapshot compare"
keys Escape q q
need "EXIT=0" 5

sim_stop

# ---- acting: a release installed with tops on the offline site's scenario ----
offline_site_scenario "$TEST_TMP/offline.yaml"
export XDG_STATE_HOME="$TEST_TMP/state"
sim_start --speed 1 --scenario "$TEST_TMP/offline.yaml" || exit 1
printf 'render:\n  chart: charts/testops\n  values: [deploy/offline-values.yaml]\n' >"$HOME/.config/tops/config.yaml"
"$TOPS_BIN" install testops charts/testops -n testops -f deploy/offline-values.yaml --wait --timeout 5m >/dev/null 2>&1 \
  || { echo "screenshots: tops install failed" >&2; exit 1; }
"$TOPS_BIN" upgrade testops charts/testops -n testops -f deploy/offline-values.yaml --set runner.replicas=3 --wait --timeout 5m \
  >/dev/null 2>&1 || { echo "screenshots: tops upgrade failed" >&2; exit 1; }
tm send-keys C-l
screen_run "clear; $TOPS_BIN; echo EXIT=\$?"
need "connected" 15
keys :; tm send-keys -l "releases"; keys Enter
need "deployed" 10
shot releases "tops — releases"
keys u
need "Upgrade testops/testops" 5
keys Tab Tab; tm send-keys -l "runner.replicas=6 runner.podAnnotations.rollout=second"
shot upgrade-dialog "tops — upgrade dialog"
keys Enter
need "Plan: 0 to add, 1 to change" 60
shot upgrade-diff "tops — plan and diff"
keys y
need "Phase: waiting for" 30
wait_until 60 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'deployment/testops-runner .*updated [1-5]/6'"
shot supervision "tops — supervision mid-rollout"
need "Result: deployed" 300
keys Escape; wait_gone "Phase:" 5
keys :; tm send-keys -l "releases"; keys Enter
need "Releases" 5; keys Enter
need "History testops/testops" 5
keys j j
keys r
need "Plan: 0 to add, 1 to change" 60
shot rollback "tops — rollback: the diff against revision 1"
keys n
need "cancelled" 10
keys Escape; wait_gone "Phase:" 5; keys q
need "EXIT=0" 10
