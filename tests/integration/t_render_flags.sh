#!/bin/bash
# tops render's helm template flags: --output-dir (files and their content), --release-name,
# --name-template, --is-upgrade, --no-hooks, --post-renderer(-args), --debug, --validate,
# --dependency-update (file:// and a missing remote one), the deprecation warning, helm's
# argument errors and exit codes. Small charts are made in a temp dir.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1
CONF="$TOPS_ROOT/../shared/conformance"
W="$TEST_TMP/w"; mkdir -p "$W"

# mkchart DIR NAME [Chart.yaml extra lines]: a chart with a ConfigMap (two documents), a
# release-info ConfigMap and a pre-install hook Job.
mkchart() {
  mkdir -p "$1/templates"
  printf 'apiVersion: v2\nname: %s\nversion: 0.1.0\n%b' "$2" "${3:-}" >"$1/Chart.yaml"
  printf 'greeting: hello\n' >"$1/values.yaml"
  cat >"$1/templates/cm.yaml" <<'EOT'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-a
data:
  greeting: {{ .Values.greeting }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-b
EOT
  cat >"$1/templates/info.yaml" <<'EOT'
apiVersion: v1
kind: ConfigMap
metadata:
  name: info
data:
  name: {{ .Release.Name | quote }}
  install: {{ .Release.IsInstall | quote }}
  upgrade: {{ .Release.IsUpgrade | quote }}
EOT
  cat >"$1/templates/hook.yaml" <<'EOT'
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    "helm.sh/hook": pre-install
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: m
          image: busybox
EOT
}
mkchart "$W/app" app
R() { (cd "$W" && tops render "$@"); }

# --output-dir: one file per template, helm's "---\n# Source: PATH\n" before each document.
R rel app --output-dir out >"$W/od.out" 2>"$W/od.err"; rc=$?
check_eq "--output-dir exits 0" 0 "$rc"
check_eq "--output-dir prints helm's wrote lines, then a blank line" \
  "wrote out/app/templates/cm.yaml|wrote out/app/templates/cm.yaml|wrote out/app/templates/info.yaml|wrote out/app/templates/hook.yaml||" \
  "$(tr '\n' '|' <"$W/od.out")"
want_cm=$(printf -- '---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rel-a\ndata:\n  greeting: hello\n---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rel-b\nx'); want_cm=${want_cm%x}
got_cm=$(cat "$W/out/app/templates/cm.yaml"; echo x); got_cm=${got_cm%x}
check_eq "--output-dir appends the second document of a file with its own header" "$want_cm" "$got_cm"
check_eq "--output-dir writes hooks too" 1 "$(grep -c '^  name: rel-migrate$' "$W/out/app/templates/hook.yaml" 2>/dev/null)"
R rel app --output-dir out2 --release-name >/dev/null 2>&1
if [ -f "$W/out2/rel/app/templates/info.yaml" ] && [ ! -e "$W/out2/app" ]; then pass "--release-name writes under DIR/RELEASE/CHART"
else fail "--release-name writes under DIR/RELEASE/CHART" "$(cd "$W/out2" 2>/dev/null && find . | tr '\n' ' ')"; fi
R rel app --output-dir out3 --no-hooks >/dev/null 2>&1
if [ -f "$W/out3/app/templates/cm.yaml" ] && [ ! -e "$W/out3/app/templates/hook.yaml" ]; then pass "--output-dir with --no-hooks writes no hook file"
else fail "--output-dir with --no-hooks writes no hook file" "$(cd "$W/out3" 2>/dev/null && find . | tr '\n' ' ')"; fi

# Subcharts land under DIR/CHART/charts/SUB/templates (helm's golden chart).
if [ -d "$CONF/helm-template/testcharts/subchart" ]; then
  (cd "$CONF/helm-template" && tops render testcharts/subchart --output-dir "$W/sub" --kube-version 1.20.0 >"$W/sub.out" 2>&1)
  if grep -qx "wrote $W/sub/subchart/charts/subcharta/templates/service.yaml" "$W/sub.out" &&
     [ -f "$W/sub/subchart/charts/subcharta/templates/service.yaml" ]; then pass "--output-dir puts subcharts under CHART/charts/SUB/templates"
  else fail "--output-dir puts subcharts under CHART/charts/SUB/templates" "$(head -c 300 "$W/sub.out")"; fi
  # The files concatenated in order hold exactly the documents of helm's stdout golden.
  golden_docs=$(tr -d '\r' <"$CONF/helm-template/output/template.txt" | grep -c '^# Source: ')
  check_eq "--output-dir files hold as many documents as helm's golden" "$golden_docs" "$(cat $(find "$W/sub" -type f) | grep -c '^# Source: ')"
else
  skip "conformance data not found at $CONF: subchart --output-dir checks"
fi

# --name-template: Sprig functions, the result is .Release.Name.
out=$(R app --name-template 'my-{{ "x" }}' --show-only templates/info.yaml 2>&1)
check_eq "--name-template my-{{ \"x\" }} names the release my-x" 1 "$(grep -c '  name: "my-x"' <<<"$out")"
out=$(R app --name-template '{{randAlpha 5 | lower}}' --show-only templates/info.yaml 2>&1)
if grep -qE '^  name: "[a-z]{5}"$' <<<"$out"; then pass "--name-template {{randAlpha 5 | lower}} gives five lower-case letters"
else fail "--name-template {{randAlpha 5 | lower}} gives five lower-case letters" "$(head -c 200 <<<"$out")"; fi
R rel app --name-template x >/dev/null 2>"$W/nt.err"; rc=$?
if [ $rc = 1 ] && grep -q 'cannot set --name-template and also specify a name' "$W/nt.err"; then pass "--name-template with a NAME is helm's error"
else fail "--name-template with a NAME is helm's error" "exit $rc: $(cat "$W/nt.err")"; fi
R app --name-template 'Bad_{{ "N" }}' >/dev/null 2>"$W/nt.err"; rc=$?
if [ $rc = 1 ] && grep -q 'release name "Bad_N": invalid release name' "$W/nt.err"; then pass "--name-template result is checked as a release name"
else fail "--name-template result is checked as a release name" "exit $rc: $(cat "$W/nt.err")"; fi

# --is-upgrade flips .Release.IsUpgrade and .Release.IsInstall.
out=$(R app --show-only templates/info.yaml 2>&1)
check_eq "default: IsInstall true, IsUpgrade false" '  install: "true"|  upgrade: "false"' "$(grep -E '^  (install|upgrade):' <<<"$out" | tr '\n' '|' | sed 's/|$//')"
out=$(R app --is-upgrade --show-only templates/info.yaml 2>&1)
check_eq "--is-upgrade: IsInstall false, IsUpgrade true" '  install: "false"|  upgrade: "true"' "$(grep -E '^  (install|upgrade):' <<<"$out" | tr '\n' '|' | sed 's/|$//')"

# --no-hooks removes the hook document from stdout.
R rel app >"$W/all.out" 2>&1
R rel app --no-hooks >"$W/nh.out" 2>&1
check_eq "hooks are printed by default (after the manifests)" "app/templates/hook.yaml" "$(grep '^# Source: ' "$W/all.out" | tail -1 | cut -d' ' -f3)"
check_eq "--no-hooks leaves the hook out" "0 3" "$(grep -c 'helm.sh/hook' "$W/nh.out") $(grep -c '^# Source: ' "$W/nh.out")"

# --post-renderer: argv (no shell), output replaces the manifests; hooks are not post-rendered.
printf '#!/bin/sh\nexec sed "s/greeting: hello/greeting: $1/"\n' >"$W/pr.sh"; chmod +x "$W/pr.sh"
R rel app --post-renderer ./pr.sh --post-renderer-args 'bonjour monde' >"$W/pr.out" 2>"$W/pr.err"; rc=$?
if [ $rc = 0 ] && grep -q '^  greeting: bonjour monde$' "$W/pr.out" && ! grep -q 'greeting: hello' "$W/pr.out"; then
  pass "--post-renderer output replaces the manifests (one argument with a space)"
else fail "--post-renderer output replaces the manifests (one argument with a space)" "exit $rc: $(head -c 200 "$W/pr.err")"; fi
check_eq "--post-renderer leaves the hooks as they are, printed after" "app/templates/hook.yaml" "$(grep '^# Source: ' "$W/pr.out" | tail -1 | cut -d' ' -f3)"
printf '#!/bin/sh\ncat >/dev/null\necho "kustomize: boom" >&2\nexit 3\n' >"$W/bad.sh"; chmod +x "$W/bad.sh"
R rel app --post-renderer ./bad.sh >"$W/bad.out" 2>"$W/bad.err"; rc=$?
if [ $rc = 1 ] && grep -q "^tops: error while running post render on files: error while running command $W/bad.sh. error output:$" "$W/bad.err" &&
   grep -q '^kustomize: boom$' "$W/bad.err" && grep -q ': exit status 3$' "$W/bad.err"; then
  pass "a failing post-renderer is helm's error with its stderr and exit status"
else fail "a failing post-renderer is helm's error with its stderr and exit status" "exit $rc: $(tr '\n' '|' <"$W/bad.err")"; fi
check_eq "a failing post-renderer prints no manifest" "" "$(cat "$W/bad.out")"
R rel app --post-renderer ./nope.sh >/dev/null 2>"$W/nope.err"; rc=$?
if [ $rc = 1 ] && grep -q 'unable to find binary at ./nope.sh' "$W/nope.err"; then pass "a missing post-renderer is refused before rendering"
else fail "a missing post-renderer is refused before rendering" "exit $rc: $(cat "$W/nope.err")"; fi

# --debug: a YAML error prints the rendered files, then the error (no hint); without it, the hint.
mkchart "$W/broken" broken
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ninvalid\n' >"$W/broken/templates/bad.yaml"
R broken >"$W/b.out" 2>"$W/b.err"; rc=$?
check_eq "YAML error: exit 1, nothing on stdout" "1 0" "$rc $(wc -c <"$W/b.out")"
check_eq "YAML error: helm's message and its --debug hint" \
  "tops: YAML parse error on broken/templates/bad.yaml: error converting YAML to JSON: yaml: line 6: could not find expected ':'||Use --debug flag to render out invalid YAML|" \
  "$(tr '\n' '|' <"$W/b.err")"
R broken --debug >"$W/d.out" 2>"$W/d.err"; rc=$?
if [ $rc = 1 ] && grep -q '^# Source: broken/templates/bad.yaml$' "$W/d.out" && grep -q '^invalid$' "$W/d.out" &&
   grep -q '^# Source: broken/templates/hook.yaml$' "$W/d.out" && ! grep -q 'Use --debug' "$W/d.err" &&
   grep -q '^tops: YAML parse error on broken/templates/bad.yaml' "$W/d.err"; then
  pass "--debug prints the rendered files, then the error"
else fail "--debug prints the rendered files, then the error" "exit $rc: $(head -c 200 "$W/d.err")"; fi
if [ -d "$CONF/helm-template/testcharts" ]; then
  (cd "$CONF/helm-template" && tops render testcharts/chart-with-template-with-invalid-yaml --kube-version 1.20.0) >/dev/null 2>"$W/g.err"
  want=$(tr -d '\r' <"$CONF/helm-template/output/template-with-invalid-yaml.txt" | sed 's/^Error: /tops: /')
  check_eq "YAML error text equals helm's golden (Error: -> tops:)" "$want" "$(cat "$W/g.err")"
else
  skip "conformance data not found at $CONF: YAML error golden"
fi

# Errors: missing CHART (exit 1, helm's words), too many arguments, a bad Chart.yaml.
R >/dev/null 2>"$W/e.err"; rc=$?
check_eq "no CHART: exit 1 with helm's message and usage" '1 tops: "tops render" requires at least 1 argument||Usage:  tops render [NAME] [CHART] [flags]|' "$rc $(tr '\n' '|' <"$W/e.err")"
R a b c d >/dev/null 2>"$W/e.err"; rc=$?
check_eq "three or more arguments: helm's message, exit 1" "1 tops: expected at most two arguments, unexpected arguments: c, d" "$rc $(cat "$W/e.err")"
R app --no-such-flag >/dev/null 2>&1; rc=$?
check_eq "an unknown flag stays a usage error (exit 2)" 2 "$rc"
mkchart "$W/badyaml" badyaml 'foo: bar: baz\n'
R badyaml >/dev/null 2>"$W/e.err"; rc=$?
check_eq "bad Chart.yaml: helm's loader message" "1 tops: cannot load Chart.yaml: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context" "$rc $(cat "$W/e.err")"

# deprecated: true warns on stderr, output unchanged.
mkchart "$W/old" old 'deprecated: true\n'
R old >"$W/old.out" 2>"$W/old.err"; rc=$?
check_eq "deprecated chart: helm's warning on stderr, exit 0" "0 WARNING: This chart is deprecated" "$rc $(cat "$W/old.err")"
check_eq "deprecated chart: stdout holds only manifests" 4 "$(grep -c '^# Source: ' "$W/old.out")"
R app >/dev/null 2>"$W/new.err"
check_eq "a chart that is not deprecated prints no warning" "" "$(cat "$W/new.err")"

# --dependency-update: a file:// dependency is taken from its directory; a remote one is an error.
mkchart "$W/lib/sub" sub
mkchart "$W/parent" parent 'dependencies:\n  - name: sub\n    version: "~0.1.0"\n    repository: file://../lib/sub\n'
R parent >/dev/null 2>"$W/dep.err"; rc=$?
if [ $rc = 1 ] && grep -q 'missing in charts/ directory: sub' "$W/dep.err"; then pass "a missing dependency without --dependency-update is helm's error"
else fail "a missing dependency without --dependency-update is helm's error" "exit $rc: $(cat "$W/dep.err")"; fi
R rel parent --dependency-update >"$W/dep.out" 2>"$W/dep.err"; rc=$?
if [ $rc = 0 ] && grep -q '^# Source: parent/charts/sub/templates/cm.yaml$' "$W/dep.out"; then pass "--dependency-update takes a file:// dependency from its directory"
else fail "--dependency-update takes a file:// dependency from its directory" "exit $rc: $(head -c 300 "$W/dep.err")"; fi
check_eq "--dependency-update writes nothing into the chart" "" "$(ls "$W/parent/charts" 2>/dev/null; ls "$W/parent/Chart.lock" 2>/dev/null)"
sed -i 's/~0.1.0/~0.2.0/' "$W/parent/Chart.yaml"
R parent --dependency-update >/dev/null 2>"$W/dep.err"; rc=$?
if [ $rc = 1 ] && grep -q "can't get a valid version for \"sub\"" "$W/dep.err"; then pass "--dependency-update checks the file:// dependency's version"
else fail "--dependency-update checks the file:// dependency's version" "exit $rc: $(cat "$W/dep.err")"; fi
mkchart "$W/remote" remote 'dependencies:\n  - name: redis\n    version: 17.x\n    repository: https://charts.example.com/stable\n'
R remote --dependency-update >/dev/null 2>"$W/dep.err"; rc=$?
if [ $rc = 1 ] && grep -q 'redis (repository https://charts.example.com/stable)' "$W/dep.err" &&
   grep -q 'offline' "$W/dep.err" && grep -q 'charts/' "$W/dep.err"; then pass "--dependency-update names a remote dependency it cannot fetch offline"
else fail "--dependency-update names a remote dependency it cannot fetch offline" "exit $rc: $(cat "$W/dep.err")"; fi

# --validate: the cluster checks every object (a server-side dry run on kubesim)
C="$TEST_TMP/vc"; mkdir -p "$C/templates"
printf 'apiVersion: v2\nname: vc\nversion: 0.1.0\n' >"$C/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: "1"\n' >"$C/templates/cm.yaml"
r() { tops render "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }
# --validate: the cluster checks the objects (kubesim's server-side dry run)
if have_kubectl && [ -x "$TOPS_ROOT/bin/kubesim" ] && kubesim_start --speed 20; then
  r "$C" --validate -n default
  check_eq "--validate: valid objects render" "0 1" "$rc $(grep -c '^kind: ConfigMap' "$TEST_TMP/o")"
  check_eq "--validate: nothing was stored" NotFound "$(kctl get cm release-name -n default 2>&1 | grep -o NotFound | head -1)"
  sim_fault '{"error_rate":1,"status":500}'
  r "$C" --validate -n default
  sim_fault '{"clear":true}'
  check_eq "--validate: the cluster's refusal fails the render" "1 yes" \
    "$rc $(grep -q 'unable to build kubernetes objects from release manifest' "$TEST_TMP/e" && echo yes)"
else
  skip "kubectl or kubesim missing: --validate not checked"
fi

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n' >"$C/templates/bad.yaml"
if [ -n "${KUBESIM_PID:-}" ]; then
  r "$C" --validate -n default
  check_eq "--validate: an object the server refuses (422) fails the render, named" "1 yes" \
    "$rc $(grep -q 'ConfigMap/Bad_Name: metadata.name: Invalid value' "$TEST_TMP/e" && echo yes)"
fi

# --help lists every flag of the table.
help=$(tops render --help)
missing=""
for f in --values --set --set-string --set-file --set-json --set-literal --namespace --kube-version \
         --api-versions --include-crds --skip-tests --no-hooks --is-upgrade --show-only --output-dir \
         --release-name --name-template --validate --dependency-update --post-renderer \
         --post-renderer-args --debug; do
  grep -q -- " $f " <<<"$help" || missing="$missing $f"
done
check_eq "--help lists every flag" "" "$missing"

# --show-only's own error comes without the --debug hint (helm's template command returns it).
R app --show-only templates/nope.yaml >/dev/null 2>"$W/so.err"; rc=$?
check_eq "--show-only miss: helm's error, no --debug hint" "1 tops: could not find template templates/nope.yaml in chart" "$rc $(cat "$W/so.err")"
