/* SPDX-License-Identifier: ISC */
/*
 * The data-plane process, main thread: a libev loop on the channel to
 * the parent (sockets, configuration, dump requests), the map-cache
 * writer (static `lisp map-cache` entries), the table builder and the
 * one-second timer (map-cache expiry).  The packet loops are the worker
 * threads of dp_worker.c.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>

#include <errno.h>
#include <ev.h>
#include <ifaddrs.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "config.h"
#include "dbmap.h"
#include "dp.h"
#include "dp_cpchan.h"
#include "dp_open.h"
#include "ipc.h"
#include "log.h"
#include "mapcache.h"

struct dp	dp_g;
/* The configuration the tables were last built from. */
static struct lisp_config	*dp_cfg;
static uint32_t			 dp_cfg_gen;

struct dp_main {
	struct ev_loop		*loop;
	struct ipc		 ipc;
	ev_io			 rio, wio;
	ev_timer		 tick;
	ev_signal		 sterm, sint, susr1;
	int			 started;
	uint32_t		 gen;
};

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const uint8_t *
cfg_addr_bytes(const struct config_addr *a)
{
	return a->afi == LISP_AFI_IPV4 ? (const uint8_t *)&a->u.v4 :
	    (const uint8_t *)&a->u.v6;
}

static void
tables_free(struct dp_tables *t)
{
	if (t == NULL)
		return;
	dbmap_free(t->db);
	free(t->ifs);
	free(t->iidout);
	free(t->src);
	free(t);
}

/* First address of each family on dev (for ICMP errors we originate). */
static void
if_addrs(const char *dev, struct dp_ifinfo *ifi)
{
	struct ifaddrs	*ifa, *i;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, dev) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !ifi->has4) {
			memcpy(ifi->addr4, &((struct sockaddr_in *)
			    (void *)i->ifa_addr)->sin_addr, 4);
			ifi->has4 = 1;
		} else if (i->ifa_addr->sa_family == AF_INET6 && !ifi->has6) {
			const struct in6_addr *a = &((struct sockaddr_in6 *)
			    (void *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			memcpy(ifi->addr6, a, 16);
			ifi->has6 = 1;
		}
	}
	freeifaddrs(ifa);
}

/*
 * Source RLOC and path MTU towards dst: ask the kernel's routing with a
 * connected UDP socket (no packet is sent).
 */
