#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Control plane end to end: three lisp-ztr xTRs and one lisp-ztr
# map-server/map-resolver.  Registration (seen in the map-server's state
# dump), on-demand resolution with no lost first packet (and the time
# from the first packet to its delivery), TCP with checksums, IPv4 and
# IPv6 EIDs in two instance-ids, a wrong authentication key refused and
# counted, a forged Map-Reply with a wrong nonce ignored and counted;
# lispctl show sites on the map-server and show rlocs (probe state, RTT,
# registration state) on the xTRs, in text and JSON.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/cp_lib.inc
dp_need_root
[ -x "$BUILD/tests/helpers/cp_forge" ] || dp_fail "cp_forge not built"
topo_init || exit 1
DP_TMP=$(mktemp -d)
topo_on_cleanup '[ -n "${CP_KEEP:-}" ] && cp -r "$DP_TMP" "$CP_KEEP"; rm -rf "$DP_TMP"'
TOPO_RLOCS=1 cp_bed 3

cp_ms_config "$DP_TMP/ms.conf"
# A second site nobody registers with: show sites lists it as such.
cat >>"$DP_TMP/ms.conf" <<'EOF'
lisp site {
    site-name = idle-site
    description = nobody registers here
    authentication-key = idle-site-key
    allowed-prefix {
        instance-id = 77
        eid-prefix = 203.0.113.0/28
    }
}
EOF
cp_ms_start "$DP_TMP/ms.conf" "$DP_TMP/ms.log"
for n in 1 2; do
	cp_xtr_config $n "$DP_TMP/x$n.conf"
done
CP_XTR_KEY=wrong-key cp_xtr_config 3 "$DP_TMP/x3.conf"
for n in 1 2 3; do
	dp_start $n "$DP_TMP/x$n.conf" "$DP_TMP/x$n.log" -S "$DP_TMP/x$n.sock"
done

# Registration: each prefix of x1 and x2 in the map-server's dump.
for n in 1 2; do
	for iid in $DP_IID0 $DP_IID1; do
		for p in "$(topo_eidnet4 $n)" "$(topo_eidnet6 $n)"; do
			cp_wait_dump "$CP_MS_PID" "$CP_MS_LOG" \
			    "registration .*\\[$iid\\]${p%/*}/${p#*/} $(topo_rloc4 $n)/" 10 ||
			    dp_fail "[$iid]$p of x$n not registered"
		done
	done
	cp_wait_dump "${DP_PID[$n]}" "${DP_LOG[$n]}" \
	    "map-server $TOPO_MS4 .* state registered" 5 ||
	    dp_fail "x$n: no Map-Notify accepted"
done
# The same through the map-server's control socket.
"$BUILD/lispctl" -j -s "$DP_TMP/ms.sock" show sites >"$DP_TMP/sites" ||
    dp_fail "lispctl show sites: exit $?"
for n in 1 2; do
	for iid in $DP_IID0 $DP_IID1; do
		for p in "$(topo_eidnet4 $n)" "$(topo_eidnet6 $n)"; do
			grep -F "\"iid\":$iid,\"eid-prefix\":\"$p\",\"source\":\"$(topo_rloc4 $n):4342\"" "$DP_TMP/sites" |
			    grep -F "{\"address\":\"$(topo_rloc4 $n)\",\"priority\":1,\"weight\":100," |
			    grep -F "{\"address\":\"$(topo_rloc6 $n)\",\"priority\":1,\"weight\":100," \
			    >/dev/null || {
				cat "$DP_TMP/sites" >&2
				dp_fail "lispctl show sites: no [$iid]$p of x$n"
			}
		done
	done
done
[ "$(grep -c "\"registered\":true" "$DP_TMP/sites")" = 8 ] || dp_fail "lispctl show sites: $(cat "$DP_TMP/sites")"
echo "ok: x1 and x2 registered 8 prefixes each (seen on the map-server: state dump and lispctl show sites), Map-Notify verified"

