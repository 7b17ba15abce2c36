/* SPDX-License-Identifier: ISC */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "gso.h"
#include "lisp_net.h"

#define GSO_PROTO_TCP		6
#define GSO_PROTO_UDP		17
#define GSO_TCP_CSUM_OFF	16
#define GSO_UDP_CSUM_OFF	6

/* TCP flags in byte 13 of the header. */
#define GSO_TCP_FIN		0x01
#define GSO_TCP_PSH		0x08
#define GSO_TCP_CWR		0x80

static const char *const gso_err_names[GSO_ERR_MAX] = {
	[GSO_OK] = "ok",
	[GSO_ERR_SHORT] = "truncated",
	[GSO_ERR_TYPE] = "unsupported gso type",
	[GSO_ERR_HDR_LEN] = "hdr_len beyond frame",
	[GSO_ERR_CSUM] = "checksum start/offset out of range",
	[GSO_ERR_SIZE] = "gso_size 0",
	[GSO_ERR_IP] = "IP header inconsistent",
	[GSO_ERR_UNSUPP] = "IP options, extension headers or fragment",
	[GSO_ERR_L4] = "L4 header inconsistent",
	[GSO_ERR_NOBUF] = "no output buffer",
};

const char *
gso_err_name(enum gso_err e)
{
	if ((unsigned int)e < GSO_ERR_MAX)
		return gso_err_names[e];
	return "unknown";
}

/* A 16-bit field of the virtio-net header, in host byte order. */
static int
gso_get_h16(struct rbuf *rb, uint16_t *v)
{
	uint8_t	 b[2];

	if (rbuf_get_bytes(rb, b, 2) == -1)
		return -1;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	*v = (uint16_t)(b[0] | (uint16_t)b[1] << 8);
#else
	*v = (uint16_t)((uint16_t)b[0] << 8 | b[1]);
#endif
	return 0;
}

enum gso_err
gso_vnet_parse(const uint8_t *p, size_t len, struct gso_vnet *v)
{
	struct rbuf	 rb;

	rbuf_init(&rb, p, len);
	if (rbuf_get_u8(&rb, &v->flags) == -1 ||
	    rbuf_get_u8(&rb, &v->gso_type) == -1 ||
	    gso_get_h16(&rb, &v->hdr_len) == -1 ||
	    gso_get_h16(&rb, &v->gso_size) == -1 ||
	    gso_get_h16(&rb, &v->csum_start) == -1 ||
	    gso_get_h16(&rb, &v->csum_offset) == -1)
		return GSO_ERR_SHORT;
	return GSO_OK;
}

/* What the segments repeat of the super-packet's headers. */
struct gso_hdrs {
	int		 version;
	size_t		 iphl;		/* 20 or 40 */
	size_t		 l4hl;		/* TCP data offset, or UDP 8 */
	uint8_t		 proto;
	uint16_t	 ip_id;
	uint32_t	 seq;
	uint8_t		 tcp_flags;
	uint32_t	 addr_sum;	/* source + destination */
};

/*
 * IPv4 (no options, not a fragment) or IPv6 (no extension header) whose
 * length field matches the frame, carrying proto.
 */
static enum gso_err
gso_parse_ip(const uint8_t *pkt, size_t len, int version, uint8_t proto,
    struct gso_hdrs *h)
{
	struct rbuf	 rb;
	uint32_t	 w0;
	uint16_t	 tot, frag;
	uint8_t		 vihl, nxt;

	rbuf_init(&rb, pkt, len);
	if (rbuf_peek_u8(&rb, &vihl) == -1)
		return GSO_ERR_SHORT;
	if (vihl >> 4 != version)
		return GSO_ERR_IP;
	if (version == 4) {
		if ((vihl & 0x0f) < 5)
			return GSO_ERR_IP;
		if ((vihl & 0x0f) != 5)
			return GSO_ERR_UNSUPP;
		if (rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_u16(&rb, &tot) == -1 ||
		    rbuf_get_u16(&rb, &h->ip_id) == -1 ||
		    rbuf_get_u16(&rb, &frag) == -1 ||
		    rbuf_skip(&rb, 1) == -1 ||
		    rbuf_get_u8(&rb, &nxt) == -1 ||
		    rbuf_skip(&rb, 2) == -1 || rbuf_left(&rb) < 8)
			return GSO_ERR_SHORT;
		if (tot != len)
			return GSO_ERR_IP;
		if ((frag & 0x3fff) != 0)
			return GSO_ERR_UNSUPP;
		h->addr_sum = lisp_net_cksum_add(0, rbuf_ptr(&rb), 8);
		h->iphl = 20;
	} else {
		if (rbuf_get_u32(&rb, &w0) == -1 ||
		    rbuf_get_u16(&rb, &tot) == -1 ||
		    rbuf_get_u8(&rb, &nxt) == -1 ||
		    rbuf_skip(&rb, 1) == -1 || rbuf_left(&rb) < 32)
			return GSO_ERR_SHORT;
		if ((size_t)tot + 40 != len)
			return GSO_ERR_IP;
		h->addr_sum = lisp_net_cksum_add(0, rbuf_ptr(&rb), 32);
		h->iphl = 40;
		h->ip_id = 0;
	}
	if (nxt != proto)
		return GSO_ERR_UNSUPP;
	h->version = version;
	h->proto = proto;
	return GSO_OK;
}

