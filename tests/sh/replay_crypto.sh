#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-replay --ipc: LISP-crypto (lispers.net's format) through the data
# path, both suites.  Checked-in files in tests/replay/:
#
#   site1-ipc.config      site 1 with ipc-data-plane = yes (no static
#                         map-cache: lispers.net owns it)
#   crypto-itr.ipc        site 1's IPC records: itr-crypto-port 51234,
#                         map-cache of IID 100 with one key per RLOC
#   crypto-etr.ipc        site 2's IPC records: decap-keys of site 1's
#                         RLOCs (the same keys)
#   crypto-gcm100.pcap    the expected ITR output of itr100.pcap, --seed 1,
#   crypto-cbc100.pcap    LISPZTR_CRYPTO_CIPHER=aes-128-gcm / -cbc
#
# Asserted, for GCM and CBC:
#   1. lisp-replay --itr --ipc --seed 1 writes crypto-SUITE100.pcap byte
#      for byte, with the counts of the plain golden run (20 out) and the
#      key slots in the summary; a second run is identical, --seed 2
#      differs;
#   2. the expected pcap, taken apart by an independent Python model
#      (tests/replay/check_crypto.py, python3-cryptography): ports, KK,
#      ICV = HMAC-SHA-256(icv-key, header || IV || ciphertext [|| tag])
#      [0..19], decryption (GCM tag verified) gives the inner packets of
#      inner100.pcap with lispers.net's space padding, IV counters;
#      the same model refuses the other suite's file (not vacuous);
#   3. lisp-replay --etr --ipc crypto-etr.ipc gives back inner100.pcap
#      byte for byte; without the keys every packet is no-decrypt-key;
#   4. a copy with one ciphertext bit flipped in packet 3 and key-id 2 in
#      packet 7: ICV-error 1, no-decrypt-key 1, and the output is
#      inner100.pcap without packets 3 and 7;
#   5. a database-mappings record overrides the config's (IPv6 prefix
#      gone: the IPv6 packets are not-local-eid);
#   6. broken IPC lines (truncated JSON, not JSON) are refused with their
#      line numbers and counted (ipc-malformed), the good records still
#      apply; a missing --ipc file is an error.
#
# UPDATE=1 rewrites crypto-*100.pcap from the current code (review!).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
replay=$BUILD/lisp-replay
dir=tests/replay
PORT=51234

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }
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

itr() {	# suite seed out [summary]
	LISPZTR_CRYPTO_CIPHER=aes-128-$1 "$replay" -f $dir/site1-ipc.config \
	    -i eid0 --ipc $dir/crypto-itr.ipc --seed "$2" \
	    $dir/itr100.pcap "$3" 2>"${4:-/dev/null}"
}

if [ "${UPDATE:-0}" = 1 ]; then
	for s in gcm cbc; do
		itr $s 1 $dir/crypto-${s}100.pcap || exit 1
	done
	echo "UPDATE=1: rewrote $dir/crypto-{gcm,cbc}100.pcap"
	exit 0
fi

