#!/bin/bash
# The Render view with no schema location configured, connected to kubesim serving schemas in
# /openapi/v3 (--openapi-schemas): the objects validate against the cluster's own schemas out of
# the box (no "no schema"), the object's findings name the server version, a wrong type shows as invalid
# with its path, and the documents land in the cache.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
cd "$TOPS_ROOT" || exit 1

SCHEMAS="$TOPS_ROOT/../shared/conformance/schemas/v1.30.0-standalone"
command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
[ -d "$SCHEMAS" ] || { skip "conformance schemas missing ($SCHEMAS)"; exit 0; }

offline_site_scenario "$TEST_TMP/offline-sim.yaml"
sim_start --speed 50 --scenario "$TEST_TMP/offline-sim.yaml" --openapi-schemas "$SCHEMAS" || { fail "kubesim start"; exit 0; }
"$TOPS_BIN" render testops charts/testops -n testops -f deploy/offline-values.yaml >"$TEST_TMP/r.yaml" \
  || { fail "tops render"; exit 0; }
NOBJ=$(grep -c '^kind: ' "$TEST_TMP/r.yaml")
mkdir -p "$TEST_TMP/mini/templates"
printf 'apiVersion: v2\nname: mini\nversion: 0.1.0\n' >"$TEST_TMP/mini/Chart.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mini\nspec:\n  replicas: two\n  selector: {matchLabels: {app: mini}}\n  template:\n    metadata: {labels: {app: mini}}\n    spec:\n      containers: [{name: c, image: "registry.local:5000/mini:1"}]\n' \
  >"$TEST_TMP/mini/templates/deploy.yaml"

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "cd $TOPS_ROOT && XDG_CACHE_HOME=$TEST_TMP/cache $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 10 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

keys : ; tm send-keys -l "render"; keys Enter
if wait_for "$NOBJ objects" 15 && wait_for "schema: $NOBJ valid 0 invalid 0 no schema" 10; then
  pass "render view: $NOBJ objects valid against the cluster's schemas, none without a schema"
else
  fail "render view with the cluster's schemas" "$(capture | sed -n 2,4p | tr '\n' '|')"
fi
keys j
wait_for "schema: valid (the cluster's v1.32.4 schema)" 5 && pass "the selected object names the cluster's schema" \
  || fail "findings name the cluster" "$(capture | sed -n 5,7p | tr '\n' '|')"
ls "$TEST_TMP"/cache/tops/openapi/v1.32.4/apis_apps_v1-*.json >/dev/null 2>&1 \
  && pass "the documents were cached" || fail "cache" "$(ls -R "$TEST_TMP/cache" 2>&1 | head -5 | tr '\n' ' ')"

keys : ; tm send-keys -l "render $TEST_TMP/mini"; keys Enter
if wait_for "schema: 0 valid 1 invalid" 15; then pass "a wrong type shows as invalid"; else fail "invalid count" "$(capture | sed -n 2,4p | tr '\n' '|')"; fi
wait_for "/spec/replicas" 5 && wait_for "replicas: got string, want int" 2 \
  && pass "the invalid object shows the path and the reason" || fail "invalid object findings" "$(capture | sed -n 5,10p | tr '\n' '|')"

keys q q
wait_for "EXIT=0" 5 && pass "quit after the render view" || fail "quit" "$(capture | tail -3 | tr '\n' '|')"