static enum gso_err
gso_parse_l4(const uint8_t *pkt, size_t len, struct gso_hdrs *h)
{
	struct rbuf	 rb;
	uint16_t	 ulen;
	uint8_t		 doff;

	rbuf_init(&rb, pkt, len);
	if (rbuf_skip(&rb, h->iphl) == -1)
		return GSO_ERR_SHORT;
	if (h->proto == GSO_PROTO_TCP) {
		if (rbuf_skip(&rb, 4) == -1 ||
		    rbuf_get_u32(&rb, &h->seq) == -1 ||
		    rbuf_skip(&rb, 4) == -1 ||
		    rbuf_get_u8(&rb, &doff) == -1 ||
		    rbuf_get_u8(&rb, &h->tcp_flags) == -1)
			return GSO_ERR_SHORT;
		h->l4hl = (size_t)(doff >> 4) * 4;
		if (h->l4hl < 20)
			return GSO_ERR_L4;
	} else {
		if (rbuf_skip(&rb, 4) == -1 || rbuf_get_u16(&rb, &ulen) == -1)
			return GSO_ERR_SHORT;
		/* The stack writes the super-datagram's length, or 0. */
		if (ulen != 0 && ulen != len - h->iphl)
			return GSO_ERR_L4;
		h->l4hl = 8;
		h->tcp_flags = 0;
		h->seq = 0;
	}
	if (h->iphl + h->l4hl > len)
		return GSO_ERR_SHORT;
	return GSO_OK;
}

/* The L4 checksum of seg[0..len) (headers included), stored in place. */
static void
gso_l4_csum(const struct gso_hdrs *h, uint8_t *seg, size_t len)
{
	size_t		 l4len = len - h->iphl;
	size_t		 coff = h->iphl + (h->proto == GSO_PROTO_TCP ?
			    GSO_TCP_CSUM_OFF : GSO_UDP_CSUM_OFF);
	struct wbuf	 wb;
	uint32_t	 sum;
	uint16_t	 c;

	wbuf_init(&wb, seg, len);
	(void)wbuf_reserve(&wb, len);
	wbuf_set_u16(&wb, coff, 0);
	/* Pseudo-header: addresses, protocol, upper-layer length. */
	sum = h->addr_sum + h->proto + (uint32_t)l4len;
	sum = lisp_net_cksum_add(sum, seg + h->iphl, l4len);
	c = lisp_net_cksum_fold(sum);
	if (c == 0 && h->proto == GSO_PROTO_UDP)
		c = 0xffff;
	wbuf_set_u16(&wb, coff, c);
}

