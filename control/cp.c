/* SPDX-License-Identifier: ISC */
/*
 * The control-plane process: libev around the pure engine modules.
 *
 *   parent  --PROC_MSG_SOCKET (UDP 4342 v4, v6), CONFIG, CPDP, DUMP-->  cp
 *   UDP 4342 --> lisp_msg_decode --> ms (map-server/resolver role)
 *                                \-> itr (Map-Reply, SMR)
 *                                \-> etr (Map-Request, ECM Map-Request,
 *                                         Map-Notify)
 *   cpdp channel <-> data plane: discovery, statistics, restart in;
 *                    map-cache, entire-map-cache, database-mappings,
 *                    interfaces out
 *   netlink (cp_netlink): local addresses -> RLOC sets -> etr/itr
 *   0.1 s timer: itr_tick, etr_tick, ms_expire
 *
 * Every received packet is untrusted: a bad one is counted under its
 * decode error and logged rate-limited, never fatal.  Channel messages
 * from the parent and the data plane come from our own processes.
 *
 * Timing knobs that lisp.config has no key for come from the environment
 * (inherited from the parent), so that tests and EVE's lisp.config.sh can
 * set them: LISPZTR_MAP_REQUEST_INTERVAL, LISPZTR_MAP_REQUEST_RATE,
 * LISPZTR_MAP_REQUEST_RETRIES, LISPZTR_REGISTER_INTERVAL,
 * LISPZTR_PROBE_INTERVAL, LISPZTR_PROBE_TIMEOUT, LISPZTR_PROBE_MISSES,
 * LISPZTR_REPLY_RATE, LISPZTR_SMR_INTERVAL (seconds, per second, counts),
 * and LISPZTR_CRYPTO_SUITE (5 or 6: the RFC 8061 suite our ITR offers
 * with data-plane-security = yes; read once at start).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cp_addr.h"
#include "cp.h"
#include "cp_crypto.h"
#include "cp_ctl.h"
#include "cp_etr.h"
#include "cp_itr.h"
#include "cp_netlink.h"
#include "cp_show.h"
#include "dpipc.h"
#include "ipc.h"
#include "lisp_err.h"
#include "lisp_msg.h"
#include "log.h"
#include "ms.h"
#include "proc.h"
#include "sandbox.h"

#define CP_TICK		0.1
#define CP_PKTMAX	65536
#define CP_MAXRLOCS	32

enum cp_counter {
	CP_C_RX,
	CP_C_RX_ERROR,
	CP_C_UNEXPECTED,	/* a type we do not handle in our roles */
	CP_C_ECM_NOT_REQUEST,
	CP_C_ECM_PROBE,		/* P inside an ECM: RFC 9301 says never */
	CP_C_ROLE_OFF,		/* for a role (itr/etr) not enabled */
	CP_C_TX,
	CP_C_TX_ERROR,
	CP_C_DP_TX,
	CP_C_DP_TX_ERROR,
	CP_C_DP_RX,
	CP_C_DP_BAD,
	CP_C_MAX
};

static const char *const cp_cnames[CP_C_MAX] = {
	"control-rx", "control-rx-error", "control-unexpected-type",
	"ecm-not-map-request", "ecm-probe-dropped", "role-disabled",
	"control-tx", "control-tx-error", "dp-tx", "dp-tx-error", "dp-rx",
	"dp-rx-bad",
};

struct cp {
	struct ev_loop		*loop;
	struct ipc		 ipc;
	ev_io			 rio, wio;
	ev_signal		 sterm, sint;
	ev_timer		 tick;
	uint32_t		 config_gen;
	int			 cpdp;
	ev_io			 cpdp_io;
	int			 sock[2];	/* v4, v6 */
	ev_io			 sock_io[2];
	struct cpnl		*nl;
	ev_io			 nl_io;
	struct lisp_config	*cfg;
	int			 itr_on, etr_on;
	struct itr		*itr;
	struct etr		*etr;
	struct ms		*ms;
	/*
	 * LISP-crypto sessions, made at the first configuration with
	 * data-plane-security = yes and kept for the process lifetime:
	 * the ITR key pair must not change (cp_crypto.h).
	 */
	struct cpc		*crypto;
	struct cpc_params	 cpcp;
	struct itr_params	 itrp;
	struct etr_params	 etrp;
	uint8_t			 xtr_id[LISP_XTR_ID_LEN];
	uint64_t		 c[CP_C_MAX];
	uint64_t		 decode_err[LISP_E_MAX];
	/* cp_harness_*: no loop, a given clock, sends to callbacks. */
	double			 fake_now;
	struct cp_harness_io	 hio;
	uint8_t			 pkt[CP_PKTMAX];
};

static struct cp	*cp_g;

static double
envd(const char *name, double def)
{
	const char	*s = getenv(name);
	char		*end;
	double		 v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtod(s, &end);
	if (*end != '\0' || v <= 0) {
		log_warnx("%s=%s: not a positive number, ignored", name, s);
		return def;
	}
	return v;
}

static double
cp_now(struct cp *cp)
{
	return cp->loop != NULL ? ev_now(cp->loop) : cp->fake_now;
}

/* --- sockets -------------------------------------------------------------- */

static void
ss_to_addr(const struct sockaddr_storage *ss, struct dpipc_addr *a,
    uint16_t *port)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		cpa_host(a, AF_INET, &sin->sin_addr);
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			cpa_host(a, AF_INET, &sin6->sin6_addr.s6_addr[12]);
		else
			cpa_host(a, AF_INET6, &sin6->sin6_addr);
		*port = ntohs(sin6->sin6_port);
	} else
		*port = 0;
}

