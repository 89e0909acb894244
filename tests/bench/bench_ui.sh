#!/bin/bash
# Console figures (reported, never asserted), one line each:
#   first full paint with 10,000 pods; idle wake-ups per second; bytes written to the terminal per
#   minute at 120x40 with 10 pod changes per second (against `watch -n 2 kubectl get pods`);
#   latency from a change in kubesim to the change on screen (p50/p99). First paint and latency
#   are also measured at the terminal itself (tests/bench/pty_probe.py: a pty and a VT100
#   emulator, no tmux), which leaves out tmux's own drawing and the probes' overhead.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "bench ui: SKIP tmux is not installed"; exit 0; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
wakeups() { # PID: voluntary + involuntary context switches of all threads
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'
}
loop_wakeups() { # PID: voluntary context switches of the loop (main) thread: one per wake-up
  awk '/^voluntary_ctxt_switches/ {print $2}' /proc/"$1"/task/"$1"/status 2>/dev/null
}
wchar() { awk '/^wchar/ {print $2}' /proc/"$1"/io; }

want() { [ -z "${BENCH_UI_ONLY:-}" ] || [ "$BENCH_UI_ONLY" = "$1" ]; }
have_pyte() { /usr/bin/python3 -c 'import pyte' 2>/dev/null || { echo "bench ui: no python3-pyte: figures at the terminal skipped"; return 1; }; }
pct_line() { printf '%s\n' "$@" | sort -n | awk 'NF {v[++n] = $1} END {if (n) printf "p50 %s, max %s", v[int((n + 1) / 2)], v[n]; else print "?"}'; }

# --- first paint with 10,000 pods, then idle wake-ups
if want paint; then
sim_start --pods 10000 --bookmark-ms 60000 || exit 1  # bookmarks about once a minute, as the API server sends them
screen_start 120 40 || exit 1
t0=$(ms)
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_until 120 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q 'Pods ─ 10000'"
paint=$(( $(ms) - t0 ))
t0=$(ms); kctl get pods --chunk-size=500 >/dev/null 2>&1; kget=$(( $(ms) - t0 ))
echo "bench ui first-paint-10k-pods: ${paint} ms (kubectl get pods on the same kubesim: ${kget} ms; target <= 500 ms)"
if have_pyte; then
  runs=(); for i in 1 2 3 4 5; do runs+=("$(/usr/bin/python3 "$TOPS_ROOT/tests/bench/pty_probe.py" paint 120 40 'Pods ─ 10000' -- "$TOPS_BIN")"); done
  echo "bench ui first-paint-10k-pods-at-terminal: $(pct_line "${runs[@]}") ms over ${#runs[@]} starts (from exec to the screen showing all 10,000 pods; target <= 500 ms)"
fi

# --- idle wake-ups
pid=$(tops_pid)
sleep 2
w0=$(wakeups "$pid"); l0=$(loop_wakeups "$pid"); sleep 10; w1=$(wakeups "$pid"); l1=$(loop_wakeups "$pid")
echo "bench ui idle-wakeups: loop thread $(( (l1 - l0) / 10 )) per second, all threads $(( (w1 - w0) / 10 )) context switches per second, with 10,000 pods (target <= 1/s)"
keys q; wait_for "EXIT=" 10
sim_stop
fi

# --- bytes to the terminal with 10 pod changes per second
# tops and `watch -n 2 kubectl get pods` run side by side in two 120x40 tmux sessions and see
# the same churn: one minute of deletions, 10 a second, in name order (the pods at the top of
# both screens), whose Deployments replace them. Each is measured by what it wrote (wchar).
if want bytes; then
sim_start --pods 200 || exit 1
tm has-session 2>/dev/null || screen_start 120 40 || exit 1
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "Pods ─ 200" 30
pid=$(tops_pid)
wpid=
wtm() { tmux -L "${SCREEN_SOCK}-watch" -f /dev/null "$@"; } # watch's own tmux server
wtm_stop() { wtm kill-server >/dev/null 2>&1; return 0; }
on_exit wtm_stop
if have_kubectl && command -v watch >/dev/null 2>&1; then
  wtm new-session -d -x 120 -y 40 -e TERM=xterm-256color -e TZ=UTC -e LANG=C.UTF-8 \
    -e KUBECONFIG="${KUBECONFIG:-}" -e PATH="$PATH" \
    "watch -n 2 kubectl --cache-dir $TEST_TMP/kcache get pods"
  wait_until 30 sh -c "tmux -L ${SCREEN_SOCK}-watch capture-pane -p | grep -q testops-"
  wpid=$(wtm display -p '#{pane_pid}')
  [ "$(cat /proc/"$wpid"/comm 2>/dev/null)" = watch ] || wpid=$(pgrep -P "$wpid" -x watch | head -1)
