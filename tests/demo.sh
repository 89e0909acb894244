#!/bin/bash
# make demo: the console against bin/kubesim running the demo scenario on a free loopback port.
# kubesim stops when the console exits (trap). Extra arguments go to tops (e.g. --theme mono).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCENARIO=${DEMO_SCENARIO:-$ROOT/tests/kubesim/scenarios/demo.yaml}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tops-demo.XXXXXX")
SIM_PID=
PROM_PID=

cleanup() {
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

die() { echo "demo: $*" >&2; exit 1; }

start_kubesim() {
  local args=(--listen 127.0.0.1:0)
  [ -f "$SCENARIO" ] && args+=(--scenario "$SCENARIO") || args+=(--pods 40)
  "$ROOT/bin/kubesim" "${args[@]}" >"$WORK/kubesim.out" 2>"$WORK/kubesim.err" &
  SIM_PID=$!
  local i
  for i in $(seq 1 100); do
    grep -q '^kubesim: listening on ' "$WORK/kubesim.out" && break
    kill -0 "$SIM_PID" 2>/dev/null || die "kubesim exited: $(cat "$WORK/kubesim.err")"
    sleep 0.1
  done
  SIM_URL=$(sed -n 's/^kubesim: listening on //p' "$WORK/kubesim.out" | head -1)
  [ -n "$SIM_URL" ] || die "kubesim did not start: $(cat "$WORK/kubesim.err")"
}

write_kubeconfig() {
  export KUBECONFIG="$WORK/kubeconfig"
  cat >"$KUBECONFIG" <<EOK
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster:
    server: $SIM_URL
contexts:
- name: demo
  context:
    cluster: demo
    user: demo
    namespace: testops
current-context: demo
users:
- name: demo
  user:
    token: demo-token
EOK
}

# Prometheus (when installed) scraping kubesim's /metrics with deploy/prometheus.yml; its
# targets.json sits next to the copied config. Sets extra to the tops flags that use it.
extra=
start_prometheus() {
  local cfg="$ROOT/deploy/prometheus.yml"
  command -v prometheus >/dev/null 2>&1 && [ -f "$cfg" ] || return 0
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) || return 0
  cp "$cfg" "$WORK/prometheus.yml"
  echo "[{\"targets\":[\"${SIM_URL#http://}\"]}]" >"$WORK/targets.json"
  prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
    --web.listen-address="127.0.0.1:$port" >"$WORK/prometheus.log" 2>&1 &
  PROM_PID=$!
  extra="--prometheus http://127.0.0.1:$port"
}

[ -x "$ROOT/bin/kubesim" ] && [ -x "$ROOT/bin/tops" ] || die "run make first (bin/tops and bin/kubesim)"
[ -t 0 ] && [ -t 1 ] || die "the demo needs a terminal"
start_kubesim
write_kubeconfig
start_prometheus
echo "demo: kubesim on $SIM_URL (KUBECONFIG=$KUBECONFIG); opening the console, q quits"
# shellcheck disable=SC2086
"$ROOT/bin/tops" $extra "$@"
rc=$?
exit $rc
