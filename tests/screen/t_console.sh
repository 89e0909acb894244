#!/bin/bash
# The console in a detached tmux session against kubesim: start-up, live changes from kubectl,
# filter, zoom, describe, logs, resize, disconnect/reconnect, quitting and terminal restore.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }

sim_start --pods 12 --seed 7 || { fail "kubesim start"; exit 0; }
screen_start 120 40 || { fail "tmux session"; exit 0; }
# the first pod by name, as the API lists it
FIRST_POD=$(curl -s "$KUBESIM_URL/api/v1/namespaces/testops/pods" | /usr/bin/python3 -c \
  'import json,sys; print(sorted(p["metadata"]["name"] for p in json.load(sys.stdin)["items"])[0])')
screen_run "$TOPS_BIN; echo EXIT=\$?"

# --- start-up: the pods of the namespace, the header, the four panes
if wait_for "$FIRST_POD" 10 && wait_for "connected" 5; then
  pass "startup shows the pods"
else
  fail "startup shows the pods" "$(capture | head -5 | tr '\n' '|')"
fi
for t in "Pods ─ 12" "PVCs ─" "Workloads ─" "Events ─" "ns: testops"; do
  wait_for "$t" 5 || fail "startup pane $t" "missing"
done
wait_until 5 screen_matches startup && pass "startup screen matches expected/startup.txt" \
  || fail "startup screen" "$(head -30 "$TEST_TMP/startup.diff" | tr '\n' '|')"

# --- resize to 80x24 and back
tm resize-window -x 80 -y 24
if wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | wc -l) -eq 24 ]" && wait_for "Pods ─" 3 \
   && wait_for "$FIRST_POD" 3; then
  pass "resize to 80x24"
else
  fail "resize to 80x24" "$(capture | head -3 | tr '\n' '|')"
fi
wait_until 5 screen_matches small-80x24 && pass "80x24 screen matches expected/small-80x24.txt" \
  || fail "80x24 screen" "$(head -30 "$TEST_TMP/small-80x24.diff" | tr '\n' '|')"
tm resize-window -x 120 -y 40
if wait_until 5 sh -c "[ \$(tmux -L $SCREEN_SOCK capture-pane -p | wc -l) -eq 40 ]" && wait_for "Events ─" 3; then
  pass "resize back to 120x40"
else
  fail "resize back to 120x40" "$(capture | wc -l) lines"
fi

# --- a change made with kubectl shows up within 2 seconds
if have_kubectl; then
  if kctl run probe-pod --image=registry.testops.local/probe:1 --restart=Never >/dev/null 2>&1; then
    if wait_for "probe-pod" 2; then pass "kubectl change appears within 2s"
    else fail "kubectl change appears within 2s" "probe-pod not on screen"; fi
  else
    fail "kubectl run" "$(kctl run probe-pod --image=x --restart=Never 2>&1 | tail -1)"
  fi
else
  skip "kubectl not usable: live change test"
fi

# --- filter: substring, then a label selector, then Esc clears it
keys / ; tm send-keys -l "probe"; keys Enter
if wait_for "filter: probe" 3 && ! capture | grep -q "$FIRST_POD"; then
  pass "filter by name substring"
else
  fail "filter by name substring" "$(capture | sed -n 3,6p | tr '\n' '|')"
fi
keys Escape; keys / ; tm send-keys -l "app.kubernetes.io/component=engine"; keys Enter
if wait_for "filter: app.kubernetes.io/component=engine" 3 && wait_gone "testops-runner-" 3; then
  pass "filter by label selector"
else
  fail "filter by label selector" "$(capture | sed -n 3,6p | tr '\n' '|')"
fi
keys Escape
wait_gone "filter:" 3 && pass "Esc clears the filter" || fail "Esc clears the filter"

# --- zoom the pods pane and back
keys z
if wait_gone "PVCs ─" 3 && [ "$(capture | grep -c 'testops-')" -ge 12 ]; then pass "zoom pods pane"
else fail "zoom pods pane" "$(capture | sed -n 2,4p | tr '\n' '|')"; fi
keys z
wait_for "PVCs ─" 3 && pass "zoom back" || fail "zoom back"

# --- describe the pod under the cursor
keys g j Enter
if wait_for "Describe pod/" 3 && wait_for "Containers:" 5 && wait_for "Controlled By:" 2; then
  pass "describe view"
else
  fail "describe view" "$(capture | sed -n 2,8p | tr '\n' '|')"
fi
keys Escape
wait_for "Pods ─" 3 || fail "Esc closes describe"

# --- YAML view
keys y
wait_for "apiVersion: v1" 5 && wait_for "kind: Pod" 2 && pass "yaml view" || fail "yaml view"
keys Escape; wait_for "Pods ─" 3

# --- logs follow new lines
keys l
if wait_for "Logs testops-" 3 && wait_until 10 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE '^│20.*\[(engine|runner|web)\]'"; then
  last=$(capture | grep -E '^│20' | tail -1)
  if wait_until 15 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -E '^│20' | tail -1 | grep -vqF -- \"$last\""; then
    pass "logs follow new lines"
  else
    fail "logs follow new lines" "no new line after [$last]"
  fi
else
  fail "logs view" "$(capture | sed -n 2,5p | tr '\n' '|')"
fi
keys Escape; wait_for "Pods ─" 3

# --- the API goes away: banner, stale rows kept; it comes back: recovery without a restart
sim_stop
if wait_for "API unreachable" 10 && wait_for "STALE" 3 && capture | grep -q "$FIRST_POD"; then
  pass "disconnect banner, rows kept and marked stale"
