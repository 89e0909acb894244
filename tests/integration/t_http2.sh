#!/bin/bash
# tops over HTTP/2: the real nghttpx (nghttp2's reverse proxy) offers h2 over TLS in front of
# kubesim. tops get lists through it (multiplexed requests on one connection), tops get -w
# streams a watch over an h2 stream and sees a change made with kubectl, and the proxy's access
# log shows the requests arrived as HTTP/2. Also: the proxy going away is a clear error.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
command -v nghttpx >/dev/null || { skip "nghttpx (Debian package nghttp2-proxy) is not installed"; exit 0; }
command -v openssl >/dev/null || { skip "openssl is not installed"; exit 0; }

kubesim_start --pods 30 || { fail "kubesim starts"; exit 0; }
SIM_KUBECONFIG=$KUBECONFIG

d="$TEST_TMP/h2"; mkdir -p "$d"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
  { fail "openssl makes a certificate"; exit 0; }
PORT=$(free_port)
nghttpx --frontend="127.0.0.1,$PORT" --backend="127.0.0.1,$KUBESIM_PORT" --workers=1 --no-ocsp \
  --accesslog-file="$d/access.log" --errorlog-file="$d/error.log" --backend-read-timeout=10m \
  --frontend-read-timeout=10m --stream-read-timeout=10m --conf=/dev/null \
  "$d/key.pem" "$d/cert.pem" >/dev/null 2>&1 &
PROXY_PID=$!
stop_proxy() { [ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; return 0; }
on_exit stop_proxy
wait_until 10 curl -sk -o /dev/null "https://127.0.0.1:$PORT/version" ||
  { fail "nghttpx starts" "$(tail -3 "$d/error.log")"; exit 0; }

export KUBECONFIG="$TEST_TMP/kubeconfig.h2"
write_kubeconfig "$KUBECONFIG" "    server: https://127.0.0.1:$PORT
    certificate-authority-data: $(base64 -w0 <"$d/cert.pem")" "    token: sim-token"

# one-shot list, compared with the direct answer
tops get pods -o name >"$TEST_TMP/via-h2" 2>"$TEST_TMP/via-h2.err"
check "tops get over HTTP/2 exits 0" test $? = 0
KUBECONFIG=$SIM_KUBECONFIG tops get pods -o name >"$TEST_TMP/direct" 2>&1
check "tops get over HTTP/2 lists what kubesim has ($(wc -l <"$TEST_TMP/direct") pods)" \
  cmp -s "$TEST_TMP/via-h2" "$TEST_TMP/direct"
check "the proxy saw the requests as HTTP/2" grep -q '"GET /api/v1/namespaces/testops/pods?[^"]* HTTP/2' "$d/access.log"

# a watch over an h2 stream sees a change made with kubectl (directly on kubesim)
tops get pods -w --output-watch-events -o name >"$TEST_TMP/watch.out" 2>"$TEST_TMP/watch.err" &
WPID=$!
stop_watch() { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; return 0; }
on_exit stop_watch
wait_until 20 sh -c "[ \$(grep -c ADDED '$TEST_TMP/watch.out') -ge 30 ]"
if have_kubectl; then
  KUBECONFIG=$SIM_KUBECONFIG kctl run h2-probe --image=registry.testops.local/probe:1 >/dev/null 2>&1
else
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' "$KUBESIM_URL/api/v1/namespaces/testops/pods" \
    -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"h2-probe"},"spec":{"containers":[{"name":"c","image":"registry.testops.local/probe:1"}]}}'
fi
check "a watch over HTTP/2 sees the new pod" wait_until 20 grep -q '^ADDED pod/h2-probe' "$TEST_TMP/watch.out"
# (a watch is logged only when it ends: its list went as HTTP/2, and it holds one connection)
check "the watch's list went through the proxy as HTTP/2" \
  test "$(grep -c '"GET /api/v1/namespaces/testops/pods?limit=500[^"]* HTTP/2' "$d/access.log")" -ge 2
conns=$(ss -tnp 2>/dev/null | grep "pid=$WPID," | grep -c ":$PORT ")
check_eq "the watch rides one multiplexed connection" 1 "$conns"

# the proxy goes away: the watch says so and keeps retrying; a one-shot get fails clearly
stop_proxy
check "the watch reports the lost connection" wait_until 20 grep -qiE 'connect|refused|retry' "$TEST_TMP/watch.err"
check "the watch keeps running while the server is gone" kill -0 "$WPID"
tops get pods >/dev/null 2>"$TEST_TMP/gone.err"
rc=$?
check_eq "a one-shot get without the server exits 1" "$rc" 1
check "and says it cannot connect" grep -qiE "connect|refused" "$TEST_TMP/gone.err"
stop_watch
