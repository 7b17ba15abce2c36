/* SPDX-License-Identifier: ISC */
/*
 * Data-plane worker threads.  Each worker owns one capture per lisp
 * interface (a member of that interface's PACKET_FANOUT group), a UDP
 * 4341 socket per family (SO_REUSEPORT group) and a raw socket per
 * family, and runs
 *
 *	poll -> drain captures (pcap_dispatch on the mmap ring) and
 *	recvmmsg the UDP sockets -> encapsulate / decapsulate into per-family
 *	send batches -> sendmmsg -> quiescent state
 *
 * so that a batch of up to DP_BATCH packets costs a handful of system
 * calls.  Map-cache and tables are read without locks (liburcu QSBR): the
 * worker is offline while it sleeps in poll() and announces a quiescent
 * state after every round.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "buf.h"
#include "dbmap.h"
#include "decap.h"
#include "dp.h"
#include "dp_cpchan.h"
#include "dp_open.h"
#include "encap.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"

#define DP_BATCH		64
/* Largest inner packet handled (jumbo frames); larger: no-buffer. */
#define DP_PKT_MAX		9216
#define DP_SLOT_SIZE		(ENCAP_HEADROOM + DP_PKT_MAX)
#define DP_RX_SIZE		(DP_PKT_MAX + 64)
/* Miss handling (reference values of the legacy data plane). */
#define DP_PENDING_DESTS	64	/* destinations per worker */
#define DP_PENDING_PKTS		10	/* packets per destination */
#define DP_PENDING_TTL_NS	(60ULL * 1000000000ULL)
#define DP_RESOLVE_EVERY_NS	(1000000000ULL)
/* ICMP too-big: at most this many per second per worker, burst 2x. */
#define DP_ICMP_PER_SEC		10

struct dp_txq {
	int			 fd;
	unsigned int		 n;
	struct mmsghdr		 msg[DP_BATCH];
	struct iovec		 iov[DP_BATCH];
	struct sockaddr_storage	 to[DP_BATCH];
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cmsg[DP_BATCH];
	uint8_t			*slot[DP_BATCH];	/* DP_SLOT_SIZE each */
};

struct dp_pending {
	int		 used;
	uint32_t	 iid;
	uint8_t		 afi;
	uint8_t		 addr[16];
	uint8_t		 src[16];	/* source EID of the first packet */
	unsigned int	 ci;		/* capture index of the first packet */
	uint64_t	 since;
	uint64_t	 last_resolve;
	unsigned int	 n;
	uint8_t		*pkt[DP_PENDING_PKTS];
	uint16_t	 len[DP_PENDING_PKTS];
};

struct dp_rxq {
	struct mmsghdr		 msg[DP_BATCH];
	struct iovec		 iov[DP_BATCH];
	struct sockaddr_storage	 from[DP_BATCH];
	char			 cmsg[DP_BATCH][128];
	uint8_t			*buf;		/* DP_BATCH * DP_RX_SIZE */
};

struct dp_worker {
	unsigned int		 id;
	pthread_t		 th;
	int			 started;
	int			 fd[PROC_SOCK_MAX];
	struct dp_capture	*cap;		/* [ncap] */
	unsigned int		 ncap;
	struct dp_tables	*t;		/* valid within a round */
	unsigned int		 cur_ci;	/* capture being drained */
	struct dp_txq		 tx4, tx6;
	struct dp_rxq		 rx;
	struct dp_pending	 pend[DP_PENDING_DESTS];
	uint32_t		 seen_mc_gen;
	uint64_t		 now;
	uint64_t		 icmp_last;
	double			 icmp_tokens;
	uint64_t		 ctr[DPC_MAX];
	uint8_t			 icmpbuf[1400];
	uint8_t			 frag2[DP_SLOT_SIZE];
};

