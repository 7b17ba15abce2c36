/* SPDX-License-Identifier: ISC */
/*
 * dataplane/decap and dbmap: round trips through encap for the four
 * combinations, the RFC 6040 table cell by cell (expected values typed
 * from the RFC figure, not from the code), TTL min rule, DSCP copy, the
 * header checks with their reasons, truncation at every length, and the
 * outer header parser.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dbmap.h"
#include "decap.h"
#include "dp_stats.h"
#include "encap.h"
#include "inet_test.h"
#include "pkt.h"

#define HR	ENCAP_HEADROOM

static uint8_t	 buf[HR + 4096];

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

/* Build a payload: 8-byte LISP header (given) + inner packet. */
static size_t
mkpayload(uint8_t *p, const uint8_t hdr[8], const struct t_pkt *t)
{
	memcpy(p, hdr, 8);
	return 8 + t_build(p + 8, t);
}

static const uint8_t	 hdr_ni[8] = { 0x88, 0x12, 0x34, 0x56, 0, 0, 0x64, 0 };

static void
outer_of(struct decap_outer *o, int v6, uint8_t ttl, uint8_t tos)
{
	memset(o, 0, sizeof(*o));
	o->af = v6 ? AF_INET6 : AF_INET;
	t_addr(v6, v6 ? "2001:db8:ffff::1" : "203.0.113.1", o->src);
	o->ttl = ttl;
	o->tos = tos;
}

static void
roundtrip(int in6, int out6)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct pkt_info		 pi;
	uint8_t			 orig[256];
	size_t			 n, off, plen;

	n = t_build(buf + HR, in6 ? &udp6 : &udp4);
	memcpy(orig, buf + HR, n);
	ck_assert_int_eq(pkt_parse(buf + HR, n, &pi), DP_DROP_NONE);
	memset(&ep, 0, sizeof(ep));
	ep.af = out6 ? AF_INET6 : AF_INET;
	t_addr(out6, out6 ? "2001:db8:ffff::1" : "203.0.113.1", ep.src);
	t_addr(out6, out6 ? "2001:db8:ffff::2" : "203.0.113.2", ep.dst);
	ep.iid = 4242;
	ck_assert_int_eq(encap_packet(&ep, &pi, pkt_flow_hash(&pi), 0x00BEEF,
	    buf + HR, HR, &o), DP_DROP_NONE);

	ck_assert_int_eq(decap_outer_parse(o.data, o.len, &ou, &off, &plen),
	    DP_DROP_NONE);
	ck_assert_int_eq(ou.af, ep.af);
	ck_assert_mem_eq(ou.src, ep.src, out6 ? 16 : 4);
	ck_assert_mem_eq(ou.dst, ep.dst, out6 ? 16 : 4);
	ck_assert_int_eq(ou.dport, 4341);
	ck_assert_uint_ge(ou.sport, 49152);
	ck_assert_int_eq(ou.ttl, pi.ttl);
	ck_assert_int_eq(ou.tos, pi.tos);
	ck_assert_uint_eq(plen, n + 8);

	ck_assert_int_eq(decap_packet(o.data + off, plen, &ou, 0, NULL, &r),
	    DP_DROP_NONE);
	ck_assert_int_eq(r.hdr.flags, 0x88);
	ck_assert_uint_eq(r.hdr.nonce, 0x00BEEF);
	ck_assert_uint_eq(r.hdr.iid, 4242);
	ck_assert_uint_eq(r.inner_len, n);
	ck_assert_ptr_eq(r.inner, buf + HR);
	/* TTL/DSCP/ECN copied out and back: the inner is unchanged. */
	ck_assert_mem_eq(r.inner, orig, n);
	ck_assert_int_eq(r.pi.version, in6 ? 6 : 4);
}

START_TEST(test_roundtrip_44) { roundtrip(0, 0); }
END_TEST
START_TEST(test_roundtrip_64) { roundtrip(1, 0); }
END_TEST
START_TEST(test_roundtrip_46) { roundtrip(0, 1); }
END_TEST
START_TEST(test_roundtrip_66) { roundtrip(1, 1); }
END_TEST

