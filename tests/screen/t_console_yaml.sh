#!/bin/bash
# The console's YAML view writes an object as `tops get -o yaml` does (core/yaml_emit): the
# lines on screen are the lines of `tops get pod NAME -o yaml`, apart from managedFields.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --pods 2 --seed 7 || { fail "kubesim start"; exit 0; }
# a pod whose text needs YAML quoting and folding (first by name, so under the cursor at start)
FIRST_POD=aaa-yaml
curl -s -o "$TEST_TMP/create.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  "$KUBESIM_URL/api/v1/namespaces/testops/pods" -d '{"apiVersion":"v1","kind":"Pod",
  "metadata":{"name":"aaa-yaml","annotations":{"note":"key: value # not a comment",
  "long":"a long annotation with spaces that goes on well past the eightieth column of the line so it folds",
  "flag":"true","star":"*****"}},
  "spec":{"containers":[{"name":"c","image":"registry.testops.local/probe:1","args":["a: b","-x"]}]}}' \
  | grep -q '^20[01]$' || { fail "create pod" "$(head -c 200 "$TEST_TMP/create.json")"; exit 0; }
screen_start 120 60 || { fail "tmux session"; exit 0; }
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "$FIRST_POD" 10 && wait_for "connected" 5 || fail "console starts" "$(capture | head -2 | tr '\n' '|')"
keys g y
if ! wait_for "apiVersion: v1" 5; then fail "yaml view opens" "$(capture | head -3 | tr '\n' '|')"; exit 0; fi
# the text inside the box, without borders and padding
capture | sed -n '2,$p' | grep '^│' | sed -E 's/^│//; s/│$//; s/ +$//' >"$TEST_TMP/view.txt"
"$TOPS_BIN" get pod "$FIRST_POD" -o yaml | /usr/bin/python3 -c '
import sys
out, skip = [], None
for line in sys.stdin.read().split("\n"):
    ind = len(line) - len(line.lstrip(" "))
    if skip is not None and (ind > skip or (ind == skip and line.lstrip().startswith("- "))):
        continue
    skip = None
    if line.strip() == "managedFields:":
        skip = ind
        continue
    out.append(line)
sys.stdout.write("\n".join(out))' >"$TEST_TMP/get.txt"
n=$(wc -l <"$TEST_TMP/view.txt")
if [ "$n" -ge 20 ] && diff <(head -n "$n" "$TEST_TMP/get.txt") "$TEST_TMP/view.txt" >"$TEST_TMP/yaml.diff"; then
  pass "yaml view matches tops get -o yaml ($n lines)"
else
  fail "yaml view matches tops get -o yaml" "$(head -8 "$TEST_TMP/yaml.diff" | tr '\n' '|')"
fi
keys Escape; keys q
wait_for "EXIT=0" 5 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
