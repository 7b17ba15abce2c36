/* SPDX-License-Identifier: ISC */
/*
 * RFC 8061 key exchange in the control plane (control/cp_crypto with the
 * cp_itr and cp_etr engines), with the fake clock and recording send
 * functions of test_cpxtr: the ITR engine's Map-Request bytes are
 * decoded and fed to the ETR engine, whose Map-Reply bytes go back to the
 * ITR.  What is checked is on the wire (Security Key LCAFs decoded by
 * lib/lisp_msg) and in the data-plane messages (decap-keys, map-cache
 * keys).  Expected keys are recomputed with lc8061_kx from the public
 * keys seen on the wire and a secret the test holds (tested on its own
 * against OpenSSL in test_lc8061_kx).
 */
#include <arpa/inet.h>
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_crypto.h"
#include "cp_etr.h"
#include "cp_itr.h"
#include "cp_msg.h"
#include "cp_show.h"
#include "cp_testutil.h"
#include "lc8061_kx.h"
#include "lisp_msg.h"
#include "log.h"

#define T0	1000.0

struct sent {
	struct dpipc_addr	 dst;
	uint8_t			 buf[4096];
	size_t			 len;
};

/* Data-plane messages, tagged with the engine that sent them. */
struct dprec {
	char			 who;
	enum dpipc_type		 type;
	struct dpipc_addr	 eid;		/* map-cache */
	size_t			 nrlocs;
	struct dpipc_rloc	 rlocs[8];
	struct dpipc_decap_keys	 dk;		/* decap-keys */
};

static struct sent	 sent[32];
static size_t		 nsent;
static struct dprec	 dpr[32];
static size_t		 ndpr;
static uint64_t		 rnd;

static int
fake_send(void *arg, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)dport;
	(void)src;
	ck_assert_uint_lt(nsent, 32);
	ck_assert_uint_le(len, sizeof(sent[0].buf));
	sent[nsent].dst = *dst;
	memcpy(sent[nsent].buf, buf, len);
	sent[nsent].len = len;
	nsent++;
	return 0;
}

static void
fake_dp(void *arg, const struct dpipc_msg *m)
{
	struct dprec	*d;
	size_t		 i;

	ck_assert_uint_lt(ndpr, 32);
	d = &dpr[ndpr++];
	memset(d, 0, sizeof(*d));
	d->who = *(const char *)arg;
	d->type = m->type;
	if (m->type == DPIPC_MAP_CACHE) {
		d->eid = m->u.mc.eid;
		d->nrlocs = m->u.mc.nrlocs;
		for (i = 0; i < m->u.mc.nrlocs && i < 8; i++)
			d->rlocs[i] = m->u.mc.rlocs[i];
	} else if (m->type == DPIPC_DECAP_KEYS)
		d->dk = m->u.dk;
}

static uint64_t
fake_rand(void *arg)
{
	(void)arg;
	return 0x2222000000000000ULL + ++rnd;
}

static char		 tag_itr = 'I', tag_etr = 'E';
static const struct cp_env env_itr = { fake_send, fake_dp, fake_rand,
    &tag_itr };
static const struct cp_env env_etr = { fake_send, fake_dp, fake_rand,
    &tag_etr };

static struct cp_eid
E(const char *s, uint8_t plen)
{
	struct cp_eid	 e;

	e.iid = 0;
	e.p = A(s);
	e.p.plen = plen;
	cpa_mask(&e.p);
	return e;
}

struct fx {
	struct itr	*itr;
	struct etr	*etr;
	struct cpc	*ci, *ce;	/* the ITR's and the ETR's process */
};

static void
fx_init(struct fx *f, uint8_t suite, size_t max_sessions)
{
	struct cpc_params	 cpp = { .suite = suite,
	    .max_sessions = max_sessions };
	struct dpipc_addr	 mr = A("198.51.100.1");
	struct dpipc_addr	 loc[3] = { A("192.0.2.1"), A("2001:db8::1"),
	    A("192.0.2.11") };
	struct cp_eid		 me = E("10.1.0.1", 32);
	struct etr_db		 db;
	struct etr_rloc		 rl[3];

	nsent = ndpr = 0;
	rnd = 0;
	memset(f, 0, sizeof(*f));
	ck_assert_ptr_nonnull(f->ci = cpc_new(&cpp, &env_itr));
	ck_assert_ptr_nonnull(f->ce = cpc_new(&cpp, &env_etr));
	ck_assert_ptr_nonnull(f->itr = itr_new(NULL, &env_itr));
	itr_set_resolvers(f->itr, &mr, 1);
	itr_set_local(f->itr, loc, 3);
	ck_assert_int_eq(itr_set_eids(f->itr, &me, 1), 0);
	itr_set_crypto(f->itr, f->ci);
	ck_assert_ptr_nonnull(f->etr = etr_new(NULL, &env_etr));
	memset(&db, 0, sizeof(db));
	memset(rl, 0, sizeof(rl));
	rl[0].addr = A("192.0.2.2");
	rl[0].local = 1;
	rl[1].addr = A("2001:db8::2");
	rl[1].local = 1;
	/* Another xTR of the site: not our key to give. */
	rl[2].addr = A("192.0.2.99");
	db.eid = E("10.2.0.0", 24);
	db.rlocs = rl;
	db.nrlocs = 3;
	ck_assert_int_eq(etr_set_db(f->etr, &db, 1, T0), 0);
	etr_set_crypto(f->etr, f->ce);
}

/* A new ITR engine (a restart, or other parameters) using crypto c. */
static void
fx_new_itr(struct fx *f, const struct itr_params *pp, size_t nloc,
    struct cpc *c)
{
	struct dpipc_addr	 mr = A("198.51.100.1");
	struct dpipc_addr	 loc[3] = { A("192.0.2.1"), A("2001:db8::1"),
	    A("192.0.2.11") };
	struct cp_eid		 me = E("10.1.0.1", 32);

	itr_free(f->itr);
	ck_assert_ptr_nonnull(f->itr = itr_new(pp, &env_itr));
	itr_set_resolvers(f->itr, &mr, 1);
	itr_set_local(f->itr, loc, nloc);
	ck_assert_int_eq(itr_set_eids(f->itr, &me, 1), 0);
	itr_set_crypto(f->itr, c);
}

