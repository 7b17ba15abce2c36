/* SPDX-License-Identifier: ISC */
/*
 * The xTR control engine (control/cp_itr, cp_etr, cp_probe) with a fake
 * clock and recording send functions: what leaves, when, to whom, and
 * what the data plane is told.  Packets are checked by decoding them with
 * lib/lisp_msg (tested on its own against captures) and the HMACs with
 * lisp_auth_verify().
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_etr.h"
#include "cp_itr.h"
#include "cp_msg.h"
#include "cp_probe.h"
#include "cp_testutil.h"
#include "lisp_auth.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "log.h"

#define T0	1000.0

struct sent {
	struct dpipc_addr	 dst, src;
	int			 has_src;
	uint16_t		 dport;
	uint8_t			 buf[16384];
	size_t			 len;
};

struct dpmsg {
	enum dpipc_opcode	 op;
	uint32_t		 iid;
	struct dpipc_addr	 eid;
	size_t			 nrlocs;
	struct dpipc_addr	 rlocs[8];
};

static struct sent	 sent[64];
static size_t		 nsent;
static struct dpmsg	 dpm[64];
static size_t		 ndpm;
static uint64_t		 rnd;

static int
fake_send(void *arg, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	struct sent	*s;

	(void)arg;
	ck_assert_uint_lt(nsent, 64);
	s = &sent[nsent++];
	memset(s, 0, sizeof(*s));
	s->dst = *dst;
	s->dport = dport;
	if (src != NULL) {
		s->src = *src;
		s->has_src = 1;
	}
	ck_assert_uint_le(len, sizeof(s->buf));
	memcpy(s->buf, buf, len);
	s->len = len;
	return 0;
}

static void
fake_dp(void *arg, const struct dpipc_msg *m)
{
	struct dpmsg	*d;
	size_t		 i;

	(void)arg;
	ck_assert_int_eq(m->type, DPIPC_MAP_CACHE);
	ck_assert_uint_lt(ndpm, 64);
	d = &dpm[ndpm++];
	memset(d, 0, sizeof(*d));
	d->op = m->u.mc.opcode;
	d->iid = m->u.mc.iid;
	d->eid = m->u.mc.eid;
	d->nrlocs = m->u.mc.nrlocs;
	for (i = 0; i < m->u.mc.nrlocs && i < 8; i++)
		d->rlocs[i] = m->u.mc.rlocs[i].addr;
}

static uint64_t
fake_rand(void *arg)
{
	(void)arg;
	return 0x1111000000000000ULL + ++rnd;
}

static const struct cp_env env = { fake_send, fake_dp, fake_rand, NULL };

static void
reset(void)
{
	nsent = ndpm = 0;
	rnd = 0;
}

static struct cp_eid
E(uint32_t iid, const char *s, uint8_t plen)
{
	struct cp_eid	 e;

	e.iid = iid;
	e.p = A(s);
	e.p.plen = plen;
	cpa_mask(&e.p);
	return e;
}

/* Decode sent[i]; an ECM is unwrapped into *inner when inner != NULL. */
static void
decode_sent(size_t i, struct lisp_msg *m, struct lisp_msg *inner)
{
	ck_assert_uint_lt(i, nsent);
	ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, m, NULL,
	    NULL), 0);
	if (inner != NULL) {
		ck_assert_uint_eq(m->type, LISP_ECM);
		ck_assert_uint_eq(m->u.ecm.inner_dport, 4342);
		ck_assert_int_eq(lisp_msg_decode(m->u.ecm.payload,
		    m->u.ecm.payload_len, inner, NULL, NULL), 0);
	}
}

static struct itr *
itr_fixture(struct itr_params *pp)
{
	struct itr		*itr;
	struct dpipc_addr	 mr = A("198.51.100.1"), loc = A("192.0.2.1");
	struct cp_eid		 me = E(100, "10.1.0.1", 32);

	reset();
	ck_assert_ptr_nonnull(itr = itr_new(pp, &env));
	itr_set_resolvers(itr, &mr, 1);
	itr_set_local(itr, &loc, 1);
	ck_assert_int_eq(itr_set_eids(itr, &me, 1), 0);
	return itr;
}

/* A Map-Reply record for prefix with the given RLOCs (R set). */
static void
mk_record(struct lisp_eid_record *r, const struct cp_eid *pfx, uint32_t ttl,
    const char **rlocs, size_t n, uint8_t act)
{
	size_t	 i;

	memset(r, 0, sizeof(*r));
	r->ttl = ttl;
	r->mask_len = pfx->p.plen;
	r->act = act;
	r->flags = LISP_REC_A;
	ck_assert_int_eq(cpa_eid_to_lisp(pfx, &r->eid), 0);
	r->loc_count = n;
	r->locs = n ? calloc(n, sizeof(*r->locs)) : NULL;
	for (i = 0; i < n; i++) {
		struct dpipc_addr a = A(rlocs[i]);

		r->locs[i].priority = (uint8_t)(i + 1);
		r->locs[i].weight = 100;
		r->locs[i].flags = LISP_LOC_R;
		cpa_rloc_to_lisp(&a, &r->locs[i].addr);
	}
}

static void
mk_reply(struct lisp_map_reply *m, uint64_t nonce,
    struct lisp_eid_record *rec)
{
	memset(m, 0, sizeof(*m));
	m->nonce = nonce;
	m->rec_count = 1;
	m->recs = rec;
}

/* The nonce of the Map-Request in ECM sent[i], checking its target. */
static uint64_t
request_nonce(size_t i, const struct cp_eid *want, uint16_t flags)
{
	struct lisp_msg	 m, in;
	struct cp_eid	 e;
	uint64_t	 nonce;

	decode_sent(i, &m, &in);
	ck_assert_uint_eq(in.type, LISP_MAP_REQUEST);
	ck_assert_uint_eq(in.u.mreq.flags, flags);
	ck_assert_uint_eq(in.u.mreq.rec_count, 1);
	ck_assert_int_eq(cpa_eid_from_lisp(&in.u.mreq.recs[0].eid,
	    in.u.mreq.recs[0].mask_len, &e), 0);
	ck_assert(cpa_eid_eq(&e, want));
	ck_assert_uint_eq(in.u.mreq.itr_rloc_count, 1);
	ck_assert_uint_eq(sent[i].dport, 4342);
	ck_assert(cpa_addr_eq(&sent[i].dst, &(struct dpipc_addr){ 0 }) == 0);
	nonce = in.u.mreq.nonce;
	lisp_msg_free(&in);
	lisp_msg_free(&m);
	return nonce;
}

