#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Play the control-plane side of the lisp-ztr data plane's IPC.

Transports:
  --dir D          lispers.net IPC mode: bind D/lispers.net-itr (as lisp-itr
                   does), send to D/lisp-ipc-data-plane (waiting for it).
  --seqpacket P    the native CP <-> DP channel through `lisp-ztr -cpdp P`:
                   listen on the SOCK_SEQPACKET path P and accept the data
                   plane's connection (again after it restarts).
  --send-only      with --dir: only send (a second lisp-etr-like sender).

Script (--script FILE, one command a line, # comments):
  wait restart [T]       wait for {"type": "restart"} (default 20 s)
  send JSON              send one datagram
  replay FILE NODE       send the cp2dp datagrams of NODE in FILE in order
  garbage                send malformed datagrams
  big N IID              send an entire-map-cache of N /32 entries in IID
  resolve IID PREFIX RLOC   answer a discovery for a destination in PREFIX
                         with a map-cache add of PREFIX -> RLOC
  touch FILE             create FILE (synchronisation with the test)
  sleep S
  serve                  keep handling input until SIGTERM

Every received datagram is checked (valid JSON object, known type, < 4000
bytes, statistics/decap-statistics structure) and written to --log as
"<len> <json>"; violations as "INVALID <reason>".  Like lisp-itr, a restart
received after the first is answered with the state sent so far
(entire-map-cache of the map-cache adds, then database-mappings and
interfaces).  Exit status 1 when anything was invalid.
"""
import argparse
import ipaddress
import json
import os
import select
import signal
import socket
import sys
import time

DP_TYPES = {"restart", "discovery", "statistics", "decap-statistics"}
DSTAT = {"good-packets", "ICV-error", "checksum-error", "lisp-header-error",
         "no-decrypt-key", "bad-inner-version", "outer-header-error"}


class Sim:
    def __init__(self, a):
        self.a = a
        self.log = open(a.log, "a", buffering=1) if a.log else None
        self.invalid = 0
        self.restarts = 0
        self.rules = []
        self.cache = {}         # (iid, prefix) -> map-cache message
        self.last = {}          # type -> last message (dbm, interfaces)
        self.conn = None
        self.lsock = None
        if a.dir:
            self.peer = os.path.join(a.dir, "lisp-ipc-data-plane")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            # Room for big entire-map-cache datagrams (SO_SNDBUFFORCE, as
            # root; lispers.net's own limit is the default buffer).
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, 32, 1 << 22)
            except OSError:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF,
                                     1 << 22)
            if not a.send_only:
                me = os.path.join(a.dir, "lispers.net-itr")
                try:
                    os.unlink(me)
                except FileNotFoundError:
                    pass
                self.sock.bind(me)
                self.me = me
        else:
            self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                os.unlink(a.seqpacket)
            except FileNotFoundError:
                pass
            self.lsock.bind(a.seqpacket)
            self.lsock.listen(4)

    def note(self, s):
        if self.log:
            self.log.write(s + "\n")

    def bad(self, why, raw):
        self.invalid += 1
        self.note("INVALID %s: %r" % (why, raw[:200]))

    # --- sending -----------------------------------------------------
    def send_raw(self, data):
        if self.a.dir:
            for _ in range(200):
                # lispers.net checks the path before every send.
                if os.path.exists(self.peer):
                    break
                time.sleep(0.05)
            self.sock.sendto(data, self.peer)
        else:
            deadline = time.time() + 20
            while self.conn is None and time.time() < deadline:
                self.poll(0.1)
            if self.conn is None:
                raise SystemExit("no data plane connection")
            self.conn.send(data)

    def send(self, obj):
        t = obj.get("type")
        if t == "map-cache":
            key = (obj["instance-id"], obj["eid-prefix"])
            if obj.get("opcode", "add") == "delete":
                self.cache.pop(key, None)
            else:
                self.cache[key] = obj
        elif t == "entire-map-cache":
            self.cache = {(e["instance-id"], e["eid-prefix"]): e
                          for e in obj["entries"]}
        elif t in ("database-mappings", "interfaces"):
            self.last[t] = obj
        self.send_raw(json.dumps(obj).encode())

    def resync(self):
        self.send({"type": "entire-map-cache",
                   "entries": list(self.cache.values())})
        for t in ("database-mappings", "interfaces"):
            if t in self.last:
                self.send(self.last[t])

    # --- receiving ---------------------------------------------------
    def check(self, raw):
        if len(raw) >= 4000:
            self.bad("%d bytes" % len(raw), raw)
        try:
            m = json.loads(raw.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as e:
            self.bad("json: %s" % e, raw)
            return None
        if not isinstance(m, dict) or m.get("type") not in DP_TYPES:
            self.bad("type", raw)
            return None
        t = m["type"]
        if t == "statistics":
            if not isinstance(m.get("entries"), list):
                self.bad("entries not a list", raw)
                return None
            for e in m["entries"]:
                try:
                    int(e["instance-id"])
                    ipaddress.ip_network(e["eid-prefix"])
                    for r in e["rlocs"]:
                        ipaddress.ip_address(r["rloc"])
                        for k in ("packet-count", "byte-count",
                                  "seconds-last-packet"):
                            if not isinstance(r[k], int) or r[k] < 0:
                                raise ValueError(k)
                except (KeyError, ValueError, TypeError) as x:
                    self.bad("statistics entry %s" % x, raw)
        elif t == "decap-statistics":
            for k, v in m.items():
                if k == "type":
                    continue
                if k not in DSTAT or not isinstance(v, dict) or any(
                        not isinstance(v.get(f), int) for f in
                        ("packet-count", "byte-count",
                         "seconds-last-packet")):
                    self.bad("decap-statistics %s" % k, raw)
        elif t == "discovery":
            if not isinstance(m.get("interface"), str):
                self.bad("discovery without interface", raw)
            for f in ("source-eid", "dest-eid"):
                if f in m:
                    try:
                        ipaddress.ip_address(m[f])
                    except ValueError:
                        self.bad("discovery %s" % f, raw)
        return m

    def handle(self, raw):
        m = self.check(raw)
        if m is None:
            self.note("%d %s" % (len(raw), raw.decode("ascii", "replace")))
            return
        # Logged in Python's canonical spacing for the tests' greps.
        self.note("%d %s" % (len(raw), json.dumps(m)))
        if m["type"] == "restart":
            self.restarts += 1
            if self.restarts > 1:
                self.resync()
        elif m["type"] == "discovery" and "dest-eid" in m:
            d = ipaddress.ip_address(m["dest-eid"])
            iid = m.get("instance-id")
            for riid, net, rloc in self.rules:
                if d in net and (iid is None or str(iid) == riid):
                    self.send({"type": "map-cache", "opcode": "add",
                               "instance-id": riid,
                               "eid-prefix": str(net),
                               "rlocs": [{"rloc": rloc, "priority": "1",
                                          "weight": "100",
                                          "port": "4341"}]})
                    break

    def poll(self, timeout):
        fds = []
        if self.a.dir and not self.a.send_only:
            fds.append(self.sock)
        if self.lsock is not None:
            fds.append(self.lsock)
        if self.conn is not None:
            fds.append(self.conn)
        r, _, _ = select.select(fds, [], [], timeout)
        for s in r:
            if s is self.lsock:
                c, _ = self.lsock.accept()
                if self.conn is not None:
                    self.conn.close()
                self.conn = c
                self.note("CONNECTED")
                continue
            data = s.recv(1 << 20)
            if s is self.conn and not data:
                self.conn.close()
                self.conn = None
                self.note("CLOSED")
                continue
            self.handle(data)

    def wait_restart(self, timeout):
        want = self.restarts + 1
        deadline = time.time() + timeout
        while self.restarts < want and time.time() < deadline:
            self.poll(0.1)
        if self.restarts < want:
            raise SystemExit("no restart within %s s" % timeout)

    def sleep(self, s):
        deadline = time.time() + s
        while time.time() < deadline:
            self.poll(max(0.0, min(0.1, deadline - time.time())))

    # --- script ------------------------------------------------------
    def run(self, lines):
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cmd, _, rest = line.partition(" ")
            if cmd == "wait":
                w = rest.split()
                self.wait_restart(float(w[1]) if len(w) > 1 else 20)
            elif cmd == "send":
                self.send(json.loads(rest))
            elif cmd == "replay":
                path, node = rest.split()
                with open(path) as f:
                    for ln in f:
                        p = ln.split(" ", 3)
                        if len(p) == 4 and p[0] == "cp2dp" and p[1] == node:
                            self.send(json.loads(p[3]))
                            self.sleep(0.01)
            elif cmd == "garbage":
                for g in (b"{", b"not json at all", b"[1, 2, 3]",
                          b'{"type": "map-cache", "instance-id": "x"}',
                          b'{"type": "map-cache", "eid-prefix": '
                          b'"10.0.0.0/99", "instance-id": "1", "rlocs": []}',
                          b'{"type": "decap-keys", "rloc": "2001", '
                          b'"port": "db8", "keys": []}',
                          b"\xff\xfe\x00", b""):
                    self.send_raw(g)
                    self.sleep(0.01)
            elif cmd == "big":
                n, iid = rest.split()
                ents = [{"type": "map-cache", "opcode": "add",
                         "instance-id": iid,
                         "eid-prefix": "203.0.%d.%d/32" % (k >> 8, k & 255),
                         "rlocs": [{"rloc": "198.51.100.77",
                                    "priority": "1", "weight": "100",
                                    "port": "4341"}]}
                        for k in range(int(n))]
                self.send({"type": "entire-map-cache", "entries": ents})
            elif cmd == "resolve":
                iid, net, rloc = rest.split()
                self.rules.append((iid, ipaddress.ip_network(net), rloc))
            elif cmd == "touch":
                open(rest, "w").close()
            elif cmd == "sleep":
                self.sleep(float(rest))
            elif cmd == "serve":
                while True:
                    self.poll(1.0)
            else:
                raise SystemExit("unknown command: " + line)


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--dir")
    g.add_argument("--seqpacket")
    ap.add_argument("--send-only", action="store_true")
    ap.add_argument("--script", required=True)
    ap.add_argument("--log")
    a = ap.parse_args()
    sim = Sim(a)

    def term(signo, frame):
        sim.note("END invalid %d restarts %d" % (sim.invalid, sim.restarts))
        sys.exit(1 if sim.invalid else 0)
    signal.signal(signal.SIGTERM, term)
    with open(a.script) as f:
        sim.run(f.readlines())
    sim.note("END invalid %d restarts %d" % (sim.invalid, sim.restarts))
    sys.exit(1 if sim.invalid else 0)


if __name__ == "__main__":
    main()
