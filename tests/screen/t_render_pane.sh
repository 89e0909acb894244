#!/bin/bash
# The Render view against kubesim with the real kubectl: `:render` lists the TestOps manifests by
# kind/name with their schema status (schemas from the conformance set through the config key
# validate.schemaLocation), selecting one shows its YAML, the diff says "created" before an apply
# and "unchanged" after `kubectl apply --server-side` of the same render, a broken values file
# shows file:line:col, and the dashboard keeps updating while the view is open.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
cd "$TOPS_ROOT" || exit 1

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
have_kubectl || { skip "kubectl not usable: render view test"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
[ -d ../shared/conformance/schemas ] || { skip "../shared/conformance/schemas missing"; exit 0; }

offline_site_scenario "$TEST_TMP/offline-sim.yaml"
sim_start --speed 50 --scenario "$TEST_TMP/offline-sim.yaml" || { fail "kubesim start"; exit 0; }
mkdir -p "$HOME/.config/tops"
cat >"$HOME/.config/tops/config.yaml" <<'EOC'
validate:
  schemaLocation: ../shared/conformance/schemas
EOC
"$TOPS_BIN" render testops charts/testops -n testops -f deploy/offline-values.yaml >"$TEST_TMP/r.yaml" \
  || { fail "tops render for the apply"; exit 0; }
NOBJ=$(grep -c '^kind: ' "$TEST_TMP/r.yaml")

screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "cd $TOPS_ROOT && $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 10 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

# --- :render with the defaults (charts/testops, deploy/offline-values.yaml)
keys : ; tm send-keys -l "render"; keys Enter
if wait_for "$NOBJ objects" 15 && wait_for "schema: $NOBJ valid 0 invalid" 3; then
  pass "render view lists $NOBJ objects, all valid against the schemas"
else
  fail "render view lists the objects" "$(capture | sed -n 2,4p | tr '\n' '|')"
fi
capture | grep -qF "charts/testops -f deploy/offline-values.yaml" \
  && pass "defaults: charts/testops with deploy/offline-values.yaml" || fail "render defaults" "$(capture | sed -n 2p)"
ok=1
for o in ConfigMap/testops Deployment/testops-runner PersistentVolumeClaim/testops-reports \
         Service/testops-engine StatefulSet/testops-engine; do
  capture | grep -qE "│$o +valid" || { ok=0; fail "list shows $o" "$(capture | grep -F "$o" | head -1)"; }
done
[ $ok = 1 ] && pass "objects listed by kind/name with their status"
# sorted by kind, then name
kinds=$(capture | sed -n 's/^│\([A-Za-z]*\)\/.*/\1/p')
if [ "$(echo "$kinds" | grep -c .)" = "$NOBJ" ] && [ "$(echo "$kinds" | sort)" = "$kinds" ]; then
  pass "list sorted by kind"
else fail "list sorted by kind" "$(echo $kinds)"; fi

# --- selecting an object shows its YAML with the findings above it
keys j j
if wait_for "# Source: testops/templates/runner-deploy" 3 && wait_for "kind: Deployment" 2 \
   && wait_for "schema: valid" 2 && wait_for "lint: no findings" 2; then
  pass "selecting Deployment/testops-runner shows its YAML and validation"
else
  fail "select shows YAML" "$(capture | sed -n 5,9p | tr '\n' '|')"
fi

# --- diff: everything is created before an apply
if wait_for "diff: $NOBJ created 0 changed 0 unchanged" 10; then pass "diff before apply: all created"
else fail "diff before apply" "$(capture | sed -n 3p)"; fi
keys d
wait_for "diff: created (not in the cluster yet)" 3 && wait_for "+++ rendered/apps.v1.Deployment.testops.testops-runner" 3 \
  && pass "d shows the diff of the object" || fail "d shows the diff" "$(capture | sed -n 5,9p | tr '\n' '|')"

# --- apply the same render with kubectl, render again: unchanged
if kctl apply --server-side -f "$TEST_TMP/r.yaml" >"$TEST_TMP/apply.out" 2>&1; then
  keys r
  if wait_for "diff: 0 created 0 changed $NOBJ unchanged" 15; then pass "after kubectl apply --server-side: all unchanged"
  else fail "after apply: unchanged" "$(capture | sed -n 3p)"; fi
  wait_for "diff: unchanged (the live object matches" 3 && pass "object diff says unchanged" \
    || fail "object diff unchanged" "$(capture | sed -n 5,6p | tr '\n' '|')"
else
  fail "kubectl apply --server-side" "$(tail -2 "$TEST_TMP/apply.out" | tr '\n' ' ')"
fi

# --- a live change shows as changed
if kctl scale deployment testops-runner --replicas=5 >/dev/null 2>&1; then
  keys r
  wait_for "diff: 0 created 1 changed" 15 && wait_for "+  replicas: 2" 3 && pass "a scaled Deployment shows as changed" \
    || fail "scaled Deployment changed" "$(capture | sed -n 3,12p | tr '\n' '|')"
fi

# --- the dashboard keeps updating while the view is open
kctl run probe-while-rendering --image=registry.local:5000/probe:1 --restart=Never >/dev/null 2>&1
keys r Escape
wait_for "probe-while-rendering" 5 && pass "pods pane updated while the render view was open" \
  || fail "pods pane updates" "$(capture | sed -n 2,6p | tr '\n' '|')"

# --- a broken values file: file:line:col
printf 'runner:\n  replicas: [1\n  x: 2\n' >"$TEST_TMP/broken.yaml"
keys : ; tm send-keys -l "render charts/testops -f $TEST_TMP/broken.yaml"; keys Enter
if wait_for "render failed:" 10 && wait_for "broken.yaml:3:4:" 3; then pass "broken values file shows file:line:col"
else fail "broken values file" "$(capture | sed -n 2,5p | tr '\n' '|')"; fi

# --- a template error: its template:line:col
mkdir -p "$TEST_TMP/mini/templates"
printf 'apiVersion: v2\nname: mini\nversion: 0.1.0\n' >"$TEST_TMP/mini/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "cm.name is required" .Values.cm }}\n' \
  >"$TEST_TMP/mini/templates/cm.yaml"
keys : ; tm send-keys -l "render $TEST_TMP/mini"; keys Enter
if wait_for "render failed:" 10 && wait_for "(mini/templates/cm.yaml:4:" 3 && wait_for "cm.name is required" 2; then
  pass "template error shows template:line:col"
else fail "template error" "$(capture | sed -n 2,5p | tr '\n' '|')"; fi

keys q q
wait_for "EXIT=0" 5 && pass "quit after the render view" || fail "quit" "$(capture | tail -3 | tr '\n' '|')"
