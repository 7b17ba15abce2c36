#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The native CP <-> DP channel, with a fake control plane
# (tests/helpers/lispers_sim.py --seqpacket) in place of the control
# process (`lisp-ztr -cpdp PATH`).  x1 has no static map-cache: it learns
# everything over the channel.  x2 forwards back with a static map-cache.
#   - restart -> entire-map-cache handshake (the entry it carried shows in
#     the state dump);
#   - a miss punts `discovery` (interface, instance-id, EIDs), the fake CP
#     answers with a map-cache add and the held first packet is delivered:
#     `ping -c 1` succeeds, IPv4 and IPv6;
#   - a burst of misses to one destination punts at most once a second;
#   - the data plane is killed: the parent restarts it, it reconnects,
#     sends restart again, gets the cache back, and forwards at once.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3
dp_init
SIM=tests/helpers/lispers_sim.py
dp_bed

e4_2=$(topo_eid4 2) e6_2=$(topo_eid6 2) e4_1=$(topo_eid4 1)
r2=$(topo_rloc4 2)
dp_config 1 2 4 "$DP_TMP/x1.conf"
# x1: no static map-cache (the clauses come last in dp_config's output).
sed -i '/^lisp map-cache {/,$d' "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"

cat >"$DP_TMP/cp.script" <<EOS
wait restart
send {"type": "entire-map-cache", "entries": [{"type": "map-cache", "opcode": "add", "instance-id": "$DP_IID0", "eid-prefix": "203.0.113.0/24", "rlocs": [{"rloc": "$r2", "priority": "1", "weight": "100", "port": "4341"}]}, {"type": "map-cache", "opcode": "add", "instance-id": "$DP_IID1", "eid-prefix": "203.0.113.128/25", "rlocs": []}]}
resolve $DP_IID0 $(topo_eidnet4 2) $r2
resolve $DP_IID0 $(topo_eidnet6 2) $r2
touch $DP_TMP/cp.ready
serve
EOS
topo_spawn x1 python3 "$SIM" --seqpacket "$DP_TMP/cp.sock" \
    --script "$DP_TMP/cp.script" --log "$DP_TMP/cp.log"
SIMPID=$TOPO_LAST_PID
for i in $(seq 50); do [ -S "$DP_TMP/cp.sock" ] && break; sleep 0.1; done

dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" -cpdp "$DP_TMP/cp.sock"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"
for i in $(seq 100); do [ -f "$DP_TMP/cp.ready" ] && break; sleep 0.1; done
[ -f "$DP_TMP/cp.ready" ] || { cat "$DP_TMP/cp.log" "$DP_TMP/x1.log" >&2; dp_fail "no restart handshake"; }
grep -q ' {"type": "restart"}' "$DP_TMP/cp.log" || dp_fail "restart not received"
echo "ok: restart received by the control plane at data-plane start"

dump() {	# the newest state dump of x1
	dp_counters 1 >/dev/null
	awk '/lisp-ztr-dp: state: begin/ { n = 0; delete l }
	    /lisp-ztr-dp: / { l[n++] = $0 }
	    END { for (k = 0; k < n; k++) print l[k] }' "${DP_LOG[1]}"
}
dump >"$DP_TMP/d1"
grep -q "map-cache \[$DP_IID0\]203.0.113.0/24 state 0 .* $r2/p1/w100" \
    "$DP_TMP/d1" || { cat "$DP_TMP/d1" >&2; dp_fail "entire-map-cache entry missing"; }
grep -q "map-cache \[$DP_IID1\]203.0.113.128/25 state 2 " "$DP_TMP/d1" ||
    dp_fail "empty-RLOC entry not installed as send-map-request"
echo "ok: entire-map-cache installed (positive and empty-RLOC entries)"

# The first packet: held, punted, delivered once the mapping arrives.
topo_exec h1 ping -c 1 -W 5 -q "$e4_2" >/dev/null ||
    { cat "$DP_TMP/cp.log" >&2; dp_fail "ping -c 1 $e4_2 lost its only packet"; }
topo_exec h1 ping -6 -c 1 -W 5 -q "$e6_2" >/dev/null ||
    dp_fail "ping -c 1 $e6_2 lost its only packet"
grep -q "\"dest-eid\": \"$e4_2\"" "$DP_TMP/cp.log" || dp_fail "no discovery for $e4_2"
line=$(grep -m1 "\"dest-eid\": \"$e4_2\"" "$DP_TMP/cp.log")
for f in "\"source-eid\": \"$(topo_eid4 1)\"" '"interface": "eid0"' \
    "\"instance-id\": \"$DP_IID0\""; do
	case $line in *"$f"*) ;; *) dp_fail "discovery lacks $f: $line" ;; esac
done
sent=$(dp_counter 1 miss-queue-sent)
[ "$sent" -ge 2 ] || dp_fail "miss-queue-sent $sent, want >= 2"
[ "$(dp_counter 1 discovery-sent)" -ge 2 ] || dp_fail "discovery-sent"
echo "ok: miss -> discovery ($line) -> map-cache add -> held first packet delivered (ping -c 1, v4 and v6; miss-queue-sent $sent)"

# Rate limit: a burst to one unknown destination punts once a second.
before=$(dp_counter 1 discovery-sent)
topo_exec h1 ping -c 20 -i 0.01 -W 1 -q 192.0.2.60 >/dev/null 2>&1
after=$(dp_counter 1 discovery-sent)
[ $((after - before)) -ge 1 ] && [ $((after - before)) -le 2 ] ||
    dp_fail "20 misses in 0.2 s gave $((after - before)) discovery punts"
echo "ok: 20 misses to one destination -> $((after - before)) discovery punt(s)"

# The data plane dies: restarted by the parent, restart again, cache back.
dppid=$(sed -n 's/.*data plane started, pid \([0-9]*\).*/\1/p' "${DP_LOG[1]}" | tail -1)
[ -n "$dppid" ] || dp_fail "no data-plane pid in the log"
kill -KILL "$dppid"
for i in $(seq 100); do
	[ "$(grep -c ' {"type": "restart"}' "$DP_TMP/cp.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c ' {"type": "restart"}' "$DP_TMP/cp.log")" -ge 2 ] ||
    { cat "${DP_LOG[1]}" >&2; dp_fail "no restart after the data plane restarted"; }
sleep 0.5
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no forwarding after the DP restart"
before=$(grep -c '"type": "discovery"' "$DP_TMP/cp.log")
topo_exec h1 ping -c 3 -i 0.2 -q "$e4_2" >/dev/null || dp_fail "ping after restart"
echo "ok: data plane killed -> restarted, reconnected, restart -> entire-map-cache; forwarding from the restored cache"

kill -TERM "$SIMPID"
wait "$SIMPID" 2>/dev/null
rc=$?
_topo_forget_pid "$SIMPID" 2>/dev/null
grep INVALID "$DP_TMP/cp.log" >&2 && dp_fail "invalid DP -> CP records"
[ $rc = 0 ] || dp_fail "fake CP exit status $rc"
n=$(grep -c '^[0-9]' "$DP_TMP/cp.log")
echo "ok: all $n DP -> CP records valid JSON of a known type, < 4000 bytes"
exit 0