static int
route_src(uint8_t afi, const uint8_t *dst, struct dp_src *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, mtu = 0;
	socklen_t		 ml = sizeof(mtu);

	memset(&ss, 0, sizeof(ss));
	if (afi == MAPCACHE_AF_IPV4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(4341);
		memcpy(&sin->sin_addr, dst, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(4341);
		memcpy(&sin6->sin6_addr, dst, 16);
		sl = sizeof(*sin6);
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		goto fail;
	memset(s, 0, sizeof(*s));
	s->afi = afi;
	memcpy(s->dst, dst, afi == MAPCACHE_AF_IPV4 ? 4 : 16);
	if (afi == MAPCACHE_AF_IPV4) {
		memcpy(s->src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &ml) == -1)
			mtu = 0;
	} else {
		memcpy(s->src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &ml) == -1)
			mtu = 0;
	}
	s->mtu = mtu > 0 && mtu < 65536 ? (uint16_t)mtu : 0;
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static int
tables_add_src(struct dp_tables *t, uint8_t afi, const uint8_t *dst)
{
	struct dp_src	 s, *n;
	size_t		 k, alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;

	for (k = 0; k < t->nsrc; k++)
		if (t->src[k].afi == afi && memcmp(t->src[k].dst, dst,
		    alen) == 0)
			return 0;
	if (route_src(afi, dst, &s) == -1) {
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

static struct dp_tables *
tables_build(const struct lisp_config *cfg, uint32_t gen)
{
	const struct dp_cpchan_info *ci;
	struct dp_tables	*t;
	struct dp_captures	*dc = dp_g.caps;
	size_t			 k, j;
	unsigned int		 i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->gen = gen;
	if ((t->db = dbmap_new()) == NULL)
		goto fail;
	/*
	 * The control plane's database-mappings, once it sent any, replace
	 * the config's prefixes (lispers.net's list is authoritative; our
	 * own control plane sends the same list).  RLOCs still come from
	 * the config.
	 */
	ci = dp_cpchan_info();
	for (k = 0; ci->have_dbm && k < ci->ndbm; k++) {
		const struct dpipc_dbmapping *d = &ci->dbm[k];

		if (d->eid.af != AF_INET && d->eid.af != AF_INET6)
			continue;
		if (db_add(t->db, d->iid, d->eid.af, d->eid.a, d->eid.plen) ==
		    -1)
			goto fail;
	}
	for (k = 0; k < cfg->ndbmaps; k++) {
		const struct config_dbmap *d = &cfg->dbmaps[k];

		for (j = 0; j < d->nprefixes; j++) {
			const struct config_eid *e = &d->prefixes[j];
			int	 af;

			if (!CONFIG_ISSET(e, CONFIG_EID_PREFIX) ||
			    ci->have_dbm)
				continue;
			if (e->eid.addr.afi == LISP_AFI_IPV4)
				af = AF_INET;
			else if (e->eid.addr.afi == LISP_AFI_IPV6)
				af = AF_INET6;
			else
				continue;
			if (db_add(t->db, e->iid, af,
			    cfg_addr_bytes(&e->eid.addr), e->eid.plen) == -1)
				goto fail;
		}
		for (j = 0; j < d->nrlocs; j++) {
			const struct config_rloc *r = &d->rlocs[j];

			if (!CONFIG_ISSET(r, CONFIG_RLOC_ADDRESS))
				continue;
			if (r->address.afi == LISP_AFI_IPV4 && !t->has_src4) {
				memcpy(t->src4, &r->address.u.v4, 4);
				t->has_src4 = 1;
			} else if (r->address.afi == LISP_AFI_IPV6 &&
			    !t->has_src6) {
				memcpy(t->src6, &r->address.u.v6, 16);
				t->has_src6 = 1;
			}
		}
	}
	t->nifs = dc->nifaces;
	if ((t->ifs = calloc(dc->nifaces + 1, sizeof(*t->ifs))) == NULL ||
	    (t->iidout = calloc(cfg->nifaces + 1, sizeof(*t->iidout))) ==
	    NULL)
		goto fail;
	for (i = 0; i < dc->nifaces; i++) {
		struct dp_ifinfo *ifi = &t->ifs[i];
		int		  sister = strcmp(dc->device[i],
		    dc->capdev[i]) != 0;

		/* The control plane's interfaces list wins once it came. */
		for (k = 0; ci->have_ifs && k < ci->nifs; k++) {
			if (strcmp(ci->ifs[k].name, dc->device[i]) != 0)
				continue;
			ifi->iid = ci->ifs[k].iid;
			ifi->has_iid = 1;
			break;
		}
		for (k = 0; !ci->have_ifs && k < cfg->nifaces; k++) {
			const struct config_iface *c = &cfg->ifaces[k];

			if (c->device == NULL ||
			    strcmp(c->device, dc->device[i]) != 0 ||
			    !CONFIG_ISSET(c, CONFIG_IF_IID))
				continue;
			ifi->iid = c->iid;
			ifi->has_iid = 1;
			break;
		}
		/*
		 * With a sister, the device itself is where the EIDs live:
		 * decapsulated packets and ICMP errors are sent out of it.
		 * Without one, the kernel's routing decides.
		 */
		ifi->oif = sister ? (int)if_nametoindex(dc->device[i]) : 0;
		if_addrs(dc->device[i], ifi);
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
				if (tables_add_src(t, (uint8_t)a->afi,
				    cfg_addr_bytes(a)) == -1)
					goto fail;
		}
	}
	return t;
fail:
	tables_free(t);
	return NULL;
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
	c->p[c->n].iid = e->iid;
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

/* Install the config's static entries; remove static ones it dropped. */
static void
mc_load(const struct lisp_config *cfg)
{
	struct mapcache_rloc	 rl[MAPCACHE_MAX_RLOCS];
	struct mapcache_cursor	 cur;
	struct mc_collect	 old;
	struct mapcache_prefix	 p;
	size_t			 k, j, r, n;

	/* lispers.net owns the whole map-cache in IPC mode. */
	if (cfg->xtr.ipc_data_plane || dp_cpchan_ipcmode())
		return;
	memset(&old, 0, sizeof(old));
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(dp_g.mc, &cur, 1024, mc_collect_static, &old))
		;
	for (k = 0; k < old.n; k++)
		if (!mc_prefix_in_config(cfg, &old.p[k]))
			(void)mapcache_delete(dp_g.mc, &old.p[k]);
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
			if (mapcache_insert(dp_g.mc, &p, state, 0,
			    n > 0 ? rl : NULL, n > 0 ? n : 0,
			    MAPCACHE_F_STATIC) == -1)
				log_warn("map-cache line %d: insert", m->line);
		}
	}
	__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
}