START_TEST(itr_retransmit_backoff)
{
	struct itr_params	 pp = { .retrans_tries = 5, .holddown = 30 };
	struct itr		*itr = itr_fixture(&pp);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	/* transmissions at 0, then 1, 2, 4, 8, 8 s apart */
	const double		 at[] = { 0, 1, 3, 7, 15, 23 };
	double			 t;
	size_t			 k = 0;
	uint64_t		 n0;

	itr_discovery(itr, &d, NULL, T0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert(cpa_addr_eq(&sent[0].dst, &itr->resolvers[0]));
	n0 = request_nonce(0, &d, 0);
	/* A second discovery of the same destination sends nothing. */
	itr_discovery(itr, &d, NULL, T0 + 0.5);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(itr->c[ITR_C_MISS_PENDING], 1);
	for (t = T0; t <= T0 + 60; t += 0.25) {
		size_t before = nsent;

		itr_tick(itr, t);
		if (nsent > before) {
			k++;
			ck_assert_uint_lt(k, 6);
			ck_assert_msg(t == T0 + at[k], "tx %zu at %.2f", k,
			    t - T0);
			/* Same nonce: a late reply to any try is good. */
			ck_assert_uint_eq(request_nonce(nsent - 1, &d, 0), n0);
		}
	}
	ck_assert_uint_eq(k, 5);
	ck_assert_uint_eq(itr->c[ITR_C_REQ_GIVEUP], 1);
	/* Held down: discoveries are ignored until T0 + 23 + 8 + 30. */
	itr_discovery(itr, &d, NULL, T0 + 50);
	ck_assert_uint_eq(itr->c[ITR_C_MISS_HOLDDOWN], 1);
	ck_assert_uint_eq(nsent, 6);
	itr_tick(itr, T0 + 62);
	itr_discovery(itr, &d, NULL, T0 + 62);
	ck_assert_uint_eq(nsent, 7);
	itr_free(itr);
}
END_TEST

START_TEST(itr_global_cap)
{
	struct itr_params	 pp = { .global_rate = 2 };
	struct itr		*itr = itr_fixture(&pp);
	struct cp_eid		 d;
	char			 s[32];
	int			 i;

	for (i = 0; i < 5; i++) {
		snprintf(s, sizeof(s), "10.2.0.%d", i + 1);
		d = E(100, s, 32);
		itr_discovery(itr, &d, NULL, T0);
	}
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(itr->c[ITR_C_REQ_RATELIMITED], 3);
	/* Half a second later one token more. */
	itr_tick(itr, T0 + 0.5);
	ck_assert_uint_eq(nsent, 3);
	itr_tick(itr, T0 + 1.0);
	/* one new plus the first two's retransmissions compete */
	ck_assert_uint_le(nsent, 4);
	itr_free(itr);
}
END_TEST

START_TEST(itr_nonce_and_source)
{
	struct itr		*itr = itr_fixture(NULL);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	struct cp_eid		 pfx = E(100, "10.2.0.0", 24);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1"), other = A("203.0.113.66");
	const char		*rl[] = { "203.0.113.2" };
	uint64_t		 nonce;

	itr_discovery(itr, &d, NULL, T0);
	nonce = request_nonce(0, &d, 0);
	mk_record(&rec, &pfx, 10, rl, 1, 0);
	mk_reply(&rep, nonce ^ 1, &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0 + 0.1), -1);
	ck_assert_uint_eq(itr->c[ITR_C_REPLY_BAD_NONCE], 1);
	ck_assert_uint_eq(ndpm, 0);
	rep.nonce = nonce;
	/* Right nonce, but neither a resolver nor a listed RLOC. */
	ck_assert_int_eq(itr_input_reply(itr, &rep, &other, T0 + 0.1), -1);
	ck_assert_uint_eq(itr->c[ITR_C_REPLY_BAD_SOURCE], 1);
	ck_assert_uint_eq(ndpm, 0);
	/* From the ETR itself (its RLOC is in the record): accepted. */
	other = A("203.0.113.2");
	ck_assert_int_eq(itr_input_reply(itr, &rep, &other, T0 + 0.2), 0);
	ck_assert_uint_eq(ndpm, 1);
	ck_assert_int_eq(dpm[0].op, DPIPC_OP_ADD);
	ck_assert_uint_eq(dpm[0].iid, 100);
	ck_assert(cpa_addr_eq(&dpm[0].eid, &pfx.p));
	ck_assert_uint_eq(dpm[0].nrlocs, 1);
	ck_assert(cpa_addr_eq(&dpm[0].rlocs[0], &other));
	/* Replayed: the request is gone, so is the nonce. */
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0 + 0.3), -1);
	ck_assert_uint_eq(itr->c[ITR_C_REPLY_BAD_NONCE], 2);
	/* No retransmission once answered. */
	itr_tick(itr, T0 + 5);
	ck_assert_uint_eq(nsent, 1);
	lisp_eid_record_free(&rec);
	itr_free(itr);
}
END_TEST

START_TEST(itr_record_must_cover)
{
	struct itr		*itr = itr_fixture(NULL);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	struct cp_eid		 wrong = E(100, "10.3.0.0", 24);
	struct cp_eid		 wrongiid = E(101, "10.2.0.0", 24);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1");
	const char		*rl[] = { "203.0.113.2" };
	uint64_t		 nonce;

	itr_discovery(itr, &d, NULL, T0);
	nonce = request_nonce(0, &d, 0);
	mk_record(&rec, &wrong, 10, rl, 1, 0);
	mk_reply(&rep, nonce, &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), -1);
	lisp_eid_record_free(&rec);
	mk_record(&rec, &wrongiid, 10, rl, 1, 0);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), -1);
	ck_assert_uint_eq(itr->c[ITR_C_REPLY_BAD_RECORD], 2);
	ck_assert_uint_eq(ndpm, 0);
	lisp_eid_record_free(&rec);
	itr_free(itr);
}
END_TEST