static const char *const dp_ctr_names[DPC_MAX - DP_DROP_MAX] = {
	[DPC_ITR_PACKETS - DP_DROP_MAX] = "itr-packets",
	[DPC_ITR_BYTES - DP_DROP_MAX] = "itr-bytes",
	[DPC_ETR_PACKETS - DP_DROP_MAX] = "etr-packets",
	[DPC_ETR_BYTES - DP_DROP_MAX] = "etr-bytes",
	[DPC_FRAGMENTED - DP_DROP_MAX] = "itr-fragmented",
	[DPC_ICMP_TOO_BIG - DP_DROP_MAX] = "icmp-too-big-sent",
	[DPC_ICMP_RATELIMITED - DP_DROP_MAX] = "icmp-too-big-ratelimited",
	[DPC_QUEUED - DP_DROP_MAX] = "miss-queued",
	[DPC_QUEUE_SENT - DP_DROP_MAX] = "miss-queue-sent",
	[DPC_QUEUE_EXPIRED - DP_DROP_MAX] = "miss-queue-expired",
	[DPC_RESOLVE - DP_DROP_MAX] = "resolve-requests",
	[DPC_SEND_ERROR - DP_DROP_MAX] = "send-error",
	[DPC_NOT_IP - DP_DROP_MAX] = "capture-not-ip",
	[DPC_NO_IID - DP_DROP_MAX] = "capture-no-iid",
	[DPC_NO_SOURCE - DP_DROP_MAX] = "no-source-rloc",
	[DPC_PCAP_DROPS - DP_DROP_MAX] = "capture-kernel-drops",
	[DPC_RX_BATCHES - DP_DROP_MAX] = "rx-syscalls",
	[DPC_TX_BATCHES - DP_DROP_MAX] = "tx-syscalls",
	[DPC_UDP_DROPS - DP_DROP_MAX] = "udp-socket-drops",
};

const char *
dp_ctr_name(unsigned int k)
{
	if (k < DP_DROP_MAX)
		return dp_drop_name((enum dp_drop)k);
	if (k < DPC_MAX)
		return dp_ctr_names[k - DP_DROP_MAX];
	return "unknown";
}

static inline void
ctr_add(struct dp_worker *w, unsigned int k, uint64_t v)
{
	/* Single writer: a relaxed store is enough for the reader's sum. */
	__atomic_store_n(&w->ctr[k], w->ctr[k] + v, __ATOMIC_RELAXED);
}

uint64_t
dp_worker_counter(const struct dp_worker *w, unsigned int k)
{
	return __atomic_load_n(&w->ctr[k], __ATOMIC_RELAXED);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- send batches ------------------------------------------------------ */

static void
txq_flush(struct dp_worker *w, struct dp_txq *q)
{
	unsigned int	 off = 0;
	int		 r;

	while (off < q->n) {
		r = sendmmsg(q->fd, q->msg + off, q->n - off, MSG_DONTWAIT);
		ctr_add(w, DPC_TX_BATCHES, 1);
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			/* The first message failed: count it, go on. */
			LOG_RL(LOG_LVL_DEBUG, "worker %u: sendmmsg: %s", w->id,
			    strerror(errno));
			ctr_add(w, DPC_SEND_ERROR, 1);
			off++;
			continue;
		}
		off += (unsigned int)r;
	}
	q->n = 0;
}

static void
tx_flush_all(struct dp_worker *w)
{
	if (w->tx4.n > 0)
		txq_flush(w, &w->tx4);
	if (w->tx6.n > 0)
		txq_flush(w, &w->tx6);
}

/*
 * Queue data[0..len) (it may live in a slot of q or elsewhere until the
 * flush) to `to` of family af, optionally out of interface oif.
 */
