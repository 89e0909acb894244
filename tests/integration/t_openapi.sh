#!/bin/bash
# The cluster's own OpenAPI v3 schemas, against kubesim serving the conformance schemas as an
# API server does (--openapi-schemas): kubectl explain and apply keep working; `tops validate
# --cluster` finds a wrong type and (strict) an unknown field with their paths, in every output
# format; unknown kinds are reported as kubeconform reports missing schemas and fall back to
# --schema-location; the cache is written, reused without a request (kubesim's counters), and
# a corrupt file is refetched with a warning; a server without /openapi/v3 is a warning;
# install refuses an invalid chart before any record is written, --skip-schema-validation goes on.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

SCHEMAS="$TOPS_ROOT/../shared/conformance/schemas/v1.30.0-standalone"
export XDG_CACHE_HOME="$TEST_TMP/cache" XDG_STATE_HOME="$TEST_TMP/state"
[ -d "$SCHEMAS" ] || { skip "conformance schemas missing ($SCHEMAS)"; exit 0; }
[ -x "$TOPS_ROOT/bin/kubesim" ] || { skip "bin/kubesim not built"; exit 0; }
offline_site_scenario "$TEST_TMP/sim.yaml"
kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml" --openapi-schemas "$SCHEMAS" || { fail "kubesim starts with --openapi-schemas"; exit 0; }

stat_of() { curl -s "$KUBESIM_URL/sim/v1/stats" | jq -r ".$1"; }
# tv ARGS...: tops validate --cluster ARGS; stdout in $TEST_TMP/o, stderr in $TEST_TMP/e, status $rc.
tv() { tops validate --cluster "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }

cat >"$TEST_TMP/bad.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "three"
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        colour: red
EOF
cat >"$TEST_TMP/good.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: testops}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ok, namespace: testops}
spec:
  replicas: 2
  selector: {matchLabels: {app: ok}}
  template:
    metadata: {labels: {app: ok}}
    spec:
      containers: [{name: c, image: registry.local:5000/ok:1, ports: [{containerPort: 80}]}]
EOF
cat >"$TEST_TMP/widget.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
size: 3
EOF

# --- the documents as an API server serves them; kubectl keeps working
root=$(curl -s "$KUBESIM_URL/openapi/v3")
url=$(echo "$root" | jq -r '.paths["apis/apps/v1"].serverRelativeURL')
case "$url" in /openapi/v3/apis/apps/v1\?hash=????????????????*) pass "listing: serverRelativeURL with a hash" ;;
  *) fail "listing: serverRelativeURL with a hash" "$url" ;; esac
hdrs=$(curl -s -D - -o "$TEST_TMP/apps.json" "$KUBESIM_URL$url" | tr -d '\r')
echo "$hdrs" | grep -q '^Cache-Control: public, immutable' && echo "$hdrs" | grep -q "^Etag: \"${url##*hash=}\"" \
  && pass "hashed document: immutable, ETag is the hash" || fail "hashed document headers" "$(echo "$hdrs" | head -6 | tr '\n' '|')"
check_eq "stale hash: 301 to the current URL" "301 $url" \
  "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$KUBESIM_URL/openapi/v3/apis/apps/v1?hash=00" | sed "s|$KUBESIM_URL||")"
check_eq "Deployment component refers to its spec through allOf" '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' \
  "$(jq -r '.components.schemas["io.k8s.api.apps.v1.Deployment"].properties.spec.allOf[0]["$ref"]' "$TEST_TMP/apps.json")"
if have_kubectl; then
  kctl explain deployment.spec.replicas >"$TEST_TMP/explain" 2>&1 && grep -q 'replicas <integer>' "$TEST_TMP/explain" \
    && pass "kubectl explain reads the served schemas" || fail "kubectl explain" "$(head -3 "$TEST_TMP/explain" | tr '\n' ' ')"
  kctl apply -f "$TEST_TMP/good.yaml" >"$TEST_TMP/apply" 2>&1 && pass "kubectl apply (server-side field validation) still works" \
    || fail "kubectl apply" "$(tail -2 "$TEST_TMP/apply" | tr '\n' ' ')"
