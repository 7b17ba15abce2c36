#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-ztr and the path MTU, end to end (RFC 9300 section 7.1), with an
# underlay MTU of 1500, IPv4 RLOCs (36 bytes of overhead) and EID links
# of 1500 so that hosts can send packets the overlay cannot carry whole:
#   (b) IPv4, DF=0, 1500 bytes: the ITR splits the inner packet into two
#       encapsulated fragments, the host reassembles, the reply (also
#       1500 bytes, DF=0) comes back the same way (itr-fragmented);
#   (a) IPv4, DF=1, 1500 bytes: the host gets ICMP "fragmentation needed"
#       with next-hop MTU 1464 from the xTR, and 1464 bytes get through;
#   (c) IPv6, 1500 bytes: ICMPv6 Packet Too Big with MTU 1464, the host's
#       PMTU cache holds 1464 (ip -6 route get), 1464 bytes get through;
#   (d) a flood of 200 too-big packets (a route with "mtu lock 1500" on the
#       host makes it ignore the learned PMTU): the ICMP errors stay
#       within the rate limit, every packet is counted as too-big and
#       either answered or rate-limited.
# (b) runs first: after (a) the host would fragment at 1464 itself.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root ping
dp_init
TOPO_EID_MTU=1500 TOPO_RLOC_MTU=1500 TOPO_RLOCS=1 dp_bed

e4_2=$(topo_eid4 2) e6_2=$(topo_eid6 2) gw4=$(topo_gw4 1)
dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no IPv4 forwarding"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "no IPv6 forwarding"

# --- (b) IPv4 DF=0: inner fragmentation, host reassembly -----------------
f1=$(dp_counter 1 itr-fragmented) f2=$(dp_counter 2 itr-fragmented)
out=$(topo_exec h1 ping -M dont -s 1472 -c 3 -i 0.1 -W 1 "$e4_2" 2>&1)
echo "$out" | grep -q ' 3 received' ||
    dp_fail "DF=0 1500-byte ping: $(echo "$out" | tail -n 2)"
echo "$out" | grep -q 'bytes from .*: icmp_seq=1' ||
    dp_fail "DF=0: no full-size reply"
df1=$(($(dp_counter 1 itr-fragmented) - f1))
df2=$(($(dp_counter 2 itr-fragmented) - f2))
[ "$df1" -eq 3 ] && [ "$df2" -eq 3 ] ||
    dp_fail "itr-fragmented: x1 +$df1, x2 +$df2 (want +3 each)"
echo "ok: IPv4 DF=0 1500 bytes: 3/3 replies, inner fragmented by x1 (+$df1) and x2 (+$df2)"

# --- (a) IPv4 DF=1: fragmentation needed, MTU 1464 -----------------------
tb=$(dp_counter 1 too-big)
out=$(topo_exec h1 ping -M do -s 1472 -c 1 -W 1 "$e4_2" 2>&1)
echo "$out" | grep -q "From $gw4 .*Frag needed and DF set (mtu = 1464)" ||
    dp_fail "DF=1 1500-byte ping: no frag-needed with mtu 1464: $out"
[ $(($(dp_counter 1 too-big) - tb)) -eq 1 ] || dp_fail "x1 too-big not +1"
# The host now knows the path MTU: 1500 is refused locally ...
out=$(topo_exec h1 ping -M do -s 1472 -c 1 -W 1 "$e4_2" 2>&1)
echo "$out" | grep -qi 'message too long, mtu=1464' ||
    dp_fail "h1 did not learn PMTU 1464: $out"
# ... and 1464 bytes (1436 + 8 + 20) pass unfragmented.
out=$(topo_exec h1 ping -M do -s 1436 -c 3 -i 0.1 -W 1 "$e4_2" 2>&1)
echo "$out" | grep -q ' 3 received' ||
    dp_fail "DF=1 1464-byte ping: $(echo "$out" | tail -n 2)"
echo "ok: IPv4 DF=1 1500 bytes: frag-needed mtu 1464 from $gw4, h1 PMTU 1464, 1464-byte ping 3/3"

# --- (c) IPv6: Packet Too Big, MTU 1464 ----------------------------------
tb=$(dp_counter 1 too-big)
ptb=$(topo_snmp6 h1 Icmp6InPktTooBigs)
out=$(topo_exec h1 ping -6 -M do -s 1452 -c 1 -W 1 "$e6_2" 2>&1)
[ $(($(topo_snmp6 h1 Icmp6InPktTooBigs) - ptb)) -eq 1 ] ||
    dp_fail "h1 got no ICMPv6 Packet Too Big: $out"
rt=$(topo_exec h1 ip -6 route get "$e6_2")
echo "$rt" | grep -q 'mtu 1464' || dp_fail "h1 PMTU cache: $rt"
[ $(($(dp_counter 1 too-big) - tb)) -eq 1 ] || dp_fail "x1 too-big not +1"
out=$(topo_exec h1 ping -6 -M do -s 1416 -c 3 -i 0.1 -W 1 "$e6_2" 2>&1)
echo "$out" | grep -q ' 3 received' ||
    dp_fail "IPv6 1464-byte ping: $(echo "$out" | tail -n 2)"
echo "ok: IPv6 1500 bytes: Packet Too Big, h1 route cache '$(echo "$rt" |
    grep -o 'mtu [0-9]*')', 1464-byte ping 3/3"

# --- (d) rate limit ------------------------------------------------------
nw=$(grep -o 'state: workers [0-9]*' "${DP_LOG[1]}" | tail -n 1 |
    awk '{ print $3 }')
[ -n "$nw" ] || dp_fail "no worker count in the dump"
tb=$(dp_counter 1 too-big)
sent=$(dp_counter 1 icmp-too-big-sent)
rl=$(dp_counter 1 icmp-too-big-ratelimited)
un=$(topo_snmp h1 Icmp InDestUnreachs)
topo_ip h1 route add "$(topo_eidnet4 2)" via "$gw4" mtu lock 1500 ||
    dp_fail "h1: route with a locked MTU"
start=$(date +%s.%N)
topo_exec h1 ping -M do -s 1472 -c 200 -i 0.002 -W 1 -q "$e4_2" \
    >/dev/null 2>&1
sleep 0.2
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
dtb=$(($(dp_counter 1 too-big) - tb))
dsent=$(($(dp_counter 1 icmp-too-big-sent) - sent))
drl=$(($(dp_counter 1 icmp-too-big-ratelimited) - rl))
dun=$(($(topo_snmp h1 Icmp InDestUnreachs) - un))
# 10 per second per worker after a burst of 20: one flow, one worker,
# but allow all of them.
max=$(awk -v w="$nw" -v s="$secs" 'BEGIN { printf "%d", w * (20 + 10 * s) + 1 }')
[ "$dtb" -eq 200 ] || dp_fail "flood: too-big +$dtb, want +200"
[ $((dsent + drl)) -eq 200 ] ||
    dp_fail "flood: icmp sent +$dsent + rate-limited +$drl != 200"
[ "$dsent" -ge 1 ] && [ "$dsent" -le "$max" ] ||
    dp_fail "flood: $dsent ICMP errors sent in ${secs}s, limit $max"
[ "$dun" -eq "$dsent" ] ||
    dp_fail "flood: h1 got $dun ICMP errors, x1 sent $dsent"
echo "ok: flood of 200 too-big packets in ${secs}s: too-big +$dtb, $dsent ICMP errors (limit $max, h1 got $dun), $drl rate-limited"

for n in 1 2; do
	dp_stop $n
done
echo "PASS"