static void
txq_add(struct dp_worker *w, struct dp_txq *q, int af, const uint8_t *dst,
    int oif, const uint8_t *data, size_t len)
{
	struct msghdr	*m = &q->msg[q->n].msg_hdr;
	struct cmsghdr	*c;

	memset(m, 0, sizeof(*m));
	memset(&q->to[q->n], 0, sizeof(q->to[q->n]));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&q->to[q->n];

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, dst, 4);
		m->msg_namelen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 =
		    (struct sockaddr_in6 *)&q->to[q->n];

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, dst, 16);
		m->msg_namelen = sizeof(*sin6);
	}
	m->msg_name = &q->to[q->n];
	q->iov[q->n].iov_base = (void *)(uintptr_t)data;
	q->iov[q->n].iov_len = len;
	m->msg_iov = &q->iov[q->n];
	m->msg_iovlen = 1;
	if (oif > 0) {
		/*
		 * The output interface of a re-injected packet: the lisp
		 * interface's device, so that overlapping EID prefixes of
		 * different instance-ids reach their own hosts.
		 */
		m->msg_control = q->cmsg[q->n].buf;
		if (af == AF_INET) {
			struct in_pktinfo pi;

			memset(&pi, 0, sizeof(pi));
			pi.ipi_ifindex = oif;
			m->msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(m);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi6;

			memset(&pi6, 0, sizeof(pi6));
			pi6.ipi6_ifindex = (unsigned int)oif;
			m->msg_controllen = CMSG_SPACE(sizeof(pi6));
			c = CMSG_FIRSTHDR(m);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		}
	}
	q->n++;
	if (q->n == DP_BATCH)
		txq_flush(w, q);
}

static struct dp_txq *
txq_of(struct dp_worker *w, int af)
{
	return af == AF_INET ? &w->tx4 : &w->tx6;
}

/* A free slot buffer of the queue for af (flushing when full). */
static uint8_t *
txq_slot(struct dp_worker *w, int af)
{
	struct dp_txq	*q = txq_of(w, af);

	if (q->n == DP_BATCH)
		txq_flush(w, q);
	return q->slot[q->n];
}

/* --- ITR --------------------------------------------------------------- */

static const struct dp_src *
src_for(const struct dp_tables *t, uint8_t afi, const uint8_t *dst)
{
	size_t	 k, alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;

	for (k = 0; k < t->nsrc; k++)
		if (t->src[k].afi == afi &&
		    memcmp(t->src[k].dst, dst, alen) == 0)
			return &t->src[k];
	return NULL;
}

static int
icmp_allow(struct dp_worker *w)
{
	double	 dt = (double)(w->now - w->icmp_last) / 1e9;

	w->icmp_last = w->now;
	w->icmp_tokens += dt * DP_ICMP_PER_SEC;
	if (w->icmp_tokens > 2 * DP_ICMP_PER_SEC)
		w->icmp_tokens = 2 * DP_ICMP_PER_SEC;
	if (w->icmp_tokens < 1.0)
		return 0;
	w->icmp_tokens -= 1.0;
	return 1;
}

static void
itr_too_big(struct dp_worker *w, const struct encap_params *ep,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	const struct dp_ifinfo	*ifi;
	const uint8_t		*src;
	uint8_t			*slot;
	size_t			 n;
	int			 af = pi->version == 4 ? AF_INET : AF_INET6;

	if (ci >= w->t->nifs)
		return;
	ifi = &w->t->ifs[ci];
	src = pi->version == 4 ? (ifi->has4 ? ifi->addr4 : NULL) :
	    (ifi->has6 ? ifi->addr6 : NULL);
	if (src == NULL)
		return;
	if (!icmp_allow(w)) {
		ctr_add(w, DPC_ICMP_RATELIMITED, 1);
		return;
	}
	n = encap_icmp_too_big(ep, pi, inner, src, w->icmpbuf,
	    sizeof(w->icmpbuf));
	if (n == 0)
		return;
	/* Into a slot: icmpbuf is reused before the flush. */
	slot = txq_slot(w, af);
	memcpy(slot, w->icmpbuf, n);
	txq_add(w, txq_of(w, af), af, pi->src, ifi->oif, slot, n);
	ctr_add(w, DPC_ICMP_TOO_BIG, 1);
}

/*
 * Encapsulate the inner packet pi/inner along entry e: choose the RLOC,
 * copy the inner packet into the next send slot of the outer family (at
 * ENCAP_HEADROOM, so the outer headers are written in front of it) and
 * queue it.  Returns the drop reason.
 */
