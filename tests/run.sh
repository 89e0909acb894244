#!/bin/bash
# Run every test suite and print the closing line "N passed, M failed, K skipped".
# Protocol for scripts: each test prints one line "PASS: name", "FAIL: name" or "SKIP: reason".
# cmocka binaries are counted from their own summary lines.
# TESTS_ONLY=pattern limits the run to suites whose path matches the pattern; TEST_JOBS=N runs N
# script suites at once (default 2).
cd "$(dirname "$0")/.."
export TOPS_ROOT="$PWD"
export PATH="$PWD/bin:$PATH"
LOG_DIR=${LOG_DIR:-$PWD/tmp/test-logs}
mkdir -p "$LOG_DIR"
pass=0; fail=0; skip=0; failed_list=""

want() { [ -z "${TESTS_ONLY:-}" ] || [[ "$1" == *$TESTS_ONLY* ]]; }

count_cmocka() { # $1 binary
  local name log p f rc
  name=$(basename "$1"); log="$LOG_DIR/$name.log"
  local t0=$SECONDS
  timeout 300 "$1" >"$log" 2>&1; rc=$?
  local took=$((SECONDS - t0))
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | head -1)
  s=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | head -1)
  p=${p:-0}; f=${f:-0}; s=${s:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  pass=$((pass+p)); fail=$((fail+f)); skip=$((skip+s))
  if [ "$f" != 0 ]; then failed_list="$failed_list $name"; echo "FAIL: $name (see $log)"; tail -20 "$log";
  else echo "ok: $name ($p passed, ${took}s)"; fi
}

# run_script SCRIPT RESULTFILE: runs one suite; its summary lines go to RESULTFILE.out and its
# counts "pass fail skip" to RESULTFILE.
run_script() {
  local name log p f s rc
  name=${1#tests/}; log="$LOG_DIR/$(echo "$name" | tr / _).log"
  local t0=$SECONDS
  timeout "${SUITE_TIMEOUT:-400}" bash "$1" >"$log" 2>&1; rc=$?
  local took=$((SECONDS - t0))
  p=$(grep -c '^PASS: ' "$log"); f=$(grep -c '^FAIL: ' "$log"); s=$(grep -c '^SKIP: ' "$log")
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "FAIL: $name exited $rc" >>"$log"; fi
  {
    if [ "$f" != 0 ]; then echo "FAIL: $name ($p passed, $f failed; see $log)"; grep -E '^(FAIL|SKIP): ' "$log" | head -20
    else echo "ok: $name ($p passed, $s skipped, ${took}s)"; grep '^SKIP: ' "$log" | head -5; fi
  } >"$2.out"
  echo "$p $f $s $name" >"$2.tmp" && mv "$2.tmp" "$2"   # collect() waits for this file: whole or absent
}

# Suites run TEST_JOBS at a time (default 2: most of their time is spent waiting on servers
# they started, and each uses its own ports, tmux socket and temporary directory); their
# summaries are printed in order as they finish.
collect() { # RESULTFILE
  local p f s name
  cat "$1.out"
  read -r p f s name <"$1"
  pass=$((pass+p)); fail=$((fail+f)); skip=$((skip+s))
  [ "$f" != 0 ] && failed_list="$failed_list $name"
  rm -f "$1" "$1.out"
}

for t in bin/test/test_*; do [ -x "$t" ] && want "$t" && count_cmocka "$t"; done
RES_DIR=$(mktemp -d); trap 'rm -rf "$RES_DIR"' EXIT
suites=()
for dir in tests/layout tests/conformance tests/integration tests/screen tests/fuzz; do
  for t in "$dir"/t_*.sh; do [ -f "$t" ] && want "$t" && suites+=("$t"); done
done
next=0
for i in "${!suites[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "${TEST_JOBS:-2}" ]; do wait -n; done
  run_script "${suites[$i]}" "$RES_DIR/$i" &
  while [ $next -le $i ] && [ -f "$RES_DIR/$next" ]; do collect "$RES_DIR/$next"; next=$((next+1)); done
done
wait
while [ $next -lt ${#suites[@]} ]; do collect "$RES_DIR/$next"; next=$((next+1)); done

[ -n "$failed_list" ] && echo "failed suites:$failed_list"
echo "total time: ${SECONDS}s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
