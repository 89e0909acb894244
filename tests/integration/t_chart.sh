#!/bin/bash
# The TestOps chart: renders with the offline values, validates strictly against the Kubernetes
# schemas, pins every image to the offline mirror by digest, names objects by colour, refuses
# values that break values.schema.json, wires object storage (bundled emulator or an external
# endpoint), explains port-forward in NOTES.txt, and is accepted by
# kubesim through the real kubectl (server-side dry run, then a real apply that starts pods).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

CHART=charts/testops
OFFLINE=deploy/offline-values.yaml
SCHEMAS="$TOPS_ROOT/../shared/conformance/schemas"
SCHEMA_LOC="$SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
OUT="$TEST_TMP/offline.yaml"

# render NAME OUTFILE ARGS...: tops render into OUTFILE (stderr next to it); exit status of render.
render() { local out=$1; shift; tops render testops "$CHART" -n testops "$@" >"$out" 2>"$out.err"; }
tops_validate() {
  tops validate --strict --kubernetes-version 1.30.0 --schema-location "$SCHEMA_LOC" --summary "$@"
}
kinds_of() { grep -E '^kind: ' "$1" | sort | uniq -c | awk '{printf "%s=%s ", $3, $1}'; }

if ! render "$OUT" -f "$OFFLINE"; then
  fail "render offline values" "$(head -c 400 "$OUT.err")"
  exit 0
fi
pass "render offline values"

check_eq "offline render has every object" \
  "ConfigMap=2 Deployment=1 Ingress=1 PersistentVolumeClaim=2 PodDisruptionBudget=2 Role=1 RoleBinding=1 Secret=1 Service=2 ServiceAccount=1 StatefulSet=1 " \
  "$(kinds_of "$OUT")"

if [ -d "$SCHEMAS" ]; then
  check "offline render validates strictly (1.30.0 schemas)" tops_validate "$OUT"
  check "offline render passes lint (digests required, local-path only)" \
    tops_validate -lint -require-digests -storage-classes local-path "$OUT"
else
  skip "conformance schemas not found at $SCHEMAS"
fi

# Every image: registry.local:5000/<repo>@sha256:<64 hex>, nothing else.
images=$(sed -n 's/^ *image: *//p' "$OUT" | tr -d '"')
bad=$(echo "$images" | grep -Ev '^registry\.local:5000/[a-z0-9./-]+@sha256:[0-9a-f]{64}$')
check_eq "two images in the offline render" 2 "$(echo "$images" | grep -c .)"
check_eq "every offline image is on the mirror and digest-pinned" "" "$bad"
check_eq "storage class local-path on every claim" 3 "$(grep -c 'storageClassName: local-path' "$OUT")"
check_eq "scrape annotations on both pod templates" 2 "$(grep -c 'prometheus.io/scrape: "true"' "$OUT")"
check_eq "runner readiness and liveness on /v1/health" 4 "$(grep -c 'path: /v1/health' "$OUT")"
if grep -q 'kind: ServiceMonitor' "$OUT"; then fail "no ServiceMonitor by default" "found one"; else pass "no ServiceMonitor by default"; fi
token_b64=$(printf '%s' offline-synthetic-token-0000 | base64)
check_eq "secret data is base64 of the synthetic token" 1 "$(grep -c "api-token: \"$token_b64\"" "$OUT")"

# ServiceMonitor on demand; validated with its kind skipped (no schema for the CRD).
SM="$TEST_TMP/sm.yaml"
if render "$SM" -f "$OFFLINE" --set metrics.serviceMonitor.enabled=true; then
  check_eq "ServiceMonitor when enabled" 1 "$(grep -c '^kind: ServiceMonitor' "$SM")"
  check_eq "ServiceMonitor job label agrees with prometheus.yml" 1 "$(grep -c 'jobLabel: app.kubernetes.io/name' "$SM")"
  [ -d "$SCHEMAS" ] && check "render with ServiceMonitor validates (kind skipped)" tops_validate -skip ServiceMonitor "$SM"