static void
addr_to_ss(const struct dpipc_addr *a, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (void *)ss;
	struct sockaddr_in6	*sin6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->a, 4);
		*len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->a, 16);
		*len = sizeof(*sin6);
	}
}

static int
cp_udp_send(struct cp *cp, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	struct msghdr		 mh;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cm;
	struct cmsghdr		*c;
	socklen_t		 sl;
	int			 s = cp->sock[dst->af == AF_INET6];

	if (cp->hio.udp != NULL && (dst->af == AF_INET ||
	    dst->af == AF_INET6)) {
		cp->c[CP_C_TX]++;
		return cp->hio.udp(cp->hio.arg, dst, dport, src, buf, len);
	}
	if (s == -1 || (dst->af != AF_INET && dst->af != AF_INET6)) {
		cp->c[CP_C_TX_ERROR]++;
		return -1;
	}
	addr_to_ss(dst, dport, &ss, &sl);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_name = &ss;
	mh.msg_namelen = sl;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (src != NULL && src->af == dst->af) {
		/* Leave from `src`: a probe reply from the probed RLOC. */
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		c = &cm.hdr;
		if (src->af == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, src->a, 4);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, src->a, 16);
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s, &mh, MSG_DONTWAIT) == -1) {
		cp->c[CP_C_TX_ERROR]++;
		LOG_RL(LOG_LVL_DEBUG, "cp: send: %s", strerror(errno));
		return -1;
	}
	cp->c[CP_C_TX]++;
	return 0;
}

static int
env_send(void *arg, const struct dpipc_addr *dst, uint16_t dport,
    const struct dpipc_addr *src, const uint8_t *buf, size_t len)
{
	return cp_udp_send(arg, dst, dport, src, buf, len);
}

static int
ms_send(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_storage *to)
{
	struct dpipc_addr	 a;
	uint16_t		 port;

	ss_to_addr(to, &a, &port);
	return cp_udp_send(arg, &a, port, NULL, pkt, len);
}

static uint64_t
env_rand(void *arg)
{
	struct cp	*cp = arg;
	uint64_t	 v;

	if (cp->hio.rand != NULL)
		return cp->hio.rand(cp->hio.arg);
	randombytes_buf(&v, sizeof(v));
	return v;
}

/* --- data-plane channel ---------------------------------------------------- */

static void
dp_send_text(struct cp *cp, const char *text, size_t len)
{
	if (cp->hio.dp != NULL) {
		cp->hio.dp(cp->hio.arg, text, len);
		return;
	}
	if (cp->cpdp == -1)
		return;
	if (send(cp->cpdp, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		cp->c[CP_C_DP_TX_ERROR]++;
		LOG_RL(LOG_LVL_WARN, "cp: send to data plane: %s",
		    strerror(errno));
		return;
	}
	cp->c[CP_C_DP_TX]++;
}

static void
env_dp_send(void *arg, const struct dpipc_msg *m)
{
	struct cp	*cp = arg;
	char		*t;
	size_t		 len;

	if ((t = dpipc_encode(m, &len)) == NULL) {
		cp->c[CP_C_DP_TX_ERROR]++;
		return;
	}
	dp_send_text(cp, t, len);
	dpipc_text_free(t, len);
}

static void
cp_send_dbm_ifs(struct cp *cp)
{
	struct dpipc_msg	 m;
	struct dpipc_dbmapping	*v = NULL;
	struct dpipc_iface	*f = NULL;
	const struct lisp_config *cfg = cp->cfg;
	size_t			 n = 0, i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->ndbmaps; i++)
		n += cfg->dbmaps[i].nprefixes;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (f = calloc(cfg->nifaces + 1, sizeof(*f))) == NULL)
		goto out;
	n = 0;
	for (i = 0; i < cfg->ndbmaps; i++)
		for (j = 0; j < cfg->dbmaps[i].nprefixes; j++) {
			const struct config_eid *e = &cfg->dbmaps[i].prefixes[j];

			if (e->eid.addr.afi != LISP_AFI_IPV4 &&
			    e->eid.addr.afi != LISP_AFI_IPV6)
				continue;
			v[n].iid = e->iid;
			v[n].eid.af = e->eid.addr.afi == LISP_AFI_IPV4 ?
			    AF_INET : AF_INET6;
			v[n].eid.plen = e->eid.plen;
			memcpy(v[n].eid.a, &e->eid.addr.u, cpa_alen(v[n].eid.af));
			n++;
		}
	memset(&m, 0, sizeof(m));
	m.type = DPIPC_DATABASE_MAPPINGS;
	m.u.dbm.n = n;
	m.u.dbm.v = v;
	env_dp_send(cp, &m);
	n = 0;
	for (i = 0; i < cfg->nifaces; i++) {
		if (cfg->ifaces[i].device == NULL ||
		    !CONFIG_ISSET(&cfg->ifaces[i], CONFIG_IF_IID))
			continue;
		snprintf(f[n].name, sizeof(f[n].name), "%s",
		    cfg->ifaces[i].device);
		f[n].iid = cfg->ifaces[i].iid;
		n++;
	}
	memset(&m, 0, sizeof(m));
	m.type = DPIPC_INTERFACES;
	m.u.ifs.n = n;
	m.u.ifs.v = f;
	env_dp_send(cp, &m);
out:
	free(v);
	free(f);
}

static int
iface_iid(const struct cp *cp, const char *dev, uint32_t *iid)
{
	size_t	 i;

	for (i = 0; cp->cfg != NULL && i < cp->cfg->nifaces; i++)
		if (cp->cfg->ifaces[i].device != NULL &&
		    strcmp(cp->cfg->ifaces[i].device, dev) == 0) {
			*iid = cp->cfg->ifaces[i].iid;
			return 0;
		}
	return -1;
}

