#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The vnet capture (dataplane/dp_vnet.h, LISP_ZTR_OFFLOAD token "vnet"):
# the ITR captures its sister device with segmentation offloads on and
# cuts the TCP super-packets itself (dataplane/gso.c).
#
# 1. Both xTRs in vnet mode: ping and 20 MB of TCP h1 -> h2 and back,
#    over IPv4 and IPv6 EIDs, and 5 MB h1 -> h2 with an MSS of 500 (a
#    super-packet's segments outnumber the worker's batch), sha256
#    compared; x1 and x2 count
#    vnet-gso-frames > 0 (super-packets were segmented), more
#    vnet-gso-segments than frames, and no vnet-rejected; the MSS 500
#    transfer counts vnet-gso-long-frames (super-packets of more
#    segments than a batch).
# 2. The wire: with x1's RLOC device segmenting UDP in software (so that
#    the underlay capture sees the packets of the wire, dp_lib.inc
#    dp_wire_segment), tshark decodes the LISP packets of a TCP transfer
#    and checks every inner TCP checksum (tcp.check_checksum): all good,
#    none bad, and the inner segments are at most the MSS the sender used.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
dp_init
TOPO_RLOCS=1 dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2)
e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"

start() {
	LISP_ZTR_OFFLOAD=gro,gso,vnet dp_start 1 "$DP_TMP/x1.conf" \
	    "$DP_TMP/x1.log"
	LISP_ZTR_OFFLOAD=gro,gso,vnet dp_start 2 "$DP_TMP/x2.conf" \
	    "$DP_TMP/x2.log"
	grep -q 'with offloads (vnet' "$DP_TMP/x1.log" ||
	    dp_fail "x1 did not open a vnet capture: $(grep -i capture "$DP_TMP/x1.log")"
}

# --- 1. transfers, counters ------------------------------------------
start
topo_wait_ping h1 "$e4_2" 5 || dp_fail "h1 -> h2 no ping"
topo_wait_ping h2 "$e4_1" 5 || dp_fail "h2 -> h1 no ping"
dp_tcp h1 h2 "$e4_2" 20 || dp_fail "20 MB TCP h1 -> h2 (IPv4)"
dp_tcp h2 h1 "$e4_1" 20 || dp_fail "20 MB TCP h2 -> h1 (IPv4)"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "h1 -> h2 no IPv6 ping"
dp_tcp h1 h2 "$e6_2" 20 || dp_fail "20 MB TCP h1 -> h2 (IPv6)"
dp_tcp h2 h1 "$e6_1" 20 || dp_fail "20 MB TCP h2 -> h1 (IPv6)"
# A small MSS (h2 advertises 500 to h1): a 64 KB super-packet is some
# 120 segments, more than the worker's stage and send batch (64) hold,
# so they are flushed in the middle of it, in order.
f0=$(dp_counter 1 vnet-gso-frames) s0=$(dp_counter 1 vnet-gso-segments)
l0=$(dp_counter 1 vnet-gso-long-frames)
topo_ip h2 route replace "$(topo_eidnet4 1)" via "$(topo_gw4 2 0)" \
    advmss 500 || dp_fail "advmss route in h2"
dp_tcp h1 h2 "$e4_2" 5 || dp_fail "5 MB TCP h1 -> h2 with MSS 500"
topo_ip h2 route del "$(topo_eidnet4 1)" || dp_fail "advmss route del"
f1=$(dp_counter 1 vnet-gso-frames) s1=$(dp_counter 1 vnet-gso-segments)
l1=$(dp_counter 1 vnet-gso-long-frames)
# How large the super-packets are is the sender's TCP's choice (cwnd,
# autosizing), so the average is not asserted: the transfer must have
# held super-packets longer than a batch, the case this part exercises.
[ $((l1 - l0)) -gt 0 ] ||
    dp_fail "MSS 500: none of $((f1 - f0)) super-packets ($((s1 - s0)) segments) had more than 64 segments (vnet-gso-long-frames)"
