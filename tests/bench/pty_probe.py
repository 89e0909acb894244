#!/usr/bin/python3
"""Console timings measured at the terminal: runs a command on a pseudo-terminal of a given size,
reads everything it writes (as a terminal would) and times when text appears in that output.

  pty_probe.py paint COLS ROWS NEEDLE -- CMD...
      milliseconds from starting CMD until NEEDLE has been written (the first full paint).
  pty_probe.py latency COLS ROWS READY URL N -- CMD...
      waits for READY, then N times: creates a pod aaa-latency-I with a POST to the API server at
      URL (one kept-alive connection), and times until the console has written its name; also
      times, on a watch stream of its own, when the server delivered the ADDED event.
      Prints one line per create: "console_ms server_ms".

The output is fed to a VT100 emulator (pyte, Debian package python3-pyte), and a chunk's
arrival time counts for a text once the emulated screen shows it. No tmux and no polling: the
figures are what the console itself takes, plus the server's part (printed apart). Used by
tests/bench/bench_ui.sh.
"""
import fcntl, os, pty, select, signal, struct, sys, termios, time
import pyte

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simprobe import Sim


def spawn(cols, rows, cmd):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", TZ="UTC")
        os.execvp(cmd[0], cmd)
    return pid, fd


class Screen:
    """The console's screen as a terminal shows it; find() waits until a text is on it."""

    def __init__(self, fd, cols, rows):
        self.fd = fd
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.stamp = time.monotonic()   # arrival of the last chunk read

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        stamp = time.monotonic()
        try:
            d = os.read(self.fd, 1 << 16)
        except OSError:
            raise SystemExit("the console ended")
        self.stream.feed(d)
        self.stamp = stamp
        return True

    def shows(self, text):
        return any(text in line for line in self.screen.display)

    def find(self, text, deadline):
        """The arrival time of the chunk after which the screen shows text, or None."""
        while not self.shows(text):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.pump(left)
        return self.stamp


def stop(pid, fd):
    try:
        os.write(fd, b"q")
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def paint(cols, rows, needle, cmd):
    t0 = time.monotonic()
    pid, fd = spawn(cols, rows, cmd)
    t = Screen(fd, cols, rows).find(needle, t0 + 120)
    stop(pid, fd)
    print("%.0f" % ((t - t0) * 1000) if t else "timeout")


def latency(cols, rows, ready_text, url, n, cmd):
    pid, fd = spawn(cols, rows, cmd)
    scr = Screen(fd, cols, rows)
    if not scr.find(ready_text, time.monotonic() + 60):
        stop(pid, fd)
        raise SystemExit("the console did not show " + ready_text)
    sim = Sim(url)
    sim.watch()
    settle = time.monotonic() + 1.5   # let the start-up changes go by
    while scr.pump(max(0.0, settle - time.monotonic())) or time.monotonic() < settle:
        pass
    for i in range(1, n + 1):
        name = "aaa-latency-%d" % i
        t0 = sim.create(name)
        t = scr.find(name, t0 / 1e9 + 10)
        s = sim.delivered.get(name)
        print("%.1f %s" % ((t - t0 / 1e9) * 1000 if t else -1, "%.1f" % ((s - t0) / 1e6) if s else "?"), flush=True)
        quiet = time.monotonic() + 1.0   # isolated changes: a continuous stream is paced on purpose
        while time.monotonic() < quiet:
            scr.pump(quiet - time.monotonic())
    stop(pid, fd)


def main(a):
    cmd = a[a.index("--") + 1:]
    if a[0] == "paint":
        paint(int(a[1]), int(a[2]), a[3], cmd)
    elif a[0] == "latency":
        latency(int(a[1]), int(a[2]), a[3], a[4], int(a[5]), cmd)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
