/* SPDX-License-Identifier: ISC */
/*
 * The control socket, data-plane side (see dp_ctl.h for the protocol).
 *
 * Everything runs on the data-plane main thread, which is also the only
 * map-cache writer, so walks and edits need no locking; the workers keep
 * reading the map-cache lock-free meanwhile.  What keeps forwarding and
 * the loop responsive is the pacing: a reply that walks the map-cache
 * (show map-cache, show statistics, show rlocs, metrics, map-cache flush)
 * is a "stream" that advances in steps of CTL_CHUNK entries, for at most
 * CTL_SLICE_NS per event-loop iteration and only while its client's
 * output queue is below CTL_HWM.  A
 * client that stops reading stops costing CPU; one that disconnects is
 * freed with its stream at once (the cursor holds no reference).
 *
 * Record lines are written by hand (numbers, addresses and fixed words,
 * plus ob_str() for the rare free text), requests are parsed with json-c.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ev.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "config.h"
#include "dp.h"
#include "dp_ctl.h"
#include "log.h"
#include "mapcache.h"

#define CTL_CHUNK	256		/* entries per step */
#define CTL_SLICE_NS	500000ULL	/* steps per loop iteration: 0.5 ms */
#define CTL_HWM		(256 * 1024)	/* stop producing above this */
#define CTL_CP_TIMEOUT	3.		/* seconds for the control plane */
#define CTL_RELOAD_TIMEOUT 10.		/* seconds for the parent */
/* Map-cache entries added by lispctl: "until deleted" (as the CP's). */
#define CTL_TTL		(10U * 365 * 86400)

/* Append a string literal. */
#define OB_LIT(o, s)	ob_add((o), (s), sizeof(s) - 1)

struct obuf {
	char		*b;
	size_t		 off, len, cap;
	int		 err;		/* allocation failed: drop the client */
};

/* One distinct RLOC address, summed over the RLOC sets using it. */
struct ragg {
	uint8_t		 used;
	uint8_t		 afi;
	uint8_t		 up;
	uint8_t		 addr[16];
	uint64_t	 entries, packets, bytes;
	uint32_t	 last_used;
};

struct rtab {
	struct ragg	*v;
	size_t		 n, cap;	/* cap: power of two */
	const void	**sets;		/* RLOC sets already summed */
	size_t		 nsets, capsets;
};

enum st_kind {
	ST_MAPCACHE,		/* show map-cache [iid N] */
	ST_COVER,		/* show map-cache PREFIX without iid */
	ST_STATS,		/* show statistics */
	ST_RLOCS,		/* show rlocs */
	ST_METRICS,		/* metrics */
	ST_FLUSH,		/* map-cache flush */
};

struct stream {
	enum st_kind		 kind;
	int			 phase;
	int			 has_iid;
	uint32_t		 iid;
	struct mapcache_cursor	 cur;
	uint64_t		 count;
	uint32_t		 now;		/* map-cache clock */
	struct rtab		 rt;
	/* ST_COVER: the address and the best entry id per iid. */
	uint8_t			 afi;
	uint8_t			 addr[16];
	struct { uint32_t iid, id; uint8_t plen; } *best;
	size_t			 nbest;
	/* ST_FLUSH: prefixes of the current chunk. */
	struct mapcache_prefix	*del;
	size_t			 ndel;
};

enum wait_kind { WAIT_NONE, WAIT_RELOAD, WAIT_CP };

struct ctl_client {
	LIST_ENTRY(ctl_client)	 entry;
	int			 fd;
	ev_io			 rio, wio;
	ev_timer		 timer;
	char			*in;
	size_t			 inlen;
	struct obuf		 out;
	struct stream		*st;
	enum wait_kind		 wait;
	uint32_t		 wait_id;
	int			 soft;		/* WAIT_CP: optional part */
	int			 eof;		/* peer shut its write side */
	int			 dead;		/* close once flushed */
	int			 shut;		/* dead, write side shut */
	size_t			 drained;	/* bytes discarded since */
};

static struct {
	struct ev_loop		*loop;
	struct dp_ctl_hooks	 hooks;
	int			 lfd;
	ev_io			 lio;
	LIST_HEAD(, ctl_client)	 clients;
	unsigned int		 nclients;
	uint32_t		 next_id;
	char			*config;	/* show config text */
	size_t			 configlen;
	char			*db;		/* show database records */
	size_t			 dblen;
	int			 inited;
} ctl = { .lfd = -1 };

static void	client_run(struct ctl_client *);
static void	client_close(struct ctl_client *);
static void	req_cp(struct ctl_client *, const char *, int);

/* --- output buffer ----------------------------------------------------- */

