/* SPDX-License-Identifier: ISC */
/*
 * Inner packet parsing for the data path: the fields of an IPv4 or IPv6
 * header (and the L4 ports) that encapsulation, decapsulation, map-cache
 * lookup and RLOC selection need, read through an rbuf.  No I/O, no
 * allocation, safe on any input.
 *
 * IPv4 (RFC 791), the fields used:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Identification        |0|D|M|     Fragment Offset     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |  Time to Live |    Protocol   |         Header Checksum       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                       Source Address                          |
 *    |                    Destination Address                        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * IPv6 (RFC 8200): Version(4) Traffic Class(8) Flow Label(20) |
 * Payload Length(16) Next Header(8) Hop Limit(8) | Source(128) |
 * Destination(128), then extension headers (hop-by-hop, routing,
 * fragment, destination options, AH), which pkt_parse() walks to find
 * the upper-layer protocol and the fragment fields.
 */
#ifndef PKT_H
#define PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp_stats.h"

#define PKT_IP4_HDR_LEN		20
#define PKT_IP6_HDR_LEN		40

/* pkt_info.flags */
#define PKT_F_DF		0x01	/* IPv4 don't fragment */
#define PKT_F_MF		0x02	/* more fragments */
#define PKT_F_FRAG		0x04	/* a fragment (MF or offset != 0) */
#define PKT_F_PORTS		0x08	/* sport/dport valid (TCP/UDP/SCTP) */
#define PKT_F_ICMP		0x10	/* icmp_type/icmp_code valid */
#define PKT_F_V6FRAGHDR		0x20	/* IPv6 fragment header present */

/* Byte offsets inside the IPv4 header that the data path rewrites. */
#define PKT_IP4_OFF_TOS		1
#define PKT_IP4_OFF_LEN		2
#define PKT_IP4_OFF_FRAG	6
#define PKT_IP4_OFF_TTL		8
#define PKT_IP4_OFF_CKSUM	10

struct pkt_info {
	uint8_t		version;	/* 4 or 6 */
	uint8_t		proto;		/* upper-layer protocol */
	uint8_t		ttl;		/* TTL or hop limit */
	uint8_t		tos;		/* DSCP << 2 | ECN (traffic class) */
	uint8_t		flags;		/* PKT_F_* */
	uint8_t		icmp_type;
	uint8_t		icmp_code;
	uint16_t	hdr_len;	/* IP header + extension headers */
	uint32_t	tot_len;	/* whole IP packet, without padding */
	uint16_t	frag_off;	/* fragment offset in 8-byte units */
	uint32_t	frag_id;	/* IPv4 16 bits, IPv6 32 bits */
	uint32_t	flow_label;	/* IPv6 */
	uint16_t	sport;
	uint16_t	dport;
	uint8_t		src[16];	/* IPv4 uses the first 4 bytes */
	uint8_t		dst[16];
};

/*
 * Parse the IP packet in data[0..len).  len may exceed the IP length
 * (link padding); pi->tot_len says how much is the packet.  Returns
 * DP_DROP_NONE, DP_DROP_BAD_INNER (version not 4 or 6) or
 * DP_DROP_INNER_HEADER (header truncated or inconsistent, IP length
 * larger than len, IPv6 jumbogram).
 */
enum dp_drop	pkt_parse(const void *data, size_t len, struct pkt_info *pi);

/* Address length of pi's family: 4 or 16. */
static inline size_t
pkt_addr_len(const struct pkt_info *pi)
{
	return pi->version == 4 ? 4 : 16;
}

/*
 * Flow hash of the 5-tuple (version, protocol, addresses, ports), or of
 * the address pair and protocol when the packet is a fragment or carries
 * no ports, so that every fragment of one datagram hashes alike.
 * XXH3 (libxxhash XXH3_64bits_withSecret) under a random per-process
 * secret: stable for a flow for the life of the process, not computable
 * by a sender who would like to steer its flows onto one RLOC or port
 * (not a PRF, though: pkt.c and docs/DECISIONS.md give the trade-off).
 */
uint64_t	pkt_flow_hash(const struct pkt_info *pi);
/*
 * Set the hash key (tests and the replay harness): the secret becomes a
 * BLAKE2b expansion of key; else it is random.
 */
void		pkt_flow_hash_setkey(const uint8_t key[16]);

/*
 * Fast per-thread PRNG (xoshiro128**, seeded from getrandom(2) on first
 * use in each thread) for per-packet values that must look random but
 * need not be secret for long: LISP nonces, IPv4 IDs.
 */
static inline uint32_t	pkt_rand32(void);
/*
 * Seed the calling thread's pkt_rand32() state from seed (splitmix64):
 * the same seed gives the same sequence, for the replay harness and
 * tests.  Other threads keep their own states.
 */
void		pkt_rand_seed(uint64_t seed);

/*
 * pkt_rand32() is inline (two calls per encapsulated packet: nonce and
 * IPv4 ID); its state is pkt.c's, seeded there on first use.
 */
extern __thread uint32_t pkt_rng[4];
extern __thread int	 pkt_rng_seeded;
void		pkt_rng_seed(void);

/*
 * One xoshiro128** step on the state s: the next value.  pkt_rand32()
 * steps the thread's state in place, pkt_rand32_2() a copy of it held in
 * registers for its two steps.
 */
static inline __attribute__((always_inline)) uint32_t
pkt_rng_next(uint32_t s[4])
{
	uint32_t	 r = s[1] * 5, t = s[1] << 9;

	r = ((r << 7) | (r >> 25)) * 9;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 11) | (s[3] >> 21);
	return r;
}

static inline uint32_t
pkt_rand32(void)
{
	if (__builtin_expect(!pkt_rng_seeded, 0))
		pkt_rng_seed();
	return pkt_rng_next(pkt_rng);
}

/*
 * Two pkt_rand32() values, *a first: the same sequence as two calls,
 * with the state loaded, checked for a seed and stored once (the ITR
 * draws a nonce and an IPv4 ID per packet).
 */
static inline void
pkt_rand32_2(uint32_t *a, uint32_t *b)
{
	uint32_t	 s[4];

	if (__builtin_expect(!pkt_rng_seeded, 0))
		pkt_rng_seed();
	memcpy(s, pkt_rng, sizeof(s));
	*a = pkt_rng_next(s);
	*b = pkt_rng_next(s);
	memcpy(pkt_rng, s, sizeof(s));
}

/*
 * Rewrite TTL/hop limit and DSCP/ECN (traffic class) of the parsed IP
 * packet at pkt in place, updating pi and, for IPv4, the header
 * checksum incrementally (a wrong checksum stays wrong, as in a router).
 */
void		pkt_set_ttl_tos(struct pkt_info *pi, uint8_t *pkt, uint8_t ttl,
		    uint8_t tos);

/*
 * Act as a router hop: TTL/hop limit <= 1 gives DP_DROP_TTL_EXPIRED,
 * otherwise it is decremented in place.
 */
enum dp_drop	pkt_ttl_dec(struct pkt_info *pi, uint8_t *pkt);

/*
 * RFC 1624 incremental update of a 16-bit one's complement checksum
 * after a 16-bit word of the covered data changed from old to new.
 */
uint16_t	pkt_cksum_adjust(uint16_t cksum, uint16_t old, uint16_t new);

#endif /* PKT_H */
