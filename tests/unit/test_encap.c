/* SPDX-License-Identifier: ISC */
/*
 * dataplane/encap: outer headers for the four inner/outer combinations,
 * source port and flow label per flow, checksums, inner fragmentation
 * (RFC 9300 7.1) and ICMP too-big.  Outer bytes are checked at their
 * RFC offsets with the independent checksum of inet_test.h.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "encap.h"
#include "inet_test.h"
#include "pkt.h"

#define HR	ENCAP_HEADROOM

static uint8_t	 buf[HR + 70000], buf2[HR + 40000], icmp[2048];

static const struct t_pkt udp4 = {
	.src = "192.0.2.1", .dst = "198.51.100.7", .proto = 17, .ttl = 63,
	.tos = 0xB9, .fragw = 0x4000, .id = 0x1234, .sport = 40000,
	.dport = 53, .datalen = 12,
};
static const struct t_pkt udp6 = {
	.v6 = 1, .src = "2001:db8:1::1", .dst = "2001:db8:2::2", .proto = 17,
	.ttl = 17, .tos = 0x2A, .sport = 5555, .dport = 6666, .datalen = 20,
	.flow = 0xABCDE,
};

static size_t
mk(const struct t_pkt *t, struct pkt_info *pi)
{
	size_t	 n = t_build(buf + HR, t);

	ck_assert_int_eq(pkt_parse(buf + HR, n, pi), DP_DROP_NONE);
	return n;
}

static void
params(struct encap_params *ep, int v6)
{
	memset(ep, 0, sizeof(*ep));
	ep->af = v6 ? AF_INET6 : AF_INET;
	t_addr(v6, v6 ? "2001:db8:ffff::1" : "203.0.113.1", ep->src);
	t_addr(v6, v6 ? "2001:db8:ffff::2" : "203.0.113.2", ep->dst);
	ep->iid = 1000;
}

/* Check every outer field; returns the outer overhead. */
static size_t
check_outer(const struct encap_pkt *o, const struct encap_params *ep,
    const uint8_t *inner, size_t ilen, uint8_t ttl, uint8_t tos,
    uint32_t nonce, uint16_t dport)
{
	const uint8_t	*p = o->data, *u, *l;
	size_t		 hl;

	if (ep->af == AF_INET) {
		hl = 20;
		ck_assert_int_eq(p[0], 0x45);
		ck_assert_int_eq(p[1], tos);
		ck_assert_uint_eq(t_get16(p + 2), ilen + 36);
		ck_assert_int_eq(t_get16(p + 6), 0x4000);	/* DF */
		ck_assert_int_eq(p[8], ttl);
		ck_assert_int_eq(p[9], 17);
		ck_assert_uint_eq(t_fold(t_sum(0, p, 20)), 0);
		ck_assert_mem_eq(p + 12, ep->src, 4);
		ck_assert_mem_eq(p + 16, ep->dst, 4);
	} else {
		hl = 40;
		ck_assert_int_eq(p[0] >> 4, 6);
		ck_assert_int_eq((t_get16(p) >> 4) & 0xFF, tos);
		ck_assert_uint_ne(t_get32(p) & 0xFFFFF, 0);	/* flow label */
		ck_assert_uint_eq(t_get16(p + 4), ilen + 16);
		ck_assert_int_eq(p[6], 17);
		ck_assert_int_eq(p[7], ttl);
		ck_assert_mem_eq(p + 8, ep->src, 16);
		ck_assert_mem_eq(p + 24, ep->dst, 16);
	}
	u = p + hl;
	ck_assert_uint_ge(t_get16(u), 49152);
	ck_assert_int_eq(t_get16(u + 2), dport);
	ck_assert_uint_eq(t_get16(u + 4), ilen + 16);
	l = u + 8;
	ck_assert_int_eq(l[0] & ~0x40, 0x88);			/* N, I */
	ck_assert_uint_eq((uint32_t)l[1] << 16 | l[2] << 8 | l[3], nonce);
	ck_assert_uint_eq((uint32_t)l[4] << 16 | l[5] << 8 | l[6], ep->iid);
	ck_assert_uint_eq(o->len, hl + 16 + ilen);
	ck_assert_mem_eq(l + 8, inner, ilen);
	return hl + 16;
}

