/* SPDX-License-Identifier: ISC */
/*
 * lispers.net IPC mode (`ipc-data-plane = yes`): the data plane's end of
 * the two AF_UNIX datagram sockets of lispers-net-compat.md section 1.2.
 *
 *   <dir>/lisp-ipc-data-plane  bound by the parent (stale file replaced),
 *	handed over; lisp-itr, lisp-etr and lisp-rtr sendto() it.  Records
 *	go to dp_cpchan_read() (any size: MSG_PEEK|MSG_TRUNC sizing).
 *   <dir>/lispers.net-itr      lisp-itr's socket: we sendto() it.  Until
 *	it exists, and after a send fails with ECONNREFUSED/ENOENT (lisp-itr
 *	restarted), it is probed every 5 s; whenever it (re)appears - a
 *	new inode counts as reappearing - `restart` is sent first.
 *
 * Every datagram to lispers.net is below 4000 bytes (lisp-itr reads with
 * recvfrom(4000)); callers split (dpipc_encode_statistics).  Every 10 s
 * <dir>/show-ztr is rewritten (dp_showztr.c).
 */
#ifndef DP_LISPERS_H
#define DP_LISPERS_H

#include <stddef.h>

struct ev_loop;

int		 dp_lispers_open(struct ev_loop *, int fd, const char *dir);
void		 dp_lispers_close(void);
/* 0 sent; -1 not (no peer, would block, too long, error). */
int		 dp_lispers_send(const char *, size_t);
int		 dp_lispers_up(void);
const char	*dp_lispers_dir(void);

#endif /* DP_LISPERS_H */
