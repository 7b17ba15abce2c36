/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <netinet/in.h>

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "encap.h"
#include "lcrypto.h"
#include "lisp_data.h"
#include "lisp_net.h"
#include "pkt.h"

#define IPPROTO_ICMP_		1
#define IPPROTO_ICMPV6_		58

#define ICMP4_UNREACH		3
#define ICMP4_NEEDFRAG		4
#define ICMP6_PACKET_TOO_BIG	2

#define ICMP4_ERR_MAXLEN	576	/* RFC 1812 4.3.2.3 */
#define ICMP6_ERR_MAXLEN	1280	/* RFC 4443 2.4 (c) */
#define IP4_MIN_MTU		68
#define IP6_MIN_MTU		1280

size_t
encap_overhead(int af)
{
	return af == AF_INET6 ? ENCAP_OVERHEAD6 : ENCAP_OVERHEAD4;
}

static size_t
encap_mtu(const struct encap_params *ep)
{
	return ep->mtu != 0 ? ep->mtu : ENCAP_MTU_DEFAULT;
}

size_t
encap_crypto_growth(const struct encap_params *ep, size_t len)
{
	if (ep->ckey == NULL)
		return 0;
	return lcrypto_encap_len(ep->ckey, len) - LISP_DATA_HDR_LEN - len;
}

/* Worst-case crypto growth (15 bytes of padding). */
static size_t
encap_crypto_max(const struct encap_params *ep)
{
	if (ep->ckey == NULL)
		return 0;
	return lcrypto_overhead(ep->ckey) - LISP_DATA_HDR_LEN;
}

/*
 * Write the outer IP, UDP and LISP headers in front of inner[0..len).
 * tos and ttl are the inner values (after any rewrite); key is
 * ep->ckey, passed apart so that a caller that has seen it NULL gets a
 * copy without the crypto branches.  Always
 * inlined into encap_packet(), the per-packet path (its nine arguments
 * and prologue were ≈ 30 instructions a packet); the fragment path calls
 * the out-of-line encap_outer_frag() below.
 */