static void
combo(int in6, int out6)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	uint8_t			 copy[256];
	size_t			 n, ovh;

	n = mk(in6 ? &udp6 : &udp4, &pi);
	memcpy(copy, buf + HR, n);
	params(&ep, out6);
	ck_assert_int_eq(encap_packet(&ep, &pi, pkt_flow_hash(&pi), 0xABCDEF,
	    buf + HR, HR, &o), DP_DROP_NONE);
	ovh = check_outer(&o, &ep, copy, n, pi.ttl, pi.tos, 0xABCDEF, 4341);
	/* Prepended in place, inner not moved or copied. */
	ck_assert_ptr_eq(o.data + ovh, buf + HR);
	ck_assert_uint_eq(ovh, encap_overhead(ep.af));
	ck_assert_int_eq(o.data[ovh - 8], 0x88);
	ck_assert_int_eq(o.data[ovh - 1], 0);			/* no LSBs */
	ck_assert_int_eq(t_get16(o.data + ovh - 10), 0);	/* UDP csum */
}

START_TEST(test_combo_44) { combo(0, 0); }
END_TEST
START_TEST(test_combo_64) { combo(1, 0); }
END_TEST
START_TEST(test_combo_46) { combo(0, 1); }
END_TEST
START_TEST(test_combo_66) { combo(1, 1); }
END_TEST

START_TEST(test_options)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	uint8_t			 src[16], dst[16];
	size_t			 n, hl;
	int			 v6;

	for (v6 = 0; v6 < 2; v6++) {
		n = mk(&udp4, &pi);
		params(&ep, v6);
		ep.iid = 0xFFFFFE;
		ep.dport = 8000;
		ep.flags = ENCAP_F_LSB | ENCAP_F_UDP_CSUM | ENCAP_F_ECN_COMPAT;
		ep.lsb = 0x05;
		ck_assert_int_eq(encap_packet(&ep, &pi, 77, 0x000001,
		    buf + HR, HR, &o), DP_DROP_NONE);
		hl = v6 ? 40 : 20;
		ck_assert_int_eq(o.data[hl + 16 - 8], 0xC8);	/* N L I */
		ck_assert_int_eq(o.data[hl + 16 - 1], 0x05);
		ck_assert_int_eq(t_get16(o.data + hl + 2), 8000);
		ck_assert_uint_eq(t_get16(o.data + hl + 4 + 0), n + 16);
		/* Compatibility mode: outer Not-ECT, DSCP still copied. */
		if (v6)
			ck_assert_int_eq((t_get16(o.data) >> 4) & 0xFF,
			    0xB9 & 0xFC);
		else
			ck_assert_int_eq(o.data[1], 0xB9 & 0xFC);
		/* The computed UDP checksum verifies independently. */
		memcpy(src, ep.src, 16);
		memcpy(dst, ep.dst, 16);
		ck_assert_uint_ne(t_get16(o.data + hl + 6), 0);
		ck_assert(t_l4_ok(v6, src, dst, 17, o.data + hl, n + 16));
	}
}
END_TEST