/* Round trip through a smaller outer TTL and a CE mark on the way. */
START_TEST(test_roundtrip_rewrite)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct pkt_info		 pi;
	struct t_pkt		 t = udp4;
	size_t			 n, off, plen;

	t.tos = 0x02;				/* ECT(0) */
	n = t_build(buf + HR, &t);
	ck_assert_int_eq(pkt_parse(buf + HR, n, &pi), DP_DROP_NONE);
	memset(&ep, 0, sizeof(ep));
	ep.af = AF_INET;
	ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR, &o),
	    DP_DROP_NONE);
	/* The underlay: one router hop and congestion (CE). */
	o.data[8] -= 1;
	o.data[1] |= 3;
	t_put16(o.data + 10, 0);
	t_put16(o.data + 10, t_fold(t_sum(0, o.data, 20)));
	ck_assert_int_eq(decap_outer_parse(o.data, o.len, &ou, &off, &plen),
	    DP_DROP_NONE);
	ck_assert_int_eq(decap_packet(o.data + off, plen, &ou, 0, NULL, &r),
	    DP_DROP_NONE);
	ck_assert_int_eq(r.inner[8], 62);
	ck_assert_int_eq(r.inner[1], 0x03);
	ck_assert_uint_eq(t_fold(t_sum(0, r.inner, 20)), 0);
}
END_TEST

/*
 * RFC 6040 Figure 4, typed in here: rows inner, columns outer, in the
 * order Not-ECT, ECT(0), ECT(1), CE; -1 = drop.
 */
#define NE	0
#define E0	2
#define E1	1
#define CE	3
static const int ecn_cp[4] = { NE, E0, E1, CE };
static const int rfc6040[4][4] = {
	/* Not-ECT */ { NE, NE, NE, -1 },
	/* ECT(0) */  { E0, E0, E1, CE },
	/* ECT(1) */  { E1, E1, E1, CE },
	/* CE */      { CE, CE, CE, CE },
};

START_TEST(test_ecn_table)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct t_pkt		 t;
	uint8_t			 p[256];
	size_t			 n;
	int			 i, o, v6, unexp, cells = 0;

	for (v6 = 0; v6 < 2; v6++)
	for (i = 0; i < 4; i++)
	for (o = 0; o < 4; o++) {
		t = v6 ? udp6 : udp4;
		t.tos = (uint8_t)(0x28 << 2 | ecn_cp[i]);	/* AF11-ish */
		n = mkpayload(p, hdr_ni, &t);
		outer_of(&ou, 0, 64, (uint8_t)(0x28 << 2 | ecn_cp[o]));
		ck_assert_int_eq(decap_ecn((uint8_t)ecn_cp[i],
		    (uint8_t)ecn_cp[o], &unexp), rfc6040[i][o]);
		if (rfc6040[i][o] == -1) {
			ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
			    DP_DROP_ECN);
			ck_assert_str_eq(dp_drop_name(DP_DROP_ECN),
			    "ecn-drop");
		} else {
			ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
			    DP_DROP_NONE);
			ck_assert_int_eq(r.pi.tos & 3, rfc6040[i][o]);
			if (v6)
				ck_assert_int_eq((t_get16(p + 8) >> 4) & 3,
				    rfc6040[i][o]);
			else {
				ck_assert_int_eq(p[8 + 1] & 3, rfc6040[i][o]);
				ck_assert_uint_eq(t_fold(t_sum(0, p + 8, 20)),
				    0);
			}
		}
		cells++;
	}
	ck_assert_int_eq(cells, 32);
	/* The "should not happen" cells are flagged. */
	decap_ecn(NE, E0, &unexp);
	ck_assert_int_eq(unexp, 1);
	decap_ecn(NE, E1, &unexp);
	ck_assert_int_eq(unexp, 1);
	decap_ecn(CE, E1, &unexp);
	ck_assert_int_eq(unexp, 1);
	decap_ecn(E0, CE, &unexp);
	ck_assert_int_eq(unexp, 0);
}
END_TEST

