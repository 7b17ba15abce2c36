#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Control plane end to end, RLOC dynamics (lisp-ztr xTRs and a lisp-ztr
# map-server, probe interval 1 s).  Every RLOC is `rloc { interface = }`,
# as EVE writes them: the control plane registers the interfaces'
# addresses and the data plane sends from them, both following changes.
#  - x1 has two RLOC interfaces (priority 1 on rloc0, 2 on rloc1; each
#    with an IPv4 and an IPv6 address); rloc0's link goes down: x2's
#    probes mark it down and traffic from h2 (IPv4 and IPv6 EIDs)
#    continues through rloc1 within three probe intervals; rloc0 comes
#    back and is restored;
#  - x1's RLOC addresses change (IPv4 and IPv6): x1 re-registers at once
#    and SMRs x2, which re-resolves through the mapping system; x1's data
#    plane sends from the new addresses; traffic resumes in both families.
# The outage of each event is printed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/cp_lib.inc
dp_need_root
topo_init || exit 1
DP_TMP=$(mktemp -d)
topo_on_cleanup '[ -n "${CP_KEEP:-}" ] && cp -r "$DP_TMP" "$CP_KEEP"; rm -rf "$DP_TMP"'
TOPO_RLOCS=2 cp_bed 2
# x1 reaches the RLOC aggregates through rloc1 too (worse routes: IPv6
# routes default to metric 1024).  A link set down flushes IPv6
# addresses unless keep_addr_on_down: keep them, the link is what fails.
topo_ip x1 route add "$TOPO_RLOC_AGG4" via 198.51.100.254 metric 100 &&
    topo_ip x1 -6 route add "$TOPO_RLOC_AGG6" via 2001:db8:ffff:1::fffe \
	metric 2000 &&
    topo_exec x1 sysctl -qw net.ipv6.conf.rloc0.keep_addr_on_down=1 ||
    dp_fail "backup routes"

cp_ms_config "$DP_TMP/ms.conf"
cp_ms_start "$DP_TMP/ms.conf" "$DP_TMP/ms.log"
CP_RLOC_IFS="rloc0 rloc1" cp_xtr_config 1 "$DP_TMP/x1.conf"
CP_RLOC_IFS=rloc0 cp_xtr_config 2 "$DP_TMP/x2.conf"
for n in 1 2; do
	dp_start $n "$DP_TMP/x$n.conf" "$DP_TMP/x$n.log"
done
for n in 1 2; do
	cp_wait_dump "${DP_PID[$n]}" "${DP_LOG[$n]}" \
	    "map-server $TOPO_MS4 .* state registered" 10 ||
	    dp_fail "x$n not registered"
done
e1=$(topo_eid4 1) e1v6=$(topo_eid6 1)
topo_wait_ping h2 "$e1" 5 || dp_fail "h2 -> h1 no ping"
topo_wait_ping h2 "$e1v6" 5 || dp_fail "h2 -> h1 no ping (IPv6)"
mc1="map-cache \\[$DP_IID0\\]$(topo_eidnet4 1) positive "
for r in "$(topo_rloc4 1 0)/p1" "$(topo_rloc6 1 0)/p1" \
    "$(topo_rloc4 1 1)/p2" "$(topo_rloc6 1 1)/p2"; do
	cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" \
	    "$mc1.*$r/w100/up/rtt" 5 ||
	    dp_fail "x2: x1's RLOC $r not probed up"
done
echo "ok: x2 caches x1's four RLOCs (rloc0 and rloc1, IPv4 and IPv6), all probed up"

# --- failover and restore ---------------------------------------------------
cp_ping_start h2 "$e1" 9 4
cp_ping_start h2 "$e1v6" 9 6
sleep 2
topo_ip x1 link set rloc0 down
for r in "$(topo_rloc4 1 0)" "$(topo_rloc6 1 0)"; do
	cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" "$r/p1/w100/down" 5 ||
	    dp_fail "x2 did not mark x1's rloc0 address $r down"
done
cp_ping_wait
for f in 4 6; do
	read -r gap n < <(cp_gap $f)
	echo "figure: failover outage IPv$f EID ${gap} s (probe interval $LISPZTR_PROBE_INTERVAL s, $n replies in 9 s)"
	awk -v g="$gap" -v i="$LISPZTR_PROBE_INTERVAL" 'BEGIN { exit !(g <= 3 * i) }' ||
	    dp_fail "IPv$f failover took ${gap} s, more than three probe intervals"
done
topo_exec h2 ping -c 3 -i 0.2 -q "$e1" >/dev/null || dp_fail "no traffic after failover"
topo_exec h2 ping -c 3 -i 0.2 -q "$e1v6" >/dev/null ||
    dp_fail "no IPv6 traffic after failover"
# x1's data plane no longer sends from the down interface.
cp_wait_dp_sources 1 "$(topo_rloc4 1 1) $(topo_rloc6 1 1)" ||
    dp_fail "x1 data plane sources '$(cp_dp_sources 1)' with rloc0 down"
