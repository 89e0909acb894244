# Shared helpers for shell test suites. Source it: . "$TOPS_ROOT/tests/lib.sh"
# Protocol: each check prints exactly one line "PASS: name", "FAIL: name: why" or "SKIP: reason".
set -u
TOPS_ROOT=${TOPS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export PATH="$TOPS_ROOT/bin:$PATH"
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tops-test.XXXXXX")
export HOME="$TEST_TMP/home"; mkdir -p "$HOME"
export TZ=UTC LANG=C.UTF-8
_cleanup_fns=()
on_exit() { _cleanup_fns+=("$1"); }
_run_cleanup() { [ -n "${KEEP_TMP:-}" ] && { echo "kept $TEST_TMP"; cp -r "$TEST_TMP" /tmp/kept; };  local f; for f in "${_cleanup_fns[@]}"; do $f || true; done; rm -rf "$TEST_TMP"; }
trap _run_cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
skip() { echo "SKIP: $1"; }
# check NAME CMD...: PASS when CMD exits 0.
check() { local n=$1; shift; if "$@" >"$TEST_TMP/check.out" 2>&1; then pass "$n"; else fail "$n" "$(tail -3 "$TEST_TMP/check.out" | tr '\n' ' ')"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2] got [$3]"; fi; }
# wait_until TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() { local t=$1; shift; local end=$((SECONDS + t)); while ! "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.1; done; return 0; }

have_kubectl() { command -v kubectl >/dev/null 2>&1 && kubectl version --client >/dev/null 2>&1; }
# kctl: the real kubectl with a private cache dir, against $KUBECONFIG.
kctl() { kubectl --cache-dir "$TEST_TMP/kcache" "$@"; }

# write_kubeconfig FILE CLUSTER USER: a kubeconfig whose one context "sim" (namespace testops)
# has the cluster settings CLUSTER and the user USER, each given as YAML lines indented by four
# spaces ("    server: URL", "    token: T" or an exec: block).
write_kubeconfig() {
  cat >"$1" <<EOK
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
$2
contexts:
- name: sim
  context:
    cluster: sim
    user: sim
    namespace: testops
current-context: sim
users:
- name: sim
  user:
$3
EOK
}
# kubesim_start [kubesim args...]: starts bin/kubesim on a free loopback port (or $SIM_PORT);
# sets KUBESIM_URL, KUBESIM_PID, KUBESIM_PORT and exports KUBECONFIG (a kubeconfig pointing at it).
kubesim_start() {
  local out="$TEST_TMP/kubesim.$$.$RANDOM.out"
  "${KUBESIM_BIN:-$TOPS_ROOT/bin/kubesim}" --listen "127.0.0.1:${SIM_PORT:-0}" "$@" >"$out" 2>"$out.err" &
  KUBESIM_PID=$!
  if ! wait_until 20 grep -q '^kubesim: listening on ' "$out"; then
    echo "kubesim did not start: $(cat "$out.err")" >&2; return 1
  fi
  KUBESIM_URL=$(sed -n 's/^kubesim: listening on //p' "$out" | head -1)
  KUBESIM_PORT=${KUBESIM_URL##*:}
  export KUBECONFIG="$TEST_TMP/kubeconfig"
  write_kubeconfig "$KUBECONFIG" "    server: $KUBESIM_URL" "    token: sim-token"
  [ -n "${_kubesim_stop_registered:-}" ] || on_exit kubesim_stop
  _kubesim_stop_registered=1
}
kubesim_stop() { [ -n "${KUBESIM_PID:-}" ] && kill "$KUBESIM_PID" 2>/dev/null && wait "$KUBESIM_PID" 2>/dev/null; KUBESIM_PID=; return 0; }
# offline_site_scenario FILE: writes the kubesim scenario of the offline site to FILE: a local-path
# storage class (the default), the mirror registry.local:5000 as the only registry, and the
# testops namespace. Use as `kubesim_start --speed 50 --scenario FILE`.
offline_site_scenario() {
  cat >"$1" <<'EOS'
apiVersion: kubesim.io/v1
kind: SimConfig
storageClasses: [local-path]
defaultStorageClass: local-path
allowedRegistries: [registry.local:5000]
readyDelaySeconds: 1
pullDelaySeconds: 0
---
apiVersion: v1
kind: Namespace
metadata:
  name: testops
EOS
}
# sim_fault JSON: POST a fault to kubesim's admin API.
sim_fault() { curl -s -X POST -H 'Content-Type: application/json' -d "$1" "$KUBESIM_URL/sim/v1/faults" >/dev/null; }

# free_port: prints a free loopback TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
have_prometheus() { command -v prometheus >/dev/null 2>&1; }
# prom_start TARGET_HOST:PORT...: runs the real Prometheus on a free loopback port with a temporary
# data directory, scraping the targets every 2 s (deploy/prometheus.yml with a file_sd target
# list). Sets PROM_URL and PROM_PID. Waits until /-/ready answers.
prom_start() {
  local dir="$TEST_TMP/prom.$RANDOM" port targets t
  mkdir -p "$dir/data"; port=${PROM_PORT:-$(free_port)}
  targets=""; for t in "$@"; do targets="$targets${targets:+,}\"$t\""; done
  echo "[{\"targets\":[$targets],\"labels\":{\"job\":\"kubesim\"}}]" >"$dir/targets.json"
  if [ -f "$TOPS_ROOT/deploy/prometheus.yml" ]; then
    sed -e "s#targets.json#$dir/targets.json#" -e "s/scrape_interval: 2s/scrape_interval: ${PROM_SCRAPE:-2s}/" \
        -e "s/scrape_timeout: 2s/scrape_timeout: ${PROM_SCRAPE:-2s}/" "$TOPS_ROOT/deploy/prometheus.yml" >"$dir/prometheus.yml"
  else
    printf 'global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\nscrape_configs:\n- job_name: kubesim\n  honor_labels: true\n  file_sd_configs:\n  - files: ["%s"]\n    refresh_interval: 2s\n' "$dir/targets.json" >"$dir/prometheus.yml"
  fi
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$dir/log" 2>&1 &
  PROM_PID=$!; PROM_URL="http://127.0.0.1:$port"; PROM_DIR=$dir
  on_exit prom_stop
  wait_until 30 curl -sf "$PROM_URL/-/ready" || { echo "prometheus did not start: $(tail -5 "$dir/log")" >&2; return 1; }
}
prom_stop() { [ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null; PROM_PID=; return 0; }
# prom_query QUERY: instant query through curl, prints the raw JSON.
prom_query() { curl -s --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query"; }
