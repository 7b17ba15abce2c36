/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_itr.h"
#include "cp_msg.h"
#include "log.h"

static const char *const itr_cnames[ITR_C_MAX] = {
	[ITR_C_DISCOVERY] = "discovery",
	[ITR_C_MISS_CACHED] = "discovery-cached",
	[ITR_C_MISS_PENDING] = "discovery-pending",
	[ITR_C_MISS_HOLDDOWN] = "discovery-holddown",
	[ITR_C_REQ_SENT] = "map-request-sent",
	[ITR_C_REQ_RETRANS] = "map-request-retransmit",
	[ITR_C_REQ_RATELIMITED] = "map-request-ratelimited",
	[ITR_C_REQ_GIVEUP] = "map-request-giveup",
	[ITR_C_REQ_FAILED] = "map-request-failed",
	[ITR_C_REPLY_OK] = "map-reply-accepted",
	[ITR_C_REPLY_BAD_NONCE] = "map-reply-bad-nonce",
	[ITR_C_REPLY_BAD_SOURCE] = "map-reply-bad-source",
	[ITR_C_REPLY_BAD_RECORD] = "map-reply-bad-record",
	[ITR_C_NEGATIVE] = "map-cache-negative",
	[ITR_C_POSITIVE] = "map-cache-positive",
	[ITR_C_EXPIRED] = "map-cache-expired",
	[ITR_C_REFRESH] = "map-cache-refresh",
	[ITR_C_SMR] = "smr-received",
	[ITR_C_SMR_NO_ENTRY] = "smr-no-entry",
	[ITR_C_SMR_RATELIMITED] = "smr-ratelimited",
	[ITR_C_SMR_INVOKED] = "smr-invoked-request",
	[ITR_C_PROBE_SENT] = "rloc-probe-sent",
	[ITR_C_PROBE_REPLY] = "rloc-probe-reply",
	[ITR_C_PROBE_BAD] = "rloc-probe-reply-bad",
	[ITR_C_RLOC_DOWN] = "rloc-down",
	[ITR_C_RLOC_UP] = "rloc-up",
	[ITR_C_DP_ADD] = "dp-map-cache-add",
	[ITR_C_DP_DELETE] = "dp-map-cache-delete",
};

const char *
itr_counter_name(enum itr_counter c)
{
	return c < ITR_C_MAX ? itr_cnames[c] : NULL;
}

void
itr_params_default(struct itr_params *p)
{
	if (p->req_interval <= 0)
		p->req_interval = ITR_DEF_REQ_INTERVAL;
	if (p->retrans_max <= 0)
		p->retrans_max = ITR_DEF_RETRANS_MAX;
	if (p->retrans_max < p->req_interval)
		p->retrans_max = p->req_interval;
	if (p->retrans_tries == 0)
		p->retrans_tries = ITR_DEF_RETRANS_TRIES;
	if (p->holddown <= 0)
		p->holddown = ITR_DEF_HOLDDOWN;
	if (p->global_rate <= 0)
		p->global_rate = ITR_DEF_GLOBAL_RATE;
	if (p->refresh_margin <= 0)
		p->refresh_margin = ITR_DEF_REFRESH_MARGIN;
	if (p->default_ttl == 0)
		p->default_ttl = ITR_DEF_TTL;
	if (p->smr_interval <= 0)
		p->smr_interval = ITR_DEF_SMR_INTERVAL;
	if (p->repush_interval <= 0)
		p->repush_interval = ITR_DEF_REPUSH;
	probe_params_default(&p->probe);
}

struct itr *
itr_new(const struct itr_params *p, const struct cp_env *env)
{
	struct itr	*itr;

	if ((itr = calloc(1, sizeof(*itr))) == NULL)
		return NULL;
	if (p != NULL)
		itr->p = *p;
	itr_params_default(&itr->p);
	itr->env = *env;
	TAILQ_INIT(&itr->entries);
	TAILQ_INIT(&itr->pending);
	return itr;
}

static void
entry_free(struct itr_entry *e)
{
	if (e == NULL)
		return;
	free(e->rlocs);
	free(e);
}