START_TEST(test_sport_flow_label)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp6;
	static uint8_t		 seen[16384];
	uint16_t		 sp, sp0;
	uint32_t		 fl0;
	int			 i, distinct = 0, samefl = 0;

	params(&ep, 1);
	mk(&t, &pi);
	ck_assert_int_eq(encap_packet(&ep, &pi, pkt_flow_hash(&pi),
	    encap_nonce(), buf + HR, HR, &o), DP_DROP_NONE);
	sp0 = t_get16(o.data + 40);
	fl0 = t_get32(o.data) & 0xFFFFF;
	/* Same flow, other packet (length, TTL): same port and label. */
	t.datalen = 300;
	t.ttl = 2;
	mk(&t, &pi);
	ck_assert_int_eq(encap_packet(&ep, &pi, pkt_flow_hash(&pi),
	    encap_nonce(), buf + HR, HR, &o), DP_DROP_NONE);
	ck_assert_int_eq(t_get16(o.data + 40), sp0);
	ck_assert_uint_eq(t_get32(o.data) & 0xFFFFF, fl0);

	/* 512 flows spread over the 16384 ports and the labels. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 512; i++) {
		t = udp6;
		t.sport = (uint16_t)(1000 + i);
		mk(&t, &pi);
		ck_assert_int_eq(encap_packet(&ep, &pi, pkt_flow_hash(&pi),
		    encap_nonce(), buf + HR, HR, &o), DP_DROP_NONE);
		sp = t_get16(o.data + 40);
		ck_assert_uint_ge(sp, 49152);
		ck_assert_uint_eq(sp, encap_sport(pkt_flow_hash(&pi)));
		if (!seen[sp - 49152]++)
			distinct++;
		samefl += (t_get32(o.data) & 0xFFFFF) == fl0;
	}
	/* Expected ~504 distinct of 512 in 16384 bins. */
	ck_assert_int_ge(distinct, 480);
	ck_assert_int_le(samefl, 2);

	/* The whole range is reachable and nothing falls outside it. */
	ck_assert_uint_eq(encap_sport(0), 49152);
	ck_assert_uint_eq(encap_sport(16383), 65535);
	ck_assert_uint_eq(encap_sport(16384), 49152);
	ck_assert_uint_eq(encap_sport(UINT64_MAX), 65535);
}
END_TEST

START_TEST(test_nonce_ipid)
{
	uint32_t	 n, or = 0;
	int		 i;

	for (i = 0; i < 200; i++) {
		n = encap_nonce();
		ck_assert_uint_le(n, 0xFFFFFF);
		or |= n;
	}
	ck_assert_uint_eq(or, 0xFFFFFF);
}
END_TEST

/*
 * encap_plain() (the ITR's inlined copy) writes what encap_packet()
 * writes for the same parameters without crypto, flags or a fixed
 * source port: every byte of the outer packet, its start and length,
 * over random inner and outer families, TOS, TTL, lengths, addresses,
 * RLOC ports (0 too), instance-ids (beyond 24 bits too), flow hashes,
 * nonces and IPv4 IDs (encap_packet() draws the ID: both runs start
 * from one seed).
 */
static uint64_t
xs64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(test_plain_same_bytes)
{
	static uint8_t		 b1[HR + 1500], b2[HR + 1500];
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	struct t_pkt		 t;
	uint64_t		 rs = 0x9E3779B97F4A7C15ULL, h;
	uint32_t		 nonce, id;
	uint8_t			*p;
	size_t			 n, len;
	int			 i, k;

	for (i = 0; i < 4000; i++) {
		t = (i & 1) ? udp6 : udp4;
		t.tos = (uint8_t)xs64(&rs);
		t.ttl = (uint8_t)(1 + xs64(&rs) % 255);
		t.datalen = xs64(&rs) % 1400;
		n = mk(&t, &pi);
		memset(&ep, 0, sizeof(ep));
		ep.af = (i & 2) ? AF_INET6 : AF_INET;
		for (k = 0; k < 16; k++) {
			ep.src[k] = (uint8_t)xs64(&rs);
			ep.dst[k] = (uint8_t)xs64(&rs);
		}
		ep.dport = (i % 5 == 0) ? 0 : (uint16_t)xs64(&rs);
		ep.iid = (uint32_t)xs64(&rs);
		ep.mtu = 65535;
		h = xs64(&rs);
		if (i % 7 == 0)
			h &= ~(uint64_t)0xFFFFF << 20;	/* flow label 0 */
		nonce = (uint32_t)xs64(&rs) & 0xFFFFFF;
		memcpy(b1 + HR, buf + HR, n);
		memcpy(b2 + HR, buf + HR, n);
		pkt_rand_seed((uint64_t)i);
		ck_assert_int_eq(encap_packet(&ep, &pi, h, nonce, b1 + HR, HR,
		    &o), DP_DROP_NONE);
		pkt_rand_seed((uint64_t)i);
		id = pkt_rand32();
		p = encap_plain(ep.af, ep.src, ep.dst, ep.dport, ep.iid, &pi,
		    h, nonce, id, b2 + HR, &len);
		ck_assert_uint_eq(len, o.len);
		ck_assert_uint_eq((size_t)(p - b2), (size_t)(o.data - b1));
		ck_assert_mem_eq(p, o.data, len);
	}
}
END_TEST

