#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lispers.net IPC mode, `etr-nat-port`: NAT-translated data is captured
# with the documented filter (udp dst port P and udp src port 4341) and
# decapsulated like UDP 4341 traffic (lispers-net-compat 2.6).
#   - x2 (2 workers, one PACKET_FANOUT group) gets etr-nat-port 40958
#     from a fake lispers.net; an "RTR" in x1's namespace sends LISP data
#     from port 4341 to x2's RLOC at 40958: the inner datagram reaches h2,
#     etr-nat-captured counts it;
#   - the same from source port 4000 is not captured (filter);
#   - etr-nat-port changes to 41000 at run time: data to 41000 arrives,
#     data to 40958 is no longer captured.
# Nothing is bound to those ports in x2, so its kernel answers ICMP port
# unreachable as well; the legacy data plane lived with that too.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3
dp_init
SIM=tests/helpers/lispers_sim.py
SEND=tests/helpers/natcap_send.py
dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2)
r1=$(topo_rloc4 1) r2=$(topo_rloc4 2)
P1=40958 P2=41000

dp_config 2 1 4 "$DP_TMP/x2.conf"
sed -i '/^lisp map-cache {/,$d' "$DP_TMP/x2.conf"
printf 'lisp xtr-parameters {\n    ipc-data-plane = yes\n}\n' >>"$DP_TMP/x2.conf"
mkdir -p "$DP_TMP/lisp2"

dbm="{\"type\": \"database-mappings\", \"database-mappings\": [{\"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$(topo_eidnet4 2)\"}]}"
ifs="{\"type\": \"interfaces\", \"interfaces\": [{\"interface\": \"eid0\", \"instance-id\": \"$DP_IID0\"}, {\"interface\": \"eid1\", \"instance-id\": \"$DP_IID1\"}]}"
cat >"$DP_TMP/s2" <<EOS
wait restart
send $ifs
send $dbm
send {"type": "etr-nat-port", "port": $P1}
touch $DP_TMP/s2.ready
serve
EOS
topo_spawn x2 python3 "$SIM" --dir "$DP_TMP/lisp2" --script "$DP_TMP/s2" \
    --log "$DP_TMP/s2.log"
SIMPID=$TOPO_LAST_PID
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" -lisp "$DP_TMP/lisp2" -w 2 \
    -S none
for i in $(seq 100); do [ -f "$DP_TMP/s2.ready" ] && break; sleep 0.1; done
[ -f "$DP_TMP/s2.ready" ] || { cat "$DP_TMP/x2.log" >&2; dp_fail "x2: no restart handshake"; }

# The EID host listens; every datagram it gets is one line in $RX.
RX=$DP_TMP/h2.rx
topo_spawn h2 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d = s.recv(2048)
    with open(sys.argv[1], "a") as f:
        f.write(d.decode(errors="replace") + "\n")
' "$RX"
: >"$RX"

wait_nat() {	# PORT: the capture for PORT is in the workers
	local i
	for i in $(seq 50); do
		grep -q "NAT capture: \"udp dst port $1 and udp src port 4341\"" \
		    "${DP_LOG[2]}" && { sleep 0.3; return 0; }
		sleep 0.1
	done
	cat "${DP_LOG[2]}" >&2
	dp_fail "no NAT capture opened for port $1"
}
send() {	# SPORT DPORT TAG
	topo_exec x1 python3 "$SEND" "$r1" "$r2" "$1" "$2" "$DP_IID0" \
	    "$e4_1" "$e4_2" 7777 "$3" || dp_fail "sender"
}
got() {	# TAG [TIMEOUT/10 s]: did h2 receive TAG?
	local i
	for i in $(seq "${2:-30}"); do
		grep -qx "$1" "$RX" && return 0
		sleep 0.1
	done
	return 1
}

wait_nat $P1
grep -q 'lisp-ztr-dp: etr-nat-port 40958: asking for the NAT capture' \
    "${DP_LOG[2]}" || dp_fail "the data plane did not ask for the capture"
c0=$(dp_counter 2 etr-nat-captured) e0=$(dp_counter 2 etr-packets)
send 4341 $P1 nat-one
got nat-one || { cat "${DP_LOG[2]}" >&2; dp_fail "4341 -> $P1 not delivered to h2"; }
c1=$(dp_counter 2 etr-nat-captured) e1=$(dp_counter 2 etr-packets)
[ "$c1" -eq $((c0 + 1)) ] || dp_fail "etr-nat-captured $c0 -> $c1, want +1"
[ "$e1" -eq $((e0 + 1)) ] || dp_fail "etr-packets $e0 -> $e1, want +1"
for k in 1 2 3 4 5 6 7 8; do send 4341 $P1 "nat-burst-$k"; done
for k in 1 2 3 4 5 6 7 8; do got "nat-burst-$k" || dp_fail "nat-burst-$k lost"; done
c1=$(dp_counter 2 etr-nat-captured)
[ "$c1" -eq $((c0 + 9)) ] || dp_fail "etr-nat-captured $c0 -> $c1, want +9 (no duplicates)"
[ "$(grep -c '^nat-' "$RX")" = 9 ] || dp_fail "h2 got duplicates: $(grep -c '^nat-' "$RX")"
echo "ok: etr-nat-port $P1: LISP data 4341 -> $P1 captured once (2 workers, fanout) and delivered to h2 (9 of 9, etr-nat-captured +9)"

send 4000 $P1 wrong-sport
got wrong-sport 10 && dp_fail "data from port 4000 was decapsulated"
c2=$(dp_counter 2 etr-nat-captured)
[ "$c2" -eq "$c1" ] || dp_fail "etr-nat-captured $c1 -> $c2 for a filtered packet"
echo "ok: source port 4000 -> $P1 not captured (documented filter)"

printf 'send {"type": "etr-nat-port", "port": %s}\n' $P2 >"$DP_TMP/p2"
python3 "$SIM" --dir "$DP_TMP/lisp2" --send-only --script "$DP_TMP/p2" ||
    dp_fail "etr-nat-port sender"
wait_nat $P2
send 4341 $P2 nat-two
got nat-two || dp_fail "4341 -> $P2 not delivered after the port change"
send 4341 $P1 nat-old
got nat-old 10 && dp_fail "the old port $P1 is still captured"
c3=$(dp_counter 2 etr-nat-captured)
[ "$c3" -eq $((c2 + 1)) ] || dp_fail "etr-nat-captured $c2 -> $c3, want +1"
grep 'lisp-ztr-dp: cp: mode' "${DP_LOG[2]}" | tail -1 | grep -q "nat-port $P2 " ||
    dp_fail "state dump does not show nat-port $P2"
echo "ok: etr-nat-port changed to $P2 at run time: $P2 captured, $P1 no longer"

kill -TERM "$SIMPID"; wait "$SIMPID" 2>/dev/null
_topo_forget_pid "$SIMPID" 2>/dev/null
grep -q INVALID "$DP_TMP/s2.log" && dp_fail "invalid DP -> lispers.net records"
exit 0
