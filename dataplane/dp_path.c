/* SPDX-License-Identifier: ISC */
/*
 * The per-packet data path shared by the daemon's workers and the replay
 * harness (see dp_path.h).  Moved out of dp_worker.c unchanged in
 * behaviour: the worker kept its I/O (pcap rings, recvmmsg, sendmmsg
 * batches) and calls in here for every packet.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dbmap.h"
#include "decap.h"
#include "dp_crypto.h"
#include "dp_path.h"
#include "dp_tables.h"
#include "encap.h"
#include "log.h"
#include "mapcache.h"
#include "pkt.h"

struct dp_path_pending {
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
	[DPC_NAT_CAPTURED - DP_DROP_MAX] = "etr-nat-captured",
	[DPC_RX_GRO_DATAGRAMS - DP_DROP_MAX] = "rx-gro-datagrams",
	[DPC_RX_GRO_SEGMENTS - DP_DROP_MAX] = "rx-gro-segments",
	[DPC_TX_GSO_BATCHES - DP_DROP_MAX] = "tx-gso-batches",
	[DPC_TX_GSO_SEGMENTS - DP_DROP_MAX] = "tx-gso-segments",
	[DPC_VNET_FRAMES - DP_DROP_MAX] = "vnet-frames",
	[DPC_VNET_GSO_FRAMES - DP_DROP_MAX] = "vnet-gso-frames",
	[DPC_VNET_GSO_SEGMENTS - DP_DROP_MAX] = "vnet-gso-segments",
	[DPC_VNET_CSUM - DP_DROP_MAX] = "vnet-csum-completed",
	[DPC_VNET_REJECTED - DP_DROP_MAX] = "vnet-rejected",
	[DPC_VNET_LONG - DP_DROP_MAX] = "vnet-gso-long-frames",
	[DPC_TUN_SUPER - DP_DROP_MAX] = "tun-super-packets",
	[DPC_TUN_MERGED - DP_DROP_MAX] = "tun-merged-segments",
	[DPC_TUN_SINGLE - DP_DROP_MAX] = "tun-single-packets",
	[DPC_TUN_ERROR - DP_DROP_MAX] = "tun-write-errors",
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

struct dp_path *
dp_path_new(struct mapcache *mc, unsigned int worker,
    const struct dp_path_io *io)
{
	struct dp_path	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->pend = calloc(DP_PENDING_DESTS, sizeof(*p->pend))) == NULL) {
		free(p);
		return NULL;
	}
	p->mc = mc;
	p->worker = worker;
	p->io = *io;
	p->icmp_tokens = DP_ICMP_PER_SEC;
	return p;
}

static void
pending_free(struct dp_path_pending *pp)
{
	unsigned int	 k;

	for (k = 0; k < pp->n; k++)
		free(pp->pkt[k]);
	memset(pp, 0, sizeof(*pp));
}

void
dp_path_free(struct dp_path *p)
{
	unsigned int	 k;

	if (p == NULL)
		return;
	for (k = 0; k < DP_PENDING_DESTS; k++)
		pending_free(&p->pend[k]);
	free(p->pend);
	free(p);
}

size_t
dp_path_pending_count(const struct dp_path *p)
{
	size_t		 n = 0;
	unsigned int	 k;

	for (k = 0; k < DP_PENDING_DESTS; k++)
		if (p->pend[k].used)
			n += p->pend[k].n;
	return n;
}

/* --- ITR --------------------------------------------------------------- */

static inline __attribute__((always_inline)) const struct dp_src *
src_for(const struct dp_tables *t, uint8_t afi, const uint8_t *dst)
{
	size_t	 k;

	/* Constant lengths: the compares inline (one per packet). */
	for (k = 0; k < t->nsrc; k++) {
		if (t->src[k].afi != afi)
			continue;
		if (afi == MAPCACHE_AF_IPV4 ?
		    memcmp(t->src[k].dst, dst, 4) == 0 :
		    memcmp(t->src[k].dst, dst, 16) == 0)
			return &t->src[k];
	}
	return NULL;
}

