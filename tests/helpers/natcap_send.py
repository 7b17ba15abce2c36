#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Send one LISP-encapsulated IPv4/UDP datagram as an RTR behind a NAT
would: outer IPv4/UDP SPORT -> DST:DPORT, LISP header with instance-id
IID, inner IPv4/UDP ISRC:7000 -> IDST:IPORT carrying PAYLOAD.  Built
whole and sent on a raw IPPROTO_RAW socket (the outer source port is
ours to choose, 4341 included, whoever has it bound).

usage: natcap_send.py SRC DST SPORT DPORT IID ISRC IDST IPORT PAYLOAD
"""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234,
                    0x4000, 64, 17, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def udp4(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = src + dst + struct.pack("!BBH", 0, 17, len(u))
    c = csum(ph + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def main():
    if len(sys.argv) != 10:
        sys.exit(__doc__)
    src, dst = (socket.inet_aton(a) for a in sys.argv[1:3])
    sport, dport, iid = (int(v) for v in sys.argv[3:6])
    isrc, idst = (socket.inet_aton(a) for a in sys.argv[6:8])
    iport, data = int(sys.argv[8]), sys.argv[9].encode()
    inner = ip4(isrc, idst, udp4(isrc, idst, 7000, iport, data))
    # Flags: I (instance-id present); nonce 0; IID << 8 | LSBs 0.
    lisp = struct.pack("!II", 0x08000000, (iid & 0xFFFFFF) << 8)
    pkt = ip4(src, dst, udp4(src, dst, sport, dport, lisp + inner))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(pkt, (sys.argv[2], 0))


main()