static enum dp_drop
itr_send(struct dp_worker *w, const struct mapcache_entry *e,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	const struct mapcache_rloc	*r;
	const struct dp_src		*s;
	struct encap_params		 ep;
	struct encap_pkt		 out[2];
	struct dp_txq			*q;
	uint64_t			 h = pkt_flow_hash(pi);
	uint32_t			 nonces[2];
	uint8_t				*slot;
	enum dp_drop			 d;
	int				 idx, af;

	if (e->state == MAPCACHE_NEG_DROP || e->state == MAPCACHE_NEG_NATIVE)
		return DP_DROP_NEGATIVE;
	if ((idx = mapcache_rloc_select(e, (uint32_t)h)) < 0 ||
	    (r = mapcache_rloc_get(e, (unsigned int)idx)) == NULL)
		return DP_DROP_NO_MAPPING;
	if (pi->tot_len > DP_PKT_MAX)
		return DP_DROP_NO_BUFFER;
	memset(&ep, 0, sizeof(ep));
	af = r->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
	ep.af = af;
	memcpy(ep.dst, r->addr, af == AF_INET ? 4 : 16);
	ep.dport = r->port;
	ep.iid = e->iid;
	if ((s = src_for(w->t, r->afi, r->addr)) != NULL) {
		memcpy(ep.src, s->src, 16);
		ep.mtu = s->mtu;
	} else if (af == AF_INET && w->t->has_src4)
		memcpy(ep.src, w->t->src4, 4);
	else if (af == AF_INET6 && w->t->has_src6)
		memcpy(ep.src, w->t->src6, 16);
	else if (af == AF_INET6) {
		/* IPv4 raw sockets fill in a zero source; IPv6 ones do not. */
		ctr_add(w, DPC_NO_SOURCE, 1);
		return DP_DROP_NO_MAPPING;
	}
	q = txq_of(w, af);
	slot = txq_slot(w, af);
	memcpy(slot + ENCAP_HEADROOM, inner, pi->tot_len);
	d = encap_packet(&ep, pi, h, encap_nonce(), slot + ENCAP_HEADROOM,
	    ENCAP_HEADROOM, &out[0]);
	if (d == DP_DROP_TOO_BIG && pi->version == 4 &&
	    (pi->flags & PKT_F_DF) == 0) {
		nonces[0] = encap_nonce();
		nonces[1] = encap_nonce();
		d = encap_fragment(&ep, pi, h, nonces, slot + ENCAP_HEADROOM,
		    ENCAP_HEADROOM, w->frag2, sizeof(w->frag2), out);
		if (d == DP_DROP_NONE) {
			txq_add(w, q, ep.af, ep.dst, 0, out[0].data,
			    out[0].len);
			/* frag2 is reused: the second piece goes to a slot. */
			slot = txq_slot(w, af);
			memcpy(slot, out[1].data, out[1].len);
			txq_add(w, q, ep.af, ep.dst, 0, slot, out[1].len);
			ctr_add(w, DPC_FRAGMENTED, 1);
			goto sent;
		}
	}
	if (d == DP_DROP_TOO_BIG)
		itr_too_big(w, &ep, pi, slot + ENCAP_HEADROOM, ci);
	if (d != DP_DROP_NONE)
		return d;
	txq_add(w, q, ep.af, ep.dst, 0, out[0].data, out[0].len);
sent:
	ctr_add(w, DPC_ITR_PACKETS, 1);
	ctr_add(w, DPC_ITR_BYTES, pi->tot_len);
	mapcache_count(dp_g.mc, w->id, e, idx, (uint32_t)pi->tot_len);
	return DP_DROP_NONE;
}

/* A miss: a `discovery` punt to the control plane (dp_cpchan.c). */
static void
dp_resolve_request(struct dp_worker *w, struct dp_pending *p)
{
	p->last_resolve = w->now;
	ctr_add(w, DPC_RESOLVE, 1);
	dp_cpchan_miss(w->id, p->iid, p->afi, p->src, p->addr, p->ci);
}

static void
pending_free(struct dp_pending *p)
{
	unsigned int	 k;

	for (k = 0; k < p->n; k++)
		free(p->pkt[k]);
	memset(p, 0, sizeof(*p));
}

