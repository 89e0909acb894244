#!/bin/bash
# tops serve against kubesim, with curl as the client: every route, every refusal (no token,
# wrong token, read-only token, huge body, malformed JSON, unknown field, path traversal, symlink
# escape, slow client, too many connections, rate limit, read-only server, non-loopback without
# TLS), a preview deploy followed through Server-Sent Events to its end, health 503 while the
# runner is missing and 200 once deployed, lease conflicts (409 naming the holder), uploads,
# ttl expiry, rollback, delete, TLS, the audit's actor, SIGTERM while an operation runs, and the
# CI script of docs/ci.md.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

RUNNER_DIGEST=sha256:64f7857cbe9b728a28fc6f5a07ab327199865d2ece2138ba9edffcd144554308
export XDG_STATE_HOME="$TEST_TMP/state" XDG_CONFIG_HOME="$TEST_TMP/config"

if ! command -v curl >/dev/null; then skip "curl not installed"; exit 0; fi
if ! have_kubectl; then skip "kubectl not installed"; exit 0; fi
offline_site_scenario "$TEST_TMP/sim.yaml"
cat >>"$TEST_TMP/sim.yaml" <<EOS
---
apiVersion: kubesim.io/v1
kind: SimConfig
mirrorDigests: ["$RUNNER_DIGEST", "sha256:084ff7f605491689ac2a4ac1444e5fcc9003bf3c6379429d2baab88b75f918f9"]
EOS
if ! kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml"; then fail "kubesim starts"; exit 0; fi

# the chart root: a copy of the chart, and a symbolic link that leads out of it
ROOT="$TEST_TMP/charts"; mkdir -p "$ROOT"; cp -r charts/testops "$ROOT/testops"
ln -s /etc "$ROOT/escape"; ln -s "$TOPS_ROOT/charts/testops" "$ROOT/outside"
VALUES=$(python3 -c "import yaml,json; print(json.dumps(yaml.safe_load(open('deploy/offline-values.yaml'))))")
TOKENS="$TEST_TMP/tokens"
printf '# test tokens\nci deploy ci-token-0123456789abcdef\nreader read reader-token-0123456789\n' >"$TOKENS"
chmod 600 "$TOKENS"
DEPLOY="Authorization: Bearer ci-token-0123456789abcdef"
READ="Authorization: Bearer reader-token-0123456789"
JSON="Content-Type: application/json"

SERVE_PIDS=()
# serve_start NAME ARGS...: tops serve on a free loopback port; sets URL_<NAME>, PID_<NAME>.
serve_start() {
  local name=$1; shift
  tops serve --listen 127.0.0.1:0 "$@" >"$TEST_TMP/serve.$name.out" 2>"$TEST_TMP/serve.$name.err" &
  local pid=$!; SERVE_PIDS+=("$pid")
  wait_until 20 grep -q '^tops serve: listening on ' "$TEST_TMP/serve.$name.out" ||
    { echo "# serve $name did not start: $(cat "$TEST_TMP/serve.$name.err")"; return 1; }
  printf -v "URL_$name" '%s' "$(sed -n 's/^tops serve: listening on //p' "$TEST_TMP/serve.$name.out")"
  printf -v "PID_$name" '%s' "$pid"
}
serve_stop_all() { local p; for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; return 0; }
on_exit serve_stop_all

# req ARGS...: curl; the status in $code, the body in $TEST_TMP/b.
req() { code=$(curl -s -o "$TEST_TMP/b" -w '%{http_code}' "$@"); }
jq_() { python3 -c "import json,sys; d=json.load(open('$TEST_TMP/b')); print($1)" 2>/dev/null; }
body() { head -c 300 "$TEST_TMP/b"; }

