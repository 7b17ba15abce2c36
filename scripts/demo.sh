#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The main job a new user runs after building.  Until the demo mesh lands
# (network namespaces with a map-server and three xTRs), it shows the
# decoder on a bundled real capture: a Cisco xTR registering IPv4, IPv6 and
# instance-id EIDs with its map-server, and the map-server's Map-Notifies.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ -x "$BUILD/lisp-decode" ] || make -s
cap=tests/data/captures/ndpi_lisp_registration.pcap
echo "==> $BUILD/lisp-decode $cap (first 3 LISP packets)"
"$BUILD/lisp-decode" "$cap" | awk '/^frame/{n++} n<=3'
echo
echo "==> the same as JSON, one object per line (-j), first 2"
"$BUILD/lisp-decode" -j "$cap" | head -n 2
echo
echo "==> Map-Register authentication check with key 'password' on the ODL/ENST vectors"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - tests/data/map_register_hmac_vectors.json > "$tmp/v.txt" <<'PY'
import json, sys
for v in json.load(open(sys.argv[1]))["vectors"]:
    h = v["message_hex"]
    print("000000 " + " ".join(h[i:i+2] for i in range(0, len(h), 2)))
PY
text2pcap -q -u 4342,4342 "$tmp/v.txt" "$tmp/v.pcap" 2>/dev/null
"$BUILD/lisp-decode" -k password "$tmp/v.pcap" | grep -E '^frame|auth:'
