/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cp_etr.h"
#include "cp_msg.h"
#include "lisp_auth.h"
#include "log.h"

#define ETR_REPLY_BURST		3.0
#define ETR_MAX_RECS		LISP_MAX_RECORDS
/* A Map-Register of many prefixes may exceed CPM_BUFLEN. */
#define ETR_BUFLEN		16384

static const char *const etr_cnames[ETR_C_MAX] = {
	[ETR_C_REGISTER_SENT] = "map-register-sent",
	[ETR_C_REGISTER_FAILED] = "map-register-failed",
	[ETR_C_NOTIFY_OK] = "map-notify-accepted",
	[ETR_C_NOTIFY_MISSING] = "map-notify-missing",
	[ETR_C_NOTIFY_BAD_AUTH] = "map-notify-bad-auth",
	[ETR_C_NOTIFY_BAD_NONCE] = "map-notify-bad-nonce",
	[ETR_C_NOTIFY_BAD_SOURCE] = "map-notify-bad-source",
	[ETR_C_REQUEST] = "map-request-received",
	[ETR_C_REQUEST_NOT_OURS] = "map-request-not-ours",
	[ETR_C_REQUEST_NO_RLOC] = "map-request-no-itr-rloc",
	[ETR_C_REPLY_SENT] = "map-reply-sent",
	[ETR_C_PROBE_REPLY_SENT] = "rloc-probe-reply-sent",
	[ETR_C_REPLY_RATELIMITED] = "map-reply-ratelimited",
	[ETR_C_RLOC_CHANGE] = "local-rloc-change",
	[ETR_C_SMR_SENT] = "smr-sent",
	[ETR_C_SMR_RATELIMITED] = "smr-send-ratelimited",
	[ETR_C_REPLY_DEFERRED] = "map-reply-deferred-for-key",
};

const char *
etr_counter_name(enum etr_counter c)
{
	return c < ETR_C_MAX ? etr_cnames[c] : NULL;
}

void
etr_params_default(struct etr_params *p)
{
	if (p->register_interval <= 0)
		p->register_interval = ETR_DEF_REGISTER;
	if (p->notify_timeout <= 0)
		p->notify_timeout = ETR_DEF_NOTIFY_TIMEOUT;
	if (p->notify_max <= 0)
		p->notify_max = ETR_DEF_NOTIFY_MAX;
	if (p->record_ttl == 0)
		p->record_ttl = ETR_DEF_TTL;
	if (p->reply_rate <= 0)
		p->reply_rate = ETR_DEF_REPLY_RATE;
	if (p->smr_interval <= 0)
		p->smr_interval = ETR_DEF_SMR_INTERVAL;
	if (p->peer_lifetime <= 0)
		p->peer_lifetime = ETR_DEF_PEER_LIFETIME;
}

struct etr *
etr_new(const struct etr_params *p, const struct cp_env *env)
{
	struct etr	*etr;

	if ((etr = calloc(1, sizeof(*etr))) == NULL)
		return NULL;
	if (p != NULL)
		etr->p = *p;
	etr_params_default(&etr->p);
	etr->env = *env;
	TAILQ_INIT(&etr->ms);
	TAILQ_INIT(&etr->peers);
	TAILQ_INIT(&etr->rl);
	TAILQ_INIT(&etr->deferred);
	/* Increasing from a random start: unique across our restarts. */
	etr->nonce = env->rand64(env->arg) >> 1;
	return etr;
}

static void
db_free(struct etr_db *db, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(db[i].rlocs);
	free(db);
}

void
etr_clear_ms(struct etr *etr)
{
	struct etr_ms	*ms;

	while ((ms = TAILQ_FIRST(&etr->ms)) != NULL) {
		TAILQ_REMOVE(&etr->ms, ms, link);
		if (ms->key != NULL) {
			explicit_bzero(ms->key, ms->keylen);
			free(ms->key);
		}
		free(ms);
	}
}