# ---- refusing to start ----
tops serve --listen 0.0.0.0:0 --token-file "$TOKENS" >/dev/null 2>"$TEST_TMP/e"; rc=$?
check_eq "non-loopback without TLS: refused, exit 1" "1 1" "$rc $(grep -c 'refusing to listen on 0.0.0.0 without TLS' "$TEST_TMP/e")"
cp "$TOKENS" "$TEST_TMP/open-tokens"; chmod 644 "$TEST_TMP/open-tokens"
tops serve --listen 127.0.0.1:0 --token-file "$TEST_TMP/open-tokens" >/dev/null 2>"$TEST_TMP/e"; rc=$?
check_eq "a token file others can read: refused" "1 1" "$rc $(grep -c 'readable by others' "$TEST_TMP/e")"
printf 'ci deploy\n' >"$TEST_TMP/bad-tokens"; chmod 600 "$TEST_TMP/bad-tokens"
tops serve --listen 127.0.0.1:0 --token-file "$TEST_TMP/bad-tokens" >/dev/null 2>"$TEST_TMP/e"; rc=$?
check_eq "a malformed token file: refused naming file:line" "1 1" "$rc $(grep -c 'bad-tokens:1: expected "NAME ROLE TOKEN"' "$TEST_TMP/e")"
tops serve --bogus >/dev/null 2>&1; check_eq "an unknown flag: usage error, exit 2" 2 "$?"
tops serve --help >"$TEST_TMP/o"; check "serve --help lists the flags" grep -q -- '--chart-root DIR' "$TEST_TMP/o"

# ---- first start: a token made, mode 0600 ----
serve_start gen || { fail "serve starts with a generated token"; exit 0; }
gen="$XDG_CONFIG_HOME/tops/serve-tokens"
check_eq "first start: token file made with mode 600" "600" "$(stat -c %a "$gen" 2>/dev/null)"
gtok=$(awk '$1=="default"{print $3}' "$gen")
req -H "Authorization: Bearer $gtok" "$URL_gen/v1/releases"
check_eq "the generated token is a deploy token that works" 200 "$code"
kill "$PID_gen"; wait "$PID_gen" 2>/dev/null; check_eq "SIGTERM when idle: exit 0" 0 "$?"

# ---- the main server ----
serve_start main --token-file "$TOKENS" --chart-root "$ROOT" --max-body 1MiB --rate 0 \
  --runner testops/pr1-testops-runner --health-interval 200ms || { fail "serve starts"; exit 0; }
U=$URL_main

req "$U/v1/health"
check_eq "health: 503 while the runner does not exist" "503 False" "$code $(jq_ 'd["runner"]["ready"]')"
check "health: says what is not ready" grep -q 'pr1-testops-runner: not found' "$TEST_TMP/b"
check_eq "health: the cluster is reachable, with its version" "True v1.32.4" "$(jq_ 'd["cluster"]["reachable"], d["cluster"]["version"]')"
req "$U/v1/openapi.json"
check_eq "openapi: an OpenAPI 3 document with the routes" "200 3.0.3 True True" \
  "$code $(jq_ 'd["openapi"], "/v1/deploy/preview" in d["paths"], "get" in d["paths"]["/v1/operations/{name}/events"]')"

# ---- authentication and authorisation ----
req "$U/v1/releases"; check_eq "no token: 401" "401 401" "$code $(jq_ 'd["error"]["code"]')"
code=$(curl -s -o /dev/null -D "$TEST_TMP/h" -w '%{http_code}' "$U/v1/releases")
check "401 carries WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$TEST_TMP/h"
req -H "Authorization: Bearer wrong-token-000000000" "$U/v1/releases"
check_eq "wrong token: 401" "401 the bearer token is not valid" "$code $(jq_ 'd["error"]["message"]')"
req -H "$READ" "$U/v1/releases"; check_eq "read token reads: 200" 200 "$code"
req -H "$READ" -H "$JSON" -d '{"release":"pr1","chart":"testops"}' "$U/v1/deploy/preview"
check_eq "read token on a mutating route: 403" 403 "$code"
check "403 names the token and the role it needs" grep -q 'token reader has the role read.*needs the role deploy' "$TEST_TMP/b"
req -H "$DEPLOY" "$U/v1/nothing"; check_eq "unknown route: 404" 404 "$code"
req -H "$DEPLOY" -X PUT "$U/v1/releases"; check_eq "wrong method: 405" 405 "$code"

