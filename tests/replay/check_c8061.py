# SPDX-License-Identifier: ISC
#
# Independent check of a lisp-replay --ipc ITR output with RFC 8061 keys
# ("cipher-suite" 5 or 6 in the IPC keys; crypto/lc8061.h,
# wire-formats 11.4): every packet is taken apart here with the Python
# "cryptography" package (OpenSSL underneath, none of lisp-ztr's code and
# not libsodium) and must be
#
#   outer IPv4/IPv6 + UDP from the itr-crypto-port to 4341, UDP length
#   right, LISP header with N and I set, KK = the key-id of the IPC key
#   of its destination RLOC, instance-id IID;
#   LISP header (8) || IV (12 suite 5, 8 suite 6) || ciphertext || tag
#   (16), nothing else (no ICV, no padding): the ciphertext is exactly as
#   long as the inner packet of INNER.pcap at the same position;
#   AAD = LISP header || IV; the tag verifies and the plaintext is that
#   inner packet:
#     suite 5: AES-128-GCM (cryptography's AESGCM);
#     suite 6: the original (draft-agl, libsodium "chacha20poly1305")
#       ChaCha20-Poly1305 built here from its parts: ChaCha20 with a
#       64-bit block counter and the 8-byte IV as the 64-bit nonce
#       (cryptography's ChaCha20 with nonce = LE64(counter) || IV), the
#       Poly1305 key = the first 32 bytes of block 0, the ciphertext
#       from block 1, tag = Poly1305(AAD || LE64(len AAD) || ciphertext
#       || LE64(len ciphertext));
#   IV: byte 0 = the worker slot (0 here), then the counter c,
#   big-endian; +1 per packet of the same key; all IVs of a key
#   distinct; with --seed S the first c of the n-th key made is
#   (S << 32 ^ n << 16) mod 2^(8 * (IV length - 1)), as dp_keys_iv_seed()
#   and lcrypto_key_set_iv() document (n in the order of the map-cache
#   RLOCs with keys).
#
# Usage: python3 check_c8061.py IPCFILE PORT IID SEED OUT.pcap INNER.pcap
# (tests/sh/ipc_crypto8061.sh imports open_chacha_orig() from here.)
import ipaddress
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.poly1305 import Poly1305

from pcapfile import lisp_data, pcap_packets


def ipc_keys(path):
    """RLOC address -> (key-id, suite, key, n-th key made)."""
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
                assert "icv-key" not in k, "RFC 8061 key with an icv-key"
                v = (int(k["key-id"]), int(k["cipher-suite"]),
                     bytes.fromhex(k["encrypt-key"]))
                if a in keys:
                    assert keys[a][:3] == v, "two keys for one RLOC"
                else:
                    keys[a] = v + (len(keys) + 1,)
    return keys


def chacha_block_stream(key, iv, counter, n):
    nonce = struct.pack("<Q", counter) + iv
    return Cipher(algorithms.ChaCha20(key, nonce), mode=None) \
        .encryptor().update(b"\0" * n)


def open_chacha_orig(key, iv, aad, ct, tag):
    polykey = chacha_block_stream(key, iv, 0, 64)[:32]
    msg = (aad + struct.pack("<Q", len(aad)) + ct +
           struct.pack("<Q", len(ct)))
    try:
        Poly1305.verify_tag(polykey, msg, tag)
    except InvalidSignature:
        raise AssertionError("Poly1305 tag")
    ks = chacha_block_stream(key, iv, 1, len(ct))
    return bytes(a ^ b for a, b in zip(ct, ks))


def main():
    ipc, port, iid, seed, outp, innerp = sys.argv[1:7]
    port, iid, seed = int(port), int(iid), int(seed)
    keys = ipc_keys(ipc)
    assert keys, "no keys in " + ipc
    link, pkts = pcap_packets(outp)
    assert link in (12, 101), "output link type %d, want DLT_RAW" % link
    _, inner = pcap_packets(innerp)
    assert len(pkts) == len(inner), \
        "%d packets out, %d expected" % (len(pkts), len(inner))
    last, seen, errs, suites = {}, set(), 0, set()
    for n, (p, want) in enumerate(zip(pkts, inner)):
        try:
            dst, lisp = lisp_data(p, port)
            assert dst in keys, "no key for RLOC " + dst.hex()
            kid, suite, key, nth = keys[dst]
            ivl = {5: 12, 6: 8}[suite]
            hdr = lisp[:8]
            assert hdr[0] & 0x88 == 0x88, "N and I: %02x" % hdr[0]
            assert hdr[0] & 3 == kid, "KK %d, key-id %d" % (hdr[0] & 3, kid)
            assert int.from_bytes(hdr[4:7], "big") == iid, "IID"
            assert len(lisp) == 8 + ivl + len(want) + 16, \
                "LISP payload %d bytes, want 8 + %d + %d + 16" % (
                    len(lisp), ivl, len(want))
            iv = lisp[8:8 + ivl]
            ct, tag = lisp[8 + ivl:-16], lisp[-16:]
            aad = lisp[:8 + ivl]
            if suite == 5:
                try:
                    pt = AESGCM(key).decrypt(iv, ct + tag, aad)
                except InvalidTag:
                    raise AssertionError("GCM tag")
            else:
                pt = open_chacha_orig(key, iv, aad, ct, tag)
            assert pt == want, "plaintext differs from the inner packet"
            assert iv[0] == 0, "slot byte %d" % iv[0]
            c = int.from_bytes(iv[1:], "big")
            if dst in last:
                assert c == (last[dst] + 1) % (1 << (8 * (ivl - 1))), \
                    "IV not +1"
            else:
                first = (seed << 32 ^ nth << 16) % (1 << (8 * (ivl - 1)))
                assert c == first, "first IV counter %x, want %x" % (
                    c, first)
            last[dst] = c
            assert (key, c) not in seen, "IV reused"
            seen.add((key, c))
            suites.add(suite)
        except AssertionError as e:
            print("packet %d: %s" % (n + 1, e))
            errs += 1
        except Exception as e:
            print("packet %d: %s: %s" % (n + 1, type(e).__name__, e))
            errs += 1
    if errs:
        sys.exit(1)
    print("check_c8061: %d packets: layout, AEAD tag and plaintext, IVs "
          "ok (suites %s, %d keys)" % (len(pkts),
                                       ",".join(map(str, sorted(suites))),
                                       len(last)))


if __name__ == "__main__":
    main()
