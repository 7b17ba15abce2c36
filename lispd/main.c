/* SPDX-License-Identifier: ISC */
/*
 * lisp-ztr: the privileged parent.  It reads lisp.config, opens what
 * needs root (captures, raw sockets, UDP 4341), forks the data-plane and
 * control-plane processes (fork without exec: see docs/ARCHITECTURE.md),
 * hands them sockets and the config over lib/ipc, and restarts a child
 * that dies, with a backoff.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "dp_open.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"

#define ZTR_VERSION		"0.1.0"
#define ZTR_LISP_DIR		"/opt/zededa/lisp"
#define ZTR_PIDFILE		"/var/run/lisp-ztr.pid"
#define ZTR_CTL_SOCKET		"/var/run/lisp-ztr.sock"
#define ZTR_BACKOFF_MIN		0.2	/* seconds */
#define ZTR_BACKOFF_MAX		30.0
/* A child that ran this long resets its backoff. */
#define ZTR_STABLE_AFTER	60.0

enum child_kind { CHILD_DP = 0, CHILD_CP, CHILD_MAX };

struct child {
	enum child_kind	 kind;
	const char	*name;
	pid_t		 pid;
	struct ipc	 ipc;
	int		 have_ipc;
	ev_io		 rio, wio;
	ev_child	 cw;
	ev_timer	 restart;
	double		 backoff;
	double		 started;
	unsigned int	 restarts;
};

struct ztr {
	struct ev_loop		*loop;
	const char		*conffile;
	const char		*pidfile;
	int			 debug;
	unsigned int		 nworkers;
	struct lisp_config	*cfg;
	char			*conftext;	/* the text cfg came from */
	size_t			 conflen;
	uint32_t		 confgen;
	int			 stopping;
	struct child		 child[CHILD_MAX];
	ev_signal		 sterm, sint, shup, susr1;
	const char		*lispdir;
	int			 ipcmode;	/* ipc-data-plane = yes at start */
	const char		*cpdp_path;	/* -cpdp: external CP socket */
	ev_timer		 cpdp_retry;
	const char		*ctlpath;	/* -S: control socket */
	int			 ctlfd;		/* listening, -1 */
};

static struct ztr	*ztr_g;		/* for the fork path only */

static void	child_start(struct ztr *, struct child *);
static void	ztr_cpdp(struct ztr *);
static int	ztr_reload(struct ztr *);

static void __attribute__((noreturn))
usage(const char *prog, int rc)
{
	FILE	*fp = rc == 0 ? stdout : stderr;

	fprintf(fp,
"usage: %s [-dhnsv] [-c partition] [-f file] [-lisp dir] [-p pidfile]\n"
"       %*s [-S socket] [-u user] [-w workers] [-cpdp socket]\n"
"\n"
"lisp-ztr is a LISP xTR (RFC 9300/9301): an ITR that captures traffic for\n"
"remote EIDs on each `lisp interface` device and encapsulates it to the\n"
"RLOCs of the map-cache, and an ETR that decapsulates UDP 4341 traffic for\n"
"the local database-mappings.  It reads lispers.net's lisp.config syntax.\n"
"It runs in the foreground as three processes: a privileged parent, the\n"
"data plane (worker threads) and the control plane.\n"
"\n"
"  -c partition  EVE boot partition (IMGA, IMGB, IMGX); accepted, unused\n"
"  -d            debug logging\n"
"  -f file       configuration file (default <dir>/lisp.config)\n"
"  -h            this help\n"
"  -lisp dir     lispers.net directory (default " ZTR_LISP_DIR ")\n"
"  -n            check the configuration and exit: errors are printed as\n"
"                file:line: reason; exit status 1 when there are any\n"
"  -p pidfile    pid file (default " ZTR_PIDFILE ")\n"
"  -S socket     control socket for lispctl (default " ZTR_CTL_SOCKET ");\n"
"                \"none\": no control socket\n"
"  -s            log to syslog (daemon facility) instead of stderr\n"
"  -u user       run the data plane and the control plane as this user\n"
"                (the parent stays uid 0 with CAP_NET_RAW, CAP_NET_ADMIN,\n"
"                and CAP_SETUID, CAP_SETGID, CAP_KILL for its children);\n"
"                in IPC mode the user must be able to write <dir>\n"
"  -v            print the version and exit\n"
"  -w workers    data-plane worker threads (default: number of CPUs)\n"
"  -cpdp socket  (tests, development) do not start the control plane;\n"
"                connect the data plane's CP channel to this AF_UNIX\n"
"                SOCK_SEQPACKET socket instead (retried every second)\n"
"\n"
"With `ipc-data-plane = yes` in lisp xtr-parameters, lisp-ztr is the\n"
"external data plane of lispers.net: no control plane is started, the data\n"
"plane binds <dir>/lisp-ipc-data-plane, sends to <dir>/lispers.net-itr and\n"
"writes <dir>/show-ztr every 10 s.\n"
"\n"
"Signals: SIGTERM, SIGINT stop cleanly; SIGHUP re-reads the configuration\n"
"(kept unchanged when the new file has errors; a changed set of interface\n"
"devices restarts the data plane); SIGUSR1 logs the state and counters of\n"
"the data plane, one `counter NAME VALUE` line per counter (see\n"
"docs/ARCHITECTURE.md for the format).\n"
"\n"
"Every process drops the capabilities it does not need, sets no_new_privs\n"
"and installs a seccomp allowlist that kills on any other system call\n"
"(docs/SECURITY.md).  LISP_ZTR_SECCOMP=log|trap|off in the environment\n"
"makes violations non-fatal (log: kernel audit log; trap: logged on\n"
"stderr, the call fails with ENOSYS) or disables the filter.\n",
	    prog, (int)strlen(prog), "");
	exit(rc);
}

