/* SPDX-License-Identifier: ISC */
/*
 * Map-Server, Map-Resolver and minimal DDT Map-Server (see ms.h).
 *
 * State: a copy of the `lisp site` clauses (keys, allowed prefixes,
 * allowed RLOCs) and a flat array of registered prefixes, each with one
 * entry per registering xTR (keyed by xTR-ID, or by source address when
 * the Map-Register carried none).  Lookups are linear scans: the module
 * serves the map-server role of an edge device, with tens to a few
 * thousand registrations; a trie can replace the scans behind the same
 * functions when that stops being true.
 *
 * Prefixes are compared as bit strings (struct ms_pfx): IPv4 (32 bits),
 * IPv6 (128) and MAC (48) EIDs, each inside an instance-ID.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "lisp_addr.h"
#include "lisp_auth.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "log.h"
#include "ms.h"

#define MS_RL_SLOTS	256
#define MS_OBUF		65536
#define DDT_TTL_ACK	1440	/* minutes, RFC 8111 section 6.4 */
#define DDT_TTL_NOTREG	1
#define DDT_TTL_HOLE	15

struct ms_pfx {
	uint32_t	 iid;
	uint16_t	 afi;		/* LISP_AFI_IPV4, _IPV6, _MAC */
	uint8_t		 plen;
	uint8_t		 a[16];
};

/* How an EID was written on the wire, to answer in the same form. */
struct ms_form {
	int		 lcaf;		/* wrapped in an IID LCAF */
	uint8_t		 iid_mlen;
};

struct ms_key {
	uint8_t		 id;
	uint8_t		*key;		/* secret, wiped */
	size_t		 len;
};

struct ms_allowed {
	uint32_t	 iid, iid_hi;
	struct ms_pfx	 pfx;		/* pfx.iid unused */
	int		 more_specifics;
	int		 force_proxy;
	int		 drop;		/* proxy-reply-action = drop */
	uint32_t	 force_ttl;	/* minutes, 0 = none */
};

struct ms_rloc {
	uint16_t	 afi;
	uint8_t		 a[16];
};

struct ms_site {
	char		*name;
	char		*descr;
	int		 shutdown;
	struct ms_key	*keys;
	size_t		 nkeys;
	struct ms_allowed *allowed;
	size_t		 nallowed;
	struct ms_rloc	*rlocs;		/* allowed-rloc */
	size_t		 nrlocs;
};

struct ms_xtr {
	int		 has_xtr_id;
	uint8_t		 xtr_id[LISP_XTR_ID_LEN];
	uint64_t	 site_id;
	struct sockaddr_storage src;
	uint16_t	 flags;		/* LISP_MREG_* */
	uint8_t		 key_id, alg_id;	/* of the last Map-Register */
	struct lisp_eid_record rec;	/* owned copy */
	uint64_t	 first_ms, last_ms, expires_ms, registers;
};

struct ms_reg {
	struct ms_pfx	 pfx;
	size_t		 site;		/* index in ms->sites */
	size_t		 allowed;	/* index in the site's allowed */
	struct ms_xtr	*xtrs;
	size_t		 nxtrs;
};

struct ms_rl {
	int		 used;
	sa_family_t	 fam;
	uint8_t		 a[16];
	uint64_t	 milli;		/* tokens x 1000 */
	uint64_t	 last_ms;
};

struct ms {
	int		 role_ms, role_mr, role_ddt;
	struct ms_site	*sites;
	size_t		 nsites;
	struct ms_reg	*regs;
	size_t		 nregs, capregs;
	size_t		 nentries;	/* (prefix, xTR) entries */
	uint64_t	 next_expiry;
	uint64_t	 c[MS_C_MAX];
	uint32_t	 rl_burst, rl_per_sec;
	struct ms_rl	 rl[MS_RL_SLOTS];
	struct lisp_codec_stats cstats;
	uint8_t		 obuf[MS_OBUF];
};

static const char *const counter_names[MS_C_MAX] = {
	[MS_C_DECODE_ERROR]		= "decode-error",
	[MS_C_ROLE_DISABLED]		= "role-disabled",
	[MS_C_REG_RECEIVED]		= "register-received",
	[MS_C_REG_ACCEPTED]		= "register-accepted",
	[MS_C_REG_NO_RECORDS]		= "register-no-records",
	[MS_C_REG_UNSUPPORTED_EID]	= "register-unsupported-eid",
	[MS_C_REG_NOT_ALLOWED]		= "register-not-allowed",
	[MS_C_REG_MORE_SPECIFIC]	= "register-more-specific-denied",
	[MS_C_REG_SITE_SHUTDOWN]	= "register-site-shutdown",
	[MS_C_REG_UNKNOWN_KEY_ID]	= "register-unknown-key-id",
	[MS_C_REG_BAD_ALG]		= "register-bad-algorithm",
	[MS_C_REG_BAD_AUTH]		= "register-bad-auth",
	[MS_C_REG_RLOC_NOT_ALLOWED]	= "register-rloc-not-allowed",
	[MS_C_REG_TABLE_FULL]		= "register-table-full",
	[MS_C_REG_DEREGISTERED]		= "register-deregistered",
	[MS_C_REG_EXPIRED]		= "registrations-expired",
	[MS_C_NOTIFY_SENT]		= "map-notify-sent",
	[MS_C_REQ_RECEIVED]		= "request-received",
	[MS_C_REQ_DDT_RECEIVED]		= "request-ddt-received",
	[MS_C_REQ_PROBE_DROPPED]	= "request-probe-dropped",
	[MS_C_REQ_NO_ITR_RLOC]		= "request-no-itr-rloc",
	[MS_C_REQ_UNSUPPORTED_EID]	= "request-unsupported-eid",
	[MS_C_REQ_PROXY_REPLY]		= "request-proxy-reply",
	[MS_C_REQ_FORWARDED]		= "request-forwarded",
	[MS_C_REQ_NO_ETR]		= "request-no-etr",
	[MS_C_REQ_NEGATIVE]		= "request-negative-reply",
	[MS_C_REF_MS_ACK]		= "referral-ms-ack",
	[MS_C_REF_NOT_REGISTERED]	= "referral-ms-not-registered",
	[MS_C_REF_DELEGATION_HOLE]	= "referral-delegation-hole",
	[MS_C_ECM_UNSUPPORTED]		= "ecm-unsupported",
	[MS_C_RATE_LIMITED]		= "rate-limited",
	[MS_C_SEND_ERROR]		= "send-error",
};

const char *
ms_counter_name(enum ms_counter c)
{
	if ((unsigned)c >= MS_C_MAX)
		return "unknown";
	return counter_names[c];
}

uint64_t
ms_counter(const struct ms *ms, enum ms_counter c)
{
	if ((unsigned)c >= MS_C_MAX)
		return 0;
	return ms->c[c];
}

size_t
ms_nregs(const struct ms *ms)
{
	return ms->nentries;
}

/* Prefixes as bit strings. */

static int
afi_bits(uint16_t afi)
{
	switch (afi) {
	case LISP_AFI_IPV4:
		return 32;
	case LISP_AFI_IPV6:
		return 128;
	case LISP_AFI_MAC:
		return 48;
	default:
		return -1;
	}
}

