#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# lispctl against a running lisp-ztr (two xTRs of tests/sh/dp_lib.inc):
# every subcommand in text and JSON with its content checked (entries,
# counters that move after a ping, the legacy decap counter names, the
# config text parses again, metrics follow the Prometheus exposition
# grammar), map-cache add/delete/flush changing what is forwarded,
# reload and log-level, a 100k-entry dump while a ping keeps flowing,
# malformed and oversized requests, a client leaving mid-dump (no fd
# leak), 50 concurrent clients and the client limit.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/netns/topo.sh
. tests/sh/dp_lib.inc
dp_need_root python3
[ -x "$BUILD/lispctl" ] || dp_fail "$BUILD/lispctl not built"
topo_init || exit 1
DP_TMP=$(mktemp -d)
# shellcheck disable=SC2016 # expanded at cleanup
topo_on_cleanup 'rm -rf "$DP_TMP"'
dp_bed

S1=$DP_TMP/x1.sock
ctl() { "$BUILD/lispctl" -s "$S1" "$@"; }
ok() { echo "ok: $*"; }

e4_2=$(topo_eid4 2) net4_2=$(topo_eidnet4 2) rloc2=$(topo_rloc4 2)

dp_config 1 2 4 "$DP_TMP/x1.conf"
dp_config 2 1 4 "$DP_TMP/x2.conf"
# A map-server with a key: show config must not print it.
cat >>"$DP_TMP/x1.conf" <<'EOF'
lisp map-server {
    ms-name = ms-test
    address = 203.0.113.9
    authentication-type = sha2
    authentication-key = s3cret-ms-key
}
EOF
dp_start 1 "$DP_TMP/x1.conf" "$DP_TMP/x1.log" -S "$S1"
dp_start 2 "$DP_TMP/x2.conf" "$DP_TMP/x2.log" -S "$DP_TMP/x2.sock"
for i in $(seq 50); do [ -S "$S1" ] && break; sleep 0.1; done
[ "$(stat -c %a "$S1")" = 600 ] || dp_fail "socket mode $(stat -c %a "$S1"), want 600"
ok "control socket $S1 mode 0600"

topo_wait_ping h1 "$e4_2" 5 || dp_fail "no ping h1 -> $e4_2"

# --- show map-cache ------------------------------------------------------
out=$(ctl show map-cache) || dp_fail "show map-cache: $?"
echo "$out" | head -3
echo "$out" | head -1 | grep -q '^IID  *EID-PREFIX  *STATE' || dp_fail "map-cache header"
for iid in $DP_IID0 $DP_IID1; do
	echo "$out" | grep -Eq "^$iid +$net4_2 +positive" ||
	    dp_fail "map-cache text lacks [$iid]$net4_2"
done
echo "$out" | grep -Eq "^ +rloc $rloc2 +priority 1 +weight 100 +up" ||
    dp_fail "map-cache text lacks the RLOC line"
