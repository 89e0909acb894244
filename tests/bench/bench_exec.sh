#!/bin/bash
# tops exec vs kubectl exec on the same kubesim: the round trip of one stdin line to its echo
# inside a running `exec -i POD -- cat` (median of 300), and a whole `exec POD -- echo` run
# (connection, upgrade, command, status; median of 20). Figures are printed, never asserted.
. "$TOPS_ROOT/tests/lib.sh"
have_kubectl || { echo "bench exec: skipped (no kubectl)"; exit 0; }
kubesim_start --pods 1 --seed 3 || exit 1
wait_until 20 sh -c "tops get pods 2>/dev/null | grep -q Running" || { echo "bench exec: no pod"; exit 1; }
POD=$(tops get pods -o name | head -1); POD=${POD#pod/}
cat >"$TEST_TMP/rt.py" <<'PY'
import subprocess, sys, time, statistics
cmd = sys.argv[2:]
n = int(sys.argv[1])
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
def line(i):
    msg = b"line %d\n" % i
    t0 = time.perf_counter()
    p.stdin.write(msg)
    got = b""
    while not got.endswith(b"\n"):
        got += p.stdout.read(1)
    assert got == msg, got
    return time.perf_counter() - t0
for i in range(20): line(i)          # warm up
ts = [line(i) for i in range(n)]
p.stdin.close(); p.wait()
print("%.1f" % (statistics.median(ts) * 1e6))
PY
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
t=$(python3 "$TEST_TMP/rt.py" 300 tops exec -i "$POD" -- cat)
k=$(python3 "$TEST_TMP/rt.py" 300 kubectl --cache-dir "$TEST_TMP/kcache" exec -i "$POD" -- cat)
echo "bench exec-roundtrip: tops ${t}us, kubectl ${k}us per stdin line to its echo (median of 300), ratio $(ratio "$t" "$k")"
whole() { # CMD...: median wall seconds of 20 runs
  local i; for i in $(seq 20); do /usr/bin/time -f "%e" -o "$TEST_TMP/t" "$@" >/dev/null 2>&1; cat "$TEST_TMP/t"; done | sort -n | sed -n 10p
}
kctl exec "$POD" -- true >/dev/null 2>&1   # warm kubectl's discovery cache
t=$(whole tops exec "$POD" -- echo hi)
k=$(whole kubectl --cache-dir "$TEST_TMP/kcache" exec "$POD" -- echo hi)
echo "bench exec-run: tops ${t}s, kubectl ${k}s for a whole \`exec POD -- echo hi\` (median of 20), ratio $(ratio "$t" "$k")"