/* Read the whole file: the exact text parsed is what the children get. */
static char *
read_file(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_FILE_MAX) {
		log_warnx("%s: not a regular file of at most %d bytes", path,
		    CONFIG_FILE_MAX);
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("%s: read", path);
			goto fail;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	*lenp = off;
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* Parse path; on success the config and its text replace the old ones. */
static int
ztr_load(struct ztr *z)
{
	struct lisp_config	*cfg;
	char			*text;
	size_t			 len;
	int			 nerr = 0;

	if ((text = read_file(z->conffile, &len)) == NULL)
		return -1;
	cfg = config_parse_buffer(z->conffile, text, len, &nerr);
	if (cfg == NULL || nerr > 0) {
		log_warnx("%s: %d error(s), configuration not used",
		    z->conffile, nerr);
		config_free(cfg);
		free(text);
		return -1;
	}
	config_free(z->cfg);
	free(z->conftext);
	z->cfg = cfg;
	z->conftext = text;
	z->conflen = len;
	z->confgen++;
	return 0;
}

/* A snapshot of the config text in a sealed memfd, for a child. */
static int
ztr_config_fd(struct ztr *z)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = memfd_create("lisp.config", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return -1;
	while (off < z->conflen) {
		n = write(fd, z->conftext + off, z->conflen - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
child_arm(struct ztr *z, struct child *c)
{
	if (!c->have_ipc)
		return;
	if (ipc_pending(&c->ipc))
		ev_io_start(z->loop, &c->wio);
	else
		ev_io_stop(z->loop, &c->wio);
}

static void
child_send_config(struct ztr *z, struct child *c)
{
	uint8_t	 gen[4];
	int	 fd;

	if (!c->have_ipc)
		return;
	if ((fd = ztr_config_fd(z)) == -1) {
		log_warn("memfd for the configuration");
		return;
	}
	be32(gen, z->confgen);
	/* The channel owns fd from here on. */
	if (ipc_compose(&c->ipc, PROC_MSG_CONFIG, 0, 0, fd, gen,
	    sizeof(gen)) == -1)
		fatal("ipc_compose");
	child_arm(z, c);
}

static void
child_send(struct ztr *z, struct child *c, uint32_t type)
{
	if (!c->have_ipc)
		return;
	if (ipc_compose(&c->ipc, type, 0, 0, -1, NULL, 0) == -1)
		fatal("ipc_compose");
	child_arm(z, c);
}

static void
child_close_ipc(struct ztr *z, struct child *c)
{
	if (!c->have_ipc)
		return;
	ev_io_stop(z->loop, &c->rio);
	ev_io_stop(z->loop, &c->wio);
	close(c->ipc.fd);
	ipc_clear(&c->ipc);
	c->have_ipc = 0;
}

static void
child_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct child	*c = w->data;

	(void)loop;
	(void)revents;
	if (ipc_flush(&c->ipc) == -1) {
		log_warn("write to %s", c->name);
		child_close_ipc(ztr_g, c);
		return;
	}
	child_arm(ztr_g, c);
}

/*
 * The data plane learnt etr-nat-port: open one NAT capture per worker
 * (dp_open.h; needs CAP_NET_RAW, which the data plane does not have) and
 * pass them over.  On failure nothing is sent: the data plane keeps what
 * it had and the error is logged here.
 */
static void
ztr_natcap(struct ztr *z, struct child *c, uint32_t port)
{
	int		 fds[64];
	uint8_t		 p[4];
	unsigned int	 w;

	if (port == 0 || port > 65535 || z->nworkers > 64) {
		log_warnx("%s: NAT capture for port %u refused", c->name, port);
		return;
	}
	if (dp_natcap_open((uint16_t)port, z->nworkers, fds) == -1) {
		log_warnx("NAT capture for port %u failed", port);
		return;
	}
	be32(p, port);
	for (w = 0; w < z->nworkers; w++)
		/* fds[w] is the channel's from here on. */
		if (ipc_compose(&c->ipc, PROC_MSG_NATCAP, w, 0, fds[w], p,
		    sizeof(p)) == -1)
			fatal("ipc_compose");
	child_arm(z, c);
}

static void
child_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct child	*c = w->data;
	struct ipc_msg	 m;
	int		 r;

	(void)loop;
	(void)revents;
	while ((r = ipc_get(&c->ipc, &m)) == 1) {
		if (m.fd != -1)
			close(m.fd);
		switch (m.type) {
		case PROC_MSG_RELOAD: {
			uint8_t	 st[4];

			if (ipc_check_len(&m, 0) == -1 || c->kind != CHILD_DP)
				goto bad;
			log_info("lispctl: reloading %s", ztr_g->conffile);
			be32(st, ztr_reload(ztr_g) == 0 ? 0 : 1);
			if (c->have_ipc && ipc_compose(&c->ipc,
			    PROC_MSG_RELOAD_DONE, m.peerid, 0, -1, st,
			    sizeof(st)) == -1)
				fatal("ipc_compose");
			child_arm(ztr_g, c);
			break;
		}
		case PROC_MSG_LOGLEVEL: {
			struct child	*cp = &ztr_g->child[CHILD_CP];
			uint32_t	 lvl;

			if (ipc_check_len(&m, 4) == -1 || c->kind != CHILD_DP)
				goto bad;
			lvl = (uint32_t)m.data[0] << 24 | m.data[1] << 16 |
			    m.data[2] << 8 | m.data[3];
			if (lvl > LOG_LVL_DEBUG)
				goto bad;
			log_setlevel((int)lvl);
			if (cp->have_ipc) {
				if (ipc_compose(&cp->ipc, PROC_MSG_LOGLEVEL, 0,
				    0, -1, m.data, 4) == -1)
					fatal("ipc_compose");
				child_arm(ztr_g, cp);
			}
			break;
		}
		case PROC_MSG_NATCAP:
			if (ipc_check_len(&m, 4) == -1 || c->kind != CHILD_DP)
				goto bad;
			ztr_natcap(ztr_g, c, (uint32_t)m.data[0] << 24 |
			    m.data[1] << 16 | m.data[2] << 8 | m.data[3]);
			break;
		case PROC_MSG_CONFIG_DONE:
			if (ipc_check_len(&m, 8) == -1)
				goto bad;
			log_debug("%s: configuration %u %s", c->name,
			    (unsigned)m.data[0] << 24 | m.data[1] << 16 |
			    m.data[2] << 8 | m.data[3],
			    m.data[7] == 0 ? "applied" : "FAILED");
			break;
		default:
			log_warnx("%s: unexpected message %u", c->name,
			    m.type);
			goto bad;
		}
	}
	if (r == 0)
		return;
	if (errno != EPIPE)
		log_warn("%s: channel", c->name);
bad:
	/* The child is broken or gone: ev_child reaps and restarts it. */
	child_close_ipc(ztr_g, c);
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
}

static void
child_restart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct child	*c = w->data;

	(void)loop;
	(void)revents;
	child_start(ztr_g, c);
}

static void
child_exit_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct child	*c = w->data;
	struct ztr	*z = ztr_g;
	int		 st = w->rstatus;

	(void)revents;
	ev_child_stop(loop, w);
	child_close_ipc(z, c);
	c->pid = 0;
	if (z->stopping) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM)
			log_warnx("%s died on signal %d while stopping",
			    c->name, WTERMSIG(st));
		else
			log_debug("%s exited", c->name);
		for (int k = 0; k < CHILD_MAX; k++)
			if (z->child[k].pid > 0)
				return;
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	if (WIFSIGNALED(st))
		log_warnx("%s died on signal %d", c->name, WTERMSIG(st));
	else
		log_warnx("%s exited with status %d", c->name,
		    WEXITSTATUS(st));
	if (ev_now(loop) - c->started > ZTR_STABLE_AFTER)
		c->backoff = ZTR_BACKOFF_MIN;
	log_info("restarting %s in %.1f s", c->name, c->backoff);
	ev_timer_set(&c->restart, c->backoff, 0.);
	ev_timer_start(loop, &c->restart);
	c->backoff *= 2;
	if (c->backoff > ZTR_BACKOFF_MAX)
		c->backoff = ZTR_BACKOFF_MAX;
	c->restarts++;
}