static void
fx_free(struct fx *f)
{
	itr_free(f->itr);
	etr_free(f->etr);
	cpc_free(f->ci);
	cpc_free(f->ce);
}

/* The Map-Request inside the ECM sent[i]. */
static void
inner_request(size_t i, struct lisp_msg *ecm, struct lisp_msg *in)
{
	ck_assert_uint_lt(i, nsent);
	ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, ecm, NULL,
	    NULL), 0);
	ck_assert_uint_eq(ecm->type, LISP_ECM);
	ck_assert_int_eq(lisp_msg_decode(ecm->u.ecm.payload,
	    ecm->u.ecm.payload_len, in, NULL, NULL), 0);
	ck_assert_uint_eq(in->type, LISP_MAP_REQUEST);
}

/*
 * A reply that starts a session is held ETR_KEY_SETTLE s (cp_etr.h):
 * flush it with the ETR's clock; `deferred` says whether it was held.
 */
static int	 deferred;

static void
etr_flush(struct fx *f, size_t before, double now)
{
	deferred = 0;
	if (nsent != before)
		return;
	etr_tick(f->etr, now + ETR_KEY_SETTLE - 0.001);
	ck_assert_uint_eq(nsent, before);
	etr_tick(f->etr, now + ETR_KEY_SETTLE);
	deferred = nsent > before;
}

/* sent[i] as a Map-Request to the ETR (from the map-server). */
static int
to_etr(struct fx *f, size_t i, double now)
{
	struct lisp_msg		 ecm, in;
	struct dpipc_addr	 ms = A("198.51.100.1");
	size_t			 before = nsent;
	int			 rc;

	inner_request(i, &ecm, &in);
	rc = etr_input_request(f->etr, &in.u.mreq, &ms, 4342, NULL, now);
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	etr_flush(f, before, now);
	return rc;
}

/* sent[i] as a Map-Reply to the ITR, from src. */
static int
to_itr(struct fx *f, size_t i, const char *src, double now)
{
	struct lisp_msg		 m;
	struct dpipc_addr	 s = A(src);
	int			 rc;

	ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, &m, NULL,
	    NULL), 0);
	ck_assert_uint_eq(m.type, LISP_MAP_REPLY);
	rc = itr_input_reply(f->itr, &m.u.mrep, &s, now);
	lisp_msg_free(&m);
	return rc;
}

/* The ETR key on every L locator of the reply in sent[i]; 0 if none. */
static int
reply_key(size_t i, uint8_t suite, uint8_t pub[32])
{
	struct lisp_msg		 m;
	const struct lisp_eid_record *r;
	const struct lcaf_seckey *k;
	size_t			 j, keyed = 0;

	ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, &m, NULL,
	    NULL), 0);
	ck_assert_uint_eq(m.type, LISP_MAP_REPLY);
	ck_assert_uint_eq(m.u.mrep.rec_count, 1);
	r = &m.u.mrep.recs[0];
	ck_assert_uint_eq(r->loc_count, 3);
	for (j = 0; j < r->loc_count; j++) {
		k = cpa_seckey(&r->locs[j].addr);
		if (!(r->locs[j].flags & LISP_LOC_L)) {
			/* 192.0.2.99, the other xTR: plain. */
			ck_assert_ptr_null(k);
			continue;
		}
		if (k == NULL)
			continue;
		ck_assert_uint_eq(k->cipher_suite, suite);
		ck_assert_uint_eq(k->key_count, 1);
		ck_assert_uint_eq(k->key_len[0], 32);
		if (keyed++ == 0)
			memcpy(pub, k->key[0], 32);
		else
			ck_assert_mem_eq(pub, k->key[0], 32);
	}
	lisp_msg_free(&m);
	ck_assert(keyed == 0 || keyed == 2);
	return keyed != 0;
}

static const struct dprec *
last_dp(char who, enum dpipc_type type, size_t from)
{
	size_t	 i;

	for (i = ndpr; i > from; i--)
		if (dpr[i - 1].who == who && dpr[i - 1].type == type)
			return &dpr[i - 1];
	return NULL;
}

static size_t
count_dp(char who, enum dpipc_type type, size_t from)
{
	size_t	 i, n = 0;

	for (i = from; i < ndpr; i++)
		n += dpr[i].who == who && dpr[i].type == type;
	return n;
}

/* 1 when the decap-keys message dk holds key under key-id kid. */
static int
etr_has(const struct dprec *dk, uint8_t kid, const uint8_t *key)
{
	size_t	 i;

	for (i = 0; i < dk->dk.nkeys; i++)
		if (dk->dk.keys[i].key_id == kid)
			return memcmp(dk->dk.keys[i].key, key,
			    dk->dk.keys[i].key_len) == 0;
	return 0;
}

/*
 * The ITR's encrypt key towards ETR locator `rloc` is one the ETR's data
 * plane holds for the ITR's IPv4 RLOC (the last decap-keys message for
 * it): same key-id, same bytes.
 */
static int
itr_matches(struct fx *f, const char *rloc)
{
	struct dpipc_key	 k;
	struct dpipc_addr	 r = A(rloc), me = A("192.0.2.1");
	size_t			 i;

	if (!cpc_itr_key(f->ci, &r, &k))
		return 0;
	for (i = ndpr; i > 0; i--)
		if (dpr[i - 1].who == 'E' &&
		    dpr[i - 1].type == DPIPC_DECAP_KEYS &&
		    cpa_addr_eq(&dpr[i - 1].dk.rloc, &me))
			return etr_has(&dpr[i - 1], k.key_id, k.key);
	return 0;
}

/* Resolve 10.2.0.7 through the ITR and ETR engines: the request's nonce. */
static uint64_t
resolve(struct fx *f, const char *dest, double now)
{
	struct cp_eid		 d = E(dest, 32);
	struct lisp_msg		 ecm, in;
	size_t			 s0 = nsent;
	uint64_t		 nonce;

	itr_discovery(f->itr, &d, NULL, now);
	ck_assert_uint_eq(nsent, s0 + 1);
	inner_request(s0, &ecm, &in);
	nonce = in.u.mreq.nonce;
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	ck_assert_int_eq(to_etr(f, s0, now), 0);
	ck_assert_uint_eq(nsent, s0 + 2);
	ck_assert_int_eq(to_itr(f, s0 + 1, "192.0.2.2", now), 0);
	return nonce;
}

