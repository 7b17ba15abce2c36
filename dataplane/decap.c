/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "dbmap.h"
#include "decap.h"
#include "lisp_data.h"
#include "lisp_net.h"
#include "pkt.h"

#define IPPROTO_UDP_	17

/* ECN codepoints (RFC 3168). */
#define ECN_NOT_ECT	0
#define ECN_ECT1	1
#define ECN_ECT0	2
#define ECN_CE		3

/*
 * RFC 6040 Figure 4, indexed [inner][outer] by codepoint, as restated
 * in wire-formats.md 2.4; `unexpected` marks the cells the RFC says
 * should not occur.
 */
static const struct {
	int8_t	 out;
	uint8_t	 unexpected;
} decap_ecn_tab[4][4] = {
	[ECN_NOT_ECT] = {
		[ECN_NOT_ECT] =	{ ECN_NOT_ECT, 0 },
		[ECN_ECT1] =	{ ECN_NOT_ECT, 1 },
		[ECN_ECT0] =	{ ECN_NOT_ECT, 1 },
		[ECN_CE] =	{ DECAP_ECN_DROP, 0 },
	},
	[ECN_ECT1] = {
		[ECN_NOT_ECT] =	{ ECN_ECT1, 0 },
		[ECN_ECT1] =	{ ECN_ECT1, 0 },
		[ECN_ECT0] =	{ ECN_ECT1, 0 },
		[ECN_CE] =	{ ECN_CE, 0 },
	},
	[ECN_ECT0] = {
		[ECN_NOT_ECT] =	{ ECN_ECT0, 0 },
		[ECN_ECT1] =	{ ECN_ECT1, 0 },
		[ECN_ECT0] =	{ ECN_ECT0, 0 },
		[ECN_CE] =	{ ECN_CE, 0 },
	},
	[ECN_CE] = {
		[ECN_NOT_ECT] =	{ ECN_CE, 0 },
		[ECN_ECT1] =	{ ECN_CE, 1 },
		[ECN_ECT0] =	{ ECN_CE, 0 },
		[ECN_CE] =	{ ECN_CE, 0 },
	},
};

int
decap_ecn(uint8_t inner, uint8_t outer, int *unexpected)
{
	*unexpected = decap_ecn_tab[inner & 3][outer & 3].unexpected;
	return decap_ecn_tab[inner & 3][outer & 3].out;
}

enum dp_drop
decap_packet(uint8_t *payload, size_t len, const struct decap_outer *outer,
    unsigned int flags, const struct dbmap *db, struct decap_result *res)
{
	struct rbuf	 rb;
	enum dp_drop	 r;
	uint8_t		 want = 0, ttl, tos;
	int		 ecn;

	memset(res, 0, sizeof(*res));
	rbuf_init(&rb, payload, len);
	if (lisp_data_hdr_decode(&rb, &res->hdr) == -1)
		return DP_DROP_BAD_HEADER;
	if (res->hdr.flags & LISP_DATA_I && res->hdr.iid == LISP_IID_CONTROL)
		return DP_DROP_CONTROL_IID;
	if (res->hdr.flags & LISP_DATA_KK)
		return DP_DROP_NO_DECRYPT_KEY;
	/*
	 * RFC 9305 GPE only when N, E and V are clear (its rule); with any
	 * of them set the bit is RFC 9300's reserved R and is ignored.
	 */
	if ((res->hdr.flags & (LISP_DATA_P | LISP_DATA_N | LISP_DATA_E |
	    LISP_DATA_V)) == LISP_DATA_P) {
		if (res->hdr.next_proto == LISP_GPE_IPV4)
			want = 4;
		else if (res->hdr.next_proto == LISP_GPE_IPV6)
			want = 6;
		else
			return DP_DROP_BAD_INNER;
	}

	res->inner = payload + rbuf_offset(&rb);
	r = pkt_parse(res->inner, rbuf_left(&rb), &res->pi);
	if (r != DP_DROP_NONE)
		return r;
	if (want != 0 && res->pi.version != want)
		return DP_DROP_BAD_INNER;
	res->inner_len = res->pi.tot_len;

	if (db != NULL && !dbmap_match(db, res->hdr.iid,
	    res->pi.version == 4 ? AF_INET : AF_INET6, res->pi.dst))
		return DP_DROP_NOT_LOCAL_EID;

	ttl = res->pi.ttl < outer->ttl ? res->pi.ttl : outer->ttl;
	if (ttl == 0)
		return DP_DROP_TTL_EXPIRED;
	ecn = decap_ecn(res->pi.tos & 3, outer->tos & 3, &res->ecn_unexpected);
	if (ecn == DECAP_ECN_DROP)
		return DP_DROP_ECN;
	if (flags & DECAP_F_KEEP_DSCP)
		tos = (uint8_t)((res->pi.tos & 0xFC) | ecn);
	else
		tos = (uint8_t)((outer->tos & 0xFC) | ecn);
	if (ttl != res->pi.ttl || tos != res->pi.tos)
		pkt_set_ttl_tos(&res->pi, res->inner, ttl, tos);
	return DP_DROP_NONE;
}

