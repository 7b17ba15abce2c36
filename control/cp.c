/* SPDX-License-Identifier: ISC */
/*
 * The control-plane process.  This issue builds only its shell: the libev
 * loop on the channel to the parent, so that the three-process shape,
 * config hand-over and restart-on-crash exist.  The engine (Map-Request,
 * Map-Register, probing, the discovery punts of the data plane) fills it
 * in later.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_ctl.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"

struct cp {
	struct ev_loop	*loop;
	struct ipc	 ipc;
	ev_io		 rio;
	ev_io		 wio;
	ev_signal	 sterm, sint;
	uint32_t	 config_gen;
	int		 cpdp;		/* channel to the data plane, or -1 */
	ev_io		 cpdp_rio;
};

static void
cp_arm(struct cp *cp)
{
	if (ipc_pending(&cp->ipc))
		ev_io_start(cp->loop, &cp->wio);
	else
		ev_io_stop(cp->loop, &cp->wio);
}

static void
cp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;

	(void)loop;
	(void)revents;
	if (ipc_flush(&cp->ipc) == -1)
		fatal("cp: write to parent");
	cp_arm(cp);
}

/*
 * The data plane's records.  Without the engine only lispctl's requests
 * (cp_ctl.h) are answered; the rest is read and dropped so that the
 * channel never fills up.
 */
static void
cp_cpdp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;
	static char	 buf[PROC_CPDP_MAX];
	char		*rep;
	size_t		 rlen;
	ssize_t		 n;
	int		 k;

	(void)revents;
	for (k = 0; k < 64; k++) {
		n = recv(cp->cpdp, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* Closed (SEQPACKET EOF) or broken: wait for a new end. */
			ev_io_stop(loop, w);
			close(cp->cpdp);
			cp->cpdp = -1;
			return;
		}
		if (!cp_ctl_is_request(buf, (size_t)n))
			continue;
		if ((rep = cp_ctl_request(buf, (size_t)n, &rlen)) == NULL)
			continue;
		if (send(cp->cpdp, rep, rlen, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
			LOG_RL(LOG_LVL_WARN, "cp: ctl reply: %s",
			    strerror(errno));
		free(rep);
	}
}

static void
cp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cp	*cp = w->data;
	struct ipc_msg	 m;
	uint8_t		 done[8];
	int		 r;

	(void)revents;
	while ((r = ipc_get(&cp->ipc, &m)) == 1) {
		switch (m.type) {
		case PROC_MSG_CONFIG:
			if (ipc_check_len(&m, 4) == -1 || m.fd == -1)
				fatalx("cp: bad CONFIG message");
			cp->config_gen = (uint32_t)m.data[0] << 24 |
			    (uint32_t)m.data[1] << 16 |
			    (uint32_t)m.data[2] << 8 | m.data[3];
			/* The engine will parse it; nothing to do yet. */
			close(m.fd);
			memcpy(done, m.data, 4);
			memset(done + 4, 0, 4);
			if (ipc_compose(&cp->ipc, PROC_MSG_CONFIG_DONE, 0,
			    (uint32_t)getpid(), -1, done, sizeof(done)) == -1)
				fatal("cp: compose");
			break;
		case PROC_MSG_CPDP:
			/*
			 * The CP <-> DP channel: the engine speaks on it; the
			 * placeholder keeps the newest end and answers only
			 * lispctl's requests on it (cp_cpdp_cb).
			 */
			if (ipc_check_len(&m, 0) == -1 || m.fd == -1)
				fatalx("cp: bad CPDP message");
			if (cp->cpdp != -1) {
				ev_io_stop(cp->loop, &cp->cpdp_rio);
				close(cp->cpdp);
			}
			cp->cpdp = m.fd;
			ev_io_init(&cp->cpdp_rio, cp_cpdp_cb, m.fd, EV_READ);
			cp->cpdp_rio.data = cp;
			ev_io_start(cp->loop, &cp->cpdp_rio);
			break;
		case PROC_MSG_LOGLEVEL:
			if (ipc_check_len(&m, 4) == -1 || m.data[0] != 0 ||
			    m.data[1] != 0 || m.data[2] != 0 || m.data[3] > 2)
				fatalx("cp: bad LOGLEVEL message");
			log_setlevel(m.data[3]);
			break;
		case PROC_MSG_DUMP:
			log_info("state: control plane placeholder, config "
			    "generation %u", cp->config_gen);
			break;
		default:
			if (m.fd != -1)
				close(m.fd);
			fatalx("cp: unexpected message type %u", m.type);
		}
	}
	if (r == -1) {
		if (errno == EPIPE) {
			log_debug("cp: parent went away");
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		fatal("cp: read from parent");
	}
	cp_arm(cp);
}

static void
cp_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int
cp_main(int ipcfd, int debug)
{
	struct cp	 cp;

	(void)debug;
	log_procinit("lisp-ztr-cp");
	memset(&cp, 0, sizeof(cp));
	cp.cpdp = -1;
	cp.loop = ev_default_loop(EVFLAG_AUTO);
	if (ipc_init(&cp.ipc, ipcfd) == -1)
		fatal("cp: ipc_init");
	ev_io_init(&cp.rio, cp_read_cb, ipcfd, EV_READ);
	ev_io_init(&cp.wio, cp_write_cb, ipcfd, EV_WRITE);
	cp.rio.data = cp.wio.data = &cp;
	ev_io_start(cp.loop, &cp.rio);
	ev_signal_init(&cp.sterm, cp_signal_cb, SIGTERM);
	ev_signal_init(&cp.sint, cp_signal_cb, SIGINT);
	ev_signal_start(cp.loop, &cp.sterm);
	ev_signal_start(cp.loop, &cp.sint);
	log_debug("control plane started");
	ev_run(cp.loop, 0);
	ipc_clear(&cp.ipc);
	return 0;
}
