#!/usr/bin/env bash
# `tops render` against Helm's `helm template` goldens (shared/conformance/helm-template).
# One line per case: byte-identical output (after CRLF -> LF), or for error cases a non-zero exit
# with an error that names the same problem.
. "$(dirname "$0")/../lib.sh"
CONF="$TOPS_ROOT/../shared/conformance/helm-template"
TOPS_BIN=${TOPS_BIN:-$TOPS_ROOT/bin/tops}
[ -f "$CONF/cases.json" ] || { skip "conformance data not found at $CONF"; exit 0; }
PY=$(command -v python3 || true)
[ -n "$PY" ] || { skip "python3 is needed to read cases.json"; exit 0; }
[ -x "$TOPS_BIN" ] || { fail "helm-template" "$TOPS_BIN not built"; exit 0; }

# What an error golden must be reduced to: the words that identify the problem.
error_key() {
  case "$1" in
    *"chart.metadata.type must be application or library"*) echo "chart.metadata.type must be application or library" ;;
    *"YAML parse error on "*) sed -n 's/.*\(YAML parse error on [^:]*\).*/\1/p' <<<"$1" | head -1 ;;
    *) sed -n 's/^Error: //p' <<<"$1" | head -1 ;;
  esac
}

# cases.json -> one record per case: name, golden, expect_error, args (NUL separated).
"$PY" - "$CONF/cases.json" >"$TEST_TMP/cases" <<'PYEOF'
import json, sys
for c in json.load(open(sys.argv[1])):
    sys.stdout.write("\x1e".join([c["name"], c["golden"], "1" if c.get("expect_error") else "0"] + c["args"]) + "\n")
PYEOF

while IFS=$'\x1e' read -r -a rec; do
  name=${rec[0]} golden=${rec[1]} experr=${rec[2]}
  args=("${rec[@]:3}")
  out="$TEST_TMP/out" errf="$TEST_TMP/err"
  (cd "$CONF" && "$TOPS_BIN" render "${args[@]}") >"$out" 2>"$errf"
  rc=$?
  want=$(tr -d '\r' <"$CONF/$golden"; echo x); want=${want%x}
  if [ "$experr" = 1 ]; then
    key=$(error_key "$want")
    if [ $rc -eq 0 ]; then fail "$name" "expected an error, got exit 0"
    elif ! grep -qF -- "$key" "$errf"; then fail "$name" "error does not mention [$key]: $(head -c 300 "$errf")"
    else pass "$name"; fi
    continue
  fi
  got=$(tr -d '\r' <"$out"; echo x); got=${got%x}
  if [ $rc -ne 0 ]; then fail "$name" "exit $rc: $(head -c 300 "$errf")"
  elif [ "$got" != "$want" ]; then
    fail "$name" "output differs: $(diff <(printf '%s' "$want") <(printf '%s' "$got") | head -8 | tr '\n' '|')"
  else pass "$name"; fi
done <"$TEST_TMP/cases"

# Beyond the goldens: archives, output directories and bad input through the real binary.
W="$TEST_TMP/work"; mkdir -p "$W"
cp -r "$CONF/testcharts/subchart" "$W/"
(cd "$W" && tar czf subchart.tgz subchart)
(cd "$W" && "$TOPS_BIN" render subchart.tgz --kube-version 1.20.0 >tgz.out 2>tgz.err)
if cmp -s "$W/tgz.out" <(tr -d '\r' <"$CONF/output/template.txt"); then pass "render: .tgz chart matches the directory golden"
else fail "render: .tgz chart matches the directory golden" "$(head -c 200 "$W/tgz.err")"; fi

(cd "$W" && "$TOPS_BIN" render subchart --output-dir out >dir.out 2>&1)
if grep -q '^wrote out/subchart/templates/service.yaml$' "$W/dir.out" &&
   grep -q '^# Source: subchart/templates/service.yaml$' "$W/out/subchart/templates/service.yaml"; then
  pass "render: --output-dir writes one file per template"
else fail "render: --output-dir writes one file per template" "$(head -c 200 "$W/dir.out")"; fi

# expect_err NAME PATTERN ARGS...: non-zero exit with a message matching PATTERN (grep -E).
expect_err() {
  local n=$1 pat=$2; shift 2
  (cd "$W" && "$TOPS_BIN" render "$@" >/dev/null 2>"$W/e.err"); local rc=$?
  if [ $rc -ne 0 ] && grep -qE -- "$pat" "$W/e.err"; then pass "$n"
  else fail "$n" "exit $rc: $(head -c 200 "$W/e.err")"; fi
}
head -c 70000000 /dev/zero | tr '\0' 'a' >"$W/big.yaml"
expect_err "render: a 70 MB values file is refused" "big.yaml.*limit" subchart -f big.yaml
printf 'a: "\xff\xfe"\n' >"$W/utf.yaml"
expect_err "render: invalid UTF-8 in values names file:line:col" "utf.yaml:1:[0-9]+: invalid UTF-8" subchart -f utf.yaml
{ printf 'a: &a [x,x,x,x,x,x,x,x,x]\n'; p=a
  for n in b c d e f g h; do printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $n $n $p $p $p $p $p $p $p $p $p; p=$n; done; } >"$W/bomb.yaml"
expect_err "render: YAML alias bomb in values is refused" "bomb.yaml:[0-9]+:[0-9]+: .*alias" subchart -f bomb.yaml
expect_err "render: --set nesting limit uses Helm's message" "maximum supported nested level of 30" subchart \
  --set a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a1.b1.c1.d1.e1.f1=1
printf 'x: {{ .Values.a \n' >"$W/subchart/templates/broken.yaml"
expect_err "render: template parse error names template and line" "parse error at \(subchart/templates/broken.yaml:[0-9]+\)" subchart
rm "$W/subchart/templates/broken.yaml"
printf 'x: {{ required "x is needed" .Values.nope }}\n' >"$W/subchart/templates/req.yaml"
expect_err "render: required fails with Helm's execution error" "execution error at \(subchart/templates/req.yaml:1:[0-9]+\): x is needed" subchart
rm "$W/subchart/templates/req.yaml"
expect_err "render: --show-only with no match fails as Helm does" "could not find template templates/nope.yaml in chart" subchart --show-only templates/nope.yaml
(cd "$W" && "$TOPS_BIN" render subchart --no-such-flag >/dev/null 2>&1); rc=$?
check_eq "render: unknown flag is a usage error" 2 "$rc"
(cd "$W" && "$TOPS_BIN" render subchart --kube-version 1.20.0 --show-only templates/service.yaml \
   --set-json '{"service":{"name":"fromjson"}}' --set-json 'service.type="NodePort"' >json.out 2>json.err)
if grep -q '^    name: fromjson$' "$W/json.out" && grep -q '^  type: NodePort$' "$W/json.out"; then
  pass "render: --set-json takes key=JSON and whole JSON objects"
else fail "render: --set-json takes key=JSON and whole JSON objects" "$(head -c 200 "$W/json.err")"; fi
(cd "$W" && "$TOPS_BIN" render rel subchart --output-dir out2 --release-name --include-crds --no-hooks >dir2.out 2>&1)
if [ -f "$W/out2/subchart/crds/crdA.yaml" ] && [ -f "$W/out2/rel/subchart/templates/service.yaml" ] &&
   [ ! -e "$W/out2/rel/subchart/templates/tests" ]; then
  pass "render: --output-dir with --release-name, --include-crds and --no-hooks"
else fail "render: --output-dir with --release-name, --include-crds and --no-hooks" "$(head -c 200 "$W/dir2.out")"; fi
