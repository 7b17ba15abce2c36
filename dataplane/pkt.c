/* SPDX-License-Identifier: ISC */
#include <sys/random.h>

#include <endian.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "lisp_net.h"
#include "log.h"
#include "pkt.h"

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_SCTP_		132

/* Extension headers walked before giving up on finding the L4 header. */
#define PKT_MAX_EXTHDRS		8

/*
 * Ports (TCP, UDP, SCTP all start with source and destination port) or
 * ICMP type and code.  A transport header too short for them is not an
 * error here: the packet is still forwardable, it just hashes on its
 * addresses.
 */
static inline __attribute__((always_inline)) void
pkt_parse_l4(struct rbuf *l4, struct pkt_info *pi)
{
	uint32_t	 ports;

	/* pi is zeroed (pkt_parse()): nothing to undo when it is short. */
	switch (pi->proto) {
	case IPPROTO_TCP_:
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		/* Both ports in one bounds check. */
		if (rbuf_get_u32(l4, &ports) == 0) {
			pi->sport = (uint16_t)(ports >> 16);
			pi->dport = (uint16_t)ports;
			pi->flags |= PKT_F_PORTS;
		}
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if ((pi->version == 4) != (pi->proto == IPPROTO_ICMP_))
			break;
		if (rbuf_get_u8(l4, &pi->icmp_type) == 0 &&
		    rbuf_get_u8(l4, &pi->icmp_code) == 0)
			pi->flags |= PKT_F_ICMP;
		else
			pi->icmp_type = pi->icmp_code = 0;
		break;
	}
}

static inline __attribute__((always_inline)) enum dp_drop
pkt_parse4(struct rbuf *rb, size_t len, struct pkt_info *pi)
{
	struct rbuf	 l4;
	uint8_t		 h[PKT_IP4_HDR_LEN];
	uint16_t	 totlen, id, frag;
	size_t		 ihl;

	/*
	 * The fixed header in one bounds check and one copy (every ITR
	 * packet comes through here), then its fields from the copy.
	 */
	if (rbuf_get_bytes(rb, h, sizeof(h)) == -1)
		return DP_DROP_INNER_HEADER;
	pi->tos = h[1];
	totlen = (uint16_t)(h[2] << 8 | h[3]);
	id = (uint16_t)(h[4] << 8 | h[5]);
	frag = (uint16_t)(h[6] << 8 | h[7]);
	pi->ttl = h[8];
	pi->proto = h[9];
	memcpy(pi->src, h + 12, 4);
	memcpy(pi->dst, h + 16, 4);
	ihl = (size_t)(h[0] & 0x0F) * 4;
	if (ihl < PKT_IP4_HDR_LEN || ihl > totlen || totlen > len)
		return DP_DROP_INNER_HEADER;
	if (rbuf_skip(rb, ihl - PKT_IP4_HDR_LEN) == -1)
		return DP_DROP_INNER_HEADER;
	pi->version = 4;
	pi->hdr_len = (uint16_t)ihl;
	pi->tot_len = totlen;
	pi->frag_id = id;
	pi->frag_off = frag & 0x1FFF;
	if (frag & 0x4000)
		pi->flags |= PKT_F_DF;
	if (frag & 0x2000)
		pi->flags |= PKT_F_MF;
	if (pi->flags & PKT_F_MF || pi->frag_off != 0)
		pi->flags |= PKT_F_FRAG;
	/* The transport header may only be read inside the IP length. */
	if (rbuf_sub(rb, totlen - ihl, &l4) == -1)
		return DP_DROP_INNER_HEADER;
	if (pi->frag_off == 0)
		pkt_parse_l4(&l4, pi);
	return DP_DROP_NONE;
}

