#!/bin/bash
# tops get -w under chaos: churn pods with kubectl while watches are dropped, requests fail
# with 500 and resourceVersions expire (410). After the faults clear, the state rebuilt from
# the event stream must equal a fresh list: nothing lost, nothing duplicated.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
[ -x "$TOPS_ROOT/bin/kubesim" ] || { skip "bin/kubesim is not built"; exit 0; }
have_kubectl || { skip "kubectl is not installed"; exit 0; }
kubesim_start --pods 200 || { fail "kubesim starts"; exit 0; }

stream="$TEST_TMP/stream"
tops get pods -A -w --output-watch-events -o name >"$stream" 2>"$TEST_TMP/stream.err" &
WPID=$!
stop_watch() { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; return 0; }
on_exit stop_watch

expected=$(kctl get pods -A -o name | wc -l)
if wait_until 30 test "$(wc -l <"$stream")" -ge "$expected"; then pass "initial list streamed as ADDED"
else fail "initial list streamed as ADDED" "$(wc -l <"$stream") of $expected lines"; fi

# Replays the stream; prints the resulting set, and counts impossible transitions
# (an ADDED for a present object, a MODIFIED or DELETED for an absent one).
replay() {
  awk '{ op=$1; n=$2
         if (op=="ADDED") { if (n in s) bad++; s[n]=1 }
         else if (op=="MODIFIED") { if (!(n in s)) bad++; s[n]=1 }
         else if (op=="DELETED") { if (!(n in s)) bad++; delete s[n] }
         else bad++ }
       END { for (n in s) print n; print "#bad " bad+0 > "/dev/stderr" }' "$stream"
}

pod_yaml() {
  local n
  for n in "$@"; do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: testops\n' "$n"
    printf '  labels: {app: chaos}\nspec:\n  containers:\n  - name: c\n    image: registry.local/chaos:1\n'
  done
}

# One churn step: three kubectl calls that create 3 pods, relabel 3 and delete 2.
churn() { # $1 step name; uses $victims (3 pod names) and $doomed (1 pod name)
  local r=$1
  pod_yaml "chaos-$r-1" "chaos-$r-2" "chaos-$r-3" | kctl create -f - >/dev/null 2>&1 || true
  kctl label pod -n testops --overwrite $victims "round=$r" >/dev/null 2>&1 || true
  kctl delete pod -n testops --wait=false "chaos-$r-1" $doomed >/dev/null 2>&1 || true
}

# drop_watches: drops the open watches and waits until tops has opened a new one, so that every
# drop hits a watch (not a moment when tops is backing off, nor the dropped watch the server has
# not closed yet) and forces a reopen
opened_watches() { curl -s "$KUBESIM_URL/sim/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("watches_opened",0))'; }
opened_since() { [ "$(opened_watches)" -gt "$1" ]; }
drop_watches() {
  local before; before=$(opened_watches)
  sim_fault '{"drop_watches":true}'
  wait_until 30 opened_since "$before"
}

for round in 1 2 3; do
  names=$(kctl get pods -n testops -o name | grep -v chaos | sed 's|^pod/||')
  set -- $(echo "$names" | sed -n "$((round * 10 + 1)),$((round * 10 + 7))p")
  victims="$1 $2 $3"; doomed="$4"
  churn "$round"
  drop_watches
  victims="$2 $3 $5"; doomed="$6"
  churn "$round-b"
  sim_fault '{"error_rate":0.5,"status":500}'
  drop_watches
  sleep 0.5
  victims="$1 $5"; doomed="$7"
  churn "$round-c"
  sim_fault '{"clear":true}'
  sim_fault '{"expire":true}'
  drop_watches
  victims="$1 $2"; doomed=""
  churn "$round-d"
done
sim_fault '{"clear":true}'

converged() {
  replay 2>/dev/null | sort >"$TEST_TMP/replayed"
  kctl get pods -A -o name | sort >"$TEST_TMP/fresh"
  cmp -s "$TEST_TMP/replayed" "$TEST_TMP/fresh"
}
if wait_until 60 converged; then pass "state rebuilt from the stream equals a fresh list"
else fail "state rebuilt from the stream equals a fresh list" "$(diff "$TEST_TMP/replayed" "$TEST_TMP/fresh" | head -5 | tr '\n' ' ')"; fi

bad=$(replay 2>&1 >/dev/null | sed -n 's/^#bad //p')
check_eq "no duplicated or impossible events in the stream" 0 "$bad"
n=$(wc -l <"$TEST_TMP/fresh")
[ "$n" -gt 150 ] && pass "the cluster still has pods ($n)" || fail "the cluster still has pods" "$n"
grep -q 'chaos-3-d-2' "$TEST_TMP/replayed" && pass "a pod created during the last round is seen" \
  || fail "a pod created during the last round is seen" "$(tail -3 "$stream")"
retries=$(grep -c 'retrying' "$TEST_TMP/stream.err")
[ "$retries" -ge 1 ] && pass "the watch was really interrupted ($retries retries)" \
  || fail "the watch was really interrupted" "$(cat "$TEST_TMP/stream.err")"
relists=$(grep -c '410 Gone' "$TEST_TMP/stream.err")
[ "$relists" -ge 1 ] && pass "expired resourceVersions forced relists ($relists)" \
  || fail "expired resourceVersions forced relists" "$(cat "$TEST_TMP/stream.err")"
stats=$(curl -s "$KUBESIM_URL/sim/v1/stats")
opened=$(echo "$stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("watches_opened",0))')
[ "$opened" -ge 10 ] && pass "every dropped watch was reopened ($opened opened for 9 drops)" \
  || fail "every dropped watch was reopened" "$stats"
kill -0 "$WPID" 2>/dev/null && pass "tops get -w survived every fault" || fail "tops get -w survived every fault"
