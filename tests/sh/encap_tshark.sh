#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Independent decoder check of dataplane/encap: tests/helpers/gen_encap
# writes encapsulated packets (4-in-4, 4-in-6, 6-in-4, 6-in-6, UDP and
# ICMP inner, several flows and IIDs, inner fragments, ICMP too-big) to a
# pcap plus the fields each frame must decode to; tshark 4.0 decodes the
# pcap and every field is compared.  Also: outer UDP source port >= 49152
# and equal for frames of one flow, no malformed packets and no expert
# errors, IPv4 and ICMP checksums good.
#
# The IPv6 outer UDP checksum is 0 (RFC 9300 5.3, RFC 6935), which
# Wireshark flags as an error unless udp.ignore_ipv6_zero_checksum is set.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
gen=$BUILD/tests/helpers/gen_encap

if ! command -v tshark >/dev/null 2>&1; then
	echo "tshark not installed" >&2
	exit 77
fi
if [ ! -x "$gen" ]; then
	echo "$gen not built (run make)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$gen" "$tmp/e.pcap" "$tmp/expect.tsv" || { echo "gen_encap failed"; exit 1; }

fields=(ip.src ip.dst ipv6.src ipv6.dst udp.dstport lisp-data.flags
	lisp-data.nonce lisp-data.iid ip.checksum.status icmp.type icmp.code
	icmp.mtu icmpv6.type icmpv6.mtu udp.checksum.status
	udp.srcport icmp.checksum.status icmpv6.checksum.status
	_ws.malformed _ws.expert.severity)
args=()
for f in "${fields[@]}"; do args+=(-e "$f"); done

tshark -r "$tmp/e.pcap" -o ip.check_checksum:TRUE \
    -o udp.check_checksum:TRUE -o udp.ignore_ipv6_zero_checksum:TRUE \
    -T fields -E aggregator=, -E separator=/t "${args[@]}" \
    >"$tmp/got.tsv" 2>"$tmp/tshark.err" || {
	echo "tshark failed:"; cat "$tmp/tshark.err"; exit 1; }

nexp=$(wc -l <"$tmp/expect.tsv")
ngot=$(wc -l <"$tmp/got.tsv")
if [ "$nexp" -ne "$ngot" ] || [ "$nexp" -lt 20 ]; then
	echo "frame count: expected $nexp, tshark decoded $ngot"
	exit 1
fi

# paste: expect columns 1-16, then tshark columns 17-36.
paste "$tmp/expect.tsv" "$tmp/got.tsv" | awk -F'\t' -v names="${fields[*]}" '
BEGIN { n = split(names, name, " "); fail = 0; encap = 0 }
{
	frame = NR
	key = $1
	# Fields 2..16 of the expectation against tshark 17..31.
	for (i = 2; i <= 16; i++) {
		want = $i; got = $(i + 15)
		if (want == "*")
			continue
		if (want != got) {
			printf "frame %d (%s): %s = \"%s\", want \"%s\"\n",
			    frame, key, name[i - 1], got, want
			fail = 1
		}
	}
	sport = $32; icmpck = $33; icmp6ck = $34; malformed = $35; sev = $36
	if (malformed != "") {
		printf "frame %d (%s): malformed\n", frame, key; fail = 1
	}
	# PI_ERROR = 0x00800000
	ns = split(sev, s, ",")
	for (j = 1; j <= ns; j++)
		if (s[j] + 0 >= 8388608) {
			printf "frame %d (%s): expert error\n", frame, key
			fail = 1
		}
	if ($11 != "" && icmpck !~ /^1(,1)*$/) {
		printf "frame %d (%s): icmp checksum status %s\n", frame, key,
		    icmpck; fail = 1
	}
	if ($14 != "" && icmp6ck !~ /^1(,1)*$/) {
		printf "frame %d (%s): icmpv6 checksum status %s\n", frame,
		    key, icmp6ck; fail = 1
	}
	if ($7 == "0x88") {
		encap++
		split(sport, sp, ",")
		if (sp[1] + 0 < 49152 || sp[1] + 0 > 65535) {
			printf "frame %d (%s): outer source port %s\n", frame,
			    key, sp[1]; fail = 1
		}
		if (key in port && port[key] != sp[1]) {
			printf "frame %d (%s): source port %s, flow had %s\n",
			    frame, key, sp[1], port[key]; fail = 1
		}
		port[key] = sp[1]
		flows[sp[1]] = 1
	}
}
END {
	nf = 0
	for (p in flows) nf++
	# The hash is over the inner flow, so the outer family does not
	# change the port: 6 UDP + 2 ICMP + 1 fragmented inner flows (one
	# collision in 16384 ports is allowed for, p ~ 0.2%).
	if (nf < 8) {
		printf "only %d distinct source ports over %d encapsulated frames\n", nf, encap
		fail = 1
	}
	if (encap < 20) {
		printf "only %d encapsulated frames\n", encap; fail = 1
	}
	if (!fail)
		printf "%d frames, %d encapsulated, %d distinct source ports: ok\n", NR, encap, nf
	exit fail
}'