static enum dp_drop
pkt_parse6(struct rbuf *rb, size_t len, struct pkt_info *pi)
{
	struct rbuf	 pl;
	uint32_t	 w0, id;
	uint16_t	 plen, offm;
	uint8_t		 nh, next, hlen;
	int		 i;

	if (rbuf_get_u32(rb, &w0) == -1 ||
	    rbuf_get_u16(rb, &plen) == -1 ||
	    rbuf_get_u8(rb, &nh) == -1 ||
	    rbuf_get_u8(rb, &pi->ttl) == -1 ||
	    rbuf_get_bytes(rb, pi->src, 16) == -1 ||
	    rbuf_get_bytes(rb, pi->dst, 16) == -1)
		return DP_DROP_INNER_HEADER;
	/*
	 * A payload length of 0 is only legal with a jumbo payload option,
	 * which no link this runs on carries; it then reads as an empty
	 * payload and the hop-by-hop header below does not fit.
	 */
	if ((size_t)PKT_IP6_HDR_LEN + plen > len)
		return DP_DROP_INNER_HEADER;
	if (rbuf_sub(rb, plen, &pl) == -1)
		return DP_DROP_INNER_HEADER;
	pi->version = 6;
	pi->tos = (uint8_t)(w0 >> 20);
	pi->flow_label = w0 & 0xFFFFF;
	pi->tot_len = (uint32_t)PKT_IP6_HDR_LEN + plen;

	for (i = 0; i < PKT_MAX_EXTHDRS; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			if (rbuf_get_u8(&pl, &next) == -1 ||
			    rbuf_get_u8(&pl, &hlen) == -1 ||
			    rbuf_skip(&pl, (size_t)hlen * 8 + 6) == -1)
				return DP_DROP_INNER_HEADER;
			break;
		case IPPROTO_AH_:
			/* AH counts its length in 4-byte words, minus 2. */
			if (rbuf_get_u8(&pl, &next) == -1 ||
			    rbuf_get_u8(&pl, &hlen) == -1 ||
			    rbuf_skip(&pl, ((size_t)hlen + 2) * 4 - 2) == -1)
				return DP_DROP_INNER_HEADER;
			break;
		case IPPROTO_FRAGMENT_:
			if (pi->flags & PKT_F_V6FRAGHDR)
				return DP_DROP_INNER_HEADER;
			if (rbuf_get_u8(&pl, &next) == -1 ||
			    rbuf_skip(&pl, 1) == -1 ||
			    rbuf_get_u16(&pl, &offm) == -1 ||
			    rbuf_get_u32(&pl, &id) == -1)
				return DP_DROP_INNER_HEADER;
			pi->flags |= PKT_F_V6FRAGHDR;
			pi->frag_off = offm >> 3;
			pi->frag_id = id;
			if (offm & 1)
				pi->flags |= PKT_F_MF;
			if (pi->flags & PKT_F_MF || pi->frag_off != 0)
				pi->flags |= PKT_F_FRAG;
			break;
		default:
			goto upper;
		}
		nh = next;
		/* Past a non-first fragment's header there is only data. */
		if (pi->frag_off != 0)
			break;
	}
 upper:
	pi->proto = nh;
	pi->hdr_len = (uint16_t)(PKT_IP6_HDR_LEN + rbuf_offset(&pl));
	if (i < PKT_MAX_EXTHDRS && pi->frag_off == 0)
		pkt_parse_l4(&pl, pi);
	return DP_DROP_NONE;
}

enum dp_drop
pkt_parse(const void *data, size_t len, struct pkt_info *pi)
{
	struct rbuf	 rb;
	uint8_t		 b;

	memset(pi, 0, sizeof(*pi));
	rbuf_init(&rb, data, len);
	if (rbuf_peek_u8(&rb, &b) == -1)
		return DP_DROP_INNER_HEADER;
	switch (b >> 4) {
	case 4:
		return pkt_parse4(&rb, len, pi);
	case 6:
		return pkt_parse6(&rb, len, pi);
	default:
		return DP_DROP_BAD_INNER;
	}
}

