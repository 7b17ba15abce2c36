/* SPDX-License-Identifier: ISC */
/*
 * dataplane/gro: TCP segments built here (own header writer, own RFC 1071
 * checksums), fed to gro, and every write it makes cut back into
 * segments the way the kernel's TCP segmentation does (cut at gso_size,
 * headers copied, lengths, IPv4 id + i, sequence, PSH on the last one
 * only, checksums computed here): the result must be exactly the input,
 * flow by flow.
 */
#include <arpa/inet.h>
#include <check.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"
#include "testutil.h"

#define T_MAXPKT	2000
#define T_MAXOUT	512

/* --- segment builder --------------------------------------------------- */

struct t_seg {
	int		 v6;
	int		 flow;		/* selects addresses/ports */
	uint32_t	 seq, ack;
	uint8_t		 flags;		/* TCP flags */
	uint16_t	 win;
	uint16_t	 id;		/* IPv4 */
	uint8_t		 ttl;
	uint8_t		 tos;
	size_t		 plen;
	const uint8_t	*opt;		/* TCP options, multiple of 4 */
	size_t		 optlen;
	int		 nodf;
};

static uint16_t
t_cksum(const uint8_t *p, size_t n, uint32_t sum)
{
	return (uint16_t)~tu_cksum_ref(p, n, sum);
}

static void
t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
t_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Pseudo-header sum (not folded, not complemented) for TCP length tl. */
static uint32_t
t_pseudo(const uint8_t *ip, int v6, size_t tl)
{
	uint32_t	 sum = 0;
	size_t		 i;

	if (!v6) {
		for (i = 12; i < 20; i += 2)
			sum += t_get16(ip + i);
	} else {
		for (i = 8; i < 40; i += 2)
			sum += t_get16(ip + i);
	}
	return sum + IPPROTO_TCP + (uint32_t)tl;
}

/* Fix the IP header checksum and the TCP checksum of a whole packet. */
static void
t_finish(uint8_t *b, size_t n)
{
	int	 v6 = (b[0] >> 4) == 6;
	size_t	 ipl = v6 ? 40 : 20;

	if (!v6) {
		t_put16(b + 10, 0);
		t_put16(b + 10, t_cksum(b, 20, 0));
	}
	t_put16(b + ipl + 16, 0);
	t_put16(b + ipl + 16, t_cksum(b + ipl, n - ipl,
	    t_pseudo(b, v6, n - ipl)));
}

static size_t
t_build(uint8_t *b, const struct t_seg *s)
{
	size_t	 ipl = s->v6 ? 40 : 20, tl = 20 + s->optlen, n, k;

	n = ipl + tl + s->plen;
	memset(b, 0, n);
	if (!s->v6) {
		b[0] = 0x45;
		b[1] = s->tos;
		t_put16(b + 2, (uint16_t)n);
		t_put16(b + 4, s->id);
		t_put16(b + 6, s->nodf ? 0 : 0x4000);
		b[8] = s->ttl ? s->ttl : 64;
		b[9] = IPPROTO_TCP;
		b[12] = 192; b[13] = 0; b[14] = 2; b[15] = (uint8_t)(17 + s->flow);
		b[16] = 192; b[17] = 0; b[18] = 2; b[19] = 34;
	} else {
		b[0] = 0x60 | (s->tos >> 4);
		b[1] = (uint8_t)(s->tos << 4) | 0x0a;
		b[2] = 0xbc;
		b[3] = 0xde;
		t_put16(b + 4, (uint16_t)(tl + s->plen));
		b[6] = IPPROTO_TCP;
		b[7] = s->ttl ? s->ttl : 64;
		b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8;
		b[23] = (uint8_t)(1 + s->flow);
		b[24] = 0x20; b[25] = 0x01; b[26] = 0x0d; b[27] = 0xb8;
		b[39] = 2;
	}
	t_put16(b + ipl, (uint16_t)(40000 + s->flow));
	t_put16(b + ipl + 2, 5201);
	t_put32(b + ipl + 4, s->seq);
	t_put32(b + ipl + 8, s->ack);
	b[ipl + 12] = (uint8_t)((tl / 4) << 4);
	b[ipl + 13] = s->flags;
	t_put16(b + ipl + 14, s->win);
	if (s->optlen)
		memcpy(b + ipl + 20, s->opt, s->optlen);
	/* Payload: a function of flow and sequence, so cuts show. */
	for (k = 0; k < s->plen; k++)
		b[ipl + tl + k] = (uint8_t)((s->seq + k) * 7 + s->flow * 13);
	t_finish(b, n);
	return n;
}