fi
pod_names() {
  curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
    'import json,sys; print("\n".join(sorted(p["metadata"]["name"] for p in json.load(sys.stdin)["items"])))'
}
churn() { # deletes 10 pods a second for $1 seconds, in name order, starting over when done
  local n=0 end=$((SECONDS + $1)) name pids=()
  while [ $SECONDS -lt $end ]; do
    for name in $(pod_names); do
      [ $SECONDS -ge $end ] && break
      curl -s -o /dev/null -X DELETE "$KUBESIM_URL/api/v1/namespaces/testops/pods/$name" &
      pids+=($!)
      n=$((n + 1)); [ $((n % 10)) = 0 ] && sleep 1
    done
  done
  wait "${pids[@]}"
}
sleep 3
b0=$(wchar "$pid"); [ -n "$wpid" ] && w0=$(wchar "$wpid")
churn 60
tops_bpm=$(( $(wchar "$pid") - b0 ))
[ -n "$wpid" ] && watch_bpm=$(( $(wchar "$wpid") - w0 ))
keys q; wait_for "EXIT=" 10
if [ -n "$wpid" ]; then
  wtm_stop
  ratio=$(awk -v a="$tops_bpm" -v b="$watch_bpm" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
  echo "bench ui terminal-bytes-per-minute: tops ${tops_bpm}, watch -n 2 kubectl get pods ${watch_bpm} (side by side, the same minute of churn), ratio ${ratio} (target <= 0.1)"
else
  echo "bench ui terminal-bytes-per-minute: tops ${tops_bpm} (watch or kubectl missing: no comparison)"
fi
sim_stop
fi

# --- change-in-kubesim to change-on-screen latency (includes kubesim's own delivery, shown apart)
# The probe (tests/bench/tmux_probe.py) creates pods and looks at the screen through one tmux
# control-mode client: it asks for the screen once each time the pane has written something
# (tmux's %output notices), so the figure is neither padded by the cost of looking nor by a busy
# poll taking the CPU from the console and tmux (a `tmux capture-pane | grep` per look costs
# ~30 ms of process start-up on a 2-core machine). Beside it, a plain watch on kubesim
# timestamps when kubesim itself delivers each ADDED event.
want latency || exit 0
[ -x /usr/bin/python3 ] || { echo "bench ui change-to-screen-latency: SKIP python3 is not installed"; exit 0; }
sim_start --pods 20 || exit 1
tm has-session 2>/dev/null || screen_start 120 40 || exit 1
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "Pods ─ 20" 30
lat=() sim=() own=()
while read -r name t0 t1 tw; do
  [ "$t1" != 0 ] || continue
  lat+=($(( (t1 - t0) / 1000000 )))
  [ "$tw" != 0 ] && sim+=($(( (tw - t0) / 1000000 ))) && own+=($(( (t1 - tw) / 1000000 )))
done < <(/usr/bin/python3 "$TOPS_ROOT/tests/bench/tmux_probe.py" "$KUBESIM_URL" "$SCREEN_SOCK" 20)
pct() { printf '%s\n' "$@" | sort -n | awk 'NF {v[++n] = $1} END {if (n) print v[int((n + 1) / 2)], v[n]; else print "? ?"}'; }
read -r p50 p99 <<<"$(pct "${lat[@]}")"
read -r sp50 sp99 <<<"$(pct "${sim[@]}")"
read -r op50 op99 <<<"$(pct "${own[@]}")"
echo "bench ui change-to-screen-latency: end to end p50 ${p50} ms, p99 ${p99} ms over ${#lat[@]} creates; kubesim's watch delivery p50 ${sp50} ms, p99 ${sp99} ms; watch event to screen (console + tmux) p50 ${op50} ms, p99 ${op99} ms (target p99 <= 100 ms)"
keys q; wait_for "EXIT=" 10
if have_pyte; then
  # the same creates timed at the terminal (POST sent -> the emulated screen shows the pod), on a
  # fresh kubesim so that the names are new again
  sim_stop; sim_start --pods 20 || exit 1
  mapfile -t rows < <(/usr/bin/python3 "$TOPS_ROOT/tests/bench/pty_probe.py" latency 120 40 'Pods ─ 20' \
    "$KUBESIM_URL" 20 -- "$TOPS_BIN")
  tl=(); ts=(); for r in "${rows[@]}"; do read -r a b <<<"$r"; tl+=("$a"); [ "$b" != "?" ] && ts+=("$b"); done
  echo "bench ui change-to-screen-latency-at-terminal: end to end $(pct_line "${tl[@]}") ms over ${#tl[@]} creates; the API server's delivery $(pct_line "${ts[@]}") ms (target p99 <= 100 ms)"
fi
