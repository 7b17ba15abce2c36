#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lisp-replay golden tests (docs/lisp-replay.md).  Checked-in files in
# tests/replay/:
#
#   site1.config, site2.config  the ITR site and the ETR site
#   itrNNN.pcap                 inner packets on the lisp interface of IID
#                               NNN (100: Ethernet, 200: raw IP), written
#                               by tests/helpers/gen_replay_in
#   innerNNN.pcap, expectNNN.tsv  what must be forwarded, from the same
#                               generator (its inputs, not the data path)
#   encNNN.pcap                 the expected ITR output, --seed 1
#
# Asserted:
#   1. the generator still writes the checked-in inputs;
#   2. lisp-replay --itr --seed 1 writes encNNN.pcap byte for byte, and
#      its summary counts the misses, non-local sources, ... exactly;
#   3. a second run is identical; --seed 2 differs only in nonces (and
#      the IPv4 outer ID and checksum);
#   4. tshark decodes encNNN.pcap as UDP 4341 from a port >= 49152, N and
#      I set, the IID of the interface, the inner addresses of
#      expectNNN.tsv, outer addresses of the sites, nonces and IPv4 IDs
#      of the seed (an independent model of the generator,
#      tests/replay/check_encap.py);
#   5. lisp-replay --etr on encNNN.pcap gives back innerNNN.pcap byte for
#      byte;
#   6. -n 1000 --pps --json: counts scale, a packets/s figure (printed,
#      not judged).
#
# UPDATE=1 rewrites the checked-in inputs and expected outputs from the
# current code (review the diff!).  The test never does so on its own.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
gen=$BUILD/tests/helpers/gen_replay_in
replay=$BUILD/lisp-replay
dir=tests/replay

for t in tshark python3 cmp; do
	command -v $t >/dev/null 2>&1 || { echo "$t not installed" >&2; exit 77; }