void
itr_free(struct itr *itr)
{
	struct itr_entry	*e;
	struct itr_pending	*q;

	if (itr == NULL)
		return;
	while ((e = TAILQ_FIRST(&itr->entries)) != NULL) {
		TAILQ_REMOVE(&itr->entries, e, link);
		entry_free(e);
	}
	while ((q = TAILQ_FIRST(&itr->pending)) != NULL) {
		TAILQ_REMOVE(&itr->pending, q, link);
		free(q);
	}
	free(itr->eids);
	free(itr);
}

void
itr_set_resolvers(struct itr *itr, const struct dpipc_addr *a, size_t n)
{
	if (n > ITR_MAX_RESOLVERS)
		n = ITR_MAX_RESOLVERS;
	memcpy(itr->resolvers, a, n * sizeof(*a));
	itr->nresolvers = n;
}

void
itr_set_local(struct itr *itr, const struct dpipc_addr *a, size_t n)
{
	if (n > ITR_MAX_LOCAL)
		n = ITR_MAX_LOCAL;
	memcpy(itr->local, a, n * sizeof(*a));
	itr->nlocal = n;
}

int
itr_set_eids(struct itr *itr, const struct cp_eid *e, size_t n)
{
	struct cp_eid	*v = NULL;

	if (n > 0) {
		if ((v = calloc(n, sizeof(*v))) == NULL)
			return -1;
		memcpy(v, e, n * sizeof(*v));
	}
	free(itr->eids);
	itr->eids = v;
	itr->neids = n;
	return 0;
}

void
itr_set_crypto(struct itr *itr, struct cpc *c)
{
	itr->crypto = c;
}

static int
is_resolver(const struct itr *itr, const struct dpipc_addr *a)
{
	size_t	 i;

	for (i = 0; i < itr->nresolvers; i++)
		if (cpa_addr_eq(&itr->resolvers[i], a))
			return 1;
	return 0;
}

/* Longest-prefix match over the entries. */
struct itr_entry *
itr_lookup(struct itr *itr, const struct cp_eid *dest)
{
	struct itr_entry	*e, *best = NULL;

	TAILQ_FOREACH(e, &itr->entries, link)
		if (cpa_covers(&e->eid, dest) &&
		    (best == NULL || e->eid.p.plen > best->eid.p.plen))
			best = e;
	return best;
}

struct itr_entry *
itr_find(struct itr *itr, const struct cp_eid *prefix)
{
	struct itr_entry	*e;

	TAILQ_FOREACH(e, &itr->entries, link)
		if (cpa_eid_eq(&e->eid, prefix))
			return e;
	return NULL;
}

static struct itr_pending *
pending_find(struct itr *itr, const struct cp_eid *dest)
{
	struct itr_pending	*q;

	TAILQ_FOREACH(q, &itr->pending, link)
		if (cpa_eid_eq(&q->dest, dest))
			return q;
	return NULL;
}

static int
rloc_usable(const struct itr *itr, const struct itr_rloc *r)
{
	if (r->priority == 255 || (r->addr.af != AF_INET &&
	    r->addr.af != AF_INET6))
		return 0;
	if (itr->p.probing)
		return r->probe.up;
	return r->reach;
}

/* map-cache add of e with its usable RLOCs to the data plane. */
static void
dp_push(struct itr *itr, struct itr_entry *e, double now)
{
	struct dpipc_msg	 m;
	struct dpipc_rloc	 rl[DPIPC_MAX_RLOCS];
	size_t			 i, n = 0;

	memset(&m, 0, sizeof(m));
	memset(rl, 0, sizeof(rl));
	m.type = DPIPC_MAP_CACHE;
	m.u.mc.opcode = DPIPC_OP_ADD;
	m.u.mc.iid = e->eid.iid;
	m.u.mc.eid = e->eid.p;
	for (i = 0; i < e->nrlocs && n < DPIPC_MAX_RLOCS; i++) {
		if (e->negative || !rloc_usable(itr, &e->rlocs[i]))
			continue;
		rl[n].addr = e->rlocs[i].addr;
		rl[n].port = DPIPC_PORT_DATA;
		rl[n].priority = e->rlocs[i].priority;
		rl[n].weight = e->rlocs[i].weight;
		if (itr->crypto != NULL && cpc_itr_key(itr->crypto,
		    &rl[n].addr, &rl[n].keys[0]))
			rl[n].nkeys = 1;
		n++;
	}
	m.u.mc.nrlocs = n;
	m.u.mc.rlocs = rl;
	e->last_push = now;
	itr->c[ITR_C_DP_ADD]++;
	if (itr->env.dp_send != NULL)
		itr->env.dp_send(itr->env.arg, &m);
	sodium_memzero(rl, sizeof(rl));
}

