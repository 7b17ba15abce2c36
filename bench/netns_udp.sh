#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Data-path benchmark on the namespace bed (tests/netns/topo.sh), the
# 3-hop path of docs performance facts: host h1 - R1 (x1) - R2 (x2) - host
# h2, R1 and R2 joined by the underlay bridge in u.  In one run, so that
# the figures can be read as ratios:
#
#   netns.udp64.plain_pps	kernel forwarding (R1, R2 route the EID
#				prefixes to each other's RLOC)
#   netns.udp64.vxlan_pps	kernel VXLAN between R1 and R2
#   netns.udp64.lisp_pps	lisp-ztr as the xTR on R1 and R2 (hook below)
#   netns.tcp.{plain,vxlan,lisp}_gbps	iperf3, one stream
#   netns.tcp.lisp_vnet_gbps	lisp-ztr with LISP_ZTR_OFFLOAD=gro,gso,vnet
#				(ITR capture of GSO super-packets, segmented
#				in user space, dataplane/dp_vnet.h); TCP only
#   netns.tcp.lisp_tun_gbps	lisp-ztr with LISP_ZTR_OFFLOAD=gro,gso,tun
#				(ETR output through a TUN with TCP
#				coalescing, dataplane/dp_tun.h); TCP only
#   netns.tcp.lisp_vnet_tun_gbps	both (gro,gso,vnet,tun); TCP only
#   ... and the ratios lisp_over_vxlan, lisp_over_plain, vxlan_over_plain.
#
# UDP: udpblast, 64-byte UDP payload, unpaced (sender-bound), batches of
# 64, one flow, BENCH_SECONDS (3) per run; the figure is what the receiver
# in h2 counted per second.  Every figure is the median of BENCH_RUNS (3).
# The receiver's rate is over its first-to-last-packet span, which grows
# by whatever the path still had queued when the sender stopped; the
# packet counts are compared too: *_lost is sent minus received packets.
# For lisp, where they went (docs/BENCHMARKS.md, "Where the lisp UDP
# surplus goes"): lisp_itr_capture_drops (x1's capture-kernel-drops,
# ring overflow), lisp_etr_rcvbuf_drops (x2's Udp RcvbufErrors, the 4341
# socket full; GRO datagrams, each several packets) and h2_rcvbuf_drops
# (the receiver's socket), per run on stderr and as medians.
#
# The LISP hook: when $BUILD/lisp-ztr exists and a shell function
# bench_lisp_start is defined (exported into the environment with
# "export -f", or in bench/netns_lisp.hook, which is sourced if present),
# the script calls
#	bench_lisp_start
# with the bed built and the sister routes in place (remote EIDs routed
# into lisp0 in x1 and x2), the topo_* functions and $BUILD available.  It
# must start the daemons with topo_spawn (so that they are cleaned up) and
# return 0; the script then waits for h1 -> h2 to answer a ping and
# measures.  bench_lisp_stop, if defined, is called afterwards.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
UDPBLAST=$BUILD/tests/helpers/udpblast
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-3}
PORT=9000

METRICS="netns.udp64.plain_pps netns.udp64.vxlan_pps netns.udp64.lisp_pps
    netns.tcp.plain_gbps netns.tcp.vxlan_gbps netns.tcp.lisp_gbps
    netns.tcp.lisp_vnet_gbps netns.tcp.lisp_tun_gbps
    netns.tcp.lisp_vnet_tun_gbps"
na_all() {
	local m
	for m in $METRICS; do echo "$m: n/a ($1)"; done
	exit 0
}
[ "$(id -u)" = 0 ] || na_all "needs root for network namespaces"
[ -x "$UDPBLAST" ] || na_all "$UDPBLAST not built; run make"
have_iperf=1
command -v iperf3 >/dev/null && command -v jq >/dev/null || have_iperf=0

. tests/netns/topo.sh
[ -f bench/netns_lisp.hook ] && . bench/netns_lisp.hook

topo_init || exit 1
tmp=$(mktemp -d)
topo_on_cleanup "rm -rf '$tmp'"
TOPO_IIDS=1 TOPO_RLOCS=1 TOPO_MS=0 topo_build 2 || exit 1
DST=$(topo_eid4 2)

