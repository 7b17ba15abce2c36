/* SPDX-License-Identifier: ISC */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ipc.h"
#include "log.h"

struct ipc_out {
	struct ipc_out	*next;
	int		 fd;		/* -1 when none */
	size_t		 len;
	uint8_t		 data[];	/* header + payload */
};

int
ipc_init(struct ipc *ipc, int fd)
{
	memset(ipc, 0, sizeof(*ipc));
	ipc->fd = fd;
	ipc->out_tail = &ipc->out_head;
	if ((ipc->rbuf = malloc(IPC_HDR_LEN + IPC_MAX_PAYLOAD)) == NULL)
		return -1;
	return 0;
}

void
ipc_clear(struct ipc *ipc)
{
	struct ipc_out	*o;

	while ((o = ipc->out_head) != NULL) {
		ipc->out_head = o->next;
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	ipc->out_tail = &ipc->out_head;
	ipc->out_count = 0;
	free(ipc->rbuf);
	ipc->rbuf = NULL;
}

int
ipc_compose(struct ipc *ipc, uint32_t type, uint32_t peerid, uint32_t pid,
    int fd, const void *data, size_t len)
{
	struct ipc_out	*o;
	struct wbuf	 wb;

	if (len > IPC_MAX_PAYLOAD || (len > 0 && data == NULL)) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((o = malloc(sizeof(*o) + IPC_HDR_LEN + len)) == NULL)
		return -1;
	o->next = NULL;
	o->fd = fd;
	o->len = IPC_HDR_LEN + len;
	wbuf_init(&wb, o->data, o->len);
	wbuf_put_u32(&wb, type);
	wbuf_put_u16(&wb, (uint16_t)len);
	wbuf_put_u16(&wb, fd >= 0 ? IPC_F_FD : 0);
	wbuf_put_u32(&wb, peerid);
	wbuf_put_u32(&wb, pid);
	if (wbuf_failed(&wb))
		fatalx("%s: header does not fit", __func__);
	if (len > 0)
		memcpy(o->data + IPC_HDR_LEN, data, len);
	*ipc->out_tail = o;
	ipc->out_tail = &o->next;
	ipc->out_count++;
	return 0;
}

int
ipc_pending(const struct ipc *ipc)
{
	return ipc->out_head != NULL;
}

static int
ipc_send_one(struct ipc *ipc, struct ipc_out *o)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = o->data;
	iov.iov_len = o->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (o->fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &o->fd, sizeof(int));
	}
	return (int)sendmsg(ipc->fd, &msg, MSG_NOSIGNAL);
}

int
ipc_flush(struct ipc *ipc)
{
	struct ipc_out	*o;

	while ((o = ipc->out_head) != NULL) {
		if (ipc_send_one(ipc, o) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* Sent: the receiver holds its own copy of the descriptor. */
		if (o->fd != -1)
			close(o->fd);
		ipc->out_head = o->next;
		if (ipc->out_head == NULL)
			ipc->out_tail = &ipc->out_head;
		ipc->out_count--;
		free(o);
	}
	return 0;
}

int
ipc_flush_sync(struct ipc *ipc)
{
	struct pollfd	 pfd;
	int		 r;

	while ((r = ipc_flush(ipc)) == 1) {
		pfd.fd = ipc->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return r;
}

int
ipc_get(struct ipc *ipc, struct ipc_msg *m)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	struct rbuf	 rb;
	ssize_t		 n;
	uint16_t	 len, flags;
	int		 fds[4], nfds = 0, i;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ipc->rbuf;
	iov.iov_len = IPC_HDR_LEN + IPC_MAX_PAYLOAD;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
again:
	if ((n = recvmsg(ipc->fd, &msg, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
	if (n == 0) {
		errno = EPIPE;
		return -1;
	}
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		size_t	 k;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (; k > 0 && nfds < 4; k--, nfds++)
			memcpy(&fds[nfds], CMSG_DATA(cmsg) +
			    (size_t)nfds * sizeof(int), sizeof(int));
	}
	rbuf_init(&rb, ipc->rbuf, (size_t)n);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (rbuf_get_u32(&rb, &m->type) == -1 ||
	    rbuf_get_u16(&rb, &len) == -1 ||
	    rbuf_get_u16(&rb, &flags) == -1 ||
	    rbuf_get_u32(&rb, &m->peerid) == -1 ||
	    rbuf_get_u32(&rb, &m->pid) == -1)
		goto bad;
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		goto bad;
	if ((flags & ~IPC_F_FD) != 0 || rbuf_left(&rb) != len)
		goto bad;
	if ((flags & IPC_F_FD) ? nfds != 1 : nfds != 0)
		goto bad;
	if (nfds == 1)
		m->fd = fds[0];
	m->len = len;
	m->data = rbuf_ptr(&rb);
	return 1;
bad:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	errno = EBADMSG;
	return -1;
}

int
ipc_check_len(const struct ipc_msg *m, size_t want)
{
	if (m->len == want)
		return 0;
	log_warnx("ipc: message type %u: payload %zu bytes, want %zu",
	    m->type, m->len, want);
	return -1;
}

int
ipc_socketpair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0, sv);
}