static int
dp_apply_config(struct dp_main *dm, int fd, uint32_t gen)
{
	struct lisp_config	*cfg;
	struct dp_tables	*t, *old;
	struct stat		 st;
	char			 name[64];
	void			*text;
	int			 nerr = 0;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > CONFIG_FILE_MAX)
		return -1;
	text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (text == MAP_FAILED)
		return -1;
	snprintf(name, sizeof(name), "lisp.config#%u", gen);
	cfg = config_parse_buffer(name, text, (size_t)st.st_size, &nerr);
	munmap(text, (size_t)st.st_size);
	if (cfg == NULL || nerr > 0) {
		/* The parent parsed this very text: should not happen. */
		config_free(cfg);
		return -1;
	}
	if ((t = tables_build(cfg, gen)) == NULL) {
		config_free(cfg);
		return -1;
	}
	old = dp_g.tables;
	rcu_assign_pointer(dp_g.tables, t);
	mc_load(cfg);
	config_free(dp_cfg);
	dp_cfg = cfg;
	dp_cfg_gen = gen;
	if (old != NULL) {
		/* Workers drop their references at their next round. */
		synchronize_rcu();
		tables_free(old);
	}
	dm->gen = gen;
	log_info("configuration %u applied: %zu local EID prefixes",
	    gen, dbmap_count(t->db));
	return 0;
}

/*
 * The control plane changed database-mappings or interfaces: rebuild the
 * tables from the last configuration and publish them.
 */
void
dp_tables_refresh(void)
{
	struct dp_tables	*t, *old;

	if (dp_cfg == NULL)
		return;		/* the first CONFIG will use the overrides */
	if ((t = tables_build(dp_cfg, dp_cfg_gen)) == NULL) {
		log_warnx("tables rebuild failed, previous tables kept");
		return;
	}
	old = dp_g.tables;
	rcu_assign_pointer(dp_g.tables, t);
	if (old != NULL) {
		synchronize_rcu();
		tables_free(old);
	}
	log_info("tables rebuilt: %zu local EID prefixes", dbmap_count(t->db));
}

/* --- state dump (SIGUSR1) ---------------------------------------------- */

static const char *
afi_ntop(uint8_t afi, const uint8_t *a, char *buf, size_t len)
{
	return inet_ntop(afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6, a,
	    buf, (socklen_t)len);
}

static int
dump_entry(const struct mapcache_entry *e, void *arg)
{
	char		 line[1024], a[INET6_ADDRSTRLEN];
	size_t		 off;
	unsigned int	 k, n = mapcache_rloc_count(e);
	struct mapcache_counters ec;

	(void)arg;
	if (e->afi != MAPCACHE_AF_IPV4 && e->afi != MAPCACHE_AF_IPV6)
		return 0;
	mapcache_counters(dp_g.mc, e, &ec, NULL);
	off = (size_t)snprintf(line, sizeof(line), "map-cache [%u]%s/%u "
	    "state %u packets %llu rlocs", e->iid, afi_ntop(e->afi, e->eid, a,
	    sizeof(a)), e->plen, e->state, (unsigned long long)ec.packets);
	for (k = 0; k < n && off < sizeof(line); k++) {
		const struct mapcache_rloc *r = mapcache_rloc_get(e, k);

		off += (size_t)snprintf(line + off, sizeof(line) - off,
		    " %s/p%u/w%u%s", afi_ntop((uint8_t)r->afi, r->addr, a,
		    sizeof(a)), r->priority, r->weight, r->up ? "" : "/down");
	}
	log_info("%s", line);
	return 0;
}