/*
 * The outer source for RLOC r, and in *mtu the path MTU (0: the
 * default): the route's when there is one, else the configured source
 * of r's family; an IPv4 RLOC without one gets 0.0.0.0, which IPv4 raw
 * sockets fill in, an IPv6 one none (NULL: IPv6 raw sockets do not).
 * The one choice of itr_plain() and itr_general().
 */
static inline __attribute__((always_inline)) const uint8_t *
itr_src(const struct dp_tables *t, const struct mapcache_rloc *r,
    uint16_t *mtu)
{
	static const uint8_t	 zero[16];
	const struct dp_src	*s;

	if ((s = src_for(t, r->afi, r->addr)) != NULL) {
		*mtu = s->mtu;
		return s->src;
	}
	*mtu = 0;
	if (r->afi == MAPCACHE_AF_IPV4)
		return t->has_src4 ? t->src4 : zero;
	return t->has_src6 ? t->src6 : NULL;
}

static int
icmp_allow(struct dp_path *p)
{
	double	 dt = (double)(p->now - p->icmp_last) / 1e9;

	p->icmp_last = p->now;
	p->icmp_tokens += dt * DP_ICMP_PER_SEC;
	if (p->icmp_tokens > 2 * DP_ICMP_PER_SEC)
		p->icmp_tokens = 2 * DP_ICMP_PER_SEC;
	if (p->icmp_tokens < 1.0)
		return 0;
	p->icmp_tokens -= 1.0;
	return 1;
}

static void
itr_too_big(struct dp_path *p, const struct encap_params *ep,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	const struct dp_ifinfo	*ifi;
	const uint8_t		*src;
	uint8_t			*slot;
	size_t			 n;
	int			 af = pi->version == 4 ? AF_INET : AF_INET6;

	if (ci >= p->t->nifs)
		return;
	ifi = &p->t->ifs[ci];
	src = pi->version == 4 ? (ifi->has4 ? ifi->addr4 : NULL) :
	    (ifi->has6 ? ifi->addr6 : NULL);
	if (src == NULL)
		return;
	if (!icmp_allow(p)) {
		dp_path_count(p, DPC_ICMP_RATELIMITED, 1);
		return;
	}
	n = encap_icmp_too_big(ep, pi, inner, src, p->icmpbuf,
	    sizeof(p->icmpbuf));
	if (n == 0)
		return;
	/* Into a slot: icmpbuf is reused before the caller's flush. */
	slot = p->io.slot(p->io.arg, af);
	memcpy(slot, p->icmpbuf, n);
	p->io.emit(p->io.arg, af, pi->src, ifi->oif, slot, n);
	dp_path_count(p, DPC_ICMP_TOO_BIG, 1);
}

/*
 * The general encapsulation of itr_send(): LISP-crypto, a packet that
 * needs fragmenting or an ICMP too-big, a TTL of 0, no IPv6 source;
 * itr_plain() takes every other packet.  Returns the drop reason; the
 * caller counts a packet sent.
 */
