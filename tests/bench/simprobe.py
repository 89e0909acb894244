"""simprobe — what the console's latency probes do to the API server (kubesim): watch the
testops pods for ADDED events, recording when each name was delivered, and create probe pods
with a POST. Used by tests/bench/pty_probe.py and tests/bench/tmux_probe.py; times are
time.monotonic_ns()."""
import http.client, json, threading, time
from urllib.parse import urlparse

PODS = "/api/v1/namespaces/testops/pods"


class Sim:
    def __init__(self, url):
        u = urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.delivered = {}  # pod name -> when its ADDED event arrived on the watch
        self.api = self.conn()  # one kept-alive connection for the creates

    def conn(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def watch(self):
        """Opens a watch from the current list; returns once it is open."""
        c = self.conn()
        c.request("GET", PODS)
        rv = json.loads(c.getresponse().read())["metadata"]["resourceVersion"]
        ready = threading.Event()
        threading.Thread(target=self._watch, args=(rv, ready), daemon=True).start()
        ready.wait(10)

    def _watch(self, rv, ready):
        c = self.conn(timeout=None)
        c.request("GET", PODS + "?watch=1&resourceVersion=" + rv)
        r = c.getresponse()
        ready.set()
        while True:
            line = r.readline()
            if not line:
                return
            t = time.monotonic_ns()
            ev = json.loads(line)
            if ev.get("type") == "ADDED":
                self.delivered.setdefault(ev["object"]["metadata"]["name"], t)

    def create(self, name):
        """Creates the pod name; returns when the request was sent (time.monotonic_ns())."""
        body = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                           "spec": {"containers": [{"name": "c", "image": "registry.testops.local/probe:1"}]}})
        t0 = time.monotonic_ns()
        self.api.request("POST", PODS, body, {"Content-Type": "application/json"})
        self.api.getresponse().read()
        return t0
