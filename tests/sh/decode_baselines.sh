#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-decode against independent decoders.  For every capture in
# tests/data/captures/: `lisp-decode -j` must exit 0 and its output must
# match tshark 4.0.17's field baseline frame by frame and field by field
# (tests/decode_compare.py; per-frame decisions for malformed frames in
# tests/data/decode_decisions.txt).  Text mode must agree on the error
# lines.  Then the HMAC vectors of tests/data/map_register_hmac_vectors.json
# are wrapped into a pcap with text2pcap and must show "auth: valid" with
# the key "password", "auth: INVALID" otherwise.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DEC=$BUILD/lisp-decode
DATA=tests/data
CAPS=$DATA/captures
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if ! command -v "$PY" >/dev/null 2>&1; then
	echo "python3 not installed (scripts/install-deps.sh)"; exit 77
fi
if ! command -v text2pcap >/dev/null 2>&1; then
	echo "text2pcap not installed (tshark package, scripts/install-deps.sh)"; exit 77
fi
[ -x "$DEC" ] || { echo "FAIL: $DEC not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ncap=0

for pcap in "$CAPS"/*.pcap; do
	name=$(basename "$pcap" .pcap)
	tsv=$CAPS/tshark-4.0.17/$name.fields.tsv
	ncap=$((ncap + 1))
	"$DEC" -j "$pcap" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $name: lisp-decode -j exited $rc"; cat "$tmp/$name.err"
		fail=1; continue
	fi
	"$DEC" "$pcap" >"$tmp/$name.txt" 2>/dev/null
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: $name: lisp-decode (text) exited $rc"; fail=1; continue
	fi
	# Error lines: the same frames in both modes.
	jerr=$(grep -c '"error":' "$tmp/$name.jsonl")
	terr=$(grep -cE '^frame [0-9]+: ' "$tmp/$name.txt")
	if [ "$jerr" -ne "$terr" ]; then
		echo "FAIL: $name: $jerr JSON errors but $terr text error lines"
		fail=1
	fi
	"$PY" tests/decode_compare.py "$name" "$tmp/$name.jsonl" "$tsv" \
	    "$DATA/decode_decisions.txt" | tee -a "$tmp/summary" || fail=1
	[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
done
awk '/ frames=/ { for (i = 2; i <= NF; i++) { split($i, a, "="); t[a[1]] += a[2] } }
END { printf "TOTAL: captures=%d frames=%d compared=%d columns=%d values=%d " \
    "errors_asserted=%d tcp=%d mismatches=%d\n", NR, t["frames"], t["compared"],
    t["columns"], t["values"], t["errors_asserted"], t["tcp"], t["mismatches"] }' \
    "$tmp/summary"
[ $ncap -ge 12 ] || { echo "FAIL: only $ncap captures found"; fail=1; }

# The two malformed tcpdump captures: clean error lines, exit 0.
for name in tcpdump_lisp_invalid tcpdump_lisp_invalid_length; do
	if ! grep -qE '^frame 1: .+' "$tmp/$name.txt"; then
		echo "FAIL: $name: no error line for frame 1"; fail=1
	fi
done
grep -E '^frame [0-9]+: ' "$tmp"/tcpdump_lisp_invalid*.txt "$tmp"/tcpdump_lisp_eid_notify.txt

# HMAC vectors through the whole decoder.
"$PY" - "$DATA/map_register_hmac_vectors.json" >"$tmp/vec.txt" <<'PYEOF'
import json, sys
for v in json.load(open(sys.argv[1]))["vectors"]:
    h = v["message_hex"]
    print("000000 " + " ".join(h[i:i + 2] for i in range(0, len(h), 2)))
PYEOF
text2pcap -q -u 4342,4342 -4 192.0.2.1,192.0.2.2 "$tmp/vec.txt" "$tmp/vec.pcap" \
    >/dev/null 2>&1 || { echo "FAIL: text2pcap"; exit 1; }
# A copy with one bit of the first message's EID flipped.
sed '1s/c0 a8 88 0a$/c0 a8 88 0b/' "$tmp/vec.txt" >"$tmp/bad.txt"
text2pcap -q -u 4342,4342 "$tmp/bad.txt" "$tmp/bad.pcap" >/dev/null 2>&1

check_auth() {	# what, expected "valid INVALID ..." list, decoder args...
	local what=$1 want=$2 got; shift 2
	got=$("$DEC" "$@" 2>/dev/null | sed -n 's/^ *auth: //p' | tr '\n' ' ')
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: auth results '$got', want '$want'"; fail=1
	else
		echo "ok: $what: $got"
	fi
}
check_auth "vectors, key password" "valid valid valid " -k password "$tmp/vec.pcap"
check_auth "vectors, wrong key" "INVALID INVALID INVALID " -k passwore "$tmp/vec.pcap"
check_auth "first message altered" "INVALID valid valid " -k password "$tmp/bad.pcap"
n=$("$DEC" -j -k password "$tmp/vec.pcap" 2>/dev/null | grep -c '"auth":"valid"')
[ "$n" -eq 3 ] || { echo "FAIL: -j: $n of 3 \"auth\":\"valid\""; fail=1; }
# Without -k there is no verdict at all.
if "$DEC" "$tmp/vec.pcap" 2>/dev/null | grep -q '^ *auth: '; then
	echo "FAIL: auth verdict printed without -k"; fail=1
fi

# Link layers and IP variants: the first vector wrapped by hand in
# SLL, SLL2, NULL, LOOP, raw IPv6 with extension headers, 802.1Q QinQ,
# and IPv4/IPv6 fragments (not reassembled: reported, never decoded).
"$PY" - "$DATA/map_register_hmac_vectors.json" "$tmp" <<'PYEOF'
import json, struct, sys
msg = bytes.fromhex(json.load(open(sys.argv[1]))["vectors"][0]["message_hex"])
out = sys.argv[2]
udp = struct.pack("!HHHH", 4342, 4342, 8 + len(msg), 0) + msg
v4 = lambda pl, fo=0: struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(pl), 1,
    fo, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + pl
a6 = bytes.fromhex("20010db8000000000000000000000001")
b6 = bytes.fromhex("20010db8000000000000000000000002")
def v6(pl, nh, ext=b""):
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(pl), nh, 64) + \
        a6 + b6 + ext + pl
def write(name, dlt, frames):
    with open(f"{out}/{name}.pcap", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
eth = b"\x02" * 6 + b"\x04" * 6
write("sll", 113, [struct.pack("!HHH8sH", 0, 1, 6, b"", 0x0800) + v4(udp)])
write("sll2", 276, [struct.pack("!HHIHBB8s", 0x86DD, 0, 1, 1, 0, 6, b"") +
      v6(udp, 17)])
write("null", 0, [struct.pack("<I", 2) + v4(udp)])
write("loop", 108, [struct.pack("!I", 2) + v4(udp)])
# hop-by-hop (8 bytes) then destination options (16 bytes) then UDP
ext = bytes([60, 0]) + b"\x01\x04" + b"\0" * 4 + bytes([17, 1]) + \
    b"\x01\x0c" + b"\0" * 12
write("raw6", 101, [v6(udp, 0, ext)])
write("qinq", 1, [eth + struct.pack("!HHHHH", 0x88A8, 100, 0x8100, 200,
      0x0800) + v4(udp)])
write("frag", 1, [eth + b"\x08\x00" + v4(udp[:40], 0x2000),
      eth + b"\x08\x00" + v4(udp[40:], 0x0005),
      eth + b"\x86\xdd" + v6(udp[:40], 44, bytes([17, 0, 0, 1]) + b"\0\0\0\x07")])
PYEOF
for l in sll sll2 null loop raw6 qinq; do
	check_auth "link $l" "valid " -k password "$tmp/$l.pcap"
done
"$DEC" -j "$tmp/qinq.pcap" 2>/dev/null | grep -q '"vlan":\[100,200\]' ||
	{ echo "FAIL: QinQ tags not reported"; fail=1; }
"$DEC" "$tmp/frag.pcap" >"$tmp/frag.txt" 2>/dev/null
rc=$?
cat "$tmp/frag.txt"
if [ $rc -ne 0 ] || [ "$(grep -cE '^frame [123]: .*fragment' "$tmp/frag.txt")" -ne 3 ]; then
	echo "FAIL: fragments must give three error lines and exit 0"; fail=1
fi

# Usage and open errors exit 1.
"$DEC" >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: no args must exit 1"; fail=1; }
"$DEC" "$tmp/nonexistent.pcap" >/dev/null 2>&1
[ $? -eq 1 ] || { echo "FAIL: missing file must exit 1"; fail=1; }

[ $fail -eq 0 ] && echo "decode_baselines: all checks passed"
exit $fail