static enum dp_drop
itr_miss(struct dp_worker *w, uint32_t iid, uint8_t afi,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	struct dp_pending	*p = NULL, *fr = NULL;
	size_t			 alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;
	unsigned int		 k;

	for (k = 0; k < DP_PENDING_DESTS; k++) {
		if (!w->pend[k].used) {
			if (fr == NULL)
				fr = &w->pend[k];
			continue;
		}
		if (w->pend[k].iid == iid && w->pend[k].afi == afi &&
		    memcmp(w->pend[k].addr, pi->dst, alen) == 0) {
			p = &w->pend[k];
			break;
		}
	}
	if (p == NULL) {
		if (fr == NULL)
			return DP_DROP_NO_MAPPING;	/* table full */
		p = fr;
		p->used = 1;
		p->iid = iid;
		p->afi = afi;
		memcpy(p->addr, pi->dst, alen);
		memcpy(p->src, pi->src, alen);
		p->ci = ci;
		p->since = w->now;
		dp_resolve_request(w, p);
	} else if (w->now - p->last_resolve >= DP_RESOLVE_EVERY_NS)
		dp_resolve_request(w, p);
	if (p->n >= DP_PENDING_PKTS)
		return DP_DROP_QUEUE_FULL;
	if ((p->pkt[p->n] = malloc(pi->tot_len)) == NULL)
		return DP_DROP_NO_BUFFER;
	memcpy(p->pkt[p->n], inner, pi->tot_len);
	p->len[p->n] = (uint16_t)pi->tot_len;
	p->n++;
	ctr_add(w, DPC_QUEUED, 1);
	return DP_DROP_NONE;
}

/* After a map-cache change, or periodically: send or expire held packets. */
static void
pending_run(struct dp_worker *w)
{
	const struct mapcache_entry	*e;
	struct dp_pending		*p;
	struct pkt_info			 pi;
	unsigned int			 k, i;
	enum dp_drop			 d;

	for (k = 0; k < DP_PENDING_DESTS; k++) {
		p = &w->pend[k];
		if (!p->used)
			continue;
		e = mapcache_lookup(dp_g.mc, p->iid, p->afi, p->addr);
		if (e != NULL && e->state != MAPCACHE_PENDING &&
		    e->state != MAPCACHE_NEG_SEND_MR) {
			for (i = 0; i < p->n; i++) {
				if (pkt_parse(p->pkt[i], p->len[i], &pi) !=
				    DP_DROP_NONE)
					continue;
				d = itr_send(w, e, &pi, p->pkt[i], p->ci);
				ctr_add(w, d == DP_DROP_NONE ? DPC_QUEUE_SENT :
				    (unsigned int)d, 1);
			}
			pending_free(p);
			continue;
		}
		if (w->now - p->since > DP_PENDING_TTL_NS) {
			ctr_add(w, DPC_QUEUE_EXPIRED, p->n);
			pending_free(p);
		} else if (w->now - p->last_resolve >= DP_RESOLVE_EVERY_NS)
			dp_resolve_request(w, p);
	}
}

