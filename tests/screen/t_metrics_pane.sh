#!/bin/bash
# Prometheus in the console, against kubesim and the real Prometheus scraping it: CPU/MEM columns
# in the Pods pane and USED in the PVCs pane, the Metrics view (pod rows with sparklines, the
# application's figures), the unreachable banner while Prometheus is stopped (the dashboard still
# follows kubectl changes), the banner going away when it is back, the ASCII fallback, and the
# one-time hint when no Prometheus is configured.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_prometheus || { skip "prometheus not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --pods 12 --seed 7 --speed 10 || { fail "kubesim start"; exit 0; }
PROM_PORT=$(free_port) prom_start "127.0.0.1:$KUBESIM_PORT" || { fail "prometheus start"; exit 0; }
port=${PROM_URL##*:}
screen_start 120 40 || { fail "tmux session"; exit 0; }

# --- no Prometheus configured or found: no metric columns (room for the rest) and one hint
screen_run "$TOPS_BIN; echo EXIT=\$?"
if wait_for "connected" 10 && wait_for "No Prometheus configured or found" 5; then
  pass "no Prometheus: the console says how to configure it"
else fail "no Prometheus hint" "$(capture | tail -3 | tr '\n' '|')"; fi
if capture | grep -E '^│NAME' | head -1 | grep -q 'RESTARTS' && ! capture | grep -E '^│NAME' | grep -qE ' (CPU|MEM|USED) '; then
  pass "no Prometheus: no metric columns, RESTARTS kept"
else fail "no Prometheus: no metric columns" "$(capture | grep -E '^│NAME' | head -2 | tr '\n' '|')"; fi
keys q
wait_for "EXIT=0" 5 || fail "quit" "$(capture | tail -2 | tr '\n' '|')"

# Prometheus warm-up: series scraped, then enough samples for rate().
have_rate() { prom_query 'count(rate(container_cpu_usage_seconds_total{namespace="testops"}[1m]) > 0)' | grep -q '"value"'; }
wait_until 60 have_rate || { fail "prometheus scraped kubesim"; exit 0; }

printf 'prometheus:\n  refresh: 2s\n' >"$TEST_TMP/tops.yaml"
TOPS="$TOPS_BIN --prometheus $PROM_URL --config $TEST_TMP/tops.yaml"
screen_run "clear; $TOPS; echo EXIT=\$?"
wait_for "connected" 10 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

# --- CPU and MEM columns: usage and percent of request/limit, like "120m 60%/30%"
pod_cells() { capture | grep -E '^│testops-' | grep -qE ' [0-9]+m [0-9]+%(/[0-9]+%)? +[0-9]+(Ki|Mi|Gi) [0-9]+%'; }
if capture | grep -qE 'CPU +MEM' && wait_until 15 pod_cells; then pass "pods pane: CPU and MEM with percent of request"
else fail "pods pane CPU/MEM" "$(capture | sed -n 3,4p | tr '\n' '|')"; fi
pvc_cells() { capture | grep -E '^│testops-(snapshot|reports) ' | grep -qE ' [0-9.]+(Mi|Gi) [0-9]+% *│$'; }
if capture | grep -qE 'CAPACITY .*USED' && wait_until 15 pvc_cells; then pass "PVCs pane: USED with percent of capacity"
else fail "PVCs pane USED" "$(capture | grep -E 'testops-(snapshot|reports) ' | head -2 | tr '\n' '|')"; fi

# --- the Metrics view: pod rows with sparklines, top by CPU, app figures, namespace totals
keys m
spark_rows() { [ "$(capture | grep -E '^│testops-[a-z0-9-]+ +[0-9]+m +.*[▁▂▃▄▅▆▇█].* [0-9]+(Ki|Mi|Gi) +.*[▁▂▃▄▅▆▇█]' | wc -l)" -ge 12 ]; }
if wait_for "POD (top 12 by CPU)" 10 && wait_until 15 spark_rows; then pass "metrics view: 12 pod rows with CPU and memory sparklines"
else fail "metrics view pod rows" "$(capture | sed -n 6,8p | tr '\n' '|')"; fi
cpus=$(capture | sed -n 's/^│testops-[a-z0-9-]* *\([0-9]*\)m .*/\1/p')
if [ "$(echo "$cpus" | grep -c .)" -ge 12 ] && [ "$(echo "$cpus" | sort -rn)" = "$cpus" ]; then
  pass "metrics view: sorted by CPU, highest first"
else fail "metrics view: sorted by CPU" "$(echo $cpus)"; fi
app() { capture | grep -qE '^│App +requests [0-9.]+/s .* errors [0-9.]+% .* p99 [0-9.]+m?s'; }
wait_until 15 app && pass "metrics view: request rate, error ratio and p99" \
  || fail "metrics view app figures" "$(capture | grep '^│App' | head -1)"
capture | grep -qE '^│Namespace +CPU [0-9.]+m? of [0-9.]+m? requested \([0-9]+%\) +MEM [0-9.]+(Mi|Gi) of' \
  && pass "metrics view: namespace totals" || fail "namespace totals" "$(capture | grep '^│Namespace' | head -1)"
capture | grep -qF "$PROM_URL" && pass "metrics view names the Prometheus it uses" || fail "metrics view source"
keys Escape
wait_for "Pods ─" 3 || fail "back to the dashboard"

# --- Prometheus stopped: the banner, and the dashboard still follows the cluster
prom_stop
if wait_for "Prometheus unreachable — last data" 20; then pass "Prometheus stopped: unreachable banner"
else fail "unreachable banner" "$(capture | sed -n 2p)"; fi
if have_kubectl; then
  kctl run probe-metrics --image=registry.testops.local/probe:1 --restart=Never >/dev/null 2>&1
  wait_for "probe-metrics" 5 && pass "dashboard still updates while Prometheus is down" \
    || fail "dashboard updates while Prometheus is down" "$(capture | sed -n 3,5p | tr '\n' '|')"
else
  skip "kubectl not usable: live change while Prometheus is down"
fi
keys m
wait_for "Prometheus unreachable" 3 && wait_for "POD (top" 3 && pass "metrics view still opens while Prometheus is down" \
  || fail "metrics view while down" "$(capture | sed -n 2,3p | tr '\n' '|')"
keys Escape

# --- Prometheus back on the same port: the banner goes
PROM_PORT=$port prom_start "127.0.0.1:$KUBESIM_PORT" || fail "prometheus restarts"
wait_gone "Prometheus unreachable" 40 && pass "Prometheus back: banner gone" \
  || fail "banner gone after restart" "$(capture | sed -n 2p)"

# --- switching namespace restarts the metrics for it
keys : ; tm send-keys -l "ns testops"; keys Enter
wait_for "namespace testops" 5 && wait_until 15 pod_cells && pass "metrics follow a namespace switch" \
  || fail "metrics after :ns" "$(capture | sed -n 3,4p | tr '\n' '|')"
keys q
wait_for "EXIT=0" 5 || fail "quit" "$(capture | tail -2 | tr '\n' '|')"

# --- a claim 90% full (a query override says so) is drawn in the warning colour
cat >"$TEST_TMP/full.yaml" <<'EOC'
prometheus:
  refresh: 2s
  queries:
    pvc_used: 'sum(kubelet_volume_stats_capacity_bytes{persistentvolumeclaim="testops-snapshot",namespace="$namespace"}) by (persistentvolumeclaim, namespace) * 0.9'
EOC
screen_run "clear; $TOPS_BIN --prometheus $PROM_URL --config $TEST_TMP/full.yaml; echo EXIT=\$?"
full() { capture | grep -E '^│testops-snapshot ' | grep -qE ' 90% *│$'; }
if wait_for "connected" 10 && wait_until 15 full; then
  snap=$(capture -e | grep 'testops-snapshot ' | head -1); rep=$(capture -e | grep 'testops-reports ' | head -1)
  # the warning role is bright yellow (93); a healthy bound claim is green (32)
  if echo "$snap" | grep -qE $'\e\\[[0-9;]*93[;m]' && echo "$rep" | grep -qE $'\e\\[[0-9;]*32[;m]'; then
    pass "PVC 90% full: USED 90% in the warning colour"
  else fail "PVC warning colour" "$(echo "$snap" | cat -v | cut -c1-160)"; fi
else fail "PVC 90% full" "$(capture | grep -E 'testops-(snapshot|reports) ' | tr '\n' '|')"; fi
keys q
wait_for "EXIT=0" 5 || fail "quit" "$(capture | tail -2 | tr '\n' '|')"

# --- not UTF-8: ASCII sparklines and an ASCII dash in the banner
screen_run "clear; LANG=C LC_ALL=C $TOPS; echo EXIT=\$?"
wait_for "connected" 10
keys : ; tm send-keys -l "metrics"; keys Enter
ascii_rows() { capture | grep -E '^\|testops-[a-z0-9-]+ +[0-9]+m .*[_.:=+*#-]{3}' | grep -qv '[▁▂▃▄▅▆▇█]'; }
if wait_until 15 ascii_rows; then pass "ASCII sparklines when the terminal is not UTF-8"
else fail "ASCII sparklines" "$(capture | sed -n 6,7p | tr '\n' '|')"; fi
prom_stop
wait_for "Prometheus unreachable - last data" 20 && pass "ASCII banner when not UTF-8" \
  || fail "ASCII banner" "$(capture | sed -n 2p)"
keys q q
wait_for "EXIT=0" 5 && pass "quit" || fail "quit" "$(capture | tail -2 | tr '\n' '|')"
