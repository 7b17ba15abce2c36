#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-replay --ipc: RFC 8061 LISP-crypto (crypto/lc8061.h) through the
# data path, keys with "cipher-suite" as our own control plane sends
# them.  Checked-in files in tests/replay/:
#
#   c8061-itr.ipc     site 1's records: itr-crypto-port 51234, map-cache
#                     of IID 100; IPv4 RLOC suite 5 (AES-128-GCM) key-id
#                     1, IPv6 RLOC suite 6 (ChaCha20-Poly1305) key-id 3
#   c8061-etr.ipc     site 2's records: decap-keys of site 1's RLOCs
#   c8061-100.pcap    the expected ITR output of itr100.pcap, --seed 1
#
# Asserted:
#   1. lisp-replay --itr --ipc --seed 1 writes c8061-100.pcap byte for
#      byte, with the counts of the plain golden run (20 out, both suites
#      used); a second run is identical, --seed 2 differs;
#   2. the expected pcap, taken apart by an independent Python model
#      (tests/replay/check_c8061.py: python3-cryptography's AES-GCM, and
#      the original ChaCha20-Poly1305 built from ChaCha20 and Poly1305):
#      layout header || IV || ciphertext || tag, AAD, plaintext = the
#      inner packets of inner100.pcap, IV rule; the model refuses the
#      --seed 2 output under seed 1 and lispers.net's golden file (not
#      vacuous);
#   3. tshark decodes every outer packet as UDP 51234 -> 4341 with a
#      LISP data header (N, I, IID 100) whose KK (tshark: reserved bits)
#      is the RLOC's key-id, nothing malformed;
#   4. lisp-replay --etr --ipc c8061-etr.ipc gives back inner100.pcap
#      byte for byte; without keys every packet is no-decrypt-key; with
#      lispers.net-format keys for the same RLOCs nothing decrypts;
#   5. a copy with one bit flipped in packet 3's ciphertext, packet 5's
#      LISP nonce and packet 7's tag: ICV-error 3, the output is
#      inner100.pcap without packets 3, 5 and 7;
#   6. a decap-keys record with "cipher-suite" 7 is refused (ipc-malformed,
#      the reason names the field).
#
# UPDATE=1 rewrites c8061-100.pcap from the current code (review!).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
replay=$BUILD/lisp-replay
dir=tests/replay
PORT=51234
gold=$dir/c8061-100.pcap

for t in python3 tshark cmp; do
	command -v $t >/dev/null 2>&1 || { echo "$t not installed" >&2; exit 77; }
done
python3 -c 'import cryptography' 2>/dev/null ||
    { echo "python3-cryptography not installed" >&2; exit 77; }
