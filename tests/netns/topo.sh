# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# Network-namespace test bed for lisp-ztr.  Source this file from a bash
# script running as root, then:
#
#	topo_init		# per-run prefix, cleanup traps
#	topo_build 2		# two sites (x1, x2), underlay u, map-server ms
#	topo_exec h1 ping -c1 192.0.2.33
#
# Everything lives in namespaces named "${TOPO_PREFIX}NAME"; the prefix is
# "lzt<BASHPID>-" so parallel or aborted runs never collide.  Nothing is
# ever linked to the root namespace or to a real interface, and no default
# route leaves the bed.  Cleanup (EXIT, INT, TERM) runs the registered
# hooks, kills the PIDs started through topo_spawn/topo_capture, kills
# whatever else still runs inside our namespaces and deletes them.  It
# touches nothing else.
#
# Topology for site N (N = 1..14), shown for N = 1, 2 (tests/netns/README.md
# has the full addressing plan):
#
#   IID slot 0                                        +--------------------+
#   h1 [eth0]----veth----[eid0]                       |  u (underlay)      |
#     192.0.2.18/28         192.0.2.17/28             |                    |
#     2001:db8:e1d:1::2     2001:db8:e1d:1::1         |   br0 (bridge,     |
#                                 x1                  |   also a router)   |
#   IID slot 1                 [lisp0] ifb sister 0   |   .126/25 .254/25  |
#   h1b [eth0]---veth----[eid1] [lisp1] ifb sister 1  |   ffff::fffe       |
#     192.0.2.18/28 (same!)  192.0.2.30/28 table 101  |   ffff:1::fffe     |
#     2001:db8:e1d:1::2      2001:db8:e1d:1::fe       |                    |
#                          [rloc0]--------veth--------[x1-0]               |
#                            198.51.100.1/25          |                    |
#                            2001:db8:ffff::1/64      |                    |
#                          [rloc1]--------veth--------[x1-1]               |
#                            198.51.100.129/25        |                    |
#                            2001:db8:ffff:1::1/64    |                    |
#                                                     |                    |
#   h2, h2b ------------ x2 [rloc0]-------veth--------[x2-0]               |
#     192.0.2.34/28        198.51.100.2/25            |                    |
#                          [rloc1]-------veth---------[x2-1]               |
#                            198.51.100.130/25        |                    |
#                                                     |                    |
#   ms [eth0]-------------------------veth------------[ms-0]               |
#     198.51.100.100/25, 2001:db8:ffff::100/64        +--------------------+
#
# Sister-interface routing in every xTR (what EVE does with a dummy
# device; an ifb behaves the same: NOARP, silently drops what is routed
# into it, and AF_PACKET sees every packet it transmits):
#	main table:  192.0.2.0/24 dev lisp0, 2001:db8:e1d::/48 dev lisp0
#	             (the local site's /28 and /64 are connected, so more
#	             specific); the data plane captures on lisp0.
#	table 101:   the same for IID slot 1 with lisp1 and eid1, selected by
#	             "iif eid1" (traffic from h1b) and "fwmark 101" (what the
#	             data plane sends towards h1b through a raw socket with
#	             SO_MARK 101 = 0x65) and "from 192.0.2.30" (the xTR's own
#	             replies to h1b), ending in "unreachable default" so
#	             nothing leaks into slot 0.
#
# Knobs (environment, read by topo_build):
#	TOPO_IIDS=2	1 or 2 IID slots per site
#	TOPO_RLOCS=2	1 or 2 RLOC interfaces per xTR
#	TOPO_MS=1	build the map-server namespace
#	TOPO_EID_MTU=1400, TOPO_RLOC_MTU=1500 (room for a v6 RLOC header)

TOPO_EID_AGG4=192.0.2.0/24
TOPO_EID_AGG6=2001:db8:e1d::/48
TOPO_RLOC_AGG4=198.51.100.0/24
TOPO_RLOC_AGG6=2001:db8:ffff::/48
TOPO_MS4=198.51.100.100
TOPO_MS6=2001:db8:ffff::100
TOPO_SLOT1_TABLE=101