static void
dp_delete(struct itr *itr, const struct itr_entry *e)
{
	struct dpipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_MAP_CACHE;
	m.u.mc.opcode = DPIPC_OP_DELETE;
	m.u.mc.iid = e->eid.iid;
	m.u.mc.eid = e->eid.p;
	itr->c[ITR_C_DP_DELETE]++;
	if (itr->env.dp_send != NULL)
		itr->env.dp_send(itr->env.arg, &m);
}

static void
entry_remove(struct itr *itr, struct itr_entry *e, int tell_dp)
{
	TAILQ_REMOVE(&itr->entries, e, link);
	if (tell_dp)
		dp_delete(itr, e);
	entry_free(e);
}

int
itr_add_config(struct itr *itr, const struct cp_eid *eid,
    const struct itr_rloc *rlocs, size_t n)
{
	struct itr_entry	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	if (n > 0 && (e->rlocs = calloc(n, sizeof(*rlocs))) == NULL) {
		free(e);
		return -1;
	}
	e->eid = *eid;
	cpa_mask(&e->eid.p);
	if (n > 0) {
		memcpy(e->rlocs, rlocs, n * sizeof(*rlocs));
		e->nrlocs = n;
		e->is_static = 1;
	} else
		e->smr_range = 1;
	TAILQ_INSERT_TAIL(&itr->entries, e, link);
	return 0;
}

void
itr_clear_config(struct itr *itr)
{
	struct itr_entry	*e, *t;

	TAILQ_FOREACH_SAFE(e, &itr->entries, link, t)
		if (e->is_static || e->smr_range)
			entry_remove(itr, e, 0);
}

/* The local EID whose address is the inner source of an ECM. */
static void
inner_source(const struct itr *itr, const struct cp_eid *dest,
    struct dpipc_addr *out)
{
	size_t	 i;

	memset(out, 0, sizeof(*out));
	out->af = dest->p.af;
	out->plen = (uint8_t)(cpa_alen(dest->p.af) * 8);
	for (i = 0; i < itr->neids; i++)
		if (itr->eids[i].p.af == dest->p.af &&
		    itr->eids[i].iid == dest->iid) {
			memcpy(out->a, itr->eids[i].p.a, sizeof(out->a));
			return;
		}
	for (i = 0; i < itr->neids; i++)
		if (itr->eids[i].p.af == dest->p.af) {
			memcpy(out->a, itr->eids[i].p.a, sizeof(out->a));
			return;
		}
}

/* LISP-crypto: our key on the first ITR-RLOC of each family. */
static void
offer_key(struct itr *itr, struct cpm_request *r)
{
	if (itr->crypto == NULL)
		return;
	r->key_suite = cpc_suite(itr->crypto);
	r->key_pub = cpc_itr_pub(itr->crypto);
	r->key_len = LC8061_KX_PUBLEN;
	cpc_note_offer(itr->crypto);
}

