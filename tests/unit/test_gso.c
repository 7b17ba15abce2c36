/* SPDX-License-Identifier: ISC */
/*
 * dataplane/gso: user-space segmentation of GSO super-packets.  The
 * frames are built here, and every segment is checked against the
 * super-packet it came from with the plain RFC 1071 sum of testutil.h
 * (not lisp_net_cksum_add(), which gso.c uses).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_vnet.h"
#include "gso.h"
#include "testutil.h"

#define T_MAXSEG	128
#define T_SEGSZ		9300

/* Collects the segments gso_segment() produces. */
struct t_out {
	uint8_t		 buf[T_MAXSEG][T_SEGSZ];
	size_t		 len[T_MAXSEG];
	unsigned int	 n;
	unsigned int	 limit;		/* refuse buffers from here on */
	int		 pending;
};

static uint8_t *
t_buf(void *arg, size_t len)
{
	struct t_out	*o = arg;

	ck_assert_int_eq(o->pending, 0);
	if (o->n >= o->limit || o->n >= T_MAXSEG || len > T_SEGSZ)
		return NULL;
	o->pending = 1;
	return o->buf[o->n];
}

static void
t_done(void *arg, uint8_t *pkt, size_t len)
{
	struct t_out	*o = arg;

	ck_assert_int_eq(o->pending, 1);
	ck_assert_ptr_eq(pkt, o->buf[o->n]);
	o->pending = 0;
	o->len[o->n++] = len;
}

static struct t_out *
t_out_new(struct gso_out *go)
{
	struct t_out	*o = calloc(1, sizeof(*o));

	ck_assert_ptr_nonnull(o);
	o->limit = T_MAXSEG;
	go->buf = t_buf;
	go->done = t_done;
	go->arg = o;
	return o;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The pseudo-header sum of an L4 segment (not complemented). */
static uint16_t
ref_pseudo(const uint8_t *ip, int v6, uint8_t proto, size_t l4len)
{
	uint32_t	 s;

	s = tu_cksum_ref(ip + (v6 ? 8 : 12), v6 ? 32 : 8, 0);
	s += proto;
	s = (s & 0xffff) + (s >> 16);
	s += (uint32_t)l4len;
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The L4 checksum of a packet verifies: the sum over all is 0xffff. */
static int
ref_l4_ok(const uint8_t *ip, size_t len, int v6, uint8_t proto)
{
	size_t	 hl = v6 ? 40 : 20;

	return tu_cksum_ref(ip + hl, len - hl, ref_pseudo(ip, v6, proto,
	    len - hl)) == 0xffff;
}

/*
 * A super-packet as the stack hands it to a device with TSO/USO: IP
 * header, TCP (with 12 bytes of options) or UDP header, payload bytes
 * i * 7 + 3, the L4 checksum field holding the pseudo-header sum of
 * the whole packet (CHECKSUM_PARTIAL).
 */
struct t_frame {
	int		 v6;
	uint8_t		 proto;
	uint8_t		 tcp_flags;
	size_t		 payload;
	uint8_t		 ip_opts;	/* IPv4: 4 bytes of options */
	uint8_t		 v6_ext;	/* IPv6: a hop-by-hop header */
};

#define T_SEQ		0xfffff000u	/* wraps inside the frame */
#define T_ACK		0x01020304u
#define T_ID		0xfffe		/* wraps too */

static size_t
t_frame(uint8_t *b, const struct t_frame *f, size_t *iphl, size_t *l4hl)
{
	static const uint8_t	 s4[4] = { 192, 0, 2, 18 },
				 d4[4] = { 192, 0, 2, 34 };
	static const uint8_t	 s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0,
				    0, 0, 0, 0, 0, 0, 0, 0, 2 },
				 d6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0,
				    0, 0, 0, 0, 0, 0, 0, 0, 2 };
	size_t			 ih, lh, len, i, ext = 0;
	uint8_t			*l4;

	ih = f->v6 ? 40 : 20 + (f->ip_opts ? 4 : 0);
	if (f->v6 && f->v6_ext)
		ext = 8;
	lh = f->proto == 6 ? 32 : 8;
	len = ih + ext + lh + f->payload;
	memset(b, 0, ih + ext + lh);
	if (!f->v6) {
		b[0] = (uint8_t)(0x40 | ih / 4);
		b[1] = 0x02;			/* ECT(0) */
		wr16(b + 2, (uint16_t)len);
		wr16(b + 4, T_ID);
		wr16(b + 6, 0x4000);		/* DF */
		b[8] = 64;
		b[9] = f->proto;
		memcpy(b + 12, s4, 4);
		memcpy(b + 16, d4, 4);
		if (f->ip_opts)
			b[20] = 1, b[21] = 1, b[22] = 1, b[23] = 0;
		wr16(b + 10, (uint16_t)~tu_cksum_ref(b, ih, 0));
	} else {
		b[0] = 0x60;
		b[1] = 0x0a;
		b[2] = 0xbc;
		b[3] = 0xde;
		wr16(b + 4, (uint16_t)(len - 40));
		b[6] = ext ? 0 : f->proto;
		b[7] = 64;
		memcpy(b + 8, s6, 16);
		memcpy(b + 24, d6, 16);
		if (ext) {
			b[40] = f->proto;	/* hop-by-hop, PadN */
			b[41] = 0;
			b[42] = 1;
			b[43] = 4;
		}
	}
	l4 = b + ih + ext;
	if (f->proto == 6) {
		wr16(l4, 40000);
		wr16(l4 + 2, 5201);
		l4[4] = (uint8_t)(T_SEQ >> 24);
		l4[5] = (uint8_t)(T_SEQ >> 16);
		l4[6] = (uint8_t)(T_SEQ >> 8);
		l4[7] = (uint8_t)T_SEQ;
		l4[8] = 1, l4[9] = 2, l4[10] = 3, l4[11] = 4;
		l4[12] = 8 << 4;
		l4[13] = f->tcp_flags;
		wr16(l4 + 14, 502);
		/* Options: NOP NOP timestamps. */
		l4[20] = 1, l4[21] = 1, l4[22] = 8, l4[23] = 10;
		for (i = 24; i < 32; i++)
			l4[i] = (uint8_t)(0xa0 + i);
	} else {
		wr16(l4, 40001);
		wr16(l4 + 2, 4789);
		wr16(l4 + 4, (uint16_t)(lh + f->payload));
	}
	for (i = 0; i < f->payload; i++)
		l4[lh + i] = (uint8_t)(i * 7 + 3);
	wr16(l4 + (f->proto == 6 ? 16 : 6), ref_pseudo(b, f->v6, f->proto,
	    lh + f->payload));
	*iphl = ih + ext;
	*l4hl = lh;
	return len;
}

