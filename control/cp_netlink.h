/* SPDX-License-Identifier: ISC */
/*
 * cp_netlink: the local addresses per interface, followed through
 * rtnetlink (libmnl): one dump at start, then RTNLGRP_IPV4_IFADDR and
 * RTNLGRP_IPV6_IFADDR notifications.
 *
 * This is the one exception to "the parent owns netlink"
 * (docs/ARCHITECTURE.md): listening to address notifications needs no
 * privilege, so the unprivileged control plane can do it itself, and a
 * relay through the parent would only add a hop and a failure mode.
 * Nothing is ever written to netlink from here.
 *
 * Kept: IPv4 addresses and IPv6 addresses of global or site scope that
 * are not tentative or deprecated (link-local addresses are not RLOCs).
 */
#ifndef CP_NETLINK_H
#define CP_NETLINK_H

#include <net/if.h>
#include <stddef.h>

#include "dpipc.h"

struct cpnl_addr {
	char			 ifname[IF_NAMESIZE];
	unsigned int		 ifindex;
	struct dpipc_addr	 addr;
};

struct cpnl;

/* Open, subscribe and dump; NULL on failure (logged). */
struct cpnl	*cpnl_open(void);
void		 cpnl_close(struct cpnl *);
int		 cpnl_fd(const struct cpnl *);
/*
 * Read what is waiting.  Returns 1 when the address set changed, 0 when
 * not, -1 on a socket error (an overrun: the table is re-dumped).
 */
int		 cpnl_read(struct cpnl *);
const struct cpnl_addr *cpnl_addrs(const struct cpnl *, size_t *n);
/* 1 when a is one of the addresses. */
int		 cpnl_is_local(const struct cpnl *, const struct dpipc_addr *a);

#endif /* CP_NETLINK_H */