START_TEST(itr_ttl_expiry_refresh)
{
	struct itr		*itr = itr_fixture(NULL);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	struct cp_eid		 d2 = E(100, "10.2.0.9", 32);
	struct cp_eid		 pfx = E(100, "10.2.0.0", 24);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1");
	const char		*rl[] = { "203.0.113.2" };
	uint64_t		 nonce;

	/* TTL 1 minute: refresh margin min(60 s, 10 %) = 6 s. */
	itr_discovery(itr, &d, NULL, T0);
	mk_record(&rec, &pfx, 1, rl, 1, 0);
	mk_reply(&rep, request_nonce(0, &d, 0), &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), 0);
	ck_assert_uint_eq(ndpm, 1);
	/* Another host of the prefix: covered, no request. */
	itr_discovery(itr, &d2, NULL, T0 + 0.5);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(itr->c[ITR_C_MISS_CACHED], 1);
	/* That discovery marked it used: refresh at T0 + 54. */
	itr_tick(itr, T0 + 53.9);
	ck_assert_uint_eq(nsent, 1);
	itr_tick(itr, T0 + 54);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(itr->c[ITR_C_REFRESH], 1);
	nonce = request_nonce(1, &pfx, 0);	/* asks for the cached /24 */
	rep.nonce = nonce;
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0 + 55), 0);
	ck_assert_uint_eq(ndpm, 2);
	ck_assert_int_eq(dpm[1].op, DPIPC_OP_ADD);
	/* Unused since: expires 60 s after the refresh, deleted from DP. */
	itr_tick(itr, T0 + 114.9);
	ck_assert_uint_eq(ndpm, 2);
	ck_assert_uint_eq(nsent, 2);
	itr_tick(itr, T0 + 115);
	ck_assert_uint_eq(ndpm, 3);
	ck_assert_int_eq(dpm[2].op, DPIPC_OP_DELETE);
	ck_assert(cpa_addr_eq(&dpm[2].eid, &pfx.p));
	ck_assert_ptr_null(itr_lookup(itr, &d));
	/* A zero-TTL record removes an entry at once. */
	itr_discovery(itr, &d, NULL, T0 + 200);
	rep.nonce = request_nonce(nsent - 1, &d, 0);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0 + 200), 0);
	ck_assert_ptr_nonnull(itr_lookup(itr, &d));
	lisp_eid_record_free(&rec);
	itr_discovery(itr, &d2, NULL, T0 + 201);	/* used */
	ck_assert_uint_eq(itr->c[ITR_C_MISS_CACHED], 2);
	itr_free(itr);
}
END_TEST

START_TEST(itr_negative)
{
	struct itr		*itr = itr_fixture(NULL);
	struct cp_eid		 d = E(100, "10.9.0.7", 32);
	struct cp_eid		 pfx = E(100, "10.8.0.0", 15);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1");
	struct itr_entry	*e;

	itr_discovery(itr, &d, NULL, T0);
	mk_record(&rec, &pfx, 15, NULL, 0, LISP_ACT_NATIVE_FWD);
	mk_reply(&rep, request_nonce(0, &d, 0), &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), 0);
	ck_assert_uint_eq(itr->c[ITR_C_NEGATIVE], 1);
	ck_assert_uint_eq(ndpm, 1);
	ck_assert_uint_eq(dpm[0].nrlocs, 0);
	ck_assert_uint_eq(dpm[0].eid.plen, 15);
	ck_assert_ptr_nonnull(e = itr_lookup(itr, &d));
	ck_assert_uint_eq(e->act, LISP_ACT_NATIVE_FWD);
	ck_assert_double_eq(e->expires, T0 + 15 * 60);
	/* Punts for it are not requests while it lives. */
	itr_discovery(itr, &d, NULL, T0 + 10);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(ndpm, 1);	/* negative: nothing to re-push */
	itr_tick(itr, T0 + 15 * 60);
	ck_assert_uint_eq(ndpm, 2);
	ck_assert_int_eq(dpm[1].op, DPIPC_OP_DELETE);
	lisp_eid_record_free(&rec);
	itr_free(itr);
}
END_TEST

START_TEST(itr_send_map_request_ranges)
{
	struct itr		*itr = itr_fixture(NULL);
	struct cp_eid		 range = E(100, "fd00::", 8);
	struct cp_eid		 stat = E(100, "10.5.0.0", 16);
	struct cp_eid		 d6 = E(100, "fd11::5", 128);
	struct cp_eid		 d4 = E(100, "10.5.1.1", 32);
	struct itr_rloc		 r;
	struct lisp_msg		 m, in;

	memset(&r, 0, sizeof(r));
	r.addr = A("203.0.113.9");
	ck_assert_int_eq(itr_add_config(itr, &range, NULL, 0), 0);
	ck_assert_int_eq(itr_add_config(itr, &stat, &r, 1), 0);
	/* Inside a send-map-request range: resolved, as an IPv6 ECM. */
	itr_discovery(itr, &d6, NULL, T0);
	ck_assert_uint_eq(nsent, 1);
	decode_sent(0, &m, &in);
	ck_assert_int_eq(m.u.ecm.ip_version, 6);
	lisp_msg_free(&in);
	lisp_msg_free(&m);
	/* Covered by a static entry: the data plane has it, nothing sent. */
	itr_discovery(itr, &d4, NULL, T0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(ndpm, 0);
	itr_free(itr);
}
END_TEST

static struct itr *
probed_fixture(struct cp_eid *pfx)
{
	struct itr_params	 pp = { .probing = 1,
	    .probe = { .interval = 10, .timeout = 1, .misses = 3 } };
	struct itr		*itr = itr_fixture(&pp);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1");
	const char		*rl[] = { "203.0.113.2", "203.0.113.3" };

	*pfx = E(100, "10.2.0.0", 24);
	itr_discovery(itr, &d, NULL, T0);
	mk_record(&rec, pfx, 60, rl, 2, 0);
	mk_reply(&rep, request_nonce(0, &d, 0), &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), 0);
	lisp_eid_record_free(&rec);
	ck_assert_uint_eq(ndpm, 1);
	ck_assert_uint_eq(dpm[0].nrlocs, 2);
	return itr;
}

