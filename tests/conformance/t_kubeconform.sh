#!/bin/bash
# kubeconform's acceptance tests (shared/conformance/kubeconform/acceptance.json) run against
# `tops validate`, with cwd = the conformance kubeconform directory. One PASS/FAIL per case.
. "$TOPS_ROOT/tests/lib.sh"
CONF="$TOPS_ROOT/../shared/conformance/kubeconform"
if [ ! -f "$CONF/acceptance.json" ]; then skip "conformance data not found at $CONF"; exit 0; fi
if ! command -v python3 >/dev/null; then skip "python3 not installed (drives the JSON cases)"; exit 0; fi
TOPS=${TOPS_BIN:-$TOPS_ROOT/bin/tops}
if [ ! -x "$TOPS" ]; then fail "kubeconform acceptance" "bin/tops not built"; exit 0; fi
export TOPS CONF
python3 - <<'PY'
import json, os, shutil, subprocess, tempfile

tops, conf = os.environ["TOPS"], os.environ["CONF"]
cases = json.load(open(os.path.join(conf, "acceptance.json")))["tests"]
xmllint = shutil.which("xmllint")

def run(case):
    stdin = subprocess.DEVNULL
    if "stdin_file" in case:
        stdin = open(os.path.join(conf, case["stdin_file"]), "rb")
    p = subprocess.run([tops, "validate"] + case["args"], cwd=conf, stdin=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace").rstrip("\n")

def post_check(case):
    if "junit.xsd" not in case.get("post_check", ""):
        return None
    if not xmllint:
        return "skip"
    p = subprocess.run([tops, "validate"] + case["args"], cwd=conf, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(p.stdout); f.flush()
        q = subprocess.run([xmllint, "--noout", "--schema", "fixtures/junit.xsd", f.name], cwd=conf,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return None if q.returncode == 0 else "junit output does not validate: " + q.stdout.decode()[:200]

def check(case):
    rc, out = run(case)
    # kubeconform's usage names its own binary; ours is "<tops> validate".
    fix = lambda s: s.replace("bin/kubeconform", tops + " validate")
    if rc != case["exit_code"]:
        return "exit %d, want %d; output: %s" % (rc, case["exit_code"], out[:300])
    if "output" in case and out != fix(case["output"]):
        return "output %r, want %r" % (out[:400], case["output"][:400])
    lines = [l for l in out.split("\n") if l != ""]
    for want in case.get("output_lines", []):
        i = want["index"]
        got = lines[i] if i < len(lines) else None
        if "equals" in want and got != fix(want["equals"]):
            return "line %d is %r, want %r" % (i, got, want["equals"])
        if "prefix" in want and (got is None or not got.startswith(fix(want["prefix"]))):
            return "line %d is %r, want prefix %r" % (i, got, want["prefix"])
    for sub in case.get("output_contains", []):
        if sub not in out:
            return "output lacks %r: %r" % (sub, out[:300])
    if "output_line_count" in case and out.count("\n") + 1 != case["output_line_count"]:
        return "%d lines, want %d" % (out.count("\n") + 1, case["output_line_count"])
    pc = post_check(case)
    if pc == "skip":
        return "SKIP"
    return pc

for case in cases:
    name = "kubeconform: " + case["name"]
    try:
        why = check(case)
    except Exception as e:  # a hang or a crash of the binary is a failure of that case
        why = "harness: %s" % e
    if why == "SKIP":
        print("SKIP: %s (xmllint not installed for the junit schema check)" % name)
    elif why:
        print("FAIL: %s: %s" % (name, why.replace("\n", "\\n")))
    else:
        print("PASS: %s" % name)
PY

# tops' own additions on the same fixtures: double-dash spellings, json details, lint.
cd "$CONF" || exit 0
LOC='../schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'
single=$("$TOPS" validate -schema-location "$LOC" -summary -verbose fixtures/multi_invalid.yaml 2>&1)
double=$("$TOPS" validate --schema-location="$LOC" --summary --verbose fixtures/multi_invalid.yaml 2>&1)
check_eq "validate: --flag and -flag=value spellings give kubeconform's output" "$single" "$double"
json=$("$TOPS" validate -schema-location "$LOC" -o json fixtures/invalid.yaml 2>&1)
check_eq "validate: json output carries validationErrors" "/spec/replicas|got string, want null or integer" \
  "$(printf '%s' "$json" | python3 -c 'import json,sys; e=json.load(sys.stdin)["resources"][0]["validationErrors"][0]; print(e["path"]+"|"+e["msg"])')"
cat >"$TEST_TMP/lint.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: Web_1
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
YAML
out=$("$TOPS" validate -schema-location "$LOC" --lint --require-digests "$TEST_TMP/lint.yaml" 2>&1); rc=$?
check_eq "validate --lint: findings make the exit status 1" 1 "$rc"
check_eq "validate --lint: rule ids with file:line:col" \
  "$TEST_TMP/lint.yaml:4:9: dns1123-name|$TEST_TMP/lint.yaml:14:16: image-digest|$TEST_TMP/lint.yaml:7:24: selector-mismatch" \
  "$(printf '%s\n' "$out" | sed -n 's/^\([^ ]*: [a-z0-9-]*\): .*/\1/p' | paste -sd'|')"
out=$("$TOPS" validate -schema-location "$LOC" -summary "$TEST_TMP/lint.yaml" 2>&1); rc=$?
check_eq "validate without --lint: the same file is schema-valid" "0|Summary: 1 resource found in 1 file - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0" "$rc|$out"
out=$("$TOPS" validate -schema-location 'https://example.com/{{ .ResourceKind }}.json' fixtures/valid.yaml 2>&1); rc=$?
check_eq "validate: HTTP schema locations are refused with a message" "1|yes" "$rc|$(case $out in *"not supported"*) echo yes;; esac)"
