/* SPDX-License-Identifier: ISC */
/*
 * encode -> decode -> encode is byte-identical, for randomly generated
 * messages of every type (1-8): random flags, reserved bits, counts,
 * trailing/LISP-SEC blocks, and every LCAF type nested up to three
 * levels in EIDs, locators, ITR-RLOCs, Info and ECM inner messages
 * (fixed seed per type, so a failure reproduces).  test_msg.c covers
 * the same property with hand-built messages of every type and the
 * capture payloads; this suite adds the random combinations.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "lisp_addr.h"
#include "lisp_err.h"
#include "lisp_msg.h"

#define BUF_MAX		65536
#define ITERATIONS	3000		/* per message type */

static uint64_t	 rng;

static uint32_t
rnd(void)
{
	/* xorshift64*: reproducible, no libc state. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t
rn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t
rnd64(void)
{
	return (uint64_t)rnd() << 32 | rnd();
}

static void *
zalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size);

	ck_assert_ptr_nonnull(p);
	return p;
}

static uint8_t *
rbytes(size_t n, int nonzero)
{
	uint8_t	*p = zalloc(n, 1);
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = nonzero ? (uint8_t)(1 + rn(255)) : (uint8_t)rnd();
	return p;
}

static void	gen_addr(struct lisp_addr *, int);

/* Every LCAF type our codec parses, keeps raw, or does not know. */
static const uint8_t lcaf_types[] = {
	LCAF_NULL, LCAF_AFI_LIST, LCAF_IID, LCAF_ASN, LCAF_APP_DATA,
	LCAF_GEO, LCAF_OPAQUE_KEY, LCAF_NATT, LCAF_NONCE_LOC, LCAF_MCAST_INFO,
	LCAF_ELP, LCAF_SECKEY, LCAF_SRCDST, LCAF_RLE, LCAF_JSON, LCAF_KV,
	LCAF_ENCAP, LCAF_VENDOR, 17, 200,
};

static void
gen_list(struct lisp_addr **v, size_t *n, int depth)
{
	size_t	 i;

	*n = rn(4);
	*v = *n ? zalloc(*n, sizeof(**v)) : NULL;
	for (i = 0; i < *n; i++)
		gen_addr(&(*v)[i], depth);
}

static void
gen_lcaf(struct lisp_addr *a, int depth)
{
	struct lcaf	*l = zalloc(1, sizeof(*l));
	size_t		 i;

	a->afi = LISP_AFI_LCAF;
	a->u.lcaf = l;
	l->type = lcaf_types[rn(sizeof(lcaf_types))];
	l->rsvd1 = (uint8_t)rnd();
	l->flags = (uint8_t)rnd();
	l->rsvd2 = (uint8_t)rnd();
	depth++;
	switch (l->type) {
	case LCAF_AFI_LIST:
		gen_list(&l->u.list.addrs, &l->u.list.n, depth);
		break;
	case LCAF_IID:
		l->u.iid.iid = rnd();
		gen_addr(&l->u.iid.addr, depth);
		break;
	case LCAF_ASN:
		l->u.asn.asn = rnd();
		gen_addr(&l->u.asn.addr, depth);
		break;
	case LCAF_NATT:
		l->u.natt.ms_port = (uint16_t)rnd();
		l->u.natt.etr_port = (uint16_t)rnd();
		gen_addr(&l->u.natt.global_etr, depth);
		gen_addr(&l->u.natt.ms, depth);
		gen_addr(&l->u.natt.private_etr, depth);
		gen_list(&l->u.natt.rtr, &l->u.natt.n_rtr, depth);
		break;
	case LCAF_MCAST_INFO:
		l->u.mcast.iid = rnd();
		l->u.mcast.rsvd = (uint16_t)rnd();
		l->u.mcast.src_mlen = (uint8_t)rnd();
		l->u.mcast.grp_mlen = (uint8_t)rnd();
		gen_addr(&l->u.mcast.src, depth);
		gen_addr(&l->u.mcast.grp, depth);
		break;
	case LCAF_ELP:
		l->u.elp.n = rn(4);
		l->u.elp.hops = l->u.elp.n ?
		    zalloc(l->u.elp.n, sizeof(*l->u.elp.hops)) : NULL;
		for (i = 0; i < l->u.elp.n; i++) {
			l->u.elp.hops[i].flags = (uint16_t)rnd();
			gen_addr(&l->u.elp.hops[i].addr, depth);
		}
		break;
	case LCAF_SECKEY:
		l->u.seckey.key_count = (uint8_t)rn(LCAF_SECKEY_MAX_KEYS + 1);
		l->u.seckey.rsvd3 = (uint8_t)rnd();
		l->u.seckey.cipher_suite = (uint8_t)rnd();
		l->u.seckey.flags = (uint8_t)rnd();
		for (i = 0; i < l->u.seckey.key_count; i++) {
			l->u.seckey.key_len[i] = (uint16_t)rn(3) * 32;
			l->u.seckey.key[i] = l->u.seckey.key_len[i] ?
			    rbytes(l->u.seckey.key_len[i], 0) : NULL;
		}
		gen_addr(&l->u.seckey.addr, depth);
		break;
	case LCAF_SRCDST:
		l->u.srcdst.rsvd = (uint16_t)rnd();
		l->u.srcdst.src_mlen = (uint8_t)rnd();
		l->u.srcdst.dst_mlen = (uint8_t)rnd();
		gen_addr(&l->u.srcdst.src, depth);
		gen_addr(&l->u.srcdst.dst, depth);
		break;
	case LCAF_RLE:
		l->u.rle.n = rn(4);
		l->u.rle.entries = l->u.rle.n ?
		    zalloc(l->u.rle.n, sizeof(*l->u.rle.entries)) : NULL;
		for (i = 0; i < l->u.rle.n; i++) {
			l->u.rle.entries[i].rsvd[0] = (uint8_t)rnd();
			l->u.rle.entries[i].rsvd[2] = (uint8_t)rnd();
			l->u.rle.entries[i].level = (uint8_t)rnd();
			gen_addr(&l->u.rle.entries[i].addr, depth);
		}
		break;
	case LCAF_JSON:
		l->u.json.len = (uint16_t)rn(40);
		l->u.json.text = zalloc(l->u.json.len + 1u, 1);
		for (i = 0; i < l->u.json.len; i++)
			l->u.json.text[i] = (char)(' ' + rn(95));
		gen_addr(&l->u.json.addr, depth);
		break;
	case LCAF_KV:
		gen_addr(&l->u.kv.key, depth);
		gen_addr(&l->u.kv.value, depth);
		break;
	default:
		l->u.raw.len = (uint16_t)rn(24);
		l->u.raw.bytes = l->u.raw.len ? rbytes(l->u.raw.len, 0) : NULL;
		break;
	}
}

/* Any address; LCAFs nest up to 3 levels (the codec allows 4). */
static void
gen_addr(struct lisp_addr *a, int depth)
{
	size_t	 i, n;

	memset(a, 0, sizeof(*a));
	switch (rn(depth < 3 ? 8 : 6)) {
	case 0:
		a->afi = LISP_AFI_NONE;
		break;
	case 1:
	case 6:
		a->afi = LISP_AFI_IPV4;
		a->u.v4.s_addr = rnd();
		break;
	case 2:
		a->afi = LISP_AFI_IPV6;
		for (i = 0; i < 16; i++)
			a->u.v6.s6_addr[i] = (uint8_t)rnd();
		break;
	case 3:
		a->afi = LISP_AFI_MAC;
		for (i = 0; i < 6; i++)
			a->u.mac[i] = (uint8_t)rnd();
		break;
	case 4:
		a->afi = LISP_AFI_DN;
		n = rn(20);
		for (i = 0; i < n; i++)
			a->u.dn[i] = (char)('a' + rn(26));
		break;
	case 5:
		a->afi = LISP_AFI_ASN;
		a->u.asn = rnd();
		break;
	default:
		gen_lcaf(a, depth);
		break;
	}
}

/* A mask length valid for the EID (the decoder checks it). */
static uint8_t
gen_mlen(const struct lisp_addr *eid)
{
	const struct lisp_addr	*a = lisp_addr_strip_iid(eid, NULL);

	switch (a->afi) {
	case LISP_AFI_IPV4:
		return (uint8_t)rn(33);
	case LISP_AFI_IPV6:
		return (uint8_t)rn(129);
	case LISP_AFI_MAC:
		return (uint8_t)rn(49);
	default:
		return (uint8_t)rnd();
	}
}

static void
gen_record(struct lisp_eid_record *r, int referral)
{
	size_t	 i;

	memset(r, 0, sizeof(*r));
	r->ttl = rnd();
	r->act = (uint8_t)rn(8);
	r->flags = (uint8_t)(rnd() & ~LISP_REC_ACT_MASK);
	r->rsvd = (uint8_t)rnd();
	r->version = (uint16_t)rn(0x1000);
	gen_addr(&r->eid, 0);
	r->mask_len = gen_mlen(&r->eid);
	r->loc_count = rn(4);
	r->locs = r->loc_count ? zalloc(r->loc_count, sizeof(*r->locs)) : NULL;
	for (i = 0; i < r->loc_count; i++) {
		r->locs[i].priority = (uint8_t)rnd();
		r->locs[i].weight = (uint8_t)rnd();
		r->locs[i].mpriority = (uint8_t)rnd();
		r->locs[i].mweight = (uint8_t)rnd();
		r->locs[i].flags = (uint16_t)rnd();
		gen_addr(&r->locs[i].addr, 0);
	}
	if (!referral) {
		r->rsvd_ver = (uint8_t)rn(16);
		return;
	}
	r->sig_count = rn(3);
	r->rsvd_ver = (uint8_t)r->sig_count;
	r->sigs = r->sig_count ? zalloc(r->sig_count, sizeof(*r->sigs)) : NULL;
	for (i = 0; i < r->sig_count; i++) {
		r->sigs[i].orig_ttl = rnd();
		r->sigs[i].expiration = rnd();
		r->sigs[i].inception = rnd();
		r->sigs[i].key_tag = (uint16_t)rnd();
		r->sigs[i].sig_len = (uint16_t)rn(40);
		r->sigs[i].sig_alg = (uint8_t)rnd();
		r->sigs[i].rsvd1 = (uint8_t)rnd();
		r->sigs[i].rsvd2 = (uint16_t)rnd();
		r->sigs[i].sig = r->sigs[i].sig_len ?
		    rbytes(r->sigs[i].sig_len, 0) : NULL;
	}
}

static struct lisp_eid_record *
gen_records(size_t *n, int referral)
{
	struct lisp_eid_record	*v;
	size_t			 i;

	*n = rn(4);
	v = *n ? zalloc(*n, sizeof(*v)) : NULL;
	for (i = 0; i < *n; i++)
		gen_record(&v[i], referral);
	return v;
}

static void	gen_msg(struct lisp_msg *, uint8_t, uint8_t *, size_t *);

static void
gen_mreg(struct lisp_map_register *g, uint8_t type)
{
	size_t	 i;

	if (type == LISP_MAP_REGISTER) {
		g->flags = (uint16_t)(rnd() & 0x1FF);
		g->rsvd = rnd() & 0xFFE0;
	} else {
		g->flags = (uint16_t)(rnd() & (LISP_MNOT_I | LISP_MNOT_R));
		g->rsvd = rnd() & 0x3FFFF;
	}
	g->nonce = rnd64();
	g->key_id = (uint8_t)rnd();
	g->alg_id = (uint8_t)rn(4);
	g->auth_len = (uint16_t)rn(LISP_AUTH_MAX + 1);
	for (i = 0; i < g->auth_len; i++)
		g->auth[i] = (uint8_t)rnd();
	g->recs = gen_records(&g->rec_count, 0);
	for (i = 0; i < LISP_XTR_ID_LEN; i++)
		g->xtr_id[i] = (uint8_t)rnd();
	g->site_id = rnd64();
	if (type != LISP_MAP_REGISTER && (g->flags & LISP_MNOT_R)) {
		g->msrtr_key_id = (uint16_t)rnd();
		g->msrtr_auth_len = (uint16_t)rn(LISP_AUTH_MAX + 1);
		for (i = 0; i < g->msrtr_auth_len; i++)
			g->msrtr_auth[i] = (uint8_t)rnd();
	}
	if (rn(4) == 0) {
		g->trail_len = 1 + rn(24);
		g->trail = rbytes(g->trail_len, 0);
	}
	/* The encoder leaves out xTR-ID and site-ID without I. */
	if (!(g->flags & LISP_MREG_I)) {
		memset(g->xtr_id, 0, sizeof(g->xtr_id));
		g->site_id = 0;
	}
}

static void
gen_ecm(struct lisp_ecm *e, uint8_t *inner, size_t *inner_len)
{
	struct lisp_msg	 m;
	struct wbuf	 wb;
	size_t		 i;

	e->flags = (uint8_t)rn(16);
	e->rsvd = rnd() & 0xFFFFFF;
	if (e->flags & LISP_ECM_S) {
		/* Zero bytes never look like the inner IP header. */
		e->sec_len = 4 + rn(16);
		e->sec = zalloc(e->sec_len, 1);
	}
	e->ip_version = rn(2) ? 6 : 4;
	e->inner_ttl = (uint8_t)rnd();
	e->inner_tos = (uint8_t)rnd();
	if (e->ip_version == 4) {
		e->inner_src.afi = e->inner_dst.afi = LISP_AFI_IPV4;
		e->inner_src.u.v4.s_addr = rnd();
		e->inner_dst.u.v4.s_addr = rnd();
		e->inner_id = (uint16_t)rnd();
		e->inner_frag = rn(2) ? 0x4000 : 0;
	} else {
		e->inner_src.afi = e->inner_dst.afi = LISP_AFI_IPV6;
		for (i = 0; i < 16; i++) {
			e->inner_src.u.v6.s6_addr[i] = (uint8_t)rnd();
			e->inner_dst.u.v6.s6_addr[i] = (uint8_t)rnd();
		}
		e->inner_flow = rnd() & 0xFFFFF;
	}
	e->inner_sport = (uint16_t)rnd();
	e->inner_dport = 4342;
	/* The inner message: any other type, or arbitrary bytes. */
	if (rn(4) == 0) {
		*inner_len = rn(32);
		for (i = 0; i < *inner_len; i++)
			inner[i] = (uint8_t)rnd();
	} else {
		gen_msg(&m, (uint8_t)(1 + rn(7)), NULL, NULL);
		wbuf_init(&wb, inner, BUF_MAX / 2);
		ck_assert_int_eq(lisp_msg_encode(&wb, &m), 0);
		*inner_len = wbuf_len(&wb);
		lisp_msg_free(&m);
	}
	e->payload = inner;
	e->payload_len = *inner_len;
}

static void
gen_msg(struct lisp_msg *m, uint8_t type, uint8_t *inner, size_t *ilen)
{
	struct lisp_map_request	*q;
	struct lisp_map_reply	*p;
	struct lisp_info	*in;
	size_t			 i;

	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case LISP_MAP_REQUEST:
		q = &m->u.mreq;
		q->flags = (uint16_t)(rnd() & 0xFF);
		q->rsvd = rnd() & (0x003F8000 >> 8);
		q->nonce = rnd64();
		gen_addr(&q->src_eid, 0);
		q->itr_rloc_count = 1 + rn(4);
		q->itr_rlocs = zalloc(q->itr_rloc_count, sizeof(*q->itr_rlocs));
		for (i = 0; i < q->itr_rloc_count; i++)
			gen_addr(&q->itr_rlocs[i], 0);
		q->rec_count = 1 + rn(3);
		q->recs = zalloc(q->rec_count, sizeof(*q->recs));
		for (i = 0; i < q->rec_count; i++) {
			q->recs[i].rsvd = (uint8_t)rnd();
			gen_addr(&q->recs[i].eid, 0);
			q->recs[i].mask_len = gen_mlen(&q->recs[i].eid);
		}
		if (q->flags & LISP_MREQ_M) {
			q->map_reply = zalloc(1, sizeof(*q->map_reply));
			gen_record(q->map_reply, 0);
		}
		break;
	case LISP_MAP_REPLY:
		p = &m->u.mrep;
		p->flags = (uint8_t)(rnd() & 0x0E);
		p->rsvd = rnd() & (0x01FFFF00 >> 8);
		p->nonce = rnd64();
		p->recs = gen_records(&p->rec_count, 0);
		if ((p->flags & LISP_MREP_S) && rn(2)) {
			p->sec_len = 1 + rn(40);
			p->sec = rbytes(p->sec_len, 0);
		}
		break;
	case LISP_MAP_REGISTER:
	case LISP_MAP_NOTIFY:
	case LISP_MAP_NOTIFY_ACK:
		gen_mreg(&m->u.mreg, type);
		break;
	case LISP_MAP_REFERRAL:
		m->u.mref.rsvd = rnd() & (0x0FFFFF00 >> 8);
		m->u.mref.nonce = rnd64();
		m->u.mref.recs = gen_records(&m->u.mref.rec_count, 1);
		break;
	case LISP_INFO:
		in = &m->u.info;
		in->reply = (int)rn(2);
		in->rsvd = rnd() & 0x07FFFFFF;
		in->nonce = rnd64();
		in->key_id = (uint8_t)rnd();
		in->alg_id = (uint8_t)rnd();
		in->auth_len = (uint16_t)rn(LISP_AUTH_MAX + 1);
		for (i = 0; i < in->auth_len; i++)
			in->auth[i] = (uint8_t)rnd();
		in->ttl = rnd();
		in->rsvd2 = (uint8_t)rnd();
		gen_addr(&in->eid, 0);
		in->mask_len = gen_mlen(&in->eid);
		gen_addr(&in->info, 0);
		break;
	case LISP_ECM:
		gen_ecm(&m->u.ecm, inner, ilen);
		break;
	}
}