static void
cp_dp_input(struct cp *cp, const char *buf, size_t len)
{
	struct dpipc_msg	 m;
	struct cp_eid		 dst, src;
	char			 err[128];
	size_t			 i, j;
	uint32_t		 iid;
	int			 rc;

	cp->c[CP_C_DP_RX]++;
	/* lispctl's questions (cp_ctl.h), our own record type. */
	if (cp_ctl_is_request(buf, len)) {
		char	*rep;
		size_t	 rlen;

		if ((rep = cp_ctl_request(buf, len, &rlen)) == NULL) {
			cp->c[CP_C_DP_BAD]++;
			return;
		}
		if (send(cp->cpdp, rep, rlen, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    -1)
			LOG_RL(LOG_LVL_WARN, "cp: ctl reply: %s",
			    strerror(errno));
		free(rep);
		return;
	}
	rc = dpipc_decode(buf, len, &m, err, sizeof(err));
	if (rc != DPIPC_OK) {
		cp->c[CP_C_DP_BAD]++;
		LOG_RL(LOG_LVL_WARN, "cp: data-plane message: %s", err);
		dpipc_msg_free(&m);
		return;
	}
	switch (m.type) {
	case DPIPC_RESTART:
		log_info("data plane (re)started: sending state");
		cp_send_dbm_ifs(cp);
		if (cp->itr != NULL) {
			struct dpipc_msg e;

			/* Drop what it had, then add ours one by one. */
			memset(&e, 0, sizeof(e));
			e.type = DPIPC_ENTIRE_MAP_CACHE;
			env_dp_send(cp, &e);
			itr_resync(cp->itr, cp_now(cp));
		}
		break;
	case DPIPC_DISCOVERY:
		if (cp->itr == NULL || !m.u.disc.has_dest) {
			cp->c[CP_C_ROLE_OFF]++;
			break;
		}
		if (m.u.disc.has_iid && m.u.disc.iid >= 0)
			iid = (uint32_t)m.u.disc.iid;
		else if (iface_iid(cp, m.u.disc.interface, &iid) == -1)
			iid = 0;
		memset(&dst, 0, sizeof(dst));
		dst.iid = iid;
		cpa_host(&dst.p, m.u.disc.dest.af, m.u.disc.dest.a);
		memset(&src, 0, sizeof(src));
		if (m.u.disc.has_source) {
			src.iid = iid;
			cpa_host(&src.p, m.u.disc.source.af,
			    m.u.disc.source.a);
		}
		itr_discovery(cp->itr, &dst, m.u.disc.has_source ? &src :
		    NULL, cp_now(cp));
		break;
	case DPIPC_STATISTICS:
		for (i = 0; i < m.u.stats.n; i++) {
			const struct dpipc_stat_entry *s = &m.u.stats.v[i];
			uint64_t pk = 0;
			struct cp_eid e;

			e.iid = s->iid;
			e.p = s->eid;
			cpa_mask(&e.p);
			for (j = 0; j < s->nrlocs; j++) {
				pk += s->rlocs[j].c.packets;
				if (s->rlocs[j].c.packets > 0 &&
				    cp->etr != NULL)
					etr_note_peer(cp->etr,
					    &s->rlocs[j].rloc, cp_now(cp));
			}
			if (cp->itr != NULL)
				itr_stat(cp->itr, &e, pk, cp_now(cp));
		}
		break;
	default:
		break;
	}
	dpipc_msg_free(&m);
}

static void
cpdp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;
	ssize_t		 n;

	(void)loop;
	(void)revents;
	for (;;) {
		n = recv(cp->cpdp, cp->pkt, sizeof(cp->pkt), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			log_info("cp: data-plane channel closed");
			ev_io_stop(cp->loop, &cp->cpdp_io);
			close(cp->cpdp);
			cp->cpdp = -1;
			return;
		}
		cp_dp_input(cp, (const char *)cp->pkt, (size_t)n);
	}
}

/* --- configuration -> engine ------------------------------------------------ */

static int
cfgaddr(const struct config_addr *ca, struct dpipc_addr *a)
{
	if (ca->afi == LISP_AFI_IPV4)
		cpa_host(a, AF_INET, &ca->u.v4);
	else if (ca->afi == LISP_AFI_IPV6)
		cpa_host(a, AF_INET6, &ca->u.v6);
	else
		return -1;
	return 0;
}

static int
cfgeid(const struct config_eid *ce, struct cp_eid *e)
{
	memset(e, 0, sizeof(*e));
	if (cfgaddr(&ce->eid.addr, &e->p) == -1)
		return -1;
	e->iid = ce->iid;
	e->p.plen = ce->eid.plen;
	cpa_mask(&e->p);
	return 0;
}

/* Addresses of a name, synchronously (at config time only). */
static size_t
resolve(const char *name, struct dpipc_addr *v, size_t cap)
{
	struct addrinfo	 hints, *res, *ai;
	struct dpipc_addr a;
	uint16_t	 port;
	size_t		 n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0) {
		log_warnx("cp: cannot resolve %s", name);
		return 0;
	}
	for (ai = res; ai != NULL && n < cap; ai = ai->ai_next) {
		ss_to_addr((struct sockaddr_storage *)(void *)ai->ai_addr, &a,
		    &port);
		if (a.af != 0)
			v[n++] = a;
	}
	freeaddrinfo(res);
	return n;
}

