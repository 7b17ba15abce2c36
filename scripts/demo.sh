#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The main job: a LISP mesh in network namespaces, end to end, in about
# ten seconds.
#
#   h1 --- x1 ---+                 x1, x2, x3: lisp-ztr xTRs (ITR + ETR)
#   h2 --- x2 ---+--- u --- ms     ms: lisp-ztr map-server + map-resolver
#   h3 --- x3 ---+                 u: the underlay (a bridge)
#
# Each EID host hN has an IPv4 and an IPv6 EID in instance-id 100.  The
# xTRs know nothing about each other: they register their EID prefixes
# with the map-server and learn the others' on demand (Map-Request to the
# map-resolver, Map-Reply from the owning ETR).  The script writes the
# four lisp.config files (and prints them), waits for the registrations,
# shows the map-server's sites, asks it with lig, pings across the
# overlay (the first packet waits for the resolution: its RTT includes
# it), shows the map-cache the pings made, and tears everything down, on
# Ctrl-C too.  Exit status 0 only if every step succeeded.
#
# Usage: scripts/demo.sh [-q] [--keep]
#   -q       progress lines only
#   --keep   leave the mesh running until Enter or Ctrl-C
#
# Needs root (network namespaces, raw sockets); re-runs itself with sudo.
# Addresses are documentation ranges only (192.0.2.0/24, 198.51.100.0/24,
# 2001:db8::/32) and nothing is connected to the host's interfaces
# (tests/netns/topo.sh builds and removes the namespaces).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
QUIET=0
KEEP=0

usage() {
	echo "usage: $0 [-q] [--keep]" >&2
	exit 2
}
for a in "$@"; do
	case $a in
	-q) QUIET=1 ;;
	--keep) KEEP=1 ;;
	-h|--help) sed -n '4,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done

for b in lisp-ztr lig; do
	if [ ! -x "$BUILD/$b" ]; then
		echo "demo: $BUILD/$b is not built; run 'make' first" >&2
		exit 1
	fi
done

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then
		echo "==> not root: running again with sudo (network namespaces need root)"
		exec sudo env BUILD="$BUILD" "$0" "$@"
	fi
	echo "demo: needs root (network namespaces, raw sockets) and sudo is not installed;" >&2
	echo "demo: run it as root: $0 $*" >&2
	exit 1
fi
for t in ip ping tc; do
	command -v $t >/dev/null || {
		echo "demo: '$t' is not installed (run ./scripts/install-deps.sh)" >&2
		exit 1
	}
done

export NO_COLOR=1 LC_ALL=C	# EPOCHREALTIME with a decimal point
T0=$EPOCHREALTIME
step() { echo "==> $*"; }
show() { [ $QUIET = 1 ] || sed 's/^/    /; s/ *$//'; }
# Seconds since T (an EPOCHREALTIME value), one decimal.
since() {
	local n=$EPOCHREALTIME
	awk -v a="$1" -v b="$n" 'BEGIN { printf "%.1f", b - a }'
}
KEEP_TMP=0
# Print why, the output of what failed (even with -q) and the end of
# each daemon's log (dump lines left out); keep the logs.
fail() {	# MESSAGE [OUTPUT]
	echo "==> FAILED: $1" >&2
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /' >&2
	for l in "${LOGS[@]}"; do
		[ -s "$l" ] || continue
		echo "--- last lines of $l:" >&2
		grep -Ev ': (counter |state: |map-cache |registration )' "$l" |
		    tail -n 8 >&2
	done
	# shellcheck disable=SC2034 # read by the cleanup hook
	KEEP_TMP=1
	exit 1
}

. tests/netns/topo.sh
LOGS=()
topo_init || exit 1
TMP=$(mktemp -d /tmp/lisp-ztr-demo.XXXXXX)
# shellcheck disable=SC2016 # expanded at cleanup
topo_on_cleanup 'echo "==> tearing down: killing the daemons, deleting namespaces ${TOPO_PREFIX}*"
    if [ $KEEP_TMP = 1 ]; then echo "==> configs and logs kept in $TMP" >&2; else rm -rf "$TMP"; fi'
trap 'topo_cleanup; echo "==> interrupted" >&2; exit 130' INT
trap 'topo_cleanup; echo "==> terminated" >&2; exit 143' TERM

IID=100
KEY=demo-key-change-me
XTRS="1 2 3"