static struct gso_vnet
t_vnet(uint8_t type, size_t iphl, size_t hl, uint16_t mss, uint8_t proto)
{
	struct gso_vnet	 v;

	memset(&v, 0, sizeof(v));
	v.flags = GSO_F_NEEDS_CSUM;
	v.gso_type = type;
	v.hdr_len = (uint16_t)hl;
	v.gso_size = mss;
	v.csum_start = (uint16_t)iphl;
	v.csum_offset = proto == 6 ? 16 : 6;
	return v;
}

/* Segment f with mss and check every segment against the original. */
static void
t_check_tso(const struct t_frame *f, uint16_t mss, uint8_t ecn)
{
	static uint8_t	 b[70000];
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct gso_vnet	 v;
	size_t		 ih, lh, len, want, off, plen;
	unsigned int	 nseg = 99, i;
	uint8_t		 fl, type;

	len = t_frame(b, f, &ih, &lh);
	if (f->proto == 17)
		type = GSO_T_UDP_L4;
	else
		type = f->v6 ? GSO_T_TCPV6 : GSO_T_TCPV4;
	v = t_vnet(type | ecn, ih, ih + lh, mss, f->proto);
	ck_assert_int_eq(gso_segment(&v, b, len, &go, &nseg), GSO_OK);
	want = (f->payload + mss - 1) / mss;
	ck_assert_uint_eq(nseg, want);
	ck_assert_uint_eq(o->n, want);
	for (i = 0, off = 0; i < nseg; i++, off += plen) {
		const uint8_t	*s = o->buf[i];

		plen = f->payload - off < mss ? f->payload - off : mss;
		ck_assert_uint_eq(o->len[i], ih + lh + plen);
		if (!f->v6) {
			ck_assert_uint_eq(rd16(s + 2), o->len[i]);
			ck_assert_uint_eq(rd16(s + 4), (uint16_t)(T_ID + i));
			ck_assert_uint_eq(tu_cksum_ref(s, 20, 0), 0xffff);
			/* Everything else of the IP header unchanged. */
			ck_assert_mem_eq(s, b, 2);
			ck_assert_mem_eq(s + 6, b + 6, 4);
			ck_assert_mem_eq(s + 12, b + 12, 8);
		} else {
			ck_assert_uint_eq(rd16(s + 4), o->len[i] - 40);
			ck_assert_mem_eq(s, b, 4);
			ck_assert_mem_eq(s + 6, b + 6, 34);
		}
		/* Payload: the right slice of the original. */
		ck_assert_mem_eq(s + ih + lh, b + ih + lh + off, plen);
		if (f->proto == 6) {
			ck_assert_uint_eq(rd32(s + ih + 4),
			    (uint32_t)(T_SEQ + off));
			ck_assert_mem_eq(s + ih, b + ih, 4);	/* ports */
			ck_assert_mem_eq(s + ih + 8, b + ih + 8, 5);
			ck_assert_mem_eq(s + ih + 14, b + ih + 14, 2);
			ck_assert_mem_eq(s + ih + 18, b + ih + 18, 14);
			fl = f->tcp_flags;
			if (i + 1 < nseg)
				fl &= (uint8_t)~0x09;	/* FIN, PSH */
			if (i > 0)
				fl &= (uint8_t)~0x80;	/* CWR */
			ck_assert_uint_eq(s[ih + 13], fl);
		} else {
			ck_assert_uint_eq(rd16(s + ih + 4), lh + plen);
			ck_assert_uint_ne(rd16(s + ih + 6), 0);
			ck_assert_mem_eq(s + ih, b + ih, 4);
		}
		ck_assert_msg(ref_l4_ok(s, o->len[i], f->v6, f->proto),
		    "segment %u: L4 checksum", i);
	}
	free(o);
}

