#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# RFC 8061 LISP-crypto end to end with our own control plane: two
# lisp-ztr xTRs with data-plane-security = yes (x1, x2), one without
# (x3), and a lisp-ztr map-server/map-resolver.  The keys are exchanged
# in Map-Requests and Map-Replies (Security Key LCAFs, control/cp_crypto)
# and the data planes encrypt with them (crypto/lc8061).  Run once per
# cipher suite our ITRs offer (LISPZTR_CRYPTO_SUITE=5, AES-128-GCM, and
# 6, ChaCha20-Poly1305), each run on its own bed.  Checks:
#  - ping IPv4 and IPv6 EIDs both ways, 2 MB TCP both ways (IPv4, IPv6
#    EIDs) with sha256 equal;
#  - tshark on the underlay: every LISP data packet between x1 and x2
#    has KK != 0; a marker string sent in ping payloads and in the TCP
#    data never appears on the underlay, while it does arrive at the
#    receiving hosts (their captures) -- and a pattern x3 sends in the
#    clear IS found on the underlay by the same search (not vacuous);
#  - the suite on the wire: the pattern pings' LISP packets have the
#    length of a 12-byte IV (suite 5) or an 8-byte IV (suite 6) + tag;
#  - Map-Requests and Map-Replies carry Security Key LCAFs (type 11);
#  - x3 (no data-plane-security) exchanges plaintext (KK = 0) with x1:
#    RFC 8061 is opportunistic;
#  - control state: both ends derived keys in the suite asked for,
#    lispctl show rlocs -j has the lisp-crypto record and per-RLOC
#    cipher-suite (0 for x3), no crypto errors in the data planes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/cp_lib.inc
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: cp_crypto.sh needs root (network namespaces): RFC 8061 LISP-crypto end to end was NOT tested" >&2
	exit 77
fi
dp_need_root tshark python3

if [ -z "${CP_CRYPTO_ONE:-}" ]; then
	for s in 5 6; do
		echo "=== cipher suite $s (LISPZTR_CRYPTO_SUITE=$s) ==="
		CP_CRYPTO_ONE=1 LISPZTR_CRYPTO_SUITE=$s bash "$0" || exit 1
	done
	exit 0
fi
SUITE=$LISPZTR_CRYPTO_SUITE

topo_init || exit 1
# This branch's prefix (helpers run in parallel on one host).
TOPO_PREFIX="c8061fx${BASHPID}s$SUITE-"
DP_TMP=$(mktemp -d)
topo_on_cleanup '[ -n "${CP_KEEP:-}" ] && cp -r "$DP_TMP" "$CP_KEEP.$SUITE"; rm -rf "$DP_TMP"'
TOPO_RLOCS=1 cp_bed 3

cp_ms_config "$DP_TMP/ms.conf"
cp_ms_start "$DP_TMP/ms.conf" "$DP_TMP/ms.log"
CP_DPSEC=yes cp_xtr_config 1 "$DP_TMP/x1.conf"
CP_DPSEC=yes cp_xtr_config 2 "$DP_TMP/x2.conf"
cp_xtr_config 3 "$DP_TMP/x3.conf"
grep -q 'data-plane-security = yes' "$DP_TMP/x1.conf" || dp_fail "x1 config"
# The underlay capture must see wire packets, not GSO super-packets.
for n in 1 2 3; do
	dp_wire_segment $n || export LISP_ZTR_OFFLOAD=gro
done
for n in 1 2 3; do
	dp_start $n "$DP_TMP/x$n.conf" "$DP_TMP/x$n.log" -S "$DP_TMP/x$n.sock"
done
for n in 1 2 3; do
	p=$(topo_eidnet4 $n)
	cp_wait_dump "$CP_MS_PID" "$CP_MS_LOG" \
	    "registration .*\\[$DP_IID0\\]${p%/*}/${p#*/} $(topo_rloc4 $n)/" 10 ||
	    dp_fail "x$n not registered"