START_TEST(test_errors)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;

	params(&ep, 1);
	mk(&t, &pi);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, 55, &o),
	    DP_DROP_NO_BUFFER);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, 56, &o),
	    DP_DROP_NONE);
	params(&ep, 0);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, 35, &o),
	    DP_DROP_NO_BUFFER);
	/* TTL 0 is dropped; TTL 1 is sent (the kernel already forwarded). */
	t.ttl = 0;
	mk(&t, &pi);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR, &o),
	    DP_DROP_TTL_EXPIRED);
	t.ttl = 1;
	mk(&t, &pi);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR, &o),
	    DP_DROP_NONE);
	ck_assert_int_eq(o.data[8], 1);
	/* Link padding after the inner IP length is not sent. */
	t = udp4;
	ck_assert_uint_eq(t_build(buf + HR, &t), 40);
	memset(buf + HR + 40, 0xEE, 20);
	ck_assert_int_eq(pkt_parse(buf + HR, 60, &pi), DP_DROP_NONE);
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR, &o),
	    DP_DROP_NONE);
	ck_assert_uint_eq(o.len, 76);
}
END_TEST

START_TEST(test_mtu_boundary)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;
	int			 v6;

	for (v6 = 0; v6 < 2; v6++) {
		params(&ep, v6);
		/* Default MTU 1500: inner 1464 (v4 outer) / 1444 fits. */
		t.datalen = (v6 ? 1444 : 1464) - 28;
		mk(&t, &pi);
		ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR,
		    &o), DP_DROP_NONE);
		ck_assert_uint_eq(o.len, 1500);
		t.datalen++;
		mk(&t, &pi);
		ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR,
		    &o), DP_DROP_TOO_BIG);
		ep.mtu = 9000;
		ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR,
		    &o), DP_DROP_NONE);
	}
}
END_TEST

