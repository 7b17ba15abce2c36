/* SPDX-License-Identifier: ISC */
/*
 * LISP-crypto key tables (see dp_keys.h): immutable snapshots published
 * by RCU, wiped before they are freed.
 */
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include <sodium.h>

#include "dp_keys.h"
#include "log.h"
#include "mapcache.h"

struct dp_keytab {
	size_t			 nencap;
	size_t			 ndecap;
	struct dp_keyset	*encap;		/* [nencap], index = slot */
	struct dp_keyset	*decap;		/* [ndecap] */
};

static struct dp_keytab	*dp_keytab;

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

static void
tab_publish(struct dp_keytab *t)
{
	struct dp_keytab	*old = dp_keytab;

	rcu_assign_pointer(dp_keytab, t);
	if (old != NULL) {
		synchronize_rcu();
		tab_free(old);
	}
}

static int
same(const struct dp_keyset *a, const struct dp_keyset *b)
{
	return a->afi == b->afi && a->port == b->port &&
	    memcmp(a->addr, b->addr, alen(a->afi)) == 0;
}

uint16_t
dp_keys_encap_set(const struct dp_keyset *ks)
{
	struct dp_keytab	*o = dp_keytab, *t;
	size_t			 k, n = o != NULL ? o->nencap : 0;

	for (k = 0; k < n; k++)
		if (same(&o->encap[k], ks))
			break;
	if (k == n && ks->nkeys == 0)
		return MAPCACHE_NO_KEY;
	if (k < n && o->encap[k].nkeys == ks->nkeys &&
	    sodium_memcmp(o->encap[k].keys, ks->keys, sizeof(ks->keys)) == 0)
		return (uint16_t)k;
	if (k == n && n >= DP_KEYS_MAX_SLOTS) {
		LOG_RL(LOG_LVL_WARN, "encapsulation key slots exhausted (%d)",
		    DP_KEYS_MAX_SLOTS);
		return MAPCACHE_NO_KEY;
	}
	if ((t = tab_copy()) == NULL) {
		log_warn("key table");
		return MAPCACHE_NO_KEY;
	}
	t->encap[k] = *ks;
	if (k == t->nencap)
		t->nencap++;
	tab_publish(t);
	return (uint16_t)k;
}

int
dp_keys_decap_set(const struct dp_keyset *ks)
{
	struct dp_keytab	*o = dp_keytab, *t;
	size_t			 k, n = o != NULL ? o->ndecap : 0;

	for (k = 0; k < n; k++)
		if (same(&o->decap[k], ks))
			break;
	if (k == n && n >= DP_KEYS_MAX_DECAP) {
		LOG_RL(LOG_LVL_WARN, "decapsulation key table full (%d)",
		    DP_KEYS_MAX_DECAP);
		return -1;
	}
	if ((t = tab_copy()) == NULL)
		return -1;
	t->decap[k] = *ks;
	if (k == t->ndecap)
		t->ndecap++;
	tab_publish(t);
	return 0;
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

	rcu_assign_pointer(dp_keytab, NULL);
	if (old != NULL) {
		synchronize_rcu();
		tab_free(old);
	}
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
