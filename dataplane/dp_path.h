/* SPDX-License-Identifier: ISC */
/*
 * The per-packet data path, without I/O: what a data-plane worker does
 * with one captured inner packet (ITR) and one UDP 4341 payload (ETR).
 * The daemon's workers (dp_worker.c) and tools/lisp-replay both call
 * these functions, so a replay runs the daemon's very code.
 *
 * ITR: link header -> inner IP parse -> source EID checked against the
 * database-mappings of the interface's instance-id -> map-cache LPM on
 * (IID, destination) -> miss queue, or RLOC chosen by weighted
 * rendezvous hash of the flow -> encapsulation, RFC 9300 7.1 stateless
 * fragmentation, or a rate-limited ICMP too-big -> output.
 * ETR: LISP header and inner packet checked, destination a local EID of
 * the IID, TTL/ECN/DSCP rules -> output of the inner packet.
 *
 * Output goes through struct dp_path_io: slot() lends a buffer of
 * DP_SLOT_SIZE bytes (the inner packet is copied to slot +
 * ENCAP_HEADROOM and the outer headers are written in front of it),
 * emit() takes a finished packet.  A packet passed to emit() lives in
 * the slot last lent for its family or, for the ETR, in the caller's
 * payload buffer: it must be consumed (sent or copied) before the caller
 * reuses that buffer.  slot() returns the next free buffer of the family;
 * asked again before anything was emitted it may return the same one
 * (the path only writes the newest).  One packet in gives at most two
 * packets out (the two pieces of a fragmented one).
 *
 * Threads: one struct dp_path per worker, used by that worker only.
 * The caller sets ->t and ->now for each round and must be an RCU reader
 * of the map-cache (mapcache.h) while it calls in.
 */
#ifndef DP_PATH_H
#define DP_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "decap.h"
#include "dp_stats.h"
#include "encap.h"

struct dp_tables;
struct mapcache;

/* Largest inner packet handled (jumbo frames); larger: no-buffer. */
#define DP_PKT_MAX		9216
/* Tail room: LISP-crypto grows the packet in place (encap.h). */
#define DP_SLOT_SIZE		(ENCAP_HEADROOM + DP_PKT_MAX + ENCAP_TAILROOM)
/* Miss handling (reference values of the legacy data plane). */
#define DP_PENDING_DESTS	64	/* destinations per worker */
#define DP_PENDING_PKTS		10	/* packets per destination */
#define DP_PENDING_TTL_NS	(60ULL * 1000000000ULL)
#define DP_RESOLVE_EVERY_NS	(1000000000ULL)
/* ICMP too-big: at most this many per second per worker, burst 2x. */
#define DP_ICMP_PER_SEC		10

/* Counters beyond the drop reasons of dp_stats.h. */
enum dp_ctr {
	DPC_ITR_PACKETS = DP_DROP_MAX,	/* itr-packets: encapsulated, sent */
	DPC_ITR_BYTES,			/* itr-bytes: inner bytes */
	DPC_ETR_PACKETS,		/* etr-packets: decapsulated, sent */
	DPC_ETR_BYTES,			/* etr-bytes: inner bytes */
	DPC_FRAGMENTED,			/* itr-fragmented: split in two */
	DPC_ICMP_TOO_BIG,		/* icmp-too-big-sent */
	DPC_ICMP_RATELIMITED,		/* icmp-too-big-ratelimited */
	DPC_QUEUED,			/* miss-queued: held for resolution */
	DPC_QUEUE_SENT,			/* miss-queue-sent: sent on resolve */
	DPC_QUEUE_EXPIRED,		/* miss-queue-expired */
	DPC_RESOLVE,			/* resolve-requests to the CP */
	DPC_SEND_ERROR,			/* send-error: raw send failed */
	DPC_NOT_IP,			/* capture-not-ip: other frames */
	DPC_NO_IID,			/* capture-no-iid: interface unmapped */
	DPC_NO_SOURCE,			/* no-source-rloc */
	DPC_PCAP_DROPS,			/* capture-kernel-drops */
	DPC_RX_BATCHES,			/* rx-syscalls: recvmmsg + dispatch */
	DPC_TX_BATCHES,			/* tx-syscalls: sendmmsg calls */
	DPC_UDP_DROPS,			/* udp-socket-drops: 4341 queue full */
	DPC_NAT_CAPTURED,		/* etr-nat-captured: NAT capture rx */
	DPC_RX_GRO_DATAGRAMS,		/* rx-gro-datagrams: coalesced rx */
	DPC_RX_GRO_SEGMENTS,		/* rx-gro-segments: packets in them */
	DPC_TX_GSO_BATCHES,		/* tx-gso-batches: UDP_SEGMENT sends */
	DPC_TX_GSO_SEGMENTS,		/* tx-gso-segments: packets in them */
	DPC_VNET_FRAMES,		/* vnet-frames: vnet capture rx */
	DPC_VNET_GSO_FRAMES,		/* vnet-gso-frames: segmented */
	DPC_VNET_GSO_SEGMENTS,		/* vnet-gso-segments: their pieces */
	DPC_VNET_CSUM,			/* vnet-csum-completed: no GSO */
	DPC_VNET_REJECTED,		/* vnet-rejected: bad vnet header */
	DPC_VNET_LONG,			/* vnet-gso-long-frames: > a batch */
	DPC_TUN_SUPER,			/* tun-super-packets: GSO TUN writes */
	DPC_TUN_MERGED,			/* tun-merged-segments: in them */
	DPC_TUN_SINGLE,			/* tun-single-packets: one-packet writes */
	DPC_TUN_ERROR,			/* tun-write-errors */
	DPC_MAX
};