static __attribute__((noinline)) enum dp_drop
itr_general(struct dp_path *p, const struct mapcache_rloc *r, uint32_t iid,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci,
    uint64_t h)
{
	struct encap_params		 ep;
	struct encap_pkt		 out[2];
	uint32_t			 nonces[2];
	const uint8_t			*src;
	uint8_t				*slot;
	enum dp_drop			 d;
	int				 af;

	memset(&ep, 0, sizeof(ep));
	af = r->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
	ep.af = af;
	memcpy(ep.dst, r->addr, af == AF_INET ? 4 : 16);
	ep.dport = r->port;
	ep.iid = iid;		/* mapcache_entry_iid() would read the entry */
	if ((src = itr_src(p->t, r, &ep.mtu)) == NULL) {
		dp_path_count(p, DPC_NO_SOURCE, 1);
		return DP_DROP_NO_MAPPING;
	}
	memcpy(ep.src, src, af == AF_INET ? 4 : 16);
	/* LISP-crypto when the RLOC has keys (dp_crypto.h). */
	if (r->key_slot != MAPCACHE_NO_KEY && (d = dp_crypto_encap(p->worker,
	    r->key_slot, DP_SLOT_SIZE - ENCAP_HEADROOM - pi->tot_len,
	    &ep)) != DP_DROP_NONE)
		return d;
	slot = p->io.slot(p->io.arg, af);
	memcpy(slot + ENCAP_HEADROOM, inner, pi->tot_len);
	d = encap_packet(&ep, pi, h, encap_nonce(), slot + ENCAP_HEADROOM,
	    ENCAP_HEADROOM, &out[0]);
	if (d == DP_DROP_TOO_BIG && pi->version == 4 &&
	    (pi->flags & PKT_F_DF) == 0) {
		nonces[0] = encap_nonce();
		nonces[1] = encap_nonce();
		d = encap_fragment(&ep, pi, h, nonces, slot + ENCAP_HEADROOM,
		    ENCAP_HEADROOM, p->frag2, sizeof(p->frag2), out);
		if (d == DP_DROP_NONE) {
			p->io.emit(p->io.arg, ep.af, ep.dst, 0, out[0].data,
			    out[0].len);
			/* frag2 is reused: the second piece goes to a slot. */
			slot = p->io.slot(p->io.arg, af);
			memcpy(slot, out[1].data, out[1].len);
			p->io.emit(p->io.arg, ep.af, ep.dst, 0, slot,
			    out[1].len);
			dp_path_count(p, DPC_FRAGMENTED, 1);
			return DP_DROP_NONE;
		}
	}
	if (d == DP_DROP_TOO_BIG)
		itr_too_big(p, &ep, pi, slot + ENCAP_HEADROOM, ci);
	if (d != DP_DROP_NONE)
		return d;
	if (p->io.emit_encap != NULL)
		p->io.emit_encap(p->io.arg, ep.af, ep.dst, out[0].data,
		    out[0].len);
	else
		p->io.emit(p->io.arg, ep.af, ep.dst, 0, out[0].data,
		    out[0].len);
	return DP_DROP_NONE;
}

/*
 * The common case of itr_send() without the encap_params round trip
 * (encap_plain()): no LISP-crypto key, the source RLOC known, TTL not 0,
 * no fragmenting.  Returns the drop reason (DP_DROP_NONE: sent), or -1
 * (before taking a slot or a random number) when itr_general() is to
 * handle the packet.  The source and MTU are chosen as itr_general()
 * chooses them.
 */
static inline __attribute__((always_inline)) int
itr_plain(struct dp_path *p, const struct mapcache_rloc *r, uint32_t iid,
    const struct pkt_info *pi, const uint8_t *inner, uint64_t h)
{
	const uint8_t			*src;
	uint8_t				*slot, *o;
	size_t				 olen;
	uint32_t			 nonce, id;
	uint16_t			 mtu;
	int				 af;

	if (r->key_slot != MAPCACHE_NO_KEY || pi->ttl == 0)
		return -1;
	af = r->afi == MAPCACHE_AF_IPV4 ? AF_INET : AF_INET6;
	if ((src = itr_src(p->t, r, &mtu)) == NULL)
		return -1;
	if (pi->tot_len + (af == AF_INET ? ENCAP_OVERHEAD4 : ENCAP_OVERHEAD6) >
	    (mtu != 0 ? mtu : ENCAP_MTU_DEFAULT))
		return -1;
	slot = p->io.slot(p->io.arg, af);
	memcpy(slot + ENCAP_HEADROOM, inner, pi->tot_len);
	/* encap_packet()'s order: the nonce, then the IPv4 ID. */
	if (af == AF_INET)
		pkt_rand32_2(&nonce, &id);
	else {
		nonce = pkt_rand32();
		id = 0;
	}
	if ((o = encap_plain(af, src, r->addr, r->port, iid, pi, h, nonce,
	    id, slot + ENCAP_HEADROOM, &olen)) == NULL)
		return DP_DROP_NO_BUFFER;
	if (p->io.emit_encap != NULL)
		p->io.emit_encap(p->io.arg, af, r->addr, o, olen);
	else
		p->io.emit(p->io.arg, af, r->addr, 0, o, olen);
	return DP_DROP_NONE;
}