src=$(cp_dp_sources 1)
echo "ok: traffic continues through rloc1 after rloc0 failed (x1 sends from $src)"
topo_ip x1 link set rloc0 up
for r in "$(topo_rloc4 1 0)" "$(topo_rloc6 1 0)"; do
	cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" "$r/p1/w100/up" 10 ||
	    dp_fail "x1's rloc0 address $r not restored"
done
cp_wait_dp_sources 1 "$(topo_rloc4 1 0) $(topo_rloc6 1 0)" ||
    dp_fail "x1 data plane sources '$(cp_dp_sources 1)' after rloc0 came back"
src=$(cp_dp_sources 1)
echo "ok: rloc0 restored after recovery (x1 sends from $src again)"

# --- RLOC address change: SMR ------------------------------------------------
# x1 again with rloc0 alone, so that only the mapping system (SMR, not a
# backup RLOC) can bring traffic back.
topo_kill "${DP_PID[1]}"
CP_RLOC_IFS=rloc0 cp_xtr_config 1 "$DP_TMP/x1.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1b.log"
cp_wait_dump "${DP_PID[1]}" "${DP_LOG[1]}" \
    "map-server $TOPO_MS4 .* state registered" 10 || dp_fail "x1 not registered"
for a in "$e1" "$e1v6"; do
	topo_wait_ping h2 "$a" 5 || dp_fail "h2 -> $a no ping after x1 restart"
done
for a in "$(topo_eid4 2)" "$(topo_eid6 2)"; do
	topo_wait_ping h1 "$a" 5 || dp_fail "h1 -> $a no ping"
done
new4=198.51.100.11 new6=2001:db8:ffff::11
cp_ping_start h2 "$e1" 10 4
cp_ping_start h2 "$e1v6" 10 6
sleep 2
# (Deleting a primary address also deletes its secondaries: del first.)
topo_ip x1 addr del "$(topo_rloc4 1 0)/25" dev rloc0 &&
    topo_ip x1 addr add "$new4/25" dev rloc0 &&
    topo_ip x1 route replace "$TOPO_RLOC_AGG4" via 198.51.100.126 &&
    topo_ip x1 -6 addr del "$(topo_rloc6 1 0)/64" dev rloc0 &&
    topo_ip x1 -6 addr add "$new6/64" dev rloc0 &&
    topo_ip x1 -6 route replace "$TOPO_RLOC_AGG6" via 2001:db8:ffff::fffe ||
    dp_fail "address change"
for iid in $DP_IID0 $DP_IID1; do
	for p in "$(topo_eidnet4 1)" "$(topo_eidnet6 1)"; do
		cp_wait_dump "$CP_MS_PID" "$CP_MS_LOG" \
		    "registration .*\\[$iid\\]${p%/*}/${p#*/} $new4/.* $new6/" 5 ||
		    dp_fail "x1 did not re-register [$iid]$p with its new RLOCs"
	done
done
for r in "$new4" "$new6"; do
	cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" \
	    "$mc1.*$r/p1/w100/up" 5 ||
	    dp_fail "x2 did not learn (or probe up) x1's new RLOC $r"
done
cp_dump "${DP_PID[2]}" "${DP_LOG[2]}" | grep -E "$mc1" |
    grep -qE "$(topo_rloc4 1 0)/|$(topo_rloc6 1 0)/" &&
    dp_fail "x2 still caches x1's old RLOCs"
cp_wait_dp_sources 1 "$new4 $new6" ||
    dp_fail "x1 data plane sources '$(cp_dp_sources 1)', not the new addresses"
cp_ping_wait
s=$(cp_counter "${DP_PID[1]}" "${DP_LOG[1]}" etr-smr-sent)
r=$(cp_counter "${DP_PID[2]}" "${DP_LOG[2]}" itr-smr-invoked-request)
for f in 4 6; do
	read -r gap n < <(cp_gap $f)
	echo "figure: RLOC change outage IPv$f EID ${gap} s ($n replies in 10 s)"
done
echo "figure: RLOC change SMRs sent $s, SMR-invoked requests $r"
[ "$s" -gt 0 ] && [ "$r" -gt 0 ] || dp_fail "no SMR exchange"
for a in "$e1" "$e1v6"; do
	topo_exec h2 ping -c 3 -i 0.2 -q "$a" >/dev/null ||
	    dp_fail "no traffic to $a after the RLOC change"
done
for a in "$(topo_eid4 2)" "$(topo_eid6 2)"; do
	topo_exec h1 ping -c 3 -i 0.2 -q "$a" >/dev/null ||
	    dp_fail "no traffic from h1 to $a after the RLOC change"
done
d=$(dp_counter 1 no-source-rloc)
[ "$d" = 0 ] || dp_fail "x1: $d no-source-rloc drops"
echo "ok: RLOC change: re-registered $new4 and $new6, SMR, x2 learnt them, x1 sends from them, traffic resumed (IPv4 and IPv6 EIDs)"
exit 0
