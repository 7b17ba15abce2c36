/* SPDX-License-Identifier: ISC */
/*
 * ITR encapsulation (RFC 9300 section 5), pure and I/O-free.
 *
 *     outer IPv4 (20) or IPv6 (40), no options / extension headers
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |       Source Port = hash      |         Dest Port = 4341      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           UDP Length          |        UDP Checksum = 0       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |N|L|E|V|I|R|K|K|            Nonce (24 bits)                    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Instance ID (24 bits)                  |     LSBs      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                 inner IPv4 or IPv6 packet ...                 |
 *
 * Buffers: the caller captures the inner packet ENCAP_HEADROOM bytes into
 * its buffer and encap_packet() writes the outer headers in front of it,
 * so the inner bytes are never copied.  Only the second fragment of
 * encap_fragment() is copied, into a second caller buffer.
 *
 * The outer header copies the inner TTL/hop limit and DSCP, and the ECN
 * field in RFC 6040 normal mode (ENCAP_F_ECN_COMPAT: Not-ECT).  IPv4
 * outer has DF set and a random ID (RFC 6864: the ID of an atomic
 * datagram carries nothing).  The UDP source port is 49152 + (flow hash
 * mod 16384), stable per flow; IPv6 outer headers carry 20 bits of the
 * flow hash as flow label (RFC 6438).  The UDP checksum is sent as 0
 * for both families (RFC 9300 section 5.3; RFC 6935/6936 for IPv6):
 * an ETR on Linux must set UDP_NO_CHECK6_RX on its IPv6 4341 socket or
 * the kernel drops these datagrams.  ENCAP_F_UDP_CSUM computes it.
 *
 * The inner packet is never changed (except by encap_fragment(), which
 * rewrites the inner IPv4 header of each piece).  The ITR does not
 * decrement the inner TTL: it captures on the sister interface what
 * the kernel has already forwarded (and decremented).  A deployment
 * that captures hosts' packets before any forwarding calls
 * pkt_ttl_dec() first.  An inner TTL of 0 is dropped (ttl-expired).
 *
 * Too big (inner + overhead > path MTU): encap_packet() returns
 * DP_DROP_TOO_BIG without writing.  Then, per RFC 9300 section 7.1:
 * encap_fragment() splits an inner IPv4 packet with DF=0 into two inner
 * fragments and encapsulates each; for DF=1 or IPv6 it also returns
 * DP_DROP_TOO_BIG and encap_icmp_too_big() builds the ICMP error that
 * the daemon rate-limits and sends to the inner source.
 */
#ifndef ENCAP_H
#define ENCAP_H

#include <stddef.h>
#include <stdint.h>

#include "dp_stats.h"
#include "pkt.h"

struct lcrypto_key;
struct pkt_info;

#define ENCAP_OVERHEAD4		36	/* IPv4 20 + UDP 8 + LISP 8 */
#define ENCAP_OVERHEAD6		56	/* IPv6 40 + UDP 8 + LISP 8 */
/* Room in front of the inner packet: the largest overhead, with space
 * left for a LISP-crypto IV, rounded up to keep the inner aligned. */
#define ENCAP_HEADROOM		128
/* Room after it for LISP-crypto padding (15), GCM tag (16), ICV (20). */
#define ENCAP_TAILROOM		64
#define ENCAP_MTU_DEFAULT	1500
#define ENCAP_SPORT_BASE	49152
#define ENCAP_SPORT_RANGE	16384

/* encap_params.flags */
#define ENCAP_F_LSB		0x01	/* set L and send lsb */
#define ENCAP_F_UDP_CSUM	0x02	/* compute the outer UDP checksum */
#define ENCAP_F_ECN_COMPAT	0x04	/* RFC 6040 compatibility mode */