# x3 uses a wrong key: refused by the map-server, counted on both sides.
sleep 2
n=$(cp_counter "$CP_MS_PID" "$CP_MS_LOG" ms-reg-bad-auth 2>/dev/null)
[ "${n:-0}" -gt 0 ] || n=$(cp_dump "$CP_MS_PID" "$CP_MS_LOG" |
    awk '$1 == "counter" && $2 ~ /bad-auth|BAD_AUTH/ { s += $3 } END { print s + 0 }')
[ "$n" -gt 0 ] || dp_fail "map-server did not count x3's bad authentication"
cp_dump "$CP_MS_PID" "$CP_MS_LOG" | grep -q "registration .*\\[$DP_IID0\\]$(topo_eidnet4 3) " &&
    dp_fail "x3 registered with a wrong key"
m=$(cp_counter "${DP_PID[3]}" "${DP_LOG[3]}" etr-map-notify-missing)
[ "$m" -gt 0 ] || dp_fail "x3 did not notice the missing Map-Notify"
echo "ok: wrong key refused (map-server bad-auth $n), x3 retrying (notify-missing $m)"

# lispctl show sites on the map-server: text and JSON.
ctl() { "$BUILD/lispctl" -s "$1" "${@:2}"; }
out=$(ctl "$DP_TMP/ms.sock" show sites) || dp_fail "show sites: exit $?"
echo "$out" | head -4
echo "$out" | head -1 | grep -Eq '^SITE +IID +EID-PREFIX +SOURCE +LAST-REG +EXPIRES$' ||
    dp_fail "show sites header: $(echo "$out" | head -1)"
for n in 1 2; do
	for iid in $DP_IID0 $DP_IID1; do
		for p in "$(topo_eidnet4 $n)" "$(topo_eidnet6 $n)"; do
			# The prefix line, then its detail and RLOC lines.
			echo "$out" | awk -v iid="$iid" -v p="$p" \
			    -v r4="$(topo_rloc4 $n)" -v r6="$(topo_rloc6 $n)" '
			    $1 == "test-sites" { cur = ($2 == iid && $3 == p) }
			    cur && /auth hmac-sha256 key-id 0 proxy-reply no want-map-notify yes/ { a = 1 }
			    cur && $1 == "rloc" && $2 == r4 && $4 == 1 && $6 == 100 && $7 == "reachable" { b = 1 }
			    cur && $1 == "rloc" && $2 == r6 && $4 == 1 && $6 == 100 { c = 1 }
			    END { exit !(a && b && c) }' ||
			    dp_fail "show sites: [$iid]$p of x$n or its RLOCs missing"
		done
	done
done
echo "$out" | grep -q "$(topo_eidnet4 3)" && dp_fail "show sites lists x3 (wrong key)"
echo "$out" | grep -Eq '^idle-site +- +not registered$' ||
    dp_fail "show sites: idle-site not listed as not registered"
ctl "$DP_TMP/ms.sock" -j show sites | python3 -c "
import json, sys
recs = [json.loads(l) for l in sys.stdin]
reg = [r for r in recs if r['registered']]
assert len(reg) == 8, len(reg)
for n, r4, r6 in ((1, '$(topo_rloc4 1)', '$(topo_rloc6 1)'), (2, '$(topo_rloc4 2)', '$(topo_rloc6 2)')):
    mine = [r for r in reg if r['rlocs'][0]['address'] == r4]
    assert len(mine) == 4, (n, mine)
    for r in mine:
        assert r['site'] == 'test-sites' and r['iid'] in ($DP_IID0, $DP_IID1), r
        assert [(l['address'], l['priority'], l['weight']) for l in r['rlocs']] == [(r4, 1, 100), (r6, 1, 100)], r
        assert r['auth-alg'] == 'hmac-sha256' and r['ttl'] > 0 and 0 < r['expires-in'] <= 180, r
        assert r['last-registered'] < 10 and len(r['xtr-id']) == 32 and not r['proxy-reply'], r
