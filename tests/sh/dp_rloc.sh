#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# RLOC selection by lisp-ztr: a static map-cache entry with two RLOCs of
# priority 1 and weights 75/25, one of priority 2 and one of priority
# 255.  200 UDP flows must spread over the two priority-1 RLOCs in about
# the configured proportion, and the others must carry nothing.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
UDPBLAST=$BUILD/tests/helpers/udpblast
[ -x "$UDPBLAST" ] || dp_fail "$UDPBLAST not built"
dp_init
dp_bed

r_a=$(topo_rloc4 2 0) r_b=$(topo_rloc4 2 1)
r_p2=$(topo_rloc6 2 0) r_p255=$(topo_rloc6 2 1)
DP_RLOC_WEIGHT=75 DP_EXTRA_RLOCS="    rloc {
        address = $r_b
        priority = 1
        weight = 25
    }
    rloc {
        address = $r_p2
        priority = 2
        weight = 100
    }
    rloc {
        address = $r_p255
        priority = 255
        weight = 100
    }
" dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"

topo_capture u x1-0 "$DP_TMP/r0.pcap" udp dst port 4341
c0=$TOPO_LAST_PID
topo_capture u x1-1 "$DP_TMP/r1.pcap" udp dst port 4341
c1=$TOPO_LAST_PID
topo_spawn h2 "$UDPBLAST" recv -p 9000 -t 6 -i 1 >"$DP_TMP/recv.out" 2>&1
rpid=$TOPO_LAST_PID
sleep 0.2
topo_exec h1 "$UDPBLAST" send -d "$(topo_eid4 2)" -p 9000 -s 64 -f 200 \
    -r 2000 -t 1 >/dev/null || dp_fail "udpblast send"
sleep 1.5
topo_capture_stop "$c0"
topo_capture_stop "$c1"
topo_kill "$rpid"

# Distinct flows (outer source ports are per flow) per outer destination.
flows() {	# FILE DST
	tcpdump -n -r "$1" "dst host $2" 2>/dev/null |
	    awk '{ split($3, a, "."); print a[length(a)] }' | sort -u | wc -l
}
a=$(($(flows "$DP_TMP/r0.pcap" "$r_a") + $(flows "$DP_TMP/r1.pcap" "$r_a")))
b=$(($(flows "$DP_TMP/r0.pcap" "$r_b") + $(flows "$DP_TMP/r1.pcap" "$r_b")))
p2=$(($(flows "$DP_TMP/r0.pcap" "$r_p2") + $(flows "$DP_TMP/r1.pcap" "$r_p2")))
p255=$(($(flows "$DP_TMP/r0.pcap" "$r_p255") + $(flows "$DP_TMP/r1.pcap" "$r_p255")))
echo "flows: $r_a (p1 w75) $a, $r_b (p1 w25) $b, $r_p2 (p2) $p2, $r_p255 (p255) $p255"
[ $((a + b)) -ge 150 ] || dp_fail "only $((a + b)) flows seen on the priority-1 RLOCs"
[ "$p2" -eq 0 ] || dp_fail "priority-2 RLOC used by $p2 flows"
[ "$p255" -eq 0 ] || dp_fail "priority-255 RLOC used by $p255 flows"
# 75 % expected; with ~200 flows a share outside 60-90 % is > 4 sigma.
share=$((100 * a / (a + b)))
[ "$share" -ge 60 ] && [ "$share" -le 90 ] ||
    dp_fail "weight 75 RLOC got $share % of the flows"
echo "ok: weights 75/25 -> $share/$((100 - share)) %, priority 2 and 255 unused"
echo "PASS"