/* Counter name: a dp_drop name or one of the above. */
const char	*dp_ctr_name(unsigned int);

struct dp_path_io {
	/* A free DP_SLOT_SIZE buffer for a packet of family af. */
	uint8_t	*(*slot)(void *arg, int af);
	/*
	 * Send data[0..len) (a whole IP packet of family af) towards dst
	 * (4 or 16 bytes), out of interface oif when > 0.
	 */
	void	 (*emit)(void *arg, int af, const uint8_t *dst, int oif,
		    const uint8_t *data, size_t len);
	/*
	 * Optional, else emit(): an encapsulated packet as encap_packet()
	 * built it (not a fragment, not an ICMP error), which the worker
	 * may send together with others of its flow (UDP_SEGMENT).
	 */
	void	 (*emit_encap)(void *arg, int af, const uint8_t *dst,
		    const uint8_t *data, size_t len);
	/*
	 * Optional: ask the control plane to resolve (iid, afi, dst) for
	 * the miss queue; src is the source EID of the first packet held
	 * for dst and ci its capture index (index into t->ifs).  Requests
	 * are counted (resolve-requests) either way.
	 */
	void	 (*resolve)(void *arg, uint32_t iid, uint8_t afi,
		    const uint8_t *src, const uint8_t *dst, unsigned int ci);
	void	*arg;
};

struct dp_path_pending;

struct dp_path {
	/* Set by the caller. */
	const struct dp_tables	*t;		/* valid within a round */
	uint64_t		 now;		/* ns, monotonic */
	/* Owned. */
	struct mapcache		*mc;
	unsigned int		 worker;	/* map-cache worker id */
	struct dp_path_io	 io;
	uint64_t		 ctr[DPC_MAX];
	uint64_t		 icmp_last;
	double			 icmp_tokens;
	struct dp_path_pending	*pend;		/* [DP_PENDING_DESTS] */
	uint8_t			 icmpbuf[1400];
	uint8_t			 frag2[DP_SLOT_SIZE];
};

struct dp_path	*dp_path_new(struct mapcache *, unsigned int worker,
		    const struct dp_path_io *);
/* Frees held miss packets; accepts NULL. */
void		 dp_path_free(struct dp_path *);

/*
 * Counters have one writer (the path's thread) and are read by others
 * (the dump): relaxed atomic stores and loads.
 */
static inline void
dp_path_count(struct dp_path *p, unsigned int k, uint64_t v)
{
	__atomic_store_n(&p->ctr[k], p->ctr[k] + v, __ATOMIC_RELAXED);
}

static inline uint64_t
dp_path_counter(const struct dp_path *p, unsigned int k)
{
	return __atomic_load_n(&p->ctr[k], __ATOMIC_RELAXED);
}

/*
 * The IP packet inside a frame of pcap link type dlt: DLT_EN10MB (one
 * 802.1Q tag at most) and DLT_LINUX_SLL with an IPv4/IPv6 ethertype, any
 * other type is taken as raw IP.  Sets *off to its first byte; -1 when
 * the frame carries no IP.
 */
int		 dp_link_ip(int dlt, const uint8_t *frame, size_t caplen,
		    size_t *off);

/*
 * ITR: one frame captured on lisp interface ci (index into t->ifs) with
 * pcap link type dlt (DLT_EN10MB, DLT_LINUX_SLL, anything else is raw
 * IP), caplen bytes of the wire length len.  Every outcome is counted.
 */
void		 dp_itr_frame(struct dp_path *, unsigned int ci, int dlt,
		    const uint8_t *frame, size_t caplen, size_t len);

/* One captured frame for dp_itr_burst(). */
struct dp_frame {
	const uint8_t	*data;
	uint32_t	 caplen;	/* bytes at data */
	uint32_t	 len;		/* wire length */
};

/* Most frames per dp_itr_burst() call. */
#define DP_BURST_MAX		64

/*
 * ITR: n frames of one capture, in order; the same outcome, output and
 * counters as n dp_itr_frame() calls, but the map-cache lookups of the
 * batch are done together (mapcache_lookup_burst) so that their cache
 * misses overlap.  n > DP_BURST_MAX is processed in chunks.  The frames
 * must stay valid during the call only.
 */
void		 dp_itr_burst(struct dp_path *, unsigned int ci, int dlt,
		    const struct dp_frame *, unsigned int n);

/*
 * ETR: one UDP 4341 payload (writable: the inner header is rewritten in
 * place; the emitted inner packet points into it) with what is known of
 * its outer header.  Every outcome is counted.
 */
void		 dp_etr_packet(struct dp_path *, const struct decap_outer *,
		    uint8_t *payload, size_t len);

/*
 * Miss queue: after a map-cache change or once a second, send the held
 * packets whose destination now resolves, expire the old ones and
 * repeat resolution requests.
 */
void		 dp_path_pending_run(struct dp_path *);
/* Packets currently held for resolution. */
size_t		 dp_path_pending_count(const struct dp_path *);

#endif /* DP_PATH_H */
