/* SPDX-License-Identifier: ISC */
/*
 * The data-plane process: internal interfaces between its main thread
 * (dp.c: channel to the parent, configuration, timers, state dump) and
 * its worker threads (dp_worker.c: the packet loops).
 *
 * Shared state and who writes it:
 *   - dp_tables: immutable snapshot built from a config by the main
 *     thread, published with rcu_assign_pointer and freed after
 *     synchronize_rcu(); workers read it between quiescent states.
 *   - the map-cache (mapcache.h): one writer (main thread), lock-free
 *     readers (workers), liburcu QSBR.
 *   - counters: per worker, written only by their worker with relaxed
 *     atomic stores, summed by the main thread for the dump.
 */
#ifndef DP_H
#define DP_H

#include <pthread.h>
#include <stdint.h>

#include "dp_stats.h"
#include "proc.h"

struct dbmap;
struct dp_captures;
struct mapcache;

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
	DPC_MAX
};

const char	*dp_ctr_name(unsigned int);

/* Source RLOC and path MTU towards one destination RLOC. */
struct dp_src {
	uint8_t		 afi;		/* 1 IPv4, 2 IPv6 */
	uint8_t		 dst[16];
	uint8_t		 src[16];
	uint16_t	 mtu;
};

struct dp_ifinfo {
	uint32_t	 iid;		/* of the lisp interface */
	int		 has_iid;
	int		 oif;		/* ETR/ICMP output ifindex, 0 = routing */
	uint8_t		 addr4[4];	/* an address of the device, for ICMP */
	uint8_t		 addr6[16];
	int		 has4, has6;
};

struct dp_iidout {
	uint32_t	 iid;
	int		 oif;
};

struct dp_tables {
	uint32_t		 gen;
	struct dbmap		*db;
	struct dp_ifinfo	*ifs;		/* [captures->nifaces] */
	unsigned int		 nifs;
	struct dp_iidout	*iidout;
	size_t			 niidout;
	struct dp_src		*src;
	size_t			 nsrc;
	uint8_t			 src4[4], src6[16];	/* db-mapping RLOCs */
	int			 has_src4, has_src6;
};

struct dp_worker;

/* Process-wide state of the data plane (one instance). */
struct dp {
	struct mapcache		*mc;
	struct dp_tables	*tables;	/* RCU-published */
	struct dp_captures	*caps;
	unsigned int		 nworkers;
	struct dp_worker	**workers;
	int			 fds[64][PROC_SOCK_MAX];
	volatile int		 stop;
	uint32_t		 mc_gen;	/* bumped on map-cache change */
};

extern struct dp	dp_g;

/* Rebuild and publish dp_tables (control-plane overrides changed). */
void		 dp_tables_refresh(void);

struct dp_worker *dp_worker_new(unsigned int id);
int		 dp_worker_start(struct dp_worker *);
void		 dp_worker_join(struct dp_worker *);
void		 dp_worker_free(struct dp_worker *);
/* Relaxed read of one counter, for the dump. */
uint64_t	 dp_worker_counter(const struct dp_worker *, unsigned int);

#endif /* DP_H */
