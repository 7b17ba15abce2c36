#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lispers.net IPC mode (`ipc-data-plane = yes`): two lisp-ztr instances
# programmed only through <lisp-dir>/lisp-ipc-data-plane by a fake
# lispers.net (tests/helpers/lispers_sim.py --dir); no control process
# runs.
#   - restart at start; x2 gets entire-map-cache + database-mappings +
#     interfaces, x1 learns the remote prefixes by discovery punts;
#   - ping (first packet delivered) and 5 MB TCP both ways, IPv4 and IPv6;
#   - garbage datagrams are counted (ipc-malformed) and forwarding goes on;
#   - a 700 KB entire-map-cache (beyond any fixed 8 KiB/64 KiB buffer) is
#     applied whole;
#   - lisp-itr restarting (lispers.net-itr recreated): restart again;
#   - statistics / decap-statistics arrive, valid, each < 4000 bytes;
#   - show-ztr is written;
#   - the start-up sequence recorded from a running lispers.net
#     (tests/data/ipc/observed.txt) replayed into both ends leaves the
#     state that sequence describes.
# LISP-crypto in this mode (keys on map-cache RLOCs, decap-keys): see
# tests/sh/ipc_crypto.sh.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3
dp_init
SIM=tests/helpers/lispers_sim.py
OBS=tests/data/ipc/observed.txt
dp_bed

e4_1=$(topo_eid4 1) e4_2=$(topo_eid4 2) e6_1=$(topo_eid6 1) e6_2=$(topo_eid6 2)
r1=$(topo_rloc4 1) r2=$(topo_rloc4 2)

for n in 1 2; do
	p=$((3 - n))
	dp_config $n $p 4 "$DP_TMP/x$n.conf"
	sed -i '/^lisp map-cache {/,$d' "$DP_TMP/x$n.conf"
	printf 'lisp xtr-parameters {\n    ipc-data-plane = yes\n}\n' \
	    >>"$DP_TMP/x$n.conf"
	mkdir -p "$DP_TMP/lisp$n"
done

dbm() {	# N: database-mappings of site N, IIDs 100 and 200
	local n=$1
	echo "{\"type\": \"database-mappings\", \"database-mappings\": [{\"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$(topo_eidnet4 $n)\"}, {\"instance-id\": \"$DP_IID0\", \"eid-prefix\": \"$(topo_eidnet6 $n)\"}, {\"instance-id\": \"$DP_IID1\", \"eid-prefix\": \"$(topo_eidnet4 $n)\"}, {\"instance-id\": \"$DP_IID1\", \"eid-prefix\": \"$(topo_eidnet6 $n)\"}]}"
}
ifs="{\"type\": \"interfaces\", \"interfaces\": [{\"interface\": \"eid0\", \"instance-id\": \"$DP_IID0\"}, {\"interface\": \"eid1\", \"instance-id\": \"$DP_IID1\"}]}"
mc() {	# IID PREFIX RLOC
	echo "{\"type\": \"map-cache\", \"opcode\": \"add\", \"instance-id\": \"$1\", \"eid-prefix\": \"$2\", \"rlocs\": [{\"rloc\": \"$3\", \"priority\": \"1\", \"weight\": \"100\", \"port\": \"4341\"}]}"
}

# x1: learns by discovery.  x2: gets its cache in entire-map-cache.
cat >"$DP_TMP/s1" <<EOS
wait restart
send $ifs
send $(dbm 1)
send {"type": "etr-nat-port", "port": 60376}
send {"type": "xtr-parameters", "control-plane-logging": false, "data-plane-logging": true, "rtr": false}
resolve $DP_IID0 $(topo_eidnet4 2) $r2
resolve $DP_IID0 $(topo_eidnet6 2) $r2
touch $DP_TMP/s1.ready
serve
EOS
cat >"$DP_TMP/s2" <<EOS
wait restart
send {"type": "entire-map-cache", "entries": [$(mc $DP_IID0 "$(topo_eidnet4 1)" "$r1"), $(mc $DP_IID0 "$(topo_eidnet6 1)" "$r1")]}
send $ifs
send $(dbm 2)
touch $DP_TMP/s2.ready
serve
EOS
dp_sim_start 1
dp_sim_start 2
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" -lisp "$DP_TMP/lisp1"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" -lisp "$DP_TMP/lisp2"
for n in 1 2; do
	dp_sim_ready $n
	[ -S "$DP_TMP/lisp$n/lisp-ipc-data-plane" ] || dp_fail "x$n: no lisp-ipc-data-plane"
	grep -q 'lisp-ztr-cp' "$DP_TMP/x$n.log" && dp_fail "x$n: a control process ran in IPC mode"
done
echo "ok: both data planes bound lisp-ipc-data-plane and sent restart; no control process"
sleep 0.3