/* The probe in sent[i]: direct (no ECM), P, for pfx; returns its nonce. */
static uint64_t
probe_nonce(size_t i, const struct cp_eid *pfx, const char *rloc)
{
	struct lisp_msg	 m;
	struct cp_eid	 e;
	struct dpipc_addr a = A(rloc);
	uint64_t	 n;

	decode_sent(i, &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_REQUEST);
	ck_assert(m.u.mreq.flags & LISP_MREQ_P);
	ck_assert_uint_eq(m.u.mreq.src_eid.afi, 0);
	ck_assert_int_eq(cpa_eid_from_lisp(&m.u.mreq.recs[0].eid,
	    m.u.mreq.recs[0].mask_len, &e), 0);
	ck_assert(cpa_eid_eq(&e, pfx));
	ck_assert(cpa_addr_eq(&sent[i].dst, &a));
	n = m.u.mreq.nonce;
	lisp_msg_free(&m);
	return n;
}

static int
probe_answer(struct itr *itr, const struct cp_eid *pfx, const char *rloc,
    uint64_t nonce, double now, uint8_t recflags)
{
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 src = A(rloc);
	const char		*rl[] = { rloc };
	int			 rc;

	mk_record(&rec, pfx, 60, rl, 1, 0);
	rec.flags = recflags;
	mk_reply(&rep, nonce, &rec);
	rep.flags = LISP_MREP_P;
	rc = itr_input_reply(itr, &rep, &src, now);
	lisp_eid_record_free(&rec);
	return rc;
}

START_TEST(itr_probe_failover_restore)
{
	struct cp_eid		 pfx;
	struct itr		*itr = probed_fixture(&pfx);
	struct itr_entry	*e;
	uint64_t		 na, nb;
	double			 t;
	size_t			 i;

	/* First probes one timeout after install, one per RLOC. */
	itr_tick(itr, T0 + 1);
	ck_assert_uint_eq(nsent, 3);
	na = probe_nonce(1, &pfx, "203.0.113.2");
	nb = probe_nonce(2, &pfx, "203.0.113.3");
	ck_assert_uint_ne(na, nb);
	/* From the wrong RLOC, wrong nonce, or without A: ignored. */
	ck_assert_int_eq(probe_answer(itr, &pfx, "203.0.113.3", na,
	    T0 + 1.01, LISP_REC_A), -1);
	ck_assert_int_eq(probe_answer(itr, &pfx, "203.0.113.2", na + 7,
	    T0 + 1.01, LISP_REC_A), -1);
	ck_assert_int_eq(probe_answer(itr, &pfx, "203.0.113.2", na,
	    T0 + 1.01, 0), -1);
	ck_assert_uint_eq(itr->c[ITR_C_PROBE_BAD], 3);
	ck_assert_int_eq(probe_answer(itr, &pfx, "203.0.113.2", na,
	    T0 + 1.02, LISP_REC_A), 0);
	ck_assert_int_eq(probe_answer(itr, &pfx, "203.0.113.3", nb,
	    T0 + 1.03, LISP_REC_A), 0);
	ck_assert_ptr_nonnull(e = itr_lookup(itr, &pfx));
	ck_assert_double_eq_tol(e->rlocs[0].probe.rtt, 0.02, 1e-9);
	/*
	 * Now 203.0.113.2 goes silent; .3 keeps answering.  Probes at
	 * T0 + 11, re-sent after each 1 s timeout: down at T0 + 14.
	 */
	for (t = T0 + 1.25; t <= T0 + 14.01; t += 0.25) {
		size_t before = nsent;

		itr_tick(itr, t);
		for (i = before; i < nsent; i++)
			if (cpa_addr_eq(&sent[i].dst,
			    &e->rlocs[1].addr))
				ck_assert_int_eq(probe_answer(itr, &pfx,
				    "203.0.113.3", probe_nonce(i, &pfx,
				    "203.0.113.3"), t, LISP_REC_A), 0);
		if (t < T0 + 14)
			ck_assert_uint_eq(ndpm, 1);
	}
	ck_assert_uint_eq(itr->c[ITR_C_RLOC_DOWN], 1);
	ck_assert_uint_eq(ndpm, 2);
	ck_assert_uint_eq(dpm[1].nrlocs, 1);
	ck_assert(cpa_addr_eq(&dpm[1].rlocs[0], &e->rlocs[1].addr));
	/* The down RLOC is probed again; its answer restores it. */
	for (t = T0 + 14.25; nsent < 64 && t < T0 + 40; t += 0.25) {
		size_t before = nsent;

		itr_tick(itr, t);
		for (i = before; i < nsent; i++) {
			if (cpa_addr_eq(&sent[i].dst, &e->rlocs[1].addr)) {
				ck_assert_int_eq(probe_answer(itr, &pfx,
				    "203.0.113.3", probe_nonce(i, &pfx,
				    "203.0.113.3"), t, LISP_REC_A), 0);
				continue;
			}
			ck_assert_int_eq(probe_answer(itr, &pfx,
			    "203.0.113.2", probe_nonce(i, &pfx,
			    "203.0.113.2"), t, LISP_REC_A), 0);
			goto restored;
		}
	}
	ck_abort_msg("down RLOC not probed again");
restored:
	ck_assert_uint_eq(itr->c[ITR_C_RLOC_UP], 1);
	ck_assert_uint_eq(ndpm, 3);
	ck_assert_uint_eq(dpm[2].nrlocs, 2);
	itr_free(itr);
}
END_TEST

START_TEST(itr_probe_never_to_resolver)
{
	struct itr_params	 pp = { .probing = 1,
	    .probe = { .interval = 10, .timeout = 1, .misses = 3 } };
	struct itr		*itr = itr_fixture(&pp);
	struct cp_eid		 d = E(100, "10.2.0.7", 32);
	struct cp_eid		 pfx = E(100, "10.2.0.0", 24);
	struct lisp_eid_record	 rec;
	struct lisp_map_reply	 rep;
	struct dpipc_addr	 mr = A("198.51.100.1");
	const char		*rl[] = { "198.51.100.1" };

	itr_discovery(itr, &d, NULL, T0);
	mk_record(&rec, &pfx, 60, rl, 1, 0);
	mk_reply(&rep, request_nonce(0, &d, 0), &rec);
	ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0), 0);
	lisp_eid_record_free(&rec);
	itr_tick(itr, T0 + 5);
	ck_assert_uint_eq(nsent, 1);
	itr_free(itr);
}
END_TEST