static int
ob_reserve(struct obuf *o, size_t n)
{
	char	*nb;
	size_t	 cap;

	if (o->err)
		return -1;
	if (o->off > 0 && (o->off == o->len || o->cap - o->len < n)) {
		memmove(o->b, o->b + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	if (o->cap - o->len >= n)
		return 0;
	cap = o->cap == 0 ? 4096 : o->cap;
	while (cap - o->len < n)
		cap *= 2;
	if ((nb = realloc(o->b, cap)) == NULL) {
		o->err = 1;
		return -1;
	}
	o->b = nb;
	o->cap = cap;
	return 0;
}

static void
ob_add(struct obuf *o, const char *s, size_t n)
{
	if (ob_reserve(o, n) == -1)
		return;
	memcpy(o->b + o->len, s, n);
	o->len += n;
}

static void __attribute__((format(printf, 2, 3)))
ob_printf(struct obuf *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (ob_reserve(o, 256) == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->cap - o->len) {
		if (ob_reserve(o, (size_t)n + 1) == -1)
			return;
		va_start(ap, fmt);
		(void)vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
}

/* A JSON string literal of s[0..n). */
static void
ob_str(struct obuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 k;

	OB_LIT(o, "\"");
	for (k = 0; k < n; k++) {
		unsigned char	 ch = (unsigned char)s[k];
		char		 e[6] = { '\\', 'u', '0', '0', 0, 0 };

		if (ch == '"' || ch == '\\') {
			e[1] = (char)ch;
			ob_add(o, e, 2);
		} else if (ch == '\n')
			OB_LIT(o, "\\n");
		else if (ch == '\t')
			OB_LIT(o, "\\t");
		else if (ch < 0x20 || ch == 0x7f) {
			e[4] = hex[ch >> 4];
			e[5] = hex[ch & 15];
			ob_add(o, e, 6);
		} else
			ob_add(o, (const char *)&s[k], 1);
	}
	OB_LIT(o, "\"");
}

static size_t
ob_pending(const struct obuf *o)
{
	return o->len - o->off;
}

static void
reply_ok(struct ctl_client *c)
{
	OB_LIT(&c->out, "{\"status\":\"ok\"}\n");
}

static void __attribute__((format(printf, 2, 3)))
reply_err(struct ctl_client *c, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	OB_LIT(&c->out, "{\"status\":\"error\",\"error\":");
	ob_str(&c->out, msg, strlen(msg));
	OB_LIT(&c->out, "}\n");
}

/* --- formatting -------------------------------------------------------- */

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t
mc_now(void)
{
	struct timespec	 ts;

	/* The clock dp.c gives mapcache_expire(). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec + 1;
}

static const char *
addr_str(uint8_t afi, const uint8_t *a, char *buf, size_t len)
{
	if (afi == MAPCACHE_AF_IPV4)
		return inet_ntop(AF_INET, a, buf, (socklen_t)len);
	if (afi == MAPCACHE_AF_IPV6)
		return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	if (afi == MAPCACHE_AF_MAC && len >= 18) {
		snprintf(buf, len, "%02x%02x-%02x%02x-%02x%02x", a[0], a[1],
		    a[2], a[3], a[4], a[5]);
		return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}

static const char *
state_name(uint8_t s)
{
	switch (s) {
	case MAPCACHE_POSITIVE:
		return "positive";
	case MAPCACHE_NEG_NATIVE:
		return "native-forward";
	case MAPCACHE_NEG_SEND_MR:
		return "send-map-request";
	case MAPCACHE_NEG_DROP:
		return "drop";
	case MAPCACHE_PENDING:
		return "pending";
	}
	return "unknown";
}

/* "last-used": seconds ago, or null when never used. */
static void
ob_ago(struct obuf *o, const char *key, uint32_t t, uint32_t now)
{
	if (t == 0)
		ob_printf(o, ",\"%s\":null", key);
	else
		ob_printf(o, ",\"%s\":%u", key, now > t ? now - t : 0);
}

static void
fmt_entry(struct obuf *o, const struct mapcache_entry *e, uint32_t now)
{
	struct mapcache_counters ec, rc[MAPCACHE_MAX_RLOCS];
	char		 a[INET6_ADDRSTRLEN];
	unsigned int	 k, n = mapcache_rloc_count(e);

	mapcache_counters(dp_g.mc, e, &ec, rc);
	ob_printf(o, "{\"iid\":%u,\"eid-prefix\":\"%s/%u\",\"state\":\"%s\","
	    "\"static\":%s", mapcache_entry_iid(e),
	    addr_str(e->afi, e->eid, a, sizeof(a)), e->plen,
	    state_name(e->state),
	    e->flags & MAPCACHE_F_STATIC ? "true" : "false");
	/*
	 * Static entries never expire; entries from the control plane (and
	 * from "map-cache add") carry a ten-year TTL because the control
	 * plane deletes them itself: neither has an expiry worth showing.
	 */
	if (e->flags & MAPCACHE_F_STATIC ||
	    (e->expires > now && e->expires - now > 365U * 86400))
		OB_LIT(o, ",\"expires-in\":null");
	else
		ob_printf(o, ",\"expires-in\":%u", e->expires > now ?
		    e->expires - now : 0);
	ob_printf(o, ",\"packets\":%llu,\"bytes\":%llu",
	    (unsigned long long)ec.packets, (unsigned long long)ec.bytes);
	ob_ago(o, "last-used", ec.last_used, now);
	OB_LIT(o, ",\"rlocs\":[");
	for (k = 0; k < n; k++) {
		const struct mapcache_rloc *r = mapcache_rloc_get(e, k);

		ob_printf(o, "%s{\"address\":\"%s\",\"port\":%u,\"priority\":%u,"
		    "\"weight\":%u,\"up\":%s,\"packets\":%llu,\"bytes\":%llu",
		    k > 0 ? "," : "", addr_str((uint8_t)r->afi, r->addr, a,
		    sizeof(a)), r->port != 0 ? r->port : 4341, r->priority,
		    r->weight, r->up ? "true" : "false",
		    (unsigned long long)rc[k].packets,
		    (unsigned long long)rc[k].bytes);
		ob_ago(o, "last-used", rc[k].last_used, now);
		OB_LIT(o, "}");
	}
	OB_LIT(o, "]}\n");
}

/* --- RLOC aggregation (show rlocs, metrics) ---------------------------- */

static uint32_t
hash_bytes(const uint8_t *p, size_t n, uint32_t h)
{
	size_t	 k;

	for (k = 0; k < n; k++)
		h = (h ^ p[k]) * 16777619U;
	return h;
}

static struct ragg *
rtab_get(struct rtab *t, uint8_t afi, const uint8_t *addr)
{
	struct ragg	*nv;
	size_t		 k, i, cap;

	if (t->n * 2 >= t->cap) {
		cap = t->cap == 0 ? 64 : t->cap * 2;
		if ((nv = calloc(cap, sizeof(*nv))) == NULL)
			return NULL;
		for (k = 0; k < t->cap; k++) {
			if (!t->v[k].used)
				continue;
			i = hash_bytes(t->v[k].addr, 16, 2166136261U ^
			    t->v[k].afi) & (cap - 1);
			while (nv[i].used)
				i = (i + 1) & (cap - 1);
			nv[i] = t->v[k];
		}
		free(t->v);
		t->v = nv;
		t->cap = cap;
	}
	i = hash_bytes(addr, 16, 2166136261U ^ afi) & (t->cap - 1);
	while (t->v[i].used) {
		if (t->v[i].afi == afi && memcmp(t->v[i].addr, addr, 16) == 0)
			return &t->v[i];
		i = (i + 1) & (t->cap - 1);
	}
	t->v[i].used = 1;
	t->v[i].afi = afi;
	memcpy(t->v[i].addr, addr, 16);
	t->n++;
	return &t->v[i];
}

/* 1 when set was seen before (its counters are summed once). */
static int
rtab_set_seen(struct rtab *t, const void *set)
{
	const void	**nv;
	size_t		 k, i, cap;
	uintptr_t	 p = (uintptr_t)set;

	if (t->nsets * 2 >= t->capsets) {
		cap = t->capsets == 0 ? 256 : t->capsets * 2;
		if ((nv = calloc(cap, sizeof(*nv))) == NULL)
			return 1;	/* undercount rather than fail */
		for (k = 0; k < t->capsets; k++) {
			if (t->sets[k] == NULL)
				continue;
			i = ((uintptr_t)t->sets[k] >> 4) * 2654435761U &
			    (cap - 1);
			while (nv[i] != NULL)
				i = (i + 1) & (cap - 1);
			nv[i] = t->sets[k];
		}
		free(t->sets);
		t->sets = nv;
		t->capsets = cap;
	}
	i = (p >> 4) * 2654435761U & (t->capsets - 1);
	while (t->sets[i] != NULL) {
		if (t->sets[i] == set)
			return 1;
		i = (i + 1) & (t->capsets - 1);
	}
	t->sets[i] = set;
	t->nsets++;
	return 0;
}

static void
rtab_add_entry(struct rtab *t, const struct mapcache_entry *e)
{
	struct mapcache_counters ec, rc[MAPCACHE_MAX_RLOCS];
	unsigned int	 k, n = mapcache_rloc_count(e);
	struct ragg	*g;
	int		 seen;

	if (n == 0)
		return;
	seen = rtab_set_seen(t, mapcache_entry_rlocs(e));
	if (!seen)
		mapcache_counters(dp_g.mc, e, &ec, rc);
	for (k = 0; k < n; k++) {
		const struct mapcache_rloc *r = mapcache_rloc_get(e, k);

		if ((g = rtab_get(t, (uint8_t)r->afi, r->addr)) == NULL)
			continue;
		g->entries++;
		g->up |= r->up != 0;
		if (seen)
			continue;
		g->packets += rc[k].packets;
		g->bytes += rc[k].bytes;
		if (rc[k].last_used > g->last_used)
			g->last_used = rc[k].last_used;
	}
}

static void
rtab_free(struct rtab *t)
{
	free(t->v);
	free(t->sets);
	memset(t, 0, sizeof(*t));
}

/* --- counters ---------------------------------------------------------- */

static uint64_t
ctr_sum(unsigned int k)
{
	uint64_t	 sum = 0;
	unsigned int	 w;

	for (w = 0; w < dp_g.nworkers; w++)
		if (dp_g.workers != NULL && dp_g.workers[w] != NULL)
			sum += dp_worker_counter(dp_g.workers[w], k);
	return sum;
}

/* The seven decapsulation counters of the legacy data plane. */
static const char *const decap_names[] = {
	"good-packets", "ICV-error", "checksum-error", "lisp-header-error",
	"no-decrypt-key", "bad-inner-version", "outer-header-error",
};
#define NDECAP	(sizeof(decap_names) / sizeof(decap_names[0]))

static void
decap_sums(uint64_t *sum)
{
	unsigned int	 k, i;
	const char	*n;

	memset(sum, 0, NDECAP * sizeof(*sum));
	sum[0] = ctr_sum(DPC_ETR_PACKETS);
	for (k = 1; k < DP_DROP_MAX; k++) {
		if ((n = dp_drop_decap_stat((enum dp_drop)k)) == NULL)
			continue;
		for (i = 1; i < NDECAP; i++)
			if (strcmp(n, decap_names[i]) == 0)
				sum[i] += ctr_sum(k);
	}
}

/* Prometheus metric name of a counter: lisp_ztr_<name, - as _>_total. */
static void
prom_name(const char *name, char *buf, size_t len)
{
	size_t	 k;

	snprintf(buf, len, "lisp_ztr_%s", name);
	for (k = 0; buf[k] != '\0'; k++)
		if (buf[k] == '-')
			buf[k] = '_';
}

/* --- streams ----------------------------------------------------------- */

static void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	rtab_free(&s->rt);
	free(s->best);
	free(s->del);
	free(s);
}

struct walk_arg {
	struct ctl_client	*c;
	struct stream		*s;
};

static int
walk_cb(const struct mapcache_entry *e, void *arg)
{
	struct walk_arg		*wa = arg;
	struct stream		*s = wa->s;
	struct obuf		*o = &wa->c->out;
	struct mapcache_counters ec;
	char			 a[INET6_ADDRSTRLEN];
	size_t			 k, bits, n;

	if (s->has_iid && mapcache_entry_iid(e) != s->iid)
		return 0;
	switch (s->kind) {
	case ST_MAPCACHE:
		fmt_entry(o, e, s->now);
		s->count++;
		break;
	case ST_COVER:
		if (e->afi != s->afi)
			break;
		/* Does e's prefix cover the address? */
		bits = e->plen;
		n = bits / 8;
		if (memcmp(e->eid, s->addr, n) != 0)
			break;
		if (bits % 8 != 0 && ((e->eid[n] ^ s->addr[n]) &
		    (0xff00 >> (bits % 8))) != 0)
			break;
		for (k = 0; k < s->nbest; k++)
			if (s->best[k].iid == mapcache_entry_iid(e))
				break;
		if (k == s->nbest) {
			void *nb = realloc(s->best, (k + 1) *
			    sizeof(*s->best));

			if (nb == NULL)
				break;
			s->best = nb;
			s->nbest++;
			s->best[k].iid = mapcache_entry_iid(e);
			s->best[k].plen = 0;
			s->best[k].id = UINT32_MAX;
		}
		if (s->best[k].id == UINT32_MAX || e->plen > s->best[k].plen) {
			s->best[k].id = mapcache_entry_id(e);
			s->best[k].plen = e->plen;
		}
		break;
	case ST_STATS:
		mapcache_counters(dp_g.mc, e, &ec, NULL);
		if (ec.packets == 0)
			break;
		OB_LIT(o, "{\"eid-statistics\":");
		fmt_entry(o, e, s->now);
		/* fmt_entry ended the line: close the wrapper before it. */
		o->len--;
		OB_LIT(o, "}\n");
		s->count++;
		break;
	case ST_RLOCS:
		rtab_add_entry(&s->rt, e);
		break;
	case ST_METRICS:
		if (e->afi != MAPCACHE_AF_IPV4 && e->afi != MAPCACHE_AF_IPV6)
			break;
		if (s->phase == 1)
			rtab_add_entry(&s->rt, e);
		mapcache_counters(dp_g.mc, e, &ec, NULL);
		if (ec.packets == 0)
			break;
		ob_printf(o, "lisp_ztr_eid_%s_total{iid=\"%u\",prefix=\"%s/%u\"}"
		    " %llu\n", s->phase == 1 ? "packets" : "bytes",
		    mapcache_entry_iid(e), addr_str(e->afi, e->eid, a, sizeof(a)), e->plen,
		    (unsigned long long)(s->phase == 1 ? ec.packets :
		    ec.bytes));
		break;
	case ST_FLUSH:
		if (e->flags & MAPCACHE_F_STATIC)
			break;
		s->del[s->ndel].iid = mapcache_entry_iid(e);
		s->del[s->ndel].afi = e->afi;
		s->del[s->ndel].plen = e->plen;
		memcpy(s->del[s->ndel].addr, e->eid, 16);
		s->ndel++;
		break;
	}
	return 0;
}

/* Wrap the text accumulated from mark on as one {"text": ...} record. */
static void
text_record(struct obuf *o, size_t mark)
{
	char	*t;
	size_t	 n = o->len - mark;

	if (n == 0)
		return;
	if ((t = malloc(n)) == NULL) {
		o->err = 1;
		return;
	}
	memcpy(t, o->b + mark, n);
	o->len = mark;
	OB_LIT(o, "{\"text\":");
	ob_str(o, t, n);
	OB_LIT(o, "}\n");
	free(t);
}

static void
metrics_head(struct obuf *o)
{
	struct mapcache_info	 mi;
	uint64_t		 ds[NDECAP];
	unsigned int		 k;
	char			 name[96];

	ob_printf(o, "# HELP lisp_ztr_drops_total Packets the data plane "
	    "dropped or ignored, by reason.\n"
	    "# TYPE lisp_ztr_drops_total counter\n");
	for (k = 1; k < DP_DROP_MAX; k++)
		ob_printf(o, "lisp_ztr_drops_total{reason=\"%s\"} %llu\n",
		    dp_drop_name((enum dp_drop)k),
		    (unsigned long long)ctr_sum(k));
	decap_sums(ds);
	ob_printf(o, "# HELP lisp_ztr_decap_packets_total Decapsulation "
	    "outcomes under the legacy lisp-ztr names.\n"
	    "# TYPE lisp_ztr_decap_packets_total counter\n");
	for (k = 0; k < NDECAP; k++)
		ob_printf(o, "lisp_ztr_decap_packets_total{reason=\"%s\"} "
		    "%llu\n", decap_names[k], (unsigned long long)ds[k]);
	for (k = DP_DROP_MAX; k < DPC_MAX; k++) {
		prom_name(dp_ctr_name(k), name, sizeof(name));
		ob_printf(o, "# HELP %s_total Data-plane counter %s.\n"
		    "# TYPE %s_total counter\n%s_total %llu\n", name,
		    dp_ctr_name(k), name, name,
		    (unsigned long long)ctr_sum(k));
	}
	mapcache_info(dp_g.mc, &mi);
	ob_printf(o, "# HELP lisp_ztr_map_cache_entries Map-cache entries.\n"
	    "# TYPE lisp_ztr_map_cache_entries gauge\n"
	    "lisp_ztr_map_cache_entries %llu\n"
	    "# HELP lisp_ztr_map_cache_memory_bytes Map-cache memory.\n"
	    "# TYPE lisp_ztr_map_cache_memory_bytes gauge\n"
	    "lisp_ztr_map_cache_memory_bytes %llu\n"
	    "# HELP lisp_ztr_map_cache_evictions_total Entries evicted at "
	    "the per-instance-id bound.\n"
	    "# TYPE lisp_ztr_map_cache_evictions_total counter\n"
	    "lisp_ztr_map_cache_evictions_total %llu\n"
	    "# HELP lisp_ztr_map_cache_expirations_total Entries expired.\n"
	    "# TYPE lisp_ztr_map_cache_expirations_total counter\n"
	    "lisp_ztr_map_cache_expirations_total %llu\n"
	    "# HELP lisp_ztr_ctl_clients Connected control-socket clients.\n"
	    "# TYPE lisp_ztr_ctl_clients gauge\n"
	    "lisp_ztr_ctl_clients %u\n",
	    (unsigned long long)mi.entries,
	    (unsigned long long)(mi.mem_trie + mi.mem_entries +
	    mi.mem_timers + mi.mem_rlocsets + mi.mem_counters + mi.mem_other),
	    (unsigned long long)mi.evictions,
	    (unsigned long long)mi.expirations, ctl.nclients);
}

static void
rlocs_out(struct obuf *o, struct stream *s)
{
	char	 a[INET6_ADDRSTRLEN];
	size_t	 k;

	for (k = 0; k < s->rt.cap; k++) {
		const struct ragg *g = &s->rt.v[k];

		if (!g->used)
			continue;
		if (s->kind == ST_RLOCS) {
			ob_printf(o, "{\"address\":\"%s\",\"up\":%s,"
			    "\"entries\":%llu,\"packets\":%llu,\"bytes\":%llu",
			    addr_str(g->afi, g->addr, a, sizeof(a)),
			    g->up ? "true" : "false",
			    (unsigned long long)g->entries,
			    (unsigned long long)g->packets,
			    (unsigned long long)g->bytes);
			ob_ago(o, "last-used", g->last_used, s->now);
			OB_LIT(o, "}\n");
		} else if (s->phase == 3)
			ob_printf(o, "lisp_ztr_rloc_packets_total{rloc=\"%s\"} "
			    "%llu\n", addr_str(g->afi, g->addr, a, sizeof(a)),
			    (unsigned long long)g->packets);
		else if (s->phase == 4)
			ob_printf(o, "lisp_ztr_rloc_bytes_total{rloc=\"%s\"} "
			    "%llu\n", addr_str(g->afi, g->addr, a, sizeof(a)),
			    (unsigned long long)g->bytes);
		else
			ob_printf(o, "lisp_ztr_rloc_up{rloc=\"%s\"} %d\n",
			    addr_str(g->afi, g->addr, a, sizeof(a)), g->up);
	}
}

static void
stats_head(struct obuf *o)
{
	uint64_t	 ds[NDECAP];
	unsigned int	 k;

	OB_LIT(o, "{\"counters\":{");
	for (k = 1; k < DPC_MAX; k++)
		ob_printf(o, "%s\"%s\":%llu", k > 1 ? "," : "",
		    dp_ctr_name(k), (unsigned long long)ctr_sum(k));
	OB_LIT(o, "}}\n");
	decap_sums(ds);
	OB_LIT(o, "{\"decap-statistics\":{");
	for (k = 0; k < NDECAP; k++)
		ob_printf(o, "%s\"%s\":%llu", k > 0 ? "," : "",
		    decap_names[k], (unsigned long long)ds[k]);
	OB_LIT(o, "}}\n");
}

/*
 * One step of a stream: at most CTL_CHUNK entries.  Returns 1 while more
 * remain, 0 when the stream wrote its status line.
 */
static int
stream_step(struct ctl_client *c)
{
	struct stream		*s = c->st;
	struct walk_arg		 wa = { c, s };
	struct obuf		*o = &c->out;
	size_t			 mark = o->len, k;
	int			 more;

	/* Phase 0 of a stream: its head, before any walking. */
	if (s->phase == 0) {
		s->phase = 1;
		s->now = mc_now();
		if (s->kind == ST_STATS) {
			stats_head(o);
			return 1;
		}
		if (s->kind == ST_METRICS) {
			metrics_head(o);
			ob_printf(o, "# HELP lisp_ztr_eid_packets_total Packets "
			    "encapsulated per map-cache entry (entries that "
			    "carried traffic).\n"
			    "# TYPE lisp_ztr_eid_packets_total counter\n");
			text_record(o, mark);
			return 1;
		}
	}
	more = mapcache_walk(dp_g.mc, &s->cur, CTL_CHUNK, walk_cb, &wa);
	if (s->kind == ST_METRICS)
		text_record(o, mark);
	if (s->kind == ST_FLUSH) {
		for (k = 0; k < s->ndel; k++)
			if (mapcache_delete(dp_g.mc, &s->del[k]) == 0)
				s->count++;
		s->ndel = 0;
	}
	if (more)
		return 1;
	/* End of a walk. */
	switch (s->kind) {
	case ST_COVER:
		for (k = 0; k < s->nbest; k++) {
			const struct mapcache_entry *e;

			/* Entries may have gone meanwhile: look again. */
			rcu_thread_online();
			e = mapcache_lookup(dp_g.mc, s->best[k].iid, s->afi,
			    s->addr);
			if (e != NULL) {
				fmt_entry(o, e, s->now);
				s->count++;
			}
			rcu_thread_offline();
		}
		break;
	case ST_RLOCS:
		rlocs_out(o, s);
		/* The probe state (RTT) is the control plane's. */
		req_cp(c, "show rlocs", 1);
		return 0;
	case ST_METRICS:
		mark = o->len;
		if (s->phase == 1) {
			/* Second pass: bytes (a family is one block). */
			s->phase = 2;
			memset(&s->cur, 0, sizeof(s->cur));
			ob_printf(o, "# HELP lisp_ztr_eid_bytes_total Bytes "
			    "encapsulated per map-cache entry (entries that "
			    "carried traffic).\n"
			    "# TYPE lisp_ztr_eid_bytes_total counter\n");
			text_record(o, mark);
			return 1;
		}
		ob_printf(o, "# HELP lisp_ztr_rloc_packets_total Packets sent "
		    "to each RLOC.\n"
		    "# TYPE lisp_ztr_rloc_packets_total counter\n");
		s->phase = 3;
		rlocs_out(o, s);
		ob_printf(o, "# HELP lisp_ztr_rloc_bytes_total Bytes sent to "
		    "each RLOC.\n"
		    "# TYPE lisp_ztr_rloc_bytes_total counter\n");
		s->phase = 4;
		rlocs_out(o, s);
		ob_printf(o, "# HELP lisp_ztr_rloc_up Reachability of each "
		    "RLOC (1 up, 0 down).\n"
		    "# TYPE lisp_ztr_rloc_up gauge\n");
		s->phase = 5;
		rlocs_out(o, s);
		text_record(o, mark);
		break;
	case ST_FLUSH:
		__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
		ob_printf(o, "{\"status\":\"ok\",\"deleted\":%llu}\n",
		    (unsigned long long)s->count);
		return 0;
	default:
		break;
	}
	if (s->kind == ST_MAPCACHE || s->kind == ST_COVER)
		ob_printf(o, "{\"status\":\"ok\",\"count\":%llu}\n",
		    (unsigned long long)s->count);
	else
		reply_ok(c);
	return 0;
}

static struct stream *
stream_new(struct ctl_client *c, enum st_kind kind)
{
	struct stream	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		reply_err(c, "out of memory");
		return NULL;
	}
	s->kind = kind;
	if (kind == ST_FLUSH &&
	    (s->del = calloc(CTL_CHUNK, sizeof(*s->del))) == NULL) {
		free(s);
		reply_err(c, "out of memory");
		return NULL;
	}
	/* Streams without a head start walking at once. */
	if (kind != ST_STATS && kind != ST_METRICS) {
		s->phase = 1;
		s->now = mc_now();
	}
	c->st = s;
	return s;
}

/* --- requests ---------------------------------------------------------- */

/* "iid" member: 0 absent, 1 present (*iid set), -1 invalid (replied). */
static int
req_iid(struct ctl_client *c, json_object *req, uint32_t *iid)
{
	json_object	*v;
	int64_t		 n;

	if (!json_object_object_get_ex(req, "iid", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) < 0 || n > UINT32_MAX) {
		reply_err(c, "iid: an integer 0..4294967295");
		return -1;
	}
	*iid = (uint32_t)n;
	return 1;
}

static const char *
req_str(json_object *req, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "a.b.c.d[/len]" or "x:y::z[/len]": afi, bytes, plen (default host). */
static int
parse_prefix(const char *s, uint8_t *afi, uint8_t *addr, uint8_t *plen)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 n;
	unsigned int	 max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*afi = MAPCACHE_AF_IPV4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*afi = MAPCACHE_AF_IPV6;
		max = 128;
	} else
		return -1;
	*plen = (uint8_t)max;
	if (slash != NULL) {
		errno = 0;
		n = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno != 0 || n < 0 ||
		    n > (long)max)
			return -1;
		*plen = (uint8_t)n;
	}
	return 0;
}

