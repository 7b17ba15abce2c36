#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Our encoders against tshark 4.0 and our own decoder.  gen_ctrl builds a
# pcap with every control message type and variant, every LCAF type and
# a few data packets, and prints the fields each frame must show
# (tshark field names, values from its input structures).  tshark must
# decode every frame to exactly those values, with good UDP checksums, no
# malformed packet and no expert message except the ones the generator
# lists (tshark 4.0 shows "Not dissected yet" for the Security Key and
# JSON LCAFs).  lisp-decode -j -k must give the same values and a valid
# HMAC for every signed message (tests/ctrl_compare.py).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
GEN=$BUILD/tests/helpers/gen_ctrl
DEC=$BUILD/lisp-decode
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

command -v tshark >/dev/null 2>&1 ||
	{ echo "tshark not installed (scripts/install-deps.sh)"; exit 77; }
command -v "$PY" >/dev/null 2>&1 ||
	{ echo "python3 not installed (scripts/install-deps.sh)"; exit 77; }
[ -x "$GEN" ] && [ -x "$DEC" ] || { echo "FAIL: $GEN or $DEC not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$GEN" "$tmp/gen.pcap" >"$tmp/expected.tsv" || { echo "FAIL: gen_ctrl"; exit 1; }
args=()
for c in $(head -n 1 "$tmp/expected.tsv"); do
	args+=(-e "${c%\~}")
done
tshark -r "$tmp/gen.pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
    "${args[@]}" -e _ws.malformed -e _ws.expert.message \
    >"$tmp/tshark.tsv" 2>"$tmp/tshark.err" ||
	{ echo "FAIL: tshark"; cat "$tmp/tshark.err"; exit 1; }
"$DEC" -j -k password "$tmp/gen.pcap" >"$tmp/ours.jsonl" 2>"$tmp/dec.err" ||
	{ echo "FAIL: lisp-decode"; cat "$tmp/dec.err"; exit 1; }
"$PY" tests/ctrl_compare.py "$tmp/expected.tsv" "$tmp/tshark.tsv" "$tmp/ours.jsonl"