/* Length of the common prefix of a and b, at most max bits. */
static int
cpl(const uint8_t *a, const uint8_t *b, int max)
{
	int	 n = 0, i;
	uint8_t	 x;

	for (i = 0; n < max; i++) {
		x = a[i] ^ b[i];
		if (x != 0) {
			n += __builtin_clz((unsigned)x) - 24;
			break;
		}
		n += 8;
	}
	return n < max ? n : max;
}

static void
pfx_mask(struct ms_pfx *p)
{
	int	 i;

	for (i = 0; i < 16; i++) {
		if (i * 8 >= p->plen)
			p->a[i] = 0;
		else if (i * 8 + 8 > p->plen)
			p->a[i] &= (uint8_t)(0xFF << (8 - (p->plen - i * 8)));
	}
}

/* p contains q (same instance-ID and family). */
static int
pfx_covers(const struct ms_pfx *p, const struct ms_pfx *q)
{
	return p->iid == q->iid && p->afi == q->afi && p->plen <= q->plen &&
	    cpl(p->a, q->a, p->plen) >= p->plen;
}

static int
pfx_eq(const struct ms_pfx *p, const struct ms_pfx *q)
{
	return p->plen == q->plen && pfx_covers(p, q);
}

/* An allowed-prefix (IID range) contains q. */
static int
allowed_covers(const struct ms_allowed *al, const struct ms_pfx *q)
{
	return q->iid >= al->iid && q->iid <= al->iid_hi &&
	    al->pfx.afi == q->afi && al->pfx.plen <= q->plen &&
	    cpl(al->pfx.a, q->a, al->pfx.plen) >= al->pfx.plen;
}

/* A wire EID (maybe in an IID LCAF) as a prefix; -1 if unsupported. */
static int
pfx_from_addr(const struct lisp_addr *a, uint8_t mlen, struct ms_pfx *p,
    struct ms_form *form)
{
	const struct lisp_addr	*in;
	uint32_t		 iid;
	int			 bits;

	memset(p, 0, sizeof(*p));
	in = lisp_addr_strip_iid(a, &iid);
	if ((bits = afi_bits(in->afi)) < 0 || mlen > bits)
		return -1;
	p->iid = iid;
	p->afi = in->afi;
	p->plen = mlen;
	switch (in->afi) {
	case LISP_AFI_IPV4:
		memcpy(p->a, &in->u.v4, 4);
		break;
	case LISP_AFI_IPV6:
		memcpy(p->a, &in->u.v6, 16);
		break;
	default:
		memcpy(p->a, in->u.mac, 6);
		break;
	}
	pfx_mask(p);
	if (form != NULL) {
		form->lcaf = a->afi == LISP_AFI_LCAF;
		form->iid_mlen = form->lcaf ? a->u.lcaf->rsvd2 : 32;
	}
	return 0;
}

/* The wire form of p; 0 or -1 (ENOMEM). */
static int
pfx_to_addr(const struct ms_pfx *p, const struct ms_form *form,
    struct lisp_addr *out)
{
	struct lisp_addr	 in;

	memset(&in, 0, sizeof(in));
	in.afi = p->afi;
	switch (p->afi) {
	case LISP_AFI_IPV4:
		memcpy(&in.u.v4, p->a, 4);
		break;
	case LISP_AFI_IPV6:
		memcpy(&in.u.v6, p->a, 16);
		break;
	default:
		memcpy(in.u.mac, p->a, 6);
		break;
	}
	if (p->iid != 0 || (form != NULL && form->lcaf))
		return lisp_addr_set_iid(out, p->iid,
		    form != NULL ? form->iid_mlen : 32, &in);
	*out = in;
	return 0;
}

static const char *
pfx_fmt(const struct ms_pfx *p, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	switch (p->afi) {
	case LISP_AFI_IPV4:
		inet_ntop(AF_INET, p->a, a, sizeof(a));
		break;
	case LISP_AFI_IPV6:
		inet_ntop(AF_INET6, p->a, a, sizeof(a));
		break;
	default:
		snprintf(a, sizeof(a), "%02x%02x-%02x%02x-%02x%02x", p->a[0],
		    p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);
		break;
	}
	snprintf(buf, len, "[%u]%s/%u", p->iid, a, p->plen);
	return buf;
}

/* Socket addresses. */

/* Plain IPv4/IPv6 address of a locator or ITR-RLOC (Security Key LCAF
   unwrapped) into ss with port; -1 otherwise. */
static int
ss_from_addr(const struct lisp_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	if (a->afi == LISP_AFI_LCAF && a->u.lcaf != NULL &&
	    a->u.lcaf->type == LCAF_SECKEY)
		a = &a->u.lcaf->u.seckey.addr;
	memset(ss, 0, sizeof(*ss));
	switch (a->afi) {
	case LISP_AFI_IPV4:
		s4->sin_family = AF_INET;
		s4->sin_addr = a->u.v4;
		s4->sin_port = htons(port);
		return 0;
	case LISP_AFI_IPV6:
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a->u.v6;
		s6->sin6_port = htons(port);
		return 0;
	default:
		return -1;
	}
}