/* In the child right after fork: drop the parent's event loop and fds. */
static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
child_reset(int keepfd, struct dp_captures *dc)
{
	sigset_t	 set;
	unsigned int	 i, n = 0, ncap;
	int		*keep, lo = 3;

	/*
	 * libev keeps signal watchers in a process-wide table that
	 * ev_loop_destroy() leaves alone, and the child's new default loop
	 * is the same object: without these stops the parent's signal_cb
	 * would run in the child on SIGTERM and kill() its siblings (the
	 * seccomp filter of the children refuses kill(2) and found it).
	 */
	ev_signal_stop(EV_DEFAULT, &ztr_g->sterm);
	ev_signal_stop(EV_DEFAULT, &ztr_g->sint);
	ev_signal_stop(EV_DEFAULT, &ztr_g->shup);
	ev_signal_stop(EV_DEFAULT, &ztr_g->susr1);
	ev_loop_destroy(EV_DEFAULT);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Close every inherited descriptor except stdio, the channel and
	 * the captures: sockets arrive over the channel as they would
	 * after an exec.
	 */
	ncap = dc != NULL ? dc->nworkers * dc->nifaces : 0;
	if ((keep = calloc(ncap + 1, sizeof(int))) == NULL)
		fatal("calloc");
	keep[n++] = keepfd;
	for (i = 0; i < ncap; i++)
		keep[n++] = dc->cap[i].fd;
	qsort(keep, n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++) {
		if (keep[i] > lo)
			close_range((unsigned int)lo,
			    (unsigned int)keep[i] - 1, 0);
		if (keep[i] + 1 > lo)
			lo = keep[i] + 1;
	}
	close_range((unsigned int)lo, ~0U, 0);
	free(keep);
}

