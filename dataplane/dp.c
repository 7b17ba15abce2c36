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
#include "dp_crypto.h"
#include "dp_ctl.h"
#include "dp_keys.h"
#include "dp_open.h"
#include "dp_tables.h"
#include "ipc.h"
#include "log.h"
#include "mapcache.h"
#include "sandbox.h"

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

static void
dp_if_info(const char *dev, int sister, struct dp_ifinfo *ifi)
{
	ifi->oif = sister ? (int)if_nametoindex(dev) : 0;
	if_addrs(dev, ifi);
}

/*
 * An `rloc { interface = dev }`: the first IPv4 and the first non-link-
 * local IPv6 address of dev, none while dev is down (an administratively
 * down uplink is no source: its address may be gone from the mapping
 * system soon, and the kernel routes around it).
 */
static void
dp_if_rloc(const char *dev, struct dp_ifinfo *ifi)
{
	struct ifaddrs	*ifa, *i;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && strcmp(i->ifa_name, dev) == 0 &&
		    (i->ifa_flags & IFF_UP) == 0)
			goto out;
	if_addrs(dev, ifi);
out:
	freeifaddrs(ifa);
}

static const struct dp_tables_sys dp_sys = {
	.route_src = route_src,
	.if_info = dp_if_info,
	.if_rloc = dp_if_rloc,
};

/*
 * The one-second check of `rloc { interface = }` addresses: when the
 * source RLOCs they give changed, rebuild and republish the tables.
 * getifaddrs() once a second is cheap, needs nothing the sandbox
 * refuses, and works in lispers.net IPC mode too, where no control
 * plane of ours watches netlink.
 */
static void
dp_rloc_check(void)
{
	const struct dp_tables	*t = dp_g.tables;
	struct dp_rlocsrc	 rs;
	char			 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (dp_cfg == NULL || t == NULL ||
	    !dp_tables_rloc_src(dp_cfg, NULL, &rs))
		return;		/* literal addresses only: never changes */
	(void)dp_tables_rloc_src(dp_cfg, &dp_sys, &rs);
	if (rs.has_src4 == t->has_src4 && rs.has_src6 == t->has_src6 &&
	    (!rs.has_src4 || memcmp(rs.src4, t->src4, 4) == 0) &&
	    (!rs.has_src6 || memcmp(rs.src6, t->src6, 16) == 0))
		return;
	log_info("source RLOCs now %s %s",
	    rs.has_src4 ? inet_ntop(AF_INET, rs.src4, a, sizeof(a)) : "-",
	    rs.has_src6 ? inet_ntop(AF_INET6, rs.src6, b, sizeof(b)) : "-");
	dp_tables_refresh();
}

