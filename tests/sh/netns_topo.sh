#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Self-test of the namespace test bed (tests/netns/topo.sh): builds two
# sites with two IID slots, two RLOCs each and a map-server, then checks
# underlay reachability (IPv4/IPv6, both RLOC sets, across them through
# u), host -> xTR reachability in both IID slots, IID separation, that the
# ifb sister routes swallow remote-EID traffic where AF_PACKET sees it,
# that kernel routes and kernel VXLAN substituted for the overlay carry
# traffic (and udpblast counts it), and that cleanup removes every
# namespace and process of a run that fails, is killed with SIGTERM, or
# fails half-way through building.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: netns_topo needs root (network namespaces); run as root"
	exit 77
fi
for t in ip tcpdump ping; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: netns_topo needs '$t' (scripts/install-deps.sh)"
		exit 77
	fi
done
BUILD=${BUILD:-build}
UDPBLAST=$BUILD/tests/helpers/udpblast

. tests/netns/topo.sh

fails=0
ok() { echo "ok    $1"; }
bad() { echo "FAIL  $1"; fails=$((fails + 1)); }
check() {	# description cmd...
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
check_not() {
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then bad "$d"; else ok "$d"; fi
}
check_eq() {	# description expected actual
	if [ "$2" = "$3" ]; then ok "$1 ($3)"; else bad "$1: expected $2, got $3"; fi
}
check_ge() {	# description min actual
	if [ "$3" -ge "$2" ] 2>/dev/null; then ok "$1 ($3)"; else
		bad "$1: expected >= $2, got $3"; fi
}
# A PID that exists and is not a zombie.
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $s != Z* ]]
}
ours_left() { ip netns list | awk '{print $1}' | grep -c "^$1" ; }

# Interface names the bed uses; none may ever appear in the root namespace.
# (Other runs may add interfaces of their own, so no count is compared.)
root_ours() {
	ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
	    grep -cE '^(eid[01]|lisp[01]|rloc[01]|x[0-9]+-[01]|ms-0)$'
}
topo_init || exit 1
tmp=$(mktemp -d)
topo_on_cleanup "rm -rf '$tmp'"

if ! topo_build 2; then
	echo "FAIL  topo_build"
	exit 1
fi
check_eq "none of the bed's interfaces in the root namespace" 0 "$(root_ours)"
check_eq "eight namespaces (u ms x1 x2 h1 h1b h2 h2b)" 8 \
    "$(ours_left "$TOPO_PREFIX")"
for n in u ms x1 x2; do
	check_eq "$n: no default route (v4)" "" \
	    "$(topo_ip $n route show default)"
	check_eq "$n: no default route (v6)" "" \
	    "$(topo_ip $n -6 route show default)"
done

echo "# underlay"
for k in 0 1; do
	check "x1 -> x2 rloc$k v4" topo_wait_ping x1 "$(topo_rloc4 2 $k)"
	check "x1 -> x2 rloc$k v6" topo_wait_ping x1 "$(topo_rloc6 2 $k)"
	check "x2 -> x1 rloc$k v4" topo_wait_ping x2 "$(topo_rloc4 1 $k)"
	check "x2 -> x1 rloc$k v6" topo_wait_ping x2 "$(topo_rloc6 1 $k)"
done
mac=$(topo_exec x2 cat /sys/class/net/rloc0/address)
check_eq "x1 resolved x2's rloc0 to x2's rloc0 MAC (no ARP flux)" "$mac" \
    "$(topo_ip x1 neigh show 198.51.100.2 dev rloc0 | awk '{print $3}')"
check "x1 rloc0 -> x2 rloc1 through u (v4)" \
    topo_exec x1 ping -c1 -W2 -I "$(topo_rloc4 1 0)" "$(topo_rloc4 2 1)"
check "x1 rloc0 -> x2 rloc1 through u (v6)" \
    topo_exec x1 ping -c1 -W2 -I "$(topo_rloc6 1 0)" "$(topo_rloc6 2 1)"
