#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The ETR's TUN output with TCP coalescing (LISP_ZTR_OFFLOAD token "tun",
# dataplane/dp_tun.h, dataplane/gro.h), one lisp interface (eid0, IID
# 100) on both xTRs.
#
# 1. Raw path ("gro,gso"): the TTL and hop limit h2 sees for a
#    ping from h1 -- the reference.
# 2. Both xTRs with "gro,gso,tun": the lztr0 device exists; ping and
#    20 MB TCP both ways over IPv4 and one way over IPv6 arrive intact
#    (sha256); x2 counts tun-super-packets and tun-merged-segments (more
#    than two segments per super-packet), no tun-write-errors, no ETR
#    drops; h2 sees the same TTL and hop limit as on the raw path.
# 2b. Both xTRs with "gro,gso,vnet,tun" (the ITR captures super-packets
#    and segments them, the ETR merges them again): 20 MB TCP both ways
#    over IPv4 and one way over IPv6 intact; x1 segmented super-packets
#    (vnet-gso-frames) and x2 merged segments, nothing rejected.
# 3. With x2's eid0 segmenting and checksumming in software (TSO and tx
#    checksum offload off), a capture of a TCP transfer on eid0 shows the
#    segments the kernel cut from the super-packets: tshark with
#    tcp.check_checksum and ip.check_checksum finds no bad checksum and no
#    frame above the EID MTU, while x2 merged segments during it.
# 4. Two lisp interfaces (IID 100 and 200 with the same EID prefixes):
#    the TUN is not used (routing could not tell the IIDs apart); h1b
#    still reaches h2b, and x2 counts no TUN writes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
dp_init
TOPO_RLOCS=1 dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2)
e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)

# One lisp interface (eid0, IID 100), IPv4 RLOCs.
DP_ONE_IID=1 dp_config 1 2 4 "$DP_TMP/x1.conf"
DP_ONE_IID=1 dp_config 2 1 4 "$DP_TMP/x2.conf"

start() {	# OFFLOAD CONF1 CONF2
	LISP_ZTR_OFFLOAD=$1 dp_start 1 "$2" "$DP_TMP/x1.log"
	LISP_ZTR_OFFLOAD=$1 dp_start 2 "$3" "$DP_TMP/x2.log"
	topo_wait_ping h1 "$e4_2" 5 || dp_fail "h1 -> h2 no ping"
}

stop() {
	dp_stop 1
	dp_stop 2
	sleep 0.3
}

# TTL (IPv4) or hop limit (IPv6) of the echo request h2 receives from h1.
ttl_at_h2() {	# 4|6
	local pcap=$DP_TMP/ttl$1.pcap cap f
	topo_capture h2 eth0 "$pcap" icmp or icmp6
	cap=$TOPO_LAST_PID
	if [ "$1" = 4 ]; then
		topo_exec h1 ping -c1 -W2 -q "$e4_2" >/dev/null 2>&1
		f="icmp[0] == 8"
	else
		topo_exec h1 ping -6 -c1 -W2 -q "$e6_2" >/dev/null 2>&1
		f="icmp6 and ip6[40] == 128"
	fi
	sleep 0.3
	topo_capture_stop "$cap"
	tcpdump -n -v -r "$pcap" "$f" 2>/dev/null | grep -o -E \
	    '(ttl|hlim) [0-9]+' | head -1 | awk '{ print $2 }'
}

# --- 1. the raw path's TTL ---------------------------------------------
start gro,gso "$DP_TMP/x1.conf" "$DP_TMP/x2.conf"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "raw: h1 -> h2 no IPv6 ping"
raw4=$(ttl_at_h2 4) raw6=$(ttl_at_h2 6)
[ -n "$raw4" ] && [ -n "$raw6" ] || dp_fail "raw: no echo request seen at h2"
[ "$(dp_counter 2 tun-single-packets)" -eq 0 ] ||
    dp_fail "raw: TUN used without the tun token"
echo "ok: raw path: h2 sees TTL $raw4, hop limit $raw6"
stop