START_TEST(test_tso4)
{
	/* ACK|PSH|FIN|CWR|ECE, an odd last segment. */
	struct t_frame	 f = { .proto = 6, .tcp_flags = 0x10 | 0x08 | 0x01 |
			    0x80 | 0x40, .payload = 3 * 1448 + 7 };

	t_check_tso(&f, 1448, GSO_T_ECN);
	/* 64 KB: 45 segments, seq and IPv4 id wrap on the way. */
	f.payload = 65535 - 52;
	t_check_tso(&f, 1448, 0);
	/* Plain ACK flags, payload a multiple of the MSS. */
	f.tcp_flags = 0x10;
	f.payload = 10 * 1000;
	t_check_tso(&f, 1000, 0);
	/* One segment only (payload <= gso_size): flags kept. */
	f.tcp_flags = 0x10 | 0x08 | 0x01 | 0x80;
	f.payload = 500;
	t_check_tso(&f, 1448, 0);
	/* Jumbo MSS. */
	f.payload = 30000;
	t_check_tso(&f, 8948, 0);
}
END_TEST

START_TEST(test_tso6)
{
	struct t_frame	 f = { .v6 = 1, .proto = 6, .tcp_flags = 0x10 | 0x08 |
			    0x01 | 0x80, .payload = 5 * 1428 + 1 };

	t_check_tso(&f, 1428, 0);
	f.payload = 65535 - 40 - 32 - 3;
	t_check_tso(&f, 1428, 0);
}
END_TEST

START_TEST(test_uso)
{
	struct t_frame	 f = { .proto = 17, .payload = 7 * 1400 + 13 };

	t_check_tso(&f, 1400, 0);
	f.v6 = 1;
	t_check_tso(&f, 1400, 0);
	f.payload = 4 * 1200;
	t_check_tso(&f, 1200, 0);
}
END_TEST