static enum gso_err
gso_cut(const struct gso_vnet *v, const uint8_t *pkt, size_t len,
    const struct gso_out *out, unsigned int *nseg)
{
	struct gso_hdrs	 h;
	struct wbuf	 wb;
	enum gso_err	 e;
	uint8_t		 type = v->gso_type & (uint8_t)~GSO_T_ECN;
	size_t		 hl, payload, off, plen, slen;
	uint8_t		*seg;
	uint32_t	 sq;
	uint8_t		 fl;
	unsigned int	 i;
	int		 version = type == GSO_T_TCPV6 ? 6 : 4;
	uint8_t		 proto = GSO_PROTO_TCP;

	if (type == GSO_T_UDP_L4) {
		struct rbuf	 rb;
		uint8_t		 vb;

		/* UDP_SEGMENT has one type for both families. */
		rbuf_init(&rb, pkt, len);
		if (rbuf_peek_u8(&rb, &vb) == -1)
			return GSO_ERR_SHORT;
		version = vb >> 4;
		proto = GSO_PROTO_UDP;
		if (version != 4 && version != 6)
			return GSO_ERR_IP;
	}
	memset(&h, 0, sizeof(h));
	if ((e = gso_parse_ip(pkt, len, version, proto, &h)) != GSO_OK)
		return e;
	if ((v->flags & GSO_F_NEEDS_CSUM) && (v->csum_start != h.iphl ||
	    v->csum_offset != (proto == GSO_PROTO_TCP ? GSO_TCP_CSUM_OFF :
	    GSO_UDP_CSUM_OFF)))
		return GSO_ERR_CSUM;
	if ((e = gso_parse_l4(pkt, len, &h)) != GSO_OK)
		return e;
	hl = h.iphl + h.l4hl;
	payload = len - hl;
	for (i = 0, off = 0; off < payload || i == 0; i++, off += plen) {
		plen = payload - off < v->gso_size ? payload - off :
		    v->gso_size;
		slen = hl + plen;
		if (slen > 0xffff)
			return GSO_ERR_IP;
		if ((seg = out->buf(out->arg, slen)) == NULL)
			return GSO_ERR_NOBUF;
		memcpy(seg, pkt, hl);
		memcpy(seg + hl, pkt + hl + off, plen);
		wbuf_init(&wb, seg, slen);
		(void)wbuf_reserve(&wb, slen);
		if (h.version == 4) {
			wbuf_set_u16(&wb, 2, (uint16_t)slen);
			wbuf_set_u16(&wb, 4, (uint16_t)(h.ip_id + i));
			wbuf_set_u16(&wb, 10, 0);
			wbuf_set_u16(&wb, 10, lisp_net_cksum(seg, 20));
		} else
			wbuf_set_u16(&wb, 4, (uint16_t)(slen - 40));
		if (h.proto == GSO_PROTO_TCP) {
			sq = h.seq + (uint32_t)off;
			wbuf_set_u16(&wb, h.iphl + 4, (uint16_t)(sq >> 16));
			wbuf_set_u16(&wb, h.iphl + 6, (uint16_t)sq);
			fl = h.tcp_flags;
			if (off + plen < payload)
				fl &= (uint8_t)~(GSO_TCP_FIN | GSO_TCP_PSH);
			if (i > 0)
				fl &= (uint8_t)~GSO_TCP_CWR;
			wbuf_set_u8(&wb, h.iphl + 13, fl);
		} else
			wbuf_set_u16(&wb, h.iphl + 4,
			    (uint16_t)(slen - h.iphl));
		gso_l4_csum(&h, seg, slen);
		out->done(out->arg, seg, slen);
		(*nseg)++;
		if (payload == 0)
			break;
	}
	return GSO_OK;
}

/* No GSO: a copy, its checksum completed when the stack left it to us. */
static enum gso_err
gso_csum_only(const struct gso_vnet *v, const uint8_t *pkt, size_t len,
    const struct gso_out *out, unsigned int *nseg)
{
	size_t		 cs = v->csum_start, co = v->csum_offset;
	struct wbuf	 wb;
	uint8_t		*seg;
	uint16_t	 c;

	if (v->flags & GSO_F_NEEDS_CSUM) {
		if (cs >= len || co > len - cs || len - cs - co < 2)
			return GSO_ERR_CSUM;
	}
	if ((seg = out->buf(out->arg, len)) == NULL)
		return GSO_ERR_NOBUF;
	memcpy(seg, pkt, len);
	if (v->flags & GSO_F_NEEDS_CSUM) {
		/* The field holds the pseudo-header sum: sum over it. */
		c = lisp_net_cksum(seg + cs, len - cs);
		wbuf_init(&wb, seg, len);
		(void)wbuf_reserve(&wb, len);
		wbuf_set_u16(&wb, cs + co, c == 0 ? 0xffff : c);
	}
	out->done(out->arg, seg, len);
	(*nseg)++;
	return GSO_OK;
}

enum gso_err
gso_segment(const struct gso_vnet *v, const uint8_t *pkt, size_t len,
    const struct gso_out *out, unsigned int *nseg)
{
	uint8_t	 type = v->gso_type & (uint8_t)~GSO_T_ECN;

	*nseg = 0;
	if (v->hdr_len > len)
		return GSO_ERR_HDR_LEN;
	if (type == GSO_T_NONE)
		return gso_csum_only(v, pkt, len, out, nseg);
	if (type != GSO_T_TCPV4 && type != GSO_T_TCPV6 &&
	    type != GSO_T_UDP_L4)
		return GSO_ERR_TYPE;
	if (v->gso_size == 0)
		return GSO_ERR_SIZE;
	return gso_cut(v, pkt, len, out, nseg);
}
