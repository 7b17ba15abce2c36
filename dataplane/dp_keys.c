/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto key tables (see dp_keys.h): immutable snapshots published
 * by RCU, wiped before they are freed; the lcrypto objects of replaced
 * entries are freed after the same grace period.
 */
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include <sodium.h>

#include "buf.h"
#include "dp_keys.h"
#include "dpipc.h"
#include "lc8061.h"
#include "log.h"
#include "mapcache.h"

/* struct dp_key's suite goes to lc8061 as it came in the IPC. */
_Static_assert(DPIPC_SUITE_AES128_GCM == LC8061_SUITE_AES128_GCM &&
    DPIPC_SUITE_CHACHA20 == LC8061_SUITE_CHACHA20, "suite numbers");
_Static_assert(LCRYPTO_ENCAP == LC8061_ENCAP &&
    LCRYPTO_DECAP == LC8061_DECAP, "direction flags");

struct dp_keytab {
	size_t			 nencap;
	size_t			 ndecap;
	struct dp_keyset	*encap;		/* [nencap], index = slot */
	struct dp_keyset	*decap;		/* [ndecap] */
};

static struct dp_keytab	*dp_keytab;
static unsigned int	 dk_nslots = 1;
static enum lcrypto_cipher dk_cipher = LCRYPTO_AES128_GCM;
static int		 dk_seeded;
static uint64_t		 dk_seed;
static uint64_t		 dk_made;	/* keys made, for dk_seed */

void
dp_keys_setup(unsigned int nslots, enum lcrypto_cipher encap)
{
	dk_nslots = nslots > 0 ? nslots : 1;
	dk_cipher = encap;
}

void
dp_keys_iv_seed(uint64_t seed)
{
	dk_seed = seed;
	dk_seeded = 1;
}

/* Make the lcrypto objects of a key set that just arrived. */
static void
set_make(struct dp_keyset *ks, unsigned int dir)
{
	struct wbuf	 wb;
	uint8_t		 ctr[16];
	unsigned int	 k, s;
	int		 err;

	for (k = 0; k < ks->nkeys; k++) {
		struct dp_key *dk = &ks->keys[k];

		/*
		 * The suite came with the key: RFC 8061 keys (our own
		 * control plane) carry theirs; lispers.net's keys do not
		 * say, so the encapsulation cipher is dk_cipher and
		 * decapsulation guesses by length (lcrypto.h).
		 */
		if (dk->suite != DPIPC_SUITE_LISPERS)
			dk->lk = lcrypto_key_new_rfc8061(dk->key_id,
			    dk->suite, dk->key, dk->key_len, dir, dk_nslots,
			    &err);
		else
			dk->lk = lcrypto_key_new(dk->key_id, dk->key,
			    dk->icv, dk->icv_len, dir == LCRYPTO_ENCAP ?
			    dk_cipher : LCRYPTO_AUTO, dir, dk_nslots, &err);
		if (dk->lk == NULL) {
			/* Refusals are logged and counted by lcrypto. */
			if (err == LCRYPTO_E_NOMEM)
				log_warnx("lisp-crypto key-id %u: %s",
				    dk->key_id, lcrypto_strerror(err));
			continue;
		}
		dk_made++;
		for (s = 0; dk_seeded && s < dk_nslots; s++) {
			wbuf_init(&wb, ctr, sizeof(ctr));
			wbuf_put_u64(&wb, dk_seed);
			wbuf_put_u64(&wb, dk_made << 16 | s);
			(void)lcrypto_key_set_iv(dk->lk, s, ctr);
		}
	}
}

/* Free the lcrypto objects of a key set no table refers to any more. */
static void
set_release(struct dp_keyset *ks)
{
	unsigned int	 k;

	for (k = 0; k < DP_KEYS_PER_SET; k++) {
		lcrypto_key_free(ks->keys[k].lk);
		ks->keys[k].lk = NULL;
	}
	sodium_memzero(ks, sizeof(*ks));
}

static size_t
alen(uint8_t afi)
{
	return afi == MAPCACHE_AF_IPV4 ? 4 : 16;
}

static void
tab_free(struct dp_keytab *t)
{
	if (t == NULL)
		return;
	if (t->encap != NULL)
		sodium_memzero(t->encap, t->nencap * sizeof(*t->encap));
	if (t->decap != NULL)
		sodium_memzero(t->decap, t->ndecap * sizeof(*t->decap));
	free(t->encap);
	free(t->decap);
	free(t);
}