# --- the topology ----------------------------------------------------------

step "building the mesh in network namespaces ${TOPO_PREFIX}* (map-server, underlay, 3 xTRs, 3 EID hosts)"
TOPO_MS=1 TOPO_IIDS=1 TOPO_RLOCS=1 topo_build 3 || fail "could not build the namespaces"
# lisp-ztr captures on the "sister" of a lisp interface device, named "s"
# + the device (EVE's convention): traffic to remote EIDs is routed into
# seid0, the data plane picks it up there.
for n in $XTRS; do
	# shellcheck disable=SC2015 # any step failing is the failure
	topo_ip "x$n" link set lisp0 down &&
	    topo_ip "x$n" link set lisp0 name seid0 &&
	    topo_ip "x$n" link set seid0 up &&
	    topo_ip "x$n" route replace "$TOPO_EID_AGG4" dev seid0 &&
	    topo_ip "x$n" -6 route replace "$TOPO_EID_AGG6" dev seid0 ||
	    fail "sister device of x$n"
done
if [ $QUIET = 0 ]; then
	{
		printf '%-4s %-22s %-24s %s\n' node "EID prefixes" "RLOC (underlay)" "EID host"
		for n in $XTRS; do
			printf '%-4s %-22s %-24s h%s %s, %s\n' "x$n" \
			    "$(topo_eidnet4 "$n")" "$(topo_rloc4 "$n")" "$n" \
			    "$(topo_eid4 "$n")" "$(topo_eid6 "$n")"
			printf '%-4s %-22s %-24s\n' "" "$(topo_eidnet6 "$n")" \
			    "$(topo_rloc6 "$n")"
		done
		printf '%-4s %-22s %-24s\n' ms "(map-server/resolver)" \
		    "$TOPO_MS4, $TOPO_MS6"
	} | show
fi

# --- the configuration -----------------------------------------------------

# The map-server: one site, one key, the EID aggregates of the mesh.
cat >"$TMP/ms.lisp.config" <<EOF
# lispers.net lisp.config file, last changed: lisp-ztr demo
# The map-server and map-resolver of the demo mesh.
#------------------------------------------------------
lisp enable {
    itr = no
    etr = no
    map-server = yes
    map-resolver = yes
}
lisp site {
    site-name = demo-site
    description = every xTR of the demo mesh
    authentication-key = $KEY
    allowed-prefix {
        instance-id = $IID
        eid-prefix = $TOPO_EID_AGG4
        accept-more-specifics = yes
    }
    allowed-prefix {
        instance-id = $IID
        eid-prefix = $TOPO_EID_AGG6
        accept-more-specifics = yes
    }
}
EOF

# xTR N: its EID prefixes, its RLOCs, where to register and resolve.  No
# map-cache entry for the other sites: the aggregates are
# send-map-request ranges, everything is learnt.
xtr_config() {	# N
	local n=$1
	cat <<EOF
# lispers.net lisp.config file, last changed: lisp-ztr demo
# xTR x$n of the demo mesh.
#------------------------------------------------------
lisp enable {
    itr = yes
    etr = yes
}
lisp xtr-parameters {
    rloc-probing = yes
}
lisp map-resolver {
    address = $TOPO_MS4
}
lisp map-server {
    address = $TOPO_MS4
    authentication-type = sha2
    authentication-key = $KEY
    want-map-notify = yes
}
lisp interface {
    interface-name = demo-overlay
    device = eid0
    instance-id = $IID
}
lisp database-mapping {
    prefix {
        instance-id = $IID
        eid-prefix = $(topo_eidnet4 "$n")
    }
    prefix {
        instance-id = $IID
        eid-prefix = $(topo_eidnet6 "$n")
    }
    rloc {
        address = $(topo_rloc4 "$n")
        priority = 1
        weight = 50
    }
    rloc {
        address = $(topo_rloc6 "$n")
        priority = 1
        weight = 50
    }
}
lisp map-cache {
    prefix {
        instance-id = $IID
        eid-prefix = $TOPO_EID_AGG4
        send-map-request = yes
    }
    prefix {
        instance-id = $IID
        eid-prefix = $TOPO_EID_AGG6
        send-map-request = yes
    }
}
EOF
}
for n in $XTRS; do
	xtr_config "$n" >"$TMP/x$n.lisp.config"