median() {	# values... -> median (the lower middle one for an even count)
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR) print v[int((NR + 1) / 2)] }'
}
ratio() {	# name a b -> "name: a/b x" with 2 decimals, or n/a
	if [ -z "$2" ] || [ -z "$3" ]; then
		echo "$1: n/a"
	else
		awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {
		    if (b > 0) printf "%s: %.2f x\n", n, a / b
		    else printf "%s: n/a\n", n }'
	fi
}

# Drop counters along the path, "itr etr h2" (see the header); the
# daemons' only for lisp.
udp_drops() {	# mode
	local itr=0 etr=0 h2
	if [ "$1" = lisp ]; then
		declare -F bench_lisp_counter >/dev/null &&
		    itr=$(bench_lisp_counter 1 capture-kernel-drops)
		etr=$(topo_snmp x2 Udp RcvbufErrors)
	fi
	h2=$(topo_snmp h2 Udp RcvbufErrors)
	echo "${itr:-0} ${etr:-0} ${h2:-0}"
}

# One UDP run; prints the receiver's packets per second (empty on failure).
udp_once() {	# mode
	local rpid i d0 d1
	d0=$(udp_drops "$1")
	: >"$tmp/recv.err"
	topo_spawn h2 "$UDPBLAST" recv -p $PORT -t $((SECS + 10)) -i 0.5 \
	    >"$tmp/recv.out" 2>"$tmp/recv.err"
	rpid=$TOPO_LAST_PID
	for i in $(seq 50); do
		grep -q listening "$tmp/recv.err" && break
		sleep 0.1
	done
	topo_exec h1 "$UDPBLAST" send -d "$DST" -p $PORT -s 64 -t "$SECS" \
	    -b 64 >"$tmp/send.out" 2>&1
	wait "$rpid"
	_topo_forget_pid "$rpid"
	awk '$1 == "pps:" { print $2 }' "$tmp/recv.out"
	awk '$1 == "pps:" { print $2 }' "$tmp/send.out" >>"$tmp/sent"
	d1=$(udp_drops "$1")
	awk -v m="$1" -v d0="$d0" -v d1="$d1" -v lost="$tmp/lost" '
	    FNR == NR && $1 == "packets:" { s = $2 }
	    FNR != NR && $1 == "packets:" { r = $2 }
	    FNR != NR && $1 == "seconds:" { t = $2 }
	    END {
		split(d0, a, " "); split(d1, b, " ")
		printf "%d %d %d %d\n", s - r, b[1] - a[1], b[2] - a[2],
		    b[3] - a[3] >lost
		printf "# %s: sent %d received %d (lost %d) in %.2f s;" \
		    " itr capture drops %d, etr 4341 rcvbuf drops %d," \
		    " h2 rcvbuf drops %d\n", m, s, r, s - r, t,
		    b[1] - a[1], b[2] - a[2], b[3] - a[3] >"/dev/stderr"
	    }' "$tmp/send.out" "$tmp/recv.out"
}

# Modes are switched on and off around every single run, and the runs of
# the different modes interleave (plain, vxlan, lisp, plain, ...), so that
# a change in machine load during the benchmark hits every mode alike and
# the ratios stay meaningful.  The kernel substitutes install routes more
# specific than the sister routes, so they bypass a running daemon.
mode_on() {
	case $1 in
	plain) topo_overlay_kernel 1 2 ;;
	vxlan) topo_vxlan 1 2 ;;
	lisp) : ;;
	lisp_vnet) bench_lisp_restart gro,gso,vnet ;;
	lisp_tun) bench_lisp_restart gro,gso,tun ;;
	lisp_vnet_tun) bench_lisp_restart gro,gso,vnet,tun ;;
	esac
}
mode_off() {
	case $1 in
	plain) topo_overlay_clear 1 2 ;;
	vxlan) topo_vxlan_clear 1 2 ;;
	lisp) : ;;
	lisp_vnet|lisp_tun|lisp_vnet_tun) bench_lisp_restart "" ;;
	esac
}

