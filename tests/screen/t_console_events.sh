#!/bin/bash
# The Events pane is a stream, newest first: while pods are replaced (30 deletions at 10 a
# second, each bringing seven events), its first row stays the newest event, as
# `tops get events` (kubectl's LAST SEEN) also says.
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

# seconds of a LAST SEEN cell ("3s", "2m5s" is not expected here)
secs() { sed 's/s$//' <<<"$1"; }
top_age() { capture | sed -n '/─ Events ─/{n;n;p;q}' | awk -F'│' '{print $2}' | awk '{print $1}'; }
newest=$("$TOPS_BIN" get events --no-headers | awk '{print $1}' | sed 's/s$//' | sort -n | head -1)
top=$(secs "$(top_age)")
if [ -n "$top" ] && [ -n "$newest" ] && [ "$top" -le $((newest + 1)) ]; then
  pass "the first row of Events is the newest event (${top}s; newest by tops get: ${newest}s)"
else
  fail "Events shows the newest first" "top row ${top:-?}s, newest ${newest:-?}s: $(capture | sed -n '/─ Events ─/,+3p' | tr '\n' '|')"
fi

keys q
wait_for "EXIT=0" 10 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