static void
req_show_mapcache(struct ctl_client *c, json_object *req)
{
	const struct mapcache_entry *e;
	struct stream	*s;
	const char	*pfx;
	uint32_t	 iid = 0;
	uint8_t		 afi, addr[16], plen;
	int		 has;

	if ((has = req_iid(c, req, &iid)) == -1)
		return;
	if ((pfx = req_str(req, "prefix")) == NULL) {
		if ((s = stream_new(c, ST_MAPCACHE)) == NULL)
			return;
		s->has_iid = has;
		s->iid = iid;
		return;
	}
	if (parse_prefix(pfx, &afi, addr, &plen) == -1) {
		reply_err(c, "prefix: not an IPv4 or IPv6 prefix: %s", pfx);
		return;
	}
	if (!has) {
		/* Every instance-id: a paced walk finds each one's match. */
		if ((s = stream_new(c, ST_COVER)) == NULL)
			return;
		s->afi = afi;
		memcpy(s->addr, addr, 16);
		return;
	}
	rcu_thread_online();
	if ((e = mapcache_lookup(dp_g.mc, iid, afi, addr)) != NULL)
		fmt_entry(&c->out, e, mc_now());
	rcu_thread_offline();
	ob_printf(&c->out, "{\"status\":\"ok\",\"count\":%d}\n",
	    e != NULL ? 1 : 0);
}

