/* SPDX-License-Identifier: ISC */
/*
 * The control-plane process is cp_main() (lispd/proc.h).  This is its
 * harness for fuzz/fuzz_cp.c and tests: the same engines and the same
 * dispatch of received control packets (cp_input: map-server first,
 * then Map-Request/ECM/Map-Reply/Map-Notify to the ITR and ETR), without
 * a libev loop, sockets, netlink or data-plane channel: the clock is
 * given, UDP sends and data-plane records go to the callbacks.
 */
#ifndef CP_H
#define CP_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct cp;
struct dpipc_addr;
struct lisp_config;

struct cp_harness_io {
	/* A control packet to dst:dport (from src when not NULL). */
	int	(*udp)(void *arg, const struct dpipc_addr *dst,
		    uint16_t dport, const struct dpipc_addr *src,
		    const uint8_t *buf, size_t len);
	/* One record for the data plane (lispers.net IPC JSON). */
	void	(*dp)(void *arg, const char *text, size_t len);
	/* Nonces (NULL: libsodium's random numbers). */
	uint64_t (*rand)(void *arg);
	void	*arg;
};

/* Takes cfg (freed with the harness, or at once on failure). */
struct cp	*cp_harness_new(struct lisp_config *cfg, double now,
		    const struct cp_harness_io *io);
/* One UDP 4342 payload from `from`, received on `local` (may be NULL). */
void		 cp_harness_input(struct cp *, const uint8_t *buf,
		    size_t len, const struct sockaddr_storage *from,
		    const struct dpipc_addr *local, double now);
/* One record from the data plane (discovery, statistics, restart...). */
void		 cp_harness_dp(struct cp *, const char *text, size_t len,
		    double now);
/* The 0.1 s timer's work (retransmissions, registers, probes, expiry). */
void		 cp_harness_tick(struct cp *, double now);
void		 cp_harness_free(struct cp *);

#endif /* CP_H */