else
  fail "ServiceMonitor when enabled" "$(head -c 300 "$SM.err")"
fi

# Colour: every name gets the suffix and selectors carry the colour.
GREEN="$TEST_TMP/green.yaml"
if render "$GREEN" -f "$OFFLINE" --set color=green; then
  check_eq "color=green names the runner testops-green-runner" 1 \
    "$(grep -c '^  name: testops-green-runner$' <(grep -A3 '^kind: Deployment' "$GREEN"))"
  check_eq "color=green names the engine testops-green-engine" 1 \
    "$(grep -A3 '^kind: StatefulSet' "$GREEN" | grep -c '^  name: testops-green-engine$')"
  check_eq "color=green leaves no uncoloured name" 0 "$(grep -cE '^  name: testops(-(runner|engine|snapshots|reports|dashboard))?$' "$GREEN")"
  [ -d "$SCHEMAS" ] && check "color=green render validates strictly, lint included" tops_validate -lint "$GREEN"
  check_eq "color=green selects on color: green" 6 "$(grep -A4 -E '^  selector:|matchLabels:' "$GREEN" | grep -c 'color: green')"
else
  fail "render color=green" "$(head -c 300 "$GREEN.err")"
fi

# Every optional branch at once: the render stays strictly valid and each option shows up.
cat >"$TEST_TMP/all-options.values.yaml" <<'EOV'
global:
  imageRegistry: registry.example.com/
  imagePullSecrets: [mirror-creds]
runner:
  image: {repository: testops/runner, tag: "2.5.3", digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
  podAnnotations: {team: qa}
  extraEnv:
    - {name: TESTOPS_FEATURE, value: "on"}
  nodeSelector: {disk: ssd}
  tolerations:
    - {key: dedicated, operator: Equal, value: testops, effect: NoSchedule}
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector: {matchLabels: {app.kubernetes.io/component: runner}}
engine:
  nodeSelector: {disk: ssd}
ingress:
  className: nginx
  annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 64m}
  tls:
    - {secretName: testops-tls, hosts: [testops.example.com]}
  host: testops.example.com
serviceAccount: {annotations: {owner: qa}}
metrics:
  serviceMonitor: {enabled: true, labels: {release: prom}}
persistence: {keep: false}
secrets: {apiToken: t, dbPassword: p}
config:
  extra:
    notify: "{{ .Release.Name }}-alerts"
EOV
ALL="$TEST_TMP/all-options.yaml"
if render "$ALL" -f "$TEST_TMP/all-options.values.yaml"; then
  [ -d "$SCHEMAS" ] && check "every option at once validates strictly, lint included" tops_validate -lint -skip ServiceMonitor "$ALL"
  check_eq "every option: tag and digest, registry slash trimmed" \
    "registry.example.com/testops/engine:2.5.3 registry.example.com/testops/runner:2.5.3@sha256:0000000000000000000000000000000000000000000000000000000000000000" \
    "$(sed -n 's/^ *image: *//p' "$ALL" | sort | tr '\n' ' ' | sed 's/ $//')"
  check_eq "every option: pull secret on both pod templates" 2 "$(grep -c -- '- name: mirror-creds' "$ALL")"
  check_eq "every option: config.extra goes through tpl" 1 "$(grep -c 'notify: .testops-alerts.' "$ALL")"
  check_eq "every option: ingress class, TLS and host" 3 "$(grep -cE 'ingressClassName: nginx|secretName: testops-tls|host: "testops.example.com"' "$ALL")"
  check_eq "every option: persistence.keep=false drops the keep policy" 0 "$(grep -c 'helm.sh/resource-policy' "$ALL")"
else
  fail "render every option at once" "$(head -c 300 "$ALL.err")"
fi