/* Address bytes of ss (16 bytes, v4 in the first 4); the family. */
static sa_family_t
ss_bytes(const struct sockaddr_storage *ss, uint8_t *a)
{
	memset(a, 0, 16);
	if (ss->ss_family == AF_INET)
		memcpy(a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else if (ss->ss_family == AF_INET6)
		memcpy(a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	return ss->ss_family;
}

static int
ss_addr_eq(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
	uint8_t	 a[16], b[16];

	return ss_bytes(x, a) == ss_bytes(y, b) && memcmp(a, b, 16) == 0;
}

static uint16_t
ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static const char *
ss_fmt(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	uint8_t		 a[16];
	char		 t[INET6_ADDRSTRLEN];
	sa_family_t	 f = ss_bytes(ss, a);

	if (f != AF_INET && f != AF_INET6)
		snprintf(buf, len, "(unknown)");
	else {
		inet_ntop(f, a, t, sizeof(t));
		snprintf(buf, len, "%s:%u", t, ss_port(ss));
	}
	return buf;
}

/* Configuration. */

static void
site_clear(struct ms_site *s)
{
	size_t	 i;

	free(s->name);
	free(s->descr);
	for (i = 0; i < s->nkeys; i++) {
		if (s->keys[i].key != NULL) {
			explicit_bzero(s->keys[i].key, s->keys[i].len);
			free(s->keys[i].key);
		}
	}
	free(s->keys);
	free(s->allowed);
	free(s->rlocs);
	memset(s, 0, sizeof(*s));
}

static void
sites_free(struct ms_site *sites, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		site_clear(&sites[i]);
	free(sites);
}

static int
cfg_pfx(const struct config_prefix *cp, struct ms_pfx *p)
{
	memset(p, 0, sizeof(*p));
	switch (cp->addr.afi) {
	case LISP_AFI_IPV4:
		memcpy(p->a, &cp->addr.u.v4, 4);
		break;
	case LISP_AFI_IPV6:
		memcpy(p->a, &cp->addr.u.v6, 16);
		break;
	case LISP_AFI_MAC:
		memcpy(p->a, cp->addr.u.mac, 6);
		break;
	default:
		return -1;
	}
	if (cp->plen > afi_bits(cp->addr.afi))
		return -1;
	p->afi = cp->addr.afi;
	p->plen = cp->plen;
	pfx_mask(p);
	return 0;
}

static int
site_copy(struct ms_site *s, const struct config_site *cs)
{
	const struct config_allowed	*ca;
	const struct config_rloc	*cr;
	struct ms_allowed		*al;
	size_t				 i;

	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(cs->name != NULL ? cs->name : "")) == NULL)
		return -1;
	if (cs->description != NULL &&
	    (s->descr = strdup(cs->description)) == NULL)
		return -1;
	s->shutdown = CONFIG_ISSET(cs, CONFIG_SITE_SHUTDOWN) && cs->shutdown;
	if (cs->nkeys > 0 &&
	    (s->keys = calloc(cs->nkeys, sizeof(*s->keys))) == NULL)
		return -1;
	for (i = 0; i < cs->nkeys; i++) {
		if (cs->keys[i].key == NULL || cs->keys[i].key[0] == '\0')
			continue;
		s->keys[s->nkeys].id = cs->keys[i].id;
		s->keys[s->nkeys].len = strlen(cs->keys[i].key);
		if ((s->keys[s->nkeys].key =
		    (uint8_t *)strdup(cs->keys[i].key)) == NULL)
			return -1;
		s->nkeys++;
	}
	if (cs->nallowed > 0 &&
	    (s->allowed = calloc(cs->nallowed, sizeof(*s->allowed))) == NULL)
		return -1;
	for (i = 0; i < cs->nallowed; i++) {
		ca = &cs->allowed[i];
		al = &s->allowed[s->nallowed];
		/* Group (multicast) entries and DN EIDs are not served. */
		if (!CONFIG_ISSET(ca, CONFIG_AP_EID) ||
		    CONFIG_ISSET(ca, CONFIG_AP_GROUP) ||
		    cfg_pfx(&ca->eid, &al->pfx) == -1) {
			log_warnx("ms: site %s: allowed-prefix %zu is not an "
			    "IPv4/IPv6/MAC eid-prefix, ignored", s->name, i);
			continue;
		}
		if (CONFIG_ISSET(ca, CONFIG_AP_IID)) {
			al->iid = ca->iid;
			al->iid_hi = ca->iid_hi >= ca->iid ? ca->iid_hi : ca->iid;
		}
		al->more_specifics = CONFIG_ISSET(ca,
		    CONFIG_AP_MORE_SPECIFICS) && ca->accept_more_specifics;
		al->force_proxy = CONFIG_ISSET(ca, CONFIG_AP_FORCE_PROXY) &&
		    ca->force_proxy_reply;
		al->drop = CONFIG_ISSET(ca, CONFIG_AP_PR_ACTION) &&
		    ca->proxy_reply_action == CONFIG_PRA_DROP;
		if (CONFIG_ISSET(ca, CONFIG_AP_FORCE_TTL))
			al->force_ttl = ca->force_ttl / 60 +
			    (ca->force_ttl % 60 != 0);
		s->nallowed++;
	}
	if (cs->nallowed_rlocs > 0 && (s->rlocs = calloc(cs->nallowed_rlocs,
	    sizeof(*s->rlocs))) == NULL)
		return -1;
	for (i = 0; i < cs->nallowed_rlocs; i++) {
		cr = &cs->allowed_rlocs[i];
		if (!CONFIG_ISSET(cr, CONFIG_RLOC_ADDRESS))
			continue;
		if (cr->address.afi == LISP_AFI_IPV4)
			memcpy(s->rlocs[s->nrlocs].a, &cr->address.u.v4, 4);
		else if (cr->address.afi == LISP_AFI_IPV6)
			memcpy(s->rlocs[s->nrlocs].a, &cr->address.u.v6, 16);
		else
			continue;
		s->rlocs[s->nrlocs++].afi = cr->address.afi;
	}
	return 0;
}

static int
sites_copy(const struct lisp_config *cfg, struct ms_site **out, size_t *n)
{
	struct ms_site	*s;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (cfg->nsites == 0)
		return 0;
	if ((s = calloc(cfg->nsites, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < cfg->nsites; i++) {
		if (site_copy(&s[i], &cfg->sites[i]) == -1) {
			sites_free(s, i + 1);
			return -1;
		}
	}
	*out = s;
	*n = cfg->nsites;
	return 0;
}

static void
roles_copy(struct ms *ms, const struct lisp_config *cfg)
{
	const struct config_enable *e = &cfg->enable;

	ms->role_ms = CONFIG_ISSET(e, CONFIG_ENABLE_MS) && e->map_server;
	ms->role_mr = CONFIG_ISSET(e, CONFIG_ENABLE_MR) && e->map_resolver;
	ms->role_ddt = CONFIG_ISSET(e, CONFIG_ENABLE_DDT) && e->ddt_node;
}

struct ms *
ms_new(const struct lisp_config *cfg)
{
	struct ms	*ms;

	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		log_warn("ms_new");
		return NULL;
	}
	if (sites_copy(cfg, &ms->sites, &ms->nsites) == -1) {
		log_warn("ms_new: sites");
		free(ms);
		return NULL;
	}
	roles_copy(ms, cfg);
	ms->next_expiry = UINT64_MAX;
	ms->rl_burst = MS_RL_BURST;
	ms->rl_per_sec = MS_RL_PER_SEC;
	return ms;
}

static void
xtr_clear(struct ms_xtr *x)
{
	lisp_eid_record_free(&x->rec);
}

static void
reg_clear(struct ms_reg *r)
{
	size_t	 i;

	for (i = 0; i < r->nxtrs; i++)
		xtr_clear(&r->xtrs[i]);
	free(r->xtrs);
	r->xtrs = NULL;
	r->nxtrs = 0;
}

static void
reg_remove(struct ms *ms, size_t i)
{
	ms->nentries -= ms->regs[i].nxtrs;
	reg_clear(&ms->regs[i]);
	ms->regs[i] = ms->regs[--ms->nregs];
}

void
ms_free(struct ms *ms)
{
	size_t	 i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->nregs; i++)
		reg_clear(&ms->regs[i]);
	free(ms->regs);
	sites_free(ms->sites, ms->nsites);
	free(ms);
}

void
ms_set_ratelimit(struct ms *ms, uint32_t burst, uint32_t per_sec)
{
	ms->rl_burst = burst;
	ms->rl_per_sec = per_sec;
	memset(ms->rl, 0, sizeof(ms->rl));
}

/*
 * The site and allowed-prefix that admit p: the longest allowed-prefix
 * (over every site, shut down or not) that equals p, or covers it with
 * accept-more-specifics.  *why gets the reason when there is none.
 */