/*
 * lispers.net IPC mode: <dir>/lisp-ipc-data-plane, bound here (a stale
 * file from a killed predecessor is replaced) and handed to the data
 * plane.  lispers.net runs as root and checks the path before every send.
 */
static int
lispers_bind(const char *dir)
{
	struct sockaddr_un	 sun;
	int			 fd, sz = 4 * 1024 * 1024;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "%s/lisp-ipc-data-plane", dir) >= sizeof(sun.sun_path)) {
		log_warnx("%s/lisp-ipc-data-plane: path too long", dir);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (unlink(sun.sun_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", sun.sun_path);
		close(fd);
		return -1;
	}
	(void)chmod(sun.sun_path, 0660);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

/*
 * The control socket: a UNIX stream socket, mode 0600, handed to the
 * data plane (which serves it, dataplane/dp_ctl.c) at every start.  A
 * file left by a killed predecessor is replaced; one that still answers
 * belongs to a running daemon and is left alone.
 */
static int
ctl_bind(const char *path)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
	    path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return -1;
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_warnx("control socket %s: in use by another "
			    "daemon, not replaced", path);
			close(probe);
			close(fd);
			return -1;
		}
		close(probe);
	}
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("unlink %s", path);
	/* Never reachable by others, not even between bind and chmod. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || listen(fd, 64) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void
child_start(struct ztr *z, struct child *c)
{
	struct dp_captures	*dc = NULL;
	int			 sv[2], fds[PROC_SOCK_MAX];
	unsigned int		 w;
	uint8_t			 nw[4];
	pid_t			 pid;

	if (ipc_socketpair(sv) == -1)
		fatal("socketpair");
	if (c->kind == CHILD_DP) {
		dc = dp_captures_open(z->cfg, z->nworkers);
		if (dc == NULL) {
			log_warnx("%s: captures failed, retrying in %.1f s",
			    c->name, c->backoff);
			close(sv[0]);
			close(sv[1]);
			goto retry;
		}
	}
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		close(sv[0]);
		/* Blocking in the child until its loop takes over. */
		child_reset(sv[1], dc);
		_exit(c->kind == CHILD_DP ? dp_main(sv[1], dc, z->debug) :
		    cp_main(sv[1], z->debug));
	default:
		break;
	}
	close(sv[1]);
	/* The child holds the rings now; the parent's copies go. */
	dp_captures_free(dc);
	c->pid = pid;
	c->started = ev_now(z->loop);
	if (ipc_init(&c->ipc, sv[0]) == -1)
		fatal("ipc_init");
	c->have_ipc = 1;
	ev_io_init(&c->rio, child_read_cb, sv[0], EV_READ);
	ev_io_init(&c->wio, child_write_cb, sv[0], EV_WRITE);
	c->rio.data = c->wio.data = c;
	ev_io_start(z->loop, &c->rio);
	ev_child_init(&c->cw, child_exit_cb, pid, 0);
	c->cw.data = c;
	ev_child_start(z->loop, &c->cw);
	log_debug("%s started, pid %d", c->name, (int)pid);

	if (c->kind == CHILD_DP) {
		for (w = 0; w < z->nworkers; w++) {
			if (dp_sockets_open(fds) == -1) {
				/* The child is useless without them. */
				kill(pid, SIGTERM);
				return;
			}
			for (int k = 0; k < PROC_SOCK_MAX; k++) {
				uint8_t	 kind[4];

				if (fds[k] == -1)
					continue;	/* optional, absent */
				be32(kind, (uint32_t)k);
				/* fds[k] is the channel's from here on. */
				if (ipc_compose(&c->ipc, PROC_MSG_SOCKET, w, 0,
				    fds[k], kind, sizeof(kind)) == -1)
					fatal("ipc_compose");
			}
		}
	}
	if (c->kind == CHILD_CP) {
		for (int k = 0; k < PROC_CPSOCK_MAX; k++) {
			uint8_t	 kind[4];
			int	 fd;

			if ((fd = cp_sock_open(k == PROC_CPSOCK_CTL4 ?
			    AF_INET : AF_INET6)) == -1) {
				log_warn("%s: UDP %s port 4342", c->name,
				    k == PROC_CPSOCK_CTL4 ? "IPv4" : "IPv6");
				continue;
			}
			be32(kind, (uint32_t)k);
			if (ipc_compose(&c->ipc, PROC_MSG_SOCKET, 0, 0, fd,
			    kind, sizeof(kind)) == -1)
				fatal("ipc_compose");
		}
	}
	child_send_config(z, c);
	if (c->kind == CHILD_DP) {
		be32(nw, z->nworkers);
		if (ipc_compose(&c->ipc, PROC_MSG_START, 0, 0, -1, nw,
		    sizeof(nw)) == -1)
			fatal("ipc_compose");
	}
	if (c->kind == CHILD_DP && z->ipcmode) {
		int	 lfd;

		if ((lfd = lispers_bind(z->lispdir)) == -1) {
			kill(pid, SIGTERM);
			return;
		}
		if (ipc_compose(&c->ipc, PROC_MSG_LISPERS, 0, 0, lfd,
		    z->lispdir, strlen(z->lispdir)) == -1)
			fatal("ipc_compose");
	}
	if (c->kind == CHILD_DP && z->ctlfd != -1) {
		int	 cfd;

		/* The parent keeps its copy: clients wait in the backlog
		 * while a data plane restarts. */
		if ((cfd = fcntl(z->ctlfd, F_DUPFD_CLOEXEC, 3)) == -1)
			log_warn("control socket dup");
		else if (ipc_compose(&c->ipc, PROC_MSG_CTL, 0, 0, cfd, NULL,
		    0) == -1)
			fatal("ipc_compose");
	}
	child_arm(z, c);
	ztr_cpdp(z);
	return;