START_TEST(test_ttl_min)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct t_pkt		 t;
	uint8_t			 p[256];
	size_t			 n;
	int			 v6, ottl;

	for (v6 = 0; v6 < 2; v6++)
	for (ottl = 0; ottl < 256; ottl += 5) {
		t = v6 ? udp6 : udp4;
		t.ttl = 40;
		n = mkpayload(p, hdr_ni, &t);
		outer_of(&ou, !v6, (uint8_t)ottl, t.tos);
		if (ottl == 0) {
			ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
			    DP_DROP_TTL_EXPIRED);
			continue;
		}
		ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
		    DP_DROP_NONE);
		ck_assert_int_eq(p[8 + (v6 ? 7 : 8)], ottl < 40 ? ottl : 40);
		ck_assert_int_eq(r.pi.ttl, ottl < 40 ? ottl : 40);
		if (!v6)
			ck_assert_uint_eq(t_fold(t_sum(0, p + 8, 20)), 0);
	}
}
END_TEST

START_TEST(test_dscp)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct t_pkt		 t;
	uint8_t			 p[256];
	size_t			 n;
	int			 v6;

	for (v6 = 0; v6 < 2; v6++) {
		t = v6 ? udp6 : udp4;
		t.tos = 0x00;
		n = mkpayload(p, hdr_ni, &t);
		outer_of(&ou, 0, 64, 46 << 2);		/* EF, Not-ECT */
		ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
		    DP_DROP_NONE);
		ck_assert_int_eq(r.pi.tos, 46 << 2);
		n = mkpayload(p, hdr_ni, &t);
		ck_assert_int_eq(decap_packet(p, n, &ou, DECAP_F_KEEP_DSCP,
		    NULL, &r), DP_DROP_NONE);
		ck_assert_int_eq(r.pi.tos, 0);
		ck_assert_int_eq(v6 ? (t_get16(p + 8) >> 4) & 0xFF : p[9], 0);
	}
}
END_TEST

START_TEST(test_header_checks)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	uint8_t			 p[256], h[8];
	size_t			 n, i;
	int			 kk;

	outer_of(&ou, 0, 64, 0);
	n = mkpayload(p, hdr_ni, &udp4);
	for (i = 0; i < 8; i++) {
		uint8_t *q = malloc(i ? i : 1);

		memcpy(q, p, i);
		ck_assert_int_eq(decap_packet(q, i, &ou, 0, NULL, &r),
		    DP_DROP_BAD_HEADER);
		free(q);
	}
	/* lispers.net control-in-data IID: ignored. */
	memcpy(h, hdr_ni, 8);
	h[4] = h[5] = h[6] = 0xFF;
	n = mkpayload(p, h, &udp4);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
	    DP_DROP_CONTROL_IID);
	/* Without I the same bytes are LSBs, not an IID. */
	h[0] = 0xC0;
	n = mkpayload(p, h, &udp4);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r), DP_DROP_NONE);
	ck_assert_uint_eq(r.hdr.lsb, 0xFFFFFF00);
	/* KK != 0: no key yet. */
	for (kk = 1; kk < 4; kk++) {
		memcpy(h, hdr_ni, 8);
		h[0] |= (uint8_t)kk;
		n = mkpayload(p, h, &udp4);
		ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
		    DP_DROP_NO_DECRYPT_KEY);
	}
	/* Inner version 5 and 0. */
	n = mkpayload(p, hdr_ni, &udp4);
	p[8] = 0x55;
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
	    DP_DROP_BAD_INNER);
	p[8] = 0x05;
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
	    DP_DROP_BAD_INNER);
	/* GPE: next protocol decides, and must agree with the nibble. */
	memcpy(h, "\x0c\x00\x00\x01\x00\x00\x64\x00", 8);
	n = mkpayload(p, h, &udp4);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r), DP_DROP_NONE);
	n = mkpayload(p, h, &udp6);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
	    DP_DROP_BAD_INNER);
	h[3] = 0x02;
	n = mkpayload(p, h, &udp6);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r), DP_DROP_NONE);
	h[3] = 0x03;				/* Ethernet: not supported */
	n = mkpayload(p, h, &udp6);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r),
	    DP_DROP_BAD_INNER);
	/* R bit with N: RFC 9300 reserved, ignored. */
	memcpy(h, hdr_ni, 8);
	h[0] |= 0x04;
	n = mkpayload(p, h, &udp6);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, NULL, &r), DP_DROP_NONE);
}
END_TEST

