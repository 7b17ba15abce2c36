#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Segmentation offloads of the data path (dataplane/dp_worker.c):
# UDP_SEGMENT on the ITR side (runs of equal-sized encapsulated packets
# of one flow leave as one GSO datagram) and UDP_GRO on the ETR's 4341
# sockets (coalesced datagrams are split and each segment decapsulated).
#
# 1. Both xTRs with offloads (the default): a burst of 64-byte UDP and a
#    20 MB TCP transfer each way (sha256 compared) and a ping arrive;
#    x1's tx-gso-batches/tx-gso-segments and x2's rx-gro-datagrams/
#    rx-gro-segments show the batched paths were taken, every inner
#    packet counted once (etr-packets at x2 = what h2 received), and no
#    ETR drops.
# 2. x1 batching (GSO), x2 without UDP_GRO (LISP_ZTR_OFFLOAD=none): the
#    kernel segments on the way into x2's socket; the flows still arrive
#    and x2 counts no GRO datagrams.
# 3. x1 without offloads: x1 counts no GSO batches; the flows arrive.
# 4. IPv6 outer headers (IPv6 RLOCs): the same, UDP_SEGMENT on IPv6
#    sockets holding encap's flow label, UDP_GRO on [::]:4341.
# 5. The wire: with x1's RLOC device segmenting in software (as a NIC
#    without USO; dp_lib.inc dp_wire_segment), tshark decodes what a GSO
#    run became on the underlay, for IPv4 and IPv6 outer headers: one
#    frame per packet (outer IP length = inner + overhead), none above
#    the MTU, one outer TTL for the flow, DF (IPv4), one non-zero flow
#    label for the flow whether a packet left in a run or alone (IPv6),
#    UDP to 4341 from one source port >= 49152, I bit with IID 100,
#    nonces that differ.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
UDPBLAST=$BUILD/tests/helpers/udpblast
[ -x "$UDPBLAST" ] || dp_fail "$UDPBLAST not built"
dp_init
TOPO_RLOCS=1 dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2)
dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"

# An unpaced burst of 64-byte UDP h1 -> h2 (batches of 64, one flow);
# prints how many datagrams h2 received.
burst() {
	local rpid
	topo_spawn h2 "$UDPBLAST" recv -p 9000 -t 8 -i 1 \
	    >"$DP_TMP/recv.out" 2>"$DP_TMP/recv.err"
	rpid=$TOPO_LAST_PID
	for _ in $(seq 50); do
		grep -q listening "$DP_TMP/recv.err" && break
		sleep 0.1
	done
	topo_exec h1 "$UDPBLAST" send -d "$e4_2" -p 9000 -s 64 -b 64 \
	    -t 1 >/dev/null 2>&1 || dp_fail "udpblast send"
	wait "$rpid"
	_topo_forget_pid "$rpid"
	awk '$1 == "packets:" { print $2 }' "$DP_TMP/recv.out"
}

# Ping and 20 MB of TCP both ways, sha256 compared.
flows() {	# label
	topo_wait_ping h1 "$e4_2" 5 || dp_fail "$1: h1 -> h2 no ping"
	topo_wait_ping h2 "$e4_1" 5 || dp_fail "$1: h2 -> h1 no ping"
	dp_tcp h1 h2 "$e4_2" 20 || dp_fail "$1: 20 MB TCP h1 -> h2"
	dp_tcp h2 h1 "$e4_1" 20 || dp_fail "$1: 20 MB TCP h2 -> h1"
}

start() {	# offloads-x1 offloads-x2 (unset = default)
	if [ "$1" = default ]; then
		dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
	else
		LISP_ZTR_OFFLOAD=$1 dp_start 1 "$DP_TMP/x1.conf" \
		    "$DP_TMP/x1.log"
	fi
	if [ "$2" = default ]; then
		dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"
	else
		LISP_ZTR_OFFLOAD=$2 dp_start 2 "$DP_TMP/x2.conf" \
		    "$DP_TMP/x2.log"
	fi
}

stop() {
	dp_stop 1
	dp_stop 2
	sleep 0.3
}

# --- 1. both sides batched ---------------------------------------------
start default default
e0=$(dp_counter 2 etr-packets)
got=$(burst)
e1=$(dp_counter 2 etr-packets)
[ -n "$got" ] && [ "$got" -gt 0 ] || dp_fail "burst: h2 received nothing"
# Every datagram that reached h2 was decapsulated once; no duplicates
# (a GRO datagram split wrongly would count more or lose some).
[ $((e1 - e0)) -ge "$got" ] ||
    dp_fail "burst: etr-packets +$((e1 - e0)) < $got received by h2"