static void
dp_dump(struct dp_main *dm)
{
	struct mapcache_cursor	 cur;
	struct dp_tables	*t = dp_g.tables;
	unsigned int		 k, w;

	log_info("state: begin");
	log_info("state: workers %u configuration %u", dp_g.nworkers,
	    dm->gen);
	for (k = 0; k < dp_g.caps->nifaces; k++)
		log_info("interface %s capture %s iid %d oif %d",
		    dp_g.caps->device[k], dp_g.caps->capdev[k],
		    t != NULL && t->ifs[k].has_iid ? (int)t->ifs[k].iid : -1,
		    t != NULL ? t->ifs[k].oif : 0);
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(dp_g.mc, &cur, 1024, dump_entry, NULL))
		;
	for (k = 0; k < DPC_MAX; k++) {
		uint64_t	 sum = 0;

		if (k == DP_DROP_NONE)
			continue;
		for (w = 0; w < dp_g.nworkers; w++)
			if (dp_g.workers != NULL && dp_g.workers[w] != NULL)
				sum += dp_worker_counter(dp_g.workers[w], k);
		log_info("counter %s %llu", dp_ctr_name(k),
		    (unsigned long long)sum);
	}
	dp_cpchan_dump();
	log_info("state: end");
}

/* --- channel ----------------------------------------------------------- */

static void
dp_arm(struct dp_main *dm)
{
	if (ipc_pending(&dm->ipc))
		ev_io_start(dm->loop, &dm->wio);
	else
		ev_io_stop(dm->loop, &dm->wio);
}

static void
dp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dp_main	*dm = w->data;

	(void)loop;
	(void)revents;
	if (ipc_flush(&dm->ipc) == -1)
		fatal("dp: write to parent");
	dp_arm(dm);
}

static void
dp_start_workers(struct dp_main *dm, uint32_t n)
{
	struct mapcache_config	 mcc;
	unsigned int		 w, k;

	if (n != dp_g.caps->nworkers || n == 0 || n > 64)
		fatalx("dp: START with %u workers, captures for %u", n,
		    dp_g.caps->nworkers);
	for (w = 0; w < n; w++)
		for (k = 0; k < PROC_SOCK_MAX; k++)
			if (dp_g.fds[w][k] == -1)
				fatalx("dp: worker %u lacks socket %u", w, k);
	(void)mcc;
	if (dp_cpchan_start(n) == -1)
		fatal("dp: channel rings");
	if ((dp_g.workers = calloc(n, sizeof(*dp_g.workers))) == NULL)
		fatal("calloc");
	dp_g.nworkers = n;
	for (w = 0; w < n; w++) {
		if ((dp_g.workers[w] = dp_worker_new(w)) == NULL)
			fatal("dp: worker %u", w);
		if (dp_worker_start(dp_g.workers[w]) == -1)
			fatal("dp: pthread_create");
	}
	dm->started = 1;
	log_info("data plane running: %u worker(s), %u interface(s)", n,
	    dp_g.caps->nifaces);
}

static void
dp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dp_main	*dm = w->data;
	struct ipc_msg	 m;
	uint8_t		 done[8];
	uint32_t	 kind, gen;
	int		 r;

	(void)revents;
	while ((r = ipc_get(&dm->ipc, &m)) == 1) {
		switch (m.type) {
		case PROC_MSG_SOCKET:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1 ||
			    m.peerid >= 64 || dm->started)
				fatalx("dp: bad SOCKET message");
			kind = rd32(m.data);
			if (kind >= PROC_SOCK_MAX ||
			    dp_g.fds[m.peerid][kind] != -1)
				fatalx("dp: bad SOCKET kind %u", kind);
			/* Ours now; the worker closes nothing, exit does. */
			dp_g.fds[m.peerid][kind] = m.fd;
			break;
		case PROC_MSG_CONFIG:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1)
				fatalx("dp: bad CONFIG message");
			gen = rd32(m.data);
			memcpy(done, m.data, 4);
			wr32(done + 4, dp_apply_config(dm, m.fd, gen) == 0 ?
			    0 : 1);
			close(m.fd);
			if (ipc_compose(&dm->ipc, PROC_MSG_CONFIG_DONE, 0,
			    (uint32_t)getpid(), -1, done, sizeof(done)) == -1)
				fatal("dp: compose");
			break;
		case PROC_MSG_START:
			if (ipc_check_len(&m, 4) == -1 || dm->started ||
			    dp_g.tables == NULL)
				fatalx("dp: bad START message");
			dp_start_workers(dm, rd32(m.data));
			break;
		case PROC_MSG_DUMP:
			if (ipc_check_len(&m, 0) == -1)
				fatalx("dp: bad DUMP message");
			dp_dump(dm);
			break;
		case PROC_MSG_CPDP:
			if (ipc_check_len(&m, 0) == -1 || m.fd == -1)
				fatalx("dp: bad CPDP message");
			dp_cpchan_attach(m.fd);
			break;
		case PROC_MSG_LISPERS: {
			char	 dir[PATH_MAX];

			if (m.fd == -1 || m.len == 0 || m.len >= sizeof(dir))
				fatalx("dp: bad LISPERS message");
			memcpy(dir, m.data, m.len);
			dir[m.len] = '\0';
			dp_cpchan_lispers(m.fd, dir);
			break;
		}
		default:
			if (m.fd != -1)
				close(m.fd);
			fatalx("dp: unexpected message type %u", m.type);
		}
	}
	if (r == -1) {
		if (errno == EPIPE) {
			log_debug("dp: parent went away");
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		fatal("dp: read from parent");
	}
	dp_arm(dm);
}