static struct dp_tables *
tables_build(const struct lisp_config *cfg, uint32_t gen)
{
	const struct dp_cpchan_info *ci = dp_cpchan_info();
	struct dp_captures	*dc = dp_g.caps;
	struct dp_tables_sys	 sys = dp_sys;
	struct dp_tables_cp	 cp;
	int			*sister;
	struct dp_tables	*t;
	unsigned int		 i;

	/* What the control plane sent overrides the config (dp_tables.h). */
	memset(&cp, 0, sizeof(cp));
	cp.have_dbm = ci->have_dbm;
	cp.dbm = ci->dbm;
	cp.ndbm = ci->ndbm;
	cp.have_ifs = ci->have_ifs;
	cp.ifs = ci->ifs;
	cp.nifs = ci->nifs;
	sys.cp = &cp;
	if ((sister = calloc(dc->nifaces + 1, sizeof(*sister))) == NULL)
		return NULL;
	for (i = 0; i < dc->nifaces; i++)
		sister[i] = strcmp(dc->device[i], dc->capdev[i]) != 0;
	t = dp_tables_build(cfg, gen, (const char (*)[IFNAMSIZ])dc->device,
	    sister, dc->nifaces, &sys);
	free(sister);
	return t;
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
	/* lispers.net owns the whole map-cache in IPC mode. */
	if (!cfg->xtr.ipc_data_plane && !dp_cpchan_ipcmode()) {
		(void)dp_mapcache_load(dp_g.mc, cfg);
		__atomic_add_fetch(&dp_g.mc_gen, 1, __ATOMIC_RELEASE);
	}
	dp_ctl_config(cfg);
	/* Kept: dp_tables_refresh() rebuilds from it. */
	config_free(dp_cfg);
	dp_cfg = cfg;
	dp_cfg_gen = gen;
	if (old != NULL) {
		/* Workers drop their references at their next round. */
		synchronize_rcu();
		dp_tables_free(old);
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
		dp_tables_free(old);
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
	    "state %u packets %llu rlocs", mapcache_entry_iid(e),
	    afi_ntop(e->afi, e->eid, a, sizeof(a)), e->plen, e->state,
	    (unsigned long long)ec.packets);
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
	if (t != NULL) {
		char	 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		log_info("source-rlocs %s %s", t->has_src4 ? afi_ntop(
		    MAPCACHE_AF_IPV4, t->src4, a, sizeof(a)) : "-",
		    t->has_src6 ? afi_ntop(MAPCACHE_AF_IPV6, t->src6, b,
		    sizeof(b)) : "-");
	}
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

/* --- control socket hooks (dp_ctl.h) ------------------------------------ */

static struct dp_main	*dp_m;

static int
ctl_reload(uint32_t id)
{
	if (ipc_compose(&dp_m->ipc, PROC_MSG_RELOAD, id, (uint32_t)getpid(),
	    -1, NULL, 0) == -1)
		return -1;
	dp_arm(dp_m);
	return 0;
}

static int
ctl_log_level(int level)
{
	uint8_t	 l[4];

	wr32(l, (uint32_t)level);
	if (ipc_compose(&dp_m->ipc, PROC_MSG_LOGLEVEL, 0, (uint32_t)getpid(),
	    -1, l, sizeof(l)) == -1)
		return -1;
	dp_arm(dp_m);
	return 0;
}

static int
ctl_cp_send(const char *text, size_t len)
{
	/* lispers.net never sees our ztr- types. */
	if (dp_cpchan_ipcmode())
		return -1;
	return dp_cpchan_send(text, len);
}

/* --- NAT capture (etr-nat-port) ---------------------------------------- */

/* The port last asked of the parent; its replies are the ones kept. */
static int	dp_natport = -1;

void
dp_natcap_request(int port)
{
	uint8_t	 p[4];

	if (port <= 0 || port > 65535 || port == dp_natport || dp_m == NULL)
		return;
	wr32(p, (uint32_t)port);
	if (ipc_compose(&dp_m->ipc, PROC_MSG_NATCAP, 0, (uint32_t)getpid(),
	    -1, p, sizeof(p)) == -1) {
		log_warn("NAT capture request");
		return;
	}
	dp_natport = port;
	log_info("etr-nat-port %d: asking for the NAT capture", port);
	dp_arm(dp_m);
}

static void
dp_natcap_recv(struct dp_main *dm, int fd, uint32_t worker, uint32_t port)
{
	uint64_t	 one = 1;
	int		 wfd;

	if (!dm->started || worker >= dp_g.nworkers ||
	    (int)port != dp_natport) {
		/* Stale: the port changed again while the parent worked. */
		close(fd);
		return;
	}
	dp_worker_natcap(dp_g.workers[worker], fd);
	if ((wfd = dp_cpchan_wakefd(worker)) != -1)
		(void)write(wfd, &one, sizeof(one));
	log_debug("worker %u: NAT capture for port %u", worker, port);
}

static const struct dp_ctl_hooks dp_ctl_hooks = {
	.reload = ctl_reload,
	.log_level = ctl_log_level,
	.cp_send = ctl_cp_send,
};

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
		for (k = 0; k < PROC_SOCK_NEEDED; k++)
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
		case PROC_MSG_CTL:
			if (ipc_check_len(&m, 0) == -1 || m.fd == -1)
				fatalx("dp: bad CTL message");
			dp_ctl_listen(m.fd);
			break;
		case PROC_MSG_NATCAP:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1)
				fatalx("dp: bad NATCAP message");
			dp_natcap_recv(dm, m.fd, m.peerid, rd32(m.data));
			break;
		case PROC_MSG_RELOAD_DONE:
			if (ipc_check_len(&m, 4) == -1)
				fatalx("dp: bad RELOAD_DONE message");
			dp_ctl_reload_done(m.peerid, rd32(m.data) == 0);
			break;
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
	dp_rloc_check();
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
	const char		*why;
	enum lcrypto_cipher	 cipher;
	unsigned int		 w, k;

	(void)debug;
	log_procinit("lisp-ztr-dp");
	signal(SIGHUP, SIG_IGN);
	/*
	 * The captures are inherited and mapped; every other descriptor
	 * arrives over the channel and needs no privilege to use.  Before
	 * any thread exists (liburcu's, the workers): they inherit it.
	 * libcrypto loads its configuration and ciphers on first use: do
	 * that first, while files may still be opened.
	 */
	dp_crypto_preload();
	sandbox_dp();
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
	/* LISP-crypto keys: one lcrypto slot per worker (dp_crypto.h). */
	cipher = dp_crypto_cipher(&why);
	dp_keys_setup(dc->nworkers, cipher);
	log_info("lisp-crypto encapsulation cipher %s (%s)",
	    lcrypto_cipher_name(cipher), why);
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
	dp_m = &dm;
	dp_ctl_init(dm.loop, &dp_ctl_hooks);
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
	dp_ctl_stop();
	dp_cpchan_stop();
	config_free(dp_cfg);
	dp_cfg = NULL;
	for (w = 0; w < 64; w++)
		for (k = 0; k < PROC_SOCK_MAX; k++)
			if (dp_g.fds[w][k] != -1)
				close(dp_g.fds[w][k]);
	rcu_thread_online();
	dp_tables_free(dp_g.tables);
	dp_g.tables = NULL;
	mapcache_free(dp_g.mc);
	rcu_unregister_thread();
	ipc_clear(&dm.ipc);
	dp_captures_free(dc);
	return 0;
}
