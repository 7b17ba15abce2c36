#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# RFC 8061 LISP-crypto (crypto/lc8061.h) between two lisp-ztr instances
# programmed only through <lisp-dir>/lisp-ipc-data-plane by the fake
# control plane (tests/helpers/lispers_sim.py), with keys carrying
# "cipher-suite" as our own control plane sends them:
#   x1 -> x2: suite 5 (AES-128-GCM), key-id 1, from x1's itr-crypto-port;
#   x2 -> x1: suite 6 (ChaCha20-Poly1305), key-id 2 (x1's decap-keys
#             carry a port x2 does not use: the address fallback).
# Checks: ping (IPv4 and IPv6) and TCP both ways; every LISP data packet
# on the underlay is opened by an independent model (python3-cryptography
# AES-GCM; the original ChaCha20-Poly1305 of tests/replay/check_c8061.py)
# from the documented layout, with the right KK, IV slot byte below the
# worker count and no IV seen twice under a key; the ping payload
# pattern never appears on the underlay; a captured packet with one byte
# flipped, re-sent from the underlay, is an ICV-error while forwarding
# goes on.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3 tshark
python3 -c 'import cryptography' 2>/dev/null ||
    { echo "python3-cryptography not installed" >&2; exit 77; }
dp_init
dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
r1=$(topo_rloc4 1) r2=$(topo_rloc4 2)
CPORT=51234
# Test keys, made up for the test: suite 5 (16 bytes), suite 6 (32).
K5=00112233445566778899aabbccddeeff
K6=101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f

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
mck() {	# PREFIX RLOC KEYID SUITE KEY
	echo "{\"type\": \"map-cache\", \"opcode\": \"add\", \"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$1\", \"rlocs\": [{\"rloc\": \"$2\", \"priority\": \"1\", \"weight\": \"100\", \"port\": \"4341\", \"keys\": [{\"key-id\": \"$3\", \"cipher-suite\": \"$4\", \"encrypt-key\": \"$5\"}]}]}"
}
dk() {	# RLOC PORT KEYID SUITE KEY
	echo "{\"type\": \"decap-keys\", \"rloc\": \"$1\", \"port\": \"$2\", \"keys\": [{\"key-id\": \"$3\", \"cipher-suite\": $4, \"decrypt-key\": \"$5\"}]}"
}

cat >"$DP_TMP/s1" <<EOS
wait restart
send $ifs
send $(dbm 1)
send {"type": "itr-crypto-port", "port": $CPORT}
send $(dk "$r2" 40958 2 6 "$K6")
send $(mck "$(topo_eidnet4 2)" "$r2" 1 5 "$K5")
send $(mck "$(topo_eidnet6 2)" "$r2" 1 5 "$K5")
touch $DP_TMP/s1.ready
serve
EOS
cat >"$DP_TMP/s2" <<EOS
wait restart
send $ifs
send $(dbm 2)
send $(dk "$r1" "$CPORT" 1 5 "$K5")
send $(mck "$(topo_eidnet4 1)" "$r1" 2 6 "$K6")
send $(mck "$(topo_eidnet6 1)" "$r1" 2 6 "$K6")
touch $DP_TMP/s2.ready
serve
EOS
dp_sim_start 1
dp_sim_start 2
dp_wire_segment 1 && dp_wire_segment 2 || export LISP_ZTR_OFFLOAD=gro
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" -lisp "$DP_TMP/lisp1"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" -lisp "$DP_TMP/lisp2"
dp_sim_ready 1
dp_sim_ready 2
sleep 0.3

topo_capture u br0 "$DP_TMP/u.pcap" udp port 4341 || dp_fail "tcpdump"
CAP=$TOPO_LAST_PID
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
echo "ok: ping (v4, v6) and 2 MB TCP both ways with RFC 8061 keys (suite 5 x1 -> x2, suite 6 x2 -> x1)"

if tcpdump -r "$DP_TMP/u.pcap" -x 2>/dev/null | tr -d ' \n' | grep -q 5a17c0ded0d0cafe; then
	dp_fail "the ping payload pattern is visible on the underlay"