for x in x1 x2; do
	check "$x -> ms v4" topo_wait_ping $x "$TOPO_MS4"
	check "$x -> ms v6" topo_wait_ping $x "$TOPO_MS6"
done
check_not "underlay has no route to EIDs" \
    topo_exec u ping -c1 -W0.5 "$(topo_eid4 1)"

echo "# EID hosts"
for n in 1 2; do
	for s in 0 1; do
		h=$(topo_host $n $s)
		check "$h -> gw v4" topo_wait_ping "$h" "$(topo_gw4 $n $s)"
		check "$h -> gw v6" topo_wait_ping "$h" "$(topo_gw6 $n $s)"
	done
done

echo "# IID slots: same EID, told apart by interface / mark"
e1=$(topo_snmp h1 Icmp InEchos) e1b=$(topo_snmp h1b Icmp InEchos)
check "x1 -> 192.0.2.18 (main table)" topo_exec x1 ping -c1 -W1 "$(topo_eid4 1)"
check_eq "  reached h1" $((e1 + 1)) "$(topo_snmp h1 Icmp InEchos)"
check_eq "  not h1b" "$e1b" "$(topo_snmp h1b Icmp InEchos)"
check "x1 -> 192.0.2.18 mark 101" \
    topo_exec x1 ping -c1 -W1 -m $TOPO_SLOT1_TABLE "$(topo_eid4 1)"
check_eq "  reached h1b" $((e1b + 1)) "$(topo_snmp h1b Icmp InEchos)"
check_eq "  not h1" $((e1 + 1)) "$(topo_snmp h1 Icmp InEchos)"
e6=$(topo_snmp6 h1b Icmp6InEchos)
check "x1 -> 2001:db8:e1d:1::2 mark 101" \
    topo_exec x1 ping -c1 -W1 -m $TOPO_SLOT1_TABLE "$(topo_eid6 1)"
check_eq "  reached h1b (v6)" $((e6 + 1)) "$(topo_snmp6 h1b Icmp6InEchos)"
check "x1: iif eid1 -> remote EID goes to lisp1" \
    bash -c "ip -n $(topo_ns x1) route get $(topo_eid4 2) from $(topo_eid4 1) iif eid1 | grep -q 'dev lisp1'"
check "x1: iif eid0 -> remote EID goes to lisp0" \
    bash -c "ip -n $(topo_ns x1) route get $(topo_eid4 2) from $(topo_eid4 1) iif eid0 | grep -q 'dev lisp0'"
check "x1: iif eid1 -> remote EID v6 goes to lisp1" \
    bash -c "ip -n $(topo_ns x1) -6 route get $(topo_eid6 2) from $(topo_eid6 1) iif eid1 | grep -q 'dev lisp1'"

echo "# sister interfaces swallow remote-EID traffic"
in2=$(topo_snmp h2 Icmp InEchos) in2b=$(topo_snmp h2b Icmp InEchos)
in6=$(topo_snmp6 h2 Icmp6InEchos)
rx0=$(topo_ifstat x1 lisp0 rx_dropped)
topo_capture x1 lisp0 "$tmp/lisp0.pcap" icmp or icmp6 && c0=$TOPO_LAST_PID
topo_capture x1 lisp1 "$tmp/lisp1.pcap" icmp or icmp6 && c1=$TOPO_LAST_PID
topo_capture u any "$tmp/u.pcap" host "$(topo_eid4 2)" or host "$(topo_eid6 2)" &&
    cu=$TOPO_LAST_PID
check_not "h1 -> h2 v4 gets no reply" \
    topo_exec h1 ping -c3 -i0.2 -W0.5 "$(topo_eid4 2)"
check_not "h1 -> h2 v6 gets no reply" \
    topo_exec h1 ping -c3 -i0.2 -W0.5 "$(topo_eid6 2)"
check_not "h1b -> h2b v4 gets no reply" \
    topo_exec h1b ping -c2 -i0.2 -W0.5 "$(topo_eid4 2)"
