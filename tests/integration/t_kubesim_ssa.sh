#!/bin/bash
# kubesim's server-side apply, held to the real kubectl 1.32 and the API's documented semantics:
# managedFields record each manager's fields (fieldsV1); applying a field another manager set to
# another value is a 409 with FieldManagerConflict causes (kubectl prints them) unless forced,
# which moves the field; a field the manager stops applying is removed; an apply that changes
# nothing keeps the resourceVersion; apply without fieldManager is 400; Leases refuse stale writes.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built"; exit 0; fi
if ! kubesim_start --speed 20; then fail "kubesim starts"; exit 0; fi

cm() { # name, data lines (YAML, indented by two)
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: default\ndata:\n%s\n' "$1" "$2"
}
cm ssa "  a: \"1\"
  b: \"2\"" >"$TEST_TMP/v1.yaml"
check "apply --server-side creates" kctl apply --server-side --field-manager alice -f "$TEST_TMP/v1.yaml"
fields() { kctl get cm ssa -n default -o json --show-managed-fields | python3 -c '
import json, sys
o = json.load(sys.stdin)
print(" ".join(sorted("%s:%s:%s" % (m["manager"], m["operation"], ",".join(sorted(m["fieldsV1"].get("f:data", {})))) for m in o["metadata"]["managedFields"])))'; }
check_eq "managedFields: alice owns data.a and data.b (fieldsV1)" "alice:Apply:f:a,f:b" "$(fields)"

rv1=$(kctl get cm ssa -n default -o jsonpath='{.metadata.resourceVersion}')
kctl apply --server-side --field-manager alice -f "$TEST_TMP/v1.yaml" >/dev/null
check_eq "an apply that changes nothing keeps the resourceVersion" "$rv1" \
  "$(kctl get cm ssa -n default -o jsonpath='{.metadata.resourceVersion}')"

cm ssa '  a: "9"' >"$TEST_TMP/bob.yaml"
kctl apply --server-side --field-manager bob -f "$TEST_TMP/bob.yaml" >"$TEST_TMP/c.out" 2>&1; rc=$?
check_eq "a field another manager owns: refused" 1 "$rc"
check "kubectl prints the conflict with the manager and the field" \
  grep -q 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.a' "$TEST_TMP/c.out"
code=$(curl -s -o "$TEST_TMP/c.json" -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
  --data-binary @"$TEST_TMP/bob.yaml" "$KUBESIM_URL/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob")
check_eq "the API answers 409 with a FieldManagerConflict cause naming the field" "409 Conflict FieldManagerConflict .data.a" \
  "$code $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); c=s["details"]["causes"][0]; print(s["reason"], c["reason"], c["field"])' "$TEST_TMP/c.json")"
check_eq "the refused apply changed nothing" 1 "$(kctl get cm ssa -n default -o jsonpath='{.data.a}')"

check "--force-conflicts takes the field" kctl apply --server-side --field-manager bob --force-conflicts -f "$TEST_TMP/bob.yaml"
check_eq "the forced value is live" 9 "$(kctl get cm ssa -n default -o jsonpath='{.data.a}')"
check_eq "ownership moved: bob owns data.a, alice keeps data.b" "alice:Apply:f:b bob:Apply:f:a" "$(fields)"

cm ssa '  b: "2"
  c: "3"' >"$TEST_TMP/v2.yaml"
kctl apply --server-side --field-manager alice -f "$TEST_TMP/v2.yaml" >/dev/null
check_eq "a field nobody else owns is kept only while applied (c added)" 3 "$(kctl get cm ssa -n default -o jsonpath='{.data.c}')"
cm ssa '  c: "3"' >"$TEST_TMP/v3.yaml"
kctl apply --server-side --field-manager alice -f "$TEST_TMP/v3.yaml" >/dev/null
check_eq "a field the manager stops applying is removed (b)" "" "$(kctl get cm ssa -n default -o jsonpath='{.data.b}')"
check_eq "a field another manager owns stays (a)" 9 "$(kctl get cm ssa -n default -o jsonpath='{.data.a}')"

# keyed lists: containers by name, env by name
dep() { # env entries (YAML list lines)
  cat <<EOD
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.local:5000/web:1
        env:
$1
EOD
}
dep '        - {name: A, value: "1"}
        - {name: B, value: "2"}' >"$TEST_TMP/d1.yaml"
kctl apply --server-side --field-manager tops -f "$TEST_TMP/d1.yaml" >/dev/null
dep '        - {name: A, value: "1"}' >"$TEST_TMP/d2.yaml"
kctl apply --server-side --field-manager tops -f "$TEST_TMP/d2.yaml" >/dev/null
check_eq "an env entry the manager stops applying is removed from the keyed list" "A" \
  "$(kctl get deploy web -n default -o jsonpath='{.spec.template.spec.containers[0].env[*].name}')"
kctl scale deploy web -n default --replicas 3 >/dev/null
kctl apply --server-side --field-manager tops -f "$TEST_TMP/d2.yaml" >"$TEST_TMP/s.out" 2>&1; rc=$?
check_eq "after kubectl scale, replicas belong to another manager: conflict" 1 "$rc"
check "the conflict names .spec.replicas" grep -q '.spec.replicas' "$TEST_TMP/s.out"

code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
  --data-binary @"$TEST_TMP/v3.yaml" "$KUBESIM_URL/api/v1/namespaces/default/configmaps/ssa")
check_eq "apply without fieldManager: 422 (PatchOptions invalid)" 422 "$code"

# Leases: optimistic concurrency
lease() { printf '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"default"%s},"spec":{"holderIdentity":"%s"}}' "$1" "$2"; }
LP="$KUBESIM_URL/apis/coordination.k8s.io/v1/namespaces/default/leases"
code=$(curl -s -o "$TEST_TMP/l.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$(lease "" a)" "$LP")
check_eq "a Lease is created" 201 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$(lease "" b)" "$LP")
check_eq "a second create of the same Lease: 409" 409 "$code"
rv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$TEST_TMP/l.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d "$(lease ",\"resourceVersion\":\"$rv\"" b)" "$LP/l")
check_eq "an update with the current resourceVersion succeeds" 200 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d "$(lease ",\"resourceVersion\":\"$rv\"" c)" "$LP/l")
check_eq "an update with a stale resourceVersion: 409" 409 "$code"
check_eq "kubectl get lease shows the holder" "b" "$(kctl get lease l -n default -o jsonpath='{.spec.holderIdentity}')"