[ -x "$replay" ] || { echo "FAIL: $replay not built (run make)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ctr() { awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }
want() {	# summary name value
	local got
	got=$(ctr "$1" "$2")
	[ "$got" = "$3" ] || bad "$(basename "$1"): $2 = $got, want $3"
}

itr() {	# seed out [summary]
	"$replay" -f $dir/site1-ipc.config -i eid0 --ipc $dir/c8061-itr.ipc \
	    --seed "$1" $dir/itr100.pcap "$2" 2>"${3:-/dev/null}"
}

if [ "${UPDATE:-0}" = 1 ]; then
	itr 1 "$gold" || exit 1
	echo "UPDATE=1: rewrote $gold"
	exit 0
fi

fwd=$(wc -l <$dir/expect100.tsv)

# 1. golden output, summary, determinism
itr 1 "$tmp/itr.pcap" "$tmp/itr.sum" || bad "itr: exit status"
cmp "$tmp/itr.pcap" "$gold" || bad "itr: output differs from $gold"
want "$tmp/itr.sum" packets-out "$fwd"
want "$tmp/itr.sum" itr-packets "$fwd"
want "$tmp/itr.sum" ipc-records 3
want "$tmp/itr.sum" ipc-malformed 0
want "$tmp/itr.sum" crypto-encap-key-slots 2
# The records carry suites 5 (IPv4 RLOC) and 6 (IPv6 RLOC): the summary
# names both RFC 8061 constructions, not the lispers.net cipher.
head -1 "$tmp/itr.sum" | grep -q ' crypto rfc8061-aes-128-gcm+rfc8061-chacha20-poly1305$' ||
    bad "itr summary: $(head -1 "$tmp/itr.sum"), want crypto rfc8061-aes-128-gcm+rfc8061-chacha20-poly1305"
want "$tmp/itr.sum" crypto-key-refused-malformed 0
want "$tmp/itr.sum" no-encrypt-key 0
want "$tmp/itr.sum" encrypt-error 0
itr 1 "$tmp/again.pcap" && cmp -s "$tmp/itr.pcap" "$tmp/again.pcap" ||
    bad "itr: two runs with --seed 1 differ"
itr 2 "$tmp/seed2.pcap" || bad "itr: --seed 2"
cmp -s "$tmp/itr.pcap" "$tmp/seed2.pcap" &&
    bad "itr: --seed 2 gives the output of --seed 1"

# 2. independent model on the checked-in expectation
python3 $dir/check_c8061.py $dir/c8061-itr.ipc $PORT 100 1 "$gold" \
    $dir/inner100.pcap || bad "check_c8061.py on $gold"
python3 $dir/check_c8061.py $dir/c8061-itr.ipc $PORT 100 2 \
    "$tmp/seed2.pcap" $dir/inner100.pcap >/dev/null ||
    bad "check_c8061.py on the --seed 2 output"
python3 $dir/check_c8061.py $dir/c8061-itr.ipc $PORT 100 1 \
    "$tmp/seed2.pcap" $dir/inner100.pcap >/dev/null 2>&1 &&
    bad "check_c8061.py accepts the --seed 2 output as --seed 1"
python3 $dir/check_c8061.py $dir/c8061-itr.ipc $PORT 100 1 \
    $dir/crypto-gcm100.pcap $dir/inner100.pcap >/dev/null 2>&1 &&
    bad "check_c8061.py accepts lispers.net's crypto-gcm100.pcap"

# 3. tshark: outer headers, LISP header, KK per RLOC
tshark -r "$gold" -o udp.ignore_ipv6_zero_checksum:TRUE -T fields \
    -E separator=/t -e ip.dst -e ipv6.dst -e udp.srcport -e udp.dstport \
    -e lisp-data.flags.nonce -e lisp-data.flags.iid -e lisp-data.iid \
    -e lisp-data.flags.res -e _ws.malformed -e _ws.expert \
    >"$tmp/tshark.tsv" 2>"$tmp/tshark.err" || bad "tshark: exit status"
n=$(wc -l <"$tmp/tshark.tsv")
[ "$n" = "$fwd" ] || bad "tshark: $n packets, want $fwd"
awk -F'\t' -v port=$PORT '
	$1 == "203.0.113.2" && $2 == "" { kk = "0x01"; n4++ }
	$1 == "" && $2 == "2001:db8:ffff::2" { kk = "0x03"; n6++ }
	!($1 == "203.0.113.2" && $2 == "") && !($1 == "" && $2 == "2001:db8:ffff::2") {
		print "packet " NR ": outer destination " $1 $2; bad++; next }
	$3 != port || $4 != 4341 { print "packet " NR ": ports " $3 " " $4; bad++ }
	$5 != 1 || $6 != 1 || $7 != 100 {
		print "packet " NR ": N " $5 " I " $6 " IID " $7; bad++ }
	$8 != kk { print "packet " NR ": KK " $8 ", want " kk; bad++ }
	$9 != "" || $10 != "" { print "packet " NR ": " $9 $10; bad++ }
	END {
		if (n4 == 0 || n6 == 0) { print "one suite unused"; bad++ }
		exit bad > 0
	}' "$tmp/tshark.tsv" || bad "tshark fields of $gold"

# 4. reverse direction
"$replay" -f $dir/site2.config --etr --ipc $dir/c8061-etr.ipc \
    "$gold" "$tmp/dec.pcap" 2>"$tmp/dec.sum" || bad "etr: exit status"
cmp "$tmp/dec.pcap" $dir/inner100.pcap ||
    bad "etr: decrypted packets differ from $dir/inner100.pcap"
want "$tmp/dec.sum" packets-out "$fwd"
want "$tmp/dec.sum" etr-packets "$fwd"
want "$tmp/dec.sum" crypto-decap-key-sets 2
head -1 "$tmp/dec.sum" | grep -q ' crypto rfc8061-aes-128-gcm+rfc8061-chacha20-poly1305$' ||
    bad "etr summary: $(head -1 "$tmp/dec.sum"), want both RFC 8061 suites"
want "$tmp/dec.sum" ICV-error 0
"$replay" -f $dir/site2.config --etr "$gold" "$tmp/nokey.pcap" \
    2>"$tmp/nokey.sum" || bad "etr without keys: exit status"
want "$tmp/nokey.sum" packets-out 0
want "$tmp/nokey.sum" no-decrypt-key "$fwd"
# lispers.net-format keys (key-id 1 only) for the same RLOCs: the IPv4
# packets (KK 1) fail their check, the IPv6 ones (KK 3) find no key.
"$replay" -f $dir/site2.config --etr --ipc $dir/crypto-etr.ipc "$gold" \
    "$tmp/lkey.pcap" 2>"$tmp/lkey.sum" || bad "etr lispers.net keys: exit"
want "$tmp/lkey.sum" packets-out 0
[ $(( $(ctr "$tmp/lkey.sum" ICV-error) + $(ctr "$tmp/lkey.sum" no-decrypt-key) )) = "$fwd" ] ||
    bad "etr lispers.net keys: ICV-error + no-decrypt-key != $fwd"
[ "$(ctr "$tmp/lkey.sum" ICV-error)" -gt 0 ] ||
    bad "etr lispers.net keys: no ICV-error"

# 5. tampered copy: packet 3 ciphertext, packet 5 LISP nonce, packet 7 tag
python3 - "$gold" "$tmp/bad.pcap" $dir/inner100.pcap "$tmp/want.pcap" \
    <<'PY' || bad "tampering"
import struct, sys
def recs(path):
    d = open(path, "rb").read()
    e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
        out.append(d[off:off + 16 + incl])
        off += 16 + incl
    return d[:24], out
def lisp_off(p):
    return ((p[16] & 15) * 4 if p[16] >> 4 == 4 else 40) + 8 + 16
g, r = recs(sys.argv[1])
for i, where in ((2, "ct"), (4, "nonce"), (6, "tag")):
    r[i] = bytearray(r[i])
    o = lisp_off(r[i])
    ivl = 12 if r[i][16] >> 4 == 4 else 8
    if where == "ct":
        r[i][o + 8 + ivl + 3] ^= 0x04
    elif where == "nonce":
        r[i][o + 2] ^= 0x01
    else:
        r[i][-1] ^= 0x80
open(sys.argv[2], "wb").write(g + b"".join(bytes(x) for x in r))
g, r = recs(sys.argv[3])
open(sys.argv[4], "wb").write(g + b"".join(r[:2] + [r[3], r[5]] + r[7:]))
PY
"$replay" -f $dir/site2.config --etr --ipc $dir/c8061-etr.ipc \
    "$tmp/bad.pcap" "$tmp/baddec.pcap" 2>"$tmp/bad.sum" ||
    bad "etr tampered: exit status"
want "$tmp/bad.sum" ICV-error 3
want "$tmp/bad.sum" no-decrypt-key 0
want "$tmp/bad.sum" packets-out $((fwd - 3))
cmp "$tmp/baddec.pcap" "$tmp/want.pcap" ||
    bad "etr tampered: output is not inner100.pcap without 3, 5 and 7"

# 6. an unknown cipher suite is refused with its reason
{ echo '{"type": "decap-keys", "rloc": "203.0.113.1", "port": "51234", "keys": [{"key-id": "1", "cipher-suite": "7", "decrypt-key": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}]}'
  tail -n 1 $dir/c8061-etr.ipc
} >"$tmp/cs7.ipc"
"$replay" -f $dir/site2.config --etr --ipc "$tmp/cs7.ipc" "$gold" \
    "$tmp/cs7.pcap" 2>"$tmp/cs7.sum" || bad "cipher-suite 7: exit status"
want "$tmp/cs7.sum" ipc-malformed 1
want "$tmp/cs7.sum" crypto-decap-key-sets 1
grep -q 'cs7.ipc:1: IPC record refused' "$tmp/cs7.sum" &&
    grep -q 'keys\[0\]: "cipher-suite" 7 is not supported' "$tmp/cs7.sum" ||
    bad "cipher-suite 7: line or reason not reported"
# Only the IPv6 RLOC's key (suite 6) is in: its packets still decrypt.
n4=$(awk -F'\t' '$1 != ""' "$tmp/tshark.tsv" | wc -l)
want "$tmp/cs7.sum" no-decrypt-key "$n4"
want "$tmp/cs7.sum" packets-out $((fwd - n4))

[ $fail -eq 0 ] && echo "replay_crypto8061: ok: golden ITR output ($fwd" \
    "packets, suites 5 and 6) verified independently and by tshark, ETR" \
    "gives the inner packets back, tampering is ICV-error"
exit $fail
