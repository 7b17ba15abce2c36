# SPDX-License-Identifier: ISC
#
# Independent check of a lisp-replay --ipc ITR output (lispers.net's
# LISP-crypto data format, compat reference 2.11-2.13): every packet is
# taken apart here with the Python "cryptography" package (OpenSSL
# underneath, none of lisp-ztr's code) and must be
#
#   outer IPv4/IPv6 + UDP from the itr-crypto-port to 4341, UDP length
#   right, LISP header with N and I set, KK = the key-id of the IPC keys
#   of its destination RLOC, instance-id IID;
#   ICV = HMAC-SHA-256(icv-key, LISP header || IV || ciphertext [|| tag])
#   truncated to 20 bytes;
#   GCM: IV 12 bytes, AES-128-GCM decrypt with no AAD verifies the tag;
#   CBC: IV 16 bytes, AES-128-CBC decrypt;
#   plaintext = the inner packet of INNER.pcap (same position), padded
#   with 0x20 to a multiple of 16 (no padding when it is one already);
#   IV: the 128-bit counter (GCM LE32(c >> 64) || LE64(c), CBC
#   LE64(c >> 64) || LE64(c)) +1 per packet of the same key, all IVs
#   distinct, and with --seed S the counter's high part is S (low 32
#   bits for GCM) as dp_keys_iv_seed() documents.
#
# Keys come from the IPC file itself (map-cache "keys" of each RLOC).
#
# Usage: python3 check_crypto.py gcm|cbc IPCFILE PORT IID SEED OUT.pcap INNER.pcap
import hashlib
import hmac
import ipaddress
import json
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pcapfile import lisp_data, pcap_packets


def ipc_keys(path):
    """RLOC address (bytes) -> (key-id, key, icv-key) from map-cache."""
    keys = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = json.loads(line)
        if m.get("type") != "map-cache":
            continue
        for r in m.get("rlocs", []):
            for k in r.get("keys", []):
                a = ipaddress.ip_address(r["rloc"]).packed
                v = (int(k["key-id"]), bytes.fromhex(k["encrypt-key"]),
                     bytes.fromhex(k["icv-key"]))
                assert keys.get(a, v) == v, "two keys for one RLOC"
                keys[a] = v
    return keys


def main():
    suite, ipc, port, iid, seed, outp, innerp = sys.argv[1:8]
    port, iid, seed = int(port), int(iid), int(seed)
    keys = ipc_keys(ipc)
    assert keys, "no keys in " + ipc
    link, pkts = pcap_packets(outp)
    assert link in (12, 101), "output link type %d, want DLT_RAW" % link
    _, inner = pcap_packets(innerp)
    assert len(pkts) == len(inner), \
        "%d packets out, %d expected" % (len(pkts), len(inner))
    ivl = 12 if suite == "gcm" else 16
    last, seen, errs = {}, set(), 0
    for n, (p, want) in enumerate(zip(pkts, inner)):
        try:
            dst, lisp = lisp_data(p, port)
            assert dst in keys, "no key for RLOC " + dst.hex()
            kid, key, icvk = keys[dst]
            hdr = lisp[:8]
            assert hdr[0] & 0x88 == 0x88, "N and I: %02x" % hdr[0]
            assert hdr[0] & 3 == kid, "KK %d, key-id %d" % (hdr[0] & 3, kid)
            assert int.from_bytes(hdr[4:7], "big") == iid, "IID"
            body, icv = lisp[:-20], lisp[-20:]
            mac = hmac.new(icvk, body, hashlib.sha256).digest()[:20]
            assert hmac.compare_digest(mac, icv), "ICV"
            iv, ct = body[8:8 + ivl], body[8 + ivl:]
            if suite == "gcm":
                pt = AESGCM(key).decrypt(iv, ct, None)
                c = (struct.unpack("<I", iv[:4])[0] << 64 |
                     struct.unpack("<Q", iv[4:])[0])
                hi = seed & 0xFFFFFFFF
            else:
                d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
                pt = d.update(ct) + d.finalize()
                c = (struct.unpack("<Q", iv[:8])[0] << 64 |
                     struct.unpack("<Q", iv[8:])[0])
                hi = seed
            plen = (len(want) + 15) // 16 * 16
            assert len(pt) == plen, "plaintext %d, want %d" % (len(pt), plen)
            assert pt[:len(want)] == want, "plaintext differs from inner"
            assert pt[len(want):] == b" " * (plen - len(want)), "padding"
            assert c >> 64 == hi, "IV counter high part %x" % (c >> 64)
            if dst in last:
                assert c == last[dst] + 1, "IV not +1"
            last[dst] = c
            assert (key, c) not in seen, "IV reused"
            seen.add((key, c))
        except AssertionError as e:
            print("packet %d: %s" % (n + 1, e))
            errs += 1
        except Exception as e:
            print("packet %d: %s: %s" % (n + 1, type(e).__name__, e))
            errs += 1
    if errs:
        sys.exit(1)
    print("check_crypto %s: %d packets: ICV, %s decryption, padding, IVs "
          "ok (%d keys)" % (suite, len(pkts), suite.upper(), len(last)))


main()