/* --- what gro wrote ---------------------------------------------------- */

struct t_write {
	uint8_t		 vnet[GRO_VNET_LEN];
	uint8_t		*data;
	size_t		 len;
	unsigned int	 nseg;
};

static struct t_write	 wr[T_MAXOUT];
static unsigned int	 nwr;

static void
t_emit(void *arg, const struct iovec *iov, int iovcnt, unsigned int nseg)
{
	struct t_write	*w;
	size_t		 n = 0;
	int		 k;

	(void)arg;
	ck_assert_uint_lt(nwr, T_MAXOUT);
	ck_assert_int_ge(iovcnt, 2);
	ck_assert_uint_eq(iov[0].iov_len, GRO_VNET_LEN);
	w = &wr[nwr++];
	memcpy(w->vnet, iov[0].iov_base, GRO_VNET_LEN);
	for (k = 1; k < iovcnt; k++)
		n += iov[k].iov_len;
	ck_assert_ptr_nonnull(w->data = malloc(n ? n : 1));
	for (n = 0, k = 1; k < iovcnt; k++) {
		memcpy(w->data + n, iov[k].iov_base, iov[k].iov_len);
		n += iov[k].iov_len;
	}
	w->len = n;
	w->nseg = nseg;
}

static void
t_reset(void)
{
	unsigned int	 k;

	for (k = 0; k < nwr; k++)
		free(wr[k].data);
	nwr = 0;
}

/* Little-endian hosts: the tun's legacy virtio header is native. */
static uint16_t
t_vnet16(const struct t_write *w, size_t off)
{
	uint16_t	 v;

	memcpy(&v, w->vnet + off, 2);
	return v;
}

/* --- the kernel's cut, written here ------------------------------------- */

struct t_pkt {
	uint8_t		 b[T_MAXPKT];
	size_t		 n;
};

static struct t_pkt	 cut[T_MAXOUT * 2];
static unsigned int	 ncut;

