/* SPDX-License-Identifier: ISC */
/*
 * The CP <-> DP channel, data-plane side (see dp_cpchan.h): reading and
 * applying control-plane records, discovery punts from the workers,
 * statistics and decap-statistics every 10 s.
 *
 * Semantics of the messages, as lispers.net gives them:
 *   - map-cache add replaces the RLOC set of (instance-id, prefix); only
 *     IPv4/IPv6 RLOCs are used (at most MAPCACHE_MAX_RLOCS); "rlocs": []
 *     installs a send-map-request entry: matching packets are held and
 *     punted, as for a miss.  Entries from the control plane never expire
 *     in the data plane (the control plane deletes them); they are
 *     inserted without MAPCACHE_F_STATIC so the per-IID bound applies.
 *   - a prefix that the data plane holds as a static `lisp map-cache`
 *     entry of its own configuration is left alone (native mode only; in
 *     IPC mode lispers.net owns the whole cache and the data plane loads
 *     no static entries).
 *   - entire-map-cache reconciles: every listed entry is installed first,
 *     then every non-static entry not listed is deleted, so destinations
 *     present before and after never see a miss (the legacy data plane
 *     flushed everything).
 *   - instance-ids are kept as the full 32-bit value everywhere (tables,
 *     statistics, punts); the data header carries the low 24 bits, and
 *     dp.c adds the low-24-bit alias of a database-mapping IID >= 2^24 so
 *     that the ETR's check still matches.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include <sodium.h>

#include "dp.h"
#include "dp_cpchan.h"
#include "dp_crypto.h"
#include "dp_ctl.h"
#include "dp_keys.h"
#include "dp_lispers.h"
#include "dp_open.h"
#include "dpipc.h"
#include "log.h"
#include "mapcache.h"

#define CPCHAN_STATS_EVERY	10.	/* seconds */
#define CPCHAN_DISC_EVERY_NS	1000000000ULL	/* per destination */
#define CPCHAN_DISC_SLOTS	1024	/* rate-limit table */
#define CPCHAN_PUNT_RING	256	/* per worker, power of two */
#define CPCHAN_READ_BURST	64	/* records per wake-up */
/* Larger records are read and dropped (lispers.net has no bound). */
#define CPCHAN_RECORD_MAX	(64 * 1024 * 1024)
/* Lifetime of control-plane entries: "until deleted". */
#define CPCHAN_TTL		(10U * 365 * 86400)

enum cpchan_ctr {
	CC_RECEIVED,
	CC_MALFORMED,
	CC_UNKNOWN,
	CC_SKIPPED,
	CC_IGNORED,
	CC_OVERSIZE,
	CC_SENT,
	CC_SEND_FAILED,
	CC_MC_ADD,
	CC_MC_DELETE,
	CC_MC_ERROR,
	CC_EMC,
	CC_EMC_REMOVED,
	CC_DISC_SENT,
	CC_DISC_LIMITED,
	CC_PUNT_DROPS,
	CC_STATS_SENT,
	CC_RESTART_SENT,
	CC_MAX
};

static const char *const cc_names[CC_MAX] = {
	[CC_RECEIVED] = "ipc-received",
	[CC_MALFORMED] = "ipc-malformed",
	[CC_UNKNOWN] = "ipc-unknown-type",
	[CC_SKIPPED] = "ipc-entries-skipped",
	[CC_IGNORED] = "ipc-entries-ignored",
	[CC_OVERSIZE] = "ipc-oversize",
	[CC_SENT] = "ipc-sent",
	[CC_SEND_FAILED] = "ipc-send-failed",
	[CC_MC_ADD] = "ipc-map-cache-add",
	[CC_MC_DELETE] = "ipc-map-cache-delete",
	[CC_MC_ERROR] = "ipc-map-cache-error",
	[CC_EMC] = "ipc-entire-map-cache",
	[CC_EMC_REMOVED] = "ipc-entire-map-cache-removed",
	[CC_DISC_SENT] = "discovery-sent",
	[CC_DISC_LIMITED] = "discovery-ratelimited",
	[CC_PUNT_DROPS] = "punt-ring-full",
	[CC_STATS_SENT] = "statistics-sent",
	[CC_RESTART_SENT] = "restart-sent",
};

struct punt {
	uint32_t	 iid;
	uint16_t	 ci;
	uint8_t		 afi;
	uint8_t		 src[16];
	uint8_t		 dst[16];
};

/* Single producer (a worker), single consumer (the main thread). */
struct punt_ring {
	uint32_t	 head __attribute__((aligned(64)));
	uint32_t	 tail __attribute__((aligned(64)));
	uint64_t	 drops;
	struct punt	 ev[CPCHAN_PUNT_RING];
};

struct disc_slot {
	uint64_t	 last;
	uint32_t	 iid;
	uint8_t		 afi;
	uint8_t		 dst[16];
};

/* Entry counters at the previous statistics message. */
struct stat_snap {
	uint32_t	 id;
	uint32_t	 iid;
	uint8_t		 afi, plen;
	uint8_t		 eid[16];
	uint64_t	 packets, bytes;
};