START_TEST(request_carries_key)
{
	struct fx		 f;
	struct cp_eid		 d = E("10.2.0.7", 32);
	struct lisp_msg		 ecm, in;
	const struct lcaf_seckey *k;
	struct dpipc_addr	 a;
	int			 suite = _i;

	fx_init(&f, (uint8_t)suite, 0);
	itr_discovery(f.itr, &d, NULL, T0);
	ck_assert_uint_eq(nsent, 1);
	inner_request(0, &ecm, &in);
	ck_assert_uint_eq(in.u.mreq.itr_rloc_count, 3);
	/* First IPv4 and first IPv6 ITR-RLOC: our key; the second v4 not. */
	for (size_t i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(k = cpa_seckey(&in.u.mreq.itr_rlocs[i]));
		ck_assert_uint_eq(k->cipher_suite, suite);
		ck_assert_uint_eq(k->key_count, 1);
		ck_assert_uint_eq(k->key_len[0], 32);
		ck_assert_mem_eq(k->key[0], cpc_itr_pub(f.ci), 32);
		ck_assert_int_eq(cpa_rloc_from_lisp(&in.u.mreq.itr_rlocs[i],
		    &a), 0);
		ck_assert(cpa_addr_eq(&a, &f.itr->local[i]));
	}
	ck_assert_ptr_null(cpa_seckey(&in.u.mreq.itr_rlocs[2]));
	ck_assert_uint_eq(in.u.mreq.itr_rlocs[2].afi, LISP_AFI_IPV4);
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_OFFERED], 1);
	/* Without crypto: plain ITR-RLOCs. */
	itr_set_crypto(f.itr, NULL);
	d = E("10.3.0.7", 32);
	itr_discovery(f.itr, &d, NULL, T0);
	inner_request(1, &ecm, &in);
	ck_assert_ptr_null(cpa_seckey(&in.u.mreq.itr_rlocs[0]));
	ck_assert_ptr_null(cpa_seckey(&in.u.mreq.itr_rlocs[1]));
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	fx_free(&f);
}
END_TEST

START_TEST(exchange_both_ends_agree)
{
	struct fx		 f;
	const struct dprec	*dk4, *dk6, *mc;
	uint8_t			 epub[32], want[32];
	uint64_t		 nonce;
	size_t			 klen, i;
	int			 suite = _i;

	fx_init(&f, (uint8_t)suite, 0);
	klen = suite == 6 ? 32 : 16;
	nonce = resolve(&f, "10.2.0.7", T0);
	/* The reply waited for the data plane's new key. */
	ck_assert_uint_eq(f.etr->c[ETR_C_REPLY_DEFERRED], 1);
	/* ETR: one session, decap-keys for the ITR's v4 and v6 RLOCs. */
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 1);
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, 0), 2);
	ck_assert_ptr_nonnull(dk4 = &dpr[0]);
	ck_assert_ptr_nonnull(dk6 = &dpr[1]);
	ck_assert_uint_eq(dk4->type, DPIPC_DECAP_KEYS);
	ck_assert(cpa_addr_eq(&dk4->dk.rloc, &f.itr->local[0]));
	ck_assert(cpa_addr_eq(&dk6->dk.rloc, &f.itr->local[1]));
	ck_assert_uint_eq(dk4->dk.port, 0);
	ck_assert_uint_eq(dk4->dk.nkeys, 1);
	/* Key-id 1 + nonce mod 3 (the rule, written out here). */
	ck_assert_uint_eq(dk4->dk.keys[0].key_id, 1 + nonce % 3);
	ck_assert_uint_eq(dk4->dk.keys[0].suite, suite);
	ck_assert_uint_eq(dk4->dk.keys[0].key_len, klen);
	ck_assert_uint_eq(dk4->dk.keys[0].icv_len, 0);
	ck_assert_mem_eq(dk4->dk.keys[0].key, dk6->dk.keys[0].key, klen);
	/* The reply carries the ETR key on our two locators. */
	ck_assert(reply_key(1, (uint8_t)suite, epub));
	/* Independent: the ITR secret with the ETR key from the wire. */
	ck_assert_int_eq(lc8061_kx_derive(want, (uint8_t)suite, f.ci->itr.sec,
	    epub, nonce), (int)klen);
	ck_assert_mem_eq(dk4->dk.keys[0].key, want, klen);
	/* ITR: the map-cache entry's keyed RLOCs carry the same key. */
	ck_assert_ptr_nonnull(mc = last_dp('I', DPIPC_MAP_CACHE, 0));
	ck_assert_uint_eq(mc->nrlocs, 3);
	for (i = 0; i < mc->nrlocs; i++) {
		struct dpipc_addr other = A("192.0.2.99");

		if (cpa_addr_eq(&mc->rlocs[i].addr, &other)) {
			/* Opportunistic: no key, plaintext. */
			ck_assert_uint_eq(mc->rlocs[i].nkeys, 0);
			continue;
		}
		ck_assert_uint_eq(mc->rlocs[i].nkeys, 1);
		ck_assert_uint_eq(mc->rlocs[i].keys[0].key_id,
		    1 + nonce % 3);
		ck_assert_uint_eq(mc->rlocs[i].keys[0].suite, suite);
		ck_assert_uint_eq(mc->rlocs[i].keys[0].key_len, klen);
		ck_assert_mem_eq(mc->rlocs[i].keys[0].key, want, klen);
	}
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_NEW], 2);
	ck_assert_uint_eq(f.ci->nitr, 2);
	ck_assert_uint_eq(f.ce->netr, 2);
	fx_free(&f);
}
END_TEST

