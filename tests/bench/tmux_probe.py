#!/usr/bin/python3
"""Change-to-screen latency through tmux, for tests/bench/bench_ui.sh.

  tmux_probe.py URL SOCKET N [FIRST]

Creates N pods aaa-latency-I (I from FIRST, default 1), one a second, on the API server at URL and looks at the screen of
the console running in the tmux server SOCKET through one control-mode client: it asks for the
screen once each time the pane has written something (tmux's %output notices), so the figure is
neither padded by the cost of looking nor by a busy poll. Prints one line per create:
"NAME T0 SHOWN DELIVERED" (time.monotonic_ns(); 0 when not seen), DELIVERED being when the
server's own watch delivered the ADDED event.
"""
import os, select, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simprobe import Sim


class Tmux:
    def __init__(self, sock):
        self.p = subprocess.Popen(["tmux", "-L", sock, "-f", "/dev/null", "-C", "attach-session"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.outputs = 0  # %output notifications seen: the pane wrote something
        # the attach itself answers with a block first: read up to our own marker to stay in step
        while not any(b"probe-ready" in l for l in self.command("display-message -p probe-ready")):
            pass

    def line(self):
        l = self.p.stdout.readline()
        if not l:
            sys.exit("tmux control client ended")
        if l.startswith(b"%output"):
            self.outputs += 1
        return l

    def command(self, cmd):
        self.p.stdin.write((cmd + "\n").encode())
        lines, inside = [], False
        while True:
            l = self.line()
            if l.startswith(b"%begin"):
                inside = True
            elif inside and (l.startswith(b"%end") or l.startswith(b"%error")):
                return lines
            elif inside:
                lines.append(l)

    def wait_output(self, since, deadline):
        """Blocks until the pane has written something after `since` outputs (no busy polling)."""
        while self.outputs == since and time.monotonic_ns() < deadline:
            left = max(0, deadline - time.monotonic_ns()) / 1e9
            if select.select([self.p.stdout], [], [], left)[0]:
                self.line()

    def shows_by(self, text, deadline):
        """When the screen first shows text (time.monotonic_ns()), or None by the deadline."""
        key = text.encode()
        while time.monotonic_ns() < deadline:
            since = self.outputs
            if any(key in l for l in self.command("capture-pane -p")):
                return time.monotonic_ns()
            self.wait_output(since, deadline)
        return None

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=5)


def main(url, sock, count, first=1):
    sim = Sim(url)
    sim.watch()
    tmux = Tmux(sock)
    time.sleep(0.5)
    for i in range(first, first + count):
        name = "aaa-latency-%d" % i
        t0 = sim.create(name)
        seen = tmux.shows_by(name, t0 + 10 * 10**9)
        time.sleep(0.05)
        print(name, t0, seen or 0, sim.delivered.get(name, 0), flush=True)
        time.sleep(1)  # isolated changes: a continuous stream is paced on purpose (see the bytes figure)
    tmux.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