/* Split, check each piece, reassemble the payload. */
static void
frag_case(int out6, uint16_t fragw, size_t datalen, uint16_t mtu,
    int with_opts)
{
	struct encap_params	 ep;
	struct encap_pkt	 o[2];
	struct pkt_info		 pi, p0, p1;
	struct t_pkt		 t = udp4;
	uint8_t			 orig[4096], re[4096];
	const uint32_t		 nonces[2] = { 0x111111, 0x222222 };
	uint8_t			*in0, *in1;
	size_t			 n, ovh, ihl = with_opts ? 28 : 20, pay;
	uint16_t		 off0 = fragw & 0x1FFF;

	t.fragw = fragw;
	t.datalen = datalen;
	n = t_build(orig, &t);
	if (with_opts) {
		/* Router alert (copied), record route (not copied), EOL. */
		memcpy(buf + HR, orig, 20);
		buf[HR] = 0x47;
		t_put16(buf + HR + 2, (uint16_t)(n + 8));
		memcpy(buf + HR + 20, "\x94\x04\x00\x00\x07\x03\x04\x00", 8);
		memcpy(buf + HR + 28, orig + 20, n - 20);
		n += 8;
		t_put16(buf + HR + 10, 0);
		t_put16(buf + HR + 10, t_fold(t_sum(0, buf + HR, 28)));
		memcpy(orig, buf + HR, n);
	} else
		memcpy(buf + HR, orig, n);
	ck_assert_int_eq(pkt_parse(buf + HR, n, &pi), DP_DROP_NONE);
	params(&ep, out6);
	ep.mtu = mtu;
	ovh = encap_overhead(ep.af);
	ck_assert_int_eq(encap_packet(&ep, &pi, 9, 1, buf + HR, HR, o),
	    DP_DROP_TOO_BIG);
	ck_assert_int_eq(encap_fragment(&ep, &pi, 9, nonces, buf + HR, HR,
	    buf2, sizeof(buf2), o), DP_DROP_NONE);

	in0 = o[0].data + ovh;
	in1 = o[1].data + ovh;
	ck_assert_uint_le(o[0].len, mtu);
	ck_assert_uint_le(o[1].len, mtu);
	ck_assert_int_eq(pkt_parse(in0, o[0].len - ovh, &p0), DP_DROP_NONE);
	ck_assert_int_eq(pkt_parse(in1, o[1].len - ovh, &p1), DP_DROP_NONE);
	check_outer(&o[0], &ep, in0, p0.tot_len, 63, 0xB9, 0x111111, 4341);
	check_outer(&o[1], &ep, in1, p1.tot_len, 63, 0xB9, 0x222222, 4341);
	/* Same flow: same UDP source port. */
	ck_assert_int_eq(t_get16(o[0].data + ovh - 16),
	    t_get16(o[1].data + ovh - 16));
	/* Inner headers: valid checksums, ID kept, offsets and MF. */
	ck_assert_uint_eq(t_fold(t_sum(0, in0, p0.hdr_len)), 0);
	ck_assert_uint_eq(t_fold(t_sum(0, in1, p1.hdr_len)), 0);
	ck_assert_int_eq(t_get16(in0 + 4), 0x1234);
	ck_assert_int_eq(t_get16(in1 + 4), 0x1234);
	ck_assert_int_eq(in0[8], 63);
	ck_assert_int_eq(in1[8], 63);
	ck_assert_int_eq(t_get16(in0 + 6), 0x2000 | off0);
	ck_assert_int_eq(t_get16(in1 + 6), (fragw & 0x2000) |
	    (off0 + (p0.tot_len - p0.hdr_len) / 8));
	ck_assert_uint_eq((p0.tot_len - p0.hdr_len) % 8, 0);
	ck_assert_int_eq(p0.hdr_len, ihl);
	if (with_opts) {
		ck_assert_int_eq(p1.hdr_len, 24);
		ck_assert_mem_eq(in1 + 20, "\x94\x04\x00\x00", 4);
	} else
		ck_assert_int_eq(p1.hdr_len, 20);
	/* Nearly equal halves. */
	ck_assert_uint_le(p0.tot_len - p0.hdr_len -
	    (p1.tot_len - p1.hdr_len), 15);
	/* Reassembly gives back the original payload. */
	pay = n - ihl;
	ck_assert_uint_eq((p0.tot_len - p0.hdr_len) +
	    (p1.tot_len - p1.hdr_len), pay);
	memcpy(re, in0 + p0.hdr_len, p0.tot_len - p0.hdr_len);
	memcpy(re + p0.tot_len - p0.hdr_len, in1 + p1.hdr_len,
	    p1.tot_len - p1.hdr_len);
	ck_assert_mem_eq(re, orig + ihl, pay);
}