/*
 * Encapsulate the inner packet pi/inner along entry u (looked up in
 * instance-id iid, which is therefore the entry's): choose the RLOC,
 * copy the inner packet into a send slot of the outer family (at
 * ENCAP_HEADROOM, so the outer headers are written in front of it) and
 * emit it.  Returns the drop reason.  Inlined into its callers: as a
 * call (six saved registers, the stack guard of encap_plain()'s words)
 * it cost about 30 instructions a packet.
 */
static inline __attribute__((always_inline)) enum dp_drop
itr_send(struct dp_path *p, const struct mapcache_use *u, uint32_t iid,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	const struct mapcache_rloc	*r;
	uint64_t			 h = pkt_flow_hash(pi);
	enum dp_drop			 d;
	int				 idx, rc;

	if (u->state == MAPCACHE_NEG_DROP || u->state == MAPCACHE_NEG_NATIVE)
		return DP_DROP_NEGATIVE;
	if ((idx = mapcache_use_select(u, (uint32_t)h)) < 0 ||
	    (r = mapcache_use_rloc(u, (unsigned int)idx)) == NULL)
		return DP_DROP_NO_MAPPING;
	if (pi->tot_len > DP_PKT_MAX)
		return DP_DROP_NO_BUFFER;
	if ((rc = itr_plain(p, r, iid, pi, inner, h)) == -1)
		d = itr_general(p, r, iid, pi, inner, ci, h);
	else
		d = (enum dp_drop)rc;
	if (d != DP_DROP_NONE)
		return d;
	dp_path_count(p, DPC_ITR_PACKETS, 1);
	dp_path_count(p, DPC_ITR_BYTES, pi->tot_len);
	mapcache_use_count(p->mc, p->worker, u, idx, (uint32_t)pi->tot_len);
	return DP_DROP_NONE;
}

/*
 * The control-plane interface for misses: the io hook (the daemon's
 * `discovery` punt, dp_cpchan.c), counted either way.
 */
static void
resolve_request(struct dp_path *p, struct dp_path_pending *pp)
{
	pp->last_resolve = p->now;
	dp_path_count(p, DPC_RESOLVE, 1);
	if (p->io.resolve != NULL)
		p->io.resolve(p->io.arg, pp->iid, pp->afi, pp->src, pp->addr,
		    pp->ci);
}

static enum dp_drop
itr_miss(struct dp_path *p, uint32_t iid, uint8_t afi,
    const struct pkt_info *pi, const uint8_t *inner, unsigned int ci)
{
	struct dp_path_pending	*pp = NULL, *fr = NULL;
	size_t			 alen = afi == MAPCACHE_AF_IPV4 ? 4 : 16;
	unsigned int		 k;

	for (k = 0; k < DP_PENDING_DESTS; k++) {
		if (!p->pend[k].used) {
			if (fr == NULL)
				fr = &p->pend[k];
			continue;
		}
		if (p->pend[k].iid == iid && p->pend[k].afi == afi &&
		    memcmp(p->pend[k].addr, pi->dst, alen) == 0) {
			pp = &p->pend[k];
			break;
		}
	}
	if (pp == NULL) {
		if (fr == NULL)
			return DP_DROP_NO_MAPPING;	/* table full */
		pp = fr;
		pp->used = 1;
		pp->iid = iid;
		pp->afi = afi;
		memcpy(pp->addr, pi->dst, alen);
		memcpy(pp->src, pi->src, alen);
		pp->ci = ci;
		pp->since = p->now;
		resolve_request(p, pp);
	} else if (p->now - pp->last_resolve >= DP_RESOLVE_EVERY_NS)
		resolve_request(p, pp);
	if (pp->n >= DP_PENDING_PKTS)
		return DP_DROP_QUEUE_FULL;
	if ((pp->pkt[pp->n] = malloc(pi->tot_len)) == NULL)
		return DP_DROP_NO_BUFFER;
	memcpy(pp->pkt[pp->n], inner, pi->tot_len);
	pp->len[pp->n] = (uint16_t)pi->tot_len;
	pp->n++;
	dp_path_count(p, DPC_QUEUED, 1);
	return DP_DROP_NONE;
}