n=$(ctl -j show map-cache | python3 -c '
import json, sys
recs = [json.loads(l) for l in sys.stdin]
assert all("eid-prefix" in r and "rlocs" in r for r in recs), recs
print(len(recs))')
[ "$n" = 4 ] || dp_fail "show map-cache -j: $n entries, want 4"
ctl -j show map-cache iid $DP_IID0 "$e4_2" | python3 -c "
import json, sys
r = [json.loads(l) for l in sys.stdin]
assert len(r) == 1, r
e = r[0]
assert e['iid'] == $DP_IID0 and e['eid-prefix'] == '$net4_2', e
assert e['static'] is True and e['state'] == 'positive', e
assert e['packets'] >= 1 and e['bytes'] > 0, e
assert e['rlocs'][0]['address'] == '$rloc2' and e['rlocs'][0]['up'], e
" || dp_fail "show map-cache iid N ADDRESS -j"
n=$(ctl show map-cache "$e4_2" | grep -c positive)
[ "$n" = 2 ] || dp_fail "show map-cache ADDRESS (every IID): $n entries, want 2"
ctl show map-cache iid 7 "$e4_2" | grep -q . &&
    dp_fail "a lookup in an unknown IID printed something"
ok "show map-cache: text, -j, iid filter, longest-prefix match"

# --- show statistics -----------------------------------------------------
ctr() { ctl -j show statistics | python3 -c "
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if 'counters' in r: print(r['counters']['$1'])"; }
before=$(ctr itr-packets)
topo_exec h1 ping -c 5 -i 0.05 -q "$e4_2" >/dev/null || dp_fail "ping"
after=$(ctr itr-packets)
[ $((after - before)) -ge 5 ] || dp_fail "itr-packets $before -> $after after 5 pings"
out=$(ctl show statistics) || dp_fail "show statistics"
for name in good-packets ICV-error checksum-error lisp-header-error \
    no-decrypt-key bad-inner-version outer-header-error; do
	echo "$out" | sed -n '/^decap-statistics:/,/^[a-z]/p' |
	    grep -Eq "^  $name +[0-9]+$" || dp_fail "decap-statistics lacks $name"
done
for name in not-local-eid source-not-local no-mapping queue-full too-big \
    itr-packets etr-packets miss-queued send-error udp-socket-drops; do
	echo "$out" | grep -Eq "^  $name +[0-9]+$" || dp_fail "counters lack $name"
done
echo "$out" | grep -Eq "^  \[$DP_IID0\]$net4_2 +packets [1-9]" ||
    dp_fail "eid-statistics lack [$DP_IID0]$net4_2"
good=$(ctl -j show statistics | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if "decap-statistics" in r: print(r["decap-statistics"]["good-packets"])')
[ "$good" -ge 5 ] || dp_fail "good-packets $good (echo replies decapsulated)"
ok "show statistics: itr-packets +$((after - before)) after 5 pings, good-packets $good, the seven decap names, drop reasons, per-EID counters"

# --- show database, rlocs, sites, config ----------------------------------
out=$(ctl show database) || dp_fail "show database"
echo "$out" | grep -Eq "^$DP_IID1 +$(topo_eidnet4 1)" || dp_fail "show database text"
echo "$out" | grep -Eq "rloc $(topo_rloc4 1) +priority 1 +weight 100" ||
    dp_fail "show database RLOC"
n=$(ctl -j show database | grep -c eid-prefix)
[ "$n" = 4 ] || dp_fail "show database -j: $n prefixes, want 4"
ok "show database"

out=$(ctl show rlocs 2>"$DP_TMP/err") || dp_fail "show rlocs"
echo "$out" | grep -Eq "^$rloc2 +up +4 +[1-9]" || dp_fail "show rlocs: $out"
[ -s "$DP_TMP/err" ] && dp_fail "show rlocs warned: $(cat "$DP_TMP/err")"
# The control plane's part: static entries (not probed), the map-server.
echo "$out" | grep -Eq "^$DP_IID0 +$net4_2 +$rloc2 +up +1 +100 +- +- +- +-$" ||
    dp_fail "show rlocs: no control-plane line for [$DP_IID0]$net4_2: $out"
echo "$out" | grep -Eq '^203\.0\.113\.9 +ms-test +registered +[1-9][0-9]* +- +- +[0-9]+s$' ||
    dp_fail "show rlocs: map-server line: $out"
ctl -j show rlocs 2>/dev/null | python3 -c "
import json, sys
r = [json.loads(l) for l in sys.stdin]
dp = [x for x in r if 'entries' in x]
assert len(dp) == 1 and dp[0]['address'] == '$rloc2' and dp[0]['entries'] == 4 and dp[0]['up'], r
cp = [x for x in r if 'rloc' in x]
assert len(cp) == 4 and all(x['rloc'] == '$rloc2' and x['state'] == 'up' and not x['probing'] for x in cp), cp
ms = [x for x in r if 'map-server' in x]
assert len(ms) == 1 and ms[0]['name'] == 'ms-test' and not ms[0]['want-map-notify'], ms
assert len(r) == 6, r
" || dp_fail "show rlocs -j"
ok "show rlocs (data plane and control plane parts)"

ctl show sites >/dev/null 2>"$DP_TMP/err"
rc=$?
[ $rc = 1 ] || dp_fail "show sites: exit $rc, want 1 (no map-server role)"
grep -q 'control' "$DP_TMP/err" || dp_fail "show sites: $(cat "$DP_TMP/err")"
ok "show sites answers an error: $(cat "$DP_TMP/err")"

ctl show config >"$DP_TMP/shown.conf" || dp_fail "show config"
grep -q 's3cret-ms-key' "$DP_TMP/shown.conf" && dp_fail "show config printed the key"
grep -q 'ms-name = ms-test' "$DP_TMP/shown.conf" || dp_fail "show config lacks the map-server"
"$BUILD/lisp-ztr" -n -f "$DP_TMP/shown.conf" >/dev/null ||
    dp_fail "show config output does not parse"
ctl -j show config | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
assert len(r) == 1 and "lisp database-mapping" in r[0]["text"]' ||
    dp_fail "show config -j"
ok "show config: parses with lisp-ztr -n, key redacted"

# --- metrics ---------------------------------------------------------------
ctl metrics >"$DP_TMP/metrics" || dp_fail "metrics"
python3 - "$DP_TMP/metrics" "$DP_IID0" "$net4_2" "$rloc2" <<'EOF' || dp_fail "metrics format"
# Prometheus text exposition format (version 0.0.4), checked line by line.
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{(?:%s)(?:,%s)*,?\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$'
                    % (name, label, label))
help_ = re.compile(r'^# HELP (%s) .*$' % name)
type_ = re.compile(r'^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$' % name)
types, done, cur, vals = {}, set(), None, {}
lines = open(sys.argv[1]).read().split('\n')
assert lines[-1] == '', 'no final newline'
for n, l in enumerate(lines[:-1], 1):
    m = help_.match(l) or type_.match(l)
    if m:
        fam = m.group(1)
        if l.startswith('# TYPE'):
            assert fam not in types, '%d: second TYPE for %s' % (n, fam)
            types[fam] = m.group(2)
        if fam != cur:
            assert fam not in done, '%d: family %s split' % (n, fam)
            if cur: done.add(cur)
            cur = fam
        continue
    assert not l.startswith('#'), '%d: bad comment %r' % (n, l)
    m = sample.match(l)
    assert m, '%d: not a sample line: %r' % (n, l)
    fam = m.group(1)
    assert fam == cur, '%d: sample %s outside its family block' % (n, fam)
    assert fam in types, '%d: %s has no TYPE' % (n, fam)
    if types[fam] == 'counter':
        assert fam.endswith('_total'), '%d: counter %s lacks _total' % (n, fam)
    vals[fam + (m.group(2) or '')] = float(m.group(3))
iid, pfx, rloc = sys.argv[2:5]
assert vals['lisp_ztr_itr_packets_total'] >= 5
assert 'lisp_ztr_drops_total{reason="ICV-error"}' in vals
assert vals['lisp_ztr_decap_packets_total{reason="good-packets"}'] >= 5
assert vals['lisp_ztr_eid_packets_total{iid="%s",prefix="%s"}' % (iid, pfx)] >= 5
assert vals['lisp_ztr_rloc_packets_total{rloc="%s"}' % rloc] >= 5
assert vals['lisp_ztr_rloc_up{rloc="%s"}' % rloc] == 1
assert vals['lisp_ztr_map_cache_entries'] == 4
print('%d samples in %d families' % (len(vals), len(types)))
EOF
ok "metrics: Prometheus exposition grammar, families contiguous, counters *_total"

# --- map-cache add / delete / flush -----------------------------------------
ctl map-cache delete iid $DP_IID0 "$net4_2" || dp_fail "map-cache delete"
ctl map-cache delete iid $DP_IID0 "$net4_2" 2>/dev/null && dp_fail "second delete succeeded"
topo_exec h1 ping -c 2 -i 0.2 -W 1 -q "$e4_2" >/dev/null &&
    dp_fail "ping works without a mapping"
ctl map-cache add iid $DP_IID0 "$net4_2" rloc "$rloc2" priority 1 weight 100 ||
    dp_fail "map-cache add"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no ping after map-cache add"
ctl -j show map-cache iid $DP_IID0 "$e4_2" | grep -q '"static":false' ||
    dp_fail "added entry not shown as learnt"
ctl map-cache add iid $DP_IID0 10.9.9.0/24 2>/dev/null && dp_fail "add without rloc accepted"
ctl map-cache add iid $DP_IID0 10.9.9.0/24 rloc 10.1.1.1.1 2>/dev/null &&
    dp_fail "add with a bad rloc accepted"
out=$(ctl map-cache flush) || dp_fail "map-cache flush"
[ "$out" = "1 entries deleted" ] || dp_fail "flush: $out"
[ "$(ctl -j show map-cache | wc -l)" = 3 ] || dp_fail "flush removed static entries"
topo_exec h1 ping -c 2 -i 0.2 -W 1 -q "$e4_2" >/dev/null &&
    dp_fail "ping works after the flush"
ok "map-cache delete stops forwarding, add restores it, flush removes only learnt entries"

# --- reload, log-level ---------------------------------------------------
ctl reload || dp_fail "reload"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no ping after reload (static entry back)"
cp "$DP_TMP/x1.conf" "$DP_TMP/x1.good"
echo "lisp map-cache {" >>"$DP_TMP/x1.conf"
ctl reload 2>"$DP_TMP/err" && dp_fail "reload of a broken file succeeded"
grep -q 'errors' "$DP_TMP/err" || dp_fail "reload error: $(cat "$DP_TMP/err")"
cp "$DP_TMP/x1.good" "$DP_TMP/x1.conf"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "forwarding stopped after a refused reload"
ok "reload: applied (static entry back), a broken file refused with exit 1"

ctl log-level warn || dp_fail "log-level warn"
n0=$(grep -c 'lisp-ztr-dp: ctl: show' "$DP_TMP/x1.log")
ctl show config >/dev/null
[ "$(grep -c 'lisp-ztr-dp: ctl: show' "$DP_TMP/x1.log")" = "$n0" ] ||
    dp_fail "debug line logged at level warn"
ctl log-level debug || dp_fail "log-level debug"
ctl show config >/dev/null
[ "$(grep -c 'lisp-ztr-dp: ctl: show' "$DP_TMP/x1.log")" -gt "$n0" ] ||
    dp_fail "no debug line at level debug"
ctl log-level loud 2>/dev/null && dp_fail "log-level loud accepted"
ok "log-level warn silences the debug lines, debug brings them back"

# --- malformed and oversized requests --------------------------------------
python3 - "$S1" <<'EOF' || dp_fail "malformed requests"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f = s.makefile('rb')
def ask(raw):
    s.sendall(raw)
    recs = []
    while True:
        r = json.loads(f.readline())
        if 'status' in r: return recs, r
        recs.append(r)
for raw in (b'not json\n', b'[1,2]\n', b'{"command": 7}\n',
            b'{"command":"show nothing"}\n', b'{"command":"show map-cache"} x\n',
            b'{"command":"map-cache add","prefix":"10.0.0.0/8","rlocs":[]}\n',
            b'{"command":"show map-cache","iid":-1}\n', b'\xff\xfe{\n'):
    recs, st = ask(raw)
    assert st['status'] == 'error' and st['error'], (raw, st)
    print('  %-60r -> %s' % (raw, st['error']))
# Pipelined requests are answered in order on the same connection.
s.sendall(b'{"command":"show database"}\n{"command":"show config"}\n')
recs, st = ask(b'')
assert st['status'] == 'ok' and len(recs) == 4 and 'eid-prefix' in recs[0]
recs, st = ask(b'')
assert st['status'] == 'ok' and 'text' in recs[0]
# Oversized: an error, then the daemon closes the connection.
s.sendall(b'{"command":"' + b'x' * 70000 + b'"}\n')
st = json.loads(f.readline())
assert st['status'] == 'error' and 'longer' in st['error'], st
assert f.readline() == b''
print('  70 KB request -> %s, connection closed' % st['error'])
EOF
ctl show database >/dev/null || dp_fail "daemon unusable after bad requests"
ok "malformed and oversized requests get error replies"

# --- 100k entries: bulk add, dump timed while pings flow -------------------
python3 -c "
for i in range(100000):
    iid = 300 + i % 2
    print('map-cache add iid %d 10.%d.%d.%d/32 rloc 198.51.100.%d' % (
        iid, i >> 16, (i >> 8) & 255, i & 255, 2 + i % 7))
" >"$DP_TMP/bulk"
t0=$(date +%s.%N)
"$BUILD/lispctl" -s "$S1" -b "$DP_TMP/bulk" || dp_fail "bulk add"
t1=$(date +%s.%N)
echo "  100000 map-cache add requests in $(echo "$t1 - $t0" | bc) s (one connection, -b)"
topo_exec h1 ping -c 300 -i 0.01 -q "$e4_2" >"$DP_TMP/ping" 2>&1 &
pp=$!
t0=$(date +%s.%N)
n=$(ctl -j show map-cache | wc -l)
t1=$(date +%s.%N)
[ "$n" = 100004 ] || dp_fail "dump: $n entries, want 100004"
tt=$(ctl show map-cache | grep -c 'rloc 198.51.100')
[ "$tt" = 100004 ] || dp_fail "text dump: $tt RLOC lines"
wait $pp
loss=$(grep -o '[0-9.]*% packet loss' "$DP_TMP/ping")
grep -q ' 0% packet loss' "$DP_TMP/ping" || dp_fail "ping during the dump: $loss"
echo "  dump of 100004 entries (-j) in $(echo "$t1 - $t0" | bc) s; ping at 100/s meanwhile: $loss"
ok "100k-entry dump complete, forwarding went on"

# --- a client leaving mid-dump; fd count --------------------------------------
dppid=""
for p in $(pgrep -P "${DP_PID[1]}"); do
	[ "$(find /proc/"$p"/task -mindepth 1 -maxdepth 1 | wc -l)" -gt 1 ] &&
	    dppid=$p
done
[ -n "$dppid" ] || dp_fail "data-plane pid not found"
fds0=$(find /proc/"$dppid"/fd -mindepth 1 | wc -l)
python3 - "$S1" <<'EOF' || dp_fail "mid-dump disconnect"
import socket, sys
for k in range(20):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    s.sendall(b'{"command":"show map-cache"}\n')
    got = 0
    while got < 100000:
        got += len(s.recv(65536))
    s.close()
EOF
sleep 0.3
fds1=$(find /proc/"$dppid"/fd -mindepth 1 | wc -l)
[ "$fds1" = "$fds0" ] || dp_fail "data plane fds $fds0 -> $fds1 after 20 abandoned dumps"
topo_wait_ping h1 "$e4_2" 5 || dp_fail "no ping after abandoned dumps"
[ "$(ctl -j show map-cache iid 301 | wc -l)" = 50000 ] || dp_fail "dump after abandoned dumps"
ok "20 clients left mid-dump: data-plane fds $fds0 -> $fds1, daemon fine"

# --- many clients -------------------------------------------------------------
pids=()
for k in $(seq 50); do
	ctl show statistics >"$DP_TMP/c$k" 2>&1 &
	pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=$((fail + 1)); done
[ $fail = 0 ] || dp_fail "$fail of 50 concurrent clients failed"
grep -L 'good-packets' "$DP_TMP"/c* | grep -q . && dp_fail "a concurrent client got no statistics"
python3 - "$S1" <<'EOF' || dp_fail "client limit"
import json, socket, sys
held = []
for k in range(64):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); held.append(s)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
r = json.loads(s.makefile('rb').readline())
assert r['status'] == 'error' and 'too many' in r['error'], r
# The 64 held clients are still served.
for h in (held[0], held[63]):
    h.sendall(b'{"command":"show database"}\n')
    f = h.makefile('rb')
    while True:
        st = json.loads(f.readline())
        if 'status' in st: break
    assert st['status'] == 'ok', st
print('  65th client: %s' % r['error'])
EOF
ctl show database >/dev/null || dp_fail "daemon unusable after the client limit"
ok "50 concurrent clients answered; the 65th held connection refused with an error"

for n in 1 2; do
	dp_stop $n
	grep -q 'stopped' "${DP_LOG[$n]}" || dp_fail "x$n: no clean stop"
done
[ -e "$S1" ] && dp_fail "control socket left behind"
echo "PASS"
