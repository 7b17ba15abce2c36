#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-ztr drops with named counters and keeps forwarding:
#   - ETR: inner destination not in the local database (not-local-eid);
#   - ETR: garbage on UDP 4341 (lisp-header-error, bad-inner-version,
#     inner-header-error) and the lispers.net control IID (control-iid);
#   - ITR: a source that is not a local EID (source-not-local);
#   - ITR: a destination without a mapping: 10 packets held, the rest
#     dropped (miss-queued, queue-full, resolve-requests).
# Counters are read from the SIGUSR1 state dump in the log.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
dp_init
TOPO_RLOCS=1 dp_bed

e4_2=$(topo_eid4 2)
dp_config 1 2 4 "$DP_TMP/x1.conf"
# x2 owns only 192.0.2.32/29 although x1 maps all of 192.0.2.32/28 to it.
DP_DB4=192.0.2.32/29 dp_config 2 1 4 "$DP_TMP/x2.conf"
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no forwarding"

expect() {	# N NAME MIN [MAX]
	local v
	v=$(dp_counter "$1" "$2")
	if [ "$v" -lt "$3" ] || { [ -n "${4:-}" ] && [ "$v" -gt "$4" ]; }; then
		dp_fail "x$1 counter $2 = $v, want ${3}..${4:-}"
	fi
	echo "ok: x$1 $2 = $v"
}

# Not a local EID at x2 (outside its /29): encapsulated by x1, dropped by x2.
topo_exec h1 ping -c 4 -i 0.05 -W 0.2 -q 192.0.2.44 >/dev/null 2>&1
expect 2 not-local-eid 4 4

# Garbage to x2's 4341 from the underlay namespace.
rloc2=$(topo_rloc4 2)
send() { topo_exec u bash -c "printf '$1' >/dev/udp/$rloc2/4341"; }
send 'abc'						# 3 bytes
send '\x88\x00\x00\x01\x00\x00\x64\x00\x50\x00\x00\x14'	# inner version 5
send '\x88\x00\x00\x01\x00\x00\x64\x00\x45\x00\x00\x54\x00'	# truncated IPv4
send '\x88\x00\x00\x01\xff\xff\xff\x00\x45'			# IID 0xFFFFFF
send '\x89\x00\x00\x01\x00\x00\x64\x00\x45\x00\x00\x14'	# KK = 1, no keys
sleep 0.3
expect 2 lisp-header-error 1 1
expect 2 bad-inner-version 1 1
expect 2 inner-header-error 1 1
expect 2 control-iid 1 1
expect 2 no-decrypt-key 1 1
topo_wait_ping h1 "$e4_2" 5 || dp_fail "forwarding stopped after garbage"
echo "ok: still forwarding after garbage"

# A source that is not a local EID, routed into the sister by x1.
topo_ip h1 addr add 203.0.113.5/32 dev eth0
topo_exec h1 ping -c 3 -i 0.05 -W 0.2 -q -I 203.0.113.5 "$e4_2" \
    >/dev/null 2>&1
expect 1 source-not-local 3 3

# No mapping for 192.0.2.200 in IID 100: 10 held, 5 dropped, resolution
# requested.
topo_exec h1 ping -c 15 -i 0.02 -W 0.2 -q 192.0.2.200 >/dev/null 2>&1
expect 1 miss-queued 10 10
expect 1 queue-full 5 5
expect 1 resolve-requests 1
topo_wait_ping h1 "$e4_2" 5 || dp_fail "forwarding stopped"

# A data plane that crashes is restarted by the parent.
dpid=$(sed -n 's/.*data plane started, pid \([0-9]*\).*/\1/p' "${DP_LOG[2]}" |
    tail -n 1)
[ -n "$dpid" ] || dp_fail "no data-plane pid in the log"
kill -KILL "$dpid"
for i in $(seq 50); do
	[ "$(grep -c 'data plane running' "${DP_LOG[2]}")" -ge 2 ] && break
	sleep 0.1
done
grep -q 'data plane died on signal 9' "${DP_LOG[2]}" ||
    dp_fail "crash not reported"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no forwarding after the restart"
echo "ok: data plane killed with SIGKILL, restarted, forwarding again"

# SIGTERM: clean exit, pidfile removed.
[ -s "$DP_TMP/x2.pid" ] || dp_fail "no pidfile"
dp_stop 2
grep -q 'lisp-ztr: stopped' "${DP_LOG[2]}" || dp_fail "no clean stop"
[ ! -e "$DP_TMP/x2.pid" ] || dp_fail "pidfile left behind"
echo "ok: SIGTERM stops all three processes, pidfile removed"
echo "PASS"
