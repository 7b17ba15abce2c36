/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dbmap.h"
#include "dp_tables.h"
#include "dpipc.h"
#include "log.h"
#include "mapcache.h"

static const uint8_t *
cfg_addr_bytes(const struct config_addr *a)
{
	return a->afi == LISP_AFI_IPV4 ? (const uint8_t *)&a->u.v4 :
	    (const uint8_t *)&a->u.v6;
}

void
dp_tables_free(struct dp_tables *t)
{
	if (t == NULL)
		return;
	dbmap_free(t->db);
	free(t->ifs);
	free(t->iidout);
	free(t->src);
	free(t);
}

static int
tables_add_src(struct dp_tables *t, const struct dp_tables_sys *sys,
    uint8_t afi, const uint8_t *dst)
{
	struct dp_src	 s, *n;
	size_t		 k, alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;

	if (sys == NULL || sys->route_src == NULL)
		return 0;
	for (k = 0; k < t->nsrc; k++)
		if (t->src[k].afi == afi && memcmp(t->src[k].dst, dst,
		    alen) == 0)
			return 0;
	if (sys->route_src(afi, dst, &s) == -1) {
		/* No route yet: the db-mapping RLOC is used instead. */
		log_debug("no route to RLOC %s", inet_ntop(afi ==
		    MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6, dst,
		    (char[INET6_ADDRSTRLEN]){ 0 }, INET6_ADDRSTRLEN));
		return 0;
	}
	if ((n = reallocarray(t->src, t->nsrc + 1, sizeof(*n))) == NULL)
		return -1;
	t->src = n;
	t->src[t->nsrc++] = s;
	return 0;
}

/*
 * A local prefix; an instance-id beyond 24 bits also under its low 24
 * bits, which is all the data header carries to the ETR.
 */
static int
db_add(struct dbmap *db, uint32_t iid, int af, const uint8_t *a,
    unsigned int plen)
{
	if (dbmap_add(db, iid, af, a, plen) == -1)
		return -1;
	if (iid > 0xffffff && dbmap_add(db, iid & 0xffffff, af, a, plen) == -1)
		return -1;
	return 0;
}

static int
tables_dbmap(struct dp_tables *t, const struct lisp_config *cfg,
    const struct dp_tables_cp *cp)
{
	size_t	 k, j;
	int	 have_dbm = cp != NULL && cp->have_dbm;

	/*
	 * The control plane's database-mappings, once it sent any, replace
	 * the config's prefixes (lispers.net's list is authoritative; our
	 * own control plane sends the same list).  RLOCs still come from
	 * the config (dp_tables_rloc_src()).
	 */
	for (k = 0; have_dbm && k < cp->ndbm; k++) {
		const struct dpipc_dbmapping *d = &cp->dbm[k];

		if (d->eid.af != AF_INET && d->eid.af != AF_INET6)
			continue;
		if (db_add(t->db, d->iid, d->eid.af, d->eid.a, d->eid.plen) ==
		    -1)
			return -1;
	}
	for (k = 0; k < cfg->ndbmaps; k++) {
		const struct config_dbmap *d = &cfg->dbmaps[k];

		for (j = 0; j < d->nprefixes; j++) {
			const struct config_eid *e = &d->prefixes[j];
			int	 af;

			if (!CONFIG_ISSET(e, CONFIG_EID_PREFIX) || have_dbm)
				continue;
			if (e->eid.addr.afi == LISP_AFI_IPV4)
				af = AF_INET;
			else if (e->eid.addr.afi == LISP_AFI_IPV6)
				af = AF_INET6;
			else
				continue;
			if (db_add(t->db, e->iid, af,
			    cfg_addr_bytes(&e->eid.addr), e->eid.plen) == -1)
				return -1;
		}
	}
	return 0;
}

int
dp_tables_rloc_src(const struct lisp_config *cfg,
    const struct dp_tables_sys *sys, struct dp_rlocsrc *out)
{
	int	 prio4 = 256, prio6 = 256, dynamic = 0;
	size_t	 k, j;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < cfg->ndbmaps; k++) {
		const struct config_dbmap *d = &cfg->dbmaps[k];

		for (j = 0; j < d->nrlocs; j++) {
			const struct config_rloc *r = &d->rlocs[j];
			struct dp_ifinfo	 ifi;
			int			 prio;

			memset(&ifi, 0, sizeof(ifi));
			if (CONFIG_ISSET(r, CONFIG_RLOC_ADDRESS)) {
				if (r->address.afi == LISP_AFI_IPV4) {
					memcpy(ifi.addr4, &r->address.u.v4, 4);
					ifi.has4 = 1;
				} else if (r->address.afi == LISP_AFI_IPV6) {
					memcpy(ifi.addr6, &r->address.u.v6, 16);
					ifi.has6 = 1;
				}
			} else if (CONFIG_ISSET(r, CONFIG_RLOC_INTERFACE) &&
			    r->interface != NULL) {
				/*
				 * EVE's usual form: the uplink's address,
				 * whatever it is now (DHCP, renumbering).
				 */
				dynamic = 1;
				if (sys != NULL && sys->if_rloc != NULL)
					sys->if_rloc(r->interface, &ifi);
			}
			prio = CONFIG_ISSET(r, CONFIG_RLOC_PRIORITY) ?
			    r->priority : 0;
			if (ifi.has4 && prio < prio4) {
				memcpy(out->src4, ifi.addr4, 4);
				out->has_src4 = 1;
				prio4 = prio;
			}
			if (ifi.has6 && prio < prio6) {
				memcpy(out->src6, ifi.addr6, 16);
				out->has_src6 = 1;
				prio6 = prio;
			}
		}
	}
	return dynamic;
}