/* Indexes >= from of sent[] holding an SMR-invoked ECM Map-Request. */
static size_t
count_smri(size_t from, size_t *last)
{
	struct lisp_msg	 m, in;
	size_t		 i, n = 0;

	for (i = from; i < nsent; i++) {
		ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, &m,
		    NULL, NULL), 0);
		if (m.type == LISP_ECM && lisp_msg_decode(m.u.ecm.payload,
		    m.u.ecm.payload_len, &in, NULL, NULL) == 0) {
			if (in.type == LISP_MAP_REQUEST &&
			    (in.u.mreq.flags & LISP_MREQ_SMRI) != 0) {
				n++;
				*last = i;
			}
			lisp_msg_free(&in);
		}
		lisp_msg_free(&m);
	}
	return n;
}

START_TEST(itr_smr)
{
	struct cp_eid		 pfx;
	struct itr		*itr = probed_fixture(&pfx);
	struct lisp_map_request	 smr;
	struct lisp_mreq_record	 r;
	struct cp_eid		 host = E(100, "10.2.0.1", 32);
	struct cp_eid		 other = E(100, "10.7.0.1", 32);
	struct dpipc_addr	 from = A("203.0.113.2");
	size_t			 before = nsent;

	memset(&smr, 0, sizeof(smr));
	memset(&r, 0, sizeof(r));
	smr.flags = LISP_MREQ_S;
	smr.rec_count = 1;
	smr.recs = &r;
	r.mask_len = 32;
	ck_assert_int_eq(cpa_eid_to_lisp(&host, &r.eid), 0);
	itr_input_smr(itr, &smr, &from, T0 + 0.5);
	/* An SMR-invoked Map-Request for the cached /24, through the MR. */
	ck_assert_uint_eq(nsent, before + 1);
	ck_assert(cpa_addr_eq(&sent[before].dst, &itr->resolvers[0]));
	(void)request_nonce(before, &pfx, LISP_MREQ_SMRI);
	/* Again at once (a second change): not now... */
	itr_input_smr(itr, &smr, &from, T0 + 0.6);
	ck_assert_uint_eq(nsent, before + 1);
	ck_assert_uint_eq(itr->c[ITR_C_SMR_RATELIMITED], 1);
	/*
	 * ...but not dropped: the first request's answer may predate the
	 * second change, so another SMR-invoked request follows once the
	 * first is answered and the interval is over.
	 */
	{
		struct lisp_eid_record	 rec;
		struct lisp_map_reply	 rep;
		struct dpipc_addr	 mr = A("198.51.100.1");
		const char		*rl[] = { "203.0.113.2" };
		size_t			 last = 0, k;

		mk_record(&rec, &pfx, 60, rl, 1, 0);
		mk_reply(&rep, request_nonce(before, &pfx, LISP_MREQ_SMRI),
		    &rec);
		ck_assert_int_eq(itr_input_reply(itr, &rep, &mr, T0 + 0.7),
		    0);
		lisp_eid_record_free(&rec);
		for (k = 1; k < 29; k++)	/* to T0 + 3.3 */
			itr_tick(itr, T0 + 0.5 + k * 0.1);
		ck_assert_uint_eq(count_smri(before + 1, &last), 0);
		itr_tick(itr, T0 + 3.6);
		ck_assert_uint_eq(count_smri(before + 1, &last), 1);
		(void)request_nonce(last, &pfx, LISP_MREQ_SMRI);
	}
	lisp_addr_free(&r.eid);
	/* For something we do not cache: counted, nothing sent. */
	ck_assert_int_eq(cpa_eid_to_lisp(&other, &r.eid), 0);
	itr_input_smr(itr, &smr, &from, T0 + 10);
	ck_assert_uint_eq(itr->c[ITR_C_SMR_NO_ENTRY], 1);
	lisp_addr_free(&r.eid);
	itr_free(itr);
}
END_TEST

/* ----- probe state machine alone ----- */

START_TEST(probe_machine)
{
	struct probe_params	 pp = { .interval = 10, .timeout = 2,
	    .misses = 3 };
	struct probe_state	 ps;

	probe_params_default(&pp);
	probe_init(&ps, 0 + T0, 1);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 0.5), PROBE_NONE);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 1), PROBE_SEND);
	probe_sent(&pp, &ps, 42, T0 + 1);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 2), PROBE_NONE);
	ck_assert_int_eq(probe_reply(&pp, &ps, 41, T0 + 1.5), -1);
	ck_assert_int_eq(probe_reply(&pp, &ps, 42, T0 + 1.5), PROBE_NONE);
	ck_assert_double_eq(ps.rtt, 0.5);
	/* Next at T0 + 11; three unanswered: misses at 13, 15, 17. */
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 10.9), PROBE_NONE);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 11), PROBE_SEND);
	probe_sent(&pp, &ps, 43, T0 + 11);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 13), PROBE_SEND);
	ck_assert(ps.up);
	probe_sent(&pp, &ps, 44, T0 + 13);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 15), PROBE_SEND);
	probe_sent(&pp, &ps, 45, T0 + 15);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 17), PROBE_WENT_DOWN);
	ck_assert(!ps.up);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 17), PROBE_SEND);
	probe_sent(&pp, &ps, 46, T0 + 17);
	/* A late answer to an old probe does not restore it. */
	ck_assert_int_eq(probe_reply(&pp, &ps, 45, T0 + 17.1), -1);
	/* Down: unanswered probes keep the interval, not the fast re-send. */
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 19), PROBE_NONE);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 26.9), PROBE_NONE);
	ck_assert_int_eq(probe_tick(&pp, &ps, T0 + 27), PROBE_SEND);
	probe_sent(&pp, &ps, 47, T0 + 27);
	ck_assert_int_eq(probe_reply(&pp, &ps, 47, T0 + 27.2), PROBE_WENT_UP);
	ck_assert(ps.up);
	ck_assert_uint_eq(ps.missed, 0);
}
END_TEST

/* ----- ETR ----- */

#define KEY	"reg-secret"