done
echo "ok: x1, x2 (data-plane-security) and x3 (plaintext) registered"

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e4_3=$(topo_eid4 3)
e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
r1=$(topo_rloc4 1) r2=$(topo_rloc4 2) r3=$(topo_rloc4 3)
r61=$(topo_rloc6 1) r62=$(topo_rloc6 2) r63=$(topo_rloc6 3)
# 16 bytes: ping -p takes at most 16 pattern bytes.
MARK=$(printf 'Zc8061mk%08d' $((RANDOM * 32768 + RANDOM)) | head -c 16)
CLEAR=$(printf 'Zclear3k%08d' $((RANDOM * 32768 + RANDOM)) | head -c 16)
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
# The TCP data: random bytes with the marker in every 4 KiB.
python3 - "$DP_TMP/tcp.src.2" "$MARK" <<'EOP' || dp_fail "tcp data"
import os, sys
with open(sys.argv[1], "wb") as f:
    for _ in range(512):
        f.write(sys.argv[2].encode() + os.urandom(4096 - 16))
EOP

topo_capture u br0 "$DP_TMP/u.pcap" udp port 4341 or udp port 4342 ||
    dp_fail "tcpdump u"
CAP_U=$TOPO_LAST_PID
topo_capture h1 eth0 "$DP_TMP/h1.pcap" || dp_fail "tcpdump h1"
CAP_1=$TOPO_LAST_PID
topo_capture h2 eth0 "$DP_TMP/h2.pcap" || dp_fail "tcpdump h2"
CAP_2=$TOPO_LAST_PID

diag() {
	local n
	for n in 1 2; do
		cp_dump "${DP_PID[$n]}" "${DP_LOG[$n]}" |
		    grep -E 'crypto|map-cache|counter itr-map-reply' |
		    grep -v ' 0$' | sed "s/^/x$n cp: /" >&2
		dp_counters $n | grep -iE 'crypt|key|icv' | sed "s/^/x$n dp: /" >&2
	done
}
ping_ok() {	# FROM ADDR PATTERN LABEL
	topo_wait_ping "$1" "$2" 5 || {
		diag
		dp_fail "$4: no answer (RFC 8061 data path missing or broken?)"
	}
	topo_exec "$1" ping -c 5 -i 0.1 -W 2 -q -s 200 -p "$(hex "$3")" \
	    "$2" >/dev/null || { diag; dp_fail "$4: pattern pings lost"; }
}
ping_ok h1 "$e4_2" "$MARK" "ping h1 -> h2 IPv4"
ping_ok h1 "$e6_2" "$MARK" "ping h1 -> h2 IPv6"
ping_ok h2 "$e4_1" "$MARK" "ping h2 -> h1 IPv4"
ping_ok h2 "$e6_1" "$MARK" "ping h2 -> h1 IPv6"
echo "ok: ping IPv4 and IPv6 EIDs both ways between x1 and x2"
dp_tcp h1 h2 "$e4_2" 2 || { diag; dp_fail "TCP h1 -> h2 IPv4"; }
dp_tcp h2 h1 "$e6_1" 2 || { diag; dp_fail "TCP h2 -> h1 IPv6"; }
echo "ok: 2 MB TCP h1 -> h2 (IPv4 EID) and h2 -> h1 (IPv6 EID), sha256 equal"
# The plaintext xTR and a secure one.
ping_ok h3 "$e4_1" "$CLEAR" "ping h3 -> h1 (x3 plaintext)"
ping_ok h1 "$e4_3" "$CLEAR" "ping h1 -> h3 (x3 plaintext)"
dp_tcp h3 h1 "$e4_1" 1 || { diag; dp_fail "TCP h3 -> h1 (x3 plaintext)"; }
echo "ok: x3 without data-plane-security and x1 exchange traffic (ping both ways, 1 MB TCP)"
sleep 0.5
kill -INT "$CAP_U" "$CAP_1" "$CAP_2" 2>/dev/null
for p in "$CAP_U" "$CAP_1" "$CAP_2"; do
	topo_capture_stop "$p"
done