START_TEST(same_itr_key_keeps_session)
{
	struct fx		 f;
	const struct dprec	*dk;
	uint8_t			 p1[32], p2[32], want[32];
	uint64_t		 n1, n2;
	size_t			 d0;

	fx_init(&f, 5, 0);
	n1 = resolve(&f, "10.2.0.7", T0);
	ck_assert(reply_key(1, 5, p1));
	d0 = ndpr;
	/*
	 * Another destination behind the same ETR, another nonce, the same
	 * ITR key: the same ETR key pair (no rekey of the session), but a
	 * key of its own for this exchange, as key-id f(n2), next to f(n1).
	 */
	fx_new_itr(&f, NULL, 3, f.ci);	/* same process, same key */
	n2 = resolve(&f, "10.2.0.8", T0 + 10);
	ck_assert_uint_ne(1 + n1 % 3, 1 + n2 % 3);	/* consecutive */
	ck_assert(deferred);		/* a new key: waits for the DP */
	ck_assert(reply_key(3, 5, p2));
	ck_assert_mem_eq(p1, p2, 32);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_PAIR], 1);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_KEPT], 1);
	/* v4 and v6: the whole set, both keys, each under its key-id. */
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, d0), 2);
	ck_assert_ptr_nonnull(dk = last_dp('E', DPIPC_DECAP_KEYS, d0));
	ck_assert_uint_eq(dk->dk.nkeys, 2);
	ck_assert_int_eq(lc8061_kx_derive(want, 5, f.ci->itr.sec, p1, n1),
	    16);
	ck_assert_uint_eq(etr_has(dk, (uint8_t)(1 + n1 % 3), want), 1);
	ck_assert_int_eq(lc8061_kx_derive(want, 5, f.ci->itr.sec, p1, n2),
	    16);
	ck_assert_uint_eq(etr_has(dk, (uint8_t)(1 + n2 % 3), want), 1);
	/* The ITR follows the last reply: n2's key. */
	ck_assert(itr_matches(&f, "192.0.2.2"));
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_NEW], 4);
	ck_assert_uint_ge(f.ci->c[CPC_C_ITR_KEPT], 2);
	fx_free(&f);
}
END_TEST

START_TEST(new_itr_key_new_session)
{
	struct fx		 f;
	struct cpc		*c2;
	struct cpc_params	 cpp = { .suite = 5 };
	const struct dprec	*dk;
	uint8_t			 p1[32], p2[32], k1[16], want[32];
	uint64_t		 nonce;
	size_t			 d0;

	fx_init(&f, 5, 0);
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert(reply_key(1, 5, p1));
	memcpy(k1, dpr[0].dk.keys[0].key, 16);
	/* The ITR restarted: a new process, a new key pair. */
	ck_assert_ptr_nonnull(c2 = cpc_new(&cpp, &env_itr));
	ck_assert_mem_ne(cpc_itr_pub(c2), cpc_itr_pub(f.ci), 32);
	cpc_free(f.ci);
	f.ci = c2;
	fx_new_itr(&f, NULL, 3, c2);
	d0 = ndpr;
	nonce = resolve(&f, "10.2.0.7", T0 + 5);
	ck_assert(reply_key(3, 5, p2));
	ck_assert_mem_ne(p1, p2, 32);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, d0), 2);
	ck_assert_ptr_nonnull(dk = last_dp('E', DPIPC_DECAP_KEYS, d0));
	ck_assert_mem_ne(dk->dk.keys[0].key, k1, 16);
	ck_assert_int_eq(lc8061_kx_derive(want, 5, c2->itr.sec, p2, nonce),
	    16);
	ck_assert_mem_eq(dk->dk.keys[0].key, want, 16);
	/* Still two sessions, replaced in place. */
	ck_assert_uint_eq(f.ce->netr, 2);
	fx_free(&f);
}
END_TEST

/* A hand-made Map-Request to the ETR with one keyed ITR-RLOC. */
static int
etr_request_at(struct fx *f, uint8_t suite, const uint8_t *key, size_t klen,
    const char *itr_rloc, uint64_t nonce, double now)
{
	struct cpm_request	 q;
	struct cp_eid		 t = E("10.2.0.7", 32);
	struct dpipc_addr	 rl = A(itr_rloc);
	struct lisp_msg		 m;
	uint8_t			 buf[CPM_BUFLEN];
	ssize_t			 len;
	size_t			 before;
	int			 rc;

	memset(&q, 0, sizeof(q));
	q.nonce = nonce;
	q.itr_rlocs = &rl;
	q.nitr = 1;
	q.target = &t;
	q.key_suite = suite;
	q.key_pub = key;
	q.key_len = klen;
	ck_assert_int_gt(len = cpm_request_encode(&q, buf, sizeof(buf)), 0);
	ck_assert_int_eq(lisp_msg_decode(buf, (size_t)len, &m, NULL, NULL),
	    0);
	before = nsent;
	rc = etr_input_request(f->etr, &m.u.mreq, &rl, 4342, NULL, now);
	lisp_msg_free(&m);
	etr_flush(f, before, now);
	return rc;
}

static int
etr_request(struct fx *f, uint8_t suite, const uint8_t *key, size_t klen,
    const char *itr_rloc, uint64_t nonce)
{
	return etr_request_at(f, suite, key, klen, itr_rloc, nonce, T0);
}

START_TEST(bad_keys_refused)
{
	struct fx		 f;
	struct lc8061_kx_pair	 kp;
	uint8_t			 zero[32], pub[32];

	fx_init(&f, 5, 0);
	log_setquiet(1);
	ck_assert_int_eq(lc8061_kx_keypair(&kp), 0);
	/* Suite 2 (X25519 + AES-CBC): answered, without keys. */
	ck_assert_int_eq(etr_request(&f, 2, kp.pub, 32, "192.0.2.50", 1), 0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert(!deferred);
	ck_assert(!reply_key(0, 2, pub));
	ck_assert_uint_eq(f.ce->c[CPC_C_REFUSED_SUITE], 1);
	/* Suite 5 with a 31-byte key. */
	ck_assert_int_eq(etr_request(&f, 5, kp.pub, 31, "192.0.2.51", 2), 0);
	ck_assert(!reply_key(1, 5, pub));
	ck_assert_uint_eq(f.ce->c[CPC_C_REFUSED_KEY], 1);
	/* Low order: the all-zero point. */
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(etr_request(&f, 6, zero, 32, "192.0.2.52", 3), 0);
	ck_assert(!reply_key(2, 6, pub));
	ck_assert_uint_eq(f.ce->c[CPC_C_REFUSED_LOW_ORDER], 1);
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, 0), 0);
	ck_assert_uint_eq(f.ce->netr, 0);
	/* A good one from the same ITR afterwards: suite 6 is accepted. */
	ck_assert_int_eq(etr_request(&f, 6, kp.pub, 32, "192.0.2.52", 4), 0);
	ck_assert(deferred);
	ck_assert(reply_key(3, 6, pub));
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, 0), 1);
	ck_assert_uint_eq(dpr[0].dk.keys[0].suite, 6);
	ck_assert_uint_eq(dpr[0].dk.keys[0].key_len, 32);
	lc8061_kx_pair_wipe(&kp);
	fx_free(&f);
}
END_TEST