else
  skip "kubectl not usable: explain and apply against the served schemas"
fi

# --- tops validate --cluster: a wrong type; strict: an unknown field
r0=$(stat_of openapi_root_requests); d0=$(stat_of openapi_doc_requests)
tv "$TEST_TMP/bad.yaml"
if [ $rc = 1 ] && grep -q "at '/spec/replicas': got string, want integer" "$TEST_TMP/o" && ! grep -q colour "$TEST_TMP/o"; then
  pass "--cluster: wrong type found with its path (unknown fields allowed without --strict)"
else fail "--cluster wrong type" "rc=$rc $(cat "$TEST_TMP/o" "$TEST_TMP/e" | head -c 400)"; fi
check_eq "first run: one listing and the one document fetched" "1 1" \
  "$(( $(stat_of openapi_root_requests) - r0 )) $(( $(stat_of openapi_doc_requests) - d0 ))"
grep -qF "$KUBESIM_URL/openapi/v3/apis/apps/v1?hash=" "$TEST_TMP/o" && pass "the message names the cluster's document" \
  || fail "message names the document" "$(head -c 300 "$TEST_TMP/o")"
tv --strict "$TEST_TMP/bad.yaml"
[ $rc = 1 ] && grep -q "at '/spec/template/spec/containers/0': additional property 'colour' not allowed" "$TEST_TMP/o" \
  && pass "--cluster --strict: unknown field found with its path" || fail "--strict unknown field" "rc=$rc $(head -c 400 "$TEST_TMP/o")"
tv -o json --strict "$TEST_TMP/bad.yaml"
check_eq "-o json: validationErrors with paths" "/spec/replicas /spec/template/spec/containers/0" \
  "$(jq -r '[.resources[0].validationErrors[].path] | join(" ")' "$TEST_TMP/o" 2>/dev/null)"
tv -o tap "$TEST_TMP/bad.yaml"
grep -q "^not ok 1 - .*(apps/v1/Deployment//web): .*'/spec/replicas'" "$TEST_TMP/o" && pass "-o tap" || fail "-o tap" "$(head -c 300 "$TEST_TMP/o")"
tv -o junit "$TEST_TMP/bad.yaml"
grep -q '<failure message=.*/spec/replicas' "$TEST_TMP/o" && pass "-o junit" || fail "-o junit" "$(head -c 400 "$TEST_TMP/o")"
tv -o pretty "$TEST_TMP/bad.yaml"
grep -q "/spec/replicas" "$TEST_TMP/o" && pass "-o pretty" || fail "-o pretty" "$(head -c 300 "$TEST_TMP/o")"
tv --summary "$TEST_TMP/good.yaml"
[ $rc = 0 ] && grep -q 'Summary: 2 resources found in 1 file - Valid: 2, Invalid: 0, Errors: 0, Skipped: 0' "$TEST_TMP/o" \
  && pass "valid objects pass" || fail "valid objects" "rc=$rc $(cat "$TEST_TMP/o" "$TEST_TMP/e" | head -c 300)"

# --- kinds the cluster has no schema for
tv "$TEST_TMP/widget.yaml"
[ $rc = 1 ] && grep -q 'Widget w failed validation: could not find schema for Widget' "$TEST_TMP/o" \
  && pass "unknown kind: could not find schema (kubeconform's words)" || fail "unknown kind" "rc=$rc $(head -c 300 "$TEST_TMP/o")"
tv --ignore-missing-schemas --summary "$TEST_TMP/widget.yaml"
[ $rc = 0 ] && grep -q 'Skipped: 1' "$TEST_TMP/o" && pass "--ignore-missing-schemas skips it" || fail "ignore missing" "rc=$rc $(cat "$TEST_TMP/o")"
mkdir -p "$TEST_TMP/loc"
echo '{"type":"object","properties":{"size":{"type":"integer"}}}' >"$TEST_TMP/loc/widget-example-v1.json"
tv --schema-location "$TEST_TMP/loc/{{ .ResourceKind }}{{ .KindSuffix }}.json" --summary "$TEST_TMP/widget.yaml" "$TEST_TMP/bad.yaml"
[ $rc = 1 ] && grep -q 'Valid: 1, Invalid: 1' "$TEST_TMP/o" && grep -q "apis/apps/v1?hash=.*'/spec/replicas'" "$TEST_TMP/o" \
  && pass "--schema-location after the cluster: Widget from the location, Deployment from the cluster" \
  || fail "cluster then location" "rc=$rc $(head -c 500 "$TEST_TMP/o")"