ts() { tshark -r "$DP_TMP/u.pcap" -d udp.port==4341,lisp-data "$@" 2>/dev/null; }
pair="((ip.addr == $r1 && ip.addr == $r2) || (ipv6.addr == $r61 && ipv6.addr == $r62))"
total=$(ts -Y "lisp-data && $pair" | wc -l)
v6=$(ts -Y "lisp-data && ipv6.addr == $r61 && ipv6.addr == $r62" | wc -l)
kk0=$(ts -Y "lisp-data && $pair && !(lisp-data.flags.res & 3)" | wc -l)
[ "$total" -gt 1000 ] || dp_fail "only $total LISP data packets between x1 and x2"
[ "$kk0" = 0 ] || dp_fail "$kk0 of $total LISP data packets between x1 and x2 with KK = 0"
echo "ok: underlay: all $total LISP data packets between x1 and x2 have KK != 0 ($v6 over the IPv6 RLOCs)"
# The suite on the wire: an IPv4 pattern ping (20 + 8 + 200 bytes inner)
# is LISP header 8 + IV + 228 + tag 16; the IV is 12 bytes for suite 5
# (AES-128-GCM) and 8 for suite 6 (ChaCha20-Poly1305).
iv=12
[ "$SUITE" = 6 ] && iv=8
want=$((8 + 8 + iv + 228 + 16))
nw=$(ts -Y "lisp-data && $pair && udp.length == $want" | wc -l)
[ "$nw" -ge 20 ] || { diag; dp_fail "suite $SUITE: only $nw LISP packets of UDP length $want (IV $iv) for 20 pattern pings"; }
echo "ok: suite $SUITE on the wire: $nw packets of UDP length $want (IV $iv bytes, tag 16) for the IPv4 pattern pings"
pair3="((ip.addr == $r1 && ip.addr == $r3) || (ipv6.addr == $r61 && ipv6.addr == $r63))"
t3=$(ts -Y "lisp-data && $pair3" | wc -l)
k3=$(ts -Y "lisp-data && $pair3 && (lisp-data.flags.res & 3)" | wc -l)
[ "$t3" -gt 100 ] && [ "$k3" = 0 ] ||
    dp_fail "x1 <-> x3: $k3 of $t3 LISP data packets with KK != 0 (want plaintext)"
echo "ok: underlay: x1 <-> x3 plaintext, $t3 LISP data packets with KK = 0 (opportunistic)"
found() { LC_ALL=C grep -a -c -F -- "$1" "$2"; }
m=$(found "$MARK" "$DP_TMP/u.pcap")
[ "$m" = 0 ] || dp_fail "the marker $MARK is visible on the underlay ($m times)"
for h in h1 h2; do
	m=$(found "$MARK" "$DP_TMP/$h.pcap")
	[ "$m" -gt 100 ] || dp_fail "control: the marker arrived only $m times at $h"
done
c=$(found "$CLEAR" "$DP_TMP/u.pcap")
[ "$c" -gt 0 ] || dp_fail "control: x3's plaintext pattern not found on the underlay"
echo "ok: marker $MARK never on the underlay, arrived at h1 and h2 ($(found "$MARK" "$DP_TMP/h2.pcap") and $(found "$MARK" "$DP_TMP/h1.pcap") captured lines); x3's clear pattern seen $c times"