/*
 * The flow hash runs once per packet.  It spreads flows over a
 * destination's RLOCs and picks the outer UDP source port (which the
 * underlay's ECMP hashes on) and the IPv6 flow label.  It is XXH3
 * (libxxhash, XXH3_64bits_withSecret(), inlined from the library's own
 * header) under a random 192-byte secret drawn per process, so that a
 * sender cannot compute where its flows land.
 *
 * The security trade-off, measured and chosen (docs/DECISIONS.md): XXH3
 * is not a PRF.  A keyed PRF (SipHash-2-4, libsodium's
 * crypto_shorthash_siphash24(), what this used to be) guarantees that
 * even an observer of the outer source ports (14 bits of every flow's
 * hash, visible to the destination site and the underlay) who chooses
 * ports and addresses learns nothing about other flows' placement; XXH3
 * only makes that hard in practice, and its authors claim no resistance
 * to such an adaptive adversary.  What could be lost is load balance
 * (flows piled onto one RLOC or one ECMP path), not confidentiality
 * or integrity, and no hash table is indexed by this value, so there is
 * no hash-flooding of memory or CPU.  The gain: about 70 instead of 216
 * instructions a packet, +10 % ITR packets a second with 1M prefixes
 * and +25 % with one (same-process A/B).
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

static pthread_once_t	 pkt_key_once = PTHREAD_ONCE_INIT;
static int		 pkt_key_set;
static uint8_t		 pkt_secret[XXH3_SECRET_DEFAULT_SIZE];

static void
pkt_key_init(void)
{
	if (sodium_init() == -1)
		fatalx("%s: sodium_init failed", __func__);
	randombytes_buf(pkt_secret, sizeof(pkt_secret));
	__atomic_store_n(&pkt_key_set, 1, __ATOMIC_RELEASE);
}

/*
 * A fixed 16-byte key (tests, lisp-replay --flow-key) expands into the
 * secret as BLAKE2b (libsodium crypto_generichash) keyed with it, over
 * the block number: 3 blocks of 64 bytes.
 */
void
pkt_flow_hash_setkey(const uint8_t key[16])
{
	uint8_t		 blk;

	(void)pthread_once(&pkt_key_once, pkt_key_init);
	for (blk = 0; blk < sizeof(pkt_secret) / 64; blk++)
		(void)crypto_generichash(pkt_secret + 64 * (size_t)blk, 64,
		    &blk, 1, key, 16);
}

static inline uint64_t
flow_hash_of(const uint8_t *in, size_t n)
{
	return XXH3_64bits_withSecret(in, n, pkt_secret, sizeof(pkt_secret));
}

/*
 * The hashed bytes: version, protocol, source, destination, then the
 * ports (network order) when hashed.  The IPv4 case (10 or 14 bytes) is
 * put together with word stores; the general one below byte by byte,
 * out of line so that the IPv4 path carries no variable-length buffer.
 */
static inline uint64_t
flow_hash4(const struct pkt_info *pi, int ports)
{
	uint8_t		 in[16];
	uint32_t	 p;

	in[0] = pi->version;
	in[1] = pi->proto;
	memcpy(in + 2, pi->src, 4);
	memcpy(in + 6, pi->dst, 4);
	if (!ports)
		return flow_hash_of(in, 10);
	p = htobe32((uint32_t)pi->sport << 16 | pi->dport);
	memcpy(in + 10, &p, 4);
	return flow_hash_of(in, 14);
}

static __attribute__((noinline)) uint64_t
flow_hash_bytes(const struct pkt_info *pi, int ports)
{
	uint8_t		 in[2 + 16 + 16 + 4];
	size_t		 alen = pkt_addr_len(pi), n = 0;

	in[n++] = pi->version;
	in[n++] = pi->proto;
	memcpy(in + n, pi->src, alen);
	n += alen;
	memcpy(in + n, pi->dst, alen);
	n += alen;
	if (ports) {
		in[n++] = (uint8_t)(pi->sport >> 8);
		in[n++] = (uint8_t)pi->sport;
		in[n++] = (uint8_t)(pi->dport >> 8);
		in[n++] = (uint8_t)pi->dport;
	}
	return flow_hash_of(in, n);
}

uint64_t
pkt_flow_hash(const struct pkt_info *pi)
{
	int		 ports;

	if (!__atomic_load_n(&pkt_key_set, __ATOMIC_ACQUIRE))
		(void)pthread_once(&pkt_key_once, pkt_key_init);
	/*
	 * Fragments hash on addresses only, even the first one that has
	 * the ports, so that all pieces of a datagram take one path.
	 */
	ports = (pi->flags & (PKT_F_PORTS | PKT_F_FRAG)) == PKT_F_PORTS;
	if (pi->version == 4)
		return flow_hash4(pi, ports);
	return flow_hash_bytes(pi, ports);
}