/* No GSO, NEEDS_CSUM: a copy with the L4 checksum completed. */
START_TEST(test_csum_only)
{
	static uint8_t	 b[4000];
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct gso_vnet	 v;
	size_t		 ih, lh, len;
	unsigned int	 nseg, k;
	struct t_frame	 fs[] = {
		{ .proto = 6, .tcp_flags = 0x18, .payload = 1001 },
		{ .v6 = 1, .proto = 6, .tcp_flags = 0x10, .payload = 0 },
		{ .proto = 17, .payload = 77 },
		{ .v6 = 1, .proto = 17, .payload = 1400 },
	};

	for (k = 0; k < sizeof(fs) / sizeof(fs[0]); k++) {
		o->n = 0;
		len = t_frame(b, &fs[k], &ih, &lh);
		ck_assert(!ref_l4_ok(b, len, fs[k].v6, fs[k].proto));
		v = t_vnet(GSO_T_NONE, ih, ih + lh, 0, fs[k].proto);
		ck_assert_int_eq(gso_segment(&v, b, len, &go, &nseg), GSO_OK);
		ck_assert_uint_eq(nseg, 1);
		ck_assert_uint_eq(o->len[0], len);
		ck_assert(ref_l4_ok(o->buf[0], len, fs[k].v6, fs[k].proto));
		/* Only the checksum field differs. */
		ck_assert_mem_eq(o->buf[0], b, ih + (fs[k].proto == 6 ? 16 :
		    6));
		ck_assert_mem_eq(o->buf[0] + ih + lh, b + ih + lh, len - ih -
		    lh);
		/* Without NEEDS_CSUM: copied as it is. */
		o->n = 0;
		v.flags = 0;
		ck_assert_int_eq(gso_segment(&v, b, len, &go, &nseg), GSO_OK);
		ck_assert_mem_eq(o->buf[0], b, len);
	}
	free(o);
}
END_TEST

START_TEST(test_vnet_parse)
{
	uint8_t		 h[GSO_VNET_HDR_LEN] = { 1, 4, 0, 0, 0, 0, 0, 0,
			    0, 0 };
	struct gso_vnet	 v;
	uint16_t	 x = 0x1234;

	/* Host byte order: write the fields as the kernel would. */
	memcpy(h + 2, &x, 2);
	x = 1448;
	memcpy(h + 4, &x, 2);
	x = 40;
	memcpy(h + 6, &x, 2);
	x = 16;
	memcpy(h + 8, &x, 2);
	ck_assert_int_eq(gso_vnet_parse(h, sizeof(h), &v), GSO_OK);
	ck_assert_uint_eq(v.flags, 1);
	ck_assert_uint_eq(v.gso_type, GSO_T_TCPV6);
	ck_assert_uint_eq(v.hdr_len, 0x1234);
	ck_assert_uint_eq(v.gso_size, 1448);
	ck_assert_uint_eq(v.csum_start, 40);
	ck_assert_uint_eq(v.csum_offset, 16);
	ck_assert_int_eq(gso_vnet_parse(h, sizeof(h) - 1, &v),
	    GSO_ERR_SHORT);
	ck_assert_int_eq(gso_vnet_parse(h, 0, &v), GSO_ERR_SHORT);
}
END_TEST

/* One malformed variant of a good TSO frame: the expected refusal. */
static void
t_bad(const struct t_frame *f, void (*mangle)(uint8_t *, size_t *,
    struct gso_vnet *), enum gso_err want)
{
	static uint8_t	 b[70000];
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct gso_vnet	 v;
	size_t		 ih, lh, len;
	unsigned int	 nseg = 99;
	uint8_t		 type;

	len = t_frame(b, f, &ih, &lh);
	type = f->proto == 17 ? GSO_T_UDP_L4 : f->v6 ? GSO_T_TCPV6 :
	    GSO_T_TCPV4;
	v = t_vnet(type, ih, ih + lh, 1000, f->proto);
	mangle(b, &len, &v);
	ck_assert_int_eq(gso_segment(&v, b, len, &go, &nseg), want);
	ck_assert_uint_eq(nseg, 0);
	ck_assert_uint_eq(o->n, 0);
	free(o);
}

