#!/bin/bash
# tops exec against kubesim's pods/exec (WebSocket, v5.channel.k8s.io), held to the real kubectl
# exec 1.32 on the same kubesim: output, exit codes, stdin, stderr kept apart, a 10 MB stream,
# the golden set, errors for a missing pod or container, and a terminal (-t) with resizes.
. "$(dirname "$0")/../lib.sh"
kubesim_start --pods 3 --seed 5 || { fail kubesim_start; exit 1; }
wait_until 20 sh -c "tops get pods 2>/dev/null | grep -q 'testops-runner.*Running'" || { fail pods_running; exit 1; }
POD=$(tops get pods -o name | grep testops-runner | head -1); POD=${POD#pod/}

both() { # NAME ARGS...: tops exec and kubectl exec agree on stdout, stderr and exit status
  local n=$1; shift
  tops exec "$@" <"${IN:-/dev/null}" >"$TEST_TMP/t.out" 2>"$TEST_TMP/t.err"; local trc=$?
  if have_kubectl; then
    kctl exec "$@" <"${IN:-/dev/null}" >"$TEST_TMP/k.out" 2>"$TEST_TMP/k.err"; local krc=$?
    grep -v '^command terminated with exit code' "$TEST_TMP/k.err" >"$TEST_TMP/k.err2"
    if cmp -s "$TEST_TMP/t.out" "$TEST_TMP/k.out" && [ "$trc" = "$krc" ] &&
       cmp -s "$TEST_TMP/t.err" "$TEST_TMP/k.err2"; then pass "$n"
    else fail "$n" "tops rc=$trc kubectl rc=$krc; $(diff <(cat "$TEST_TMP/t.out" "$TEST_TMP/t.err") <(cat "$TEST_TMP/k.out" "$TEST_TMP/k.err2") | head -5 | tr '\n' ' ')"; fi
  else
    [ "$trc" = "${EXPECT_RC:-0}" ] && pass "$n" || fail "$n" "rc=$trc"
  fi
}
have_kubectl || skip "kubectl not installed: tops exec checked alone"

check_eq echo "hi there" "$(tops exec "$POD" -- echo hi there)"
both echo_vs_kubectl "$POD" -- echo hi there
for code in 0 1 3 42; do
  tops exec "$POD" -- sh -c "exit $code"; check_eq "exit_code_$code" "$code" "$?"
done
EXPECT_RC=3 both exit_vs_kubectl "$POD" -- sh -c 'exit 3'
check_eq stdin "$(printf 'hello\n' | sha256sum)" "$(printf 'hello\n' | tops exec -i "$POD" -- sha256sum)"
printf 'a\nb\n' >"$TEST_TMP/in"
IN=$TEST_TMP/in both stdin_vs_kubectl -i "$POD" -- cat
tops exec "$POD" -- sh -c 'echo out; echo err >&2' >"$TEST_TMP/o" 2>"$TEST_TMP/e"
check_eq stderr_apart "out|err" "$(cat "$TEST_TMP/o")|$(cat "$TEST_TMP/e")"
both stderr_vs_kubectl "$POD" -- sh -c 'echo out; echo err >&2; exit 4'
tops exec "$POD" -- seq 1500000 >"$TEST_TMP/big"; rc=$?
check_eq big_stream "0 1500000 $(seq 1500000 | sha256sum | cut -c1-64)" "$rc $(wc -l <"$TEST_TMP/big") $(sha256sum <"$TEST_TMP/big" | cut -c1-64)"
[ "$(stat -c %s "$TEST_TMP/big")" -gt 10000000 ] && pass big_stream_10mb || fail big_stream_10mb
both big_vs_kubectl "$POD" -- seq 1500000
both env_vs_kubectl "$POD" -- env
check_eq deploy_target "$POD" "$(tops exec deploy/testops-runner -- hostname | grep -c . | sed "s/1/$POD/")"

# the golden set: listed paths, then their hashes
out=$(tops exec "$POD" -- make snapshot-refresh)
check_eq golden_paths "/data/snapshots/golden/results.json /data/snapshots/golden/latency.csv /data/snapshots/golden/throughput.csv /data/snapshots/golden/config.yaml" "$(echo $out)"
both golden_vs_kubectl "$POD" -- sha256sum /data/snapshots/golden/results.json /data/snapshots/golden/config.yaml

# errors: the API's words, exit 1
tops exec "$POD" -c nope -- ls 2>"$TEST_TMP/err"; rc=$?
check_eq missing_container "1|tops: container nope is not valid for pod $POD" "$rc|$(cat "$TEST_TMP/err")"
tops exec no-such-pod -- ls 2>"$TEST_TMP/err"; rc=$?
check_eq missing_pod "1|tops: pods \"no-such-pod\" not found" "$rc|$(cat "$TEST_TMP/err")"
tops exec "$POD" -- no-such-binary 2>"$TEST_TMP/err"; rc=$?
[ $rc = 1 ] && grep -q 'executable file not found' "$TEST_TMP/err" && pass missing_binary || fail missing_binary "rc=$rc $(cat "$TEST_TMP/err")"
tops exec "$POD" 2>/dev/null; check_eq usage_no_command 2 "$?"

# a terminal: raw mode, the size at the start and after a resize (stty size), exit status of sh
cat >"$TEST_TMP/ptydrive.py" <<'PY'
import os, pty, sys, time, fcntl, termios, struct, select, signal
def setsize(fd, rows, cols): fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
setsize(fd, 30, 100)
buf = b""
def expect(s, t=10):
    global buf
    end = time.time() + t
    while s not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: buf += os.read(fd, 4096)
            except OSError: break
    return s in buf
ok = expect(b"$ ")
time.sleep(0.5)  # kubectl sends the first size from its own goroutine
os.write(fd, b"stty size\r"); ok = ok and expect(b"30 100")
setsize(fd, 50, 132); os.kill(pid, signal.SIGWINCH); time.sleep(0.3)
os.write(fd, b"stty size\r"); ok = ok and expect(b"50 132")
os.write(fd, b"exit 7\r")
_, st = os.waitpid(pid, 0)
print("ok" if ok else "missing: " + repr(buf[-200:]), os.WEXITSTATUS(st))
PY
check_eq tty_resize "ok 7" "$(python3 "$TEST_TMP/ptydrive.py" tops exec -i -t "$POD" -- sh)"
if have_kubectl; then
  check_eq tty_resize_kubectl "ok 7" "$(python3 "$TEST_TMP/ptydrive.py" kubectl --cache-dir "$TEST_TMP/kcache" exec -i -t "$POD" -- sh)"
fi

# failure modes: read-only, refused by RBAC, interrupted, the server gone mid-session; the audit
tops --readonly exec "$POD" -- echo x 2>"$TEST_TMP/err"; rc=$?
check_eq readonly_refused "1|tops: read-only mode: exec refused" "$rc|$(cat "$TEST_TMP/err")"
AUDIT="$HOME/.local/state/tops/audit.jsonl"
tops exec "$POD" -- sh -c 'exit 5'
python3 - "$AUDIT" "$POD" >"$TEST_TMP/audit.out" <<'PY'
import json, sys, hashlib
rows = [json.loads(l) for l in open(sys.argv[1])]
e = [r for r in rows if r.get("action") == "exec"][-1]
print(e["release"] == "pod/" + sys.argv[2], e["result"], e["namespace"],
      e["valuesSha256"] == hashlib.sha256(b"sh -c exit 5").hexdigest())
PY
check_eq audit_line "True exit 5 testops True" "$(cat "$TEST_TMP/audit.out")"
sim_fault '{"forbid":"/api/v1/namespaces/testops/pods/'"$POD"'/exec"}'
tops exec "$POD" -- echo x 2>"$TEST_TMP/err"; rc=$?
[ $rc = 1 ] && grep -q 'forbidden' "$TEST_TMP/err" && pass forbidden || fail forbidden "$rc $(cat "$TEST_TMP/err")"
sim_fault '{"clear":true}'
mkfifo "$TEST_TMP/fifo"
tops exec -i "$POD" -- cat <"$TEST_TMP/fifo" >"$TEST_TMP/cat.out" 2>"$TEST_TMP/cat.err" & EP=$!
exec 7>"$TEST_TMP/fifo"; echo first >&7
wait_until 5 grep -q first "$TEST_TMP/cat.out"
kill -TERM $EP; wait $EP; rc=$?; exec 7>&-
check_eq sigterm_interrupts "1|tops: interrupted" "$rc|$(cat "$TEST_TMP/cat.err")"
tops exec -i "$POD" -- cat <"$TEST_TMP/fifo" >"$TEST_TMP/cat.out" 2>"$TEST_TMP/cat.err" & EP=$!
exec 7>"$TEST_TMP/fifo"; echo second >&7
wait_until 5 grep -q second "$TEST_TMP/cat.out"
kubesim_stop
wait_until 10 sh -c "! kill -0 $EP 2>/dev/null"; wait $EP; rc=$?; exec 7>&-
[ $rc = 1 ] && grep -q "the connection ended before the command's status arrived" "$TEST_TMP/cat.err" \
  && pass server_gone || fail server_gone "$rc $(cat "$TEST_TMP/cat.err")"