/* One transmission of q: an ECM'd Map-Request to a map-resolver. */
static int
pending_tx(struct itr *itr, struct itr_pending *q, double now)
{
	struct cpm_request	 r;
	struct dpipc_addr	 isrc, idst;
	const struct dpipc_addr	*mr;
	uint8_t			 in[CPM_BUFLEN], out[CPM_BUFLEN];
	ssize_t			 ilen, olen;

	if (itr->nresolvers == 0 || itr->nlocal == 0) {
		itr->c[ITR_C_REQ_FAILED]++;
		return -1;
	}
	if (!cpa_bucket_take(&itr->global, itr->p.global_rate,
	    itr->p.global_rate, now)) {
		itr->c[ITR_C_REQ_RATELIMITED]++;
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.flags = q->smr_invoked ? LISP_MREQ_SMRI : 0;
	r.nonce = q->nonce;
	r.src = q->src.p.af != 0 ? &q->src : NULL;
	r.itr_rlocs = itr->local;
	r.nitr = itr->nlocal;
	r.target = &q->dest;
	offer_key(itr, &r);
	inner_source(itr, &q->dest, &isrc);
	idst = q->dest.p;
	idst.plen = (uint8_t)(cpa_alen(idst.af) * 8);
	/* Resolvers in turn: a dead one costs one retransmission. */
	mr = &itr->resolvers[q->tries % itr->nresolvers];
	if ((ilen = cpm_request_encode(&r, in, sizeof(in))) == -1 ||
	    (olen = cpm_ecm_encode(in, (size_t)ilen, &isrc, &idst, out,
	    sizeof(out))) == -1 ||
	    itr->env.send(itr->env.arg, mr, LISP_CONTROL_PORT, NULL, out,
	    (size_t)olen) == -1) {
		itr->c[ITR_C_REQ_FAILED]++;
		/* Counted as a transmission: the backoff still applies. */
	}
	itr->c[q->tries == 0 ? ITR_C_REQ_SENT : ITR_C_REQ_RETRANS]++;
	return 0;
}

/* Seconds before transmission number `tries` + 1: 1, 2, 4, ... capped. */
static double
backoff(const struct itr_params *p, unsigned int tries)
{
	double	 d = p->req_interval;

	while (tries-- > 1 && d < p->retrans_max)
		d *= 2;
	return d > p->retrans_max ? p->retrans_max : d;
}

static void
pending_run(struct itr *itr, struct itr_pending *q, double now)
{
	int	 rc;

	if (q->tries > itr->p.retrans_tries) {
		q->holddown = 1;
		q->next_tx = now + itr->p.holddown;
		itr->c[ITR_C_REQ_GIVEUP]++;
		return;
	}
	if ((rc = pending_tx(itr, q, now)) == 1) {
		/* No global token: try again at the next tick. */
		q->next_tx = now;
		return;
	}
	if (q->tries == 0)
		q->first_tx = now;
	q->tries++;
	q->next_tx = now + backoff(&itr->p, q->tries);
}

/*
 * LISP-crypto: the nonce names the key-id of the key both ends derive
 * from it; cp_crypto picks it so that the ETR does not replace the key
 * we encrypt with.  The ETRs asked: those of the entry being refreshed
 * (e), the probed RLOC (r), or not known (a first resolution).
 */
static uint64_t
crypto_nonce(struct itr *itr, uint64_t n, const struct itr_entry *e,
    const struct itr_rloc *r)
{
	struct dpipc_addr	 rl[LISP_MAX_ITR_RLOCS];
	size_t			 i, nrl = 0;

	if (itr->crypto == NULL)
		return n;
	if (r != NULL)
		rl[nrl++] = r->addr;
	for (i = 0; e != NULL && i < e->nrlocs && nrl < LISP_MAX_ITR_RLOCS;
	    i++)
		rl[nrl++] = e->rlocs[i].addr;
	return cpc_itr_nonce(itr->crypto, n, rl, nrl);
}

static struct itr_pending *
pending_start(struct itr *itr, const struct cp_eid *dest,
    const struct cp_eid *src, int smr_invoked, int refresh, double now)
{
	struct itr_pending	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		itr->c[ITR_C_REQ_FAILED]++;
		return NULL;
	}
	q->dest = *dest;
	if (src != NULL)
		q->src = *src;
	q->smr_invoked = smr_invoked;
	q->refresh = refresh;
	q->nonce = crypto_nonce(itr, itr->env.rand64(itr->env.arg),
	    itr_find(itr, dest), NULL);
	TAILQ_INSERT_TAIL(&itr->pending, q, link);
	pending_run(itr, q, now);
	return q;
}

static int
entry_live(const struct itr_entry *e, double now)
{
	return e->is_static || (!e->smr_range && now < e->expires &&
	    !(e->negative && e->act == LISP_ACT_SEND_MAP_REQ));
}

void
itr_discovery(struct itr *itr, const struct cp_eid *dest,
    const struct cp_eid *src, double now)
{
	struct itr_entry	*e;
	struct itr_pending	*q;

	itr->c[ITR_C_DISCOVERY]++;
	if ((e = itr_lookup(itr, dest)) != NULL && entry_live(e, now)) {
		itr->c[ITR_C_MISS_CACHED]++;
		e->used = 1;
		/*
		 * The data plane asks although we gave it the entry: it lost
		 * it (a restart we missed) or holds it without usable RLOCs.
		 * Sending it again is cheap and bounded.
		 */
		if (!e->is_static && !e->negative &&
		    now - e->last_push >= itr->p.repush_interval)
			dp_push(itr, e, now);
		return;
	}
	if ((q = pending_find(itr, dest)) != NULL) {
		itr->c[q->holddown ? ITR_C_MISS_HOLDDOWN :
		    ITR_C_MISS_PENDING]++;
		return;
	}
	(void)pending_start(itr, dest, src, 0, 0, now);
}