topo_capture_stop "${c0:-0}"
topo_capture_stop "${c1:-0}"
topo_capture_stop "${cu:-0}"
check_eq "lisp0 capture: 3 v4 echo requests h1 -> h2" 3 \
    "$(topo_count "$tmp/lisp0.pcap" icmp and src "$(topo_eid4 1)" and dst "$(topo_eid4 2)")"
check_eq "lisp0 capture: 3 v6 echo requests h1 -> h2" 3 \
    "$(topo_count "$tmp/lisp0.pcap" icmp6 and src "$(topo_eid6 1)" and dst "$(topo_eid6 2)")"
check_eq "lisp1 capture: 2 v4 echo requests h1b -> h2b" 2 \
    "$(topo_count "$tmp/lisp1.pcap" icmp and dst "$(topo_eid4 2)")"
check_eq "lisp1 capture: no v6 (slot 0 traffic stayed in slot 0)" 0 \
    "$(topo_count "$tmp/lisp1.pcap" icmp6)"
check_eq "underlay saw none of it" 0 "$(topo_count "$tmp/u.pcap")"
check_ge "lisp0 dropped what was routed into it" $((rx0 + 6)) \
    "$(topo_ifstat x1 lisp0 rx_dropped)"
check_eq "h2 received no echo (v4)" "$in2" "$(topo_snmp h2 Icmp InEchos)"
check_eq "h2 received no echo (v6)" "$in6" "$(topo_snmp6 h2 Icmp6InEchos)"
check_eq "h2b received no echo" "$in2b" "$(topo_snmp h2b Icmp InEchos)"

echo "# kernel routes in place of the overlay"
topo_overlay_kernel 1 2
check "h1 -> h2 v4" topo_wait_ping h1 "$(topo_eid4 2)"
check "h1 -> h2 v6" topo_wait_ping h1 "$(topo_eid6 2)"
check_not "h1b -> h2b still in the sister" \
    topo_exec h1b ping -c1 -W0.5 "$(topo_eid4 2)"
if [ -x "$UDPBLAST" ]; then
	for dst in "$(topo_eid4 2)" "$(topo_eid6 2)"; do
		topo_spawn h2 "$UDPBLAST" recv -p 9000 -t 5 -i 0.5 \
		    >"$tmp/recv.out" 2>"$tmp/recv.err"
		rpid=$TOPO_LAST_PID
		for _ in $(seq 50); do
			grep -q listening "$tmp/recv.err" && break
			sleep 0.1
		done
		topo_exec h1 "$UDPBLAST" send -d "$dst" -p 9000 -t 0.5 \
		    -r 2000 -b 8 -f 2 >"$tmp/send.out"
		wait "$rpid"
		_topo_forget_pid "$rpid"
		sent=$(awk '$1 == "packets:" {print $2}' "$tmp/send.out")
		got=$(awk '$1 == "packets:" {print $2}' "$tmp/recv.out")
		check_ge "udpblast to $dst sent packets" 500 "${sent:-0}"
		check_eq "udpblast to $dst: receiver counted every one" \
		    "${sent:-x}" "${got:-y}"
		check_eq "  none reordered" 0 \
		    "$(awk '$1 == "reordered:" {print $2}' "$tmp/recv.out")"
	done
else
	bad "udpblast not built ($UDPBLAST)"
fi
topo_overlay_clear 1 2
check_not "h1 -> h2 back in the sister" topo_exec h1 ping -c1 -W0.5 "$(topo_eid4 2)"

echo "# kernel VXLAN in place of the overlay"
topo_capture u x1-0 "$tmp/vx.pcap" udp port 4789 && cv=$TOPO_LAST_PID
topo_vxlan 1 2
check "h1 -> h2 v4 over VXLAN" topo_wait_ping h1 "$(topo_eid4 2)"
check "h1 -> h2 v6 over VXLAN" topo_wait_ping h1 "$(topo_eid6 2)"
topo_capture_stop "${cv:-0}"
check_ge "x1's underlay port carried VXLAN (udp 4789)" 4 "$(topo_count "$tmp/vx.pcap")"
topo_vxlan_clear 1 2

