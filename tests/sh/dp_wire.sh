#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# What lisp-ztr puts on the underlay, decoded by tshark (an independent
# decoder): UDP to 4341, I bit with the configured instance-id, N bit with
# a nonce that changes, source port in 49152-65535 and the same for every
# packet of a flow (and different flows spread over ports).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root tshark
UDPBLAST=$BUILD/tests/helpers/udpblast
[ -x "$UDPBLAST" ] || dp_fail "$UDPBLAST not built"
dp_init
TOPO_RLOCS=1 dp_bed

dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"
# Captures on the underlay must see wire packets (dp_lib.inc).
x1_offload=${LISP_ZTR_OFFLOAD:-gro,gso}
dp_wire_segment 1 || x1_offload=gro
LISP_ZTR_OFFLOAD=$x1_offload dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"
topo_wait_ping h1 "$(topo_eid4 2)" 5 || dp_fail "no forwarding"

pcap=$DP_TMP/wire.pcap
topo_capture u x1-0 "$pcap" udp
cap=$TOPO_LAST_PID
# 8 UDP flows (8 sockets, 8 source ports), 100 packets each, in IID 100,
# then 20 pings in IID 200.
topo_spawn h2 "$UDPBLAST" recv -p 9000 -t 5 -i 1 >/dev/null 2>&1
rpid=$TOPO_LAST_PID
sleep 0.2
topo_exec h1 "$UDPBLAST" send -d "$(topo_eid4 2)" -p 9000 -s 64 -f 8 \
    -r 800 -t 1 >/dev/null || dp_fail "udpblast send"
topo_exec h1b ping -c 20 -i 0.01 -q "$(topo_eid4 2)" >/dev/null ||
    dp_fail "ping in IID $DP_IID1"
sleep 1.5
topo_capture_stop "$cap"
topo_kill "$rpid"

fields=$DP_TMP/fields
tshark -r "$pcap" -Y 'ip.src == 198.51.100.1 && udp.dstport == 4341' \
    -T fields -E separator='|' -E aggregator=, -e udp.srcport \
    -e udp.dstport -e lisp-data.flags.nonce -e lisp-data.flags.iid \
    -e lisp-data.nonce -e lisp-data.iid \
    >"$fields" 2>/dev/null || dp_fail "tshark"
# Inner UDP packets have two UDP layers: udp.* fields read "outer,inner".
total=$(wc -l <"$fields")
[ "$total" -ge 800 ] || dp_fail "only $total encapsulated packets captured"

awk -F'|' -v iid0="$DP_IID0" -v iid1="$DP_IID1" '
{
	split($1, sp, ","); split($2, dp, ",")
	osport = sp[1]; odport = dp[1]; n = $3; i = $4; nonce = $5; iid = $6
	if (odport != 4341) { print "bad outer dport " odport; bad++ }
	if (osport < 49152 || osport > 65535) { print "sport " osport; bad++ }
	if (n != 1 && n != "True") { print "N bit clear"; bad++ }
	if (i != 1 && i != "True") { print "I bit clear"; bad++ }
	if (iid != iid0 && iid != iid1) { print "iid " iid; bad++ }
	nonces[nonce]++
	if (iid == iid0) {
		# inner UDP flow: the inner source port names the flow
		inner = sp[2]
		if (!((inner, osport) in seen)) {
			seen[inner, osport] = 1
			nports[inner]++
			outer[osport] = 1
		}
		flows[inner] = 1
		n0++
	} else
		n1++
}
END {
	nf = 0
	for (fl in flows) {
		nf++
		c = nports[fl]
		if (c != 1) { print "flow " fl " used " c " source ports"; bad++ }
	}
	no = 0
	for (p in outer) no++
	nn = 0
	for (x in nonces) nn++
	printf "flows %d, outer ports %d, packets iid0 %d iid1 %d, distinct nonces %d of %d\n",
	    nf, no, n0, n1, nn, NR
	if (nf != 8) { print "expected 8 inner flows"; bad++ }
	if (no < 4) { print "8 flows on fewer than 4 source ports"; bad++ }
	if (n1 < 20) { print "IID " iid1 ": " n1 " packets"; bad++ }
	if (nn < NR * 0.95) { print "nonces repeat too often"; bad++ }
	exit bad > 0
}' "$fields" || dp_fail "underlay check failed"
echo "x1 tx-gso-batches $(dp_counter 1 tx-gso-batches) (offloads $x1_offload)"
echo "ok: $total packets: UDP 4341, I bit + IID $DP_IID0/$DP_IID1, N bit + nonce, source port >= 49152 stable per flow"
echo "PASS"