# ---- bad bodies ----
head -c 1100000 /dev/zero | tr '\0' 'a' >"$TEST_TMP/huge"
req -H "$DEPLOY" -H "$JSON" --data-binary @"$TEST_TMP/huge" "$U/v1/deploy/preview"
check_eq "huge body: 413" 413 "$code"
req -H "$DEPLOY" -H "$JSON" --data-binary $'{"release": "pr1",\n  "chart": ,}' "$U/v1/deploy/preview"
check_eq "malformed JSON: 400" 400 "$code"
check "malformed JSON: line and column named" grep -q 'line 2, column 12' "$TEST_TMP/b"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"testops","replicas":3,"colour":"red"}' "$U/v1/deploy/preview"
check_eq "unknown fields: 400 naming them" "400 1" "$code $(grep -c 'unknown fields: replicas, colour' "$TEST_TMP/b")"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"testops","dryRun":"yes"}' "$U/v1/deploy/preview"
check_eq "a field of the wrong type: 400" "400 1" "$code $(grep -c 'field \\"dryRun\\" must be true or false' "$TEST_TMP/b")"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"../../etc"}' "$U/v1/deploy/preview"
check_eq "path traversal (..): 400" "400 1" "$code $(grep -c 'is not allowed' "$TEST_TMP/b")"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"/etc"}' "$U/v1/deploy/preview"
check_eq "absolute chart path: 400" 400 "$code"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"escape"}' "$U/v1/deploy/preview"
check_eq "symlink out of the chart root: 400" "400 1" "$code $(grep -c 'resolves outside the chart root' "$TEST_TMP/b")"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"outside"}' "$U/v1/deploy/preview"
check_eq "symlink to a chart elsewhere: 400" 400 "$code"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"Not_A_Name","chart":"testops"}' "$U/v1/deploy/preview"
check_eq "invalid release name: 400" 400 "$code"
req -H "$DEPLOY" -H "Content-Type: text/plain" -d 'x' "$U/v1/deploy/preview"
check_eq "unsupported content type: 415" 415 "$code"

# ---- dry run: render, validate, diff ----
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr1\",\"namespace\":\"testops\",\"chart\":\"testops\",\"dryRun\":true,\"values\":$VALUES}" "$U/v1/deploy/preview"
check_eq "dryRun: 200, valid, the runner Deployment rendered and to be added" "200 succeeded True True True" \
  "$code $(jq_ 'd["state"], d["result"]["validate"]["valid"], "Deployment/pr1-testops-runner" in d["result"]["render"]["objects"], d["result"]["diff"]["add"] >= 10')"
check_eq "dryRun: nothing written" "NotFound" "$(kctl get deploy pr1-testops-runner -n testops 2>&1 | grep -o NotFound | head -1)"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","chart":"testops","dryRun":true}' "$U/v1/deploy/preview"
check_eq "dryRun with a failing render: 422 with the template's error" "422 1" "$code $(grep -c 'secrets.apiToken is required' "$TEST_TMP/b")"

# ---- a preview deploy, followed through SSE ----
sim_fault '{"latency_ms":150}'   # the deploy takes long enough for a second request to meet it
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr1\",\"namespace\":\"testops\",\"chart\":\"testops\",\"values\":$VALUES}" "$U/v1/deploy/preview"
check_eq "preview: 202 with an operation" "202 running" "$code $(jq_ 'd["state"]')"
OP=$(jq_ 'd["id"]')
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr1\",\"chart\":\"testops\",\"values\":$VALUES}" "$U/v1/deploy/preview"
check_eq "a second preview while one runs: 409 naming the operation and its caller" "409 1" \
  "$code $(grep -c "in progress on testops/pr1: preview $OP by ci" "$TEST_TMP/b")"
[ "$code" = 409 ] || echo "# second preview: $(body)"
sim_fault '{"clear":true}'
timeout 120 curl -s -N -H "$READ" "$U/v1/operations/$OP/events" >"$TEST_TMP/sse"
check "SSE: progress events as they happen" grep -q '^event: progress' "$TEST_TMP/sse"
check "SSE: workload lines of the runner" grep -q '"key":"deployment/pr1-testops-runner"' "$TEST_TMP/sse"
last=$(grep '^data: ' "$TEST_TMP/sse" | tail -1 | sed 's/^data: //')
check_eq "SSE: ends with an end event, the operation succeeded at revision 1" "end succeeded 1" \
  "$(grep '^event: ' "$TEST_TMP/sse" | tail -1 | cut -d' ' -f2) $(echo "$last" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["result"]["release"]["revision"])')"
req -H "$READ" "$U/v1/operations/$OP"
check_eq "operation: succeeded, by ci" "200 succeeded ci deployed" "$code $(jq_ 'd["state"], d["actor"], d["result"]["release"]["status"]')"
timeout 20 curl -s -N -H "$READ" "$U/v1/operations/$OP/events" >"$TEST_TMP/sse2"
check_eq "SSE after the end: every event replayed, then the end" "$(grep -c '^event: progress' "$TEST_TMP/sse") 1" \
  "$(grep -c '^event: progress' "$TEST_TMP/sse2") $(grep -c '^event: end' "$TEST_TMP/sse2")"
