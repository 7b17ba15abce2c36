/* SPDX-License-Identifier: ISC */
#include <sys/uio.h>

#include <linux/virtio_net.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gro.h"
#include "lisp_net.h"
#include "pkt.h"

#define GRO_TCP_FIN		0x01
#define GRO_TCP_SYN		0x02
#define GRO_TCP_RST		0x04
#define GRO_TCP_PSH		0x08
#define GRO_TCP_ACK		0x10
#define GRO_TCP_URG		0x20
#define GRO_TCP_CWR		0x80
#define GRO_TCP_NOMERGE		(GRO_TCP_FIN | GRO_TCP_SYN | GRO_TCP_RST | \
				    GRO_TCP_URG | GRO_TCP_CWR)
#define GRO_IP_MAX		65535
#define GRO_HDR_MAX		(40 + 60)	/* IPv6 + TCP with options */

/*
 * What of a packet gro needs, from its headers (read through rbuf):
 *
 * IPv4 (RFC 791), no options:
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver=4| IHL=5 |     TOS       |     Total Length = len        |
 *    |        Identification         |0|DF|0|  Fragment Offset = 0  |
 *    |     TTL       |  Proto = 6    |        Header Checksum        |
 *    |                        Source Address                        |
 *    |                     Destination Address                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * IPv6 (RFC 8200), no extension headers:
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |Ver=6| Traffic Class |            Flow Label                   |
 *    |   Payload Length = len - 40   |  Next = 6     |   Hop Limit   |
 *    |                 Source Address (16 bytes)                    |
 *    |              Destination Address (16 bytes)                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * TCP (RFC 9293):
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Source Port          |       Destination Port        |
 *    |                        Sequence Number                        |
 *    |                    Acknowledgment Number                      |
 *    |  Doff |  Rsv  |    Flags      |            Window             |
 *    |           Checksum            |         Urgent Pointer        |
 *    |                    Options (doff * 4 - 20)                    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
struct gro_tcp {
	int		 v;		/* 4, 6 */
	size_t		 ipl;		/* IP header length */
	size_t		 hl;		/* IP + TCP header length */
	size_t		 plen;		/* TCP payload */
	uint16_t	 id;		/* IPv4 identification */
	uint32_t	 seq;
	uint8_t		 flags;
};

struct gro_run {
	int		 used;
	uint64_t	 age;		/* order of first packet */
	uint8_t		*first;		/* header source, flow key */
	struct gro_tcp	 h;		/* first's */
	size_t		 gso;		/* first's payload length */
	size_t		 bytes;		/* payload of all */
	uint32_t	 next_seq;
	uint16_t	 next_id;
	uint8_t		 last_psh;
	unsigned int	 n;
	uint8_t		*pkt[GRO_SEGS_MAX];
};

struct gro {
	unsigned int	 flags;
	gro_emit_fn	*emit;
	void		*arg;
	uint64_t	 age;
	struct gro_run	 run[GRO_FLOWS];
	/* The write being built. */
	struct virtio_net_hdr vnet;
	uint8_t		 hdr[GRO_HDR_MAX];
	struct iovec	 iov[2 + GRO_SEGS_MAX];
};

struct gro *
gro_new(unsigned int flags, gro_emit_fn *emit, void *arg)
{
	struct gro	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->flags = flags;
	g->emit = emit;
	g->arg = arg;
	return g;
}

void
gro_free(struct gro *g)
{
	free(g);
}

/* One packet alone: a zero virtio header (no offload asked). */
static void
gro_emit_one(struct gro *g, uint8_t *pkt, size_t len)
{
	memset(&g->vnet, 0, sizeof(g->vnet));
	g->iov[0].iov_base = &g->vnet;
	g->iov[0].iov_len = GRO_VNET_LEN;
	g->iov[1].iov_base = pkt;
	g->iov[1].iov_len = len;
	g->emit(g->arg, g->iov, 2, 1);
}

/*
 * A run as one packet: the first's headers with the lengths of the
 * whole, PSH when the last had it, and in the TCP checksum field the
 * folded pseudo-header sum (not complemented) -- what the kernel's
 * CHECKSUM_PARTIAL expects: it adds the TCP header and payload from
 * csum_start and complements; its segmentation fixes the length part
 * per segment.
 */
