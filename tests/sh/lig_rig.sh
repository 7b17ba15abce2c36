#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lig and rig against the map-server module (tests/helpers/ms_stub) in two
# network namespaces joined by a veth pair (documentation addresses only):
#
#   cl: 198.51.100.1/24, 2001:db8::1/64  ---  ms: 198.51.100.100/.101/24,
#       lig, rig, ms_register                     2001:db8::100/64
#                                                 ms_stub on .100 and ::100
#                                                 etr_stub on .101 (an ETR)
#
# Registrations are made with tests/helpers/ms_register (signed
# Map-Registers, Map-Notify verified); then lig must print the registered
# record (proxy reply), the ETR's own answer (forwarded request) and
# negative replies with the prefix computed by hand below; rig must print
# MS-ACK, MS-NOT-REGISTERED and DELEGATION-HOLE; exit codes 0/1.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces)" >&2
	exit 77
fi
command -v ip >/dev/null || { echo "SKIP: ip is not installed" >&2; exit 77; }
for b in lig rig tests/helpers/ms_stub tests/helpers/ms_register \
    tests/helpers/etr_stub; do
	[ -x "$BUILD/$b" ] || { echo "FAIL: $BUILD/$b not built" >&2; exit 1; }
done

CL=lztlig$$-cl
MS=lztlig$$-ms
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	[ -n "${KEEP:-}" ] && cp -r "$TMP" /tmp/ligrig.keep
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$CL" 2>/dev/null
	ip netns del "$MS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
incl() { ip netns exec "$CL" "$@"; }
inms() { ip netns exec "$MS" "$@"; }

ip netns add "$CL" && ip netns add "$MS" || fail "netns"
ip -n "$CL" link add v0 type veth peer name v0 netns "$MS" || fail "veth"
for n in "$CL" "$MS"; do
	ip -n "$n" link set lo up
	ip -n "$n" link set v0 up
done
ip -n "$CL" addr add 198.51.100.1/24 dev v0
ip -n "$CL" addr add 2001:db8::1/64 dev v0 nodad
ip -n "$MS" addr add 198.51.100.100/24 dev v0
ip -n "$MS" addr add 198.51.100.101/24 dev v0
ip -n "$MS" addr add 2001:db8::100/64 dev v0 nodad

cat >"$TMP/lisp.config" <<'CONF'
# lispers.net lisp.config file, last changed: test
#-----------------------------------------------------------------------------
lisp enable {
    map-server = yes
    map-resolver = yes
    ddt-node = yes
}
lisp site {
    site-name = edge
    authentication-key = [0]test-key [5]other-key
    allowed-prefix {
        instance-id = 1001
        eid-prefix = 10.1.0.0/16
        accept-more-specifics = yes
    }
    allowed-prefix {
        instance-id = 1000
        eid-prefix = fd00::/8
        accept-more-specifics = yes
    }
}
CONF

ip netns exec "$MS" "$BUILD/tests/helpers/ms_stub" -f "$TMP/lisp.config" \
    -a 198.51.100.100 -a 2001:db8::100 >"$TMP/ms.out" 2>"$TMP/ms.err" &
PIDS+=($!)
MSPID=$!
ip netns exec "$MS" "$BUILD/tests/helpers/etr_stub" -a 198.51.100.101 \
    -e "[1001]10.1.4.0/24" -r 198.51.100.101 >"$TMP/etr.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
	grep -q ready "$TMP/ms.out" 2>/dev/null &&
	    grep -q ready "$TMP/etr.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$TMP/ms.out" || fail "ms_stub did not start: $(cat "$TMP/ms.err")"

REG="$BUILD/tests/helpers/ms_register"
# Proxy registration, SHA-256, key-id 0; Map-Notify must verify.
incl "$REG" -K test-key -k 0 -a sha256 -e "[1001]10.1.1.0/24" \
    -r 198.51.100.1,1 -P -M 198.51.100.100 >"$TMP/r1" ||
    fail "registration 1: $(cat "$TMP/r1")"
grep -q "map-notify verified" "$TMP/r1" || fail "no verified Map-Notify"
# SHA-1 with key-id 5 over IPv6, no proxy: requests go to the ETR.
incl "$REG" -K other-key -k 5 -a sha1 -e "[1001]10.1.4.0/24" \
    -r 198.51.100.101,2 -M 2001:db8::100 >"$TMP/r2" ||
    fail "registration 2: $(cat "$TMP/r2")"
# IPv6 EID, proxy.
incl "$REG" -K test-key -e "[1000]fd00:1::/64" -r 2001:db8::1,3 -P -M \
    198.51.100.100 >"$TMP/r3" || fail "registration 3: $(cat "$TMP/r3")"
# Wrong key and disallowed prefix: no Map-Notify, exit 1.
incl "$REG" -K wrong-key -e "[1001]10.1.2.0/24" -r 198.51.100.1 -M \
    198.51.100.100 >/dev/null && fail "wrong key accepted"
incl "$REG" -K test-key -e "[1001]10.2.0.0/24" -r 198.51.100.1 -M \
    198.51.100.100 >/dev/null && fail "disallowed prefix accepted"

export NO_COLOR=1
lig() { incl "$BUILD/lig" "$@"; }
rig() { incl "$BUILD/rig" "$@"; }
expect() {	# file, fixed string
	grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "missing: $2"; }
}