done
for f in "$TMP"/*.lisp.config; do
	"$BUILD/lisp-ztr" -n -f "$f" >/dev/null || fail "$f does not parse"
done
step "configuration written to $TMP (lisp.config syntax of lispers.net)"
if [ $QUIET = 0 ]; then
	echo "--- $TMP/ms.lisp.config" | show
	show <"$TMP/ms.lisp.config"
	echo "--- $TMP/x1.lisp.config (x2, x3: their own prefixes and RLOCs)" | show
	show <"$TMP/x1.lisp.config"
fi

# --- the daemons -----------------------------------------------------------

# lispctl (and the daemon's -S flag) may not be built yet: then the
# daemons' SIGUSR1 state dump stands in for it.
HAVE_CTL=0
[ -x "$BUILD/lispctl" ] && HAVE_CTL=1
declare -A PID LOG SOCK
start() {	# NODE
	local n=$1 i extra=()
	LOG[$n]=$TMP/$n.log
	SOCK[$n]=$TMP/$n.sock
	LOGS+=("${LOG[$n]}")
	[ $HAVE_CTL = 1 ] && extra=(-S "${SOCK[$n]}")
	topo_spawn "$n" "$BUILD/lisp-ztr" -d -f "$TMP/$n.lisp.config" \
	    -p "$TMP/$n.pid" "${extra[@]}" >"${LOG[$n]}" 2>&1
	PID[$n]=$TOPO_LAST_PID
	for i in $(seq 50); do
		if grep -q "$2" "${LOG[$n]}" &&
		    { [ $HAVE_CTL = 0 ] || [ -S "${SOCK[$n]}" ]; }; then
			return 0
		fi
		kill -0 "${PID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "lisp-ztr in $n did not start"
}

step "starting the map-server/map-resolver in namespace ${TOPO_PREFIX}ms ($TOPO_MS4)"
start ms 'control plane started'
for n in $XTRS; do
	step "starting xTR x$n in namespace ${TOPO_PREFIX}x$n (RLOCs $(topo_rloc4 "$n"), $(topo_rloc6 "$n"))"
	start "x$n" 'data plane running'
done

# SIGUSR1: the control plane logs its state between "state: begin" and
# "state: end" (docs/ARCHITECTURE.md); print the newest dump.
cp_dump() {	# NODE
	local log=${LOG[$1]} before i
	before=$(grep -c 'lisp-ztr-cp: state: end' "$log")
	kill -USR1 "${PID[$1]}"
	for i in $(seq 50); do
		[ "$(grep -c 'lisp-ztr-cp: state: end' "$log")" -gt "$before" ] &&
		    break
		sleep 0.1
	done
	awk '/lisp-ztr-cp: state: begin/ { n = 0; delete l }
	    /lisp-ztr-cp: / { l[n++] = $0 }
	    END { for (i = 0; i < n; i++) print l[i] }' "$log" |
	    sed 's/^.*lisp-ztr-cp: //'
}
ctl() {	# NODE command...
	local n=$1
	shift
	"$BUILD/lispctl" -s "${SOCK[$n]}" "$@"
}

# "lispctl show sites" on the map-server, or, when lispctl is not built
# or refuses the command, the registrations of the map-server's state
# dump.  VIA_sites says which, WHY_sites why not lispctl.
VIA_sites=dump
WHY_sites="lispctl is not built yet"
VIA_mapcache=dump
WHY_mapcache=$WHY_sites
if [ $HAVE_CTL = 1 ]; then
	VIA_sites=lispctl VIA_mapcache=lispctl
fi
sites() {
	local out
	if [ $VIA_sites = lispctl ]; then
		if out=$(ctl ms show sites 2>&1); then
			printf '%s\n' "$out"
			return 0
		fi
		VIA_sites=dump
		WHY_sites="'lispctl show sites' answered: ${out#lispctl: }"
	fi
	cp_dump ms | grep '^registration site'
}
# x1's map-cache, the same way.
mapcache() {
	local out
	if [ $VIA_mapcache = lispctl ]; then
		if out=$(ctl x1 show map-cache 2>&1); then
			printf '%s\n' "$out"
			return 0
		fi
		VIA_mapcache=dump
		WHY_mapcache="'lispctl show map-cache' answered: ${out#lispctl: }"
	fi
	cp_dump x1 | grep '^map-cache'
}

# --- registrations ---------------------------------------------------------

echo -n "==> waiting for registrations (3 xTRs, 2 EID prefixes each)... "
t=$EPOCHREALTIME
ok=0
while [ "$(since "$t" | cut -d. -f1)" -lt 15 ]; do
	# Not in $(...): sites may switch to the dump for good.
	sites >"$TMP/sites.out" 2>&1
	out=$(<"$TMP/sites.out")
	ok=1
	for n in $XTRS; do
		for p in "$(topo_eidnet4 "$n")" "$(topo_eidnet6 "$n")" \
		    "$(topo_rloc4 "$n")"; do
			echo "$out" | grep -qF "$p" || ok=0
		done
	done
	[ $ok = 1 ] && break
	sleep 0.2
done
if [ $ok = 1 ]; then
	echo "ok ($(since "$t") s)"
else
	echo "timeout"
	fail "not every xTR registered within 15 s" "$out"
fi
if [ $VIA_sites = lispctl ]; then
	step "lispctl show sites (on the map-server)"
else
	step "the map-server's registrations (its SIGUSR1 state dump instead of 'lispctl show sites': $WHY_sites)"
fi
echo "$out" | show

# --- lig -------------------------------------------------------------------

R4=$(topo_eid4 2) R6=$(topo_eid6 3) L4=$(topo_eid4 1)
step "lig [$IID]$R4 to $TOPO_MS4 (from x1: ask the map-resolver where h2's EID lives)"
out=$(topo_exec x1 "$BUILD/lig" "[$IID]$R4" to "$TOPO_MS4" 2>&1) ||
    fail "lig got no Map-Reply" "$out"
echo "$out" | show
if ! echo "$out" | grep -qF "$(topo_eidnet4 2)" ||
    ! echo "$out" | grep -qF "$(topo_rloc4 2)"; then
	fail "lig's answer lacks x2's EID prefix $(topo_eidnet4 2) or RLOC $(topo_rloc4 2)" "$out"
fi

# --- pings across the overlay ----------------------------------------------

# The first echo request finds no map-cache entry: x1 holds it, asks the
# map-resolver, and sends it once the Map-Reply has installed the
# mapping, so its RTT includes the resolution.
overlay_ping() {	# FROM-HOST ADDR LABEL
	local out first avg
	out=$(topo_exec "$1" ping -c 1 -W 5 "$2" 2>&1) ||
	    fail "$3: first ping lost" "$out"
	first=$(echo "$out" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p')
	out=$(topo_exec "$1" ping -c 5 -i 0.2 -W 2 "$2" 2>&1) ||
	    fail "$3: pings lost after the resolution" "$out"
	avg=$(echo "$out" | sed -n 's/.*= [0-9.]*\/\([0-9.]*\)\/.*/\1/p')
	rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	step "ping $3 ok: first ping RTT $first ms (includes the resolution), then $rx/5 replies, RTT avg $avg ms"
}
step "ping h1 ($L4) -> h2 ($R4) over IPv4, h1 -> h3 ($R6) over IPv6"
overlay_ping h1 "$R4" "IPv4 h1 -> $R4"
overlay_ping h1 "$R6" "IPv6 h1 -> $R6"

# --- the map-cache ---------------------------------------------------------

mapcache >"$TMP/mapcache.out" 2>&1
out=$(<"$TMP/mapcache.out")
if [ $VIA_mapcache = lispctl ]; then
	step "lispctl show map-cache (on x1: what the pings made it learn)"
else
	step "x1's map-cache (its SIGUSR1 state dump instead of 'lispctl show map-cache': $WHY_mapcache)"
fi
echo "$out" | show
for p in "$(topo_eidnet4 2)" "$(topo_eidnet6 3)"; do
	echo "$out" | grep -qF "$p" || fail "x1's map-cache lacks $p" "$out"
done

if [ $KEEP = 1 ]; then
	step "left running (--keep): namespaces ${TOPO_PREFIX}*, configs and logs in $TMP"
	echo "    try: sudo ip netns exec ${TOPO_PREFIX}h1 ping $(topo_eid6 2)"
	[ $VIA_mapcache = lispctl ] &&
	    echo "         sudo $BUILD/lispctl -s ${SOCK[x1]} show map-cache"
	echo "    press Enter or Ctrl-C to tear down"
	read -r _ || true
fi

topo_cleanup
step "done: every step succeeded ($(since "$T0") s)"
exit 0