static void
rloc_from_record(struct itr_rloc *r, const struct lisp_locator *l,
    double now, const struct itr_params *p)
{
	memset(r, 0, sizeof(*r));
	r->priority = l->priority;
	r->weight = l->weight;
	r->reach = (l->flags & LISP_LOC_R) != 0;
	/* First probe soon, so that a dead RLOC is found early. */
	probe_init(&r->probe, now, p->probe.timeout);
}

/* Install or replace one record; probe state survives for kept RLOCs. */
static void
install(struct itr *itr, const struct cp_eid *eid,
    const struct lisp_eid_record *rec, double now)
{
	struct itr_entry	*e, *old;
	struct itr_rloc		*v = NULL;
	size_t			 i, j, n = 0;
	char			 b[CPA_STRLEN];

	if (rec->ttl == 0) {
		if ((old = itr_find(itr, eid)) != NULL && !old->is_static &&
		    !old->smr_range)
			entry_remove(itr, old, 1);
		return;
	}
	if (rec->loc_count > 0 &&
	    (v = calloc(rec->loc_count, sizeof(*v))) == NULL)
		return;
	old = itr_find(itr, eid);
	if (old != NULL && (old->is_static || old->smr_range))
		old = NULL;	/* a learnt entry next to the configured one */
	for (i = 0; i < rec->loc_count; i++) {
		if (cpa_rloc_from_lisp(&rec->locs[i].addr, &v[n].addr) == -1)
			continue;	/* not an address: never forwarded to */
		struct dpipc_addr a = v[n].addr;
		rloc_from_record(&v[n], &rec->locs[i], now, &itr->p);
		v[n].addr = a;
		for (j = 0; old != NULL && j < old->nrlocs; j++)
			if (cpa_addr_eq(&old->rlocs[j].addr, &a))
				v[n].probe = old->rlocs[j].probe;
		n++;
	}
	if (old == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(v);
			return;
		}
		e->eid = *eid;
		TAILQ_INSERT_TAIL(&itr->entries, e, link);
	} else {
		e = old;
		free(e->rlocs);
	}
	e->rlocs = v;
	e->nrlocs = n;
	e->negative = rec->loc_count == 0;
	e->act = rec->act;
	e->ttl = rec->ttl == 0xFFFFFFFF ? itr->p.default_ttl : rec->ttl;
	e->installed = now;
	e->expires = now + (double)e->ttl * 60;
	e->refreshing = 0;
	itr->c[e->negative ? ITR_C_NEGATIVE : ITR_C_POSITIVE]++;
	log_debug("itr: %s %s ttl %u min, %zu rlocs",
	    cpa_eid_fmt(eid, b, sizeof(b)), e->negative ?
	    lisp_act_name(e->act) : "positive", e->ttl, n);
	dp_push(itr, e, now);
}

/* Pending resolutions an installed prefix answers are done. */
static void
pending_resolved(struct itr *itr, const struct cp_eid *pfx)
{
	struct itr_pending	*q, *t;

	TAILQ_FOREACH_SAFE(q, &itr->pending, link, t)
		if (cpa_covers(pfx, &q->dest) || cpa_eid_eq(pfx, &q->dest)) {
			TAILQ_REMOVE(&itr->pending, q, link);
			free(q);
		}
}

static int
reply_lists(const struct lisp_map_reply *m, const struct dpipc_addr *src)
{
	struct dpipc_addr	 a;
	size_t			 i, j;

	for (i = 0; i < m->rec_count; i++)
		for (j = 0; j < m->recs[i].loc_count; j++)
			if (cpa_rloc_from_lisp(&m->recs[i].locs[j].addr,
			    &a) == 0 && cpa_addr_eq(&a, src))
				return 1;
	return 0;
}

/*
 * LISP-crypto: learn the ETR keys of the locators of m's records,
 * derived with m's nonce (that of our Map-Request or probe it answers).
 * Keys are per remote RLOC, not per entry: entries using an RLOC whose
 * key changed are pushed to the data plane again.
 */