static void m_hdrlen(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; v->hdr_len = (uint16_t)(*l + 1); }
static void m_cstart(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->csum_start = 24; }
static void m_coff(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->csum_offset = 10; }
static void m_size0(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->gso_size = 0; }
static void m_ufo(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->gso_type = GSO_T_UDP; }
static void m_type2(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->gso_type = 2; }
static void m_v6_as_v4(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; v->gso_type = GSO_T_TCPV4; }
static void m_totlen(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)v; wr16(b + 2, (uint16_t)(*l - 1)); }
static void m_short(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; *l = 19; v->hdr_len = 0; }
static void m_doff(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)l; (void)v; b[20 + 12] = 4 << 4; }
static void m_doff_far(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)v; b[20 + 12] = 15 << 4; *l = 20 + 40; wr16(b + 2, 60); }
static void m_frag(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)l; (void)v; wr16(b + 6, 0x2000); }
static void m_proto(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)l; (void)v; b[9] = 17; }
static void m_none(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; (void)l; (void)v; }
static void m_csum_only_far(uint8_t *b, size_t *l, struct gso_vnet *v)
{ (void)b; v->gso_type = GSO_T_NONE; v->csum_start = (uint16_t)*l; }
static void m_csum_only_off(uint8_t *b, size_t *l, struct gso_vnet *v)
{
	(void)b;
	v->gso_type = GSO_T_NONE;
	v->csum_start = (uint16_t)(*l - 3);
	v->csum_offset = 2;
}

START_TEST(test_malformed)
{
	struct t_frame	 t4 = { .proto = 6, .tcp_flags = 0x10,
			    .payload = 5000 };
	struct t_frame	 t6 = { .v6 = 1, .proto = 6, .tcp_flags = 0x10,
			    .payload = 5000 };
	struct t_frame	 opt = t4, ext = t6;

	opt.ip_opts = 1;
	ext.v6_ext = 1;
	t_bad(&t4, m_hdrlen, GSO_ERR_HDR_LEN);
	t_bad(&t4, m_cstart, GSO_ERR_CSUM);
	t_bad(&t4, m_coff, GSO_ERR_CSUM);
	t_bad(&t4, m_size0, GSO_ERR_SIZE);
	t_bad(&t4, m_ufo, GSO_ERR_TYPE);
	t_bad(&t4, m_type2, GSO_ERR_TYPE);
	t_bad(&t6, m_v6_as_v4, GSO_ERR_IP);
	t_bad(&t4, m_totlen, GSO_ERR_IP);
	t_bad(&t4, m_short, GSO_ERR_SHORT);
	t_bad(&t4, m_doff, GSO_ERR_L4);
	t_bad(&t4, m_doff_far, GSO_ERR_SHORT);
	t_bad(&t4, m_frag, GSO_ERR_UNSUPP);
	t_bad(&t4, m_proto, GSO_ERR_UNSUPP);
	t_bad(&t4, m_csum_only_far, GSO_ERR_CSUM);
	t_bad(&t4, m_csum_only_off, GSO_ERR_CSUM);
	/* IPv4 options, IPv6 extension headers: not cut, counted. */
	t_bad(&opt, m_none, GSO_ERR_UNSUPP);
	t_bad(&ext, m_none, GSO_ERR_UNSUPP);
	ck_assert_str_eq(gso_err_name(GSO_ERR_SIZE), "gso_size 0");
	ck_assert_str_eq(gso_err_name((enum gso_err)99), "unknown");
}
END_TEST

/* The output refusing a buffer stops the cut; what was made is whole. */
START_TEST(test_nobuf)
{
	static uint8_t	 b[70000];
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct t_frame	 f = { .proto = 6, .tcp_flags = 0x19, .payload = 9000 };
	struct gso_vnet	 v;
	size_t		 ih, lh, len;
	unsigned int	 nseg = 0;

	len = t_frame(b, &f, &ih, &lh);
	v = t_vnet(GSO_T_TCPV4, ih, ih + lh, 1000, 6);
	o->limit = 4;
	ck_assert_int_eq(gso_segment(&v, b, len, &go, &nseg), GSO_ERR_NOBUF);
	ck_assert_uint_eq(nseg, 4);
	ck_assert_uint_eq(o->n, 4);
	ck_assert(ref_l4_ok(o->buf[3], o->len[3], 0, 6));
	/* Not the last: no FIN, no PSH. */
	ck_assert_uint_eq(o->buf[3][ih + 13], 0x10);
	free(o);
}
END_TEST