/* Cut every write into packets (checking the virtio header on the way). */
static void
t_cut_all(void)
{
	unsigned int	 k, i, nseg;
	const struct t_write *w;

	ncut = 0;
	for (k = 0; k < nwr; k++) {
		size_t	 hl, gso, pl, ipl, tl, off;
		int	 v6;

		w = &wr[k];
		if (w->vnet[1] == VIRTIO_NET_HDR_GSO_NONE) {
			/* A single packet: nothing asked of the kernel. */
			ck_assert_uint_eq(w->vnet[0], 0);
			ck_assert_uint_eq(t_vnet16(w, 2), 0);
			ck_assert_uint_eq(t_vnet16(w, 4), 0);
			ck_assert_uint_eq(w->nseg, 1);
			ck_assert_uint_le(w->len, T_MAXPKT);
			memcpy(cut[ncut].b, w->data, w->len);
			cut[ncut++].n = w->len;
			continue;
		}
		v6 = (w->data[0] >> 4) == 6;
		ipl = v6 ? 40 : 20;
		ck_assert_uint_eq(w->vnet[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
		ck_assert_uint_eq(w->vnet[1], v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
		    VIRTIO_NET_HDR_GSO_TCPV4);
		hl = t_vnet16(w, 2);
		gso = t_vnet16(w, 4);
		ck_assert_uint_eq(t_vnet16(w, 6), ipl);	/* csum_start */
		ck_assert_uint_eq(t_vnet16(w, 8), 16);	/* csum_offset */
		ck_assert_uint_eq(hl, ipl + (w->data[ipl + 12] >> 4) * 4);
		ck_assert_uint_gt(gso, 0);
		ck_assert_uint_gt(w->len, hl + gso);	/* 2 segments at least */
		ck_assert_uint_le(w->len, 65535);
		/* The super-packet's own lengths and IPv4 checksum. */
		if (!v6) {
			ck_assert_uint_eq(t_get16(w->data + 2), w->len);
			ck_assert_uint_eq(t_cksum(w->data, 20, 0), 0);
		} else
			ck_assert_uint_eq(t_get16(w->data + 4), w->len - 40);
		/* Checksum field: the folded pseudo-header sum. */
		tl = w->len - ipl;
		ck_assert_uint_eq(t_get16(w->data + ipl + 16),
		    (uint16_t)~t_cksum(NULL, 0, t_pseudo(w->data, v6, tl)));
		nseg = (unsigned int)((w->len - hl + gso - 1) / gso);
		ck_assert_uint_eq(nseg, w->nseg);
		for (i = 0, off = hl; i < nseg; i++, off += pl) {
			struct t_pkt	*p = &cut[ncut++];

			pl = w->len - off < gso ? w->len - off : gso;
			memcpy(p->b, w->data, hl);
			memcpy(p->b + hl, w->data + off, pl);
			p->n = hl + pl;
			if (!v6) {
				t_put16(p->b + 2, (uint16_t)p->n);
				t_put16(p->b + 4,
				    (uint16_t)(t_get16(w->data + 4) + i));
			} else
				t_put16(p->b + 4, (uint16_t)(p->n - 40));
			t_put32(p->b + ipl + 4,
			    t_get32(w->data + ipl + 4) + (uint32_t)(off - hl));
			if (i + 1 < nseg)
				p->b[ipl + 13] &= (uint8_t)~0x08;	/* PSH */
			t_finish(p->b, p->n);
		}
	}
}

/* The cut packets of flow f (by source port) equal in[] in order. */
static void
t_expect_flow(int f, struct t_pkt *in, unsigned int nin)
{
	unsigned int	 k, j = 0;

	for (k = 0; k < ncut; k++) {
		size_t	 ipl = (cut[k].b[0] >> 4) == 6 ? 40 : 20;

		if (t_get16(cut[k].b + ipl) != 40000 + f)
			continue;
		ck_assert_uint_lt(j, nin);
		ck_assert_uint_eq(cut[k].n, in[j].n);
		ck_assert_mem_eq(cut[k].b, in[j].b, in[j].n);
		j++;
	}
	ck_assert_uint_eq(j, nin);
}

static struct t_pkt	 in[256];

/* Build n segments of flow f from seq0 (id0), gso bytes each. */
static void
t_run(struct t_pkt *out, unsigned int n, const struct t_seg *base,
    size_t gso)
{
	struct t_seg	 s = *base;
	unsigned int	 k;

	for (k = 0; k < n; k++) {
		s.plen = gso;
		out[k].n = t_build(out[k].b, &s);
		s.seq += (uint32_t)gso;
		s.id++;
	}
}

static struct gro *
t_gro(unsigned int flags)
{
	struct gro	*g;

	t_reset();
	ck_assert_ptr_nonnull(g = gro_new(flags, t_emit, NULL));
	return g;
}

/* Feed in[0..n) (copies: gro may touch the TTL) and flush. */
static void
t_feed(struct gro *g, struct t_pkt *pk, unsigned int n)
{
	static struct t_pkt	 copy[256];
	unsigned int		 k;

	for (k = 0; k < n; k++) {
		copy[k] = pk[k];
		ck_assert_int_eq(gro_add(g, copy[k].b, copy[k].n), 0);
	}
	gro_flush(g);
	t_cut_all();
}

static const uint8_t	 ts1[] = { 1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 7 };
static const uint8_t	 ts2[] = { 1, 1, 8, 10, 0, 0, 0, 101, 0, 0, 0, 7 };

static const struct t_seg base4 = {
	.seq = 1000, .ack = 555, .flags = 0x10, .win = 502, .id = 0xfff0,
	.ttl = 63, .opt = ts1, .optlen = sizeof(ts1),
};

START_TEST(test_merge_v4)
{
	struct gro	*g = t_gro(GRO_INET | GRO_INET6);
	struct t_seg	 s = base4;

	/* 10 full (ids wrap past 0xffff), one short with PSH. */
	t_run(in, 10, &s, 1448);
	s.seq += 10 * 1448;
	s.id = (uint16_t)(s.id + 10);
	s.flags |= 0x08;
	s.plen = 300;
	in[10].n = t_build(in[10].b, &s);
	t_feed(g, in, 11);
	ck_assert_uint_eq(nwr, 1);
	ck_assert_uint_eq(wr[0].nseg, 11);
	ck_assert_uint_eq(t_vnet16(&wr[0], 4), 1448);
	ck_assert_uint_eq(t_vnet16(&wr[0], 2), 20 + 32);
	ck_assert_uint_eq(wr[0].len, 52 + 10 * 1448 + 300);
	ck_assert(wr[0].data[20 + 13] & 0x08);
	t_expect_flow(0, in, 11);
	gro_free(g);
	t_reset();
}
END_TEST

START_TEST(test_merge_v6)
{
	struct gro	*g = t_gro(GRO_INET6);
	struct t_seg	 s = base4;

	s.v6 = 1;
	s.tos = 0x28;
	t_run(in, 20, &s, 1428);
	t_feed(g, in, 20);
	ck_assert_uint_eq(nwr, 1);
	ck_assert_uint_eq(wr[0].nseg, 20);
	ck_assert_uint_eq(wr[0].vnet[1], VIRTIO_NET_HDR_GSO_TCPV6);
	t_expect_flow(0, in, 20);
	gro_free(g);
	t_reset();
}
END_TEST

START_TEST(test_interleaved)
{
	struct gro	*g = t_gro(GRO_INET | GRO_INET6);
	struct t_pkt	*a = in, *b = in + 100, *mix = in + 200;
	struct t_seg	 s = base4;
	unsigned int	 k;

	t_run(a, 16, &s, 1000);
	s.flow = 1;
	s.v6 = 1;
	t_run(b, 16, &s, 1000);
	for (k = 0; k < 16; k++) {
		mix[2 * k] = a[k];
		mix[2 * k + 1] = b[k];
	}
	t_feed(g, mix, 32);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, 16);
	ck_assert_uint_eq(wr[1].nseg, 16);
	t_expect_flow(0, a, 16);
	t_expect_flow(1, b, 16);
	gro_free(g);
	t_reset();
}
END_TEST

/* Segments that must not join: each case, expected write sizes. */
START_TEST(test_breaks)
{
	struct gro	*g;
	struct t_seg	 s;
	unsigned int	 k;

	/* A gap in the sequence: two runs. */
	g = t_gro(GRO_INET);
	s = base4;
	t_run(in, 5, &s, 1000);
	s.seq += 6 * 1000;
	s.id = (uint16_t)(s.id + 5);
	t_run(in + 5, 5, &s, 1000);
	t_feed(g, in, 10);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, 5);
	ck_assert_uint_eq(wr[1].nseg, 5);
	t_expect_flow(0, in, 10);
	gro_free(g);

	/* PSH in the middle ends the run there. */
	g = t_gro(GRO_INET);
	s = base4;
	t_run(in, 8, &s, 1000);
	in[3].b[20 + 13] |= 0x08;
	t_finish(in[3].b, in[3].n);
	t_feed(g, in, 8);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, 4);
	ck_assert_uint_eq(wr[1].nseg, 4);
	t_expect_flow(0, in, 8);
	gro_free(g);

	/* A FIN: alone, after the run. */
	g = t_gro(GRO_INET);
	s = base4;
	t_run(in, 6, &s, 1000);
	in[5].b[20 + 13] |= 0x01;
	t_finish(in[5].b, in[5].n);
	t_feed(g, in, 6);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, 5);
	ck_assert_uint_eq(wr[1].nseg, 1);
	t_expect_flow(0, in, 6);
	gro_free(g);

	/* Options differ (a new TSval): two runs. */
	g = t_gro(GRO_INET);
	s = base4;
	t_run(in, 4, &s, 1000);
	s.seq += 4000;
	s.id = (uint16_t)(s.id + 4);
	s.opt = ts2;
	t_run(in + 4, 4, &s, 1000);
	t_feed(g, in, 8);
	ck_assert_uint_eq(nwr, 2);
	t_expect_flow(0, in, 8);
	gro_free(g);

	/* IPv4 ids not consecutive, ack or window changing, TTL, TOS. */
	for (k = 0; k < 4; k++) {
		g = t_gro(GRO_INET);
		s = base4;
		t_run(in, 6, &s, 1000);
		if (k == 0)
			t_put16(in[3].b + 4, 7);
		else if (k == 1)
			t_put32(in[3].b + 28, 556);
		else if (k == 2)
			in[3].b[8] = 62;
		else
			in[3].b[1] = 0x02;
		t_finish(in[3].b, in[3].n);
		t_feed(g, in, 6);
		ck_assert_uint_ge(nwr, 2);
		t_expect_flow(0, in, 6);
		gro_free(g);
	}

	/* A longer segment after shorter ones; 70 segments: 64 + 6. */
	g = t_gro(GRO_INET);
	s = base4;
	t_run(in, 70, &s, 900);
	t_feed(g, in, 70);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, GRO_SEGS_MAX);
	ck_assert_uint_eq(wr[1].nseg, 70 - GRO_SEGS_MAX);
	t_expect_flow(0, in, 70);
	gro_free(g);

	/* No ACK (flags 0): never merged. */
	g = t_gro(GRO_INET);
	s = base4;
	s.flags = 0;
	t_run(in, 3, &s, 500);
	t_feed(g, in, 3);
	ck_assert_uint_eq(nwr, 3);
	t_expect_flow(0, in, 3);
	gro_free(g);
	t_reset();
}
END_TEST