/* A copy of the current table with room for one more of each kind. */
static struct dp_keytab *
tab_copy(void)
{
	struct dp_keytab	*o = dp_keytab, *t;
	size_t			 ne = o != NULL ? o->nencap : 0;
	size_t			 nd = o != NULL ? o->ndecap : 0;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->encap = calloc(ne + 1, sizeof(*t->encap))) == NULL ||
	    (t->decap = calloc(nd + 1, sizeof(*t->decap))) == NULL) {
		tab_free(t);
		return NULL;
	}
	if (ne > 0)
		memcpy(t->encap, o->encap, ne * sizeof(*t->encap));
	if (nd > 0)
		memcpy(t->decap, o->decap, nd * sizeof(*t->decap));
	t->nencap = ne;
	t->ndecap = nd;
	return t;
}

/*
 * Publish t; after the grace period free the old table and the lcrypto
 * objects of the entry t replaced (retired, a copy; NULL if none).
 */
static void
tab_publish(struct dp_keytab *t, struct dp_keyset *retired)
{
	struct dp_keytab	*old = dp_keytab;

	rcu_assign_pointer(dp_keytab, t);
	if (old != NULL || retired != NULL)
		synchronize_rcu();
	tab_free(old);
	if (retired != NULL)
		set_release(retired);
}

static int
same(const struct dp_keyset *a, const struct dp_keyset *b)
{
	return a->afi == b->afi && a->port == b->port &&
	    memcmp(a->addr, b->addr, alen(a->afi)) == 0;
}

/* The same key material (the lcrypto objects aside). */
static int
same_keys(const struct dp_keyset *a, const struct dp_keyset *b)
{
	unsigned int	 k;

	if (a->nkeys != b->nkeys)
		return 0;
	for (k = 0; k < a->nkeys; k++) {
		const struct dp_key *x = &a->keys[k], *y = &b->keys[k];

		if (x->key_id != y->key_id || x->suite != y->suite ||
		    x->key_len != y->key_len || x->icv_len != y->icv_len ||
		    sodium_memcmp(x->key, y->key, sizeof(x->key)) != 0 ||
		    sodium_memcmp(x->icv, y->icv, sizeof(x->icv)) != 0)
			return 0;
	}
	return 1;
}

/* Store ks at index k of a copy of the table and publish it. */
static int
tab_store(int encap, size_t k, const struct dp_keyset *ks)
{
	struct dp_keytab	*t;
	struct dp_keyset	 old, *slot;
	size_t			*n;
	int			 replaced;

	if ((t = tab_copy()) == NULL) {
		log_warn("key table");
		return -1;
	}
	slot = encap ? &t->encap[k] : &t->decap[k];
	n = encap ? &t->nencap : &t->ndecap;
	replaced = k < *n;
	if (replaced)
		old = *slot;
	*slot = *ks;
	set_make(slot, encap ? LCRYPTO_ENCAP : LCRYPTO_DECAP);
	if (k == *n)
		(*n)++;
	tab_publish(t, replaced ? &old : NULL);
	sodium_memzero(&old, sizeof(old));
	return 0;
}

/*
 * Remove decapsulation entry k: a copy without it (order kept), the
 * entry's lcrypto objects freed after the grace period like a replaced
 * one's, so a worker that found the key before its quiescent state can
 * still finish with it.
 */
static int
tab_remove_decap(size_t k)
{
	struct dp_keytab	*t;
	struct dp_keyset	 old;

	if ((t = tab_copy()) == NULL) {
		log_warn("key table");
		return -1;
	}
	old = t->decap[k];
	memmove(&t->decap[k], &t->decap[k + 1],
	    (t->ndecap - k - 1) * sizeof(*t->decap));
	t->ndecap--;
	sodium_memzero(&t->decap[t->ndecap], sizeof(*t->decap));
	tab_publish(t, &old);
	sodium_memzero(&old, sizeof(old));
	return 0;
}

uint16_t
dp_keys_encap_set(const struct dp_keyset *ks)
{
	struct dp_keytab	*o = dp_keytab;
	size_t			 k, n = o != NULL ? o->nencap : 0;
	struct dp_keyset	 s;

	for (k = 0; k < n; k++)
		if (same(&o->encap[k], ks))
			break;
	if (k == n && ks->nkeys == 0)
		return MAPCACHE_NO_KEY;
	if (k < n && same_keys(&o->encap[k], ks) && !o->encap[k].unused)
		return (uint16_t)k;
	/* A new RLOC at the end, else in a slot the gc marked. */
	if (k == n && n >= DP_KEYS_MAX_SLOTS) {
		for (k = 0; k < n; k++)
			if (o->encap[k].unused)
				break;
		if (k == n) {
			LOG_RL(LOG_LVL_WARN, "encapsulation key slots "
			    "exhausted (%d)", DP_KEYS_MAX_SLOTS);
			return MAPCACHE_NO_KEY;
		}
	}
	s = *ks;
	s.unused = 0;
	k = tab_store(1, k, &s) == -1 ? MAPCACHE_NO_KEY : k;
	sodium_memzero(&s, sizeof(s));
	return (uint16_t)k;
}

