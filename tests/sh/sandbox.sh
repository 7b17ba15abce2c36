#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Least privilege, end to end (docs/SECURITY.md).  Two xTRs of the
# dp_lib.inc bed run lisp-ztr with -u nobody and seccomp in kill mode:
#
#   h1 --eid0-- x1 --rloc0/rloc1-- u -- x2 --eid0-- h2     IID 100
#
#   - /proc/<pid>/status of parent, data plane and control plane: the
#     capability sets (computed here from the capability numbers, not
#     taken from the daemon), NoNewPrivs 1, Seccomp 2, the uids;
#   - ping and a TCP transfer both ways, IPv4 and IPv6, and a SIGHUP
#     reload, all after the drop;
#   - the test hook LISP_ZTR_TEST_FORBIDDEN makes the first data plane of
#     x2 and the first control plane of x1 call mount(2) right after their
#     sandbox: each must die on SIGSYS, the parent must log it and restart
#     the process, and the restarted one must work.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root
id nobody >/dev/null 2>&1 || {
	echo "SKIP: no user nobody" >&2
	exit 77
}
dp_init
# The daemons' logs are written through inherited descriptors; the
# directory itself needs no access for nobody.
TOPO_IIDS=2 dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
nobody_uid=$(id -u nobody)

# Whatever the caller's environment says, this test runs the real thing.
export LISP_ZTR_SECCOMP=kill
dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"

# Refused set-ups: the daemon must not start half-sandboxed.
refuse() {	# expected-message env/args...
	local want=$1 out
	shift
	out=$(timeout 5 env "$@" 2>&1) && dp_fail "started with: $*"
	echo "$out" | grep -q "$want" || {
		echo "$out" >&2
		dp_fail "no '$want' for: $*"
	}
}
refuse "unknown user" "$BUILD/lisp-ztr" -f "$DP_TMP/x1.conf" \
    -p "$DP_TMP/r.pid" -u no-such-user-lisp-ztr
refuse "must not run as uid 0" "$BUILD/lisp-ztr" -f "$DP_TMP/x1.conf" \
    -p "$DP_TMP/r.pid" -u root
refuse "LISP_ZTR_SECCOMP=bogus" LISP_ZTR_SECCOMP=bogus "$BUILD/lisp-ztr" \
    -f "$DP_TMP/x1.conf" -p "$DP_TMP/r.pid"
echo "ok: unknown user, -u root and a bad LISP_ZTR_SECCOMP are refused"
LISP_ZTR_TEST_FORBIDDEN="cp" dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" \
    -u nobody
LISP_ZTR_TEST_FORBIDDEN="dp" dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" \
    -u nobody

# --- the test hook: killed by SIGSYS, logged, restarted -----------------
check_hook() {	# N role-name
	local n=$1 name=$2 log=${DP_LOG[$1]} i
	for i in $(seq 50); do
		grep -q "restarting $name" "$log" && break
		sleep 0.1
	done
	grep -q "test hook: calling mount(2)" "$log" ||
	    dp_fail "x$n: the $name did not run the test hook"
	grep -q "test hook: mount(2) returned" "$log" &&
	    dp_fail "x$n: mount(2) returned in the $name: not filtered"
	grep -q "$name died on signal $(kill -l SYS)" "$log" ||
	    dp_fail "x$n: no '$name died on signal $(kill -l SYS)' (SIGSYS)"
	grep -q "restarting $name" "$log" ||
	    dp_fail "x$n: the $name was not restarted"
	# Once per lifetime: the restarted process runs normally.
	[ "$(grep -c 'test hook: calling mount' "$log")" = 1 ] ||
	    dp_fail "x$n: the hook fired more than once"
	echo "ok: x$n: forbidden syscall in the $name: killed by SIGSYS," \
	    "logged, restarted"
}
check_hook 2 "data plane"
check_hook 1 "control plane"

# --- /proc/<pid>/status -----------------------------------------------------
# Pids from the parent's own state line (SIGUSR1).
pids() {	# N -> "parent dp cp"
	local n=$1 log=${DP_LOG[$1]} before i line
	before=$(grep -c 'state: parent pid' "$log")
	kill -USR1 "${DP_PID[$n]}"
	for i in $(seq 50); do
		[ "$(grep -c 'state: parent pid' "$log")" -gt "$before" ] &&
		    break
		sleep 0.1
	done
	line=$(grep 'state: parent pid' "$log" | tail -n 1)
	echo "$line" | sed -E 's/.*parent pid ([0-9]+).*data plane pid ([0-9]+).*control plane pid ([0-9]+).*/\1 \2 \3/'
}

