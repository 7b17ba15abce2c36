# SPDX-License-Identifier: ISC
#
# The classic pcap file reader of the independent checkers
# (check_crypto.py, check_c8061.py): written here, not with the code
# under test, so that a bug in lisp-replay's pcap writer cannot hide.

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