/* 64 KB of IP at most: 1448-byte segments stop at 45. */
START_TEST(test_size_limit)
{
	struct gro	*g = t_gro(GRO_INET);
	struct t_seg	 s = base4;

	s.optlen = 0;
	t_run(in, 50, &s, 1448);
	t_feed(g, in, 50);
	ck_assert_uint_eq(nwr, 2);
	ck_assert_uint_eq(wr[0].nseg, (65535 - 40) / 1448);
	ck_assert_uint_le(wr[0].len, 65535);
	t_expect_flow(0, in, 50);
	gro_free(g);
	t_reset();
}
END_TEST

START_TEST(test_refused_and_ttl)
{
	struct gro	*g = t_gro(GRO_INET | GRO_TTL_INC);
	struct t_seg	 s = base4;
	struct t_pkt	 p;
	uint8_t		 udp[28];

	/* IPv6 not taken; TTL 255 refused; multicast refused. */
	s.v6 = 1;
	p.n = t_build(p.b, &s);
	ck_assert_int_eq(gro_add(g, p.b, p.n), -1);
	s = base4;
	s.ttl = 255;
	p.n = t_build(p.b, &s);
	ck_assert_int_eq(gro_add(g, p.b, p.n), -1);
	s.ttl = 1;
	p.n = t_build(p.b, &s);
	p.b[16] = 239;
	ck_assert_int_eq(gro_add(g, p.b, p.n), -1);
	ck_assert_uint_eq(nwr, 0);

	/* A UDP packet goes alone, TTL raised, header checksum right. */
	memset(udp, 0, sizeof(udp));
	udp[0] = 0x45;
	udp[3] = sizeof(udp);
	udp[8] = 1;
	udp[9] = IPPROTO_UDP;
	udp[12] = 192; udp[14] = 2; udp[15] = 17;
	udp[16] = 192; udp[18] = 2; udp[19] = 34;
	t_put16(udp + 10, t_cksum(udp, 20, 0));
	ck_assert_int_eq(gro_add(g, udp, sizeof(udp)), 0);
	ck_assert_uint_eq(nwr, 1);
	ck_assert_uint_eq(wr[0].vnet[1], VIRTIO_NET_HDR_GSO_NONE);
	ck_assert_uint_eq(wr[0].data[8], 2);
	ck_assert_uint_eq(t_cksum(wr[0].data, 20, 0), 0);

	/* A merged run: TTL raised in the super-packet's header too. */
	s = base4;
	s.ttl = 254;
	t_reset();
	t_run(in, 4, &s, 1000);
	t_feed(g, in, 4);
	ck_assert_uint_eq(nwr, 1);
	ck_assert_uint_eq(wr[0].data[8], 255);
	ck_assert_uint_eq(t_cksum(wr[0].data, 20, 0), 0);
	gro_free(g);
	t_reset();
}
END_TEST