/*
 * Evicted and expired ETR sessions take their data-plane entries with
 * them (decap-keys with no keys); expiry waits for the record TTL.
 */
START_TEST(sessions_bounded)
{
	struct fx		 f;
	struct lc8061_kx_pair	 kp;
	struct dpipc_addr	 a60 = A("192.0.2.60"), a61 = A("192.0.2.61"),
				 a62 = A("192.0.2.62");
	const struct dprec	*d;
	uint8_t			 pub[32];
	double			 hold = ETR_DEF_TTL * 60.0 + CPC_TTL_SLACK;
	size_t			 d0;

	fx_init(&f, 5, 2);
	ck_assert_int_eq(lc8061_kx_keypair(&kp), 0);
	ck_assert_int_eq(etr_request(&f, 5, kp.pub, 32, "192.0.2.60", 1), 0);
	ck_assert_int_eq(etr_request(&f, 5, kp.pub, 32, "192.0.2.61", 2), 0);
	d0 = ndpr;
	ck_assert_int_eq(etr_request(&f, 5, kp.pub, 32, "192.0.2.62", 3), 0);
	ck_assert(reply_key(2, 5, pub));
	ck_assert_uint_eq(f.ce->netr, 2);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_EVICTED], 1);
	/* .60 evicted: its entry deleted before .62's keys went out. */
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, d0), 2);
	d = &dpr[d0];
	ck_assert(cpa_addr_eq(&d->dk.rloc, &a60));
	ck_assert_uint_eq(d->dk.nkeys, 0);
	ck_assert_uint_eq(d->dk.port, 0);
	ck_assert(cpa_addr_eq(&dpr[d0 + 1].dk.rloc, &a62));
	ck_assert_uint_eq(dpr[d0 + 1].dk.nkeys, 1);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_DECAP_DELETED], 1);
	/* Idle for an hour, but the ITR may hold the mapping for a day. */
	d0 = ndpr;
	cpc_tick(f.ce, T0 + CPC_DEF_IDLE + 1);
	ck_assert_uint_eq(f.ce->netr, 2);
	cpc_tick(f.ce, T0 + hold - 1);
	ck_assert_uint_eq(f.ce->netr, 2);
	ck_assert_uint_eq(ndpr, d0);
	/* Then both expire, and their entries go. */
	cpc_tick(f.ce, T0 + hold + 1);
	ck_assert_uint_eq(f.ce->netr, 0);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_EXPIRED], 2);
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, d0), 2);
	ck_assert_uint_eq(dpr[d0].dk.nkeys, 0);
	ck_assert_uint_eq(dpr[d0 + 1].dk.nkeys, 0);
	ck_assert((cpa_addr_eq(&dpr[d0].dk.rloc, &a61) &&
	    cpa_addr_eq(&dpr[d0 + 1].dk.rloc, &a62)) ||
	    (cpa_addr_eq(&dpr[d0].dk.rloc, &a62) &&
	    cpa_addr_eq(&dpr[d0 + 1].dk.rloc, &a61)));
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_DECAP_DELETED], 3);
	lc8061_kx_pair_wipe(&kp);
	fx_free(&f);
}
END_TEST

START_TEST(itr_opportunistic)
{
	struct fx		 f;
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 mr;
	struct cp_eid		 pfx = E("10.2.0.0", 24), d = E("10.4.0.1", 32);
	struct dpipc_addr	 r = A("192.0.2.2"), msa = A("198.51.100.1");
	const struct dprec	*mc;
	struct lisp_msg		 ecm, in;
	size_t			 d0;

	fx_init(&f, 5, 0);
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert_uint_eq(f.ci->nitr, 2);
	/* A proxy reply (from the map-resolver) without keys: kept. */
	itr_discovery(f.itr, &d, NULL, T0 + 1);
	inner_request(nsent - 1, &ecm, &in);
	memset(&rec, 0, sizeof(rec));
	rec.ttl = 10;
	rec.mask_len = 24;
	rec.flags = LISP_REC_A;
	ck_assert_int_eq(cpa_eid_to_lisp(&pfx, &rec.eid), 0);
	pfx = E("10.4.0.0", 24);
	lisp_addr_free(&rec.eid);
	ck_assert_int_eq(cpa_eid_to_lisp(&pfx, &rec.eid), 0);
	rec.loc_count = 1;
	ck_assert_ptr_nonnull(rec.locs = calloc(1, sizeof(*rec.locs)));
	rec.locs[0].flags = LISP_LOC_R;
	cpa_rloc_to_lisp(&r, &rec.locs[0].addr);
	memset(&mr, 0, sizeof(mr));
	mr.nonce = in.u.mreq.nonce;
	mr.rec_count = 1;
	mr.recs = &rec;
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	d0 = ndpr;
	ck_assert_int_eq(itr_input_reply(f.itr, &mr, &msa, T0 + 1), 0);
	ck_assert_uint_eq(f.ci->nitr, 2);
	ck_assert_ptr_nonnull(mc = last_dp('I', DPIPC_MAP_CACHE, d0));
	ck_assert_uint_eq(mc->rlocs[0].nkeys, 1);	/* still encrypted */
	/* The same from the ETR itself: it does not want encryption. */
	d = E("10.4.0.2", 32);
	itr_discovery(f.itr, &d, NULL, T0 + 2);
	/* 10.4.0.2 is cached now (10.4.0.0/24): ask for another prefix. */
	pfx = E("10.5.0.0", 24);
	d = E("10.5.0.1", 32);
	itr_discovery(f.itr, &d, NULL, T0 + 2);
	inner_request(nsent - 1, &ecm, &in);
	mr.nonce = in.u.mreq.nonce;
	lisp_addr_free(&rec.eid);
	ck_assert_int_eq(cpa_eid_to_lisp(&pfx, &rec.eid), 0);
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	d0 = ndpr;
	ck_assert_int_eq(itr_input_reply(f.itr, &mr, &r, T0 + 2), 0);
	ck_assert_uint_eq(f.ci->nitr, 1);
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_DROPPED], 1);
	/* Every entry using 192.0.2.2 went to the data plane again. */
	ck_assert_uint_ge(count_dp('I', DPIPC_MAP_CACHE, d0), 3);
	ck_assert_ptr_nonnull(mc = last_dp('I', DPIPC_MAP_CACHE, d0));
	ck_assert_uint_eq(mc->rlocs[0].nkeys, 0);
	lisp_eid_record_free(&rec);
	fx_free(&f);
}
END_TEST