static int
parse_rloc(json_object *r, struct mapcache_rloc *out, char *err, size_t len)
{
	json_object	*v;
	const char	*a = req_str(r, "address");
	uint8_t		 afi, plen;
	int64_t		 n;

	memset(out, 0, sizeof(*out));
	out->key_slot = MAPCACHE_NO_KEY;
	out->up = 1;
	out->priority = 1;
	out->weight = 100;
	out->mpriority = 255;
	if (a == NULL || strchr(a, '/') != NULL ||
	    parse_prefix(a, &afi, out->addr, &plen) == -1) {
		snprintf(err, len, "rloc: an IPv4 or IPv6 address is needed");
		return -1;
	}
	out->afi = afi;
	if (json_object_object_get_ex(r, "priority", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) < 0 || n > 255) {
			snprintf(err, len, "priority: 0..255");
			return -1;
		}
		out->priority = (uint8_t)n;
	}
	if (json_object_object_get_ex(r, "weight", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    (n = json_object_get_int64(v)) < 0 || n > 100) {
			snprintf(err, len, "weight: 0..100");
			return -1;
		}
		out->weight = (uint8_t)n;
	}
	return 0;
}

static void
req_mapcache_edit(struct ctl_client *c, json_object *req, int add)
{
	struct mapcache_rloc	 rl[MAPCACHE_MAX_RLOCS];
	struct mapcache_prefix	 p;
	const struct mapcache_entry *e;
	json_object		*arr;
	const char		*pfx;
	char			 err[128];
	size_t			 k, n = 0;
	uint32_t		 iid = 0;

	memset(&p, 0, sizeof(p));
	if (req_iid(c, req, &iid) == -1)
		return;
	if ((pfx = req_str(req, "prefix")) == NULL ||
	    parse_prefix(pfx, &p.afi, p.addr, &p.plen) == -1) {
		reply_err(c, "prefix: an IPv4 or IPv6 prefix is needed");
		return;
	}
	p.iid = iid;
	if (!add) {
		if (mapcache_delete(dp_g.mc, &p) == -1) {
			reply_err(c, "no map-cache entry [%u]%s", iid, pfx);
			return;
		}
		__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
		reply_ok(c);
		return;
	}
	if (!json_object_object_get_ex(req, "rlocs", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0 ||
	    n > MAPCACHE_MAX_RLOCS) {
		reply_err(c, "rlocs: 1 to %d RLOCs are needed",
		    MAPCACHE_MAX_RLOCS);
		return;
	}
	for (k = 0; k < n; k++)
		if (parse_rloc(json_object_array_get_idx(arr, k), &rl[k], err,
		    sizeof(err)) == -1) {
			reply_err(c, "%s", err);
			return;
		}
	/* A configured entry stays the configuration's. */
	if ((e = mapcache_find(dp_g.mc, &p)) != NULL &&
	    (e->flags & MAPCACHE_F_STATIC)) {
		reply_err(c, "[%u]%s is a configured entry", iid, pfx);
		return;
	}
	if (mapcache_insert(dp_g.mc, &p, MAPCACHE_POSITIVE, CTL_TTL, rl, n,
	    0) == -1) {
		reply_err(c, "map-cache insert: %s", strerror(errno));
		return;
	}
	/* Workers send what they held for this destination. */
	__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
	reply_ok(c);
}

static void
req_log_level(struct ctl_client *c, json_object *req)
{
	const char	*l = req_str(req, "level");
	int		 level;

	if (l == NULL) {
		reply_err(c, "level: warn, info or debug");
		return;
	}
	if (strcmp(l, "warn") == 0)
		level = LOG_LVL_WARN;
	else if (strcmp(l, "info") == 0)
		level = LOG_LVL_INFO;
	else if (strcmp(l, "debug") == 0)
		level = LOG_LVL_DEBUG;
	else {
		reply_err(c, "level: warn, info or debug, not %s", l);
		return;
	}
	log_setlevel(level);
	log_info("log level %s", l);
	if (ctl.hooks.log_level != NULL && ctl.hooks.log_level(level) == -1) {
		reply_err(c, "log level set in the data plane only");
		return;
	}
	reply_ok(c);
}

static void
cp_unavailable(struct ctl_client *c, const char *why)
{
	if (!c->soft) {
		reply_err(c, "%s", why);
		return;
	}
	OB_LIT(&c->out, "{\"status\":\"ok\",\"warning\":");
	ob_str(&c->out, why, strlen(why));
	OB_LIT(&c->out, "}\n");
}

static void
wait_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ctl_client	*c = t->data;

	(void)loop;
	(void)revents;
	if (c->shut) {
		client_close(c);
		return;
	}
	if (c->wait == WAIT_RELOAD)
		reply_err(c, "the parent did not answer the reload request");
	else
		cp_unavailable(c, "control plane not available (no answer)");
	c->wait = WAIT_NONE;
	client_run(c);
}

