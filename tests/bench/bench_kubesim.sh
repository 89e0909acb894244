#!/bin/bash
# kubesim itself: startup time and peak RSS at 10,000 and 50,000 pods, a full paged list
# (limit 500 + continue) with curl, the same list through kubectl, and the cost of a page deep
# in the list (O(page), not O(N)); then, with a small keep-alive client (no process start per
# request, which costs curl some 30-60 ms here), the time per page as JSON and as a Table and
# the watch delivery latency from a POST to its ADDED event, idle and while pods churn.
# Figures are printed, never asserted. Not run by `make test`.
. "$TOPS_ROOT/tests/lib.sh"
[ -x "$TOPS_ROOT/bin/kubesim" ] || { echo "bench kubesim: build first"; exit 1; }
command -v jq >/dev/null || { echo "bench kubesim: skipped (no jq)"; exit 0; }
SIZES=${BENCH_KUBESIM_SIZES:-"10000 50000"}

secs() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.3f", b - a }'; }

# A keep-alive HTTP/1.1 client: `pages URL-PATH PID` (per-page times, JSON and Table, three
# rounds, with the CPU time kubesim itself spent per page)
# or `watch NS` (POST a pod, time its ADDED event on an open watch; 40 creates, optionally with
# `churn` deleting pods meanwhile through /sim/v1/churn on another connection).
probe() {
  /usr/bin/python3 - "$@" <<'PY'
import json, os, socket, sys, threading, time
url, mode = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].split(":"); port = int(port)
def conn():
    s = socket.create_connection((host, port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")
def send(c, method, path, body=b"", accept="application/json"):
    c[0].sendall(("%s %s HTTP/1.1\r\nHost: sim\r\nAccept: %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %d\r\n\r\n" % (method, path, accept, len(body))).encode() + body)
def reply(c):
    f = c[1]; f.readline(); n = 0
    while True:
        l = f.readline()
        if l in (b"\r\n", b""): break
        if l.lower().startswith(b"content-length:"): n = int(l.split(b":")[1])
    return f.read(n)
def request(c, method, path, body=b"", accept="application/json"):
    send(c, method, path, body, accept)
    return reply(c)
def pct(v, p): v = sorted(v); return v[min(len(v) - 1, int(len(v) * p))]
def cpu_ms(pid):  # user + system time of a process, from /proc (in clock ticks)
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
if mode == "pages":
    table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    c = conn()
    for label, accept in (("JSON", "application/json"), ("Table", table)):
        per, full, c0 = [], [], cpu_ms(sys.argv[4])
        for r in range(3):
            tok, t0 = "", time.perf_counter()
            while True:
                t = time.perf_counter()
                body = request(c, "GET", sys.argv[3] + "?limit=500" + ("&continue=" + tok if tok else ""), accept=accept)
                per.append((time.perf_counter() - t) * 1000)
                i = body.find(b'"continue":"')
                tok = body[i + 12:body.index(b'"', i + 12)].decode() if i >= 0 else ""
                if not tok: break
            full.append(time.perf_counter() - t0)
        print("%s pages: p50 %.2f ms, p90 %.2f ms (kubesim CPU %.2f ms a page); full list first round %.3f s, best %.3f s" %
              (label, pct(per, 0.5), pct(per, 0.9), (cpu_ms(sys.argv[4]) - c0) / len(per), full[0], min(full)))
else:
    ns, churn = sys.argv[3], len(sys.argv) > 4
    c = conn()
    rv = json.loads(request(c, "GET", "/api/v1/namespaces/%s/pods?limit=1" % ns))["metadata"]["resourceVersion"]
    ws, wf = conn()
    ws.sendall(("GET /api/v1/namespaces/%s/pods?watch=1&resourceVersion=%s HTTP/1.1\r\nHost: sim\r\n\r\n" % (ns, rv)).encode())
    while wf.readline() not in (b"\r\n", b""): pass
    def event():
        size = int(wf.readline().strip(), 16); data = wf.read(size + 2); return data
    stop = False
    def churner():
        cc = conn()
        while not stop:
            request(cc, "POST", "/sim/v1/churn", b'{"n":20}'); time.sleep(0.05)
    if churn: threading.Thread(target=churner, daemon=True).start()
    lat = []
    for i in range(40):
        name = "probe-%d-%d" % (time.time(), i)
        body = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                           "spec": {"containers": [{"name": "c", "image": "registry.testops.local/probe:1"}]}}).encode()
        t0 = time.perf_counter()
        send(c, "POST", "/api/v1/namespaces/%s/pods" % ns, body)
        while True:
            ev = event()
            if b'"ADDED"' in ev and name.encode() in ev: break
        lat.append((time.perf_counter() - t0) * 1000)
        reply(c)
        time.sleep(0.1)
    stop = True
    print("watch delivery%s: POST to ADDED p50 %.2f ms, p99 %.2f ms over %d creates" %
          (" while pods churn" if churn else "", pct(lat, 0.5), pct(lat, 0.99), len(lat)))