static struct etr *
etr_fixture(uint8_t alg, int want_notify)
{
	struct etr		*etr;
	struct etr_db		 db[2];
	struct etr_rloc		 rl[2];
	struct dpipc_addr	 ms = A("198.51.100.1");
	uint8_t			 id[LISP_XTR_ID_LEN];

	reset();
	ck_assert_ptr_nonnull(etr = etr_new(NULL, &env));
	memset(id, 0xAB, sizeof(id));
	etr_set_xtr_id(etr, id, 7);
	memset(db, 0, sizeof(db));
	memset(rl, 0, sizeof(rl));
	/* Unsorted on purpose: replies must sort the locators. */
	rl[0].addr = A("192.0.2.9");
	rl[0].local = 1;
	rl[0].weight = 50;
	rl[1].addr = A("192.0.2.1");
	rl[1].priority = 1;
	rl[1].weight = 50;
	db[0].eid = E(100, "10.1.0.0", 24);
	db[0].nrlocs = 2;
	db[0].rlocs = rl;
	db[1].eid = E(100, "fd00:1::", 64);
	db[1].nrlocs = 2;
	db[1].rlocs = rl;
	ck_assert_int_eq(etr_set_db(etr, db, 2, T0), 0);
	ck_assert_int_eq(etr_add_ms(etr, &ms, "ms-100", 0, alg, KEY,
	    strlen(KEY), want_notify, 0, T0), 0);
	return etr;
}

/* Check the Map-Register in sent[i]; returns its nonce. */
static uint64_t
check_register(size_t i, uint8_t alg, int want_notify)
{
	struct lisp_msg	 m;
	size_t		 off, k;
	uint64_t	 nonce;

	ck_assert_int_eq(lisp_msg_decode(sent[i].buf, sent[i].len, &m, NULL,
	    &off), 0);
	ck_assert_uint_eq(m.type, LISP_MAP_REGISTER);
	ck_assert_uint_eq(m.u.mreg.flags, LISP_MREG_I |
	    (want_notify ? LISP_MREG_M : 0));
	ck_assert_uint_eq(m.u.mreg.alg_id, alg);
	ck_assert_int_eq(m.u.mreg.auth_len, lisp_auth_len(alg));
	ck_assert_int_eq(lisp_auth_verify(sent[i].buf, sent[i].len, off,
	    m.u.mreg.auth_len, alg, (const uint8_t *)KEY, strlen(KEY)), 0);
	ck_assert_int_eq(lisp_auth_verify(sent[i].buf, sent[i].len, off,
	    m.u.mreg.auth_len, alg, (const uint8_t *)"other", 5),
	    -LISP_E_AUTH);
	ck_assert_uint_eq(m.u.mreg.rec_count, 2);
	for (k = 0; k < 2; k++) {
		ck_assert(m.u.mreg.recs[k].flags & LISP_REC_A);
		ck_assert_uint_eq(m.u.mreg.recs[k].loc_count, 2);
	}
	ck_assert_uint_eq(m.u.mreg.site_id, 7);
	ck_assert_uint_eq(m.u.mreg.xtr_id[0], 0xAB);
	ck_assert_uint_eq(sent[i].dport, 4342);
	nonce = m.u.mreg.nonce;
	lisp_msg_free(&m);
	return nonce;
}

/* A Map-Notify as a map-server builds it from the Register: type 4. */
static int
notify(struct etr *etr, size_t i, const char *key, uint64_t nonce_xor,
    const char *from, double now)
{
	uint8_t		 buf[16384];
	struct lisp_msg	 m;
	struct dpipc_addr src = A(from);
	size_t		 len = sent[i].len, off;
	int		 rc;

	memcpy(buf, sent[i].buf, len);
	buf[0] = (uint8_t)(4 << 4);
	buf[3] = buf[3];
	buf[11] ^= (uint8_t)nonce_xor;
	ck_assert_int_eq(lisp_auth_sign(buf, len, 16, buf[13],
	    (const uint8_t *)key, strlen(key)), 0);
	ck_assert_int_eq(lisp_msg_decode(buf, len, &m, NULL, &off), 0);
	ck_assert_uint_eq(m.type, LISP_MAP_NOTIFY);
	rc = etr_input_notify(etr, buf, len, off, &m.u.mreg, &src, now);
	lisp_msg_free(&m);
	return rc;
}

START_TEST(etr_register_notify)
{
	struct etr	*etr = etr_fixture(LISP_AUTH_HMAC_SHA256, 1);
	uint64_t	 n1, n2;

	etr_tick(etr, T0);
	ck_assert_uint_eq(nsent, 1);
	n1 = check_register(0, LISP_AUTH_HMAC_SHA256, 1);
	/* Wrong key, wrong nonce, wrong source: each refused, counted. */
	ck_assert_int_eq(notify(etr, 0, "wrong-key", 0, "198.51.100.1",
	    T0 + 0.1), -1);
	ck_assert_uint_eq(etr->c[ETR_C_NOTIFY_BAD_AUTH], 1);
	ck_assert_int_eq(notify(etr, 0, KEY, 1, "198.51.100.1", T0 + 0.1),
	    -1);
	ck_assert_uint_eq(etr->c[ETR_C_NOTIFY_BAD_NONCE], 1);
	ck_assert_int_eq(notify(etr, 0, KEY, 0, "198.51.100.2", T0 + 0.1),
	    -1);
	ck_assert_uint_eq(etr->c[ETR_C_NOTIFY_BAD_SOURCE], 1);
	/* No valid Notify: re-sent after 1 s, then 2 s, with new nonces. */
	etr_tick(etr, T0 + 0.99);
	ck_assert_uint_eq(nsent, 1);
	etr_tick(etr, T0 + 1);
	ck_assert_uint_eq(nsent, 2);
	n2 = check_register(1, LISP_AUTH_HMAC_SHA256, 1);
	ck_assert_uint_eq(n2, n1 + 1);
	etr_tick(etr, T0 + 2.99);
	ck_assert_uint_eq(nsent, 2);
	etr_tick(etr, T0 + 3);
	ck_assert_uint_eq(nsent, 3);
	ck_assert_uint_eq(etr->c[ETR_C_NOTIFY_MISSING], 2);
	/* A Notify for an older Register does not count. */
	ck_assert_int_eq(notify(etr, 1, KEY, 0, "198.51.100.1", T0 + 3.1),
	    -1);
	ck_assert_int_eq(notify(etr, 2, KEY, 0, "198.51.100.1", T0 + 3.1),
	    0);
	ck_assert_uint_eq(etr->c[ETR_C_NOTIFY_OK], 1);
	/* Registered: the next Register 60 s later. */
	etr_tick(etr, T0 + 63.09);
	ck_assert_uint_eq(nsent, 3);
	etr_tick(etr, T0 + 63.1);
	ck_assert_uint_eq(nsent, 4);
	etr_free(etr);
}
END_TEST

