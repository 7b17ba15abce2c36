/* SPDX-License-Identifier: ISC */
/*
 * Typed messages between the lisp-ztr processes, modelled on OpenBSD's
 * imsg.  Every message is one SOCK_SEQPACKET record, so a record boundary
 * is a message boundary and an attached descriptor belongs to exactly one
 * message.  The 16-byte header:
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                             Type                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Payload Length         |            Flags              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                            Peer ID                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                              PID                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: IPC_F_FD when exactly one descriptor rides along (SCM_RIGHTS).
 * A record whose length differs from 16 + Payload Length, with unknown
 * flags, or whose descriptor presence does not match IPC_F_FD is
 * malformed; the peers are our own processes, so the receiver treats it
 * as fatal for the channel (ipc_get() returns -1 with EBADMSG).
 *
 * Output is queued: ipc_compose() never blocks, ipc_flush() writes what
 * the socket takes.  Callers arm their EV_WRITE watcher only while
 * ipc_pending() is true.
 */
#ifndef LISP_IPC_H
#define LISP_IPC_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define IPC_HDR_LEN	16
#define IPC_MAX_PAYLOAD	(65535)
#define IPC_F_FD	0x0001

struct ipc_out;

struct ipc {
	int		 fd;
	struct ipc_out	*out_head;
	struct ipc_out	**out_tail;
	size_t		 out_count;
	uint8_t		*rbuf;		/* one record, IPC_HDR_LEN + max */
};

struct ipc_msg {
	uint32_t	 type;
	uint32_t	 peerid;
	uint32_t	 pid;
	int		 fd;		/* -1, or owned by the receiver */
	size_t		 len;
	const uint8_t	*data;		/* valid until the next ipc_get() */
};

/* The channel does not own `fd`'s life cycle beyond ipc_clear(). */
int	ipc_init(struct ipc *, int fd);
/* Frees queued output and closes descriptors not yet sent. */
void	ipc_clear(struct ipc *);

/*
 * Queue one message.  Ownership of `fd` (>= 0) passes to the channel: it
 * is closed after it was sent (the sender's copy becomes -1 by contract).
 * Returns -1 with EMSGSIZE when the payload is too large.
 */
int	ipc_compose(struct ipc *, uint32_t type, uint32_t peerid, uint32_t pid,
	    int fd, const void *data, size_t len);
/* 1 while output is queued. */
int	ipc_pending(const struct ipc *);
/*
 * Write queued messages.  Returns 0 when the queue is empty, 1 when the
 * socket is full and output remains (arm EV_WRITE), -1 on error.
 */
int	ipc_flush(struct ipc *);
/* ipc_flush() until done, blocking in poll(); for start-up and tests. */
int	ipc_flush_sync(struct ipc *);

/*
 * Read one message.  Returns 1 with *msg filled, 0 when nothing is
 * available (EAGAIN), -1 on a closed channel (errno 0, i.e. EOF: ECONNRESET)
 * or a malformed record (EBADMSG) or a socket error.
 */
int	ipc_get(struct ipc *, struct ipc_msg *msg);

/*
 * Exact payload-size check: 0 when msg->len == want, else -1 with a log
 * line naming the type.  Sibling processes are trusted to be correct, so
 * callers treat a mismatch as fatal for the channel.
 */
int	ipc_check_len(const struct ipc_msg *, size_t want);

/* A connected SOCK_SEQPACKET pair, close-on-exec, non-blocking. */
int	ipc_socketpair(int sv[2]);

#endif /* LISP_IPC_H */
