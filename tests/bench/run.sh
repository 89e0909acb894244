#!/bin/bash
# make bench: every tests/bench/bench_*.sh, each printing "bench NAME: ..." lines with ratios
# against kubectl on the same kubesim. Figures are reported, never asserted.
cd "$(dirname "$0")/../.."
export TOPS_ROOT="$PWD" PATH="$PWD/bin:$PATH"
for b in tests/bench/bench_*.sh; do
  [ -f "$b" ] || continue
  echo "== $b"
  bash "$b" || echo "bench $b: exited $?"
done