void
etr_free(struct etr *etr)
{
	struct etr_peer		*pe;
	struct etr_rl		*rl;
	struct etr_deferred	*d;

	if (etr == NULL)
		return;
	etr_clear_ms(etr);
	while ((pe = TAILQ_FIRST(&etr->peers)) != NULL) {
		TAILQ_REMOVE(&etr->peers, pe, link);
		free(pe);
	}
	while ((rl = TAILQ_FIRST(&etr->rl)) != NULL) {
		TAILQ_REMOVE(&etr->rl, rl, link);
		free(rl);
	}
	while ((d = TAILQ_FIRST(&etr->deferred)) != NULL) {
		TAILQ_REMOVE(&etr->deferred, d, link);
		free(d);
	}
	db_free(etr->db, etr->ndb);
	free(etr);
}

void
etr_set_xtr_id(struct etr *etr, const uint8_t id[LISP_XTR_ID_LEN],
    uint64_t site_id)
{
	memcpy(etr->xtr_id, id, LISP_XTR_ID_LEN);
	etr->site_id = site_id;
}

int
etr_add_ms(struct etr *etr, const struct dpipc_addr *addr, const char *name,
    uint8_t key_id, uint8_t alg, const void *key, size_t keylen,
    int want_notify, int proxy_reply, double now)
{
	struct etr_ms	*ms;

	if (lisp_auth_len(alg) <= 0 || keylen == 0)
		return -1;
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		return -1;
	if ((ms->key = malloc(keylen)) == NULL) {
		free(ms);
		return -1;
	}
	memcpy(ms->key, key, keylen);
	ms->keylen = keylen;
	ms->addr = *addr;
	if (name != NULL)
		snprintf(ms->name, sizeof(ms->name), "%s", name);
	ms->key_id = key_id;
	ms->alg = alg;
	ms->want_notify = want_notify;
	ms->proxy_reply = proxy_reply;
	ms->next_at = now;
	TAILQ_INSERT_TAIL(&etr->ms, ms, link);
	return 0;
}

static int
rlocs_equal(const struct etr_db *a, const struct etr_db *b)
{
	size_t	 i;

	if (a->nrlocs != b->nrlocs)
		return 0;
	for (i = 0; i < a->nrlocs; i++)
		if (!cpa_addr_eq(&a->rlocs[i].addr, &b->rlocs[i].addr) ||
		    a->rlocs[i].priority != b->rlocs[i].priority ||
		    a->rlocs[i].weight != b->rlocs[i].weight)
			return 0;
	return 1;
}

static void	smr_all(struct etr *, double now);
static void	smr_peer(struct etr *, struct etr_peer *);

