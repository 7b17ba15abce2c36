#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-ztr end to end: ping and a 20 MB TCP transfer (sha256 compared) in
# both directions between EID hosts behind two xTRs, for IPv4-in-IPv4,
# IPv6-in-IPv4, IPv4-in-IPv6 and IPv6-in-IPv6, in two instance-ids whose
# EID prefixes overlap; nothing may leak from one IID to the other.  The
# outer family is switched from IPv4 to IPv6 RLOCs by a SIGHUP reload.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
dp_init
dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)

dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"

check_family() {	# outer family label
	local outer=$1 inner a b h1 h2 mb
	for inner in 4 6; do
		if [ $inner = 4 ]; then a=$e4_1 b=$e4_2; else a=$e6_1 b=$e6_2; fi
		for slot in 0 1; do
			h1=$(topo_host 1 $slot) h2=$(topo_host 2 $slot)
			topo_wait_ping "$h1" "$b" 5 ||
			    dp_fail "IPv$inner-in-IPv$outer slot $slot: $h1 -> $b no ping"
			topo_wait_ping "$h2" "$a" 5 ||
			    dp_fail "IPv$inner-in-IPv$outer slot $slot: $h2 -> $a no ping"
			mb=20
			dp_tcp "$h1" "$h2" "$b" $mb ||
			    dp_fail "IPv$inner-in-IPv$outer slot $slot: TCP $h1 -> $h2"
			dp_tcp "$h2" "$h1" "$a" $mb ||
			    dp_fail "IPv$inner-in-IPv$outer slot $slot: TCP $h2 -> $h1"
			echo "ok: IPv$inner-in-IPv$outer IID slot $slot: ping both ways, ${mb} MB TCP both ways, sha256 equal"
		done
	done
}

# No leak between the IIDs: echo requests from h1 reach h2 only, those
# from h1b reach h2b only.
check_isolation() {
	local r2 r2b n
	r2=$(topo_snmp h2 Icmp InEchos) r2b=$(topo_snmp h2b Icmp InEchos)
	topo_exec h1 ping -c 5 -i 0.05 -q "$e4_2" >/dev/null || dp_fail "ping h1"
	n=$(($(topo_snmp h2 Icmp InEchos) - r2))
	[ "$n" -eq 5 ] || dp_fail "h2 got $n of 5 echo requests from h1"
	n=$(($(topo_snmp h2b Icmp InEchos) - r2b))
	[ "$n" -eq 0 ] || dp_fail "h2b (IID $DP_IID1) got $n echo requests sent in IID $DP_IID0"
	r2=$(topo_snmp h2 Icmp InEchos) r2b=$(topo_snmp h2b Icmp InEchos)
	topo_exec h1b ping -c 5 -i 0.05 -q "$e4_2" >/dev/null || dp_fail "ping h1b"
	n=$(($(topo_snmp h2b Icmp InEchos) - r2b))
	[ "$n" -eq 5 ] || dp_fail "h2b got $n of 5 echo requests from h1b"
	n=$(($(topo_snmp h2 Icmp InEchos) - r2))
	[ "$n" -eq 0 ] || dp_fail "h2 (IID $DP_IID0) got $n echo requests sent in IID $DP_IID1"
	echo "ok: IIDs $DP_IID0 and $DP_IID1 isolated (5/5 echoes each, 0 leaked)"
}

check_family 4
check_isolation

# Reload with IPv6 RLOCs.
dp_config 1 2 6 "$DP_TMP/x1.conf"
dp_config 2 1 6 "$DP_TMP/x2.conf"
for n in 1 2; do
	kill -HUP "${DP_PID[$n]}"
	for i in $(seq 50); do
		grep -q 'lisp-ztr-dp: configuration 2 applied' "${DP_LOG[$n]}" &&
		    break
		sleep 0.1
	done
	grep -q 'lisp-ztr-dp: configuration 2 applied' "${DP_LOG[$n]}" ||
	    dp_fail "x$n: reload not applied"
done
# The map-cache must now hold only IPv6 RLOCs.
topo_capture u x1-0 "$DP_TMP/u.pcap" udp port 4341
cap=$TOPO_LAST_PID
topo_exec h1 ping -c 3 -i 0.1 -q "$e4_2" >/dev/null ||
    dp_fail "ping after reload"
# topo_capture's tcpdump is not in immediate mode: let its 1 s block
# timeout pass so that the packets reach the file.
sleep 1.5
topo_capture_stop "$cap"
n4=$(topo_count "$DP_TMP/u.pcap" ip)
n6=$(topo_count "$DP_TMP/u.pcap" ip6)
[ "$n4" -eq 0 ] && [ "$n6" -gt 0 ] ||
    dp_fail "after reload: $n4 IPv4 and $n6 IPv6 outer packets (want 0 and >0)"
echo "ok: SIGHUP reload switched the RLOCs to IPv6 ($n6 IPv6 outer packets, no IPv4)"

check_family 6
check_isolation

# A broken file keeps the running configuration.
echo "lisp map-cache {" >>"$DP_TMP/x1.conf"
kill -HUP "${DP_PID[1]}"
sleep 0.5
grep -q 'reload failed, keeping' "${DP_LOG[1]}" || dp_fail "bad reload not reported"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "forwarding stopped after a bad reload"
echo "ok: a broken config on SIGHUP is refused and forwarding goes on"

for n in 1 2; do
	echo "x$n counters:"
	dp_counters $n | sort | awk '$2 != 0 { print "   ", $0 }'
done
for n in 1 2; do
	dp_stop $n
	grep -q 'stopped' "${DP_LOG[$n]}" || dp_fail "x$n: no clean stop"
done
echo "PASS"
