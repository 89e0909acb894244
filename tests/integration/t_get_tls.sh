#!/bin/bash
# tops get over TLS with the kubeconfig's TLS settings: CA data, client certificate and key
# data (mutual TLS), tls-server-name, insecure-skip-tls-verify and file paths, and a client
# certificate that an exec credential plugin returns, against a small Python HTTPS server that
# requires a client certificate and answers a pod list named after the certificate's CN.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
command -v openssl >/dev/null || { skip "openssl is not installed"; exit 0; }
command -v python3 >/dev/null || { skip "python3 is not installed"; exit 0; }

d="$TEST_TMP/pki"; mkdir -p "$d"; cd "$d" || exit 1
gen() { openssl "$@" >/dev/null 2>&1 || { fail "openssl $1"; exit 0; }; }
gen req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=test-ca"
printf 'subjectAltName=DNS:api.internal\n' >san.ext
gen req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=api.internal"
gen x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile san.ext
gen req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj "/CN=operator"
gen x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 2
gen req -newkey rsa:2048 -nodes -keyout plug.key -out plug.csr -subj "/CN=plugin-user"
gen x509 -req -in plug.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out plug.crt -days 2

cat >srv.py <<'PY'
import http.server, ssl, sys, json
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        peer = self.connection.getpeercert() or {}
        cn = [v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"]
        body = json.dumps({"kind": "PodList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "5"},
            "items": [{"metadata": {"name": "tls-pod-" + (cn[0] if cn else "anon"), "namespace": "testops",
                       "resourceVersion": "5"}, "status": {"phase": "Running"}}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("srv.crt", "srv.key")
ctx.load_verify_locations("ca.crt")
ctx.verify_mode = ssl.CERT_REQUIRED
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 srv.py >port 2>srv.err &
SPID=$!
stop_srv() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; return 0; }
on_exit stop_srv
wait_until 10 test -s port || { fail "TLS server starts" "$(cat srv.err)"; exit 0; }
PORT=$(cat port)

b64() { base64 -w0 <"$1"; }
kubeconfig() { # extra cluster lines, extra user lines
  cat <<EOK
apiVersion: v1
kind: Config
current-context: tls
contexts:
- name: tls
  context: {cluster: tls, user: tls, namespace: testops}
clusters:
- name: tls
  cluster:
    server: https://127.0.0.1:$PORT
$1
users:
- name: tls
  user:
$2
EOK
}
run() { # name, cluster lines, user lines, expected exit, expected text
  kubeconfig "$2" "$3" >"$TEST_TMP/kc.$1"
  out=$(timeout 30 tops --kubeconfig "$TEST_TMP/kc.$1" get pods -o name 2>&1); rc=$?
  if [ "$rc" = "$4" ] && [[ "$out" == *"$5"* ]]; then pass "$1"; else fail "$1" "rc=$rc $out"; fi
}

CA="    certificate-authority-data: $(b64 ca.crt)"
SNI="    tls-server-name: api.internal"
CERT="    client-certificate-data: $(b64 cli.crt)
    client-key-data: $(b64 cli.key)"
run "mutual TLS with CA, client cert data and tls-server-name" "$CA
$SNI" "$CERT" 0 "pod/tls-pod-operator"
run "the server name is verified (no tls-server-name: certificate is for api.internal)" "$CA" "$CERT" 1 "tops: "
run "an unknown CA is refused" "    tls-server-name: api.internal" "$CERT" 1 "tops: "
run "insecure-skip-tls-verify accepts any certificate" "    insecure-skip-tls-verify: true" "$CERT" 0 "pod/tls-pod-operator"
run "no client certificate: the server refuses" "$CA
$SNI" "    token: x" 1 "tops: "
run "certificate and key as files" "    certificate-authority: $d/ca.crt
$SNI" "    client-certificate: $d/cli.crt
    client-key: $d/cli.key" 0 "pod/tls-pod-operator"
kubeconfig "$CA
$SNI" "    token: x" >"$TEST_TMP/kc.flags"
out=$(timeout 30 tops --kubeconfig "$TEST_TMP/kc.flags" --client-certificate "$d/cli.crt" --client-key "$d/cli.key" \
      get pods -o name 2>&1)
check_eq "--client-certificate and --client-key flags" "pod/tls-pod-operator" "$out"

# an exec plugin's ExecCredential with clientCertificateData/clientKeyData (PEM, as client-go
# reads them) replaces the kubeconfig's own certificate
cat >plugin.py <<'PY'
import json, sys
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
    "status": {"clientCertificateData": open(sys.argv[1]).read(),
               "clientKeyData": open(sys.argv[2]).read()}}))
PY
PLUGIN="    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: python3
      args: [$d/plugin.py, $d/plug.crt, $d/plug.key]
      interactiveMode: Never"
run "the client certificate from an exec plugin" "$CA
$SNI" "$PLUGIN" 0 "pod/tls-pod-plugin-user"
run "the exec plugin's certificate is used, not the kubeconfig's" "$CA
$SNI" "$CERT
$PLUGIN" 0 "pod/tls-pod-plugin-user"