# --- the cache: written, reused without a request, a corrupt file refetched
dir="$XDG_CACHE_HOME/tops/openapi/v1.32.4"
ls "$dir"/root-127.0.0.1_*.json >/dev/null 2>&1 && ls "$dir"/apis_apps_v1-*.json >/dev/null 2>&1 && ls "$dir"/api_v1-*.json >/dev/null 2>&1 \
  && pass "cache: the listing and the documents under tops/openapi/GITVERSION" || fail "cache files" "$(ls -R "$XDG_CACHE_HOME" 2>&1 | head)"
r1=$(stat_of openapi_root_requests); d1=$(stat_of openapi_doc_requests)
tv "$TEST_TMP/good.yaml"; tv --strict "$TEST_TMP/bad.yaml"
check_eq "later runs: no /openapi/v3 request at all" "0 0" \
  "$(( $(stat_of openapi_root_requests) - r1 )) $(( $(stat_of openapi_doc_requests) - d1 ))"
[ $rc = 1 ] && grep -q "additional property 'colour'" "$TEST_TMP/o" && pass "cached schemas give the same result" \
  || fail "cached result" "$(head -c 300 "$TEST_TMP/o")"
doc=$(ls "$dir"/apis_apps_v1-*.json | head -1)
printf '{"components": {"schem' >"$doc"
tv "$TEST_TMP/bad.yaml"
[ $rc = 1 ] && grep -q "ignoring the corrupt schema cache file $doc" "$TEST_TMP/e" && grep -q "/spec/replicas" "$TEST_TMP/o" \
  && pass "corrupt cache file: warned, refetched, validated" || fail "corrupt cache" "rc=$rc $(cat "$TEST_TMP/e" | head -c 300)"
check_eq "corrupt cache: the one document fetched again" "1" "$(( $(stat_of openapi_doc_requests) - d1 ))"
jq -e '.components.schemas["io.k8s.api.apps.v1.Deployment"]' "$doc" >/dev/null && pass "the cache file is whole again" \
  || fail "cache rewritten" "$(head -c 100 "$doc")"

# --- transient failures (503) are tried again; lasting ones are an error
e0=$(stat_of errors_injected)
sim_fault '{"fail_next":2,"status":503}'
XDG_CACHE_HOME="$TEST_TMP/cache2" tv "$TEST_TMP/good.yaml"
[ $rc = 0 ] && [ $(( $(stat_of errors_injected) - e0 )) = 2 ] && pass "two 503s: tried again, validated" \
  || fail "503 retried" "rc=$rc $(cat "$TEST_TMP/e" | head -c 300)"
sim_fault '{"fail_next":10,"status":503}'
XDG_CACHE_HOME="$TEST_TMP/cache3" tv "$TEST_TMP/good.yaml"
sim_fault '{"clear":true}'
[ $rc = 1 ] && grep -q '^tops: -cluster: .*' "$TEST_TMP/e" && pass "lasting 503s: an error naming -cluster, exit 1" \
  || fail "lasting 503s" "rc=$rc $(cat "$TEST_TMP/e" | head -c 300)"