static void
wait_start(struct ctl_client *c, enum wait_kind k, uint32_t id, double tmo)
{
	c->wait = k;
	c->wait_id = id;
	ev_timer_set(&c->timer, tmo, 0.);
	ev_timer_start(ctl.loop, &c->timer);
}

static void
req_reload(struct ctl_client *c)
{
	uint32_t	 id = ++ctl.next_id;

	if (ctl.hooks.reload == NULL || ctl.hooks.reload(id) == -1) {
		reply_err(c, "cannot ask the parent to reload");
		return;
	}
	wait_start(c, WAIT_RELOAD, id, CTL_RELOAD_TIMEOUT);
}

/*
 * Ask the control plane.  soft: its part is optional (show rlocs): when
 * it cannot answer, the reply still ends "ok", with a warning.
 */
static void
req_cp(struct ctl_client *c, const char *cmd, int soft)
{
	struct obuf	 o;
	uint32_t	 id = ++ctl.next_id;
	int		 rc = -1;

	memset(&o, 0, sizeof(o));
	ob_printf(&o, "{\"type\":\"ztr-ctl-request\",\"id\":%u,\"command\":",
	    id);
	ob_str(&o, cmd, strlen(cmd));
	OB_LIT(&o, "}");
	if (!o.err && ctl.hooks.cp_send != NULL)
		rc = ctl.hooks.cp_send(o.b, o.len);
	free(o.b);
	c->soft = soft;
	if (rc == -1) {
		cp_unavailable(c, "control plane not available");
		return;
	}
	wait_start(c, WAIT_CP, id, CTL_CP_TIMEOUT);
}