/* One captured frame of capture w->cur_ci. */
static void
itr_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *frame)
{
	struct dp_worker		*w = (struct dp_worker *)arg;
	const struct dp_capture		*c = &w->cap[w->cur_ci];
	const struct dp_ifinfo		*ifi;
	const struct mapcache_entry	*e;
	struct pkt_info			 pi;
	struct rbuf			 rb;
	uint16_t			 etype = 0;
	uint8_t				 afi;
	enum dp_drop			 d;

	rbuf_init(&rb, frame, h->caplen);
	switch (c->dlt) {
	case DLT_EN10MB:
		if (rbuf_skip(&rb, 12) == -1 || rbuf_get_u16(&rb, &etype) == -1)
			goto notip;
		/* One 802.1Q tag at most: sister devices carry none. */
		if (etype == 0x8100 && (rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_u16(&rb, &etype) == -1))
			goto notip;
		if (etype != 0x0800 && etype != 0x86DD)
			goto notip;
		break;
	case DLT_LINUX_SLL:
		if (rbuf_skip(&rb, 14) == -1 || rbuf_get_u16(&rb, &etype) == -1)
			goto notip;
		if (etype != 0x0800 && etype != 0x86DD)
			goto notip;
		break;
	default:
		break;		/* DLT_RAW */
	}
	if (h->caplen < h->len) {
		d = DP_DROP_NO_BUFFER;	/* cut by the snap length */
		goto drop;
	}
	if ((d = pkt_parse(rbuf_ptr(&rb), rbuf_left(&rb), &pi)) !=
	    DP_DROP_NONE)
		goto drop;
	if (w->cur_ci >= w->t->nifs || !w->t->ifs[w->cur_ci].has_iid) {
		ctr_add(w, DPC_NO_IID, 1);
		return;
	}
	ifi = &w->t->ifs[w->cur_ci];
	if (!dbmap_match(w->t->db, ifi->iid, pi.version == 4 ? AF_INET :
	    AF_INET6, pi.src)) {
		d = DP_DROP_SOURCE_NOT_LOCAL;
		goto drop;
	}
	afi = pi.version == 4 ? MAPCACHE_AF_IPV4 : MAPCACHE_AF_IPV6;
	e = mapcache_lookup(dp_g.mc, ifi->iid, afi, pi.dst);
	if (e == NULL || e->state == MAPCACHE_PENDING ||
	    e->state == MAPCACHE_NEG_SEND_MR)
		d = itr_miss(w, ifi->iid, afi, &pi, rbuf_ptr(&rb), w->cur_ci);
	else
		d = itr_send(w, e, &pi, rbuf_ptr(&rb), w->cur_ci);
	if (d == DP_DROP_NONE)
		return;
drop:
	ctr_add(w, d, 1);
	LOG_RL(LOG_LVL_DEBUG, "itr drop on %s: %s", dp_g.caps->capdev[
	    w->cur_ci], dp_drop_name(d));
	return;
notip:
	ctr_add(w, DPC_NOT_IP, 1);
}

/* --- ETR --------------------------------------------------------------- */

static int
iid_oif(const struct dp_tables *t, uint32_t iid)
{
	size_t	 k;

	for (k = 0; k < t->niidout; k++)
		if (t->iidout[k].iid == iid)
			return t->iidout[k].oif;
	return 0;
}

static void
etr_one(struct dp_worker *w, int af, uint8_t *data, size_t len,
    const struct msghdr *m)
{
	struct decap_outer	 o;
	struct decap_result	 res;
	struct cmsghdr		*c;
	enum dp_drop		 d;
	int			 iaf, v;

	memset(&o, 0, sizeof(o));
	o.af = af;
	o.ttl = 64;
	o.dport = 4341;
	if (af == AF_INET) {
		const struct sockaddr_in *sin = m->msg_name;

		memcpy(o.src, &sin->sin_addr, 4);
		o.sport = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = m->msg_name;

		memcpy(o.src, &sin6->sin6_addr, 16);
		o.sport = ntohs(sin6->sin6_port);
	}
	/* Outer TTL and TOS: the inner header inherits from them. */
	for (c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)(uintptr_t)m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.ttl = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			o.tos = *(const uint8_t *)CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.ttl = (uint8_t)v;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			o.tos = (uint8_t)v;
		}
	}
	d = decap_packet(data, len, &o, 0, w->t->db, &res);
	if (d != DP_DROP_NONE) {
		ctr_add(w, d, 1);
		if (d != DP_DROP_CONTROL_IID)
			LOG_RL(LOG_LVL_DEBUG, "etr drop: %s", dp_drop_name(d));
		return;
	}
	iaf = res.pi.version == 4 ? AF_INET : AF_INET6;
	/* The inner packet stays in the receive buffer until the flush. */
	txq_add(w, txq_of(w, iaf), iaf, res.pi.dst, iid_oif(w->t,
	    res.hdr.iid), res.inner, res.inner_len);
	ctr_add(w, DPC_ETR_PACKETS, 1);
	ctr_add(w, DPC_ETR_BYTES, res.inner_len);
}