static inline __attribute__((always_inline)) enum dp_drop
encap_outer(const struct encap_params *ep, struct lcrypto_key *key,
    uint64_t flow_hash, uint32_t nonce, uint8_t tos, uint8_t ttl,
    uint8_t *inner, size_t len, size_t headroom, struct encap_pkt *out)
{
	struct lisp_data_hdr	 h;
	struct wbuf		 wb;
	struct in6_addr		 s6, d6;
	struct in_addr		 s4, d4;
	uint8_t			 hdr[LISP_DATA_HDR_LEN];
	uint8_t			*p, *u;
	size_t			 ovh = encap_overhead(ep->af), iplen, grow;
	uint32_t		 w0, w1;
	uint16_t		 udplen, ck;
	int			 n;

	if (ttl == 0)
		return DP_DROP_TTL_EXPIRED;
	grow = key != NULL ?
	    lcrypto_encap_len(key, len) - LISP_DATA_HDR_LEN - len : 0;
	if (headroom < ovh + (key != NULL ?
	    lcrypto_prefix_len(key) - LISP_DATA_HDR_LEN : 0))
		return DP_DROP_NO_BUFFER;
	/* Both the IPv4 total length and the UDP length are 16 bits. */
	if (len + ovh + grow > 0xFFFF)
		return DP_DROP_TOO_BIG;
	iplen = len + ovh + grow;
	udplen = (uint16_t)(len + grow + 8 + LISP_DATA_HDR_LEN);
	if (ep->flags & ENCAP_F_ECN_COMPAT)
		tos &= 0xFC;

	if (key != NULL) {
		memset(&h, 0, sizeof(h));
		h.flags = LISP_DATA_N | LISP_DATA_I;
		h.nonce = nonce & 0xFFFFFF;
		h.iid = ep->iid & LISP_IID_MAX;
		if (ep->flags & ENCAP_F_LSB) {
			h.flags |= LISP_DATA_L;
			h.lsb = ep->lsb;
		}
		/*
		 * LISP header, IV and ciphertext replace the inner packet
		 * in place (lcrypto_encrypt: in = out + prefix); the outer
		 * IP and UDP headers then go in front of the LISP header.
		 */
		h.flags |= lcrypto_key_id(key) & LISP_DATA_KK;
		wbuf_init(&wb, hdr, sizeof(hdr));
		lisp_data_hdr_encode(&wb, &h);
		if (wbuf_failed(&wb))
			return DP_DROP_NO_BUFFER;
		n = lcrypto_encrypt(key, ep->cslot, hdr, inner, len,
		    inner - lcrypto_prefix_len(key),
		    lcrypto_prefix_len(key) + len + ep->ctail);
		if (n == -LCRYPTO_E_SPACE)
			return DP_DROP_NO_BUFFER;
		if (n < 0 || (size_t)n != LISP_DATA_HDR_LEN + len + grow)
			return DP_DROP_ENCRYPT;
		ovh -= LISP_DATA_HDR_LEN;
		inner -= lcrypto_prefix_len(key);
		len = (size_t)n;
	}

	p = inner - ovh;
	wbuf_init(&wb, p, ovh);
	if (wbuf_reserve(&wb, ovh) == NULL)
		return DP_DROP_NO_BUFFER;
	u = encap_put_ipudp(p, ep->af, ep->src, ep->dst, tos, ttl,
	    udplen, ep->af == AF_INET6 ? 0 :
	    (uint16_t)pkt_rand32(), ep->sport != 0 ? ep->sport :
	    encap_sport(flow_hash), ep->dport != 0 ? ep->dport :
	    LISP_DATA_PORT, flow_hash);
	if (key == NULL) {
		/* RFC 9300 5.3: N and I, the nonce; the IID and the LSBs. */
		w0 = (uint32_t)(LISP_DATA_N | LISP_DATA_I) << 24 |
		    (nonce & 0xFFFFFF);
		w1 = (ep->iid & LISP_IID_MAX) << 8;
		if (ep->flags & ENCAP_F_LSB) {
			w0 |= (uint32_t)LISP_DATA_L << 24;
			w1 |= ep->lsb;
		}
		encap_put32(u + 8, w0);
		encap_put32(u + 12, w1);
	}

	if (ep->flags & ENCAP_F_UDP_CSUM) {
		if (ep->af == AF_INET6) {
			memcpy(&s6, ep->src, 16);
			memcpy(&d6, ep->dst, 16);
			ck = lisp_net_udp6_cksum(&s6, &d6,
			    p + PKT_IP6_HDR_LEN, udplen);
		} else {
			memcpy(&s4, ep->src, 4);
			memcpy(&d4, ep->dst, 4);
			ck = lisp_net_udp4_cksum(s4, d4,
			    p + PKT_IP4_HDR_LEN, udplen);
		}
		wbuf_set_u16(&wb, (ep->af == AF_INET6 ? PKT_IP6_HDR_LEN :
		    PKT_IP4_HDR_LEN) + 6, ck);
	}
	out->data = p;
	out->len = iplen;
	return DP_DROP_NONE;
}

static __attribute__((noinline)) enum dp_drop
encap_outer_frag(const struct encap_params *ep, uint64_t flow_hash,
    uint32_t nonce, uint8_t tos, uint8_t ttl, uint8_t *inner, size_t len,
    size_t headroom, struct encap_pkt *out)
{
	return encap_outer(ep, ep->ckey, flow_hash, nonce, tos, ttl, inner,
	    len, headroom, out);
}

enum dp_drop
encap_packet(const struct encap_params *ep, const struct pkt_info *pi,
    uint64_t flow_hash, uint32_t nonce, uint8_t *inner, size_t headroom,
    struct encap_pkt *out)
{
	if (pi->ttl == 0)
		return DP_DROP_TTL_EXPIRED;
	/*
	 * Without LISP-crypto (the common case) the inlined encap_outer()
	 * is compiled with a NULL key: none of its crypto tests remain.
	 */
	if (ep->ckey == NULL) {
		if (pi->tot_len + encap_overhead(ep->af) > encap_mtu(ep))
			return DP_DROP_TOO_BIG;
		return encap_outer(ep, NULL, flow_hash, nonce, pi->tos,
		    pi->ttl, inner, pi->tot_len, headroom, out);
	}
	if (pi->tot_len + encap_overhead(ep->af) +
	    encap_crypto_growth(ep, pi->tot_len) > encap_mtu(ep))
		return DP_DROP_TOO_BIG;
	return encap_outer(ep, ep->ckey, flow_hash, nonce, pi->tos, pi->ttl,
	    inner, pi->tot_len, headroom, out);
}