assert not any('$(topo_eidnet4 3)' == r.get('eid-prefix') for r in recs), recs
idle = [r for r in recs if r['site'] == 'idle-site']
assert idle == [{'site': 'idle-site', 'description': 'nobody registers here', 'registered': False}], idle
" || dp_fail "show sites -j"
# A map-server is not an xTR: no RLOCs of its own; an xTR has no sites.
ctl "${DP_TMP}/x1.sock" show sites >/dev/null 2>"$DP_TMP/err" &&
    dp_fail "show sites on an xTR succeeded"
grep -q 'not a map-server' "$DP_TMP/err" || dp_fail "show sites on x1: $(cat "$DP_TMP/err")"
echo "ok: lispctl show sites: 8 prefixes of x1 and x2 with their RLOCs (text, -j), x3 absent, idle site not registered"

# First packet of an unresolved destination: not lost, time to delivery.
# Captures on the sending host's and the receiving host's eth0 (one
# clock: every namespace shares the kernel's) give the one-way time from
# the first packet leaving h1 to its delivery at h2, resolution included;
# ping's RTT adds the way back (x2 resolves h1's EID in turn).
e4_2=$(topo_eid4 2) e6_2=$(topo_eid6 2)
declare -A CAP_PID RTT
for h in h1 h2 h1b h2b; do
	topo_capture $h eth0 "$DP_TMP/first-$h.pcap" \
	    'icmp[icmptype] == icmp-echo or (icmp6 and ip6[40] == 128)' ||
	    dp_fail "capture on $h"
	CAP_PID[$h]=$TOPO_LAST_PID