/* decode(b) succeeds and encode(decode(b)) == b. */
static void
check_identity(const uint8_t *b, size_t n, const char *what)
{
	static uint8_t		 out[BUF_MAX];
	struct lisp_msg		 m;
	struct wbuf		 wb;
	int			 rc;

	rc = lisp_msg_decode(b, n, &m, NULL, NULL);
	ck_assert_msg(rc == 0, "%s: decode: %s", what, lisp_strerror(rc));
	wbuf_init(&wb, out, sizeof(out));
	rc = lisp_msg_encode(&wb, &m);
	ck_assert_msg(rc == 0, "%s: re-encode: %s", what, lisp_strerror(rc));
	ck_assert_msg(wbuf_len(&wb) == n && memcmp(out, b, n) == 0,
	    "%s: re-encoding differs (%zu vs %zu bytes)", what,
	    wbuf_len(&wb), n);
	lisp_msg_free(&m);
}

START_TEST(random_roundtrip)
{
	static uint8_t		 b[BUF_MAX], inner[BUF_MAX / 2];
	struct lisp_msg		 m;
	struct wbuf		 wb;
	size_t			 ilen, it;
	uint8_t			 type = (uint8_t)(1 + _i);
	char			 what[64];
	int			 rc;

	rng = 0x9E3779B97F4A7C15ULL ^ type;
	for (it = 0; it < ITERATIONS; it++) {
		gen_msg(&m, type, inner, &ilen);
		wbuf_init(&wb, b, sizeof(b));
		rc = lisp_msg_encode(&wb, &m);
		snprintf(what, sizeof(what), "type %u iteration %zu",
		    type, it);
		ck_assert_msg(rc == 0, "%s: encode: %s", what,
		    lisp_strerror(rc));
		lisp_msg_free(&m);
		check_identity(b, wbuf_len(&wb), what);
	}
}
END_TEST

static Suite *
roundtrip_suite(void)
{
	Suite	*s = suite_create("roundtrip");
	TCase	*tc = tcase_create("roundtrip");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_roundtrip, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(roundtrip_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