req -H "$READ" "$U/v1/operations/op-0-0"; check_eq "unknown operation: 404" 404 "$code"
check_eq "the release's runner is live" 2 "$(kctl get deploy pr1-testops-runner -n testops -o jsonpath='{.spec.replicas}')"
wait_until 30 sh -c "curl -s -o /dev/null -w '%{http_code}' '$U/v1/health' | grep -q 200"
req "$U/v1/health"
check_eq "health: 200 once the runner is ready" "200 ready 2" "$code $(jq_ 'd["status"], len(d["runner"]["pods"])')"
check "audit: the API caller recorded" grep -q '"actor":"ci"' "$XDG_STATE_HOME/tops/audit.jsonl"

# ---- releases, rollback ----
req -H "$READ" "$U/v1/releases?namespace=testops"
check_eq "releases: pr1 deployed" "200 pr1 deployed testops" "$code $(jq_ '[r for r in d["releases"] if r["name"]=="pr1"][0]["name"], [r for r in d["releases"] if r["name"]=="pr1"][0]["status"], [r for r in d["releases"] if r["name"]=="pr1"][0]["chart"]')"
req -H "$READ" -H "$JSON" "$U/v1/releases/pr1?namespace=testops"
check_eq "release: status and history" "200 1 1" "$code $(jq_ 'd["release"]["revision"], len(d["history"])')"
req -H "$READ" "$U/v1/releases/nosuch?namespace=testops"; check_eq "unknown release: 404" 404 "$code"
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr1\",\"namespace\":\"testops\",\"chart\":\"testops\",\"values\":$VALUES,\"set\":[\"runner.replicas=3\"]}" "$U/v1/deploy/preview"
OP2=$(jq_ 'd["id"]')
wait_until 120 sh -c "curl -s -H '$READ' '$U/v1/operations/$OP2' | grep -q '\"state\":\"succeeded\"'"
req -H "$READ" "$U/v1/operations/$OP2"; [ "$(jq_ 'd["state"]')" = succeeded ] || echo "# preview again: $(jq_ 'd["state"], d["error"]')"
check_eq "preview again: an upgrade to revision 2 with set" "3" "$(kctl get deploy pr1-testops-runner -n testops -o jsonpath='{.spec.replicas}')"
req -H "$DEPLOY" -H "$JSON" -d '{"revision":1,"namespace":"testops","bogus":1}' "$U/v1/releases/pr1/rollback"
check_eq "rollback with an unknown field: 400" 400 "$code"
req -H "$DEPLOY" -H "$JSON" -d '{"revision":1,"namespace":"testops"}' "$U/v1/releases/pr1/rollback"
check_eq "rollback: 202" 202 "$code"
OP3=$(jq_ 'd["id"]')
wait_until 120 sh -c "curl -s -H '$READ' '$U/v1/operations/$OP3' | grep -Eq '\"state\":\"(succeeded|failed)\"'"
req -H "$READ" "$U/v1/operations/$OP3"
check_eq "rollback: succeeded, revision 3, replicas back to 2" "succeeded 3 2" \
  "$(jq_ 'd["state"], d["result"]["release"]["revision"]') $(kctl get deploy pr1-testops-runner -n testops -o jsonpath='{.spec.replicas}')"

# ---- a lease held by someone else: 409 naming the holder ----
now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
kctl apply -f - >/dev/null <<EOL
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: tops-release-pr1, namespace: testops}
spec: {holderIdentity: "alice@bastion:4242", leaseDurationSeconds: 600, renewTime: "$now", acquireTime: "$now"}
EOL
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr1\",\"namespace\":\"testops\",\"chart\":\"testops\",\"values\":$VALUES}" "$U/v1/deploy/preview"
check_eq "lease held elsewhere: 409 naming the holder" "409 1" "$code $(grep -c 'held by alice@bastion:4242' "$TEST_TMP/b")"
kctl delete lease tops-release-pr1 -n testops >/dev/null