static void
gro_emit_run(struct gro *g, struct gro_run *r)
{
	struct wbuf	 wb;
	uint8_t		 ph[40];
	uint32_t	 sum;
	size_t		 hl = r->h.hl, ipl = r->h.ipl, tcpl, k;
	uint16_t	 c;

	if (r->n == 1) {
		gro_emit_one(g, r->first, hl + r->bytes);
		r->used = 0;
		return;
	}
	tcpl = hl - ipl + r->bytes;
	memcpy(g->hdr, r->first, hl);
	wbuf_init(&wb, g->hdr, hl);
	(void)wbuf_reserve(&wb, hl);		/* patched in place */
	if (r->h.v == 4) {
		wbuf_set_u16(&wb, 2, (uint16_t)(hl + r->bytes));
		wbuf_set_u16(&wb, 10, 0);
		wbuf_set_u16(&wb, 10, lisp_net_cksum(g->hdr, ipl));
		memcpy(ph, g->hdr + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_TCP;
		ph[10] = (uint8_t)(tcpl >> 8);
		ph[11] = (uint8_t)tcpl;
		sum = lisp_net_cksum_add(0, ph, 12);
	} else {
		wbuf_set_u16(&wb, 4, (uint16_t)(tcpl));
		memcpy(ph, g->hdr + 8, 32);
		sum = lisp_net_cksum_add(0, ph, 32);
		memset(ph, 0, 8);
		ph[2] = (uint8_t)(tcpl >> 8);
		ph[3] = (uint8_t)tcpl;
		ph[7] = IPPROTO_TCP;
		sum = lisp_net_cksum_add(sum, ph, 8);
	}
	if (r->last_psh)
		g->hdr[ipl + 13] |= GRO_TCP_PSH;
	c = (uint16_t)~lisp_net_cksum_fold(sum);
	wbuf_set_u16(&wb, ipl + 16, c);

	memset(&g->vnet, 0, sizeof(g->vnet));
	g->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->vnet.gso_type = r->h.v == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
	    VIRTIO_NET_HDR_GSO_TCPV6;
	g->vnet.hdr_len = (uint16_t)hl;
	g->vnet.gso_size = (uint16_t)r->gso;
	g->vnet.csum_start = (uint16_t)ipl;
	g->vnet.csum_offset = 16;
	g->iov[0].iov_base = &g->vnet;
	g->iov[0].iov_len = GRO_VNET_LEN;
	g->iov[1].iov_base = g->hdr;
	g->iov[1].iov_len = hl;
	for (k = 0; k < r->n; k++) {
		size_t	 pl = k + 1 < r->n ? r->gso : r->bytes - k * r->gso;

		g->iov[2 + k].iov_base = r->pkt[k] + hl;
		g->iov[2 + k].iov_len = pl;
	}
	g->emit(g->arg, g->iov, (int)(2 + r->n), r->n);
	r->used = 0;
}

/*
 * The TCP view of pkt; -1 when it is no well-formed TCP packet whose IP
 * length is the packet's (such packets go out alone).
 */
static int
gro_parse_tcp(const uint8_t *pkt, size_t len, struct gro_tcp *t)
{
	struct rbuf	 rb;
	uint16_t	 tot, frag, u16;
	uint8_t		 vhl, proto, doff;

	memset(t, 0, sizeof(*t));
	rbuf_init(&rb, pkt, len);
	if (rbuf_peek_u8(&rb, &vhl) == -1)
		return -1;
	t->v = vhl >> 4;
	if (t->v == 4) {
		if (vhl != 0x45 || rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_u16(&rb, &tot) == -1 ||
		    rbuf_get_u16(&rb, &t->id) == -1 ||
		    rbuf_get_u16(&rb, &frag) == -1 || rbuf_skip(&rb, 1) == -1 ||
		    rbuf_get_u8(&rb, &proto) == -1 || rbuf_skip(&rb, 10) == -1)
			return -1;
		/* DF or nothing: no MF, no offset, no reserved bit. */
		if (tot != len || (frag & 0xbfff) != 0 || proto != IPPROTO_TCP)
			return -1;
		t->ipl = 20;
	} else if (t->v == 6) {
		if (rbuf_skip(&rb, 4) == -1 ||
		    rbuf_get_u16(&rb, &u16) == -1 ||
		    rbuf_get_u8(&rb, &proto) == -1 || rbuf_skip(&rb, 33) == -1)
			return -1;
		if ((size_t)u16 + 40 != len || proto != IPPROTO_TCP)
			return -1;
		t->ipl = 40;
	} else
		return -1;
	if (rbuf_skip(&rb, 4) == -1 || rbuf_get_u32(&rb, &t->seq) == -1 ||
	    rbuf_skip(&rb, 4) == -1 || rbuf_get_u8(&rb, &doff) == -1 ||
	    rbuf_get_u8(&rb, &t->flags) == -1)
		return -1;
	doff >>= 4;
	if (doff < 5 || t->ipl + (size_t)doff * 4 > len)
		return -1;
	t->hl = t->ipl + (size_t)doff * 4;
	t->plen = len - t->hl;
	return 0;
}

/* Same flow: addresses and ports (IP version equal). */
static int
gro_same_flow(const struct gro_run *r, const uint8_t *pkt,
    const struct gro_tcp *t)
{
	if (t->v != r->h.v)
		return 0;
	if (t->v == 4)
		return memcmp(r->first + 12, pkt + 12, 8) == 0 &&
		    memcmp(r->first + 20, pkt + 20, 4) == 0;
	return memcmp(r->first + 8, pkt + 8, 32) == 0 &&
	    memcmp(r->first + 40, pkt + 40, 4) == 0;
}

/* Can pkt (of r's flow) be r's next segment?  See gro.h. */
static int
gro_fits(const struct gro_run *r, const uint8_t *pkt,
    const struct gro_tcp *t)
{
	const uint8_t	*a = r->first, *b = pkt;
	size_t		 ipl = r->h.ipl;

	if (r->last_psh || r->n == GRO_SEGS_MAX || t->hl != r->h.hl ||
	    t->plen == 0 || t->plen > r->gso || t->seq != r->next_seq ||
	    (t->flags & GRO_TCP_NOMERGE) != 0 ||
	    (t->flags & ~GRO_TCP_PSH) != (r->h.flags & ~GRO_TCP_PSH) ||
	    r->h.hl + r->bytes + t->plen > GRO_IP_MAX)
		return 0;
	if (t->v == 4) {
		/* TOS; fragment field; TTL (proto is 6 in both). */
		if (a[1] != b[1] || memcmp(a + 6, b + 6, 3) != 0 ||
		    t->id != r->next_id)
			return 0;
	} else {
		/* Class, flow label; hop limit. */
		if (memcmp(a, b, 4) != 0 || a[7] != b[7])
			return 0;
	}
	/* Ack, data offset, flags (checked), window; urgent, options. */
	return memcmp(a + ipl + 8, b + ipl + 8, 4) == 0 &&
	    a[ipl + 12] == b[ipl + 12] &&
	    memcmp(a + ipl + 14, b + ipl + 14, 2) == 0 &&
	    memcmp(a + ipl + 18, b + ipl + 18, r->h.hl - ipl - 18) == 0;
}

static void
gro_append(struct gro_run *r, uint8_t *pkt, const struct gro_tcp *t)
{
	r->pkt[r->n++] = pkt;
	r->bytes += t->plen;
	r->next_seq = t->seq + (uint32_t)t->plen;
	r->next_id = (uint16_t)(t->id + 1);
	r->last_psh = (t->flags & GRO_TCP_PSH) != 0;
}

static void
gro_start(struct gro *g, uint8_t *pkt, const struct gro_tcp *t)
{
	struct gro_run	*r = NULL;
	unsigned int	 k;

	for (k = 0; k < GRO_FLOWS; k++) {
		if (!g->run[k].used) {
			r = &g->run[k];
			break;
		}
		if (r == NULL || g->run[k].age < r->age)
			r = &g->run[k];
	}
	/* All taken: the oldest run goes out. */
	if (r->used)
		gro_emit_run(g, r);
	memset(r, 0, offsetof(struct gro_run, pkt));
	r->used = 1;
	r->age = g->age++;
	r->first = pkt;
	r->h = *t;
	r->gso = t->plen;
	gro_append(r, pkt, t);
}

/*
 * Raise the TTL (hop limit) by one for the extra forwarding hop; the
 * IPv4 header checksum follows incrementally (pkt_cksum_adjust()).
 */
static void
gro_ttl_inc(uint8_t *pkt)
{
	struct wbuf	 wb;
	struct rbuf	 rb;
	uint16_t	 hc, m, m2;

	if ((pkt[0] >> 4) == 6) {
		pkt[7]++;
		return;
	}
	rbuf_init(&rb, pkt, 20);
	(void)rbuf_skip(&rb, 8);
	(void)rbuf_get_u16(&rb, &m);
	(void)rbuf_get_u16(&rb, &hc);
	m2 = (uint16_t)(m + 0x100);
	wbuf_init(&wb, pkt, 20);
	(void)wbuf_reserve(&wb, 20);
	wbuf_set_u16(&wb, 8, m2);
	wbuf_set_u16(&wb, 10, pkt_cksum_adjust(hc, m, m2));
}

/*
 * May the packet leave through the TUN at all: a family we take, a
 * unicast destination the kernel forwards, room for the TTL raise.
 */
static int
gro_eligible(const struct gro *g, const uint8_t *pkt, size_t len)
{
	int	 v;

	if (len < 1)
		return 0;
	v = pkt[0] >> 4;
	if (v == 4) {
		if ((g->flags & GRO_INET) == 0 || len < 20 ||
		    (pkt[0] & 0x0f) < 5 || (size_t)(pkt[0] & 0x0f) * 4 > len)
			return 0;
		/* Multicast, class E, broadcast, "this network". */
		if (pkt[16] >= 224 || pkt[16] == 0)
			return 0;
		return !(g->flags & GRO_TTL_INC) || pkt[8] < 255;
	}
	if (v == 6) {
		if ((g->flags & GRO_INET6) == 0 || len < 40)
			return 0;
		/* Multicast; link-local source or destination. */
		if (pkt[24] == 0xff ||
		    (pkt[8] == 0xfe && (pkt[9] & 0xc0) == 0x80) ||
		    (pkt[24] == 0xfe && (pkt[25] & 0xc0) == 0x80))
			return 0;
		return !(g->flags & GRO_TTL_INC) || pkt[7] < 255;
	}
	return 0;
}

int
gro_add(struct gro *g, uint8_t *pkt, size_t len)
{
	struct gro_tcp	 t;
	struct gro_run	*r = NULL;
	unsigned int	 k;

	if (!gro_eligible(g, pkt, len))
		return -1;
	if (g->flags & GRO_TTL_INC)
		gro_ttl_inc(pkt);
	if (gro_parse_tcp(pkt, len, &t) == -1) {
		gro_emit_one(g, pkt, len);
		return 0;
	}
	for (k = 0; k < GRO_FLOWS; k++)
		if (g->run[k].used && gro_same_flow(&g->run[k], pkt, &t)) {
			r = &g->run[k];
			break;
		}
	if (r != NULL && gro_fits(r, pkt, &t)) {
		gro_append(r, pkt, &t);
		/* A shorter segment or PSH ends the run. */
		if (t.plen < r->gso || r->last_psh)
			gro_emit_run(g, r);
		return 0;
	}
	/* In order: what the flow has held goes first. */
	if (r != NULL)
		gro_emit_run(g, r);
	if (t.plen > 0 && (t.flags & (GRO_TCP_NOMERGE | GRO_TCP_PSH)) == 0 &&
	    (t.flags & GRO_TCP_ACK) != 0)
		gro_start(g, pkt, &t);
	else
		gro_emit_one(g, pkt, len);
	return 0;
}

void
gro_flush(struct gro *g)
{
	struct gro_run	*r;
	unsigned int	 k;

	/* Oldest first. */
	for (;;) {
		r = NULL;
		for (k = 0; k < GRO_FLOWS; k++)
			if (g->run[k].used &&
			    (r == NULL || g->run[k].age < r->age))
				r = &g->run[k];
		if (r == NULL)
			break;
		gro_emit_run(g, r);
	}
}