START_TEST(test_fragment)
{
	frag_case(0, 0, 1472, 1500, 0);		/* 1500 inner, v4 outer */
	frag_case(1, 0, 1472, 1500, 0);		/* v6 outer */
	frag_case(0, 0, 1001, 1000, 0);		/* odd payload */
	frag_case(0, 0, 1472, 1500, 1);		/* with options */
	frag_case(1, 0x2000 | 100, 1400, 1400, 0); /* already a fragment */
	frag_case(0, 300, 1400, 1400, 0);	/* last fragment */
}
END_TEST

START_TEST(test_fragment_refused)
{
	struct encap_params	 ep;
	struct encap_pkt	 o[2];
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;
	const uint32_t		 nonces[2] = { 1, 2 };

	params(&ep, 0);
	t.datalen = 1472;
	mk(&t, &pi);				/* DF set */
	ck_assert_int_eq(encap_fragment(&ep, &pi, 9, nonces, buf + HR, HR,
	    buf2, sizeof(buf2), o), DP_DROP_TOO_BIG);
	t = udp6;
	t.datalen = 1452;
	mk(&t, &pi);
	ck_assert_int_eq(encap_fragment(&ep, &pi, 9, nonces, buf + HR, HR,
	    buf2, sizeof(buf2), o), DP_DROP_TOO_BIG);
	/* Two pieces cannot carry 9000 bytes through 1500. */
	t = udp4;
	t.fragw = 0;
	t.datalen = 9000;
	mk(&t, &pi);
	ck_assert_int_eq(encap_fragment(&ep, &pi, 9, nonces, buf + HR, HR,
	    buf2, sizeof(buf2), o), DP_DROP_TOO_BIG);
	/* Second buffer too small. */
	t.datalen = 1472;
	mk(&t, &pi);
	ck_assert_int_eq(encap_fragment(&ep, &pi, 9, nonces, buf + HR, HR,
	    buf2, HR + 100, o), DP_DROP_NO_BUFFER);
}
END_TEST

START_TEST(test_icmp4_too_big)
{
	struct encap_params	 ep;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;
	uint8_t			 me[16], isrc[16];
	size_t			 n, len;

	t.datalen = 1472;
	n = mk(&t, &pi);
	params(&ep, 0);
	ep.mtu = 1400;
	t_addr(0, "192.0.2.254", me);
	t_addr(0, "192.0.2.1", isrc);
	len = encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp, sizeof(icmp));
	ck_assert_uint_eq(len, 576);
	ck_assert_int_eq(icmp[0], 0x45);
	ck_assert_uint_eq(t_get16(icmp + 2), 576);
	ck_assert_int_eq(icmp[9], 1);
	ck_assert_uint_eq(t_fold(t_sum(0, icmp, 20)), 0);
	ck_assert_mem_eq(icmp + 12, me, 4);
	ck_assert_mem_eq(icmp + 16, isrc, 4);
	ck_assert_int_eq(icmp[20], 3);
	ck_assert_int_eq(icmp[21], 4);
	ck_assert_uint_eq(t_fold(t_sum(0, icmp + 20, len - 20)), 0);
	ck_assert_int_eq(t_get16(icmp + 24), 0);
	ck_assert_int_eq(t_get16(icmp + 26), 1400 - 36);
	ck_assert_mem_eq(icmp + 28, buf + HR, 576 - 28);
	ck_assert_uint_eq(encap_inner_mtu(&ep, 4), 1364);
	/* IPv6 outer: 56 bytes of overhead. */
	params(&ep, 1);
	len = encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp, sizeof(icmp));
	ck_assert_int_eq(t_get16(icmp + 26), 1500 - 56);
	/* A small inner packet is quoted whole. */
	t.datalen = 10;
	n = mk(&t, &pi);
	len = encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp, sizeof(icmp));
	ck_assert_uint_eq(len, 28 + n);
	ck_assert_mem_eq(icmp + 28, buf + HR, n);
	ck_assert_uint_eq(t_fold(t_sum(0, icmp + 20, len - 20)), 0);
	/* Too small an output buffer: nothing. */
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    len - 1), 0);
}
END_TEST