START_TEST(probe_derives_key)
{
	struct fx		 f;
	struct itr_params	 pp = { .probing = 1 };
	struct lisp_msg		 m;
	struct dpipc_addr	 r2 = A("192.0.2.2"), loc = A("192.0.2.1");
	uint64_t		 nonce = 0;
	size_t			 i, s0, d0;
	double			 t;

	fx_init(&f, 6, 0);
	fx_new_itr(&f, &pp, 1, f.ci);	/* probing, IPv4 only */
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 1);
	d0 = ndpr;
	s0 = nsent;
	for (t = T0; t < T0 + 3 && nsent == s0; t += 0.5)
		itr_tick(f.itr, t);
	ck_assert_uint_gt(nsent, s0);
	for (i = s0; i < nsent; i++) {
		struct lisp_msg out;
		size_t before;

		ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len,
		    &m, NULL, NULL), 0);
		ck_assert_uint_eq(m.type, LISP_MAP_REQUEST);
		ck_assert(m.u.mreq.flags & LISP_MREQ_P);
		ck_assert_ptr_nonnull(cpa_seckey(&m.u.mreq.itr_rlocs[0]));
		if (!cpa_addr_eq(&sent[i].dst, &r2)) {
			lisp_msg_free(&m);
			continue;
		}
		before = nsent;
		nonce = m.u.mreq.nonce;
		ck_assert_int_eq(etr_input_request(f.etr, &m.u.mreq, &loc,
		    4342, &r2, t), 0);
		lisp_msg_free(&m);
		/* A new key for this exchange: held for the data plane. */
		etr_flush(&f, before, t);
		ck_assert(deferred);
		ck_assert_uint_eq(nsent, before + 1);
		ck_assert_int_eq(lisp_msg_decode(sent[before].buf,
		    sent[before].len, &out, NULL, NULL), 0);
		ck_assert_int_eq(itr_input_reply(f.itr, &out.u.mrep, &r2, t),
		    0);
		lisp_msg_free(&out);
		break;
	}
	ck_assert_uint_eq(f.itr->c[ITR_C_PROBE_REPLY], 1);
	/*
	 * Probes keep the ETR pair but derive a key of their own at both
	 * ends (the probe's nonce), which the ITR then uses.
	 */
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_PAIR], 1);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_KEPT], 1);
	ck_assert_uint_eq(count_dp('E', DPIPC_DECAP_KEYS, d0), 1);
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_NEW], 4);
	{
		struct dpipc_key k;

		ck_assert(cpc_itr_key(f.ci, &r2, &k));
		ck_assert_uint_eq(k.key_id, 1 + nonce % 3);
	}
	ck_assert(itr_matches(&f, "192.0.2.2"));
	fx_free(&f);
}
END_TEST

/* The ETR restarted: a new ETR key, a new encrypt key for every entry. */
START_TEST(etr_restart_rekeys_itr)
{
	struct fx		 f;
	struct cpc_params	 cpp = { .suite = 5 };
	const struct dprec	*mc, *dk;
	uint8_t			 p1[32], p2[32];
	size_t			 d0, s0;

	fx_init(&f, 5, 0);
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert(reply_key(1, 5, p1));
	cpc_free(f.ce);
	ck_assert_ptr_nonnull(f.ce = cpc_new(&cpp, &env_etr));
	etr_set_crypto(f.etr, f.ce);
	/* A refresh of the entry (SMR-invoked here) reaches the new ETR. */
	d0 = ndpr;
	s0 = nsent;
	{
		struct lisp_map_request smr;
		struct lisp_mreq_record rec;
		struct dpipc_addr src = A("192.0.2.2");
		struct cp_eid pfx = E("10.2.0.0", 24);

		memset(&smr, 0, sizeof(smr));
		memset(&rec, 0, sizeof(rec));
		smr.flags = LISP_MREQ_S;
		rec.mask_len = 24;
		ck_assert_int_eq(cpa_eid_to_lisp(&pfx, &rec.eid), 0);
		smr.rec_count = 1;
		smr.recs = &rec;
		itr_input_smr(f.itr, &smr, &src, T0 + 10);
		lisp_addr_free(&rec.eid);
	}
	ck_assert_uint_eq(nsent, s0 + 1);
	ck_assert_int_eq(to_etr(&f, s0, T0 + 10), 0);
	ck_assert_int_eq(to_itr(&f, s0 + 1, "192.0.2.2", T0 + 10), 0);
	ck_assert(reply_key(s0 + 1, 5, p2));
	ck_assert_mem_ne(p1, p2, 32);
	ck_assert_ptr_nonnull(dk = last_dp('E', DPIPC_DECAP_KEYS, d0));
	ck_assert_ptr_nonnull(mc = last_dp('I', DPIPC_MAP_CACHE, d0));
	ck_assert_uint_eq(mc->rlocs[0].nkeys, 1);
	ck_assert_mem_eq(mc->rlocs[0].keys[0].key, dk->dk.keys[0].key, 16);
	ck_assert_uint_eq(f.ci->c[CPC_C_ITR_NEW], 4);
	fx_free(&f);
}
END_TEST

/*
 * A Map-Request from the same ITR process (a fresh ITR engine, so the
 * destination is not cached) that reaches the ETR, whose reply is lost.
 */
static uint64_t
request_reply_lost(struct fx *f, const char *dest, double now)
{
	struct cp_eid		 d = E(dest, 32);
	struct lisp_msg		 ecm, in;
	size_t			 s0;
	uint64_t		 nonce;

	fx_new_itr(f, NULL, 3, f->ci);
	s0 = nsent;
	itr_discovery(f->itr, &d, NULL, now);
	ck_assert_uint_eq(nsent, s0 + 1);
	inner_request(s0, &ecm, &in);
	nonce = in.u.mreq.nonce;
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	ck_assert_int_eq(to_etr(f, s0, now), 0);
	ck_assert_uint_eq(nsent, s0 + 2);	/* answered, never arrives */
	return nonce;
}

