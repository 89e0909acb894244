#!/bin/bash
# tops get against bin/kubesim, compared with the real kubectl on the same server.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
[ -x "$TOPS_ROOT/bin/kubesim" ] || { skip "bin/kubesim is not built"; exit 0; }

# Ages move while the two commands run: mask durations (5m12s, 24h, 3d ...) everywhere.
mask() { sed -E 's/(^|[ (])[0-9]+[smhdy]([0-9]+[smhd])?( |$|\))/\1<age>\3/g; s/  +/ /g'; }

# --- bad input first: no cluster needed ---
out=$(tops --server http://127.0.0.1:1 get pods 2>&1); rc=$?
check_eq "unreachable server exits 1" 1 "$rc"
case "$out" in *127.0.0.1:1*) pass "unreachable server message names the server";;
  *) fail "unreachable server message names the server" "$out";; esac

bad="$TEST_TMP/bad-kubeconfig"
printf 'apiVersion: v1\nclusters:\n- name: x\n  cluster:\n    server: [oops\n' >"$bad"
out=$(tops --kubeconfig "$bad" get pods 2>&1); rc=$?
check_eq "malformed kubeconfig exits 1" 1 "$rc"
case "$out" in *"$bad":[0-9]*) pass "malformed kubeconfig names file:line";;
  *) fail "malformed kubeconfig names file:line" "$out";; esac

out=$(tops get 2>&1); check_eq "no kind is a usage error" 2 "$?"
out=$(tops get nodes 2>&1); check_eq "unknown kind is a usage error" 2 "$?"
out=$(tops get pods -o xml 2>&1); check_eq "unknown output is a usage error" 2 "$?"
help=$(tops get --help); rc=$?
check_eq "get --help exits 0" 0 "$rc"
case "$help" in *--output-watch-events*--no-headers*) pass "get --help documents the flags";;
  *) fail "get --help documents the flags" "$help";; esac

# A tiny misbehaving API server: non-JSON, truncated and oversized replies.
cat >"$TEST_TMP/badsrv.py" <<'PY'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        mode = self.server.mode
        if mode == "notjson":
            body = b"<html>proxy error</html>"
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        elif mode == "truncated":
            self.send_response(200); self.send_header("Content-Length", "5000"); self.end_headers()
            self.wfile.write(b'{"kind":"PodList","items":[{"metadata":{"name":"a"')
            self.wfile.flush(); self.close_connection = True
        elif mode == "huge":
            self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            chunk = b'{"kind":"PodList","items":[' + b" " * 1048576
            try:
                for i in range(200):
                    self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except Exception:
                pass
            self.close_connection = True
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H); s.mode = sys.argv[1]
print(s.server_address[1], flush=True)
s.serve_forever()
PY
for mode in notjson truncated huge; do
  portfile="$TEST_TMP/badsrv.$mode.port"
  python3 "$TEST_TMP/badsrv.py" $mode >"$portfile" 2>/dev/null &
  bpid=$!
  wait_until 20 grep -q '^[0-9][0-9]*$' "$portfile"
  bport=$(cat "$portfile")
  out=$(timeout 60 tops --server "http://127.0.0.1:$bport" -n testops get pods 2>&1); rc=$?
  kill $bpid 2>/dev/null; wait $bpid 2>/dev/null
  check_eq "$mode reply exits 1 (no crash)" 1 "$rc"
  case "$mode:$out" in
    notjson:*"not a JSON object"*|truncated:*"tops: "*|huge:*"larger than"*) pass "$mode reply has a clear message";;
    *) fail "$mode reply has a clear message" "$out";;
  esac
done

have_kubectl || { skip "kubectl is not installed"; exit 0; }
kubesim_start --pods 2000 || { fail "kubesim starts"; exit 0; }

# --- parity with kubectl ---
tops get pods -A -o name | sort >"$TEST_TMP/t.names"
kctl get pods -A -o name | sort >"$TEST_TMP/k.names"
n=$(wc -l <"$TEST_TMP/k.names")
[ "$n" -ge 2000 ] && pass "kubesim serves $n pods" || fail "kubesim serves 2000 pods" "got $n"
check "pods -A -o name equals kubectl's set" cmp "$TEST_TMP/t.names" "$TEST_TMP/k.names"

for args in "pods" "pods -A" "pods -o wide" "pvc" "pvc -A" "deploy" "deploy -o wide" "rs" "rs -o wide" \
            "sts" "sts -o wide" "svc" "svc -o wide" "events" "events -A"; do
  tops get $args 2>&1 | mask >"$TEST_TMP/t.out"
  kctl get $args 2>&1 | mask >"$TEST_TMP/k.out"
  if cmp -s "$TEST_TMP/t.out" "$TEST_TMP/k.out"; then pass "get $args columns match kubectl"
  else fail "get $args columns match kubectl" "$(diff "$TEST_TMP/t.out" "$TEST_TMP/k.out" | head -4 | tr '\n' ' ')"; fi
done

# -l and names
sel="app.kubernetes.io/component=engine"
check_eq "-l selects like kubectl" "$(kctl get pods -l "$sel" -o name | sort)" "$(tops get pods -l "$sel" -o name | sort)"
check_eq "set-based -l selects like kubectl" "$(kctl get pods -l "app in (testops),tier notin (x)" -o name | sort)" \
  "$(tops get pods -l "app in (testops),tier notin (x)" -o name | sort)"
out=$(tops get pods -l app=nothing-here 2>&1 >/dev/null); rc=$?
check_eq "empty selection exits 0" 0 "$rc"
check_eq "empty selection message" "No resources found in testops namespace." "$out"
first=$(head -1 "$TEST_TMP/k.names"); first=${first#pod/}
check_eq "get pod NAME" "$(kctl get pod "$first" | mask)" "$(tops get pod "$first" | mask)"
out=$(tops get pod no-such-pod 2>&1); rc=$?
check_eq "missing pod exits 1" 1 "$rc"
case "$out" in *not*found*) pass "missing pod says not found";; *) fail "missing pod says not found" "$out";; esac

# -o json / yaml parse and agree with kubectl
tn=$(tops get pods -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d["kind"])')
kn=$(kctl get pods -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), d["kind"])')
check_eq "-o json parses and lists every pod" "$kn" "$tn"
if python3 -c 'import yaml' 2>/dev/null; then
  ty=$(tops get deploy -o yaml | python3 -c 'import yaml,sys,json; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))')
  ky=$(kctl get deploy -o yaml | python3 -c 'import yaml,sys,json; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))')
  check_eq "-o yaml parses to the same objects as kubectl's" "$ky" "$ty"
else
  skip "python3-yaml is not installed"
fi
check_eq "-o json of one object" "$(kctl get pod "$first" -o json | python3 -m json.tool --sort-keys)" \
  "$(tops get pod "$first" -o json | python3 -m json.tool --sort-keys)"

# Pages are read ahead by their continue token; a body where that text occurs more than once
# (here in an annotation) must fall back to ordinary paging and still list every pod once.
kctl annotate pod "$first" 'continue=trap' >/dev/null
kctl annotate pod "$first" 'note={"continue":"not-a-token"}' >/dev/null
tops get pods -A -o name | sort >"$TEST_TMP/t2.names"
kctl get pods -A -o name | sort >"$TEST_TMP/k2.names"
check "read-ahead falls back when the token text is ambiguous" cmp "$TEST_TMP/t2.names" "$TEST_TMP/k2.names"
check_eq "every pod exactly once" "$(wc -l <"$TEST_TMP/k2.names")" "$(sort -u "$TEST_TMP/t2.names" | wc -l)"