# --- 2. TUN output -----------------------------------------------------
start gro,gso,tun "$DP_TMP/x1.conf" "$DP_TMP/x2.conf"
grep -q 'TUN output lztr0' "$DP_TMP/x2.log" || {
	cat "$DP_TMP/x2.log" >&2
	dp_fail "x2: no TUN output"
}
topo_ip x2 link show lztr0 >/dev/null || dp_fail "x2: no lztr0"
topo_wait_ping h2 "$e4_1" 5 || dp_fail "tun: h2 -> h1 no ping"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "tun: h1 -> h2 no IPv6 ping"
t4=$(ttl_at_h2 4) t6=$(ttl_at_h2 6)
[ "$t4" = "$raw4" ] || dp_fail "tun: h2 sees TTL $t4, raw path $raw4"
[ "$t6" = "$raw6" ] || dp_fail "tun: h2 sees hop limit $t6, raw path $raw6"
dp_tcp h1 h2 "$e4_2" 20 || dp_fail "tun: 20 MB TCP h1 -> h2"
dp_tcp h2 h1 "$e4_1" 20 || dp_fail "tun: 20 MB TCP h2 -> h1"
dp_tcp h1 h2 "$e6_2" 20 || dp_fail "tun: 20 MB TCP over IPv6 h1 -> h2"
sp=$(dp_counter 2 tun-super-packets) ms=$(dp_counter 2 tun-merged-segments)
sg=$(dp_counter 2 tun-single-packets) we=$(dp_counter 2 tun-write-errors)
[ "$sp" -gt 0 ] || dp_fail "tun: x2 tun-super-packets is 0"
[ "$ms" -gt $((2 * sp)) ] ||
    dp_fail "tun: x2 tun-merged-segments $ms <= 2 x tun-super-packets $sp"
[ "$we" -eq 0 ] || dp_fail "tun: x2 tun-write-errors $we"
[ "$(dp_counter 1 tun-super-packets)" -gt 0 ] ||
    dp_fail "tun: x1 tun-super-packets is 0 (h2 -> h1)"
d=$(dp_etr_drops 2)
[ "$d" -eq 0 ] || dp_fail "tun: x2 ETR drops: $d"
echo "ok: tun: ping, 20 MB TCP h1 <-> h2 (IPv4) and h1 -> h2 (IPv6) intact; x2 tun-super-packets $sp with $ms segments, $sg single, 0 write errors; TTL $t4 and hop limit $t6 as on the raw path"

# --- 2b. vnet capture and TUN output together ----------------------------
stop
start gro,gso,vnet,tun "$DP_TMP/x1.conf" "$DP_TMP/x2.conf"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "vnet+tun: h1 -> h2 no IPv6 ping"
dp_tcp h1 h2 "$e4_2" 20 || dp_fail "vnet+tun: 20 MB TCP h1 -> h2"
dp_tcp h2 h1 "$e4_1" 20 || dp_fail "vnet+tun: 20 MB TCP h2 -> h1"
dp_tcp h1 h2 "$e6_2" 20 || dp_fail "vnet+tun: 20 MB TCP over IPv6 h1 -> h2"
vf=$(dp_counter 1 vnet-gso-frames) vs=$(dp_counter 1 vnet-gso-segments)
vr=$(( $(dp_counter 1 vnet-rejected) + $(dp_counter 2 vnet-rejected) ))
sp=$(dp_counter 2 tun-super-packets) ms=$(dp_counter 2 tun-merged-segments)
[ "$vf" -gt 0 ] && [ "$vs" -gt $((2 * vf)) ] ||
    dp_fail "vnet+tun: x1 vnet-gso-frames $vf, vnet-gso-segments $vs"
[ "$vr" -eq 0 ] || dp_fail "vnet+tun: vnet-rejected $vr"
[ "$sp" -gt 0 ] && [ "$ms" -gt $((2 * sp)) ] ||
    dp_fail "vnet+tun: x2 tun-super-packets $sp, tun-merged-segments $ms"
[ "$(dp_counter 2 tun-write-errors)" -eq 0 ] ||
    dp_fail "vnet+tun: x2 tun-write-errors"
