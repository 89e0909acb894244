#!/bin/bash
# tops top against the real Prometheus scraping kubesim's /metrics: figures agree with what
# Prometheus answers for the same query; Prometheus stopped gives a clear error and no stall;
# it recovers when Prometheus returns; --metrics-url scrapes directly; bad queries are explained.
. "$TOPS_ROOT/tests/lib.sh"
if ! have_prometheus; then skip "prometheus not installed"; exit 0; fi
kubesim_start --pods 12 --speed 10 --seed 7 || { fail "kubesim starts"; exit 0; }
PROM_PORT=$(free_port) prom_start "127.0.0.1:$KUBESIM_PORT" || { fail "prometheus starts"; exit 0; }
port=${PROM_URL##*:}
have_series() { prom_query 'count(container_memory_working_set_bytes{namespace="testops"})' | grep -q '"value"'; }
wait_until 40 have_series || { fail "prometheus scraped kubesim"; exit 0; }
sleep 5   # enough samples for rate()

# Memory per pod: tops' figure (Mi) against the same preset query sent with curl (within 5%).
q='sum(container_memory_working_set_bytes{container!="POD",container!="",image!="",pod=~".*",namespace="testops"}) by (pod, namespace)'
prom_query "$q" | python3 -c '
import json,sys
for r in json.load(sys.stdin)["data"]["result"]: print(r["metric"]["pod"], float(r["value"][1])/1048576)' | sort >"$TEST_TMP/prom.txt"
tops top pods --prometheus "$PROM_URL" --no-headers | awk '{sub("Mi","",$3); print $1, $3}' | sort >"$TEST_TMP/tops.txt"
check_eq "top pods lists the pods Prometheus has" "$(cut -d' ' -f1 "$TEST_TMP/prom.txt")" "$(cut -d' ' -f1 "$TEST_TMP/tops.txt")"
if join "$TEST_TMP/prom.txt" "$TEST_TMP/tops.txt" | awk '{d=$2-$3; if (d<0) d=-d; if ($2 > 0 && d/$2 > 0.05) bad=1} END {exit bad}' && [ -s "$TEST_TMP/tops.txt" ]; then
  pass "top pods memory agrees with Prometheus"
else fail "top pods memory agrees with Prometheus" "$(join "$TEST_TMP/prom.txt" "$TEST_TMP/tops.txt" | head -3)"; fi

out=$(tops top pods --prometheus "$PROM_URL" --sort-by cpu --no-headers | awk '{sub("m","",$2); print $2}')
check_eq "--sort-by cpu sorts descending" "$(echo "$out" | sort -rn)" "$out"
check "top pods -o wide shows request and limit percentages" bash -c "tops top pods --prometheus $PROM_URL -o wide | head -1 | grep -q 'CPU/REQ   CPU/LIM   MEM/REQ   MEM/LIM'"
check "top pvc shows used and capacity" bash -c "tops top pvc --prometheus $PROM_URL | grep -E '^testops-snapshot +[0-9]+(Mi|Gi) +[0-9]+(Mi|Gi) +[0-9]+%$'"
one=$(tops top pods --prometheus "$PROM_URL" --no-headers | head -1 | awk '{print $1}')
app=$(kctl get pod "$one" -o jsonpath='{.metadata.labels.app\.kubernetes\.io/component}' 2>/dev/null)
if [ -n "$app" ]; then
  n_sel=$(tops top pods --prometheus "$PROM_URL" -l "app.kubernetes.io/component=$app" --no-headers | wc -l)
  n_api=$(kctl get pods -l "app.kubernetes.io/component=$app" --no-headers | wc -l)
  check_eq "-l restricts to the selected pods" "$n_api" "$n_sel"
fi

# A broken query override is explained, not dumped.
printf 'prometheus:\n  queries:\n    cpu: "sum(rate(x[\n"\n' >"$TEST_TMP/bad.yaml"
err=$(tops top pods --prometheus "$PROM_URL" --config "$TEST_TMP/bad.yaml" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$err" | grep -q "bad_data"; then pass "bad query: bad_data explained, exit 1"; else fail "bad query explained" "$rc $err"; fi

# Prometheus stopped: clear error, exit 1, no stall. Then it comes back on the same port.
prom_stop
start=$SECONDS
err=$(timeout 30 tops top pods --prometheus "$PROM_URL" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$err" | grep -q "Prometheus unreachable" && [ $((SECONDS - start)) -lt 20 ]; then
  pass "prometheus down: unreachable message, exit 1, no stall"
else fail "prometheus down" "rc=$rc $err"; fi
PROM_PORT=$port prom_start "127.0.0.1:$KUBESIM_PORT" || fail "prometheus restarts"
wait_until 40 have_series
check "recovers when Prometheus returns" bash -c "tops top pods --prometheus $PROM_URL --no-headers | grep -q testops"

# No Prometheus at all: scrape the endpoint directly.
check "--metrics-url scrapes the endpoint directly" bash -c "tops top pods --metrics-url $KUBESIM_URL/metrics --no-headers | grep -qE '^testops-[a-z0-9-]+ +[0-9]+m +[0-9]+Mi$'"
check "--metrics-url pvc" bash -c "tops top pvc --metrics-url $KUBESIM_URL/metrics --no-headers | grep -q testops-reports"
err=$(tops top pods --metrics-url "http://127.0.0.1:1/metrics" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$err" | grep -qi "127.0.0.1:1"; then pass "--metrics-url unreachable names the URL"; else fail "--metrics-url unreachable" "$rc $err"; fi
err=$(tops top nodes 2>&1); rc=$?
check_eq "usage error exits 2" 2 "$rc"

# Colour and fault labels: a pod's `color` label is on its series, and its containers'
# KUBESIM_ERROR_RATE / KUBESIM_LATENCY_MS show in its request series, so a query selects a colour.
cat >"$TEST_TMP/green.yaml" <<'EOY'
apiVersion: apps/v1
kind: Deployment
metadata: {name: testops-green-runner, namespace: testops}
spec:
  replicas: 1
  selector: {matchLabels: {app: testops, color: green}}
  template:
    metadata: {labels: {app: testops, color: green}}
    spec:
      containers:
      - name: runner
        image: testops/runner:2.0
        env: [{name: KUBESIM_ERROR_RATE, value: "0.3"}, {name: KUBESIM_LATENCY_MS, value: "400"}]
EOY
kctl apply -f "$TEST_TMP/green.yaml" >/dev/null 2>&1 || fail "green deployment applied"
green_ready() { curl -sf "$KUBESIM_URL/metrics" | grep -q '^testops_http_requests_total{.*color="green",code="500"}'; }
wait_until 30 green_ready && pass "a coloured pod's request series carry color=\"green\"" || fail "coloured series exported"
ratio() { prom_query "sum(rate(testops_http_requests_total{color=\"green\",code=\"500\"}[20s])) / sum(rate(testops_http_requests_total{color=\"green\"}[20s]))" | python3 -c '
import json,sys
r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'; }
has_ratio() { [ "$(ratio)" != none ]; }
wait_until 40 has_ratio
r=$(ratio)
if awk -v r="$r" 'BEGIN { exit !(r > 0.25 && r < 0.35) }'; then pass "KUBESIM_ERROR_RATE=0.3: the green error ratio through Prometheus is about 0.3 ($r)"
else fail "KUBESIM_ERROR_RATE shows as errors" "ratio $r"; fi
r=$(prom_query 'sum(rate(testops_http_requests_total{code="500",color!="green"}[20s])) / sum(rate(testops_http_requests_total{color!="green"}[20s]))' | python3 -c '
import json,sys
r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
if awk -v r="$r" 'BEGIN { exit !(r < 0.05) }'; then pass "the other pods keep their low error ratio ($r)"; else fail "other pods' error ratio" "$r"; fi
lat=$(curl -sf "$KUBESIM_URL/metrics" | awk '/^testops_http_request_duration_seconds_(sum|count)\{.*color="green"/ {v[$1 ~ /_sum/ ? "s" : "c"]=$NF} END { if (v["c"] > 0) printf "%.3f", v["s"]/v["c"]; else print "none" }')
check_eq "KUBESIM_LATENCY_MS=400: mean request latency 0.4 s" "0.400" "$lat"
