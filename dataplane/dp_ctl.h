/* SPDX-License-Identifier: ISC */
/*
 * The control socket (lispctl), served by the data-plane main thread.
 *
 * The parent creates and binds the UNIX stream socket (mode 0600) and
 * hands the listening descriptor over (PROC_MSG_CTL); everything else is
 * here: one libev watcher pair per client, requests and replies in JSON,
 * one object per line.
 *
 * Protocol (docs/ARCHITECTURE.md, "Control socket"):
 *
 *   request   {"command": "show map-cache", "iid": 100, "prefix": "..."}
 *   reply     zero or more record lines (JSON objects), then one status
 *             line: {"status": "ok"} or {"status": "error", "error": "..."}
 *
 * A record never has a top-level "status" member, so the status line
 * ends a reply.  Requests on one connection are answered in order; a
 * client may send several before reading.  Large replies (a map-cache
 * of a million entries) are produced in chunks, at most 0.5 ms of work
 * per event-loop iteration and only while the client's output queue is
 * below a high-water mark,
 * so neither the loop nor the workers ever wait for a slow reader.
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct lisp_config;

/* Longest request line (bytes, without the newline): longer -> error. */
#define DP_CTL_REQ_MAX		(64 * 1024)
/* Connected clients at most; one more is told so and closed. */
#define DP_CTL_CLIENTS_MAX	64

/*
 * What the control socket needs from the rest of the data plane.  Every
 * member may be NULL (the benchmark runs without a parent).
 */
struct dp_ctl_hooks {
	/*
	 * Ask the parent to reload the configuration; it answers with
	 * dp_ctl_reload_done(id, ...).  0, or -1 when it cannot be asked.
	 */
	int	(*reload)(uint32_t id);
	/* Tell the parent (and through it the control plane) a log level. */
	int	(*log_level)(int level);
	/*
	 * Send a ztr-ctl-request record to the control plane: 0, or -1
	 * when there is no control plane to ask.
	 */
	int	(*cp_send)(const char *text, size_t len);
};

void	dp_ctl_init(struct ev_loop *, const struct dp_ctl_hooks *);
/* PROC_MSG_CTL: start accepting on a listening socket (owned from now). */
void	dp_ctl_listen(int fd);
/* Disconnect every client, close the listening socket. */
void	dp_ctl_stop(void);

/*
 * A configuration was applied: keep what `show config` and `show
 * database` print (rendered now, redacted; cfg is not kept).
 */
void	dp_ctl_config(const struct lisp_config *);

/* The parent's answer to a reload request: ok 1/0. */
void	dp_ctl_reload_done(uint32_t id, int ok);

/*
 * A "ztr-ctl-reply" record from the control plane (the whole JSON text).
 * Returns 0, or -1 when it is not one (the caller treats it as unknown).
 */
int	dp_ctl_cp_reply(const char *text, size_t len);

/* Connected clients now (tests, dump). */
unsigned int	dp_ctl_nclients(void);

#endif /* DP_CTL_H */
