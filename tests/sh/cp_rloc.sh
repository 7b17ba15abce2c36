#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Control plane end to end, RLOC dynamics (lisp-ztr xTRs and a lisp-ztr
# map-server, probe interval 1 s):
#  - x1 has two RLOCs (priority 1 on rloc0, 2 on rloc1); rloc0's link goes
#    down: x2's probes mark it down and traffic from h2 continues through
#    rloc1 within three probe intervals; rloc0 comes back and is restored;
#  - x1's RLOC address changes (its database-mapping names the interface):
#    x1 re-registers at once and SMRs x2, which re-resolves through the
#    mapping system; traffic resumes.
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
# x1 reaches the RLOC aggregate through rloc1 too (a worse route).
topo_ip x1 route add "$TOPO_RLOC_AGG4" via 198.51.100.254 metric 100 ||
    dp_fail "backup route"

cp_ms_config "$DP_TMP/ms.conf"
cp_ms_start "$DP_TMP/ms.conf" "$DP_TMP/ms.log"
CP_RLOC_ADDRS="$(topo_rloc4 1 0) $(topo_rloc4 1 1)" CP_RLOC_PRIO_STEP=1 \
    cp_xtr_config 1 "$DP_TMP/x1.conf"
CP_RLOC_ADDRS="$(topo_rloc4 2 0)" cp_xtr_config 2 "$DP_TMP/x2.conf"
for n in 1 2; do
	dp_start $n "$DP_TMP/x$n.conf" "$DP_TMP/x$n.log"
done
for n in 1 2; do
	cp_wait_dump "${DP_PID[$n]}" "${DP_LOG[$n]}" \
	    "map-server $TOPO_MS4 .* state registered" 10 ||
	    dp_fail "x$n not registered"
done
e1=$(topo_eid4 1)
topo_wait_ping h2 "$e1" 5 || dp_fail "h2 -> h1 no ping"
cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" \
    "map-cache \\[$DP_IID0\\]$(topo_eidnet4 1) positive .*$(topo_rloc4 1 0)/p1/w100/up/rtt.* $(topo_rloc4 1 1)/p2/w100/up/rtt" 5 ||
    dp_fail "x2: both RLOCs of x1 not probed up"
echo "ok: x2 caches x1's two RLOCs, both probed up"

# --- failover and restore ---------------------------------------------------
cp_ping_start h2 "$e1" 9
sleep 2
topo_ip x1 link set rloc0 down
cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" "$(topo_rloc4 1 0)/p1/w100/down" 5 ||
    dp_fail "x2 did not mark x1's rloc0 down"
cp_ping_wait
read -r gap n < <(cp_gap)
cp "$DP_TMP/ping.out" "$DP_TMP/ping-failover.out"
echo "figure: failover outage ${gap} s (probe interval $LISPZTR_PROBE_INTERVAL s, $n replies in 9 s)"
awk -v g="$gap" -v i="$LISPZTR_PROBE_INTERVAL" 'BEGIN { exit !(g <= 3 * i) }' ||
    dp_fail "failover took ${gap} s, more than three probe intervals"
topo_exec h2 ping -c 3 -i 0.2 -q "$e1" >/dev/null || dp_fail "no traffic after failover"
echo "ok: traffic continues through rloc1 after rloc0 failed"
topo_ip x1 link set rloc0 up
cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" "$(topo_rloc4 1 0)/p1/w100/up" 10 ||
    dp_fail "x1's rloc0 not restored"
echo "ok: rloc0 restored after recovery"

# --- RLOC address change: SMR ------------------------------------------------
topo_kill "${DP_PID[1]}"
CP_RLOC_IFS=rloc0 cp_xtr_config 1 "$DP_TMP/x1.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1b.log"
cp_wait_dump "${DP_PID[1]}" "${DP_LOG[1]}" \
    "map-server $TOPO_MS4 .* state registered" 10 || dp_fail "x1 not registered"
topo_wait_ping h2 "$e1" 5 || dp_fail "h2 -> h1 no ping after x1 restart"
topo_wait_ping h1 "$(topo_eid4 2)" 5 || dp_fail "h1 -> h2 no ping"
new=198.51.100.11
cp_ping_start h2 "$e1" 10
sleep 2
# (Deleting a primary address also deletes its secondaries: del first.)
topo_ip x1 addr del "$(topo_rloc4 1 0)/25" dev rloc0 &&
    topo_ip x1 addr add "$new/25" dev rloc0 &&
    topo_ip x1 route replace "$TOPO_RLOC_AGG4" via 198.51.100.126 ||
    dp_fail "address change"
cp_wait_dump "$CP_MS_PID" "$CP_MS_LOG" \
    "registration .*\\[$DP_IID0\\]$(topo_eidnet4 1) $new/" 5 ||
    dp_fail "x1 did not re-register its new RLOC"
cp_wait_dump "${DP_PID[2]}" "${DP_LOG[2]}" \
    "map-cache \\[$DP_IID0\\]$(topo_eidnet4 1) positive .*$new/" 5 ||
    dp_fail "x2 did not learn x1's new RLOC"
cp_ping_wait
read -r gap n < <(cp_gap)
s=$(cp_counter "${DP_PID[1]}" "${DP_LOG[1]}" etr-smr-sent)
r=$(cp_counter "${DP_PID[2]}" "${DP_LOG[2]}" itr-smr-invoked-request)
echo "figure: RLOC change outage ${gap} s ($n replies in 10 s), SMRs sent $s, SMR-invoked requests $r"
[ "$s" -gt 0 ] && [ "$r" -gt 0 ] || dp_fail "no SMR exchange"
topo_exec h2 ping -c 3 -i 0.2 -q "$e1" >/dev/null || dp_fail "no traffic after the RLOC change"
echo "ok: RLOC change: re-registered, SMR, x2 learnt $new, traffic resumed"
exit 0
