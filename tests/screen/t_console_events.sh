#!/bin/bash
# The Events pane while pods are replaced (30 deletions at 10 a second, each bringing seven
# events): similar events are folded into one row per reason and owner, with the number of
# events that `tops get events` also counts; `F` shows every event on its own row, and then the
# first row is the newest event, as `tops get events` (kubectl's LAST SEEN) also says.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
sim_start --pods 200 || { fail "kubesim start"; exit 0; }
screen_start 120 50 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "Pods ─ 200" 20 || { fail "console starts" "$(capture | head -3 | tr '\n' '|')"; exit 0; }

names=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print("\n".join(p["metadata"]["name"] for p in json.load(sys.stdin)["items"]))')
n=0
for name in $names; do
  curl -s -o /dev/null -X DELETE "$KUBESIM_URL/api/v1/namespaces/testops/pods/$name"
  n=$((n + 1)); [ $((n % 10)) = 0 ] && sleep 1; [ $n -ge 30 ] && break
done
sleep 2   # the replacements start; their events are the newest

# folded: one row for the 30 Killing events of the engine pods, "pod/STEM-*"
keys 4 z
killing_row() { capture | grep -E 'Killing +pod/testops-engine-[a-z0-9]+-\* +\(x[0-9]+\)' | head -1; }
wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'Killing +pod/testops-engine-'" || true
row=$(killing_row)
stem=$(sed -E 's#.*pod/(testops-engine-[a-z0-9]+)-\*.*#\1#' <<<"$row")
shown=$(sed -E 's/.*\(x([0-9]+)\).*/\1/' <<<"$row")
counted=$("$TOPS_BIN" get events --no-headers | grep -cE " Killing +pod/${stem:-none}-[a-z0-9]{5} ")
if [ -n "$row" ] && [ "$shown" = "$counted" ] && [ "$counted" -ge 10 ]; then
  pass "folded: Killing of ${stem}-* in one row, (x${shown}) as tops get events counts"
else
  fail "folded Killing row" "row '${row}' shown ${shown:-?} counted ${counted:-?}: $(capture | sed -n '/─ Events ─/,+6p' | tr '\n' '|')"
fi
if capture | grep -qE '─ Events ─ [0-9]+  folded: [0-9]+ rows' && ! capture | grep -qE 'pod/testops-engine-[a-z0-9]+-[a-z0-9]{5} '; then
  pass "folded: the title counts events and rows; no engine pod has a row of its own"
else
  fail "folded title" "$(capture | grep -E 'Events|pod/testops-engine' | head -4 | tr '\n' '|')"
fi
capture | grep -qE 'F fold' && pass "the footer shows F on the Events pane" || fail "footer F" "$(capture | tail -1)"

# unfolded: every event on its own row, newest first
keys F
wait_for "one row per record" 5 || fail "F unfolds" "$(capture | tail -2 | tr '\n' '|')"
if wait_until 5 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE ' pod/testops-engine-[a-z0-9]+-[a-z0-9]{5} '" &&
   ! capture | grep -q 'folded:'; then
  pass "F: each event has its own row with the pod's name"
else
  fail "F unfolds" "$(capture | sed -n '/─ Events ─/,+4p' | tr '\n' '|')"
fi
# seconds of a LAST SEEN cell ("3s", "2m5s" is not expected here)
secs() { sed 's/s$//' <<<"$1"; }
top_age() { capture | sed -n '/─ Events ─/{n;n;p;q}' | awk -F'│' '{print $2}' | awk '{print $1}'; }
newest=$("$TOPS_BIN" get events --no-headers | awk '{print $1}' | sed 's/s$//' | sort -n | head -1)
top=$(secs "$(top_age)")
if [ -n "$top" ] && [ -n "$newest" ] && [ "$top" -le $((newest + 1)) ]; then
  pass "unfolded, the first row of Events is the newest event (${top}s; newest by tops get: ${newest}s)"
else
  fail "Events shows the newest first" "top row ${top:-?}s, newest ${newest:-?}s: $(capture | sed -n '/─ Events ─/,+3p' | tr '\n' '|')"
fi
keys F
wait_for "folded:" 5 && pass "F again folds" || fail "F folds again" "$(capture | grep 'Events' | head -1)"

keys q
wait_for "EXIT=0" 10 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