static int
find_allowed(const struct ms_site *sites, size_t nsites,
    const struct ms_pfx *p, size_t *site, size_t *allowed, int *why)
{
	const struct ms_allowed	*al;
	size_t			 i, j;
	int			 best = -1, covered = 0;

	for (i = 0; i < nsites; i++) {
		for (j = 0; j < sites[i].nallowed; j++) {
			al = &sites[i].allowed[j];
			if (!allowed_covers(al, p))
				continue;
			covered = 1;
			if (al->pfx.plen != p->plen && !al->more_specifics)
				continue;
			if (best < 0 || al->pfx.plen > best) {
				best = al->pfx.plen;
				*site = i;
				*allowed = j;
			}
		}
	}
	if (best < 0 && why != NULL)
		*why = covered ? MS_C_REG_MORE_SPECIFIC : MS_C_REG_NOT_ALLOWED;
	return best < 0 ? -1 : 0;
}

/* The same, restricted to one site. */
static int
site_allows(const struct ms_site *s, const struct ms_pfx *p, size_t *allowed,
    int *why)
{
	size_t	 site;

	return find_allowed(s, 1, p, &site, allowed, why);
}

int
ms_reconfigure(struct ms *ms, const struct lisp_config *cfg)
{
	struct ms_site	*ns;
	size_t		 nn, i, j, al;
	int		 keep;

	if (sites_copy(cfg, &ns, &nn) == -1) {
		log_warn("ms_reconfigure");
		return -1;
	}
	for (i = 0; i < ms->nregs;) {
		keep = 0;
		for (j = 0; j < nn; j++) {
			if (strcmp(ns[j].name,
			    ms->sites[ms->regs[i].site].name) != 0 ||
			    ns[j].shutdown)
				continue;
			if (site_allows(&ns[j], &ms->regs[i].pfx, &al,
			    NULL) == 0) {
				ms->regs[i].site = j;
				ms->regs[i].allowed = al;
				keep = 1;
				break;
			}
		}
		if (keep)
			i++;
		else
			reg_remove(ms, i);
	}
	sites_free(ms->sites, ms->nsites);
	ms->sites = ns;
	ms->nsites = nn;
	roles_copy(ms, cfg);
	return 0;
}

/* Registrations. */