/*
 * Every truncation of a good frame, and random vnet headers over it:
 * refused or cut, never a read outside the frame (ASan in
 * `make sanitize`), never a segment larger than the frame.
 */
START_TEST(test_robust)
{
	static uint8_t	 b[70000];
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct t_frame	 f = { .v6 = 1, .proto = 6, .tcp_flags = 0x19,
			    .payload = 3000 };
	struct gso_vnet	 v, good;
	size_t		 ih, lh, len, l, k;
	unsigned int	 nseg, i;
	uint8_t		*copy;
	uint32_t	 r = 12345;

	len = t_frame(b, &f, &ih, &lh);
	good = t_vnet(GSO_T_TCPV6, ih, ih + lh, 1000, 6);
	for (l = 0; l < len; l++) {
		/* An exact-size copy so that ASan sees overreads. */
		copy = malloc(l + 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, b, l);
		o->n = 0;
		ck_assert_int_ne(gso_segment(&good, copy, l, &go, &nseg),
		    GSO_OK);
		free(copy);
	}
	for (k = 0; k < 20000; k++) {
		r = r * 1103515245u + 12345u;
		v.flags = (uint8_t)(r >> 8) & 3;
		v.gso_type = (uint8_t)((r >> 12) % 7);
		r = r * 1103515245u + 12345u;
		v.hdr_len = (uint16_t)((r >> 4) % (len + 100));
		v.gso_size = (uint16_t)((r >> 16) % 3000);
		r = r * 1103515245u + 12345u;
		v.csum_start = (uint16_t)((r >> 4) % (len + 100));
		v.csum_offset = (uint16_t)((r >> 16) % 40);
		l = k % 7 == 0 ? (size_t)(r % len) : len;
		copy = malloc(l + 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, b, l);
		o->n = 0;
		nseg = 0;
		(void)gso_segment(&v, copy, l, &go, &nseg);
		ck_assert_uint_eq(nseg, o->n);
		for (i = 0; i < o->n; i++)
			ck_assert_uint_le(o->len[i], l);
		free(copy);
	}
	free(o);
}
END_TEST

/* A virtio-net header as the kernel writes it (native byte order). */
static void
t_vnet_put(uint8_t *p, const struct gso_vnet *v)
{
	uint16_t	 h[4] = { v->hdr_len, v->gso_size, v->csum_start,
			    v->csum_offset };

	p[0] = v->flags;
	p[1] = v->gso_type;
	memcpy(p + 2, h, sizeof(h));
}

/*
 * dp_vnet_frame(), what a vnet capture does with a frame it read: the
 * same TCP super-packet behind no link header, Ethernet, Ethernet with
 * an 802.1Q tag and Linux cooked, its header's csum_start and hdr_len
 * counted from the frame start as the kernel does, gives the same
 * segments; offsets inside the link header, a hdr_len past the frame,
 * a truncated read and a frame that is not IP are refused and counted.
 */
