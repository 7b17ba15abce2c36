/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_crypto.h"
#include "log.h"

static const char *const cpc_cnames[CPC_C_MAX] = {
	[CPC_C_ITR_OFFERED] = "itr-key-offered",
	[CPC_C_ITR_NEW] = "itr-encrypt-key-derived",
	[CPC_C_ITR_KEPT] = "itr-session-kept",
	[CPC_C_ITR_DROPPED] = "itr-session-dropped-no-keys",
	[CPC_C_ITR_EVICTED] = "itr-session-evicted",
	[CPC_C_ETR_NEW] = "etr-decrypt-key-derived",
	[CPC_C_ETR_PAIR] = "etr-key-pair-made",
	[CPC_C_ETR_KEPT] = "etr-session-kept",
	[CPC_C_ETR_DECAP_SENT] = "etr-decap-keys-sent",
	[CPC_C_ETR_DECAP_DELETED] = "etr-decap-keys-deleted",
	[CPC_C_ETR_EVICTED] = "etr-session-evicted",
	[CPC_C_ETR_EXPIRED] = "etr-session-expired",
	[CPC_C_ETR_RATE_LIMITED] = "etr-derivation-rate-limited",
	[CPC_C_REFUSED_SUITE] = "refused-cipher-suite",
	[CPC_C_REFUSED_KEY] = "refused-key-length",
	[CPC_C_REFUSED_LOW_ORDER] = "refused-low-order-key",
	[CPC_C_REFUSED_ADDR] = "refused-locator-afi",
	[CPC_C_SUITE_MISMATCH] = "reply-suite-mismatch",
};

const char *
cpc_counter_name(enum cpc_counter c)
{
	return c < CPC_C_MAX ? cpc_cnames[c] : NULL;
}

uint8_t
cpc_suite_from_env(void)
{
	const char	*s = getenv("LISPZTR_CRYPTO_SUITE");

	if (s == NULL || *s == '\0')
		return CPC_DEF_SUITE;
	if (strcmp(s, "5") == 0)
		return LC8061_KX_SUITE_AES128_GCM;
	if (strcmp(s, "6") == 0)
		return LC8061_KX_SUITE_CHACHA20;
	log_warnx("LISPZTR_CRYPTO_SUITE=%s: not 5 or 6, using %u", s,
	    CPC_DEF_SUITE);
	return CPC_DEF_SUITE;
}

void
cpc_params_default(struct cpc_params *p)
{
	if (!lc8061_kx_suite_ok(p->suite))
		p->suite = CPC_DEF_SUITE;
	if (p->max_sessions == 0)
		p->max_sessions = CPC_DEF_MAX_SESSIONS;
	if (p->idle <= 0)
		p->idle = CPC_DEF_IDLE;
	if (p->kx_burst < 1)
		p->kx_burst = CPC_DEF_KX_BURST;
	if (p->kx_rate <= 0)
		p->kx_rate = CPC_DEF_KX_RATE;
}

uint8_t
cpc_key_id(uint64_t nonce)
{
	return (uint8_t)(1 + nonce % CPC_KEY_IDS);
}

struct cpc *
cpc_new(const struct cpc_params *p, const struct cp_env *env)
{
	struct cpc	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (p != NULL)
		c->p = *p;
	cpc_params_default(&c->p);
	c->env = *env;
	TAILQ_INIT(&c->etr_s);
	TAILQ_INIT(&c->itr_s);
	if (lc8061_kx_keypair(&c->itr) == -1) {
		free(c);
		return NULL;
	}
	return c;
}

