# SPDX-License-Identifier: ISC
#
# The classic pcap file reader and the outer-header checks of the
# independent checkers (check_crypto.py, check_c8061.py): written here,
# not with the code under test, so that a bug in lisp-replay's pcap
# writer or encapsulation cannot hide.

import struct
import sys


def pcap_packets(path):
    """(link type, [frame bytes]) of a microsecond or nanosecond pcap."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("%s: not a pcap file" % path)
    link = struct.unpack(e + "I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return link, out


def lisp_data(p, port):
    """(outer destination bytes, LISP header and payload) of an encapsulated
    packet p (raw IPv4 or IPv6, no options or extension headers) from
    UDP port to 4341; asserts the IP and UDP lengths and the ports."""
    if p[0] >> 4 == 4:
        hl = (p[0] & 15) * 4
        assert p[9] == 17, "not UDP"
        assert struct.unpack(">H", p[2:4])[0] == len(p)
        dst, udp = p[16:20], p[hl:]
    else:
        assert p[0] >> 4 == 6 and p[6] == 17, "not IPv6/UDP"
        assert struct.unpack(">H", p[4:6])[0] + 40 == len(p)
        dst, udp = p[24:40], p[40:]
    sp, dp, ulen = struct.unpack(">HHH", udp[:6])
    assert (sp, dp) == (port, 4341), "ports %d -> %d" % (sp, dp)
    assert ulen == len(udp), "UDP length"
    return dst, udp[8:]