static void
etr_drain(struct dp_worker *w, int fd, int af)
{
	struct dp_rxq	*rx = &w->rx;
	int		 n, k, rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		for (k = 0; k < DP_BATCH; k++) {
			struct msghdr *m = &rx->msg[k].msg_hdr;

			rx->iov[k].iov_base = rx->buf + (size_t)k * DP_RX_SIZE;
			rx->iov[k].iov_len = DP_RX_SIZE;
			m->msg_name = &rx->from[k];
			m->msg_namelen = sizeof(rx->from[k]);
			m->msg_iov = &rx->iov[k];
			m->msg_iovlen = 1;
			m->msg_control = rx->cmsg[k];
			m->msg_controllen = sizeof(rx->cmsg[k]);
			m->msg_flags = 0;
		}
		n = recvmmsg(fd, rx->msg, DP_BATCH, MSG_DONTWAIT, NULL);
		ctr_add(w, DPC_RX_BATCHES, 1);
		if (n <= 0)
			return;
		for (k = 0; k < n; k++) {
			struct msghdr *m = &rx->msg[k].msg_hdr;

			if (m->msg_flags & MSG_TRUNC) {
				ctr_add(w, DP_DROP_NO_BUFFER, 1);
				continue;
			}
			etr_one(w, af, rx->iov[k].iov_base, rx->msg[k].msg_len,
			    m);
		}
		/* Re-injected packets point into rx->buf: send them now. */
		tx_flush_all(w);
		if (n < DP_BATCH)
			return;
	}
}

/* --- the loop ---------------------------------------------------------- */

/*
 * Drops the kernel counts for us, read once a second: the capture rings
 * (full ring) and the UDP 4341 sockets (full receive queue, from the
 * socket's SK_MEMINFO_DROPS).  Both are totals since the descriptors
 * were opened, so the counters are set, not added to.
 */
static void
worker_kernel_drops(struct dp_worker *w)
{
	struct pcap_stat	 ps;
	uint32_t		 mi[SK_MEMINFO_VARS];
	socklen_t		 len;
	uint64_t		 drops = 0, udrops = 0;
	unsigned int		 k;
	int			 fd;

	for (k = 0; k < w->ncap; k++)
		if (pcap_stats(w->cap[k].pcap, &ps) == 0)
			drops += ps.ps_drop;
	__atomic_store_n(&w->ctr[DPC_PCAP_DROPS], drops, __ATOMIC_RELAXED);
	for (k = 0; k < 2; k++) {
		fd = w->fd[k == 0 ? PROC_SOCK_UDP4 : PROC_SOCK_UDP6];
		len = sizeof(mi);
		memset(mi, 0, sizeof(mi));
		if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 &&
		    len > SK_MEMINFO_DROPS * sizeof(mi[0]))
			udrops += mi[SK_MEMINFO_DROPS];
	}
	__atomic_store_n(&w->ctr[DPC_UDP_DROPS], udrops, __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
	struct dp_worker	*w = arg;
	struct pollfd		 pfd[64 + 3];
	unsigned int		 k, npfd = 0, wake = 0;
	uint64_t		 ev;
	uint64_t		 last_tick = 0;
	int			 r, rounds;

	rcu_register_thread();
	for (k = 0; k < w->ncap && k < 64; k++) {
		pfd[npfd].fd = w->cap[k].fd;
		pfd[npfd++].events = POLLIN;
	}
	pfd[npfd].fd = w->fd[PROC_SOCK_UDP4];
	pfd[npfd++].events = POLLIN;
	pfd[npfd].fd = w->fd[PROC_SOCK_UDP6];
	pfd[npfd++].events = POLLIN;
	/* Woken by the main thread after map-cache changes. */
	if (dp_cpchan_wakefd(w->id) != -1) {
		wake = npfd;
		pfd[npfd].fd = dp_cpchan_wakefd(w->id);
		pfd[npfd++].events = POLLIN;
	}

	while (!__atomic_load_n(&dp_g.stop, __ATOMIC_RELAXED)) {
		rcu_thread_offline();
		r = poll(pfd, npfd, 200);
		rcu_thread_online();
		if (r == -1 && errno != EINTR) {
			log_warn("worker %u: poll", w->id);
			break;
		}
		w->now = now_ns();
		w->t = rcu_dereference(dp_g.tables);
		if (w->t == NULL)
			goto quiesce;
		for (k = 0; k < w->ncap; k++) {
			if ((pfd[k].revents & (POLLIN | POLLERR)) == 0)
				continue;
			w->cur_ci = k;
			for (rounds = 0; rounds < 4; rounds++) {
				r = pcap_dispatch(w->cap[k].pcap, DP_BATCH,
				    itr_frame, (u_char *)w);
				ctr_add(w, DPC_RX_BATCHES, 1);
				if (r < DP_BATCH)
					break;
			}
			if (r == PCAP_ERROR)
				LOG_RL(LOG_LVL_WARN, "capture %s: %s",
				    dp_g.caps->capdev[k],
				    pcap_geterr(w->cap[k].pcap));
		}
		tx_flush_all(w);
		if (pfd[w->ncap].revents & POLLIN)
			etr_drain(w, w->fd[PROC_SOCK_UDP4], AF_INET);
		if (pfd[w->ncap + 1].revents & POLLIN)
			etr_drain(w, w->fd[PROC_SOCK_UDP6], AF_INET6);
		if (wake > 0 && (pfd[wake].revents & POLLIN))
			(void)read(pfd[wake].fd, &ev, sizeof(ev));
		if (__atomic_load_n(&dp_g.mc_gen, __ATOMIC_ACQUIRE) !=
		    w->seen_mc_gen || w->now - last_tick > 1000000000ULL) {
			w->seen_mc_gen = __atomic_load_n(&dp_g.mc_gen,
			    __ATOMIC_ACQUIRE);
			pending_run(w);
			tx_flush_all(w);
			if (w->now - last_tick > 1000000000ULL) {
				worker_kernel_drops(w);
				last_tick = w->now;
			}
		}
quiesce:
		w->t = NULL;
		mapcache_quiescent(dp_g.mc, w->id);
	}
	for (k = 0; k < DP_PENDING_DESTS; k++)
		pending_free(&w->pend[k]);
	rcu_unregister_thread();
	return NULL;
}