# values.schema.json refuses a colour outside the enum, with a message naming the key.
BAD="$TEST_TMP/purple.yaml"
if render "$BAD" -f "$OFFLINE" --set color=purple; then
  fail "color=purple is refused" "render succeeded"
else
  if grep -q 'color' "$BAD.err" && grep -qiE 'schema|one of|enum' "$BAD.err"; then
    pass "color=purple is refused with a clear message"
  else
    fail "color=purple is refused with a clear message" "$(head -c 300 "$BAD.err")"
  fi
fi
if render "$BAD" -f "$OFFLINE" --set imagePullPolicy=Sometimes; then
  fail "imagePullPolicy=Sometimes is refused" "render succeeded"
else
  pass "imagePullPolicy=Sometimes is refused"
fi
# Default values carry no secrets: required refuses to render without them.
if render "$BAD"; then
  fail "missing secrets are refused" "render succeeded"
elif grep -q 'secrets.apiToken is required' "$BAD.err"; then
  pass "missing secrets are refused"
else
  fail "missing secrets are refused" "$(head -c 300 "$BAD.err")"
fi
DEF="$TEST_TMP/default.yaml"
if render "$DEF" --set secrets.apiToken=t,secrets.dbPassword=p; then
  check_eq "default images are registry/repo:appVersion" \
    "docker.io/testops/engine:2.5.3 docker.io/testops/runner:2.5.3" \
    "$(sed -n 's/^ *image: *//p' "$DEF" | sort | tr '\n' ' ' | sed 's/ $//')"
else
  fail "render default values" "$(head -c 300 "$DEF.err")"
fi

# NOTES.txt is not part of a render; a copy of the chart renders it through tpl into a ConfigMap.
NCHART="$TEST_TMP/notes-chart/testops"
mkdir -p "$(dirname "$NCHART")" && cp -r "$CHART" "$NCHART"
cp "$NCHART/templates/NOTES.txt" "$NCHART/notes.txt"
cat >"$NCHART/templates/zz-notes.yaml" <<'EON'
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes
data:
  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}
EON
notes() { tops render testops "$NCHART" -n testops -f "$OFFLINE" --show-only templates/zz-notes.yaml "$@" 2>&1; }
n1=$(notes)
if echo "$n1" | grep -q 'port-forward service/testops-runner 8080:8080'; then
  pass "NOTES.txt explains port-forward without an ingress class"
else
  fail "NOTES.txt explains port-forward without an ingress class" "$(echo "$n1" | head -c 300)"
fi
n2=$(notes --set ingress.className=nginx)
if echo "$n2" | grep -q 'class nginx' && ! echo "$n2" | grep -q port-forward; then
  pass "NOTES.txt names the ingress when a class is set"
else
  fail "NOTES.txt names the ingress when a class is set" "$(echo "$n2" | head -c 300)"
fi

# Object storage: off by default; the bundled emulator wired into runner and engine by
# environment and a Secret; an external endpoint with an existing Secret; schema refusals.
S3="$TEST_TMP/s3.yaml"
check_eq "object storage off by default: no TESTOPS_S3_ variable" 0 "$(grep -c 'TESTOPS_S3_' "$OUT")"
if render "$S3" -f "$OFFLINE" --set objectStorage.emulator.enabled=true; then
  check_eq "emulator: Secret, PVC, Service and Deployment added" \
    "ConfigMap=2 Deployment=2 Ingress=1 PersistentVolumeClaim=3 PodDisruptionBudget=2 Role=1 RoleBinding=1 Secret=2 Service=3 ServiceAccount=1 StatefulSet=1 " \
    "$(kinds_of "$S3")"
  check_eq "emulator: runner and engine both get the six variables" 12 "$(grep -cE 'name: TESTOPS_S3_(ENDPOINT|BUCKET|REGION|INSECURE|ACCESS_KEY|SECRET_KEY)$' "$S3")"
  check_eq "emulator: the endpoint is its Service" 2 "$(grep -c 'value: "http://testops-s3.testops.svc:9000"' "$S3")"
  check_eq "emulator: its image is on the mirror and pinned" 1 \
    "$(grep -cE 'image: registry\.local:5000/testops/s3-emulator@sha256:[0-9a-f]{64}$' "$S3")"
  check_eq "emulator: keys from the synthetic values, base64" 1 \
    "$(grep -c "access-key: \"$(printf '%s' offline-synthetic-access-0000 | base64)\"" "$S3")"
  [ -d "$SCHEMAS" ] && check "emulator render validates strictly and passes lint" \
    tops_validate -lint -require-digests -storage-classes local-path "$S3"