fwd=$(wc -l <$dir/expect100.tsv)
for s in gcm cbc; do
	other=$([ $s = gcm ] && echo cbc || echo gcm)
	gold=$dir/crypto-${s}100.pcap

	# 1. golden output, summary, determinism
	itr $s 1 "$tmp/$s.pcap" "$tmp/$s.sum" || bad "$s itr: exit status"
	cmp "$tmp/$s.pcap" "$gold" || bad "$s itr: output differs from $gold"
	grep -q "^lisp-replay: mode itr interface eid0 iid 100 loops 1 seed 1 crypto aes-128-$s\$" \
	    "$tmp/$s.sum" || bad "$s itr: summary header: $(head -1 "$tmp/$s.sum")"
	want "$tmp/$s.sum" packets-out "$fwd"
	want "$tmp/$s.sum" itr-packets "$fwd"
	want "$tmp/$s.sum" ipc-records 3
	want "$tmp/$s.sum" crypto-encap-key-slots 2
	want "$tmp/$s.sum" no-encrypt-key 0
	want "$tmp/$s.sum" encrypt-error 0
	itr $s 1 "$tmp/$s.again" && cmp -s "$tmp/$s.pcap" "$tmp/$s.again" ||
	    bad "$s itr: two runs with --seed 1 differ"
	itr $s 2 "$tmp/$s.seed2" || bad "$s itr: --seed 2"
	cmp -s "$tmp/$s.pcap" "$tmp/$s.seed2" &&
	    bad "$s itr: --seed 2 gives the output of --seed 1"

	# 2. independent model on the checked-in expectation
	python3 $dir/check_crypto.py $s $dir/crypto-itr.ipc $PORT 100 1 \
	    "$gold" $dir/inner100.pcap || bad "$s: check_crypto.py on $gold"
	python3 $dir/check_crypto.py $s $dir/crypto-itr.ipc $PORT 100 2 \
	    "$tmp/$s.seed2" $dir/inner100.pcap >/dev/null ||
	    bad "$s: check_crypto.py on the --seed 2 output"
	python3 $dir/check_crypto.py $other $dir/crypto-itr.ipc $PORT 100 1 \
	    "$gold" $dir/inner100.pcap >/dev/null 2>&1 &&
	    bad "$s: check_crypto.py accepts $gold as $other"

	# 3. reverse direction
	"$replay" -f $dir/site2.config --etr --ipc $dir/crypto-etr.ipc \
	    "$gold" "$tmp/$s.dec" 2>"$tmp/$s.esum" || bad "$s etr: exit status"
	cmp "$tmp/$s.dec" $dir/inner100.pcap ||
	    bad "$s etr: decrypted packets differ from $dir/inner100.pcap"
	want "$tmp/$s.esum" packets-out "$fwd"
	want "$tmp/$s.esum" etr-packets "$fwd"
	want "$tmp/$s.esum" crypto-decap-key-sets 2
	"$replay" -f $dir/site2.config --etr "$gold" "$tmp/$s.nokey" \
	    2>"$tmp/$s.nsum" || bad "$s etr without keys: exit status"
	want "$tmp/$s.nsum" packets-out 0
	want "$tmp/$s.nsum" no-decrypt-key "$fwd"

	# 4. tampered copy: packet 3 one bit of ciphertext, packet 7 key-id 2
	python3 - "$gold" "$tmp/$s.bad" $dir/inner100.pcap "$tmp/$s.want" \
	    <<'EOF' || bad "$s: tampering"
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
r[2] = bytearray(r[2])
r[2][lisp_off(r[2]) + 8 + 16 + 5] ^= 0x10     # past header and IV
r[6] = bytearray(r[6])
o = lisp_off(r[6])
assert r[6][o] & 3 == 1
r[6][o] = (r[6][o] & 0xFC) | 2
open(sys.argv[2], "wb").write(g + b"".join(bytes(x) for x in r))
g, r = recs(sys.argv[3])
open(sys.argv[4], "wb").write(g + b"".join(r[:2] + r[3:6] + r[7:]))
EOF
	"$replay" -f $dir/site2.config --etr --ipc $dir/crypto-etr.ipc \
	    "$tmp/$s.bad" "$tmp/$s.baddec" 2>"$tmp/$s.bsum" ||
	    bad "$s etr tampered: exit status"
	want "$tmp/$s.bsum" ICV-error 1
	want "$tmp/$s.bsum" no-decrypt-key 1
	want "$tmp/$s.bsum" packets-out $((fwd - 2))
	cmp "$tmp/$s.baddec" "$tmp/$s.want" ||
	    bad "$s etr tampered: output is not inner100.pcap without 3 and 7"
	echo "ok: $s: golden ITR output ($fwd packets) verified independently," \
	    "ETR gives the inner packets back; tampered: ICV-error" \
	    "$(ctr "$tmp/$s.bsum" ICV-error), no-decrypt-key" \
	    "$(ctr "$tmp/$s.bsum" no-decrypt-key)"
done

# 5. database-mappings from the records override the config's: with only
# site 2's IPv4 prefix left, the IPv6 packets are not-local-eid.
{ cat $dir/crypto-etr.ipc
  echo '{"type": "database-mappings", "database-mappings": [{"instance-id": "100", "eid-prefix": "192.0.2.32/28"}]}'
} >"$tmp/dbm.ipc"
"$replay" -f $dir/site2.config --etr --ipc "$tmp/dbm.ipc" \
    $dir/crypto-gcm100.pcap "$tmp/dbm.pcap" 2>"$tmp/dbm.sum" ||
    bad "database-mappings override: exit status"
n6=$(python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read(); off, n = 24, 0
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    n += d[off + 16] >> 4 == 6
    off += 16 + incl
print(n)' $dir/inner100.pcap)
[ "$n6" -gt 0 ] || bad "inner100.pcap has no IPv6 packet"
want "$tmp/dbm.sum" not-local-eid "$n6"
want "$tmp/dbm.sum" packets-out $((fwd - n6))
want "$tmp/dbm.sum" ipc-records 3

# 6. broken IPC input: a truncated and a non-JSON line are refused with
# their line numbers and counted, the good records around them still
# apply (the output is the golden GCM file), and the run goes on; a file
# that cannot be opened is an error.
{ echo '{"type": "map-cache", "opcode": '
  head -1 $dir/crypto-itr.ipc
  echo 'garbage'
  tail -n +2 $dir/crypto-itr.ipc
} >"$tmp/broken.ipc"
LISPZTR_CRYPTO_CIPHER=aes-128-gcm "$replay" -f $dir/site1-ipc.config \
    -i eid0 --ipc "$tmp/broken.ipc" --seed 1 $dir/itr100.pcap \
    "$tmp/broken.pcap" 2>"$tmp/broken.sum" || bad "broken ipc: exit status"
cmp -s "$tmp/broken.pcap" $dir/crypto-gcm100.pcap ||
    bad "broken ipc: good records not applied (output differs)"
want "$tmp/broken.sum" ipc-malformed 2
want "$tmp/broken.sum" ipc-records 3
for l in 1 3; do
	grep -q "broken.ipc:$l: IPC record refused" "$tmp/broken.sum" ||
	    bad "broken ipc: line $l not reported"
done
"$replay" -f $dir/site1-ipc.config -i eid0 --ipc "$tmp/nonexistent.ipc" \
    $dir/itr100.pcap "$tmp/none.pcap" 2>/dev/null &&
    bad "missing ipc file: exit status 0"

[ $fail -eq 0 ] && echo "replay_crypto: ok"
exit $fail