/* RLOC sets of the database-mappings from config + local addresses. */
static void
cp_apply_rlocs(struct cp *cp)
{
	const struct lisp_config *cfg = cp->cfg;
	struct etr_db		*db = NULL;
	struct etr_rloc		*rl, **rls = NULL;
	struct dpipc_addr	 local[ITR_MAX_LOCAL];
	uint8_t			 lprio[ITR_MAX_LOCAL];
	struct cp_eid		*eids = NULL;
	const struct cpnl_addr	*na;
	size_t			 nna = 0, ndb = 0, nrl, i, j, k, q, nlocal = 0;
	size_t			 neids = 0;

	if (cfg == NULL)
		return;
	if (cp->nl != NULL)
		na = cpnl_addrs(cp->nl, &nna);
	else
		na = NULL;
	for (i = 0; i < cfg->ndbmaps; i++)
		ndb += cfg->dbmaps[i].nprefixes;
	if ((db = calloc(ndb + 1, sizeof(*db))) == NULL ||
	    (eids = calloc(ndb + 1, sizeof(*eids))) == NULL ||
	    (rls = calloc(cfg->ndbmaps + 1, sizeof(*rls))) == NULL)
		goto out;
	ndb = 0;
	for (i = 0; i < cfg->ndbmaps; i++) {
		const struct config_dbmap *dm = &cfg->dbmaps[i];

		/* One RLOC array per clause, shared by its prefixes. */
		if ((rl = rls[i] = calloc(CP_MAXRLOCS, sizeof(*rl))) == NULL)
			goto out;
		nrl = 0;
		for (j = 0; j < dm->nrlocs && nrl < CP_MAXRLOCS; j++) {
			const struct config_rloc *cr = &dm->rlocs[j];
			uint8_t prio = CONFIG_ISSET(cr, CONFIG_RLOC_PRIORITY) ?
			    cr->priority : 0;
			uint8_t w = CONFIG_ISSET(cr, CONFIG_RLOC_WEIGHT) ?
			    cr->weight : 0;

			if (cfgaddr(&cr->address, &rl[nrl].addr) == 0) {
				rl[nrl].priority = prio;
				rl[nrl].weight = w;
				rl[nrl].local = cp->nl != NULL &&
				    cpnl_is_local(cp->nl, &rl[nrl].addr);
				nrl++;
				continue;
			}
			if (cr->interface == NULL)
				continue;	/* json-name and friends */
			for (k = 0; k < nna && nrl < CP_MAXRLOCS; k++) {
				if (strcmp(na[k].ifname, cr->interface) != 0)
					continue;
				rl[nrl].addr = na[k].addr;
				rl[nrl].priority = prio;
				rl[nrl].weight = w;
				rl[nrl].local = 1;
				nrl++;
			}
		}
		for (j = 0; j < dm->nprefixes; j++) {
			if (cfgeid(&dm->prefixes[j], &db[ndb].eid) == -1)
				continue;
			eids[neids++] = db[ndb].eid;
			if (dm->prefixes[j].ms_name != NULL)
				snprintf(db[ndb].ms_name,
				    sizeof(db[ndb].ms_name), "%s",
				    dm->prefixes[j].ms_name);
			if (CONFIG_ISSET(&dm->prefixes[j], CONFIG_EID_REG_TTL))
				db[ndb].ttl = dm->prefixes[j].register_ttl;
			/* Each db entry owns a copy (etr_set_db deep-copies). */
			db[ndb].rlocs = rl;
			db[ndb].nrlocs = nrl;
			ndb++;
		}
		for (q = 0; q < nrl; q++) {
			if (!rl[q].local)
				continue;
			for (k = 0; k < nlocal; k++)
				if (cpa_addr_eq(&local[k], &rl[q].addr))
					break;
			if (k < nlocal || nlocal == ITR_MAX_LOCAL)
				continue;
			/*
			 * By priority, ties in file order: the first of each
			 * family is the data plane's outer source, and the
			 * ITR-RLOC that carries our LISP-crypto key (the ETR
			 * keys the decryption by that address).
			 */
			for (k = nlocal; k > 0 &&
			    lprio[k - 1] > rl[q].priority; k--) {
				local[k] = local[k - 1];
				lprio[k] = lprio[k - 1];
			}
			local[k] = rl[q].addr;
			lprio[k] = rl[q].priority;
			nlocal++;
		}
	}
	/* Without database-mappings, any global address is an ITR-RLOC. */
	if (nlocal == 0)
		for (k = 0; k < nna && nlocal < ITR_MAX_LOCAL; k++)
			local[nlocal++] = na[k].addr;
	if (cp->etr != NULL)
		(void)etr_set_db(cp->etr, db, ndb, cp_now(cp));
	if (cp->itr != NULL) {
		itr_set_local(cp->itr, local, nlocal);
		(void)itr_set_eids(cp->itr, eids, neids);
	}
out:
	for (i = 0; rls != NULL && i < cfg->ndbmaps; i++)
		free(rls[i]);
	free(rls);
	free(db);
	free(eids);
}

/* data-plane-security = yes: our own RFC 8061 key exchange. */
static void
cp_apply_crypto(struct cp *cp, const struct cp_env *env)
{
	struct cpc	*c = NULL;

	if (cp->cfg->xtr.data_plane_security) {
		if (cp->crypto == NULL &&
		    (cp->crypto = cpc_new(&cp->cpcp, env)) == NULL)
			log_warnx("cp: lisp-crypto: no key pair, running "
			    "without data-plane-security");
		else
			log_debug("cp: lisp-crypto on, offering cipher "
			    "suite %u", cpc_suite(cp->crypto));
		c = cp->crypto;
	}
	if (cp->itr != NULL && cp->itr->crypto != c) {
		/* Turned on or off by a reload: entries with(out) keys. */
		itr_set_crypto(cp->itr, c);
		itr_resync(cp->itr, cp_now(cp));
	}
	if (cp->etr != NULL)
		etr_set_crypto(cp->etr, c);
}