PY
}

paged_list() { # URL -> number of items, following continue
  local tok="" n=0 k
  while :; do
    read -r k tok < <(curl -sf "$1?limit=500${tok:+&continue=$tok}" | jq -r '"\(.items | length) \(.metadata.continue // "")"') || break
    n=$((n + k))
    [ -z "$tok" ] && break
  done
  echo "$n"
}

for n in $SIZES; do
  out="$TEST_TMP/sim.$n.out"
  t0=$(secs)
  "$TOPS_ROOT/bin/kubesim" --listen 127.0.0.1:0 --pods "$n" >"$out" 2>&1 &
  KUBESIM_PID=$!
  wait_until 300 grep -q '^kubesim: listening on ' "$out" || { echo "bench kubesim: did not start"; exit 1; }
  start=$(since "$t0")
  U=$(sed -n 's/^kubesim: listening on //p' "$out" | head -1)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$KUBESIM_PID/status)
  echo "bench kubesim: $n pods: startup ${start}s, RSS $((rss / 1024)) MB ($((rss * 1024 / n)) bytes/pod)"
  t0=$(secs); got=$(paged_list "$U/api/v1/namespaces/testops/pods"); t=$(since "$t0")
  echo "bench kubesim: $n pods: paged list with curl+jq: $got items in ${t}s"
  first=$(curl -sf "$U/api/v1/namespaces/testops/pods?limit=500" | jq -r .metadata.continue)
  t0=$(secs); for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf -o /dev/null "$U/api/v1/namespaces/testops/pods?limit=500"; done; a=$(since "$t0")
  deep=$(curl -sf "$U/api/v1/namespaces/testops/pods?limit=$((n - 600))" | jq -r .metadata.continue)
  t0=$(secs); for i in 1 2 3 4 5 6 7 8 9 10; do curl -sf -o /dev/null "$U/api/v1/namespaces/testops/pods?limit=500&continue=$deep"; done; b=$(since "$t0")
  echo "bench kubesim: $n pods: 10 first pages ${a}s, 10 pages near the end ${b}s (ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }'))"
  [ -n "$first" ] || echo "bench kubesim: no continue token on the first page"
  if have_kubectl; then
    export KUBECONFIG="$TEST_TMP/kubeconfig"
    printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: %s\ncontexts:\n- name: sim\n  context: {cluster: sim, user: sim, namespace: testops}\ncurrent-context: sim\nusers:\n- name: sim\n  user: {token: sim-token}\n' "$U" >"$KUBECONFIG"
    t0=$(secs); lines=$(kctl get pods --no-headers 2>/dev/null | wc -l); t=$(since "$t0")
    echo "bench kubesim: $n pods: kubectl get pods (tables, chunked): $lines rows in ${t}s"
  fi
  if [ -x /usr/bin/python3 ]; then
    probe "$U" pages /api/v1/namespaces/testops/pods "$KUBESIM_PID" | sed "s/^/bench kubesim: $n pods: keep-alive /"
    probe "$U" watch testops | sed "s/^/bench kubesim: $n pods: /"
    probe "$U" watch testops churn | sed "s/^/bench kubesim: $n pods: /"
  fi
  kubesim_stop
done
