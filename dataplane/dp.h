/* SPDX-License-Identifier: ISC */
/*
 * The data-plane process: internal interfaces between its main thread
 * (dp.c: channel to the parent, configuration, timers, state dump) and
 * its worker threads (dp_worker.c: the packet loops, I/O only; the
 * per-packet work is dp_path.c, tables from a config dp_tables.c, both
 * shared with tools/lisp-replay).
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

#include "dp_path.h"
#include "dp_stats.h"
#include "dp_tables.h"
#include "proc.h"

struct dp_captures;
struct mapcache;
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