else
  fail "emulator render" "$(head -c 300 "$S3.err")"
fi
EXT="$TEST_TMP/s3ext.yaml"
if render "$EXT" -f "$OFFLINE" --set objectStorage.endpoint=https://s3.site.internal:9443/ \
     --set objectStorage.existingSecret=site-s3 --set objectStorage.bucket=testops-reports; then
  check_eq "external endpoint: no emulator, no Secret of its own" "0 0" \
    "$(grep -c 's3-emulator' "$EXT") $(grep -c 'name: testops-s3$' "$EXT")"
  check_eq "external endpoint: the keys come from the existing Secret" 4 "$(grep -c 'name: site-s3$' "$EXT")"
  check_eq "external endpoint: endpoint (no trailing slash), bucket, TLS verified" "2 2 2" \
    "$(grep -c 'value: "https://s3.site.internal:9443"' "$EXT") $(grep -c 'value: "testops-reports"' "$EXT") $(grep -A1 'name: TESTOPS_S3_INSECURE' "$EXT" | grep -c 'value: "false"')"
else
  fail "external endpoint render" "$(head -c 300 "$EXT.err")"
fi
refused() { # name, pattern the error must match, render args...
  local name=$1 pat=$2; shift 2
  if render "$TEST_TMP/bad-s3.yaml" "$@"; then fail "$name" "render succeeded"
  elif grep -qE "$pat" "$TEST_TMP/bad-s3.yaml.err"; then pass "$name"
  else fail "$name" "$(head -c 300 "$TEST_TMP/bad-s3.yaml.err")"; fi
}
refused "a bucket name S3 refuses is refused, naming the key" 'objectStorage.*bucket|bucket.*objectStorage' \
  -f "$OFFLINE" --set objectStorage.bucket=Bad_Bucket
refused "an endpoint that is not http(s) is refused" 'endpoint' -f "$OFFLINE" --set objectStorage.endpoint=ftp://s3.local
refused "the emulator without keys is refused with what to set" 'objectStorage.accessKey is required' \
  --set secrets.apiToken=t --set secrets.dbPassword=p --set objectStorage.emulator.enabled=true

if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built: Prometheus and apply checks"; exit 0; fi
# The offline site: a local-path storage class and the mirror as the only registry.
offline_site_scenario "$TEST_TMP/offline-sim.yaml"
if ! kubesim_start --speed 50 --scenario "$TEST_TMP/offline-sim.yaml"; then fail "kubesim starts"; exit 0; fi

# The real kubectl against kubesim.
if ! have_kubectl; then skip "kubectl not installed: apply checks"; exit 0; fi
check "kubectl apply --server-side --dry-run=server accepts the render" \
  kctl apply --server-side --dry-run=server -f "$OUT"
[ -s "$S3" ] && check "kubectl apply --server-side --dry-run=server accepts the emulator render" \
  kctl apply --server-side --dry-run=server -f "$S3"
