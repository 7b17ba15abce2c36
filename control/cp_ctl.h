/* SPDX-License-Identifier: ISC */
/*
 * The control plane's part of lispctl: `show sites` and the RLOC-probe
 * state of `show rlocs` live here, not in the data plane that serves
 * the control socket.  The data plane forwards such a request over the
 * CP <-> DP channel as a record of our own type (lispers.net never sees
 * it):
 *
 *   DP -> CP  {"type": "ztr-ctl-request", "id": N, "command": "show sites"}
 *   CP -> DP  {"type": "ztr-ctl-reply", "id": N, "status": "ok",
 *              "records": [ {...}, ... ]}
 *         or  {"type": "ztr-ctl-reply", "id": N, "status": "error",
 *              "error": "..."}
 *
 * The engine registers what it can answer with cp_ctl_register(); the
 * channel code hands every "ztr-ctl-request" record to cp_ctl_request()
 * and sends back what it returns.  Without an engine (or without the
 * callback) the reply is an error that says so.
 */
#ifndef CP_CTL_H
#define CP_CTL_H

#include <stddef.h>

#include <json-c/json.h>

struct cp_ctl_ops {
	/*
	 * Append one JSON object per record to the array `records`.
	 * Return 0, or -1 with a message in err.  Any member may be NULL.
	 */
	int	(*show_sites)(json_object *records, char *err, size_t errlen);
	int	(*show_rlocs)(json_object *records, char *err, size_t errlen);
	void	*arg;
};

/* The engine's callbacks (copied); NULL unregisters. */
void	 cp_ctl_register(const struct cp_ctl_ops *);

/* 1 when text is a ztr-ctl-request record (cheap check, no decode). */
int	 cp_ctl_is_request(const char *text, size_t len);

/*
 * Answer one ztr-ctl-request record.  Returns the reply record (malloc'd
 * text, *outlen bytes, no NUL counted) or NULL when text is not a valid
 * request (or memory ran out).
 */
char	*cp_ctl_request(const char *text, size_t len, size_t *outlen);

#endif /* CP_CTL_H */