static void
cp_apply_config(struct cp *cp, struct lisp_config *cfg)
{
	struct cp_env		 env = { env_send, env_dp_send, env_rand, cp };
	struct dpipc_addr	 mr[ITR_MAX_RESOLVERS];
	size_t			 nmr = 0, i, j;
	int			 en = cfg->enable.set != 0;

	config_free(cp->cfg);
	cp->cfg = cfg;
	/* Without `lisp enable` we are what EVE runs: an ITR and an ETR. */
	cp->itr_on = !en || cfg->enable.itr;
	cp->etr_on = !en || cfg->enable.etr;
	cp->itrp.probing = cfg->xtr.rloc_probing;
	if (cp->itr_on && cp->itr == NULL &&
	    (cp->itr = itr_new(&cp->itrp, &env)) == NULL)
		fatal("cp: itr_new");
	if (!cp->itr_on) {
		itr_free(cp->itr);
		cp->itr = NULL;
	}
	if (cp->itr != NULL) {
		cp->itr->p.probing = cp->itrp.probing;
		for (i = 0; i < cfg->nmr; i++) {
			for (j = 0; j < cfg->mr[i].naddrs &&
			    nmr < ITR_MAX_RESOLVERS; j++)
				if (cfgaddr(&cfg->mr[i].addrs[j],
				    &mr[nmr]) == 0)
					nmr++;
			for (j = 0; j < cfg->mr[i].ndns_names; j++)
				nmr += resolve(cfg->mr[i].dns_names[j],
				    mr + nmr, ITR_MAX_RESOLVERS - nmr);
		}
		itr_set_resolvers(cp->itr, mr, nmr);
		itr_clear_config(cp->itr);
		for (i = 0; i < cfg->nmapcaches; i++) {
			const struct config_mapcache *mc = &cfg->mapcaches[i];
			struct itr_rloc rl[CP_MAXRLOCS];
			size_t n = 0;

			memset(rl, 0, sizeof(rl));
			for (j = 0; j < mc->nrlocs && n < CP_MAXRLOCS; j++)
				if (cfgaddr(&mc->rlocs[j].address,
				    &rl[n].addr) == 0) {
					rl[n].priority = mc->rlocs[j].priority;
					rl[n].weight = mc->rlocs[j].weight;
					rl[n].reach = 1;
					n++;
				}
			for (j = 0; j < mc->nprefixes; j++) {
				struct cp_eid e;

				if (cfgeid(&mc->prefixes[j], &e) == 0)
					(void)itr_add_config(cp->itr, &e, rl,
					    n);
			}
		}
	}
	if (cp->etr_on && cp->etr == NULL) {
		if ((cp->etr = etr_new(&cp->etrp, &env)) == NULL)
			fatal("cp: etr_new");
		etr_set_xtr_id(cp->etr, cp->xtr_id, 0);
	}
	if (!cp->etr_on) {
		etr_free(cp->etr);
		cp->etr = NULL;
	}
	if (cp->etr != NULL) {
		etr_clear_ms(cp->etr);
		for (i = 0; i < cfg->nms; i++) {
			const struct config_ms *ms = &cfg->ms[i];
			struct dpipc_addr a[8];
			size_t n = 0;
			uint8_t alg = ms->auth_type == CONFIG_AUTH_SHA1 ?
			    1 : 2;

			if (ms->auth_key.key == NULL) {
				log_warnx("cp: map-server at line %d has no "
				    "authentication-key: not registering",
				    ms->line);
				continue;
			}
			for (j = 0; j < ms->naddrs && n < 8; j++)
				if (cfgaddr(&ms->addrs[j], &a[n]) == 0)
					n++;
			for (j = 0; j < ms->ndns_names; j++)
				n += resolve(ms->dns_names[j], a + n, 8 - n);
			if (CONFIG_ISSET(ms, CONFIG_MS_SITE_ID))
				etr_set_xtr_id(cp->etr, cp->xtr_id,
				    ms->site_id);
			for (j = 0; j < n; j++)
				(void)etr_add_ms(cp->etr, &a[j], ms->name,
				    ms->auth_key.id, alg, ms->auth_key.key,
				    strlen(ms->auth_key.key),
				    ms->want_map_notify, ms->proxy_reply,
				    cp_now(cp));
		}
	}
	if (cfg->enable.map_server || cfg->enable.map_resolver ||
	    cfg->enable.ddt_node) {
		if (cp->ms == NULL) {
			if ((cp->ms = ms_new(cfg)) == NULL)
				fatal("cp: ms_new");
		} else if (ms_reconfigure(cp->ms, cfg) == -1)
			log_warnx("cp: map-server reconfiguration failed");
	} else {
		ms_free(cp->ms);
		cp->ms = NULL;
	}
	cp_apply_crypto(cp, &env);
	cp_apply_rlocs(cp);
}

static int
cp_config(struct cp *cp, int fd)
{
	struct stat		 st;
	struct lisp_config	*cfg;
	char			*text;
	int			 nerr = 0;

	if (fstat(fd, &st) == -1 || st.st_size > CONFIG_FILE_MAX)
		return -1;
	text = mmap(NULL, (size_t)st.st_size + 1, PROT_READ, MAP_PRIVATE, fd,
	    0);
	if (text == MAP_FAILED)
		return -1;
	cfg = config_parse_buffer("lisp.config", text, (size_t)st.st_size,
	    &nerr);
	munmap(text, (size_t)st.st_size + 1);
	if (cfg == NULL || nerr > 0) {
		config_free(cfg);
		return -1;
	}
	cp_apply_config(cp, cfg);
	return 0;
}

/* --- control packets ------------------------------------------------------- */