tcp_once() {	# -> Gbit/s (empty on failure)
	local v
	v=$(topo_exec h1 iperf3 -c "$DST" -p 5201 -t "$SECS" -J 2>/dev/null |
	    jq -r '.end.sum_received.bits_per_second // empty')
	[ -n "$v" ] && awk -v b="$v" 'BEGIN { printf "%.2f\n", b / 1e9 }'
}

declare -A UDP SENT TCP LOST ITRD ETRD H2D
run_rounds() {	# kind (udp|tcp) modes...
	local kind=$1 r m v l1 l2 l3 l4
	shift
	for ((r = 0; r < RUNS; r++)); do
		for m in "$@"; do
			mode_on "$m" || { echo "# $m: set-up failed" >&2; continue; }
			if ! topo_wait_ping h1 "$DST" 5; then
				echo "# $m: h1 -> h2 does not answer" >&2
			elif [ "$kind" = udp ]; then
				: >"$tmp/sent"
				: >"$tmp/lost"
				v=$(udp_once "$m")
				[ -n "$v" ] && UDP[$m]+="$v "
				v=$(cat "$tmp/sent")
				[ -n "$v" ] && SENT[$m]+="$v "
				if [ -s "$tmp/lost" ]; then
					read -r l1 l2 l3 l4 <"$tmp/lost"
					LOST[$m]+="$l1 " ITRD[$m]+="$l2 "
					ETRD[$m]+="$l3 " H2D[$m]+="$l4 "
				fi
			else
				v=$(tcp_once)
				[ -n "$v" ] && TCP[$m]+="$v "
			fi
			mode_off "$m"
		done
	done
}

report() {	# name value unit [reason-if-empty]
	if [ -n "$2" ]; then
		echo "$1: $2 $3"
	else
		echo "$1: n/a (${4:-run failed})"
	fi
}

if [ $have_iperf = 1 ]; then
	topo_spawn h2 iperf3 -s -p 5201 >/dev/null 2>&1
	for i in $(seq 50); do
		topo_exec h2 ss -Htln 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
fi

# >>> LISP hook: lisp-ztr on R1 and R2 (see the header) <<<
modes=(plain vxlan)
lisp_why=
if [ ! -x "$BUILD/lisp-ztr" ]; then
	lisp_why="no daemon"
elif ! declare -F bench_lisp_start >/dev/null; then
	lisp_why="no daemon: bench_lisp_start not provided"
elif ! bench_lisp_start; then
	lisp_why="bench_lisp_start failed"
elif ! topo_wait_ping h1 "$DST" 10; then
	lisp_why="daemon did not carry h1 -> h2"
else
	modes+=(lisp)
fi
tcp_modes=("${modes[@]}")
declare -F bench_lisp_restart >/dev/null && [ -z "$lisp_why" ] &&
    tcp_modes+=(lisp_vnet lisp_tun lisp_vnet_tun)

# BENCH_NETNS_PARTS (default "udp,tcp"): the parts to run.
parts=${BENCH_NETNS_PARTS:-udp,tcp}
case $parts in *udp*) run_rounds udp "${modes[@]}" ;; esac
tcp_skip=
case $parts in *tcp*) ;; *) have_iperf=0 tcp_skip=1 ;; esac
[ $have_iperf = 1 ] && run_rounds tcp "${tcp_modes[@]}"
declare -F bench_lisp_stop >/dev/null && bench_lisp_stop

med() { [ -n "${1:-}" ] && median $1; }
udp_plain=$(med "${UDP[plain]:-}") plain_sent=$(med "${SENT[plain]:-}")
udp_vxlan=$(med "${UDP[vxlan]:-}") vxlan_sent=$(med "${SENT[vxlan]:-}")
udp_lisp=$(med "${UDP[lisp]:-}") lisp_sent=$(med "${SENT[lisp]:-}")
tcp_plain=$(med "${TCP[plain]:-}") tcp_vxlan=$(med "${TCP[vxlan]:-}")
tcp_lisp=$(med "${TCP[lisp]:-}") tcp_vnet=$(med "${TCP[lisp_vnet]:-}")
tcp_tun=$(med "${TCP[lisp_tun]:-}") tcp_both=$(med "${TCP[lisp_vnet_tun]:-}")