struct dp_tables *
dp_tables_build(const struct lisp_config *cfg, uint32_t gen,
    const char (*device)[IFNAMSIZ], const int *sister, unsigned int ndev,
    const struct dp_tables_sys *sys)
{
	const struct dp_tables_cp *cp = sys != NULL ? sys->cp : NULL;
	struct dp_rlocsrc	 rs;
	struct dp_tables	*t;
	size_t			 k, j;
	unsigned int		 i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->gen = gen;
	if ((t->db = dbmap_new()) == NULL || tables_dbmap(t, cfg, cp) == -1)
		goto fail;
	(void)dp_tables_rloc_src(cfg, sys, &rs);
	memcpy(t->src4, rs.src4, 4);
	memcpy(t->src6, rs.src6, 16);
	t->has_src4 = rs.has_src4;
	t->has_src6 = rs.has_src6;
	t->nifs = ndev;
	if ((t->ifs = calloc(ndev + 1, sizeof(*t->ifs))) == NULL ||
	    (t->iidout = calloc(cfg->nifaces + ndev + 1,
	    sizeof(*t->iidout))) == NULL)
		goto fail;
	for (i = 0; i < ndev; i++) {
		struct dp_ifinfo *ifi = &t->ifs[i];

		/* The control plane's interfaces list wins once it came. */
		for (k = 0; cp != NULL && cp->have_ifs && k < cp->nifs; k++) {
			if (strcmp(cp->ifs[k].name, device[i]) != 0)
				continue;
			ifi->iid = cp->ifs[k].iid;
			ifi->has_iid = 1;
			break;
		}
		for (k = 0; (cp == NULL || !cp->have_ifs) &&
		    k < cfg->nifaces; k++) {
			const struct config_iface *c = &cfg->ifaces[k];

			if (c->device == NULL ||
			    strcmp(c->device, device[i]) != 0 ||
			    !CONFIG_ISSET(c, CONFIG_IF_IID))
				continue;
			ifi->iid = c->iid;
			ifi->has_iid = 1;
			break;
		}
		/*
		 * With a sister, the device itself is where the EIDs live:
		 * decapsulated packets and ICMP errors are sent out of it
		 * (if_info sets oif).  Without one, the kernel's routing
		 * decides.
		 */
		if (sys != NULL && sys->if_info != NULL)
			sys->if_info(device[i], sister[i], ifi);
		if (ifi->has_iid) {
			for (j = 0; j < t->niidout; j++)
				if (t->iidout[j].iid == ifi->iid)
					break;
			if (j == t->niidout) {
				t->iidout[j].iid = ifi->iid;
				t->iidout[j].oif = ifi->oif;
				t->niidout++;
			}
		}
	}
	for (k = 0; k < cfg->nmapcaches; k++) {
		const struct config_mapcache *m = &cfg->mapcaches[k];

		for (j = 0; j < m->nrlocs; j++) {
			const struct config_addr *a = &m->rlocs[j].address;

			if (a->afi == LISP_AFI_IPV4 || a->afi == LISP_AFI_IPV6)
				if (tables_add_src(t, sys, (uint8_t)a->afi,
				    cfg_addr_bytes(a)) == -1)
					goto fail;
		}
	}
	return t;
fail:
	dp_tables_free(t);
	return NULL;
}

unsigned int
dp_tables_devices(const struct lisp_config *cfg, char (*dev)[IFNAMSIZ],
    unsigned int max)
{
	unsigned int	 n = 0, i;
	size_t		 k;

	for (k = 0; k < cfg->nifaces && n < max; k++) {
		const char	*d = cfg->ifaces[k].device;

		if (d == NULL || strlen(d) >= IFNAMSIZ)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(dev[i], d) == 0)
				break;
		if (i < n)
			continue;	/* same device twice: once */
		snprintf(dev[n++], IFNAMSIZ, "%s", d);
	}
	return n;
}