static void
cp_decode_error(struct cp *cp, int rc, const struct dpipc_addr *src)
{
	char	 a[CPA_STRLEN];

	cp->c[CP_C_RX_ERROR]++;
	if (-rc > 0 && -rc < LISP_E_MAX)
		cp->decode_err[-rc]++;
	LOG_RL(LOG_LVL_INFO, "cp: bad control packet from %s: %s",
	    cpa_addr_fmt(src, a, sizeof(a)), lisp_strerror(-rc));
}

static void
cp_input(struct cp *cp, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, const struct dpipc_addr *local)
{
	struct lisp_msg		 m, in;
	struct dpipc_addr	 src;
	uint16_t		 sport;
	size_t			 auth_off = 0;
	double			 now = cp_now(cp);
	int			 rc;

	cp->c[CP_C_RX]++;
	ss_to_addr(from, &src, &sport);
	if (cp->ms != NULL && ms_input(cp->ms, buf, len, from,
	    (uint64_t)(now * 1000), ms_send, cp) != MS_NOT_MINE)
		return;
	if ((rc = lisp_msg_decode(buf, len, &m, NULL, &auth_off)) != 0) {
		cp_decode_error(cp, rc, &src);
		return;
	}
	switch (m.type) {
	case LISP_MAP_REQUEST:
		if (m.u.mreq.flags & LISP_MREQ_S) {
			if (cp->itr == NULL)
				goto off;
			itr_input_smr(cp->itr, &m.u.mreq, &src, now);
			break;
		}
		if (cp->etr == NULL)
			goto off;
		(void)etr_input_request(cp->etr, &m.u.mreq, &src, sport,
		    local, now);
		break;
	case LISP_ECM:
		if ((rc = lisp_msg_decode(m.u.ecm.payload,
		    m.u.ecm.payload_len, &in, NULL, NULL)) != 0) {
			cp_decode_error(cp, rc, &src);
			break;
		}
		if (in.type != LISP_MAP_REQUEST)
			cp->c[CP_C_ECM_NOT_REQUEST]++;
		else if (in.u.mreq.flags & LISP_MREQ_P)
			cp->c[CP_C_ECM_PROBE]++;
		else if (cp->etr == NULL)
			cp->c[CP_C_ROLE_OFF]++;
		else
			(void)etr_input_request(cp->etr, &in.u.mreq, &src,
			    m.u.ecm.inner_sport, NULL, now);
		lisp_msg_free(&in);
		break;
	case LISP_MAP_REPLY:
		if (cp->itr == NULL)
			goto off;
		(void)itr_input_reply(cp->itr, &m.u.mrep, &src, now);
		break;
	case LISP_MAP_NOTIFY:
		if (cp->etr == NULL)
			goto off;
		(void)etr_input_notify(cp->etr, buf, len, auth_off,
		    &m.u.mreg, &src, now);
		break;
	default:
		cp->c[CP_C_UNEXPECTED]++;
		break;
	}
	lisp_msg_free(&m);
	return;
off:
	cp->c[CP_C_ROLE_OFF]++;
	lisp_msg_free(&m);
}

static void
sock_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp		*cp = w->data;
	struct sockaddr_storage	 from;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*c;
	struct dpipc_addr	 local;
	uint8_t			 cbuf[256];
	ssize_t			 n;
	int			 k;

	(void)loop;
	(void)revents;
	for (k = 0; k < 64; k++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = cp->pkt;
		iov.iov_len = sizeof(cp->pkt);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(w->fd, &mh, MSG_DONTWAIT)) == -1)
			return;
		memset(&local, 0, sizeof(local));
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				cpa_host(&local, AF_INET, &pi.ipi_addr);
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				cpa_host(&local, AF_INET6, &pi.ipi6_addr);
			}
		}
		cp_input(cp, cp->pkt, (size_t)n, &from,
		    local.af != 0 ? &local : NULL);
	}
}

/* UDP 4342, v4 and v6, opened by the parent (see proc.h). */
int
cp_sock_open(int af)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	int			 s, one = 1;

	if ((s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_UDP)) == -1)
		return -1;
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(LISP_CONTROL_PORT);
		if (setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one,
		    sizeof(one)) == -1 ||
		    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			goto fail;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(LISP_CONTROL_PORT);
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) == -1 ||
		    setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one)) == -1 ||
		    bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) == -1)
			goto fail;
	}
	return s;
fail:
	close(s);
	return -1;
}

/* --- netlink, timers, dump ------------------------------------------------- */

static void
nl_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;
	int		 rc;

	(void)loop;
	(void)revents;
	if ((rc = cpnl_read(cp->nl)) == 1) {
		log_info("cp: local addresses changed");
		cp_apply_rlocs(cp);
	} else if (rc == -1)
		LOG_RL(LOG_LVL_WARN, "cp: netlink read failed");
}

static void	cp_tick(struct cp *, double);

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cp	*cp = w->data;

	(void)revents;
	cp_tick(cp, ev_now(loop));
}

static void
cp_tick(struct cp *cp, double now)
{
	if (cp->itr != NULL)
		itr_tick(cp->itr, now);
	if (cp->etr != NULL)
		etr_tick(cp->etr, now);
	if (cp->ms != NULL)
		(void)ms_expire(cp->ms, (uint64_t)(now * 1000));
	if (cp->crypto != NULL)
		cpc_tick(cp->crypto, now);
}

static void
dump_line(void *arg, const char *l)
{
	(void)arg;
	log_info("%s", l);
}