int
etr_set_db(struct etr *etr, const struct etr_db *db, size_t n, double now)
{
	struct etr_db	*v;
	struct etr_ms	*ms;
	size_t		 i, j;
	int		 changed = 0, first = etr->db == NULL;

	if ((v = calloc(n == 0 ? 1 : n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i] = db[i];
		v[i].rlocs = NULL;
		cpa_mask(&v[i].eid.p);
		if (db[i].nrlocs == 0)
			continue;
		if ((v[i].rlocs = calloc(db[i].nrlocs,
		    sizeof(*v[i].rlocs))) == NULL) {
			db_free(v, i);
			return -1;
		}
		memcpy(v[i].rlocs, db[i].rlocs,
		    db[i].nrlocs * sizeof(*v[i].rlocs));
	}
	for (i = 0; !first && i < n; i++) {
		for (j = 0; j < etr->ndb; j++)
			if (cpa_eid_eq(&etr->db[j].eid, &v[i].eid))
				break;
		if (j == etr->ndb || !rlocs_equal(&etr->db[j], &v[i]))
			changed = 1;
	}
	if (!first && n != etr->ndb)
		changed = 1;
	db_free(etr->db, etr->ndb);
	etr->db = v;
	etr->ndb = n;
	if (changed) {
		etr->c[ETR_C_RLOC_CHANGE]++;
		TAILQ_FOREACH(ms, &etr->ms, link) {
			ms->state = ETR_MS_IDLE;
			ms->next_at = now;
		}
		etr_tick(etr, now);
		smr_all(etr, now);
	}
	return changed;
}

const struct etr_db *
etr_lookup(const struct etr *etr, const struct cp_eid *eid)
{
	const struct etr_db	*best = NULL;
	size_t			 i;

	for (i = 0; i < etr->ndb; i++)
		if (cpa_covers(&etr->db[i].eid, eid) &&
		    (best == NULL || etr->db[i].eid.p.plen > best->eid.p.plen))
			best = &etr->db[i];
	return best;
}

static int
loc_cmp(const void *a, const void *b)
{
	const struct lisp_locator *x = a, *y = b;

	return lisp_addr_cmp(&x->addr, &y->addr);
}

/*
 * Fill rec from db (locators sorted, RFC 9301 section 5.4).  probed: the
 * locator to mark p, or NULL.  The record owns rec->eid and rec->locs.
 */
static int
record_fill(const struct etr *etr, const struct etr_db *db,
    struct lisp_eid_record *rec, const struct dpipc_addr *probed)
{
	size_t	 i;

	memset(rec, 0, sizeof(*rec));
	rec->ttl = db->ttl != 0 ? db->ttl : etr->p.record_ttl;
	rec->mask_len = db->eid.p.plen;
	rec->flags = LISP_REC_A;
	if (cpa_eid_to_lisp(&db->eid, &rec->eid) == -1)
		return -1;
	if (db->nrlocs == 0)
		return 0;
	if ((rec->locs = calloc(db->nrlocs, sizeof(*rec->locs))) == NULL)
		return -1;
	for (i = 0; i < db->nrlocs; i++) {
		struct lisp_locator *l = &rec->locs[i];

		l->priority = db->rlocs[i].priority;
		l->weight = db->rlocs[i].weight;
		l->mpriority = 255;
		l->flags = LISP_LOC_R;
		if (db->rlocs[i].local)
			l->flags |= LISP_LOC_L;
		if (probed != NULL && cpa_addr_eq(probed, &db->rlocs[i].addr))
			l->flags |= LISP_LOC_P;
		cpa_rloc_to_lisp(&db->rlocs[i].addr, &l->addr);
	}
	rec->loc_count = db->nrlocs;
	qsort(rec->locs, rec->loc_count, sizeof(*rec->locs), loc_cmp);
	return 0;
}

static void
records_free(struct lisp_eid_record *recs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		lisp_eid_record_free(&recs[i]);
	free(recs);
}

static void
register_send(struct etr *etr, struct etr_ms *ms, double now)
{
	struct lisp_msg		 m;
	struct lisp_map_register *r = &m.u.mreg;
	struct wbuf		 wb;
	uint8_t			*buf = NULL;
	size_t			 i, n = 0;
	int			 alen = lisp_auth_len(ms->alg);

	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REGISTER;
	if ((r->recs = calloc(etr->ndb == 0 ? 1 : etr->ndb,
	    sizeof(*r->recs))) == NULL)
		goto fail;
	for (i = 0; i < etr->ndb && n < ETR_MAX_RECS; i++) {
		if (etr->db[i].ms_name[0] != '\0' &&
		    strcmp(etr->db[i].ms_name, ms->name) != 0)
			continue;
		if (record_fill(etr, &etr->db[i], &r->recs[n], NULL) == -1)
			goto fail;
		n++;
	}
	r->rec_count = n;
	if (n == 0)
		goto done;	/* nothing for this map-server */
	r->flags = LISP_MREG_I | (ms->want_notify ? LISP_MREG_M : 0) |
	    (ms->proxy_reply ? LISP_MREG_P : 0);
	r->nonce = ++etr->nonce;
	r->key_id = ms->key_id;
	r->alg_id = ms->alg;
	r->auth_len = (uint16_t)alen;
	memcpy(r->xtr_id, etr->xtr_id, sizeof(r->xtr_id));
	r->site_id = etr->site_id;
	if ((buf = malloc(ETR_BUFLEN)) == NULL)
		goto fail;
	wbuf_init(&wb, buf, ETR_BUFLEN);
	if (lisp_msg_encode(&wb, &m) != 0 || wbuf_failed(&wb) ||
	    lisp_auth_sign(buf, wbuf_len(&wb), 16, ms->alg, ms->key,
	    ms->keylen) != 0)
		goto fail;
	ms->nonce = r->nonce;
	ms->sent++;
	if (etr->env.send(etr->env.arg, &ms->addr, LISP_CONTROL_PORT, NULL,
	    buf, wbuf_len(&wb)) == -1)
		etr->c[ETR_C_REGISTER_FAILED]++;
	etr->c[ETR_C_REGISTER_SENT]++;
	if (ms->want_notify) {
		ms->state = ETR_MS_WAIT;
		ms->next_at = now + ms->retry;
	} else {
		ms->state = ETR_MS_OK;
		ms->registered_at = now;
		ms->next_at = now + etr->p.register_interval;
	}
	goto done;
fail:
	etr->c[ETR_C_REGISTER_FAILED]++;
	ms->next_at = now + etr->p.register_interval;
done:
	records_free(r->recs, n);
	r->recs = NULL;
	free(buf);
}

void
etr_set_crypto(struct etr *etr, struct cpc *c)
{
	etr->crypto = c;
}

void
etr_tick(struct etr *etr, double now)
{
	struct etr_ms		*ms;
	struct etr_peer		*pe, *pt;
	struct etr_rl		*rl, *rt;
	struct etr_deferred	*d, *dt;

	TAILQ_FOREACH(ms, &etr->ms, link) {
		if (now < ms->next_at)
			continue;
		switch (ms->state) {
		case ETR_MS_WAIT:
			/* No Map-Notify: back off, 1 s doubling to max. */
			etr->c[ETR_C_NOTIFY_MISSING]++;
			ms->retry *= 2;
			if (ms->retry > etr->p.notify_max)
				ms->retry = etr->p.notify_max;
			break;
		default:
			ms->retry = etr->p.notify_timeout;
			break;
		}
		register_send(etr, ms, now);
	}
	TAILQ_FOREACH_SAFE(pe, &etr->peers, link, pt) {
		if (now - pe->seen > etr->p.peer_lifetime) {
			TAILQ_REMOVE(&etr->peers, pe, link);
			free(pe);
			continue;
		}
		if (pe->smr_due && cpa_interval_ok(&pe->last_smr, now,
		    etr->p.smr_interval)) {
			pe->smr_due = 0;
			smr_peer(etr, pe);
		}
	}
	TAILQ_FOREACH_SAFE(rl, &etr->rl, link, rt)
		if (now - rl->b.stamp > ETR_REPLY_BURST / etr->p.reply_rate) {
			TAILQ_REMOVE(&etr->rl, rl, link);
			free(rl);
		}
	TAILQ_FOREACH_SAFE(d, &etr->deferred, link, dt) {
		if (now < d->at)
			continue;
		TAILQ_REMOVE(&etr->deferred, d, link);
		etr->ndeferred--;
		(void)etr->env.send(etr->env.arg, &d->dst, d->dport,
		    d->has_src ? &d->src : NULL, d->buf, d->len);
		free(d);
	}
}

/* Queue a Map-Reply for etr_tick(); -1 when full (send it at once). */
static int
reply_defer(struct etr *etr, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len,
    double now)
{
	struct etr_deferred	*d;

	if (etr->ndeferred >= ETR_MAX_DEFERRED ||
	    (d = calloc(1, sizeof(*d) + len)) == NULL)
		return -1;
	d->dst = *dst;
	d->dport = dport;
	if (src != NULL) {
		d->src = *src;
		d->has_src = 1;
	}
	d->at = now + ETR_KEY_SETTLE;
	d->len = len;
	memcpy(d->buf, buf, len);
	TAILQ_INSERT_TAIL(&etr->deferred, d, link);
	etr->ndeferred++;
	etr->c[ETR_C_REPLY_DEFERRED]++;
	return 0;
}

int
etr_input_notify(struct etr *etr, const uint8_t *buf, size_t len,
    size_t auth_off, const struct lisp_map_register *mn,
    const struct dpipc_addr *src, double now)
{
	struct etr_ms	*ms;
	int		 authed = 0;

	TAILQ_FOREACH(ms, &etr->ms, link) {
		if (!cpa_addr_eq(&ms->addr, src))
			continue;
		if (mn->alg_id != ms->alg || lisp_auth_verify(buf, len,
		    auth_off, mn->auth_len, ms->alg, ms->key, ms->keylen) != 0)
			continue;
		authed = 1;
		if (ms->state != ETR_MS_WAIT || mn->nonce != ms->nonce)
			continue;
		ms->state = ETR_MS_OK;
		ms->ok++;
		ms->registered_at = now;
		ms->retry = etr->p.notify_timeout;
		ms->next_at = now + etr->p.register_interval;
		etr->c[ETR_C_NOTIFY_OK]++;
		return 0;
	}
	TAILQ_FOREACH(ms, &etr->ms, link)
		if (cpa_addr_eq(&ms->addr, src))
			break;
	if (ms == NULL)
		etr->c[ETR_C_NOTIFY_BAD_SOURCE]++;
	else
		etr->c[authed ? ETR_C_NOTIFY_BAD_NONCE :
		    ETR_C_NOTIFY_BAD_AUTH]++;
	return -1;
}

static struct etr_peer *
peer_find(struct etr *etr, const struct dpipc_addr *a)
{
	struct etr_peer	*pe;

	TAILQ_FOREACH(pe, &etr->peers, link)
		if (cpa_addr_eq(&pe->addr, a))
			return pe;
	return NULL;
}

void
etr_note_peer(struct etr *etr, const struct dpipc_addr *a, double now)
{
	struct etr_peer	*pe;

	if (a->af != AF_INET && a->af != AF_INET6)
		return;
	if ((pe = peer_find(etr, a)) == NULL) {
		if ((pe = calloc(1, sizeof(*pe))) == NULL)
			return;
		pe->addr = *a;
		TAILQ_INSERT_TAIL(&etr->peers, pe, link);
	}
	pe->seen = now;
}

static int
reply_allowed(struct etr *etr, const struct dpipc_addr *dst,
    const struct cp_eid *eid, int probe, double now)
{
	struct etr_rl	*rl;

	TAILQ_FOREACH(rl, &etr->rl, link)
		if (rl->probe == probe && cpa_addr_eq(&rl->dst, dst) &&
		    cpa_eid_eq(&rl->eid, eid))
			break;
	if (rl == NULL) {
		if ((rl = calloc(1, sizeof(*rl))) == NULL)
			return 0;
		rl->dst = *dst;
		rl->eid = *eid;
		rl->probe = probe;
		TAILQ_INSERT_TAIL(&etr->rl, rl, link);
	}
	return cpa_bucket_take(&rl->b, etr->p.reply_rate, ETR_REPLY_BURST,
	    now);
}

static int
have_family(const struct etr *etr, int af)
{
	size_t	 i, j;

	for (i = 0; i < etr->ndb; i++)
		for (j = 0; j < etr->db[i].nrlocs; j++)
			if (etr->db[i].rlocs[j].addr.af == af)
				return 1;
	return 0;
}

int
etr_input_request(struct etr *etr, const struct lisp_map_request *mr,
    const struct dpipc_addr *src, uint16_t sport,
    const struct dpipc_addr *local, double now)
{
	const struct etr_db	*dbs[ETR_MAX_RECS];
	struct cpc_answer	 ans;
	struct lisp_eid_record	*recs = NULL;
	struct lisp_msg		 m;
	struct dpipc_addr	 dst, a;
	struct cp_eid		 eid;
	struct wbuf		 wb;
	uint8_t			 buf[ETR_BUFLEN];
	size_t			 i, j, n = 0;
	int			 probe = (mr->flags & LISP_MREQ_P) != 0;
	int			 rc = -1, found = 0;

	etr->c[ETR_C_REQUEST]++;
	for (i = 0; i < mr->rec_count && n < ETR_MAX_RECS; i++) {
		const struct etr_db *db;

		if (cpa_eid_from_lisp(&mr->recs[i].eid, mr->recs[i].mask_len,
		    &eid) == -1 || (db = etr_lookup(etr, &eid)) == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (dbs[j] == db)
				break;
		if (j == n)
			dbs[n++] = db;
	}
	if (n == 0) {
		etr->c[ETR_C_REQUEST_NOT_OURS]++;
		return -1;
	}
	/*
	 * Where to: a probe back to where it came from (its source is the
	 * probing ITR's RLOC); otherwise an ITR-RLOC, of the outer source's
	 * family for a direct request, else of a family we have RLOCs in.
	 */
	memset(&dst, 0, sizeof(dst));
	if (probe)
		dst = *src;
	for (i = 0; !found && !probe && i < mr->itr_rloc_count; i++)
		if (cpa_rloc_from_lisp(&mr->itr_rlocs[i], &a) == 0 &&
		    a.af == src->af) {
			dst = a;
			found = 1;
		}
	for (i = 0; !found && !probe && i < mr->itr_rloc_count; i++)
		if (cpa_rloc_from_lisp(&mr->itr_rlocs[i], &a) == 0 &&
		    have_family(etr, a.af)) {
			dst = a;
			found = 1;
		}
	if (dst.af == 0) {
		etr->c[ETR_C_REQUEST_NO_RLOC]++;
		return -1;
	}
	etr_note_peer(etr, &dst, now);
	if (!reply_allowed(etr, &dst, &dbs[0]->eid, probe, now)) {
		etr->c[ETR_C_REPLY_RATELIMITED]++;
		return -1;
	}
	/* After the rate limit: a key we never tell the ITR is useless. */
	memset(&ans, 0, sizeof(ans));
	if (etr->crypto != NULL) {
		uint32_t ttl = 0;

		for (i = 0; i < n; i++)
			if ((dbs[i]->ttl != 0 ? dbs[i]->ttl :
			    etr->p.record_ttl) > ttl)
				ttl = dbs[i]->ttl != 0 ? dbs[i]->ttl :
				    etr->p.record_ttl;
		cpc_etr_request(etr->crypto, mr, &dst, ttl, now, &ans);
		/*
		 * Key derivations for this ITR over their limit: no answer
		 * (one with keys the ETR does not hold, or without keys,
		 * which ends encryption, would be worse); the ITR's
		 * retransmission is answered once the bucket refilled.
		 */
		if (ans.refused)
			return -1;
	}
	if ((recs = calloc(n, sizeof(*recs))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (record_fill(etr, dbs[i], &recs[i], probe ? local :
		    NULL) == -1 || cpc_wrap_record(&ans, &recs[i]) == -1)
			goto out;
	memset(&m, 0, sizeof(m));
	m.type = LISP_MAP_REPLY;
	m.u.mrep.flags = probe ? LISP_MREP_P : 0;
	m.u.mrep.nonce = mr->nonce;
	m.u.mrep.rec_count = n;
	m.u.mrep.recs = recs;
	wbuf_init(&wb, buf, sizeof(buf));
	if (lisp_msg_encode(&wb, &m) != 0 || wbuf_failed(&wb))
		goto out;
	if ((ans.fresh && reply_defer(etr, &dst, sport, probe ? local : NULL,
	    buf, wbuf_len(&wb), now) == 0) ||
	    etr->env.send(etr->env.arg, &dst, sport, probe ? local : NULL,
	    buf, wbuf_len(&wb)) == 0)
		rc = 0;
	etr->c[probe ? ETR_C_PROBE_REPLY_SENT : ETR_C_REPLY_SENT]++;
out:
	records_free(recs, n);
	return rc;
}

static void
local_rlocs(const struct etr *etr, struct dpipc_addr *v, size_t *n,
    size_t cap)
{
	size_t	 i, j, k;

	*n = 0;
	for (i = 0; i < etr->ndb; i++)
		for (j = 0; j < etr->db[i].nrlocs; j++) {
			if (!etr->db[i].rlocs[j].local)
				continue;
			for (k = 0; k < *n; k++)
				if (cpa_addr_eq(&v[k],
				    &etr->db[i].rlocs[j].addr))
					break;
			if (k == *n && *n < cap)
				v[(*n)++] = etr->db[i].rlocs[j].addr;
		}
}

/* One SMR per database-mapping prefix to peer pe. */
static void
smr_peer(struct etr *etr, struct etr_peer *pe)
{
	struct cpm_request	 q;
	struct dpipc_addr	 itr[LISP_MAX_ITR_RLOCS];
	struct cp_eid		 src;
	uint8_t			 buf[CPM_BUFLEN];
	ssize_t			 len;
	size_t			 i, nitr;

	local_rlocs(etr, itr, &nitr, LISP_MAX_ITR_RLOCS);
	if (nitr == 0)
		return;
	for (i = 0; i < etr->ndb; i++) {
		memset(&q, 0, sizeof(q));
		src = etr->db[i].eid;
		src.p.plen = (uint8_t)(cpa_alen(src.p.af) * 8);
		q.flags = LISP_MREQ_S;
		q.nonce = etr->env.rand64(etr->env.arg);
		q.src = &src;
		q.itr_rlocs = itr;
		q.nitr = nitr;
		q.target = &etr->db[i].eid;
		if ((len = cpm_request_encode(&q, buf, sizeof(buf))) == -1)
			continue;
		(void)etr->env.send(etr->env.arg, &pe->addr,
		    LISP_CONTROL_PORT, NULL, buf, (size_t)len);
		etr->c[ETR_C_SMR_SENT]++;
	}
}

/*
 * An RLOC change: SMR every recent peer.  A peer SMRed less than
 * smr_interval ago gets its SMR when the interval is over (etr_tick):
 * a renumbering is several netlink events in a row (address deleted,
 * address added, per family), and dropping the later SMRs would leave
 * the peer with the RLOC set of the first one.
 */
static void
smr_all(struct etr *etr, double now)
{
	struct etr_peer		*pe;

	TAILQ_FOREACH(pe, &etr->peers, link) {
		if (!cpa_interval_ok(&pe->last_smr, now,
		    etr->p.smr_interval)) {
			etr->c[ETR_C_SMR_RATELIMITED]++;
			pe->smr_due = 1;
			continue;
		}
		pe->smr_due = 0;
		smr_peer(etr, pe);
	}
}

void
etr_dump(struct etr *etr, double now, void (*line)(void *, const char *),
    void *arg)
{
	static const char *const st[] = { "idle", "waiting", "registered" };
	struct etr_ms	*ms;
	struct etr_peer	*pe;
	char		 l[512], a[CPA_STRLEN], b[CPA_STRLEN];
	size_t		 i, j;
	int		 n;

	TAILQ_FOREACH(ms, &etr->ms, link) {
		snprintf(l, sizeof(l), "map-server %s name %s state %s "
		    "registers %llu notifies %llu next-in %.0f",
		    cpa_addr_fmt(&ms->addr, a, sizeof(a)),
		    ms->name[0] != '\0' ? ms->name : "-", st[ms->state],
		    (unsigned long long)ms->sent, (unsigned long long)ms->ok,
		    ms->next_at - now);
		line(arg, l);
	}
	for (i = 0; i < etr->ndb; i++) {
		n = snprintf(l, sizeof(l), "database-mapping %s",
		    cpa_eid_fmt(&etr->db[i].eid, b, sizeof(b)));
		for (j = 0; j < etr->db[i].nrlocs && n > 0 &&
		    (size_t)n < sizeof(l); j++)
			n += snprintf(l + n, sizeof(l) - (size_t)n,
			    " %s/p%u/w%u%s", cpa_addr_fmt(
			    &etr->db[i].rlocs[j].addr, a, sizeof(a)),
			    etr->db[i].rlocs[j].priority,
			    etr->db[i].rlocs[j].weight,
			    etr->db[i].rlocs[j].local ? "/local" : "");
		line(arg, l);
	}
	TAILQ_FOREACH(pe, &etr->peers, link) {
		snprintf(l, sizeof(l), "peer %s seen %.0f s ago",
		    cpa_addr_fmt(&pe->addr, a, sizeof(a)), now - pe->seen);
		line(arg, l);
	}
}