START_TEST(etr_register_sha1_no_notify)
{
	struct etr	*etr = etr_fixture(LISP_AUTH_HMAC_SHA1, 0);

	etr_tick(etr, T0);
	ck_assert_uint_eq(nsent, 1);
	(void)check_register(0, LISP_AUTH_HMAC_SHA1, 0);
	etr_tick(etr, T0 + 59);
	ck_assert_uint_eq(nsent, 1);
	etr_tick(etr, T0 + 60);
	ck_assert_uint_eq(nsent, 2);
	etr_free(etr);
}
END_TEST

static void
mk_request(struct lisp_map_request *q, struct lisp_mreq_record *r,
    struct lisp_addr *itr, const struct cp_eid *target, const char *itrrloc,
    uint16_t flags)
{
	struct dpipc_addr	 a = A(itrrloc);

	memset(q, 0, sizeof(*q));
	memset(r, 0, sizeof(*r));
	q->flags = flags;
	q->nonce = 0x0123456789abcdefULL;
	cpa_rloc_to_lisp(&a, itr);
	q->itr_rloc_count = 1;
	q->itr_rlocs = itr;
	q->rec_count = 1;
	q->recs = r;
	r->mask_len = target->p.plen;
	ck_assert_int_eq(cpa_eid_to_lisp(target, &r->eid), 0);
}

START_TEST(etr_answer)
{
	struct etr		*etr = etr_fixture(LISP_AUTH_HMAC_SHA256, 1);
	struct lisp_map_request	 q;
	struct lisp_mreq_record	 r;
	struct lisp_addr	 itr;
	struct lisp_msg		 m;
	struct cp_eid		 t = E(100, "10.1.0.5", 32), e;
	struct cp_eid		 notours = E(100, "10.9.0.5", 32);
	struct cp_eid		 wrongiid = E(200, "10.1.0.5", 32);
	struct dpipc_addr	 ms = A("198.51.100.1");
	struct dpipc_addr	 itrad = A("203.0.113.9");
	struct dpipc_addr	 local = A("192.0.2.9");
	const struct lisp_locator *l;

	/* Through the map-server (ECM): reply to the ITR-RLOC, its port. */
	mk_request(&q, &r, &itr, &t, "203.0.113.9", 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), 0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert(cpa_addr_eq(&sent[0].dst, &itrad));
	ck_assert_uint_eq(sent[0].dport, 4342);
	decode_sent(0, &m, NULL);
	ck_assert_uint_eq(m.type, LISP_MAP_REPLY);
	ck_assert_uint_eq(m.u.mrep.flags, 0);
	ck_assert_uint_eq(m.u.mrep.nonce, q.nonce);
	ck_assert_uint_eq(m.u.mrep.rec_count, 1);
	ck_assert(m.u.mrep.recs[0].flags & LISP_REC_A);
	ck_assert_int_eq(cpa_eid_from_lisp(&m.u.mrep.recs[0].eid,
	    m.u.mrep.recs[0].mask_len, &e), 0);
	ck_assert(cpa_eid_eq(&e, &etr->db[0].eid));
	ck_assert_uint_eq(m.u.mrep.recs[0].loc_count, 2);
	l = m.u.mrep.recs[0].locs;
	/* Sorted ascending: .1 then .9; L only on our own address. */
	ck_assert_uint_eq(l[0].flags, LISP_LOC_R);
	ck_assert_uint_eq(l[1].flags, LISP_LOC_L | LISP_LOC_R);
	ck_assert_uint_eq(l[0].priority, 1);
	lisp_msg_free(&m);
	lisp_addr_free(&r.eid);

	/* An RLOC probe to 192.0.2.9: P, same nonce, p on it, from it. */
	mk_request(&q, &r, &itr, &etr->db[0].eid, "203.0.113.9",
	    LISP_MREQ_P);
	ck_assert_int_eq(etr_input_request(etr, &q, &itrad, 61000, &local,
	    T0), 0);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(sent[1].dport, 61000);
	ck_assert(sent[1].has_src);
	ck_assert(cpa_addr_eq(&sent[1].src, &local));
	decode_sent(1, &m, NULL);
	ck_assert_uint_eq(m.u.mrep.flags, LISP_MREP_P);
	ck_assert_uint_eq(m.u.mrep.nonce, q.nonce);
	ck_assert(m.u.mrep.recs[0].flags & LISP_REC_A);
	l = m.u.mrep.recs[0].locs;
	ck_assert_uint_eq(l[0].flags, LISP_LOC_R);
	ck_assert_uint_eq(l[1].flags, LISP_LOC_L | LISP_LOC_P | LISP_LOC_R);
	lisp_msg_free(&m);
	lisp_addr_free(&r.eid);

	/* Not ours (prefix or instance-id): no reply at all. */
	mk_request(&q, &r, &itr, &notours, "203.0.113.9", 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), -1);
	lisp_addr_free(&r.eid);
	mk_request(&q, &r, &itr, &wrongiid, "203.0.113.9", 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), -1);
	lisp_addr_free(&r.eid);
	ck_assert_uint_eq(etr->c[ETR_C_REQUEST_NOT_OURS], 2);
	ck_assert_uint_eq(nsent, 2);

	/* Rate limit per (ITR, prefix): burst 3, then 1 per second. */
	mk_request(&q, &r, &itr, &t, "203.0.113.9", 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), 0);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0), -1);
	ck_assert_uint_eq(etr->c[ETR_C_REPLY_RATELIMITED], 1);
	ck_assert_int_eq(etr_input_request(etr, &q, &ms, 4342, NULL, T0 + 1),
	    0);
	lisp_addr_free(&r.eid);
	etr_free(etr);
}
END_TEST

