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

#include <sys/socket.h>

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "dp_stats.h"
#include "lisp_data.h"
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
static inline uint16_t
encap_sport(uint64_t flow_hash)
{
	return (uint16_t)(ENCAP_SPORT_BASE + flow_hash % ENCAP_SPORT_RANGE);
}
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

static inline void
encap_put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

/*
 * The outer IP and UDP headers (RFC 9300 section 5.3) into p, which has
 * room for them (the caller reserved it through a wbuf): IPv4 with DF
 * and the header checksum, or IPv6 with a flow label from the flow hash;
 * UDP with checksum 0 (a caller that wants one fills it in afterwards).
 * udplen is the UDP length (the IP payload: the IPv4 total length is 20
 * bytes more).  Returns
 * the UDP header.  The one writer of these headers for encap_packet()
 * and encap_plain(); each word is stored straight into p: built in a
 * local array and copied, the words were read back by wider loads than
 * they were written with, which the store buffer cannot forward (a
 * stall of about a sixth of the ITR's own samples with 1M prefixes).
 */
static inline __attribute__((always_inline)) uint8_t *
encap_put_ipudp(uint8_t *p, int af, const uint8_t *src, const uint8_t *dst,
    uint8_t tos, uint8_t ttl, uint32_t udplen, uint16_t id,
    uint16_t sport, uint16_t dport, uint64_t flow_hash)
{
	uint64_t	 sum64;
	uint32_t	 sum, w0, w1, w2, s4, d4, fl;
	uint8_t		*u;

	if (af == AF_INET6) {
		/* RFC 6438: a flow label from the flow hash, never 0. */
		fl = (uint32_t)(flow_hash >> 20) & 0xFFFFF;
		if (fl == 0)
			fl = 1;
		encap_put32(p, (uint32_t)6 << 28 | (uint32_t)tos << 20 | fl);
		encap_put32(p + 4, udplen << 16 | (uint32_t)17 << 8 | ttl);
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		u = p + PKT_IP6_HDR_LEN;
	} else {
		memcpy(&s4, src, 4);
		memcpy(&d4, dst, 4);
		w0 = 0x45000000 | (uint32_t)tos << 16 |
		    (udplen + PKT_IP4_HDR_LEN);
		w1 = (uint32_t)id << 16 | 0x4000;		/* DF */
		w2 = (uint32_t)ttl << 24 | (uint32_t)17 << 16;
		/*
		 * The header checksum from the words written, not by reading
		 * the 20 bytes back: the RFC 1071 sum of the five words (the
		 * checksum field is 0), carries folded.
		 */
		sum64 = (uint64_t)w0 + w1 + w2 + be32toh(s4) + be32toh(d4);
		sum = (uint32_t)(sum64 & 0xFFFF) + (uint32_t)(sum64 >> 16 &
		    0xFFFF) + (uint32_t)(sum64 >> 32);
		sum = (sum & 0xFFFF) + (sum >> 16);
		sum += sum >> 16;
		encap_put32(p, w0);
		encap_put32(p + 4, w1);
		encap_put32(p + 8, w2 | (uint16_t)~sum);
		memcpy(p + 12, &s4, 4);
		memcpy(p + 16, &d4, 4);
		u = p + PKT_IP4_HDR_LEN;
	}
	encap_put32(u, (uint32_t)sport << 16 | dport);
	encap_put32(u + 4, udplen << 16);		/* checksum 0 */
	return u;
}

/*
 * encap_packet() in the ITR's common case, inlined into its caller: no
 * LISP-crypto, no ENCAP_F_* flag, the UDP source port from the flow
 * hash; the outer source src and destination dst (4 or 16 bytes by af),
 * RLOC port dport (0: 4341), instance-id iid.  The caller has checked
 * what encap_packet() checks first and would refuse otherwise: pi->ttl
 * is not 0 and pi->tot_len + encap_overhead(af) fits the path MTU (at
 * most 65535); ENCAP_HEADROOM bytes in front of inner are writable.
 * nonce and id (the outer IPv4 ID; unused for IPv6) are the values
 * encap_packet() would draw, in that order.  Writes the same bytes as
 * encap_packet() would and returns the outer packet's first byte;
 * *len is its length (NULL, never in practice, if the header room were
 * not there).
 *
 * Why apart: encap_packet() takes its parameters in a struct that the
 * caller fills and it reads back, and is a call with eight arguments;
 * for a 64-byte packet that was a fifth of the ITR's instructions.
 */
static inline __attribute__((always_inline)) uint8_t *
encap_plain(int af, const uint8_t *src, const uint8_t *dst, uint16_t dport,
    uint32_t iid, const struct pkt_info *pi, uint64_t flow_hash,
    uint32_t nonce, uint32_t id, uint8_t *inner, size_t *len)
{
	struct wbuf	 wb;
	size_t		 ovh = af == AF_INET6 ? ENCAP_OVERHEAD6 : ENCAP_OVERHEAD4;
	uint8_t		*p, *u;

	wbuf_init(&wb, inner - ovh, ovh);
	if ((p = wbuf_reserve(&wb, ovh)) == NULL)
		return NULL;
	u = encap_put_ipudp(p, af, src, dst, pi->tos, pi->ttl,
	    pi->tot_len + 8 + LISP_DATA_HDR_LEN,
	    (uint16_t)id, encap_sport(flow_hash),
	    dport != 0 ? dport : LISP_DATA_PORT, flow_hash);
	/* RFC 9300 5.3: N and I, the nonce; the instance-id. */
	encap_put32(u + 8, (uint32_t)(LISP_DATA_N | LISP_DATA_I) << 24 |
	    (nonce & 0xFFFFFF));
	encap_put32(u + 12, (iid & LISP_IID_MAX) << 8);
	*len = pi->tot_len + ovh;
	return p;
}

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
