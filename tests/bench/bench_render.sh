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

# The Render view's job in process (core/renderjob): render charts/testops with the offline
# values, split, validate every object against the conformance schemas and lint it. The first
# run reads and parses the schemas; later runs reuse them while the schema options are the same.
SCHEMAS="$TOPS_ROOT/../shared/conformance/schemas"
if [ -d "$SCHEMAS" ]; then
  cat >"$tmp/rj.c" <<'C'
#include "core/chart/renderjob.h"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
	const char *values[] = {"deploy/offline-values.yaml"};
	const char *locs[] = {argv[1], NULL};
	struct renderjob_opts o = {.chart = "charts/testops", .values_files = values, .nvalues = 1,
				   .namespace_ = "testops", .schema_locations = locs};
	int n = argc > 2 ? atoi(argv[2]) : 10;
	double first = 0, rest = 0;
	size_t objs = 0, valid = 0;
	for (int i = 0; i < n; i++) {
		struct renderjob_result r;
		if (renderjob_run(&o, &r) != 0) { fprintf(stderr, "%s\n", tops_err_msg(&r.err)); return 1; }
		if (i == 0) first = r.ms; else rest += r.ms;
		objs = r.n; valid = r.valid;
		renderjob_result_done(&r);
	}
	printf("bench render testops-view-job: render + validate + lint %.1f ms the first time, %.1f ms after (mean of %d), %zu objects, %zu valid\n",
	       first, n > 1 ? rest / (n - 1) : 0, n - 1, objs, valid);
	return 0;
}
C
  if cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl libcjson) -o "$tmp/rj" \
       "$tmp/rj.c" "$TOPS_ROOT/obj/libtopscore.a" \
       $(pkg-config --libs ncursesw libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lcrypt -lm -lpthread; then
    (cd "$TOPS_ROOT" && "$tmp/rj" "$SCHEMAS" 10)
  else
    echo "bench render testops-view-job: could not build the driver"
  fi
else
  echo "bench render testops-view-job: skipped (no conformance schemas)"
fi