/* Every truncation of the inner packet: inner-header-error. */
START_TEST(test_truncated_inner)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	uint8_t			 p[256];
	size_t			 n, i;
	int			 v6;

	outer_of(&ou, 0, 64, 0);
	for (v6 = 0; v6 < 2; v6++) {
		n = mkpayload(p, hdr_ni, v6 ? &udp6 : &udp4);
		for (i = 8; i < n; i++) {
			uint8_t *q = malloc(i);

			memcpy(q, p, i);
			ck_assert_msg(decap_packet(q, i, &ou, 0, NULL, &r) ==
			    DP_DROP_INNER_HEADER, "v6 %d len %zu", v6, i);
			free(q);
		}
		/* Trailing bytes (crypto padding) are trimmed. */
		memset(p + n, 0, 16);
		ck_assert_int_eq(decap_packet(p, n + 16, &ou, 0, NULL, &r),
		    DP_DROP_NONE);
		ck_assert_uint_eq(r.inner_len, n - 8);
	}
}
END_TEST

START_TEST(test_dbmap)
{
	struct decap_outer	 ou;
	struct decap_result	 r;
	struct dbmap		*db;
	struct t_pkt		 t;
	uint8_t			 p[256], a[16];
	size_t			 n;

	db = dbmap_new();
	ck_assert_ptr_nonnull(db);
	t_addr(0, "198.51.100.0", a);
	ck_assert_int_eq(dbmap_add(db, 100, AF_INET, a, 24), 0);
	t_addr(1, "2001:db8:2::", a);
	ck_assert_int_eq(dbmap_add(db, 100, AF_INET6, a, 48), 0);
	ck_assert_int_eq(dbmap_add(db, 100, AF_INET6, a, 129), -1);
	ck_assert_int_eq(dbmap_add(db, 100, 99, a, 1), -1);
	ck_assert_uint_eq(dbmap_count(db), 2);
	outer_of(&ou, 0, 64, 0);

	n = mkpayload(p, hdr_ni, &udp4);	/* IID 100, 198.51.100.7 */
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, db, &r), DP_DROP_NONE);
	n = mkpayload(p, hdr_ni, &udp6);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, db, &r), DP_DROP_NONE);
	t = udp4;
	t.dst = "198.51.101.7";
	n = mkpayload(p, hdr_ni, &t);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, db, &r),
	    DP_DROP_NOT_LOCAL_EID);
	t = udp6;
	t.dst = "2001:db8:3::2";
	n = mkpayload(p, hdr_ni, &t);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, db, &r),
	    DP_DROP_NOT_LOCAL_EID);
	/* Right prefix, other IID. */
	n = mkpayload(p, (const uint8_t *)"\x88\x00\x00\x01\x00\x00\x65\x00",
	    &udp4);
	ck_assert_int_eq(decap_packet(p, n, &ou, 0, db, &r),
	    DP_DROP_NOT_LOCAL_EID);
	/* Prefix lengths that are not byte multiples. */
	t_addr(0, "192.0.2.128", a);
	ck_assert_int_eq(dbmap_add(db, 7, AF_INET, a, 25), 0);
	t_addr(0, "192.0.2.200", a);
	ck_assert_int_eq(dbmap_match(db, 7, AF_INET, a), 1);
	t_addr(0, "192.0.2.127", a);
	ck_assert_int_eq(dbmap_match(db, 7, AF_INET, a), 0);
	t_addr(0, "0.0.0.0", a);
	ck_assert_int_eq(dbmap_add(db, 8, AF_INET, a, 0), 0);
	t_addr(0, "203.0.113.9", a);
	ck_assert_int_eq(dbmap_match(db, 8, AF_INET, a), 1);
	ck_assert_int_eq(dbmap_match(db, 8, AF_INET6, a), 0);
	dbmap_free(db);
	dbmap_free(NULL);
}
END_TEST

/*
 * dbmap_match() against a bit-by-bit reference: random tables of a few
 * prefixes of both families, every length 0..32 / 0..128, in three
 * instance-ids (one above 24 bits: only 24 count), host bits set in
 * the added prefix; addresses near each prefix (one bit flipped at
 * every position) and random ones.
 */
