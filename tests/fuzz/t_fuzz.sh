#!/bin/bash
# Brief libFuzzer runs of every target (the long runs are `make fuzz`).
. "$TOPS_ROOT/tests/lib.sh"
SECS=${FUZZ_SECONDS:-6}
if ! command -v clang >/dev/null; then skip "clang not installed: fuzz targets not built"; exit 0; fi
for src in "$TOPS_ROOT"/tests/fuzz/fuzz_*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c)
  if ! make -s -C "$TOPS_ROOT" "bin/fuzz/$name" >"$TEST_TMP/$name.build" 2>&1; then
    fail "fuzz $name builds" "$(tail -3 "$TEST_TMP/$name.build")"; continue
  fi
  corpus="$TEST_TMP/corpus-$name"; mkdir -p "$corpus"
  seeds="$TOPS_ROOT/tests/fuzz/seeds/${name#fuzz_}"
  [ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
  if "$TOPS_ROOT/bin/fuzz/$name" -max_total_time="$SECS" -rss_limit_mb=1024 -timeout=10 \
       -artifact_prefix="$TEST_TMP/" "$corpus" >"$TEST_TMP/$name.log" 2>&1; then
    pass "fuzz $name ran ${SECS}s without a crash"
  else
    fail "fuzz $name" "$(grep -E 'ERROR|SUMMARY|Test unit written' "$TEST_TMP/$name.log" | head -3 | tr '\n' ' ')"
  fi
done