check_eq "dry run created nothing" "" "$(kctl -n testops get deployments -o name 2>/dev/null | grep testops-runner)"
check "kubectl apply --server-side applies the render" kctl apply --server-side -f "$OUT"
runner_pods() { [ "$(kctl -n testops get pods -l app.kubernetes.io/component=runner -o name | grep -c .)" = 2 ]; }
engine_pod() { kctl -n testops get pod testops-engine-0 -o name; }
if wait_until 30 runner_pods; then pass "two runner pods appear"; else fail "two runner pods appear" "$(kctl -n testops get pods 2>&1 | head -5)"; fi
if wait_until 30 engine_pod; then pass "engine pod testops-engine-0 appears"; else fail "engine pod testops-engine-0 appears" "$(kctl -n testops get pods 2>&1 | head -5)"; fi
claims_bound() { [ "$(kctl -n testops get pvc --no-headers 2>/dev/null | awk '$2 == "Bound" {print $1}' | sort | tr '\n' ' ')" = "data-testops-engine-0 testops-reports testops-snapshots " ]; }
if wait_until 30 claims_bound; then pass "claims bound on local-path (snapshots, reports, engine data)"; else fail "claims bound on local-path (snapshots, reports, engine data)" "$(kctl -n testops get pvc --no-headers 2>&1 | tr '\n' ';')"; fi
ready_pods() { [ "$(kctl -n testops get pods --no-headers 2>/dev/null | awk '$2 == "1/1" && $3 == "Running"' | grep -c .)" = 3 ]; }
if wait_until 30 ready_pods; then pass "runner and engine pods Running and Ready (images from the mirror)"; else fail "runner and engine pods Running and Ready (images from the mirror)" "$(kctl -n testops get pods --no-headers 2>&1 | tr '\n' ';')"; fi

# deploy/prometheus.yml scrapes kubesim's /metrics (targets.json beside a copy of it), now
# serving the applied release's series; every query of the Grafana dashboard runs and finds data.
free_port() { local p; for p in $(shuf -i 20000-60000 -n 20); do (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
prom_query() { curl -s -G --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query"; }
prom_up() { prom_query 'up{job="testops"}' | grep -q '"value":\[[0-9.]*,"1"\]'; }
prom_has_series() { prom_query 'testops_http_requests_total{job="testops",namespace="testops"}' | grep -q '"__name__":"testops_http_requests_total"'; }
prom_stop() { [ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null; return 0; }
if ! command -v prometheus >/dev/null 2>&1; then
  skip "prometheus not installed: scrape checks"
else
  PROM_DIR="$TEST_TMP/prom"; PROM_PORT=$(free_port)
  mkdir -p "$PROM_DIR" && cp deploy/prometheus.yml "$PROM_DIR/"
  echo "[{\"targets\": [\"127.0.0.1:$KUBESIM_PORT\"]}]" >"$PROM_DIR/targets.json"
  prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$PROM_DIR/log" 2>&1 &
  PROM_PID=$!; on_exit prom_stop
  if wait_until 30 prom_up; then pass "prometheus.yml: job testops scrapes kubesim"; else fail "prometheus.yml: job testops scrapes kubesim" "$(tail -2 "$PROM_DIR/log")"; fi
  if wait_until 10 prom_has_series; then pass "prometheus.yml: series keep their namespace label"; else fail "prometheus.yml: series keep their namespace label"; fi
  # Every query, with the dashboard's variables filled in, succeeds and returns samples (rate()
  # needs two scrapes, so this is polled).
  dashboard_ok() {
    nq=0; bad=""
    while IFS= read -r q; do
      nq=$((nq + 1))
      q=${q//\$namespace/testops}; q=${q//\$release/testops}; q=${q//\$__rate_interval/1m}
      r=$(prom_query "$q")
      echo "$r" | grep -q '"status":"success"' && echo "$r" | grep -q '"value":' || bad="$bad [$q]"
    done < <(sed -n 's/^ *"expr": "\(.*\)",\{0,1\}$/\1/p' "$CHART/dashboards/testops.json" | sed 's/\\"/"/g')
    [ "$nq" = 7 ] && [ -z "$bad" ]
  }
  wait_until 30 dashboard_ok
  check_eq "dashboard: all 7 queries run and find data" "7 " "$nq $bad"
fi