START_TEST(test_vnet_frame)
{
	static uint8_t	 ip[40000], fr[41000], raw[T_MAXSEG][T_SEGSZ];
	static const uint8_t	 eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0,
				    2, 0x08, 0x00 },
				 vlan[18] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0,
				    2, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 },
				 sll[16] = { 0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0,
				    2, 0, 0, 0x08, 0x00 };
	static const struct {
		int		 dlt;
		const uint8_t	*hdr;
		size_t		 len;
	} link[] = {
		{ DLT_RAW, NULL, 0 },
		{ DLT_EN10MB, eth, sizeof(eth) },
		{ DLT_EN10MB, vlan, sizeof(vlan) },
		{ DLT_LINUX_SLL, sll, sizeof(sll) },
	};
	struct t_frame	 f = { .proto = 6, .tcp_flags = 0x18,
			    .payload = 65 * 500 };
	struct gso_out	 go;
	struct t_out	*o = t_out_new(&go);
	struct dp_vnet_stats st;
	struct gso_vnet	 v, w;
	size_t		 ih, lh, len, flen, rawlen[T_MAXSEG];
	unsigned int	 i, k, nraw = 0;

	len = t_frame(ip, &f, &ih, &lh);
	v = t_vnet(GSO_T_TCPV4, ih, ih + lh, 500, 6);
	for (k = 0; k < sizeof(link) / sizeof(link[0]); k++) {
		w = v;
		w.csum_start = (uint16_t)(w.csum_start + link[k].len);
		w.hdr_len = (uint16_t)(w.hdr_len + link[k].len);
		t_vnet_put(fr, &w);
		if (link[k].len)
			memcpy(fr + GSO_VNET_HDR_LEN, link[k].hdr,
			    link[k].len);
		memcpy(fr + GSO_VNET_HDR_LEN + link[k].len, ip, len);
		flen = GSO_VNET_HDR_LEN + link[k].len + len;
		memset(&st, 0, sizeof(st));
		o->n = 0;
		dp_vnet_frame(fr, flen, 0, link[k].dlt, "t0", &go, &st);
		ck_assert_uint_eq(st.frames, 1);
		ck_assert_uint_eq(st.rejected, 0);
		ck_assert_uint_eq(st.super, 1);
		/* 65 segments: more than the worker's batch. */
		ck_assert_uint_eq(st.segments, 65);
		ck_assert_uint_eq(st.longer, 1);
		ck_assert_uint_eq(o->n, 65);
		if (k == 0) {
			for (i = 0; i < o->n; i++) {
				memcpy(raw[i], o->buf[i], o->len[i]);
				rawlen[i] = o->len[i];
				ck_assert(ref_l4_ok(o->buf[i], o->len[i], 0,
				    6));
			}
			nraw = o->n;
			continue;
		}
		ck_assert_uint_eq(o->n, nraw);
		for (i = 0; i < o->n; i++) {
			ck_assert_uint_eq(o->len[i], rawlen[i]);
			ck_assert_mem_eq(o->buf[i], raw[i], rawlen[i]);
		}
	}

	/* Ethernet again, each header offset or the read broken. */
	for (k = 0; k < 5; k++) {
		w = v;
		w.csum_start = (uint16_t)(w.csum_start + sizeof(eth));
		w.hdr_len = (uint16_t)(w.hdr_len + sizeof(eth));
		if (k == 0)
			w.csum_start = 10;	/* inside the link header */
		else if (k == 1)
			w.hdr_len = 60000;	/* past the frame */
		t_vnet_put(fr, &w);
		memcpy(fr + GSO_VNET_HDR_LEN, eth, sizeof(eth));
		if (k == 3)
			fr[GSO_VNET_HDR_LEN + 12] = 0x08,
			fr[GSO_VNET_HDR_LEN + 13] = 0x06;	/* ARP */
		memcpy(fr + GSO_VNET_HDR_LEN + sizeof(eth), ip, len);
		flen = GSO_VNET_HDR_LEN + sizeof(eth) + len;
		if (k == 4)
			flen = GSO_VNET_HDR_LEN + 13;	/* no ethertype */
		memset(&st, 0, sizeof(st));
		o->n = 0;
		dp_vnet_frame(fr, flen, k == 2, DLT_EN10MB, "t0", &go, &st);
		ck_assert_msg(st.frames == 1 && st.rejected == 1 &&
		    st.super == 0 && st.segments == 0 && o->n == 0,
		    "case %u: frames %ju rejected %ju super %ju segments %u",
		    k, (uintmax_t)st.frames, (uintmax_t)st.rejected,
		    (uintmax_t)st.super, o->n);
	}
	free(o);
}
END_TEST


static Suite *
gso_suite(void)
{
	Suite	*s = suite_create("gso");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_tso4);
	tcase_add_test(tc, test_tso6);
	tcase_add_test(tc, test_uso);
	tcase_add_test(tc, test_csum_only);
	tcase_add_test(tc, test_vnet_parse);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_nobuf);
	tcase_add_test(tc, test_robust);
	tcase_add_test(tc, test_vnet_frame);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(gso_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
