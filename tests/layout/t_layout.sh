#!/bin/bash
# The shape of the tree: no circles among modules, no arrow from a lower layer of core to a higher
# one, core free of curses and of the faces (tests/layout/deps.py). The check is also run on a
# copy with each kind of fault planted, so that it is known to catch them.
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

out=$(python3 tests/layout/deps.py 2>&1); rc=$?
if [ $rc = 0 ] && [[ "$out" == *" 0 problem(s)" ]]; then echo "PASS: the module graph has no circle and no arrow upward"
else echo "FAIL: the module graph: $out"; fi

plant() { # $1 name, $2 file to edit, $3 text appended, $4 expected words in the report
  rm -rf "$tmp/t"; mkdir -p "$tmp/t"; cp -r core tui cli "$tmp/t/"
  printf '%s\n' "$3" >>"$tmp/t/$2"
  local got; got=$(python3 tests/layout/deps.py "$tmp/t" 2>&1)
  if [ $? = 1 ] && [[ "$got" == *"$4"* ]]; then echo "PASS: a planted $1 is reported"
  else echo "FAIL: a planted $1 is not reported: $got"; fi
}
plant "curses include in core" core/base/util.c '#include <curses.h>' "core includes curses.h"
plant "face include in core" core/kube/store.c '#include "tui/tui.h"' "core includes tui/tui.h"
plant "call from base up to kube" core/base/util.c \
  'int layout_probe(void) { return (int)kube_client_free == 0; }' "a lower layer uses a higher one"
plant "circle" core/kube/http.c 'void layout_probe2(void) { informer_free(0); }' "circle: "
plant "call from one face into another" tui/draw.c \
  'int layout_probe3(void) { return cmd_render(0, 0); }' "one face uses another"