void
dp_path_pending_run(struct dp_path *p)
{
	const struct mapcache_entry	*e;
	struct dp_path_pending		*pp;
	struct mapcache_use		 u;
	struct pkt_info			 pi;
	unsigned int			 k, i;
	enum dp_drop			 d;

	for (k = 0; k < DP_PENDING_DESTS; k++) {
		pp = &p->pend[k];
		if (!pp->used)
			continue;
		e = mapcache_lookup(p->mc, pp->iid, pp->afi, pp->addr);
		if (e != NULL && e->state != MAPCACHE_PENDING &&
		    e->state != MAPCACHE_NEG_SEND_MR) {
			mapcache_use(p->mc, p->worker, e, &u);
			for (i = 0; i < pp->n; i++) {
				if (pkt_parse(pp->pkt[i], pp->len[i], &pi) !=
				    DP_DROP_NONE)
					continue;
				d = itr_send(p, &u, pp->iid, &pi, pp->pkt[i],
				    pp->ci);
				dp_path_count(p, d == DP_DROP_NONE ?
				    DPC_QUEUE_SENT : (unsigned int)d, 1);
			}
			pending_free(pp);
			continue;
		}
		if (p->now - pp->since > DP_PENDING_TTL_NS) {
			dp_path_count(p, DPC_QUEUE_EXPIRED, pp->n);
			pending_free(pp);
		} else if (p->now - pp->last_resolve >= DP_RESOLVE_EVERY_NS)
			resolve_request(p, pp);
	}
}

int
dp_link_ip(int dlt, const uint8_t *frame, size_t caplen, size_t *off)
{
	struct rbuf	 rb;
	uint16_t	 etype = 0;

	rbuf_init(&rb, frame, caplen);
	switch (dlt) {
	case DLT_EN10MB:
		if (rbuf_skip(&rb, 12) == -1 || rbuf_get_u16(&rb, &etype) == -1)
			return -1;
		/* One 802.1Q tag at most: sister devices carry none. */
		if (etype == 0x8100 && (rbuf_skip(&rb, 2) == -1 ||
		    rbuf_get_u16(&rb, &etype) == -1))
			return -1;
		if (etype != 0x0800 && etype != 0x86DD)
			return -1;
		break;
	case DLT_LINUX_SLL:
		if (rbuf_skip(&rb, 14) == -1 || rbuf_get_u16(&rb, &etype) == -1)
			return -1;
		if (etype != 0x0800 && etype != 0x86DD)
			return -1;
		break;
	default:
		break;		/* DLT_RAW */
	}
	*off = caplen - rbuf_left(&rb);
	return 0;
}

static inline const struct dp_ifinfo *
if_of(const struct dp_path *p, unsigned int ci)
{
	if (ci >= p->t->nifs || !p->t->ifs[ci].has_iid)
		return NULL;
	return &p->t->ifs[ci];
}

/*
 * The part of the ITR before the map-cache lookup: link header, inner
 * parse, instance-id of the interface, source EID check.  Returns 0 with
 * *pi, *ip and *iid set when the packet goes on to the lookup; -1 when
 * it was dropped (and counted).  Inlined into both callers: as a call
 * with its four out-parameters it cost about 45 instructions a packet
 * more (argument set-up, the stack guard).  ifi is capture ci's
 * interface, NULL when ci has none or no instance-id (if_of(): looked
 * up once a burst).
 */
static inline __attribute__((always_inline)) int
itr_prep(struct dp_path *p, unsigned int ci, const struct dp_ifinfo *ifi,
    int dlt, const uint8_t *frame, size_t caplen, size_t len,
    struct pkt_info *pi, const uint8_t **ip, uint32_t *iid)
{
	size_t			 off;
	enum dp_drop		 d;