/*
 * Lost replies: the ITR keeps the key of the last reply it got, and
 * picks the nonces of its next requests so that their key-ids are
 * neither the one in use nor that of the last request (cpc_itr_nonce):
 * the ETR keeps the ITR's key however many replies are lost.  A request
 * of the in-use key-id (not ours: a forged one or an older engine's)
 * replaces it, and the next exchange that arrives heals it.  With one
 * key per session (the old rule) a lost session-starting reply was
 * never healed.
 */
START_TEST(reply_lost_then_healed)
{
	struct fx		 f;
	struct dpipc_key	 k;
	struct dpipc_addr	 r2 = A("192.0.2.2");
	uint64_t		 n1, n, prev = 0;
	uint8_t			 kid1;
	double			 t = T0;
	int			 i;

	fx_init(&f, 5, 0);
	n1 = resolve(&f, "10.2.0.7", t);
	kid1 = (uint8_t)(1 + n1 % 3);
	ck_assert(itr_matches(&f, "192.0.2.2"));
	for (i = 0; i < 6; i++) {
		t += 2;
		n = request_reply_lost(&f, "10.2.0.8", t);
		ck_assert_uint_ne(1 + n % 3, kid1);
		if (i > 0)
			ck_assert_uint_ne(1 + n % 3, 1 + prev % 3);
		prev = n;
		ck_assert(cpc_itr_key(f.ci, &r2, &k));
		ck_assert_uint_eq(k.key_id, kid1);	/* unchanged */
		ck_assert(itr_matches(&f, "192.0.2.2"));
	}
	/* A request of key-id kid1 with the ITR's key replaces its key. */
	n = (n1 | 0xff) + 1;
	n += (uint64_t)((kid1 + 3 - 1 - n % 3) % 3);
	ck_assert_uint_eq(1 + n % 3, kid1);
	ck_assert_int_eq(etr_request_at(&f, 5, cpc_itr_pub(f.ci), 32,
	    "192.0.2.1", n, t + 2), 0);
	ck_assert(!itr_matches(&f, "192.0.2.2"));
	/* The next exchange that gets through (a refresh) heals it. */
	fx_new_itr(&f, NULL, 3, f.ci);
	n = resolve(&f, "10.2.0.9", t + 4);
	ck_assert(cpc_itr_key(f.ci, &r2, &k));
	ck_assert_uint_eq(k.key_id, 1 + n % 3);
	ck_assert(itr_matches(&f, "192.0.2.2"));
	ck_assert(itr_matches(&f, "2001:db8::2"));
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_PAIR], 1);
	fx_free(&f);
}
END_TEST

/*
 * cpc_itr_nonce: the nonce moves within its group of three only when
 * its key-id is taken, towards a free one; the high bits stay; no
 * overflow at the top; without sessions it is left alone.
 */
START_TEST(itr_nonce_avoids_in_use)
{
	struct fx		 f;
	struct dpipc_key	 k;
	struct dpipc_addr	 r2 = A("192.0.2.2"), other = A("192.0.2.77");
	uint64_t		 n, m;
	uint8_t			 kid;

	fx_init(&f, 5, 0);
	ck_assert_uint_eq(cpc_itr_nonce(f.ci, 12345, &r2, 1), 12345);
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert(cpc_itr_key(f.ci, &r2, &k));
	kid = k.key_id;
	for (n = 0x7000000000000000ULL; n < 0x7000000000000000ULL + 9; n++) {
		m = cpc_itr_nonce(f.ci, n, &r2, 1);
		ck_assert_uint_ne(1 + m % 3, kid);
		ck_assert_uint_eq(m / 3, n / 3);
	}
	m = cpc_itr_nonce(f.ci, UINT64_MAX, &r2, 1);
	ck_assert_uint_ne(1 + m % 3, kid);
	ck_assert_uint_ge(m, UINT64_MAX - 5);
	/* An RLOC we have no session with: as drawn. */
	ck_assert_uint_eq(cpc_itr_nonce(f.ci, 3 * 1000 + kid - 1, &other, 1),
	    3 * 1000 + kid - 1);
	fx_free(&f);
}
END_TEST

/*
 * Two requests in flight to one ETR (two EID-prefixes of one site
 * resolved at once), the replies arrive in the other order: after each,
 * the ITR's key-id and key are one the ETR's data plane holds.  The old
 * rule (ETR: the first request's nonce; ITR: the first reply's) failed
 * this at the first reply and never recovered.
 */
START_TEST(replies_out_of_order)
{
	struct fx		 f;
	struct cp_eid		 d1 = E("10.2.0.7", 32), d2 = E("10.3.0.7", 32);
	struct dpipc_key	 k;
	struct dpipc_addr	 r2 = A("192.0.2.2");
	struct lisp_msg		 ecm, in;
	struct etr_db		 db[2];
	struct etr_rloc		 rl[3];
	uint64_t		 n1, n2;

	fx_init(&f, 6, 0);
	/* Two prefixes behind the ETR, so neither reply covers the other. */
	memset(db, 0, sizeof(db));
	memset(rl, 0, sizeof(rl));
	rl[0].addr = A("192.0.2.2");
	rl[0].local = 1;
	rl[1].addr = A("2001:db8::2");
	rl[1].local = 1;
	rl[2].addr = A("192.0.2.99");
	db[0].eid = E("10.2.0.0", 24);
	db[1].eid = E("10.3.0.0", 24);
	db[0].rlocs = db[1].rlocs = rl;
	db[0].nrlocs = db[1].nrlocs = 3;
	ck_assert_int_eq(etr_set_db(f.etr, db, 2, T0), 1);	/* changed */
	itr_discovery(f.itr, &d1, NULL, T0);
	itr_discovery(f.itr, &d2, NULL, T0);
	ck_assert_uint_eq(nsent, 2);
	inner_request(0, &ecm, &in);
	n1 = in.u.mreq.nonce;
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	inner_request(1, &ecm, &in);
	n2 = in.u.mreq.nonce;
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	ck_assert_uint_ne(1 + n1 % 3, 1 + n2 % 3);
	ck_assert_int_eq(to_etr(&f, 0, T0), 0);
	ck_assert_int_eq(to_etr(&f, 1, T0), 0);
	ck_assert_uint_eq(nsent, 4);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_PAIR], 1);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	/* The second reply first. */
	ck_assert_int_eq(to_itr(&f, 3, "192.0.2.2", T0 + 0.2), 0);
	ck_assert(cpc_itr_key(f.ci, &r2, &k));
	ck_assert_uint_eq(k.key_id, 1 + n2 % 3);
	ck_assert(itr_matches(&f, "192.0.2.2"));
	/* The late one: its key, which the ETR still holds. */
	ck_assert_int_eq(to_itr(&f, 2, "192.0.2.2", T0 + 0.3), 0);
	ck_assert(cpc_itr_key(f.ci, &r2, &k));
	ck_assert_uint_eq(k.key_id, 1 + n1 % 3);
	ck_assert(itr_matches(&f, "192.0.2.2"));
	ck_assert(itr_matches(&f, "2001:db8::2"));
	fx_free(&f);
}
END_TEST