flows "GSO -> GRO"
gb=$(dp_counter 1 tx-gso-batches) gs=$(dp_counter 1 tx-gso-segments)
rd=$(dp_counter 2 rx-gro-datagrams) rs=$(dp_counter 2 rx-gro-segments)
[ "$gb" -gt 0 ] || dp_fail "x1 tx-gso-batches is 0: UDP_SEGMENT not used"
[ "$gs" -ge $((2 * gb)) ] ||
    dp_fail "x1 tx-gso-segments $gs < 2 x tx-gso-batches $gb"
[ "$rd" -gt 0 ] || dp_fail "x2 rx-gro-datagrams is 0: UDP_GRO not used"
[ "$rs" -ge $((2 * rd)) ] ||
    dp_fail "x2 rx-gro-segments $rs < 2 x rx-gro-datagrams $rd"
d=$(dp_etr_drops 2)
[ "$d" -eq 0 ] || dp_fail "x2 ETR drops: $d"
echo "ok: GSO -> GRO: burst $got/$((e1 - e0)) (h2/etr-packets), ping and 20 MB TCP both ways intact; x1 tx-gso-batches $gb ($gs packets), x2 rx-gro-datagrams $rd ($rs packets), 0 ETR drops"
stop

# --- 2. GSO sender, receiver without UDP_GRO --------------------------
start default none
got=$(burst)
[ -n "$got" ] && [ "$got" -gt 0 ] || dp_fail "no-GRO: h2 received nothing"
flows "GSO -> no GRO"
gb=$(dp_counter 1 tx-gso-batches) rd=$(dp_counter 2 rx-gro-datagrams)
[ "$gb" -gt 0 ] || dp_fail "no-GRO: x1 tx-gso-batches is 0"
[ "$rd" -eq 0 ] || dp_fail "no-GRO: x2 rx-gro-datagrams $rd without UDP_GRO"
echo "ok: GSO -> no GRO: burst $got, ping and TCP intact; x1 tx-gso-batches $gb, x2 rx-gro-datagrams 0 (kernel segmented)"
stop

# --- 3. sender without offloads ---------------------------------------
start none default
got=$(burst)
[ -n "$got" ] && [ "$got" -gt 0 ] || dp_fail "no-GSO: h2 received nothing"
flows "no GSO -> GRO"
gb=$(dp_counter 1 tx-gso-batches)
[ "$gb" -eq 0 ] || dp_fail "no-GSO: x1 tx-gso-batches $gb with offloads off"
echo "ok: no GSO -> GRO: burst $got, ping and TCP intact; x1 tx-gso-batches 0"
stop

# --- 4. IPv6 outer headers -------------------------------------------
dp_config 1 2 6 "$DP_TMP/x1.conf"
dp_config 2 1 6 "$DP_TMP/x2.conf"
start default default
got=$(burst)
[ -n "$got" ] && [ "$got" -gt 0 ] || dp_fail "IPv6 outer: h2 received nothing"
flows "IPv6 outer"
gb=$(dp_counter 1 tx-gso-batches) rd=$(dp_counter 2 rx-gro-datagrams)
[ "$gb" -gt 0 ] || dp_fail "IPv6 outer: x1 tx-gso-batches is 0"
[ "$rd" -gt 0 ] || dp_fail "IPv6 outer: x2 rx-gro-datagrams is 0"
d=$(dp_etr_drops 2)
[ "$d" -eq 0 ] || dp_fail "IPv6 outer: x2 ETR drops: $d"
echo "ok: IPv6 outer: burst $got, ping and TCP intact; x1 tx-gso-batches $gb, x2 rx-gro-datagrams $rd"
stop

# --- 5. the segments on the wire --------------------------------------
command -v tshark >/dev/null || { echo "ok: no tshark, wire check not run"; exit 0; }
dp_wire_segment 1 || { echo "ok: no ethtool, wire check not run"; exit 0; }