static void
dump_reg(void *arg, const struct ms_reg_view *v)
{
	char			 l[1024], e[LISP_ADDR_STRLEN], a[LISP_ADDR_STRLEN];
	size_t			 i;
	int			 n;

	(void)arg;
	if (v->rec == NULL) {
		log_info("registration site %s none", v->site_name);
		return;
	}
	n = snprintf(l, sizeof(l), "registration site %s eid %s/%u",
	    v->site_name, lisp_addr_fmt(&v->rec->eid, e, sizeof(e)),
	    v->rec->mask_len);
	for (i = 0; i < v->rec->loc_count && n > 0 && (size_t)n < sizeof(l);
	    i++)
		n += snprintf(l + n, sizeof(l) - (size_t)n, " %s/p%u/w%u",
		    lisp_addr_fmt(&v->rec->locs[i].addr, a, sizeof(a)),
		    v->rec->locs[i].priority, v->rec->locs[i].weight);
	log_info("%s", l);
}

static void
cp_dump(struct cp *cp)
{
	double	 now = cp_now(cp);
	int	 i;

	log_info("state: begin");
	log_info("state: roles itr %s etr %s map-server %s configuration %u",
	    cp->itr ? "yes" : "no", cp->etr ? "yes" : "no",
	    cp->ms ? "yes" : "no", cp->config_gen);
	if (cp->etr != NULL)
		etr_dump(cp->etr, now, dump_line, NULL);
	if (cp->itr != NULL)
		itr_dump(cp->itr, now, dump_line, NULL);
	if (cp->ms != NULL)
		ms_walk_sites(cp->ms, dump_reg, NULL);
	if (cp->crypto != NULL)
		cpc_dump(cp->crypto, now, dump_line, NULL);
	for (i = 0; i < CP_C_MAX; i++)
		log_info("counter %s %llu", cp_cnames[i],
		    (unsigned long long)cp->c[i]);
	for (i = 1; i < LISP_E_MAX; i++)
		log_info("counter decode-error-%d %llu", i,
		    (unsigned long long)cp->decode_err[i]);
	for (i = 0; cp->itr != NULL && i < ITR_C_MAX; i++)
		log_info("counter itr-%s %llu", itr_counter_name(i),
		    (unsigned long long)cp->itr->c[i]);
	for (i = 0; cp->etr != NULL && i < ETR_C_MAX; i++)
		log_info("counter etr-%s %llu", etr_counter_name(i),
		    (unsigned long long)cp->etr->c[i]);
	for (i = 0; cp->crypto != NULL && i < CPC_C_MAX; i++)
		log_info("counter crypto-%s %llu", cpc_counter_name(i),
		    (unsigned long long)cp->crypto->c[i]);
	for (i = 0; cp->ms != NULL && i < MS_C_MAX; i++)
		log_info("counter ms-%s %llu", ms_counter_name(i),
		    (unsigned long long)ms_counter(cp->ms, i));
	log_info("state: end");
}

/* --- parent channel -------------------------------------------------------- */

static void
cp_arm(struct cp *cp)
{
	if (ipc_pending(&cp->ipc))
		ev_io_start(cp->loop, &cp->wio);
	else
		ev_io_stop(cp->loop, &cp->wio);
}

static void
cp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;

	(void)loop;
	(void)revents;
	if (ipc_flush(&cp->ipc) == -1)
		fatal("cp: write to parent");
	cp_arm(cp);
}

static void
cp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;
	struct ipc_msg	 m;
	uint8_t		 done[8];
	uint32_t	 kind;
	int		 r, k;

	(void)revents;
	while ((r = ipc_get(&cp->ipc, &m)) == 1) {
		switch (m.type) {
		case PROC_MSG_SOCKET:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1)
				fatalx("cp: bad SOCKET message");
			kind = (uint32_t)m.data[0] << 24 |
			    (uint32_t)m.data[1] << 16 |
			    (uint32_t)m.data[2] << 8 | m.data[3];
			if (kind >= PROC_CPSOCK_MAX)
				fatalx("cp: bad socket kind %u", kind);
			k = (int)kind;
			if (cp->sock[k] != -1) {
				ev_io_stop(cp->loop, &cp->sock_io[k]);
				close(cp->sock[k]);
			}
			cp->sock[k] = m.fd;
			ev_io_init(&cp->sock_io[k], sock_read_cb, m.fd,
			    EV_READ);
			cp->sock_io[k].data = cp;
			ev_io_start(cp->loop, &cp->sock_io[k]);
			break;
		case PROC_MSG_CONFIG:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1)
				fatalx("cp: bad CONFIG message");
			cp->config_gen = (uint32_t)m.data[0] << 24 |
			    (uint32_t)m.data[1] << 16 |
			    (uint32_t)m.data[2] << 8 | m.data[3];
			memcpy(done, m.data, 4);
			memset(done + 4, 0, 4);
			if (cp_config(cp, m.fd) == -1) {
				log_warnx("cp: configuration %u not applied",
				    cp->config_gen);
				done[7] = 1;
			}
			close(m.fd);
			if (ipc_compose(&cp->ipc, PROC_MSG_CONFIG_DONE, 0,
			    (uint32_t)getpid(), -1, done, sizeof(done)) == -1)
				fatal("cp: compose");
			break;
		case PROC_MSG_CPDP:
			if (ipc_check_len(&m, 0) == -1 || m.fd == -1)
				fatalx("cp: bad CPDP message");
			if (cp->cpdp != -1) {
				ev_io_stop(cp->loop, &cp->cpdp_io);
				close(cp->cpdp);
			}
			cp->cpdp = m.fd;
			ev_io_init(&cp->cpdp_io, cpdp_read_cb, m.fd, EV_READ);
			cp->cpdp_io.data = cp;
			ev_io_start(cp->loop, &cp->cpdp_io);
			/* The data plane says restart; answered then. */
			break;
		case PROC_MSG_LOGLEVEL:
			if (ipc_check_len(&m, 4) == -1 || m.data[0] != 0 ||
			    m.data[1] != 0 || m.data[2] != 0 || m.data[3] > 2)
				fatalx("cp: bad LOGLEVEL message");
			log_setlevel(m.data[3]);
			break;
		case PROC_MSG_DUMP:
			cp_dump(cp);
			break;
		default:
			if (m.fd != -1)
				close(m.fd);
			fatalx("cp: unexpected message type %u", m.type);
		}
	}
	if (r == -1) {
		if (errno == EPIPE || errno == 0 || errno == ECONNRESET) {
			log_debug("cp: parent went away");
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		fatal("cp: read from parent");
	}
	cp_arm(cp);
}