START_TEST(test_icmp6_too_big)
{
	struct encap_params	 ep;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp6;
	uint8_t			 me[16], isrc[16];
	size_t			 len;

	t.datalen = 1452;
	mk(&t, &pi);
	params(&ep, 1);
	t_addr(1, "2001:db8:1::fe", me);
	t_addr(1, "2001:db8:1::1", isrc);
	len = encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp, sizeof(icmp));
	ck_assert_uint_eq(len, 1280);
	ck_assert_int_eq(icmp[0] >> 4, 6);
	ck_assert_uint_eq(t_get16(icmp + 4), 1280 - 40);
	ck_assert_int_eq(icmp[6], 58);
	ck_assert_mem_eq(icmp + 8, me, 16);
	ck_assert_mem_eq(icmp + 24, isrc, 16);
	ck_assert_int_eq(icmp[40], 2);
	ck_assert_int_eq(icmp[41], 0);
	ck_assert_uint_eq(t_get32(icmp + 44), 1500 - 56);
	ck_assert(t_l4_ok(1, me, isrc, 58, icmp + 40, len - 40));
	ck_assert_mem_eq(icmp + 48, buf + HR, 1280 - 48);
	/* The reported MTU never goes below 1280. */
	ep.mtu = 1300;
	len = encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp, sizeof(icmp));
	ck_assert_uint_eq(t_get32(icmp + 44), 1280);
	ck_assert(t_l4_ok(1, me, isrc, 58, icmp + 40, len - 40));
	ck_assert_uint_eq(encap_inner_mtu(&ep, 6), 1280);
}
END_TEST

/* No ICMP error about ICMP errors, fragments, odd sources. */
START_TEST(test_icmp_suppressed)
{
	struct encap_params	 ep;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;
	uint8_t			 me[16];

	params(&ep, 0);
	t_addr(0, "192.0.2.254", me);
	t.proto = 1;
	mk(&t, &pi);				/* echo request: answered */
	ck_assert_uint_gt(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	buf[HR + 20] = 3;			/* dest unreachable */
	ck_assert_int_eq(pkt_parse(buf + HR, 40, &pi), DP_DROP_NONE);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	t = udp4;
	t.fragw = 0x2000 | 10;			/* non-first fragment */
	mk(&t, &pi);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	t = udp4;
	t.src = "0.0.0.0";
	mk(&t, &pi);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	t = udp4;
	t.dst = "224.0.0.5";
	mk(&t, &pi);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	t = udp6;
	t.proto = 58;
	mk(&t, &pi);				/* echo request: answered */
	ck_assert_uint_gt(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	buf[HR + 40] = 1;			/* destination unreachable */
	ck_assert_int_eq(pkt_parse(buf + HR, 68, &pi), DP_DROP_NONE);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
	t = udp6;
	t.src = "ff02::1";
	mk(&t, &pi);
	ck_assert_uint_eq(encap_icmp_too_big(&ep, &pi, buf + HR, me, icmp,
	    sizeof(icmp)), 0);
}
END_TEST

static Suite *
encap_suite(void)
{
	Suite	*s = suite_create("encap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_combo_44);
	tcase_add_test(tc, test_combo_64);
	tcase_add_test(tc, test_combo_46);
	tcase_add_test(tc, test_combo_66);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_sport_flow_label);
	tcase_add_test(tc, test_nonce_ipid);
	tcase_add_test(tc, test_plain_same_bytes);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_mtu_boundary);
	tcase_add_test(tc, test_fragment);
	tcase_add_test(tc, test_fragment_refused);
	tcase_add_test(tc, test_icmp4_too_big);
	tcase_add_test(tc, test_icmp6_too_big);
	tcase_add_test(tc, test_icmp_suppressed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(encap_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