/*
 * The IPv4 options a non-first fragment carries: those with the copied
 * flag (RFC 791), padded to a 4-byte boundary with End of Option List.
 * Returns the new header length.  Option bytes are known to lie inside
 * the header, which pkt_parse() checked.
 */
static size_t
encap_frag_opts(const uint8_t *hdr, size_t ihl, struct wbuf *wb)
{
	struct rbuf	 rb;
	uint8_t		 type, olen;
	size_t		 start = wbuf_len(wb);

	rbuf_init(&rb, hdr + PKT_IP4_HDR_LEN, ihl - PKT_IP4_HDR_LEN);
	while (rbuf_get_u8(&rb, &type) == 0) {
		if (type == 0)			/* End of Option List */
			break;
		if (type == 1)			/* No Operation */
			continue;
		/* A malformed option ends the walk; nothing more is copied. */
		if (rbuf_get_u8(&rb, &olen) == -1 || olen < 2 ||
		    (size_t)olen - 2 > rbuf_left(&rb))
			break;
		if (type & 0x80) {
			wbuf_put_u8(wb, type);
			wbuf_put_u8(wb, olen);
			wbuf_put_bytes(wb, rbuf_ptr(&rb), (size_t)olen - 2);
		}
		(void)rbuf_skip(&rb, (size_t)olen - 2);
	}
	while ((wbuf_len(wb) - start) % 4 != 0)
		wbuf_put_u8(wb, 0);
	return PKT_IP4_HDR_LEN + wbuf_len(wb) - start;
}

/* Rewrite length, flags/offset and checksum of an inner IPv4 header. */
static void
encap_frag_hdr(uint8_t *hdr, size_t ihl, uint16_t totlen, uint16_t fragw)
{
	struct wbuf	 wb;

	wbuf_init(&wb, hdr, ihl);
	wbuf_put_u8(&wb, (uint8_t)(0x40 | ihl / 4));
	(void)wbuf_reserve(&wb, 1);		/* DSCP/ECN kept */
	wbuf_put_u16(&wb, totlen);
	(void)wbuf_reserve(&wb, 2);		/* ID kept */
	wbuf_put_u16(&wb, fragw);
	(void)wbuf_reserve(&wb, 2);		/* TTL, protocol kept */
	wbuf_put_u16(&wb, 0);
	wbuf_set_u16(&wb, PKT_IP4_OFF_CKSUM, lisp_net_cksum(hdr, ihl));
}