enum dp_drop
decap_outer_parse(const uint8_t *pkt, size_t len, struct decap_outer *o,
    size_t *payload_off, size_t *payload_len)
{
	struct rbuf	 rb, udp;
	struct in_addr	 s4, d4;
	struct in6_addr	 s6, d6;
	uint32_t	 w0;
	uint16_t	 totlen, id, frag, cksum, plen, ulen, ucsum;
	uint8_t		 b, proto;
	size_t		 hl, iplen;

	memset(o, 0, sizeof(*o));
	rbuf_init(&rb, pkt, len);
	if (rbuf_peek_u8(&rb, &b) == -1)
		return DP_DROP_OUTER_HEADER;
	if (b >> 4 == 4) {
		if (rbuf_get_u8(&rb, &b) == -1 ||
		    rbuf_get_u8(&rb, &o->tos) == -1 ||
		    rbuf_get_u16(&rb, &totlen) == -1 ||
		    rbuf_get_u16(&rb, &id) == -1 ||
		    rbuf_get_u16(&rb, &frag) == -1 ||
		    rbuf_get_u8(&rb, &o->ttl) == -1 ||
		    rbuf_get_u8(&rb, &proto) == -1 ||
		    rbuf_get_u16(&rb, &cksum) == -1 ||
		    rbuf_get_bytes(&rb, o->src, 4) == -1 ||
		    rbuf_get_bytes(&rb, o->dst, 4) == -1)
			return DP_DROP_OUTER_HEADER;
		hl = (size_t)(b & 0x0F) * 4;
		if (hl < PKT_IP4_HDR_LEN || hl > totlen || totlen > len)
			return DP_DROP_OUTER_HEADER;
		if (lisp_net_cksum(pkt, hl) != 0)
			return DP_DROP_CHECKSUM;
		/* Outer fragments are reassembled before they get here. */
		if (frag & 0x3FFF || proto != IPPROTO_UDP_)
			return DP_DROP_OUTER_HEADER;
		if (rbuf_skip(&rb, hl - PKT_IP4_HDR_LEN) == -1)
			return DP_DROP_OUTER_HEADER;
		o->af = AF_INET;
		iplen = totlen;
	} else if (b >> 4 == 6) {
		if (rbuf_get_u32(&rb, &w0) == -1 ||
		    rbuf_get_u16(&rb, &plen) == -1 ||
		    rbuf_get_u8(&rb, &proto) == -1 ||
		    rbuf_get_u8(&rb, &o->ttl) == -1 ||
		    rbuf_get_bytes(&rb, o->src, 16) == -1 ||
		    rbuf_get_bytes(&rb, o->dst, 16) == -1)
			return DP_DROP_OUTER_HEADER;
		if (proto != IPPROTO_UDP_ ||
		    (size_t)PKT_IP6_HDR_LEN + plen > len)
			return DP_DROP_OUTER_HEADER;
		o->af = AF_INET6;
		o->tos = (uint8_t)(w0 >> 20);
		hl = PKT_IP6_HDR_LEN;
		iplen = hl + plen;
	} else
		return DP_DROP_OUTER_HEADER;

	if (rbuf_sub(&rb, iplen - hl, &udp) == -1 ||
	    rbuf_get_u16(&udp, &o->sport) == -1 ||
	    rbuf_get_u16(&udp, &o->dport) == -1 ||
	    rbuf_get_u16(&udp, &ulen) == -1 ||
	    rbuf_get_u16(&udp, &ucsum) == -1)
		return DP_DROP_OUTER_HEADER;
	if (ulen < 8 || ulen > iplen - hl)
		return DP_DROP_OUTER_HEADER;
	if (ucsum != 0) {
		if (o->af == AF_INET) {
			memcpy(&s4, o->src, 4);
			memcpy(&d4, o->dst, 4);
			if (!lisp_net_udp4_ok(s4, d4, pkt + hl, ulen))
				return DP_DROP_CHECKSUM;
		} else {
			memcpy(&s6, o->src, 16);
			memcpy(&d6, o->dst, 16);
			if (!lisp_net_udp6_ok(&s6, &d6, pkt + hl, ulen))
				return DP_DROP_CHECKSUM;
		}
	}
	*payload_off = hl + 8;
	*payload_len = (size_t)ulen - 8;
	return DP_DROP_NONE;
}
