#!/bin/bash
# Console figure during an operation (reported, never asserted): the change-to-screen latency
# (p50/p99) of pods created while the console drives an upgrade that rolls a 500-pod release.
# The upgrade is started from the console's dialog (plan, y), then Esc goes back to the dashboard
# while it runs (the engine on its worker thread, the console's loop drawing); the probe
# (tests/bench/tmux_probe.py) creates pods aaa-latency-I, one a second, and times when each
# shows in the Pods pane. The same probe with no operation running gives the baseline. While
# pods churn (16 changes within a second) the console paces data frames on purpose (one every
# console.busyRefresh, 2 s by default; see docs/console.md, Terminal), which this figure shows;
# keys always get the full frame rate: the key-to-screen figure (`?` opens the help, Esc closes
# it; timed by polling tmux, so an upper bound) says whether the loop stays responsive.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "bench acts: SKIP tmux is not installed"; exit 0; }
[ -x /usr/bin/python3 ] || { echo "bench acts: SKIP python3 is not installed"; exit 0; }
export XDG_STATE_HOME="$TEST_TMP/state"
N=${BENCH_ACTS_PODS:-500}

offline_site_scenario "$TEST_TMP/sim.yaml"
sim_start --speed ${BENCH_ACTS_SPEED:-2} --scenario "$TEST_TMP/sim.yaml" || exit 1
"$TOPS_BIN" install testops charts/testops -n testops -f deploy/offline-values.yaml --set runner.replicas=$N \
  --wait --timeout 10m >"$TEST_TMP/install.out" 2>&1 || { echo "bench acts: install failed: $(tail -2 "$TEST_TMP/install.out")"; exit 0; }
mkdir -p "$HOME/.config/tops"
printf 'render:\n  chart: charts/testops\n  values: [deploy/offline-values.yaml]\n' >"$HOME/.config/tops/config.yaml"
screen_start 120 40 || exit 1
screen_run "cd $TOPS_ROOT && $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 30

probe() { # prints "p50 p99 count"
  local lat=()
  while read -r name t0 t1 tw; do
    [ "$t1" != 0 ] && lat+=($(( (t1 - t0) / 1000000 )))
  done < <(/usr/bin/python3 "$TOPS_ROOT/tests/bench/tmux_probe.py" "$KUBESIM_URL" "$SCREEN_SOCK" "$1" "$2")
  printf '%s\n' "${lat[@]}" | sort -n | awk -v c=${#lat[@]} 'NF {v[++n] = $1} END {if (n) print v[int((n + 1) / 2)], v[int(n * 0.99 + 0.99)], c; else print "? ? 0"}'
}

read -r b50 b99 bn <<<"$(probe 10 1)"

keys : ; tm send-keys -l "upgrade testops --set runner.replicas=$N --set runner.podAnnotations.rev=second"; keys Enter
wait_for "Upgrade testops/testops" 10; keys Enter
wait_for "Plan: 0 to add, 1 to change" 60 || { echo "bench acts: no plan: $(capture | sed -n 2,16p | cut -c1-100 | tr "\n" " ")"; exit 0; }
keys y
wait_for "Phase: waiting for" 60
keys Escape
read -r u50 u99 un <<<"$(probe 20 101)"
kl=()
for i in 1 2 3 4 5 6 7 8 9 10; do
  t0=$(date +%s%N); keys '?'; wait_for "Everywhere" 5; t1=$(date +%s%N); kl+=($(( (t1 - t0) / 1000000 )))
  keys Escape; wait_gone "Everywhere" 5
done
read -r k50 k99 <<<"$(printf '%s\n' "${kl[@]}" | sort -n | awk 'NF {v[++n] = $1} END {print v[int((n + 1) / 2)], v[n]}')"
running=$(capture | sed -n 2p | grep -c "ready")
echo "bench acts change-to-screen-latency-during-upgrade: p50 ${u50} ms, p99 ${u99} ms over ${un} creates while the console upgrades a ${N}-pod release (rollout still running at the end: $([ "$running" = 1 ] && echo yes || echo no)); with no operation: p50 ${b50} ms, p99 ${b99} ms over ${bn} (data frames paced while pods churn); key to screen during the upgrade: p50 ${k50} ms, max ${k99} ms over ${#kl[@]} keys (target <= 100 ms)"
wait_until 600 sh -c "! tmux -L $SCREEN_SOCK capture-pane -p | sed -n 2p | grep -q ' ready'"
keys q; wait_for "EXIT=" 10