echo "# cleanup guarantees"
# A run that fails after building, with a tracked and an untracked
# (daemonized) process inside its namespaces.
bash -c '
	set -e
	. tests/netns/topo.sh
	topo_init
	TOPO_IIDS=1 TOPO_RLOCS=1 TOPO_MS=0 topo_build 1
	topo_spawn x1 sleep 300
	orphan=$(topo_exec h1 sh -c "sleep 301 >/dev/null 2>&1 & echo \$!")
	echo "$TOPO_PREFIX $TOPO_LAST_PID $orphan" >"$1"
	false
	echo "not reached"
' fail-test "$tmp/fail.state" >"$tmp/fail.out" 2>&1
rc=$?
read -r pfx p1 p2 <"$tmp/fail.state"
check_eq "failing run: exit status kept" 1 "$rc"
check_not "failing run: did not go on" grep -q "not reached" "$tmp/fail.out"
check_eq "failing run: no namespace of it left" 0 "$(ours_left "$pfx")"
check_not "failing run: spawned PID $p1 gone" alive "$p1"
check_not "failing run: daemonized PID $p2 gone" alive "$p2"

# A run killed by a signal while it waits.  A background job of a
# non-interactive shell starts with SIGINT ignored (and an ignored signal
# cannot be trapped), so the INT case gets its default disposition back
# through env --default-signal.
signal_test() {	# SIG expected-rc
	local sig=$1 want=$2 tpid pfx p1 st=$tmp/sig.$1 pre=()
	[ "$sig" = INT ] && pre=(env --default-signal=INT)
	"${pre[@]}" bash -c '
		. tests/netns/topo.sh
		topo_init
		TOPO_IIDS=2 TOPO_RLOCS=1 TOPO_MS=1 topo_build 2
		topo_spawn x2 sleep 300
		echo "$TOPO_PREFIX $TOPO_LAST_PID" >"$1.tmp" && mv "$1.tmp" "$1"
		sleep 300 & wait
		echo "not reached"
	' sig-test "$st" >"$st.out" 2>&1 &
	tpid=$!
	for _ in $(seq 100); do [ -s "$st" ] && break; sleep 0.1; done
	read -r pfx p1 <"$st"
	check_eq "$sig run: built its namespaces" 8 "$(ours_left "$pfx")"
	kill -"$sig" "$tpid"
	wait "$tpid"
	check_eq "$sig run: exit status $want" "$want" "$?"
	check_not "$sig run: did not go on" grep -q "not reached" "$st.out"
	check_eq "$sig run: no namespace of it left" 0 "$(ours_left "$pfx")"
	check_not "$sig run: spawned PID $p1 gone" alive "$p1"
}
signal_test TERM 143
if env --default-signal=INT true 2>/dev/null; then
	signal_test INT 130
else
	echo "note: env --default-signal missing; INT case not run"
fi

# A build that fails half-way (an impossible MTU on the first EID link,
# after u and x1 exist).
bash -c '
	. tests/netns/topo.sh
	topo_init
	echo "$TOPO_PREFIX" >"$1"
	TOPO_EID_MTU=70000 topo_build 2 || exit 3
	echo "not reached"
' half-test "$tmp/half.state" >"$tmp/half.out" 2>&1
rc=$?
pfx=$(cat "$tmp/half.state")
check_eq "half-built run: topo_build failed" 3 "$rc"
check_eq "half-built run: no namespace of it left" 0 "$(ours_left "$pfx")"

check_eq "still none of the bed's interfaces in the root namespace" 0 \
    "$(root_ours)"
pfx=$TOPO_PREFIX
topo_cleanup
check_eq "this run: no namespace left after topo_cleanup" 0 \
    "$(ours_left "$pfx")"

echo
if [ $fails -ne 0 ]; then
	echo "netns_topo: $fails check(s) failed"
	exit 1
fi
echo "netns_topo: all checks passed"