struct cpchan {
	struct ev_loop		*loop;
	int			 fd;		/* native channel, -1 */
	ev_io			 rio;
	ev_io			 pio;		/* punt eventfd */
	ev_timer		 stats;
	int			 ipcmode;
	unsigned int		 nworkers;
	int			 punt_efd;
	int			*wakefd;	/* [nworkers] */
	struct punt_ring	*rings;		/* [nworkers] */
	struct disc_slot	 disc[CPCHAN_DISC_SLOTS];
	char			*rbuf;
	size_t			 rcap;
	struct dp_cpchan_info	 info;
	uint64_t		 ctr[CC_MAX];
	struct stat_snap	*snap;
	size_t			 nsnap;
	uint64_t		 ds_prev[DPIPC_DS_MAX][2];
	uint64_t		 ds_last[DPIPC_DS_MAX];	/* monotonic s */
};

static struct cpchan	cc = { .fd = -1, .punt_efd = -1 };

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t
afi_len(uint8_t afi)
{
	return afi == MAPCACHE_AF_IPV4 ? 4 : 16;
}

/* --- applying messages ------------------------------------------------- */

static void
kick_workers(void)
{
	uint64_t	 one = 1;
	unsigned int	 w;

	__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
	for (w = 0; w < cc.nworkers; w++)
		if (cc.wakefd != NULL && cc.wakefd[w] != -1)
			(void)write(cc.wakefd[w], &one, sizeof(one));
}

/* dpipc address -> map-cache prefix with host bits cleared; -1 if unusable. */
static int
to_prefix(uint32_t iid, const struct dpipc_addr *a, struct mapcache_prefix *p)
{
	size_t	 k, n;

	memset(p, 0, sizeof(*p));
	if (a->af == AF_INET)
		p->afi = MAPCACHE_AF_IPV4;
	else if (a->af == AF_INET6)
		p->afi = MAPCACHE_AF_IPV6;
	else
		return -1;
	n = afi_len(p->afi);
	if (a->plen > n * 8)
		return -1;
	p->iid = iid;
	p->plen = a->plen;
	memcpy(p->addr, a->a, n);
	for (k = 0; k < n; k++) {
		unsigned int bits = k * 8 >= p->plen ? 0 :
		    p->plen - k * 8 >= 8 ? 8 : p->plen - k * 8;

		p->addr[k] &= (uint8_t)(0xff00 >> bits);
	}
	return 0;
}

static int
is_static(const struct mapcache_prefix *p)
{
	const struct mapcache_entry *e = mapcache_find(dp_g.mc, p);

	return e != NULL && (e->flags & MAPCACHE_F_STATIC);
}

static void
to_keyset(const struct dpipc_addr *a, uint16_t port, uint8_t nkeys,
    const struct dpipc_key *keys, struct dp_keyset *ks)
{
	unsigned int	 k;

	memset(ks, 0, sizeof(*ks));
	ks->afi = a->af == AF_INET ? MAPCACHE_AF_IPV4 : MAPCACHE_AF_IPV6;
	memcpy(ks->addr, a->a, afi_len(ks->afi));
	ks->port = port;
	for (k = 0; k < nkeys && k < DP_KEYS_PER_SET; k++) {
		ks->keys[k].key_id = keys[k].key_id;
		ks->keys[k].suite = keys[k].suite;
		ks->keys[k].key_len = keys[k].key_len;
		ks->keys[k].icv_len = keys[k].icv_len;
		memcpy(ks->keys[k].key, keys[k].key, sizeof(ks->keys[k].key));
		memcpy(ks->keys[k].icv, keys[k].icv, sizeof(ks->keys[k].icv));
	}
	ks->nkeys = (uint8_t)k;
}

static int
slot_mark(const struct mapcache_entry *e, void *arg)
{
	uint8_t				*used = arg;
	const struct mapcache_rloc	*r;
	unsigned int			 i;

	for (i = 0; i < mapcache_rloc_count(e); i++)
		if ((r = mapcache_rloc_get(e, i)) != NULL &&
		    r->key_slot < DP_KEYS_MAX_SLOTS)
			used[r->key_slot / 8] |= 1u << r->key_slot % 8;
	return 0;
}

/*
 * The encapsulation key slots ran out: mark those no map-cache entry
 * (nor the first n RLOCs of the mapping being applied, not inserted yet)
 * refers to as reusable.  Returns how many.
 */
static size_t
encap_slots_gc(const struct mapcache_rloc *rl, size_t n)
{
	struct mapcache_cursor	 cur;
	uint8_t			 used[DP_KEYS_MAX_SLOTS / 8];
	size_t			 i, freed;

	if (dp_keys_encap_count() < DP_KEYS_MAX_SLOTS)
		return 0;
	memset(used, 0, sizeof(used));
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(dp_g.mc, &cur, 4096, slot_mark, used) == 1)
		;
	for (i = 0; i < n; i++)
		if (rl[i].key_slot < DP_KEYS_MAX_SLOTS)
			used[rl[i].key_slot / 8] |= 1u << rl[i].key_slot % 8;
	freed = dp_keys_encap_gc(used);
	LOG_RL(LOG_LVL_INFO, "cp: encapsulation key slots exhausted: %zu "
	    "unused ones reclaimed", freed);
	return freed;
}