static int
txq_init(struct dp_txq *q, int fd)
{
	unsigned int	 k;

	q->fd = fd;
	for (k = 0; k < DP_BATCH; k++)
		if ((q->slot[k] = malloc(DP_SLOT_SIZE)) == NULL)
			return -1;
	return 0;
}

static void
txq_free(struct dp_txq *q)
{
	unsigned int	 k;

	for (k = 0; k < DP_BATCH; k++)
		free(q->slot[k]);
}

struct dp_worker *
dp_worker_new(unsigned int id)
{
	struct dp_worker	*w;
	unsigned int		 k;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->id = id;
	for (k = 0; k < PROC_SOCK_MAX; k++)
		w->fd[k] = dp_g.fds[id][k];
	w->ncap = dp_g.caps->nifaces;
	w->cap = &dp_g.caps->cap[id * dp_g.caps->nifaces];
	w->icmp_tokens = DP_ICMP_PER_SEC;
	if (txq_init(&w->tx4, w->fd[PROC_SOCK_RAW4]) == -1 ||
	    txq_init(&w->tx6, w->fd[PROC_SOCK_RAW6]) == -1 ||
	    (w->rx.buf = malloc((size_t)DP_BATCH * DP_RX_SIZE)) == NULL) {
		dp_worker_free(w);
		return NULL;
	}
	return w;
}

int
dp_worker_start(struct dp_worker *w)
{
	if ((errno = pthread_create(&w->th, NULL, worker_main, w)) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void
dp_worker_join(struct dp_worker *w)
{
	if (w != NULL && w->started) {
		pthread_join(w->th, NULL);
		w->started = 0;
	}
}

void
dp_worker_free(struct dp_worker *w)
{
	if (w == NULL)
		return;
	txq_free(&w->tx4);
	txq_free(&w->tx6);
	free(w->rx.buf);
	free(w);
}