/* Truncations and random bytes: no crash, no read past the end (ASan). */
START_TEST(test_malformed)
{
	struct gro	*g = t_gro(GRO_INET | GRO_INET6 | GRO_TTL_INC);
	struct t_seg	 s = base4;
	struct t_pkt	 p;
	uint8_t		*b;
	unsigned int	 k, v;
	size_t		 n;

	srandom(7);
	for (v = 0; v < 2; v++) {
		s.v6 = (int)v;
		p.n = t_build(p.b, &s);
		for (n = 0; n <= p.n; n++) {
			ck_assert_ptr_nonnull(b = malloc(n ? n : 1));
			memcpy(b, p.b, n);
			(void)gro_add(g, b, n);
			gro_flush(g);
			free(b);
			t_reset();
		}
	}
	for (k = 0; k < 20000; k++) {
		n = (size_t)(random() % 120);
		ck_assert_ptr_nonnull(b = malloc(n ? n : 1));
		memcpy(b, p.b, n < p.n ? n : p.n);
		b[0] = (uint8_t)(k & 1 ? 0x45 : 0x60);
		for (v = 0; v < 6 && n > 1; v++)
			b[random() % n] = (uint8_t)random();
		(void)gro_add(g, b, n);
		gro_flush(g);
		free(b);
		t_reset();
	}
	gro_free(g);
	gro_free(NULL);
}
END_TEST

static Suite *
gro_suite(void)
{
	Suite	*s = suite_create("gro");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_merge_v4);
	tcase_add_test(tc, test_merge_v6);
	tcase_add_test(tc, test_interleaved);
	tcase_add_test(tc, test_breaks);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_refused_and_ttl);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(gro_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