	/* Raw IP (tun devices, the replay harness): no link header. */
	if (dlt != DLT_EN10MB && dlt != DLT_LINUX_SLL)
		off = 0;
	else if (dp_link_ip(dlt, frame, caplen, &off) == -1) {
		dp_path_count(p, DPC_NOT_IP, 1);
		return -1;
	}
	if (caplen < len) {
		d = DP_DROP_NO_BUFFER;	/* cut by the snap length */
		goto drop;
	}
	*ip = frame + off;
	if ((d = pkt_parse(*ip, caplen - off, pi)) != DP_DROP_NONE)
		goto drop;
	if (ifi == NULL) {
		dp_path_count(p, DPC_NO_IID, 1);
		return -1;
	}
	if (!dbmap_match(p->t->db, ifi->iid, pi->version == 4 ? AF_INET :
	    AF_INET6, pi->src)) {
		d = DP_DROP_SOURCE_NOT_LOCAL;
		goto drop;
	}
	*iid = ifi->iid;
	return 0;
drop:
	dp_path_count(p, d, 1);
	LOG_RL(LOG_LVL_DEBUG, "itr drop on interface %u: %s", ci,
	    dp_drop_name(d));
	return -1;
}

/*
 * The part after the lookup: miss queue or encapsulation.  Inlined into
 * both callers (one call level less per packet in the burst loop).
 */
static inline __attribute__((always_inline)) void
itr_finish(struct dp_path *p, unsigned int ci, uint32_t iid,
    const struct mapcache_use *u, const struct pkt_info *pi,
    const uint8_t *ip)
{
	enum dp_drop	 d;

	if (u == NULL || u->state == MAPCACHE_PENDING ||
	    u->state == MAPCACHE_NEG_SEND_MR)
		d = itr_miss(p, iid, pi->version == 4 ? MAPCACHE_AF_IPV4 :
		    MAPCACHE_AF_IPV6, pi, ip, ci);
	else
		d = itr_send(p, u, iid, pi, ip, ci);
	if (d == DP_DROP_NONE)
		return;
	dp_path_count(p, d, 1);
	LOG_RL(LOG_LVL_DEBUG, "itr drop on interface %u: %s", ci,
	    dp_drop_name(d));
}

void
dp_itr_frame(struct dp_path *p, unsigned int ci, int dlt,
    const uint8_t *frame, size_t caplen, size_t len)
{
	const struct mapcache_entry	*e;
	const uint8_t			*ip;
	struct mapcache_use		 u;
	struct pkt_info			 pi;
	uint32_t			 iid;

	if (itr_prep(p, ci, if_of(p, ci), dlt, frame, caplen, len, &pi, &ip,
	    &iid) == -1)
		return;
	e = mapcache_lookup(p->mc, iid, pi.version == 4 ? MAPCACHE_AF_IPV4 :
	    MAPCACHE_AF_IPV6, pi.dst);
	if (e != NULL)
		mapcache_use(p->mc, p->worker, e, &u);
	itr_finish(p, ci, iid, e != NULL ? &u : NULL, &pi, ip);
}

/*
 * A batch in three passes: prepare every packet, look all destinations
 * up at once per family (the walks of a burst overlap their cache
 * misses), then finish the packets in their order.  Nothing a packet's
 * finish does changes another packet's preparation or lookup (the
 * map-cache only changes between rounds, the miss queue is consulted in
 * the finish pass), so the outcome is that of dp_itr_frame() one packet
 * at a time.
 *
 * With a large map-cache every packet's worker counter cell is a cache
 * miss (1M entries' cells are 24 MB); the entry itself is not read once
 * the worker has counted it (mapcache_use() takes its state and RLOC
 * set from the cell), so a packet misses on its trie walk and its cell
 * only.  The finish pass is software-pipelined: while packet k is
 * finished, the cell of packet k + DP_AHEAD is prefetched (its address
 * follows from the entry's address, not from its contents), packet
 * k + 2 is resolved from its cell, and the first DP_AHEAD cells are
 * prefetched before the pass.  Measured (bench_replay, 1M prefixes,
 * same run): prefetching all 64 entries at once right after the lookups
 * stalled on the prefetches themselves (about 25 cycles a packet before
 * the pass started) and still left the first reads of the pass waiting;
 * a distance of 4 to 8 packets hides the misses behind the finish work
 * of the packets in between, 6 was best (again with the cells alone:
 * 4 and 9 were about 3 % slower).
 */
