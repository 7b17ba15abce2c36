/* SPDX-License-Identifier: ISC */
/*
 * lispers.net IPC mode sockets (see dp_lispers.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp_cpchan.h"
#include "dp_lispers.h"
#include "dp_showztr.h"
#include "dpipc.h"
#include "log.h"

#define LISPERS_PEER_RETRY	5.	/* seconds, as the legacy DP */
#define LISPERS_SHOW_EVERY	10.

struct lispers {
	struct ev_loop		*loop;
	int			 fd;
	char			 dir[PATH_MAX];
	struct sockaddr_un	 peer;
	int			 up;
	dev_t			 dev;
	ino_t			 ino;
	struct timespec		 ctim;	/* inodes get reused (tmpfs) */
	ev_io			 rio;
	ev_timer		 probe, show;
};

static struct lispers	lp = { .fd = -1 };

static int
peer_stat(struct stat *st)
{
	if (stat(lp.peer.sun_path, st) == -1 || !S_ISSOCK(st->st_mode))
		return -1;
	return 0;
}

static int
raw_send(const char *text, size_t len)
{
	ssize_t	 n;

	n = sendto(lp.fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&lp.peer, sizeof(lp.peer));
	if (n == (ssize_t)len)
		return 0;
	if (n == -1 && (errno == ECONNREFUSED || errno == ENOENT ||
	    errno == ENOTCONN)) {
		if (lp.up)
			log_info("lispers.net: %s gone (%s), probing every "
			    "%.0f s", lp.peer.sun_path, strerror(errno),
			    LISPERS_PEER_RETRY);
		lp.up = 0;
	} else
		LOG_RL(LOG_LVL_INFO, "lispers.net: send: %s",
		    n == -1 ? strerror(errno) : "short");
	return -1;
}

int
dp_lispers_send(const char *text, size_t len)
{
	if (!lp.up || lp.fd == -1)
		return -1;
	if (len > DPIPC_DP_MAXLEN) {
		/* lisp-itr would truncate it and choke on the JSON. */
		LOG_RL(LOG_LVL_WARN, "lispers.net: %zu-byte message not sent",
		    len);
		return -1;
	}
	return raw_send(text, len);
}

int
dp_lispers_up(void)
{
	return lp.up;
}

const char *
dp_lispers_dir(void)
{
	return lp.dir;
}

/* Probe lispers.net-itr; on (re)appearance send restart. */
static void
probe(void)
{
	struct stat	 st;

	if (peer_stat(&st) == -1) {
		if (lp.up)
			log_info("lispers.net: %s gone", lp.peer.sun_path);
		lp.up = 0;
		return;
	}
	if (lp.up && st.st_dev == lp.dev && st.st_ino == lp.ino &&
	    st.st_ctim.tv_sec == lp.ctim.tv_sec &&
	    st.st_ctim.tv_nsec == lp.ctim.tv_nsec)
		return;
	/* New or recreated socket: lisp-itr (re)started. */
	lp.up = 1;
	lp.dev = st.st_dev;
	lp.ino = st.st_ino;
	lp.ctim = st.st_ctim;
	log_info("lispers.net: %s is there", lp.peer.sun_path);
	dp_cpchan_send_restart();
}

static void
probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	probe();
}

static void
show_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (dp_showztr_write(lp.dir) == -1)
		LOG_RL(LOG_LVL_WARN, "%s/show-ztr: %s", lp.dir,
		    strerror(errno));
}

static void
read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* Datagram sockets never end; errors are logged and survived. */
	if (dp_cpchan_read(lp.fd, 0) == -1)
		LOG_RL(LOG_LVL_WARN, "lisp-ipc-data-plane: %s",
		    strerror(errno));
}

int
dp_lispers_open(struct ev_loop *loop, int fd, const char *dir)
{
	lp.loop = loop;
	lp.fd = fd;
	if ((size_t)snprintf(lp.dir, sizeof(lp.dir), "%s", dir) >=
	    sizeof(lp.dir))
		return -1;
	memset(&lp.peer, 0, sizeof(lp.peer));
	lp.peer.sun_family = AF_UNIX;
	if ((size_t)snprintf(lp.peer.sun_path, sizeof(lp.peer.sun_path),
	    "%s/lispers.net-itr", dir) >= sizeof(lp.peer.sun_path))
		return -1;
	ev_io_init(&lp.rio, read_cb, fd, EV_READ);
	ev_io_start(loop, &lp.rio);
	ev_timer_init(&lp.probe, probe_cb, LISPERS_PEER_RETRY,
	    LISPERS_PEER_RETRY);
	ev_timer_start(loop, &lp.probe);
	ev_timer_init(&lp.show, show_cb, LISPERS_SHOW_EVERY,
	    LISPERS_SHOW_EVERY);
	ev_timer_start(loop, &lp.show);
	log_info("lispers.net IPC mode: reading %s/lisp-ipc-data-plane", dir);
	probe();
	show_cb(loop, &lp.show, 0);
	return 0;
}

void
dp_lispers_close(void)
{
	if (lp.fd == -1)
		return;
	ev_io_stop(lp.loop, &lp.rio);
	ev_timer_stop(lp.loop, &lp.probe);
	ev_timer_stop(lp.loop, &lp.show);
	close(lp.fd);
	lp.fd = -1;
	lp.up = 0;
}