done
first_ping() {	# HOST ADDR LABEL
	local out t
	if ! out=$(topo_exec "$1" ping -c 1 -W 5 "$2" 2>&1); then
		cp_dump "${DP_PID[1]}" "${DP_LOG[1]}" | grep -v ' 0$' >&2
		cp_dump "${DP_PID[2]}" "${DP_LOG[2]}" | grep -v ' 0$' >&2
		cp_dump "$CP_MS_PID" "$CP_MS_LOG" | grep -v ' 0$' >&2
		dp_counters 1 | grep -v ' 0$' | sed 's/^/x1 dp /' >&2
		dp_counters 2 | grep -v ' 0$' | sed 's/^/x2 dp /' >&2
		dp_fail "$3: first packet lost: $out"
	fi
	t=$(echo "$out" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p')
	RTT[$3]=$t
}
first_ping h1 "$e4_2" "IPv4 EID IID $DP_IID0"
first_ping h1 "$e6_2" "IPv6 EID IID $DP_IID0"
first_ping h1b "$e4_2" "IPv4 EID IID $DP_IID1"
first_ping h1b "$e6_2" "IPv6 EID IID $DP_IID1"
kill -INT "${CAP_PID[@]}" 2>/dev/null	# all at once, then reap
for h in h1 h2 h1b h2b; do
	topo_capture_stop "${CAP_PID[$h]}"
done
# Time of the first echo request of family F in capture of host H.
first_ts() {	# H F
	local f='icmp'
	[ "$2" = 6 ] && f='icmp6 and ip6[40] == 128'
	tcpdump -tt -n -r "$DP_TMP/first-$1.pcap" "$f" 2>/dev/null |
	    awk 'NR == 1 { print $1 }'
}
for lab in "IPv4 EID IID $DP_IID0:h1:h2:4" "IPv6 EID IID $DP_IID0:h1:h2:6" \
    "IPv4 EID IID $DP_IID1:h1b:h2b:4" "IPv6 EID IID $DP_IID1:h1b:h2b:6"; do
	IFS=: read -r l a b f <<<"$lab"
	ta=$(first_ts "$a" "$f") tb=$(first_ts "$b" "$f")
	[ -n "$ta" ] && [ -n "$tb" ] ||
	    dp_fail "$l: first echo request not captured on $a/$b"
	one=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
	echo "figure: $l unresolved, first packet sent by $a -> delivered to $b ${one} ms (one way, resolution included); ping rtt ${RTT[$l]} ms (both xTRs resolving)"
done
echo "ok: first packet delivered for 4 unresolved destinations (2 families x 2 IIDs)"

# lispctl show rlocs on x1 (rloc-probing = yes, probes every second):
# x2's RLOCs up with an RTT; registration state per map-server.
r4_2=$(topo_rloc4 2)
for i in $(seq 50); do
	out=$(ctl "$DP_TMP/x1.sock" show rlocs 2>"$DP_TMP/err") ||
	    dp_fail "show rlocs: exit $?: $(cat "$DP_TMP/err")"
	echo "$out" | grep -Eq "^$DP_IID0 +$(topo_eidnet4 2) +$r4_2 +up +1 +100 +[0-9]+\.[0-9]{3}ms +[0-9]+\.[0-9]{3}ms +[0-9]+s +0$" &&
	    break
	sleep 0.1
done
echo "$out"
[ -s "$DP_TMP/err" ] && dp_fail "show rlocs warned: $(cat "$DP_TMP/err")"
[ "$i" = 50 ] && dp_fail "show rlocs: no probed RLOC $r4_2 up with an RTT"
echo "$out" | grep -q '^IID  *EID-PREFIX  *RLOC  *STATE  *PRI  *WGT  *RTT-LAST  *RTT-AVG  *LAST-PROBE  *MISSED$' ||
    dp_fail "show rlocs: no probe table header"
echo "$out" | grep -Eq "^$TOPO_MS4 +- +registered +[1-9][0-9]* +[1-9][0-9]* +[0-9]+s +[0-9]+s$" ||
    dp_fail "show rlocs: map-server not registered"
ctl "$DP_TMP/x1.sock" -j show rlocs | python3 -c "
import json, sys
recs = [json.loads(l) for l in sys.stdin]
dp = [r for r in recs if 'entries' in r]
pr = [r for r in recs if 'rloc' in r]
ms = [r for r in recs if 'map-server' in r]
assert any(r['address'] == '$r4_2' and r['up'] for r in dp), dp
p = [r for r in pr if r['rloc'] == '$r4_2' and r['eid-prefix'] == '$(topo_eidnet4 2)' and r['iid'] == $DP_IID0]
assert len(p) == 1, pr
p = p[0]
assert p['state'] == 'up' and p['probing'] and p['missed'] == 0, p
assert isinstance(p['rtt-last-ms'], float) and 0 < p['rtt-last-ms'] < 1000, p
assert isinstance(p['rtt-avg-ms'], float) and 0 < p['rtt-avg-ms'] < 1000, p
assert p['probes'] >= p['probe-replies'] >= 1 and p['last-probe'] < 5, p
assert len(ms) == 1 and ms[0]['map-server'] == '$TOPO_MS4' and ms[0]['state'] == 'registered', ms
assert ms[0]['notifies'] >= 1 and ms[0]['last-map-notify'] < 10 and ms[0]['auth-alg'] == 'hmac-sha256', ms
" || dp_fail "show rlocs -j on x1"
# x3 (wrong key) never gets a Map-Notify: waiting, none counted.
ctl "$DP_TMP/x3.sock" -j show rlocs 2>/dev/null | python3 -c "
import json, sys
ms = [json.loads(l) for l in sys.stdin if 'map-server' in l]
assert len(ms) == 1 and ms[0]['notifies'] == 0 and 'last-map-notify' not in ms[0], ms
assert ms[0]['state'] in ('waiting', 'idle') and ms[0]['registers'] >= 2, ms
" || dp_fail "show rlocs -j on x3: registration state"
echo "ok: lispctl show rlocs: probed RLOC up with RTT, map-server registered on x1, not on x3"
t=$(topo_exec h1 ping -c 3 -i 0.2 -q "$e4_2" | sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p')
echo "figure: resolved IPv4 EID rtt avg ${t} ms"

for slot in 0 1; do
	h1=$(topo_host 1 $slot) h2=$(topo_host 2 $slot)
	dp_tcp "$h1" "$h2" "$e4_2" 5 || dp_fail "TCP IPv4 slot $slot"
	dp_tcp "$h1" "$h2" "$e6_2" 5 || dp_fail "TCP IPv6 slot $slot"
done
echo "ok: 5 MB TCP over IPv4 and IPv6 EIDs in both IIDs, sha256 equal"

# The RLOCs are `interface = rloc0`: the data planes took rloc0's current
# IPv4 and IPv6 addresses as outer sources, and none of the packets sent
# over the IPv6 RLOCs (half the flows) lacked one.
for n in 1 2; do
	src=$(cp_dp_sources $n)
	[ "$src" = "$(topo_rloc4 $n) $(topo_rloc6 $n)" ] ||
	    dp_fail "x$n data plane sources '$src'"
	d=$(dp_counter $n no-source-rloc)
	[ "$d" = 0 ] || dp_fail "x$n: $d no-source-rloc drops"
done
echo "ok: interface RLOCs: data plane sources $(cp_dp_sources 1) (x1), no no-source-rloc drops"

# A forged Map-Reply (wrong nonce) to x1 is ignored and counted.
b=$(cp_counter "${DP_PID[1]}" "${DP_LOG[1]}" itr-map-reply-bad-nonce)
topo_exec ms "$BUILD/tests/helpers/cp_forge" "$(topo_rloc4 1)" \
    "$(topo_eidnet4 3)" $DP_IID0 "$TOPO_MS4" || dp_fail "cp_forge"
sleep 0.5
a=$(cp_counter "${DP_PID[1]}" "${DP_LOG[1]}" itr-map-reply-bad-nonce)
[ "$a" -gt "$b" ] || dp_fail "forged Map-Reply not counted ($b -> $a)"
cp_dump "${DP_PID[1]}" "${DP_LOG[1]}" | grep -q "map-cache \\[$DP_IID0\\]$(topo_eidnet4 3) positive" &&
    dp_fail "forged Map-Reply installed"
echo "ok: forged Map-Reply with a wrong nonce ignored (bad-nonce $b -> $a)"

# lig and rig from x1 (its control plane holds 4342: they use an
# ephemeral port) against the lisp-ztr map-server/map-resolver (exit 0
# on an answer; exit 1 without one is lig_rig.sh's, it costs seconds).
export NO_COLOR=1
lig() { topo_exec x1 "$BUILD/lig" "$@"; }
rig() { topo_exec x1 "$BUILD/rig" "$@"; }
expect() {	# FILE fixed-string
	grep -qF -- "$2" "$1" || { cat "$1" >&2; dp_fail "missing: $2"; }
}
# Registered, not proxied: the map-server forwards the request to x2,
# whose ETR answers lig with its RLOCs (L: local to the answering ETR).
lig "[$DP_IID0]$e4_2" to "$TOPO_MS4" >"$DP_TMP/l1" || dp_fail "lig 1 exit $?"
expect "$DP_TMP/l1" "Send lig map-request to $TOPO_MS4 for EID [$DP_IID0]$e4_2 ..."
expect "$DP_TMP/l1" "Received map-reply from $(topo_rloc4 2) with rtt "
expect "$DP_TMP/l1" "EID-prefix: [$DP_IID0]$(topo_eidnet4 2), ttl: 24 hours, rloc-set:"
expect "$DP_TMP/l1" "  RLOC: $(topo_rloc4 2), up/uw/mp/mw: 1/100/255/0, flags: LpR"
expect "$DP_TMP/l1" "  RLOC: $(topo_rloc6 2), up/uw/mp/mw: 1/100/255/0, flags: LpR"
# IPv6 EID in the other instance-id, asked over IPv6.
lig "[$DP_IID1]$e6_2" to "$TOPO_MS6" >"$DP_TMP/l2" || dp_fail "lig 2 exit $?"
expect "$DP_TMP/l2" "EID-prefix: [$DP_IID1]$(topo_eidnet6 2), ttl: 24 hours, rloc-set:"
expect "$DP_TMP/l2" "  RLOC: $(topo_rloc4 2), up/uw/mp/mw: 1/100/255/0, flags: LpR"
expect "$DP_TMP/l2" "  RLOC: $(topo_rloc6 2), up/uw/mp/mw: 1/100/255/0, flags: LpR"
# x3 (wrong key) is not registered.  Its EID 192.0.2.50 (last octet
# 00110010) shares 3 bits after the /24 with x2's .32 (00100000) and 2
# with x1's .16 (00010000): the least-specific prefix overlapping neither
# is 24 + 3 + 1 = /28, 192.0.2.48/28; inside the site: 1 minute.
lig "[$DP_IID0]192.0.2.50" to "$TOPO_MS4" >"$DP_TMP/l3" || dp_fail "lig 3 exit $?"
expect "$DP_TMP/l3" "Received map-reply from $TOPO_MS4 with rtt "
expect "$DP_TMP/l3" "EID-prefix: [$DP_IID0]192.0.2.48/28, ttl: 1 mins, rloc-set:"
expect "$DP_TMP/l3" "  Empty, map-reply action: native-forward"
# IPv6: group 4 of 2001:db8:e1d:5:: is 0x0005; it shares 13 bits with
# 0x0001 and 0x0002 (sites 1, 2): 48 + 13 + 1 = /62, 2001:db8:e1d:4::/62.
lig "[$DP_IID1]2001:db8:e1d:5::1" to "$TOPO_MS4" >"$DP_TMP/l4" ||
    dp_fail "lig 4 exit $?"
expect "$DP_TMP/l4" "EID-prefix: [$DP_IID1]2001:db8:e1d:4::/62, ttl: 1 mins, rloc-set:"
expect "$DP_TMP/l4" "  Empty, map-reply action: native-forward"
# Outside every site: 10.9.9.9 and 192.0.2.0/24 differ in the first bit:
# 0.0.0.0/1, 15 minutes.
lig "[$DP_IID0]10.9.9.9" to "$TOPO_MS4" >"$DP_TMP/l5" || dp_fail "lig 5 exit $?"
expect "$DP_TMP/l5" "EID-prefix: [$DP_IID0]0.0.0.0/1, ttl: 15 mins, rloc-set:"
echo "ok: lig: registered records (x2's ETR answering, IPv4/IPv6, both IIDs), negative replies [$DP_IID0]192.0.2.48/28 (1 min), [$DP_IID1]2001:db8:e1d:4::/62, [$DP_IID0]0.0.0.0/1 (15 min)"

rig "[$DP_IID0]$e4_2" to "$TOPO_MS4" >"$DP_TMP/g1" || dp_fail "rig 1 exit $?"
expect "$DP_TMP/g1" "Received map-referral from $TOPO_MS4 with rtt "
expect "$DP_TMP/g1" "EID-prefix: [$DP_IID0]$(topo_eidnet4 2), ttl: 24 hours, referral-type: ms-ack"
rig "[$DP_IID1]2001:db8:e1d:5::1" to "$TOPO_MS6" >"$DP_TMP/g2" || dp_fail "rig 2 exit $?"
expect "$DP_TMP/g2" "EID-prefix: [$DP_IID1]2001:db8:e1d:4::/62, ttl: 1 mins, referral-type: ms-not-registered"
rig "[$DP_IID0]10.9.9.9" to "$TOPO_MS4" >"$DP_TMP/g3" || dp_fail "rig 3 exit $?"
expect "$DP_TMP/g3" "EID-prefix: [$DP_IID0]0.0.0.0/1, ttl: 15 mins, referral-type: delegation-hole"
echo "ok: rig: ms-ack, ms-not-registered, delegation-hole from the lisp-ztr map-server"
exit 0
