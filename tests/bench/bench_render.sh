#!/bin/bash
# bench render: `tops render` wall time and peak RSS for the conformance `subchart` chart and for
# synthetic charts of 100 and 1,000 templates generated in a temp dir (growth should be linear).
# Figures are printed, never asserted. BENCH_RUNS sets how many renders each figure averages.
set -u
TOPS_ROOT=${TOPS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TOPS=${TOPS_BIN:-$TOPS_ROOT/bin/tops}
RUNS=${BENCH_RUNS:-20}
CONF="$TOPS_ROOT/../shared/conformance/helm-template/testcharts/subchart"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -x "$TOPS" ] || { echo "bench render: skipped (bin/tops not built)"; exit 0; }

gen_chart() { # DIR N: a chart with N templates (Deployment + helpers, values, a loop)
  local dir=$1 n=$2 i
  mkdir -p "$dir/templates"
  printf 'apiVersion: v2\nname: synth\nversion: 1.0.0\n' >"$dir/Chart.yaml"
  printf 'image: {repository: nginx, tag: "1.25"}\nreplicas: 2\nlabels: {tier: web, team: ops}\nports: [80, 443, 8080]\n' >"$dir/values.yaml"
  printf '{{- define "synth.labels" -}}\napp: {{ .Chart.Name }}\nrelease: {{ .Release.Name }}\n{{- range $k, $v := .Values.labels }}\n{{ $k }}: {{ $v | quote }}\n{{- end }}\n{{- end }}\n' >"$dir/templates/_helpers.tpl"
  for ((i = 1; i < n; i++)); do
    printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-w%d\n  labels:\n{{ include "synth.labels" . | indent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n      - name: c\n        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n        ports:\n        {{- range .Values.ports }}\n        - containerPort: {{ . }}\n        {{- end }}\n' "$i" >"$dir/templates/w$i.yaml"
  done
}

measure() { # LABEL CHART-ARGS...
  local label=$1; shift
  local start end rss
  "$TOPS" render "$@" >"$tmp/out" 2>"$tmp/err" || { echo "bench render $label: failed: $(head -c 200 "$tmp/err")"; return; }
  local docs; docs=$(grep -c '^# Source: ' "$tmp/out")
  start=$(date +%s%N)
  for ((r = 0; r < RUNS; r++)); do "$TOPS" render "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  rss="?"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$tmp/rss" "$TOPS" render "$@" >/dev/null 2>&1 && rss=$(cat "$tmp/rss")
  fi
  awk -v l="$label" -v n="$RUNS" -v s="$start" -v e="$end" -v d="$docs" -v rss="$rss" -v b="$BASE" 'BEGIN {
    t = (e - s) / 1e6 / n
    printf "bench render %s: %.2f ms per render (%.2f ms after start-up; mean of %d), %d documents, peak RSS %s KB\n",
      l, t, t - b, n, d, rss }'
}

# Process start-up (dynamic libraries) is paid by every command; measured once to subtract.
start=$(date +%s%N); for ((r = 0; r < RUNS; r++)); do "$TOPS" version >/dev/null 2>&1; done; end=$(date +%s%N)
BASE=$(awk -v n="$RUNS" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e6 / n }')
echo "bench render: process start-up (tops version) ${BASE} ms"
if [ -d "$CONF" ]; then measure "subchart (conformance)" "$CONF"; else echo "bench render subchart: skipped (no conformance data)"; fi
gen_chart "$tmp/c100" 100
gen_chart "$tmp/c1000" 1000
measure "100 templates" "$tmp/c100"
RUNS=$(( RUNS / 4 > 0 ? RUNS / 4 : 1 )) measure "1000 templates" "$tmp/c1000"