/* --- static map-cache -------------------------------------------------- */

struct mc_collect {
	struct mapcache_prefix	*p;
	size_t			 n, cap;
};

static int
mc_collect_static(const struct mapcache_entry *e, void *arg)
{
	struct mc_collect	*c = arg;
	struct mapcache_prefix	*np;

	if ((e->flags & MAPCACHE_F_STATIC) == 0)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		if ((np = reallocarray(c->p, c->cap, sizeof(*np))) == NULL)
			return 1;
		c->p = np;
	}
	memset(&c->p[c->n], 0, sizeof(c->p[c->n]));
	c->p[c->n].iid = mapcache_entry_iid(e);
	c->p[c->n].afi = e->afi;
	c->p[c->n].plen = e->plen;
	memcpy(c->p[c->n].addr, e->eid, 16);
	c->n++;
	return 0;
}

static int
mc_prefix_in_config(const struct lisp_config *cfg,
    const struct mapcache_prefix *p)
{
	size_t	 k, j;

	for (k = 0; k < cfg->nmapcaches; k++)
		for (j = 0; j < cfg->mapcaches[k].nprefixes; j++) {
			const struct config_eid *e =
			    &cfg->mapcaches[k].prefixes[j];
			size_t	 alen = e->eid.addr.afi == LISP_AFI_IPV4 ? 4 :
			    16;

			if (e->iid == p->iid && e->eid.addr.afi == p->afi &&
			    e->eid.plen == p->plen &&
			    memcmp(cfg_addr_bytes(&e->eid.addr), p->addr,
			    alen) == 0)
				return 1;
		}
	return 0;
}

size_t
dp_mapcache_load(struct mapcache *mc, const struct lisp_config *cfg)
{
	struct mapcache_rloc	 rl[MAPCACHE_MAX_RLOCS];
	struct mapcache_cursor	 cur;
	struct mc_collect	 old;
	struct mapcache_prefix	 p;
	size_t			 k, j, r, n, nfail = 0;

	memset(&old, 0, sizeof(old));
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(mc, &cur, 1024, mc_collect_static, &old))
		;
	for (k = 0; k < old.n; k++)
		if (!mc_prefix_in_config(cfg, &old.p[k]))
			(void)mapcache_delete(mc, &old.p[k]);
	free(old.p);

	for (k = 0; k < cfg->nmapcaches; k++) {
		const struct config_mapcache *m = &cfg->mapcaches[k];

		n = 0;
		for (r = 0; r < m->nrlocs && n < MAPCACHE_MAX_RLOCS; r++) {
			const struct config_rloc *cr = &m->rlocs[r];

			if (!CONFIG_ISSET(cr, CONFIG_RLOC_ADDRESS) ||
			    (cr->address.afi != LISP_AFI_IPV4 &&
			    cr->address.afi != LISP_AFI_IPV6))
				continue;
			memset(&rl[n], 0, sizeof(rl[n]));
			rl[n].afi = cr->address.afi;
			memcpy(rl[n].addr, cfg_addr_bytes(&cr->address),
			    cr->address.afi == LISP_AFI_IPV4 ? 4 : 16);
			rl[n].priority = CONFIG_ISSET(cr, CONFIG_RLOC_PRIORITY) ?
			    cr->priority : 1;
			rl[n].weight = CONFIG_ISSET(cr, CONFIG_RLOC_WEIGHT) ?
			    cr->weight : 100;
			rl[n].mpriority = 255;
			rl[n].up = 1;
			rl[n].key_slot = MAPCACHE_NO_KEY;
			n++;
		}
		for (j = 0; j < m->nprefixes; j++) {
			const struct config_eid *e = &m->prefixes[j];
			uint8_t	 state;

			if (e->eid.addr.afi != LISP_AFI_IPV4 &&
			    e->eid.addr.afi != LISP_AFI_IPV6)
				continue;
			memset(&p, 0, sizeof(p));
			p.iid = e->iid;
			p.afi = (uint8_t)e->eid.addr.afi;
			p.plen = e->eid.plen;
			memcpy(p.addr, cfg_addr_bytes(&e->eid.addr),
			    p.afi == LISP_AFI_IPV4 ? 4 : 16);
			/*
			 * No RLOCs: a send-map-request range; destinations
			 * in it go through the miss path.
			 */
			state = n > 0 ? MAPCACHE_POSITIVE :
			    MAPCACHE_NEG_SEND_MR;
			if (mapcache_insert(mc, &p, state, 0,
			    n > 0 ? rl : NULL, n > 0 ? n : 0,
			    MAPCACHE_F_STATIC) == -1) {
				log_warn("map-cache line %d: insert", m->line);
				nfail++;
			}
		}
	}
	return nfail;
}
