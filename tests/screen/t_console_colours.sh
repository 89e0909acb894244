#!/bin/bash
# Health colours on the wire, from tmux's record of the cells (capture-pane -e): on a 256-colour
# terminal the warning role is bright yellow (93) without bold; on an 8-colour terminal
# (TERM=xterm) the same role is yellow in bold. The demo scenario's testops-notifier has no
# ready replica, so its READY cell in Workloads is in the warning colour, and only that cell.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
sim_start --scenario "$TOPS_ROOT/tests/kubesim/scenarios/demo.yaml" || { fail "kubesim start"; exit 0; }
screen_start 120 40 || { fail "tmux session"; exit 0; }

notifier_row() { capture -e | grep -E 'testops-notifier +.*deploy' | head -1; }
ready_cell() { notifier_row | sed -E 's/.*deploy[^0-9]*//' | cut -c1-3; }

for term in xterm-256color xterm; do
  screen_run "clear; TERM=$term $TOPS_BIN; echo EXIT=\$?"
  wait_for "connected" 15 || { fail "$term: console starts" "$(capture | head -2 | tr '\n' '|')"; continue; }
  wait_until 15 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -qE 'testops-notifier +deploy 0/1'"
  row=$(notifier_row)
  # the SGR just before READY's text, and whether the row's name is uncoloured
  sgr=$(sed -E 's/.*deploy(\x1b\[[0-9;]*m)*[^0-9\x1b]*((\x1b\[[0-9;]*m)+)0\/1.*/\2/' <<<"$row" | cat -v)
  name_plain=$(sed -E 's/testops-notifier.*//' <<<"$row" | grep -c $'\e\\[3[1-7]m\|\e\\[9[1-7]m')
  if [ "$term" = xterm-256color ]; then
    want='93'
    ok=$(grep -cE '93' <<<"$sgr"); bold=$(grep -cE '\[1m|\[1;|;1m|;1;' <<<"$sgr")
    [ "$ok" = 1 ] && [ "$bold" = 0 ] && [ "$name_plain" = 0 ] \
      && pass "$term: READY 0/1 in bright yellow (93), not bold; the name keeps the default colour" \
      || fail "$term: warning colour" "sgr '$sgr' name coloured $name_plain: $(cat -v <<<"$row" | cut -c1-160)"
  else
    ok=$(grep -cE '33' <<<"$sgr"); bold=$(grep -cE '\[1m|\[1;|;1m|;1;' <<<"$sgr")
    [ "$ok" = 1 ] && [ "$bold" = 1 ] \
      && pass "$term (8 colours): READY 0/1 in yellow and bold" \
      || fail "$term: warning colour on 8 colours" "sgr '$sgr': $(cat -v <<<"$row" | cut -c1-160)"
  fi
  keys q
  wait_for "EXIT=0" 10 || fail "$term: q exits 0" "$(capture | tail -2 | tr '\n' '|')"
done