struct encap_params {
	int		 af;		/* outer: AF_INET or AF_INET6 */
	uint8_t		 src[16];	/* outer source RLOC */
	uint8_t		 dst[16];	/* outer destination RLOC */
	uint16_t	 dport;		/* RLOC port; 0 = 4341 */
	uint16_t	 mtu;		/* path MTU; 0 = 1500 */
	uint32_t	 iid;		/* 24 bits */
	uint8_t		 lsb;		/* with ENCAP_F_LSB */
	uint8_t		 flags;		/* ENCAP_F_* */
	uint16_t	 sport;		/* UDP source port; 0 = flow hash */
	/*
	 * LISP-crypto (lcrypto.h): when ckey is set the payload after the
	 * LISP header is encrypted in place with slot cslot of ckey, KK =
	 * its key-id; ctail = bytes writable after the inner packet (at
	 * least ENCAP_TAILROOM is always enough).  The MTU checks, the
	 * fragment sizes and the too-big MTU include the crypto growth.
	 */
	struct lcrypto_key *ckey;
	unsigned int	 cslot;
	size_t		 ctail;
};

struct encap_pkt {
	uint8_t		*data;		/* first byte of the outer header */
	size_t		 len;
};

/* Outer overhead (IP + UDP + LISP) for af. */
size_t		encap_overhead(int af);
/*
 * Bytes LISP-crypto adds to an inner packet of len bytes with ep's key
 * (IV, padding, tag, ICV); 0 without a key.
 */
size_t		encap_crypto_growth(const struct encap_params *ep, size_t len);
/* UDP source port for a flow hash: 49152 + hash % 16384. */
uint16_t	encap_sport(uint64_t flow_hash);
/* A fresh 24-bit nonce from the per-thread PRNG (inline: one a packet). */
static inline uint32_t
encap_nonce(void)
{
	return pkt_rand32() & 0xFFFFFF;
}

/*
 * Encapsulate the inner packet parsed into pi (pi->tot_len bytes at
 * inner; link padding beyond it is left out).  headroom = writable bytes
 * in front of inner.  On DP_DROP_NONE, out describes the outer packet
 * (it starts inside the headroom).  Other results: DP_DROP_TTL_EXPIRED,
 * DP_DROP_TOO_BIG, DP_DROP_NO_BUFFER (headroom too small).
 */
enum dp_drop	encap_packet(const struct encap_params *ep,
		    const struct pkt_info *pi, uint64_t flow_hash,
		    uint32_t nonce, uint8_t *inner, size_t headroom,
		    struct encap_pkt *out);

/*
 * RFC 9300 section 7.1 stateless fragmentation for an inner IPv4 packet
 * with DF=0 that encap_packet() found too big: the inner packet is split
 * into two fragments of (nearly) equal size, each encapsulated.  The
 * first is built in place (as encap_packet()), the second in buf2
 * (cap2 >= ENCAP_HEADROOM + pi->tot_len / 2 + 68 is enough).
 * out[0] and out[1] receive the two packets, sent in that order.
 * Returns DP_DROP_TOO_BIG when the packet may not be fragmented (DF=1,
 * IPv6) or two fragments still do not fit, DP_DROP_NO_BUFFER, or
 * DP_DROP_TTL_EXPIRED.  nonce[i] goes into fragment i.
 */
enum dp_drop	encap_fragment(const struct encap_params *ep,
		    const struct pkt_info *pi, uint64_t flow_hash,
		    const uint32_t nonce[2], uint8_t *inner, size_t headroom,
		    uint8_t *buf2, size_t cap2, struct encap_pkt out[2]);

/*
 * Build into out (cap bytes) the ICMPv4 Fragmentation Needed (type 3
 * code 4) or ICMPv6 Packet Too Big (type 2) error for the too-big inner
 * packet (pi, inner), from src (an address of ours, the inner family)
 * to the inner source.  The reported MTU is ep's path MTU minus the
 * encapsulation overhead (at least 68 for IPv4, 1280 for IPv6).  The
 * error quotes as much of the inner packet as fits in 576 (IPv4) or
 * 1280 (IPv6) bytes.  Returns its length, or 0 when no error may be
 * sent (RFC 1812 4.3.2.7, RFC 4443 2.4: the inner packet is an ICMP
 * error or a non-first fragment, its source is unspecified, multicast
 * or broadcast) or cap is too small.
 */
size_t		encap_icmp_too_big(const struct encap_params *ep,
		    const struct pkt_info *pi, const uint8_t *inner,
		    const uint8_t *src, uint8_t *out, size_t cap);

/* The MTU encap_icmp_too_big() reports for inner family version 4/6. */
uint16_t	encap_inner_mtu(const struct encap_params *ep, int version);

#endif /* ENCAP_H */