field() {	# PID NAME
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7, CAP_NET_ADMIN 12, CAP_NET_RAW 13
# (linux/capability.h).
mask() {
	local m=0 c
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' "$m"
}
parent_caps=$(mask 5 6 7 12 13)

check_status() {	# PID what eff/prm bnd uid filters
	local pid=$1 what=$2 caps=$3 bnd=$4 uid=$5 nf=$6 k v
	for k in CapEff CapPrm; do
		v=$(field "$pid" $k)
		[ "$v" = "$caps" ] || dp_fail "$what: $k $v, want $caps"
	done
	for k in CapInh CapAmb; do
		v=$(field "$pid" $k)
		[ "$v" = 0000000000000000 ] || dp_fail "$what: $k $v, want 0"
	done
	v=$(field "$pid" CapBnd)
	[ "$v" = "$bnd" ] || dp_fail "$what: CapBnd $v, want $bnd"
	[ "$(field "$pid" NoNewPrivs)" = 1 ] || dp_fail "$what: NoNewPrivs"
	[ "$(field "$pid" Seccomp)" = 2 ] || dp_fail "$what: Seccomp not 2"
	v=$(field "$pid" Seccomp_filters)
	[ "$v" = "$nf" ] || dp_fail "$what: $v seccomp filters, want $nf"
	v=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
	[ "$v" = "$uid $uid $uid $uid" ] || dp_fail "$what: Uid $v, want $uid"
	echo "ok: $what (pid $pid): CapEff=CapPrm=$caps CapBnd=$bnd" \
	    "NoNewPrivs 1, Seccomp 2 ($nf filters), uid $uid"
}

for n in 1 2; do
	read -r pp dpp cpp <<<"$(pids $n)"
	[ -n "$cpp" ] && [ "$dpp" -gt 0 ] && [ "$cpp" -gt 0 ] ||
	    dp_fail "x$n: no pids from the state line"
	[ "$pp" = "${DP_PID[$n]}" ] || dp_fail "x$n: parent pid $pp"
	check_status "$pp" "x$n parent" "$parent_caps" "$parent_caps" 0 1
	# Children: nothing, uid nobody; the bounding set is the parent's.
	check_status "$dpp" "x$n data plane" 0000000000000000 \
	    "$parent_caps" "$nobody_uid" 2
	check_status "$cpp" "x$n control plane" 0000000000000000 \
	    "$parent_caps" "$nobody_uid" 2
done

# --- forwarding after the drop --------------------------------------------
check_forwarding() {	# label
	topo_wait_ping h1 "$e4_2" 5 || dp_fail "$1: h1 -> $e4_2 no ping"
	topo_wait_ping h2 "$e4_1" 5 || dp_fail "$1: h2 -> $e4_1 no ping"
	topo_wait_ping h1 "$e6_2" 5 || dp_fail "$1: h1 -> $e6_2 no ping"
	topo_wait_ping h2 "$e6_1" 5 || dp_fail "$1: h2 -> $e6_1 no ping"
	dp_tcp h1 h2 "$e4_2" 2 || dp_fail "$1: TCP h1 -> h2 IPv4"
	dp_tcp h2 h1 "$e6_1" 2 || dp_fail "$1: TCP h2 -> h1 IPv6"
	echo "ok: $1: ping IPv4 and IPv6 both ways, 2 MB TCP each way"
}
check_forwarding "after the sandbox"

# A reload re-applies the configuration inside the sandboxed data plane
# (route lookups, interface queries): IPv6 RLOCs from now on.
dp_config 1 2 6 "$DP_TMP/x1.conf"
dp_config 2 1 6 "$DP_TMP/x2.conf"
for n in 1 2; do
	kill -HUP "${DP_PID[$n]}"
	for i in $(seq 50); do
		grep -q 'lisp-ztr-dp: configuration 2 applied' "${DP_LOG[$n]}" &&
		    break
		sleep 0.1
	done
	grep -q 'lisp-ztr-dp: configuration 2 applied' "${DP_LOG[$n]}" ||
	    dp_fail "x$n: reload not applied"
done
check_forwarding "after a reload (IPv6 RLOCs)"
for n in 1 2; do
	[ "$(dp_counter $n etr-packets)" -gt 0 ] ||
	    dp_fail "x$n: no etr-packets counted"
done

# Nothing else died: exactly the one hooked death per daemon.
for n in 1 2; do
	c=$(grep -c 'died on signal' "${DP_LOG[$n]}")
	[ "$c" = 1 ] || {
		grep 'died on signal\|seccomp' "${DP_LOG[$n]}" >&2
		dp_fail "x$n: $c child deaths, want 1 (the hook)"
	}
	kill -0 "${DP_PID[$n]}" || dp_fail "x$n: parent gone"
done
echo "ok: no other child died; both parents alive"

dp_stop 1
dp_stop 2
for n in 1 2; do
	grep -q 'stopped' "${DP_LOG[$n]}" || dp_fail "x$n: no clean stop"
	# A child's stop path that makes a forbidden call dies on SIGSYS.
	c=$(grep -c 'died on signal' "${DP_LOG[$n]}")
	[ "$c" = 1 ] || {
		grep 'died on signal' "${DP_LOG[$n]}" >&2
		dp_fail "x$n: a child died while stopping"
	}
	grep -q 'lisp-ztr-dp: data plane stopping' "${DP_LOG[$n]}" ||
	    dp_fail "x$n: the data plane did not stop through its loop"
done
echo "ok: clean stop of both daemons under the sandbox (no SIGSYS)"
exit 0
