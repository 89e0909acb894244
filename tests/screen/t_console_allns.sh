#!/bin/bash
# The console across all namespaces (-A, :ns all): a NAMESPACE column first in the Pods, PVCs,
# Workloads and Events panes; sorting and filtering on it; the 80x24 layout drops it first.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

# testops (from --pods) and a second namespace whose name is in none of its objects' names
cat >"$TEST_TMP/beta.yaml" <<'EOS'
apiVersion: kubesim.io/v1
kind: SimConfig
storageClasses: [standard]
defaultStorageClass: standard
allowedRegistries: [registry.testops.local]
readyDelaySeconds: 1
---
apiVersion: v1
kind: Namespace
metadata: {name: beta}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: beta, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.testops.local/web:1}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: web-data, namespace: beta}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cold, namespace: beta}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: archive-cold
  resources: {requests: {storage: 1Gi}}
EOS
sim_start --pods 4 --seed 7 --speed 20 --scenario "$TEST_TMP/beta.yaml" || { fail "kubesim start"; exit 0; }
FIRST_POD=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print(sorted(p["metadata"]["name"] for p in json.load(sys.stdin)["items"])[0])')
screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN -A; echo EXIT=\$?"
wait_for "connected" 10 && wait_for "$FIRST_POD" 10 && wait_for "web-data" 10 \
  || fail "console -A starts" "$(capture | head -4 | tr '\n' '|')"

# the header line of each pane starts with NAMESPACE
for col in "NAME▲ +READY +STATUS" "NAME▲ +STATUS +VOLUME" "NAME▲ +KIND" "LAST SEEN +TYPE"; do
  wait_until 5 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE '^│NAMESPACE +$col'" \
    && pass "-A: NAMESPACE first before $col" || fail "-A: NAMESPACE first before $col" "$(capture | grep -m4 '│NAME' | tr '\n' '|')"
done
if wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE '^│beta +web-[a-z0-9]+-[a-z0-9]+ +[0-9]/1'" \
   && capture | grep -qE "^│testops +$FIRST_POD "; then
  pass "-A: rows carry their namespace"
else
  fail "-A: rows carry their namespace" "$(capture | sed -n 3,9p | tr '\n' '|')"
fi

# a Pending claim in another namespace gets the reason from its own latest event under it
if wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -A1 -E '^│beta +cold +Pending' | grep -q 'ProvisioningFailed: .*archive-cold'"; then
  pass "-A: Pending claim shows its event's reason"
else
  fail "-A: Pending claim shows its event's reason" "$(capture | grep -A1 cold | tr '\n' '|')"
fi

# sort: S cycles (s opens a shell on the Pods pane) to NAMESPACE (READY STATUS RESTARTS AGE NODE IP, then NAMESPACE); r reverses
keys S S S S S S S
first_row() { capture | sed -n 4p; }
if wait_for "NAMESPACE▲" 3 && first_row | grep -q "^│beta "; then pass "-A: sort by NAMESPACE"
else fail "-A: sort by NAMESPACE" "$(capture | sed -n 3,4p | tr '\n' '|')"; fi
keys r
if wait_for "NAMESPACE▼" 3 && wait_until 3 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | sed -n 4p | grep -q '^│testops '"; then
  pass "-A: sort by NAMESPACE reversed"
else
  fail "-A: sort by NAMESPACE reversed" "$(capture | sed -n 3,4p | tr '\n' '|')"
fi

# filter: a namespace's name matches its rows (no pod name contains "beta")
keys / ; tm send-keys -l "beta"; keys Enter
if wait_for "filter: beta" 3 && wait_gone "$FIRST_POD" 3 && capture | grep -qE "^│beta +web-"; then
  pass "-A: filter matches the namespace"
else
  fail "-A: filter matches the namespace" "$(capture | sed -n 2,6p | tr '\n' '|')"
fi
keys Escape; wait_gone "filter:" 3
keys S; wait_for "NAME▲" 3 || fail "-A: S after NAMESPACE sorts by NAME"

# 80x24: NAMESPACE goes before the columns a small terminal keeps; names stay whole
tm resize-window -x 80 -y 24
if wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | wc -l) -eq 24 ]" && wait_gone "NAMESPACE" 3 \
   && capture | grep -qE "^│NAME▲ +READY +STATUS +RESTARTS" \
   && capture | grep -qE "^│testops-[a-z]+-[a-z0-9]+-[a-z0-9]+ +[0-9]/1 "; then
  pass "-A at 80x24: NAMESPACE dropped, NAME READY STATUS RESTARTS kept"
else
  fail "-A at 80x24" "$(capture | sed -n 2,5p | tr '\n' '|')"
fi
tm resize-window -x 120 -y 40
wait_for "NAMESPACE" 3 || fail "-A back at 120x40" "no NAMESPACE column"

# :ns NAME hides the column (and a NAMESPACE sort falls back to NAME); :ns all shows it again
keys :; tm send-keys -l "ns testops"; keys Enter
if wait_for "ns: testops" 5 && wait_gone "NAMESPACE" 5 && wait_for "NAME▲" 3; then pass ":ns NAME hides NAMESPACE"
else fail ":ns NAME hides NAMESPACE" "$(capture | sed -n 1,3p | tr '\n' '|')"; fi
keys :; tm send-keys -l "ns all"; keys Enter
wait_for "NAMESPACE" 5 && wait_for "web-data" 5 && pass ":ns all shows NAMESPACE" || fail ":ns all shows NAMESPACE"
keys q
wait_for "EXIT=0" 5 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