topo_exec h1 ping -c 1 -W 5 -q "$e4_2" >/dev/null || dp_fail "ping -c 1 h1 -> $e4_2"
topo_exec h1 ping -6 -c 1 -W 5 -q "$e6_2" >/dev/null || dp_fail "ping -c 1 h1 -> $e6_2"
grep -q "\"dest-eid\": \"$e4_2\", \"interface\": \"eid0\"" "$DP_TMP/s1.log" ||
    grep -q "\"dest-eid\": \"$e4_2\"" "$DP_TMP/s1.log" || dp_fail "x1 sent no discovery"
topo_wait_ping h2 "$e4_1" 5 || dp_fail "ping h2 -> $e4_1"
dp_tcp h1 h2 "$e4_2" 5 || dp_fail "TCP h1 -> h2 IPv4"
dp_tcp h2 h1 "$e4_1" 5 || dp_fail "TCP h2 -> h1 IPv4"
dp_tcp h1 h2 "$e6_2" 5 || dp_fail "TCP h1 -> h2 IPv6"
echo "ok: programmed over IPC only: first packets delivered after discovery, ping and 5 MB TCP both ways (v4), h1 -> h2 (v6)"

# LISP-crypto (keys, decap-keys, ICV-error): tests/sh/ipc_crypto.sh.

# Garbage on the IPC socket: counted, never fatal.
printf 'garbage\n' >"$DP_TMP/g"
python3 "$SIM" --dir "$DP_TMP/lisp1" --send-only --script "$DP_TMP/g" ||
    dp_fail "garbage sender"
sleep 0.3
bad=$(dp_counter 1 ipc-malformed)
[ "$bad" -ge 6 ] || dp_fail "ipc-malformed $bad, want >= 6"
topo_exec h1 ping -c 3 -i 0.2 -W 2 -q "$e4_2" >/dev/null || dp_fail "no forwarding after garbage"
echo "ok: garbage datagrams counted (ipc-malformed $bad), forwarding goes on"

# Big entire-map-cache on x2: 4000 entries in IID 300 (~ 700 KB), plus ours.
printf 'big 4000 300\n' >"$DP_TMP/big"
python3 "$SIM" --dir "$DP_TMP/lisp2" --send-only --script "$DP_TMP/big" ||
    dp_fail "big sender"
sleep 0.5
dp_counters 2 >/dev/null
n=$(awk '/state: begin/ { n = 0 } /map-cache \[300\]203\.0\./ { n++ } END { print n }' "${DP_LOG[2]}")
[ "$n" = 4000 ] || dp_fail "x2 holds $n of 4000 entries of a big entire-map-cache"
# It replaced the cache: the IID 100 entries it did not list are gone.
old=$(awk '/state: begin/ { n = 0 } /map-cache \[100\]/ { n++ } END { print n }' "${DP_LOG[2]}")
[ "$old" = 0 ] || dp_fail "entire-map-cache left $old unlisted entries"
printf 'send %s\nsend %s\n' "$(mc $DP_IID0 "$(topo_eidnet4 1)" "$r1")" \
    "$(mc $DP_IID0 "$(topo_eidnet6 1)" "$r1")" >"$DP_TMP/readd"
python3 "$SIM" --dir "$DP_TMP/lisp2" --send-only --script "$DP_TMP/readd" ||
    dp_fail "re-add sender"
echo "ok: entire-map-cache replaced the cache (unlisted entries removed); a $(python3 -c 'import json;print(len(json.dumps({"type":"entire-map-cache","entries":[{"type":"map-cache","opcode":"add","instance-id":"300","eid-prefix":"203.0.%d.%d/32"%(k>>8,k&255),"rlocs":[{"rloc":"198.51.100.77","priority":"1","weight":"100","port":"4341"}]} for k in range(4000)]})))')-byte entire-map-cache applied whole (4000 entries)"

# lisp-itr restarts: lispers.net-itr is recreated; the DP sends restart.
dp_sim_stop 1
grep -q INVALID "$DP_TMP/s1.log" && dp_fail "x1 sent invalid records"
printf 'wait restart 15\ntouch %s\nserve\n' "$DP_TMP/s1b.ready" >"$DP_TMP/s1b"
topo_spawn x1 python3 "$SIM" --dir "$DP_TMP/lisp1" --script "$DP_TMP/s1b" \
    --log "$DP_TMP/s1b.log"
DP_SIMPID[1]=$TOPO_LAST_PID
for i in $(seq 120); do [ -f "$DP_TMP/s1b.ready" ] && break; sleep 0.1; done
[ -f "$DP_TMP/s1b.ready" ] || { grep lispers "${DP_LOG[1]}" >&2; cat "$DP_TMP/s1b.log" >&2; dp_fail "no restart after lispers.net-itr reappeared"; }
echo "ok: lispers.net-itr recreated -> restart sent again"