# ---- snapshots, metrics ----
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr1","namespace":"testops"}' "$U/v1/snapshots/seed"
check_eq "snapshot seed: 501 with a clear error" "501 1" "$code $(grep -c 'snapshots are not part of this build' "$TEST_TMP/b")"
req -H "$READ" "$U/v1/snapshots/compare?release=pr1&a=1&b=2"; check_eq "snapshot compare: 501" 501 "$code"
req -H "$READ" "$U/metrics"
check "metrics: requests by route and code" grep -q 'tops_serve_requests_total{route="GET /v1/health",code="503"} [1-9]' "$TEST_TMP/b"
check "metrics: duration histogram" grep -q 'tops_serve_request_duration_seconds_bucket{route="POST /v1/deploy/preview",le="+Inf"}' "$TEST_TMP/b"
check "metrics: operations by result" grep -q 'tops_serve_operations_total{kind="preview",result="succeeded"} [1-9]' "$TEST_TMP/b"

# ---- upload, ttl ----
tar czf "$TEST_TMP/chart.tgz" -C "$ROOT" testops
req -H "$DEPLOY" -H "Content-Type: application/gzip" --data-binary @"$TEST_TMP/chart.tgz" \
  "$U/v1/deploy/preview?release=pr2&namespace=testops&dryRun=true&set=secrets.apiToken=t&set=secrets.dbPassword=p"
check_eq "upload (application/gzip) dry run: 200, rendered" "200 True" "$code $(jq_ '"Deployment/pr2-testops-runner" in d["result"]["render"]["objects"]')"
req -H "$DEPLOY" -H "Content-Type: application/gzip" --data-binary 'not gzip' "$U/v1/deploy/preview?release=pr2"
check_eq "upload that is not gzip: 400" 400 "$code"
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr3\",\"namespace\":\"testops\",\"chart\":\"testops\",\"ttl\":\"2s\",\"values\":$VALUES}" "$U/v1/deploy/preview"
OP4=$(jq_ 'd["id"]')
wait_until 120 sh -c "curl -s -H '$READ' '$U/v1/operations/$OP4' | grep -q '\"state\":\"succeeded\"'"
req -H "$READ" "$U/v1/operations/$OP4"; check_eq "ttl preview: deployed with an expiry" "succeeded True" "$(jq_ 'd["state"], d["expiresAt"] is not None')"
if wait_until 120 sh -c "kctl get secrets -n testops -l owner=helm,name=pr3 -o name 2>/dev/null | grep -q . && exit 1 || exit 0"; then
  pass "ttl: the preview is removed when its ttl ends"; else fail "ttl: the preview is removed when its ttl ends"; fi

# ---- delete ----
req -H "$DEPLOY" -X DELETE "$U/v1/deploy/preview/pr1?namespace=testops"
check_eq "delete preview: 202" 202 "$code"
OP5=$(jq_ 'd["id"]')
wait_until 120 sh -c "curl -s -H '$READ' '$U/v1/operations/$OP5' | grep -Eq '\"state\":\"(succeeded|failed)\"'"
req -H "$READ" "$U/v1/operations/$OP5"; check_eq "delete: succeeded" succeeded "$(jq_ 'd["state"]')"
check_eq "delete: the runner is gone" "NotFound" "$(kctl get deploy pr1-testops-runner -n testops 2>&1 | grep -o NotFound | head -1)"
req -H "$DEPLOY" -X DELETE "$U/v1/deploy/preview/nosuch?namespace=testops"
OP6=$(jq_ 'd["id"]')
wait_until 60 sh -c "curl -s -H '$READ' '$U/v1/operations/$OP6' | grep -Eq '\"state\":\"(succeeded|failed)\"'"
req -H "$READ" "$U/v1/operations/$OP6"; check_eq "delete of an unknown release: the operation fails saying so" "failed 1" "$(jq_ 'd["state"]') $(grep -c 'not found' "$TEST_TMP/b")"

# ---- the CI script of docs/ci.md ----
sed -n '/<!-- ci-script-begin -->/,/<!-- ci-script-end -->/p' docs/ci.md | sed '1,2d;$d' | sed '$d' >"$TEST_TMP/ci.sh"
TOPS_URL=$U TOPS_TOKEN=ci-token-0123456789abcdef RELEASE=pr1 NAMESPACE=testops CHART=testops VALUES_JSON=$VALUES \
  sh "$TEST_TMP/ci.sh" >"$TEST_TMP/ci.out" 2>&1; rc=$?
