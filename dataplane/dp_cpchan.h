/* SPDX-License-Identifier: ISC */
/*
 * The data plane's side of the CP <-> DP channel (docs/ARCHITECTURE.md,
 * "The CP <-> DP channel"; /work contract: cpdp-contract.md).  Records
 * are lispers.net IPC datagrams (dpipc.h) whichever transport carries
 * them:
 *
 *   - native: one end of the parent's "cpdp" SOCK_SEQPACKET pair (or, with
 *     -cpdp, a socket connected to an external test control plane);
 *   - lispers.net IPC mode: <lisp-dir>/lisp-ipc-data-plane in, sends to
 *     <lisp-dir>/lispers.net-itr out (dp_lispers.c).
 *
 * Everything here runs on the data-plane main thread (libev) except the
 * functions marked [worker]: workers report misses through a lock-free
 * single-producer ring each, signalled by an eventfd, and are woken
 * through their own eventfd after every map-cache change so that packets
 * held for a destination leave as soon as its mapping arrives.
 */
#ifndef DP_CPCHAN_H
#define DP_CPCHAN_H

#include <stddef.h>
#include <stdint.h>

#include "dpipc.h"

struct ev_loop;

/* State recorded from the control plane (read by dp.c and show-ztr). */
struct dp_cpchan_info {
	int			 have_dbm;	/* database-mappings received */
	size_t			 ndbm;
	struct dpipc_dbmapping	*dbm;
	int			 have_ifs;	/* interfaces received */
	size_t			 nifs;
	struct dpipc_iface	*ifs;
	int			 nat_port;	/* etr-nat-port, -1 unknown */
	int			 crypto_port;	/* itr-crypto-port, -1 unknown */
	int			 have_xp;
	struct dpipc_xtr_params	 xp;
};

void		 dp_cpchan_init(struct ev_loop *);
/* Rings and wake-up descriptors for n workers, before they start. */
int		 dp_cpchan_start(unsigned int nworkers);
void		 dp_cpchan_stop(void);
/* PROC_MSG_CPDP: a new native channel end (replaces the old one). */
void		 dp_cpchan_attach(int fd);
/* PROC_MSG_LISPERS: lispers.net IPC mode with its bound socket. */
void		 dp_cpchan_lispers(int fd, const char *dir);
int		 dp_cpchan_ipcmode(void);
const struct dp_cpchan_info *dp_cpchan_info(void);
/* Extra state-dump lines and counters (SIGUSR1). */
void		 dp_cpchan_dump(void);

/*
 * Decode and apply one record.  Returns 0 (applied or ignored) or -1
 * (malformed: counted, logged rate-limited).
 */
int		 dp_cpchan_input(const char *buf, size_t len);
/* Read every record waiting on fd (native or lispers.net socket). */
int		 dp_cpchan_read(int fd, int stream);
/* Send a DP -> CP record on the active transport: 0 or -1 (counted). */
int		 dp_cpchan_send(const char *text, size_t len);
void		 dp_cpchan_send_restart(void);

/* [worker] A miss for (iid, dst) from src on capture ci: punt it. */
void		 dp_cpchan_miss(unsigned int worker, uint32_t iid, uint8_t afi,
		    const uint8_t *src, const uint8_t *dst, unsigned int ci);
/* [worker] The worker's wake-up eventfd (-1 when none). */
int		 dp_cpchan_wakefd(unsigned int worker);

#endif /* DP_CPCHAN_H */