# --- a server without /openapi/v3 (404): a warning, the schema locations still apply
port=$(free_port)
python3 - "$port" >"$TEST_TMP/py.out" 2>&1 <<'EOF' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/version":
            body, code = b'{"major":"1","minor":"20","gitVersion":"v1.20.0"}', 200
        else:
            body, code = b'{"kind":"Status","status":"Failure","reason":"NotFound","code":404}', 404
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
PY=$!
stop_py() { kill "$PY" 2>/dev/null; wait "$PY" 2>/dev/null; return 0; }
on_exit stop_py
wait_until 10 curl -sf "http://127.0.0.1:$port/version"
tops --server "http://127.0.0.1:$port" validate --cluster --schema-location "$TEST_TMP/loc/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  "$TEST_TMP/widget.yaml" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
[ $rc = 0 ] && grep -q 'warning: the server has no /openapi/v3' "$TEST_TMP/e" \
  && pass "no /openapi/v3: warned once, the location validates" || fail "no openapi" "rc=$rc $(cat "$TEST_TMP/e" "$TEST_TMP/o" | head -c 300)"

# --- install: an invalid chart is refused before any record; --skip-schema-validation goes on
mkdir -p "$TEST_TMP/badchart/templates"
printf 'apiVersion: v2\nname: badchart\nversion: 0.1.0\n' >"$TEST_TMP/badchart/Chart.yaml"
printf 'replicas: 1\n' >"$TEST_TMP/badchart/values.yaml"
sed -e 's/name: web$/name: {{ .Release.Name }}-web/' -e 's/replicas: "three"/replicas: {{ .Values.replicas }}/' \
  -e 's/image: nginx/image: registry.local:5000\/web:1/' "$TEST_TMP/bad.yaml" >"$TEST_TMP/badchart/templates/deploy.yaml"
tops -n testops install bad "$TEST_TMP/badchart" --set replicas=two >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
if [ $rc = 1 ] && grep -q 'badchart/templates/deploy.yaml:6:13: Deployment bad-web: /spec/replicas: got string, want integer' "$TEST_TMP/e" \
   && grep -q "badchart/templates/deploy.yaml:[0-9]*:[0-9]*: Deployment bad-web: /spec/template/spec/containers/0: additional property 'colour' not allowed" "$TEST_TMP/e"; then
  pass "install refuses: template file:line:col and JSON path per violation"
else fail "install refuses an invalid chart" "rc=$rc $(head -c 500 "$TEST_TMP/e")"; fi
nrec=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/secrets" | jq '[.items[] | select(.metadata.name | startswith("sh.helm.release.v1.bad."))] | length')
ndep=$(curl -s -o /dev/null -w '%{http_code}' "$KUBESIM_URL/apis/apps/v1/namespaces/testops/deployments/bad-web")
check_eq "refused install: no release record, no object" "0 404" "$nrec $ndep"
tops -n testops install bad "$TEST_TMP/badchart" --skip-schema-validation >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
nrec=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/secrets" | jq '[.items[] | select(.metadata.name == "sh.helm.release.v1.bad.v1")] | length')
[ $rc = 0 ] && [ "$nrec" = 1 ] && ! grep -q "cluster's schemas" "$TEST_TMP/o" "$TEST_TMP/e" \
  && pass "--skip-schema-validation: installed without the check" || fail "--skip-schema-validation" "rc=$rc $nrec $(head -c 300 "$TEST_TMP/e")"
sim_fault '{"forbid":"/openapi/v3"}'
XDG_CACHE_HOME="$TEST_TMP/cache4" tops -n testops upgrade bad "$TEST_TMP/badchart" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
sim_fault '{"clear":true}'
[ $rc = 1 ] && grep -q 'schema validation (--skip-schema-validation skips it): .*forbidden' "$TEST_TMP/e" \
  && [ "$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/secrets" | jq '[.items[] | select(.metadata.name == "sh.helm.release.v1.bad.v2")] | length')" = 0 ] \
  && pass "schemas forbidden (403): the upgrade stops before a record, saying how to skip" \
  || fail "403 on /openapi/v3" "rc=$rc $(head -c 400 "$TEST_TMP/e")"
sed -i '/colour: red/d' "$TEST_TMP/badchart/templates/deploy.yaml"
tops -n testops upgrade bad "$TEST_TMP/badchart" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
[ $rc = 0 ] && grep -q "checking 1 objects against the cluster's schemas" "$TEST_TMP/e" \
  && pass "a valid upgrade passes the check" || fail "valid upgrade" "rc=$rc $(head -c 400 "$TEST_TMP/e")"
