"""release_probe — times of a release operation as the API server sees them: watches the testops
pods on kubesim and runs a tops command, recording when a pod of the new revision first showed
ErrImagePull/ImagePullBackOff, when the last pod turned Ready, and when tops printed each line
of its progress (its stderr). Prints the intervals in ms.

  release_probe.py URL fail|ready -- tops upgrade ...
"""
import http.client, json, subprocess, sys, threading, time
from urllib.parse import urlparse

PODS = "/api/v1/namespaces/testops/pods"


def now():
    return time.monotonic_ns() / 1e6


class Watch:
    def __init__(self, url):
        u = urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.first_pull_error = None
        self.ready = {}  # pod name -> when it was last seen turning Ready
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.request("GET", PODS)
        self.rv = json.loads(c.getresponse().read())["metadata"]["resourceVersion"]
        self.start = now()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        c = http.client.HTTPConnection(self.host, self.port, timeout=600)
        c.request("GET", PODS + "?watch=1&resourceVersion=" + self.rv)
        r = c.getresponse()
        while True:
            line = r.readline()
            if not line:
                return
            ev = json.loads(line)
            pod = ev.get("object", {})
            st = pod.get("status", {})
            for cs in st.get("containerStatuses", []) or []:
                w = (cs.get("state") or {}).get("waiting") or {}
                if w.get("reason") in ("ErrImagePull", "ImagePullBackOff") and self.first_pull_error is None:
                    self.first_pull_error = now()
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in st.get("conditions", []) or [])
            name = pod.get("metadata", {}).get("name")
            if ready and name not in self.ready and ev.get("type") != "DELETED":
                self.ready[name] = now()


def main():
    url, mode, cmd = sys.argv[1], sys.argv[2], sys.argv[sys.argv.index("--") + 1:]
    w = Watch(url)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in p.stderr:
        lines.append((now(), line.rstrip()))
    p.wait()
    end = now()
    if mode == "fail":
        rb = next((t for t, l in lines if l.startswith("rolling back to revision")), None)
        if w.first_pull_error is None or rb is None:
            print("bench failure-detection: no measurement (exit %d)" % p.returncode)
            return
        print("bench failure-detection: first ImagePullBackOff -> rollback start %.0f ms (grace 2000 ms; target <= grace + 1000)"
              % (rb - w.first_pull_error))
    else:
        new = [t for n, t in w.ready.items()]
        if not new:
            print("bench readiness-detection: no measurement (exit %d)" % p.returncode)
            return
        print("bench readiness-detection: last pod Ready -> upgrade complete %.0f ms (target <= 100; helm polls every 2000)"
              % (end - max(new)))


main()
