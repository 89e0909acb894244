#!/bin/bash
# The release engine against kubectl on the same kubesim:
# - apply 500 objects (100 each of Deployment, Service, ConfigMap, Secret, ServiceAccount) with
#   10 ms of latency per request: tops apply and tops install (no --wait) vs
#   kubectl apply --server-side -f the same file (target <= 0.2x the wall time);
# - failure detection: first ImagePullBackOff on the API -> rollback start (target <= grace + 1 s);
# - readiness detection: the last pod Ready -> "upgrade complete" (target <= 100 ms);
# - encoding a record with a 1 MB manifest (target <= 50 ms).
. "$TOPS_ROOT/tests/lib.sh"
have_kubectl || { echo "bench release: skipped (no kubectl)"; exit 0; }
export XDG_STATE_HOME="$TEST_TMP/state"

gen_chart() { # DIR: a chart of 500 objects
  mkdir -p "$1/templates"
  printf 'apiVersion: v2\nname: many\nversion: 0.1.0\n' >"$1/Chart.yaml"
  python3 - "$1/templates/all.yaml" <<'EOP'
import sys
out = []
for i in range(100):
    out.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: d{i}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: d{i}}}}}
  template:
    metadata: {{labels: {{app: d{i}}}}}
    spec: {{containers: [{{name: c, image: "registry.local:5000/x:1"}}]}}""")
    out.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\nspec: {{selector: {{app: d{i}}}, ports: [{{port: 80}}]}}")
    out.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: v{i}}}")
    out.append(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: x{i}}}\nstringData: {{k: v{i}}}")
    out.append(f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: a{i}}}")
open(sys.argv[1], "w").write("\n---\n".join(out) + "\n")
EOP
}

# secs CMD...: wall seconds of a command (its failure is reported, not hidden)
secs() { python3 - "$@" <<'EOP'
import subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if r.returncode:
    sys.stderr.write("bench release: %s failed: %s\n" % (" ".join(sys.argv[1:3]), r.stderr[-300:]))
print("%.3f" % (time.monotonic() - t))
EOP
}
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

offline_site_scenario "$TEST_TMP/sim.yaml"
kubesim_start --speed 20 --scenario "$TEST_TMP/sim.yaml" || exit 1
gen_chart "$TEST_TMP/many"
tops render many "$TEST_TMP/many" -n testops >"$TEST_TMP/many.yaml"
sim_fault '{"latency_ms":10}'
tk=$(secs kubectl --cache-dir "$TEST_TMP/kcache" apply --server-side -n testops -f "$TEST_TMP/many.yaml")
kctl delete -n testops -f "$TEST_TMP/many.yaml" --wait=false >/dev/null 2>&1
sim_fault '{"latency_ms":0}'; sim_fault '{"latency_ms":10}'
ta=$(secs tops apply -n testops -f "$TEST_TMP/many.yaml")
kctl delete -n testops -f "$TEST_TMP/many.yaml" --wait=false >/dev/null 2>&1
ti=$(secs tops install many "$TEST_TMP/many" -n testops)
sim_fault '{"clear":true}'
echo "bench apply-500: kubectl apply --server-side ${tk} s, tops apply ${ta} s ($(ratio "$ta" "$tk")x)," \
  "tops install ${ti} s ($(ratio "$ti" "$tk")x; target <= 0.2x)"

kubesim_stop
kubesim_start --speed 1 --scenario "$TEST_TMP/sim.yaml" || exit 1
tops install testops "$TOPS_ROOT/charts/testops" -n testops -f "$TOPS_ROOT/deploy/offline-values.yaml" --wait >/dev/null 2>&1
python3 "$TOPS_ROOT/tests/bench/release_probe.py" "$KUBESIM_URL" ready -- \
  tops upgrade testops "$TOPS_ROOT/charts/testops" -n testops -f "$TOPS_ROOT/deploy/offline-values.yaml" --set runner.replicas=3 --wait
python3 "$TOPS_ROOT/tests/bench/release_probe.py" "$KUBESIM_URL" fail -- \
  tops upgrade testops "$TOPS_ROOT/charts/testops" -n testops -f "$TOPS_ROOT/deploy/offline-values.yaml" \
  --set global.imageRegistry=unreachable.example:5000 --atomic --grace 2s

# a manifest of 1 MB: the TestOps render, renamed copy after copy (what a big release stores)
tops render testops "$TOPS_ROOT/charts/testops" -n testops -f "$TOPS_ROOT/deploy/offline-values.yaml" >"$TEST_TMP/one.yaml"
python3 - "$TEST_TMP/one.yaml" "$TEST_TMP/1mb.yaml" <<'EOP'
import sys
one, out, i = open(sys.argv[1]).read(), [], 0
while sum(map(len, out)) < 1 << 20:
    out.append(one.replace("testops-", "testops%d-" % i)); i += 1
open(sys.argv[2], "w").write("".join(out))
EOP
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOPS_ROOT" $(pkg-config --cflags libuv libcurl) -o "$TEST_TMP/record_bench" \
  "$TOPS_ROOT/tests/bench/record_bench.c" "$TOPS_ROOT/obj/libtopscore.a" \
  $(pkg-config --libs libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto) -lhttp_parser -lcrypt -lm -lpthread &&
  "$TEST_TMP/record_bench" "$TEST_TMP/1mb.yaml"
