#!/bin/bash
# The Terraform placeholders (deploy/terraform), offline: init -backend=false, validate, test
# (the module's own assertions), apply with a site's variables, then the chart rendered with the
# values overlay it outputs (storage class, registry mirror, object storage) and its kube context.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$TOPS_ROOT" || exit 1

if ! command -v terraform >/dev/null 2>&1; then skip "terraform not installed"; exit 0; fi
# A CLI configuration of our own: an inherited TF_CLI_CONFIG_FILE may name a file that does not
# exist ("problems with the CLI configuration"); an empty one means no plugin mirrors, no
# credentials, nothing from the host.
: >"$TEST_TMP/terraformrc"
export TF_CLI_CONFIG_FILE="$TEST_TMP/terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_DATA_DIR="$TEST_TMP/tfdata" TF_PLUGIN_CACHE_DIR=
if ! terraform version >"$TEST_TMP/tfv" 2>&1 || grep -q 'problems with the CLI configuration' "$TEST_TMP/tfv"; then
  skip "terraform is not usable here: $(head -3 "$TEST_TMP/tfv" | tr '\n' ' ')"; exit 0
fi
W="$TEST_TMP/tf"; cp -r deploy/terraform "$W"; cd "$W" || exit 1
tf() { terraform "$@" -no-color >"$TEST_TMP/tf.out" 2>&1; rc=$?; }
why() { tail -5 "$TEST_TMP/tf.out" | tr '\n' ' '; }

tf init -backend=false
check_eq "init -backend=false works offline (no provider to download)" 0 "$rc"; [ "$rc" = 0 ] || echo "# $(why)"
check_eq "init: no provider was installed" "" "$(ls "$TF_DATA_DIR/providers" 2>/dev/null)"
tf validate; check_eq "validate" 0 "$rc"; [ "$rc" = 0 ] || echo "# $(why)"
tf test
check_eq "terraform test: every run passes" "0 1" "$rc $(grep -c '5 passed, 0 failed' "$TEST_TMP/tf.out")"; [ "$rc" = 0 ] || echo "# $(why)"

cat >site.auto.tfvars <<'EOV'
site            = "edge7"
registry_mirror = "mirror.edge7.local:5000"
storage_classes = [{ name = "edge-ssd", default = true }, { name = "local-path" }]
object_storage  = { endpoint = "https://s3.edge7.local", bucket = "edge7-testops" }
EOV
tf apply -auto-approve; check_eq "apply" 0 "$rc"; [ "$rc" = 0 ] || echo "# $(why)"
terraform output -raw values_overlay >"$TEST_TMP/overlay.yaml" 2>"$TEST_TMP/e"
check_eq "output: the kube context" testops-edge7 "$(terraform output -raw kube_context 2>/dev/null)"
check "output: the overlay is YAML with the storage class" grep -Eq '"?storageClass"?: "?edge-ssd' "$TEST_TMP/overlay.yaml"
tf plan -var site=Edge_7; check_eq "a site name that is not a DNS label is refused" "1 1" "$rc $(grep -c 'site must be a DNS label' "$TEST_TMP/tf.out")"

cd "$TOPS_ROOT" || exit 1
tops render testops charts/testops -n testops -f deploy/offline-values.yaml -f "$TEST_TMP/overlay.yaml" >"$TEST_TMP/r" 2>"$TEST_TMP/e"
check_eq "tops render with the overlay" 0 "$?"; [ -s "$TEST_TMP/e" ] && echo "# $(head -3 "$TEST_TMP/e")"
check_eq "render: every PVC on the overlay's storage class" "3 0" \
  "$(grep -c 'storageClassName: edge-ssd' "$TEST_TMP/r") $(grep -c 'storageClassName: local-path' "$TEST_TMP/r")"
check_eq "render: every image from the mirror" "2 0" \
  "$(grep -c 'image: mirror.edge7.local:5000/' "$TEST_TMP/r") $(grep -c 'image: registry.local:5000/' "$TEST_TMP/r")"
check "render: the runner and the engine get the object storage's endpoint" \
  test "$(grep -A1 'name: TESTOPS_S3_ENDPOINT' "$TEST_TMP/r" | grep -c 'value: "https://s3.edge7.local"')" -ge 2
check_eq "render: and its bucket" 2 "$(grep -A1 'name: TESTOPS_S3_BUCKET' "$TEST_TMP/r" | grep -c 'value: "edge7-testops"')"