enum dp_drop
encap_fragment(const struct encap_params *ep, const struct pkt_info *pi,
    uint64_t flow_hash, const uint32_t nonce[2], uint8_t *inner,
    size_t headroom, uint8_t *buf2, size_t cap2, struct encap_pkt out[2])
{
	struct encap_params ep2;
	struct wbuf	 wb;
	enum dp_drop	 r;
	uint8_t		*f2;
	size_t		 ovh = encap_overhead(ep->af), maxin, ihl, ihl2;
	size_t		 pay, f1, f2len;
	uint16_t	 mf;

	if (pi->version != 4 || pi->flags & PKT_F_DF)
		return DP_DROP_TOO_BIG;
	if (pi->ttl == 0)
		return DP_DROP_TTL_EXPIRED;
	if (encap_mtu(ep) <= ovh + encap_crypto_max(ep))
		return DP_DROP_TOO_BIG;
	maxin = encap_mtu(ep) - ovh - encap_crypto_max(ep);
	ihl = pi->hdr_len;
	pay = pi->tot_len - ihl;
	/* Two pieces; the first carries a multiple of 8 payload bytes. */
	f1 = ((pay + 1) / 2 + 7) & ~(size_t)7;
	if (f1 >= pay || ihl + f1 > maxin)
		return DP_DROP_TOO_BIG;
	f2len = pay - f1;
	if (headroom < ovh || cap2 < ENCAP_HEADROOM + ihl + f2len +
	    (ep->ckey != NULL ? ENCAP_TAILROOM : 0))
		return DP_DROP_NO_BUFFER;

	/* Second fragment first, while the inner packet is still whole. */
	f2 = buf2 + ENCAP_HEADROOM;
	wbuf_init(&wb, f2, cap2 - ENCAP_HEADROOM);
	wbuf_put_bytes(&wb, inner, PKT_IP4_HDR_LEN);
	ihl2 = encap_frag_opts(inner, ihl, &wb);
	if (ihl2 + f2len > maxin)
		return DP_DROP_TOO_BIG;
	wbuf_put_bytes(&wb, inner + ihl + f1, f2len);
	if (wbuf_failed(&wb))
		return DP_DROP_NO_BUFFER;
	/* The last piece keeps the original MF: the packet may be a
	 * fragment already. */
	mf = pi->flags & PKT_F_MF ? 0x2000 : 0;
	encap_frag_hdr(f2, ihl2, (uint16_t)(ihl2 + f2len),
	    (uint16_t)(mf | (pi->frag_off + f1 / 8)));
	ep2 = *ep;
	ep2.ctail = cap2 - ENCAP_HEADROOM - ihl2 - f2len;
	r = encap_outer_frag(&ep2, flow_hash, nonce[1], pi->tos, pi->ttl, f2,
	    ihl2 + f2len, ENCAP_HEADROOM, &out[1]);
	if (r != DP_DROP_NONE)
		return r;

	encap_frag_hdr(inner, ihl, (uint16_t)(ihl + f1),
	    (uint16_t)(0x2000 | pi->frag_off));
	/* In place, the rest of the inner packet (copied) is tail room. */
	ep2 = *ep;
	ep2.ctail = ep->ctail + (pi->tot_len - ihl - f1);
	return encap_outer_frag(&ep2, flow_hash, nonce[0], pi->tos, pi->ttl,
	    inner, ihl + f1, headroom, &out[0]);
}

uint16_t
encap_inner_mtu(const struct encap_params *ep, int version)
{
	size_t	 ovh = encap_overhead(ep->af), mtu = encap_mtu(ep);
	size_t	 min = version == 4 ? IP4_MIN_MTU : IP6_MIN_MTU;

	mtu = mtu > ovh ? mtu - ovh : 0;
	/*
	 * With LISP-crypto the largest inner packet that fits is the room
	 * left after IV, tag and ICV, cut to a multiple of the block when
	 * the plaintext is padded to one (lcrypto_max_inner).
	 */
	if (ep->ckey != NULL)
		mtu = lcrypto_max_inner(ep->ckey, mtu);
	return (uint16_t)(mtu < min ? min : mtu);
}

/* May an ICMP error be sent about this packet? */
static int
encap_icmp_allowed(const struct pkt_info *pi)
{
	static const uint8_t	 zero[16];

	if (pi->frag_off != 0)
		return 0;
	if (pi->version == 4) {
		/* Unspecified, limited broadcast, multicast, class E. */
		if (memcmp(pi->src, zero, 4) == 0 || pi->src[0] >= 224)
			return 0;
		if (pi->dst[0] >= 224)
			return 0;
		if (pi->proto == IPPROTO_ICMP_ &&
		    (!(pi->flags & PKT_F_ICMP) || pi->icmp_type == 3 ||
		    pi->icmp_type == 4 || pi->icmp_type == 5 ||
		    pi->icmp_type == 11 || pi->icmp_type == 12))
			return 0;
	} else {
		if (memcmp(pi->src, zero, 16) == 0 || pi->src[0] == 0xFF)
			return 0;
		/* RFC 4443 2.4 (e.2): Packet Too Big may answer multicast. */
		if (pi->proto == IPPROTO_ICMPV6_ &&
		    (!(pi->flags & PKT_F_ICMP) || pi->icmp_type < 128))
			return 0;
	}
	return 1;
}