static void
handle_request(struct ctl_client *c, const char *line, size_t len)
{
	struct json_tokener	*tok;
	json_object		*req;
	const char		*cmd;

	if ((tok = json_tokener_new()) == NULL) {
		reply_err(c, "out of memory");
		return;
	}
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (req == NULL || tok->char_offset != (int)len) {
		reply_err(c, "malformed request: %s", req == NULL ?
		    json_tokener_error_desc(json_tokener_get_error(tok)) :
		    "trailing bytes after the JSON object");
		json_object_put(req);
		json_tokener_free(tok);
		return;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(req, json_type_object)) {
		reply_err(c, "malformed request: not a JSON object");
		goto done;
	}
	if ((cmd = req_str(req, "command")) == NULL) {
		reply_err(c, "malformed request: no \"command\" string");
		goto done;
	}
	log_debug("ctl: %s", cmd);
	if (strcmp(cmd, "show map-cache") == 0)
		req_show_mapcache(c, req);
	else if (strcmp(cmd, "show database") == 0) {
		ob_add(&c->out, ctl.db, ctl.dblen);
		reply_ok(c);
	} else if (strcmp(cmd, "show config") == 0) {
		OB_LIT(&c->out, "{\"text\":");
		ob_str(&c->out, ctl.config != NULL ? ctl.config : "",
		    ctl.configlen);
		OB_LIT(&c->out, "}\n");
		reply_ok(c);
	} else if (strcmp(cmd, "show statistics") == 0)
		(void)stream_new(c, ST_STATS);
	else if (strcmp(cmd, "show rlocs") == 0)
		(void)stream_new(c, ST_RLOCS);
	else if (strcmp(cmd, "metrics") == 0)
		(void)stream_new(c, ST_METRICS);
	else if (strcmp(cmd, "show sites") == 0)
		req_cp(c, cmd, 0);
	else if (strcmp(cmd, "map-cache add") == 0)
		req_mapcache_edit(c, req, 1);
	else if (strcmp(cmd, "map-cache delete") == 0)
		req_mapcache_edit(c, req, 0);
	else if (strcmp(cmd, "map-cache flush") == 0) {
		uint32_t	 iid;
		int		 has;
		struct stream	*s;

		if ((has = req_iid(c, req, &iid)) != -1 &&
		    (s = stream_new(c, ST_FLUSH)) != NULL) {
			s->has_iid = has;
			s->iid = iid;
		}
	} else if (strcmp(cmd, "log-level") == 0)
		req_log_level(c, req);
	else if (strcmp(cmd, "reload") == 0)
		req_reload(c);
	else
		reply_err(c, "unknown command: %s", cmd);
done:
	json_object_put(req);
}

