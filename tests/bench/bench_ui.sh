#!/bin/bash
# Console figures (reported, never asserted), one line each:
#   first full paint with 10,000 pods; idle wake-ups per second; bytes written to the terminal per
#   minute at 120x40 with 10 pod changes per second (against `watch -n 2 kubectl get pods`);
#   latency from a change in kubesim to the change on screen (p50/p99).
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

# --- idle wake-ups
pid=$(tops_pid)
sleep 2
w0=$(wakeups "$pid"); l0=$(loop_wakeups "$pid"); sleep 10; w1=$(wakeups "$pid"); l1=$(loop_wakeups "$pid")
echo "bench ui idle-wakeups: loop thread $(( (l1 - l0) / 10 )) per second, all threads $(( (w1 - w0) / 10 )) context switches per second, with 10,000 pods (target <= 1/s)"
keys q; wait_for "EXIT=" 10
sim_stop
fi

# --- bytes to the terminal with 10 pod changes per second
if want bytes; then
sim_start --pods 200 || exit 1
tm has-session 2>/dev/null || screen_start 120 40 || exit 1
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "Pods ─ 200" 30
pid=$(tops_pid)
names=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print("\n".join(p["metadata"]["name"] for p in json.load(sys.stdin)["items"]))')
churn() { # deletes 10 pods a second for $1 seconds (their Deployments replace them)
  local n=0 end=$((SECONDS + $1)) name pids=()
  for name in $names; do
    [ $SECONDS -ge $end ] && break
    curl -s -o /dev/null -X DELETE "$KUBESIM_URL/api/v1/namespaces/testops/pods/$name" &
    pids+=($!)
    n=$((n + 1)); [ $((n % 10)) = 0 ] && sleep 1
  done
  wait "${pids[@]}"
}
b0=$(wchar "$pid"); churn 20; b1=$(wchar "$pid")
tops_bpm=$(( (b1 - b0) * 3 ))
keys q; wait_for "EXIT=" 10
if have_kubectl && command -v watch >/dev/null 2>&1; then
  tm send-keys C-l
  screen_run "watch -n 2 kubectl --cache-dir $TEST_TMP/kcache get pods"
  sleep 3
  wpid=$(pgrep -P "$(tm display -p '#{pane_pid}')" -x watch | head -1)
  names=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
    'import json,sys; print("\n".join(p["metadata"]["name"] for p in json.load(sys.stdin)["items"]))')
  b0=$(wchar "$wpid"); churn 20; b1=$(wchar "$wpid")
  watch_bpm=$(( (b1 - b0) * 3 ))
  keys C-c
  ratio=$(awk -v a="$tops_bpm" -v b="$watch_bpm" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
  echo "bench ui terminal-bytes-per-minute: tops ${tops_bpm}, watch -n 2 kubectl get pods ${watch_bpm}, ratio ${ratio} (target <= 0.1)"
else
  echo "bench ui terminal-bytes-per-minute: tops ${tops_bpm} (watch or kubectl missing: no comparison)"
fi
sim_stop
fi

# --- change-in-kubesim to change-on-screen latency (includes kubesim's own delivery, shown apart)
want latency || exit 0
sim_start --pods 20 || exit 1
tm has-session 2>/dev/null || screen_start 120 40 || exit 1
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "Pods ─ 20" 30
# a plain watch next to the console: when kubesim itself delivers each ADDED event
rv=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
curl -sN "$KUBESIM_URL/api/v1/namespaces/testops/pods?watch=1&resourceVersion=$rv" 2>/dev/null |
  while IFS= read -r l; do
    case "$l" in *'"type":"ADDED"'*) echo "$(date +%s%N) $(echo "$l" | grep -o 'aaa-latency-[0-9]*' | head -1)";; esac
  done >"$TEST_TMP/watch.log" &
watch_pid=$!
sleep 0.5
lat=() sim=() own=()
for i in $(seq 1 20); do
  name="aaa-latency-$i"
  body="{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$name\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.testops.local/probe:1\"}]}}"
  t0=$(date +%s%N)
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" \
    "$KUBESIM_URL/api/v1/namespaces/testops/pods"
  end=$((SECONDS + 10))
  until tm capture-pane -p | grep -q "$name" || [ $SECONDS -ge $end ]; do :; done
  lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
  t1=$(awk -v n="$name" '$2 == n {print $1; exit}' "$TEST_TMP/watch.log")
  [ -n "$t1" ] && sim+=($(( (t1 - t0) / 1000000 ))) && own+=($(( ${lat[-1]} - (t1 - t0) / 1000000 )))
  sleep 1 # isolated changes: a continuous stream is paced on purpose (see the bytes figure)
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
p50=$(echo "$sorted" | sed -n "$(( (${#lat[@]} + 1) / 2 ))p")
p99=$(echo "$sorted" | tail -1)
sp50=$(printf '%s\n' "${sim[@]}" | sort -n | sed -n "$(( (${#sim[@]} + 1) / 2 ))p")
sp99=$(printf '%s\n' "${sim[@]}" | sort -n | tail -1)
op50=$(printf '%s\n' "${own[@]}" | sort -n | sed -n "$(( (${#own[@]} + 1) / 2 ))p")
op99=$(printf '%s\n' "${own[@]}" | sort -n | tail -1)
echo "bench ui change-to-screen-latency: end to end p50 ${p50} ms, p99 ${p99} ms over ${#lat[@]} creates; kubesim's watch delivery p50 ${sp50:-?} ms, p99 ${sp99:-?} ms; watch event to screen (console + tmux + polling) p50 ${op50:-?} ms, p99 ${op99:-?} ms (target p99 <= 100 ms)"
kill "$watch_pid" 2>/dev/null
keys q; wait_for "EXIT=" 10