/* Install or delete one entry.  *p gets its prefix (for reconciling). */
static int
apply_mapping(const struct dpipc_mapping *m, struct mapcache_prefix *p)
{
	struct mapcache_rloc	 rl[MAPCACHE_MAX_RLOCS];
	struct dp_keyset	 ks;
	size_t			 k, n = 0;

	if (m->multicast || to_prefix(m->iid, &m->eid, p) == -1) {
		/* rles and MAC EIDs: not supported by this data plane. */
		cc.ctr[CC_IGNORED]++;
		return -1;
	}
	if (!cc.ipcmode && is_static(p)) {
		log_debug("cp: [%u] prefix is static in lisp.config, kept",
		    m->iid);
		cc.ctr[CC_IGNORED]++;
		return 0;
	}
	if (m->opcode == DPIPC_OP_DELETE) {
		cc.ctr[CC_MC_DELETE]++;
		(void)mapcache_delete(dp_g.mc, p);
		return 0;
	}
	for (k = 0; k < m->nrlocs; k++) {
		const struct dpipc_rloc *r = &m->rlocs[k];

		if (r->addr.af != AF_INET && r->addr.af != AF_INET6)
			continue;
		if (n == MAPCACHE_MAX_RLOCS) {
			LOG_RL(LOG_LVL_WARN, "cp: [%u] more than %d RLOCs, "
			    "rest ignored", m->iid, MAPCACHE_MAX_RLOCS);
			break;
		}
		memset(&rl[n], 0, sizeof(rl[n]));
		rl[n].afi = r->addr.af == AF_INET ? MAPCACHE_AF_IPV4 :
		    MAPCACHE_AF_IPV6;
		memcpy(rl[n].addr, r->addr.a, afi_len((uint8_t)rl[n].afi));
		rl[n].port = r->port;
		rl[n].priority = r->priority;
		rl[n].weight = r->weight;
		rl[n].mpriority = 255;
		rl[n].up = 1;	/* lispers.net lists up RLOCs only */
		to_keyset(&r->addr, r->port, r->nkeys, r->keys, &ks);
		rl[n].key_slot = dp_keys_encap_set(&ks);
		if (rl[n].key_slot == MAPCACHE_NO_KEY && ks.nkeys > 0 &&
		    encap_slots_gc(rl, n) > 0)
			rl[n].key_slot = dp_keys_encap_set(&ks);
		sodium_memzero(&ks, sizeof(ks));
		n++;
	}
	cc.ctr[CC_MC_ADD]++;
	if (mapcache_insert(dp_g.mc, p, n > 0 ? MAPCACHE_POSITIVE :
	    MAPCACHE_NEG_SEND_MR, CPCHAN_TTL, n > 0 ? rl : NULL, n, 0) == -1) {
		cc.ctr[CC_MC_ERROR]++;
		LOG_RL(LOG_LVL_WARN, "cp: map-cache [%u] insert: %s", m->iid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct mapcache_prefix *x = a, *y = b;

	if (x->iid != y->iid)
		return x->iid < y->iid ? -1 : 1;
	if (x->afi != y->afi)
		return x->afi < y->afi ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

struct emc_walk {
	const struct mapcache_prefix	*keep;
	size_t				 nkeep;
	struct mapcache_prefix		*del;
	size_t				 ndel, cap;
	int				 nomem;
};

static int
emc_collect(const struct mapcache_entry *e, void *arg)
{
	struct emc_walk		*w = arg;
	struct mapcache_prefix	 p, *np;

	if ((e->flags & MAPCACHE_F_STATIC) || (e->afi != MAPCACHE_AF_IPV4 &&
	    e->afi != MAPCACHE_AF_IPV6))
		return 0;
	memset(&p, 0, sizeof(p));
	p.iid = mapcache_entry_iid(e);
	p.afi = e->afi;
	p.plen = e->plen;
	memcpy(p.addr, e->eid, afi_len(e->afi));
	if (bsearch(&p, w->keep, w->nkeep, sizeof(p), prefix_cmp) != NULL)
		return 0;
	if (w->ndel == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		if ((np = reallocarray(w->del, w->cap, sizeof(*np))) == NULL) {
			w->nomem = 1;
			return 1;
		}
		w->del = np;
	}
	w->del[w->ndel++] = p;
	return 0;
}

static void
apply_entire(const struct dpipc_msg *m)
{
	struct mapcache_prefix	*keep;
	struct mapcache_cursor	 cur;
	struct emc_walk		 w;
	size_t			 k, nkeep = 0;

	cc.ctr[CC_EMC]++;
	if ((keep = calloc(m->u.emc.n + 1, sizeof(*keep))) == NULL) {
		log_warn("entire-map-cache");
		return;
	}
	for (k = 0; k < m->u.emc.n; k++) {
		const struct dpipc_mapping *e = &m->u.emc.v[k];

		if (e->opcode != DPIPC_OP_ADD)
			continue;
		if (apply_mapping(e, &keep[nkeep]) == 0)
			nkeep++;
	}
	qsort(keep, nkeep, sizeof(*keep), prefix_cmp);
	memset(&w, 0, sizeof(w));
	w.keep = keep;
	w.nkeep = nkeep;
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(dp_g.mc, &cur, 4096, emc_collect, &w) && !w.nomem)
		;
	if (w.nomem)
		log_warnx("entire-map-cache: out of memory, stale entries "
		    "kept");
	for (k = 0; k < w.ndel; k++)
		if (mapcache_delete(dp_g.mc, &w.del[k]) == 0)
			cc.ctr[CC_EMC_REMOVED]++;
	log_info("cp: entire-map-cache: %zu entries installed, %zu removed",
	    nkeep, w.ndel);
	free(w.del);
	free(keep);
}

static void
apply_decap_keys(const struct dpipc_decap_keys *dk)
{
	struct dp_keyset	 ks;

	if (dk->rloc.af != AF_INET && dk->rloc.af != AF_INET6) {
		cc.ctr[CC_IGNORED]++;
		return;
	}
	to_keyset(&dk->rloc, dk->port, dk->nkeys, dk->keys, &ks);
	if (dp_keys_decap_set(&ks) == -1)
		log_warnx("cp: decap-keys not stored");
	sodium_memzero(&ks, sizeof(ks));
}

int
dp_cpchan_input(const char *buf, size_t len)
{
	struct dpipc_msg	 m;
	struct mapcache_prefix	 p;
	char			 err[160];
	void			*v;
	int			 rc;

	cc.ctr[CC_RECEIVED]++;
	rc = dpipc_decode(buf, len, &m, err, sizeof(err));
	/* Our own extension: lispctl answers from the control plane. */
	if (rc == DPIPC_UNKNOWN && dp_ctl_cp_reply(buf, len) == 0)
		return 0;
	if (rc == DPIPC_UNKNOWN) {
		cc.ctr[CC_UNKNOWN]++;
		LOG_RL(LOG_LVL_INFO, "cp: ignored: %s", err);
		return 0;
	}
	if (rc != DPIPC_OK) {
		cc.ctr[CC_MALFORMED]++;
		LOG_RL(LOG_LVL_WARN, "cp: malformed record of %zu bytes: %s",
		    len, err);
		dpipc_msg_free(&m);
		return -1;
	}
	if (m.nskipped > 0) {
		cc.ctr[CC_SKIPPED] += m.nskipped;
		LOG_RL(LOG_LVL_INFO, "cp: %s: %zu element(s) skipped: %s",
		    dpipc_type_name(m.type), m.nskipped, err);
	}
	log_debug("cp: %s", dpipc_type_name(m.type));
	switch (m.type) {
	case DPIPC_MAP_CACHE:
		(void)apply_mapping(&m.u.mc, &p);
		kick_workers();
		break;
	case DPIPC_ENTIRE_MAP_CACHE:
		apply_entire(&m);
		kick_workers();
		break;
	case DPIPC_DATABASE_MAPPINGS:
		/* Ownership of the array moves into info. */
		free(cc.info.dbm);
		cc.info.dbm = m.u.dbm.v;
		cc.info.ndbm = m.u.dbm.n;
		cc.info.have_dbm = 1;
		m.u.dbm.v = NULL;
		m.u.dbm.n = 0;
		dp_tables_refresh();
		break;
	case DPIPC_INTERFACES:
		v = m.u.ifs.v;
		free(cc.info.ifs);
		cc.info.ifs = v;
		cc.info.nifs = m.u.ifs.n;
		cc.info.have_ifs = 1;
		m.u.ifs.v = NULL;
		m.u.ifs.n = 0;
		dp_tables_refresh();
		break;
	case DPIPC_DECAP_KEYS:
		apply_decap_keys(&m.u.dk);
		break;
	case DPIPC_ETR_NAT_PORT:
		/* NAT-translated data arrives there (dp_open.h). */
		cc.info.nat_port = m.u.port;
		dp_natcap_request(m.u.port);
		break;
	case DPIPC_ITR_CRYPTO_PORT:
		/* Encrypted packets leave from it (dp_crypto.h). */
		cc.info.crypto_port = m.u.port;
		dp_crypto_set_port((uint16_t)m.u.port);
		break;
	case DPIPC_XTR_PARAMETERS:
		cc.info.xp = m.u.xp;
		cc.info.have_xp = 1;
		break;
	default:
		/* DP -> CP types arriving here: not for us. */
		cc.ctr[CC_UNKNOWN]++;
		break;
	}
	dpipc_msg_free(&m);
	return 0;
}

/* --- transports -------------------------------------------------------- */

int
dp_cpchan_read(int fd, int stream)
{
	ssize_t	 n;
	char	*nb;
	int	 k, avail;

	for (k = 0; k < CPCHAN_READ_BURST; k++) {
		/* The real size first: records have no upper bound. */
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		if (n == 0 && stream) {
			/* SEQPACKET: a zero read is the peer's close. */
			if (ioctl(fd, FIONREAD, &avail) == 0 && avail == 0) {
				errno = 0;
				return -1;
			}
		}
		if ((size_t)n > CPCHAN_RECORD_MAX) {
			(void)recv(fd, NULL, 0, MSG_DONTWAIT);
			cc.ctr[CC_OVERSIZE]++;
			LOG_RL(LOG_LVL_WARN, "cp: record of %zd bytes dropped",
			    n);
			continue;
		}
		if ((size_t)n + 1 > cc.rcap) {
			if ((nb = realloc(cc.rbuf, (size_t)n + 1)) == NULL) {
				(void)recv(fd, NULL, 0, MSG_DONTWAIT);
				cc.ctr[CC_OVERSIZE]++;
				continue;
			}
			cc.rbuf = nb;
			cc.rcap = (size_t)n + 1;
		}
		n = recv(fd, cc.rbuf, (size_t)n, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		if (n == 0)
			continue;
		(void)dp_cpchan_input(cc.rbuf, (size_t)n);
		/* It may have carried keys. */
		sodium_memzero(cc.rbuf, (size_t)n);
	}
	return 0;
}

static void
native_close(void)
{
	if (cc.fd == -1)
		return;
	ev_io_stop(cc.loop, &cc.rio);
	close(cc.fd);
	cc.fd = -1;
}

static void
native_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (dp_cpchan_read(cc.fd, 1) == -1) {
		if (errno != 0)
			log_warn("cp channel");
		else
			log_info("cp channel closed by the control plane");
		native_close();
	}
}

int
dp_cpchan_send(const char *text, size_t len)
{
	ssize_t	 n;

	if (cc.ipcmode) {
		if (dp_lispers_send(text, len) == -1) {
			cc.ctr[CC_SEND_FAILED]++;
			return -1;
		}
		cc.ctr[CC_SENT]++;
		return 0;
	}
	if (cc.fd == -1) {
		cc.ctr[CC_SEND_FAILED]++;
		return -1;
	}
	/* Never block: a control plane that does not read loses punts. */
	n = send(cc.fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)len) {
		cc.ctr[CC_SEND_FAILED]++;
		LOG_RL(LOG_LVL_DEBUG, "cp channel send: %s", strerror(errno));
		return -1;
	}
	cc.ctr[CC_SENT]++;
	return 0;
}

static int
send_msg(const struct dpipc_msg *m)
{
	char	*t;
	size_t	 len;
	int	 rc;

	if ((t = dpipc_encode(m, &len)) == NULL) {
		log_warnx("cp: cannot encode %s", dpipc_type_name(m->type));
		return -1;
	}
	rc = dp_cpchan_send(t, len);
	dpipc_text_free(t, len);
	return rc;
}

void
dp_cpchan_send_restart(void)
{
	struct dpipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_RESTART;
	if (send_msg(&m) == 0) {
		cc.ctr[CC_RESTART_SENT]++;
		log_info("cp: restart sent");
	}
}

void
dp_cpchan_attach(int fd)
{
	native_close();
	cc.fd = fd;
	ev_io_init(&cc.rio, native_read_cb, fd, EV_READ);
	ev_io_start(cc.loop, &cc.rio);
	log_info("cp channel attached");
	/* A new peer knows nothing of our cache: ask for all of it. */
	dp_cpchan_send_restart();
}

void
dp_cpchan_lispers(int fd, const char *dir)
{
	cc.ipcmode = 1;
	if (dp_lispers_open(cc.loop, fd, dir) == -1)
		fatalx("lispers.net IPC mode: cannot start");
}

int
dp_cpchan_ipcmode(void)
{
	return cc.ipcmode;
}

const struct dp_cpchan_info *
dp_cpchan_info(void)
{
	return &cc.info;
}

/* --- discovery punts --------------------------------------------------- */

void
dp_cpchan_miss(unsigned int worker, uint32_t iid, uint8_t afi,
    const uint8_t *src, const uint8_t *dst, unsigned int ci)
{
	struct punt_ring	*r;
	struct punt		*p;
	uint32_t		 h, t;
	uint64_t		 one = 1;

	if (cc.rings == NULL || worker >= cc.nworkers)
		return;
	r = &cc.rings[worker];
	h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	if (h - t >= CPCHAN_PUNT_RING) {
		__atomic_store_n(&r->drops, r->drops + 1, __ATOMIC_RELAXED);
		return;
	}
	p = &r->ev[h & (CPCHAN_PUNT_RING - 1)];
	p->iid = iid;
	p->afi = afi;
	p->ci = (uint16_t)ci;
	memcpy(p->src, src, afi_len(afi));
	memcpy(p->dst, dst, afi_len(afi));
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	(void)write(cc.punt_efd, &one, sizeof(one));
}

int
dp_cpchan_wakefd(unsigned int worker)
{
	if (cc.wakefd == NULL || worker >= cc.nworkers)
		return -1;
	return cc.wakefd[worker];
}

static int
disc_allow(const struct punt *p, uint64_t now)
{
	struct disc_slot	*s;
	uint32_t		 h = 2166136261u;
	size_t			 k, n = afi_len(p->afi);

	h = (h ^ p->iid) * 16777619u;
	h = (h ^ p->afi) * 16777619u;
	for (k = 0; k < n; k++)
		h = (h ^ p->dst[k]) * 16777619u;
	s = &cc.disc[h % CPCHAN_DISC_SLOTS];
	if (s->last != 0 && s->iid == p->iid && s->afi == p->afi &&
	    memcmp(s->dst, p->dst, n) == 0 &&
	    now - s->last < CPCHAN_DISC_EVERY_NS)
		return 0;
	/* A colliding destination takes the slot over. */
	s->last = now;
	s->iid = p->iid;
	s->afi = p->afi;
	memcpy(s->dst, p->dst, n);
	return 1;
}

static void
send_discovery(const struct punt *p)
{
	struct dpipc_msg	 m;
	struct dpipc_discovery	*d = &m.u.disc;
	int			 af = p->afi == MAPCACHE_AF_IPV4 ? AF_INET :
				    AF_INET6;

	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DISCOVERY;
	if (dp_g.caps != NULL && p->ci < dp_g.caps->nifaces)
		snprintf(d->interface, sizeof(d->interface), "%s",
		    dp_g.caps->device[p->ci]);
	d->has_iid = 1;
	d->iid = p->iid;
	d->has_source = d->has_dest = 1;
	d->source.af = d->dest.af = af;
	d->source.plen = d->dest.plen = (uint8_t)(afi_len(p->afi) * 8);
	memcpy(d->source.a, p->src, afi_len(p->afi));
	memcpy(d->dest.a, p->dst, afi_len(p->afi));
	if (send_msg(&m) == 0)
		cc.ctr[CC_DISC_SENT]++;
}

static void
punt_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct punt_ring	*r;
	struct punt		 p;
	uint64_t		 v, now = mono_ns();
	uint32_t		 h, t;
	unsigned int		 k;

	(void)loop;
	(void)w;
	(void)revents;
	(void)read(cc.punt_efd, &v, sizeof(v));
	for (k = 0; k < cc.nworkers; k++) {
		r = &cc.rings[k];
		h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		for (t = r->tail; t != h; t++) {
			p = r->ev[t & (CPCHAN_PUNT_RING - 1)];
			__atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
			if (!disc_allow(&p, now)) {
				cc.ctr[CC_DISC_LIMITED]++;
				continue;
			}
			send_discovery(&p);
		}
	}
}