[ -n "$lisp_why" ] || lisp_why="run failed"
tcp_why="run failed"
[ $have_iperf = 1 ] || tcp_why="iperf3 or jq missing"
[ -z "$tcp_skip" ] || tcp_why="not run: BENCH_NETNS_PARTS=$parts"
udp_why="run failed"
case $parts in *udp*) ;; *) udp_why="not run: BENCH_NETNS_PARTS=$parts"
	lisp_udp_why=$udp_why ;; esac

report netns.udp64.plain_pps "$udp_plain" pps "$udp_why"
report netns.udp64.plain_sent_pps "$plain_sent" pps "$udp_why"
report netns.udp64.vxlan_pps "$udp_vxlan" pps "$udp_why"
report netns.udp64.vxlan_sent_pps "$vxlan_sent" pps "$udp_why"
report netns.udp64.lisp_pps "$udp_lisp" pps "${lisp_udp_why:-$lisp_why}"
report netns.udp64.lisp_sent_pps "$lisp_sent" pps "${lisp_udp_why:-$lisp_why}"
for m in plain vxlan lisp; do
	v=$(med "${LOST[$m]:-}")
	report netns.udp64.${m}_lost "$v" packets "$udp_why"
done
report netns.udp64.lisp_itr_capture_drops "$(med "${ITRD[lisp]:-}")" \
    packets "${lisp_udp_why:-$lisp_why}"
report netns.udp64.lisp_etr_rcvbuf_drops "$(med "${ETRD[lisp]:-}")" \
    datagrams "${lisp_udp_why:-$lisp_why}"
report netns.udp64.lisp_h2_rcvbuf_drops "$(med "${H2D[lisp]:-}")" \
    datagrams "${lisp_udp_why:-$lisp_why}"
ratio netns.udp64.vxlan_over_plain "$udp_vxlan" "$udp_plain"
ratio netns.udp64.lisp_over_vxlan "$udp_lisp" "$udp_vxlan"
ratio netns.udp64.lisp_over_plain "$udp_lisp" "$udp_plain"
report netns.tcp.plain_gbps "$tcp_plain" Gbit/s "$tcp_why"
report netns.tcp.vxlan_gbps "$tcp_vxlan" Gbit/s "$tcp_why"
if [ $have_iperf = 1 ]; then
	report netns.tcp.lisp_gbps "$tcp_lisp" Gbit/s "$lisp_why"
else
	report netns.tcp.lisp_gbps "" Gbit/s "$tcp_why"
fi
if [ $have_iperf = 1 ]; then
	report netns.tcp.lisp_vnet_gbps "$tcp_vnet" Gbit/s "$lisp_why"
	report netns.tcp.lisp_tun_gbps "$tcp_tun" Gbit/s "$lisp_why"
	report netns.tcp.lisp_vnet_tun_gbps "$tcp_both" Gbit/s "$lisp_why"
else
	report netns.tcp.lisp_vnet_gbps "" Gbit/s "$tcp_why"
	report netns.tcp.lisp_tun_gbps "" Gbit/s "$tcp_why"
	report netns.tcp.lisp_vnet_tun_gbps "" Gbit/s "$tcp_why"
fi
ratio netns.tcp.vxlan_over_plain "$tcp_vxlan" "$tcp_plain"
ratio netns.tcp.lisp_over_vxlan "$tcp_lisp" "$tcp_vxlan"
ratio netns.tcp.lisp_over_plain "$tcp_lisp" "$tcp_plain"
ratio netns.tcp.lisp_vnet_over_vxlan "$tcp_vnet" "$tcp_vxlan"
ratio netns.tcp.lisp_vnet_over_lisp "$tcp_vnet" "$tcp_lisp"
ratio netns.tcp.lisp_tun_over_vxlan "$tcp_tun" "$tcp_vxlan"
ratio netns.tcp.lisp_tun_over_lisp "$tcp_tun" "$tcp_lisp"
ratio netns.tcp.lisp_vnet_tun_over_vxlan "$tcp_both" "$tcp_vxlan"
ratio netns.tcp.lisp_vnet_tun_over_lisp "$tcp_both" "$tcp_lisp"