#ifndef DP_AHEAD
#define DP_AHEAD	6
#endif
#if DP_AHEAD < 2
#error "DP_AHEAD below 2: dp_itr_burst() resolves two packets ahead"
#endif

static inline void
entry_prefetch(struct dp_path *p, const struct mapcache_entry *e)
{
	if (e == NULL)
		return;
	/*
	 * Only the worker's counter cell: once the worker has counted an
	 * entry, mapcache_use_start() reads its state and RLOC set from
	 * there and the entry itself is not read (one line a packet less;
	 * for an entry the cell does not hold yet, mapcache_use_start()
	 * prefetches the entry and mapcache_use_end() reads it).
	 */
	mapcache_count_prefetch(p->mc, p->worker, e);
}

/*
 * The lookups of one family in chunks of DP_LOOKUP_CHUNK: the counter
 * cells of a chunk are prefetched before the next chunk is looked up, so
 * that their misses overlap that walk instead of waiting for the finish
 * pass.  Measured (bench_replay, 1M prefixes, the variants alternating
 * pass by pass in one process): chunks of 32 (the map-cache's burst
 * width) gave 5 to 19 % more packets a second than all lookups first;
 * 22 (a batch of 64 as 22 + 22 + 20, so only the last 20 cells wait for
 * the finish pass's own prefetches) about 3 % more than 32, in two
 * sessions (docs/BENCHMARKS.md, encap7 and encap8); 16, 24, 28 and 64
 * were no better.
 */
#ifndef DP_LOOKUP_CHUNK
#define DP_LOOKUP_CHUNK	22
#endif

static unsigned int
lookup_chunks(struct dp_path *p, uint32_t iid, uint8_t afi,
    const uint8_t *const *a, unsigned int n,
    const struct mapcache_entry **e)
{
	unsigned int	 i, k, c;

	for (i = 0; i < n; i += c) {
		c = n - i < DP_LOOKUP_CHUNK ? n - i : DP_LOOKUP_CHUNK;
		mapcache_lookup_burst(p->mc, iid, afi, a + i, c, e + i);
		if (i + c == n)
			break;
		for (k = i; k < i + c; k++)
			entry_prefetch(p, e[k]);
	}
	/* e[0 .. i) are prefetched already. */
	return i;
}