/* --- statistics -------------------------------------------------------- */

static int
snap_cmp(const void *a, const void *b)
{
	const struct stat_snap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct stats_walk {
	struct stat_snap	*snap;
	size_t			 n, cap;
	struct dpipc_stat_entry	*v;
	size_t			 nv;
	uint32_t		 now;
	int			 nomem;
};

static int
stats_collect(const struct mapcache_entry *e, void *arg)
{
	struct stats_walk		*sw = arg;
	struct mapcache_counters	 ec, rc[MAPCACHE_MAX_RLOCS];
	struct stat_snap		 key, *old, *ns;
	struct dpipc_stat_entry		*se, *nv;
	uint64_t			 dp, db, rsum = 0;
	unsigned int			 k, nr = mapcache_rloc_count(e);

	if (e->state != MAPCACHE_POSITIVE || nr == 0 ||
	    (e->afi != MAPCACHE_AF_IPV4 && e->afi != MAPCACHE_AF_IPV6))
		return 0;
	mapcache_counters(dp_g.mc, e, &ec, rc);
	if (sw->n == sw->cap) {
		sw->cap = sw->cap ? sw->cap * 2 : 256;
		if ((ns = reallocarray(sw->snap, sw->cap, sizeof(*ns))) ==
		    NULL || (nv = reallocarray(sw->v, sw->cap,
		    sizeof(*nv))) == NULL) {
			if (ns != NULL)
				sw->snap = ns;
			sw->nomem = 1;
			return 1;
		}
		sw->snap = ns;
		sw->v = nv;
	}
	ns = &sw->snap[sw->n++];
	memset(ns, 0, sizeof(*ns));
	ns->id = mapcache_entry_id(e);
	ns->iid = mapcache_entry_iid(e);
	ns->afi = e->afi;
	ns->plen = e->plen;
	memcpy(ns->eid, e->eid, 16);
	ns->packets = ec.packets;
	ns->bytes = ec.bytes;
	key.id = mapcache_entry_id(e);
	/* bsearch() must not be given a NULL base (UBSan), even for 0. */
	old = cc.nsnap == 0 ? NULL : bsearch(&key, cc.snap, cc.nsnap,
	    sizeof(key), snap_cmp);
	/* An id reused by another prefix starts over. */
	if (old != NULL && (old->iid != mapcache_entry_iid(e) ||
	    old->afi != e->afi || old->plen != e->plen ||
	    memcmp(old->eid, e->eid, 16) != 0 || old->packets > ec.packets))
		old = NULL;
	dp = ec.packets - (old != NULL ? old->packets : 0);
	db = ec.bytes - (old != NULL ? old->bytes : 0);
	if (dp == 0)
		return 0;
	se = &sw->v[sw->nv];
	memset(se, 0, sizeof(*se));
	if ((se->rlocs = calloc(nr, sizeof(*se->rlocs))) == NULL) {
		sw->nomem = 1;
		return 1;
	}
	sw->nv++;
	se->iid = mapcache_entry_iid(e);
	se->eid.af = e->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
	se->eid.plen = e->plen;
	memcpy(se->eid.a, e->eid, 16);
	se->nrlocs = nr;
	for (k = 0; k < nr; k++)
		rsum += rc[k].packets;
	/*
	 * Entry counters are exact; RLOC counters belong to the (shared,
	 * interned) RLOC set: the entry's delta is split in the set's
	 * proportions, which is exact for the usual single-RLOC entry.
	 */
	for (k = 0; k < nr; k++) {
		const struct mapcache_rloc *r = mapcache_rloc_get(e, k);
		struct dpipc_stat_rloc *sr = &se->rlocs[k];

		sr->rloc.af = r->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
		sr->rloc.plen = (uint8_t)(afi_len((uint8_t)r->afi) * 8);
		memcpy(sr->rloc.a, r->addr, 16);
		if (nr == 1 || rsum == 0) {
			sr->c.packets = k == 0 ? dp : 0;
			sr->c.bytes = k == 0 ? db : 0;
		} else {
			sr->c.packets = (uint64_t)((double)dp *
			    (double)rc[k].packets / (double)rsum);
			sr->c.bytes = (uint64_t)((double)db *
			    (double)rc[k].packets / (double)rsum);
		}
		sr->c.secs_last = rc[k].last_used == 0 ? 0 :
		    sw->now > rc[k].last_used ? sw->now - rc[k].last_used : 0;
	}
	return 0;
}

static int
stats_emit(const char *text, size_t len, void *arg)
{
	(void)arg;
	if (dp_cpchan_send(text, len) == -1)
		return 1;
	cc.ctr[CC_STATS_SENT]++;
	return 0;
}

static int
peer_ready(void)
{
	return cc.ipcmode ? dp_lispers_up() : cc.fd != -1;
}

static void
send_decap_stats(void)
{
	struct dpipc_msg	 m;
	uint64_t		 sum[DPIPC_DS_MAX][2], now;
	unsigned int		 k, w, i;

	memset(sum, 0, sizeof(sum));
	for (w = 0; w < dp_g.nworkers; w++) {
		if (dp_g.workers == NULL || dp_g.workers[w] == NULL)
			continue;
		sum[DPIPC_DS_GOOD][0] += dp_worker_counter(dp_g.workers[w],
		    DPC_ETR_PACKETS);
		sum[DPIPC_DS_GOOD][1] += dp_worker_counter(dp_g.workers[w],
		    DPC_ETR_BYTES);
		for (k = 1; k < DP_DROP_MAX; k++) {
			const char *n = dp_drop_decap_stat((enum dp_drop)k);

			if (n == NULL)
				continue;
			for (i = 0; i < DPIPC_DS_MAX; i++)
				if (strcmp(n, dpipc_dstat_name(i)) == 0)
					sum[i][0] += dp_worker_counter(
					    dp_g.workers[w], k);
		}
	}
	now = mono_ns() / 1000000000ULL;
	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DECAP_STATISTICS;
	for (i = 0; i < DPIPC_DS_MAX; i++) {
		m.u.ds.present |= 1u << i;
		m.u.ds.c[i].packets = sum[i][0] - cc.ds_prev[i][0];
		m.u.ds.c[i].bytes = sum[i][1] >= cc.ds_prev[i][1] ?
		    sum[i][1] - cc.ds_prev[i][1] : 0;
		if (m.u.ds.c[i].packets > 0)
			cc.ds_last[i] = now;
		m.u.ds.c[i].secs_last = cc.ds_last[i] != 0 ?
		    now - cc.ds_last[i] : 0;
	}
	if (send_msg(&m) == 0)
		memcpy(cc.ds_prev, sum, sizeof(sum));
}

static void
stats_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct mapcache_cursor	 cur;
	struct stats_walk	 sw;
	size_t			 k;

	(void)loop;
	(void)t;
	(void)revents;
	if (!peer_ready() || dp_g.mc == NULL)
		return;
	memset(&sw, 0, sizeof(sw));
	sw.now = (uint32_t)(mono_ns() / 1000000000ULL) + 1;
	memset(&cur, 0, sizeof(cur));
	while (mapcache_walk(dp_g.mc, &cur, 4096, stats_collect, &sw) &&
	    !sw.nomem)
		;
	if (sw.nomem)
		log_warnx("statistics: out of memory");
	else if (dpipc_encode_statistics(sw.v, sw.nv, DPIPC_DP_MAXLEN,
	    stats_emit, NULL) >= 0) {
		/* Sent: these counts are the new base. */
		qsort(sw.snap, sw.n, sizeof(*sw.snap), snap_cmp);
		free(cc.snap);
		cc.snap = sw.snap;
		cc.nsnap = sw.n;
		sw.snap = NULL;
	}
	for (k = 0; k < sw.nv; k++)
		free(sw.v[k].rlocs);
	free(sw.v);
	free(sw.snap);
	send_decap_stats();
}