/* --- clients ----------------------------------------------------------- */

static int
busy(const struct ctl_client *c)
{
	return c->st != NULL || c->wait != WAIT_NONE ||
	    ob_pending(&c->out) >= CTL_HWM;
}

/* Answer every complete request line, in order, until one keeps us busy. */
static void
process_input(struct ctl_client *c)
{
	char	*nl;
	size_t	 n;

	while (!busy(c) && !c->dead && c->inlen > 0) {
		nl = memchr(c->in, '\n', c->inlen);
		if (nl == NULL) {
			if (c->inlen > DP_CTL_REQ_MAX) {
				reply_err(c, "request longer than %d bytes",
				    DP_CTL_REQ_MAX);
				/* No way to find the next request: close. */
				c->dead = 1;
				c->inlen = 0;
				return;
			}
			if (!c->eof)
				return;
			/* The last request may lack its newline. */
			nl = c->in + c->inlen;
		}
		n = (size_t)(nl - c->in);
		if (n > DP_CTL_REQ_MAX) {
			reply_err(c, "request longer than %d bytes",
			    DP_CTL_REQ_MAX);
			c->dead = 1;
			c->inlen = 0;
			return;
		}
		if (n > 0 && c->in[n - 1] == '\r')
			n--;
		if (n > 0)
			handle_request(c, c->in, n);
		n = (size_t)(nl - c->in);
		n = n < c->inlen ? n + 1 : n;
		memmove(c->in, c->in + n, c->inlen - n);
		c->inlen -= n;
	}
}

static int
client_flush(struct ctl_client *c)
{
	struct obuf	*o = &c->out;
	ssize_t		 n;

	while (ob_pending(o) > 0) {
		n = send(c->fd, o->b + o->off, ob_pending(o),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		o->off += (size_t)n;
	}
	o->off = o->len = 0;
	return 0;
}

/* The client's whole state machine; may free c. */
static void
client_run(struct ctl_client *c)
{
	/*
	 * Steps until the queue reaches the high-water mark or the time
	 * slice is spent: the loop (the parent channel, the CP channel,
	 * other clients, timers) waits at most CTL_SLICE_NS for us.
	 */
	if (c->st != NULL) {
		uint64_t	 t0 = mono_ns();

		while (c->st != NULL && ob_pending(&c->out) < CTL_HWM) {
			if (stream_step(c) == 0) {
				stream_free(c->st);
				c->st = NULL;
			}
			if (mono_ns() - t0 > CTL_SLICE_NS)
				break;
		}
	}
	process_input(c);
	if (c->out.err || client_flush(c) == -1) {
		client_close(c);
		return;
	}
	if (c->dead && ob_pending(&c->out) == 0 && !busy(c)) {
		/*
		 * Closing with unread input would reset the connection and
		 * could destroy the error reply before the client reads it:
		 * shut our side, then drain until the client closes (2 s and
		 * 1 MiB at most).
		 */
		if (!c->shut) {
			c->shut = 1;
			(void)shutdown(c->fd, SHUT_WR);
			ev_io_stop(ctl.loop, &c->wio);
			ev_timer_set(&c->timer, 2., 0.);
			ev_timer_start(ctl.loop, &c->timer);
			ev_io_start(ctl.loop, &c->rio);
		}
		return;
	}
	if (ob_pending(&c->out) > 0 || c->st != NULL)
		ev_io_start(ctl.loop, &c->wio);
	else
		ev_io_stop(ctl.loop, &c->wio);
	if (!c->eof && !c->dead && !busy(c) &&
	    c->inlen <= DP_CTL_REQ_MAX)
		ev_io_start(ctl.loop, &c->rio);
	else
		ev_io_stop(ctl.loop, &c->rio);
	if (c->eof && ob_pending(&c->out) == 0 && !busy(c) && c->inlen == 0)
		client_close(c);
}

static void
client_close(struct ctl_client *c)
{
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_stop(ctl.loop, &c->wio);
	ev_timer_stop(ctl.loop, &c->timer);
	close(c->fd);
	LIST_REMOVE(c, entry);
	ctl.nclients--;
	stream_free(c->st);
	free(c->in);
	free(c->out.b);
	free(c);
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = w->data;
	ssize_t			 n;

	(void)loop;
	(void)revents;
	if (c->shut) {
		n = recv(c->fd, c->in, DP_CTL_REQ_MAX + 2, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->drained += (size_t)n) > 1024 * 1024)
			client_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, DP_CTL_REQ_MAX + 2 - c->inlen,
	    MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* Reset by the peer: nothing left to answer. */
		client_close(c);
		return;
	}
	if (n == 0)
		c->eof = 1;
	c->inlen += (size_t)n;
	client_run(c);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_run(w->data);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	static const char full[] = "{\"status\":\"error\",\"error\":"
	    "\"too many clients\"}\n";
	struct ctl_client	*c;
	int			 fd;

	(void)loop;
	(void)revents;
	fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			LOG_RL(LOG_LVL_WARN, "ctl: accept: %s",
			    strerror(errno));
		return;
	}
	if (ctl.nclients >= DP_CTL_CLIENTS_MAX) {
		(void)send(fd, full, sizeof(full) - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		LOG_RL(LOG_LVL_WARN, "ctl: %u clients, one more refused",
		    ctl.nclients);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->in = malloc(DP_CTL_REQ_MAX + 2)) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->timer, wait_timeout_cb, 0., 0.);
	c->rio.data = c->wio.data = c->timer.data = c;
	LIST_INSERT_HEAD(&ctl.clients, c, entry);
	ctl.nclients++;
	ev_io_start(ctl.loop, &c->rio);
}

/* --- API --------------------------------------------------------------- */