retry:
	ev_timer_set(&c->restart, c->backoff, 0.);
	ev_timer_start(z->loop, &c->restart);
	c->backoff = c->backoff * 2 > ZTR_BACKOFF_MAX ? ZTR_BACKOFF_MAX :
	    c->backoff * 2;
}

/* Both ends may carry an entire-map-cache record of PROC_CPDP_MAX. */
static void
cpdp_bufs(int fd)
{
	int	 sz = 4 * PROC_CPDP_MAX;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

static int
cpdp_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("-cpdp %s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Give the data plane and the control plane a fresh pair of "cpdp"
 * ends; called whenever either child (re)starts.  With -cpdp the control
 * plane is an external test program listening on a SOCK_SEQPACKET path.
 */
static void
ztr_cpdp(struct ztr *z)
{
	struct child	*dp = &z->child[CHILD_DP], *cp = &z->child[CHILD_CP];
	int		 sv[2], fd;

	if (z->ipcmode || z->stopping || !dp->have_ipc)
		return;
	if (z->cpdp_path != NULL) {
		if ((fd = cpdp_connect(z->cpdp_path)) == -1) {
			log_debug("-cpdp %s: %s, retrying", z->cpdp_path,
			    strerror(errno));
			ev_timer_set(&z->cpdp_retry, 1., 0.);
			ev_timer_start(z->loop, &z->cpdp_retry);
			return;
		}
		cpdp_bufs(fd);
		if (ipc_compose(&dp->ipc, PROC_MSG_CPDP, 0, 0, fd, NULL, 0) ==
		    -1)
			fatal("ipc_compose");
		child_arm(z, dp);
		return;
	}
	if (!cp->have_ipc)
		return;
	if (ipc_socketpair(sv) == -1) {
		log_warn("cpdp socketpair");
		return;
	}
	cpdp_bufs(sv[0]);
	cpdp_bufs(sv[1]);
	if (ipc_compose(&dp->ipc, PROC_MSG_CPDP, 0, 0, sv[0], NULL, 0) ==
	    -1 || ipc_compose(&cp->ipc, PROC_MSG_CPDP, 0, 0, sv[1], NULL,
	    0) == -1)
		fatal("ipc_compose");
	child_arm(z, dp);
	child_arm(z, cp);
}

static void
cpdp_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	ztr_cpdp(ztr_g);
}

/* The capture set depends on the devices: compare them in order. */
static int
ztr_devices_equal(const struct lisp_config *a, const struct lisp_config *b)
{
	size_t	 k;

	if (a->nifaces != b->nifaces)
		return 0;
	for (k = 0; k < a->nifaces; k++) {
		const char *da = a->ifaces[k].device, *db = b->ifaces[k].device;

		if ((da == NULL) != (db == NULL) ||
		    (da != NULL && strcmp(da, db) != 0))
			return 0;
	}
	return 1;
}

static int
ztr_reload(struct ztr *z)
{
	struct lisp_config	*old = z->cfg;
	char			*oldtext = z->conftext;
	int			 same;

	/* Keep the old config alive for the device comparison. */
	z->cfg = NULL;
	z->conftext = NULL;
	if (ztr_load(z) == -1) {
		z->cfg = old;
		z->conftext = oldtext;
		z->conflen = strlen(oldtext);
		log_warnx("reload failed, keeping the running configuration");
		return -1;
	}
	same = ztr_devices_equal(old, z->cfg);
	config_free(old);
	free(oldtext);
	log_info("configuration %u loaded from %s", z->confgen, z->conffile);
	child_send_config(z, &z->child[CHILD_CP]);
	if (same)
		child_send_config(z, &z->child[CHILD_DP]);
	else if (z->child[CHILD_DP].pid > 0) {
		log_info("interface devices changed, restarting the data "
		    "plane");
		z->child[CHILD_DP].backoff = ZTR_BACKOFF_MIN;
		kill(z->child[CHILD_DP].pid, SIGTERM);
	}
	return 0;
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ztr	*z = w->data;
	int		 k, alive = 0;

	(void)revents;
	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
		if (z->stopping)
			return;
		log_info("signal %d, stopping", w->signum);
		z->stopping = 1;
		for (k = 0; k < CHILD_MAX; k++) {
			ev_timer_stop(loop, &z->child[k].restart);
			if (z->child[k].pid > 0) {
				kill(z->child[k].pid, SIGTERM);
				alive = 1;
			}
		}
		if (!alive)
			ev_break(loop, EVBREAK_ALL);
		break;
	case SIGHUP:
		log_info("SIGHUP: reloading %s", z->conffile);
		(void)ztr_reload(z);
		break;
	case SIGUSR1:
		log_info("state: parent pid %d, configuration %u, data plane "
		    "pid %d (%u restarts), control plane pid %d "
		    "(%u restarts)", (int)getpid(), z->confgen,
		    (int)z->child[CHILD_DP].pid, z->child[CHILD_DP].restarts,
		    (int)z->child[CHILD_CP].pid, z->child[CHILD_CP].restarts);
		child_send(z, &z->child[CHILD_DP], PROC_MSG_DUMP);
		child_send(z, &z->child[CHILD_CP], PROC_MSG_DUMP);
		break;
	}
}

