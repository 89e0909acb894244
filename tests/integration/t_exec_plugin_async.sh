#!/bin/bash
# Exec credential plugins (client.authentication.k8s.io) with tops get against bin/kubesim: one
# plugin run serves every request of a command, a failing plugin is reported with its command and
# the first line of its stderr, and the real kubectl accepts the same plugin and kubeconfig.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
[ -x "$TOPS_ROOT/bin/kubesim" ] || { skip "bin/kubesim is not built"; exit 0; }

kubesim_start --pods 600 || { fail "kubesim starts"; exit 0; }

plugin="$TEST_TMP/plugin.sh"
cat >"$plugin" <<PLUGIN
#!/bin/sh
echo run >>"$TEST_TMP/runs"
[ -f "$TEST_TMP/sleep" ] && sleep "\$(cat "$TEST_TMP/sleep")"
if [ -f "$TEST_TMP/fail" ]; then
  echo "login required: run sso-login first" >&2
  echo "(details follow)" >&2
  exit 1
fi
case "\$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*) ;; *) echo "no exec info" >&2; exit 2;; esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"plugin-token","expirationTimestamp":"2999-01-01T00:00:00Z"}}\n'
PLUGIN
chmod +x "$plugin"

kc="$TEST_TMP/exec-kubeconfig"
write_kubeconfig "$kc" "    server: $KUBESIM_URL" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $plugin
      interactiveMode: Never"
runs() { if [ -f "$TEST_TMP/runs" ]; then wc -l <"$TEST_TMP/runs" | tr -d ' '; else echo 0; fi; }

# A slow plugin: the list (two pages of 500) waits for it, then the cached token serves both pages.
echo 1 >"$TEST_TMP/sleep"; rm -f "$TEST_TMP/runs"
out=$(tops --kubeconfig "$kc" get pods -o name 2>&1); rc=$?
check_eq "get with a slow exec plugin exits 0" 0 "$rc"
check_eq "every pod listed with the plugin's credential" 600 "$(printf '%s\n' "$out" | grep -c '^pod/')"
check_eq "one plugin run for the whole command" 1 "$(runs)"
rm -f "$TEST_TMP/sleep"

if have_kubectl; then
  want=$(kctl --kubeconfig "$kc" get pods -o name 2>&1 | sort)
  got=$(tops --kubeconfig "$kc" get pods -o name 2>&1 | sort)
  check_eq "kubectl and tops agree with the same exec kubeconfig" "$want" "$got"
else
  skip "kubectl is not installed"
fi

# A failing plugin: exit 1, the command and the first line of its stderr.
touch "$TEST_TMP/fail"; rm -f "$TEST_TMP/runs"
out=$(tops --kubeconfig "$kc" get pods 2>&1); rc=$?
check_eq "failing exec plugin exits 1" 1 "$rc"
check_eq "failing exec plugin message" \
  "tops: exec plugin $plugin failed (exit status 1): login required: run sso-login first" "$out"
check_eq "failing plugin ran once" 1 "$(runs)"
rm -f "$TEST_TMP/fail"

# A plugin that cannot be started.
sed "s#command: $plugin#command: $TEST_TMP/missing-plugin#" "$kc" >"$kc.missing"
out=$(tops --kubeconfig "$kc.missing" get pods 2>&1); rc=$?
check_eq "missing exec plugin exits 1" 1 "$rc"
case "$out" in "tops: exec plugin $TEST_TMP/missing-plugin: cannot start: "*)
  pass "missing exec plugin message names the command";;
  *) fail "missing exec plugin message names the command" "$out";; esac

# A watch keeps its credential: the stream runs on the cached token, no extra plugin runs.
rm -f "$TEST_TMP/runs"
tops --kubeconfig "$kc" get pods -w >"$TEST_TMP/watch.out" 2>&1 &
wpid=$!
if wait_until 20 grep -q Running "$TEST_TMP/watch.out"; then
  pass "get -w lists pods with an exec plugin user"
else
  fail "get -w lists pods with an exec plugin user" "$(tail -3 "$TEST_TMP/watch.out")"
fi
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
check_eq "get -w ran the plugin once" 1 "$(runs)"
