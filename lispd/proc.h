/* SPDX-License-Identifier: ISC */
/*
 * The three lisp-ztr processes and the messages between them (lib/ipc).
 *
 *   parent -> data plane, at every (re)start of the data plane:
 *	PROC_MSG_SOCKET	  x 4 per worker: fd, peerid = worker, payload
 *			  u32 enum proc_sock
 *	PROC_MSG_CONFIG	  fd = memfd holding the lisp.config text the
 *			  parent parsed successfully, payload u32 generation
 *	PROC_MSG_START	  payload u32 number of workers
 *	PROC_MSG_LISPERS  lispers.net IPC mode only (ipc-data-plane = yes):
 *			  fd = the bound AF_UNIX SOCK_DGRAM socket
 *			  <lisp-dir>/lisp-ipc-data-plane, payload = the
 *			  lisp directory (no NUL), for lispers.net-itr and
 *			  show-ztr
 *   parent -> data plane, later:
 *	PROC_MSG_CONFIG	  on SIGHUP, after the new text parsed cleanly
 *	PROC_MSG_DUMP	  on SIGUSR1: log state and counters
 *   parent -> control plane, at every (re)start of the control plane:
 *	PROC_MSG_SOCKET	  x 2: fd, payload u32 enum proc_cpsock (UDP 4342)
 *	PROC_MSG_CONFIG, later PROC_MSG_CONFIG and PROC_MSG_DUMP
 *   parent -> data plane and control plane:
 *	PROC_MSG_CPDP	  fd = this child's end of a fresh "cpdp"
 *			  SOCK_SEQPACKET pair (docs/ARCHITECTURE.md, "The
 *			  CP <-> DP channel"); sent to both whenever either
 *			  (re)starts; the receiver drops its previous end.
 *			  No payload.
 *   child -> parent:
 *	PROC_MSG_CONFIG_DONE  payload u32 generation, u32 0 ok / 1 failed
 *
 *   The control socket (lispctl, dataplane/dp_ctl.h):
 *	PROC_MSG_CTL	  parent -> data plane, at every (re)start: fd = the
 *			  listening UNIX stream socket; no payload
 *	PROC_MSG_RELOAD	  data plane -> parent: reload the configuration
 *			  (lispctl reload); peerid = request id, no payload
 *	PROC_MSG_RELOAD_DONE  parent -> data plane: peerid = request id,
 *			  payload u32 0 loaded / 1 refused (errors logged)
 *	PROC_MSG_LOGLEVEL data plane -> parent and parent -> control plane:
 *			  payload u32 enum log_level (lispctl log-level)
 *
 *   NAT-translated data (lispers.net `etr-nat-port`, dataplane/dp_open.h):
 *	PROC_MSG_NATCAP	  data plane -> parent: payload u32 port P; open
 *			  the NAT capture for UDP dst port P, src port 4341
 *			  parent -> data plane, once per worker: fd = that
 *			  worker's AF_PACKET capture, peerid = worker,
 *			  payload u32 P (a reply for a port no longer
 *			  wanted is closed by the data plane)
 *
 * Payload sizes are exact; a wrong size is fatal for the receiver's
 * channel (the peers are our own processes).
 */
#ifndef LISP_PROC_H
#define LISP_PROC_H

#include <stdint.h>

enum proc_msg {
	PROC_MSG_SOCKET = 1,
	PROC_MSG_CONFIG,
	PROC_MSG_START,
	PROC_MSG_DUMP,
	PROC_MSG_CONFIG_DONE,
	PROC_MSG_CPDP,
	PROC_MSG_LISPERS,
	PROC_MSG_CTL = 16,
	PROC_MSG_RELOAD,
	PROC_MSG_RELOAD_DONE,
	PROC_MSG_LOGLEVEL,
	PROC_MSG_NATCAP,
};

/* Largest record on the cpdp channel (an entire-map-cache). */
#define PROC_CPDP_MAX		(256 * 1024)

enum proc_sock {
	PROC_SOCK_RAW4 = 0,	/* AF_INET SOCK_RAW IPPROTO_RAW (HDRINCL) */
	PROC_SOCK_RAW6,		/* AF_INET6 SOCK_RAW IPPROTO_RAW (HDRINCL) */
	PROC_SOCK_UDP4,		/* UDP 0.0.0.0:4341, SO_REUSEPORT */
	PROC_SOCK_UDP6,		/* UDP [::]:4341 v6only, SO_REUSEPORT */
	PROC_SOCK_TUN4,		/* optional: TUN queue for IPv4 (dp_tun.h) */
	PROC_SOCK_TUN6,		/* optional: the same queue, for IPv6 */
	PROC_SOCK_MAX
};
/* Kinds from PROC_SOCK_TUN4 on may be missing (-1, never sent). */
#define PROC_SOCK_NEEDED	PROC_SOCK_TUN4

/* The control plane's sockets (PROC_MSG_SOCKET to the control plane). */
enum proc_cpsock {
	PROC_CPSOCK_CTL4 = 0,	/* UDP 0.0.0.0:4342, IP_PKTINFO */
	PROC_CPSOCK_CTL6,	/* UDP [::]:4342 v6only, IPV6_RECVPKTINFO */
	PROC_CPSOCK_MAX
};

struct dp_captures;

/* Entry points of the children; each returns the process exit status. */
int	dp_main(int ipcfd, struct dp_captures *, int debug);
int	cp_main(int ipcfd, int debug);
/* The parent opens the control plane's UDP 4342 socket of a family. */
int	cp_sock_open(int af);

#endif /* LISP_PROC_H */