/*
 * Derivations per ITR address are a token bucket: over it, a keyed
 * request is not answered and nothing is derived or sent to the data
 * plane (counted); a retransmission of a request already derived costs
 * nothing; after the refill the next one is answered.
 */
START_TEST(derivations_rate_limited)
{
	struct fx		 f;
	struct lc8061_kx_pair	 kp;
	size_t			 s0, d0;

	fx_init(&f, 5, 0);
	f.ce->p.kx_burst = 2;
	f.ce->p.kx_rate = 0.5;
	log_setquiet(1);
	ck_assert_int_eq(lc8061_kx_keypair(&kp), 0);
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.70", 1,
	    T0), 0);
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.70", 2,
	    T0), 0);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	s0 = nsent;
	d0 = ndpr;
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.70", 3,
	    T0), -1);
	ck_assert_uint_eq(nsent, s0);
	ck_assert_uint_eq(ndpr, d0);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 2);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_RATE_LIMITED], 1);
	/* Another ITR is not affected. */
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.71", 4,
	    T0), 0);
	/* A retransmission (nonce 2 again): answered, nothing derived. */
	d0 = ndpr;
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.70", 2,
	    T0 + 1), 0);
	ck_assert(!deferred);
	ck_assert_uint_eq(nsent, s0 + 2);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 3);
	ck_assert_uint_eq(ndpr, d0);
	/* Refilled (0.5/s): nonce 3 is answered now. */
	ck_assert_int_eq(etr_request_at(&f, 5, kp.pub, 32, "192.0.2.70", 3,
	    T0 + 2.5), 0);
	ck_assert(deferred);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_NEW], 4);
	ck_assert_uint_eq(f.ce->c[CPC_C_ETR_RATE_LIMITED], 1);
	lc8061_kx_pair_wipe(&kp);
	log_setquiet(0);
	fx_free(&f);
}
END_TEST

START_TEST(show_record)
{
	struct fx	 f;
	json_object	*recs, *r, *c, *v;
	char		 err[64];

	fx_init(&f, 6, 0);
	(void)resolve(&f, "10.2.0.7", T0);
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_crypto(NULL, recs, err, sizeof(err)), 0);
	ck_assert_uint_eq(json_object_array_length(recs), 0);
	ck_assert_int_eq(cp_show_crypto(f.ci, recs, err, sizeof(err)), 0);
	ck_assert_uint_eq(json_object_array_length(recs), 1);
	r = json_object_array_get_idx(recs, 0);
	ck_assert(json_object_object_get_ex(r, "lisp-crypto", &c));
	ck_assert(json_object_object_get_ex(c, "cipher-suite", &v));
	ck_assert_int_eq(json_object_get_int(v), 6);
	ck_assert(json_object_object_get_ex(c, "encrypt-sessions", &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	ck_assert(json_object_object_get_ex(c, "itr-encrypt-key-derived",
	    &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	ck_assert(json_object_object_get_ex(c, "refused-cipher-suite", &v));
	ck_assert_int_eq(json_object_get_int(v), 0);
	json_object_put(recs);
	/* Per-RLOC cipher-suite in the probe records of show rlocs. */
	ck_assert_ptr_nonnull(recs = json_object_new_array());
	ck_assert_int_eq(cp_show_rlocs(f.itr, NULL, T0, recs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(json_object_array_length(recs), 3);
	for (size_t i = 0; i < 3; i++) {
		const char *a;

		r = json_object_array_get_idx(recs, i);
		ck_assert(json_object_object_get_ex(r, "rloc", &v));
		a = json_object_get_string(v);
		ck_assert(json_object_object_get_ex(r, "cipher-suite", &v));
		ck_assert_int_eq(json_object_get_int(v),
		    strcmp(a, "192.0.2.99") == 0 ? 0 : 6);
	}
	json_object_put(recs);
	fx_free(&f);
}
END_TEST

START_TEST(suite_from_env)
{
	log_setquiet(1);
	unsetenv("LISPZTR_CRYPTO_SUITE");
	ck_assert_uint_eq(cpc_suite_from_env(), 5);
	setenv("LISPZTR_CRYPTO_SUITE", "6", 1);
	ck_assert_uint_eq(cpc_suite_from_env(), 6);
	setenv("LISPZTR_CRYPTO_SUITE", "5", 1);
	ck_assert_uint_eq(cpc_suite_from_env(), 5);
	setenv("LISPZTR_CRYPTO_SUITE", "2", 1);
	ck_assert_uint_eq(cpc_suite_from_env(), 5);
	unsetenv("LISPZTR_CRYPTO_SUITE");
}
END_TEST

static Suite *
cpcrypto_suite(void)
{
	Suite	*s = suite_create("cp_crypto");
	TCase	*tc = tcase_create("rfc8061");

	tcase_add_loop_test(tc, request_carries_key, 5, 7);
	tcase_add_loop_test(tc, exchange_both_ends_agree, 5, 7);
	tcase_add_test(tc, same_itr_key_keeps_session);
	tcase_add_test(tc, new_itr_key_new_session);
	tcase_add_test(tc, bad_keys_refused);
	tcase_add_test(tc, sessions_bounded);
	tcase_add_test(tc, itr_opportunistic);
	tcase_add_test(tc, probe_derives_key);
	tcase_add_test(tc, etr_restart_rekeys_itr);
	tcase_add_test(tc, reply_lost_then_healed);
	tcase_add_test(tc, itr_nonce_avoids_in_use);
	tcase_add_test(tc, replies_out_of_order);
	tcase_add_test(tc, derivations_rate_limited);
	tcase_add_test(tc, show_record);
	tcase_add_test(tc, suite_from_env);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cpcrypto_suite());
	int	 nf;

	if (sodium_init() == -1)
		return 1;
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
