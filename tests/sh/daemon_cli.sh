#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-ztr command line: -v, -h, -n with good and bad files (exit codes,
# "file:line: reason" messages), -lisp <dir>, unknown flags.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
Z=$BUILD/lisp-ztr
[ -x "$Z" ] || { echo "FAIL: $Z not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$Z" -v) || fail "-v exit $?"
[[ $out == "$Z: "[0-9]* ]] || fail "-v printed '$out'"
"$Z" -h | grep -q -- '-lisp dir' || fail "-h does not document -lisp"
"$Z" -h | grep -q 'SIGUSR1' || fail "-h does not document the signals"

good=$tmp/good.conf
cat >"$good" <<'CONF'
# lispers.net lisp.config file, last changed: test
#-----------------------------------------------------------------------
lisp interface {
    interface-name = overlay-a
    device = eid0
    instance-id = 100
}
lisp database-mapping {
    prefix {
        instance-id = 100
        eid-prefix = 192.0.2.16/28
    }
    rloc {
        address = 198.51.100.1
        priority = 1
        weight = 100
    }
}
lisp map-cache {
    prefix {
        instance-id = 100
        eid-prefix = 192.0.2.32/28
    }
    rloc {
        address = 198.51.100.2
        priority = 1
        weight = 100
    }
}
CONF
"$Z" -n -f "$good" >"$tmp/out" 2>"$tmp/err" || fail "-n good: exit $?"
grep -q 'configuration OK' "$tmp/out" || fail "-n good: no OK line"
[ ! -s "$tmp/err" ] || fail "-n good: stderr: $(cat "$tmp/err")"
echo "ok: -n on a good file exits 0"

# -lisp <dir>: the file is <dir>/lisp.config.
mkdir "$tmp/lisp" && cp "$good" "$tmp/lisp/lisp.config"
"$Z" -c IMGA -lisp "$tmp/lisp" -n >/dev/null 2>&1 || fail "-lisp dir -n"
"$Z" -lisp "$tmp/nowhere" -n >/dev/null 2>&1 && fail "-lisp missing dir"
echo "ok: -lisp <dir> reads <dir>/lisp.config, -c accepted"

bad=$tmp/bad.conf
sed -e 's|192.0.2.32/28|192.0.2.32/33|' -e 's|weight = 100|weight = lots|' \
    "$good" >"$bad"
"$Z" -n -f "$bad" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "-n bad: exit $rc, want 1"
# Line numbers computed from the file itself, not from the parser.
l1=$(grep -n '192.0.2.32/33' "$bad" | cut -d: -f1)
grep -q "^$bad:$l1: " "$tmp/err" || fail "-n bad: no '$bad:$l1:' message: $(cat "$tmp/err")"
for l2 in $(grep -n 'weight = lots' "$bad" | cut -d: -f1); do
	grep -q "^$bad:$l2: " "$tmp/err" || fail "-n bad: no '$bad:$l2:' message"
done
echo "ok: -n on a bad file exits 1 with file:line messages"

"$Z" -n -f "$tmp/missing.conf" >/dev/null 2>&1 && fail "-n missing file exit 0"
"$Z" -x >/dev/null 2>&1 && fail "unknown flag accepted"
"$Z" -f >/dev/null 2>&1 && fail "-f without argument accepted"
echo "ok: missing file, unknown flag and missing argument fail"
echo PASS