# --- addressing plan: pure functions, safe in $(...) ---------------------

_topo_site_ok() {	# N
	case $1 in
	[1-9] | 1[0-4]) return 0 ;;
	esac
	echo "topo: site number '$1' not in 1..14" >&2
	return 1
}

# EID prefix, router and host addresses of site N.
topo_eidnet4() { _topo_site_ok "$1" && echo "192.0.2.$((16 * $1))/28"; }
topo_eidnet6() { _topo_site_ok "$1" && echo "2001:db8:e1d:$1::/64"; }
# Host address; the same in both IID slots (overlapping EIDs).
topo_eid4() { _topo_site_ok "$1" && echo "192.0.2.$((16 * $1 + 2))"; }
topo_eid6() { _topo_site_ok "$1" && echo "2001:db8:e1d:$1::2"; }
# Gateway (xTR) address on the EID side: N [SLOT]
topo_gw4() {
	_topo_site_ok "$1" || return 1
	if [ "${2:-0}" = 1 ]; then
		echo "192.0.2.$((16 * $1 + 14))"
	else
		echo "192.0.2.$((16 * $1 + 1))"
	fi
}
topo_gw6() {
	_topo_site_ok "$1" || return 1
	if [ "${2:-0}" = 1 ]; then
		echo "2001:db8:e1d:$1::fe"
	else
		echo "2001:db8:e1d:$1::1"
	fi
}
# RLOC of xTR N on its interface rloc{K}: N [K]
topo_rloc4() {
	_topo_site_ok "$1" || return 1
	if [ "${2:-0}" = 1 ]; then
		echo "198.51.100.$((128 + $1))"
	else
		echo "198.51.100.$1"
	fi
}
topo_rloc6() {
	_topo_site_ok "$1" || return 1
	if [ "${2:-0}" = 1 ]; then
		echo "2001:db8:ffff:1::$1"
	else
		echo "2001:db8:ffff::$1"
	fi
}
# Host namespace name of site N in IID slot S.
topo_host() { if [ "${2:-0}" = 1 ]; then echo "h$1b"; else echo "h$1"; fi; }

# --- namespaces, processes, cleanup ---------------------------------------

topo_ns() { echo "${TOPO_PREFIX}$1"; }