/* --- life cycle and dump ----------------------------------------------- */

void
dp_cpchan_init(struct ev_loop *loop)
{
	cc.loop = loop;
	cc.info.nat_port = cc.info.crypto_port = -1;
	ev_timer_init(&cc.stats, stats_cb, CPCHAN_STATS_EVERY,
	    CPCHAN_STATS_EVERY);
	ev_timer_start(loop, &cc.stats);
}

int
dp_cpchan_start(unsigned int n)
{
	unsigned int	 w;

	if ((cc.rings = aligned_alloc(64, ((sizeof(*cc.rings) * n + 63) /
	    64) * 64)) == NULL || (cc.wakefd = calloc(n,
	    sizeof(int))) == NULL)
		return -1;
	memset(cc.rings, 0, sizeof(*cc.rings) * n);
	for (w = 0; w < n; w++)
		if ((cc.wakefd[w] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) ==
		    -1)
			return -1;
	if ((cc.punt_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	cc.nworkers = n;
	ev_io_init(&cc.pio, punt_cb, cc.punt_efd, EV_READ);
	ev_io_start(cc.loop, &cc.pio);
	return 0;
}

void
dp_cpchan_stop(void)
{
	unsigned int	 w;

	native_close();
	if (cc.ipcmode)
		dp_lispers_close();
	ev_timer_stop(cc.loop, &cc.stats);
	if (cc.punt_efd != -1) {
		ev_io_stop(cc.loop, &cc.pio);
		close(cc.punt_efd);
		cc.punt_efd = -1;
	}
	for (w = 0; w < cc.nworkers; w++)
		if (cc.wakefd[w] != -1)
			close(cc.wakefd[w]);
	free(cc.wakefd);
	free(cc.rings);
	cc.wakefd = NULL;
	cc.rings = NULL;
	cc.nworkers = 0;
	free(cc.info.dbm);
	free(cc.info.ifs);
	memset(&cc.info, 0, sizeof(cc.info));
	free(cc.snap);
	cc.snap = NULL;
	cc.nsnap = 0;
	if (cc.rbuf != NULL)
		sodium_memzero(cc.rbuf, cc.rcap);
	free(cc.rbuf);
	cc.rbuf = NULL;
	cc.rcap = 0;
	dp_keys_free_all();
}

void
dp_cpchan_dump(void)
{
	char		 a[DPIPC_ADDRSTRLEN];
	uint64_t	 drops = 0;
	size_t		 k;
	unsigned int	 w;

	log_info("cp: mode %s peer %s nat-port %d crypto-port %d",
	    cc.ipcmode ? "lispers.net" : "native", peer_ready() ? "up" :
	    "down", cc.info.nat_port, cc.info.crypto_port);
	for (k = 0; cc.info.have_ifs && k < cc.info.nifs; k++)
		log_info("cp-interface %s iid %u", cc.info.ifs[k].name,
		    cc.info.ifs[k].iid);
	for (k = 0; cc.info.have_dbm && k < cc.info.ndbm; k++)
		if (dpipc_addr_fmt(&cc.info.dbm[k].eid, 1, a, sizeof(a)) > 0)
			log_info("database-mapping [%u]%s",
			    cc.info.dbm[k].iid, a);
	for (k = 0; k < dp_keys_decap_count(); k++) {
		const struct dp_keyset *ks = dp_keys_decap_get(k);
		struct dpipc_addr da;

		memset(&da, 0, sizeof(da));
		da.af = ks->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
		da.plen = (uint8_t)(afi_len(ks->afi) * 8);
		memcpy(da.a, ks->addr, 16);
		if (dpipc_addr_fmt(&da, 0, a, sizeof(a)) > 0)
			log_info("decap-key %s port %u key-ids %u", a,
			    ks->port, ks->nkeys);
	}
	for (w = 0; w < cc.nworkers; w++)
		drops += __atomic_load_n(&cc.rings[w].drops, __ATOMIC_RELAXED);
	cc.ctr[CC_PUNT_DROPS] = drops;
	for (k = 0; k < CC_MAX; k++)
		log_info("counter %s %llu", cc_names[k],
		    (unsigned long long)cc.ctr[k]);
	/* Keys lcrypto refused (each also logged once when it came). */
	log_info("counter crypto-keys-refused-poly1305 %llu",
	    (unsigned long long)lcrypto_refused(LCRYPTO_E_POLY1305));
	log_info("counter crypto-keys-refused-chacha %llu",
	    (unsigned long long)lcrypto_refused(LCRYPTO_E_CHACHA));
	log_info("counter crypto-keys-refused-malformed %llu",
	    (unsigned long long)lcrypto_refused(LCRYPTO_E_KEY));
	log_info("counter crypto-encap-key-slots %zu", dp_keys_encap_count());
	log_info("counter crypto-decap-key-sets %zu", dp_keys_decap_count());
}