check_eq "docs/ci.md: the CI script runs to its end (preview, wait, health, seed)" "0 1 1" \
  "$rc $(grep -c '^healthy' "$TEST_TMP/ci.out") $(grep -c 'snapshots not available' "$TEST_TMP/ci.out")"
[ "$rc" = 0 ] || echo "# ci: $(tail -3 "$TEST_TMP/ci.out")"

# ---- limits: slow clients, connections, rate ----
serve_start lim --token-file "$TOKENS" --max-connections 2 --header-timeout 1s --rate 2 --burst 3 --runner testops/pr1-testops-runner ||
  fail "serve starts with limits"
LP=${URL_lim##*:}
python3 - "$LP" >"$TEST_TMP/slow" 2>&1 <<'EOP'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")   # never ends its headers
s.settimeout(10)
data = b""
t0 = time.time()
while True:
    try:
        b = s.recv(4096)
    except socket.timeout:
        break
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode(), "closed" if time.time() - t0 < 9 else "open")
EOP
check_eq "slow client: cut with 408 and closed" "HTTP/1.1 408 Request Timeout closed" "$(cat "$TEST_TMP/slow")"
python3 - "$LP" >"$TEST_TMP/many" 2>&1 <<'EOP'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(5)
print(s.recv(4096).split(b"\r\n")[0].decode())
EOP
check_eq "too many connections: 503" "HTTP/1.1 503 Service Unavailable" "$(cat "$TEST_TMP/many")"
: >"$TEST_TMP/rh"
codes=""; for i in 1 2 3 4 5 6 7 8; do codes="$codes $(curl -s -o /dev/null -D "$TEST_TMP/rh1" -w '%{http_code}' "$URL_lim/v1/health")"; cat "$TEST_TMP/rh1" >>"$TEST_TMP/rh"; done
check "rate limit: 429 after the burst" grep -q 429 <<<"$codes"
check_eq "rate limit: every 429 carries Retry-After" "$(grep -c '^HTTP/1.1 429' "$TEST_TMP/rh")" "$(grep -ci '^Retry-After: [0-9]' "$TEST_TMP/rh")"

# ---- read-only server, TLS ----
serve_start ro --token-file "$TOKENS" --readonly --chart-root "$ROOT" || fail "serve --readonly starts"
req -H "$DEPLOY" -H "$JSON" -d '{"release":"pr9","chart":"testops","dryRun":true}' "$URL_ro/v1/deploy/preview"
check_eq "read-only server: mutating routes 403" "403 1" "$code $(grep -c 'read-only server' "$TEST_TMP/b")"
req -H "$READ" "$URL_ro/v1/releases"; check_eq "read-only server: reads work" 200 "$code"
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" >/dev/null 2>&1
  serve_start tls --token-file "$TOKENS" --tls-cert "$TEST_TMP/cert.pem" --tls-key "$TEST_TMP/key.pem" || fail "serve with TLS starts"
  req --cacert "$TEST_TMP/cert.pem" -H "$READ" "$URL_tls/v1/releases"
  check_eq "TLS: https with the server's certificate" "200 https" "$code ${URL_tls%%:*}"
  req --cacert "$TEST_TMP/cert.pem" "$URL_tls/v1/releases"; check_eq "TLS: still 401 without a token" 401 "$code"
  tops serve --listen 127.0.0.1:0 --tls-cert "$TEST_TMP/cert.pem" >/dev/null 2>"$TEST_TMP/e"
  check_eq "TLS: a certificate without a key is refused" 1 "$(grep -c 'go together' "$TEST_TMP/e")"
else
  skip "openssl not installed: TLS not tested"
fi

# ---- SIGTERM while an operation runs: it finishes, then exit 0 ----
req -H "$DEPLOY" -H "$JSON" -d "{\"release\":\"pr4\",\"namespace\":\"testops\",\"chart\":\"testops\",\"values\":$VALUES}" "$U/v1/deploy/preview"
check_eq "preview before SIGTERM: 202" 202 "$code"
kill -TERM "$PID_main"
req "$U/v1/health"; check_eq "after SIGTERM: no new connections" 000 "$code"
wait "$PID_main"; rc=$?
check_eq "SIGTERM: exit 0 after the running operation ended" 0 "$rc"
check_eq "SIGTERM: the operation ran to its end (pr4 deployed)" deployed \
  "$(kctl get secret sh.helm.release.v1.pr4.v1 -n testops -o jsonpath='{.metadata.labels.status}' 2>/dev/null)"