static void
sess_free(struct cpc_sess *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

static void
table_free(struct cpc_sessions *t)
{
	struct cpc_sess	*s;

	while ((s = TAILQ_FIRST(t)) != NULL) {
		TAILQ_REMOVE(t, s, link);
		sess_free(s);
	}
}

void
cpc_free(struct cpc *c)
{
	if (c == NULL)
		return;
	table_free(&c->etr_s);
	table_free(&c->itr_s);
	lc8061_kx_pair_wipe(&c->itr);
	free(c);
}

uint8_t
cpc_suite(const struct cpc *c)
{
	return c->p.suite;
}

const uint8_t *
cpc_itr_pub(const struct cpc *c)
{
	return c->itr.pub;
}

void
cpc_note_offer(struct cpc *c)
{
	c->c[CPC_C_ITR_OFFERED]++;
}

/* Lookup that moves a hit to the front (LRU order). */
static struct cpc_sess *
sess_find(struct cpc_sessions *t, const struct dpipc_addr *a)
{
	struct cpc_sess	*s;

	TAILQ_FOREACH(s, t, link)
		if (cpa_addr_eq(&s->addr, a)) {
			TAILQ_REMOVE(t, s, link);
			TAILQ_INSERT_HEAD(t, s, link);
			return s;
		}
	return NULL;
}

static void	decap_delete(struct cpc *, const struct dpipc_addr *);

static void
sess_del(struct cpc_sessions *t, size_t *n, struct cpc_sess *s)
{
	TAILQ_REMOVE(t, s, link);
	sess_free(s);
	(*n)--;
}

/*
 * A new session at the front; the least recently used goes at the cap
 * (an ETR session with its data-plane entry).
 */
static struct cpc_sess *
sess_add(struct cpc *c, struct cpc_sessions *t, size_t *n,
    const struct dpipc_addr *a, enum cpc_counter evicted)
{
	struct cpc_sess	*s;

	if (*n >= c->p.max_sessions && (s = TAILQ_LAST(t, cpc_sessions)) !=
	    NULL) {
		if (t == &c->etr_s)
			decap_delete(c, &s->addr);
		sess_del(t, n, s);
		c->c[evicted]++;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->addr = *a;
	TAILQ_INSERT_HEAD(t, s, link);
	(*n)++;
	return s;
}

/*
 * Checks of a received Security Key LCAF: a suite we run, key 1 of 32
 * bytes, an IPv4/IPv6 locator.  0, or -1 counted and logged.
 */
static int
seckey_check(struct cpc *c, const struct lcaf_seckey *k,
    const struct dpipc_addr *from, const char *what)
{
	char	 a[CPA_STRLEN];

	if (!lc8061_kx_suite_ok(k->cipher_suite)) {
		c->c[CPC_C_REFUSED_SUITE]++;
		LOG_RL(LOG_LVL_INFO, "lisp-crypto: %s from %s: cipher suite "
		    "%u not supported (5, 6): no keys", what,
		    cpa_addr_fmt(from, a, sizeof(a)), k->cipher_suite);
		return -1;
	}
	if (k->key_count < 1 || k->key[0] == NULL ||
	    k->key_len[0] != LC8061_KX_PUBLEN) {
		c->c[CPC_C_REFUSED_KEY]++;
		LOG_RL(LOG_LVL_INFO, "lisp-crypto: %s from %s: %u keys, "
		    "length %u, not one X25519 key: no keys", what,
		    cpa_addr_fmt(from, a, sizeof(a)), k->key_count,
		    k->key_count > 0 ? k->key_len[0] : 0);
		return -1;
	}
	return 0;
}

static void
low_order(struct cpc *c, const struct dpipc_addr *from, const char *what)
{
	char	 a[CPA_STRLEN];

	c->c[CPC_C_REFUSED_LOW_ORDER]++;
	LOG_RL(LOG_LVL_INFO, "lisp-crypto: %s from %s: public key of low "
	    "order (all-zero secret): no keys", what,
	    cpa_addr_fmt(from, a, sizeof(a)));
}

static void
fill_key(const struct cpc_sess *s, uint8_t key_id, const uint8_t *key,
    struct dpipc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->key_id = key_id;
	k->suite = s->suite == LC8061_KX_SUITE_CHACHA20 ?
	    DPIPC_SUITE_CHACHA20 : DPIPC_SUITE_AES128_GCM;
	k->key_len = s->key_len;
	k->icv_len = 0;		/* the AEAD tag is the ICV */
	memcpy(k->key, key, s->key_len);
}

static int
same_peer(const struct cpc_sess *s, const struct lcaf_seckey *k)
{
	return s->suite == k->cipher_suite &&
	    sodium_memcmp(s->peer_pub, k->key[0], LC8061_KX_PUBLEN) == 0;
}

/* --- ITR ------------------------------------------------------------------ */

int
cpc_itr_learn(struct cpc *c, const struct dpipc_addr *rloc,
    const struct lisp_addr *loc, int from_etr, uint64_t nonce, double now)
{
	const struct lcaf_seckey *k = cpa_seckey(loc);
	struct cpc_sess		*s = sess_find(&c->itr_s, rloc);
	uint8_t			 key[LC8061_KX_KEYMAX];
	uint8_t			 shared[LC8061_KX_SECLEN];
	int			 len, kept = 0;

	if (k == NULL || seckey_check(c, k, rloc, "map-reply") == -1)
		goto nokey;
	if (k->cipher_suite != c->p.suite) {
		/* RFC 8061 section 10: only a reply in our suite counts. */
		c->c[CPC_C_SUITE_MISMATCH]++;
		LOG_RL(LOG_LVL_INFO, "lisp-crypto: map-reply: suite %u, we "
		    "offered %u: no keys", k->cipher_suite, c->p.suite);
		goto nokey;
	}
	if (s != NULL && same_peer(s, k)) {
		s->used = now;
		c->c[CPC_C_ITR_KEPT]++;
		/* The same exchange again (one locator in two records). */
		if (s->nonce == nonce)
			return 0;
		memcpy(shared, s->shared, sizeof(shared));
		kept = 1;
	} else if (lc8061_kx_shared(shared, c->itr.sec, k->key[0]) == -1) {
		low_order(c, rloc, "map-reply");
		goto nokey;
	}
	/*
	 * A key per exchange: this reply's nonce (that of the request or
	 * probe it answers), key-id f(nonce), as the ETR installed it.
	 */
	len = lc8061_kx_key(key, k->cipher_suite, shared, nonce);
	if (len == -1 || (s == NULL && (s = sess_add(c, &c->itr_s, &c->nitr,
	    rloc, CPC_C_ITR_EVICTED)) == NULL)) {
		sodium_memzero(key, sizeof(key));
		sodium_memzero(shared, sizeof(shared));
		return 0;
	}
	s->suite = k->cipher_suite;
	s->key_len = (uint8_t)len;
	memcpy(s->peer_pub, k->key[0], LC8061_KX_PUBLEN);
	memcpy(s->shared, shared, sizeof(s->shared));
	memcpy(s->key, key, sizeof(s->key));
	s->key_id = cpc_key_id(nonce);
	s->nonce = nonce;
	sodium_memzero(key, sizeof(key));
	sodium_memzero(shared, sizeof(shared));
	if (!kept)
		s->created = now;
	s->used = now;
	c->c[CPC_C_ITR_NEW]++;
	return 1;
nokey:
	/* Only the ETR itself can turn encryption off (opportunistic). */
	if (s != NULL && from_etr) {
		sess_del(&c->itr_s, &c->nitr, s);
		c->c[CPC_C_ITR_DROPPED]++;
		return 1;
	}
	return 0;
}

/* Sessions of the ETRs behind rl: of those addresses or their ETR key. */
static int
itr_sess_in(const struct cpc *c, const struct cpc_sess *s,
    const struct dpipc_addr *rl, size_t nrl)
{
	const struct cpc_sess	*t;
	size_t			 i;

	if (nrl == 0)
		return 1;
	for (i = 0; i < nrl; i++)
		if (cpa_addr_eq(&s->addr, &rl[i]))
			return 1;
	TAILQ_FOREACH(t, &c->itr_s, link)
		for (i = 0; i < nrl; i++)
			if (cpa_addr_eq(&t->addr, &rl[i]) &&
			    memcmp(t->peer_pub, s->peer_pub,
			    LC8061_KX_PUBLEN) == 0)
				return 1;
	return 0;
}

uint64_t
cpc_itr_nonce(struct cpc *c, uint64_t n, const struct dpipc_addr *rl,
    size_t nrl)
{
	struct cpc_sess	*s;
	unsigned int	 busy = 0, inuse = 0, i, want;
	uint64_t	 base;

	TAILQ_FOREACH(s, &c->itr_s, link)
		if (itr_sess_in(c, s, rl, nrl)) {
			inuse |= 1u << s->key_id;
			busy |= 1u << s->key_id | 1u << s->sent_kid;
		}
	/* Free of both if one is left, else at least not the one in use. */
	if ((busy & 0x0e) == 0x0e)
		busy = inuse;
	want = cpc_key_id(n);
	for (i = 0; i < CPC_KEY_IDS && (busy & 1u << want); i++)
		want = want % CPC_KEY_IDS + 1;
	if (i < CPC_KEY_IDS && want != cpc_key_id(n)) {
		/* n - n mod 3 + want - 1, kept below 2^64. */
		base = n - n % CPC_KEY_IDS;
		if (base > UINT64_MAX - CPC_KEY_IDS)
			base -= CPC_KEY_IDS;
		n = base + want - 1;
	}
	TAILQ_FOREACH(s, &c->itr_s, link)
		if (itr_sess_in(c, s, rl, nrl))
			s->sent_kid = cpc_key_id(n);
	return n;
}

int
cpc_itr_key(const struct cpc *c, const struct dpipc_addr *rloc,
    struct dpipc_key *k)
{
	const struct cpc_sess	*s;

	TAILQ_FOREACH(s, &c->itr_s, link)
		if (cpa_addr_eq(&s->addr, rloc)) {
			fill_key(s, s->key_id, s->key, k);
			return 1;
		}
	return 0;
}

/* --- ETR ------------------------------------------------------------------ */

/* The session's live keys (key-ids 1..3) replace its data-plane entry. */
static void
decap_send(struct cpc *c, const struct cpc_sess *s)
{
	struct dpipc_msg	 m;
	unsigned int		 i;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_KEYS;
	m.u.dk.rloc = s->addr;
	m.u.dk.port = 0;	/* by address: our ITRs send from any port */
	for (i = 0; i < CPC_KEY_IDS; i++)
		if (s->slot[i].live)
			fill_key(s, (uint8_t)(i + 1), s->slot[i].key,
			    &m.u.dk.keys[m.u.dk.nkeys++]);
	c->c[CPC_C_ETR_DECAP_SENT]++;
	if (c->env.dp_send != NULL)
		c->env.dp_send(c->env.arg, &m);
	sodium_memzero(&m, sizeof(m));
}

/*
 * decap-keys with no keys: the data plane deletes the entry of addr
 * (our extension of the IPC, dpipc.h), so sessions we forget do not
 * fill its table.
 */
static void
decap_delete(struct cpc *c, const struct dpipc_addr *addr)
{
	struct dpipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_KEYS;
	m.u.dk.rloc = *addr;
	m.u.dk.port = 0;
	m.u.dk.nkeys = 0;
	c->c[CPC_C_ETR_DECAP_DELETED]++;
	if (c->env.dp_send != NULL)
		c->env.dp_send(c->env.arg, &m);
}

/* Token bucket of derivations per ITR address: 1 taken, or 0. */
static int
bucket_take(struct cpc *c, struct cpc_sess *s, double now)
{
	if (now > s->tlast) {
		s->tokens += (now - s->tlast) * c->p.kx_rate;
		if (s->tokens > c->p.kx_burst)
			s->tokens = c->p.kx_burst;
		s->tlast = now;
	}
	if (s->tokens < 1)
		return 0;
	s->tokens -= 1;
	return 1;
}

struct itr_key {
	struct dpipc_addr		 addr;
	const struct lcaf_seckey	*k;
};

void
cpc_etr_request(struct cpc *c, const struct lisp_map_request *mr,
    const struct dpipc_addr *dst, uint32_t ttl_min, double now,
    struct cpc_answer *ans)
{
	struct itr_key		 v[LISP_MAX_ITR_RLOCS];
	struct lc8061_kx_pair	 kp;
	struct cpc_sess		*s, tmp;
	const struct itr_key	*pri = NULL;
	struct cpc_slot		*sl;
	char			 a[CPA_STRLEN];
	size_t			 i, n = 0;
	uint8_t			 kid = cpc_key_id(mr->nonce);
	int			 len, have = 0, kept = 0;
	double			 hold = (double)ttl_min * 60 + CPC_TTL_SLACK;

	memset(ans, 0, sizeof(*ans));
	for (i = 0; i < mr->itr_rloc_count && n < LISP_MAX_ITR_RLOCS; i++) {
		const struct lcaf_seckey *k = cpa_seckey(&mr->itr_rlocs[i]);

		if (k == NULL)
			continue;
		if (cpa_rloc_from_lisp(&mr->itr_rlocs[i], &v[n].addr) == -1) {
			c->c[CPC_C_REFUSED_ADDR]++;
			LOG_RL(LOG_LVL_INFO, "lisp-crypto: map-request: "
			    "security key LCAF without an IPv4/IPv6 "
			    "locator: ignored");
			continue;
		}
		if (seckey_check(c, k, &v[n].addr, "map-request") == -1)
			continue;
		v[n].k = k;
		if (pri == NULL || (cpa_addr_eq(&v[n].addr, dst) &&
		    !cpa_addr_eq(&pri->addr, dst)))
			pri = &v[n];
		n++;
	}
	if (pri == NULL)
		return;
	/*
	 * The session of the RLOC we answer to decides: same ITR key and
	 * suite, same ETR pair and shared secret ("no rekey"); else a new
	 * pair.  Either way the key of this request's nonce, as key-id
	 * f(nonce), unless that slot holds it already (a retransmission).
	 */
	memset(&tmp, 0, sizeof(tmp));
	s = sess_find(&c->etr_s, &pri->addr);
	if (s != NULL && same_peer(s, pri->k)) {
		tmp = *s;
		kept = 1;
		c->c[CPC_C_ETR_KEPT]++;
		sl = &s->slot[kid - 1];
		if (sl->live && sl->nonce == mr->nonce)
			have = 1;
	}
	if (!have && s != NULL && !bucket_take(c, s, now)) {
		c->c[CPC_C_ETR_RATE_LIMITED]++;
		LOG_RL(LOG_LVL_INFO, "lisp-crypto: map-request from %s: "
		    "key derivations over the limit (burst %.0f, %g/s): "
		    "not answered", cpa_addr_fmt(&pri->addr, a, sizeof(a)),
		    c->p.kx_burst, c->p.kx_rate);
		ans->refused = 1;
		goto out;
	}
	if (!kept) {
		if (lc8061_kx_keypair(&kp) == -1)
			goto out;
		len = lc8061_kx_shared(tmp.shared, kp.sec, pri->k->key[0]);
		memcpy(tmp.own_pub, kp.pub, sizeof(tmp.own_pub));
		lc8061_kx_pair_wipe(&kp);
		if (len == -1) {
			low_order(c, &pri->addr, "map-request");
			goto out;
		}
		tmp.suite = pri->k->cipher_suite;
		memcpy(tmp.peer_pub, pri->k->key[0], LC8061_KX_PUBLEN);
		c->c[CPC_C_ETR_PAIR]++;
	}
	sl = &tmp.slot[kid - 1];
	if (!have) {
		if ((len = lc8061_kx_key(sl->key, tmp.suite, tmp.shared,
		    mr->nonce)) == -1)
			goto out;
		tmp.key_len = (uint8_t)len;
		sl->live = 1;
		sl->nonce = mr->nonce;
		c->c[CPC_C_ETR_NEW]++;
	}
	/* Every ITR-RLOC with the same key shares it (IPv4 and IPv6). */
	for (i = 0; i < n; i++) {
		if (v[i].k->cipher_suite != tmp.suite ||
		    sodium_memcmp(v[i].k->key[0], tmp.peer_pub,
		    LC8061_KX_PUBLEN) != 0)
			continue;
		s = sess_find(&c->etr_s, &v[i].addr);
		if (s == NULL) {
			if ((s = sess_add(c, &c->etr_s, &c->netr, &v[i].addr,
			    CPC_C_ETR_EVICTED)) == NULL)
				continue;
			s->tokens = c->p.kx_burst - (cpa_addr_eq(&v[i].addr,
			    &pri->addr) ? 1 : 0);
			s->tlast = now;
		}
		if (s->suite != tmp.suite ||
		    memcmp(s->own_pub, tmp.own_pub, LC8061_KX_PUBLEN) != 0 ||
		    sodium_memcmp(s->peer_pub, tmp.peer_pub,
		    LC8061_KX_PUBLEN) != 0) {
			/* New or rekeyed: the old keys are of no use. */
			s->suite = tmp.suite;
			memcpy(s->peer_pub, tmp.peer_pub, LC8061_KX_PUBLEN);
			memcpy(s->own_pub, tmp.own_pub, LC8061_KX_PUBLEN);
			memcpy(s->shared, tmp.shared, sizeof(s->shared));
			sodium_memzero(s->slot, sizeof(s->slot));
			s->created = now;
			s->hold = 0;
		}
		s->used = now;
		if (hold > s->hold)
			s->hold = hold;
		if (s->slot[kid - 1].live && s->slot[kid - 1].nonce ==
		    mr->nonce)
			continue;
		s->key_len = tmp.key_len;
		s->slot[kid - 1] = *sl;
		decap_send(c, s);
		ans->fresh = 1;
	}
	ans->keyed = 1;
	ans->suite = tmp.suite;
	memcpy(ans->pub, tmp.own_pub, sizeof(ans->pub));
out:
	sodium_memzero(&tmp, sizeof(tmp));
}

int
cpc_wrap_record(const struct cpc_answer *ans, struct lisp_eid_record *rec)
{
	size_t	 i;

	if (!ans->keyed)
		return 0;
	for (i = 0; i < rec->loc_count; i++)
		if ((rec->locs[i].flags & LISP_LOC_L) &&
		    cpa_seckey_wrap(&rec->locs[i].addr, ans->suite, ans->pub,
		    sizeof(ans->pub)) == -1)
			return -1;
	return 0;
}

void
cpc_tick(struct cpc *c, double now)
{
	struct cpc_sess	*s, *t;

	/*
	 * Not before the mapping we gave with the keys expires at the ITR:
	 * an ITR with traffic refreshes before that, so a session it still
	 * uses never expires under it (the record TTL is a day by default,
	 * longer than idle).
	 */
	TAILQ_FOREACH_SAFE(s, &c->etr_s, link, t)
		if (now - s->used > c->p.idle && now - s->used > s->hold) {
			decap_delete(c, &s->addr);
			sess_del(&c->etr_s, &c->netr, s);
			c->c[CPC_C_ETR_EXPIRED]++;
		}
}

void
cpc_dump(const struct cpc *c, double now,
    void (*line)(void *, const char *), void *arg)
{
	const struct cpc_sess	*s;
	char			 l[256], a[CPA_STRLEN];

	snprintf(l, sizeof(l), "lisp-crypto suite %u itr-sessions %zu "
	    "etr-sessions %zu", c->p.suite, c->nitr, c->netr);
	line(arg, l);
	TAILQ_FOREACH(s, &c->itr_s, link) {
		snprintf(l, sizeof(l), "lisp-crypto encrypt rloc %s suite %u "
		    "key-id %u age %.0f", cpa_addr_fmt(&s->addr, a, sizeof(a)),
		    s->suite, s->key_id, now - s->created);
		line(arg, l);
	}
	TAILQ_FOREACH(s, &c->etr_s, link) {
		snprintf(l, sizeof(l), "lisp-crypto decrypt itr %s suite %u "
		    "key-ids %s%s%s age %.0f idle %.0f",
		    cpa_addr_fmt(&s->addr, a, sizeof(a)), s->suite,
		    s->slot[0].live ? "1" : "", s->slot[1].live ? "2" : "",
		    s->slot[2].live ? "3" : "", now - s->created,
		    now - s->used);
		line(arg, l);
	}
}