# Outer family FAM: capture a burst on the underlay and check each frame.
# IPv4 and IPv6 fields read "outer,inner" for IPv4-in-IPv4 (the inner
# packets are IPv4 UDP).
wire_check() {	# FAM
	local fam=$1 pcap=$DP_TMP/wire$1.pcap cap i0 i1 gb got f last what kd
	dp_config 1 2 "$fam" "$DP_TMP/x1.conf"
	dp_config 2 1 "$fam" "$DP_TMP/x2.conf"
	start default default
	topo_wait_ping h1 "$e4_2" 5 || dp_fail "wire: h1 -> h2 no ping"
	topo_capture u x1-0 "$pcap" udp dst port 4341
	cap=$TOPO_LAST_PID
	i0=$(dp_counter 1 itr-packets)
	got=$(burst)
	sleep 0.5
	topo_capture_stop "$cap"
	i1=$(dp_counter 1 itr-packets) gb=$(dp_counter 1 tx-gso-batches)
	[ "$gb" -gt 0 ] || dp_fail "wire IPv$fam: x1 tx-gso-batches is 0"
	# What tcpdump itself reports lost (ring full while it was not
	# scheduled, on a loaded machine) is not the data path's doing.
	kd=$(awk '/packets dropped by kernel/ { print $1 }' "$pcap.log")
	# Last column: the inner length (IPv4: already in the first).
	if [ "$fam" = 4 ]; then
		f="-e ip.len -e ip.flags.df -e ip.ttl"
		last="-e frame.len" what="DF"
	else
		f="-e ipv6.plen -e ipv6.flow -e ipv6.hlim"
		last="-e ip.len" what="flow label"
	fi
	# shellcheck disable=SC2086
	tshark -r "$pcap" -Y 'lisp-data' -T fields -E separator='|' $f \
	    -e udp.srcport -e udp.dstport -e lisp-data.flags.iid \
	    -e lisp-data.iid -e lisp-data.nonce $last \
	    >"$DP_TMP/wire.txt" 2>/dev/null || dp_fail "tshark"
	awk -F'|' -v fam="$fam" -v want=$((i1 - i0)) -v kd="${kd:-0}" \
	    -v iid="$DP_IID0" '
	{
		split($1, ln, ","); split($2, fl, ","); split($3, tl, ",")
		split($4, sp, ","); split($9, il, ",")
		inner = fam == 4 ? ln[2] : il[1]
		if (fam == 4) {
			olen = ln[1]
			if (fl[1] != 1 && fl[1] != "True") { print "DF clear"; bad++ }
		} else {
			olen = ln[1] + 40
			if (fl[1] + 0 == 0) { print "flow label 0"; bad++ }
			flow[fl[1]] = 1
		}
		if (olen > 1450) { print "frame of IP length " olen; bad++ }
		# One inner packet per frame: outer = inner + IP, UDP, LISP.
		if (olen != inner + (fam == 4 ? 36 : 56)) {
			print "outer " olen " inner " inner; bad++
		}
		if (sp[1] < 49152) { print "source port " sp[1]; bad++ }
		if ($5 !~ /^4341/) { print "dport " $5; bad++ }
		if ($6 != 1 && $6 != "True") { print "I bit clear"; bad++ }
		if ($7 != iid) { print "iid " $7; bad++ }
		ports[sp[1]] = 1; ttl[tl[1]] = 1; nonce[$8]++
	}
	END {
		np = 0; for (p in ports) np++
		nt = 0; for (t in ttl) nt++
		nn = 0; for (x in nonce) nn++
		nf = 0; for (x in flow) nf++
		printf "IPv%d: %d frames (+%d lost by tcpdump) for %d itr-packets, %d source port(s), %d TTL value(s), %d flow label(s), %d distinct nonces\n", fam, NR, kd, want, np, nt, nf, nn
		# tcpdump may lose a few more at this rate; the lengths above
		# tell whether frames hold one packet each.
		if (NR + kd < want * 0.95) { print "fewer frames than packets"; bad++ }
		if (np != 1) { print "one flow on " np " source ports"; bad++ }
		if (nt != 1) { print "TTL not the same for the flow"; bad++ }
		if (fam == 6 && nf != 1) { print "one flow with " nf " flow labels"; bad++ }
		if (nn < NR * 0.95) { print "nonces repeat"; bad++ }
		exit bad > 0
	}' "$DP_TMP/wire.txt" || dp_fail "wire check IPv$fam"
	echo "ok: wire IPv$fam: burst $got, x1 tx-gso-batches $gb ($(dp_counter 1 tx-gso-segments) of $((i1 - i0)) packets), every packet its own frame <= MTU, one source port, one TTL and $what for the flow, LISP header per packet"
	stop
}
wire_check 4
wire_check 6