# Proxy reply: the registered record, L cleared by the map-server.
lig "[1001]10.1.1.5" to 198.51.100.100 >"$TMP/l1" || fail "lig 1 exit $?"
expect "$TMP/l1" "Send lig map-request to 198.51.100.100 for EID [1001]10.1.1.5 ..."
expect "$TMP/l1" "Received map-reply from 198.51.100.100 with rtt "
expect "$TMP/l1" "EID-prefix: [1001]10.1.1.0/24, ttl: 24 hours, rloc-set:"
expect "$TMP/l1" "  RLOC: 198.51.100.1, up/uw/mp/mw: 1/100/255/0, flags: lpR"

# Forwarded to the ETR, which answers lig directly.
lig "[1001]10.1.4.9" to 198.51.100.100 >"$TMP/l2" || fail "lig 2 exit $?"
expect "$TMP/l2" "Received map-reply from 198.51.100.101 with rtt "
expect "$TMP/l2" "EID-prefix: [1001]10.1.4.0/24, ttl: 24 hours, rloc-set:"
expect "$TMP/l2" "  RLOC: 198.51.100.101, up/uw/mp/mw: 1/100/255/0, flags: LpR"

# In the site, not registered: 10.1.2.5 shares 22 bits with 10.1.1.0 and
# 21 with 10.1.4.0 -> 10.1.2.0/23, 1 minute.
lig "[1001]10.1.2.5" to 198.51.100.100 >"$TMP/l3" || fail "lig 3 exit $?"
expect "$TMP/l3" "EID-prefix: [1001]10.1.2.0/23, ttl: 1 mins, rloc-set:"
expect "$TMP/l3" "  Empty, map-reply action: native-forward"

# Outside the site: 10.9.9.9 shares 12 bits with 10.1.0.0/16 -> /13, 15 min.
lig "[1001]10.9.9.9" to 198.51.100.100 count 2 >"$TMP/l4" || fail "lig 4 exit $?"
expect "$TMP/l4" "EID-prefix: [1001]10.8.0.0/13, ttl: 15 mins, rloc-set:"
[ "$(grep -c 'Received map-reply' "$TMP/l4")" = 2 ] || fail "count 2: $(cat "$TMP/l4")"

# IPv6 EID asked over IPv6.
lig "[1000]fd00:1::77" to 2001:db8::100 >"$TMP/l5" || fail "lig 5 exit $?"
expect "$TMP/l5" "Received map-reply from 2001:db8::100 with rtt "
expect "$TMP/l5" "EID-prefix: [1000]fd00:1::/64, ttl: 24 hours, rloc-set:"
expect "$TMP/l5" "  RLOC: 2001:db8::1, up/uw/mp/mw: 3/100/255/0, flags: lpR"

# lig on the map-server's host: 4342 is taken, the ephemeral port is used.
inms "$BUILD/lig" "[1001]10.1.1.5" to 198.51.100.100 >"$TMP/l6" ||
    fail "lig 6 exit $?"
expect "$TMP/l6" "EID-prefix: [1001]10.1.1.0/24, ttl: 24 hours, rloc-set:"

# No answer, usage errors: exit 1.
lig "[1001]10.1.1.5" to 198.51.100.99 >"$TMP/l7" && fail "lig to nobody: exit 0"
expect "$TMP/l7" "*** No reply received ***"
lig "[1001]10.1.1.5" </dev/null >"$TMP/l8" && fail "lig without to: exit 0"
expect "$TMP/l8" "Usage: lig [<iid>]<dest-eid> to <mr-rloc> [source <source-eid>] [count <1-5>] [debug] [no-info]"
lig "[1001]10.1.1.300" to 198.51.100.100 >"$TMP/l9" && fail "bad EID: exit 0"
expect "$TMP/l9" "Cannot resolve EID name '[1001]10.1.1.300'"

# rig: the three answers of a DDT map-server.
rig "[1001]10.1.1.5" to 198.51.100.100 >"$TMP/g1" || fail "rig 1 exit $?"
expect "$TMP/g1" "Send rig map-request to 198.51.100.100 for EID [1001]10.1.1.5 ..."
expect "$TMP/g1" "Received map-referral from 198.51.100.100 with rtt "
expect "$TMP/g1" "EID-prefix: [1001]10.1.1.0/24, ttl: 24 hours, referral-type: ms-ack"
rig "[1001]10.1.2.5" to 198.51.100.100 >"$TMP/g2" || fail "rig 2 exit $?"
expect "$TMP/g2" "EID-prefix: [1001]10.1.2.0/23, ttl: 1 mins, referral-type: ms-not-registered"
rig "[1001]10.9.9.9" to 2001:db8::100 >"$TMP/g3" || fail "rig 3 exit $?"
expect "$TMP/g3" "EID-prefix: [1001]10.8.0.0/13, ttl: 15 mins, referral-type: delegation-hole"
rig "[1001]10.9.9.9" >"$TMP/g4" && fail "rig without to: exit 0"
expect "$TMP/g4" "Usage: rig [<iid>]<dest-eid> to <ddt-node> [debug]"

# The map-server's counters: what was refused, and why.
kill -TERM "$MSPID"
wait "$MSPID"
expect "$TMP/ms.out" "counter register-accepted 3"
expect "$TMP/ms.out" "counter register-bad-auth 1"
expect "$TMP/ms.out" "counter register-not-allowed 1"
expect "$TMP/ms.out" "counter map-notify-sent 3"
expect "$TMP/ms.out" "counter request-forwarded 1"
expect "$TMP/ms.out" "counter referral-ms-ack 1"
expect "$TMP/ms.out" "registration edge [1001]10.1.1.0/24 rlocs 1"
echo "lig_rig: ok"
