#!/bin/bash
# The console's input going away without SIGHUP: its pty is closed while the console is not the
# session's controlling process (no SIGHUP is sent), or stdin is not a terminal at all. The
# console must exit promptly, restore the terminal and not spin the loop on the dead input.
. "$(dirname "$0")/../lib.sh"
. "$TOPS_ROOT/tests/screen/screen_lib.sh"

[ -x "$TOPS_BIN" ] && [ -x "$KUBESIM_BIN" ] || { fail "binaries" "build bin/tops and bin/kubesim first"; exit 0; }
[ -x /usr/bin/python3 ] || { skip "python3 is needed to open a pty"; exit 0; }

sim_start --pods 5 --seed 3 || { fail "kubesim start"; exit 0; }

# Runs tops on a fresh pty (stdin, stdout and stderr; not its controlling terminal), waits for
# the first paint, closes the master side and reports: exit status, seconds to exit, CPU seconds
# used after the close, and whether the alternate screen was left (rmcup seen).
cat >"$TEST_TMP/pty_close.py" <<'EOF'
import fcntl, os, pty, select, struct, subprocess, sys, termios, time
tops = sys.argv[1]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8")
p = subprocess.Popen([tops], stdin=slave, stdout=slave, stderr=slave, env=env,
                     start_new_session=True, close_fds=True)
os.close(slave)
out, end = b"", time.time() + 20
while b"Pods" not in out and time.time() < end and p.poll() is None:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            out += os.read(master, 65536)
        except OSError:
            break
painted = b"Pods" in out
def cpu(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
c0 = cpu(p.pid)
t0 = time.time()
os.close(master)
try:
    rc = p.wait(timeout=5)
    took = time.time() - t0
    c1 = None
except subprocess.TimeoutExpired:
    took = time.time() - t0
    c1 = cpu(p.pid)
    p.kill()
    p.wait()
    rc = "hung"
used = 0.0 if c1 is None or c0 is None else c1 - c0
print("painted=%d rc=%s took=%.2f cpu=%.2f" % (painted, rc, took, used))
EOF

res=$(/usr/bin/python3 "$TEST_TMP/pty_close.py" "$TOPS_BIN" 2>&1)
case "$res" in
  painted=1*) pass "console painted on a plain pty" ;;
  *) fail "console painted on a plain pty" "$res" ;;
esac
took=$(echo "$res" | sed -n 's/.*took=\([0-9.]*\).*/\1/p')
rc=$(echo "$res" | sed -n 's/.*rc=\([^ ]*\).*/\1/p')
if [ "$rc" != hung ] && [ -n "$took" ] && awk -v t="$took" 'BEGIN { exit !(t < 2) }'; then
  pass "closed pty without SIGHUP: exits within 2 s (status $rc, ${took} s)"
else
  fail "closed pty without SIGHUP: exits within 2 s" "$res"
fi
case "$rc" in
  hung) fail "closed pty: exit status" "still running after 5 s ($res)" ;;
  -*) fail "closed pty: exit status" "killed by a signal ($res)" ;;
  *) check_eq "closed pty: exit status 1" 1 "$rc" ;;
esac

# stdin not a terminal (end-of-file at once): a clear error, promptly, no screen set-up
t0=$(date +%s%N)
timeout 5 "$TOPS_BIN" ui </dev/null >"$TEST_TMP/devnull.out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" != 124 ] && [ "$rc" != 0 ] && grep -q "needs a terminal" "$TEST_TMP/devnull.out" && [ "$ms" -lt 3000 ]; then
  pass "tops ui </dev/null: error and exit $rc in ${ms} ms"
else
  fail "tops ui </dev/null" "status $rc after ${ms} ms: $(head -2 "$TEST_TMP/devnull.out" | tr '\n' ' ')"
fi

# end-of-file while a terminal is still the output: stdin from a file inside the tmux pane
if command -v tmux >/dev/null 2>&1; then
  screen_start 80 24 || { fail "tmux session"; sim_stop; exit 0; }
  screen_run "timeout 5 $TOPS_BIN </dev/null; echo EXIT=\$?"
  if wait_until 8 sh -c "tmux -L $SCREEN_SOCK capture-pane -p | grep -q 'EXIT=[0-9]'" \
     && ! capture | grep -q "EXIT=124"; then
    pass "stdin at end-of-file, stdout a terminal: exits ($(capture | grep -o 'EXIT=[0-9][0-9]*'))"
  else
    fail "stdin at end-of-file, stdout a terminal" "$(capture | tail -3 | tr '\n' '|')"
  fi
  screen_stop
else
  skip "tmux is not installed (stdin at end-of-file with a terminal as output)"
fi
sim_stop