[ $((s1 - s0)) -gt $((f1 - f0)) ] ||
    dp_fail "MSS 500: $((s1 - s0)) segments from $((f1 - f0)) super-packets"
echo "ok: MSS 500: 5 MB intact, $((s1 - s0)) segments from $((f1 - f0)) super-packets, $((l1 - l0)) of them longer than a batch"
for n in 1 2; do
	f=$(dp_counter $n vnet-gso-frames) s=$(dp_counter $n vnet-gso-segments)
	r=$(dp_counter $n vnet-rejected) i=$(dp_counter $n itr-packets)
	[ "$f" -gt 0 ] || dp_fail "x$n vnet-gso-frames is 0: no super-packet was segmented"
	[ "$s" -gt "$f" ] || dp_fail "x$n vnet-gso-segments $s <= vnet-gso-frames $f"
	[ "$r" -eq 0 ] || dp_fail "x$n vnet-rejected $r"
	[ "$i" -ge "$s" ] || dp_fail "x$n itr-packets $i < vnet-gso-segments $s"
	echo "ok: x$n: 20 MB TCP each way over IPv4 and IPv6 intact; vnet-gso-frames $f cut into $s segments, itr-packets $i, vnet-rejected 0"
done
dp_stop 1
dp_stop 2
sleep 0.3

# --- 2. the inner checksums on the wire ------------------------------
command -v tshark >/dev/null || { echo "ok: no tshark, wire check not run"; exit 0; }
dp_wire_segment 1 || { echo "ok: no ethtool, wire check not run"; exit 0; }
start
topo_wait_ping h1 "$e4_2" 5 || dp_fail "wire: h1 -> h2 no ping"
pcap=$DP_TMP/wire.pcap
topo_capture u x1-0 "$pcap" udp dst port 4341 || dp_fail "tcpdump"
cap=$TOPO_LAST_PID
f0=$(dp_counter 1 vnet-gso-frames)
dp_tcp h1 h2 "$e4_2" 2 || dp_fail "wire: 2 MB TCP h1 -> h2"
sleep 0.5
topo_capture_stop "$cap"
f1=$(dp_counter 1 vnet-gso-frames)
[ "$f1" -gt "$f0" ] || dp_fail "wire: no super-packet segmented during the capture"
tshark -r "$pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y 'lisp-data and tcp' -T fields -E separator='|' \
    -e tcp.checksum.status -e ip.checksum.status -e tcp.len \
    >"$DP_TMP/wire.txt" 2>/dev/null || dp_fail "tshark"
awk -F'|' '
{
	n++
	# IPv4-in-IPv4: ip.checksum.status is "outer,inner".
	split($2, ic, ",")
	if ($1 == 1 || $1 == "Good") good++
	else { bad++; if (bad < 5) print "tcp checksum status " $1 }
	if (ic[2] != "" && ic[2] != 1 && ic[2] != "Good") {
		ibad++; if (ibad < 5) print "inner IPv4 checksum status " ic[2]
	}
	if ($3 > 0) data++
	if ($3 + 0 > max) max = $3 + 0
}
END {
	printf "%d LISP packets with TCP: %d good checksums, %d bad, %d inner IPv4 header checksums bad, %d with data (largest %d)\n", n, good, bad + 0, ibad + 0, data, max
	if (n < 1000 || data < 1000) { print "too few packets"; exit 1 }
	if (bad > 0 || ibad > 0 || good != n) exit 1
	if (max > 1460) { print "an inner segment above the MSS"; exit 1 }
}' "$DP_TMP/wire.txt" || dp_fail "wire: inner TCP checksums"
echo "ok: wire: LISP packets of a 2 MB transfer cut from $((f1 - f0)) super-packets, every inner TCP and IPv4 checksum good (tshark)"
