#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp.config(5) and docs/lisp.config.example against the parser's own
# keyword tables (lispd/config.c): every command, sub-clause and key the
# parser knows is described in the manual page, every supported command
# and every key is set in the example, and the example of the manual page
# parses cleanly with lisp-ztr -n.  A keyword added to the parser without
# documentation fails here.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
Z=$BUILD/lisp-ztr
[ -x "$Z" ] || { echo "FAIL: $Z not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

src=lispd/config.c
page=docs/man/lisp.config.5
ex=docs/lisp.config.example
groff -mdoc -Tascii -P-cbou -rLL=500n "$page" >"$tmp/page.txt" 2>/dev/null ||
    fail "cannot render $page"

cmds=$(grep -oE 'C_(LIST|SINGLE)\("[a-z-]+"' "$src" | cut -d'"' -f2)
raw=$(grep -oE 'C_RAW\("[a-z-]+"' "$src" | cut -d'"' -f2)
subs=$(grep -oE 'SUB\("[a-z-]+"' "$src" | cut -d'"' -f2 | sort -u)
keys=$(grep -oE '(K_[A-Z]+\("[a-z0-9-]+"|\{ "[a-z0-9-]+", KT_)' "$src" |
    cut -d'"' -f2 | sort -u)
# Values of enumerated keys (authentication-type, proxy-reply-action).
vals=$(grep -E '_names\[\] = \{' -A1 "$src" | grep -oE '"[a-z0-9-]+"' |
    tr -d '"' | sort -u)
[ "$(echo $cmds | wc -w)" -ge 10 ] && [ "$(echo $raw | wc -w)" -ge 10 ] &&
    [ "$(echo $keys | wc -w)" -ge 60 ] ||
    fail "keyword tables not found in $src (parser rewritten?)"

word() { grep -qE -- "(^|[^-a-z])$1([^-a-z]|\$)" "$2"; }
for c in $cmds $raw; do
	grep -qE "lisp $c([^-a-z]|\$)" "$tmp/page.txt" ||
	    fail "lisp.config(5) does not describe 'lisp $c'"
done
for k in $subs $keys $vals; do
	word "$k" "$tmp/page.txt" || fail "lisp.config(5) lacks '$k'"
done
echo "ok: lisp.config(5) names $(echo $cmds $raw | wc -w) commands," \
    "$(echo $subs | wc -w) sub-clauses, $(echo $keys | wc -w) keys and" \
    "$(echo $vals | wc -w) key values"

for c in $cmds; do
	grep -qx "lisp $c {" "$ex" || fail "example lacks 'lisp $c'"
done
for c in $raw; do
	grep -qx "lisp $c {" "$ex" && fail "example sets unsupported 'lisp $c'"
	word "$c" "$ex" || fail "example does not mention 'lisp $c'"
done
for s in $subs; do
	grep -qE "^ +$s \{\$" "$ex" || fail "example lacks sub-clause '$s'"
done
for k in $keys; do
	grep -qE "^ *$k =( |\$)" "$ex" || fail "example does not set '$k'"
done
echo "ok: the example sets every supported command and every key"

# The example of the manual page is a valid configuration.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" |
    sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;$d' >"$tmp/man.conf"
grep -q '^# lispers.net lisp.config file' "$tmp/man.conf" ||
    fail "no configuration in the EXAMPLES of $page"
"$Z" -n -f "$tmp/man.conf" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "the example of lisp.config(5) is invalid"; }
[ ! -s "$tmp/err" ] || { cat "$tmp/err" >&2; fail "lisp.config(5) example"; }
echo "ok: the example of lisp.config(5) parses without diagnostics"