# Control messages: the keys travel in Security Key LCAFs (type 11).
lk=$(tshark -r "$DP_TMP/u.pcap" -Y 'lisp.lcaf.type == 11' 2>/dev/null | wc -l)
[ "$lk" -gt 0 ] || dp_fail "no Security Key LCAF in the captured control messages"
ls=$(tshark -r "$DP_TMP/u.pcap" -Y 'lisp.lcaf.type == 11' -T fields \
    -e ip.src -e ipv6.src 2>/dev/null | tr '\t' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
echo "ok: $lk control messages with a Security Key LCAF (sources: $ls)"

for n in 1 2; do
	for c in ICV-error decrypt-error no-decrypt-key no-encrypt-key encrypt-error; do
		v=$(dp_counter $n $c)
		[ "$v" = 0 ] || { diag; dp_fail "x$n $c = $v"; }
	done
	d=$(cp_dump "${DP_PID[$n]}" "${DP_LOG[$n]}")
	p=$((3 - n))
	echo "$d" | grep -q "^lisp-crypto encrypt rloc $(topo_rloc4 $p) suite $SUITE " ||
	    dp_fail "x$n: no suite $SUITE encrypt session for $(topo_rloc4 $p)"
	echo "$d" | grep -q "^lisp-crypto decrypt itr $(topo_rloc4 $p) suite $SUITE " ||
	    dp_fail "x$n: no suite $SUITE decrypt session for $(topo_rloc4 $p)"
	# The reply that started the session waited for the decap key.
	v=$(echo "$d" | awk '$1 == "counter" && $2 == "etr-map-reply-deferred-for-key" { print $3 }')
	[ "${v:-0}" -ge 1 ] || dp_fail "x$n: no Map-Reply held for a new key"
	for c in refused-cipher-suite refused-key-length refused-low-order-key reply-suite-mismatch etr-derivation-rate-limited; do
		v=$(echo "$d" | awk -v k="crypto-$c" '$1 == "counter" && $2 == k { print $3 }')
		[ "${v:-0}" = 0 ] || dp_fail "x$n crypto-$c = $v"
	done
	# A key per exchange: every probe (1 s here) and resolution derived
	# one at both ends while the traffic above ran, the ETR kept one
	# key pair, and the data planes saw no ICV-error or no-decrypt-key
	# (checked above): the key-ids switched without a loss.
	v=$(echo "$d" | awk '$1 == "counter" && $2 == "crypto-etr-decrypt-key-derived" { print $3 }')
	[ "${v:-0}" -ge 5 ] || dp_fail "x$n: only ${v:-0} decrypt keys derived (a key per exchange)"
	k=$(echo "$d" | awk '$1 == "counter" && $2 == "crypto-etr-key-pair-made" { print $3 }')
	[ "${k:-0}" = 1 ] || dp_fail "x$n: ${k:-0} ETR key pairs (want 1: no rekey of the session)"
	ids=$(echo "$d" | sed -n "s/^lisp-crypto decrypt itr $(topo_rloc4 $p) suite $SUITE key-ids \([123]*\) .*/\1/p")
	[ "${#ids}" -ge 2 ] || dp_fail "x$n: decrypt key-ids '$ids' for $(topo_rloc4 $p) (want >= 2 live)"
	echo "ok: x$n: $v decrypt keys derived with one ETR key pair, key-ids $ids live for $(topo_rloc4 $p), no ICV-error"
done
echo "$(cp_dump "${DP_PID[1]}" "${DP_LOG[1]}" | grep -E '^lisp-crypto|counter crypto-' | grep -v ' 0$' | sed 's/^/x1: /')"
"$BUILD/lispctl" -j -s "$DP_TMP/x1.sock" show rlocs | python3 -c "
import json, sys
recs = [json.loads(l) for l in sys.stdin]
c = [r['lisp-crypto'] for r in recs if 'lisp-crypto' in r]
assert len(c) == 1, recs
c = c[0]
assert c['cipher-suite'] == $SUITE and c['encrypt-sessions'] >= 2 and c['decrypt-sessions'] >= 2, c
assert c['itr-encrypt-key-derived'] >= 2 and c['etr-decrypt-key-derived'] >= 1, c
assert c['refused-cipher-suite'] == 0, c
pr = [r for r in recs if 'rloc' in r]
to2 = [r for r in pr if r['rloc'] in ('$r2', '$r62')]
to3 = [r for r in pr if r['rloc'] in ('$r3', '$r63')]
assert to2 and all(r['cipher-suite'] == $SUITE for r in to2), to2
assert to3 and all(r['cipher-suite'] == 0 for r in to3), to3
" || dp_fail "lispctl show rlocs -j on x1"
out=$("$BUILD/lispctl" -s "$DP_TMP/x1.sock" show rlocs) || dp_fail "show rlocs: exit $?"
echo "$out" | sed -n '/^lisp-crypto:$/,$p' | head -8
echo "$out" | sed -n '/^lisp-crypto:$/,$p' | grep -Eq "^  cipher-suite +$SUITE$" &&
    echo "$out" | sed -n '/^lisp-crypto:$/,$p' | grep -Eq '^  encrypt-sessions +[1-9][0-9]*$' ||
    dp_fail "show rlocs (text): no lisp-crypto section with suite $SUITE"
x3=$(cp_dump "${DP_PID[3]}" "${DP_LOG[3]}")
echo "$x3" | grep -q '^lisp-crypto' && dp_fail "x3 (no data-plane-security) has lisp-crypto state"
echo "ok: suite $SUITE sessions on x1 and x2 both ways, show rlocs: lisp-crypto record, per-RLOC cipher-suite ($SUITE to x2, 0 to x3), no crypto errors"
exit 0
