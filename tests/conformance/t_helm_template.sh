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