size_t
encap_icmp_too_big(const struct encap_params *ep, const struct pkt_info *pi,
    const uint8_t *inner, const uint8_t *src, uint8_t *out, size_t cap)
{
	struct wbuf	 wb;
	uint8_t		 ph[40];
	size_t		 quote, hl, len;
	uint32_t	 sum;
	uint16_t	 mtu = encap_inner_mtu(ep, pi->version);

	if (!encap_icmp_allowed(pi))
		return 0;
	if (pi->version == 4) {
		hl = PKT_IP4_HDR_LEN + 8;
		quote = ICMP4_ERR_MAXLEN - hl;
	} else {
		hl = PKT_IP6_HDR_LEN + 8;
		quote = ICMP6_ERR_MAXLEN - hl;
	}
	if (quote > pi->tot_len)
		quote = pi->tot_len;
	len = hl + quote;
	if (cap < len)
		return 0;

	wbuf_init(&wb, out, len);
	if (pi->version == 4) {
		wbuf_put_u8(&wb, 0x45);
		wbuf_put_u8(&wb, 0xC0);		/* internetwork control */
		wbuf_put_u16(&wb, (uint16_t)len);
		wbuf_put_u16(&wb, (uint16_t)pkt_rand32());
		wbuf_put_u16(&wb, 0);
		wbuf_put_u8(&wb, 64);
		wbuf_put_u8(&wb, IPPROTO_ICMP_);
		wbuf_put_u16(&wb, 0);
		wbuf_put_bytes(&wb, src, 4);
		wbuf_put_bytes(&wb, pi->src, 4);
		wbuf_put_u8(&wb, ICMP4_UNREACH);
		wbuf_put_u8(&wb, ICMP4_NEEDFRAG);
		wbuf_put_u16(&wb, 0);
		wbuf_put_u16(&wb, 0);		/* unused */
		wbuf_put_u16(&wb, mtu);		/* RFC 1191 next-hop MTU */
	} else {
		wbuf_put_u32(&wb, (uint32_t)6 << 28);
		wbuf_put_u16(&wb, (uint16_t)(len - PKT_IP6_HDR_LEN));
		wbuf_put_u8(&wb, IPPROTO_ICMPV6_);
		wbuf_put_u8(&wb, 64);
		wbuf_put_bytes(&wb, src, 16);
		wbuf_put_bytes(&wb, pi->src, 16);
		wbuf_put_u8(&wb, ICMP6_PACKET_TOO_BIG);
		wbuf_put_u8(&wb, 0);
		wbuf_put_u16(&wb, 0);
		wbuf_put_u32(&wb, mtu);
	}
	wbuf_put_bytes(&wb, inner, quote);
	if (wbuf_failed(&wb))
		return 0;

	if (pi->version == 4) {
		wbuf_set_u16(&wb, PKT_IP4_OFF_CKSUM,
		    lisp_net_cksum(out, PKT_IP4_HDR_LEN));
		wbuf_set_u16(&wb, PKT_IP4_HDR_LEN + 2,
		    lisp_net_cksum(out + PKT_IP4_HDR_LEN,
		    len - PKT_IP4_HDR_LEN));
	} else {
		/* RFC 4443 2.3: the IPv6 pseudo-header, next header 58. */
		memcpy(ph, src, 16);
		memcpy(ph + 16, pi->src, 16);
		ph[32] = 0;
		ph[33] = 0;
		ph[34] = (uint8_t)((len - PKT_IP6_HDR_LEN) >> 8);
		ph[35] = (uint8_t)(len - PKT_IP6_HDR_LEN);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = IPPROTO_ICMPV6_;
		sum = lisp_net_cksum_add(0, ph, sizeof(ph));
		sum = lisp_net_cksum_add(sum, out + PKT_IP6_HDR_LEN,
		    len - PKT_IP6_HDR_LEN);
		wbuf_set_u16(&wb, PKT_IP6_HDR_LEN + 2,
		    lisp_net_cksum_fold(sum));
	}
	return len;
}
