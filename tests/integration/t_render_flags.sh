#!/bin/bash
# tops render's helm template flags beyond the basics: --name-template, --is-upgrade, --debug,
# --post-renderer (argv, no shell), --validate (the cluster's server-side dry run),
# --dependency-update offline, and helm's words for a missing CHART, a YAML error, a broken
# Chart.yaml and a deprecated chart.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

C="$TEST_TMP/c"
mkdir -p "$C/templates"
printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' >"$C/Chart.yaml"
cat >"$C/templates/cm.yaml" <<'EOT'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  upgrade: "{{ .Release.IsUpgrade }}"
  install: "{{ .Release.IsInstall }}"
EOT
r() { tops render "$@" >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?; }

r "$C" --name-template 'rel-{{ "ab" | upper | lower }}-{{ add 1 2 }}'
check_eq "--name-template: the name rendered with the chart functions" "0 rel-ab-3" "$rc $(sed -n 's/^  name: //p' "$TEST_TMP/o")"
r named "$C" --name-template 'ignored'
check_eq "--name-template: a NAME argument wins, as in helm" named "$(sed -n 's/^  name: //p' "$TEST_TMP/o")"
r "$C" --is-upgrade
check_eq "--is-upgrade: .Release.IsUpgrade true, IsInstall false" '"true" "false"' \
  "$(sed -n 's/^  upgrade: //p' "$TEST_TMP/o") $(sed -n 's/^  install: //p' "$TEST_TMP/o")"
r "$C"
check_eq "without --is-upgrade: an install" '"false" "true"' \
  "$(sed -n 's/^  upgrade: //p' "$TEST_TMP/o") $(sed -n 's/^  install: //p' "$TEST_TMP/o")"

r "$C" --post-renderer /bin/sed --post-renderer-args 's/kind: ConfigMap/kind: Secret/'
check_eq "--post-renderer: the program's output replaces the manifests" "0 kind: Secret" "$rc $(grep '^kind:' "$TEST_TMP/o")"
printf '#!/bin/sh\necho "no way" >&2\nexit 3\n' >"$TEST_TMP/bad.sh"; chmod +x "$TEST_TMP/bad.sh"
r "$C" --post-renderer "$TEST_TMP/bad.sh"
check_eq "a failing post-renderer: exit 1, helm's words and its stderr" "1 yes yes" \
  "$rc $(grep -q 'error while running post render on files: error while running command' "$TEST_TMP/e" && echo yes) $(grep -q 'no way' "$TEST_TMP/e" && echo yes)"
r "$C" --post-renderer "$TEST_TMP/missing" --post-renderer-args 'a;rm -rf /'
check "a missing post-renderer: named (the arguments go to it as argv, never to a shell)" grep -q "unable to find binary at $TEST_TMP/missing" "$TEST_TMP/e"

printf 'a: b\n c: d\n' >"$C/templates/bad.yaml"
r "$C"
check_eq "a YAML error: exit 1 with helm's message and hint" "1 yes yes" \
  "$rc $(grep -q '^tops: YAML parse error on c/templates/bad.yaml: error converting YAML to JSON: yaml: line 2' "$TEST_TMP/e" && echo yes) $(grep -q '^Use --debug flag to render out invalid YAML$' "$TEST_TMP/e" && echo yes)"
check_eq "a YAML error: nothing on stdout" 0 "$(wc -c <"$TEST_TMP/o")"
r "$C" --debug
check_eq "--debug: the rendered files (the bad one too), then the error" "1 yes yes no" \
  "$rc $(grep -q '^# Source: c/templates/bad.yaml$' "$TEST_TMP/o" && echo yes) $(grep -q '^# Source: c/templates/cm.yaml$' "$TEST_TMP/o" && echo yes) $(grep -q 'Use --debug' "$TEST_TMP/e" && echo yes || echo no)"
rm "$C/templates/bad.yaml"

tops render >"$TEST_TMP/o" 2>"$TEST_TMP/e"; rc=$?
check_eq "no CHART: exit 1 as helm, with its words" '1 tops: "tops render" requires at least 1 argument' "$rc $(head -1 "$TEST_TMP/e")"
cp -r "$C" "$TEST_TMP/dep"; printf 'apiVersion: v2\nname: c\nversion: 0.1.0\ndeprecated: true\n' >"$TEST_TMP/dep/Chart.yaml"
r "$TEST_TMP/dep"
check_eq "a deprecated chart: helm's warning on stderr, and the render" "0 WARNING: This chart is deprecated" "$rc $(cat "$TEST_TMP/e")"
printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n  broken: [\n' >"$TEST_TMP/dep/Chart.yaml"
r "$TEST_TMP/dep"
check_eq "a broken Chart.yaml: helm's message" "1 tops: cannot load Chart.yaml: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context" "$rc $(cat "$TEST_TMP/e")"

# --dependency-update, offline
P="$TEST_TMP/parent"; mkdir -p "$P/templates" "$TEST_TMP/lib/templates"
printf 'apiVersion: v2\nname: lib\nversion: 1.0.0\n' >"$TEST_TMP/lib/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-lib}\n' >"$TEST_TMP/lib/templates/cm.yaml"
printf 'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.0.0\n  repository: file://../lib\n' >"$P/Chart.yaml"
r "$P"
check_eq "a missing dependency without --dependency-update: refused" 1 "$rc"
r "$P" --dependency-update
check_eq "--dependency-update: a file:// dependency is taken from its folder" "0 1" "$rc $(grep -c '^# Source: parent/charts/lib/templates/cm.yaml$' "$TEST_TMP/o")"
printf -- '- name: far\n  version: 2.0.0\n  repository: https://charts.example.com\n' >>"$P/Chart.yaml"
r "$P" --dependency-update
check_eq "--dependency-update: a network repository is named, nothing downloaded" "1 yes" \
  "$rc $(grep -q 'dependency "far" (repository https://charts.example.com) is not in .*/charts and tops downloads nothing' "$TEST_TMP/e" && echo yes)"

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
