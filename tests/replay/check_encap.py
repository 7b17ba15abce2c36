# SPDX-License-Identifier: ISC
#
# Checks tshark's decoding of a lisp-replay ITR output (fields as
# tests/sh/replay_golden.sh asks for them, tab separated, ',' aggregator)
# against the generator's expectation (expectNNN.tsv) and against an
# independent model of the nonce generator: pkt_rand_seed(seed) is
# splitmix64 -> xoshiro128** (dataplane/pkt.h); every nonce is the low 24
# bits of a draw and every IPv4 outer ID the low 16 bits of the next one.
#
# Usage: python3 check_encap.py SEED SRC4 SRC6 expect.tsv < fields.tsv
import sys

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def rng(seed):
    st = []
    for _ in range(2):
        seed = (seed + 0x9E3779B97F4A7C15) & M64
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        z ^= z >> 31
        st += [z & M32, z >> 32]
    if st == [0, 0, 0, 0]:
        st[0] = 1
    rotl = lambda x, k: ((x << k) | (x >> (32 - k))) & M32
    while True:
        r = (rotl((st[1] * 5) & M32, 7) * 9) & M32
        t = (st[1] << 9) & M32
        st[2] ^= st[0]
        st[3] ^= st[1]
        st[1] ^= st[2]
        st[0] ^= st[3]
        st[2] ^= t
        st[3] = rotl(st[3], 11)
        yield r


def main():
    seed, src4, src6, expf = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    exp = [l.rstrip('\n').split('\t') for l in open(expf) if l.strip()]
    got = [l.rstrip('\n').split('\t') for l in sys.stdin if l.strip()]
    fail = []
    if len(exp) != len(got):
        print("frames: %d, expected %d" % (len(got), len(exp)))
        return 1
    draws = rng(seed)
    for n, (e, g) in enumerate(zip(exp, got), 1):
        (protos, ip_src, ip_dst, ip6_src, ip6_dst, sport, dport, nbit,
         ibit, nonce, iid, ipid, malformed) = (g + [''] * 13)[:13]
        layers = [p for p in protos.split(':') if p in ('ip', 'ipv6')]
        if len(layers) != 2:
            fail.append("frame %d: layers %s" % (n, protos))
            continue
        addrs = {'ip': (ip_src.split(','), ip_dst.split(',')),
                 'ipv6': (ip6_src.split(','), ip6_dst.split(','))}
        osrc, odst = addrs[layers[0]][0][0], addrs[layers[0]][1][0]
        isrc, idst = addrs[layers[1]][0][-1], addrs[layers[1]][1][-1]
        want_src = src4 if layers[0] == 'ip' else src6

        def check(what, a, b):
            if a != b:
                fail.append("frame %d: %s = %r, want %r" % (n, what, a, b))
        check("inner source", isrc, e[0])
        check("inner destination", idst, e[1])
        check("iid", iid, e[2])
        check("outer source", osrc, want_src)
        if odst not in e[3].split(','):
            fail.append("frame %d: outer destination %s not in %s" %
                        (n, odst, e[3]))
        check("outer UDP dport", dport.split(',')[0], "4341")
        if int(sport.split(',')[0]) < 49152:
            fail.append("frame %d: outer sport %s < 49152" % (n, sport))
        check("N bit", nbit, "1")
        check("I bit", ibit, "1")
        check("malformed", malformed, "")
        # Nonce: the next draw, or a later one (attempts that were
        # dropped, e.g. too-big, also drew a nonce): at most 3 skipped.
        for skip in range(4):
            v = next(draws) & 0xFFFFFF
            if v == int(nonce):
                break
        else:
            fail.append("frame %d: nonce %s not from seed %d" %
                        (n, nonce, seed))
            draws = rng(seed)
            continue
        if layers[0] == 'ip':
            check("outer IPv4 ID", int(ipid.split(',')[0], 16),
                  next(draws) & 0xFFFF)
    for f in fail:
        print(f)
    return 1 if fail else 0


sys.exit(main())