static int
ref_bit(const uint8_t *a, unsigned int i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

static int
ref_match(const uint8_t (*pf)[16], const unsigned int *plen,
    const uint32_t *iid, const int *af, int n, uint32_t qiid, int qaf,
    const uint8_t *q)
{
	unsigned int	 b;
	int		 k, ok;

	for (k = 0; k < n; k++) {
		if ((iid[k] & 0xFFFFFF) != (qiid & 0xFFFFFF) || af[k] != qaf)
			continue;
		ok = 1;
		for (b = 0; b < plen[k] && ok; b++)
			ok = ref_bit(pf[k], b) == ref_bit(q, b);
		if (ok)
			return 1;
	}
	return 0;
}

START_TEST(test_dbmap_reference)
{
	static const uint32_t	 iids[3] = { 7, 0x1000007, 9 };
	struct dbmap		*db;
	uint8_t			 pf[6][16], q[16];
	unsigned int		 plen[6], b;
	uint32_t		 iid[6], rs = 12345, qiid;
	int			 af[6], round, k, n, j, hits = 0, total = 0;

	for (round = 0; round < 300; round++) {
		db = dbmap_new();
		ck_assert_ptr_nonnull(db);
		n = 1 + round % 6;
		for (k = 0; k < n; k++) {
			af[k] = (round + k) % 3 == 0 ? AF_INET6 : AF_INET;
			for (j = 0; j < 16; j++) {
				rs = rs * 1103515245u + 12345u;
				pf[k][j] = (uint8_t)(rs >> 16);
			}
			rs = rs * 1103515245u + 12345u;
			plen[k] = (rs >> 16) % (af[k] == AF_INET ? 33 : 129);
			iid[k] = iids[(rs >> 8) % 3];
			ck_assert_int_eq(dbmap_add(db, iid[k], af[k], pf[k],
			    plen[k]), 0);
		}
		for (k = 0; k < n; k++) {
			for (b = 0; b <= (af[k] == AF_INET ? 32u : 128u);
			    b++) {
				memcpy(q, pf[k], 16);
				if (b < (af[k] == AF_INET ? 32u : 128u))
					q[b / 8] ^= (uint8_t)(0x80 >> b % 8);
				for (j = 0; j < 3; j++) {
					qiid = iids[j];
					hits += ref_match(pf, plen, iid, af, n,
					    qiid, af[k], q);
					total++;
					ck_assert_int_eq(dbmap_match(db, qiid,
					    af[k], q), ref_match(pf, plen,
					    iid, af, n, qiid, af[k], q));
					ck_assert_int_eq(dbmap_match(db, qiid,
					    af[k] == AF_INET ? AF_INET6 :
					    AF_INET, q), ref_match(pf, plen,
					    iid, af, n, qiid, af[k] ==
					    AF_INET ? AF_INET6 : AF_INET, q));
				}
			}
		}
		dbmap_free(db);
	}
	/* Both outcomes were exercised in quantity. */
	ck_assert_int_gt(hits, total / 10);
	ck_assert_int_lt(hits, total - total / 10);
}
END_TEST

START_TEST(test_outer_parse)
{
	struct encap_params	 ep;
	struct encap_pkt	 o;
	struct decap_outer	 ou;
	struct pkt_info		 pi;
	size_t			 n, off, plen, i;
	int			 v6;

	for (v6 = 0; v6 < 2; v6++) {
		n = t_build(buf + HR, &udp4);
		ck_assert_int_eq(pkt_parse(buf + HR, n, &pi), DP_DROP_NONE);
		memset(&ep, 0, sizeof(ep));
		ep.af = v6 ? AF_INET6 : AF_INET;
		ep.flags = ENCAP_F_UDP_CSUM;
		ck_assert_int_eq(encap_packet(&ep, &pi, 1, 1, buf + HR, HR,
		    &o), DP_DROP_NONE);
		ck_assert_int_eq(decap_outer_parse(o.data, o.len, &ou, &off,
		    &plen), DP_DROP_NONE);
		/* Every truncation is refused. */
		for (i = 0; i < o.len; i++) {
			uint8_t *q = malloc(i ? i : 1);

			memcpy(q, o.data, i);
			ck_assert_int_ne(decap_outer_parse(q, i, &ou, &off,
			    &plen), DP_DROP_NONE);
			free(q);
		}
		/* A flipped payload bit breaks the UDP checksum. */
		o.data[o.len - 1] ^= 1;
		ck_assert_int_eq(decap_outer_parse(o.data, o.len, &ou, &off,
		    &plen), DP_DROP_CHECKSUM);
		o.data[o.len - 1] ^= 1;
		if (!v6) {
			o.data[8] ^= 1;			/* TTL: IP checksum */
			ck_assert_int_eq(decap_outer_parse(o.data, o.len,
			    &ou, &off, &plen), DP_DROP_CHECKSUM);
			o.data[8] ^= 1;
			/*
			 * Protocol 17 -> 6 (TCP) with the header checksum
			 * updated as RFC 1624 eqn. 3 says, so that only
			 * the protocol is wrong: HC' = ~(~HC + ~m + m').
			 */
			{
				uint32_t hc, m, m2, sum;

				hc = (uint32_t)o.data[10] << 8 | o.data[11];
				m = (uint32_t)o.data[8] << 8 | o.data[9];
				o.data[9] = 6;
				m2 = (uint32_t)o.data[8] << 8 | o.data[9];
				sum = (~hc & 0xffff) + (~m & 0xffff) + m2;
				sum = (sum & 0xffff) + (sum >> 16);
				sum = (sum & 0xffff) + (sum >> 16);
				hc = ~sum & 0xffff;
				o.data[10] = (uint8_t)(hc >> 8);
				o.data[11] = (uint8_t)hc;
			}
			ck_assert_int_eq(decap_outer_parse(o.data, o.len,
			    &ou, &off, &plen), DP_DROP_OUTER_HEADER);
		} else {
			o.data[6] = 6;
			ck_assert_int_eq(decap_outer_parse(o.data, o.len,
			    &ou, &off, &plen), DP_DROP_OUTER_HEADER);
		}
	}
	/* Not IP at all. */
	memset(buf, 0x11, 64);
	ck_assert_int_eq(decap_outer_parse(buf, 64, &ou, &off, &plen),
	    DP_DROP_OUTER_HEADER);
}
END_TEST

START_TEST(test_names)
{
	int	 i, j;

	/* The legacy decap-statistics names, spelled exactly. */
	ck_assert_str_eq(dp_drop_name(DP_DROP_NONE), "good-packets");
	ck_assert_str_eq(dp_drop_name(DP_DROP_ICV), "ICV-error");
	ck_assert_str_eq(dp_drop_name(DP_DROP_CHECKSUM), "checksum-error");
	ck_assert_str_eq(dp_drop_name(DP_DROP_BAD_HEADER),
	    "lisp-header-error");
	ck_assert_str_eq(dp_drop_name(DP_DROP_NO_DECRYPT_KEY),
	    "no-decrypt-key");
	ck_assert_str_eq(dp_drop_name(DP_DROP_BAD_INNER),
	    "bad-inner-version");
	ck_assert_str_eq(dp_drop_name(DP_DROP_OUTER_HEADER),
	    "outer-header-error");
	ck_assert_str_eq(dp_drop_name(DP_DROP_MAX), "unknown");
	ck_assert_ptr_null(dp_drop_decap_stat(DP_DROP_CONTROL_IID));
	for (i = 0; i < DP_DROP_MAX; i++) {
		ck_assert_ptr_nonnull(dp_drop_name(i));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(dp_drop_name(i), dp_drop_name(j));
	}
}
END_TEST

static Suite *
decap_suite(void)
{
	Suite	*s = suite_create("decap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip_44);
	tcase_add_test(tc, test_roundtrip_64);
	tcase_add_test(tc, test_roundtrip_46);
	tcase_add_test(tc, test_roundtrip_66);
	tcase_add_test(tc, test_roundtrip_rewrite);
	tcase_add_test(tc, test_ecn_table);
	tcase_add_test(tc, test_ttl_min);
	tcase_add_test(tc, test_dscp);
	tcase_add_test(tc, test_header_checks);
	tcase_add_test(tc, test_truncated_inner);
	tcase_add_test(tc, test_dbmap);
	tcase_add_test(tc, test_dbmap_reference);
	tcase_add_test(tc, test_outer_parse);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(decap_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