static void
cp_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int
cp_main(int ipcfd, int debug)
{
	static struct cp	 cp;

	(void)debug;
	log_procinit("lisp-ztr-cp");
	memset(&cp, 0, sizeof(cp));
	cp_g = &cp;
	cp.cpdp = -1;
	cp.sock[0] = cp.sock[1] = -1;
	if (sodium_init() == -1)
		fatalx("cp: sodium_init");
	randombytes_buf(cp.xtr_id, sizeof(cp.xtr_id));
	cp.itrp.req_interval = envd("LISPZTR_MAP_REQUEST_INTERVAL", 0);
	cp.itrp.global_rate = envd("LISPZTR_MAP_REQUEST_RATE", 0);
	cp.itrp.retrans_tries = (unsigned int)envd(
	    "LISPZTR_MAP_REQUEST_RETRIES", 0);
	cp.itrp.smr_interval = envd("LISPZTR_SMR_INTERVAL", 0);
	cp.itrp.probe.interval = envd("LISPZTR_PROBE_INTERVAL", 0);
	cp.itrp.probe.timeout = envd("LISPZTR_PROBE_TIMEOUT", 0);
	cp.itrp.probe.misses = (unsigned int)envd("LISPZTR_PROBE_MISSES", 0);
	cp.etrp.register_interval = envd("LISPZTR_REGISTER_INTERVAL", 0);
	cp.etrp.reply_rate = envd("LISPZTR_REPLY_RATE", 0);
	cp.etrp.smr_interval = envd("LISPZTR_SMR_INTERVAL", 0);
	cp.cpcp.suite = cpc_suite_from_env();
	itr_params_default(&cp.itrp);
	etr_params_default(&cp.etrp);
	cp.loop = ev_default_loop(EVFLAG_AUTO);
	cp_show_register(cp.loop, &cp.itr, &cp.etr, &cp.ms, &cp.crypto);
	if (ipc_init(&cp.ipc, ipcfd) == -1)
		fatal("cp: ipc_init");
	if ((cp.nl = cpnl_open()) == NULL)
		log_warnx("cp: no netlink: RLOCs from literal addresses only");
	else {
		ev_io_init(&cp.nl_io, nl_read_cb, cpnl_fd(cp.nl), EV_READ);
		cp.nl_io.data = &cp;
		ev_io_start(cp.loop, &cp.nl_io);
	}
	ev_io_init(&cp.rio, cp_read_cb, ipcfd, EV_READ);
	ev_io_init(&cp.wio, cp_write_cb, ipcfd, EV_WRITE);
	cp.rio.data = cp.wio.data = &cp;
	ev_io_start(cp.loop, &cp.rio);
	ev_timer_init(&cp.tick, tick_cb, CP_TICK, CP_TICK);
	cp.tick.data = &cp;
	ev_timer_start(cp.loop, &cp.tick);
	ev_signal_init(&cp.sterm, cp_signal_cb, SIGTERM);
	ev_signal_init(&cp.sint, cp_signal_cb, SIGINT);
	ev_signal_start(cp.loop, &cp.sterm);
	ev_signal_start(cp.loop, &cp.sint);
	/* Everything is open: from here on no privilege at all. */
	sandbox_cp();
	log_debug("control plane started");
	ev_run(cp.loop, 0);
	itr_free(cp.itr);
	etr_free(cp.etr);
	ms_free(cp.ms);
	cpc_free(cp.crypto);
	cpnl_close(cp.nl);
	config_free(cp.cfg);
	ipc_clear(&cp.ipc);
	return 0;
}

/* --- harness (cp.h) -------------------------------------------------------- */

struct cp *
cp_harness_new(struct lisp_config *cfg, double now,
    const struct cp_harness_io *io)
{
	struct cp	*cp;

	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		config_free(cfg);
		return NULL;
	}
	cp->cpdp = -1;
	cp->sock[0] = cp->sock[1] = -1;
	cp->fake_now = now;
	cp->hio = *io;
	randombytes_buf(cp->xtr_id, sizeof(cp->xtr_id));
	cp->cpcp.suite = cpc_suite_from_env();
	itr_params_default(&cp->itrp);
	etr_params_default(&cp->etrp);
	cp_apply_config(cp, cfg);
	return cp;
}

void
cp_harness_input(struct cp *cp, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, const struct dpipc_addr *local,
    double now)
{
	cp->fake_now = now;
	cp_input(cp, buf, len, from, local);
}

void
cp_harness_dp(struct cp *cp, const char *text, size_t len, double now)
{
	cp->fake_now = now;
	cp_dp_input(cp, text, len);
}

void
cp_harness_tick(struct cp *cp, double now)
{
	cp->fake_now = now;
	cp_tick(cp, now);
}

void
cp_harness_free(struct cp *cp)
{
	if (cp == NULL)
		return;
	itr_free(cp->itr);
	etr_free(cp->etr);
	ms_free(cp->ms);
	cpc_free(cp->crypto);
	config_free(cp->cfg);
	free(cp);
}
