#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# LISP-crypto in lispers.net IPC mode: two lisp-ztr instances programmed
# only through <lisp-dir>/lisp-ipc-data-plane by a fake lispers.net
# (tests/helpers/lispers_sim.py), with the key material lispers.net
# derived in tests/data/lcrypto/lispers.net-crypto-vectors.json:
#   x1 -> x2: map-cache "keys" on x1 (aes-gcm-hmac itr_encap), decap-keys
#             for x1's RLOC and itr-crypto-port on x2;
#   x2 -> x1: the same with the leading-zero-XOR keys of the vectors.
# Checks: ping (IPv4 and IPv6) and TCP both ways; on the underlay every
# LISP data packet has KK = 1 (tshark lisp-data.flags.res) and the ping
# payload pattern never appears; x1 -> x2 packets leave from the
# itr-crypto-port; a captured packet with one byte flipped, re-sent from
# the underlay, is dropped as ICV-error while forwarding goes on;
# decap-statistics carries the ICV-error to lispers.net.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3 tshark
dp_init
VEC=tests/data/lcrypto/lispers.net-crypto-vectors.json
dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
r1=$(topo_rloc4 1) r2=$(topo_rloc4 2)
CPORT=51234	# x1's itr-crypto-port (the vectors' ITR port)

# Key material: "ENCRYPT ICV" of the two directions, from the vectors.
read -r K12 I12 K21 I21 < <(python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["variants"]["aes-gcm-hmac"]
a = v["kdf"]["itr_encap"]
b = v["kdf_edge_case_leading_zero_xor"]
print(a["encrypt-key"], a["icv-key"], b["encrypt-key"], b["icv-key"])' "$VEC") ||
    dp_fail "key material"
[ ${#K12} = 32 ] && [ ${#I12} = 40 ] && [ ${#K21} = 32 ] && [ ${#I21} = 40 ] ||
    dp_fail "key material: $K12 $I12 $K21 $I21"

for n in 1 2; do
	p=$((3 - n))
	dp_config $n $p 4 "$DP_TMP/x$n.conf"
	sed -i '/^lisp map-cache {/,$d' "$DP_TMP/x$n.conf"
	printf 'lisp xtr-parameters {\n    ipc-data-plane = yes\n}\n' \
	    >>"$DP_TMP/x$n.conf"
	mkdir -p "$DP_TMP/lisp$n"
done

dbm() {	# N
	local n=$1
	echo "{\"type\": \"database-mappings\", \"database-mappings\": [{\"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$(topo_eidnet4 $n)\"}, {\"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$(topo_eidnet6 $n)\"}]}"
}
ifs="{\"type\": \"interfaces\", \"interfaces\": [{\"interface\": \"eid0\", \"instance-id\": \"$DP_IID0\"}, {\"interface\": \"eid1\", \"instance-id\": \"$DP_IID1\"}]}"
mck() {	# PREFIX RLOC KEY ICV
	echo "{\"type\": \"map-cache\", \"opcode\": \"add\", \"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$1\", \"rlocs\": [{\"rloc\": \"$2\", \"priority\": \"1\", \"weight\": \"100\", \"port\": \"4341\", \"keys\": [{\"key-id\": \"1\", \"encrypt-key\": \"$3\", \"icv-key\": \"$4\"}]}]}"
}
dk() {	# RLOC PORT KEY ICV
	echo "{\"type\": \"decap-keys\", \"rloc\": \"$1\", \"port\": \"$2\", \"keys\": [{\"key-id\": \"1\", \"decrypt-key\": \"$3\", \"icv-key\": \"$4\"}]}"
}

# x1 encrypts with K12 from port CPORT and decrypts K21 from r2 (its
# decap-keys carry a port x2 does not use: the address fallback).
cat >"$DP_TMP/s1" <<EOS
wait restart
send $ifs
send $(dbm 1)
send {"type": "itr-crypto-port", "port": $CPORT}
send $(dk "$r2" 40958 "$K21" "$I21")
send $(mck "$(topo_eidnet4 2)" "$r2" "$K12" "$I12")
send $(mck "$(topo_eidnet6 2)" "$r2" "$K12" "$I12")
touch $DP_TMP/s1.ready
serve
EOS
cat >"$DP_TMP/s2" <<EOS
wait restart
send $ifs
send $(dbm 2)
send $(dk "$r1" "$CPORT" "$K12" "$I12")
send $(mck "$(topo_eidnet4 1)" "$r1" "$K21" "$I21")
send $(mck "$(topo_eidnet6 1)" "$r1" "$K21" "$I21")
touch $DP_TMP/s2.ready
serve
EOS
dp_sim_start 1
dp_sim_start 2
# The underlay capture below must see wire packets (dp_lib.inc).
dp_wire_segment 1 && dp_wire_segment 2 || export LISP_ZTR_OFFLOAD=gro
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" -lisp "$DP_TMP/lisp1"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" -lisp "$DP_TMP/lisp2"
dp_sim_ready 1
dp_sim_ready 2
sleep 0.3
grep -q 'lisp-crypto encapsulation cipher aes-128-gcm' "$DP_TMP/x1.log" ||
    dp_fail "x1 does not log its encapsulation cipher"

topo_capture u br0 "$DP_TMP/u.pcap" udp port 4341 || dp_fail "tcpdump"
CAP=$TOPO_LAST_PID
# Control: the inner side of x2 sees the pattern in the clear.
topo_capture x2 eid0 "$DP_TMP/in.pcap" icmp || dp_fail "tcpdump eid0"
CAPIN=$TOPO_LAST_PID
topo_wait_ping h1 "$e4_2" 5 || { cat "$DP_TMP/x2.log" >&2; dp_fail "ping h1 -> $e4_2"; }
topo_exec h1 ping -c 5 -i 0.1 -W 2 -q -p 5a17c0ded0d0cafe -s 200 "$e4_2" \
    >/dev/null || dp_fail "ping with pattern h1 -> $e4_2"
topo_exec h2 ping -c 5 -i 0.1 -W 2 -q -p 5a17c0ded0d0cafe -s 200 "$e4_1" \
    >/dev/null || dp_fail "ping with pattern h2 -> $e4_1"
topo_wait_ping h1 "$e6_2" 5 || dp_fail "ping -6 h1 -> $e6_2"
dp_tcp h1 h2 "$e4_2" 2 || dp_fail "TCP h1 -> h2 IPv4"
dp_tcp h2 h1 "$e4_1" 2 || dp_fail "TCP h2 -> h1 IPv4"
dp_tcp h1 h2 "$e6_2" 2 || dp_fail "TCP h1 -> h2 IPv6"
topo_capture_stop "$CAP"
topo_capture_stop "$CAPIN"
echo "ok: ping (v4, v6) and 2 MB TCP both ways, encrypted with lispers.net's keys"

total=$(tshark -r "$DP_TMP/u.pcap" -d udp.port==4341,lisp-data -Y lisp-data 2>/dev/null | wc -l)
kk1=$(tshark -r "$DP_TMP/u.pcap" -d udp.port==4341,lisp-data \
    -Y 'lisp-data.flags.res & 3 && lisp-data.flags.res == 1' 2>/dev/null | wc -l)
[ "$total" -gt 1000 ] || dp_fail "only $total LISP data packets captured"
[ "$kk1" = "$total" ] || dp_fail "$kk1 of $total LISP data packets with KK = 1"
sp=$(tshark -r "$DP_TMP/u.pcap" -d udp.port==4341,lisp-data \
    -Y "lisp-data && ip.src == $r1" -T fields -e udp.srcport 2>/dev/null | sort -u)
[ "$sp" = "$CPORT" ] || dp_fail "x1's encrypted packets from ports: $sp"
if tcpdump -r "$DP_TMP/u.pcap" -x 2>/dev/null | tr -d ' \n' | grep -q 5a17c0ded0d0cafe; then
	dp_fail "the ping payload pattern is visible on the underlay"
fi
# Not vacuous: the same search finds it in the inner capture on x2.
tcpdump -r "$DP_TMP/in.pcap" -x 2>/dev/null | tr -d ' \n' | grep -q 5a17c0ded0d0cafe ||
    dp_fail "control: the ping pattern is not found in the inner capture"
for n in 1 2; do
	for c in ICV-error decrypt-error no-decrypt-key no-encrypt-key encrypt-error; do
		v=$(dp_counter $n $c)
		[ "$v" = 0 ] || dp_fail "x$n $c = $v"
	done
done
echo "ok: underlay: $kk1/$total LISP data packets KK=1, x1 -> x2 from itr-crypto-port $CPORT, ping pattern not visible; no crypto errors"

# Tamper: one captured x1 -> x2 packet, a byte of the ciphertext flipped,
# re-sent from the underlay with x1's address (raw socket in u).
python3 - "$DP_TMP/u.pcap" "$r1" "$r2" >"$DP_TMP/tamper.hex" <<'EOP' || dp_fail "no packet to tamper with"
import struct, sys
f = open(sys.argv[1], "rb")
hdr = f.read(24)
le = hdr[:4] == b"\xd4\xc3\xb2\xa1"
e = "<" if le else ">"
src, dst = (bytes(int(x) for x in a.split(".")) for a in sys.argv[2:4])
while True:
    h = f.read(16)
    if len(h) < 16:
        sys.exit(1)
    _, _, incl, _ = struct.unpack(e + "IIII", h)
    d = f.read(incl)
    ip = d[14:]
    if ip[0] >> 4 == 4 and ip[9] == 17 and ip[12:16] == src and \
            ip[16:20] == dst and len(ip) > 100:
        p = bytearray(ip)
        p[20 + 8 + 8 + 20] ^= 0x40      # inside the ciphertext
        print(p.hex())
        sys.exit(0)
EOP
before=$(dp_counter 2 ICV-error)
good_before=$(dp_counter 2 etr-packets)
topo_exec u python3 -c '
import socket, sys
p = bytes.fromhex(open(sys.argv[1]).read().strip())
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for _ in range(3):
    s.sendto(p, (sys.argv[2], 0))' "$DP_TMP/tamper.hex" "$r2" || dp_fail "raw send"
sleep 0.3
after=$(dp_counter 2 ICV-error)
[ "$after" = $((before + 3)) ] || dp_fail "x2 ICV-error $before -> $after, want +3"
topo_exec h1 ping -c 3 -i 0.2 -W 2 -q "$e4_2" >/dev/null || dp_fail "no forwarding after tampering"
good=$(dp_counter 2 etr-packets)
[ "$good" -gt "$good_before" ] || dp_fail "x2 etr-packets did not grow"
echo "ok: 3 tampered packets from the underlay dropped as ICV-error on x2 ($before -> $after); forwarding goes on"

for i in $(seq 150); do
	grep -q '"type": "decap-statistics".*"ICV-error": {"packet-count": [1-9]' "$DP_TMP/s2.log" && break
	sleep 0.1
done
grep -q '"type": "decap-statistics".*"ICV-error": {"packet-count": [1-9]' "$DP_TMP/s2.log" ||
    dp_fail "x2's decap-statistics without the ICV-error"
echo "ok: decap-statistics reports the ICV-errors to lispers.net"

dp_sim_stop 1
dp_sim_stop 2
grep INVALID "$DP_TMP"/s*.log >&2 && dp_fail "invalid DP -> lispers.net records"
exit 0
