#!/bin/bash
# kubesim's API semantics beyond apply, checked with kubectl 1.32 and curl: 422 Invalid with
# details.causes (names by DNS rules, required fields, the 1 MiB limit of ConfigMaps and
# Secrets), Secrets fold stringData into data and default to Opaque, a delete answers a Status
# (or the object while it terminates) and honours preconditions (409), boolean parameters are
# read as the API reads them.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built"; exit 0; fi
if ! kubesim_start --speed 20; then fail "kubesim starts"; exit 0; fi
CM="$KUBESIM_URL/api/v1/namespaces/default/configmaps"

post() { # URL JSON: status code; body in $TEST_TMP/b.json
  curl -s -o "$TEST_TMP/b.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "$1"; }
cause() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); c=s["details"]["causes"][0]; print(s["code"], s["reason"], c["reason"], c["field"])' "$TEST_TMP/b.json"; }

kctl create configmap Bad_Name -n default --from-literal=a=b >"$TEST_TMP/k.out" 2>&1; rc=$?
check_eq "an invalid name: kubectl is refused" 1 "$rc"
check "kubectl prints the API's words" grep -q 'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain' "$TEST_TMP/k.out"
code=$(post "$CM" '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}')
check_eq "422 Invalid with a FieldValueInvalid cause on metadata.name" "422 422 Invalid FieldValueInvalid metadata.name" "$code $(cause)"
code=$(post "$CM" '{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}')
check_eq "a missing name: FieldValueRequired" "422 422 Invalid FieldValueRequired metadata.name" "$code $(cause)"
code=$(post "$KUBESIM_URL/api/v1/namespaces" '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}')
check_eq "a Namespace name is a DNS label (no dots)" "422 422 Invalid FieldValueInvalid metadata.name" "$code $(cause)"
code=$(post "$KUBESIM_URL/apis/apps/v1/namespaces/default/deployments" \
  '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c"}]}}}}')
check_eq "a container without an image: FieldValueRequired on its field" "422 FieldValueRequired" \
  "$code $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["details"]["causes"][0]["reason"])' "$TEST_TMP/b.json")"
python3 -c 'import json; print(json.dumps({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"x"*1100000}}))' >"$TEST_TMP/big.json"
code=$(curl -s -o "$TEST_TMP/b.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/big.json" "$CM")
check_eq "a ConfigMap over 1 MiB: FieldValueTooLong" "422 422 Invalid FieldValueTooLong data" "$code $(cause)"

cat >"$TEST_TMP/s.yaml" <<'EOY'
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: default}
stringData: {user: admin}
EOY
kctl apply -f "$TEST_TMP/s.yaml" >/dev/null
check_eq "a Secret's stringData is folded into data, type Opaque" "YWRtaW4= Opaque" \
  "$(kctl get secret s -n default -o jsonpath='{.data.user} {.type}')"
check_eq "stringData is not stored" "" "$(kctl get secret s -n default -o jsonpath='{.stringData}')"

kctl create configmap gone -n default --from-literal=a=b >/dev/null
rv=$(kctl get cm gone -n default -o jsonpath='{.metadata.resourceVersion}')
code=$(curl -s -o "$TEST_TMP/b.json" -w '%{http_code}' -X DELETE -H 'Content-Type: application/json' \
  -d '{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"resourceVersion":"1"}}' "$CM/gone")
check_eq "a delete whose precondition does not hold: 409, nothing deleted" "409 gone" \
  "$code $(kctl get cm gone -n default -o jsonpath='{.metadata.name}')"
code=$(curl -s -o "$TEST_TMP/b.json" -w '%{http_code}' -X DELETE -H 'Content-Type: application/json' \
  -d "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"resourceVersion\":\"$rv\"}}" "$CM/gone")
check_eq "a delete answers a Status naming what went" "200 Status Success gone configmaps" \
  "$code $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["kind"], s["status"], s["details"]["name"], s["details"]["kind"])' "$TEST_TMP/b.json")"
check "kubectl delete still says deleted" bash -c "kubectl --cache-dir '$TEST_TMP/kcache' create configmap again -n default >/dev/null && kubectl --cache-dir '$TEST_TMP/kcache' delete cm again -n default | grep -q 'configmap \"again\" deleted'"

# boolean parameters: watch=1 and watch=True open a watch as watch=true does (a watch from no
# resourceVersion starts with an ADDED event for each object there is)
kctl create configmap watched -n default --from-literal=a=b >/dev/null
for v in 1 True t; do
  got=$(curl -s -m 2 "$CM?watch=$v" | head -c 200)
  check "watch=$v opens a watch (events, not a list)" bash -c "printf '%s' '$got' | grep -q '\"type\":\"ADDED\"'"
done
got=$(curl -s -m 2 "$CM?watch=no" | head -c 200)
check "watch=no is a list" bash -c "printf '%s' '$got' | grep -q '\"kind\":\"ConfigMapList\"'"
