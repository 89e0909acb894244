#!/bin/bash
# tops get vs kubectl get on the same kubesim: wall time and peak RSS at 10,000 and 50,000
# pods; ingest cost through informer+store vs a bare JSON parse+free of the same data; RSS per
# cached pod at 50,000. Figures are printed, never asserted. Not run by `make test`.
. "$TOPS_ROOT/tests/lib.sh"
have_kubectl || { echo "bench get: skipped (no kubectl)"; exit 0; }
[ -x "$TOPS_ROOT/bin/tops" ] && [ -x "$TOPS_ROOT/bin/kubesim" ] || { echo "bench get: build first"; exit 1; }
SIZES=${BENCH_GET_SIZES:-"10000 50000"}

measure() { # CMD... -> "seconds KB"
  /usr/bin/time -f "%e %M" -o "$TEST_TMP/time" "$@" >/dev/null 2>&1
  cat "$TEST_TMP/time" | tail -1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# RSS of a `tops get -w` that has synced N pods (minus an empty watcher) / N.
rss_per_pod() { # N
  local n=$1 out="$TEST_TMP/watch.out" pid base full
  tops get pods -A -w -o name -l bench-none=1 >"$out" 2>/dev/null & pid=$!
  sleep 3; base=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); kill $pid; wait $pid 2>/dev/null
  tops get pods -A -w -o name >"$out" 2>/dev/null & pid=$!
  wait_until 300 sh -c "[ \$(wc -l <$out) -ge $n ]"
  sleep 1; full=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); kill $pid; wait $pid 2>/dev/null
  awk -v f="$full" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (f - b) * 1024 / n }'
}

# Like kubesim_start, with time for 50,000 pods to be generated.
sim_start() { # N
  local out="$TEST_TMP/sim.$1.out"
  "$TOPS_ROOT/bin/kubesim" --listen 127.0.0.1:0 --pods "$1" >"$out" 2>&1 &
  KUBESIM_PID=$!
  wait_until 300 grep -q '^kubesim: listening on ' "$out" || { echo "kubesim did not start: $(tail -2 "$out")"; return 1; }
  KUBESIM_URL=$(sed -n 's/^kubesim: listening on //p' "$out" | head -1)
  export KUBECONFIG="$TEST_TMP/kubeconfig"
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: %s\ncontexts:\n- name: sim\n  context: {cluster: sim, user: sim, namespace: testops}\ncurrent-context: sim\nusers:\n- name: sim\n  user: {token: sim-token}\n' "$KUBESIM_URL" >"$KUBECONFIG"
  on_exit kubesim_stop
}

for n in $SIZES; do
  sim_start "$n" || exit 1
  kctl get pods -A -o name >/dev/null 2>&1   # warm kubectl's discovery cache
  read -r tt tm < <(measure tops get pods -A)
  read -r kt km < <(measure kubectl --cache-dir "$TEST_TMP/kcache" get pods -A)
  echo "bench get-$((n / 1000))k: tops ${tt}s $((tm / 1024))MB, kubectl ${kt}s $((km / 1024))MB," \
       "ratio time $(ratio "$tt" "$kt") mem $(ratio "$tm" "$km")"
  if [ "$n" = 50000 ] || [ "$n" = "${SIZES##* }" ]; then
    echo "bench get-rss-per-pod-$((n / 1000))k: $(rss_per_pod "$n") bytes per cached pod (target <= 2048)"
  fi
  if [ "$n" = "${SIZES%% *}" ]; then
    # save the list pages for the ingest comparison
    cont=""; i=0
    while :; do
      curl -s "$KUBESIM_URL/api/v1/pods?limit=500${cont:+&continue=$cont}" >"$TEST_TMP/page.$i"
      cont=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["metadata"].get("continue","")))' "$TEST_TMP/page.$i")
      i=$((i + 1)); [ -n "$cont" ] || break
    done
    NPAGES=$i
  fi
  kubesim_stop
done

# Ingest: the same pages through informer+store vs cJSON parse+free.
cat >"$TEST_TMP/ingest.c" <<'C'
#include "core/kube/informer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static int dummy;
static void *f_start(void *c, struct informer *i, const char *p, bool w) { (void)c; (void)i; (void)p; (void)w; return &dummy; }
static void f_cancel(void *c, void *h) { (void)c; (void)h; }
static uint64_t f_now(void *c) { (void)c; return 0; }
static void f_timer(void *c, struct informer *i, uint64_t d) { (void)c; (void)i; (void)d; }
static void f_stop(void *c, struct informer *i) { (void)c; (void)i; }
static uint32_t f_rand(void *c) { (void)c; return 0; }
static double secs(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
	int n = argc - 1; char **body = calloc(n, sizeof *body); size_t *len = calloc(n, sizeof *len);
	for (int i = 0; i < n; i++) read_file(argv[i + 1], 0, &body[i], &len[i], NULL);
	/* best of 3 alternating runs of each, so neither side pays the first-touch costs alone */
	double bare = 1e9, ing = 1e9;
	size_t npods = 0;
	for (int run = 0; run < 3; run++) {
		double t0 = secs();
		for (int i = 0; i < n; i++) cJSON_Delete(cJSON_ParseWithLength(body[i], len[i]));
		double t = secs() - t0;
		if (t < bare) bare = t;
		struct store *s = store_new();
		struct informer_env env = {.start = f_start, .cancel = f_cancel, .now = f_now, .timer = f_timer,
					   .timer_stop = f_stop, .random = f_rand};
		struct informer_opts o = {.kind = KK_POD, .watch_timeout_s = 60};
		struct informer *inf = informer_new(&env, s, &o);
		t0 = secs();
		informer_start(inf);
		for (int i = 0; i < n; i++)
			informer_list_done(inf, &dummy, 200, body[i], len[i], NULL);
		t = secs() - t0;
		if (t < ing) ing = t;
		npods = store_count(s, KK_POD);
		informer_free(inf); store_free(s);
	}
	printf("bench get-ingest: informer+store %.0f ms, bare JSON parse+free %.0f ms, ratio %.2f (%zu pods, best of 3)\n",
	       ing * 1000, bare * 1000, bare > 0 ? ing / bare : 0, npods);
	for (int i = 0; i < n; i++) free(body[i]);
	free(body); free(len);
	return 0;
}
C
if cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl libcjson) -o "$TEST_TMP/ingest" \
     "$TEST_TMP/ingest.c" "$TOPS_ROOT/obj/libtopscore.a" \
     $(pkg-config --libs ncursesw libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lcrypt -lm -lpthread; then
  pages=(); for ((i = 0; i < NPAGES; i++)); do pages+=("$TEST_TMP/page.$i"); done
  "$TEST_TMP/ingest" "${pages[@]}"
else
  echo "bench get-ingest: could not build the ingest driver"
fi