else
  fail "disconnect banner" "$(capture | head -3 | tr '\n' '|')"
fi
wait_for "retry in" 2 && wait_for "old" 1 || fail "banner shows retry countdown and data age"
sim_restart || fail "kubesim restart"
if wait_gone "API unreachable" 20 && wait_for "connected" 5 && wait_gone "STALE" 5; then
  pass "reconnects when the API returns"
else
  fail "reconnects when the API returns" "$(capture | head -3 | tr '\n' '|')"
fi

# --- :commands
keys :; tm send-keys -l "ev"; keys Tab
wait_for ":events" 2 && pass "command completion" || fail "command completion" "$(capture | tail -2 | tr '\n' '|')"
keys Enter
keys :; tm send-keys -l "nosuch"; keys Enter
wait_for "unknown command :nosuch" 2 && pass "unknown command message" || fail "unknown command message"

# --- :ns and :ctx switch the data without a restart; a bad context is a message, not an exit
keys :; tm send-keys -l "ns default"; keys Enter
wait_for "ns: default" 5 && wait_gone "$FIRST_POD" 5 && pass ":ns switches namespace" || fail ":ns switches namespace"
keys :; tm send-keys -l "ns testops"; keys Enter
wait_for "ns: testops" 5 && wait_for "$FIRST_POD" 5 && pass ":ns back" || fail ":ns back"
keys :; tm send-keys -l "ctx nosuch"; keys Enter
wait_for 'context "nosuch"' 3 && wait_for "ns: testops" 1 && pass ":ctx with an unknown context" \
  || fail ":ctx with an unknown context" "$(capture | tail -2 | tr '\n' '|')"

# --- q exits 0 and restores the terminal
keys q
if wait_for "EXIT=0" 5; then pass "q exits 0"; else fail "q exits 0" "$(capture | tail -3 | tr '\n' '|')"; fi
check_eq "alternate screen left" 0 "$(tm display -p '#{alternate_on}')"
check_eq "cursor visible again" 1 "$(tm display -p '#{cursor_flag}')"
capture | grep -qE '^screen\$ ?$' && pass "shell prompt back" || fail "shell prompt back" "$(capture | tail -2 | tr '\n' '|')"

# --- SIGHUP ends the console promptly and restores the terminal
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 15
wait_until 10 sh -c "pgrep -P \$(tmux -L $SCREEN_SOCK display -p '#{pane_pid}') -x tops" || true
pid=$(tops_pid)
if [ -n "$pid" ]; then
  kill -HUP "$pid"
  wait_for "EXIT=129" 3 && pass "SIGHUP exits promptly" || fail "SIGHUP exits promptly" "$(capture | tail -2 | tr '\n' '|')"
  check_eq "SIGHUP: alternate screen left" 0 "$(tm display -p '#{alternate_on}')"
else
  fail "SIGHUP exits promptly" "no tops process found"
fi

# --- NO_COLOR: attributes only, no colour escapes
tm send-keys C-l
screen_run "NO_COLOR=1 $TOPS_BIN; echo EXIT=\$?"
if wait_for "connected" 10; then
  if tm capture-pane -e -p | grep -qE $'\e\\[[0-9;]*(3[0-7]|38;5|4[0-7]|48;5)[;m]'; then
    fail "NO_COLOR honoured" "colour escapes on screen"
  else
    pass "NO_COLOR honoured"
  fi
fi
keys q; wait_for "EXIT=0" 5 || fail "NO_COLOR run exits 0"

# --- --theme mono and a theme that does not exist
tm send-keys C-l
screen_run "$TOPS_BIN --theme nosuch; echo EXIT=\$?"
wait_for 'theme "nosuch" not found' 3 && wait_for "EXIT=1" 2 && pass "unknown theme is an error" \
  || fail "unknown theme is an error" "$(capture | tail -3 | tr '\n' '|')"

# --- a locale that is not UTF-8: ASCII borders and bars
tm send-keys C-l
screen_run "LANG=C LC_ALL=C $TOPS_BIN; echo EXIT=\$?"
if wait_for "connected" 10 && wait_for "+- Pods - " 3; then
  if capture | grep -q '[─│┌█]'; then fail "ASCII fallback" "UTF-8 glyphs on screen"; else pass "ASCII fallback without UTF-8"; fi
else
  fail "ASCII fallback" "$(capture | sed -n 2p)"
fi
keys q; wait_for "EXIT=0" 5 || fail "ASCII run exits 0"

# --- Ctrl-C quits like SIGINT (exit 130) even though the terminal is in raw mode
tm send-keys C-l
screen_run "$TOPS_BIN; echo EXIT=\$?"
if wait_for "connected" 10; then
  keys C-c
  wait_for "EXIT=130" 5 && pass "Ctrl-C quits with 130" || fail "Ctrl-C quits" "$(capture | tail -2 | tr '\n' '|')"
else fail "Ctrl-C run starts"; fi

# --- tops ui --help names the flags and points at ? in the console
out=$("$TOPS_BIN" ui --help 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q -- "--namespace" && echo "$out" | grep -q "Press ?"; then
  pass "tops ui --help"
else
  fail "tops ui --help" "rc=$rc $(echo "$out" | head -2 | tr '\n' '|')"
fi
"$TOPS_BIN" ui --bogus >/dev/null 2>&1; check_eq "tops ui with a bad argument exits 2" 2 $?