START_TEST(etr_rloc_change_smr)
{
	struct etr		*etr = etr_fixture(LISP_AUTH_HMAC_SHA256, 1);
	struct etr_db		 db;
	struct etr_rloc		 rl;
	struct dpipc_addr	 peer = A("203.0.113.9");
	struct lisp_msg		 m;
	struct cp_eid		 e;
	size_t			 i;
	int			 smr = 0, reg = 0;

	etr_tick(etr, T0);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_int_eq(notify(etr, 0, KEY, 0, "198.51.100.1", T0), 0);
	etr_note_peer(etr, &peer, T0 + 1);
	/* The local RLOC moves to 192.0.2.77 (one prefix left). */
	memset(&db, 0, sizeof(db));
	memset(&rl, 0, sizeof(rl));
	rl.addr = A("192.0.2.77");
	rl.local = 1;
	db.eid = E(100, "10.1.0.0", 24);
	db.nrlocs = 1;
	db.rlocs = &rl;
	ck_assert_int_eq(etr_set_db(etr, &db, 1, T0 + 5), 1);
	/* At once: a Map-Register with the new RLOC and an SMR to the peer. */
	for (i = 1; i < nsent; i++) {
		decode_sent(i, &m, NULL);
		if (m.type == LISP_MAP_REGISTER) {
			reg++;
			ck_assert_uint_eq(m.u.mreg.rec_count, 1);
			ck_assert_uint_eq(m.u.mreg.recs[0].locs[0].addr.afi,
			    LISP_AFI_IPV4);
			ck_assert_uint_eq(m.u.mreg.recs[0].locs[0].flags,
			    LISP_LOC_L | LISP_LOC_R);
		} else {
			ck_assert_uint_eq(m.type, LISP_MAP_REQUEST);
			ck_assert(m.u.mreq.flags & LISP_MREQ_S);
			ck_assert(cpa_addr_eq(&sent[i].dst, &peer));
			ck_assert_int_eq(cpa_eid_from_lisp(
			    &m.u.mreq.recs[0].eid, m.u.mreq.recs[0].mask_len,
			    &e), 0);
			ck_assert(cpa_eid_eq(&e, &db.eid));
			smr++;
		}
		lisp_msg_free(&m);
	}
	ck_assert_int_eq(reg, 1);
	ck_assert_int_eq(smr, 1);
	/* The same set again is no change. */
	ck_assert_int_eq(etr_set_db(etr, &db, 1, T0 + 6), 0);
	/* Another change within 3 s: re-registered, SMR deferred... */
	rl.addr = A("192.0.2.78");
	ck_assert_int_eq(etr_set_db(etr, &db, 1, T0 + 7), 1);
	ck_assert_uint_eq(etr->c[ETR_C_SMR_RATELIMITED], 1);
	ck_assert_uint_eq(etr->c[ETR_C_SMR_SENT], 1);
	etr_tick(etr, T0 + 7.9);
	ck_assert_uint_eq(etr->c[ETR_C_SMR_SENT], 1);
	/* ...to when the interval since the first is over, once. */
	i = nsent;
	etr_tick(etr, T0 + 8);
	ck_assert_uint_eq(etr->c[ETR_C_SMR_SENT], 2);
	for (smr = 0; i < nsent; i++) {
		decode_sent(i, &m, NULL);
		if (m.type == LISP_MAP_REQUEST) {
			ck_assert(m.u.mreq.flags & LISP_MREQ_S);
			ck_assert(cpa_addr_eq(&sent[i].dst, &peer));
			smr++;
		}
		lisp_msg_free(&m);
	}
	ck_assert_int_eq(smr, 1);
	etr_tick(etr, T0 + 12);
	ck_assert_uint_eq(etr->c[ETR_C_SMR_SENT], 2);
	etr_free(etr);
}
END_TEST

START_TEST(msg_ecm_request)
{
	struct cpm_request	 q;
	struct dpipc_addr	 itr[2] = { A("192.0.2.1"), A("2001:db8::1") };
	struct cp_eid		 t = E(7, "2001:db8:ee::", 48);
	struct dpipc_addr	 s = A("2001:db8:ff::1"), d = A("2001:db8:ee::");
	uint8_t			 in[CPM_BUFLEN], out[CPM_BUFLEN];
	ssize_t			 il, ol;
	struct lisp_msg		 m, inner;
	struct cp_eid		 e;

	memset(&q, 0, sizeof(q));
	q.nonce = 99;
	q.itr_rlocs = itr;
	q.nitr = 2;
	q.target = &t;
	ck_assert_int_gt(il = cpm_request_encode(&q, in, sizeof(in)), 0);
	ck_assert_int_gt(ol = cpm_ecm_encode(in, (size_t)il, &s, &d, out,
	    sizeof(out)), il);
	ck_assert_int_eq(lisp_msg_decode(out, (size_t)ol, &m, NULL, NULL), 0);
	ck_assert_int_eq(m.u.ecm.ip_version, 6);
	ck_assert_uint_eq(m.u.ecm.inner_sport, 4342);
	ck_assert_int_eq(lisp_msg_decode(m.u.ecm.payload,
	    m.u.ecm.payload_len, &inner, NULL, NULL), 0);
	ck_assert_uint_eq(inner.u.mreq.itr_rloc_count, 2);
	ck_assert_uint_eq(inner.u.mreq.src_eid.afi, 0);
	ck_assert_int_eq(cpa_eid_from_lisp(&inner.u.mreq.recs[0].eid,
	    inner.u.mreq.recs[0].mask_len, &e), 0);
	ck_assert(cpa_eid_eq(&e, &t));
	lisp_msg_free(&inner);
	lisp_msg_free(&m);
	/* No ITR-RLOC: nothing to send. */
	q.nitr = 0;
	ck_assert_int_eq(cpm_request_encode(&q, in, sizeof(in)), -1);
}
END_TEST

static Suite *
cpxtr_suite(void)
{
	Suite	*s = suite_create("cpxtr");
	TCase	*tc = tcase_create("itr");

	tcase_add_test(tc, itr_retransmit_backoff);
	tcase_add_test(tc, itr_global_cap);
	tcase_add_test(tc, itr_nonce_and_source);
	tcase_add_test(tc, itr_record_must_cover);
	tcase_add_test(tc, itr_ttl_expiry_refresh);
	tcase_add_test(tc, itr_negative);
	tcase_add_test(tc, itr_send_map_request_ranges);
	tcase_add_test(tc, itr_probe_failover_restore);
	tcase_add_test(tc, itr_probe_never_to_resolver);
	tcase_add_test(tc, itr_smr);
	suite_add_tcase(s, tc);
	tc = tcase_create("probe");
	tcase_add_test(tc, probe_machine);
	suite_add_tcase(s, tc);
	tc = tcase_create("etr");
	tcase_add_test(tc, etr_register_notify);
	tcase_add_test(tc, etr_register_sha1_no_notify);
	tcase_add_test(tc, etr_answer);
	tcase_add_test(tc, etr_rloc_change_smr);
	tcase_add_test(tc, msg_ecm_request);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cpxtr_suite());
	int	 nfail;

	log_setquiet(1);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