size_t
dp_keys_encap_gc(const uint8_t *used)
{
	struct dp_keytab	*t;
	size_t			 k, n = 0;

	if (dp_keytab == NULL)
		return 0;
	for (k = 0; k < dp_keytab->nencap; k++)
		if (!(used[k / 8] & 1u << k % 8) &&
		    !dp_keytab->encap[k].unused)
			n++;
	if (n == 0)
		return 0;
	if ((t = tab_copy()) == NULL) {
		log_warn("key table");
		return 0;
	}
	/* The keys stay until the slot is reused: old readers use them. */
	for (k = 0; k < t->nencap; k++)
		if (!(used[k / 8] & 1u << k % 8))
			t->encap[k].unused = 1;
	tab_publish(t, NULL);
	return n;
}

int
dp_keys_decap_set(const struct dp_keyset *ks)
{
	struct dp_keytab	*o = dp_keytab;
	size_t			 k, n = o != NULL ? o->ndecap : 0;

	for (k = 0; k < n; k++)
		if (same(&o->decap[k], ks))
			break;
	/* An empty set deletes (our extension, see dp_keys.h). */
	if (ks->nkeys == 0)
		return k < n ? tab_remove_decap(k) : 0;
	if (k == n && n >= DP_KEYS_MAX_DECAP) {
		LOG_RL(LOG_LVL_WARN, "decapsulation key table full (%d)",
		    DP_KEYS_MAX_DECAP);
		return -1;
	}
	/* decap-keys arrive again at every start-up: keep what is there. */
	if (k < n && same_keys(&o->decap[k], ks))
		return 0;
	return tab_store(0, k, ks);
}

size_t
dp_keys_decap_count(void)
{
	return dp_keytab != NULL ? dp_keytab->ndecap : 0;
}

size_t
dp_keys_encap_count(void)
{
	return dp_keytab != NULL ? dp_keytab->nencap : 0;
}

const struct dp_keyset *
dp_keys_decap_get(size_t k)
{
	return dp_keytab != NULL && k < dp_keytab->ndecap ?
	    &dp_keytab->decap[k] : NULL;
}

void
dp_keys_free_all(void)
{
	struct dp_keytab	*old = dp_keytab;
	size_t			 k;

	rcu_assign_pointer(dp_keytab, NULL);
	if (old == NULL)
		return;
	synchronize_rcu();
	for (k = 0; k < old->nencap; k++)
		set_release(&old->encap[k]);
	for (k = 0; k < old->ndecap; k++)
		set_release(&old->decap[k]);
	tab_free(old);
}

const struct dp_keyset *
dp_keys_encap(uint16_t slot)
{
	struct dp_keytab	*t = rcu_dereference(dp_keytab);

	if (t == NULL || slot >= t->nencap || t->encap[slot].nkeys == 0)
		return NULL;
	return &t->encap[slot];
}

const struct dp_keyset *
dp_keys_decap(uint8_t afi, const uint8_t *addr, uint16_t port)
{
	struct dp_keytab	*t = rcu_dereference(dp_keytab);
	const struct dp_keyset	*fb = NULL;
	size_t			 k;

	if (t == NULL)
		return NULL;
	for (k = 0; k < t->ndecap; k++) {
		const struct dp_keyset *d = &t->decap[k];

		if (d->afi != afi || memcmp(d->addr, addr, alen(afi)) != 0)
			continue;
		if (d->port == port)
			return d;
		/* Prefer a port-less entry as the fallback. */
		if (fb == NULL || d->port == 0)
			fb = d;
	}
	return fb;
}

int
dp_keys_encap_key(uint16_t slot, struct lcrypto_key **k)
{
	const struct dp_keyset	*ks = dp_keys_encap(slot);
	unsigned int		 i;

	*k = NULL;
	if (ks == NULL)
		return 0;
	for (i = 0; i < ks->nkeys; i++)
		if ((*k = ks->keys[i].lk) != NULL)
			return 1;
	return -1;
}

struct lcrypto_key *
dp_keys_decap_key(uint8_t afi, const uint8_t *addr, uint16_t port,
    unsigned int kid)
{
	const struct dp_keyset	*ks = dp_keys_decap(afi, addr, port);
	unsigned int		 i;

	for (i = 0; ks != NULL && i < ks->nkeys; i++)
		if (ks->keys[i].key_id == kid)
			return ks->keys[i].lk;
	return NULL;
}
