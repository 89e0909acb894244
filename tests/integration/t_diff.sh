#!/bin/bash
# tops diff against kubesim: everything is "created" before an apply (exit 1); after
# `kubectl apply --server-side` of the same render there are no changes (exit 0); a --set shows
# exactly the changed field (exit 1); Secret values never appear; errors exit 3, usage 2.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

CHART=charts/testops
OFFLINE=deploy/offline-values.yaml
TOKEN=offline-synthetic-token-0000
TOKEN_B64=$(printf '%s' "$TOKEN" | base64)

if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
if [ ! -x "$TOPS_ROOT/bin/kubesim" ]; then skip "bin/kubesim not built"; exit 0; fi
# The offline site: a local-path storage class and the mirror as the only registry.
offline_site_scenario "$TEST_TMP/offline-sim.yaml"
if ! kubesim_start --speed 50 --scenario "$TEST_TMP/offline-sim.yaml"; then fail "kubesim starts"; exit 0; fi

# tdiff ARGS...: runs tops diff on the chart; output in $TEST_TMP/d.out, status in $rc.
tdiff() { tops diff testops "$CHART" -n testops -f "$OFFLINE" "$@" >"$TEST_TMP/d.out" 2>"$TEST_TMP/d.err"; rc=$?; }
out() { cat "$TEST_TMP/d.out"; }
no_secret_leak() { ! grep -qE "$TOKEN|$TOKEN_B64|offline-synthetic-password" "$TEST_TMP/d.out" "$TEST_TMP/d.err"; }

tops render testops "$CHART" -n testops -f "$OFFLINE" >"$TEST_TMP/r.yaml" 2>"$TEST_TMP/r.err" ||
  { fail "render for apply" "$(head -c 300 "$TEST_TMP/r.err")"; exit 0; }
nobj=$(grep -c '^kind: ' "$TEST_TMP/r.yaml")

tdiff
check_eq "before apply: exit 1" 1 "$rc"
check_eq "before apply: every object created" "$nobj created, 0 changed, 0 unchanged" "$(out | tail -1)"
check_eq "before apply: runner diff header" 1 \
  "$(out | grep -c '^--- live/apps.v1.Deployment.testops.testops-runner$')"
check_eq "before apply: created objects have only added lines" 0 "$(out | grep -c '^-[^-]')"
check_eq "before apply: secret values masked" 1 "$(out | grep -c '^+  api-token: "\*\*\*"$')"
check "before apply: no secret value printed" no_secret_leak

if ! kctl apply --server-side -f "$TEST_TMP/r.yaml" >"$TEST_TMP/apply.out" 2>&1; then
  fail "kubectl apply --server-side" "$(tail -3 "$TEST_TMP/apply.out")"; exit 0
fi
tdiff
check_eq "after apply: exit 0" 0 "$rc"
check_eq "after apply: no changes" "no changes: 0 created, 0 changed, $nobj unchanged" "$(out | tail -1)"
[ "$rc" = 0 ] || echo "unexpected diff: $(head -40 "$TEST_TMP/d.out")" >&2

tdiff --set runner.replicas=5
check_eq "replicas=5: exit 1" 1 "$rc"
check_eq "replicas=5: one object changed" "0 created, 1 changed, $((nobj - 1)) unchanged" "$(out | tail -1)"
check_eq "replicas=5: the Deployment's diff" "--- live/apps.v1.Deployment.testops.testops-runner
+++ rendered/apps.v1.Deployment.testops.testops-runner
-  replicas: 2
+  replicas: 5" "$(out | grep -E '^(---|\+\+\+|[-+] )')"

tdiff --set secrets.apiToken=rotated-token-1111
check_eq "rotated token: exit 1" 1 "$rc"
check_eq "rotated token: masked change markers" "-  api-token: \"***\"
+  api-token: \"*** (changed)\"" "$(out | grep -E '^[-+] ' | grep -v checksum)"
check "rotated token: neither value printed" eval '! grep -qE "rotated-token|$(printf rotated-token-1111 | base64)|$TOKEN_B64" "$TEST_TMP/d.out"'

# Already rendered manifests through --manifests - (stdin), and -q for the summary alone.
tops diff --manifests - -q -n testops <"$TEST_TMP/r.yaml" >"$TEST_TMP/m.out" 2>&1; rc=$?
check_eq "--manifests - -q: exit 0 and summary only" "0 no changes: 0 created, 0 changed, $nobj unchanged" "$rc $(cat "$TEST_TMP/m.out")"

# Errors: usage 2, render or cluster 3.
tops diff >/dev/null 2>&1; check_eq "no chart: usage error exit 2" 2 "$?"
tops diff --bogus charts/testops >/dev/null 2>&1; check_eq "unknown flag: usage error exit 2" 2 "$?"
check_eq "--help: exit 0 and documents the exit status" "0 1" \
  "$(tops diff --help >"$TEST_TMP/h.out" 2>&1; echo $?) $(grep -c '^Exit status: 0 no changes, 1 changes' "$TEST_TMP/h.out")"
tops diff testops "$TEST_TMP/no-such-chart" -n testops >/dev/null 2>"$TEST_TMP/e.err"; rc=$?
check_eq "missing chart: exit 3" 3 "$rc"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata:\n  name: b\n' >"$TEST_TMP/nokind.yaml"
tops diff --manifests "$TEST_TMP/nokind.yaml" -n testops >/dev/null 2>"$TEST_TMP/e.err"; rc=$?
check_eq "object without kind: exit 3, named by file:line:col" "3 1" \
  "$rc $(grep -c "nokind.yaml:5:1: object has no apiVersion, kind or metadata.name" "$TEST_TMP/e.err")"
kubesim_stop
tdiff
check_eq "server gone: exit 3" 3 "$rc"
check_eq "server gone: one error line" 1 "$(grep -c '^tops: diff: ' "$TEST_TMP/d.err")"