static int
pidfile_write(const char *path)
{
	char	 buf[32];
	int	 fd, n;

	/* A SIGKILLed predecessor leaves a stale file: just replace it. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644))
	    == -1) {
		log_warn("pidfile %s", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_warn("pidfile %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* -n: diagnostics exactly as "file:line: reason" on stderr. */
static void
check_diag(void *arg, int level, const char *file, int line, const char *msg)
{
	(void)arg;
	if (level == CONFIG_DIAG_WARN)
		fprintf(stderr, "%s:%d: warning: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

static unsigned int
ncpus(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned int)n;
}

int
main(int argc, char *argv[])
{
	static struct ztr	 z;
	char			 confpath[PATH_MAX];
	const char		*lispdir = ZTR_LISP_DIR, *prog = argv[0];
	const char		*user = NULL;
	int			 checkonly = 0, use_syslog = 0, nerr = 0, k;
	struct lisp_config	*cfg;

	z.pidfile = ZTR_PIDFILE;
	z.ctlpath = ZTR_CTL_SOCKET;
	z.ctlfd = -1;
	z.nworkers = ncpus();
	/*
	 * Hand-rolled: the legacy "-lisp <dir>" flag is not getopt syntax
	 * (getopt would read it as -l -i -s -p).
	 */
	for (k = 1; k < argc; k++) {
		const char *a = argv[k];

#define NEEDARG() do {							\
	if (k + 1 >= argc) {						\
		fprintf(stderr, "%s: %s needs an argument\n", prog, a);	\
		usage(prog, 1);						\
	}								\
} while (0)
		if (strcmp(a, "-cpdp") == 0) {
			NEEDARG();
			z.cpdp_path = argv[++k];
		} else if (strcmp(a, "-lisp") == 0) {
			NEEDARG();
			lispdir = argv[++k];
		} else if (strcmp(a, "-c") == 0) {
			NEEDARG();
			++k;		/* EVE partition: accepted, unused */
		} else if (strcmp(a, "-f") == 0) {
			NEEDARG();
			z.conffile = argv[++k];
		} else if (strcmp(a, "-p") == 0) {
			NEEDARG();
			z.pidfile = argv[++k];
		} else if (strcmp(a, "-S") == 0) {
			NEEDARG();
			z.ctlpath = argv[++k];
		} else if (strcmp(a, "-u") == 0) {
			NEEDARG();
			user = argv[++k];
		} else if (strcmp(a, "-w") == 0) {
			char	*end;
			long	 n;

			NEEDARG();
			n = strtol(argv[++k], &end, 10);
			if (*end != '\0' || n < 1 || n > 64) {
				fprintf(stderr, "%s: -w: 1..64\n", prog);
				return 1;
			}
			z.nworkers = (unsigned int)n;
		} else if (strcmp(a, "-d") == 0)
			z.debug = 1;
		else if (strcmp(a, "-n") == 0)
			checkonly = 1;
		else if (strcmp(a, "-s") == 0)
			use_syslog = 1;
		else if (strcmp(a, "-v") == 0) {
			printf("%s: %s\n", prog, ZTR_VERSION);
			return 0;
		} else if (strcmp(a, "-h") == 0)
			usage(prog, 0);
		else {
			fprintf(stderr, "%s: unknown option %s\n", prog, a);
			usage(prog, 1);
		}
#undef NEEDARG
	}
	if (z.conffile == NULL) {
		snprintf(confpath, sizeof(confpath), "%s/lisp.config",
		    lispdir);
		z.conffile = confpath;
	}

	if (checkonly) {
		/* Diagnostics go to stderr as file:line: reason. */
		log_init(1, LOG_LVL_WARN, LOG_DAEMON);
		log_procinit(prog);
		config_set_diag(check_diag, NULL);
		cfg = config_parse_file(z.conffile, &nerr);
		config_free(cfg);
		if (cfg == NULL || nerr > 0) {
			fprintf(stderr, "%s: %d error(s)\n", z.conffile,
			    nerr > 0 ? nerr : 1);
			return 1;
		}
		printf("%s: configuration OK\n", z.conffile);
		return 0;
	}

	log_init(!use_syslog, z.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO,
	    LOG_DAEMON);
	log_procinit("lisp-ztr");
	if (geteuid() != 0)
		fatalx("need root privileges");
	if (sandbox_init(user) == -1)
		fatalx("sandbox set-up failed");
	if (ztr_load(&z) == -1)
		fatalx("no usable configuration in %s", z.conffile);
	if (pidfile_write(z.pidfile) == -1)
		fatalx("cannot write the pidfile");
	if (strcmp(z.ctlpath, "none") != 0 &&
	    (z.ctlfd = ctl_bind(z.ctlpath)) == -1)
		log_warnx("running without a control socket");
	/* Decided once at start, as lispers.net's lisp-core does. */
	z.ipcmode = z.cfg->xtr.ipc_data_plane;
	z.lispdir = lispdir;
	signal(SIGPIPE, SIG_IGN);
	ztr_g = &z;
	z.loop = ev_default_loop(EVFLAG_AUTO);
	ev_signal_init(&z.sterm, signal_cb, SIGTERM);
	ev_signal_init(&z.sint, signal_cb, SIGINT);
	ev_signal_init(&z.shup, signal_cb, SIGHUP);
	ev_signal_init(&z.susr1, signal_cb, SIGUSR1);
	z.sterm.data = z.sint.data = z.shup.data = z.susr1.data = &z;
	ev_signal_start(z.loop, &z.sterm);
	ev_signal_start(z.loop, &z.sint);
	ev_signal_start(z.loop, &z.shup);
	ev_signal_start(z.loop, &z.susr1);
	/*
	 * Nothing privileged is open yet, but every later open (captures,
	 * raw sockets on each data-plane start) works with what we keep.
	 */
	sandbox_parent();

	ev_timer_init(&z.cpdp_retry, cpdp_retry_cb, 1., 0.);

	log_info("lisp-ztr %s starting: %s, %u worker(s)%s", ZTR_VERSION,
	    z.conffile, z.nworkers, z.ipcmode ? ", lispers.net IPC mode" :
	    z.cpdp_path != NULL ? ", external control plane" : "");
	for (k = 0; k < CHILD_MAX; k++) {
		struct child	*c = &z.child[k];

		c->kind = (enum child_kind)k;
		c->name = k == CHILD_DP ? "data plane" : "control plane";
		c->backoff = ZTR_BACKOFF_MIN;
		ev_timer_init(&c->restart, child_restart_cb, 0., 0.);
		c->restart.data = c;
		/* lispers.net (or the -cpdp program) is the control plane. */
		if (k == CHILD_CP && (z.ipcmode || z.cpdp_path != NULL))
			continue;
		child_start(&z, c);
	}
	ev_run(z.loop, 0);

	for (k = 0; k < CHILD_MAX; k++)
		child_close_ipc(&z, &z.child[k]);
	unlink(z.pidfile);
	if (z.ctlfd != -1) {
		close(z.ctlfd);
		unlink(z.ctlpath);
	}
	config_free(z.cfg);
	free(z.conftext);
	log_info("stopped");
	return 0;
}