static void
dp_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct timespec	 ts;

	(void)loop;
	(void)w;
	(void)revents;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)mapcache_expire(dp_g.mc, (uint32_t)ts.tv_sec + 1, 0);
}

static void
dp_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct dp_main	*dm = w->data;

	(void)revents;
	if (w->signum == SIGUSR1) {
		dp_dump(dm);
		return;
	}
	ev_break(loop, EVBREAK_ALL);
}

int
dp_main(int ipcfd, struct dp_captures *dc, int debug)
{
	struct mapcache_config	 mcc;
	struct dp_main		 dm;
	unsigned int		 w, k;

	(void)debug;
	log_procinit("lisp-ztr-dp");
	signal(SIGHUP, SIG_IGN);
	memset(&dm, 0, sizeof(dm));
	memset(&dp_g, 0, sizeof(dp_g));
	for (w = 0; w < 64; w++)
		for (k = 0; k < PROC_SOCK_MAX; k++)
			dp_g.fds[w][k] = -1;
	dp_g.caps = dc;
	memset(&mcc, 0, sizeof(mcc));
	mcc.workers = dc->nworkers;
	if ((dp_g.mc = mapcache_new(&mcc)) == NULL)
		fatal("mapcache_new");
	/* The main thread is the map-cache writer: registered, offline. */
	rcu_register_thread();
	rcu_thread_offline();

	dm.loop = ev_default_loop(EVFLAG_AUTO);
	if (ipc_init(&dm.ipc, ipcfd) == -1)
		fatal("ipc_init");
	ev_io_init(&dm.rio, dp_read_cb, ipcfd, EV_READ);
	ev_io_init(&dm.wio, dp_write_cb, ipcfd, EV_WRITE);
	dm.rio.data = dm.wio.data = &dm;
	ev_io_start(dm.loop, &dm.rio);
	dp_cpchan_init(dm.loop);
	ev_timer_init(&dm.tick, dp_tick_cb, 1., 1.);
	ev_timer_start(dm.loop, &dm.tick);
	ev_signal_init(&dm.sterm, dp_signal_cb, SIGTERM);
	ev_signal_init(&dm.sint, dp_signal_cb, SIGINT);
	ev_signal_init(&dm.susr1, dp_signal_cb, SIGUSR1);
	dm.sterm.data = dm.sint.data = dm.susr1.data = &dm;
	ev_signal_start(dm.loop, &dm.sterm);
	ev_signal_start(dm.loop, &dm.sint);
	ev_signal_start(dm.loop, &dm.susr1);
	ev_run(dm.loop, 0);

	__atomic_store_n(&dp_g.stop, 1, __ATOMIC_RELAXED);
	for (w = 0; w < dp_g.nworkers; w++)
		dp_worker_join(dp_g.workers[w]);
	log_info("data plane stopping");
	dp_dump(&dm);
	for (w = 0; w < dp_g.nworkers; w++)
		dp_worker_free(dp_g.workers[w]);
	free(dp_g.workers);
	dp_cpchan_stop();
	config_free(dp_cfg);
	dp_cfg = NULL;
	for (w = 0; w < 64; w++)
		for (k = 0; k < PROC_SOCK_MAX; k++)
			if (dp_g.fds[w][k] != -1)
				close(dp_g.fds[w][k]);
	rcu_thread_online();
	tables_free(dp_g.tables);
	dp_g.tables = NULL;
	mapcache_free(dp_g.mc);
	rcu_unregister_thread();
	ipc_clear(&dm.ipc);
	dp_captures_free(dc);
	return 0;
}