static void
learn_keys(struct itr *itr, const struct lisp_map_reply *m, int from_etr,
    double now)
{
	struct dpipc_addr	 changed[LISP_MAX_ITR_RLOCS], a;
	struct itr_entry	*e;
	size_t			 i, j, k, n = 0;

	if (itr->crypto == NULL)
		return;
	for (i = 0; i < m->rec_count; i++)
		for (j = 0; j < m->recs[i].loc_count; j++) {
			const struct lisp_addr *l = &m->recs[i].locs[j].addr;

			if (cpa_rloc_from_lisp(l, &a) == -1 ||
			    cpc_itr_learn(itr->crypto, &a, l, from_etr,
			    m->nonce, now) == 0 || n == LISP_MAX_ITR_RLOCS)
				continue;
			changed[n++] = a;
		}
	if (n == 0)
		return;
	TAILQ_FOREACH(e, &itr->entries, link) {
		if (e->is_static || e->smr_range || e->negative)
			continue;
		for (j = 0; j < e->nrlocs; j++) {
			for (k = 0; k < n; k++)
				if (cpa_addr_eq(&e->rlocs[j].addr, &changed[k]))
					break;
			if (k < n)
				break;
		}
		if (j < e->nrlocs)
			dp_push(itr, e, now);
	}
}

static int
probe_input(struct itr *itr, const struct lisp_map_reply *m,
    const struct dpipc_addr *src, double now)
{
	struct itr_entry	*e;
	size_t			 i;
	int			 rc;

	for (i = 0; i < m->rec_count; i++)
		if (!(m->recs[i].flags & LISP_REC_A)) {
			itr->c[ITR_C_PROBE_BAD]++;
			return -1;
		}
	TAILQ_FOREACH(e, &itr->entries, link) {
		for (i = 0; i < e->nrlocs; i++) {
			struct itr_rloc *r = &e->rlocs[i];

			if (!r->probe.outstanding || r->probe.nonce != m->nonce)
				continue;
			if (!cpa_addr_eq(&r->addr, src))
				goto bad;
			rc = probe_reply(&itr->p.probe, &r->probe, m->nonce,
			    now);
			itr->c[ITR_C_PROBE_REPLY]++;
			if (rc == PROBE_WENT_UP) {
				itr->c[ITR_C_RLOC_UP]++;
				dp_push(itr, e, now);
			}
			/* The probed ETR answered itself. */
			learn_keys(itr, m, 1, now);
			return 0;
		}
	}
bad:
	itr->c[ITR_C_PROBE_BAD]++;
	return -1;
}

int
itr_input_reply(struct itr *itr, const struct lisp_map_reply *m,
    const struct dpipc_addr *src, double now)
{
	struct itr_pending	*q;
	struct cp_eid		 eid, match;
	size_t			 i;
	int			 found = 0;

	if (m->flags & LISP_MREP_P)
		return probe_input(itr, m, src, now);
	TAILQ_FOREACH(q, &itr->pending, link)
		if (!q->holddown && q->tries > 0 && q->nonce == m->nonce)
			break;
	if (q == NULL) {
		itr->c[ITR_C_REPLY_BAD_NONCE]++;
		return -1;
	}
	if (!is_resolver(itr, src) && !reply_lists(m, src)) {
		itr->c[ITR_C_REPLY_BAD_SOURCE]++;
		return -1;
	}
	for (i = 0; i < m->rec_count; i++)
		if (cpa_eid_from_lisp(&m->recs[i].eid, m->recs[i].mask_len,
		    &eid) == 0 && cpa_covers(&eid, &q->dest)) {
			match = eid;
			found = 1;
			break;
		}
	if (!found) {
		itr->c[ITR_C_REPLY_BAD_RECORD]++;
		return -1;
	}
	itr->c[ITR_C_REPLY_OK]++;
	for (i = 0; i < m->rec_count; i++) {
		if (cpa_eid_from_lisp(&m->recs[i].eid, m->recs[i].mask_len,
		    &eid) == -1 || !cpa_covers(&match, &eid))
			continue;	/* only the match and its more-specifics */
		if (itr->crypto != NULL) {
			/* Keys first: install() pushes the entry. */
			struct lisp_map_reply one = *m;

			one.rec_count = 1;
			one.recs = &m->recs[i];
			learn_keys(itr, &one, !is_resolver(itr, src), now);
		}
		install(itr, &eid, &m->recs[i], now);
		pending_resolved(itr, &eid);
	}
	/* q is freed when the match covered it; a refresh asked exactly. */
	pending_resolved(itr, &match);
	return 0;
}

