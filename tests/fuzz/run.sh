#!/bin/bash
# make fuzz: run every libFuzzer target for FUZZ_SECONDS each, keeping corpora in tests/fuzz/corpus-NAME.
cd "$(dirname "$0")/../.."
rc=0
for bin in bin/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); corpus="tests/fuzz/corpus-$name"; mkdir -p "$corpus"
  seeds="tests/fuzz/seeds/${name#fuzz_}"; [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null
  echo "fuzz: $name for ${FUZZ_SECONDS}s"
  "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 "$corpus" || rc=1
done
exit $rc
