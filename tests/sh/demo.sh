#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The README's main job, scripts/demo.sh, run as CI would: no terminal,
# no stdin.  It must exit 0 and print what it promises: the registration
# line, lig's record for h2's EID (prefix and RLOC, as the addressing plan
# of tests/netns/README.md gives them), a successful first ping over IPv4
# and IPv6, and a map-cache listing with both learnt prefixes; afterwards
# none of its namespaces and none of its files may remain.  A second run
# with -q --keep is interrupted (SIGINT, as Ctrl-C) while it waits: it
# must exit 130 and tear everything down as well.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: scripts/demo.sh needs root (network namespaces, raw sockets)" >&2
	exit 77
fi
for b in lisp-ztr lig; do
	[ -x "$BUILD/$b" ] || { echo "FAIL: $BUILD/$b not built" >&2; exit 1; }
done
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp)
fifo=$(mktemp -u)
dpid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid"
	rm -f "$out" "$fifo"
}
trap cleanup EXIT

# Namespace prefix and config directory the run announced.
prefix_of() { sed -n 's/.*network namespaces \(lzt[0-9r]*-\)\*.*/\1/p' "$1" | head -n 1; }
tmp_of() { sed -n 's/^==> configuration written to \([^ ]*\) .*/\1/p' "$1" | head -n 1; }
left_over() {	# PREFIX TMPDIR: fail if anything of the run remains
	[ -n "$1" ] || fail "no namespace prefix announced"
	! ip netns list 2>/dev/null | grep -q "^$1" ||
	    fail "namespaces left behind: $(ip netns list 2>/dev/null | grep "^$1" | tr '\n' ' ')"
	if [ -z "$2" ] || [ -e "$2" ]; then
		fail "config directory '$2' left behind"
	fi
}
# Lines of the section that starts with the progress line matching RE.
section() {	# RE
	awk -v re="$1" '/^==> / { on = ($0 ~ re) ; next } on' "$out"
}

# --- 1: the whole demo, no stdin -----------------------------------------
t0=$SECONDS
timeout 120 ./scripts/demo.sh </dev/null >"$out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$out" >&2; fail "scripts/demo.sh exited $rc"; }
echo "ok: scripts/demo.sh exited 0 in $((SECONDS - t0)) s"

grep -Eq '^==> waiting for registrations \(3 xTRs.*\.\.\. ok \([0-9.]+ s\)$' "$out" ||
    fail "no registration line"
reg=$(section 'registrations|show sites')
for p in 192.0.2.16/28 192.0.2.32/28 192.0.2.48/28 \
    2001:db8:e1d:1::/64 2001:db8:e1d:2::/64 2001:db8:e1d:3::/64; do
	echo "$reg" | grep -qF "$p" || { cat "$out" >&2; fail "sites lack $p"; }
done
echo "ok: $(grep -c . <<<"$reg") lines of registrations, the 6 EID prefixes of the 3 xTRs in them"

lig=$(section '^==> lig ')
echo "$lig" | grep -Eq 'EID-prefix: \[100\]192\.0\.2\.32/28, ttl: ' ||
    { cat "$out" >&2; fail "lig: no record for [100]192.0.2.32/28"; }
echo "$lig" | grep -Eq '^ +RLOC: 198\.51\.100\.2, up/uw/mp/mw: ' ||
    { cat "$out" >&2; fail "lig: no RLOC 198.51.100.2"; }
echo "ok: lig printed [100]192.0.2.32/28 with RLOC 198.51.100.2"

for a in 192.0.2.34 2001:db8:e1d:3::2; do
	l=$(grep -E "^==> ping IPv[46] h1 -> $a ok: first ping RTT [0-9.]+ ms .*, then 5/5 replies" "$out") ||
	    { cat "$out" >&2; fail "no ping success line for $a"; }
	echo "ok: ${l#==> }"
done

mc=$(section 'map-cache')
for p in 192.0.2.32/28 2001:db8:e1d:3::/64; do
	echo "$mc" | grep -F "$p" | grep -Eq 'positive|198\.51\.100\.|2001:db8:ffff::' ||
	    { cat "$out" >&2; fail "map-cache listing lacks $p"; }
done
echo "ok: the map-cache listing has 192.0.2.32/28 and 2001:db8:e1d:3::/64"
# With lispctl built, the map-cache must come from it (the state dump is
# only the fallback); "show sites" may still fall back, and says why.
if [ -x "$BUILD/lispctl" ]; then
	grep -q '^==> lispctl show map-cache' "$out" ||
	    { cat "$out" >&2; fail "lispctl is built but the map-cache did not come from it"; }
	echo "$mc" | grep -Eq '^ +IID +EID-PREFIX +STATE' ||
	    fail "no lispctl map-cache header"
fi
echo "note: sites via: $(grep -E '^==> (lispctl show sites|the map-server.s registrations)' "$out" | cut -c5-)"

grep -q '^==> done: every step succeeded' "$out" || fail "no final line"
left_over "$(prefix_of "$out")" "$(tmp_of "$out")"
echo "ok: no namespace $(prefix_of "$out")* and no $(tmp_of "$out") left"

# --- 2: -q --keep, interrupted while it waits ----------------------------
mkfifo "$fifo"
exec 3<>"$fifo"			# keeps the fifo open: the demo's read blocks
set -m				# own process group: SIGINT is not ignored
./scripts/demo.sh -q --keep <"$fifo" >"$out" 2>&1 &
dpid=$!
set +m
for _ in $(seq 300); do
	grep -q 'press Enter or Ctrl-C' "$out" && break
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'press Enter or Ctrl-C' "$out" || { cat "$out" >&2; fail "--keep: never waited"; }
grep -Eq '^    (node|---|lisp |EID-prefix)' "$out" && fail "-q printed more than progress lines"
p=$(prefix_of "$out")
[ "$(ip netns list 2>/dev/null | grep -c "^$p")" -ge 8 ] ||
    fail "--keep: the mesh is not running ($(ip netns list 2>/dev/null | grep -c "^$p") namespaces)"
kill -INT "$dpid"
wait "$dpid"
rc=$?
dpid=""
exec 3>&-
[ $rc = 130 ] || { cat "$out" >&2; fail "after SIGINT: exit $rc, want 130"; }
grep -q '^==> tearing down' "$out" || fail "after SIGINT: no tear-down line"
left_over "$p" "$(tmp_of "$out")"
echo "ok: -q --keep waited with 8+ namespaces up; SIGINT: exit 130, namespaces $p* and files removed"
exit 0