/*
 * xoshiro128** (Blackman and Vigna), 16 bytes of state per thread.  Not
 * a CSPRNG: the values it makes (24-bit nonces, IPv4 IDs) are either
 * public on the wire or only need to differ per packet.
 */
__thread uint32_t	 pkt_rng[4];
__thread int		 pkt_rng_seeded;

void
pkt_rng_seed(void)
{
	uint8_t		*p = (uint8_t *)pkt_rng;
	size_t		 got = 0;
	ssize_t		 r;

	while (got < sizeof(pkt_rng)) {
		r = getrandom(p + got, sizeof(pkt_rng) - got, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < sizeof(pkt_rng)) {
		/* No getrandom(2) (old kernel or seccomp): libsodium. */
		if (sodium_init() == -1)
			fatalx("%s: sodium_init failed", __func__);
		randombytes_buf(pkt_rng, sizeof(pkt_rng));
	}
	/* The all-zero state is the one fixed point of the generator. */
	if ((pkt_rng[0] | pkt_rng[1] | pkt_rng[2] | pkt_rng[3]) == 0)
		pkt_rng[0] = 1;
	pkt_rng_seeded = 1;
}

void
pkt_rand_seed(uint64_t seed)
{
	uint64_t	 z;
	int		 i;

	for (i = 0; i < 4; i += 2) {
		/* splitmix64 (Steele, Lea, Flood), the usual xoshiro seeder. */
		z = (seed += 0x9E3779B97F4A7C15ULL);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
		z ^= z >> 31;
		pkt_rng[i] = (uint32_t)z;
		pkt_rng[i + 1] = (uint32_t)(z >> 32);
	}
	if ((pkt_rng[0] | pkt_rng[1] | pkt_rng[2] | pkt_rng[3]) == 0)
		pkt_rng[0] = 1;
	pkt_rng_seeded = 1;
}

uint16_t
pkt_cksum_adjust(uint16_t cksum, uint16_t old, uint16_t new)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
	return lisp_net_cksum_fold((uint32_t)(uint16_t)~cksum +
	    (uint16_t)~old + new);
}

void
pkt_set_ttl_tos(struct pkt_info *pi, uint8_t *pkt, uint8_t ttl, uint8_t tos)
{
	struct rbuf	 rb;
	struct wbuf	 wb;
	uint16_t	 ck, w0, w4, nw0, nw4;

	if (pi->version == 4) {
		rbuf_init(&rb, pkt + PKT_IP4_OFF_CKSUM, 2);
		if (rbuf_get_u16(&rb, &ck) == -1)
			return;
		w0 = (uint16_t)((0x40 | pi->hdr_len / 4) << 8 | pi->tos);
		w4 = (uint16_t)(pi->ttl << 8 | pi->proto);
		nw0 = (uint16_t)((w0 & 0xFF00) | tos);
		nw4 = (uint16_t)(ttl << 8 | pi->proto);
		ck = pkt_cksum_adjust(ck, w0, nw0);
		ck = pkt_cksum_adjust(ck, w4, nw4);
		wbuf_init(&wb, pkt, PKT_IP4_HDR_LEN);
		wbuf_put_u16(&wb, nw0);
		(void)wbuf_reserve(&wb, PKT_IP4_OFF_TTL - 2);
		wbuf_put_u16(&wb, nw4);
		wbuf_put_u16(&wb, ck);
	} else {
		wbuf_init(&wb, pkt, PKT_IP6_HDR_LEN);
		wbuf_put_u32(&wb, (uint32_t)6 << 28 | (uint32_t)tos << 20 |
		    pi->flow_label);
		(void)wbuf_reserve(&wb, 3);
		wbuf_put_u8(&wb, ttl);
	}
	pi->ttl = ttl;
	pi->tos = tos;
}

enum dp_drop
pkt_ttl_dec(struct pkt_info *pi, uint8_t *pkt)
{
	if (pi->ttl <= 1)
		return DP_DROP_TTL_EXPIRED;
	pkt_set_ttl_tos(pi, pkt, pi->ttl - 1, pi->tos);
	return DP_DROP_NONE;
}