d=$(dp_etr_drops 2)
[ "$d" -eq 0 ] || dp_fail "vnet+tun: x2 ETR drops: $d"
echo "ok: vnet+tun: 20 MB TCP h1 <-> h2 (IPv4) and h1 -> h2 (IPv6) intact; x1 cut $vf super-packets into $vs segments, x2 merged $ms segments into $sp super-packets, nothing rejected"

# --- 3. what the kernel cut, on the wire -------------------------------
if ! command -v tshark >/dev/null || ! command -v ethtool >/dev/null; then
	echo "ok: no tshark or ethtool, checksum check not run"
else
	topo_exec x2 ethtool -K eid0 tso off gso off tx off >/dev/null 2>&1 ||
	    dp_fail "ethtool -K eid0 in x2"
	pcap=$DP_TMP/eid0.pcap
	topo_capture x2 eid0 "$pcap" tcp and \( dst host "$e4_2" or dst host "$e6_2" \)
	cap=$TOPO_LAST_PID
	m0=$(dp_counter 2 tun-merged-segments)
	dp_tcp h1 h2 "$e4_2" 4 || dp_fail "wire: 4 MB TCP h1 -> h2"
	dp_tcp h1 h2 "$e6_2" 4 || dp_fail "wire: 4 MB TCP over IPv6 h1 -> h2"
	sleep 0.3
	topo_capture_stop "$cap"
	m1=$(dp_counter 2 tun-merged-segments)
	[ "$m1" -gt "$m0" ] || dp_fail "wire: x2 merged nothing during the capture"
	tshark -r "$pcap" -o tcp.check_checksum:TRUE \
	    -o ip.check_checksum:TRUE -T fields -E separator='|' \
	    -e ip.len -e ipv6.plen -e tcp.checksum.status \
	    -e ip.checksum.status -e tcp.srcport \
	    >"$DP_TMP/wire.txt" 2>/dev/null || dp_fail "tshark"
	awk -F'|' '
	{
		n++
		len = $1 != "" ? $1 : $2 + 40
		if (len > 1400) { print "frame of IP length " len; bad++ }
		# status (tshark 4.0): 1 good, 0 bad, 2 unverified
		if ($3 != 1 && $3 != "Good") { print "TCP checksum " $3 " in " NR; bad++ }
		if ($1 != "" && $4 != 1 && $4 != "Good") { print "IP checksum " $4; bad++ }
		if ($5 != "" && $5 != 5201 && len > 500) data++
	}
	END {
		printf "%d TCP frames, %d data\n", n, data
		if (n < 1000) { print "too few frames"; bad++ }
		exit bad > 0
	}' "$DP_TMP/wire.txt" >"$DP_TMP/wire.out" || {
		head -20 "$DP_TMP/wire.out" >&2
		dp_fail "wire: bad segments on x2 eid0"
	}
	echo "ok: wire: $(tail -1 "$DP_TMP/wire.out") on x2 eid0 (software segmentation), every TCP and IPv4 checksum good, none above 1400; x2 merged $((m1 - m0)) segments meanwhile"
fi
stop

# --- 4. two IIDs: no TUN -------------------------------------------------
dp_config 1 2 4 "$DP_TMP/x1b.conf"
dp_config 2 1 4 "$DP_TMP/x2b.conf"
start gro,gso,tun "$DP_TMP/x1b.conf" "$DP_TMP/x2b.conf"
topo_wait_ping h1b "$e4_2" 5 || dp_fail "two IIDs: h1b -> h2b no ping"
dp_tcp h1b h2b "$e4_2" 2 || dp_fail "two IIDs: 2 MB TCP h1b -> h2b"
n=$(( $(dp_counter 2 tun-single-packets) + $(dp_counter 2 tun-super-packets) ))
[ "$n" -eq 0 ] || dp_fail "two IIDs: x2 wrote $n packets into the TUN"
echo "ok: two IIDs: h1b -> h2b over IID $DP_IID1 by the raw path, no TUN writes"
stop