void
dp_itr_burst(struct dp_path *p, unsigned int ci, int dlt,
    const struct dp_frame *f, unsigned int n)
{
	struct pkt_info			 pi[DP_BURST_MAX];
	const uint8_t			*ip[DP_BURST_MAX];
	const uint8_t			*a4[DP_BURST_MAX], *a6[DP_BURST_MAX];
	const struct mapcache_entry	*e4[DP_BURST_MAX], *e6[DP_BURST_MAX];
	const struct mapcache_entry	*e[DP_BURST_MAX + DP_AHEAD];
	struct mapcache_use		 u[DP_BURST_MAX];
	uint8_t				 ok[DP_BURST_MAX];
	uint8_t				 pf[DP_BURST_MAX + DP_AHEAD];
	unsigned int			 k, n4 = 0, n6 = 0, i4 = 0, i6 = 0;
	unsigned int			 p4 = 0, p6 = 0;
	uint32_t			 iid = 0;
	const struct dp_ifinfo		*ifi;

	while (n > DP_BURST_MAX) {
		dp_itr_burst(p, ci, dlt, f, DP_BURST_MAX);
		f += DP_BURST_MAX;
		n -= DP_BURST_MAX;
	}
	ifi = if_of(p, ci);
	for (k = 0; k < n; k++) {
		/* One capture: one interface, one instance-id. */
		ok[k] = itr_prep(p, ci, ifi, dlt, f[k].data, f[k].caplen,
		    f[k].len, &pi[k], &ip[k], &iid) == 0;
		if (!ok[k])
			continue;
		if (pi[k].version == 4)
			a4[n4++] = pi[k].dst;
		else
			a6[n6++] = pi[k].dst;
	}
	/*
	 * Back into packet order (pf: prefetched by lookup_chunks()); the
	 * first DP_AHEAD on their way.  A burst of good IPv4 packets only
	 * (the common case) is looked up into e directly, in order, with
	 * no loop over the packets to put them back.
	 */
	if (n4 == n) {
		p4 = lookup_chunks(p, iid, MAPCACHE_AF_IPV4, a4, n4, e);
		memset(pf, 1, p4);
		memset(pf + p4, 0, n - p4);
		for (k = p4; k < DP_AHEAD && k < n; k++)
			entry_prefetch(p, e[k]);
	} else {
		if (n4 > 0)
			p4 = lookup_chunks(p, iid, MAPCACHE_AF_IPV4, a4, n4,
			    e4);
		if (n6 > 0)
			p6 = lookup_chunks(p, iid, MAPCACHE_AF_IPV6, a6, n6,
			    e6);
		for (k = 0; k < n; k++) {
			if (!ok[k]) {
				e[k] = NULL;
				pf[k] = 1;
			} else if (pi[k].version == 4) {
				pf[k] = i4 < p4;
				e[k] = e4[i4++];
			} else {
				pf[k] = i6 < p6;
				e[k] = e6[i6++];
			}
			if (k < DP_AHEAD && !pf[k])
				entry_prefetch(p, e[k]);
		}
	}
	/* Past the end nothing is fetched ahead: no bound in the loop. */
	for (k = n; k < n + DP_AHEAD; k++) {
		e[k] = NULL;
		pf[k] = 1;
	}
	for (k = 0; k < 2 && k < n; k++)
		if (e[k] != NULL) {
			mapcache_use_start(p->mc, p->worker, e[k], &u[k]);
			mapcache_use_prefetch(&u[k], 0);
		}
	for (k = 0; k < n; k++) {
		if (!pf[k + DP_AHEAD])
			entry_prefetch(p, e[k + DP_AHEAD]);
		/*
		 * The RLOC choice reads the entry's set, then the set's
		 * selection table: two dependent loads the 1M-prefix walk
		 * has evicted from L1 (22 % of mapcache_rloc_select()'s
		 * samples).  Two packets ahead, resolve the entry from its
		 * counter cell (in by then) and fetch its set, or fetch the
		 * entry if the cell does not hold it yet (read at k by
		 * mapcache_use_end()); one ahead, fetch the set's table.
		 */
		if (e[k + 2] != NULL) {
			mapcache_use_start(p->mc, p->worker, e[k + 2],
			    &u[k + 2]);
			mapcache_use_prefetch(&u[k + 2], 0);
		}
		if (e[k + 1] != NULL)
			mapcache_use_prefetch(&u[k + 1], 1);
		if (!ok[k])
			continue;
		if (e[k] != NULL)
			mapcache_use_end(p->mc, &u[k]);
		itr_finish(p, ci, iid, e[k] != NULL ? &u[k] : NULL, &pi[k],
		    ip[k]);
	}
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

void
dp_etr_packet(struct dp_path *p, const struct decap_outer *o,
    uint8_t *payload, size_t len)
{
	struct decap_result	 res;
	enum dp_drop		 d;
	int			 iaf;

	/* KK != 0: LISP-crypto, decrypted in place (dp_crypto.h). */
	if ((d = dp_crypto_decap(p->worker, o, &payload, &len)) !=
	    DP_DROP_NONE) {
		dp_path_count(p, d, 1);
		LOG_RL(LOG_LVL_DEBUG, "etr drop: %s", dp_drop_name(d));
		return;
	}
	d = decap_packet(payload, len, o, 0, p->t->db, &res);
	if (d != DP_DROP_NONE) {
		dp_path_count(p, d, 1);
		if (d != DP_DROP_CONTROL_IID)
			LOG_RL(LOG_LVL_DEBUG, "etr drop: %s", dp_drop_name(d));
		return;
	}
	iaf = res.pi.version == 4 ? AF_INET : AF_INET6;
	p->io.emit(p->io.arg, iaf, res.pi.dst, iid_oif(p->t, res.hdr.iid),
	    res.inner, res.inner_len);
	dp_path_count(p, DPC_ETR_PACKETS, 1);
	dp_path_count(p, DPC_ETR_BYTES, res.inner_len);
}
