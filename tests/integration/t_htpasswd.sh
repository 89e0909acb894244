#!/bin/bash
# Sprig's bcrypt and htpasswd as charts use them, checked by an independent implementation:
# Apache's htpasswd (-v) verifies the lines tops renders, for bcrypt and SHA, and refuses a
# wrong password.
. "$(dirname "$0")/../lib.sh"

[ -x "$TOPS_ROOT/bin/tops" ] || { skip "bin/tops is not built"; exit 0; }
command -v htpasswd >/dev/null || { skip "htpasswd (Debian package apache2-utils) is not installed"; exit 0; }

f="$TEST_TMP/users"
tops eval '{{ htpasswd "admin" "s3cr3t pass" "bcrypt" }}
{{ htpasswd "viewer" "v!ew" "sha" }}
admin2:{{ bcrypt "two" }}' >"$f"
echo >>"$f"
check "tops renders three htpasswd lines" test "$(grep -c ':' "$f")" = 3
check "Apache's htpasswd accepts the bcrypt line" htpasswd -vb "$f" admin "s3cr3t pass"
check "Apache's htpasswd accepts the SHA line" htpasswd -vb "$f" viewer 'v!ew'
check "Apache's htpasswd accepts a bare bcrypt hash" htpasswd -vb "$f" admin2 two
if htpasswd -vb "$f" admin "wrong" >/dev/null 2>&1; then
  fail "a wrong password is refused"
else
  pass "a wrong password is refused"
fi