static int
rec_copy(struct lisp_eid_record *dst, const struct lisp_eid_record *src)
{
	size_t	 i;

	memset(dst, 0, sizeof(*dst));
	dst->ttl = src->ttl;
	dst->mask_len = src->mask_len;
	dst->act = src->act;
	dst->flags = src->flags;
	dst->rsvd = src->rsvd;
	dst->rsvd_ver = src->rsvd_ver;
	dst->version = src->version;
	if (lisp_addr_copy(&dst->eid, &src->eid) != 0)
		goto fail;
	if (src->loc_count > 0) {
		if ((dst->locs = calloc(src->loc_count,
		    sizeof(*dst->locs))) == NULL)
			goto fail;
		dst->loc_count = src->loc_count;
		for (i = 0; i < src->loc_count; i++) {
			dst->locs[i] = src->locs[i];
			memset(&dst->locs[i].addr, 0, sizeof(dst->locs[i].addr));
			if (lisp_addr_copy(&dst->locs[i].addr,
			    &src->locs[i].addr) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	lisp_eid_record_free(dst);
	return -1;
}

static struct ms_reg *
reg_find(struct ms *ms, const struct ms_pfx *p)
{
	size_t	 i;

	for (i = 0; i < ms->nregs; i++)
		if (pfx_eq(&ms->regs[i].pfx, p))
			return &ms->regs[i];
	return NULL;
}

/* Longest registered prefix that contains e, or NULL. */
static struct ms_reg *
reg_lookup(struct ms *ms, const struct ms_pfx *e)
{
	struct ms_reg	*best = NULL;
	size_t		 i;

	for (i = 0; i < ms->nregs; i++) {
		if (ms->regs[i].nxtrs == 0 ||
		    !pfx_covers(&ms->regs[i].pfx, e))
			continue;
		if (best == NULL || ms->regs[i].pfx.plen > best->pfx.plen)
			best = &ms->regs[i];
	}
	return best;
}

static struct ms_xtr *
xtr_find(struct ms_reg *r, const struct lisp_map_register *m,
    const struct sockaddr_storage *from)
{
	size_t	 i;

	for (i = 0; i < r->nxtrs; i++) {
		if (m->flags & LISP_MREG_I) {
			if (r->xtrs[i].has_xtr_id && memcmp(r->xtrs[i].xtr_id,
			    m->xtr_id, LISP_XTR_ID_LEN) == 0)
				return &r->xtrs[i];
		} else if (!r->xtrs[i].has_xtr_id &&
		    ss_addr_eq(&r->xtrs[i].src, from))
			return &r->xtrs[i];
	}
	return NULL;
}

static void
xtr_remove(struct ms *ms, struct ms_reg *r, size_t i)
{
	xtr_clear(&r->xtrs[i]);
	r->xtrs[i] = r->xtrs[--r->nxtrs];
	ms->nentries--;
}

/*
 * Store one accepted record.  Each xTR (xTR-ID, or source address without
 * one) owns its own entry per prefix and replaces it on refresh; a record
 * TTL of 0 withdraws the entry.
 */
static void
reg_store(struct ms *ms, const struct lisp_map_register *m,
    const struct lisp_eid_record *rec, const struct ms_pfx *p, size_t site,
    size_t allowed, const struct sockaddr_storage *from, uint64_t now)
{
	struct ms_reg		*r, *nr;
	struct ms_xtr		*x, *nx;
	struct lisp_eid_record	 copy;
	uint64_t		 life;
	char			 b[128], s[64];

	r = reg_find(ms, p);
	x = r != NULL ? xtr_find(r, m, from) : NULL;
	if (rec->ttl == 0) {
		if (x != NULL) {
			xtr_remove(ms, r, (size_t)(x - r->xtrs));
			ms->c[MS_C_REG_DEREGISTERED]++;
			log_info("ms: %s deregistered by %s", pfx_fmt(p, b,
			    sizeof(b)), ss_fmt(from, s, sizeof(s)));
			if (r->nxtrs == 0)
				reg_remove(ms, (size_t)(r - ms->regs));
		}
		return;
	}
	if (x == NULL && ms->nentries >= MS_MAX_REGS) {
		ms->c[MS_C_REG_TABLE_FULL]++;
		return;
	}
	if (rec_copy(&copy, rec) == -1) {
		ms->c[MS_C_REG_TABLE_FULL]++;
		return;
	}
	if (r == NULL) {
		if (ms->nregs == ms->capregs) {
			size_t n = ms->capregs ? ms->capregs * 2 : 16;
			if ((nr = reallocarray(ms->regs, n,
			    sizeof(*nr))) == NULL)
				goto full;
			ms->regs = nr;
			ms->capregs = n;
		}
		r = &ms->regs[ms->nregs++];
		memset(r, 0, sizeof(*r));
		r->pfx = *p;
	}
	r->site = site;
	r->allowed = allowed;
	if (x == NULL) {
		if (r->nxtrs >= MS_MAX_XTRS || (nx = reallocarray(r->xtrs,
		    r->nxtrs + 1, sizeof(*nx))) == NULL) {
			if (r->nxtrs == 0)
				reg_remove(ms, (size_t)(r - ms->regs));
			goto full;
		}
		r->xtrs = nx;
		x = &r->xtrs[r->nxtrs++];
		memset(x, 0, sizeof(*x));
		x->first_ms = now;
		ms->nentries++;
		log_info("ms: site %s: %s registered by %s",
		    ms->sites[site].name, pfx_fmt(p, b, sizeof(b)),
		    ss_fmt(from, s, sizeof(s)));
	} else
		xtr_clear(x);
	x->has_xtr_id = (m->flags & LISP_MREG_I) != 0;
	if (x->has_xtr_id)
		memcpy(x->xtr_id, m->xtr_id, LISP_XTR_ID_LEN);
	x->site_id = m->site_id;
	x->src = *from;
	x->flags = m->flags;
	x->key_id = m->key_id;
	x->alg_id = m->alg_id;
	x->rec = copy;
	x->last_ms = now;
	x->registers++;
	/* T: the record TTL (minutes) times it out; else 3 minutes. */
	if ((m->flags & LISP_MREG_T) && rec->ttl != 0xFFFFFFFF)
		life = (uint64_t)rec->ttl * 60000;
	else
		life = MS_REG_TIMEOUT_MS;
	x->expires_ms = now + life;
	if (x->expires_ms < ms->next_expiry)
		ms->next_expiry = x->expires_ms;
	return;
full:
	lisp_eid_record_free(&copy);
	ms->c[MS_C_REG_TABLE_FULL]++;
}

size_t
ms_expire(struct ms *ms, uint64_t now)
{
	struct ms_reg	*r;
	size_t		 i, j, n = 0;
	uint64_t	 next = UINT64_MAX;
	char		 b[128];

	for (i = 0; i < ms->nregs;) {
		r = &ms->regs[i];
		for (j = 0; j < r->nxtrs;) {
			if (r->xtrs[j].expires_ms <= now) {
				xtr_remove(ms, r, j);
				n++;
				continue;
			}
			if (r->xtrs[j].expires_ms < next)
				next = r->xtrs[j].expires_ms;
			j++;
		}
		if (r->nxtrs == 0) {
			log_info("ms: %s expired", pfx_fmt(&r->pfx, b,
			    sizeof(b)));
			reg_remove(ms, i);
		} else
			i++;
	}
	ms->next_expiry = next;
	ms->c[MS_C_REG_EXPIRED] += n;
	return n;
}

uint64_t
ms_next_expiry(const struct ms *ms)
{
	return ms->next_expiry;
}

static int
rloc_allowed(const struct ms_site *s, const struct lisp_eid_record *rec)
{
	const struct lisp_addr	*a;
	size_t			 i, j;
	int			 ok;

	if (s->nrlocs == 0)
		return 1;
	for (i = 0; i < rec->loc_count; i++) {
		a = &rec->locs[i].addr;
		if (a->afi != LISP_AFI_IPV4 && a->afi != LISP_AFI_IPV6)
			continue;	/* JSON, ELP ...: not an address */
		for (ok = 0, j = 0; j < s->nrlocs && !ok; j++)
			ok = s->rlocs[j].afi == a->afi &&
			    memcmp(s->rlocs[j].a, a->afi == LISP_AFI_IPV4 ?
			    (const void *)&a->u.v4 : (const void *)&a->u.v6,
			    a->afi == LISP_AFI_IPV4 ? 4 : 16) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

static int
send_out(struct ms *ms, ms_send_fn *send, void *arg, const uint8_t *p,
    size_t len, const struct sockaddr_storage *to)
{
	if (send(arg, p, len, to) == -1) {
		ms->c[MS_C_SEND_ERROR]++;
		return -1;
	}
	return 0;
}

/*
 * Map-Notify acknowledging an accepted Map-Register (RFC 9301 section
 * 5.7): same nonce, key, records and xTR-ID/Site-ID, authentication
 * recomputed with the site key, to the Map-Register's source address and
 * port (wire-formats section 1: an ETR that registers from 4342 gets it
 * on 4342 either way).
 */
static void
send_notify(struct ms *ms, const struct lisp_map_register *m,
    const struct ms_key *k, const struct sockaddr_storage *from,
    ms_send_fn *send, void *arg)
{
	struct lisp_msg	 n;
	struct wbuf	 wb;
	int		 alen = lisp_auth_len(m->alg_id);

	memset(&n, 0, sizeof(n));
	n.type = LISP_MAP_NOTIFY;
	n.u.mreg.flags = (m->flags & LISP_MREG_I) ? LISP_MNOT_I : 0;
	n.u.mreg.nonce = m->nonce;
	n.u.mreg.key_id = m->key_id;
	n.u.mreg.alg_id = m->alg_id;
	n.u.mreg.auth_len = (uint16_t)alen;
	n.u.mreg.rec_count = m->rec_count;
	n.u.mreg.recs = m->recs;		/* borrowed */
	memcpy(n.u.mreg.xtr_id, m->xtr_id, LISP_XTR_ID_LEN);
	n.u.mreg.site_id = m->site_id;
	wbuf_init(&wb, ms->obuf, sizeof(ms->obuf));
	if (alen <= 0 || lisp_msg_encode(&wb, &n) != 0 ||
	    lisp_auth_sign(ms->obuf, wbuf_len(&wb), 16, m->alg_id, k->key,
	    k->len) != 0) {
		ms->c[MS_C_SEND_ERROR]++;
		return;
	}
	if (send_out(ms, send, arg, ms->obuf, wbuf_len(&wb), from) == 0)
		ms->c[MS_C_NOTIFY_SENT]++;
}

static int
do_register(struct ms *ms, const uint8_t *pkt, size_t len,
    const struct sockaddr_storage *from, uint64_t now, ms_send_fn *send,
    void *arg)
{
	struct lisp_msg		 msg;
	struct lisp_map_register *m = &msg.u.mreg;
	struct ms_pfx		*pfx = NULL;
	const struct ms_site	*s;
	const struct ms_key	*k = NULL;
	size_t			 auth_off, site, *al = NULL, i;
	int			 rc, why, ret = MS_DROPPED;
	char			 b[64];

	ms->c[MS_C_REG_RECEIVED]++;
	memset(&msg, 0, sizeof(msg));
	if ((rc = lisp_msg_decode(pkt, len, &msg, &ms->cstats,
	    &auth_off)) != 0) {
		ms->c[MS_C_DECODE_ERROR]++;
		LOG_RL(LOG_LVL_INFO, "ms: bad Map-Register from %s: %s",
		    ss_fmt(from, b, sizeof(b)), lisp_strerror(-rc));
		return MS_DROPPED;
	}
	if (!ms->role_ms) {
		ms->c[MS_C_ROLE_DISABLED]++;
		goto out;
	}
	if (m->rec_count == 0) {
		ms->c[MS_C_REG_NO_RECORDS]++;
		goto out;
	}
	if ((pfx = calloc(m->rec_count, sizeof(*pfx))) == NULL ||
	    (al = calloc(m->rec_count, sizeof(*al))) == NULL) {
		ms->c[MS_C_REG_TABLE_FULL]++;
		goto out;
	}
	for (i = 0; i < m->rec_count; i++) {
		if (pfx_from_addr(&m->recs[i].eid, m->recs[i].mask_len,
		    &pfx[i], NULL) == -1) {
			ms->c[MS_C_REG_UNSUPPORTED_EID]++;
			goto out;
		}
	}
	/* The first record picks the site; its key must authenticate. */
	if (find_allowed(ms->sites, ms->nsites, &pfx[0], &site, &al[0],
	    &why) == -1) {
		ms->c[why]++;
		LOG_RL(LOG_LVL_INFO, "ms: Map-Register from %s: %s",
		    ss_fmt(from, b, sizeof(b)), ms_counter_name(why));
		goto out;
	}
	s = &ms->sites[site];
	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i].id == m->key_id)
			k = &s->keys[i];
	if (k == NULL) {
		ms->c[MS_C_REG_UNKNOWN_KEY_ID]++;
		LOG_RL(LOG_LVL_INFO, "ms: Map-Register from %s: site %s has "
		    "no key-id %u", ss_fmt(from, b, sizeof(b)), s->name,
		    m->key_id);
		goto out;
	}
	if (m->alg_id != LISP_AUTH_HMAC_SHA1 &&
	    m->alg_id != LISP_AUTH_HMAC_SHA256) {
		ms->c[MS_C_REG_BAD_ALG]++;
		goto out;
	}
	if (lisp_auth_verify(pkt, len, auth_off, m->auth_len, m->alg_id,
	    k->key, k->len) != 0) {
		ms->c[MS_C_REG_BAD_AUTH]++;
		LOG_RL(LOG_LVL_INFO, "ms: Map-Register from %s: "
		    "authentication failed for site %s",
		    ss_fmt(from, b, sizeof(b)), s->name);
		goto out;
	}
	if (s->shutdown) {
		ms->c[MS_C_REG_SITE_SHUTDOWN]++;
		goto out;
	}
	/* All or nothing: a Map-Notify then echoes exactly what we hold. */
	for (i = 0; i < m->rec_count; i++) {
		if (i > 0 && site_allows(s, &pfx[i], &al[i], &why) == -1) {
			ms->c[why]++;
			goto out;
		}
		if (!rloc_allowed(s, &m->recs[i])) {
			ms->c[MS_C_REG_RLOC_NOT_ALLOWED]++;
			goto out;
		}
	}
	for (i = 0; i < m->rec_count; i++)
		reg_store(ms, m, &m->recs[i], &pfx[i], site, al[i], from, now);
	ms->c[MS_C_REG_ACCEPTED]++;
	if (m->flags & LISP_MREG_M)
		send_notify(ms, m, k, from, send, arg);
	ret = MS_CONSUMED;
out:
	free(pfx);
	free(al);
	lisp_msg_free(&msg);
	return ret;
}

/* Map-Requests. */

/* Token bucket per source address; 1 when an answer may be sent. */
static int
rl_allow(struct ms *ms, const struct sockaddr_storage *from, uint64_t now)
{
	struct ms_rl	*r;
	uint8_t		 a[16];
	sa_family_t	 f;
	uint32_t	 h = 2166136261u;
	uint64_t	 cap;
	size_t		 i;

	if (ms->rl_burst == 0)
		return 1;
	f = ss_bytes(from, a);
	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	r = &ms->rl[h % MS_RL_SLOTS];
	cap = (uint64_t)ms->rl_burst * 1000;
	if (!r->used || r->fam != f || memcmp(r->a, a, 16) != 0) {
		r->used = 1;
		r->fam = f;
		memcpy(r->a, a, 16);
		r->milli = cap;
		r->last_ms = now;
	}
	if (now > r->last_ms) {
		r->milli += (now - r->last_ms) * ms->rl_per_sec;
		if (r->milli > cap)
			r->milli = cap;
	}
	r->last_ms = now;
	if (r->milli < 1000) {
		ms->c[MS_C_RATE_LIMITED]++;
		return 0;
	}
	r->milli -= 1000;
	return 1;
}

/* Where a Map-Reply goes: an ITR-RLOC, port = inner source port. */
static int
pick_itr_rloc(const struct lisp_map_request *mr, sa_family_t fam,
    uint16_t port, struct sockaddr_storage *to)
{
	size_t	 i;

	for (i = 0; i < mr->itr_rloc_count; i++)
		if (ss_from_addr(&mr->itr_rlocs[i], port, to) == 0 &&
		    to->ss_family == fam)
			return 0;
	for (i = 0; i < mr->itr_rloc_count; i++)
		if (ss_from_addr(&mr->itr_rlocs[i], port, to) == 0)
			return 0;
	return -1;
}

/*
 * Least-specific prefix that contains e and does not overlap any prefix
 * known here (allowed-prefixes and registrations of e's instance-ID and
 * family), at least min_len long (RFC 9301 section 8.3: the negative
 * Map-Reply prefix).  A prefix of length L contains a known prefix s
 * (which does not contain e) exactly when L <= cpl(e, s), so L is one
 * more than the longest such common prefix.
 */
static uint8_t
neg_len(const struct ms *ms, const struct ms_pfx *e, uint8_t min_len)
{
	const struct ms_allowed	*al;
	int			 L = min_len, c;
	size_t			 i, j;

	for (i = 0; i < ms->nsites; i++) {
		for (j = 0; j < ms->sites[i].nallowed; j++) {
			al = &ms->sites[i].allowed[j];
			if (e->iid < al->iid || e->iid > al->iid_hi ||
			    al->pfx.afi != e->afi || allowed_covers(al, e))
				continue;
			c = cpl(e->a, al->pfx.a, al->pfx.plen);
			if (c + 1 > L)
				L = c + 1;
		}
	}
	for (i = 0; i < ms->nregs; i++) {
		const struct ms_pfx *r = &ms->regs[i].pfx;

		if (r->iid != e->iid || r->afi != e->afi ||
		    pfx_covers(r, e) || ms->regs[i].nxtrs == 0)
			continue;
		c = cpl(e->a, r->a, r->plen);
		if (c + 1 > L)
			L = c + 1;
	}
	return (uint8_t)L;
}

/* The most specific allowed-prefix containing e; NULL outside sites. */
static const struct ms_allowed *
allowed_lookup(const struct ms *ms, const struct ms_pfx *e)
{
	const struct ms_allowed	*al, *best = NULL;
	size_t			 i, j;

	for (i = 0; i < ms->nsites; i++) {
		for (j = 0; j < ms->sites[i].nallowed; j++) {
			al = &ms->sites[i].allowed[j];
			if (allowed_covers(al, e) && (best == NULL ||
			    al->pfx.plen > best->pfx.plen))
				best = al;
		}
	}
	return best;
}

/*
 * The answer's locator set: the newest entry's, or, when any live entry
 * asked for merging (the a bit), the union over every xTR of the prefix
 * (first occurrence of an address wins).  Locators are shallow copies
 * (their addresses stay owned by the registrations).
 */
static size_t
reg_locs(const struct ms_reg *r, struct lisp_locator *out, size_t max,
    const struct ms_xtr **newest)
{
	const struct ms_xtr	*x, *nx = NULL;
	size_t			 i, j, k, n = 0;
	int			 merge = 0, dup;

	for (i = 0; i < r->nxtrs; i++) {
		if (nx == NULL || r->xtrs[i].last_ms > nx->last_ms)
			nx = &r->xtrs[i];
		if (r->xtrs[i].flags & LISP_MREG_MERGE)
			merge = 1;
	}
	*newest = nx;
	if (nx == NULL)
		return 0;
	for (i = 0; i < r->nxtrs; i++) {
		x = merge ? &r->xtrs[i] : nx;
		for (j = 0; j < x->rec.loc_count && n < max; j++) {
			for (dup = 0, k = 0; k < n && !dup; k++)
				dup = lisp_addr_cmp(&out[k].addr,
				    &x->rec.locs[j].addr) == 0;
			if (!dup)
				out[n++] = x->rec.locs[j];
		}
		if (!merge)
			break;
	}
	return n;
}

static void
send_record(struct ms *ms, uint8_t type, uint64_t nonce,
    struct lisp_eid_record *rec, const struct sockaddr_storage *to,
    ms_send_fn *send, void *arg, enum ms_counter ok)
{
	struct lisp_msg	 m;
	struct wbuf	 wb;

	memset(&m, 0, sizeof(m));
	m.type = type;
	if (type == LISP_MAP_REPLY) {
		m.u.mrep.nonce = nonce;
		m.u.mrep.rec_count = 1;
		m.u.mrep.recs = rec;
	} else {
		m.u.mref.nonce = nonce;
		m.u.mref.rec_count = 1;
		m.u.mref.recs = rec;
	}
	wbuf_init(&wb, ms->obuf, sizeof(ms->obuf));
	if (lisp_msg_encode(&wb, &m) != 0) {
		ms->c[MS_C_SEND_ERROR]++;
		return;
	}
	if (send_out(ms, send, arg, ms->obuf, wbuf_len(&wb), to) == 0)
		ms->c[ok]++;
}

/* A record without locators: negative Map-Reply or Map-Referral. */
static void
send_empty(struct ms *ms, uint8_t type, uint64_t nonce,
    const struct ms_pfx *p, const struct ms_form *form, uint32_t ttl,
    uint8_t act, uint8_t flags, const struct sockaddr_storage *to,
    ms_send_fn *send, void *arg, enum ms_counter ok)
{
	struct lisp_eid_record	 rec;

	memset(&rec, 0, sizeof(rec));
	rec.ttl = ttl;
	rec.mask_len = p->plen;
	rec.act = act;
	rec.flags = flags;
	if (pfx_to_addr(p, form, &rec.eid) == -1) {
		ms->c[MS_C_SEND_ERROR]++;
		return;
	}
	send_record(ms, type, nonce, &rec, to, send, arg, ok);
	lisp_addr_free(&rec.eid);
}

/* Proxy Map-Reply from the registration: A=0, L and p cleared. */
static void
proxy_reply(struct ms *ms, const struct ms_reg *r, const struct ms_form *form,
    uint64_t nonce, const struct sockaddr_storage *to, ms_send_fn *send,
    void *arg)
{
	struct lisp_locator	 locs[LISP_MAX_LOCATORS];
	struct lisp_eid_record	 rec;
	const struct ms_xtr	*nx;
	const struct ms_allowed	*al;
	size_t			 i, n;

	n = reg_locs(r, locs, LISP_MAX_LOCATORS, &nx);
	al = &ms->sites[r->site].allowed[r->allowed];
	memset(&rec, 0, sizeof(rec));
	rec.ttl = al->force_ttl != 0 ? al->force_ttl : nx->rec.ttl;
	rec.mask_len = r->pfx.plen;
	rec.act = nx->rec.act;
	rec.version = nx->rec.version;
	rec.loc_count = n;
	rec.locs = locs;
	for (i = 0; i < n; i++)
		locs[i].flags &= (uint16_t)~(LISP_LOC_L | LISP_LOC_P);
	if (pfx_to_addr(&r->pfx, form, &rec.eid) == -1) {
		ms->c[MS_C_SEND_ERROR]++;
		return;
	}
	send_record(ms, LISP_MAP_REPLY, nonce, &rec, to, send, arg,
	    MS_C_REQ_PROXY_REPLY);
	lisp_addr_free(&rec.eid);
}

/*
 * Forward the Encapsulated Map-Request, unchanged but for the D bit, to
 * one ETR of the registration (RFC 9301 section 8.2): the best-priority
 * unicast IPv4/IPv6 RLOC, else the address the registration came from.
 * The ETR answers the ITR-RLOC directly.
 */
static void
forward_etr(struct ms *ms, const struct ms_reg *r, const uint8_t *pkt,
    size_t len, ms_send_fn *send, void *arg)
{
	struct lisp_locator	 locs[LISP_MAX_LOCATORS];
	struct sockaddr_storage	 to, t;
	const struct ms_xtr	*nx;
	size_t			 i, n;
	int			 best = 256;

	n = reg_locs(r, locs, LISP_MAX_LOCATORS, &nx);
	memset(&to, 0, sizeof(to));
	for (i = 0; i < n; i++) {
		if (locs[i].priority == 255 || locs[i].priority >= best ||
		    locs[i].addr.afi == LISP_AFI_LCAF ||
		    ss_from_addr(&locs[i].addr, 4342, &t) == -1)
			continue;
		best = locs[i].priority;
		to = t;
	}
	if (best == 256) {
		to = nx->src;
		if (to.ss_family == AF_INET)
			((struct sockaddr_in *)&to)->sin_port = htons(4342);
		else if (to.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&to)->sin6_port = htons(4342);
		else {
			ms->c[MS_C_REQ_NO_ETR]++;
			return;
		}
	}
	if (len > sizeof(ms->obuf))
		return;
	memcpy(ms->obuf, pkt, len);
	ms->obuf[0] &= (uint8_t)~LISP_ECM_D;
	if (send_out(ms, send, arg, ms->obuf, len, &to) == 0)
		ms->c[MS_C_REQ_FORWARDED]++;
}

static int
do_ecm(struct ms *ms, const uint8_t *pkt, size_t len,
    const struct sockaddr_storage *from, uint64_t now, ms_send_fn *send,
    void *arg)
{
	struct lisp_msg		 ecm, in;
	struct lisp_map_request	*mr = &in.u.mreq;
	struct sockaddr_storage	 to;
	const struct ms_allowed	*al;
	struct ms_reg		*r;
	struct ms_pfx		 e, neg;
	struct ms_form		 form;
	int			 ddt, ret = MS_DROPPED;
	char			 b[64];

	memset(&ecm, 0, sizeof(ecm));
	memset(&in, 0, sizeof(in));
	if (lisp_msg_decode(pkt, len, &ecm, &ms->cstats, NULL) != 0) {
		ms->c[MS_C_DECODE_ERROR]++;
		return MS_DROPPED;
	}
	if (ecm.u.ecm.payload_len < 1 ||
	    ecm.u.ecm.payload[0] >> 4 != LISP_MAP_REQUEST) {
		ms->c[MS_C_ECM_UNSUPPORTED]++;
		goto out;
	}
	ms->c[MS_C_REQ_RECEIVED]++;
	if (lisp_msg_decode(ecm.u.ecm.payload, ecm.u.ecm.payload_len, &in,
	    &ms->cstats, NULL) != 0) {
		ms->c[MS_C_DECODE_ERROR]++;
		LOG_RL(LOG_LVL_INFO, "ms: bad Map-Request from %s",
		    ss_fmt(from, b, sizeof(b)));
		goto out;
	}
	ddt = (ecm.u.ecm.flags & LISP_ECM_D) != 0;
	if (ddt)
		ms->c[MS_C_REQ_DDT_RECEIVED]++;
	if (ddt ? !(ms->role_ms || ms->role_ddt) :
	    !(ms->role_ms || ms->role_mr)) {
		ms->c[MS_C_ROLE_DISABLED]++;
		goto out;
	}
	/* RFC 9301 section 5.2: a mapping system drops RLOC-probes. */
	if (mr->flags & LISP_MREQ_P) {
		ms->c[MS_C_REQ_PROBE_DROPPED]++;
		goto out;
	}
	/* One record is looked up (senders MUST send exactly one). */
	if (mr->rec_count < 1 || pfx_from_addr(&mr->recs[0].eid,
	    (uint8_t)afi_bits(lisp_addr_strip_iid(&mr->recs[0].eid,
	    NULL)->afi), &e, &form) == -1) {
		ms->c[MS_C_REQ_UNSUPPORTED_EID]++;
		goto out;
	}
	if (pick_itr_rloc(mr, from->ss_family, ecm.u.ecm.inner_sport,
	    &to) == -1) {
		ms->c[MS_C_REQ_NO_ITR_RLOC]++;
		goto out;
	}
	if (!rl_allow(ms, from, now))
		goto out;
	ret = MS_CONSUMED;

	r = reg_lookup(ms, &e);
	al = allowed_lookup(ms, &e);
	neg = e;
	if (r == NULL) {
		neg.plen = neg_len(ms, &e, al != NULL ? al->pfx.plen : 0);
		pfx_mask(&neg);
	}
	if (ddt) {
		/* RFC 8111 section 7.3: the referral goes to the DDT client. */
		if (r != NULL)
			send_empty(ms, LISP_MAP_REFERRAL, mr->nonce, &r->pfx,
			    &form, DDT_TTL_ACK, LISP_REF_MS_ACK, LISP_REC_I,
			    from, send, arg, MS_C_REF_MS_ACK);
		else if (al != NULL)
			send_empty(ms, LISP_MAP_REFERRAL, mr->nonce, &neg,
			    &form, DDT_TTL_NOTREG, LISP_REF_MS_NOT_REG,
			    LISP_REC_I, from, send, arg,
			    MS_C_REF_NOT_REGISTERED);
		else
			send_empty(ms, LISP_MAP_REFERRAL, mr->nonce, &neg,
			    &form, DDT_TTL_HOLE, LISP_REF_DELEGATION_HOLE, 0,
			    from, send, arg, MS_C_REF_DELEGATION_HOLE);
		/* MS-ACK: the request is also served, as below. */
		if (r == NULL)
			goto out;
	}
	if (r != NULL) {
		int			 proxy;
		size_t			 i;

		proxy = ms->sites[r->site].allowed[r->allowed].force_proxy;
		for (i = 0; i < r->nxtrs; i++)
			if (r->xtrs[i].flags & LISP_MREG_P)
				proxy = 1;
		if (proxy)
			proxy_reply(ms, r, &form, mr->nonce, &to, send, arg);
		else
			forward_etr(ms, r, pkt, len, send, arg);
	} else if (al != NULL)
		/* In a site, nothing registered: 1 minute (section 8.2). */
		send_empty(ms, LISP_MAP_REPLY, mr->nonce, &neg, &form,
		    MS_NEG_TTL_UNREG, al->drop ? LISP_ACT_DROP :
		    LISP_ACT_NATIVE_FWD, 0, &to, send, arg,
		    MS_C_REQ_NEGATIVE);
	else
		/* Not LISP space: 15 minutes, natively forward. */
		send_empty(ms, LISP_MAP_REPLY, mr->nonce, &neg, &form,
		    MS_NEG_TTL_HOLE, LISP_ACT_NATIVE_FWD, 0, &to, send, arg,
		    MS_C_REQ_NEGATIVE);
out:
	lisp_msg_free(&in);
	lisp_msg_free(&ecm);
	return ret;
}

int
ms_input(struct ms *ms, const uint8_t *pkt, size_t len,
    const struct sockaddr_storage *from, uint64_t now, ms_send_fn *send,
    void *arg)
{
	if (len < 1) {
		ms->c[MS_C_DECODE_ERROR]++;
		return MS_DROPPED;
	}
	if (now >= ms->next_expiry)
		(void)ms_expire(ms, now);
	switch (pkt[0] >> 4) {
	case LISP_MAP_REGISTER:
		return do_register(ms, pkt, len, from, now, send, arg);
	case LISP_ECM:
		return do_ecm(ms, pkt, len, from, now, send, arg);
	default:
		return MS_NOT_MINE;
	}
}

void
ms_walk_sites(const struct ms *ms, ms_walk_fn *fn, void *arg)
{
	struct ms_reg_view	 v;
	const struct ms_reg	*r;
	const struct ms_xtr	*x;
	size_t			 i, j, k, n;

	for (i = 0; i < ms->nsites; i++) {
		n = 0;
		for (j = 0; j < ms->nregs; j++) {
			r = &ms->regs[j];
			if (r->site != i)
				continue;
			for (k = 0; k < r->nxtrs; k++) {
				x = &r->xtrs[k];
				memset(&v, 0, sizeof(v));
				v.site_name = ms->sites[i].name;
				v.site_descr = ms->sites[i].descr;
				v.site_shutdown = ms->sites[i].shutdown;
				v.iid = r->pfx.iid;
				v.rec = &x->rec;
				v.has_xtr_id = x->has_xtr_id;
				v.xtr_id = x->xtr_id;
				v.site_id = x->site_id;
				v.src = &x->src;
				v.flags = x->flags;
				v.first_ms = x->first_ms;
				v.last_ms = x->last_ms;
				v.expires_ms = x->expires_ms;
				v.registers = x->registers;
				v.key_id = x->key_id;
				v.alg_id = x->alg_id;
				fn(arg, &v);
				n++;
			}
		}
		if (n == 0) {
			memset(&v, 0, sizeof(v));
			v.site_name = ms->sites[i].name;
			v.site_descr = ms->sites[i].descr;
			v.site_shutdown = ms->sites[i].shutdown;
			fn(arg, &v);
		}
	}
}
