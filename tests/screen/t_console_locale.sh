#!/bin/bash
# The console under a locale whose decimal separator is a comma (de_DE.UTF-8, built with
# localedef into a private directory): numbers in charts, values and API data are still read and
# written the C way (0.5, not 0,5, and "0.25" still parses as a number), while the terminal keeps
# the locale's UTF-8 character set. The Render view shows it: a ConfigMap computed from float
# values.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"
cd "$TOPS_ROOT" || exit 1

command -v tmux >/dev/null 2>&1 || { skip "tmux is not installed"; exit 0; }
command -v localedef >/dev/null 2>&1 || { skip "localedef is not installed"; exit 0; }
[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
LOC="$TEST_TMP/locale"; mkdir -p "$LOC"
localedef -i de_DE -f UTF-8 "$LOC/de_DE.UTF-8" >/dev/null 2>&1
[ -d "$LOC/de_DE.UTF-8" ] || { skip "localedef cannot build de_DE.UTF-8 here"; exit 0; }
printf_de=$(LOCPATH="$LOC" LC_ALL=de_DE.UTF-8 /usr/bin/printf '%.1f' 0.5 2>/dev/null)
[ "$printf_de" = "0,5" ] || { skip "the built locale does not use a decimal comma ($printf_de)"; exit 0; }

c="$TEST_TMP/numbers"; mkdir -p "$c/templates"
printf 'apiVersion: v2\nname: numbers\nversion: 0.1.0\n' >"$c/Chart.yaml"
printf 'ratio: 0.25\none: 1\n' >"$c/values.yaml"
cat >"$c/templates/cm.yaml" <<'EOT'
apiVersion: v1
kind: ConfigMap
metadata:
  name: numbers
data:
  half: "{{ divf .Values.one 2 }}"
  quad: "{{ mulf .Values.ratio 4 }}"
  kind-of-ratio: "{{ kindOf .Values.ratio }}"
EOT
mkdir -p "$HOME/.config/tops"
printf 'render:\n  chart: %s\n  values: []\n' "$c" >"$HOME/.config/tops/config.yaml"

sim_start || { fail "kubesim start"; exit 0; }
screen_start 120 40 || { fail "tmux session"; exit 0; }
screen_run "cd $TOPS_ROOT && LOCPATH=$LOC LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 $TOPS_BIN; echo EXIT=\$?"
wait_for "connected" 10 || { fail "console starts under de_DE.UTF-8" "$(capture | head -3 | tr '\n' '|')"; exit 0; }
capture | grep -q '┌' && pass "the locale's UTF-8 is used for the box drawing" || fail "UTF-8 box drawing" "$(capture | sed -n 2p)"
keys : ; tm send-keys -l "render"; keys Enter
wait_for "ConfigMap/numbers" 15 || { fail "render view lists the ConfigMap" "$(capture | sed -n 2,5p | tr '\n' '|')"; exit 0; }
keys Enter
if wait_for 'half: "0.5"' 5; then pass "a float is written with a decimal point"; else
  fail "float written with a point" "$(capture | grep -E 'half|quad|kind' | tr '\n' '|')"; fi
capture | grep -q 'kind-of-ratio: "float64"' && pass "0.25 in values.yaml is read as a number" ||
  fail "0.25 read as a number" "$(capture | grep -F kind-of-ratio)"
capture | grep -q 'quad: "1"' && pass "arithmetic on it is right (0.25 * 4 = 1)" ||
  fail "0.25 * 4" "$(capture | grep -F quad)"
keys q q
wait_for "EXIT=0" 10 && pass "q exits 0" || fail "q exits 0" "$(capture | tail -2 | tr '\n' '|')"