done
for b in "$gen" "$replay"; do
	[ -x "$b" ] || { echo "FAIL: $b not built (run make)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# IID -> how the interface is named on the command line (both forms).
ifarg() { [ "$1" = 100 ] && echo eid0 || echo 200; }

"$gen" "$tmp" || { echo "FAIL: gen_replay_in"; exit 1; }

if [ "${UPDATE:-0}" = 1 ]; then
	for n in 100 200; do
		cp "$tmp/itr$n.pcap" "$tmp/inner$n.pcap" "$tmp/expect$n.tsv" \
		    "$dir/" &&
		    "$replay" -q -f $dir/site1.config -i "$(ifarg $n)" \
		    --seed 1 "$dir/itr$n.pcap" "$dir/enc$n.pcap" || exit 1
	done
	echo "UPDATE=1: rewrote $dir/{itr,inner,enc}*.pcap and expect*.tsv"
	exit 0
fi

# 1. inputs
for f in itr100.pcap itr200.pcap inner100.pcap inner200.pcap \
    expect100.tsv expect200.tsv; do
	cmp -s "$tmp/$f" "$dir/$f" ||
	    bad "$f: the generator no longer writes the checked-in file"
done

fields=(frame.protocols ip.src ip.dst ipv6.src ipv6.dst udp.srcport
	udp.dstport lisp-data.flags.nonce lisp-data.flags.iid lisp-data.nonce
	lisp-data.iid ip.id _ws.malformed)
targs=()
for f in "${fields[@]}"; do targs+=(-e "$f"); done
decode() {	# pcap [extra fields...]
	tshark -r "$1" -o udp.ignore_ipv6_zero_checksum:TRUE -T fields \
	    -E aggregator=, -E separator=/t "${targs[@]}" 2>/dev/null
}

# Value of counter $2 in summary file $1 (0 when absent).
ctr() { awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }
want() {	# summary name value
	local got
	got=$(ctr "$1" "$2")
	[ "$got" = "$3" ] || bad "$(basename "$1"): $2 = $got, want $3"
}

for n in 100 200; do
	# 2. golden output and summary
	"$replay" -f $dir/site1.config -i "$(ifarg $n)" --seed 1 \
	    "$dir/itr$n.pcap" "$tmp/enc$n.pcap" 2>"$tmp/sum$n" ||
	    bad "itr $n: exit status $?"
	cmp "$tmp/enc$n.pcap" "$dir/enc$n.pcap" ||
	    bad "itr $n: output differs from $dir/enc$n.pcap"
	fwd=$(wc -l <"$dir/expect$n.tsv")
	want "$tmp/sum$n" packets-out "$fwd"
	want "$tmp/sum$n" itr-packets "$fwd"
	grep -q "^lisp-replay: mode itr interface eid[01] iid $n " \
	    "$tmp/sum$n" || bad "itr $n: summary header"

	# 3. determinism, and what a seed changes
	"$replay" -q -f $dir/site1.config -i "$(ifarg $n)" --seed 1 \
	    "$dir/itr$n.pcap" "$tmp/again$n.pcap" &&
	    cmp -s "$tmp/enc$n.pcap" "$tmp/again$n.pcap" ||
	    bad "itr $n: two runs with --seed 1 differ"
	"$replay" -q -f $dir/site1.config -i "$(ifarg $n)" --seed 2 \
	    "$dir/itr$n.pcap" "$tmp/seed2$n.pcap" || bad "itr $n: seed 2"
	cmp -s "$tmp/enc$n.pcap" "$tmp/seed2$n.pcap" &&
	    bad "itr $n: --seed 2 gives the output of --seed 1"
	# Everything but nonce, IPv4 ID and checksum is equal.
	for s in enc seed2; do
		tshark -r "$tmp/$s$n.pcap" -T fields -E separator=/t \
		    -E aggregator=, -e frame.len -e ip.src -e ip.dst \
		    -e ipv6.src -e ipv6.dst -e ip.ttl -e ipv6.hlim \
		    -e ip.dsfield -e ipv6.tclass -e ipv6.flow -e udp.srcport \
		    -e udp.dstport -e udp.length -e lisp-data.flags \
		    -e lisp-data.iid -e data.data -e tcp.seq_raw 2>/dev/null \
		    >"$tmp/$s$n.same"
		tshark -r "$tmp/$s$n.pcap" -T fields -e lisp-data.nonce \
		    2>/dev/null >"$tmp/$s$n.nonce"
	done
	cmp -s "$tmp/enc$n.same" "$tmp/seed2$n.same" ||
	    bad "itr $n: seeds 1 and 2 differ beyond nonces"
	ndiff=$(paste "$tmp/enc$n.nonce" "$tmp/seed2$n.nonce" |
	    awk -F'\t' '$1 != $2' | wc -l)
	[ "$ndiff" -eq "$fwd" ] ||
	    bad "itr $n: $ndiff of $fwd nonces differ between seeds"

	# 4. independent decoder on the checked-in expectation
	decode "$dir/enc$n.pcap" >"$tmp/fields$n"
	python3 $dir/check_encap.py 1 203.0.113.1 2001:db8:ffff::1 \
	    "$dir/expect$n.tsv" <"$tmp/fields$n" ||
	    bad "itr $n: tshark fields of $dir/enc$n.pcap"

	# 5. reverse direction
	"$replay" -f $dir/site2.config --etr --seed 1 "$dir/enc$n.pcap" \
	    "$tmp/dec$n.pcap" 2>"$tmp/esum$n" || bad "etr $n: exit status"
	cmp "$tmp/dec$n.pcap" "$dir/inner$n.pcap" ||
	    bad "etr $n: decapsulated packets differ from $dir/inner$n.pcap"
	want "$tmp/esum$n" packets-in "$fwd"
	want "$tmp/esum$n" etr-packets "$fwd"
	# The other site's ETR has none of these EIDs.
	"$replay" -q -f $dir/site1.config --etr "$dir/enc$n.pcap" \
	    "$tmp/wrong$n.pcap" --json >"$tmp/wrong$n.json" ||
	    bad "etr $n on site 1: exit status"
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
c=j["counters"]; n=int(sys.argv[2])
assert j["packets_out"] == 0 and c.get("not-local-eid") == n, j' \
	    "$tmp/wrong$n.json" "$fwd" || bad "etr $n on site 1: not-local-eid"
done

# The drops of each input, counted by reason (see gen_replay_in.c).
s=$tmp/sum100
want "$s" packets-in 31
want "$s" source-not-local 3
want "$s" miss-queued 4
want "$s" resolve-requests 2
want "$s" miss-held-at-end 4
want "$s" capture-not-ip 1
want "$s" too-big 2
want "$s" ttl-expired 1
s=$tmp/sum200
want "$s" packets-in 6
want "$s" source-not-local 1
want "$s" miss-queued 1
want "$s" resolve-requests 1

# 6. loops and packets/s.  With 1000 loops the miss queue (10 packets per
# destination, 60 s) fills: after the first 10 packets to a destination,
# queue-full; every loop is shifted by the capture's span + 1 s, so held
# packets expire after 60 loops and the queue refills.
"$replay" -q --json --pps -n 1000 -f $dir/site1.config --seed 1 \
    "$dir/itr100.pcap" /dev/null >"$tmp/loop.json" || bad "-n 1000"
python3 - "$tmp/loop.json" <<'EOF' || bad "-n 1000: counts"
import json, sys
j = json.load(open(sys.argv[1]))
c = j["counters"]
assert j["loops"] == 1000 and j["packets_in"] == 31000, j
assert c["itr-packets"] == 20000 and j["packets_out"] == 20000, j
assert c["source-not-local"] == 3000 and c["capture-not-ip"] == 1000, j
assert c["miss-queued"] + c.get("queue-full", 0) == 4000, j
assert c["miss-queue-expired"] > 0, j
assert j["pps"] > 0, j
print("lisp-replay -n 1000 on itr100.pcap: %.0f packets/s (%.3f s)" %
      (j["pps"], j["seconds"]))
EOF

[ $fail -eq 0 ] && echo "replay_golden: ok"
exit $fail