fi
for n in 1 2; do
	for c in ICV-error decrypt-error no-decrypt-key no-encrypt-key encrypt-error; do
		v=$(dp_counter $n $c)
		[ "$v" = 0 ] || dp_fail "x$n $c = $v"
	done
done

# Every underlay packet through the independent model.
python3 - "$DP_TMP/u.pcap" "$r1" "$r2" "$CPORT" "$K5" "$K6" \
    tests/replay >"$DP_TMP/model.txt" <<'EOP' || { cat "$DP_TMP/model.txt" >&2; dp_fail "independent model"; }
import struct, sys
sys.path.insert(0, sys.argv[7])
from check_c8061 import open_chacha_orig
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
pcap, r1, r2, cport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
k5, k6 = bytes.fromhex(sys.argv[5]), bytes.fromhex(sys.argv[6])
a1, a2 = (bytes(int(x) for x in a.split(".")) for a in (r1, r2))
d = open(pcap, "rb").read()
e = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, n, bad, seen, slots = 24, {5: 0, 6: 0}, 0, set(), set()
while off + 16 <= len(d):
    incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    ip = d[off + 16 + 14:off + 16 + incl]
    off += 16 + incl
    if ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    hl = (ip[0] & 15) * 4
    src, dst = ip[12:16], ip[16:20]
    sp, dp = struct.unpack(">HH", ip[hl:hl + 4])
    lisp = ip[hl + 8:]
    if dp != 4341:
        continue
    try:
        if (src, dst) == (a1, a2):
            suite, kid, ivl = 5, 1, 12
            assert sp == cport, "x1 source port %d" % sp
        elif (src, dst) == (a2, a1):
            suite, kid, ivl = 6, 2, 8
        else:
            raise AssertionError("addresses")
        assert lisp[0] & 3 == kid, "KK %d" % (lisp[0] & 3)
        aad, iv = lisp[:8 + ivl], lisp[8:8 + ivl]
        ct, tag = lisp[8 + ivl:-16], lisp[-16:]
        if suite == 5:
            pt = AESGCM(k5).decrypt(iv, ct + tag, aad)
        else:
            pt = open_chacha_orig(k6, iv, aad, ct, tag)
        assert pt[0] >> 4 in (4, 6), "inner is not IP"
        assert (suite, iv) not in seen, "IV seen twice"
        seen.add((suite, iv))
        slots.add((suite, iv[0]))
        n[suite] += 1
    except Exception as x:
        bad += 1
        print("packet at %d: %s" % (off, x))
print("model: suite 5 %d, suite 6 %d packets opened, %d failed, slots %s"
      % (n[5], n[6], bad, sorted(slots)))
sys.exit(1 if bad or n[5] < 500 or n[6] < 500 else 0)
EOP
cat "$DP_TMP/model.txt"
echo "ok: every underlay packet opened by the independent model; ping pattern not visible; no crypto errors"

# Tamper: one captured x1 -> x2 packet, a byte of its tag flipped,
# re-sent from the underlay with x1's address (raw socket in u).
python3 - "$DP_TMP/u.pcap" "$r1" "$r2" >"$DP_TMP/tamper.hex" <<'EOP' || dp_fail "no packet to tamper with"
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" else ">"
src, dst = (bytes(int(x) for x in a.split(".")) for a in sys.argv[2:4])
off = 24
while off + 16 <= len(d):
    incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    ip = d[off + 16 + 14:off + 16 + incl]
    off += 16 + incl
    if ip[0] >> 4 == 4 and ip[9] == 17 and ip[12:16] == src and \
            ip[16:20] == dst and len(ip) > 100:
        p = bytearray(ip)
        p[-1] ^= 0x40
        print(p.hex())
        sys.exit(0)
sys.exit(1)
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
echo "ok: 3 packets with a flipped tag bit dropped as ICV-error on x2 ($before -> $after); forwarding goes on"

dp_sim_stop 1
dp_sim_stop 2
grep INVALID "$DP_TMP"/s*.log >&2 && dp_fail "invalid DP -> control plane records"
exit 0