static void
smr_one(struct itr *itr, const struct cp_eid *changed, double now, int *hit)
{
	struct itr_entry	*e;

	TAILQ_FOREACH(e, &itr->entries, link) {
		if (e->is_static || e->smr_range)
			continue;
		if (!cpa_covers(&e->eid, changed) &&
		    !cpa_covers(changed, &e->eid))
			continue;
		*hit = 1;
		/*
		 * A request in flight may have been answered before the
		 * change, and an SMR within smr_interval of the last one
		 * may announce a later change: either way one more
		 * SMR-invoked request follows (itr_tick), never none.
		 */
		if (pending_find(itr, &e->eid) != NULL) {
			itr->c[ITR_C_SMR_RATELIMITED]++;
			e->smr_due = 1;
			continue;
		}
		if (!cpa_interval_ok(&e->last_smr, now,
		    itr->p.smr_interval)) {
			itr->c[ITR_C_SMR_RATELIMITED]++;
			e->smr_due = 1;
			continue;
		}
		e->smr_due = 0;
		itr->c[ITR_C_SMR_INVOKED]++;
		(void)pending_start(itr, &e->eid, NULL, 1, 0, now);
	}
}

void
itr_input_smr(struct itr *itr, const struct lisp_map_request *m,
    const struct dpipc_addr *src, double now)
{
	struct cp_eid	 e;
	size_t		 i;
	int		 hit = 0;

	(void)src;
	itr->c[ITR_C_SMR]++;
	/*
	 * The SMR names the changed prefix in its EID-record, and
	 * implementations also put it in the source EID: either counts.
	 */
	for (i = 0; i < m->rec_count; i++)
		if (cpa_eid_from_lisp(&m->recs[i].eid, m->recs[i].mask_len,
		    &e) == 0)
			smr_one(itr, &e, now, &hit);
	if (cpa_eid_from_lisp(&m->src_eid, (uint8_t)(m->src_eid.afi ==
	    LISP_AFI_IPV4 ? 32 : 128), &e) == 0)
		smr_one(itr, &e, now, &hit);
	if (!hit)
		itr->c[ITR_C_SMR_NO_ENTRY]++;
}

void
itr_stat(struct itr *itr, const struct cp_eid *eid, uint64_t packets,
    double now)
{
	struct itr_entry	*e;

	(void)now;
	if (packets == 0)
		return;
	if ((e = itr_find(itr, eid)) != NULL)
		e->used = 1;
}

static void
probe_send(struct itr *itr, struct itr_entry *e, struct itr_rloc *r,
    double now)
{
	struct cpm_request	 q;
	uint8_t			 buf[CPM_BUFLEN];
	ssize_t			 len;
	uint64_t		 nonce;

	nonce = crypto_nonce(itr, itr->env.rand64(itr->env.arg), NULL, r);
	probe_sent(&itr->p.probe, &r->probe, nonce, now);
	/* RFC 9301 section 6.1: never to the mapping system. */
	if (is_resolver(itr, &r->addr) || itr->nlocal == 0)
		return;
	memset(&q, 0, sizeof(q));
	q.flags = LISP_MREQ_P;
	q.nonce = nonce;
	q.itr_rlocs = itr->local;
	q.nitr = itr->nlocal;
	q.target = &e->eid;
	offer_key(itr, &q);
	if ((len = cpm_request_encode(&q, buf, sizeof(buf))) == -1)
		return;
	itr->c[ITR_C_PROBE_SENT]++;
	(void)itr->env.send(itr->env.arg, &r->addr, LISP_CONTROL_PORT, NULL,
	    buf, (size_t)len);
}

