/* SPDX-License-Identifier: ISC */
/*
 * What the privileged parent opens for the data plane: one libpcap
 * capture per (worker, lisp interface), joined in a PACKET_FANOUT group
 * per interface, and per worker a raw IPv4 socket, a raw IPv6 socket and
 * UDP 4341 on IPv4 and IPv6 (SO_REUSEPORT).
 *
 * Sockets travel to the data-plane process over lib/ipc (SCM_RIGHTS).
 * Captures cannot: libpcap has no way to adopt a descriptor, and its
 * mmap ring (TPACKET_V2 in immediate mode) is a mapping plus reader state
 * in the pcap_t.  They are therefore opened right before the data plane
 * is forked (without exec) and inherited; the parent closes its copies
 * after the fork, so a restarted data plane always starts with fresh
 * rings.
 *
 * Which device is captured for "lisp interface { device = D }":
 *   - D itself when D starts with "dbo1x" (EVE's management overlay);
 *   - else "s" + D when that device exists (EVE's sister interface: the
 *     kernel routes remote-EID traffic into it, and the bridge D is where
 *     decapsulated packets are sent);
 *   - else D itself (a plain interface).
 * Direction: outgoing only on NOARP devices (dummy, ifb: the kernel
 * "transmits" into them), incoming only otherwise, so that packets the
 * ETR re-injects towards D are never captured again.
 */
#ifndef DP_OPEN_H
#define DP_OPEN_H

#include <net/if.h>

#include <stdint.h>

#include "proc.h"

struct lisp_config;

struct dp_capture {
	void		*pcap;		/* pcap_t; NULL for a vnet capture */
	int		 fd;		/* its selectable descriptor */
	int		 dlt;		/* link type */
	int		 vnet;		/* fd is a dp_vnet.h socket */
	int		 vnet_dlt;	/* link type of its frames */
	uint64_t	 vnet_drops;	/* its kernel drops so far */
};

struct dp_captures {
	unsigned int	 nworkers;
	unsigned int	 nifaces;
	char		 (*device)[IFNAMSIZ];	/* lisp interface device */
	char		 (*capdev)[IFNAMSIZ];	/* what is captured */
	struct dp_capture *cap;		/* [worker * nifaces + iface] */
};

/* Resolve the capture device of `device`; 1 when it is a sister. */
int	dp_capture_device(const char *device, char *out, size_t outlen);

/*
 * Open every capture.  NULL (logged) when any fails.  Interfaces without
 * a device are skipped with a warning.
 */
struct dp_captures *dp_captures_open(const struct lisp_config *,
	    unsigned int nworkers);
void	dp_captures_free(struct dp_captures *);

/* Open worker's sockets into fds[PROC_SOCK_MAX]; -1 (logged) on error. */
int	dp_sockets_open(int fds[PROC_SOCK_MAX]);

/*
 * Segmentation offloads of the data path (docs/ARCHITECTURE.md):
 * DP_OFFLOAD_GRO: UDP_GRO on the 4341 sockets (coalesced datagrams are
 * split by the worker); DP_OFFLOAD_GSO: runs of equal-sized encapsulated
 * packets to one RLOC leave as one UDP_SEGMENT datagram; DP_OFFLOAD_VNET
 * below.  GRO and GSO by default; the environment variable
 * LISP_ZTR_OFFLOAD ("none", "gro", "gso", "gro,gso", any of them with
 * ",vnet") selects them, for measurements and for testing the fallback
 * paths.  A kernel without the feature gets the old path (the
 * setsockopt failure is logged once).
 */
#define DP_OFFLOAD_GRO		0x01
#define DP_OFFLOAD_GSO		0x02
/*
 * DP_OFFLOAD_TUN: the ETR writes decapsulated packets into a TUN device
 * (dp_tun.h), TCP segments of a flow merged by gro.h; token "tun".
 */
#define DP_OFFLOAD_TUN		0x04
/*
 * DP_OFFLOAD_VNET: the ITR captures with offloads on (dp_vnet.h) and
 * segments super-packets itself (token "vnet"); an interface whose
 * vnet capture cannot be opened falls back to pcap.  Off by default,
 * like TUN: alone it lowers the ITR's CPU per byte but hardly moves the
 * TCP figure while the raw-socket ETR bounds it; with TUN output it
 * pays (docs/BENCHMARKS.md).
 */
#define DP_OFFLOAD_VNET		0x08
unsigned int	dp_offloads(void);

/*
 * NAT-translated data (lispers.net `etr-nat-port`, lispers-net-compat
 * 2.6): behind a NAT, RTRs encapsulate to the translated form of lisp-
 * etr's Info-Request port P, from UDP port 4341.  That port belongs to
 * lisp-etr, so the data is captured, with the documented filter
 * "udp dst port P and udp src port 4341", on every device (ifindex 0:
 * the uplinks change at run time and are not named in lisp.config).
 * One AF_PACKET SOCK_DGRAM socket per worker (frames start at the IP
 * header; PACKET_AUXDATA on; read with recvmmsg), in one PACKET_FANOUT
 * hash group when n > 1.  Unlike the interface captures these are plain
 * descriptors, so they travel over lib/ipc (PROC_MSG_NATCAP) to a
 * running data plane.  fds[0..n) on success; -1 (logged, nothing left
 * open) on error.
 */
int	dp_natcap_open(uint16_t port, unsigned int n, int *fds);

#endif /* DP_OPEN_H */