topo_exec() {	# NAME cmd...
	local ns
	ns=$(topo_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# Start cmd in the background in namespace NAME.  Its PID is recorded (and
# left in TOPO_LAST_PID); cleanup kills it.  Redirections on the call apply
# to the command: topo_spawn x1 foo >log 2>&1
topo_spawn() {	# NAME cmd...
	local ns
	ns=$(topo_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@" &
	TOPO_LAST_PID=$!
	TOPO_PIDS+=("$TOPO_LAST_PID")
}

# Stop one spawned process: TERM, then KILL after 2 s; reaps it.
topo_kill() {	# PID
	local - pid=$1 i
	set +e
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	_topo_forget_pid "$pid"
	return 0
}

_topo_forget_pid() {
	local p keep=()
	for p in "${TOPO_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	TOPO_PIDS=("${keep[@]}")
}

# Register a command (a string, eval'd) to run first at cleanup, e.g. to
# save logs.  Use this rather than your own EXIT trap, which would replace
# ours.
topo_on_cleanup() { TOPO_HOOKS+=("$1"); }

topo_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "topo: must run as root (network namespaces)" >&2
		return 1
	fi
	TOPO_PREFIX="lzt${BASHPID}-"
	# A namespace left over by a SIGKILLed run whose PID was reused.
	if ip netns list | grep -q "^${TOPO_PREFIX}"; then
		TOPO_PREFIX="lzt${BASHPID}r${RANDOM}-"
	fi
	TOPO_NS=()
	TOPO_PIDS=()
	TOPO_HOOKS=()
	TOPO_SITES=()
	_TOPO_CLEANED=0
	trap 'topo_cleanup' EXIT
	trap 'topo_cleanup; exit 130' INT
	trap 'topo_cleanup; exit 143' TERM
}

topo_cleanup() {
	local rc=$? h pid ns i p
	# Runs from traps of scripts under "set -e"; a kill of a process
	# that already exited must not end the cleanup half-way.
	local -
	set +e
	[ "${_TOPO_CLEANED:-1}" = 1 ] && return $rc
	_TOPO_CLEANED=1
	trap '' INT TERM
	for h in "${TOPO_HOOKS[@]}"; do
		eval "$h" || true
	done
	for pid in "${TOPO_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${TOPO_PIDS[@]}"; do
		for i in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	TOPO_PIDS=()
	# Anything still inside one of our namespaces was started by us,
	# directly or not (e.g. a daemon that forked).
	for ((i = ${#TOPO_NS[@]} - 1; i >= 0; i--)); do
		ns=${TOPO_NS[i]}
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null ||
		    echo "topo: could not delete namespace $ns" >&2
	done
	TOPO_NS=()
	trap - INT TERM
	return $rc
}

# Opt-in: delete namespaces "lzt<PID>-*" whose creating shell is dead (a
# run killed with SIGKILL cannot clean up after itself).
topo_reap_stale() {
	local - ns pid p
	set +e
	for ns in $(ip netns list | awk '{print $1}' | grep -E '^lzt[0-9]+(r[0-9]+)?-'); do
		pid=${ns#lzt}
		pid=${pid%%[!0-9]*}
		kill -0 "$pid" 2>/dev/null && continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" && echo "topo: reaped stale namespace $ns" >&2
	done
}

# --- building blocks ------------------------------------------------------

_topo_sysctl() {	# NAME key=value...
	local n=$1
	shift
	topo_exec "$n" sysctl -qw "$@" >/dev/null
}

# New namespace NAME with loopback up, no DAD delay, no RA, no rp_filter,
# and ARP answered only on the interface that holds the address: both RLOC
# interfaces of an xTR sit on one bridge, and Linux would otherwise answer
# for either address on both ("ARP flux").
topo_ns_add() {	# NAME
	local ns
	ns=$(topo_ns "$1") || return 1
	TOPO_NS+=("$ns")		# first, so that a failure still cleans
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up || return 1
	_topo_sysctl "$1" \
	    net.ipv4.conf.all.rp_filter=0 \
	    net.ipv4.conf.default.rp_filter=0 \
	    net.ipv4.conf.all.arp_ignore=1 \
	    net.ipv4.conf.all.arp_announce=2 \
	    net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.all.accept_ra=0 \
	    net.ipv6.conf.default.accept_ra=0 \
	    net.ipv6.conf.default.router_solicitations=0
}

_topo_router() {	# NAME: forwarding on, no redirects
	_topo_sysctl "$1" \
	    net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 \
	    net.ipv4.conf.all.send_redirects=0 \
	    net.ipv4.conf.default.send_redirects=0
}

# veth pair between two of our namespaces, both ends up.
topo_veth() {	# NAME1 IF1 NAME2 IF2 [MTU]
	local ns1 ns2
	ns1=$(topo_ns "$1") && ns2=$(topo_ns "$3") || return 1
	ip -n "$ns1" link add "$2" type veth peer name "$4" netns "$ns2" ||
	    return 1
	if [ -n "${5:-}" ]; then
		ip -n "$ns1" link set "$2" mtu "$5" &&
		    ip -n "$ns2" link set "$4" mtu "$5" || return 1
	fi
	ip -n "$ns1" link set "$2" up && ip -n "$ns2" link set "$4" up
}

topo_ip() {	# NAME ip-args...  (ip -n NS ...)
	local ns
	ns=$(topo_ns "$1") || return 1
	shift
	ip -n "$ns" "$@"
}

_topo_build_underlay() {
	topo_ns_add u && _topo_router u || return 1
	topo_ip u link add br0 type bridge &&
	    topo_ip u link set br0 mtu "$TOPO_RLOC_MTU" &&
	    topo_ip u link set br0 up &&
	    topo_ip u addr add 198.51.100.126/25 dev br0 &&
	    topo_ip u addr add 198.51.100.254/25 dev br0 &&
	    topo_ip u -6 addr add 2001:db8:ffff::fffe/64 dev br0 &&
	    topo_ip u -6 addr add 2001:db8:ffff:1::fffe/64 dev br0
}

# Underlay routes of an RLOC-side namespace: only the RLOC aggregates,
# via u, never a default route.
_topo_rloc_routes() {	# NAME
	topo_ip "$1" route add "$TOPO_RLOC_AGG4" via 198.51.100.126 &&
	    topo_ip "$1" -6 route add "$TOPO_RLOC_AGG6" via 2001:db8:ffff::fffe
}

_topo_build_ms() {
	topo_ns_add ms || return 1
	topo_veth ms eth0 u ms-0 "$TOPO_RLOC_MTU" &&
	    topo_ip u link set ms-0 master br0 &&
	    topo_ip ms addr add "$TOPO_MS4/25" dev eth0 &&
	    topo_ip ms -6 addr add "$TOPO_MS6/64" dev eth0 &&
	    _topo_rloc_routes ms
}

_topo_build_host() {	# N SLOT
	local n=$1 s=$2 h x
	h=$(topo_host "$n" "$s")
	x=x$n
	topo_ns_add "$h" || return 1
	topo_veth "$x" "eid$s" "$h" eth0 "$TOPO_EID_MTU" &&
	    topo_ip "$h" addr add "$(topo_eid4 "$n")/28" dev eth0 &&
	    topo_ip "$h" -6 addr add "$(topo_eid6 "$n")/64" dev eth0 &&
	    topo_ip "$h" route add default via "$(topo_gw4 "$n" "$s")" &&
	    topo_ip "$h" -6 route add default via "$(topo_gw6 "$n" "$s")"
}

# The sister device.  An ifb has a 32-packet pfifo_fast by default, which
# would drop bursts before AF_PACKET sees them; a dummy (what EVE uses) has
# no queue, so take the queue away.  Packets routed into an ifb are counted
# as rx_packets and rx_dropped, not tx.
_topo_sister() {	# NAME IFACE
	topo_ip "$1" link add "$2" type ifb &&
	    topo_exec "$1" tc qdisc replace dev "$2" root noqueue &&
	    topo_ip "$1" link set "$2" up
}

_topo_build_xtr() {	# N
	local n=$1 x=x$1 t=$TOPO_SLOT1_TABLE k
	topo_ns_add "$x" && _topo_router "$x" || return 1

	# RLOC interfaces on the underlay bridge.
	for ((k = 0; k < TOPO_RLOCS; k++)); do
		topo_veth "$x" "rloc$k" u "$x-$k" "$TOPO_RLOC_MTU" &&
		    topo_ip u link set "$x-$k" master br0 &&
		    topo_ip "$x" addr add "$(topo_rloc4 "$n" "$k")/25" \
			dev "rloc$k" &&
		    topo_ip "$x" -6 addr add "$(topo_rloc6 "$n" "$k")/64" \
			dev "rloc$k" || return 1
	done
	_topo_rloc_routes "$x" || return 1

	# IID slot 0: main table, sister lisp0.
	_topo_sister "$x" lisp0 &&
	    _topo_build_host "$n" 0 &&
	    topo_ip "$x" addr add "$(topo_gw4 "$n" 0)/28" dev eid0 &&
	    topo_ip "$x" -6 addr add "$(topo_gw6 "$n" 0)/64" dev eid0 &&
	    topo_ip "$x" route add "$TOPO_EID_AGG4" dev lisp0 &&
	    topo_ip "$x" -6 route add "$TOPO_EID_AGG6" dev lisp0 || return 1

	[ "$TOPO_IIDS" -ge 2 ] || return 0

	# IID slot 1: same EID prefix, own table, sister lisp1.  The
	# addresses carry no prefix route so that the main table keeps
	# only slot 0's connected routes.
	_topo_sister "$x" lisp1 &&
	    _topo_build_host "$n" 1 &&
	    topo_ip "$x" addr add "$(topo_gw4 "$n" 1)/28" dev eid1 \
		noprefixroute &&
	    topo_ip "$x" -6 addr add "$(topo_gw6 "$n" 1)/64" dev eid1 \
		noprefixroute || return 1
	for f in -4 -6; do
		local net agg gw
		if [ $f = -4 ]; then
			net=$(topo_eidnet4 "$n") agg=$TOPO_EID_AGG4
			gw=$(topo_gw4 "$n" 1)
		else
			net=$(topo_eidnet6 "$n") agg=$TOPO_EID_AGG6
			gw=$(topo_gw6 "$n" 1)
		fi
		topo_ip "$x" $f route add "$net" dev eid1 table $t &&
		    topo_ip "$x" $f route add "$agg" dev lisp1 table $t &&
		    topo_ip "$x" $f route add unreachable default table $t &&
		    topo_ip "$x" $f rule add pref 1001 iif eid1 lookup $t &&
		    topo_ip "$x" $f rule add pref 1002 fwmark $t lookup $t &&
		    topo_ip "$x" $f rule add pref 1003 from "$gw" lookup $t ||
		    return 1
	done
}

# Build the bed: underlay, map-server (TOPO_MS=1) and sites 1..NSITES.
topo_build() {	# [NSITES]
	local nsites=${1:-2} n
	: "${TOPO_IIDS:=2}" "${TOPO_RLOCS:=2}" "${TOPO_MS:=1}"
	: "${TOPO_EID_MTU:=1400}" "${TOPO_RLOC_MTU:=1500}"
	if [ -z "${TOPO_PREFIX:-}" ]; then
		echo "topo: call topo_init first" >&2
		return 1
	fi
	_topo_build_underlay || { echo "topo: underlay failed" >&2; return 1; }
	if [ "$TOPO_MS" = 1 ]; then
		_topo_build_ms || { echo "topo: ms failed" >&2; return 1; }
	fi
	for ((n = 1; n <= nsites; n++)); do
		_topo_build_xtr "$n" ||
		    { echo "topo: site $n failed" >&2; return 1; }
		TOPO_SITES+=("$n")
	done
}

# --- kernel substitutes for the overlay -----------------------------------

# Route site B's EID prefixes from xTR A straight to B's RLOC (slot 0), and
# back.  Plain IP forwarding in place of the overlay: a topology check and
# the "plain" benchmark baseline.
topo_overlay_kernel() {	# A B
	local a=$1 b=$2
	topo_ip "x$a" route replace "$(topo_eidnet4 "$b")" via "$(topo_rloc4 "$b")" &&
	    topo_ip "x$a" -6 route replace "$(topo_eidnet6 "$b")" via "$(topo_rloc6 "$b")" &&
	    topo_ip "x$b" route replace "$(topo_eidnet4 "$a")" via "$(topo_rloc4 "$a")" &&
	    topo_ip "x$b" -6 route replace "$(topo_eidnet6 "$a")" via "$(topo_rloc6 "$a")"
}

# Undo topo_overlay_kernel: traffic falls back into the sister again.
topo_overlay_clear() {	# A B
	local - a=$1 b=$2
	set +e
	topo_ip "x$a" route del "$(topo_eidnet4 "$b")" 2>/dev/null
	topo_ip "x$a" -6 route del "$(topo_eidnet6 "$b")" 2>/dev/null
	topo_ip "x$b" route del "$(topo_eidnet4 "$a")" 2>/dev/null
	topo_ip "x$b" -6 route del "$(topo_eidnet6 "$a")" 2>/dev/null
	return 0
}

# Kernel VXLAN between xTRs A and B over their rloc0 (IPv4 RLOCs, UDP
# 4789), device "vxB" in xA and "vxA" in xB, inner link 203.0.113.0/24 and
# 2001:db8:fffe::/64, and the peer's EID prefixes routed into it.
topo_vxlan() {	# A B [VNI]
	local a=$1 b=$2 vni=${3:-42} p q
	for p in "$a:$b" "$b:$a"; do
		local me=${p%:*} peer=${p#*:}
		q=x$me
		topo_ip "$q" link add "vx$peer" type vxlan id "$vni" \
		    local "$(topo_rloc4 "$me")" remote "$(topo_rloc4 "$peer")" \
		    dstport 4789 dev rloc0 &&
		    topo_ip "$q" link set "vx$peer" up &&
		    topo_ip "$q" addr add "203.0.113.$me/24" dev "vx$peer" &&
		    topo_ip "$q" -6 addr add "2001:db8:fffe::$me/64" dev "vx$peer" &&
		    topo_ip "$q" route replace "$(topo_eidnet4 "$peer")" \
			via "203.0.113.$peer" dev "vx$peer" &&
		    topo_ip "$q" -6 route replace "$(topo_eidnet6 "$peer")" \
			via "2001:db8:fffe::$peer" dev "vx$peer" || return 1
	done
}

topo_vxlan_clear() {	# A B
	local -
	set +e
	topo_ip "x$1" link del "vx$2" 2>/dev/null
	topo_ip "x$2" link del "vx$1" 2>/dev/null
	return 0
}

# --- test helpers ---------------------------------------------------------

# Ping until one reply arrives or TIMEOUT seconds pass.
topo_wait_ping() {	# NAME ADDR [TIMEOUT]
	local end=$((SECONDS + ${3:-5}))
	while :; do
		topo_exec "$1" ping -c1 -W1 -q "$2" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# tcpdump -w FILE on IFACE in namespace NAME, in the background; returns
# once tcpdump is listening.  --immediate-mode matters: without it libpcap's
# TPACKET_V3 ring hands over a block only when it fills or after 1 s, and a
# capture stopped sooner loses what is still in the block.  PID in TOPO_LAST_PID, killed at cleanup;
# stop it earlier (flushing the file) with topo_capture_stop PID.
topo_capture() {	# NAME IFACE FILE [filter...]
	local n=$1 ifc=$2 f=$3 i
	shift 3
	topo_spawn "$n" tcpdump -Z root -n -U --immediate-mode -B 65536 -i "$ifc" -w "$f" "$@" \
	    2>"$f.log" || return 1
	for i in $(seq 50); do
		grep -q 'listening on' "$f.log" 2>/dev/null && return 0
		kill -0 "$TOPO_LAST_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "topo: tcpdump on $n/$ifc did not start:" >&2
	cat "$f.log" >&2
	return 1
}

topo_capture_stop() {	# PID
	local - i
	set +e
	kill -INT "$1" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	topo_kill "$1"
}

# Number of packets in a capture file (optionally matching a display
# filter), via tcpdump -r.
topo_count() {	# FILE [filter...]
	local f=$1
	shift
	tcpdump -n -r "$f" "$@" 2>/dev/null | wc -l
}

# One counter from /proc/net/snmp of namespace NAME, e.g. Icmp InEchos.
topo_snmp() {	# NAME GROUP FIELD
	topo_exec "$1" cat /proc/net/snmp | awk -v g="$2:" -v f="$3" '
	    $1 == g && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
	    $1 == g && hdr { print $col[f]; exit }'
}

# Interface statistic (rx_packets, tx_packets, ...) in namespace NAME.
topo_ifstat() {	# NAME IFACE COUNTER
	topo_exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# One counter from /proc/net/snmp6 of namespace NAME, e.g. Icmp6InEchos.
topo_snmp6() {	# NAME FIELD
	topo_exec "$1" cat /proc/net/snmp6 | awk -v f="$2" '$1 == f { print $2 }'
}