static void
probe_entry(struct itr *itr, struct itr_entry *e, double now)
{
	enum probe_event	 ev;
	size_t			 i;
	int			 changed = 0;

	for (i = 0; i < e->nrlocs; i++) {
		struct itr_rloc *r = &e->rlocs[i];

		if (r->priority == 255)
			continue;
		while ((ev = probe_tick(&itr->p.probe, &r->probe, now)) !=
		    PROBE_NONE) {
			if (ev == PROBE_WENT_DOWN) {
				itr->c[ITR_C_RLOC_DOWN]++;
				changed = 1;
				continue;
			}
			probe_send(itr, e, r, now);
			break;
		}
	}
	if (changed)
		dp_push(itr, e, now);
}

void
itr_tick(struct itr *itr, double now)
{
	struct itr_pending	*q, *qt;
	struct itr_entry	*e, *et;
	double			 life, margin;

	TAILQ_FOREACH_SAFE(q, &itr->pending, link, qt) {
		if (now < q->next_tx)
			continue;
		if (q->holddown) {
			TAILQ_REMOVE(&itr->pending, q, link);
			free(q);
			continue;
		}
		pending_run(itr, q, now);
	}
	TAILQ_FOREACH_SAFE(e, &itr->entries, link, et) {
		if (e->is_static || e->smr_range)
			continue;
		if (now >= e->expires) {
			itr->c[ITR_C_EXPIRED]++;
			entry_remove(itr, e, 1);
			continue;
		}
		life = e->expires - e->installed;
		margin = itr->p.refresh_margin < life / 10 ?
		    itr->p.refresh_margin : life / 10;
		if (e->used && !e->refreshing && now >= e->expires - margin &&
		    pending_find(itr, &e->eid) == NULL) {
			e->refreshing = 1;
			e->used = 0;
			itr->c[ITR_C_REFRESH]++;
			(void)pending_start(itr, &e->eid, NULL, 0, 1, now);
		}
		if (e->smr_due && pending_find(itr, &e->eid) == NULL &&
		    cpa_interval_ok(&e->last_smr, now, itr->p.smr_interval)) {
			e->smr_due = 0;
			itr->c[ITR_C_SMR_INVOKED]++;
			(void)pending_start(itr, &e->eid, NULL, 1, 0, now);
		}
		if (itr->p.probing && !e->negative)
			probe_entry(itr, e, now);
	}
}

void
itr_resync(struct itr *itr, double now)
{
	struct itr_entry	*e;

	TAILQ_FOREACH(e, &itr->entries, link)
		if (!e->is_static && !e->smr_range)
			dp_push(itr, e, now);
}

void
itr_dump(struct itr *itr, double now, void (*line)(void *, const char *),
    void *arg)
{
	struct itr_entry	*e;
	struct itr_pending	*q;
	char			 l[1024], b[CPA_STRLEN], a[CPA_STRLEN];
	size_t			 i;
	int			 n;

	TAILQ_FOREACH(e, &itr->entries, link) {
		n = snprintf(l, sizeof(l), "map-cache %s %s",
		    cpa_eid_fmt(&e->eid, b, sizeof(b)), e->is_static ?
		    "static" : e->smr_range ? "send-map-request" :
		    e->negative ? lisp_act_name(e->act) : "positive");
		if (!e->is_static && !e->smr_range && n > 0 &&
		    (size_t)n < sizeof(l))
			n += snprintf(l + n, sizeof(l) - (size_t)n,
			    " ttl %u expires-in %.0f", e->ttl,
			    e->expires - now);
		for (i = 0; i < e->nrlocs && n > 0 && (size_t)n < sizeof(l);
		    i++) {
			const struct itr_rloc *r = &e->rlocs[i];

			n += snprintf(l + n, sizeof(l) - (size_t)n,
			    " %s/p%u/w%u/%s", cpa_addr_fmt(&r->addr, a,
			    sizeof(a)), r->priority, r->weight,
			    rloc_usable(itr, r) ? "up" : "down");
			if (itr->p.probing && r->probe.rtt > 0 && n > 0 &&
			    (size_t)n < sizeof(l))
				n += snprintf(l + n, sizeof(l) - (size_t)n,
				    "/rtt%.3fms", r->probe.srtt * 1000);
		}
		line(arg, l);
	}
	TAILQ_FOREACH(q, &itr->pending, link) {
		snprintf(l, sizeof(l), "resolving %s tries %u%s%s",
		    cpa_eid_fmt(&q->dest, b, sizeof(b)), q->tries,
		    q->holddown ? " holddown" : "",
		    q->smr_invoked ? " smr-invoked" : "");
		line(arg, l);
	}
}