# Statistics (every 10 s): traffic, then wait for a round.
topo_exec h2 ping -c 5 -i 0.1 -q "$e4_1" >/dev/null || dp_fail "ping for stats"
for i in $(seq 150); do
	grep -q '"type": "statistics", "entries": \[{' "$DP_TMP/s2.log" &&
	    grep -q '"type": "decap-statistics"' "$DP_TMP/s2.log" && break
	sleep 0.1
done
st=$(grep -m1 '"type": "statistics", "entries": \[{' "$DP_TMP/s2.log") ||
    dp_fail "x2 sent no statistics with entries"
case $st in *"\"instance-id\": \"$DP_IID0\""*"\"rloc\": \"$r1\""*) ;;
*) dp_fail "statistics without the used entry: $st" ;; esac
grep -q '"type": "decap-statistics", "good-packets": {"packet-count": [1-9]' \
    "$DP_TMP/s2.log" || dp_fail "decap-statistics without good packets"
echo "ok: statistics and decap-statistics received: ${st:0:200}"

grep -q 'Map-Cache Entries:' "$DP_TMP/lisp2/show-ztr" &&
    grep -q "EID: \[$DP_IID0\]$(topo_eidnet4 1)" "$DP_TMP/lisp2/show-ztr" &&
    grep -q "LISP Interfaces: \[ eid0:$DP_IID0 eid1:$DP_IID1 \]" \
    "$DP_TMP/lisp2/show-ztr" || { cat "$DP_TMP/lisp2/show-ztr" >&2; dp_fail "show-ztr"; }
grep -q 'LISP ETR Nat port: 60376' "$DP_TMP/lisp1/show-ztr" || dp_fail "show-ztr nat port"
echo "ok: show-ztr written"

# Replay what a running lispers.net sent (observed.txt) into both.
printf 'replay %s x1\n' "$OBS" >"$DP_TMP/r1"
printf 'replay %s x2\n' "$OBS" >"$DP_TMP/r2"
python3 "$SIM" --dir "$DP_TMP/lisp1" --send-only --script "$DP_TMP/r1" || dp_fail "replay x1"
python3 "$SIM" --dir "$DP_TMP/lisp2" --send-only --script "$DP_TMP/r2" || dp_fail "replay x2"
sleep 0.5
dp_counters 1 >/dev/null
awk '/state: begin/ { n = 0; delete l } /lisp-ztr-dp: / { sub(/.*lisp-ztr-dp: /, ""); l[n++] = $0 }
    END { for (k = 0; k < n; k++) print l[k] }' "${DP_LOG[1]}" |
    grep -E '^(map-cache|cp-interface|database-mapping|cp: mode)' | sed 's/ packets [0-9]*//' |
    sort >"$DP_TMP/replay1"
# The final state of that sequence (read off the datagrams by hand): the
# last entire-map-cache plus the config re-send after it; IID 100's
# entries of this test are gone (not in the entire-map-cache).
sort >"$DP_TMP/want1" <<EOW
cp-interface bn1 iid 1001
cp-interface dbo1x1 iid 1000
cp: mode lispers.net peer up nat-port 60376 crypto-port 40958
database-mapping [1000]2001:db8:1000::3/128
database-mapping [1001]198.51.100.32/28
database-mapping [1001]2001:db8:1001::3/128
map-cache [1000]2001:db8:1000::77/128 state 2 rlocs
map-cache [1001]198.51.100.0/24 state 2 rlocs
map-cache [1001]198.51.100.16/28 state 2 rlocs
map-cache [1001]198.51.100.48/28 state 0 rlocs 192.0.2.4/p0/w0
map-cache [1001]203.0.113.0/24 state 0 rlocs 192.0.2.9/p2/w100
map-cache [1001]2001:db8::/32 state 2 rlocs
EOW
diff "$DP_TMP/want1" "$DP_TMP/replay1" >&2 || dp_fail "x1 state after the observed sequence"
dp_counters 2 >/dev/null
grep -q 'decap-key 192.0.2.3 port 40958 key-ids 1' "${DP_LOG[2]}" || dp_fail "x2 decap-keys"
echo "ok: observed lispers.net start-up sequence replayed: x1 ends with the 6 entries, 2 interfaces, 3 database-mappings it describes (duplicates, p0/w0 RLOCs, empty rlocs); x2 holds the decap key of 192.0.2.3:40958"

dp_sim_stop 1
dp_sim_stop 2
grep INVALID "$DP_TMP"/s*.log >&2 && dp_fail "invalid DP -> lispers.net records"
max=$(cat "$DP_TMP"/s*.log | awk '/^[0-9]/ { if ($1 > m) m = $1 } END { print m + 0 }')
n=$(cat "$DP_TMP"/s*.log | grep -c '^[0-9]')
[ "$max" -lt 4000 ] || dp_fail "a record of $max bytes"
echo "ok: $n records to lispers.net, all valid, largest $max bytes (< 4000)"
exit 0