void
dp_ctl_init(struct ev_loop *loop, const struct dp_ctl_hooks *hooks)
{
	ctl.loop = loop;
	if (hooks != NULL)
		ctl.hooks = *hooks;
	LIST_INIT(&ctl.clients);
	ctl.inited = 1;
}

void
dp_ctl_listen(int fd)
{
	if (ctl.lfd != -1) {
		ev_io_stop(ctl.loop, &ctl.lio);
		close(ctl.lfd);
	}
	ctl.lfd = fd;
	ev_io_init(&ctl.lio, accept_cb, fd, EV_READ);
	ev_io_start(ctl.loop, &ctl.lio);
	log_debug("ctl: control socket handed over");
}

void
dp_ctl_stop(void)
{
	if (!ctl.inited)
		return;
	while (!LIST_EMPTY(&ctl.clients))
		client_close(LIST_FIRST(&ctl.clients));
	if (ctl.lfd != -1) {
		ev_io_stop(ctl.loop, &ctl.lio);
		close(ctl.lfd);
		ctl.lfd = -1;
	}
	free(ctl.config);
	free(ctl.db);
	ctl.config = ctl.db = NULL;
	ctl.configlen = ctl.dblen = 0;
}

unsigned int
dp_ctl_nclients(void)
{
	return ctl.nclients;
}

static void
db_record(struct obuf *o, const struct config_dbmap *d,
    const struct config_eid *e)
{
	char		 a[INET6_ADDRSTRLEN];
	size_t		 k;
	int		 af;

	af = e->eid.addr.afi == LISP_AFI_IPV4 ? AF_INET : AF_INET6;
	inet_ntop(af, &e->eid.addr.u, a, sizeof(a));
	ob_printf(o, "{\"iid\":%u,\"eid-prefix\":\"%s/%u\",\"rlocs\":[",
	    CONFIG_ISSET(e, CONFIG_EID_IID) ? e->iid : 0, a, e->eid.plen);
	for (k = 0; k < d->nrlocs; k++) {
		const struct config_rloc *r = &d->rlocs[k];

		ob_add(o, k > 0 ? ",{" : "{", k > 0 ? 2 : 1);
		if (CONFIG_ISSET(r, CONFIG_RLOC_ADDRESS) &&
		    (r->address.afi == LISP_AFI_IPV4 ||
		    r->address.afi == LISP_AFI_IPV6)) {
			inet_ntop(r->address.afi == LISP_AFI_IPV4 ? AF_INET :
			    AF_INET6, &r->address.u, a, sizeof(a));
			ob_printf(o, "\"address\":\"%s\",", a);
		}
		if (CONFIG_ISSET(r, CONFIG_RLOC_INTERFACE)) {
			OB_LIT(o, "\"interface\":");
			ob_str(o, r->interface, strlen(r->interface));
			OB_LIT(o, ",");
		}
		ob_printf(o, "\"priority\":%u,\"weight\":%u}",
		    CONFIG_ISSET(r, CONFIG_RLOC_PRIORITY) ? r->priority : 1,
		    CONFIG_ISSET(r, CONFIG_RLOC_WEIGHT) ? r->weight : 100);
	}
	OB_LIT(o, "]}\n");
}

void
dp_ctl_config(const struct lisp_config *cfg)
{
	struct obuf	 o;
	char		*text = NULL;
	size_t		 len = 0, k, j;
	FILE		*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return;
	config_print_flags(fp, cfg, CONFIG_PRINT_REDACT);
	if (fclose(fp) != 0) {
		free(text);
		return;
	}
	free(ctl.config);
	ctl.config = text;
	ctl.configlen = len;

	memset(&o, 0, sizeof(o));
	for (k = 0; k < cfg->ndbmaps; k++)
		for (j = 0; j < cfg->dbmaps[k].nprefixes; j++) {
			const struct config_eid *e =
			    &cfg->dbmaps[k].prefixes[j];

			if (!CONFIG_ISSET(e, CONFIG_EID_PREFIX) ||
			    (e->eid.addr.afi != LISP_AFI_IPV4 &&
			    e->eid.addr.afi != LISP_AFI_IPV6))
				continue;
			db_record(&o, &cfg->dbmaps[k], e);
		}
	if (o.err) {
		free(o.b);
		return;
	}
	free(ctl.db);
	ctl.db = o.b;
	ctl.dblen = o.len;
}

void
dp_ctl_reload_done(uint32_t id, int ok)
{
	struct ctl_client	*c;

	LIST_FOREACH(c, &ctl.clients, entry)
		if (c->wait == WAIT_RELOAD && c->wait_id == id)
			break;
	if (c == NULL)
		return;		/* the client went away */
	ev_timer_stop(ctl.loop, &c->timer);
	c->wait = WAIT_NONE;
	if (ok)
		reply_ok(c);
	else
		reply_err(c, "the configuration has errors (see the log); "
		    "the running configuration stays");
	client_run(c);
}

int
dp_ctl_cp_reply(const char *text, size_t len)
{
	struct ctl_client	*c;
	struct json_tokener	*tok;
	json_object		*m, *v, *recs;
	const char		*t, *err;
	int64_t			 id;
	size_t			 k, n;

	if ((tok = json_tokener_new()) == NULL)
		return -1;
	m = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (m == NULL || !json_object_is_type(m, json_type_object) ||
	    (t = req_str(m, "type")) == NULL ||
	    strcmp(t, "ztr-ctl-reply") != 0 ||
	    !json_object_object_get_ex(m, "id", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		json_object_put(m);
		return -1;
	}
	id = json_object_get_int64(v);
	LIST_FOREACH(c, &ctl.clients, entry)
		if (c->wait == WAIT_CP && c->wait_id == id)
			break;
	if (c == NULL) {
		json_object_put(m);
		return 0;	/* late or for a client that left */
	}
	ev_timer_stop(ctl.loop, &c->timer);
	c->wait = WAIT_NONE;
	if (json_object_object_get_ex(m, "records", &recs) &&
	    json_object_is_type(recs, json_type_array)) {
		n = json_object_array_length(recs);
		for (k = 0; k < n; k++) {
			json_object	*r = json_object_array_get_idx(recs, k);

			/* A record never carries a status: that ends a reply. */
			if (!json_object_is_type(r, json_type_object))
				continue;
			json_object_object_del(r, "status");
			t = json_object_to_json_string_ext(r,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
			ob_add(&c->out, t, strlen(t));
			OB_LIT(&c->out, "\n");
		}
	}
	t = req_str(m, "status");
	if (t != NULL && strcmp(t, "ok") == 0)
		reply_ok(c);
	else {
		char	 why[256];

		err = req_str(m, "error");
		snprintf(why, sizeof(why), "control plane: %s", err != NULL ?
		    err : "no status");
		cp_unavailable(c, why);
	}
	json_object_put(m);
	client_run(c);
	return 0;
}
